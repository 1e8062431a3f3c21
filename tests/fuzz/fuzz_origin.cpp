// libFuzzer target for pulse/http/origin.hpp: the rule that decides whether a request carries the
// API key. Input: one byte choosing the configured API base (or a base from the input), then a URL.
// Properties:
// - same_origin(url, base) implies that Boost.URL's plain parse_uri reads `url` with the base's
//   scheme, host (names case-insensitively, IPv6 by address) and port (explicit or the scheme's
//   default), and that url holds no character RFC 3986 forbids (no backslash, space, control);
// - origin_of is consistent: an origin prints as a URL whose origin is itself, same_origin is
//   symmetric and reflexive on URLs that have an origin, and agrees with comparing origin_of.
#include <pulse/http/origin.hpp>

#include "fuzz_support.hpp"

#include <boost/url/parse.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace {

struct parts {
    std::string scheme, host;
    unsigned port = 0;
    bool operator==(parts const&) const = default;
};

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::optional<parts> boost_parts(std::string_view url) {
    auto u = boost::urls::parse_uri(boost::urls::string_view(url.data(), url.size()));
    if (!u || !u->has_authority()) return std::nullopt;
    parts p;
    p.scheme = lower(std::string_view(u->scheme().data(), u->scheme().size()));
    if (u->host_type() == boost::urls::host_type::ipv6) p.host = "[" + u->host_ipv6_address().to_string() + "]";
    else p.host = lower(std::string_view(u->encoded_host().data(), u->encoded_host().size()));
    if (u->has_port() && !u->port().empty()) p.port = u->port_number();
    else p.port = p.scheme == "https" ? 443u : p.scheme == "http" ? 80u : 0u;
    return p;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    namespace http = pulse::http;
    pulse_fuzz::reader in(data, size);
    static constexpr std::string_view bases[] = {"https://api.runpulse.com", "http://127.0.0.1:8080/pulse/",
                                                 "https://[::1]:8443", "HTTPS://API.runpulse.com:443/v1"};
    std::uint8_t const pick = in.u8();
    std::string_view const base = pick < std::size(bases) ? bases[pick] : in.str();
    std::string_view const url = in.rest();

    auto const ou = http::origin_of(url);
    auto const ob = http::origin_of(base);
    bool const same = http::same_origin(url, base);
    FUZZ_CHECK(same == http::same_origin(base, url));
    FUZZ_CHECK(same == (ou && ob && *ou == *ob));

    if (ou) {
        FUZZ_CHECK(http::same_origin(url, url));
        FUZZ_CHECK(ou->scheme == "http" || ou->scheme == "https");
        FUZZ_CHECK(ou->port != 0);
        auto const again = http::origin_of(ou->to_string());
        FUZZ_CHECK(again && *again == *ou);
        for (char c : url) {
            auto const b = static_cast<unsigned char>(c);
            FUZZ_CHECK(b > 0x20 && b < 0x7F && c != '\\');
        }
        // What Boost.URL's own parser (no pulse corrections) reads.
        auto const p = boost_parts(url);
        FUZZ_CHECK(p.has_value());
        FUZZ_CHECK(p->scheme == ou->scheme && p->host == ou->host && p->port == ou->port);
    }
    if (same) {
        auto const pu = boost_parts(url), pb = boost_parts(base);
        FUZZ_CHECK(pu && pb && *pu == *pb);
    }
    return 0;
}
