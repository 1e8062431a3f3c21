// libFuzzer target for pulse/http/url.hpp. Input: a base URL, up to four path segments and up to
// three query parameters (length-prefixed strings, see fuzz_support.hpp). Properties:
// - join_url fails exactly when the base is unusable (validate_base_url) or a segment is "", "."
//   or "..";
// - otherwise the result parses (Boost.URL, RFC 3986) with the base's scheme and authority, its
//   path is the base's path (without a trailing empty segment) followed by exactly one segment per
//   input, each of which decodes to the input bytes; an added segment holds only unreserved
//   characters and %XX, so it can never carry '/', NUL or a dot-segment;
// - the query ends with the given parameters, decoding to the given names and values.
#include <pulse/http/url.hpp>

#include "fuzz_support.hpp"

#include <boost/url/parse.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

bool unreserved_or_pct(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        char const c = s[i];
        bool const unreserved = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                                c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) continue;
        auto const hex = [](char h) { return (h >= '0' && h <= '9') || (h >= 'A' && h <= 'F'); };
        if (c != '%' || i + 2 >= s.size() || !hex(s[i + 1]) || !hex(s[i + 2])) return false;
        i += 2;
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    namespace http = pulse::http;
    pulse_fuzz::reader in(data, size);
    std::string_view const base = in.str();
    std::uint8_t const counts = in.u8();
    std::vector<std::string_view> segs;
    for (unsigned i = 0, n = counts % 5; i < n; ++i) segs.push_back(in.str());
    std::vector<http::query_param> query;
    for (unsigned i = 0, n = (counts >> 4) % 4; i < n; ++i) {
        std::string_view const name = in.str();
        query.push_back({name, in.str()});
    }

    auto const joined = http::join_url(base, segs, query);
    bool const base_ok = http::validate_base_url(base).has_value();
    bool segs_ok = true;
    for (auto s : segs)
        if (s.empty() || s == "." || s == "..") segs_ok = false;
    FUZZ_CHECK(joined.has_value() == (base_ok && segs_ok));
    if (!joined) {
        FUZZ_CHECK(joined.error().code == pulse::errc::invalid_argument);
        return 0;
    }

    std::string const& url = *joined;
    for (char c : url) FUZZ_CHECK(static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7F);
    auto const u = boost::urls::parse_uri(url);
    auto const b = boost::urls::parse_uri(boost::urls::string_view(base.data(), base.size()));
    FUZZ_CHECK(u.has_value() && b.has_value());
    FUZZ_CHECK(u->scheme() == b->scheme());
    FUZZ_CHECK(u->encoded_authority() == b->encoded_authority());
    FUZZ_CHECK(!u->has_fragment());

    // Query: the given parameters come last, in order.
    if (!query.empty()) {
        std::vector<std::pair<std::string, std::string>> params;
        for (auto p : u->params()) params.emplace_back(p.key, p.has_value ? p.value : std::string());
        FUZZ_CHECK(params.size() >= query.size());
        std::size_t const off = params.size() - query.size();
        for (std::size_t i = 0; i < query.size(); ++i) {
            FUZZ_CHECK(params[off + i].first == query[i].name);
            FUZZ_CHECK(params[off + i].second == query[i].value);
        }
    }

    // Path: one segment per input at the end, each decoding to the input. Before them, the base's
    // segments (a trailing empty one dropped) -- compared only when the base has no dot-segment:
    // Boost.URL hides a leading "/." in its segment view, so "https://h/." + {"a"} reads as {"a"}
    // (the same resource once dot-segments are removed). Without segments, a base path of "//"
    // comes back as "/": nothing was added, nothing to check.
    if (segs.empty()) return 0;
    std::vector<std::string> base_segs;
    bool base_dots = false;
    for (auto s : b->encoded_segments()) {
        base_segs.emplace_back(s);
        auto const d = boost::urls::pct_string_view(s).decode();
        if (d == "." || d == "..") base_dots = true;
    }
    if (!base_segs.empty() && base_segs.back().empty()) base_segs.pop_back();
    std::vector<std::string> got, got_decoded;
    for (auto s : u->encoded_segments()) got.emplace_back(s);
    for (auto s : u->segments()) got_decoded.emplace_back(s);
    FUZZ_CHECK(got.size() >= segs.size() && got.size() == got_decoded.size());
    std::size_t const off = got.size() - segs.size();
    if (!base_dots) {
        FUZZ_CHECK(off == base_segs.size());
        for (std::size_t i = 0; i < base_segs.size(); ++i) FUZZ_CHECK(got[i] == base_segs[i]);
    }
    for (std::size_t i = 0; i < segs.size(); ++i) {
        std::string const& enc = got[off + i];
        FUZZ_CHECK(unreserved_or_pct(enc));
        FUZZ_CHECK(enc != "." && enc != ".." && enc.find('/') == std::string::npos);
        FUZZ_CHECK(got_decoded[off + i] == segs[i]);
    }
    return 0;
}
