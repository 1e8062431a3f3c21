// SPDX-License-Identifier: MIT
//
// Boost.URL's parse_uri with one correction for Boost 1.81.
//
// RFC 3986: after an authority the path is path-abempty, i.e. empty or starting with '/'. Boost.URL
// 1.81 accepts any path there and splits "https://api.runpulse.com:-1/" into host
// "api.runpulse.com", port "" and path "-1/", or "https://a@h:1x@evil/" into host "h". Other
// stacks (curl) reject or split those differently, and a URL two parsers read differently must
// never be judged same-origin or used as a base. So such URLs are refused here.
#ifndef PULSE_HTTP_DETAIL_PARSE_URI_HPP
#define PULSE_HTTP_DETAIL_PARSE_URI_HPP

#include <pulse/detail/prelude.hpp>

#include <boost/system/result.hpp>
#include <boost/url/grammar/error.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <string_view>

PULSE_NAMESPACE_BEGIN
namespace http::detail {

/// parse_uri, plus the path-abempty rule Boost 1.81 does not enforce. The view refers to `s`.
inline boost::system::result<boost::urls::url_view> parse_uri_strict(std::string_view s) noexcept {
    auto r = boost::urls::parse_uri(boost::urls::string_view(s.data(), s.size()));
    if (!r) return r;
    if (r->has_authority()) {
        auto const path = r->encoded_path();
        if (!path.empty() && path.front() != '/') return boost::urls::grammar::error::mismatch;
    }
    return r;
}

} // namespace http::detail
PULSE_NAMESPACE_END

#endif
