// SPDX-License-Identifier: MIT
//
// pulse::winhttp::async_transport: a pulse::http::async_transport on WinHTTP, the HTTP stack of
// Windows, driven from the caller's loop.
//
//     #include <pulse/winhttp/async_transport.hpp>   // target pulse::winhttp (links winhttp)
//
//     pulse::winhttp::async_transport t;              // options: pulse::http::transport_options
//     t.start(request, handler);                      // returns at once
//     while (busy) {
//         t.perform();                                // delivers what WinHTTP finished, returns
//         ... the rest of the frame ...
//     }
//
// To run flow machines use pulse::winhttp::driver (<pulse/winhttp/driver.hpp>), which pairs this
// transport with pulse::async_driver; for one request at a time, pulse::winhttp::sync_transport
// (<pulse/winhttp/transport.hpp>) is this transport waited on.
//
// Threads. WinHTTP runs in its asynchronous mode: it does the network work on threads of its own
// and reports each step to a status callback. That callback only queues the report
// (detail/transfer.hpp). perform(), on the caller's thread, takes the queued reports, advances each
// transfer (the next WinHTTP call: write the next piece of the body, receive the response, read
// the next piece), and calls the response handlers. So on_head, on_body and on_complete run only
// inside perform(), on the thread that calls it; neither the library's flows nor the caller's
// code ever run on a WinHTTP thread. A handler may call start(), cancel() and abandon() (also for
// its own transfer), never perform().
//
// What each transfer does:
// - Only http and https URLs with a host (http::origin_of); the URL's path and query are sent as
//   written (WINHTTP_FLAG_ESCAPE_DISABLE: the library's URLs are already percent-encoded, and
//   WinHTTP must not encode them again).
// - Every header field of the request is sent as given, in order, duplicates included
//   (http::validate_fields refuses CR, LF, NUL and non-token names first; values must be
//   UTF-8, which WinHTTP takes as UTF-16 and puts on the wire as it chooses -- Wine as UTF-8).
//   Host, Content-Length, Transfer-Encoding and Expect are the adapter's: WinHTTP writes Host and
//   Content-Length (the body_source's size), never waits for 100 Continue, and chunked uploads
//   are never needed. User-Agent is transport_options::user_agent unless the request sets one.
// - The body streams from http::body_reader through WinHttpWriteData, 64 KiB at a time: a 500 MB
//   upload is never in memory. A failing upload file ends the transfer with its file_error.
// - A POST is never sent twice. WinHTTP never holds a POST's body (it gets it piece by piece
//   through WinHttpWriteData, after WinHttpSendRequest), so it cannot resend one on its own; a
//   failure after sending is reported (connection_reset, or ERROR_WINHTTP_RESEND_REQUEST mapped
//   to it), and the flow decides. A POST without a body has nothing WinHTTP lacks, so it goes on a
//   session of its own whose connections are never kept (WINHTTP_DISABLE_KEEP_ALIVE): a fresh
//   connection each time, with no earlier request to be silently repeated on it. (Wine keeps
//   connections process-wide, not per session, so there it may share one; Wine's WinHTTP never
//   resends a request.) A server that answers while the body is still being written (413) and
//   closes: the write fails, and that is reported (connection_reset), not its early answer.
// - A GET or HEAD that went out on a kept connection which the server closed, in order, without a
//   byte of an answer (it closed the idle connection as the request arrived) is sent again once, on
//   another connection, as libcurl and the Beast adapter do: WINHTTP_CALLBACK_STATUS_CONNECTED_TO_SERVER
//   tells a new connection from a kept one. A reset, or anything else that fails, is reported.
// - The response: the head once, read with WINHTTP_QUERY_RAW_HEADERS_CRLF and refused past the
//   library's caps (http::max_response_head_fields / max_response_head_bytes: errc::protocol_error;
//   WinHTTP's own cap, WINHTTP_OPTION_MAX_RESPONSE_HEADER_SIZE, is raised to the same bytes), then
//   the body piece by piece: WinHttpQueryDataAvailable, then WinHttpReadData of what is there (at
//   most 64 KiB), so no read waits for bytes that have not arrived. An abort from the handler
//   closes the request at once: errc::aborted_by_sink.
// - A body that ends before its Content-Length is errc::body_truncated (checked here: WinHTTP reads
//   a connection closed early as the end of the body). Not checkable: a content-coded body (its
//   decoded length is unknown) and a chunked one (WinHTTP does not say whether the last chunk came).
//   Never more than Content-Length bytes reach the handler; when WinHTTP has more than that for a
//   response (a server writing past its own length), its connection is not kept for another.
// - Redirects: WinHTTP's own following is off (WINHTTP_OPTION_REDIRECT_POLICY_NEVER). With
//   transport_options::follow_redirects, the adapter follows them (http/redirect.hpp: the same
//   credential rule as every adapter, at most max_redirects hops); the redirect's body is not
//   read (its connection is closed).
// - No cookies (WINHTTP_DISABLE_COOKIES), no automatic authentication
//   (WINHTTP_DISABLE_AUTHENTICATION; the Windows logon is never offered to a server:
//   WINHTTP_AUTOLOGON_SECURITY_LEVEL_HIGH).
// - HTTP statuses are not transport errors: a 404 is a successful transfer whose head says 404.
//
// transport_options:
// - verify_tls (default on): WinHTTP verifies the server's certificate chain against the Windows
//   certificate store (the machine's and the user's trusted roots) and its name against the host.
//   Off: SECURITY_FLAG_IGNORE_UNKNOWN_CA, _CERT_DATE_INVALID, _CERT_CN_INVALID and
//   _CERT_WRONG_USAGE -- anyone on the path can then read and change the traffic, API key included.
//   Revocation is not checked (as with the other adapters).
// - ca_bundle: WinHTTP has no way to trust a PEM file for one connection: it trusts the Windows
//   store. A non-empty ca_bundle is refused (errc::invalid_argument) rather than silently ignored:
//   add a private CA to the Windows store instead (`certutil -addstore Root ca.pem`, or the user's
//   store without admin rights). The adapter does not check certificates itself: a check of its
//   own would run after WinHTTP chose to send the request (and the key) to the server.
// - proxy, no_proxy: see detail/session.hpp (unset: the system's settings; "": none;
//   http://host:port: that proxy, except for the hosts http::proxy_for() exempts). A proxy that
//   cannot be reached is errc::proxy_failed.
// - accept_compressed: WINHTTP_OPTION_DECOMPRESSION (gzip and deflate, Windows 8.1 and later);
//   where WinHTTP refuses that option, the adapter asks for identity bodies instead
//   (decompresses() says which). Content-Encoding stays in the head as the server sent it.
// - user_agent: the User-Agent field of every request that does not set one.
// - follow_redirects: as above.
// - Timeouts, checked by perform() on the steady clock (and given to WinHTTP, a second later, as
//   its own per-operation timeouts, so its threads give up on an ended transfer too):
//   connect_timeout: from start() until WinHTTP is about to send the request (name resolution,
//   TCP connect, proxy tunnel and TLS handshake); total_timeout: the whole transfer, redirects
//   included; stall_timeout / stall_min_bytes_per_second: from the moment the connection is up,
//   the stall rule of http/stall_clock.hpp over request and response bytes (the response head
//   counts as its size). A transfer past any of them fails with errc::timeout at the next
//   perform(), whatever WinHTTP's thread is still waiting for. 0 disables each.
//
// Errors: WinHTTP's error codes (and the Winsock codes it passes on) are mapped by
// detail::map_error: resolve_failed, connect_failed, proxy_failed, tls_verification_failed (the
// certificate or host name rejected: the ERROR_WINHTTP_SECURE_CERT_* codes, or the certificate
// problems WINHTTP_CALLBACK_STATUS_SECURE_FAILURE names), tls_failed (any other failed handshake),
// timeout, connection_reset, body_truncated, protocol_error, invalid_argument; transport_failed for
// the rest. error.message holds
// "winhttp: " + what was being done + WinHTTP's own text for the code; error.native_code the code;
// error.http_status the status when a head had arrived; error.bytes_delivered what reached the
// handler. Header values never appear in errors, and credential values are scrubbed from them.
//
// Cancel and abandon: cancel(h) closes the transfer's request handle at once and delivers
// h.on_complete(errc::canceled) from the next perform(); abandon(h) closes it and never calls h
// again. Both do nothing for a handler with no transfer. Destroying the transport abandons every
// transfer and returns at once: WinHTTP's last callbacks for them free their memory.
//
// Not thread-safe: one thread owns the transport and calls everything. Not copyable or movable
// (WinHTTP holds pointers into it); put it in a std::unique_ptr to move it.
#ifndef PULSE_WINHTTP_ASYNC_TRANSPORT_HPP
#define PULSE_WINHTTP_ASYNC_TRANSPORT_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/http/body_source.hpp>
#include <pulse/http/detail/parse_uri.hpp>
#include <pulse/http/origin.hpp>
#include <pulse/http/proxy.hpp>
#include <pulse/http/redirect.hpp>
#include <pulse/http/request.hpp>
#include <pulse/http/response.hpp>
#include <pulse/http/stall_clock.hpp>
#include <pulse/http/transport.hpp>
#include <pulse/http/transport_options.hpp>
#include <pulse/winhttp/detail/api.hpp>
#include <pulse/winhttp/detail/head.hpp>
#include <pulse/winhttp/detail/session.hpp>
#include <pulse/winhttp/detail/transfer.hpp>

