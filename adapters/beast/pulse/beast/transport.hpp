// SPDX-License-Identifier: MIT
//
// pulse::beast::sync_transport: a pulse::http::blocking_transport on Boost.Beast (HTTP/1.1) and
// Boost.Asio (TCP, OpenSSL TLS).
//
//     #include <pulse/beast/transport.hpp>      // target pulse::beast (links OpenSSL and Threads)
//
//     pulse::beast::sync_transport transport;   // options: pulse::http::transport_options
//     pulse::http::string_sink sink(1 << 20);
//     auto outcome = sink.finish(transport.perform(request, sink));
//
// What it supports:
// - HTTP/1.1 over plain TCP (http://) and TLS (https://, OpenSSL through boost::asio::ssl, TLS 1.2
//   or newer). Only http and https URLs; anything else is errc::invalid_argument.
// - TLS verification is ON by default: the peer's chain must lead to a trusted CA -- the system
//   store (OpenSSL's default paths) or, when transport_options::ca_bundle names a PEM file, that
//   file alone -- and the certificate must match the URL's host (a DNS name through SAN/CN rules,
//   no partial wildcards; an IP literal against IP SANs). SNI carries the host name (not for IP
//   literals, RFC 6066). verify_tls = false turns BOTH checks off: anyone on the path can then
//   read and change the traffic, API key included. It exists for local tests only.
// - Keep-alive: the connection is kept after a response that allows it and reused by the next
//   request to the same origin (scheme, host, port); another origin closes it and opens its own.
//   Before reuse, an idle connection is checked without blocking: if the server has closed it (or
//   sent anything unasked), it is dropped and a new one is opened before the request is sent. If the
//   server closes it anyway in the moment between that check and the request (no byte of the
//   response received), the request is sent once more on a fresh connection -- for GET, HEAD, PUT
//   and DELETE (idempotent, RFC 9110 9.2.2), and for POST only when the failure happened while the
//   request was still being written (the server cannot have acted on a request it did not get).
//   A POST whose request was written in full is never re-sent: a duplicate submission costs money.
//   Every pulse body_source can be re-sent (bytes in memory, or file ranges read again).
// - The response is pushed to the handler as it arrives: the head once (interim 1xx responses
//   and followed redirects are not reported), then each piece of body as read from the socket
//   (http::response_parser<http::buffer_body>, at most 64 KiB a piece). Content-Length, chunked and
//   read-until-close framing. A body shorter than its framing promised is errc::body_truncated.
// - Beast's 8 MB default body_limit is lifted (body_limit(none)): this library streams results of
//   gigabytes into a sink that sets its own caps; a transport limit would be an arbitrary failure
//   at 8 MB (Beast issues #711, #2589). The response head is capped at 256 KiB (header_limit) and
//   1000 fields, as in the curl adapter (errc::protocol_error past either).
// - The request body streams from pulse::http::body_reader in 64 KiB pieces through a buffer_body
//   serializer: a 500 MB upload is never in memory. Content-Length is always sent for POST/PUT and
//   any non-empty body; Content-Length, Transfer-Encoding, Host and Expect given in the request are
//   dropped (the adapter writes the first three itself and never waits for 100 Continue).
// - A header field whose name is not an RFC 9110 token, or whose value holds CR, LF or NUL, is
//   refused (errc::invalid_argument) before anything is sent.
// - The handler's abort (from on_head or on_body) closes the connection at once; perform() returns
//   errc::aborted_by_sink.
// - follow_redirects: 301/302/303/307/308 with a usable Location are followed (at most
//   max_redirects hops, then errc::too_many_redirects); credentials (x-api-key, Authorization,
//   Cookie, Proxy-Authorization) are dropped once a hop leaves the original origin; 303, and
//   301/302 after a POST, become a GET without a body. effective_url() says where the final
//   response came from. Off by default, like every adapter.
// - user_agent: sent as User-Agent unless the request carries its own.
// - HTTP statuses are not transport errors: a 404 is a successful perform() whose head says 404.
//
// Limits, documented rather than hidden:
// - Compression: Beast has no HTTP content decoder, so the adapter never asks for compressed
//   bodies. Unless the request sets Accept-Encoding itself, it sends "Accept-Encoding: identity"
//   whatever accept_compressed says (sending no Accept-Encoding at all would, per RFC 9110 12.5.3,
//   allow any coding). A request that sets its own Accept-Encoding gets the body as the server sent
//   it, Content-Encoding and all. Use the curl adapter where bandwidth matters more than the stack.
// - Proxies: not supported. A non-empty transport_options::proxy is refused with
//   errc::invalid_argument (rather than silently going direct where a proxy was required);
//   nullopt and "" both mean a direct connection, and http_proxy/https_proxy/no_proxy in the
//   environment are NOT consulted.
// - HTTP/1.1 only; no HTTP/2, no pipelining, no cookies, no authentication schemes.
//
// Timeouts: every blocking step is an asynchronous Asio operation run on the transport's own
// io_context on the calling thread (perform() calls run_one() until the step completes), raced
// against one steady_timer; when the timer wins, the socket is closed, the operation ends with
// operation_aborted, and perform() returns errc::timeout. So nothing waits longer than:
// - connect_timeout: name resolution + TCP connect + TLS handshake of a new connection (0: none);
// - total_timeout: the whole perform(), redirects included (0: none);
// - stall_timeout / stall_min_bytes_per_second: after connecting, every read and write must move at
//   least max(1, min_bytes_per_second x stall_timeout) bytes per stall_timeout window; waiting for
//   the response head counts too (as with curl's low-speed limit). 0 disables it.
// Name resolution of a host name (not of an IP literal) is Asio's async_resolve, which runs
// getaddrinfo on an internal thread Asio starts on first use (one per transport, ended when the
// transport is destroyed). getaddrinfo cannot be cancelled: a lookup that times out is abandoned
// (perform() returns at the deadline), and destroying the transport waits for it to finish.
// URLs with IP literals (127.0.0.1, [::1]) never start that thread.
//
// Errors: Asio/Beast/OpenSSL codes are mapped to pulse::errc (resolve_failed, connect_failed,
// tls_failed, timeout, connection_reset, body_truncated, protocol_error, aborted_by_sink,
// too_many_redirects; file_error when the upload's own file fails; invalid_argument for the
// caller's URL, fields or options). error.message holds Asio's (and for certificates OpenSSL's
// verification) text with the host and port, error.native_code the error_code's value,
// error.http_status the status when a head had arrived, error.bytes_delivered what reached the
// handler. Header values never appear in errors.
//
// Threads: a sync_transport is not thread-safe. It performs one transfer at a time, on the thread
// that calls perform(), like a curl easy handle; use one per thread. The handler's callbacks run on
// that thread, inside perform(). A handler must not call perform() on the same transport.
//
// Exceptions: nothing here throws for network, server or input conditions (Asio is used through its
// error_code overloads). What can still reach boost::throw_exception is resource exhaustion inside
// Asio or OpenSSL (creating the io_context or SSL_CTX failing, std::bad_alloc). But Boost.Beast
// 1.81's own headers do not compile with -fno-exceptions (beast/core/impl/buffers_cat.hpp has an
// unguarded `throw std::logic_error`), so the translation unit that includes this header needs
// exceptions enabled. A program built with -fno-exceptions keeps it in one TU of its own, built
// with exceptions, and calls perform() through the blocking_transport seam (nothing is thrown
// across it); or uses the curl adapter, which has no such limit.
//
// Not copyable; movable (the state lives behind one pointer; a moved-from transport fails every
// perform() with errc::transport_failed).
#ifndef PULSE_BEAST_TRANSPORT_HPP
#define PULSE_BEAST_TRANSPORT_HPP

