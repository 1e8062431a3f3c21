// SPDX-License-Identifier: MIT
//
// How long the server asked us to wait: `Retry-After` (RFC 9110 section 10.2.3) and the
// non-standard `retry-after-ms` that some API gateways send.
//
// Retry-After is either delta-seconds ("120") or an HTTP-date. RFC 9110 section 5.6.7 requires
// recipients to accept all three date formats: IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), the
// obsolete RFC 850 form ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994").
// A date is turned into a delay relative to the `now` the caller passes: nothing here reads a
// clock, so the flow layer stays deterministic under simulated time.
//
// Parsing is strict about shape and lenient only where the RFC says so:
// - delta-seconds is 1*DIGIT. "-5", "1.5", "5s", "" and "0x10" are garbage -> nullopt; a value
//   too large for std::chrono::milliseconds is overflow -> nullopt (the caller keeps its own
//   backoff and deadline; a bogus header must not park a client for centuries).
// - retry-after-ms is non-negative milliseconds, optionally with a fraction ("1500.5"), which is
//   rounded up: the server said "at least".
// - Day and month names and "GMT" are compared ASCII-case-insensitively; the day name must be a
//   real day name but is not checked against the date (the RFC calls it redundant). Fields must be
//   in range (Feb 30 is garbage). A second of 60 (leap second) is accepted.
// - A date in the past (or now) gives a delay of 0: "you may retry now".
// - RFC 850's two-digit year is resolved as RFC 9110 says: a year that would be more than 50
//   years in the future of `now` is taken as the most recent past year with those digits.
// - Optional whitespace around the value is ignored.
#ifndef PULSE_HTTP_RETRY_AFTER_HPP
#define PULSE_HTTP_RETRY_AFTER_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/http/headers.hpp>
#include <pulse/http/response.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