#include <boost/url/url_view.hpp>

#include <windows.h>
#include <winhttp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

PULSE_NAMESPACE_BEGIN
namespace winhttp {

/// A non-blocking pulse::http::async_transport on WinHTTP's asynchronous mode (see the file
/// comment). Not thread-safe: start(), cancel(), abandon() and perform() on one thread. Not
/// copyable or movable (WinHTTP's callbacks hold its transfers).
class async_transport {
public:
    /// The clock of deadlines, next_timeout() and wait().
    using clock_type = std::chrono::steady_clock;

    /// Piece size of uploads and reads.
    static constexpr std::size_t buffer_size = 64 * 1024;
    /// Redirect hops followed (when transport_options::follow_redirects is on) before giving up.
    static constexpr int max_redirects = 10;

    /// Opens the WinHTTP session. If that fails (or the options cannot be used), valid() is false
    /// and every start() fails with the reason.
    explicit async_transport(http::transport_options options = {}) : options_(std::move(options)) {
        setup_ = prepare_sessions();
    }

    async_transport(async_transport const&) = delete;
    async_transport& operator=(async_transport const&) = delete;

    /// Abandons every transfer (no handler is called) and returns at once. Every WinHTTP handle is
    /// closed here, on this thread; a transfer WinHTTP still reports on is freed by its last report
    /// (detail/transfer.hpp), which then only releases memory.
    ~async_transport() {
        std::vector<detail::transfer*> free_now;
        for (auto& t : transfers_) {
            close_request(*t);
            for (HINTERNET c : t->connects) ::WinHttpCloseHandle(c);
            t->connects.clear();
            t->reader.reset(); // its file, closed here
            t->sessions.clear(); // the session handles close with the transport's own references below
        }
        {
            std::lock_guard<std::mutex> lock(hub_->m);
            hub_->events.clear();
            for (auto& t : transfers_) {
                detail::transfer* p = t.release();
                if (p->open_handles == 0) free_now.push_back(p);
                else p->orphan = true; // its last callback deletes it
            }
        }
        for (auto* p : free_now) delete p;
    }

