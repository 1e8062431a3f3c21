// SPDX-License-Identifier: MIT
//
// Building request URLs from a configured base URL, path segments and query parameters.
//
// The one rule that matters: a value placed in the path (a job id, an image file name) becomes
// exactly ONE path segment, whatever bytes it holds. "../x", "a/b", "%2F", "?", "#", spaces, NUL
// and non-ASCII all come out percent-encoded, so an id can never add a segment, climb out of the
// prefix, or start a query. Everything outside RFC 3986's unreserved set (ALPHA DIGIT - . _ ~) is
// encoded: that is stricter than the pchar grammar allows, on purpose -- ';' (matrix parameters),
// '+', '=' and ',' are read specially by some servers and proxies, and an id never needs them raw.
//
// Two ids cannot be made safe by encoding and are rejected as input errors: "." and "..". They are
// dot-segments, and "%2E%2E" does not help because WHATWG-style parsers and several servers treat
// the encoded form as ".." too. The empty id is rejected as well: "/job/" names a different
// resource than "/job/<id>". No real job id is any of these.
//
// Parsing and assembly are Boost.URL's (RFC 3986); nothing here splits URLs by hand.
#ifndef PULSE_HTTP_URL_HPP
#define PULSE_HTTP_URL_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/http/detail/parse_uri.hpp>
#include <pulse/http/headers.hpp>

#include <boost/url/encode.hpp>
#include <boost/url/param.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url.hpp>

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

PULSE_NAMESPACE_BEGIN
namespace http {

/// One query parameter, given decoded; join_url percent-encodes both parts.
struct query_param {
    std::string_view name;  ///< the parameter's name, not encoded
    std::string_view value; ///< the parameter's value, not encoded
};

namespace detail {

// Percent-encode everything but the unreserved characters.
inline std::string encode_component(std::string_view s) {
    return boost::urls::encode(boost::urls::string_view(s.data(), s.size()), boost::urls::unreserved_chars);
}

} // namespace detail

/// Check that a base URL is usable: an absolute http or https URL with a host and no fragment.
/// A path prefix ("https://proxy.example/pulse/") and an existing query are allowed.
inline result<void> validate_base_url(std::string_view base) {
    auto parsed = detail::parse_uri_strict(base);
    if (!parsed) return error(errc::invalid_argument, "base URL is not an absolute URI (" + parsed.error().message() + ")");
    auto const& u = *parsed;
    std::string_view const scheme(u.scheme().data(), u.scheme().size());
    if (!iequals(scheme, "https") && !iequals(scheme, "http"))
        return error(errc::invalid_argument, "base URL scheme must be http or https");
    if (!u.has_authority() || u.encoded_host().empty()) return error(errc::invalid_argument, "base URL has no host");
    if (u.has_fragment()) return error(errc::invalid_argument, "base URL must not have a fragment");
    return {};
}

/// Join `base` with path segments and query parameters.
///
/// - `base` may end with or without '/', and may carry a path prefix: "https://h", "https://h/",
///   "https://h/v1" and "https://h/v1/" all work; the segments go after the prefix.
/// - Each entry of `segments` becomes exactly one segment, percent-encoded (see the file comment);
///   "", "." and ".." are rejected with errc::invalid_argument.
/// - Query parameters are appended (after any query the base already has), both name and value
///   percent-encoded, so '&', '=', '+' and '#' in values are data.
///
/// Errors (input layer): the base is not an absolute http(s) URL with a host, has a fragment, or
/// a segment is unrepresentable.
inline result<std::string> join_url(std::string_view base, std::span<std::string_view const> segments,
                                    std::span<query_param const> query = {}) {
    if (auto ok = validate_base_url(base); !ok) return ok.error();
    boost::urls::url u(*detail::parse_uri_strict(base));

    auto path = u.encoded_segments();
    // "https://h/v1/" has segments {"v1", ""}: drop the empty last one so we do not produce "//".
    if (!path.empty() && path.back().empty()) path.pop_back();

    for (std::size_t i = 0; i < segments.size(); ++i) {
        std::string_view const s = segments[i];
        if (s.empty() || s == "." || s == "..")
            return error(errc::invalid_argument,
                         "path segment " + std::to_string(i) + " is empty, \".\" or \"..\" and cannot be used in a URL path");
        std::string const enc = detail::encode_component(s);
        auto pct = boost::urls::make_pct_string_view(enc);
        if (!pct) return error(errc::invalid_argument, "internal: percent-encoding produced an invalid string");
        path.push_back(*pct);
    }

    if (!query.empty()) {
        auto params = u.encoded_params();
        for (auto const& q : query) {
            std::string const name = detail::encode_component(q.name);
            std::string const value = detail::encode_component(q.value);
            auto pn = boost::urls::make_pct_string_view(name);
            auto pv = boost::urls::make_pct_string_view(value);
            if (!pn || !pv) return error(errc::invalid_argument, "internal: percent-encoding produced an invalid string");
            params.append(boost::urls::param_pct_view(*pn, *pv));
        }
    }
    return std::string(u.buffer().data(), u.buffer().size());
}

/// Convenience overload: `join_url(base, {"job", id})`, `join_url(base, {"job"}, {{"a", "b"}})`.
inline result<std::string> join_url(std::string_view base, std::initializer_list<std::string_view> segments,
                                    std::initializer_list<query_param> query = {}) {
    return join_url(base, std::span<std::string_view const>(segments.begin(), segments.size()),
                    std::span<query_param const>(query.begin(), query.size()));
}

} // namespace http
PULSE_NAMESPACE_END

#endif