#include <pulse/beast/detail/util.hpp>
#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/http/body_source.hpp>
#include <pulse/http/detail/parse_uri.hpp>
#include <pulse/http/origin.hpp>
#include <pulse/http/proxy.hpp>
#include <pulse/http/redirect.hpp>
#include <pulse/http/request.hpp>
#include <pulse/http/response.hpp>
#include <pulse/http/transport.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

PULSE_NAMESPACE_BEGIN

/// \namespace pulse::beast
/// The Boost.Beast adapter: sync_transport, a blocking transport on Beast, Asio and OpenSSL
/// (target pulse::beast).
namespace beast {
namespace detail {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using error_code = boost::system::error_code;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

inline constexpr int max_redirects = 10;
inline constexpr std::size_t io_buffer_size = 64 * 1024;
inline constexpr std::uint32_t response_header_limit = 256 * 1024;
// The byte cap bounds the head's memory, but 256 KiB of five-byte fields is still 50,000 of them
// for the handler to copy and scan; Beast has no count limit, so the adapter checks after the head.
inline constexpr std::size_t response_header_fields = 1000;

/// One open connection: the socket, TLS over it for https, and bytes read but not yet parsed.
struct connection {
    explicit connection(asio::io_context& ioc) : socket(ioc) {}
    tcp::socket socket;
    std::optional<boost::beast::ssl_stream<tcp::socket&>> tls; // declared after socket: destroyed first
    boost::beast::flat_buffer buffer;
    http::origin where;
    std::uint64_t exchanges = 0; // complete exchanges so far (0: a fresh connection)
};

/// Completion record of one asynchronous step. Shared with the step's handlers, so a handler that
/// runs after perform() stopped waiting for it (an abandoned name lookup) writes into its own record.
struct step_state {
    bool done = false;
    bool fired = false;         // the deadline passed first
    bool timer_pending = false; // the deadline timer's handler has not run yet
    error_code ec;
    std::size_t bytes = 0;
    void finish(error_code e, std::size_t n) noexcept {
        done = true;
        ec = e;
        bytes = n;
    }
};
using step = std::shared_ptr<step_state>;

inline bhttp::verb verb_of(http::method m) noexcept {
    switch (m) {
    case http::method::get: return bhttp::verb::get;
    case http::method::post: return bhttp::verb::post;
    case http::method::put: return bhttp::verb::put;
    case http::method::delete_: return bhttp::verb::delete_;
    case http::method::head: return bhttp::verb::head;
    }
    return bhttp::verb::get;
}

/// The Host field for an origin: the port only when it is not the scheme's default.
inline std::string host_field(http::origin const& o) {
    std::uint16_t const default_port = o.scheme == "https" ? 443 : 80;
    return o.port == default_port ? o.host : o.host + ":" + std::to_string(o.port);
}

/// The host to connect to and verify: an IPv6 literal without its brackets.
inline std::string bare_host(http::origin const& o) {
    if (o.host.size() >= 2 && o.host.front() == '[' && o.host.back() == ']') return o.host.substr(1, o.host.size() - 2);
    return o.host;
}

/// Everything a sync_transport owns. Members are declared so that the io_context is destroyed
/// last (every socket, timer and resolver registered with it goes first).
class engine {
public:
    explicit engine(http::transport_options o)
        : options(std::move(o)), ioc_(1), timer_(ioc_), resolver_(ioc_), rbuf_(io_buffer_size), wbuf_(io_buffer_size) {}
    engine(engine const&) = delete;
    engine& operator=(engine const&) = delete;
    ~engine() { drop_connection(); }

