// SPDX-License-Identifier: MIT
//
// Setting up a curl easy handle for one hop of a request, and turning the outcome into a
// pulse::error: the part of the libcurl adapter that does not depend on who drives the handle.
// The blocking easy_transport (curl_easy_perform) and the non-blocking multi_transport (a curl
// multi handle driven from the caller's loop) both use it, so the two cannot drift apart in which
// options they set, which header fields they refuse, how they follow redirects or how they map
// CURLcodes.
//
// Internal: names and signatures here may change without notice.
#ifndef PULSE_CURL_DETAIL_EASY_SETUP_HPP
#define PULSE_CURL_DETAIL_EASY_SETUP_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/curl/detail/easy_transfer.hpp>
#include <pulse/error.hpp>
#include <pulse/http/headers.hpp>
#include <pulse/http/origin.hpp>
#include <pulse/http/proxy.hpp>
#include <pulse/http/redirect.hpp>
#include <pulse/http/request.hpp>
#include <pulse/http/response.hpp>
#include <pulse/http/transport.hpp>

#include <curl/curl.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

PULSE_NAMESPACE_BEGIN
namespace curl::detail {

/// What is sent on one hop of a redirect chain (the shared rule: http/redirect.hpp).
using hop = http::redirect_hop;

/// Called with the completed head of each response: is it a redirect we follow? The target is
/// http::redirect_target's.
struct redirect_decision {
    bool enabled = false;
    std::string const* current = nullptr;
    std::string target;

