#include "http_util.hpp"

#include <boost/beast/http/status.hpp>

#include <array>
#include <charconv>
#include <ctime>

namespace pulse_server {

std::string hex64(std::uint64_t v) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 15; i >= 0; --i, v >>= 4) out[static_cast<std::size_t>(i)] = digits[v & 0xf];
    return out;
}

static char lower_ascii(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower_ascii(a[i]) != lower_ascii(b[i])) return false;
    return true;
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = lower_ascii(c);
    return out;
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

std::string json_quote(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    out.push_back('"');
    for (char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                static constexpr char digits[] = "0123456789abcdef";
                out += "\\u00";
                out.push_back(digits[(c >> 4) & 0xf]);
                out.push_back(digits[c & 0xf]);
            } else {
                out.push_back(c);
            }
        }
    }
    out.push_back('"');
    return out;
}

static std::tm utc(std::chrono::system_clock::time_point t) {
    std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    return tm;
}

std::string http_date(std::chrono::system_clock::time_point t) {
    std::tm tm = utc(t);
    char buf[64];
    // strftime's %a/%b are locale-dependent; the server never calls setlocale, so they are "C".
    std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return std::string(buf, n);
}

std::string iso8601(std::chrono::system_clock::time_point t) {
    std::tm tm = utc(t);
    char buf[32];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return std::string(buf, n);
}

static int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percent_decode(std::string_view s, bool plus_is_space) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '%' && i + 2 < s.size()) {
            int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(plus_is_space && c == '+' ? ' ' : c);
    }
    return out;
}

std::optional<std::string> header_params::get(std::string_view name) const {
    for (auto& [k, v] : params)
        if (iequals(k, name)) return v;
    return std::nullopt;
}

header_params parse_header_params(std::string_view header) {
    header_params out;
    std::size_t i = 0;
    // Leading value: up to the first ';'.
    std::size_t semi = header.find(';');
    out.value = std::string(trim(header.substr(0, semi)));
    if (semi == std::string_view::npos) return out;
    i = semi + 1;
    while (i < header.size()) {
        // name
        std::size_t eq = header.find_first_of("=;", i);
        std::string name = to_lower(trim(header.substr(i, eq == std::string_view::npos ? std::string_view::npos : eq - i)));
        if (eq == std::string_view::npos || header[eq] == ';') {
            if (!name.empty()) out.params.emplace_back(std::move(name), std::string());
            if (eq == std::string_view::npos) break;
            i = eq + 1;
            continue;
        }
        i = eq + 1;
        while (i < header.size() && (header[i] == ' ' || header[i] == '\t')) ++i;
        std::string value;
        if (i < header.size() && header[i] == '"') {
            // quoted-string: backslash escapes the next character; ';' inside is literal.
            ++i;
            while (i < header.size() && header[i] != '"') {
                if (header[i] == '\\' && i + 1 < header.size()) ++i;
                value.push_back(header[i++]);
            }
            if (i < header.size()) ++i;  // closing quote
            std::size_t next = header.find(';', i);
            i = next == std::string_view::npos ? header.size() : next + 1;
        } else {
            std::size_t next = header.find(';', i);
            value = std::string(trim(header.substr(i, next == std::string_view::npos ? std::string_view::npos : next - i)));
            i = next == std::string_view::npos ? header.size() : next + 1;
        }
        out.params.emplace_back(std::move(name), std::move(value));
    }
    return out;
}

std::string reason_phrase(unsigned status) {
    auto r = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
    return r.empty() ? std::string("Unknown") : std::string(r.data(), r.size());
}

std::string error_body(std::string_view code, std::string_view message) {
    std::string out = "{\"error\":{\"code\":";
    out += json_quote(code);
    out += ",\"message\":";
    out += json_quote(message);
    out += "}}";
    return out;
}

std::optional<std::uint64_t> parse_size(std::string_view s) {
    s = trim(s);
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p == s.data()) return std::nullopt;
    const std::string suffix = to_lower(trim(s.substr(static_cast<std::size_t>(p - s.data()))));
    struct unit { std::string_view name; std::uint64_t mult; };
    static constexpr std::array<unit, 11> units{{{"", 1}, {"b", 1},
                                                  {"k", 1ull << 10}, {"kb", 1ull << 10}, {"kib", 1ull << 10},
                                                  {"m", 1ull << 20}, {"mb", 1ull << 20}, {"mib", 1ull << 20},
                                                  {"g", 1ull << 30}, {"gb", 1ull << 30}, {"gib", 1ull << 30}}};
    for (const auto& u : units)
        if (suffix == u.name) {
            if (v > UINT64_MAX / u.mult) return std::nullopt;
            return v * u.mult;
        }
    return std::nullopt;
}

}  // namespace pulse_server