    http::transport_options options;
    std::optional<asio::ssl::context> tls_context; // built on the first https request
    std::string effective_url;
    std::uint64_t connects = 0;

    void drop_connection() noexcept {
        if (conn_) {
            error_code ignored;
            conn_->socket.close(ignored);
            conn_.reset();
        }
    }

    result<void> perform(http::request const& req, http::response_handler& handler) {
        effective_url.clear();
        if (http::proxy_for(req.url, options))
            return error(errc::invalid_argument,
                         "beast: proxies are not supported by pulse::beast::sync_transport (transport_options::proxy is set "
                         "and no_proxy does not exempt this host; use an empty proxy for a direct connection, or the curl "
                         "adapter)");
        if (auto ok = http::validate_fields(req.headers); !ok) return ok.error();
        total_deadline_ = options.total_timeout.count() > 0 ? steady::now() + options.total_timeout : (steady::time_point::max)();

        // The hop being sent. Starts as the caller's request; a followed redirect moves it on
        // (http/redirect.hpp: the method and credential rules every adapter applies).
        auto hop = http::redirect_hop::first(req);
        for (int hops = 0;; ++hops) {
            effective_url = hop.url;
            std::string next;
            int status = 0;
            if (auto r = exchange(hop, req, handler, next, status); !r) return r;
            if (next.empty()) return {};
            if (hops + 1 > max_redirects) {
                error e = http::too_many_redirects(max_redirects, status);
                e.message = "beast: " + e.message;
                return e;
            }
            http::follow_redirect(hop, status, std::move(next));
        }
    }

private:
    // --- running one asynchronous step against a deadline -------------------------------------

