// Small text helpers shared by the server's parts: hashing, JSON string escaping, HTTP dates, header
// parameter parsing, percent-decoding and the API's error envelope.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pulse_server {

// FNV-1a 64: cheap, streaming, and trivial to recompute in any test language, which is all the
// upload checks need (it is not a security hash).
inline constexpr std::uint64_t fnv1a64_offset = 0xcbf29ce484222325ull;
inline constexpr std::uint64_t fnv1a64_prime = 0x100000001b3ull;

inline std::uint64_t fnv1a64_update(std::uint64_t h, const char* data, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) {
        h ^= static_cast<unsigned char>(data[i]);
        h *= fnv1a64_prime;
    }
    return h;
}

std::string hex64(std::uint64_t v);

// ASCII case-insensitive comparison (HTTP header names, tokens, scenario keys).
bool iequals(std::string_view a, std::string_view b) noexcept;
std::string to_lower(std::string_view s);
std::string_view trim(std::string_view s) noexcept;

// Writes `s` as a JSON string literal, quotes included.
std::string json_quote(std::string_view s);

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") and ISO-8601 UTC ("2026-05-12T14:03:11Z").
std::string http_date(std::chrono::system_clock::time_point t);
std::string iso8601(std::chrono::system_clock::time_point t);

// Decodes %XX escapes; with plus_is_space also '+' (application/x-www-form-urlencoded).
// Malformed escapes are kept literally: the server is forgiving about what it is sent.
std::string percent_decode(std::string_view s, bool plus_is_space = false);

// Splits `value; a=b; c="d;e"` into the leading value and its parameters (names lowercased,
// quoted-strings unquoted). Used for Content-Type and Content-Disposition.
struct header_params {
    std::string value;
    std::vector<std::pair<std::string, std::string>> params;
    std::optional<std::string> get(std::string_view name) const;
};
header_params parse_header_params(std::string_view header);

// "Not Found" for 404 etc. ("Unknown" for codes without a standard phrase).
std::string reason_phrase(unsigned status);

// {"error":{"code":...,"message":...}} — the envelope every API error uses.
std::string error_body(std::string_view code, std::string_view message);

// Parses a non-negative integer with an optional binary size suffix: 512, 64k, 100M, 1G, 1GiB.
std::optional<std::uint64_t> parse_size(std::string_view s);

}  // namespace pulse_server
