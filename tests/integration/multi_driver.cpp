// pulse::curl::multi_driver and multi_transport against the local server over real sockets: many
// flows at once with faults injected by the server, cancel and destroy mid-transfer (also from
// inside a callback), timers honoured (checked in the server's own records), the transport
// conformance suite run through the multi handle, and the examples run as processes.
#include "multi_blocking.hpp"
#include "server_process.hpp"
#include "transport_conformance.hpp"

#include <pulse/curl/multi_driver.hpp>
#include <pulse/curl/transport.hpp>
#include <pulse/flow/download_flow.hpp>
#include <pulse/flow/extract_flow.hpp>
#include <pulse/flow/job_ops.hpp>
#include <pulse/http/body_sinks.hpp>

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
namespace http = pulse::http;
namespace flow = pulse::flow;
using pulse::errc;
using clk = std::chrono::steady_clock;

struct server_fixture {
    pulse_test::server_process server;
    explicit server_fixture(std::vector<std::string> args = {}) : server(std::move(args)) {
        INFO("server: " << server.error());
        REQUIRE(server.running());
    }

    // The server's records, read with the blocking adapter.
    boost::json::value get_json(std::string const& path) const {
        pulse::curl::easy_transport t;
        http::request r;
        r.url = server.base_url() + path;
        http::string_sink s;
        auto out = t.perform(r, s);
        REQUIRE(out.has_value());
        return pulse_test::parse_json(s.body());
    }
    boost::json::object job(std::string const& id) const { return get_json("/__jobs/" + id).as_object(); }
    std::int64_t count(std::string const& id, char const* what) const {
        return pulse_test::as_int(job(id).at("requests").at(what));
    }

    // Short waits so a test takes seconds, not minutes; a scenario for the job (sent as a header
    // on every request of the flow; on later requests its fault keys repeat the job's own).
    pulse::config config(std::string const& scenario = {}) const {
        pulse::config c;
        c.api_key = server.api_key();
        c.base_url = server.base_url();
        c.policies.poll.first_poll_delay = 20ms;
        c.policies.poll.interval = flow::backoff_policy{30ms, 1.0, 10ms, 50ms, 0.2};
        c.policies.poll.not_found.window = 5s;
        flow::backoff_policy const quick{50ms, 2.0, 20ms, 200ms, 0.2};
        c.policies.poll_request.backoff = quick;
        c.policies.download.backoff = quick;
        c.policies.submit.backoff = quick;
        c.policies.single.backoff = quick;
        c.policies.deadline = 60s;
        if (!scenario.empty()) c.extra_headers.set("x-pulse-scenario", scenario);
        return c;
    }
};

pulse::document doc() { return pulse::url("https://example.com/report.pdf"); }

flow::extract_flow extract(pulse::config const& c, std::uint64_t seed, flow::delivery out = {}) {
    auto m = flow::make_extract_flow(c, doc(), {}, seed, out);
    REQUIRE(m.has_value());
    return std::move(*m);
}

// Tick until `done()` or `limit`; returns whether done() became true. Sleeps in wait() between
// ticks like a tool would (the engine-loop example shows a fixed frame rate instead).
bool drive(pulse::curl::multi_driver& d, std::function<bool()> const& done, clk::duration limit = 60s) {
    auto const end = clk::now() + limit;
    while (!done()) {
        if (clk::now() > end) return false;
        d.wait((std::min)(end, clk::now() + 50ms));
        d.tick();
    }
    return true;
}

using extract_handle = pulse::flow_handle<flow::extract_flow>;

} // namespace

TEST_CASE("multi_driver: the resolver report matches what libcurl says") {
    auto const r = pulse::curl::resolver();
    auto const* info = curl_version_info(CURLVERSION_NOW);
    CHECK(r.asynchronous == ((info->features & CURL_VERSION_ASYNCHDNS) != 0));
    CHECK(r.version == info->version);
    std::string const text = "libcurl " + r.version + ": asynchronous DNS " + (r.asynchronous ? "yes" : "NO") +
                             ", threaded resolver " + (r.threaded ? "yes" : "no") + ", detach on remove " +
                             (r.detach_on_remove ? "yes" : "no");
    MESSAGE(text);
}

