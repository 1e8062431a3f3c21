// pulse::async_driver on a fake asynchronous transport and simulated time: which machines a tick
// touches, the budgets, cancellation and destruction at every stage, a driver that goes first.
// The transport answers only when the test tells it to, so every interleaving is chosen here.
#include <pulse/driver/async_driver.hpp>
#include <pulse/flow/download_flow.hpp>
#include <pulse/flow/extract_flow.hpp>
#include <pulse/flow/job_ops.hpp>
#include <pulse/http/body_sinks.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
namespace http = pulse::http;
using pulse::errc;
using pulse::flow::time_point;

struct sim_clock {
    time_point* t;
    time_point now() const { return *t; }
    std::chrono::system_clock::time_point wall() const { return std::chrono::system_clock::time_point{} + 1000h; }
    void sleep_until(time_point, std::stop_token const&) const {}
};

// Holds every started transfer until the test answers it.
struct fake_transport {
    struct xfer {
        http::request const* req;
        http::response_handler* h;
    };
    std::vector<xfer> running;
    std::vector<std::string> started; // paths, in order
    int cancels = 0;
    int abandons = 0;
    bool cancel_completes_now = false;          // deliver on_complete inside cancel()
    std::optional<errc> fail_start;             // start() returns this error
    std::optional<errc> complete_inside_start;  // start() calls on_complete(error) before returning

    pulse::result<void> start(http::request const& req, http::response_handler& h) {
        if (fail_start) return pulse::error(*fail_start, "fake: cannot start");
        auto const p = req.url.find('/', req.url.find("//") + 2);
        started.push_back(req.url.substr(p));
        if (complete_inside_start) {
            h.on_complete(pulse::error(*complete_inside_start, "fake: failed at once"));
            return {};
        }
        running.push_back({&req, &h});
        return {};
    }
    void cancel(http::response_handler& h) {
        ++cancels;
        if (!cancel_completes_now) return;
        if (take(h)) h.on_complete(pulse::error(errc::canceled, "fake: canceled"));
    }
    void abandon(http::response_handler& h) {
        ++abandons;
        take(h);
    }
    bool take(http::response_handler& h) {
        auto it = std::find_if(running.begin(), running.end(), [&](xfer const& x) { return x.h == &h; });
        if (it == running.end()) return false;
        running.erase(it);
        return true;
    }

    // Answer the oldest running transfer with `body` (in pieces of `piece` bytes).
    void reply(int status, std::string const& body, std::size_t piece = 1 << 20) {
        REQUIRE_FALSE(running.empty());
        xfer x = running.front();
        running.erase(running.begin());
        http::response_head head;
        head.status = status;
        head.headers.add("Content-Type", "application/json");
        if (x.h->on_head(head) == http::sink_action::abort) return x.h->on_complete(pulse::error(errc::aborted_by_sink, "abort"));
        for (std::size_t i = 0; i < body.size(); i += piece)
            if (x.h->on_body(std::string_view(body).substr(i, piece)) == http::sink_action::abort)
                return x.h->on_complete(pulse::error(errc::aborted_by_sink, "abort"));
        x.h->on_complete({});
    }
    // Only the head and the first `n` bytes; the transfer stays open.
    void partial(std::size_t index, std::string const& body, std::size_t n) {
        xfer x = running.at(index);
        http::response_head head;
        head.status = 200;
        (void)x.h->on_head(head);
        (void)x.h->on_body(std::string_view(body).substr(0, n));
    }
};

static_assert(pulse::abandoning_transport<fake_transport>);
static_assert(pulse::flow_machine<pulse::flow::extract_flow>);

pulse::config fast_config() {
    pulse::config c;
    c.api_key = "k-123456";
    c.base_url = "http://api.test";
    c.policies.poll.first_poll_delay = 0ms;
    c.policies.poll.interval = pulse::flow::backoff_policy{1000ms, 1.0, 1000ms, 1000ms, 0.0};
    c.policies.poll_request.backoff = pulse::flow::backoff_policy{200ms, 1.0, 200ms, 200ms, 0.0};
    return c;
}

pulse::flow::extract_flow attach(std::string const& id, pulse::config const& c = fast_config()) {
    auto m = pulse::flow::make_attach_flow(c, pulse::job_handle{id}, 7);
    REQUIRE(m.has_value());
    return std::move(*m);
}

std::string pending(std::string const& id) { return R"({"job_id":")" + id + R"(","status":"pending"})"; }
std::string completed(std::string const& id, std::string const& md = "# Hi") {
    return R"({"job_id":")" + id + R"(","status":"completed","result":{"markdown":")" + md + R"(","page_count":1}})";
}

