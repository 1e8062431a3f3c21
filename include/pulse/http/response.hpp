// SPDX-License-Identifier: MIT
//
// The receiving side of a transfer. The transport *pushes*: it calls on_head once when the status
// line and header fields are in, then on_body for each chunk as it arrives, never buffering the
// whole body. Each callback answers continue or abort; on abort the transport stops the transfer
// promptly and reports errc::aborted_by_sink.
//
// Why a small virtual interface rather than a template parameter: adapters (curl, Beast, an
// engine's module) are then ordinary non-template classes that compile once, and the per-chunk
// virtual call costs nothing next to a chunk of network bytes.
#ifndef PULSE_HTTP_RESPONSE_HPP
#define PULSE_HTTP_RESPONSE_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/http/headers.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

PULSE_NAMESPACE_BEGIN
namespace http {

/// Status and header fields of a response (after any redirect the transport followed).
struct response_head {
    int status = 0;         ///< the HTTP status code, e.g. 200 or 404
    http::headers headers;  ///< the response's header fields, in the order received

    /// Content-Length when the server sent a valid one (absent for chunked bodies).
    std::optional<std::uint64_t> content_length() const noexcept {
        auto v = headers.find("content-length");
        if (!v || v->empty()) return std::nullopt;
        std::uint64_t n = 0;
        for (char c : *v) {
            if (c < '0' || c > '9') return std::nullopt;
            if (n > (UINT64_MAX - 9) / 10) return std::nullopt;
            n = n * 10 + static_cast<std::uint64_t>(c - '0');
        }
        return n;
    }
};

/// The most of one response head a transport keeps: a head with more fields or more bytes than
/// this fails the transfer with errc::protocol_error (a hostile server must not make a client
/// hold, copy and scan an unbounded head). Every adapter of this library applies both.
inline constexpr std::size_t max_response_head_fields = 1000;
/// The most bytes of one response head a transport keeps (see max_response_head_fields).
inline constexpr std::size_t max_response_head_bytes = 256 * 1024;

/// What a handler tells the transport after each callback.
enum class sink_action : unsigned char {
    proceed, ///< keep the transfer going
    abort    ///< stop the transfer now; the transport reports errc::aborted_by_sink
};

/// Receives a response as it arrives. Implemented by the library's flow drivers and by callers who
/// want raw bytes. Callbacks run on the thread that drives the transport.
class response_handler {
public:
    /// Status line and headers are in. Called once per response (interim 1xx are not reported;
    /// when the transport follows a redirect, only the final response is reported).
    virtual sink_action on_head(response_head const& head) = 0;

    /// Next chunk of the (decoded, if Content-Encoding was handled by the stack) body.
    virtual sink_action on_body(std::string_view chunk) = 0;

    /// Only asynchronous transports call this: the transfer ended. `outcome` holds an error when
    /// the transfer did not complete (transport failure, or aborted_by_sink). A blocking transport
    /// returns the same value from perform() instead.
    virtual void on_complete(result<void> outcome) { (void)outcome; }

protected:
    /// Not virtual: handlers are never destroyed through this interface (the owner of a handler
    /// knows its type; a transport only holds a reference).
    ~response_handler() = default;
};

} // namespace http
PULSE_NAMESPACE_END

#endif