    // Starts an operation (start(step) must arrange step->finish(ec, n) on completion) and runs
    // the io_context on this thread until it completes or `deadline` passes. At the deadline the
    // connection's socket is closed (so the operation ends with operation_aborted) and the name
    // resolver cancelled; with `abandon`, perform() does not wait for the operation to end (a
    // getaddrinfo call cannot be interrupted). Returns the step's record.
    template <class Start>
    step run_step(Start&& start, steady::time_point deadline, bool abandon = false) {
        ioc_.restart();
        auto st = std::make_shared<step_state>();
        start(st);
        if (deadline != (steady::time_point::max)()) {
            st->timer_pending = true;
            timer_.expires_at(deadline);
            timer_.async_wait([this, st](error_code e) {
                st->timer_pending = false;
                if (!e && !st->done) {
                    st->fired = true;
                    cancel_io();
                }
            });
        }
        while (!st->done && !(st->fired && abandon)) {
            if (ioc_.run_one() == 0) break; // nothing left to run (cannot happen while a step is pending)
        }
        if (st->timer_pending) {
            timer_.cancel();
            while (st->timer_pending) {
                if (ioc_.run_one() == 0) break;
            }
        }
        if (!st->done && !st->fired) st->ec = asio::error::operation_aborted;
        return st;
    }

    void cancel_io() noexcept {
        error_code ignored;
        if (conn_) conn_->socket.close(ignored);
        resolver_.cancel();
    }

    // The deadline of a read or write: the total timeout or the end of the stall window.
    steady::time_point io_deadline() const noexcept {
        auto const s = stall_.deadline();
        return s < total_deadline_ ? s : total_deadline_;
    }

    // Calls f with the stream to read and write: the TLS stream for https, else the socket.
    template <class F>
    void with_stream(F&& f) {
        if (conn_->tls) f(*conn_->tls);
        else f(conn_->socket);
    }

    // A read or write ran out of time: the total timeout, or else the stall window.
    error timeout_error(std::string const& what) const {
        error e(errc::timeout, "");
        if (steady::now() >= total_deadline_) {
            e.message = "beast: total timeout (" + std::to_string(options.total_timeout.count()) + " ms) reached " + what;
        } else {
            e.message = "beast: stall timeout: fewer than " + std::to_string(stall_.threshold()) + " bytes in " +
                        std::to_string(options.stall_timeout.count()) + " ms " + what;
        }
        e.native_code = static_cast<int>(asio::error::timed_out);
        return e;
    }

    // Setting up a connection ran out of time: the total timeout, or else the connect timeout.
    error connect_timeout_error(std::string const& what) const {
        error e(errc::timeout, "");
        if (steady::now() >= total_deadline_)
            e.message = "beast: total timeout (" + std::to_string(options.total_timeout.count()) + " ms) reached " + what;
        else
            e.message = "beast: connect timeout (" + std::to_string(options.connect_timeout.count()) + " ms) reached " + what;
        e.native_code = static_cast<int>(asio::error::timed_out);
        return e;
    }

    static error make_error(errc code, std::string message, error_code const& ec) {
        error e(code, std::move(message));
        e.native_code = ec.value();
        return e;
    }

    // --- connections ----------------------------------------------------------------------------

    // True when the idle kept connection can take a request: nothing arrived on it since the last
    // response (no FIN, no RST, no stray bytes). A non-blocking peek; never waits.
    bool idle_connection_usable() {
        if (conn_->buffer.size() != 0) return false;
        error_code ec;
        conn_->socket.non_blocking(true, ec);
        if (ec) return false;
        char byte = 0;
        conn_->socket.receive(asio::buffer(&byte, 1), tcp::socket::message_peek, ec);
        return ec == asio::error::would_block || ec == asio::error::try_again;
    }

    result<void> ensure_connection(http::origin const& o, bool& reused) {
        reused = false;
        if (conn_ && conn_->where == o && idle_connection_usable()) {
            reused = conn_->exchanges > 0;
            return {};
        }
        drop_connection();
        return connect(o);
    }

    result<void> make_tls_context() {
        asio::ssl::context ctx(asio::ssl::context::tls_client);
        error_code ec;
        ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                            asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1,
                        ec);
        if (!ec) ctx.set_verify_mode(options.verify_tls ? asio::ssl::verify_peer : asio::ssl::verify_none, ec);
        if (ec) return make_error(errc::tls_failed, "beast: cannot set up TLS: " + ec.message(), ec);
        if (options.verify_tls) {
            if (options.ca_bundle.empty()) {
                ctx.set_default_verify_paths(ec);
                if (ec) return make_error(errc::tls_failed, "beast: cannot load the system's trusted CAs: " + ec.message(), ec);
            } else {
                ctx.load_verify_file(options.ca_bundle, ec);
                if (ec)
                    return make_error(errc::tls_verification_failed, "beast: cannot load CA bundle '" + options.ca_bundle + "': " + ec.message(), ec);
            }
        }
        tls_context.emplace(std::move(ctx));
        return {};
    }