    bool operator()(http::response_head const& h) {
        if (!enabled || !current) return false;
        auto t = http::redirect_target(h, *current);
        if (!t) return false;
        target = std::move(*t);
        return true;
    }
};

/// The C callbacks and their user data. exchange_callbacks() gives exchange's own; a driver that
/// needs to intercept them (multi_transport: a transfer can be abandoned while libcurl still holds
/// it) passes trampolines.
struct callbacks {
    curl_write_callback header = nullptr;
    curl_write_callback write = nullptr;
    curl_read_callback read = nullptr;
    curl_seek_callback seek = nullptr;
    void* userdata = nullptr;
};

/// A POST's seek callback. libcurl rewinds an upload only to send it again: when a reused
/// connection closes after the request went out and before any answer. For a POST /extract that
/// would be a second, billed job, so the rewind is refused. The transfer then fails
/// (CURLE_SEND_FAIL_REWIND, errc::connection_reset) and the flow decides, as for any submission
/// whose answer was lost. A request that never left (nothing written) libcurl resends without a
/// rewind, which is safe.
inline int refuse_rewind(void*, curl_off_t, int) noexcept { return CURL_SEEKFUNC_CANTSEEK; }

inline callbacks exchange_callbacks(exchange& x) noexcept {
    return callbacks{&exchange::on_header, &exchange::on_write, &exchange::on_read, &exchange::on_seek, &x};
}

/// Request header fields as curl_slist lines. Refuses (errc::invalid_argument) a field name that is
/// not an RFC 9110 token and a value with CR, LF or NUL; drops Content-Length and
/// Transfer-Encoding (the body_source's size is authoritative), credentials when the hop left the
/// origin, Content-Type when the hop sends no body.
inline result<void> build_fields(http::request const& req, hop const& hp, slist& out) {
    if (auto ok = http::validate_fields(req.headers); !ok) return ok;
    bool has_expect = false, has_content_type = false;
    for (auto const& f : req.headers) {
        if (http::iequals(f.name, "content-length") || http::iequals(f.name, "transfer-encoding")) continue;
        if (!hp.sends_field(f.name)) continue;
        has_expect = has_expect || http::iequals(f.name, "expect");
        has_content_type = has_content_type || http::iequals(f.name, "content-type");
        // "Name;" is libcurl's spelling of a field with an empty value ("Name:" would remove it).
        if (!out.append(f.value.empty() ? f.name + ";" : f.name + ": " + f.value))
            return error(errc::transport_failed, "out of memory building request headers");
    }
    bool alloc_ok = true;
    if (!has_expect) alloc_ok = out.append("Expect:"); // no 100-continue round trip
    // libcurl adds "Content-Type: application/x-www-form-urlencoded" to bodies sent with
    // CURLOPT_POST; the caller did not ask for it.
    bool const posts = hp.method == http::method::post || (hp.send_body && !req.body.empty());
    if (alloc_ok && posts && !has_content_type) alloc_ok = out.append("Content-Type:");
    if (!alloc_ok) return error(errc::transport_failed, "out of memory building request headers");
    return {};
}

/// Reset `h` and set every option for one hop: URL, method and body, header fields, the callbacks,
/// and every transport_options field. `errbuf` (CURL_ERROR_SIZE bytes) and `fields` must stay
/// alive (and `fields` unchanged) until the transfer ends; call clear_pointers() after it.
inline result<void> configure(CURL* h, hop const& hp, http::request const& req, http::transport_options const& o,
                              callbacks const& cb, char* errbuf, slist& fields) {
    curl_easy_reset(h);
    errbuf[0] = '\0';
    if (auto r = build_fields(req, hp, fields); !r) return r;

    bool ok = true;
    auto set = [&ok](CURLcode c) { ok = ok && c == CURLE_OK; };
    set(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf));
    set(curl_easy_setopt(h, CURLOPT_URL, hp.url.c_str()));
#if LIBCURL_VERSION_NUM >= 0x075500 // 7.85.0
    set(curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https"));
#else
    set(curl_easy_setopt(h, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS)));
#endif
    set(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));
    set(curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L)); // redirects are the adapter's, see transport.hpp
    set(curl_easy_setopt(h, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L));
    set(curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, cb.header));
    set(curl_easy_setopt(h, CURLOPT_HEADERDATA, cb.userdata));
    set(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, cb.write));
    set(curl_easy_setopt(h, CURLOPT_WRITEDATA, cb.userdata));
    set(curl_easy_setopt(h, CURLOPT_HTTPHEADER, fields.get()));

    curl_off_t const body_size = hp.send_body ? static_cast<curl_off_t>(req.body.size()) : 0;
    bool const has_body = hp.send_body && body_size > 0;
    auto const use_reader = [&] {
        set(curl_easy_setopt(h, CURLOPT_READFUNCTION, cb.read));
        set(curl_easy_setopt(h, CURLOPT_READDATA, cb.userdata));
        set(curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, cb.seek));
        set(curl_easy_setopt(h, CURLOPT_SEEKDATA, cb.userdata));
    };
    switch (hp.method) {
    case http::method::get:
        if (has_body) { // unusual, but send what we were given
            use_reader();
            set(curl_easy_setopt(h, CURLOPT_POST, 1L));
            set(curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, body_size));
            set(curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "GET"));
        } else {
            set(curl_easy_setopt(h, CURLOPT_HTTPGET, 1L));
        }
        break;
    case http::method::head: set(curl_easy_setopt(h, CURLOPT_NOBODY, 1L)); break;
    case http::method::post:
        // Always through the reader, even when empty: with CURLOPT_POST and no data source
        // libcurl would read stdin.
        use_reader();
        set(curl_easy_setopt(h, CURLOPT_POST, 1L));
        set(curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, body_size));
        // On a reused connection that closes before any answer, libcurl silently sends the
        // request again on a new one. For a POST /extract that is a second job, billed twice,
        // which the flow's retry policy exists to prevent. A POST with a body may still share
        // connections (a fresh connection per POST would cost a full TLS handshake per
        // submission): libcurl must rewind the body to resend it, and refuse_rewind says no. A
        // POST without a body has nothing to rewind, so it gets a connection of its own, closed
        // afterwards.
        if (has_body) {
            set(curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, &refuse_rewind));
        } else {
            set(curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L));
            set(curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L));
        }
        break;
    case http::method::put:
        use_reader();
        set(curl_easy_setopt(h, CURLOPT_UPLOAD, 1L));
        set(curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, body_size));
        break;
    case http::method::delete_:
        if (has_body) {
            use_reader();
            set(curl_easy_setopt(h, CURLOPT_POST, 1L));
            set(curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, body_size));
        }
        set(curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE"));
        break;
    }

    set(curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout.count())));
    set(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(o.total_timeout.count())));
    if (o.stall_timeout.count() > 0) {
        // libcurl measures stalls in whole seconds; round up so a stall is never cut short.
        long const secs = static_cast<long>((o.stall_timeout.count() + 999) / 1000);
        set(curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, secs));
        set(curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(o.stall_min_bytes_per_second)));
    }
    set(curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, o.verify_tls ? 1L : 0L));
    set(curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, o.verify_tls ? 2L : 0L));
    if (!o.ca_bundle.empty()) set(curl_easy_setopt(h, CURLOPT_CAINFO, o.ca_bundle.c_str()));
    if (o.proxy) set(curl_easy_setopt(h, CURLOPT_PROXY, o.proxy->c_str()));
    if (o.no_proxy) set(curl_easy_setopt(h, CURLOPT_NOPROXY, o.no_proxy->c_str()));
    if (o.accept_compressed) set(curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, ""));
    if (!o.user_agent.empty()) set(curl_easy_setopt(h, CURLOPT_USERAGENT, o.user_agent.c_str()));
    if (!ok) return error(errc::transport_failed, "libcurl refused an option (is it built without a needed feature?)");
    return {};
}