// next_wake() says "tick now" (a time not after now). Note: nullopt compares <= anything.
template <class D>
bool ready_now(D const& d, time_point now) {
    auto w = d.next_wake();
    return w && *w <= now;
}

struct fixture {
    time_point now = time_point{} + 1000h;
    fake_transport t;
    pulse::async_driver<fake_transport, sim_clock> d;
    explicit fixture(pulse::driver_options o = {}) : d(t, o, sim_clock{&now}) {}
};

} // namespace

TEST_CASE("async_driver: a waiting machine costs nothing until its timer is due") {
    fixture f;
    auto h = f.d.add(attach("j1"));
    CHECK(ready_now(f.d, f.now)); // new flows are ready at once
    auto r = f.d.tick();
    CHECK(r.steps == 1);
    CHECK(r.started == 1);
    REQUIRE(f.t.started == std::vector<std::string>{"/job/j1"});
    CHECK_FALSE(f.d.next_wake().has_value()); // only the transport can bring work now

    f.t.reply(200, pending("j1"));
    CHECK(ready_now(f.d, f.now)); // the completion made it ready
    r = f.d.tick();
    CHECK(r.steps == 1);
    CHECK(r.started == 0);
    REQUIRE(f.d.next_wake().has_value());
    CHECK(*f.d.next_wake() == f.now + 1000ms);

    // Ticks before the wake time touch nothing.
    auto const wake = *f.d.next_wake();
    for (int i = 0; i < 50; ++i) {
        f.now += 16ms;
        r = f.d.tick();
        CHECK(r.steps == 0);
    }
    CHECK(f.t.started.size() == 1);
    f.now = wake; // exactly the wake time
    r = f.d.tick();
    CHECK(r.steps == 1);
    CHECK(r.started == 1);
    CHECK(f.t.started.size() == 2);

    f.t.reply(200, completed("j1"));
    r = f.d.tick();
    CHECK(r.finished == 1);
    REQUIRE(h.finished());
    auto res = h.take();
    REQUIRE(res.has_value());
    CHECK(*res->markdown == "# Hi");
    CHECK(f.d.size() == 0);
    CHECK_FALSE(f.d.next_wake().has_value());
}

TEST_CASE("async_driver: max_starts_per_tick spreads a burst over ticks, in order") {
    pulse::driver_options o;
    o.max_starts_per_tick = 3;
    fixture f(o);
    std::vector<pulse::flow_handle<pulse::flow::extract_flow>> hs;
    for (int i = 0; i < 8; ++i) hs.push_back(f.d.add(attach("j" + std::to_string(i))));
    auto r = f.d.tick();
    CHECK(r.started == 3);
    CHECK(r.more);
    CHECK(ready_now(f.d, f.now));
    r = f.d.tick();
    CHECK(r.started == 3);
    r = f.d.tick();
    CHECK(r.started == 2);
    CHECK_FALSE(r.more);
    std::vector<std::string> want;
    for (int i = 0; i < 8; ++i) want.push_back("/job/j" + std::to_string(i));
    CHECK(f.t.started == want);
}

TEST_CASE("async_driver: tick_with's after_start runs after each start, and its time counts against the deadline") {
    // A transport that sends lazily (curl's multi_transport sends in kick()) has the driver send
    // each request right after it started. Simulated time: every send costs `send_cost`.
    fixture f;
    std::vector<pulse::flow_handle<pulse::flow::extract_flow>> hs;
    for (int i = 0; i < 6; ++i) hs.push_back(f.d.add(attach("j" + std::to_string(i))));
    std::vector<std::size_t> started_at_send; // transfers started when each send ran
    auto send_cost = 30us;
    auto const send = [&] {
        started_at_send.push_back(f.t.started.size());
        f.now += send_cost;
    };

    // Cheap sends: the start limit (4) ends the tick, each start sent before the next step.
    auto r = f.d.tick_with(f.now + 200us, 4, send);
    CHECK(r.started == 4);
    CHECK(started_at_send == std::vector<std::size_t>{1, 2, 3, 4});
    CHECK(r.more);

    // One expensive send (a TLS handshake): it ends the tick, though starts are left.
    started_at_send.clear();
    send_cost = 500us;
    r = f.d.tick_with(f.now + 200us, 4, send);
    CHECK(r.started == 1);
    CHECK(started_at_send == std::vector<std::size_t>{5});
    CHECK(r.more);
    r = f.d.tick_with(f.now + 200us, 4, send);
    CHECK(r.started == 1);
    CHECK_FALSE(r.more);
    CHECK(f.t.started.size() == 6);
}

