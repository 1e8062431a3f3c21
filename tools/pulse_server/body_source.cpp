#include "body_source.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

namespace pulse_server {

namespace {

class memory_source final : public body_source {
public:
    explicit memory_source(std::shared_ptr<const std::string> s) : s_(std::move(s)) {}
    std::optional<std::uint64_t> size() const override { return s_->size(); }
    std::size_t read(char* out, std::size_t cap) override {
        std::size_t n = std::min(cap, s_->size() - pos_);
        std::memcpy(out, s_->data() + pos_, n);
        pos_ += n;
        return n;
    }

private:
    std::shared_ptr<const std::string> s_;
    std::size_t pos_ = 0;
};

class fd_source final : public body_source {
public:
    fd_source(const std::string& path, std::uint64_t size) : size_(size) {
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "open " + path);
        ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
    }
    ~fd_source() override { ::close(fd_); }
    fd_source(const fd_source&) = delete;
    fd_source& operator=(const fd_source&) = delete;

    std::optional<std::uint64_t> size() const override { return size_; }
    std::size_t read(char* out, std::size_t cap) override {
        // Never send more than announced, even if the file grew meanwhile.
        std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(cap, size_ - pos_));
        std::size_t got = 0;
        while (got < want) {
            ssize_t r = ::read(fd_, out + got, want - got);
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) throw std::system_error(errno, std::generic_category(), "read result file");
            if (r == 0) break;  // shrank under us: the response ends short, which the client will notice
            got += static_cast<std::size_t>(r);
        }
        pos_ += got;
        return got;
    }

private:
    int fd_ = -1;
    std::uint64_t size_;
    std::uint64_t pos_ = 0;
};

class repeat_source_impl final : public body_source {
public:
    repeat_source_impl(std::string pattern, std::uint64_t n) : pattern_(std::move(pattern)), n_(n) {
        if (pattern_.empty()) pattern_.push_back(' ');
    }
    std::optional<std::uint64_t> size() const override { return n_; }
    std::size_t read(char* out, std::size_t cap) override {
        const std::size_t period = pattern_.size();
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(cap, n_ - pos_));
        const std::size_t p0 = static_cast<std::size_t>(pos_ % period);
        std::size_t done = 0;
        // One period (rotated to where the last read stopped)...
        while (done < n && done < period) {
            std::size_t phase = (p0 + done) % period;
            std::size_t k = std::min({n - done, period - phase, period - done});
            std::memcpy(out + done, pattern_.data() + phase, k);
            done += k;
        }
        // ...then double it: `done` stays a multiple of the period until the last, partial copy.
        while (done < n) {
            std::size_t m = std::min(n - done, done);
            std::memcpy(out + done, out, m);
            done += m;
        }
        pos_ += n;
        return n;
    }

private:
    std::string pattern_;
    std::uint64_t n_;
    std::uint64_t pos_ = 0;
};

class concat_source_impl final : public body_source {
public:
    explicit concat_source_impl(std::vector<source_ptr> parts) : parts_(std::move(parts)) {}
    std::optional<std::uint64_t> size() const override {
        std::uint64_t total = 0;
        for (auto& p : parts_) {
            auto s = p->size();
            if (!s) return std::nullopt;
            total += *s;
        }
        return total;
    }
    std::size_t read(char* out, std::size_t cap) override {
        std::size_t done = 0;
        while (done < cap && i_ < parts_.size()) {
            std::size_t n = parts_[i_]->read(out + done, cap - done);
            if (n == 0) ++i_;
            done += n;
        }
        return done;
    }

private:
    std::vector<source_ptr> parts_;
    std::size_t i_ = 0;
};

class limit_source_impl final : public body_source {
public:
    limit_source_impl(source_ptr inner, std::uint64_t n) : inner_(std::move(inner)), left_(n) {
        if (auto s = inner_->size()) left_ = std::min(left_, *s);
        size_ = left_;
    }
    std::optional<std::uint64_t> size() const override { return size_; }
    std::size_t read(char* out, std::size_t cap) override {
        std::size_t n = inner_->read(out, static_cast<std::size_t>(std::min<std::uint64_t>(cap, left_)));
        left_ -= n;
        return n;
    }

private:
    source_ptr inner_;
    std::uint64_t left_;
    std::uint64_t size_;
};