    /// The session exists and the options are usable.
    bool valid() const noexcept { return setup_.has_value(); }
    /// Success, or why not valid(): what every start() then returns.
    result<void> status() const { return setup_; }

    /// The options in force.
    http::transport_options const& options() const noexcept { return options_; }
    /// New options apply to transfers started afterwards. A new proxy, user agent or verify_tls
    /// opens new sessions (transfers running on the old ones finish there): connections are kept
    /// per session, so one opened without verification never carries a verified request.
    void set_options(http::transport_options o) {
        bool const same_sessions =
            o.proxy == options_.proxy && o.user_agent == options_.user_agent && o.verify_tls == options_.verify_tls;
        options_ = std::move(o);
        if (!same_sessions || !setup_) setup_ = prepare_sessions();
    }

    /// Whether WinHTTP decodes gzip and deflate here (WINHTTP_OPTION_DECOMPRESSION). When not,
    /// accept_compressed has no effect and identity bodies are asked for.
    bool decompresses() const noexcept { return decompression_; }

    /// Begin `req`; the response goes to `h` from later perform() calls. `req` and `h` must stay
    /// valid until h.on_complete (or abandon(h)). An error means nothing started and no callback
    /// will come.
    result<void> start(http::request const& req, http::response_handler& h) {
        if (!setup_) return setup_.error();
        if (by_handler_.count(&h) != 0) return error(errc::invalid_argument, "winhttp: this handler already has a transfer running");
        if (!options_.ca_bundle.empty())
            return error(errc::invalid_argument,
                         "winhttp: transport_options::ca_bundle is not supported: WinHTTP trusts the Windows certificate store "
                         "(add the CA there); config::from_env() sets it from CURL_CA_BUNDLE or SSL_CERT_FILE");
        if (auto ok = http::validate_fields(req.headers); !ok) return ok.error();
        auto o = http::origin_of(req.url);
        if (!o) {
            error e = o.error();
            e.message = "winhttp: " + e.message;
            return e;
        }

        auto owned = std::make_unique<detail::transfer>();
        detail::transfer& t = *owned;
        t.hub = hub_;
        t.req = &req;
        t.handler = &h;
        t.hop = http::redirect_hop::first(req);
        t.buffer.resize(buffer_size);
        auto const now = clock_type::now();
        if (options_.total_timeout.count() > 0) t.total_deadline = now + options_.total_timeout;
        if (auto r = open_hop(t, now); !r) {
            discard(std::move(owned));
            return http::redact_credentials(std::move(r).error(), req.headers);
        }
        by_handler_.emplace(&h, &t);
        transfers_.push_back(std::move(owned));
        return {};
    }

    /// Cancel the transfer of `h`: h.on_complete(errc::canceled) follows from the next perform().
    void cancel(http::response_handler& h) {
        auto it = by_handler_.find(&h);
        if (it == by_handler_.end()) return;
        finish(*it->second, error(errc::canceled, "winhttp: the transfer was canceled"));
    }

    /// Forget the transfer of `h`: it is closed, and h and its request are never touched again.
    void abandon(http::response_handler& h) noexcept {
        auto it = by_handler_.find(&h);
        if (it != by_handler_.end()) {
            detail::transfer& t = *it->second;
            by_handler_.erase(it);
            t.handler = nullptr;
            close_request(t);
            t.at = detail::transfer::stage::finished;
        }
        for (auto c = completions_.begin(); c != completions_.end();) {
            if (c->handler == &h) c = completions_.erase(c);
            else ++c;
        }
    }

    /// Take what WinHTTP reported since the last call, advance those transfers, end the ones past
    /// a timeout, and call the handlers. Returns the number of transfers that ended (on_complete
    /// calls). Returns at once.
    std::size_t perform() {
        std::vector<detail::event> batch;
        {
            std::lock_guard<std::mutex> lock(hub_->m);
            batch.swap(hub_->events);
        }
        for (auto const& e : batch) on_event(e);
        check_deadlines(clock_type::now());
        std::size_t n = 0;
        while (!completions_.empty()) {
            completion c = std::move(completions_.front());
            completions_.pop_front();
            ++n;
            c.handler->on_complete(std::move(c.outcome));
        }
        reap();
        return n;
    }

    /// Block until WinHTTP reports something, a transfer's deadline passes, or `until`
    /// (whichever is first). For programs without a loop of their own; an engine never calls this.
    void wait(clock_type::time_point until) {
        if (!completions_.empty()) return;
        if (auto d = next_timeout()) until = (std::min)(until, *d);
        // A bounded wait (the caller loops anyway): some condition_variable implementations
        // overflow converting time_point::max() to their own clock.
        auto const cap = clock_type::now() + std::chrono::hours(1);
        if (until > cap) until = cap;
        std::unique_lock<std::mutex> lock(hub_->m);
        hub_->cv.wait_until(lock, until, [this] { return !hub_->events.empty(); });
    }