TEST_CASE("async_driver: a remote-cancel DELETE that the start budget holds back is sent later, not dropped") {
    // The held-send shortcut ("cancelled before it was sent") is for sends that were waiting when
    // the cancel came; the DELETE a cancel itself asks for must go out even when it has to wait.
    pulse::driver_options o;
    o.max_starts_per_tick = 1;
    fixture f(o);
    auto c = fast_config();
    c.remote_cancel = true;
    auto a = f.d.add(attach("j0", c));
    auto b = f.d.add(attach("j1", c));
    f.d.tick();
    f.d.tick(); // one poll started per tick
    REQUIRE(f.t.running.size() == 2);
    f.t.reply(200, pending("j0"));
    f.t.reply(200, pending("j1"));
    f.d.tick(); // both wait for their next poll
    REQUIRE(f.t.running.empty());
    a.cancel();
    b.cancel();
    CHECK(f.d.tick().started == 1); // one DELETE goes; the other waits for the start budget
    CHECK(f.d.tick().started == 1); // ... and goes next tick
    REQUIRE(f.t.running.size() == 2);
    f.t.reply(200, "{}");
    f.t.reply(200, "{}");
    f.d.tick();
    for (auto* h : {&a, &b}) {
        REQUIRE(h->finished());
        auto r = h->take();
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == errc::canceled);
        CHECK(r.error().message.find("also canceled on the server") != std::string::npos);
    }
    CHECK(f.t.started.size() == 4); // two polls, two DELETEs
}

TEST_CASE("async_driver: max_steps_per_tick bounds the machines stepped") {
    pulse::driver_options o;
    o.max_starts_per_tick = 0;
    o.max_steps_per_tick = 4;
    fixture f(o);
    std::vector<pulse::flow_handle<pulse::flow::extract_flow>> hs;
    for (int i = 0; i < 10; ++i) hs.push_back(f.d.add(attach("j" + std::to_string(i))));
    CHECK(f.d.tick().steps == 4);
    CHECK(f.d.tick().steps == 4);
    auto r = f.d.tick();
    CHECK(r.steps == 2);
    CHECK_FALSE(r.more);
    CHECK(f.t.started.size() == 10);
}

TEST_CASE("async_driver: cancel while waiting ends the flow at the next tick without a request") {
    fixture f;
    auto h = f.d.add(attach("j1"));
    f.d.tick();
    f.t.reply(200, pending("j1"));
    f.d.tick(); // now waiting 1 s
    h.cancel();
    CHECK(ready_now(f.d, f.now));
    auto r = f.d.tick();
    CHECK(r.finished == 1);
    CHECK(f.t.started.size() == 1);
    auto res = h.take();
    REQUIRE_FALSE(res.has_value());
    CHECK(res.error().code == errc::canceled);
    // The stale timer does not wake anything later.
    f.now += 2s;
    CHECK(f.d.tick().steps == 0);
}

TEST_CASE("async_driver: cancel mid-transfer goes through transport.cancel") {
    for (bool sync : {false, true}) {
        CAPTURE(sync);
        fixture f;
        f.t.cancel_completes_now = sync;
        auto h = f.d.add(attach("j1"));
        f.d.tick();
        REQUIRE(f.t.running.size() == 1);
        h.cancel();
        auto r = f.d.tick();
        CHECK(f.t.cancels == 1);
        if (!sync) {
            CHECK_FALSE(h.finished());
            // The transport reports the end later (from its own update).
            auto x = f.t.running.front();
            f.t.running.clear();
            x.h->on_complete(pulse::error(errc::canceled, "fake: canceled"));
            r = f.d.tick();
        }
        CHECK(h.finished());
        auto res = h.take();
        REQUIRE_FALSE(res.has_value());
        CHECK(res.error().code == errc::canceled);
        CHECK(f.t.abandons == 0);
    }
}

TEST_CASE("async_driver: destroying a handle mid-transfer abandons the transfer") {
    fixture f;
    auto keep = f.d.add(attach("a"));
    auto gone = f.d.add(attach("b"));
    f.d.tick();
    REQUIRE(f.t.running.size() == 2);
    gone.reset();
    CHECK_FALSE(gone.valid());
    CHECK(f.t.abandons == 1);
    CHECK(f.t.running.size() == 1); // only "a" is left with the transport
    CHECK(f.d.size() == 1);
    f.t.reply(200, completed("a"));
    f.d.tick();
    CHECK(keep.finished());
    CHECK(keep.take().has_value());
}

TEST_CASE("async_driver: destroying a handle while it waits, and moving handles") {
    fixture f;
    auto h = f.d.add(attach("a"));
    f.d.tick();
    f.t.reply(200, pending("a"));
    f.d.tick();
    auto moved = std::move(h);
    CHECK_FALSE(h.valid()); // NOLINT(bugprone-use-after-move)
    CHECK(moved.valid());
    moved = pulse::flow_handle<pulse::flow::extract_flow>{}; // destroys the flow
    CHECK(f.d.size() == 0);
    f.now += 5s;
    CHECK(f.d.tick().steps == 0);
    CHECK(f.t.started.size() == 1);
}