class gzip_source_impl final : public body_source {
public:
    explicit gzip_source_impl(source_ptr inner) : inner_(std::move(inner)), in_(64 * 1024) {
        // windowBits 15 + 16 asks zlib for a gzip wrapper; level 1 because the point is exercising
        // the client's decoder, not saving bytes on loopback.
        if (deflateInit2(&zs_, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            throw std::runtime_error("deflateInit2 failed");
    }
    ~gzip_source_impl() override { deflateEnd(&zs_); }
    gzip_source_impl(const gzip_source_impl&) = delete;
    gzip_source_impl& operator=(const gzip_source_impl&) = delete;

    std::optional<std::uint64_t> size() const override { return std::nullopt; }
    std::size_t read(char* out, std::size_t cap) override {
        if (finished_ || cap == 0) return 0;
        zs_.next_out = reinterpret_cast<Bytef*>(out);
        zs_.avail_out = static_cast<uInt>(std::min<std::size_t>(cap, 1u << 30));
        while (zs_.avail_out > 0 && !finished_) {
            if (zs_.avail_in == 0 && !input_done_) {
                std::size_t n = inner_->read(in_.data(), in_.size());
                if (n == 0) input_done_ = true;
                zs_.next_in = reinterpret_cast<Bytef*>(in_.data());
                zs_.avail_in = static_cast<uInt>(n);
            }
            int rc = deflate(&zs_, input_done_ ? Z_FINISH : Z_NO_FLUSH);
            if (rc == Z_STREAM_END) finished_ = true;
            else if (rc != Z_OK && rc != Z_BUF_ERROR) throw std::runtime_error("deflate failed");
            // Hand out what we have as soon as we have a reasonable amount, so streaming keeps moving.
            std::size_t produced = cap - zs_.avail_out;
            if (produced > 0 && zs_.avail_in == 0 && !input_done_ && produced >= cap / 2) break;
        }
        return cap - zs_.avail_out;
    }

private:
    source_ptr inner_;
    std::vector<char> in_;
    z_stream zs_{};
    bool input_done_ = false;
    bool finished_ = false;
};

}  // namespace

source_ptr string_source(std::string s) {
    return std::make_unique<memory_source>(std::make_shared<const std::string>(std::move(s)));
}
source_ptr shared_string_source(std::shared_ptr<const std::string> s) {
    return std::make_unique<memory_source>(std::move(s));
}
source_ptr file_source(const std::string& path, std::uint64_t size) {
    return std::make_unique<fd_source>(path, size);
}
source_ptr repeat_source(std::string pattern, std::uint64_t n) {
    return std::make_unique<repeat_source_impl>(std::move(pattern), n);
}
source_ptr endless_source(std::string pattern) {
    // A repetition longer than any client reads, whose size is not announced.
    class endless final : public body_source {
    public:
        explicit endless(std::string pattern) : inner_(std::move(pattern), std::numeric_limits<std::uint64_t>::max()) {}
        std::optional<std::uint64_t> size() const override { return std::nullopt; }
        std::size_t read(char* out, std::size_t cap) override { return inner_.read(out, cap); }

    private:
        repeat_source_impl inner_;
    };
    return std::make_unique<endless>(std::move(pattern));
}
source_ptr concat_source(std::vector<source_ptr> parts) {
    return std::make_unique<concat_source_impl>(std::move(parts));
}
source_ptr limit_source(source_ptr inner, std::uint64_t n) {
    return std::make_unique<limit_source_impl>(std::move(inner), n);
}
source_ptr gzip_source(source_ptr inner) { return std::make_unique<gzip_source_impl>(std::move(inner)); }

std::string drain(body_source& src) {
    std::string out;
    if (auto s = src.size()) out.reserve(static_cast<std::size_t>(*s));
    char buf[16 * 1024];
    while (std::size_t n = src.read(buf, sizeof buf)) out.append(buf, n);
    return out;
}

}  // namespace pulse_server