    /// When perform() next has timeout work (the earliest deadline of a running transfer), or a
    /// time at or before now when completions wait for delivery; nullopt if neither.
    std::optional<clock_type::time_point> next_timeout() const {
        if (!completions_.empty()) return clock_type::time_point{};
        std::optional<clock_type::time_point> best;
        for (auto const& t : transfers_) {
            if (t->at == detail::transfer::stage::finished) continue;
            auto const d = deadline_of(*t);
            if (d != (clock_type::time_point::max)() && (!best || d < *best)) best = d;
        }
        return best;
    }

    /// WinHTTP has reported something perform() has not taken yet.
    bool has_events() const {
        std::lock_guard<std::mutex> lock(hub_->m);
        return !hub_->events.empty();
    }

    /// Transfers started and not yet completed (or completed and not yet delivered).
    std::size_t active() const noexcept { return by_handler_.size() + completions_.size(); }

    /// The URL the last transfer that ended got its final response from, or was talking to when it
    /// failed (differs from the request's only after followed redirects).
    std::string const& last_url() const noexcept { return last_url_; }

private:
    using stage = detail::transfer::stage;

    struct completion {
        http::response_handler* handler;
        result<void> outcome;
    };

    // --- setup -------------------------------------------------------------------------------------

    // Drop the sessions (transfers keep theirs), check the proxy setting, and open the session of
    // the default route, which also tells whether WinHTTP decodes content codings here.
    result<void> prepare_sessions() {
        sessions_.clear();
        named_proxy_.reset();
        if (options_.proxy && !options_.proxy->empty()) {
            auto p = detail::named_proxy(*options_.proxy);
            if (!p) return p.error();
            named_proxy_ = std::move(*p);
        }
        auto first = session_for(!options_.proxy ? route::system : options_.proxy->empty() ? route::direct : route::proxy, false);
        if (!first) return first.error();
        DWORD off = 0; // does this WinHTTP know the option? (Windows 8.1 and later)
        decompression_ = ::WinHttpSetOption((*first)->handle(), WINHTTP_OPTION_DECOMPRESSION, &off, sizeof off) != FALSE;
        return {};
    }

    // How a request reaches its server: the system's proxy settings, directly, or through
    // transport_options::proxy.
    enum class route : unsigned char { system, direct, proxy };

    route route_for(std::string const& url) const {
        if (!options_.proxy) return route::system;
        return http::proxy_for(url, options_) ? route::proxy : route::direct;
    }

    // The session for `r`; `fresh`: one whose connections are never kept (body-less POSTs).
    result<std::shared_ptr<detail::session>> session_for(route r, bool fresh) {
        auto const key = std::make_pair(r, fresh);
        if (auto it = sessions_.find(key); it != sessions_.end()) return it->second;
        detail::proxy_setup const p = r == route::proxy ? *named_proxy_ : r == route::direct ? detail::direct_connection() : detail::system_settings();
        auto s = detail::session::open(p, options_.user_agent, &detail::on_status);
        if (!s) return s.error();
        sessions_.emplace(key, *s);
        return *s;
    }

    // Open the request handle of the current hop (t.hop) and send it. On error, nothing of the hop
    // stays open (the transfer's earlier handles are closed by the caller).
    result<void> open_hop(detail::transfer& t, clock_type::time_point now) {
        auto parsed = http::detail::parse_uri_strict(t.hop.url);
        auto o = http::origin_of(t.hop.url);
        if (!parsed || !o) return error(errc::invalid_argument, "winhttp: the URL does not parse");
        std::string host = o->host;
        if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
        t.where = o->host + ":" + std::to_string(o->port);
        auto const target_view = parsed->encoded_target();
        std::string target(target_view.data(), target_view.size());
        if (target.empty()) target = "/";
        auto whost = detail::widen(host);
        auto wtarget = detail::widen(target);
        if (!whost || !wtarget) return error(errc::invalid_argument, "winhttp: the URL is not UTF-8");

        route const way = route_for(t.hop.url);
        bool const bodiless_post = t.hop.method == http::method::post && (!t.hop.send_body || t.req->body.empty());
        auto sess = session_for(way, bodiless_post);
        if (!sess) return sess.error();
        t.sessions.push_back(*sess);
        t.via_proxy = way == route::proxy;
        HINTERNET const connect = ::WinHttpConnect((*sess)->handle(), whost->c_str(), o->port, 0);
        if (!connect) return native_error(::GetLastError(), "winhttp: WinHttpConnect to " + t.where + " failed: ");
        t.connects.push_back(connect);
        wchar_t const* verb = L"GET";
        switch (t.hop.method) {
        case http::method::get: verb = L"GET"; break;
        case http::method::post: verb = L"POST"; break;
        case http::method::put: verb = L"PUT"; break;
        case http::method::delete_: verb = L"DELETE"; break;
        case http::method::head: verb = L"HEAD"; break;
        }
        DWORD flags = WINHTTP_FLAG_ESCAPE_DISABLE | WINHTTP_FLAG_ESCAPE_DISABLE_QUERY;
        if (o->scheme == "https") flags |= WINHTTP_FLAG_SECURE;
        HINTERNET const request =
            ::WinHttpOpenRequest(connect, verb, wtarget->c_str(), nullptr, WINHTTP_NO_REFERER, WINHTTP_DEFAULT_ACCEPT_TYPES, flags);
        if (!request) return native_error(::GetLastError(), "winhttp: WinHttpOpenRequest failed: ");
        DWORD_PTR ctx = reinterpret_cast<DWORD_PTR>(&t);
        if (!::WinHttpSetOption(request, WINHTTP_OPTION_CONTEXT_VALUE, &ctx, sizeof ctx)) {
            DWORD const code = ::GetLastError();
            ::WinHttpCloseHandle(request); // no context: its callbacks are not counted
            return native_error(code, "winhttp: setting the request context failed: ");
        }
        {
            std::lock_guard<std::mutex> lock(hub_->m);
            ++t.open_handles;
        }
        t.request = request;
        t.at = stage::sending;
        t.connected = false;
        t.new_connection = false;
        t.head_seen = false;
        t.status = 0;
        t.secure_failure = 0;
        t.connect_deadline = options_.connect_timeout.count() > 0 ? now + options_.connect_timeout : (clock_type::time_point::max)();
        t.stall = http::stall_clock();

        if (auto r = configure(t, request); !r) {
            close_request(t);
            return r;
        }
        http::body_source const& body = t.req->body;
        std::uint64_t const size = t.hop.send_body ? body.size() : 0;
        if (t.hop.send_body) t.reader.emplace(body);
        else t.reader.reset();
        t.body_left = size;
        DWORD const total = size <= 0xffffffffull ? static_cast<DWORD>(size) : WINHTTP_IGNORE_REQUEST_TOTAL_LENGTH;
        if (!::WinHttpSendRequest(request, WINHTTP_NO_ADDITIONAL_HEADERS, 0, WINHTTP_NO_REQUEST_DATA, 0, total, ctx)) {
            DWORD const code = ::GetLastError();
            close_request(t);
            return native_error(code, "winhttp: WinHttpSendRequest to " + t.where + " failed: ");
        }
        return {};
    }

