// SPDX-License-Identifier: MIT
//
// Ready-made response handlers: collect a body into a string (with a size cap), write it to a file
// as it arrives, or feed two handlers at once (tee).
//
// How a sink's own failure reaches the caller. A handler can only answer "abort"; the transport
// then reports errc::aborted_by_sink, which says *that* the sink stopped, not *why*. So each sink
// remembers its reason (body_too_large, file_error), and finish(transport_outcome) turns the
// transport's answer into the real one:
//
//     pulse::http::file_sink sink = *pulse::http::file_sink::create("result.json");
//     auto done = sink.finish(transport.perform(request, sink)); // file_error, a transport error, or ok
//
// Asynchronous transports call on_complete(outcome) instead of returning it; the sinks then run
// finish(outcome) themselves and keep the answer in completion().
//
// Sinks record the head they were given (status and fields) and accept bodies of any status: the
// caller (or the flow) decides what a 404 body means. Like every handler, they are used by one
// transfer at a time on the thread that drives it, and they must not throw (a transport may call
// them from inside a C library).
#ifndef PULSE_HTTP_BODY_SINKS_HPP
#define PULSE_HTTP_BODY_SINKS_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/http/detail/file.hpp>
#include <pulse/http/response.hpp>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

PULSE_NAMESPACE_BEGIN
namespace http {

namespace detail {
// The sink's reason wins over the transport's "aborted_by_sink"; otherwise the transport's error,
// annotated with how many bytes the sink had taken (what a single-use download needs to know).
inline result<void> combine_outcome(result<void> const& transport, std::optional<error> const& own,
                                    std::uint64_t bytes) {
    if (own) return *own;
    if (!transport) {
        error e = transport.error();
        if (e.bytes_delivered == 0) e.bytes_delivered = static_cast<std::size_t>(bytes);
        return e;
    }
    return {};
}

// Is the body, as the stack will deliver it, the same length as Content-Length? Not when the
// stack decodes a Content-Encoding: then Content-Length counts compressed bytes.
inline bool length_is_decoded_length(response_head const& h) {
    auto enc = h.headers.find("content-encoding");
    return !enc || enc->empty() || iequals(*enc, "identity");
}
} // namespace detail

/// What string_sink does when the body outgrows its cap.
enum class overflow_policy : unsigned char {
    fail,     ///< stop the transfer; finish() reports errc::body_too_large
    truncate, ///< keep the first max_bytes, drop the rest, let the transfer complete
};

/// Collects the body in memory, up to `max_bytes`.
class string_sink final : public response_handler {
public:
    /// A sink that keeps at most `max_bytes` of body, and does what `policy` says beyond that.
    explicit string_sink(std::size_t max_bytes = (std::numeric_limits<std::size_t>::max)(),
                         overflow_policy policy = overflow_policy::fail) noexcept
        : max_(max_bytes), policy_(policy) {}

    /// Records the head and starts a new body. Refuses (abort) a Content-Length beyond the cap under
    /// overflow_policy::fail, unless a Content-Encoding makes the length count encoded bytes.
    sink_action on_head(response_head const& h) override {
        head_ = h;
        body_.clear();
        truncated_ = false;
        // Refuse early when the server announces more than we accept (and nothing decodes it).
        auto const len = h.content_length();
        if (policy_ == overflow_policy::fail && len && *len > max_ && detail::length_is_decoded_length(h)) {
            fail(*len);
            return sink_action::abort;
        }
        // Reserve for the announced length, but not blindly: a bogus Content-Length must not make
        // us allocate gigabytes before a single byte arrived.
        if (len && *len <= max_) body_.reserve(static_cast<std::size_t>(*len < reserve_limit ? *len : reserve_limit));
        return sink_action::proceed;
    }

    /// Appends the chunk; past the cap, stops the transfer or drops the rest, as the policy says.
    sink_action on_body(std::string_view chunk) override {
        std::size_t const room = max_ - body_.size();
        if (chunk.size() <= room) {
            body_.append(chunk);
            return sink_action::proceed;
        }
        if (policy_ == overflow_policy::fail) {
            fail(static_cast<std::uint64_t>(body_.size()) + chunk.size());
            return sink_action::abort;
        }
        body_.append(chunk.substr(0, room));
        truncated_ = true;
        return sink_action::proceed;
    }