PULSE_NAMESPACE_BEGIN
namespace http {

namespace detail {

constexpr std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// All digits, at least one; the value if it fits in `limit`.
constexpr std::optional<std::int64_t> parse_digits(std::string_view s, std::int64_t limit) noexcept {
    if (s.empty()) return std::nullopt;
    std::int64_t v = 0;
    for (char c : s) {
        if (!is_digit(c)) return std::nullopt;
        int const d = c - '0';
        if (v > (limit - d) / 10) return std::nullopt;
        v = v * 10 + d;
    }
    return v;
}

// Exactly n digits.
constexpr std::optional<int> fixed_digits(std::string_view s, std::size_t n) noexcept {
    if (s.size() != n) return std::nullopt;
    int v = 0;
    for (char c : s) {
        if (!is_digit(c)) return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return v;
}

constexpr bool iequal(std::string_view a, std::string_view b) noexcept { return iequals(a, b); }

// 1..12 for "Jan".."Dec", 0 otherwise.
constexpr unsigned month_number(std::string_view s) noexcept {
    constexpr std::string_view names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (unsigned i = 0; i < 12; ++i)
        if (iequal(s, names[i])) return i + 1;
    return 0;
}

constexpr bool is_short_day(std::string_view s) noexcept {
    for (std::string_view d : {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"})
        if (iequal(s, d)) return true;
    return false;
}

constexpr bool is_long_day(std::string_view s) noexcept {
    for (std::string_view d : {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"})
        if (iequal(s, d)) return true;
    return false;
}

// "HH:MM:SS" -> seconds since midnight.
constexpr std::optional<int> parse_time_of_day(std::string_view s) noexcept {
    if (s.size() != 8 || s[2] != ':' || s[5] != ':') return std::nullopt;
    auto h = fixed_digits(s.substr(0, 2), 2);
    auto m = fixed_digits(s.substr(3, 2), 2);
    auto sec = fixed_digits(s.substr(6, 2), 2);
    if (!h || !m || !sec || *h > 23 || *m > 59 || *sec > 60) return std::nullopt;
    return *h * 3600 + *m * 60 + *sec;
}

inline std::optional<std::chrono::sys_seconds> make_time(int year, unsigned month, int day, int seconds_of_day) noexcept {
    using namespace std::chrono;
    if (day < 1 || day > 31) return std::nullopt;
    year_month_day const ymd{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{static_cast<unsigned>(day)}};
    if (!ymd.ok()) return std::nullopt;
    return sys_days{ymd} + seconds{seconds_of_day};
}

// Split off the next space-separated token.
constexpr std::string_view next_token(std::string_view& s) noexcept {
    auto const sp = s.find(' ');
    std::string_view const tok = s.substr(0, sp);
    s = sp == std::string_view::npos ? std::string_view{} : s.substr(sp + 1);
    return tok;
}

// "Sun, 06 Nov 1994 08:49:37 GMT"
inline std::optional<std::chrono::sys_seconds> parse_imf_fixdate(std::string_view s) noexcept {
    if (s.size() != 29 || s[3] != ',' || s[4] != ' ') return std::nullopt;
    if (!is_short_day(s.substr(0, 3))) return std::nullopt;
    std::string_view rest = s.substr(5);
    auto const day = fixed_digits(next_token(rest), 2);
    auto const mon = month_number(next_token(rest));
    auto const year = fixed_digits(next_token(rest), 4);
    auto const tod = parse_time_of_day(next_token(rest));
    if (!day || mon == 0 || !year || !tod || !iequal(rest, "GMT")) return std::nullopt;
    return make_time(*year, mon, *day, *tod);
}

// "Sunday, 06-Nov-94 08:49:37 GMT"
inline std::optional<std::chrono::sys_seconds> parse_rfc850(std::string_view s, std::chrono::system_clock::time_point now) noexcept {
    auto const comma = s.find(", ");
    if (comma == std::string_view::npos || !is_long_day(s.substr(0, comma))) return std::nullopt;
    std::string_view rest = s.substr(comma + 2);
    std::string_view const date = next_token(rest);
    if (date.size() != 9 || date[2] != '-' || date[6] != '-') return std::nullopt;
    auto const day = fixed_digits(date.substr(0, 2), 2);
    auto const mon = month_number(date.substr(3, 3));
    auto const yy = fixed_digits(date.substr(7, 2), 2);
    auto const tod = parse_time_of_day(next_token(rest));
    if (!day || mon == 0 || !yy || !tod || !iequal(rest, "GMT")) return std::nullopt;
    // RFC 9110: a two-digit year more than 50 years in the future is the most recent past year
    // with the same last two digits.
    int const this_year = static_cast<int>(std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(now)}.year());
    int year = this_year - this_year % 100 + *yy;
    if (year > this_year + 50) year -= 100;
    return make_time(year, mon, *day, *tod);
}

// "Sun Nov  6 08:49:37 1994" (day is two characters: "16" or " 6")
inline std::optional<std::chrono::sys_seconds> parse_asctime(std::string_view s) noexcept {
    if (s.size() != 24 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[19] != ' ') return std::nullopt;
    if (!is_short_day(s.substr(0, 3))) return std::nullopt;
    auto const mon = month_number(s.substr(4, 3));
    std::string_view d = s.substr(8, 2);
    if (d[0] == ' ') d.remove_prefix(1);
    auto const day = fixed_digits(d, d.size());
    auto const tod = parse_time_of_day(s.substr(11, 8));
    auto const year = fixed_digits(s.substr(20, 4), 4);
    if (mon == 0 || !day || d.empty() || !tod || !year) return std::nullopt;
    return make_time(*year, mon, *day, *tod);
}

} // namespace detail

/// Parse an HTTP-date in any of the three forms RFC 9110 requires. `now` is only used to resolve
/// RFC 850's two-digit years. nullopt when the text is not a valid date.
inline std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view text,
                                                               std::chrono::system_clock::time_point now) noexcept {
    std::string_view const s = detail::trim_ows(text);
    if (auto t = detail::parse_imf_fixdate(s)) return t;
    if (auto t = detail::parse_rfc850(s, now)) return t;
    return detail::parse_asctime(s);
}

/// The delay a `Retry-After` value asks for, relative to `now`. nullopt for garbage or overflow;
/// zero for a date that is not in the future.
inline std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                                  std::chrono::system_clock::time_point now) noexcept {
    using std::chrono::milliseconds;
    std::string_view const s = detail::trim_ows(value);
    if (!s.empty() && detail::is_digit(s.front())) {
        constexpr std::int64_t max_seconds = (milliseconds::max)().count() / 1000; // (max): survives a max() macro
        auto const secs = detail::parse_digits(s, max_seconds);
        if (!secs) return std::nullopt;
        return milliseconds{*secs * 1000};
    }
    auto const when = parse_http_date(s, now);
    if (!when) return std::nullopt;
    // Subtract in milliseconds, not in system_clock's own unit: with nanoseconds a date a few
    // centuries ahead would overflow. Flooring `now` rounds the delay up, as a "not before" wants.
    auto const delay = std::chrono::time_point_cast<milliseconds>(*when) - std::chrono::floor<milliseconds>(now);
    return delay.count() > 0 ? delay : milliseconds{0};
}

/// The delay a `retry-after-ms` value asks for: non-negative milliseconds, a fraction rounded up.
inline std::optional<std::chrono::milliseconds> parse_retry_after_ms(std::string_view value) noexcept {
    std::string_view s = detail::trim_ows(value);
    std::string_view frac;
    if (auto const dot = s.find('.'); dot != std::string_view::npos) {
        frac = s.substr(dot + 1);
        s = s.substr(0, dot);
        if (frac.empty()) return std::nullopt; // "15." is not a number we accept
        for (char c : frac)
            if (!detail::is_digit(c)) return std::nullopt;
    }
    constexpr std::int64_t max = (std::chrono::milliseconds::max)().count() - 1;
    auto ms = detail::parse_digits(s, max);
    if (!ms) return std::nullopt;
    bool const round_up = frac.find_first_not_of('0') != std::string_view::npos;
    return std::chrono::milliseconds{*ms + (round_up ? 1 : 0)};
}

/// The longest delay any `Retry-After` or `retry-after-ms` field in `h` asks for (names compared
/// case-insensitively; every occurrence considered; unparsable ones ignored). nullopt when no
/// field gives a usable value. "Longest" because each is a lower bound the server set: waiting
/// less than any of them risks another 429/503.
inline std::optional<std::chrono::milliseconds> retry_delay(headers const& h,
                                                            std::chrono::system_clock::time_point now) noexcept {
    std::optional<std::chrono::milliseconds> best;
    auto consider = [&best](std::optional<std::chrono::milliseconds> d) noexcept {
        if (d && (!best || *d > *best)) best = d;
    };
    for (auto const& f : h) {
        if (iequals(f.name, "retry-after")) consider(parse_retry_after(f.value, now));
        else if (iequals(f.name, "retry-after-ms")) consider(parse_retry_after_ms(f.value));
    }
    return best;
}

/// The delay an answer asks for before the next request (Retry-After, retry-after-ms; the longest
/// one), with an HTTP-date measured against the answer's own `Date` field -- the server's clock
/// against itself, immune to skew between the two machines -- else against `wall`, the caller's
/// wall clock when it has one. Without either, only the forms that need no reference count
/// (delta-seconds and retry-after-ms). nullopt when the answer asks for no delay.
inline std::optional<std::chrono::milliseconds> retry_delay(response_head const& head,
                                                            std::optional<std::chrono::system_clock::time_point> wall) {
    using sys = std::chrono::system_clock;
    std::optional<sys::time_point> ref;
    if (auto d = head.headers.find("date")) {
        if (auto t = parse_http_date(*d, wall.value_or(sys::time_point{}))) {
            // A date the wall clock cannot hold (system_clock counts nanoseconds: about 1678 to
            // 2262) is no usable reference; converting it would overflow.
            if (*t >= std::chrono::ceil<std::chrono::seconds>((sys::time_point::min)()) &&
                *t <= std::chrono::floor<std::chrono::seconds>((sys::time_point::max)()))
                ref = std::chrono::time_point_cast<sys::duration>(*t);
        }
    }
    if (!ref) ref = wall;
    if (ref) return retry_delay(head.headers, *ref);
    std::optional<std::chrono::milliseconds> best;
    for (auto const& f : head.headers) {
        std::optional<std::chrono::milliseconds> d;
        std::string_view const v = detail::trim_ows(f.value);
        if (iequals(f.name, "retry-after-ms")) d = parse_retry_after_ms(f.value);
        else if (iequals(f.name, "retry-after") && !v.empty() && detail::is_digit(v.front())) d = parse_retry_after(f.value, sys::time_point{});
        if (d && (!best || *d > *best)) best = d;
    }
    return best;
}

} // namespace http
PULSE_NAMESPACE_END

#endif
