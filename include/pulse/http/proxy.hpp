// SPDX-License-Identifier: MIT
//
// Which requests go through the proxy that transport_options names, by curl's NO_PROXY rules, so
// that every adapter decides the same way: libcurl applies them itself (CURLOPT_NOPROXY); an
// adapter over a stack without them asks proxy_for().
//
// NO_PROXY syntax: a comma-separated list (spaces ignored). `*` alone bypasses the proxy for every
// host. A host name matches itself and every subdomain ("example.com" and ".example.com" both
// match "api.example.com"); an IP address matches itself. Names compare case-insensitively; a
// port in the list or the URL is not considered. CIDR ranges are not supported.
#ifndef PULSE_HTTP_PROXY_HPP
#define PULSE_HTTP_PROXY_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/http/detail/parse_uri.hpp>
#include <pulse/http/headers.hpp>
#include <pulse/http/transport_options.hpp>

#include <optional>
#include <string>
#include <string_view>

PULSE_NAMESPACE_BEGIN
namespace http {

/// Whether a request to `host` bypasses the proxy under the NO_PROXY list `no_proxy`.
inline bool bypasses_proxy(std::string_view host, std::string_view no_proxy) noexcept {
    // An IPv6 literal arrives in brackets from a URL and without them in the list.
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    while (!host.empty() && host.back() == '.') host.remove_suffix(1);
    while (!no_proxy.empty()) {
        auto const comma = no_proxy.find(',');
        std::string_view entry = no_proxy.substr(0, comma);
        no_proxy = comma == std::string_view::npos ? std::string_view{} : no_proxy.substr(comma + 1);
        while (!entry.empty() && (entry.front() == ' ' || entry.front() == '\t')) entry.remove_prefix(1);
        while (!entry.empty() && (entry.back() == ' ' || entry.back() == '\t')) entry.remove_suffix(1);
        if (entry == "*") return true;
        if (!entry.empty() && entry.front() == '[') { // [::1]:8080
            auto const close = entry.find(']');
            if (close == std::string_view::npos) continue;
            entry = entry.substr(1, close - 1);
        } else if (auto const colon = entry.find(':'); colon != std::string_view::npos && entry.find(':', colon + 1) == std::string_view::npos) {
            entry = entry.substr(0, colon); // name:port (one colon: not an IPv6 literal)
        }
        while (!entry.empty() && entry.front() == '.') entry.remove_prefix(1);
        while (!entry.empty() && entry.back() == '.') entry.remove_suffix(1);
        if (entry.empty() || entry.size() > host.size()) continue;
        if (!iequals(host.substr(host.size() - entry.size()), entry)) continue;
        if (entry.size() == host.size() || host[host.size() - entry.size() - 1] == '.') return true;
    }
    return false;
}

/// The proxy a request to `url` goes through under `o`: the proxy's URL, or nullopt for a direct
/// connection (no proxy set, an empty one, or the URL's host in o.no_proxy). A URL that does not
/// parse is given the proxy: the stack will refuse it anyway.
inline std::optional<std::string> proxy_for(std::string_view url, transport_options const& o) {
    if (!o.proxy || o.proxy->empty()) return std::nullopt;
    if (o.no_proxy) {
        auto u = detail::parse_uri_strict(url);
        if (u && u->has_authority()) {
            auto const host = u->encoded_host();
            if (bypasses_proxy(std::string_view(host.data(), host.size()), *o.no_proxy)) return std::nullopt;
        }
    }
    return o.proxy;
}

} // namespace http
PULSE_NAMESPACE_END

#endif
