// SPDX-License-Identifier: MIT
//
// The origin of a URL (RFC 6454: scheme, host, port) and same_origin(), the rule that decides
// whether a request may carry x-api-key: only a URL with the same origin as the configured API base
// gets the key; a pre-signed storage URL or anything the server points us at on another host does
// not.
//
// The URL is parsed by Boost.URL (RFC 3986), so the tricks that fool string matching do not work:
// - "https://api.runpulse.com@evil.example/" has host evil.example (the rest is userinfo);
// - "https://api.runpulse.com.evil.example/" is another host;
// - "https://evil.example#@api.runpulse.com" has host evil.example (the rest is a fragment);
// - "https://api.runpulse.com\@evil.example/" is not a valid RFC 3986 URL (WHATWG parsers read the
//   backslash as a slash, other stacks do not), so it has no origin and is never same-origin.
//
// Decisions, all in the direction of "do not send the key" when in doubt:
// - Only http and https have an origin here; other schemes are errors (no default port, no key).
// - The scheme and host are compared ASCII-case-insensitively (lowercased); the port is the
//   explicit one or the scheme's default (80/443), so "HTTPS://API.RUNPULSE.COM:443/" is the
//   same origin as "https://api.runpulse.com".
// - A trailing dot is kept: "api.runpulse.com." is a different host from "api.runpulse.com". DNS
//   resolves both to the same name, but TLS certificates, SNI and virtual hosting treat them as
//   different, and stacks disagree on stripping it; refusing the key is the safe answer.
// - Userinfo ("user:pass@") is not part of an origin (RFC 6454) and does not change the answer:
//   "https://user@api.runpulse.com/" is the API origin. Only the host decides.
// - Percent-encoded host names ("api%2Erunpulse.com") are rejected: stacks disagree on whether
//   to decode them, so no answer would be safe.
// - IPv6 literals are compared by address ("[::1]" equals "[0:0:0:0:0:0:0:1]"); IPv4 literals by
//   their dotted text. A host that is neither is compared as a lowercased name. No DNS, no IDNA:
//   "127.1" is a name here (it differs from "127.0.0.1"), and non-ASCII hosts do not parse.
// - A port outside 1..65535 is an error.
// - A URL that Boost.URL 1.81 reads differently from RFC 3986 ("https://h:443x/", "https://a@h:1x@evil/")
//   is an error too; see detail/parse_uri.hpp.
#ifndef PULSE_HTTP_ORIGIN_HPP
#define PULSE_HTTP_ORIGIN_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/http/detail/parse_uri.hpp>

#include <boost/url/host_type.hpp>
#include <boost/url/url_view.hpp>

#include <cstdint>
#include <string>
#include <string_view>

PULSE_NAMESPACE_BEGIN
namespace http {

/// Scheme (lowercase, "http" or "https"), host (lowercase; an IPv6 literal in canonical form
/// inside brackets) and effective port.
struct origin {
    std::string scheme;     ///< "http" or "https"
    std::string host;       ///< lowercase name, dotted IPv4, or bracketed canonical IPv6
    std::uint16_t port = 0; ///< the explicit port, else 80 or 443

    /// Same origin: same scheme, host and port.
    friend bool operator==(origin const&, origin const&) = default;

    /// "https://api.runpulse.com:443" (always with the port, so equal origins print equally).
    std::string to_string() const { return scheme + "://" + host + ":" + std::to_string(port); }
};

namespace detail {
inline std::string lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}
} // namespace detail

/// The origin of an absolute http(s) URL. Errors (errc::invalid_argument) for anything that does
/// not parse as RFC 3986, another scheme, a missing or percent-encoded host, or a bad port.
inline result<origin> origin_of(std::string_view url) {
    auto parsed = detail::parse_uri_strict(url);
    if (!parsed) return error(errc::invalid_argument, "URL does not parse (" + parsed.error().message() + ")");
    boost::urls::url_view const& u = *parsed;

    origin o;
    o.scheme = detail::lower_ascii(std::string_view(u.scheme().data(), u.scheme().size()));
    std::uint16_t default_port = 0;
    if (o.scheme == "https") default_port = 443;
    else if (o.scheme == "http") default_port = 80;
    else return error(errc::invalid_argument, "URL scheme is not http or https");

    if (!u.has_authority()) return error(errc::invalid_argument, "URL has no host");
    auto const enc_host = u.encoded_host();
    std::string_view const host(enc_host.data(), enc_host.size());
    switch (u.host_type()) {
    case boost::urls::host_type::ipv6:
        // Canonical text of the address, so equal addresses compare equal however written.
        o.host = "[" + u.host_ipv6_address().to_string() + "]";
        break;
    case boost::urls::host_type::ipv4:
        o.host = std::string(host);
        break;
    case boost::urls::host_type::name:
        if (host.empty()) return error(errc::invalid_argument, "URL has no host");
        if (host.find('%') != std::string_view::npos)
            return error(errc::invalid_argument, "URL host is percent-encoded");
        o.host = detail::lower_ascii(host);
        break;
    default: // ipvfuture, none
        return error(errc::invalid_argument, "URL host is not a name or IP address");
    }

    // Read the port text ourselves: it may be empty ("https://h:/", which means the default) and
    // port_number() silently truncates values above 65535.
    auto const port_text = u.port();
    if (!u.has_port() || port_text.empty()) {
        o.port = default_port;
    } else {
        unsigned long v = 0;
        for (char c : port_text) {
            if (c < '0' || c > '9') return error(errc::invalid_argument, "URL port is not a number");
            v = v * 10 + static_cast<unsigned long>(c - '0');
            if (v > 65535) return error(errc::invalid_argument, "URL port is out of range");
        }
        if (v == 0) return error(errc::invalid_argument, "URL port is out of range");
        o.port = static_cast<std::uint16_t>(v);
    }
    return o;
}

/// True when both URLs parse and have the same origin. False whenever either does not parse: the
/// answer decides whether credentials are sent, so doubt means no.
inline bool same_origin(std::string_view a, std::string_view b) {
    auto oa = origin_of(a);
    if (!oa) return false;
    auto ob = origin_of(b);
    if (!ob) return false;
    return *oa == *ob;
}

} // namespace http
PULSE_NAMESPACE_END

#endif