    // Options and header fields of one request handle.
    result<void> configure(detail::transfer& t, HINTERNET request) {
        auto const ms = [](std::chrono::milliseconds d) {
            constexpr std::int64_t cap = 0x7fffffff;
            return static_cast<int>(d.count() <= 0 ? cap : (std::min)(d.count(), cap));
        };
        // WinHTTP's own timeouts are a second after the adapter's (which perform() applies with the
        // precise reason): they only make WinHTTP's threads give up on a transfer already ended.
        auto const later = [](std::chrono::milliseconds d) { return d.count() > 0 ? d + std::chrono::seconds(1) : d; };
        std::chrono::milliseconds io = options_.stall_timeout;
        if (options_.total_timeout.count() > 0 && (io.count() <= 0 || options_.total_timeout < io)) io = options_.total_timeout;
        io = later(io);
        std::chrono::milliseconds const connect = later(options_.connect_timeout);
        int const resolve = connect.count() > 0 ? ms(connect) : 0; // 0: no limit
        ::WinHttpSetTimeouts(request, resolve, ms(connect), ms(io), ms(io));
        DWORD response_timeout = static_cast<DWORD>(ms(io));
        ::WinHttpSetOption(request, WINHTTP_OPTION_RECEIVE_RESPONSE_TIMEOUT, &response_timeout, sizeof response_timeout);

        DWORD redirects = WINHTTP_OPTION_REDIRECT_POLICY_NEVER;
        ::WinHttpSetOption(request, WINHTTP_OPTION_REDIRECT_POLICY, &redirects, sizeof redirects);
        bool const bodiless_post = t.hop.method == http::method::post && (!t.hop.send_body || t.req->body.empty());
        DWORD disable = WINHTTP_DISABLE_COOKIES | WINHTTP_DISABLE_REDIRECTS | WINHTTP_DISABLE_AUTHENTICATION;
        if (bodiless_post) disable |= WINHTTP_DISABLE_KEEP_ALIVE;
        if (!::WinHttpSetOption(request, WINHTTP_OPTION_DISABLE_FEATURE, &disable, sizeof disable))
            return native_error(::GetLastError(), "winhttp: disabling cookies, redirects and authentication failed: ");
        DWORD autologon = WINHTTP_AUTOLOGON_SECURITY_LEVEL_HIGH;
        ::WinHttpSetOption(request, WINHTTP_OPTION_AUTOLOGON_POLICY, &autologon, sizeof autologon);
        DWORD head_cap = static_cast<DWORD>(http::max_response_head_bytes + 4);
        ::WinHttpSetOption(request, WINHTTP_OPTION_MAX_RESPONSE_HEADER_SIZE, &head_cap, sizeof head_cap);
        if (!options_.verify_tls) {
            DWORD sec = SECURITY_FLAG_IGNORE_UNKNOWN_CA | SECURITY_FLAG_IGNORE_CERT_DATE_INVALID | SECURITY_FLAG_IGNORE_CERT_CN_INVALID |
                        SECURITY_FLAG_IGNORE_CERT_WRONG_USAGE;
            if (!::WinHttpSetOption(request, WINHTTP_OPTION_SECURITY_FLAGS, &sec, sizeof sec))
                return native_error(::GetLastError(), "winhttp: turning TLS verification off failed: ");
        }
        bool decode = false;
        if (options_.accept_compressed && decompression_) {
            DWORD all = WINHTTP_DECOMPRESSION_FLAG_ALL;
            decode = ::WinHttpSetOption(request, WINHTTP_OPTION_DECOMPRESSION, &all, sizeof all) != FALSE;
        }
        if (t.via_proxy && !named_proxy_->user.empty()) {
            auto const& p = *named_proxy_;
            ::WinHttpSetOption(request, WINHTTP_OPTION_PROXY_USERNAME, const_cast<wchar_t*>(p.user.c_str()),
                               static_cast<DWORD>(p.user.size()));
            ::WinHttpSetOption(request, WINHTTP_OPTION_PROXY_PASSWORD, const_cast<wchar_t*>(p.password.c_str()),
                               static_cast<DWORD>(p.password.size()));
        }

        bool has_agent = false, has_encoding = false;
        for (auto const& f : t.req->headers) {
            if (http::iequals(f.name, "host") || http::iequals(f.name, "content-length") || http::iequals(f.name, "transfer-encoding") ||
                http::iequals(f.name, "expect"))
                continue;
            if (!t.hop.send_credentials && http::is_credential_field(f.name)) continue;
            if (!t.hop.send_body && http::iequals(f.name, "content-type")) continue;
            has_agent = has_agent || http::iequals(f.name, "user-agent");
            has_encoding = has_encoding || http::iequals(f.name, "accept-encoding");
            if (auto r = add_field(request, f.name, f.value); !r) return r;
        }
        if (!has_agent && !options_.user_agent.empty())
            if (auto r = add_field(request, "User-Agent", options_.user_agent); !r) return r;
        // Without a decoder, ask for the body as it is (no Accept-Encoding would allow any coding).
        if (!has_encoding && !decode)
            if (auto r = add_field(request, "Accept-Encoding", "identity"); !r) return r;
        std::uint64_t const size = t.hop.send_body ? t.req->body.size() : 0;
        if (size > 0xffffffffull) // beyond what WinHttpSendRequest's length can say
            if (auto r = add_field(request, "Content-Length", std::to_string(size)); !r) return r;
        return {};
    }