    /// Asynchronous transports: keeps finish(outcome) in completion().
    void on_complete(result<void> outcome) override { completion_ = finish(outcome); }

    /// The transfer's real outcome: body_too_large if this sink stopped it, else `transport`.
    result<void> finish(result<void> const& transport) const {
        return detail::combine_outcome(transport, failure_, body_.size());
    }

    /// The head of the response (status 0 before one arrived).
    response_head const& head() const noexcept { return head_; }
    /// The body received so far (at most the cap).
    std::string const& body() const noexcept { return body_; }
    /// Moves the body out, leaving the sink's body empty.
    std::string take_body() noexcept { return std::move(body_); }
    /// True when the truncate policy dropped bytes.
    bool truncated() const noexcept { return truncated_; }
    /// This sink's own reason for stopping, if it stopped the transfer.
    std::optional<error> const& failure() const noexcept { return failure_; }
    /// For asynchronous transports: finish(outcome) once on_complete ran.
    std::optional<result<void>> const& completion() const noexcept { return completion_; }

private:
    void fail(std::uint64_t seen) {
        error e(errc::body_too_large, "response body of at least " + std::to_string(seen) +
                                          " bytes exceeds the cap of " + std::to_string(max_) + " bytes");
        e.http_status = head_.status;
        e.bytes_delivered = body_.size();
        failure_ = std::move(e);
    }

    static constexpr std::uint64_t reserve_limit = std::uint64_t{8} << 20;

    std::size_t max_;
    overflow_policy policy_;
    response_head head_;
    std::string body_;
    bool truncated_ = false;
    std::optional<error> failure_;
    std::optional<result<void>> completion_;
};

/// Writes the body to a file as it arrives: either a FILE* the caller owns (never closed here) or a
/// file this sink creates. finish() flushes (and closes a file it created) and reports any write or
/// flush failure as errc::file_error, so a full disk is never a silent success.
class file_sink final : public response_handler {
public:
    /// Write to `f` (opened by the caller in binary mode). finish() flushes but does not close it.
    explicit file_sink(std::FILE* f) noexcept : file_(f), owned_(false) {}

    /// Create (or truncate) `path` for writing. The file exists from now on, even if the transfer
    /// later fails; remove it yourself if a partial file is unwanted.
    static result<file_sink> create(std::filesystem::path const& path) {
        errno = 0;
        std::FILE* f = detail::open_file(path, true);
        if (!f) return error(errc::file_error, std::string("cannot create file: ") + std::strerror(errno), detail::path_text(path));
        file_sink s(f);
        s.owned_ = true;
        s.path_ = detail::path_text(path);
        return s;
    }

    /// Takes over the file (and its ownership) and everything recorded; `o` is left without a file.
    file_sink(file_sink&& o) noexcept
        : file_(std::exchange(o.file_, nullptr)), owned_(o.owned_), path_(std::move(o.path_)), head_(std::move(o.head_)),
          written_(o.written_), failure_(std::move(o.failure_)), completion_(std::move(o.completion_)) {}
    /// Closes a file this sink created, then takes over `o`'s as the move constructor does.
    file_sink& operator=(file_sink&& o) noexcept {
        if (this != &o) {
            close_quietly();
            file_ = std::exchange(o.file_, nullptr);
            owned_ = o.owned_;
            path_ = std::move(o.path_);
            head_ = std::move(o.head_);
            written_ = o.written_;
            failure_ = std::move(o.failure_);
            completion_ = std::move(o.completion_);
        }
        return *this;
    }
    file_sink(file_sink const&) = delete;
    file_sink& operator=(file_sink const&) = delete;
    /// Closes a file this sink created, without reporting errors (call finish() to learn them).
    ~file_sink() { close_quietly(); }

    /// Records the head; every status is accepted.
    sink_action on_head(response_head const& h) override {
        head_ = h;
        return sink_action::proceed;
    }

    /// Writes the chunk; a failed write stops the transfer and is kept as failure().
    sink_action on_body(std::string_view chunk) override {
        if (!file_) {
            if (!failure_) failure_ = error(errc::file_error, "file sink has no open file", path_);
            return sink_action::abort;
        }
        errno = 0;
        std::size_t const n = std::fwrite(chunk.data(), 1, chunk.size(), file_);
        written_ += n;
        if (n != chunk.size()) {
            record(std::string("cannot write to file: ") + std::strerror(errno));
            return sink_action::abort;
        }
        return sink_action::proceed;
    }