TEST_CASE("async_driver: a handle destroyed inside its own progress callback is freed safely") {
    SUBCASE("during a step (status observer)") {
        fixture f;
        pulse::flow_handle<pulse::flow::extract_flow> h;
        auto m = attach("a");
        pulse::progress_observer obs;
        obs.on_status = [&h](pulse::job_status const&) { h.reset(); };
        m.set_observer(obs);
        h = f.d.add(std::move(m));
        f.d.tick();
        f.t.reply(200, pending("a"));
        f.d.tick(); // the status callback destroys the flow while its machine runs
        CHECK_FALSE(h.valid());
        CHECK(f.d.size() == 0);
        f.now += 5s;
        CHECK(f.d.tick().steps == 0);
    }
    SUBCASE("during a transfer (download observer inside the transport's callback)") {
        fixture f;
        pulse::flow_handle<pulse::flow::extract_flow> h;
        auto cfg = fast_config();
        auto m = pulse::flow::make_large_result_download(cfg, "big", {}, 1);
        REQUIRE(m.has_value());
        pulse::progress_observer obs;
        int calls = 0;
        obs.on_download = [&](std::uint64_t, std::optional<std::uint64_t>) {
            ++calls;
            h.reset();
        };
        m->set_observer(obs);
        h = f.d.add(std::move(*m));
        f.d.tick();
        REQUIRE(f.t.running.size() == 1);
        auto x = f.t.running.front();
        std::string const body = R"({"markdown":"0123456789","page_count":1})";
        f.t.partial(0, body, 5); // the observer destroys the flow from inside on_body
        CHECK(calls == 1);
        CHECK_FALSE(h.valid());
        CHECK(f.t.abandons == 1);
        // A transport that still calls the relay once more gets "abort", not a crash.
        CHECK(x.h->on_body("6789") == http::sink_action::abort);
        f.d.tick(); // frees the kept memory
        CHECK(f.d.size() == 0);
    }
}

TEST_CASE("async_driver: start() failures reach the machine, which retries per its policy") {
    SUBCASE("start returns an error") {
        fixture f;
        f.t.fail_start = errc::connect_failed;
        auto h = f.d.add(attach("a"));
        auto r = f.d.tick();
        CHECK(r.started == 1);
        CHECK_FALSE(h.finished());
        REQUIRE(f.d.next_wake().has_value());
        CHECK(*f.d.next_wake() == f.now + 200ms); // the poll_request backoff
        f.t.fail_start.reset();
        f.now += 200ms;
        f.d.tick();
        REQUIRE(f.t.running.size() == 1);
        f.t.reply(200, completed("a"));
        f.d.tick();
        CHECK(h.take().has_value());
    }
    SUBCASE("on_complete(error) inside start()") {
        fixture f;
        f.t.complete_inside_start = errc::connection_reset;
        auto h = f.d.add(attach("a"));
        f.d.tick();
        f.d.tick(); // the completion was queued during start
        REQUIRE(f.d.next_wake().has_value());
        CHECK(*f.d.next_wake() == f.now + 200ms);
        CHECK_FALSE(h.finished());
    }
}

TEST_CASE("async_driver: a send held back by the start budget, then cancelled, never reaches the network") {
    pulse::driver_options o;
    o.max_starts_per_tick = 1;
    fixture f(o);
    auto a = f.d.add(attach("a"));
    auto b = f.d.add(attach("b"));
    f.d.tick(); // a starts; b's send is held
    CHECK(f.t.started.size() == 1);
    b.cancel();
    f.d.tick();
    CHECK(f.t.started.size() == 1);
    REQUIRE(b.finished());
    CHECK(b.take().error().code == errc::canceled);
}

TEST_CASE("async_driver: destroying the driver first abandons transfers; handles stay usable") {
    time_point now = time_point{} + 1000h;
    fake_transport t;
    pulse::flow_handle<pulse::flow::extract_flow> done, running, waiting;
    {
        pulse::async_driver<fake_transport, sim_clock> d(t, {}, sim_clock{&now});
        done = d.add(attach("d"));
        waiting = d.add(attach("r"));
        running = d.add(attach("w"));
        d.tick();
        t.reply(200, completed("d"));
        t.reply(200, pending("r")); // "r" answered pending: it will wait; "w" stays running
        d.tick();
        CHECK(done.finished());
    }
    CHECK(t.abandons == 1);
    CHECK(t.running.empty());
    CHECK(done.take().has_value());
    auto r = running.take();
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == errc::canceled);
    waiting.cancel(); // harmless without a driver
    CHECK_FALSE(waiting.take().has_value());
}