TEST_CASE("multi_driver: many flows at once reach their right ends, with faults injected by the server") {
    server_fixture f;
    pulse::curl::multi_driver d;

    struct job {
        std::string name;
        std::optional<errc> want; // nullopt: success
        extract_handle h;
        clk::time_point added{};
        std::optional<clk::time_point> ended;
        std::optional<pulse::result<pulse::extract_result>> outcome;
        std::string scenario;
        std::unique_ptr<http::string_sink> sink; // tee'd raw bytes
        clk::duration min_time{};                // a Retry-After makes it at least this long
    };
    std::vector<job> jobs;
    std::uint64_t seed = 1;
    auto add = [&](std::string name, std::string scenario, std::optional<errc> want, int n, clk::duration min_time = {},
                   bool tee = false, bool remote_cancel = false) {
        for (int i = 0; i < n; ++i) {
            job j;
            j.name = name;
            j.want = want;
            j.min_time = min_time;
            j.scenario = scenario + (scenario.empty() ? "" : ";") + "tag=" + name + "-" + std::to_string(i);
            auto cfg = f.config(j.scenario);
            cfg.remote_cancel = remote_cancel;
            flow::delivery out;
            if (tee) {
                j.sink = std::make_unique<http::string_sink>();
                out.sink = j.sink.get();
            }
            j.added = clk::now();
            j.h = d.add(extract(cfg, seed++, out));
            jobs.push_back(std::move(j));
        }
    };
    add("inline", "", std::nullopt, 12);
    add("large", "result=large;size=300k;poll_steps=1", std::nullopt, 5);
    add("large-tee", "result=large;size=200k;poll_steps=1", std::nullopt, 2, {}, true);
    add("failed", "status=failed;error=Password-protected PDF", errc::job_failed, 4);
    add("server-canceled", "status=cancelled", errc::job_canceled, 3);
    add("expired", "status=expired", errc::job_expired, 2);
    add("poll-503-ra", "poll_fault=503:ra=1@1", std::nullopt, 4, 1s);
    add("poll-429-ra-ms", "poll_fault=429:ra_ms=300@1-2", std::nullopt, 3, 600ms);
    add("poll-reset", "poll_fault=reset@1", std::nullopt, 2);
    add("submit-429", "submit_fault=429:ra=1@1", std::nullopt, 3, 1s);
    add("download-reset", "result=large;size=200k;download_fault=reset_mid_body:bytes=1000@1", std::nullopt, 3);
    add("download-short", "result=large;size=200k;download_fault=short_body:bytes=5000@1", std::nullopt, 2);
    add("poll-garbled", "poll_fault=malformed_json@2", errc::json_syntax, 2);
    add("never-ends", "poll_steps=100000", errc::canceled, 2);
    add("never-ends-remote", "poll_steps=100000", errc::canceled, 1, {}, false, true);
    {
        // A job nobody submitted: 404 after the not-found grace.
        job j;
        j.name = "unknown-job";
        j.want = errc::not_found;
        auto m = flow::make_attach_flow(f.config(), {"no-such-job"}, seed++);
        REQUIRE(m.has_value());
        j.added = clk::now();
        j.h = d.add(std::move(*m));
        jobs.push_back(std::move(j));
    }
    REQUIRE(d.size() == jobs.size());

    bool cancels_sent = false;
    auto all_done = [&] {
        auto const now = clk::now();
        bool all = true;
        for (auto& j : jobs) {
            if (!j.ended && j.h.finished()) {
                j.ended = now;
                j.outcome = j.h.take();
            }
            all = all && j.ended.has_value();
        }
        // Cancel the never-ending ones once they have been polled a few times.
        if (!cancels_sent) {
            bool ready = true;
            for (auto& j : jobs)
                if (j.name.rfind("never-ends", 0) == 0 && j.h.machine().poll_count() < 3) ready = false;
            if (ready) {
                cancels_sent = true;
                for (auto& j : jobs)
                    if (j.name.rfind("never-ends", 0) == 0) j.h.cancel();
            }
        }
        return all;
    };
    REQUIRE(drive(d, all_done));
    CHECK(d.size() == 0);
    CHECK(d.transport().active() == 0);

    for (auto& j : jobs) {
        INFO(j.name << " [" << j.scenario << "]");
        REQUIRE(j.outcome.has_value());
        auto& r = *j.outcome;
        if (!j.want) {
            INFO("error: " << (r ? std::string() : r.error().to_string()));
            REQUIRE(r.has_value());
            CHECK(r->markdown.has_value());
        } else {
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error().code == *j.want);
            CHECK(r.error().to_string().find(f.server.api_key()) == std::string::npos);
        }
        CHECK(*j.ended - j.added >= j.min_time);
    }

    // What the server saw.
    auto job_id = [](job const& j) { return j.h.machine().job_id(); };
    for (auto& j : jobs) {
        INFO(j.name);
        if (j.name == "failed") CHECK(j.outcome->error().message.find("Password-protected PDF") != std::string::npos);
        if (j.name == "poll-503-ra") CHECK(f.count(job_id(j), "poll") == 4); // 503, pending, processing, completed
        if (j.name == "poll-429-ra-ms") CHECK(f.count(job_id(j), "poll") == 5);
        if (j.name == "submit-429") CHECK(f.count(job_id(j), "submit") == 1); // the refused one made no job
        if (j.name == "download-reset" || j.name == "download-short") CHECK(f.count(job_id(j), "download") == 2);
        if (j.name == "large" || j.name == "large-tee") {
            auto info = f.job(job_id(j));
            CHECK(info.at("consumed").as_bool());
            if (j.sink) {
                CHECK(j.sink->body().size() == static_cast<std::size_t>(pulse_test::as_int(info.at("result_bytes"))));
                CHECK(j.outcome->value().page_count.has_value());
            }
        }
        if (j.name == "never-ends-remote") {
            INFO("outcome: " << j.outcome->error().to_string());
            CHECK(f.job(job_id(j)).at("cancel_requested").as_bool());
            CHECK(j.outcome->error().message.find("also canceled on the server") != std::string::npos);
        }
        if (j.name == "never-ends") CHECK_FALSE(f.job(job_id(j)).at("cancel_requested").as_bool());
    }

    // The large results were single-use: a second download of each is 410 (gone), not 404.
    std::vector<extract_handle> again;
    for (auto& j : jobs) {
        if (j.name != "large") continue;
        auto m = flow::make_large_result_download(f.config(), job_id(j), {}, seed++);
        REQUIRE(m.has_value());
        again.push_back(d.add(std::move(*m)));
    }
    REQUIRE(drive(d, [&] {
        for (auto& h : again)
            if (!h.finished()) return false;
        return true;
    }));
    for (auto& h : again) {
        auto r = h.take();
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == errc::gone);
        CHECK(r.error().http_status == 410);
    }
}

