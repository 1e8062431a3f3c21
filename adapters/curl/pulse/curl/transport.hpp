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

#include <pulse/config.hpp>
#include <pulse/curl/detail/easy_transfer.hpp>
#include <pulse/curl/global_init.hpp>
#include <pulse/error.hpp>
#include <pulse/http/origin.hpp>
#include <pulse/http/request.hpp>
#include <pulse/http/response.hpp>
#include <pulse/http/transport.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <curl/curl.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

PULSE_NAMESPACE_BEGIN
namespace curl {

class easy_transport {
public:
    /// Redirect hops followed (when transport_options::follow_redirects is on) before giving up.
    static constexpr int max_redirects = 10;

    /// Creates the easy handle. If libcurl cannot (out of memory), valid() is false and every
    /// perform() fails with errc::transport_failed.
    explicit easy_transport(http::transport_options options = {}) : options_(std::move(options)), handle_(curl_easy_init()) {}

    easy_transport(easy_transport const&) = delete;
    easy_transport& operator=(easy_transport const&) = delete;
    easy_transport(easy_transport&& o) noexcept
        : options_(std::move(o.options_)), handle_(std::exchange(o.handle_, nullptr)), effective_url_(std::move(o.effective_url_)) {}
    easy_transport& operator=(easy_transport&& o) noexcept {
        if (this != &o) {
            if (handle_) curl_easy_cleanup(handle_);
            options_ = std::move(o.options_);
            handle_ = std::exchange(o.handle_, nullptr);
            effective_url_ = std::move(o.effective_url_);
        }
        return *this;
    }
    ~easy_transport() {
        if (handle_) curl_easy_cleanup(handle_);
    }

    bool valid() const noexcept { return handle_ != nullptr; }
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
        std::string url = req.url;
        http::method method = req.method;
        bool send_body = true;
        bool send_credentials = true;

        for (int hop = 0;; ++hop) {
            // Deciding to follow happens in the header callback, before any body byte is passed on.
            redirect_decision decide{options_.follow_redirects, url, {}};
            http::body_source const empty_body;
            detail::exchange x(send_body ? req.body : empty_body, handler);
            x.set_redirect_check(&decide);

            effective_url_ = url;
            auto outcome = run_one(url, method, req, send_body, send_credentials, x);
            if (!outcome) return redact(outcome.error(), req);
            if (!x.redirecting()) return {};
            if (hop + 1 > max_redirects) {
                error e(errc::too_many_redirects, "more than " + std::to_string(max_redirects) + " redirects");
                e.http_status = x.status();
                return e;
            }
            // 303 always, and 301/302 after a POST (what browsers and libcurl do), turn into a GET
            // without a body; 307/308 repeat the request as it was.
            int const st = x.status();
            if (st == 303 || ((st == 301 || st == 302) && method == http::method::post)) {
                if (method != http::method::head) method = http::method::get;
                send_body = false;
            }
            if (send_credentials && !http::same_origin(url, decide.target)) send_credentials = false;
            url = std::move(decide.target);
        }
    }

private:
    // Called with the completed head of each response: is it a redirect we follow? Resolves the
    // Location against the current URL with Boost.URL; only http(s) targets are followed.
    struct redirect_decision {
        bool enabled;
        std::string const& current;
        std::string target;

        bool operator()(http::response_head const& h) {
            if (!enabled) return false;
            int const s = h.status;
            if (s != 301 && s != 302 && s != 303 && s != 307 && s != 308) return false;
            auto loc = h.headers.find("location");
            if (!loc || loc->empty()) return false;
            auto base = boost::urls::parse_uri(boost::urls::string_view(current.data(), current.size()));
            auto ref = boost::urls::parse_uri_reference(boost::urls::string_view(loc->data(), loc->size()));
            if (!base || !ref) return false;
            boost::urls::url dest;
            if (!boost::urls::resolve(*base, *ref, dest)) return false;
            dest.remove_fragment();
            target.assign(dest.buffer().data(), dest.buffer().size());
            return http::origin_of(target).has_value(); // http or https with a host, nothing else
        }
    };

