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
// Rules every transport follows (the conformance tests check them):
// - send every header field of the request as given; add Content-Length for non-empty bodies;
// - stream the body from body_reader (never read a file body into memory);
// - report only the final response's head (after redirects it chose to follow) via on_head,
//   then its body via on_body; stop promptly when a callback answers abort;
// - honour transport_options: timeouts, TLS verification on by default, proxy, encodings, UA.
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