    static result<void> add_field(HINTERNET request, std::string const& name, std::string const& value) {
        auto line = detail::widen(name + ": " + value);
        if (!line) return error(errc::invalid_argument, "winhttp: request header field '" + name + "' is not UTF-8");
        if (!::WinHttpAddRequestHeaders(request, line->c_str(), static_cast<DWORD>(line->size()), WINHTTP_ADDREQ_FLAG_ADD)) {
            DWORD const code = ::GetLastError();
            error e(errc::invalid_argument, "winhttp: WinHTTP refused request header field '" + name + "': " + detail::message_of(code));
            e.native_code = static_cast<int>(code);
            return e;
        }
        return {};
    }

    static error native_error(DWORD code, std::string prefix) {
        error e(detail::map_error(code, false), std::move(prefix) + detail::message_of(code));
        if (e.code == errc::canceled) e.code = errc::transport_failed;
        e.native_code = static_cast<int>(code);
        return e;
    }

    // --- events ------------------------------------------------------------------------------------

    void on_event(detail::event const& e) {
        detail::transfer& t = *e.t;
        if (e.status == WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING) return; // counted by the callback
        if (t.at == stage::finished || e.handle != t.request) return;  // a closed hop, an ended transfer
        // Progress counts from when WinHTTP reported it, not from when this thread got to it: a
        // loop that comes back late must not find a stall that did not happen on the wire.
        auto const now = e.when;
        switch (e.status) {
        case WINHTTP_CALLBACK_STATUS_CONNECTED_TO_SERVER: t.new_connection = true; return;
        case WINHTTP_CALLBACK_STATUS_SENDING_REQUEST:
            if (!t.connected) {
                t.connected = true;
                t.received_at_send = t.received.load(std::memory_order_relaxed);
                t.stall = http::stall_clock(options_.stall_timeout, options_.stall_min_bytes_per_second, now);
            }
            return;
        case WINHTTP_CALLBACK_STATUS_SECURE_FAILURE: t.secure_failure |= e.value; return;
        case WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE:
            if (!t.connected) { // a WinHTTP that did not report SENDING_REQUEST
                t.connected = true;
                t.received_at_send = t.received.load(std::memory_order_relaxed);
                t.stall = http::stall_clock(options_.stall_timeout, options_.stall_min_bytes_per_second, now);
            }
            send_body(t);
            return;
        case WINHTTP_CALLBACK_STATUS_WRITE_COMPLETE:
            t.stall.progress(e.value, now);
            send_body(t);
            return;
        case WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE: on_head(t, now); return;
        case WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE: on_available(t, e.value); return;
        case WINHTTP_CALLBACK_STATUS_READ_COMPLETE: on_read(t, e.value, now); return;
        case WINHTTP_CALLBACK_STATUS_REQUEST_ERROR: fail(t, e.value); return;
        default: return;
        }
    }

    // Write the next piece of the body, or, when it is all sent, ask for the response.
    void send_body(detail::transfer& t) {
        if (t.body_left == 0 || !t.reader) {
            t.at = stage::receiving;
            if (!::WinHttpReceiveResponse(t.request, nullptr)) fail(t, ::GetLastError());
            return;
        }
        t.at = stage::writing;
        std::size_t const want = t.body_left < t.buffer.size() ? static_cast<std::size_t>(t.body_left) : t.buffer.size();
        auto got = t.reader->read(t.buffer.data(), want);
        if (!got || *got == 0) {
            // The upload's own file failed (input layer), not the network.
            finish(t, got ? error(errc::file_error, "winhttp: the upload body ended before its announced size") : got.error());
            return;
        }
        t.body_left -= *got;
        if (!::WinHttpWriteData(t.request, t.buffer.data(), static_cast<DWORD>(*got), nullptr)) fail(t, ::GetLastError());
    }

