// SPDX-License-Identifier: MIT
//
// One request/response exchange on a curl easy handle: option setup, the C callbacks, response-head
// collection and CURLcode mapping. Shared by the blocking easy_transport and the multi_transport,
// which drive the same handle setup from different loops.
//
// Internal: names and signatures here may change without notice.
#ifndef PULSE_CURL_DETAIL_EASY_TRANSFER_HPP
#define PULSE_CURL_DETAIL_EASY_TRANSFER_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/http/body_source.hpp>
#include <pulse/http/request.hpp>
#include <pulse/http/response.hpp>
#include <pulse/http/transport.hpp>

#include <curl/curl.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

PULSE_NAMESPACE_BEGIN
namespace curl::detail {

/// Owns a curl_slist.
class slist {
public:
    slist() = default;
    slist(slist const&) = delete;
    slist& operator=(slist const&) = delete;
    ~slist() { curl_slist_free_all(list_); }

    /// false when libcurl could not allocate.
    bool append(std::string const& line) noexcept {
        curl_slist* next = curl_slist_append(list_, line.c_str());
        if (!next) return false;
        list_ = next;
        return true;
    }
    curl_slist* get() const noexcept { return list_; }

private:
    curl_slist* list_ = nullptr;
};

/// Builds the response head from the lines curl's header callback hands over. A new status line
/// starts a new head: interim 1xx responses, proxy CONNECT answers and redirect responses are
/// replaced by whatever follows them. Lines after the final head (chunked trailers) are ignored.
///
/// Caps, so a hostile server cannot make us hold an unbounded head (libcurl's own limits vary by
/// version): max_head_fields fields and max_head_bytes bytes per head.
class head_collector {
public:
    static constexpr std::size_t max_head_fields = 1000;
    static constexpr std::size_t max_head_bytes = 256 * 1024;

    /// Feed one raw header line (with its CRLF). Returns false for a status line it cannot read,
    /// or when the head grows past a cap (too_large() then says so).
    bool line(std::string_view raw) {
        if (started_ && !complete_) {
            head_bytes_ += raw.size();
            if (head_bytes_ > max_head_bytes) {
                too_large_ = true;
                return false;
            }
        }
        std::string_view l = raw;
        while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.remove_suffix(1);
        if (l.substr(0, 5) == "HTTP/") {
            fields_.clear();
            head_bytes_ = raw.size();
            status_ = 0;
            complete_ = false;
            built_ = false;
            // "HTTP/1.1 200 OK", "HTTP/2 200"
            auto const sp = l.find(' ');
            if (sp == std::string_view::npos || l.size() < sp + 4) return false;
            for (std::size_t i = sp + 1; i < sp + 4; ++i) {
                if (l[i] < '0' || l[i] > '9') return false;
                status_ = status_ * 10 + (l[i] - '0');
            }
            started_ = true;
            return true;
        }
        if (!started_ || complete_) return true; // noise before a status line, or trailers
        if (l.empty()) {
            // End of this head. An interim 1xx head is followed by another status line.
            complete_ = status_ >= 200;
            return true;
        }
        if (l.front() == ' ' || l.front() == '\t') {
            // Obsolete line folding (RFC 9112 section 5.2): replace by a space, join to the previous value.
            if (!fields_.empty()) {
                auto const v = trim(l);
                if (!v.empty()) fields_.back().value.append(" ").append(v);
            }
            return true;
        }
        auto const colon = l.find(':');
        if (colon == std::string_view::npos || colon == 0) return true; // not a field line; ignore
        if (fields_.size() == max_head_fields) {
            too_large_ = true;
            return false;
        }
        fields_.push_back({std::string(l.substr(0, colon)), std::string(trim(l.substr(colon + 1)))});
        return true;
    }

    http::response_head const& head() {
        if (!built_) {
            head_.status = status_;
            head_.headers.clear();
            for (auto& f : fields_) head_.headers.add(f.name, f.value);
            built_ = true;
        }
        return head_;
    }

    bool started() const noexcept { return started_; }
    /// A head grew past max_head_fields or max_head_bytes.
    bool too_large() const noexcept { return too_large_; }
    /// The blank line after a final (non-1xx) status has been seen.
    bool complete() const noexcept { return complete_; }
    int status() const noexcept { return status_; }

private:
    static std::string_view trim(std::string_view s) noexcept {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
        return s;
    }

    std::vector<http::header_field> fields_;
    int status_ = 0;
    bool started_ = false;
    bool complete_ = false;
    bool built_ = false;
    bool too_large_ = false;
    std::size_t head_bytes_ = 0;
    http::response_head head_;
};

/// The state of one exchange (one hop of a redirect chain), handed to curl's callbacks.
class exchange {
public:
    exchange(http::body_source const& body, http::response_handler& handler) : reader_(body), handler_(&handler) {}
    exchange(exchange const&) = delete;
    exchange& operator=(exchange const&) = delete;

    /// When set (by the transport, for a redirect it will follow), the response is not delivered:
    /// decided once the head is complete, via the predicate given here.
    template <class Pred>
    void set_redirect_check(Pred* p) noexcept {
        redirect_ctx_ = p;
        redirect_fn_ = [](void* ctx, http::response_head const& h) { return (*static_cast<Pred*>(ctx))(h); };
    }

