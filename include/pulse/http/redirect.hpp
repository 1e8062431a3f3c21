// SPDX-License-Identifier: MIT
//
// The rules every adapter applies to the fields it sends and to the redirects it follows, written
// once so the adapters cannot drift apart:
//
// - A request field must be an HTTP field: a name made of RFC 9110 token characters, a value
//   without CR, LF or NUL (no header injection). The error names the field, never its value (it
//   may be the API key).
// - Credentials (x-api-key, Authorization, Cookie, Proxy-Authorization) go only to the origin the
//   request was made for: once a redirect leaves that origin, no later hop carries them, even one
//   that comes back.
// - A redirect is followed only to an absolute http(s) URL: Location resolved against the current
//   URL with Boost.URL, the fragment dropped. 303, and 301/302 after a POST, turn into a GET
//   without a body (what browsers and libcurl do); 307/308 repeat the request as it was.
// - A chain longer than the adapter's limit ends with errc::too_many_redirects.
//
// Adapters follow redirects only with transport_options::follow_redirects; the flows never ask
// for it (a redirect answer is an error there: flow/job_flow.hpp).
#ifndef PULSE_HTTP_REDIRECT_HPP
#define PULSE_HTTP_REDIRECT_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/http/headers.hpp>
#include <pulse/http/origin.hpp>
#include <pulse/http/request.hpp>
#include <pulse/http/response.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

PULSE_NAMESPACE_BEGIN
namespace http {

/// Header fields that carry credentials: never sent across origins on a redirect, and their values
/// are scrubbed from any error text an adapter builds.
inline bool is_credential_field(std::string_view name) noexcept {
    return iequals(name, "x-api-key") || iequals(name, "authorization") || iequals(name, "cookie") ||
           iequals(name, "proxy-authorization");
}

/// `e` with the values of the credential fields among `fields` (4 bytes or longer) replaced by
/// "[redacted]" in its text: for errors whose message came from an HTTP stack, which should never
/// hold them, so that "never" does not depend on the stack's wording.
inline error redact_credentials(error e, headers const& fields) {
    for (auto const& f : fields)
        if (is_credential_field(f.name) && f.value.size() >= 4) e.redact(f.value);
    return e;
}

/// An RFC 9110 token character (the characters of a field name).
constexpr bool is_token_char(char c) noexcept {
    if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

/// Refuse a field that would inject header lines or is not a field at all (errc::invalid_argument,
/// naming the field by its position or name, never its value).
inline result<void> validate_fields(headers const& fields) {
    std::size_t index = 0;
    for (auto const& f : fields) {
        ++index;
        if (f.name.empty()) return error(errc::invalid_argument, "request header field " + std::to_string(index) + " has an empty name");
        for (char c : f.name)
            if (!is_token_char(c))
                return error(errc::invalid_argument,
                             "request header field " + std::to_string(index) + " has a name that is not an HTTP token");
        for (char c : f.value)
            if (c == '\r' || c == '\n' || c == '\0')
                return error(errc::invalid_argument, "request header field '" + f.name + "' has CR, LF or NUL in its value");
    }
    return {};
}

/// One hop of a request's redirect chain: where it goes and what it carries. Starts as the
/// caller's request; follow_redirect() moves it on.
struct redirect_hop {
    std::string url;                   ///< the URL of this hop
    http::method method = http::method::get; ///< the method of this hop
    bool send_body = true;             ///< false once a redirect turned the request into a GET
    bool send_credentials = true;      ///< false once a hop left the original origin

    /// The first hop: the request as the caller made it.
    static redirect_hop first(request const& req) { return redirect_hop{req.url, req.method, true, true}; }

    /// Whether this hop sends field `name` (credentials only while on the original origin;
    /// Content-Type only with a body).
    bool sends_field(std::string_view name) const noexcept {
        if (!send_credentials && is_credential_field(name)) return false;
        if (!send_body && iequals(name, "content-type")) return false;
        return true;
    }
};

/// Where answer `head` to a request for `current` redirects, when it is a redirect to follow: a
/// 301/302/303/307/308 whose Location resolves (against `current`) to an absolute http(s) URL with
/// a host. nullopt for anything else.
inline std::optional<std::string> redirect_target(response_head const& head, std::string_view current) {
    int const s = head.status;
    if (s != 301 && s != 302 && s != 303 && s != 307 && s != 308) return std::nullopt;
    auto loc = head.headers.find("location");
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

/// Move `hop` on to `target` after an answer with `status` (see the file comment for the method
/// and credential rules).
inline void follow_redirect(redirect_hop& hop, int status, std::string target) {
    if (status == 303 || ((status == 301 || status == 302) && hop.method == http::method::post)) {
        if (hop.method != http::method::head) hop.method = http::method::get;
        hop.send_body = false;
    }
    if (hop.send_credentials && !same_origin(hop.url, target)) hop.send_credentials = false;
    hop.url = std::move(target);
}

/// The error for a redirect chain longer than `max_redirects` hops; `status` is the last answer's.
inline error too_many_redirects(int max_redirects, int status) {
    error e(errc::too_many_redirects, "more than " + std::to_string(max_redirects) + " redirects");
    e.http_status = status;
    return e;
}

} // namespace http
PULSE_NAMESPACE_END

#endif