    /// Asynchronous transports: runs finish(outcome) and keeps the answer in completion().
    void on_complete(result<void> outcome) override { completion_ = finish(outcome); }

    /// Flush (and close, if this sink created the file), then the transfer's real outcome: a
    /// file_error if writing or flushing failed, else `transport`'s. Call once, after the transfer.
    result<void> finish(result<void> const& transport = {}) {
        if (file_) {
            errno = 0;
            if (std::fflush(file_) != 0 || std::ferror(file_)) record(std::string("cannot flush file: ") + std::strerror(errno));
            if (owned_) {
                errno = 0;
                if (std::fclose(file_) != 0) record(std::string("cannot close file: ") + std::strerror(errno));
            }
            file_ = nullptr;
        }
        return detail::combine_outcome(transport, failure_, written_);
    }

    /// The head of the response (status 0 before one arrived).
    response_head const& head() const noexcept { return head_; }
    /// Bytes handed to the file so far.
    std::uint64_t bytes_written() const noexcept { return written_; }
    /// The first write, flush or close failure (errc::file_error), if there was one.
    std::optional<error> const& failure() const noexcept { return failure_; }
    /// For asynchronous transports: finish(outcome) once on_complete ran.
    std::optional<result<void>> const& completion() const noexcept { return completion_; }

private:
    void record(std::string msg) {
        if (failure_) return; // keep the first cause
        error e(errc::file_error, std::move(msg), path_);
        e.http_status = head_.status;
        e.bytes_delivered = static_cast<std::size_t>(written_);
        failure_ = std::move(e);
    }
    void close_quietly() noexcept {
        if (file_ && owned_) std::fclose(file_);
        file_ = nullptr;
    }

    std::FILE* file_ = nullptr;
    bool owned_ = false;
    std::string path_;
    response_head head_;
    std::uint64_t written_ = 0;
    std::optional<error> failure_;
    std::optional<result<void>> completion_;
};

/// When a tee_sink stops the transfer.
///
/// By default the transfer continues while either branch still wants bytes: a branch that aborts
/// is simply not called again (except on_complete). That is what "nothing lost" needs: when the
/// JSON parser on one branch gives up on a single-use large result, the file on the other branch
/// still receives every byte.
enum class tee_policy : unsigned char {
    continue_while_any,  ///< stop only when both branches have aborted
    stop_on_first_abort  ///< stop as soon as either branch aborts
};

/// Feeds every callback to two handlers (nest tees for more); see tee_policy for when it stops.
class tee_sink final : public response_handler {
public:
    /// A tee over `first` and `second`, which must outlive it; each is called in that order.
    tee_sink(response_handler& first, response_handler& second,
             tee_policy policy = tee_policy::continue_while_any) noexcept
        : a_(&first), b_(&second), policy_(policy) {}

    /// Gives the head to both branches.
    sink_action on_head(response_head const& h) override {
        a_stopped_ = a_->on_head(h) == sink_action::abort;
        b_stopped_ = b_->on_head(h) == sink_action::abort;
        return verdict();
    }

    /// Gives the chunk to each branch that has not aborted.
    sink_action on_body(std::string_view chunk) override {
        if (!a_stopped_) a_stopped_ = a_->on_body(chunk) == sink_action::abort;
        if (!b_stopped_) b_stopped_ = b_->on_body(chunk) == sink_action::abort;
        return verdict();
    }

    /// Both branches learn how the transfer ended, including one that stopped early.
    void on_complete(result<void> outcome) override {
        a_->on_complete(outcome);
        b_->on_complete(outcome);
    }

    /// Whether the first branch has aborted.
    bool first_stopped() const noexcept { return a_stopped_; }
    /// Whether the second branch has aborted.
    bool second_stopped() const noexcept { return b_stopped_; }

private:
    sink_action verdict() const noexcept {
        bool const stop = policy_ == tee_policy::stop_on_first_abort ? (a_stopped_ || b_stopped_) : (a_stopped_ && b_stopped_);
        return stop ? sink_action::abort : sink_action::proceed;
    }

    response_handler* a_;
    response_handler* b_;
    tee_policy policy_;
    bool a_stopped_ = false;
    bool b_stopped_ = false;
};

} // namespace http
PULSE_NAMESPACE_END

#endif
