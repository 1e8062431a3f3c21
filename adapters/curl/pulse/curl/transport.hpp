// SPDX-License-Identifier: MIT
//
// pulse::curl::easy_transport: a pulse::http::blocking_transport on one libcurl easy handle.
//
//     #include <pulse/curl/transport.hpp>       // target pulse::curl (links libcurl)
//
//     pulse::curl::easy_transport transport;    // options: pulse::http::transport_options
//     pulse::http::string_sink sink(1 << 20);
//     auto outcome = sink.finish(transport.perform(request, sink));
//
// What it does, and why:
// - One easy handle for the transport's lifetime. Before each request the handle's options are
//   reset with curl_easy_reset(), which (per libcurl's documentation) keeps live connections, the
//   DNS cache and TLS session IDs; so consecutive polls to the API reuse one connection.
// - The request body is streamed from pulse::http::body_reader through CURLOPT_READFUNCTION with
//   its exact size declared (POSTFIELDSIZE_LARGE / INFILESIZE_LARGE), so Content-Length is sent
//   and a 500 MB upload is never in memory. A seek callback lets libcurl rewind the body when it
//   must resend it. `Expect: 100-continue` is disabled (an empty "Expect:" field): servers that
//   ignore it cost a one-second stall per upload.
// - The response is pushed to the handler: the head once (only the final response's: interim 1xx,
//   proxy CONNECT answers and followed redirects are dropped), just before the first body byte, or
//   at completion when there is no body; then each chunk as libcurl receives it. An abort from the
//   handler stops the transfer at once and perform() returns errc::aborted_by_sink.
// - HTTP statuses are not errors: a 404 is a successful perform() whose head says 404.
// - Every transport_options field is honoured: connect_timeout -> CONNECTTIMEOUT_MS (0 leaves
//   libcurl's default of 300 s), total_timeout -> TIMEOUT_MS (0 = none), stall_timeout and
//   stall_min_bytes_per_second -> LOW_SPEED_TIME (seconds, rounded up) / LOW_SPEED_LIMIT,
//   verify_tls -> SSL_VERIFYPEER + SSL_VERIFYHOST, ca_bundle -> CAINFO, proxy -> PROXY only when set
//   (an empty string disables proxies; nullopt leaves libcurl's http_proxy/https_proxy/no_proxy
//   handling alone), accept_compressed -> ACCEPT_ENCODING "" (every encoding this libcurl decodes),
//   user_agent -> USERAGENT.
// - follow_redirects is honoured by this adapter, NOT by CURLOPT_FOLLOWLOCATION: libcurl strips only
//   Authorization and Cookie when a redirect changes host, and would send x-api-key to whatever
//   host a redirect names. Here each 301/302/303/307/308 with a usable Location is followed by the
//   adapter (at most max_redirects hops, then errc::too_many_redirects), credentials (x-api-key,
//   Authorization, Cookie, Proxy-Authorization) are dropped as soon as a hop leaves the original
//   origin (pulse::http::same_origin), 303 -- and 301/302 after a POST -- become a GET without a
//   body, and effective_url() reports where the final response came from.
// - Only http and https are allowed (CURLOPT_PROTOCOLS_STR): a URL cannot make libcurl read
//   file:// or speak another protocol.
// - Errors: CURLcode -> pulse::errc (see detail::map_code), libcurl's message (CURLOPT_ERRORBUFFER)
//   in error.message, the CURLcode in error.native_code, the HTTP status if a head had arrived, the
//   bytes already delivered in error.bytes_delivered. Nothing is logged (no CURLOPT_VERBOSE), header
//   values never appear in errors, and the values of credential headers are scrubbed from any text
//   libcurl produced.
// - A header field whose name is not an RFC 9110 token, or whose value holds CR, LF or NUL, is
//   refused (errc::invalid_argument) instead of being sent: it would inject header lines.
// - Content-Length and Transfer-Encoding given in the request are ignored: the body_source's size
//   is authoritative, and a second, different length would corrupt the exchange.
// - A POST is never sent twice. libcurl silently resends a request whose reused connection
//   closed before any answer, and a resent POST /extract is a second, billed job. For a POST
//   the adapter refuses the body rewind that a resend needs, so the transfer fails with
//   errc::connection_reset instead (a request that never left is still resent: that is safe). A POST
//   without a body gets a fresh connection, closed afterwards. POSTs share connections otherwise.
// - CURLE_UNSUPPORTED_PROTOCOL for an http(s) URL means the peer's bytes were not HTTP/1.x
//   (libcurl's "Received HTTP/0.9"): errc::protocol_error, a transport failure, not the caller's.
//
// Threads: an easy_transport is not thread-safe; it performs one transfer at a time, on the thread
// that calls perform(). Use one per thread (they are cheap) or a multi-handle transport. The
// handler's callbacks run on that thread, inside libcurl, and must not throw (the callbacks are
// noexcept: an exception there terminates the program rather than unwind through C frames).
//
// Not copyable (it owns the handle and its connections); movable.
//
// Process-wide init: see <pulse/curl/global_init.hpp>. This header never calls curl_global_init.
#ifndef PULSE_CURL_TRANSPORT_HPP
#define PULSE_CURL_TRANSPORT_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/curl/detail/easy_setup.hpp>
#include <pulse/curl/detail/easy_transfer.hpp>
#include <pulse/curl/global_init.hpp>
#include <pulse/error.hpp>
#include <pulse/http/origin.hpp>
#include <pulse/http/request.hpp>
#include <pulse/http/response.hpp>
#include <pulse/http/transport.hpp>

