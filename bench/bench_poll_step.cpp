// bench_poll_step: what one poll costs the client when the network is taken away -- the state
// machine's own overhead per poll step, with the parse+decode of the same bytes alone as the
// baseline measured in the same run.
//
//     bench_poll_step [--steps N] [--repeats R]
//
// Rows (each timed over N steps, best and median of R repeats reported):
//   baseline: parse + decode     boost::json::parse of the poll body, then
//                                pulse::decode<job_status_response> -- the unavoidable work
//   job_flow poll step           next(now) -> send; on_head; on_body(the same body);
//                                on_complete; next(now) -> wait (the answer decoded, the backoff
//                                computed, the next poll scheduled)
//   async_driver poll step       the same step through pulse::async_driver with a transport
//                                that answers at once: adds the relay handler, the ready queue and
//                                the timer heap; 1,000 flows polling, simulated 60 Hz frames (so
//                                each tick steps the few flows that are due, as in a game)
// The machine is a real attach flow polling a job that stays "processing" for ever; simulated time
// moves to each wake time, so no step waits.
#include <pulse/driver/async_driver.hpp>
#include <pulse/flow/extract_flow.hpp>
#include <pulse/flow/job_ops.hpp>
#include <pulse/schema/codec.hpp>
#include <pulse/schema/job.hpp>

#include <boost/json/parse.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace {

using clk = std::chrono::steady_clock;
using pulse::flow::time_point;
namespace http = pulse::http;

// What pulse-server answers to a poll of a job still processing (same members, same size).
std::string const body =
    R"({"job_id":"6f1c2a9e-3b7d-4c1e-9a55-0d4f2b8c7e13","status":"processing","created_at":"2026-11-29T08:00:00Z","updated_at":"2026-11-29T08:00:03Z"})";

http::response_head make_head() {
    http::response_head h;
    h.status = 200;
    h.headers.add("Content-Type", "application/json");
    h.headers.add("Content-Length", std::to_string(body.size()));
    h.headers.add("Date", "Sun, 29 Nov 2026 08:00:03 GMT");
    return h;
}

pulse::config make_config() {
    pulse::config c;
    c.api_key = "bench-key-0123456789";
    c.base_url = "http://127.0.0.1:8080";
    c.policies.deadline = std::chrono::milliseconds(0); // polls for ever
    return c;
}

volatile std::size_t sink_counter = 0;

double baseline(std::size_t n) {
    auto const t0 = clk::now();
    for (std::size_t i = 0; i < n; ++i) {
        boost::system::error_code ec;
        auto v = boost::json::parse(body, ec);
        auto r = pulse::decode<pulse::job_status_response>(v);
        sink_counter = sink_counter + (r ? r->job_id.size() : 0);
    }
    return std::chrono::duration<double, std::nano>(clk::now() - t0).count() / static_cast<double>(n);
}

double machine_steps(std::size_t n) {
    auto const head = make_head();
    auto m = *pulse::flow::make_attach_flow(make_config(), {"6f1c2a9e-3b7d-4c1e-9a55-0d4f2b8c7e13"}, 42);
    time_point now = time_point{} + std::chrono::hours(1);
    auto const t0 = clk::now();
    for (std::size_t i = 0; i < n; ++i) {
        auto a = m.next(now);
        if (a.kind == pulse::flow::action_kind::wait) {
            now = a.wake_at;
            a = m.next(now);
        }
        if (a.kind != pulse::flow::action_kind::send) {
            std::fprintf(stderr, "unexpected action %d\n", static_cast<int>(a.kind));
            std::exit(1);
        }
        (void)a.handler->on_head(head);
        (void)a.handler->on_body(body);
        a.handler->on_complete({});
    }
    auto a = m.next(now);
    sink_counter = sink_counter + static_cast<std::size_t>(a.kind);
    return std::chrono::duration<double, std::nano>(clk::now() - t0).count() / static_cast<double>(n);
}

// A transport that answers every request inside start() with the same poll body.
struct instant_transport {
    http::response_head head = make_head();
    std::size_t answered = 0;
    pulse::result<void> start(http::request const&, http::response_handler& h) {
        (void)h.on_head(head);
        (void)h.on_body(body);
        ++answered;
        h.on_complete({});
        return {};
    }
    void cancel(http::response_handler&) {}
    void abandon(http::response_handler&) {}
};

struct sim_clock {
    time_point* t;
    time_point now() const { return *t; }
    std::chrono::system_clock::time_point wall() const { return std::chrono::system_clock::time_point{}; }
    void sleep_until(time_point, std::stop_token const&) const {}
};

double driver_steps(std::size_t n, std::size_t population) {
    instant_transport t;
    time_point now = time_point{} + std::chrono::hours(1);
    pulse::driver_options o;
    o.max_starts_per_tick = 0;
    pulse::async_driver<instant_transport, sim_clock> d(t, o, sim_clock{&now});
    std::vector<pulse::flow_handle<pulse::flow::extract_flow>> hs;
    for (std::size_t i = 0; i < population; ++i)
        hs.push_back(d.add(*pulse::flow::make_attach_flow(make_config(), pulse::job_handle{"job-" + std::to_string(i)}, i + 1)));
    // Warm up: every flow makes its first poll and parks in the timer heap.
    d.tick();
    d.tick();
    std::size_t const start = t.answered;
    auto const t0 = clk::now();
    // 60 Hz frames of simulated time; frames with nothing due are skipped (a real loop would run
    // them, each costing a check of the heap top).
    auto const frame = std::chrono::duration_cast<time_point::duration>(std::chrono::duration<double>(1.0 / 60.0));
    while (t.answered - start < n) {
        auto w = d.next_wake();
        if (!w) break;
        now += frame;
        if (*w > now) now += ((*w - now) / frame + 1) * frame;
        d.tick();
    }
    double const steps = static_cast<double>(t.answered - start);
    return std::chrono::duration<double, std::nano>(clk::now() - t0).count() / steps;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    std::size_t steps = 200000;
    int repeats = 7;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string const k = argv[i];
        if (k == "--steps") steps = static_cast<std::size_t>(std::atol(argv[i + 1]));
        else if (k == "--repeats") repeats = std::atoi(argv[i + 1]);
    }
    std::vector<double> base, mach, drv;
    for (int r = 0; r < repeats; ++r) {
        base.push_back(baseline(steps));
        mach.push_back(machine_steps(steps));
        drv.push_back(driver_steps(steps, 1000));
    }
    double const b = median(base);
    std::printf("bench_poll_step: %zu steps x %d repeats, poll body %zu bytes\n\n", steps, repeats, body.size());
    std::printf("| what | median ns/step | best ns/step | vs baseline (medians) |\n|---|---|---|---|\n");
    auto row = [&](char const* name, std::vector<double> const& v) {
        std::printf("| %s | %.0f | %.0f | %.2fx |\n", name, median(v), *std::min_element(v.begin(), v.end()), median(v) / b);
    };
    row("baseline: boost::json::parse + pulse::decode<job_status_response>", base);
    row("job_flow poll step (machine alone)", mach);
    row("async_driver poll step (1,000 flows in the timer heap)", drv);
    std::printf("\ntarget: < 5000 ns per poll step\n");
    return 0;
}
