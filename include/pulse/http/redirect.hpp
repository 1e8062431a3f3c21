// SPDX-License-Identifier: MIT
//
// Following a redirect the way every adapter of this library does, when
// transport_options::follow_redirects asks for it (it is off by default):
//
// - redirect_target(): a 301, 302, 303, 307 or 308 with a Location that resolves (RFC 3986, by
//   Boost.URL, against the URL that answered) to an http or https URL with a host. The fragment is
//   dropped. Anything else is not followed: the response is the final one.
// - follow_redirect(): what the next hop sends. 303 always, and 301/302 after a POST, become a GET
//   without a body (what browsers and libcurl do); 307/308 repeat the request as it was. Once a hop
//   leaves the origin of the request's own URL (http::same_origin), the credential fields
//   (request_fields.hpp: x-api-key, Authorization, Cookie, Proxy-Authorization) are dropped for
//   that hop and every later one, even if a later hop returns to the original origin.
// - Stacks that can follow redirects themselves (libcurl, WinHTTP) are told not to: libcurl keeps
//   x-api-key across hosts, and neither knows this library's credential fields. The adapter follows,
//   at most max_redirects hops, then fails with too_many_redirects().
#ifndef PULSE_HTTP_REDIRECT_HPP
#define PULSE_HTTP_REDIRECT_HPP

#include <pulse/config.hpp>
#include <pulse/error.hpp>
#include <pulse/http/origin.hpp>
#include <pulse/http/request.hpp>
#include <pulse/http/response.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

PULSE_NAMESPACE_BEGIN
namespace http {

/// Redirect hops an adapter follows before giving up.
inline constexpr int max_redirects = 10;

/// Where `head` redirects to from `current` (the URL that answered), when it is a redirect that is
/// followed; nullopt otherwise.
inline std::optional<std::string> redirect_target(response_head const& head, std::string_view current) {
    int const s = head.status;
    if (s != 301 && s != 302 && s != 303 && s != 307 && s != 308) return std::nullopt;
    auto const loc = head.headers.find("location");
    if (!loc || loc->empty()) return std::nullopt;
    auto base = boost::urls::parse_uri(boost::urls::string_view(current.data(), current.size()));
    auto ref = boost::urls::parse_uri_reference(boost::urls::string_view(loc->data(), loc->size()));
    if (!base || !ref) return std::nullopt;
    boost::urls::url dest;
    if (!boost::urls::resolve(*base, *ref, dest)) return std::nullopt;
    dest.remove_fragment();
    std::string target(dest.buffer().data(), dest.buffer().size());
    if (!origin_of(target)) return std::nullopt; // http or https with a host, nothing else
    return target;
}

/// One hop of a redirect chain: what is sent. Starts as the caller's request.
struct redirect_hop {
    std::string url;
    http::method method = http::method::get;
    bool send_body = true;
    bool send_credentials = true;

    /// The first hop: the request as the caller gave it.
    static redirect_hop first(request const& req) { return redirect_hop{req.url, req.method, true, true}; }
};

/// Move `hop` on to `target` after an answer with `status` (see the file comment).
inline void follow_redirect(redirect_hop& hop, int status, std::string target) {
    if (status == 303 || ((status == 301 || status == 302) && hop.method == method::post)) {
        if (hop.method != method::head) hop.method = method::get;
        hop.send_body = false;
    }
    if (hop.send_credentials && !same_origin(hop.url, target)) hop.send_credentials = false;
    hop.url = std::move(target);
}

/// The error for a chain longer than `limit` hops; `status` is the last redirect's.
inline error too_many_redirects(int limit, int status) {
    error e(errc::too_many_redirects, "more than " + std::to_string(limit) + " redirects");
    e.http_status = status;
    return e;
}

} // namespace http
PULSE_NAMESPACE_END

#endif