namespace {
// A raw download into a sink, stalled by the server after `bytes` body bytes for an hour.
struct stalled_download {
    std::unique_ptr<http::string_sink> sink = std::make_unique<http::string_sink>();
    pulse::flow_handle<flow::download_flow> h;
    std::string job_id;

    stalled_download(server_fixture& f, pulse::curl::multi_driver& d, std::string const& tag, std::uint64_t seed) {
        // Submit and poll with the blocking client path first: the job id is needed for the URL.
        auto cfg = f.config("result=large;size=2M;poll_steps=0;download_fault=stall_mid_body:bytes=100000:ms=3600000@1;tag=" + tag);
        auto sub = flow::make_extract_flow<pulse::download_info>(cfg, doc(), {}, seed, flow::delivery{sink.get(), false});
        REQUIRE(sub.has_value());
        h = d.add(std::move(*sub));
        // Wait until the download is under way and stuck.
        REQUIRE(drive(d, [&] { return h.machine().bytes_delivered() >= 100000; }, 30s));
        job_id = h.machine().job_id();
        for (int i = 0; i < 5; ++i) { // a few more ticks: nothing more arrives
            d.wait(clk::now() + 20ms);
            d.tick();
        }
        REQUIRE_FALSE(h.finished());
        CHECK(h.machine().bytes_delivered() == 100000);
    }
};
} // namespace

TEST_CASE("multi_driver: cancel mid-transfer") {
    server_fixture f;
    pulse::curl::multi_driver d;

    SUBCASE("a stalled large-result download") {
        stalled_download s(f, d, "cancel-download", 11);
        CHECK(d.transport().active() == 1);
        auto const t = clk::now();
        s.h.cancel();
        REQUIRE(drive(d, [&] { return s.h.finished(); }, 10s));
        CHECK(clk::now() - t < 2s); // not the stall's hour, not the stall timeout's minute
        auto r = s.h.take();
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == errc::canceled);
        CHECK(r.error().bytes_delivered == 100000);
        CHECK(d.transport().active() == 0);
        CHECK(d.size() == 0);
        // The server never handed out the single use (a fault-cut delivery does not take it).
        CHECK_FALSE(f.job(s.job_id).at("consumed").as_bool());
    }
    SUBCASE("a stalled poll") {
        auto cfg = f.config("poll_fault=stall_mid_body:bytes=5:ms=3600000@1;tag=cancel-poll");
        auto h = d.add(extract(cfg, 12));
        REQUIRE(drive(d, [&] { return !h.machine().job_id().empty(); }, 10s));
        auto const id = h.machine().job_id();
        REQUIRE(drive(d, [&] { return f.count(id, "poll") == 1; }, 10s));
        for (int i = 0; i < 5; ++i) {
            d.wait(clk::now() + 20ms);
            d.tick();
        }
        REQUIRE_FALSE(h.finished());
        h.cancel();
        auto const t = clk::now();
        REQUIRE(drive(d, [&] { return h.finished(); }, 10s));
        CHECK(clk::now() - t < 2s);
        CHECK(h.take().error().code == errc::canceled);
        CHECK(d.transport().active() == 0);
    }
}

