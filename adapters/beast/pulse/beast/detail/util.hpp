// SPDX-License-Identifier: MIT
//
// Pieces of the Boost.Beast adapter that need no socket: request header validation, the
// credential-header rule for redirects, and the mapping from Asio/Beast/OpenSSL
// error codes to pulse::errc. Kept apart so they are unit-testable without a server.
//
// Internal: names and signatures here may change without notice.
#ifndef PULSE_BEAST_DETAIL_UTIL_HPP
#define PULSE_BEAST_DETAIL_UTIL_HPP

#include <pulse/config.hpp>
#include <pulse/error.hpp>
#include <pulse/http/headers.hpp>
#include <pulse/http/stall_clock.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

PULSE_NAMESPACE_BEGIN
namespace beast::detail {

/// Fields the adapter writes itself (or deliberately never sends) and so drops from the request:
/// Host (from the URL), Content-Length and Transfer-Encoding (the body_source's size is
/// authoritative), Expect (the adapter never waits for 100 Continue).
inline bool is_adapter_owned_field(std::string_view name) noexcept {
    return http::iequals(name, "host") || http::iequals(name, "content-length") ||
           http::iequals(name, "transfer-encoding") || http::iequals(name, "expect");
}

/// The stall rule of transport_options (http/stall_clock.hpp), shared with the other adapters.
using stall_clock = http::stall_clock;

/// Where in an exchange an error happened; decides what a generic code means.
enum class phase : unsigned char { resolve, connect, handshake, send, receive_head, receive_body };

/// The errc for an error code from Asio, Beast or OpenSSL (not for timeouts or the handler's abort,
/// which the adapter knows itself).
inline errc map_error(boost::system::error_code const& ec, phase where) noexcept {
    namespace asio = boost::asio;
    namespace bhttp = boost::beast::http;
    if (!ec) return errc::ok;
    switch (where) {
    case phase::resolve: return errc::resolve_failed;
    case phase::connect: return errc::connect_failed;
    case phase::handshake: return errc::tls_failed;
    default: break;
    }
    if (ec == bhttp::error::partial_message)
        return where == phase::receive_body ? errc::body_truncated : errc::connection_reset;
    if (ec == asio::ssl::error::stream_truncated || ec == asio::error::eof || ec == bhttp::error::end_of_stream)
        return where == phase::receive_body ? errc::body_truncated : errc::connection_reset;
    if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe || ec == asio::error::connection_aborted ||
        ec == asio::error::not_connected || ec == asio::error::shut_down || ec == asio::error::network_reset ||
        ec == asio::error::timed_out) // the kernel's own TCP timeout (keepalive/retransmission): the peer vanished
        return errc::connection_reset;
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category()) return errc::protocol_error;
    if (ec.category() == asio::error::get_ssl_category() || ec.category() == asio::ssl::error::get_stream_category())
        return errc::tls_failed;
    return errc::transport_failed;
}

/// True for the errors that mean "the peer closed or reset the connection" -- on a reused
/// connection before any byte of the answer, the sign of a keep-alive connection the server had
/// already given up on.
inline bool is_closed_connection(boost::system::error_code const& ec) noexcept {
    namespace asio = boost::asio;
    namespace bhttp = boost::beast::http;
    return ec == asio::error::eof || ec == bhttp::error::end_of_stream || ec == asio::ssl::error::stream_truncated ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == asio::error::connection_aborted || ec == asio::error::not_connected;
}

} // namespace beast::detail
PULSE_NAMESPACE_END

#endif