    // --- curl callbacks (C linkage is not required by libcurl's ABI on supported platforms; they
    // are noexcept so an exception from a handler ends the program instead of unwinding through C).

    static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* self) noexcept {
        auto& x = *static_cast<exchange*>(self);
        std::size_t const len = size * n;
        if (!x.head_.line(std::string_view(data, len))) {
            if (!x.head_.too_large()) x.bad_status_line_ = true;
            return 0;
        }
        if (x.head_.complete() && !x.redirect_decided_) {
            x.redirect_decided_ = true;
            x.redirecting_ = x.redirect_fn_ != nullptr && x.redirect_fn_(x.redirect_ctx_, x.head_.head());
        }
        return len;
    }

    static std::size_t on_write(char* data, std::size_t size, std::size_t n, void* self) noexcept {
        auto& x = *static_cast<exchange*>(self);
        std::size_t const len = size * n;
        if (x.redirecting_) return len; // body of a redirect we follow: not the caller's
        if (!x.head_delivered_ && !x.deliver_head()) return 0;
        if (len == 0) return 0;
        if (x.handler_->on_body(std::string_view(data, len)) == http::sink_action::abort) {
            x.aborted_ = true;
            return 0; // curl stops with CURLE_WRITE_ERROR
        }
        x.delivered_ += len;
        return len;
    }

    static std::size_t on_read(char* buf, std::size_t size, std::size_t n, void* self) noexcept {
        auto& x = *static_cast<exchange*>(self);
        auto r = x.reader_.read(buf, size * n);
        if (!r) {
            x.read_error_ = r.error();
            return CURL_READFUNC_ABORT;
        }
        return *r;
    }

    // libcurl rewinds the upload when it must resend it (a reused connection that turned out to be
    // closed, an authentication round). We can restart from the beginning, nowhere else.
    static int on_seek(void* self, curl_off_t offset, int origin) noexcept {
        auto& x = *static_cast<exchange*>(self);
        if (origin != SEEK_SET || offset != 0) return CURL_SEEKFUNC_CANTSEEK;
        x.reader_.rewind();
        return CURL_SEEKFUNC_OK;
    }

    /// Deliver the head now if the body was empty (curl never called on_write). false on abort.
    bool deliver_head_if_pending() {
        if (redirecting_ || head_delivered_) return true;
        return deliver_head();
    }

    bool redirecting() const noexcept { return redirecting_; }
    bool aborted() const noexcept { return aborted_; }
    bool bad_status_line() const noexcept { return bad_status_line_; }
    bool head_too_large() const noexcept { return head_.too_large(); }
    bool head_seen() const noexcept { return head_.started(); }
    int status() const noexcept { return head_.status(); }
    http::response_head const& head() { return head_.head(); }
    std::uint64_t bytes_delivered() const noexcept { return delivered_; }
    std::optional<error> const& read_error() const noexcept { return read_error_; }

private:
    bool deliver_head() {
        head_delivered_ = true;
        if (handler_->on_head(head_.head()) == http::sink_action::abort) {
            aborted_ = true;
            return false;
        }
        return true;
    }

    http::body_reader reader_;
    http::response_handler* handler_;
    head_collector head_;
    bool head_delivered_ = false;
    bool aborted_ = false;
    bool bad_status_line_ = false;
    bool redirect_decided_ = false;
    bool redirecting_ = false;
    std::uint64_t delivered_ = 0;
    std::optional<error> read_error_;
    void* redirect_ctx_ = nullptr;
    bool (*redirect_fn_)(void*, http::response_head const&) = nullptr;
};

/// The errc for a CURLcode. `aborted`: our handler asked to stop (so CURLE_WRITE_ERROR is that).
constexpr errc map_code(CURLcode c, bool aborted) noexcept {
    switch (c) {
    case CURLE_OK: return errc::ok;
    case CURLE_COULDNT_RESOLVE_HOST: return errc::resolve_failed;
    case CURLE_COULDNT_RESOLVE_PROXY:
#if LIBCURL_VERSION_NUM >= 0x074900 // 7.73.0
    case CURLE_PROXY:
#endif
        return errc::proxy_failed;
    case CURLE_COULDNT_CONNECT: return errc::connect_failed;
    // The certificate (or the CA bundle it is checked against) is the problem: the same on retry.
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS: return errc::tls_verification_failed;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_USE_SSL_FAILED:
#if LIBCURL_VERSION_NUM >= 0x074c00 // 7.76.0
    case CURLE_SSL_CLIENTCERT:
#endif
        return errc::tls_failed;
    case CURLE_OPERATION_TIMEDOUT: return errc::timeout;
    case CURLE_PARTIAL_FILE: return errc::body_truncated;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_FAIL_REWIND: // a POST's connection closed after sending (easy_setup.hpp, refuse_rewind)
    case CURLE_HTTP2_STREAM: return errc::connection_reset;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_BAD_CONTENT_ENCODING: return errc::protocol_error;
    case CURLE_TOO_MANY_REDIRECTS: return errc::too_many_redirects;
    case CURLE_WRITE_ERROR: return aborted ? errc::aborted_by_sink : errc::transport_failed;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL: return errc::invalid_argument; // the caller's URL, not the network
    default: return errc::transport_failed;
    }
}

} // namespace curl::detail
PULSE_NAMESPACE_END

#endif