    // Configure the handle for one hop and perform it.
    result<void> run_one(std::string const& url, http::method method, http::request const& req, bool send_body,
                         bool send_credentials, detail::exchange& x) {
        CURL* h = handle_;
        curl_easy_reset(h);
        char errbuf[CURL_ERROR_SIZE];
        errbuf[0] = '\0';

        detail::slist fields;
        if (auto r = build_fields(req, method, send_body, send_credentials, fields); !r) return r;

        bool ok = true;
        auto set = [&ok](CURLcode c) { ok = ok && c == CURLE_OK; };
        set(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf));
        set(curl_easy_setopt(h, CURLOPT_URL, url.c_str()));
#if LIBCURL_VERSION_NUM >= 0x075500 // 7.85.0
        set(curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https"));
#else
        set(curl_easy_setopt(h, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS)));
#endif
        set(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));
        set(curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L)); // redirects are ours, see the file comment
        set(curl_easy_setopt(h, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L));
        set(curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &detail::exchange::on_header));
        set(curl_easy_setopt(h, CURLOPT_HEADERDATA, &x));
        set(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &detail::exchange::on_write));
        set(curl_easy_setopt(h, CURLOPT_WRITEDATA, &x));
        set(curl_easy_setopt(h, CURLOPT_HTTPHEADER, fields.get()));

        curl_off_t const body_size = send_body ? static_cast<curl_off_t>(req.body.size()) : 0;
        bool const has_body = send_body && body_size > 0;
        auto const use_reader = [&] {
            set(curl_easy_setopt(h, CURLOPT_READFUNCTION, &detail::exchange::on_read));
            set(curl_easy_setopt(h, CURLOPT_READDATA, &x));
            set(curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, &detail::exchange::on_seek));
            set(curl_easy_setopt(h, CURLOPT_SEEKDATA, &x));
        };
        switch (method) {
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
        case http::method::head:
            set(curl_easy_setopt(h, CURLOPT_NOBODY, 1L));
            break;
        case http::method::post:
            // Always through the reader, even when empty: with CURLOPT_POST and no data source
            // libcurl would read stdin.
            use_reader();
            set(curl_easy_setopt(h, CURLOPT_POST, 1L));
            set(curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, body_size));
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

        auto const& o = options_;
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
        if (o.accept_compressed) set(curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, ""));
        if (!o.user_agent.empty()) set(curl_easy_setopt(h, CURLOPT_USERAGENT, o.user_agent.c_str()));
        if (!ok) return error(errc::transport_failed, "libcurl refused an option (is it built without a needed feature?)");

        CURLcode const rc = curl_easy_perform(h);
        // libcurl keeps pointers to these until the next reset; clear them while they are valid.
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, static_cast<char*>(nullptr));
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, static_cast<curl_slist*>(nullptr));

        if (rc == CURLE_OK) {
            if (!x.deliver_head_if_pending()) {
                error e(errc::aborted_by_sink, "the response handler aborted the transfer");
                e.http_status = x.status();
                return e;
            }
            return {};
        }
        return make_error(rc, errbuf, x);
    }

    // Request header fields as curl_slist lines.
    static result<void> build_fields(http::request const& req, http::method method, bool send_body, bool send_credentials,
                                     detail::slist& out) {
        bool has_expect = false, has_content_type = false;
        std::size_t index = 0;
        for (auto const& f : req.headers) {
            ++index;
            if (f.name.empty())
                return error(errc::invalid_argument, "request header field " + std::to_string(index) + " has an empty name");
            for (char c : f.name)
                if (!detail::is_tchar(c))
                    return error(errc::invalid_argument, "request header field " + std::to_string(index) +
                                                             " has a name that is not an HTTP token");
            for (char c : f.value)
                if (c == '\r' || c == '\n' || c == '\0')
                    // Name the field, never its value: it may be the API key.
                    return error(errc::invalid_argument, "request header field '" + f.name + "' has CR, LF or NUL in its value");
            if (http::iequals(f.name, "content-length") || http::iequals(f.name, "transfer-encoding")) continue;
            if (!send_credentials && detail::is_credential_header(f.name)) continue;
            if (!send_body && http::iequals(f.name, "content-type")) continue;
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
        bool const posts = method == http::method::post || (send_body && !req.body.empty());
        if (alloc_ok && posts && !has_content_type) alloc_ok = out.append("Content-Type:");
        if (!alloc_ok) return error(errc::transport_failed, "out of memory building request headers");
        return {};
    }

    static error make_error(CURLcode rc, char const* errbuf, detail::exchange& x) {
        if (auto const& re = x.read_error()) {
            // The upload's own file failed (input layer), not the network.
            error e = *re;
            e.native_code = static_cast<int>(rc);
            return e;
        }
        errc code = detail::map_code(rc, x.aborted());
        std::string msg = errbuf[0] != '\0' ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
        if (x.bad_status_line()) {
            code = errc::protocol_error;
            msg = "unreadable HTTP status line";
        }
        if (code == errc::aborted_by_sink) msg = "the response handler aborted the transfer";
        error e(code, "curl: " + msg);
        e.native_code = static_cast<int>(rc);
        if (x.head_seen()) e.http_status = x.status();
        e.bytes_delivered = static_cast<std::size_t>(x.bytes_delivered());
        return e;
    }

    // Scrub credential values from any text libcurl produced (it should never contain them; this
    // makes "never" independent of libcurl's message wording).
    static error redact(error e, http::request const& req) {
        for (auto const& f : req.headers)
            if (detail::is_credential_header(f.name) && f.value.size() >= 4) e.redact(f.value);
        return e;
    }

    http::transport_options options_;
    CURL* handle_ = nullptr;
    std::string effective_url_;
};

static_assert(http::blocking_transport<easy_transport>);

} // namespace curl
PULSE_NAMESPACE_END

#endif
