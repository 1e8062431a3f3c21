// SPDX-License-Identifier: MIT
//
// Checking that a webhook delivery comes from Pulse and is recent:
//
//   auto ok = pulse::webhook::verify(secret, pulse::webhook::headers_view::from(request_headers), raw_body);
//   if (!ok) return respond(401);  // ok.error().code says why (below)
//
// The body must be the raw bytes as received, before any JSON parsing or re-encoding: one changed
// byte (a re-indented document, another escape) and no signature matches.
//
// In order, the checks and their errors:
//   1. the three headers are there               missing_member (path: the header's name)
//   2. webhook-timestamp is whole seconds        invalid_value (path: webhook-timestamp)
//   3. it is within the tolerance of now         stale_timestamp / future_timestamp
//   4. one v1 entry of webhook-signature equals
//      the signature computed with the secret    signature_mismatch
// The timestamp is signed too, so an old delivery cannot be made fresh by editing its header;
// the tolerance bounds how long a captured delivery could be replayed. Entries are compared in
// constant time; entries of other versions ("v1a,...") and entries that are not base64 just do not
// match.
#ifndef PULSE_WEBHOOK_VERIFY_HPP
#define PULSE_WEBHOOK_VERIFY_HPP

#include <pulse/error.hpp>
#include <pulse/http/headers.hpp>
#include <pulse/webhook/detail/hmac.hpp>
#include <pulse/webhook/headers.hpp>
#include <pulse/webhook/secret.hpp>
#include <pulse/webhook/sign.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

PULSE_NAMESPACE_BEGIN
namespace webhook {

/// How verify() judges time.
struct verify_options {
    /// How far webhook-timestamp may be from now, either way; a delivery exactly this far off still
    /// passes. Must not be negative. Five minutes, like Svix's own libraries.
    std::chrono::seconds tolerance = std::chrono::minutes(5);
    /// The time to judge the timestamp against; unset: std::chrono::system_clock::now().
    std::optional<std::chrono::system_clock::time_point> now;
};

namespace detail {

/// webhook-timestamp as a number: 1 to 19 ASCII digits and nothing else, at most INT64_MAX.
inline std::optional<std::int64_t> parse_timestamp(std::string_view text) noexcept {
    if (text.empty() || text.size() > 19) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0'); // 19 digits fit in 64 unsigned bits
    }
    if (v > static_cast<std::uint64_t>((std::numeric_limits<std::int64_t>::max)())) return std::nullopt;
    return static_cast<std::int64_t>(v);
}

inline std::int64_t saturating_add(std::int64_t a, std::int64_t b) noexcept {
    constexpr auto hi = (std::numeric_limits<std::int64_t>::max)();
    constexpr auto lo = (std::numeric_limits<std::int64_t>::min)();
    if (b > 0 && a > hi - b) return hi;
    if (b < 0 && a < lo - b) return lo;
    return a + b;
}

inline error missing_header(std::string_view name) {
    return error(errc::missing_member, "the delivery has no " + std::string(name) + " header", std::string(name));
}

} // namespace detail

/// Check that `body`, delivered with headers `h`, was signed with `key` and recently enough (see
/// the file comment for the order of the checks). `body` is the raw request body, unparsed.
/// Errors: missing_member (a header is missing or empty; `path` names it), invalid_value
/// (webhook-timestamp is not whole seconds), stale_timestamp, future_timestamp,
/// signature_mismatch, invalid_argument (a negative tolerance, or libcrypto refused the HMAC).
inline result<void> verify(secret const& key, headers_view const& h, std::string_view body, verify_options const& opts = {}) {
    if (h.id.empty()) return detail::missing_header(id_header);
    if (h.timestamp.empty()) return detail::missing_header(timestamp_header);
    if (h.signature.empty()) return detail::missing_header(signature_header);
    if (opts.tolerance.count() < 0) return error(errc::invalid_argument, "webhook verify: negative tolerance");

    auto const ts = detail::parse_timestamp(h.timestamp);
    if (!ts)
        return error(errc::invalid_value, "webhook-timestamp is not a whole number of seconds since 1970",
                     std::string(timestamp_header));

    // now = now_s + frac with 0 <= frac < 1 s. Stale: now - ts > tolerance. Future: ts - now >
    // tolerance, which for whole-second ts and tolerance is ts - now_s > tolerance. Compared
    // without forming a difference that could overflow.
    using std::chrono::seconds;
    auto const now = opts.now.value_or(std::chrono::system_clock::now());
    auto const now_s = std::chrono::floor<seconds>(now);
    bool const has_fraction = now != now_s;
    std::int64_t const now_secs = now_s.time_since_epoch().count();
    std::int64_t const tol = opts.tolerance.count();
    std::int64_t const oldest = detail::saturating_add(now_secs, -tol); // tol >= 0: no overflow in -tol
    if (*ts < oldest || (*ts == oldest && has_fraction))
        return error(errc::stale_timestamp, "webhook-timestamp " + std::string(h.timestamp) + " is more than " +
                                                std::to_string(tol) + " s in the past (now " + std::to_string(now_secs) +
                                                "): a replayed delivery, or this clock is ahead");
    if (*ts > detail::saturating_add(now_secs, tol))
        return error(errc::future_timestamp, "webhook-timestamp " + std::string(h.timestamp) + " is more than " +
                                                 std::to_string(tol) + " s in the future (now " + std::to_string(now_secs) +
                                                 "): this clock is behind");

    auto expected = compute_signature(key, h.id, h.timestamp, body);
    if (!expected) return expected.error();
    std::string_view const want = std::string_view(*expected).substr(signature_version.size() + 1);
    std::size_t v1_entries = 0;
    std::string_view rest = h.signature;
    while (!rest.empty()) {
        std::size_t const space = rest.find(' ');
        std::string_view const entry = rest.substr(0, space);
        rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
        std::size_t const comma = entry.find(',');
        if (comma == std::string_view::npos || entry.substr(0, comma) != signature_version) continue;
        ++v1_entries;
        if (detail::constant_time_equal(entry.substr(comma + 1), want)) return {};
    }
    if (v1_entries == 0)
        return error(errc::signature_mismatch, "webhook-signature has no v1 entry (the only scheme this library checks)");
    return error(errc::signature_mismatch,
                 v1_entries == 1 ? std::string("the v1 signature does not match the delivery: a changed body or header, "
                                               "another endpoint's secret, or not sent by Pulse")
                                 : "none of the " + std::to_string(v1_entries) +
                                       " v1 signatures matches the delivery: a changed body or header, another "
                                       "endpoint's secret, or not sent by Pulse");
}

/// verify() with the three headers looked up in `h` (headers_view::from(): case-insensitive, the
/// svix- names as a fallback).
inline result<void> verify(secret const& key, http::headers const& h, std::string_view body, verify_options const& opts = {}) {
    return verify(key, headers_view::from(h), body, opts);
}

} // namespace webhook
PULSE_NAMESPACE_END

#endif