TEST_CASE("multi_driver: destroy mid-transfer") {
    server_fixture f;
    pulse::curl::multi_driver d;

    SUBCASE("destroy the handle between ticks; other flows are not disturbed") {
        auto other = d.add(extract(f.config("poll_steps=6;tag=bystander"), 21));
        stalled_download s(f, d, "destroy-download", 22);
        s.h.reset();
        CHECK_FALSE(s.h.valid());
        CHECK(d.transport().active() <= 1); // the stalled transfer is gone; the bystander may be polling
        REQUIRE(drive(d, [&] { return other.finished(); }, 20s));
        CHECK(other.take().has_value());
        CHECK(d.size() == 0);
        CHECK(d.transport().active() == 0);
        // The sink saw no completion after the flow was destroyed: it is not called at all.
        CHECK_FALSE(s.sink->completion().has_value());
    }

    SUBCASE("destroy a flow from inside its own download callback (inside libcurl's write callback)") {
        pulse::flow_handle<flow::download_flow> h;
        http::string_sink sink;
        auto cfg = f.config("result=large;size=4M;poll_steps=0;fault=slow:chunk=65536:ms=5;tag=destroy-inside");
        auto m = flow::make_extract_flow<pulse::download_info>(cfg, doc(), {}, 23, flow::delivery{&sink, false});
        REQUIRE(m.has_value());
        int calls = 0;
        pulse::progress_observer obs;
        obs.on_download = [&](std::uint64_t received, std::optional<std::uint64_t>) {
            ++calls;
            if (received > 200000) h.reset();
        };
        m->set_observer(obs);
        h = d.add(std::move(*m));
        auto bystander = d.add(extract(f.config("tag=bystander-2"), 24));
        REQUIRE(drive(d, [&] { return !h.valid() && bystander.finished(); }, 30s));
        int const calls_then = calls;
        for (int i = 0; i < 10; ++i) {
            d.wait(clk::now() + 10ms);
            d.tick();
        }
        CHECK(calls == calls_then); // nothing reached the freed flow afterwards
        CHECK(d.transport().active() == 0);
        CHECK(bystander.take().has_value());
    }

    SUBCASE("destroy the driver with transfers running; handles outlive it") {
        std::unique_ptr<pulse::curl::multi_driver> own = std::make_unique<pulse::curl::multi_driver>();
        stalled_download s(f, *own, "destroy-driver", 25);
        own.reset();
        CHECK_FALSE(s.h.finished());
        auto r = s.h.take();
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == errc::canceled);
    }
}

