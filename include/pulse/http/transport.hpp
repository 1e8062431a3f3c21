// SPDX-License-Identifier: MIT
//
// The Transport concept: the one thing a user implements to plug an HTTP stack into this library.
//
// Why this shape:
// - Push, not pull. The stack delivers bytes to a response_handler as they arrive (curl's write
//   callback, Beast's read loop, NSURLSession's didReceiveData). A pull BodyStream (Azure's design)
//   forces adapters to re-implement HTTP over raw sockets; push fits every stack we know.
// - Two shapes, one vocabulary. A blocking stack (curl easy, Beast sync, WinHTTP sync) implements
//   `perform(request, handler) -> result<void>`, which returns when the transfer is over. A
//   non-blocking stack driven by the caller's loop (curl multi, an engine's callback-based HTTP
//   module) implements `start(request, handler)` and later calls handler.on_complete(); the
//   caller's loop keeps it moving. Both take the same request and handler types, so a flow does
//   not care which it has.
// - HTTP statuses are not transport errors. A 404 or 503 is a successful transfer whose head says
//   404/503; perform() returns success and the flow decides. perform() fails only when no complete
//   answer arrived: resolve/connect/TLS failure, reset, timeout, body cut short, or the handler's
//   abort (errc::aborted_by_sink).
// - No ABI across the seam: the request is plain data, the handler a two-method interface. No
//   allocator, thread or exception crosses it.
//
// The contract, all of it (docs/guides/writing-a-transport.md walks through an example):
// - The request: send it to req.url with req.method and every header field as given (names and
//   values checked with http::validate_fields: a field that would inject header lines is refused
//   with errc::invalid_argument). The transport writes Host from the URL and Content-Length from
//   req.body.size() for a body (it drops any such field the request carries); it streams the body
//   from an http::body_reader (a file body is never read into memory).
// - The response: on_head once, for the final response (interim 1xx and followed redirects are
//   not reported), with the status and every field as received; then on_body with the body's
//   bytes in order, as they arrive, with chunked framing removed. A Content-Encoding is undone only
//   when the transport asked for compression (transport_options::accept_compressed) and can decode
//   it; otherwise it sends no Accept-Encoding and hands the bytes over as they came. A callback
//   that answers sink_action::abort stops the transfer promptly (errc::aborted_by_sink).
// - Cap what the peer can make you hold: a response head over 1000 fields or 256 KiB is
//   errc::protocol_error.
// - The outcome: success when a complete answer (any status) reached the handler; otherwise the
//   errc that says what happened, the stack's own number in error::native_code and its text in
//   the message (never a credential: scrub the values of http::is_credential_field fields):
//     resolve_failed, connect_failed, tls_failed   the request never left: retried for any method
//     tls_verification_failed                      the certificate or host name was rejected: never retried
//     proxy_failed                                 the proxy is unreachable or refused the tunnel: never retried
//     timeout, connection_reset, body_truncated,   the server may have acted: retried for GETs,
//     protocol_error, transport_failed             never for a submission (a POST)
//     aborted_by_sink                              the handler asked to stop: never retried
//   (flow/policy.hpp decides; a transport never retries a POST itself -- not even on a kept
//   connection that closed -- and may retry a GET only before any byte reached the handler.)
// - Redirects: followed only with transport_options::follow_redirects, by http/redirect.hpp's
//   rule (credentials never leave the request's origin); the flows themselves never ask for it.
// - transport_options: a transport built by an adapter's factory gets pulse::config::transport;
//   a transport of your own gets whatever you construct it with: honour what your stack can
//   (timeouts and the stall clock, TLS verification on by default and the CA bundle, the proxy
//   by http::proxy_for(), compression, the User-Agent) and say what it cannot.
//
// The conformance suite checks a blocking transport against all of this over real sockets:
// pulse_add_transport_conformance() in CMake (cmake/PulseConformance.cmake, -DPULSE_CONFORMANCE=ON)
// runs tests/integration/transport_conformance.hpp against a transport of yours.
#ifndef PULSE_HTTP_TRANSPORT_HPP
#define PULSE_HTTP_TRANSPORT_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/http/request.hpp>
#include <pulse/http/response.hpp>
#include <pulse/http/transport_options.hpp>

#include <concepts>

PULSE_NAMESPACE_BEGIN

namespace http {

/// A stack that performs one request to completion on the calling thread.
/// `perform` returns success when a complete response (any status) was delivered to the handler.
template <class T>
concept blocking_transport = requires(T& t, request const& req, response_handler& h) {
    { t.perform(req, h) } -> std::same_as<result<void>>;
};

/// A stack driven by the caller's loop. `start` begins the transfer and returns at once (an error
/// only when it cannot even start); the stack later calls h.on_head/on_body/on_complete from
/// whatever the caller uses to drive it (a tick() call, the engine's update). `cancel(h)` aborts
/// the transfer started with that handler; on_complete is then called with errc::canceled, or not
/// at all if it was already called. The request must stay valid until on_complete.
template <class T>
concept async_transport = requires(T& t, request const& req, response_handler& h) {
    { t.start(req, h) } -> std::same_as<result<void>>;
    { t.cancel(h) } -> std::same_as<void>;
};

} // namespace http
PULSE_NAMESPACE_END

#endif
