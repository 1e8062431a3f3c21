#include <pulse/http/retry_after.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>

using namespace pulse::http;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {
// Sun, 06 Nov 1994 08:49:37 GMT: the RFC's own example date, as Unix time.
constexpr sys_seconds rfc_example{seconds{784111777}};

sys_seconds at(int y, unsigned m, unsigned d) { return sys_days{year{y} / month{m} / day{d}}; }
} // namespace

TEST_CASE("retry_after: the RFC example instant is what the test assumes") {
    // Guards the constant above with the calendar code rather than trusting it.
    CHECK(rfc_example == at(1994, 11, 6) + 8h + 49min + 37s);
}

TEST_CASE("retry_after: delta-seconds") {
    auto const now = system_clock::time_point{rfc_example};
    CHECK(parse_retry_after("120", now) == 120000ms);
    CHECK(parse_retry_after("0", now) == 0ms);
    CHECK(parse_retry_after(" \t5 ", now) == 5000ms);
    CHECK(parse_retry_after("007", now) == 7000ms);
    // The largest value that still fits in milliseconds, and one more.
    CHECK(parse_retry_after("9223372036854775", now) == milliseconds{9223372036854775000});
    CHECK_FALSE(parse_retry_after("9223372036854776", now).has_value());
    CHECK_FALSE(parse_retry_after("99999999999999999999999999", now).has_value());
}

TEST_CASE("retry_after: garbage and negative values are nullopt") {
    auto const now = system_clock::time_point{rfc_example};
    for (std::string_view bad : {"", " ", "-5", "+5", "1.5", "5s", "0x10", "1e3", "5 6", "five", "\xFF", "5,6",
                                 "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 UTC",
                                 "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
                                 "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Nov 1994 08:49:61 GMT",
                                 "Sun, 6 Nov 1994 08:49:37 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT",
                                 "Sun, 06 Nox 1994 08:49:37 GMT", "Sun, 00 Nov 1994 08:49:37 GMT",
                                 "Sun,  06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-1994 08:49:37 GMT",
                                 "Sun, 06-Nov-94 08:49:37 GMT", "Sun Nov 6 08:49:37 1994", "Sun Nov  6 8:49:37 1994",
                                 "Sun Nov  6 08:49:37 94", "Sun Nov    08:49:37 1994"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_retry_after(bad, now).has_value());
    }
}

TEST_CASE("retry_after: the three HTTP-date forms") {
    auto const now = system_clock::time_point{rfc_example - 10s};
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now) == 10000ms);
    CHECK(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now) == 10000ms);
    CHECK(parse_retry_after("Sun Nov  6 08:49:37 1994", now) == 10000ms);
    CHECK(parse_retry_after("Wed Nov 16 08:49:37 1994", now) == milliseconds{(10 * 86400 + 10) * 1000});
    // Names are matched without regard to case.
    CHECK(parse_retry_after("sun, 06 NOV 1994 08:49:37 gmt", now) == 10000ms);
    CHECK(parse_retry_after("SUNDAY, 06-nov-94 08:49:37 GMT", now) == 10000ms);
    // A leap second is the next instant.
    CHECK(parse_http_date("Sat, 31 Dec 2016 23:59:60 GMT", now) == parse_http_date("Sun, 01 Jan 2017 00:00:00 GMT", now));
    CHECK(parse_http_date("Thu, 29 Feb 2024 00:00:00 GMT", now) == at(2024, 2, 29));
    CHECK_FALSE(parse_http_date("Thu, 29 Feb 2023 00:00:00 GMT", now).has_value());
}

TEST_CASE("retry_after: a date in the past or now means zero; sub-millisecond now rounds up") {
    auto const exact = system_clock::time_point{rfc_example};
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", exact) == 0ms);
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", exact + 1h) == 0ms);
    CHECK(parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT", exact) == 0ms);
    auto const just_before = exact - 1500us; // 1.5 ms before the date
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", just_before) == 2ms);
}

TEST_CASE("retry_after: far-future dates do not overflow") {
    auto const now = system_clock::time_point{at(2026, 1, 1)};
    auto const d = parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now);
    REQUIRE(d.has_value());
    CHECK(*d == duration_cast<milliseconds>(at(9999, 12, 31) + 23h + 59min + 59s - at(2026, 1, 1)));
}

TEST_CASE("retry_after: RFC 850 two-digit years follow the 50-year rule relative to now") {
    // In 2026, "30" is 2030 (4 years ahead) and "95" is 1995 (2095 would be > 50 years ahead).
    auto const now2026 = system_clock::time_point{at(2026, 6, 1)};
    CHECK(parse_http_date("Wednesday, 06-Nov-30 08:49:37 GMT", now2026) == at(2030, 11, 6) + 8h + 49min + 37s);
    CHECK(parse_http_date("Monday, 06-Nov-95 08:49:37 GMT", now2026) == at(1995, 11, 6) + 8h + 49min + 37s);
    // In 2050, "95" is 2095: within 50 years.
    auto const now2050 = system_clock::time_point{at(2050, 6, 1)};
    CHECK(parse_http_date("Sunday, 06-Nov-95 08:49:37 GMT", now2050) == at(2095, 11, 6) + 8h + 49min + 37s);
}

TEST_CASE("retry_after: retry-after-ms") {
    CHECK(parse_retry_after_ms("1500") == 1500ms);
    CHECK(parse_retry_after_ms(" 0 ") == 0ms);
    CHECK(parse_retry_after_ms("1500.5") == 1501ms);
    CHECK(parse_retry_after_ms("1500.000") == 1500ms);
    for (std::string_view bad : {"", "-1", "abc", "1.", ".5", "1.5.5", "1,5", "1e3", "99999999999999999999999"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_retry_after_ms(bad).has_value());
    }
}

TEST_CASE("retry_after: retry_delay takes the longest usable value across fields") {
    auto const now = system_clock::time_point{rfc_example - 10s};
    CHECK_FALSE(retry_delay(headers{}, now).has_value());
    CHECK_FALSE(retry_delay(headers{{"Content-Type", "application/json"}}, now).has_value());
    CHECK(retry_delay(headers{{"Retry-After", "2"}, {"retry-after-ms", "2500"}}, now) == 2500ms);
    CHECK(retry_delay(headers{{"retry-after-ms", "100"}, {"RETRY-AFTER", "Sun, 06 Nov 1994 08:49:37 GMT"}}, now) ==
          10000ms);
    // Garbage in one field does not hide a good one; duplicates are all considered.
    CHECK(retry_delay(headers{{"Retry-After", "soon"}, {"Retry-After", "3"}, {"Retry-After", "1"}}, now) == 3000ms);
    CHECK_FALSE(retry_delay(headers{{"Retry-After", "-1"}, {"Retry-After-Ms", "x"}}, now).has_value());
    // A past date is a usable value (zero), not garbage.
    CHECK(retry_delay(headers{{"Retry-After", "Sun, 06 Nov 1994 08:49:00 GMT"}}, now) == 0ms);
}