    result<void> connect(http::origin const& o) {
        steady::time_point deadline = total_deadline_;
        if (options.connect_timeout.count() > 0) {
            auto const c = steady::now() + options.connect_timeout;
            if (c < deadline) deadline = c;
        }
        std::string const host = bare_host(o);
        std::string const where = o.host + ":" + std::to_string(o.port);
        conn_ = std::make_unique<connection>(ioc_);
        conn_->where = o;

        // An IP literal needs no lookup (and so never starts Asio's resolver thread).
        error_code aec;
        auto const address = asio::ip::make_address(host, aec);
        bool const is_ip = !aec;
        std::vector<tcp::endpoint> endpoints;
        if (is_ip) {
            endpoints.emplace_back(address, o.port);
        } else {
            auto found = std::make_shared<tcp::resolver::results_type>();
            auto st = run_step(
                [&](step s) {
                    resolver_.async_resolve(host, std::to_string(o.port), tcp::resolver::numeric_service,
                                            [s, found](error_code e, tcp::resolver::results_type r) {
                                                *found = std::move(r);
                                                s->finish(e, 0);
                                            });
                },
                deadline, true);
            if (st->fired) {
                drop_connection();
                return connect_timeout_error("resolving " + o.host);
            }
            if (st->ec) {
                drop_connection();
                return make_error(errc::resolve_failed, "beast: cannot resolve " + o.host + ": " + st->ec.message(), st->ec);
            }
            for (auto const& entry : *found) endpoints.push_back(entry.endpoint());
        }

        auto st = run_step(
            [&](step s) {
                asio::async_connect(conn_->socket, endpoints, [s](error_code e, tcp::endpoint const&) { s->finish(e, 0); });
            },
            deadline);
        if (st->fired) {
            drop_connection();
            return connect_timeout_error("connecting to " + where);
        }
        if (st->ec) {
            drop_connection();
            return make_error(map_error(st->ec, phase::connect), "beast: cannot connect to " + where + ": " + st->ec.message(), st->ec);
        }
        ++connects;
        error_code ignored;
        conn_->socket.set_option(tcp::no_delay(true), ignored); // small requests must not wait for Nagle

        if (o.scheme != "https") return {};
        if (!tls_context) {
            if (auto r = make_tls_context(); !r) {
                drop_connection();
                return r;
            }
        }
        conn_->tls.emplace(conn_->socket, *tls_context);
        SSL* ssl = conn_->tls->native_handle();
        bool ok = true;
        if (!is_ip) ok = SSL_set_tlsext_host_name(ssl, host.c_str()) == 1; // SNI: names only (RFC 6066)
        if (ok && options.verify_tls) {
            if (is_ip) {
                ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) == 1;
            } else {
                SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
                ok = SSL_set1_host(ssl, host.c_str()) == 1;
            }
        }
        if (!ok) {
            drop_connection();
            return error(errc::tls_failed, "beast: cannot set the TLS host name for " + o.host);
        }
        st = run_step(
            [&](step s) { conn_->tls->async_handshake(asio::ssl::stream_base::client, [s](error_code e) { s->finish(e, 0); }); },
            deadline);
        if (st->fired) {
            drop_connection();
            return connect_timeout_error("in the TLS handshake with " + where);
        }
        if (st->ec) {
            std::string msg = "beast: TLS handshake with " + where + " failed: " + st->ec.message();
            long const verdict = SSL_get_verify_result(ssl);
            if (verdict != X509_V_OK) msg += ": " + std::string(X509_verify_cert_error_string(verdict));
            drop_connection();
            // A certificate that failed verification (chain or host name) is rejected on every
            // attempt: tls_verification_failed, never retried. Anything else may be transient.
            return make_error(verdict != X509_V_OK ? errc::tls_verification_failed : errc::tls_failed, std::move(msg), st->ec);
        }
        return {};
    }

    // --- one request/response on one connection -------------------------------------------------

