// libFuzzer target for pulse/http/retry_after.hpp. Input: one byte choosing `now`, then the header
// value. Properties, each checked against an independent reading of the documented rules:
// - delta-seconds (the trimmed value starts with a digit) is N * 1000 ms when the value is all
//   digits and fits, else nullopt; never negative.
// - otherwise the answer is the HTTP-date's distance from `now` (0 for a date not in the future), or
//   nullopt when parse_http_date rejects the text.
// - a parsed date, printed again as IMF-fixdate and as asctime, parses back to the same instant.
// - retry-after-ms: digits with an optional fraction, rounded up; nullopt otherwise.
// - retry_delay() over several fields is the largest usable one.
#include <pulse/http/retry_after.hpp>

#include "fuzz_support.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace {

using namespace std::chrono;
using ms = milliseconds;

system_clock::time_point pick_now(std::uint8_t sel) {
    static constexpr std::int64_t bases[] = {
        0,             // 1970
        784111777,     // Sun, 06 Nov 1994 08:49:37 GMT
        1795953600,    // 2026-11-29 12:00:00 UTC
        7258118400,    // 2200-01-01 (system_clock counts nanoseconds: it ends in 2262)
    };
    // Plus up to 63 s and a sub-second part, so flooring to milliseconds matters.
    return system_clock::time_point{seconds{bases[sel & 3] + (sel >> 2)}} + microseconds{(sel * 7919) % 1000000};
}

bool digits_only(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

// Decimal digits to an integer if it is at most `limit`.
std::optional<std::int64_t> to_int(std::string_view s, std::int64_t limit) {
    if (!digits_only(s)) return std::nullopt;
    unsigned __int128 v = 0;
    for (char c : s) {
        v = v * 10 + static_cast<unsigned>(c - '0');
        if (v > static_cast<unsigned __int128>(limit)) return std::nullopt;
    }
    return static_cast<std::int64_t>(v);
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

constexpr char const* day_names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr char const* month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct fields {
    int year;
    unsigned month, day, weekday;
    long h, m, s;
};

fields split(sys_seconds t) {
    auto const d = floor<days>(t);
    year_month_day const ymd{d};
    hh_mm_ss const hms{t - d};
    return {static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
            weekday{d}.c_encoding(), static_cast<long>(hms.hours().count()),
            static_cast<long>(hms.minutes().count()), static_cast<long>(hms.seconds().count())};
}

std::string imf(sys_seconds t) {
    fields const f = split(t);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02ld:%02ld:%02ld GMT", day_names[f.weekday], f.day,
                  month_names[f.month - 1], f.year, f.h, f.m, f.s);
    return buf;
}

std::string asctime_form(sys_seconds t) {
    fields const f = split(t);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s %s %2u %02ld:%02ld:%02ld %04d", day_names[f.weekday], month_names[f.month - 1],
                  f.day, f.h, f.m, f.s, f.year);
    return buf;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    namespace http = pulse::http;
    pulse_fuzz::reader in(data, size);
    auto const now = pick_now(in.u8());
    std::string_view const value = in.rest();
    std::string_view const t = trim(value);

    // Retry-After.
    auto const got = http::parse_retry_after(value, now);
    if (got) FUZZ_CHECK(got->count() >= 0);
    auto const date = http::parse_http_date(value, now);
    if (!t.empty() && t.front() >= '0' && t.front() <= '9') {
        auto const secs = to_int(t, ms::max().count() / 1000);
        FUZZ_CHECK(got.has_value() == secs.has_value());
        if (got) FUZZ_CHECK(got->count() == *secs * 1000);
        FUZZ_CHECK(!date); // no date form starts with a digit
    } else if (date) {
        FUZZ_CHECK(got.has_value());
        ms const expect = time_point_cast<ms>(*date) - floor<ms>(now);
        FUZZ_CHECK(got->count() == (expect.count() > 0 ? expect.count() : 0));
    } else {
        FUZZ_CHECK(!got);
    }

    // A date, printed again, reads back as the same instant (years a 4-digit field can hold).
    if (date) {
        int const year = static_cast<int>(year_month_day{floor<days>(*date)}.year());
        if (year >= 0 && year <= 9999) {
            FUZZ_CHECK(http::parse_http_date(imf(*date), now) == date);
            FUZZ_CHECK(http::parse_http_date(asctime_form(*date), now) == date);
        }
    }

    // retry-after-ms.
    auto const got_ms = http::parse_retry_after_ms(value);
    {
        std::optional<std::int64_t> expect;
        std::string_view whole = t, frac;
        bool shape_ok = true;
        if (auto dot = t.find('.'); dot != std::string_view::npos) {
            whole = t.substr(0, dot);
            frac = t.substr(dot + 1);
            shape_ok = digits_only(frac);
        }
        if (shape_ok) {
            if (auto w = to_int(whole, ms::max().count() - 1))
                expect = *w + (frac.find_first_not_of('0') != std::string_view::npos ? 1 : 0);
        }
        FUZZ_CHECK(got_ms == (expect ? std::optional<ms>(ms{*expect}) : std::nullopt));
    }

    // retry_delay: the largest usable field, names in any case.
    http::headers h;
    h.add("RETRY-after", std::string(value));
    h.add("Retry-After-MS", std::string(value));
    h.add("retry-after", "garbage");
    h.add("x-retry-after", "1");
    std::optional<ms> best = got;
    if (got_ms && (!best || *got_ms > *best)) best = got_ms;
    FUZZ_CHECK(http::retry_delay(h, now) == best);
    return 0;
}