    void on_head(detail::transfer& t, clock_type::time_point now) {
        auto h = detail::read_head(t.request);
        t.stall.progress(h.bytes, now);
        if (h.native != 0) {
            fail(t, h.native);
            return;
        }
        t.status = h.head.status;
        t.head_seen = true;
        if (h.too_large) {
            error e(errc::protocol_error, "winhttp: the response head from " + t.where + " is over the cap of " +
                                              std::to_string(http::max_response_head_fields) + " fields or " +
                                              std::to_string(http::max_response_head_bytes) + " bytes");
            finish(t, std::move(e));
            return;
        }
        if (options_.follow_redirects) {
            if (auto next = http::redirect_target(h.head, t.hop.url)) {
                if (t.hops + 1 > max_redirects) {
                    finish(t, http::too_many_redirects(max_redirects, t.status));
                    return;
                }
                close_request(t);
                http::follow_redirect(t.hop, t.status, std::move(*next));
                ++t.hops;
                if (auto r = open_hop(t, now); !r) finish(t, std::move(r).error());
                return;
            }
        }
        auto const coding = h.head.headers.find("content-encoding");
        t.identity = !coding || coding->empty() || http::iequals(*coding, "identity");
        t.content_length = h.head.content_length();
        t.bodiless = t.hop.method == http::method::head || t.status == 204 || t.status == 304 || t.status < 200;
        t.at = stage::reading;
        if (t.handler && t.handler->on_head(h.head) == http::sink_action::abort) {
            if (t.at != stage::finished) finish(t, error(errc::aborted_by_sink, "the response handler aborted the transfer"));
            return;
        }
        if (t.at == stage::finished) return; // canceled or abandoned from the handler
        read_next(t);
    }

    // Ask how much of the body WinHTTP can hand over without waiting (DATA_AVAILABLE), then read
    // exactly that (READ_COMPLETE). A read of more than is there may wait inside WinHttpReadData
    // for the rest -- on the calling thread, when the stack completes reads at once (Wine does).
    void read_next(detail::transfer& t) {
        if (!::WinHttpQueryDataAvailable(t.request, nullptr)) fail(t, ::GetLastError());
    }

    void on_available(detail::transfer& t, DWORD n) {
        if (n == 0) {
            on_read(t, 0, clock_type::now());
            return;
        }
        DWORD want = (std::min)(n, static_cast<DWORD>(t.buffer.size()));
        if (t.identity && t.content_length && !t.bodiless) {
            // Never more than Content-Length: bytes a server sent past it are not the body (some
            // WinHTTP implementations -- Wine's -- hand them over when they arrived with it).
            std::uint64_t const left = *t.content_length - (std::min)(t.delivered, *t.content_length);
            if (left == 0) { // the whole body is in; what is there besides is not ours
                finish(t, result<void>()); // and the connection is closed, not kept with them
                return;
            }
            if (n > left) {
                // The server sent more than Content-Length: the connection must not be kept for
                // another request to read those bytes as its answer. Asked before the last read:
                // WinHTTP decides about the connection as that read reaches the end of the body.
                DWORD no_keep_alive = WINHTTP_DISABLE_KEEP_ALIVE;
                ::WinHttpSetOption(t.request, WINHTTP_OPTION_DISABLE_FEATURE, &no_keep_alive, sizeof no_keep_alive);
            }
            if (want > left) want = static_cast<DWORD>(left);
        }
        if (!::WinHttpReadData(t.request, t.buffer.data(), want, nullptr)) fail(t, ::GetLastError());
    }

    void on_read(detail::transfer& t, DWORD n, clock_type::time_point now) {
        if (n == 0) {
            if (!t.bodiless && t.identity && t.content_length && t.delivered < *t.content_length) {
                // WinHTTP ends the body where the connection closed; the length says it was cut.
                error e(errc::body_truncated, "winhttp: the connection to " + t.where + " closed after " + std::to_string(t.delivered) +
                                                  " of " + std::to_string(*t.content_length) + " body bytes");
                finish(t, std::move(e));
                return;
            }
            finish(t, result<void>());
            return;
        }
        t.stall.progress(n, now);
        if (t.handler && t.handler->on_body(std::string_view(t.buffer.data(), n)) == http::sink_action::abort) {
            if (t.at != stage::finished) finish(t, error(errc::aborted_by_sink, "the response handler aborted the transfer"));
            return;
        }
        if (t.at == stage::finished) return;
        t.delivered += n;
        read_next(t);
    }

    // The transfer failed with WinHTTP's (or Winsock's) `code`.
    void fail(detail::transfer& t, DWORD code) {
        errc c = detail::map_error(code, t.head_seen && t.at == stage::reading);
        if (c == errc::canceled) c = errc::transport_failed; // not ours: a cancel never reaches here
        bool const nothing_came = t.received.load(std::memory_order_relaxed) == t.received_at_send;
        if (code == ERROR_WINHTTP_INVALID_SERVER_RESPONSE && !t.head_seen && nothing_came)
            c = errc::connection_reset; // closed (or reset) before a byte of an answer, not a garbled one
        if (t.via_proxy && !t.connected && (c == errc::connect_failed || c == errc::resolve_failed))
            c = errc::proxy_failed; // the connection that failed is the one to the proxy
        // A kept connection the server closed as this request arrived (an orderly close before a
        // byte of an answer): a GET or HEAD goes again, once, on another connection, as libcurl and
        // the Beast adapter do. WinHTTP does not resend it itself (Wine never does). A reset is
        // reported, not resent: it may have cut off an answer WinHTTP had not read yet.
        bool const resendable = t.hop.method == http::method::get || t.hop.method == http::method::head;
        if (code == ERROR_WINHTTP_INVALID_SERVER_RESPONSE && resendable && t.connected && !t.new_connection && !t.head_seen &&
            nothing_came && !t.resent) {
            t.resent = true;
            close_request(t);
            if (auto again = open_hop(t, clock_type::now()); !again) finish(t, std::move(again).error());
            return;
        }
        std::string doing;
        if (!t.connected) doing = "connecting to ";
        else if (t.at == stage::sending || t.at == stage::writing) doing = "sending the request to ";
        else if (t.at == stage::receiving) doing = "waiting for the response from ";
        else doing = "reading the response body from ";
        std::string msg = "winhttp: " + doing + t.where + " failed: " + detail::message_of(code);
        if (t.secure_failure != 0) {
            // The certificate (or its name) was rejected, unless WinHTTP only names the channel.
            c = (t.secure_failure & ~DWORD{WINHTTP_CALLBACK_STATUS_FLAG_SECURITY_CHANNEL_ERROR}) != 0 ? errc::tls_verification_failed
                                                                                                 : errc::tls_failed;
            msg += ": " + detail::secure_failure_text(t.secure_failure);
        }
        if (c == errc::proxy_failed) msg = "winhttp: cannot reach the proxy for " + t.where + ": " + detail::message_of(code);
        error e(c, std::move(msg));
        e.native_code = static_cast<int>(code);
        finish(t, std::move(e));
    }