    struct attempt {
        result<void> outcome;
        bool peer_closed_before_answer = false; // a closed/reset connection, no byte of the answer read
        bool while_writing = false;             // ...noticed while the request was being written
    };

    result<void> exchange(http::redirect_hop const& hop, http::request const& req, http::response_handler& handler,
                          std::string& redirect_to, int& status) {
        std::string const& url = hop.url;
        http::method const method = hop.method;
        bool const send_body = hop.send_body;
        auto parsed = http::detail::parse_uri_strict(url);
        auto o = http::origin_of(url);
        if (!parsed || !o) {
            error e = o ? error(errc::invalid_argument, "URL does not parse") : o.error();
            e.message = "beast: " + e.message;
            return e;
        }
        auto const t = parsed->encoded_target();
        std::string target(t.data(), t.size());
        if (target.empty()) target = "/";

        bhttp::request<bhttp::buffer_body> msg;
        msg.version(11);
        msg.method(verb_of(method));
        msg.target(target);
        msg.set(bhttp::field::host, host_field(*o));
        bool has_user_agent = false, has_accept_encoding = false;
        for (auto const& f : req.headers) {
            if (is_adapter_owned_field(f.name) || !hop.sends_field(f.name)) continue;
            has_user_agent = has_user_agent || http::iequals(f.name, "user-agent");
            has_accept_encoding = has_accept_encoding || http::iequals(f.name, "accept-encoding");
            msg.insert(f.name, f.value);
        }
        if (!has_user_agent && !options.user_agent.empty()) msg.set(bhttp::field::user_agent, options.user_agent);
        // Beast cannot decode content codings: ask for none (see the file comment).
        if (!has_accept_encoding) msg.set(bhttp::field::accept_encoding, "identity");
        std::uint64_t const body_size = send_body ? req.body.size() : 0;
        if (body_size > 0 || method == http::method::post || method == http::method::put) msg.content_length(body_size);

        http::body_source const no_body;
        http::body_reader reader(send_body ? req.body : no_body);
        bool const idempotent = method != http::method::post;
        for (int tries = 0;; ++tries) {
            bool reused = false;
            if (auto c = ensure_connection(*o, reused); !c) return c;
            attempt a = send_and_receive(msg, reader, body_size, method == http::method::head, url, handler, redirect_to, status);
            if (!a.outcome && reused && tries == 0 && a.peer_closed_before_answer && (idempotent || a.while_writing)) {
                // The server had closed the kept-alive connection: once more on a fresh one.
                reader.rewind();
                redirect_to.clear();
                status = 0;
                continue;
            }
            return std::move(a.outcome);
        }
    }

