// SPDX-License-Identifier: MIT
//
// An HTTP request as the flow hands it to a transport: method, absolute URL, header fields and a
// body source. Plain data; a transport reads it and must not keep references past the transfer.
#ifndef PULSE_HTTP_REQUEST_HPP
#define PULSE_HTTP_REQUEST_HPP

#include <pulse/config.hpp>
#include <pulse/http/body_source.hpp>
#include <pulse/http/headers.hpp>

#include <string>
#include <string_view>

PULSE_NAMESPACE_BEGIN
namespace http {

/// The methods the Pulse API uses.
enum class method : unsigned char { get, post, put, delete_, head };

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
    http::method method = http::method::get;
    std::string url;
    http::headers headers;
    body_source body;
};

} // namespace http
PULSE_NAMESPACE_END

#endif