    // End the transfer: close its request and queue the outcome for the handler.
    void finish(detail::transfer& t, result<void> outcome) {
        if (t.at == stage::finished) return;
        close_request(t);
        t.at = stage::finished;
        last_url_ = t.hop.url;
        if (!outcome) {
            error e = std::move(outcome).error();
            if (t.head_seen && e.http_status == 0) e.http_status = t.status;
            e.bytes_delivered = static_cast<std::size_t>(t.delivered);
            outcome = http::redact_credentials(std::move(e), t.req->headers);
        }
        if (t.handler) {
            by_handler_.erase(t.handler);
            completions_.push_back(completion{t.handler, std::move(outcome)});
            t.handler = nullptr;
        }
    }

    void close_request(detail::transfer& t) noexcept {
        if (t.request) {
            ::WinHttpCloseHandle(t.request);
            t.request = nullptr;
        }
    }

    // --- time ----------------------------------------------------------------------------------------

    static clock_type::time_point deadline_of(detail::transfer const& t) noexcept {
        clock_type::time_point d = t.total_deadline;
        clock_type::time_point const phase = t.connected ? t.stall.deadline() : t.connect_deadline;
        return phase < d ? phase : d;
    }

    void check_deadlines(clock_type::time_point now) {
        std::vector<detail::transfer*> late;
        for (auto& t : transfers_)
            if (t->at != stage::finished && deadline_of(*t) <= now) late.push_back(t.get());
        for (auto* t : late) {
            if (t->at == stage::finished) continue;
            error e(errc::timeout, "");
            if (now >= t->total_deadline) {
                e.message = "winhttp: total timeout (" + std::to_string(options_.total_timeout.count()) + " ms) reached";
            } else if (!t->connected) {
                e.message = "winhttp: connect timeout (" + std::to_string(options_.connect_timeout.count()) + " ms) reached";
            } else {
                e.message = "winhttp: stall timeout: fewer than " + std::to_string(t->stall.threshold()) + " bytes in " +
                            std::to_string(options_.stall_timeout.count()) + " ms";
            }
            e.message += t->at == stage::reading ? " reading the response body from " + t->where
                         : t->connected          ? " waiting for " + t->where
                                                 : " connecting to " + t->where;
            e.native_code = static_cast<int>(ERROR_WINHTTP_TIMEOUT);
            finish(*t, std::move(e));
        }
    }

    // --- memory --------------------------------------------------------------------------------------

    // Free the ended transfers whose handles WinHTTP has all reported closed.
    void reap() {
        std::vector<std::unique_ptr<detail::transfer>> dead;
        {
            std::lock_guard<std::mutex> lock(hub_->m);
            for (std::size_t i = 0; i < transfers_.size();) {
                auto& t = transfers_[i];
                if (t->at == stage::finished && t->request == nullptr && t->open_handles == 0) {
                    dead.push_back(std::move(t));
                    transfers_[i] = std::move(transfers_.back());
                    transfers_.pop_back();
                } else {
                    ++i;
                }
            }
            // Their last reports (HANDLE_CLOSING and what came before it) may have arrived after
            // this perform() took its batch: drop them with the transfers. No more can come.
            if (!dead.empty()) {
                auto& q = hub_->events;
                q.erase(std::remove_if(q.begin(), q.end(),
                                       [&dead](detail::event const& e) {
                                           return std::any_of(dead.begin(), dead.end(), [&e](auto const& d) { return d.get() == e.t; });
                                       }),
                        q.end());
            }
        }
        for (auto& t : dead)
            for (HINTERNET c : t->connects) ::WinHttpCloseHandle(c);
    }

    // A transfer that never started (start() failed): close what it opened; keep it until WinHTTP
    // has closed its handles if it had any.
    void discard(std::unique_ptr<detail::transfer> t) {
        close_request(*t);
        t->handler = nullptr;
        t->at = stage::finished;
        transfers_.push_back(std::move(t));
    }

    http::transport_options options_;
    std::optional<detail::proxy_setup> named_proxy_; // transport_options::proxy, when one is named
    std::map<std::pair<route, bool>, std::shared_ptr<detail::session>> sessions_; // by route and "fresh"
    bool decompression_ = false;
    result<void> setup_;
    std::shared_ptr<detail::hub> hub_ = std::make_shared<detail::hub>();
    std::vector<std::unique_ptr<detail::transfer>> transfers_; // running and ended-but-not-freed
    std::unordered_map<http::response_handler*, detail::transfer*> by_handler_;
    std::deque<completion> completions_;
    std::string last_url_;
};

static_assert(http::async_transport<async_transport>);

} // namespace winhttp
PULSE_NAMESPACE_END

#endif