    attempt send_and_receive(bhttp::request<bhttp::buffer_body>& msg, http::body_reader& reader, std::uint64_t body_size,
                             bool head_request, std::string const& url, http::response_handler& handler,
                             std::string& redirect_to, int& status) {
        attempt a;
        stall_ = stall_clock(options.stall_timeout, options.stall_min_bytes_per_second, steady::now());
        std::string const where = conn_->where.host + ":" + std::to_string(conn_->where.port);

        // 1. The request: head and body through one serializer, the body in pieces from the reader.
        error_code write_ec;
        {
            bhttp::request_serializer<bhttp::buffer_body> sr(msg);
            std::uint64_t remaining = body_size;
            for (;;) {
                std::size_t n = 0;
                if (remaining > 0) {
                    std::size_t const want = remaining < wbuf_.size() ? static_cast<std::size_t>(remaining) : wbuf_.size();
                    auto got = reader.read(wbuf_.data(), want);
                    if (!got || *got == 0) {
                        // The upload's own file failed (input layer); the request is half sent.
                        drop_connection();
                        a.outcome = got ? error(errc::file_error, "upload body ended before its announced size") : got.error();
                        return a;
                    }
                    n = *got;
                }
                remaining -= n;
                msg.body().data = n > 0 ? wbuf_.data() : nullptr;
                msg.body().size = n;
                msg.body().more = remaining > 0;
                auto st = run_step([&](step s) {
                    with_stream([&](auto& stream) {
                        bhttp::async_write(stream, sr, [s](error_code e, std::size_t k) { s->finish(e, k); });
                    });
                }, io_deadline());
                stall_.progress(st->bytes, steady::now());
                if (st->fired) {
                    drop_connection();
                    a.outcome = timeout_error("sending the request to " + where);
                    return a;
                }
                error_code ec = st->ec;
                if (ec == bhttp::error::need_buffer) ec = {};
                if (ec) {
                    write_ec = ec;
                    break;
                }
                if (sr.is_done()) break;
            }
        }
        if (write_ec && !is_closed_connection(write_ec)) {
            drop_connection();
            a.outcome = make_error(map_error(write_ec, phase::send), "beast: sending the request to " + where + " failed: " + write_ec.message(),
                                   write_ec);
            return a;
        }
        // A server may answer early (413, 401) and close while the body is still being written:
        // after a write failure the answer is still read, if there is one.

        // 2. The response head (interim 1xx responses skipped).
        std::optional<bhttp::response_parser<bhttp::buffer_body>> parser;
        for (;;) {
            parser.emplace();
            parser->body_limit(boost::none); // see the file comment: no 8 MB surprise
            parser->header_limit(response_header_limit);
            if (head_request) parser->skip(true);
            auto st = run_step([&](step s) {
                with_stream([&](auto& stream) {
                    bhttp::async_read_header(stream, conn_->buffer, *parser, [s](error_code e, std::size_t k) { s->finish(e, k); });
                });
            }, io_deadline());
            stall_.progress(st->bytes, steady::now());
            if (st->fired) {
                drop_connection();
                a.outcome = timeout_error("waiting for the response from " + where);
                return a;
            }
            if (st->ec) {
                bool const nothing = !parser->got_some();
                a.peer_closed_before_answer = nothing && (write_ec ? true : is_closed_connection(st->ec));
                a.while_writing = static_cast<bool>(write_ec);
                error_code const& cause = write_ec ? write_ec : st->ec;
                drop_connection();
                a.outcome = make_error(write_ec ? errc::connection_reset : map_error(st->ec, phase::receive_head),
                                       std::string("beast: ") + (write_ec ? "sending the request to " : "reading the response from ") +
                                           where + " failed: " + cause.message(),
                                       cause);
                return a;
            }
            int const code = static_cast<int>(parser->get().result_int());
            if (code >= 100 && code < 200 && code != 101) continue;
            break;
        }

        // 3. Deliver the head, or decide to follow a redirect (whose body is then read and dropped).
        http::response_head head;
        head.status = static_cast<int>(parser->get().result_int());
        status = head.status;
        for (auto const& f : parser->get()) {
            if (head.headers.size() == response_header_fields) {
                drop_connection();
                a.outcome = make_error(errc::protocol_error,
                                       "beast: the response head from " + where + " has more than " +
                                           std::to_string(response_header_fields) + " fields",
                                       error_code{});
                return a;
            }
            auto const name = f.name_string();
            auto const value = f.value();
            head.headers.add(std::string(name.data(), name.size()), std::string(value.data(), value.size()));
        }
        bool discard = false;
        if (options.follow_redirects) {
            redirect_to = http::redirect_target(head, url).value_or(std::string());
            discard = !redirect_to.empty();
        }
        if (!discard && handler.on_head(head) == http::sink_action::abort) {
            drop_connection();
            error e(errc::aborted_by_sink, "the response handler aborted the transfer");
            e.http_status = head.status;
            a.outcome = e;
            return a;
        }

        // 4. The body, each piece to the handler as it is read.
        std::uint64_t delivered = 0;
        auto& body = parser->get().body();
        while (!parser->is_done()) {
            body.data = rbuf_.data();
            body.size = rbuf_.size();
            auto st = run_step([&](step s) {
                with_stream([&](auto& stream) {
                    bhttp::async_read_some(stream, conn_->buffer, *parser, [s](error_code e, std::size_t k) { s->finish(e, k); });
                });
            }, io_deadline());
            stall_.progress(st->bytes, steady::now());
            std::size_t const n = rbuf_.size() - body.size;
            if (st->fired) {
                drop_connection();
                error e = timeout_error("reading the response body from " + where);
                e.http_status = head.status;
                e.bytes_delivered = static_cast<std::size_t>(delivered);
                a.outcome = e;
                return a;
            }
            if (n > 0 && !discard) {
                if (handler.on_body(std::string_view(rbuf_.data(), n)) == http::sink_action::abort) {
                    drop_connection();
                    error e(errc::aborted_by_sink, "the response handler aborted the transfer");
                    e.http_status = head.status;
                    e.bytes_delivered = static_cast<std::size_t>(delivered);
                    a.outcome = e;
                    return a;
                }
                delivered += n;
            }
            error_code ec = st->ec;
            if (ec == bhttp::error::need_buffer) ec = {};
            if (ec == asio::ssl::error::stream_truncated && parser->need_eof()) {
                // A body delimited by the end of the connection, closed without TLS close_notify
                // (common; the framing cannot tell a truncation from the end here anyway).
                ec = {};
                parser->put_eof(ec);
                if (!ec) break;
            }
            if (ec) {
                drop_connection();
                error e = make_error(map_error(ec, phase::receive_body),
                                     "beast: reading the response body from " + where + " failed: " + ec.message(), ec);
                e.http_status = head.status;
                e.bytes_delivered = static_cast<std::size_t>(delivered);
                a.outcome = e;
                return a;
            }
        }

        // 5. Keep the connection only when the server allows it and nothing unexpected is left.
        bool const reusable = !write_ec && parser->get().keep_alive() && !parser->need_eof() && conn_->buffer.size() == 0;
        ++conn_->exchanges;
        if (!reusable) drop_connection();
        a.outcome = {};
        return a;
    }