/// libcurl keeps pointers to the error buffer and the header list until the next reset; drop
/// them while they are still valid.
inline void clear_pointers(CURL* h) noexcept {
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, static_cast<char*>(nullptr));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, static_cast<curl_slist*>(nullptr));
}

/// The outcome of a finished hop: success once the head (also of an empty body) reached the
/// handler, else the error for `rc`. `h` is the handle the hop ran on (asked how a proxy answered);
/// `o` the options it ran with (did it go through a proxy?).
inline error make_error(CURL* h, CURLcode rc, char const* errbuf, exchange& x, std::string_view url,
                        http::transport_options const& o) {
    if (auto const& re = x.read_error()) {
        // The upload's own file failed (input layer), not the network.
        error e = *re;
        e.native_code = static_cast<int>(rc);
        return e;
    }
    errc code = map_code(rc, x.aborted());
    // For an http(s) URL, CURLE_UNSUPPORTED_PROTOCOL is not the caller's scheme but the peer's
    // bytes: "Received HTTP/0.9 when not allowed" -- e.g. stale bytes a server sent past a
    // Content-Length, read as the answer to the next request on the kept connection. A transport
    // failure (retried for GETs), not an input error.
    auto const starts = [&](std::string_view p) { return url.size() >= p.size() && http::iequals(url.substr(0, p.size()), p); };
    if (rc == CURLE_UNSUPPORTED_PROTOCOL && (starts("http://") || starts("https://"))) code = errc::protocol_error;
    std::string msg = errbuf[0] != '\0' ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
    if (rc == CURLE_SEND_FAIL_REWIND) // refuse_rewind: libcurl wanted to send the POST again
        msg = "the connection closed after the request was sent, before any answer; a POST is not sent again "
              "(the server may have processed it)";
    if (x.bad_status_line()) {
        code = errc::protocol_error;
        msg = "unreadable HTTP status line";
    }
    if (x.head_too_large()) {
        code = errc::protocol_error;
        msg = "response head over the cap of " + std::to_string(head_collector::max_head_fields) + " fields or " +
              std::to_string(head_collector::max_head_bytes) + " bytes";
    }
    if (code == errc::aborted_by_sink) msg = "the response handler aborted the transfer";
    // A proxy that refused the CONNECT tunnel (403, 407, ...): libcurl reports a receive error, the
    // tunnel's status says what happened. Retrying meets the same refusal.
    long connect_code = 0;
    if (curl_easy_getinfo(h, CURLINFO_HTTP_CONNECTCODE, &connect_code) == CURLE_OK && connect_code != 0 &&
        (connect_code < 200 || connect_code > 299) && layer_of(code) == error_layer::transport) {
        code = errc::proxy_failed;
        msg = "the proxy refused the tunnel (CONNECT answered " + std::to_string(connect_code) + "): " + msg;
    }
    // Through a proxy, the connection libcurl could not make is the one to the proxy: the same on
    // every attempt.
    if (code == errc::connect_failed && http::proxy_for(url, o)) {
        code = errc::proxy_failed;
        msg = "cannot connect to the proxy: " + msg;
    }
    error e(code, "curl: " + msg);
    e.native_code = static_cast<int>(rc);
    if (x.head_seen()) e.http_status = x.status();
    e.bytes_delivered = static_cast<std::size_t>(x.bytes_delivered());
    return e;
}

/// What a hop that libcurl finished with `rc` means for the handler: success (after delivering a
/// head that had no body), or the error.
inline result<void> finish_hop(CURL* h, CURLcode rc, char const* errbuf, exchange& x, std::string_view url,
                               http::transport_options const& o) {
    if (rc == CURLE_OK) {
        if (!x.deliver_head_if_pending()) {
            error e(errc::aborted_by_sink, "the response handler aborted the transfer");
            e.http_status = x.status();
            return e;
        }
        return {};
    }
    return make_error(h, rc, errbuf, x, url, o);
}

/// Scrub credential values from any text libcurl produced (it should never contain them; this
/// makes "never" independent of libcurl's message wording).
inline error redact(error e, http::request const& req) {
    for (auto const& f : req.headers)
        if (http::is_credential_field(f.name) && f.value.size() >= 4) e.redact(f.value);
    return e;
}

} // namespace curl::detail
PULSE_NAMESPACE_END

#endif