TEST_CASE("multi_driver: timers are honoured -- a flow whose next poll is far away is not polled early") {
    server_fixture f;
    pulse::curl::multi_driver d;

    // The slow flow: first poll 1.5 s after submission, then every 1.5 s (no jitter).
    auto slow_cfg = f.config("poll_steps=3;tag=slow");
    slow_cfg.policies.poll.first_poll_delay = 1500ms;
    slow_cfg.policies.poll.interval = flow::backoff_policy{1500ms, 1.0, 1500ms, 1500ms, 0.0};
    clk::time_point id_known{};
    std::vector<clk::time_point> answered;
    auto m = extract(slow_cfg, 31);
    pulse::progress_observer obs;
    obs.on_job_id = [&](std::string_view) { id_known = clk::now(); };
    obs.on_poll = [&](unsigned) { answered.push_back(clk::now()); };
    m.set_observer(obs);
    auto slow = d.add(std::move(m));

    // Busy neighbours: each polls every 10-30 ms for a while.
    std::vector<extract_handle> busy;
    for (int i = 0; i < 8; ++i) busy.push_back(d.add(extract(f.config("poll_steps=40;tag=busy-" + std::to_string(i)), 40 + static_cast<std::uint64_t>(i))));

    REQUIRE(drive(d, [&] { return !slow.machine().job_id().empty(); }, 10s));
    std::string const id = slow.machine().job_id();

    // 1.2 s of heavy activity later the slow job has not been polled once (server's count).
    std::size_t ticks = 0, idle_ticks = 0;
    while (clk::now() - id_known < 1200ms) {
        d.wait(clk::now() + 16ms);
        auto r = d.tick();
        ++ticks;
        if (r.flows.steps == 0) ++idle_ticks;
    }
    CHECK(f.count(id, "poll") == 0);
    std::int64_t busy_polls = 0;
    for (auto& b : busy) busy_polls += f.count(b.machine().job_id(), "poll");
    MESSAGE(ticks << " ticks, " << busy_polls << " polls by the busy flows, " << idle_ticks << " ticks stepped no machine");
    CHECK(busy_polls >= 16);

    // Then it is polled, 1.5 s apart, and finishes.
    REQUIRE(drive(d, [&] { return slow.finished(); }, 20s));
    REQUIRE(answered.size() == 4);
    CHECK(answered[0] - id_known >= 1500ms);
    for (std::size_t i = 1; i < answered.size(); ++i) CHECK(answered[i] - answered[i - 1] >= 1500ms);
    CHECK(slow.take().has_value());
    CHECK(f.count(id, "poll") == 4);
    REQUIRE(drive(d, [&] { return d.size() == 0; }, 30s));

    // With only a waiting flow left, next_timer() is its wake time and a tick steps nothing.
    auto waiting_cfg = f.config("poll_steps=3;tag=waiter");
    waiting_cfg.policies.poll.first_poll_delay = 5s;
    auto waiter = d.add(extract(waiting_cfg, 50));
    REQUIRE(drive(d, [&] { return !waiter.machine().job_id().empty(); }, 10s));
    for (int i = 0; i < 3; ++i) { // let the submission's connection settle
        d.wait(clk::now() + 10ms);
        d.tick();
    }
    auto const next = d.next_timer();
    REQUIRE(next.has_value());
    CHECK(*next > clk::now() + 3s);
    CHECK(d.tick().flows.steps == 0);
}

TEST_CASE("multi_transport: a handler may start, cancel and abandon from inside callbacks") {
    server_fixture f;
    pulse::curl::multi_transport t;
    auto get = [&](std::string path) {
        http::request r;
        r.url = f.server.base_url() + path;
        r.headers.add("x-api-key", f.server.api_key());
        return r;
    };
    http::request const a_req = get("/job/a"), b_req = get("/job/b"), c_req = get("/job/c");

    struct handler final : http::response_handler {
        std::function<void()> on_first_body;
        int heads = 0, bodies = 0, completes = 0;
        std::optional<pulse::result<void>> outcome;
        http::sink_action on_head(http::response_head const&) override {
            ++heads;
            return http::sink_action::proceed;
        }
        http::sink_action on_body(std::string_view) override {
            if (bodies++ == 0 && on_first_body) on_first_body();
            return http::sink_action::proceed;
        }
        void on_complete(pulse::result<void> r) override {
            ++completes;
            outcome = std::move(r);
        }
    } a, b, c;
    // b is a slow transfer that a cancels; a also starts c from inside its callback.
    http::request slow = get("/job/x");
    slow.headers.add("x-pulse-scenario", "fault=delay:ms=600000");
    a.on_first_body = [&] {
        t.cancel(b);
        REQUIRE(t.start(c_req, c).has_value());
    };
    REQUIRE(t.start(slow, b).has_value());
    REQUIRE(t.start(a_req, a).has_value());
    CHECK_FALSE(t.start(a_req, a).has_value()); // one transfer per handler

    auto const end = clk::now() + 20s;
    while ((a.completes == 0 || b.completes == 0 || c.completes == 0) && clk::now() < end) {
        t.wait(clk::now() + 50ms);
        t.perform();
    }
    REQUIRE(a.completes == 1);
    REQUIRE(b.completes == 1);
    REQUIRE(c.completes == 1);
    CHECK(a.outcome->has_value());
    CHECK(c.outcome->has_value());
    CHECK(b.outcome->error().code == errc::canceled);
    CHECK(b.heads == 0);

    // abandon from inside a callback: no further call, not even on_complete.
    handler d1;
    d1.on_first_body = [&] { t.abandon(d1); };
    http::request big = get("/job/x");
    big.headers.add("x-pulse-scenario", "fault=slow:chunk=16:ms=1");
    REQUIRE(t.start(big, d1).has_value());
    auto const end2 = clk::now() + 10s;
    while (d1.bodies == 0 && clk::now() < end2) {
        t.wait(clk::now() + 50ms);
        t.perform();
    }
    for (int i = 0; i < 20; ++i) {
        t.wait(clk::now() + 10ms);
        t.perform();
    }
    CHECK(d1.bodies == 1);
    CHECK(d1.completes == 0);
    CHECK(t.active() == 0);
}

