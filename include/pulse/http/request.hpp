// SPDX-License-Identifier: MIT
//
// An HTTP request as the flow hands it to a transport: method, absolute URL, header fields and a
// body source. Plain data; a transport reads it and must not keep references past the transfer.
#ifndef PULSE_HTTP_REQUEST_HPP
#define PULSE_HTTP_REQUEST_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/http/body_source.hpp>
#include <pulse/http/headers.hpp>

#include <string>
#include <string_view>

PULSE_NAMESPACE_BEGIN
namespace http {

/// The methods the Pulse API uses.
enum class method : unsigned char {
    get,     ///< GET: polls and downloads
    post,    ///< POST: submissions
    put,     ///< PUT (not used by the API's documented calls; transports support it)
    delete_, ///< DELETE: cancelling a job (`delete` itself is a keyword)
    head     ///< HEAD (transports support it; the flows do not send it)
};

/// The method's name as sent on the wire ("GET", "DELETE", ...).
constexpr std::string_view to_string(method m) noexcept {
    switch (m) {
    case method::get: return "GET";
    case method::post: return "POST";
    case method::put: return "PUT";
    case method::delete_: return "DELETE";
    case method::head: return "HEAD";
    }
    return "GET";
}

/// A request ready to send. `url` is absolute ("https://api.runpulse.com/job/abc").
struct request {
    /// GET to poll and download, POST to submit, DELETE to cancel.
    http::method method = http::method::get;
    std::string url;        ///< the absolute URL, already percent-encoded (http::join_url)
    /// The fields to send, as given. The transport adds Content-Length and replaces any framing
    /// field given here (Content-Length, Transfer-Encoding).
    http::headers headers;
    body_source body;       ///< the body, streamed by the transport; empty for none
};

} // namespace http
PULSE_NAMESPACE_END

#endif