#include <curl/curl.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

PULSE_NAMESPACE_BEGIN
namespace curl {

/// A pulse::http::blocking_transport on one libcurl easy handle: connections, DNS cache and TLS
/// sessions are kept between requests; bodies stream both ways; redirects are followed by the
/// adapter with the credential rule; a POST is never sent twice. The file comment of
/// <pulse/curl/transport.hpp> lists every behaviour and how transport_options map to libcurl.
///
/// Not thread-safe: one transfer at a time, on the thread that calls perform(). Movable, not
/// copyable.
class easy_transport {
public:
    /// Redirect hops followed (when transport_options::follow_redirects is on) before giving up.
    static constexpr int max_redirects = 10;

    /// Creates the easy handle. If libcurl cannot (out of memory), valid() is false and every
    /// perform() fails with errc::transport_failed.
    explicit easy_transport(http::transport_options options = {}) : options_(std::move(options)), handle_(curl_easy_init()) {}

    easy_transport(easy_transport const&) = delete;
    easy_transport& operator=(easy_transport const&) = delete;
    /// Takes over the handle and its connections; `o` is left without a handle (valid() is false).
    easy_transport(easy_transport&& o) noexcept
        : options_(std::move(o.options_)), handle_(std::exchange(o.handle_, nullptr)), effective_url_(std::move(o.effective_url_)) {}
    /// Frees this transport's handle, then takes over `o`'s as the move constructor does.
    easy_transport& operator=(easy_transport&& o) noexcept {
        if (this != &o) {
            if (handle_) curl_easy_cleanup(handle_);
            options_ = std::move(o.options_);
            handle_ = std::exchange(o.handle_, nullptr);
            effective_url_ = std::move(o.effective_url_);
        }
        return *this;
    }
    /// Frees the handle and closes its connections.
    ~easy_transport() {
        if (handle_) curl_easy_cleanup(handle_);
    }

    /// Whether the transport has an easy handle (false after a failed curl_easy_init, or moved from).
    bool valid() const noexcept { return handle_ != nullptr; }
    /// The options in force.
    http::transport_options const& options() const noexcept { return options_; }
    /// New options apply from the next perform().
    void set_options(http::transport_options options) { options_ = std::move(options); }

    /// The libcurl handle, for curl_easy_getinfo() after a transfer (e.g. CURLINFO_NUM_CONNECTS).
    /// Options set on it are discarded by the next perform().
    CURL* native_handle() const noexcept { return handle_; }

    /// The URL the last perform() got its final response from, or was talking to when it failed
    /// (differs from the request's only after followed redirects).
    std::string const& effective_url() const noexcept { return effective_url_; }

    /// Send `req` and push the response into `handler`; returns when the transfer is over.
    /// Success means a complete response of any status reached the handler.
    result<void> perform(http::request const& req, http::response_handler& handler) {
        effective_url_.clear();
        if (!handle_) return error(errc::transport_failed, "curl_easy_init failed");

        // The hop being sent. Starts as the caller's request; a followed redirect rewrites it.
        auto hp = http::redirect_hop::first(req);
        for (int hop = 0;; ++hop) {
            // Deciding to follow happens in the header callback, before any body byte is passed on.
            detail::redirect_decision decide{options_.follow_redirects, &hp.url, {}};
            http::body_source const empty_body;
            detail::exchange x(hp.send_body ? req.body : empty_body, handler);
            x.set_redirect_check(&decide);

            effective_url_ = hp.url;
            auto outcome = run_one(hp, req, x);
            if (!outcome) return detail::redact(outcome.error(), req);
            if (!x.redirecting()) return {};
            if (hop + 1 > max_redirects) return http::too_many_redirects(max_redirects, x.status());
            http::follow_redirect(hp, x.status(), std::move(decide.target));
        }
    }

private:
    // Configure the handle for one hop (detail/easy_setup.hpp, shared with multi_transport) and
    // perform it.
    result<void> run_one(detail::hop const& hp, http::request const& req, detail::exchange& x) {
        char errbuf[CURL_ERROR_SIZE];
        detail::slist fields;
        if (auto r = detail::configure(handle_, hp, req, options_, detail::exchange_callbacks(x), errbuf, fields); !r) return r;
        CURLcode const rc = curl_easy_perform(handle_);
        detail::clear_pointers(handle_);
        return detail::finish_hop(handle_, rc, errbuf, x, hp.url, options_);
    }

    http::transport_options options_;
    CURL* handle_ = nullptr;
    std::string effective_url_;
};

static_assert(http::blocking_transport<easy_transport>);

} // namespace curl
PULSE_NAMESPACE_END

#endif
