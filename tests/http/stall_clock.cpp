// pulse/http/stall_clock.hpp: the stall rule of transport_options on a clock the test moves.
#include <pulse/http/stall_clock.hpp>

#include <doctest/doctest.h>

#include <chrono>

using namespace std::chrono_literals;
using pulse::http::stall_clock;

TEST_CASE("stall_clock: a window needs min_bytes_per_second x window bytes, at least one") {
    auto const t0 = stall_clock::clock::time_point{} + 1h;
    CHECK(stall_clock(60s, 1, t0).threshold() == 60);
    CHECK(stall_clock(1s, 1, t0).threshold() == 1);
    CHECK(stall_clock(500ms, 1, t0).threshold() == 1); // half a byte rounds up to one
    CHECK(stall_clock(2s, 1000, t0).threshold() == 2000);
    CHECK(stall_clock(2s, 0, t0).threshold() == 1);
}

TEST_CASE("stall_clock: enough bytes start a new window; too few leave the deadline where it was") {
    auto const t0 = stall_clock::clock::time_point{} + 1h;
    stall_clock s(10s, 10, t0); // 100 bytes per 10 s window
    CHECK(s.enabled());
    CHECK(s.deadline() == t0 + 10s);
    s.progress(60, t0 + 3s);
    CHECK(s.deadline() == t0 + 10s); // 60 of 100: same window
    s.progress(40, t0 + 7s);
    CHECK(s.deadline() == t0 + 17s); // 100 reached at 7 s: the next window runs from there
    s.progress(99, t0 + 16s);
    CHECK(s.deadline() == t0 + 17s); // a byte short: stalled at 17 s
    s.progress(1000, t0 + 16500ms);
    CHECK(s.deadline() == t0 + 26500ms);
}

TEST_CASE("stall_clock: a zero window, or a default one, never stalls") {
    auto const t0 = stall_clock::clock::time_point{} + 1h;
    stall_clock off(0ms, 1, t0);
    CHECK_FALSE(off.enabled());
    CHECK(off.deadline() == (stall_clock::clock::time_point::max)());
    CHECK((stall_clock{}.deadline() == (stall_clock::clock::time_point::max)()));
}