    asio::io_context ioc_;
    asio::steady_timer timer_;
    tcp::resolver resolver_;
    std::unique_ptr<connection> conn_;
    std::vector<char> rbuf_;
    std::vector<char> wbuf_;
    steady::time_point total_deadline_ = (steady::time_point::max)();
    stall_clock stall_;
};

} // namespace detail

/// A pulse::http::blocking_transport on Boost.Beast (HTTP/1.1) and Boost.Asio (TCP, OpenSSL TLS):
/// keep-alive, TLS verification on by default, timeouts on every step, redirects followed with
/// the credential rule. No compression and no proxies (the file comment of
/// <pulse/beast/transport.hpp> says what it supports, and its limits).
///
/// Not thread-safe: one transfer at a time, on the thread that calls perform(). Movable, not
/// copyable.
class sync_transport {
public:
    /// Redirect hops followed (when transport_options::follow_redirects is on) before giving up.
    static constexpr int max_redirects = detail::max_redirects;

    /// A transport with these options. No connection is opened before the first perform().
    explicit sync_transport(http::transport_options options = {})
        : e_(std::make_unique<detail::engine>(std::move(options))) {}

    sync_transport(sync_transport const&) = delete;
    sync_transport& operator=(sync_transport const&) = delete;
    /// Takes over the connection and settings; `o` can no longer perform (valid() is false).
    sync_transport(sync_transport&&) noexcept = default;
    /// Takes over the connection and settings; `o` can no longer perform (valid() is false).
    sync_transport& operator=(sync_transport&&) noexcept = default;
    /// Closes the kept connection. A name lookup still running on Asio's resolver thread (one
    /// that timed out) is waited for: getaddrinfo cannot be cancelled.
    ~sync_transport() = default;

    /// false only for a moved-from transport.
    bool valid() const noexcept { return e_ != nullptr; }

    /// The options in force (a moved-from transport has none: do not call it then).
    http::transport_options const& options() const noexcept { return e_->options; }

    /// New options apply from the next perform(). The kept connection and the TLS settings are
    /// dropped, so neither outlives a change of CA bundle or verification.
    void set_options(http::transport_options options) {
        if (!e_) return;
        e_->options = std::move(options);
        e_->tls_context.reset();
        e_->drop_connection();
    }

    /// Close the kept-alive connection now (otherwise it is closed by the destructor, by a request
    /// to another origin, or when the server asks).
    void close() noexcept {
        if (e_) e_->drop_connection();
    }

    /// TCP connections opened since construction: 1 after any number of requests that reused one.
    std::uint64_t connections_opened() const noexcept { return e_ ? e_->connects : 0; }

    /// The URL the last perform() got its final response from, or was talking to when it failed
    /// (differs from the request's only after followed redirects). Not for a moved-from transport.
    std::string const& effective_url() const noexcept { return e_->effective_url; }

    /// Send `req` and push the response into `handler`; returns when the transfer is over.
    /// Success means a complete response of any status reached the handler.
    result<void> perform(http::request const& req, http::response_handler& handler) {
        if (!e_) return error(errc::transport_failed, "beast: moved-from sync_transport");
        return e_->perform(req, handler);
    }

private:
    std::unique_ptr<detail::engine> e_;
};

static_assert(http::blocking_transport<sync_transport>);

} // namespace beast
PULSE_NAMESPACE_END

#endif