using pulse_test::multi_as_blocking;

TEST_CASE("multi_transport: transport conformance (through a blocking wrapper)") {
    pulse_test::run_transport_conformance<multi_as_blocking>([](http::transport_options o) { return multi_as_blocking(std::move(o)); });
}

TEST_CASE("multi_transport: transport conformance with a tiny io budget (every chunk may pause)") {
    pulse::curl::multi_options m;
    m.io_budget = 1us;
    pulse_test::run_transport_conformance<multi_as_blocking>([m](http::transport_options o) { return multi_as_blocking(std::move(o), m); });
}

// --- the examples, run as processes against a fresh server ----------------------------------------

namespace {
struct process_result {
    int exit_code = -1;
    std::string output;
};

process_result run_process(std::vector<std::string> const& args, std::vector<std::string> const& env_add) {
    process_result res;
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    std::vector<std::string> env_strings = env_add;
    for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
    std::vector<char*> envp, argv;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> args_copy = args;
    for (auto& a : args_copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    int const rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (rc != 0) {
        ::close(fds[0]);
        res.output = "posix_spawn failed";
        return res;
    }
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) res.output.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    res.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return res;
}

// The example binaries come from the build through the environment (CTest sets them for the
// examples test); without them these cases are skipped. The example named by `var` runs against a
// local server of its own, with the server's base URL and then `args` as its arguments and the
// server's key in PULSE_API_KEY.
std::optional<process_result> run_example(char const* var, std::vector<std::string> const& args = {}) {
    char const* bin = std::getenv(var);
    if (!bin || !*bin) {
        MESSAGE(var << " not set: skipped (ctest runs it as the examples test)");
        return std::nullopt;
    }
    server_fixture f;
    std::vector<std::string> argv{bin, f.server.base_url()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, {"PULSE_API_KEY=" + f.server.api_key()});
}
} // namespace

TEST_CASE("example: engine_loop runs 50 extractions at 60 Hz against the local server") {
    auto r = run_example("PULSE_EXAMPLE_ENGINE_LOOP");
    if (!r) return;
    INFO(r->output);
    CHECK(r->exit_code == 0);
    CHECK(r->output.find("50/50 succeeded") != std::string::npos);
    CHECK(r->output.find("worst tick") != std::string::npos);
}

TEST_CASE("example: callback_transport drives flows over an engine-style HTTP module") {
    // Two extra jobs with server scenarios: a large result (downloaded whole by the module) and a
    // poll answered 503 + Retry-After once.
    auto r = run_example("PULSE_EXAMPLE_CALLBACK_TRANSPORT", {"result=large;size=2M;tag=cb-large", "poll_fault=503:ra=1@1;tag=cb-503"});
    if (!r) return;
    INFO(r->output);
    CHECK(r->exit_code == 0);
    CHECK(r->output.find("all flows succeeded") != std::string::npos);
    CHECK(r->output.find("scenario 'result=large") != std::string::npos);
}

TEST_CASE("example: batch_invoices reads every item of a schema batch into a struct, all at once") {
    // This example reads its server from PULSE_BASE_URL, as a program built on config::from_env does.
    char const* bin = std::getenv("PULSE_EXAMPLE_BATCH_INVOICES");
    if (!bin || !*bin) {
        MESSAGE("PULSE_EXAMPLE_BATCH_INVOICES not set: skipped (ctest runs it as the examples test)");
        return;
    }
    server_fixture f;
    auto r = run_process({bin, "https://example.com/a.pdf", "https://example.com/b.pdf", "https://example.com/c.pdf"},
                         {"PULSE_API_KEY=" + f.server.api_key(), "PULSE_BASE_URL=" + f.server.base_url()});
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("extracted 3 documents") != std::string::npos);
    CHECK(r.output.find("3 invoices read, 0 failed") != std::string::npos);
}
