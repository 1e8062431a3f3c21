// SPDX-License-Identifier: MIT
//
// A request body that may be streamed from disk. A body is a sequence of segments, each either
// bytes in memory or a byte range of a file, so a multipart upload of a 500 MB PDF is
// "preamble text | the file | closing text" and is never read into memory. The total length is
// known before sending, so every transport can send Content-Length (no chunked uploads needed).
//
// Transports consume a body through body_reader, which hands out bytes in the chunk sizes the
// stack asks for (curl's read callback, Beast's buffer body, an engine's upload callback).
#ifndef PULSE_HTTP_BODY_SOURCE_HPP
#define PULSE_HTTP_BODY_SOURCE_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/http/detail/file.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

PULSE_NAMESPACE_BEGIN
namespace http {

/// Bytes of a file on disk: [offset, offset + length).
struct file_segment {
    std::filesystem::path path; ///< the file, opened only while its bytes are being read
    std::uint64_t offset = 0;   ///< where in the file the bytes start
    std::uint64_t length = 0;   ///< bytes sent from `offset` (fixed when the segment was added)
};

/// One piece of a body: bytes in memory or a file range.
using body_segment = std::variant<std::string, file_segment>;

/// A request body: empty, a buffer, or segments (some of which stream from files).
/// A value type; copying it copies the in-memory bytes but never file contents.
class body_source {
public:
    /// An empty body (no bytes, Content-Length 0 where one is sent).
    body_source() = default;

    /// A body of the given bytes (e.g. a JSON document).
    static body_source from_string(std::string bytes) {
        body_source b;
        b.size_ = bytes.size();
        if (!bytes.empty()) b.segments_.emplace_back(std::move(bytes));
        return b;
    }

    /// A body that streams a whole file. Fails (input layer) when the file cannot be sized.
    static result<body_source> from_file(std::filesystem::path const& path) {
        body_source b;
        auto r = b.append_file(path);
        if (!r) return r.error();
        return b;
    }

    /// Append bytes from memory.
    void append(std::string bytes) {
        size_ += bytes.size();
        if (!bytes.empty()) segments_.emplace_back(std::move(bytes));
    }

    /// Append a whole file, sized now. The file must not change size before it is sent; if it
    /// does, the reader reports a file_error rather than sending a body of the wrong length.
    result<void> append_file(std::filesystem::path const& path) {
        std::error_code ec;
        auto const n = std::filesystem::file_size(path, ec);
        if (ec) return error(errc::file_error, "cannot read file size: " + ec.message(), detail::path_text(path));
        size_ += n;
        segments_.emplace_back(file_segment{path, 0, static_cast<std::uint64_t>(n)});
        return {};
    }

    /// True when the body has no bytes.
    bool empty() const noexcept { return size_ == 0; }
    /// Total length in bytes (the Content-Length to send).
    std::uint64_t size() const noexcept { return size_; }
    /// The segments in order: what body_reader reads, and what a transport that hands files to its
    /// stack by path (rather than reading them) would walk itself.
    std::vector<body_segment> const& segments() const noexcept { return segments_; }

    /// Concatenate an all-memory body into one string (tests, small JSON bodies). File segments
    /// are read from disk; fails on a file error.
    result<std::string> to_string() const;

private:
    std::vector<body_segment> segments_;
    std::uint64_t size_ = 0;
};

/// Sequential reader over a body_source. Holds at most one open FILE* at a time.
/// Not copyable; one reader per transfer. Restartable with rewind() (a transport that must
/// resend the body, e.g. after a 307, or curl's seek callback at offset 0).
class body_reader {
public:
    /// A reader at the first byte of `src`, which must outlive the reader and not change meanwhile.
    explicit body_reader(body_source const& src) : src_(&src) {}
    body_reader(body_reader const&) = delete;
    body_reader& operator=(body_reader const&) = delete;
    /// Closes the file being read, if any.
    ~body_reader() { close_file(); }

    /// Copy up to `n` bytes into `out`. Returns the count (0 at the end), or a file_error.
    result<std::size_t> read(char* out, std::size_t n) {
        std::size_t done = 0;
        auto const& segs = src_->segments();
        while (done < n && index_ < segs.size()) {
            auto const& seg = segs[index_];
            if (auto const* mem = std::get_if<std::string>(&seg)) {
                std::size_t const avail = mem->size() - static_cast<std::size_t>(offset_);
                std::size_t const take = avail < n - done ? avail : n - done;
                mem->copy(out + done, take, static_cast<std::size_t>(offset_));
                done += take;
                offset_ += take;
                if (offset_ == mem->size()) next();
            } else {
                auto const& fs = std::get<file_segment>(seg);
                if (!file_) {
                    file_ = detail::open_file(fs.path, false);
                    if (!file_) return error(errc::file_error, "cannot open file for upload", detail::path_text(fs.path));
                    if (fs.offset != 0 && std::fseek(file_, static_cast<long>(fs.offset), SEEK_SET) != 0)
                        return error(errc::file_error, "cannot seek in file for upload", detail::path_text(fs.path));
                }
                std::uint64_t const avail = fs.length - offset_;
                std::size_t const want = avail < n - done ? static_cast<std::size_t>(avail) : n - done;
                std::size_t const got = std::fread(out + done, 1, want, file_);
                if (got < want)
                    return error(errc::file_error, "file shorter than when the upload was prepared", detail::path_text(fs.path));
                done += got;
                offset_ += got;
                if (offset_ == fs.length) next();
            }
        }
        delivered_ += done;
        return done;
    }

    /// Start again from the first byte.
    void rewind() noexcept {
        close_file();
        index_ = 0;
        offset_ = 0;
        delivered_ = 0;
    }

    /// Bytes handed out so far.
    std::uint64_t position() const noexcept { return delivered_; }

private:
    void next() noexcept {
        close_file();
        ++index_;
        offset_ = 0;
    }
    void close_file() noexcept {
        if (file_) {
            std::fclose(file_);
            file_ = nullptr;
        }
    }

    body_source const* src_;
    std::size_t index_ = 0;
    std::uint64_t offset_ = 0;
    std::uint64_t delivered_ = 0;
    std::FILE* file_ = nullptr;
};

inline result<std::string> body_source::to_string() const {
    std::string out;
    out.resize(static_cast<std::size_t>(size_));
    body_reader r(*this);
    auto n = r.read(out.data(), out.size());
    if (!n) return n.error();
    out.resize(*n);
    return out;
}

} // namespace http
PULSE_NAMESPACE_END

#endif
