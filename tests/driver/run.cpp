// pulse/driver/run.hpp: the blocking driver -- with a simulated clock (no real sleeping), stop tokens at
// each point, and the real clock's interruptible sleep.
#include "../support/scripted.hpp"

#include <pulse/flow/extract_flow.hpp>
#include <pulse/flow/job_ops.hpp>
#include <pulse/driver/run.hpp>

#include <doctest/doctest.h>

#include <cstdio>
#include <stop_token>
#include <vector>

using namespace pulse_test;
using pulse::errc;
using pulse::http::method;

namespace {

/// A clock for pulse::run whose sleep moves simulated time; it can request stop at the n-th sleep.
struct sim_clock {
    struct state {
        time_point now = t0();
        std::vector<std::chrono::milliseconds> sleeps;
        std::stop_source* stop_at_sleep = nullptr;
        std::size_t stop_index = 0;
    };
    state* s;
    time_point now() const { return s->now; }
    std::chrono::system_clock::time_point wall() const {
        return std::chrono::system_clock::time_point{} + std::chrono::hours{24 * 365 * 60} +
               std::chrono::duration_cast<std::chrono::system_clock::duration>(s->now - t0());
    }
    void sleep_until(time_point t, std::stop_token const& st) const {
        if (s->stop_at_sleep && s->sleeps.size() == s->stop_index) s->stop_at_sleep->request_stop();
        s->sleeps.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(t - s->now));
        if (st.stop_requested()) return; // woken early
        s->now = t;
    }
};
static_assert(pulse::driver_clock<sim_clock>);
static_assert(pulse::driver_clock<pulse::real_clock>);
static_assert(pulse::http::blocking_transport<scripted_transport>);

pulse::config cfg() {
    pulse::config c;
    c.api_key = "run-key";
    c.policies.poll.interval.jitter = 0;
    return c;
}

pulse::flow::extract_flow attach() {
    auto m = pulse::flow::make_attach_flow(cfg(), {"j"}, 1);
    REQUIRE(m.has_value());
    return std::move(*m);
}

} // namespace

TEST_CASE("run: drives a machine to completion on the given clock") {
    scripted_transport t;
    t.then(method::get, "/job/j", poll("pending")).then(method::get, "/job/j", poll("completed", R"(,"result":{"markdown":"ok"})"));
    auto m = attach();
    sim_clock::state st;
    auto r = pulse::run(m, t, {}, sim_clock{&st});
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    CHECK(*r->markdown == "ok");
    CHECK(st.sleeps == std::vector<std::chrono::milliseconds>{1000ms});
}

TEST_CASE("run: the wall clock reaches the machine (Retry-After dates)") {
    // wall() at t0 is 60*365 days after the epoch; a Retry-After date 9 s later must wait 9 s.
    auto const wall0 = std::chrono::system_clock::time_point{} + std::chrono::hours{24 * 365 * 60};
    auto const when = std::chrono::floor<std::chrono::seconds>(wall0) + std::chrono::seconds{9};
    auto const ymd = std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(when)};
    auto const tod = std::chrono::hh_mm_ss{when - std::chrono::floor<std::chrono::days>(when)};
    static char const* const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static char const* const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d GMT",
                  days[std::chrono::weekday{std::chrono::floor<std::chrono::days>(when)}.c_encoding()], unsigned(ymd.day()),
                  months[unsigned(ymd.month()) - 1], int(ymd.year()), int(tod.hours().count()), int(tod.minutes().count()),
                  int(tod.seconds().count()));
    scripted_transport t;
    t.then(method::get, "/job/j", json(503, "{}").header("Retry-After", buf))
        .then(method::get, "/job/j", poll("completed", R"(,"result":{})"));
    auto m = attach();
    sim_clock::state st;
    auto r = pulse::run(m, t, {}, sim_clock{&st});
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    REQUIRE(st.sleeps.size() == 1);
    CHECK(st.sleeps[0] == 9000ms);
}

TEST_CASE("run: stop requested before the start sends nothing") {
    scripted_transport t;
    auto m = attach();
    std::stop_source src;
    src.request_stop();
    sim_clock::state st;
    auto r = pulse::run(m, t, src.get_token(), sim_clock{&st});
    REQUIRE(!r.has_value());
    CHECK(r.error().code == errc::canceled);
    CHECK(t.log.empty());
}

TEST_CASE("run: stop during a wait wakes the sleep and cancels") {
    scripted_transport t;
    t.then(method::get, "/job/j", poll("pending"));
    auto m = attach();
    std::stop_source src;
    sim_clock::state st;
    st.stop_at_sleep = &src;
    st.stop_index = 0;
    auto r = pulse::run(m, t, src.get_token(), sim_clock{&st});
    REQUIRE(!r.has_value());
    CHECK(r.error().code == errc::canceled);
    CHECK(st.now == t0()); // the sleep did not run to its end
    CHECK(t.finished());
}

TEST_CASE("run: stop during a transfer aborts it at the next chunk") {
    std::stop_source src;
    scripted_transport t;
    reply slow = json_chunked(200, R"({"job_id":"j","status":"completed","result":{"markdown":"x"}})", 8);
    slow.hook = [&] { src.request_stop(); };
    slow.hook_at = 2;
    t.then(method::get, "/job/j", slow);
    auto m = attach();
    sim_clock::state st;
    auto r = pulse::run(m, t, src.get_token(), sim_clock{&st});
    REQUIRE(!r.has_value());
    CHECK(r.error().code == errc::canceled);
}

TEST_CASE("run: the real clock's sleep returns at once when stop is already requested or the time has passed") {
    pulse::real_clock c;
    std::stop_source src;
    src.request_stop();
    auto const start = std::chrono::steady_clock::now();
    c.sleep_until(start + std::chrono::hours{1}, src.get_token());
    c.sleep_until(start - 1s, std::stop_token{});
    CHECK(std::chrono::steady_clock::now() - start < 5s);
}
