// job_flow<T>: every path of the machine (submit, poll, download, cancel, retries, deadline), driven
// by a scripted transport on simulated time. Most cases go through the extraction entry points,
// which exercise every phase.
#include "../support/scripted.hpp"

#include <pulse/flow/download_flow.hpp>
#include <pulse/flow/extract_flow.hpp>
#include <pulse/flow/job_ops.hpp>
#include <pulse/flow/job_flow.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

using namespace pulse_test;
using pulse::errc;
using pulse::flow::delivery;
using pulse::document;
using pulse::http::method;

namespace {

constexpr char key[] = "sk-test-SECRET-KEY";

pulse::config test_config() {
    pulse::config c;
    c.api_key = key;
    c.base_url = "https://api.runpulse.com";
    // No jitter: waits are exact and easy to check. (Jitter itself is tested in policy.cpp.)
    c.policies.poll.interval.jitter = 0;
    c.policies.submit.backoff.jitter = 0;
    c.policies.poll_request.backoff.jitter = 0;
    c.policies.download.backoff.jitter = 0;
    c.policies.single.backoff.jitter = 0;
    return c;
}

pulse::document url_doc() { return pulse::url("https://files.example/doc.pdf"); }

pulse::flow::extract_flow make(pulse::config const& c = test_config(), delivery out = {}) {
    auto m = pulse::flow::make_extract_flow(c, url_doc(), {}, 42, out);
    REQUIRE(m.has_value());
    return std::move(*m);
}

pulse::flow::extract_flow attach(std::string id, pulse::config const& c = test_config(), delivery out = {}) {
    auto m = pulse::flow::make_attach_flow(c, pulse::job_handle{std::move(id)}, 42, out);
    REQUIRE(m.has_value());
    return std::move(*m);
}

reply submitted(int status = 200) {
    return json(status, R"({"job_id":"job-1","status":"pending","message":"Job queued for processing"})");
}

reply completed_inline(std::string const& markdown = "# Hello") {
    return poll("completed", R"(,"result":{"markdown":")" + markdown + R"(","page_count":2})");
}

reply completed_pointer(std::string const& url, std::string const& plan = R"(,"plan_info":{"tier":"growth","pages_used":7})") {
    return poll("completed", R"(,"result":{"is_url":true,"url":")" + url + "\"" + plan + "}");
}

std::string const large_body = R"({"markdown":"# Large","page_count":212})";

/// A sink that keeps everything it is given.
struct memory_sink final : pulse::http::response_handler {
    std::string bytes;
    int heads = 0;
    int completes = 0;
    std::optional<pulse::errc> outcome;
    std::size_t abort_after = std::string::npos;
    pulse::http::sink_action on_head(pulse::http::response_head const&) override {
        ++heads;
        return pulse::http::sink_action::proceed;
    }
    pulse::http::sink_action on_body(std::string_view c) override {
        bytes.append(c);
        return bytes.size() >= abort_after ? pulse::http::sink_action::abort : pulse::http::sink_action::proceed;
    }
    void on_complete(pulse::result<void> r) override {
        ++completes;
        outcome = r ? pulse::errc::ok : r.error().code;
    }
};

} // namespace

// ---- the happy paths -----------------------------------------------------------------------------

TEST_CASE("job_flow: async submission (200), pending -> processing -> completed inline") {
    scripted_transport t;
    t.then(method::post, "/extract", submitted(200))
        .then(method::get, "/job/job-1", poll("pending"))
        .then(method::get, "/job/job-1", poll("processing"))
        .then(method::get, "/job/job-1", completed_inline());
    auto m = make();
    std::vector<std::string> statuses;
    std::string id;
    unsigned polls = 0;
    pulse::progress_observer obs;
    obs.on_job_id = [&](std::string_view j) { id = j; };
    obs.on_status = [&](pulse::job_status const& s) { statuses.push_back(s.str()); };
    obs.on_poll = [&](unsigned n) { polls = n; };
    m.set_observer(obs);
    time_point now = t0();
    trace tr;
    auto r = drive(m, t, now, &tr);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    CHECK(*r->markdown == "# Hello");
    CHECK(*r->page_count == 2);
    CHECK(t.finished());
    CHECK(id == "job-1");
    CHECK(statuses == std::vector<std::string>{"pending", "processing", "completed"});
    CHECK(polls == 3);
    CHECK(m.poll_count() == 3);
    // first poll after 1 s, then 1 s, 1.5 s (x1.5 backoff, no jitter in this config)
    CHECK(tr.waits == std::vector<std::chrono::milliseconds>{1000ms, 1000ms, 1500ms});
    // the submission is async=true, JSON with file_url, key and source header sent
    auto const& sub = t.log[0];
    CHECK(sub.headers.find("x-api-key") == std::optional<std::string_view>(key));
    CHECK(sub.headers.find("X-Pulse-Source") == std::optional<std::string_view>("sdk-cpp"));
    CHECK(sub.headers.find("content-type") == std::optional<std::string_view>("application/json"));
    CHECK(sub.body.find(R"("async":true)") != std::string::npos);
    CHECK(sub.body.find(R"("file_url":"https://files.example/doc.pdf")") != std::string::npos);
    CHECK(t.log[1].headers.find("x-api-key") == std::optional<std::string_view>(key));
}

TEST_CASE("job_flow: async submission answered 202 Accepted") {
    scripted_transport t;
    t.then(method::post, "/extract", submitted(202)).then(method::get, "/job/job-1", completed_inline("x"));
    auto m = make();
    time_point now = t0();
    auto r = drive(m, t, now);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    CHECK(*r->markdown == "x");
}

TEST_CASE("job_flow: synchronous answers to the submission (no job_id)") {
    SUBCASE("the result itself") {
        scripted_transport t;
        t.then(method::post, "/extract", json(200, R"({"markdown":"sync","page_count":1})"));
        auto m = make();
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE_MESSAGE(r.has_value(), err_text(r));
        CHECK(*r->markdown == "sync");
        CHECK(m.job_id().empty());
        CHECK(now == t0()); // no waiting at all
    }
    SUBCASE("a large-result pointer") {
        scripted_transport t;
        t.then(method::post, "/extract",
               json(200, R"({"is_url":true,"url":"https://api.runpulse.com/large_results/abc"})"))
            .then(method::get, "/large_results/abc", json(200, large_body));
        auto m = make();
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE_MESSAGE(r.has_value(), err_text(r));
        CHECK(*r->markdown == "# Large");
    }
    SUBCASE("not an object") {
        scripted_transport t;
        t.then(method::post, "/extract", json(200, R"([1,2])"));
        auto m = make();
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::unexpected_shape);
    }
    SUBCASE("an empty 2xx body") {
        scripted_transport t;
        reply empty;
        empty.status = 204;
        t.then(method::post, "/extract", empty);
        auto m = make();
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::json_syntax);
    }
}

TEST_CASE("job_flow: attach mode polls an existing job at once") {
    scripted_transport t;
    t.then(method::get, "/job/existing-42", poll("processing")).then(method::get, "/job/existing-42", completed_inline());
    auto m = attach("existing-42");
    std::string id;
    pulse::progress_observer obs;
    obs.on_job_id = [&](std::string_view j) { id = j; };
    m.set_observer(obs);
    time_point now = t0();
    trace tr;
    auto r = drive(m, t, now, &tr);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    CHECK(id == "existing-42");
    CHECK(t.log[0].at == t0()); // no initial wait when resuming
    CHECK(tr.waits == std::vector<std::chrono::milliseconds>{1000ms});
}

TEST_CASE("job_flow: the job id is ONE percent-encoded path segment") {
    scripted_transport t;
    t.then(method::get, "/job/a%2F..%2Fb%3Fx%3D1%23f", completed_inline());
    auto m = attach("a/../b?x=1#f");
    time_point now = t0();
    auto r = drive(m, t, now);
    CHECK_MESSAGE(r.has_value(), err_text(r));
    for (char const* bad : {"", ".", ".."}) {
        auto bad_m = pulse::flow::make_attach_flow(test_config(), pulse::job_handle{bad}, 1);
        REQUIRE(!bad_m.has_value());
        CHECK(bad_m.error().code == errc::invalid_argument);
    }
}

// ---- every status ----------------------------------------------------------------------------------

TEST_CASE("job_flow: unknown statuses keep polling") {
    scripted_transport t;
    t.then(method::get, "/job/j", poll("queued_for_gpu"))
        .then(method::get, "/job/j", poll("warming-up"))
        .then(method::get, "/job/j", completed_inline());
    auto m = attach("j");
    std::vector<std::string> statuses;
    pulse::progress_observer obs;
    obs.on_status = [&](pulse::job_status const& s) { statuses.push_back(s.str()); };
    m.set_observer(obs);
    time_point now = t0();
    auto r = drive(m, t, now);
    CHECK_MESSAGE(r.has_value(), err_text(r));
    CHECK(statuses == std::vector<std::string>{"queued_for_gpu", "warming-up", "completed"});
}

TEST_CASE("job_flow: terminal failure statuses") {
    struct tc {
        char const* status;
        char const* extra;
        errc code;
        char const* text;
    };
    tc const cases[] = {
        {"failed", R"(,"error":"PDF is encrypted")", errc::job_failed, "PDF is encrypted"},
        {"failed", R"(,"message":"fallback text")", errc::job_failed, "fallback text"},
        {"failed", "", errc::job_failed, "the job failed"},
        {"canceled", "", errc::job_canceled, "canceled"},
        {"cancelled", R"(,"message":"Job cancelled successfully")", errc::job_canceled, "Job cancelled successfully"},
        {"expired", "", errc::job_expired, "run it again"},
    };
    for (auto const& c : cases) {
        CAPTURE(c.status);
        CAPTURE(c.extra);
        scripted_transport t;
        t.then(method::get, "/job/j", poll("pending")).then(method::get, "/job/j", poll(c.status, c.extra));
        auto m = attach("j");
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == c.code);
        CHECK(r.error().layer() == pulse::error_layer::job);
        CHECK(r.error().message.find(c.text) != std::string::npos);
        CHECK(t.finished());
    }
}

TEST_CASE("job_flow: a job error that echoes the key is redacted") {
    scripted_transport t;
    t.then(method::get, "/job/j", poll("failed", std::string(R"(,"error":"bad key sk-test-SECRET-KEY used")")));
    auto m = attach("j");
    time_point now = t0();
    auto r = drive(m, t, now);
    REQUIRE(!r.has_value());
    CHECK(r.error().message.find(key) == std::string::npos);
    CHECK(r.error().message.find("[redacted]") != std::string::npos);
}

TEST_CASE("job_flow: completed without a result") {
    scripted_transport t;
    t.then(method::get, "/job/j", poll("completed", R"(,"result":null)"));
    auto m = attach("j");
    time_point now = t0();
    auto r = drive(m, t, now);
    REQUIRE(!r.has_value());
    CHECK(r.error().code == errc::missing_member);
    CHECK(r.error().path == "result");
}

// ---- poll: HTTP statuses and transport errors ------------------------------------------------------

TEST_CASE("job_flow: poll 401 and 403 are fatal at once") {
    for (int status : {401, 403}) {
        CAPTURE(status);
        scripted_transport t;
        t.then(method::get, "/job/j", json(status, R"({"error":{"code":"AUTH_002","message":"Invalid API key"}})"));
        auto m = attach("j");
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == (status == 401 ? errc::unauthorized : errc::forbidden));
        CHECK(r.error().http_status == status);
        CHECK(r.error().api_code == "AUTH_002");
        CHECK(r.error().message.find("Invalid API key") != std::string::npos);
        CHECK(t.log.size() == 1);
    }
}

TEST_CASE("job_flow: poll 404 right after submission gets a grace, then is fatal") {
    SUBCASE("the job appears") {
        scripted_transport t;
        t.then(method::post, "/extract", submitted())
            .then(method::get, "/job/job-1", json(404, R"({"error":{"code":"JOB_404","message":"no such job"}})"))
            .then(method::get, "/job/job-1", json(404, "{}"))
            .then(method::get, "/job/job-1", completed_inline());
        auto m = make();
        time_point now = t0();
        auto r = drive(m, t, now);
        CHECK_MESSAGE(r.has_value(), err_text(r));
    }
    SUBCASE("it never does") {
        scripted_transport t;
        t.then(method::post, "/extract", submitted());
        for (int i = 0; i < 4; ++i) t.then(method::get, "/job/job-1", json(404, R"({"error":{"message":"no such job"}})"));
        auto m = make();
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::not_found);
        CHECK(t.finished()); // 1 + 3 grace retries
    }
    SUBCASE("outside the grace window a 404 is fatal at once") {
        auto c = test_config();
        c.policies.poll.not_found.window = 500ms; // the first poll is 1 s after the submission
        scripted_transport t;
        t.then(method::post, "/extract", submitted()).then(method::get, "/job/job-1", json(404, "{}"));
        auto m = make(c);
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::not_found);
        CHECK(t.finished());
    }
}

TEST_CASE("job_flow: poll 408/429/5xx and transport errors are retried") {
    std::vector<reply> faults = {json(408, "{}"), json(429, "{}"), json(500, "{}"), json(502, "<html>bad gateway</html>"),
                                 json(503, "{}"), json(504, "{}"), transport_error(errc::connection_reset),
                                 transport_error(errc::timeout), transport_error(errc::connect_failed)};
    for (auto const& f : faults) {
        CAPTURE(f.status);
        scripted_transport t;
        t.then(method::get, "/job/j", poll("pending")).then(method::get, "/job/j", f).then(method::get, "/job/j", completed_inline());
        auto m = attach("j");
        time_point now = t0();
        trace tr;
        auto r = drive(m, t, now, &tr);
        CHECK_MESSAGE(r.has_value(), err_text(r));
        CHECK(t.finished());
        // backoff_policy{} default: the first retry waits 1 s
        REQUIRE(tr.waits.size() == 2);
        CHECK(tr.waits[1] == 1000ms);
    }
}

TEST_CASE("job_flow: poll retries run out") {
    SUBCASE("5xx") {
        scripted_transport t;
        for (int i = 0; i < 8; ++i) t.then(method::get, "/job/j", json(503, R"({"error":"overloaded"})"));
        auto m = attach("j");
        time_point now = t0();
        trace tr;
        auto r = drive(m, t, now, &tr);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::server_error);
        CHECK(r.error().http_status == 503);
        CHECK(r.error().message.find("overloaded") != std::string::npos);
        CHECK(t.finished());
        // exponential: 1, 2, 4, 8, 15 (cap), 15, 15
        CHECK(tr.waits == std::vector<std::chrono::milliseconds>{1000ms, 2000ms, 4000ms, 8000ms, 15000ms, 15000ms, 15000ms});
    }
    SUBCASE("429") {
        scripted_transport t;
        for (int i = 0; i < 8; ++i) t.then(method::get, "/job/j", json(429, "{}"));
        auto m = attach("j");
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::rate_limited);
    }
    SUBCASE("transport") {
        scripted_transport t;
        for (int i = 0; i < 8; ++i) t.then(method::get, "/job/j", transport_error(errc::connection_reset));
        auto m = attach("j");
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::connection_reset);
        CHECK(r.error().layer() == pulse::error_layer::transport);
    }
    SUBCASE("a successful poll resets the count of consecutive failures") {
        scripted_transport t;
        for (int i = 0; i < 7; ++i) t.then(method::get, "/job/j", json(500, "{}"));
        t.then(method::get, "/job/j", poll("processing"));
        for (int i = 0; i < 7; ++i) t.then(method::get, "/job/j", json(500, "{}"));
        t.then(method::get, "/job/j", completed_inline());
        auto m = attach("j");
        time_point now = t0();
        auto r = drive(m, t, now);
        CHECK_MESSAGE(r.has_value(), err_text(r));
    }
}

TEST_CASE("job_flow: poll 400 and other statuses are fatal") {
    for (int status : {400, 405, 409, 418}) {
        CAPTURE(status);
        scripted_transport t;
        t.then(method::get, "/job/j", json(status, R"({"error":{"code":"REQ_003","message":"nope"}})"));
        auto m = attach("j");
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == (status == 400 ? errc::bad_request : errc::http_status));
        CHECK(t.log.size() == 1);
    }
}

// ---- Retry-After --------------------------------------------------------------------------------------

TEST_CASE("job_flow: Retry-After lengthens the wait in each form") {
    auto const date_header = "Sun, 06 Nov 2033 08:49:37 GMT";
    auto const date_plus_20 = "Sun, 06 Nov 2033 08:49:57 GMT";
    struct tc {
        char const* name;
        reply r;
        std::chrono::milliseconds expect;
    };
    std::vector<tc> cases = {
        {"seconds", json(429, "{}").header("Retry-After", "7"), 7000ms},
        {"retry-after-ms", json(503, "{}").header("retry-after-ms", "2500"), 2500ms},
        {"both: the longer", json(503, "{}").header("Retry-After", "3").header("retry-after-ms", "4200"), 4200ms},
        {"HTTP-date against the Date header", json(503, "{}").header("Date", date_header).header("Retry-After", date_plus_20), 20000ms},
        {"shorter than the backoff: the backoff wins", json(503, "{}").header("Retry-After", "0"), 1000ms},
        {"garbage is ignored", json(503, "{}").header("Retry-After", "soon"), 1000ms},
    };
    for (auto const& c : cases) {
        CAPTURE(c.name);
        scripted_transport t;
        t.then(method::get, "/job/j", c.r).then(method::get, "/job/j", completed_inline());
        auto m = attach("j");
        time_point now = t0();
        trace tr;
        auto r = drive(m, t, now, &tr);
        CHECK_MESSAGE(r.has_value(), err_text(r));
        REQUIRE(tr.waits.size() == 1);
        CHECK(tr.waits[0] == c.expect);
    }
}

TEST_CASE("job_flow: Retry-After HTTP-date without a Date header uses the driver's wall clock") {
    // wall clock at t0 = 2033-11-06 08:49:37 UTC
    auto const wall = std::chrono::sys_days{std::chrono::year{2033} / 11 / 6} + std::chrono::hours{8} +
                      std::chrono::minutes{49} + std::chrono::seconds{37};
    scripted_transport t;
    t.then(method::get, "/job/j", json(429, "{}").header("Retry-After", "Sun, 06 Nov 2033 08:50:07 GMT"))
        .then(method::get, "/job/j", completed_inline());
    auto m = attach("j");
    time_point now = t0();
    trace tr;
    auto r = drive(m, t, now, &tr, std::chrono::system_clock::time_point(wall));
    CHECK_MESSAGE(r.has_value(), err_text(r));
    REQUIRE(tr.waits.size() == 1);
    CHECK(tr.waits[0] == 30000ms);
}

// A Date header outside what system_clock can hold (years before ~1678 or after ~2262; HTTP-dates
// go from 0000 to 9999) would overflow if it were taken as the reference time for a Retry-After
// date.
TEST_CASE("job_flow: a Date header the wall clock cannot hold is ignored, not overflowed") {
    for (auto const* date : {"Fri, 01 Jan 2300 00:00:00 GMT", "Sun, 06 Nov 0051 08:49:37 GMT"}) {
        CAPTURE(date);
        scripted_transport t;
        t.then(method::get, "/job/j", json(503, "{}").header("Date", date).header("Retry-After", "Fri, 01 Jan 2300 00:00:20 GMT"))
            .then(method::get, "/job/j", completed_inline());
        auto m = attach("j");
        time_point now = t0();
        trace tr;
        auto r = drive(m, t, now, &tr); // no wall clock given: without a usable Date, dates are ignored
        CHECK_MESSAGE(r.has_value(), err_text(r));
        CHECK(tr.waits == std::vector<std::chrono::milliseconds>{1000ms}); // the backoff alone
    }
}

TEST_CASE("job_flow: Retry-After on a pending answer lengthens the poll interval") {
    scripted_transport t;
    t.then(method::get, "/job/j", poll("pending").header("Retry-After", "5")).then(method::get, "/job/j", completed_inline());
    auto m = attach("j");
    time_point now = t0();
    trace tr;
    auto r = drive(m, t, now, &tr);
    CHECK_MESSAGE(r.has_value(), err_text(r));
    CHECK(tr.waits == std::vector<std::chrono::milliseconds>{5000ms});
}

TEST_CASE("job_flow: a Retry-After past the deadline ends the operation at once") {
    auto c = test_config();
    c.policies.deadline = 60s;
    scripted_transport t;
    t.then(method::get, "/job/j", json(429, R"({"error":{"code":"RATE","message":"slow down"}})").header("Retry-After", "3600"));
    auto m = attach("j", c);
    time_point now = t0();
    trace tr;
    auto r = drive(m, t, now, &tr);
    REQUIRE(!r.has_value());
    CHECK(r.error().code == errc::deadline_exceeded);
    CHECK(r.error().http_status == 429); // the last answer is kept
    CHECK(r.error().api_code == "RATE");
    CHECK(r.error().message.find("slow down") != std::string::npos);
    CHECK(tr.waits.empty());
    CHECK(now == t0());
}

// A Retry-After of up to milliseconds::max() (what parse_retry_after accepts) added as it is to
// the nanosecond steady clock would overflow (undefined behaviour; in practice a wake time far in
// the past, so the request would be retried at once).
TEST_CASE("job_flow: a huge Retry-After does not overflow the clock") {
    auto c = test_config();
    c.policies.deadline = 60s;
    for (auto const& r : {json(429, "{}").header("retry-after-ms", "9223372036854775806"),
                          json(503, "{}").header("Retry-After", "9223372036854775")}) {
        scripted_transport t;
        t.then(method::get, "/job/j", r).then(method::get, "/job/j", completed_inline());
        auto m = attach("j", c);
        time_point now = t0();
        trace tr;
        auto res = drive(m, t, now, &tr);
        REQUIRE(!res.has_value());
        CHECK(res.error().code == errc::deadline_exceeded); // not retried at once
        CHECK(tr.waits.empty());
        CHECK(now == t0());
    }
    // Without a deadline the machine waits as long as the clock can count, never into the past.
    c.policies.deadline = 0s;
    scripted_transport t;
    t.then(method::get, "/job/j", poll("pending").header("retry-after-ms", "9223372036854775806"))
        .then(method::get, "/job/j", completed_inline());
    auto m = attach("j", c);
    time_point now = t0();
    trace tr;
    auto res = drive(m, t, now, &tr);
    CHECK_MESSAGE(res.has_value(), err_text(res));
    REQUIRE(tr.waits.size() == 1);
    CHECK(tr.waits[0] > std::chrono::hours{24 * 365 * 100});
}

// ---- deadline -------------------------------------------------------------------------------------------

TEST_CASE("job_flow: deadline exceeded while the job stays pending") {
    auto c = test_config();
    c.policies.deadline = 10s;
    scripted_transport t;
    for (int i = 0; i < 7; ++i) t.then(method::get, "/job/j", poll("processing"));
    auto m = attach("j", c);
    time_point now = t0();
    trace tr;
    auto r = drive(m, t, now, &tr);
    REQUIRE(!r.has_value());
    CHECK(r.error().code == errc::deadline_exceeded);
    CHECK(r.error().layer() == pulse::error_layer::local);
    CHECK(r.error().message.find("processing") != std::string::npos);
    // polls at 0, 1, 2.5, 4.75, 8.125 s, then the last one exactly at the deadline (10 s)
    CHECK(t.log.back().at == t0() + 10s);
    CHECK(now == t0() + 10s);
    CHECK(t.log.size() == 6);
}

TEST_CASE("job_flow: no deadline when it is zero") {
    auto c = test_config();
    c.policies.deadline = 0ms;
    scripted_transport t;
    for (int i = 0; i < 300; ++i) t.then(method::get, "/job/j", poll("processing"));
    t.then(method::get, "/job/j", completed_inline());
    auto m = attach("j", c);
    time_point now = t0();
    auto r = drive(m, t, now);
    CHECK_MESSAGE(r.has_value(), err_text(r));
    CHECK(now - t0() > std::chrono::minutes{30});
}

// ---- submit ---------------------------------------------------------------------------------------------

TEST_CASE("job_flow: submission is NOT retried on 5xx or timeouts") {
    std::vector<reply> faults = {json(500, R"({"error":{"code":"GENERAL_001","message":"boom"}})"), json(502, "{}"),
                                 json(503, "{}").header("Retry-After", "1"), json(408, "{}"),
                                 transport_error(errc::timeout), transport_error(errc::connection_reset),
                                 transport_error(errc::body_truncated)};
    for (auto const& f : faults) {
        CAPTURE(f.status);
        scripted_transport t;
        t.then(method::post, "/extract", f);
        auto m = make();
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(t.log.size() == 1);
    }
}

TEST_CASE("job_flow: submission IS retried on 429 and on failures before the request left") {
    for (auto const& f : {json(429, "{}"), transport_error(errc::resolve_failed), transport_error(errc::connect_failed),
                          transport_error(errc::tls_failed)}) {
        CAPTURE(f.status);
        scripted_transport t;
        t.then(method::post, "/extract", f).then(method::post, "/extract", submitted()).then(method::get, "/job/job-1", completed_inline());
        auto m = make();
        time_point now = t0();
        auto r = drive(m, t, now);
        CHECK_MESSAGE(r.has_value(), err_text(r));
        CHECK(t.finished());
    }
    SUBCASE("until the budget runs out") {
        scripted_transport t;
        for (int i = 0; i < 4; ++i) t.then(method::post, "/extract", json(429, "{}").header("Retry-After", "2"));
        auto m = make();
        time_point now = t0();
        trace tr;
        auto r = drive(m, t, now, &tr);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::rate_limited);
        CHECK(tr.waits == std::vector<std::chrono::milliseconds>{2000ms, 2000ms, 4000ms});
    }
}

TEST_CASE("job_flow: retry_submission_on_server_error opts in to retrying 5xx") {
    auto c = test_config();
    c.policies.retry_submission_on_server_error = true;
    scripted_transport t;
    t.then(method::post, "/extract", json(500, "{}"))
        .then(method::post, "/extract", transport_error(errc::timeout))
        .then(method::post, "/extract", submitted())
        .then(method::get, "/job/job-1", completed_inline());
    auto m = make(c);
    time_point now = t0();
    auto r = drive(m, t, now);
    CHECK_MESSAGE(r.has_value(), err_text(r));
}

TEST_CASE("job_flow: submission errors keep status, API code, message and a body excerpt, without the key") {
    scripted_transport t;
    t.then(method::post, "/extract",
           json(400, R"({"error":{"code":"REQ_001","message":"No file or URL provided","details":{"echo":"x-api-key: sk-test-SECRET-KEY"}}})"));
    auto m = make();
    time_point now = t0();
    auto r = drive(m, t, now);
    REQUIRE(!r.has_value());
    auto const& e = r.error();
    CHECK(e.code == errc::bad_request);
    CHECK(e.http_status == 400);
    CHECK(e.api_code == "REQ_001");
    CHECK(e.message.find("No file or URL provided") != std::string::npos);
    CHECK(e.message.find("POST /extract") != std::string::npos);
    CHECK(e.body.find("REQ_001") != std::string::npos);
    CHECK(e.body.find(key) == std::string::npos);
    CHECK(e.to_string().find(key) == std::string::npos);
}

TEST_CASE("job_flow: other submission statuses") {
    struct tc {
        int status;
        errc code;
    };
    for (auto c : {tc{401, errc::unauthorized}, tc{403, errc::forbidden}, tc{404, errc::not_found}, tc{413, errc::bad_request},
                   tc{422, errc::bad_request}, tc{301, errc::http_status}}) {
        CAPTURE(c.status);
        scripted_transport t;
        t.then(method::post, "/extract", json(c.status, "not json at all"));
        auto m = make();
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == c.code);
        CHECK(r.error().message.find("not json at all") != std::string::npos);
        CHECK(t.log.size() == 1);
    }
}

TEST_CASE("job_flow: a huge error body is read up to the cap and the transfer stopped") {
    auto c = test_config();
    c.limits.max_error_body_bytes = 100;
    c.limits.error_excerpt_bytes = 40;
    scripted_transport t;
    reply big;
    big.status = 500;
    for (int i = 0; i < 1000; ++i) big.chunks.push_back(std::string(64, 'x'));
    t.then(method::post, "/extract", big);
    auto m = make(c);
    time_point now = t0();
    auto r = drive(m, t, now);
    REQUIRE(!r.has_value());
    CHECK(r.error().code == errc::server_error);
    CHECK(r.error().body.size() == 40);
}

// ---- decode errors and caps --------------------------------------------------------------------------

TEST_CASE("job_flow: malformed and wrong-shape bodies are decode errors with paths") {
    SUBCASE("malformed poll JSON") {
        scripted_transport t;
        t.then(method::get, "/job/j", json(200, R"({"job_id":"j","status":"pend)"));
        auto m = attach("j");
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::json_syntax);
        CHECK(r.error().message.find("poll GET /job/j") != std::string::npos);
    }
    SUBCASE("poll answer of the wrong shape") {
        scripted_transport t;
        t.then(method::get, "/job/j", json(200, R"({"job_id":"j","status":7})"));
        auto m = attach("j");
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::type_mismatch);
        CHECK(r.error().path == "status");
    }
    SUBCASE("inline result of the wrong shape: the path starts at result") {
        scripted_transport t;
        t.then(method::get, "/job/j", poll("completed", R"(,"result":{"markdown":"m","bounding_boxes":{"Text":[{},{},{},{"page_number":"3"}]}})"));
        auto m = attach("j");
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::type_mismatch);
        CHECK(r.error().path == "result.bounding_boxes.Text[3].page_number");
        CHECK(r.error().to_string().find("expected integer, got string") != std::string::npos);
    }
    SUBCASE("submission answer missing its job id type") {
        scripted_transport t;
        t.then(method::post, "/extract", json(200, R"({"job_id":12})"));
        auto m = make();
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().path == "job_id");
    }
    SUBCASE("large-result pointer without a url") {
        scripted_transport t;
        t.then(method::get, "/job/j", poll("completed", R"(,"result":{"is_url":true})"));
        auto m = attach("j");
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::missing_member);
        CHECK(r.error().path == "result.url");
    }
    SUBCASE("large-result pointer with an unusable url") {
        scripted_transport t;
        t.then(method::get, "/job/j", poll("completed", R"(,"result":{"is_url":true,"url":"ftp://x/y"})"));
        auto m = attach("j");
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::invalid_value);
        CHECK(r.error().path == "result.url");
    }
    SUBCASE("downloaded large result of the wrong shape") {
        scripted_transport t;
        t.then(method::get, "/job/j", completed_pointer("https://api.runpulse.com/large_results/j"))
            .then(method::get, "/large_results/j", json_chunked(200, R"({"markdown":"m","page_count":"many"})", 5));
        auto m = attach("j");
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::type_mismatch);
        CHECK(r.error().path == "page_count");
    }
    SUBCASE("downloaded large result truncated") {
        scripted_transport t;
        t.then(method::get, "/job/j", completed_pointer("https://api.runpulse.com/large_results/j"))
            .then(method::get, "/large_results/j", json(200, R"({"markdown":"m","pa)"));
        auto m = attach("j");
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::json_syntax);
    }
}

TEST_CASE("job_flow: bodies over the caps") {
    SUBCASE("an answer over max_answer_bytes") {
        auto c = test_config();
        c.limits.max_answer_bytes = 64;
        scripted_transport t;
        t.then(method::get, "/job/j", json_chunked(200, poll("completed", R"(,"result":{"markdown":")" + std::string(200, 'a') + "\"}").chunks[0], 16));
        auto m = attach("j", c);
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::body_too_large);
    }
    SUBCASE("a large result over max_result_bytes (typed only: the transfer stops)") {
        auto c = test_config();
        c.limits.max_result_bytes = 20;
        scripted_transport t;
        t.then(method::get, "/job/j", completed_pointer("https://api.runpulse.com/large_results/j"))
            .then(method::get, "/large_results/j", json_chunked(200, large_body, 8));
        auto m = attach("j", c);
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::body_too_large);
        CHECK(t.finished());
    }
    SUBCASE("nesting over max_json_depth") {
        auto c = test_config();
        c.limits.max_json_depth = 8;
        scripted_transport t;
        t.then(method::get, "/job/j", poll("completed", R"(,"result":{"markdown":"m","extra":[[[[[[[[[[1]]]]]]]]]]})"));
        auto m = attach("j", c);
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::too_deep);
    }
}

// ---- large results ---------------------------------------------------------------------------------------

TEST_CASE("job_flow: large result on the API origin gets the key; plan_info is copied from the pointer") {
    scripted_transport t;
    t.then(method::get, "/job/j", completed_pointer("https://api.runpulse.com/large_results/j"))
        .then(method::get, "https://api.runpulse.com/large_results/j", json_chunked(200, large_body, 7));
    auto m = attach("j");
    std::uint64_t seen = 0;
    pulse::progress_observer obs;
    obs.on_download = [&](std::uint64_t n, std::optional<std::uint64_t>) { seen = n; };
    m.set_observer(obs);
    time_point now = t0();
    auto r = drive(m, t, now);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    CHECK(*r->markdown == "# Large");
    REQUIRE(r->plan_info.has_value());
    CHECK(*r->plan_info->tier == "growth");
    CHECK(*r->plan_info->pages_used == 7);
    CHECK(t.log[1].headers.find("x-api-key") == std::optional<std::string_view>(key));
    CHECK(seen == large_body.size());
    CHECK(now == t0()); // no wait between the poll and the download
}

TEST_CASE("job_flow: the downloaded body's own plan_info wins over the pointer's") {
    scripted_transport t;
    t.then(method::get, "/job/j", completed_pointer("https://api.runpulse.com/large_results/j"))
        .then(method::get, "/large_results/j", json(200, R"({"markdown":"m","plan_info":{"tier":"body"}})"));
    auto m = attach("j");
    time_point now = t0();
    auto r = drive(m, t, now);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    CHECK(*r->plan_info->tier == "body");
}

TEST_CASE("job_flow: the key is withheld from every other origin") {
    char const* foreign[] = {
        "https://pulse-results.s3.amazonaws.com/results/j.json?X-Amz-Signature=abc",
        "https://api.runpulse.com@evil.example/large_results/j",
        "https://api.runpulse.com:8443/large_results/j",
        "http://api.runpulse.com/large_results/j",
        "https://api.runpulse.com.evil.example/large_results/j",
        "https://evil.example/large_results/j#@api.runpulse.com",
    };
    for (char const* url : foreign) {
        CAPTURE(url);
        auto c = test_config();
        c.extra_headers.set("X-Org-Secret", "s2");
        scripted_transport t;
        t.then(method::get, "/job/j", completed_pointer(url)).then(method::get, url, json(200, large_body));
        auto m = attach("j", c);
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE_MESSAGE(r.has_value(), err_text(r));
        REQUIRE(t.log.size() == 2);
        CHECK(t.log[0].headers.contains("x-api-key"));
        CHECK(t.log[0].headers.contains("X-Org-Secret"));
        CHECK_FALSE(t.log[1].headers.contains("x-api-key"));
        CHECK_FALSE(t.log[1].headers.contains("X-Org-Secret"));
        CHECK_FALSE(t.log[1].headers.contains("X-Pulse-Source"));
    }
    SUBCASE("and sent to the home origin however it is spelled") {
        scripted_transport t;
        char const* url = "HTTPS://API.RUNPULSE.COM:443/large_results/j";
        t.then(method::get, "/job/j", completed_pointer(url)).then(method::get, "/large_results/j", json(200, large_body));
        auto m = attach("j");
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE_MESSAGE(r.has_value(), err_text(r));
        CHECK(t.log[1].url == url);
        CHECK(t.log[1].headers.contains("x-api-key"));
    }
}

// The download's Content-Length reaches the typed decoder as its size hint (expect_size). Observed
// through the decoder's growth rule (schema/detail/stream_handler.hpp): with the hint, a big array
// followed by much more body is sized from an estimate and trimmed to its exact size at its end;
// without it (1 KiB chunks, so the decoder never sees far ahead) the array grows by doubling, 300
// elements in a capacity of 512.
TEST_CASE("job_flow: the download's Content-Length is passed to the decoder as a size hint") {
    std::string body = R"({"bounding_boxes":{"Text":[)";
    for (int i = 0; i < 300; ++i) body += std::string(i ? "," : "") + R"({"id":"t-)" + std::to_string(1000 + i) + R"(","page_number":1})";
    body += R"(]},"markdown":")" + std::string(300000, 'm') + R"("})";
    auto capacity_after_download = [&](bool content_length, bool gzip) {
        reply dl = json_chunked(200, body, 1024);
        if (content_length) dl.header("Content-Length", std::to_string(body.size()));
        if (gzip) dl.header("Content-Encoding", "gzip"); // the length counts encoded bytes: no hint
        scripted_transport t;
        t.then(method::get, "/job/j", completed_pointer("https://api.runpulse.com/large_results/j"))
            .then(method::get, "/large_results/j", std::move(dl));
        auto m = attach("j");
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE_MESSAGE(r.has_value(), err_text(r));
        REQUIRE(r->bounding_boxes.has_value());
        REQUIRE(r->bounding_boxes->text.has_value());
        CHECK(r->bounding_boxes->text->size() == 300);
        CHECK(r->markdown->size() == 300000);
        return r->bounding_boxes->text->capacity();
    };
    CHECK(capacity_after_download(true, false) == 300); // hint: estimated, then trimmed
    CHECK(capacity_after_download(false, false) == 512); // chunked: doubling
    CHECK(capacity_after_download(true, true) == 512);  // Content-Encoding: no hint
}

TEST_CASE("job_flow: 410 and 404 on the download are distinct") {
    for (int status : {410, 404}) {
        CAPTURE(status);
        scripted_transport t;
        t.then(method::get, "/job/j", completed_pointer("https://api.runpulse.com/large_results/j"))
            .then(method::get, "/large_results/j", json(status, R"({"error":{"code":"GONE","message":"Result already retrieved"}})"));
        auto m = attach("j");
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        if (status == 410) {
            CHECK(r.error().code == errc::gone);
            CHECK(r.error().message.find("already downloaded or has expired") != std::string::npos);
            CHECK(r.error().api_code == "GONE");
        } else {
            CHECK(r.error().code == errc::not_found);
        }
        CHECK(t.finished()); // neither is retried
    }
}

TEST_CASE("job_flow: download failures before any byte reached the caller are retried") {
    SUBCASE("5xx") {
        scripted_transport t;
        t.then(method::get, "/job/j", completed_pointer("https://api.runpulse.com/large_results/j"))
            .then(method::get, "/large_results/j", json(503, "{}").header("Retry-After", "2"))
            .then(method::get, "/large_results/j", json(200, large_body));
        auto m = attach("j");
        time_point now = t0();
        trace tr;
        auto r = drive(m, t, now, &tr);
        REQUIRE_MESSAGE(r.has_value(), err_text(r));
        CHECK(tr.waits == std::vector<std::chrono::milliseconds>{2000ms});
    }
    SUBCASE("transport failure mid-body, typed only (bytes reached only our decoder)") {
        scripted_transport t;
        reply broken = json_chunked(200, large_body, 10);
        broken.chunks.resize(2);
        broken.fail = errc::connection_reset;
        t.then(method::get, "/job/j", completed_pointer("https://api.runpulse.com/large_results/j"))
            .then(method::get, "/large_results/j", broken)
            .then(method::get, "/large_results/j", json(200, large_body));
        auto m = attach("j");
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE_MESSAGE(r.has_value(), err_text(r));
        CHECK(*r->markdown == "# Large");
    }
    SUBCASE("a 410 after a failed attempt says so") {
        scripted_transport t;
        reply broken = json_chunked(200, large_body, 10);
        broken.chunks.resize(1);
        broken.fail = errc::connection_reset;
        t.then(method::get, "/job/j", completed_pointer("https://api.runpulse.com/large_results/j"))
            .then(method::get, "/large_results/j", broken)
            .then(method::get, "/large_results/j", json(410, "{}"));
        auto m = attach("j");
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::gone);
        CHECK(r.error().message.find("earlier attempt failed") != std::string::npos);
    }
}

TEST_CASE("job_flow: a failure after bytes reached the caller's sink is partial_delivery, never retried") {
    memory_sink sink;
    scripted_transport t;
    reply broken = json_chunked(200, large_body, 10);
    broken.chunks.resize(2);
    broken.fail = errc::connection_reset;
    t.then(method::get, "/job/j", completed_pointer("https://api.runpulse.com/large_results/j")).then(method::get, "/large_results/j", broken);
    auto m = attach("j", test_config(), delivery{&sink, true});
    time_point now = t0();
    auto r = drive(m, t, now);
    REQUIRE(!r.has_value());
    CHECK(r.error().code == errc::partial_delivery);
    CHECK(r.error().bytes_delivered == 20);
    CHECK(r.error().message.find("connection_reset") == std::string::npos); // the cause's text, not the code name
    CHECK(r.error().message.find("scripted transport failure mid-body") != std::string::npos);
    CHECK(r.error().message.find("single-use") != std::string::npos);
    CHECK(sink.bytes == large_body.substr(0, 20));
    CHECK(sink.completes == 1);
    CHECK(sink.outcome == errc::partial_delivery);
    CHECK(t.finished()); // no third request
}

// A transport that reports a second head (a 429) after body bytes reached the caller's sink must
// not make the machine retry the single-use download: the sink would receive the start of the body
// twice.
TEST_CASE("job_flow: a second response head in one transfer is a protocol error, not a new answer") {
    memory_sink sink;
    auto made = pulse::flow::make_large_result_download_from_url(test_config(), "https://api.runpulse.com/large_results/j",
                                                                 delivery{&sink, true}, 42);
    REQUIRE(made.has_value());
    auto& m = *made;
    time_point const now = t0();
    REQUIRE(m.next(now).kind == pulse::flow::action_kind::send);
    pulse::http::response_head ok;
    ok.status = 200;
    CHECK(m.handle_head(ok) == pulse::http::sink_action::proceed);
    CHECK(m.handle_body(large_body.substr(0, 10)) == pulse::http::sink_action::proceed);
    pulse::http::response_head again;
    again.status = 429;
    again.headers.add("Retry-After", "1");
    CHECK(m.handle_head(again) == pulse::http::sink_action::abort);
    m.handle_complete(pulse::error(errc::aborted_by_sink, "aborted by the handler"));
    auto const a = m.next(now);
    REQUIRE(a.kind == pulse::flow::action_kind::failed);
    CHECK(a.error->code == errc::protocol_error);
    CHECK(a.error->bytes_delivered == 10);
    CHECK(sink.heads == 1);
    CHECK(sink.completes == 1);
}

TEST_CASE("job_flow: tee -- the typed result and the raw bytes") {
    memory_sink sink;
    scripted_transport t;
    t.then(method::get, "/job/j", completed_pointer("https://api.runpulse.com/large_results/j"))
        .then(method::get, "/large_results/j", json_chunked(200, large_body, 3));
    auto m = attach("j", test_config(), delivery{&sink, true});
    time_point now = t0();
    auto r = drive(m, t, now);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    CHECK(*r->markdown == "# Large");
    CHECK(sink.bytes == large_body);
    CHECK(sink.heads == 1);
    CHECK(sink.outcome == errc::ok);
    CHECK(m.bytes_delivered() == large_body.size());
}

TEST_CASE("job_flow: tee -- bytes that do not decode still all reach the sink") {
    memory_sink sink;
    std::string const garbage = R"({"markdown": 12, "and then": "much more text that is still delivered"})";
    scripted_transport t;
    t.then(method::get, "/job/j", completed_pointer("https://api.runpulse.com/large_results/j"))
        .then(method::get, "/large_results/j", json_chunked(200, garbage, 4));
    auto m = attach("j", test_config(), delivery{&sink, true});
    time_point now = t0();
    auto r = drive(m, t, now);
    REQUIRE(!r.has_value());
    CHECK(r.error().code == errc::type_mismatch);
    CHECK(r.error().path == "markdown");
    CHECK(r.error().bytes_delivered == garbage.size());
    CHECK(sink.bytes == garbage);
}

TEST_CASE("job_flow: raw sink only -- large and inline results") {
    SUBCASE("large") {
        memory_sink sink;
        scripted_transport t;
        t.then(method::get, "/job/j", completed_pointer("https://api.runpulse.com/large_results/j"))
            .then(method::get, "/large_results/j", json(200, large_body).header("Content-Length", std::to_string(large_body.size())));
        auto m = pulse::flow::make_attach_flow<pulse::download_info>(test_config(), {"j"}, 1, delivery{&sink});
        REQUIRE(m.has_value());
        time_point now = t0();
        auto r = drive(*m, t, now);
        REQUIRE_MESSAGE(r.has_value(), err_text(r));
        CHECK(r->bytes == large_body.size());
        CHECK(r->content_length == large_body.size());
        CHECK(r->content_type == "application/json");
        CHECK_FALSE(r->inline_result);
        REQUIRE(r->pointer.has_value());
        CHECK(*r->pointer->plan_info->tier == "growth");
        CHECK(sink.bytes == large_body);
    }
    SUBCASE("inline: the result JSON is written to the sink") {
        memory_sink sink;
        scripted_transport t;
        t.then(method::get, "/job/j", completed_inline("in"));
        auto m = pulse::flow::make_attach_flow<pulse::download_info>(test_config(), {"j"}, 1, delivery{&sink});
        REQUIRE(m.has_value());
        time_point now = t0();
        auto r = drive(*m, t, now);
        REQUIRE_MESSAGE(r.has_value(), err_text(r));
        CHECK(r->inline_result);
        CHECK(sink.bytes == R"({"markdown":"in","page_count":2})");
    }
    SUBCASE("a raw flow without a sink is refused") {
        auto m = pulse::flow::make_attach_flow<pulse::download_info>(test_config(), {"j"}, 1);
        REQUIRE(!m.has_value());
        CHECK(m.error().code == errc::invalid_argument);
    }
}

TEST_CASE("job_flow: the caller's sink asks to stop") {
    memory_sink sink;
    sink.abort_after = 5;
    scripted_transport t;
    t.then(method::get, "/job/j", completed_pointer("https://api.runpulse.com/large_results/j"))
        .then(method::get, "/large_results/j", json_chunked(200, large_body, 4));
    auto m = attach("j", test_config(), delivery{&sink, true});
    time_point now = t0();
    auto r = drive(m, t, now);
    REQUIRE(!r.has_value());
    CHECK(r.error().code == errc::aborted_by_sink);
    CHECK(r.error().bytes_delivered == 8);
    CHECK(t.finished());
}

// ---- cancellation ----------------------------------------------------------------------------------------

TEST_CASE("job_flow: cancel while waiting for the first poll") {
    scripted_transport t;
    t.then(method::post, "/extract", submitted());
    auto m = make();
    time_point now = t0();
    auto a = m.next(now);
    REQUIRE(a.kind == pulse::flow::action_kind::send);
    m.handle_complete(t.perform(*a.request, *a.handler));
    a = m.next(now);
    REQUIRE(a.kind == pulse::flow::action_kind::wait);
    m.cancel();
    a = m.next(now);
    REQUIRE(a.kind == pulse::flow::action_kind::failed);
    REQUIRE(a.error != nullptr);
    CHECK(a.error->code == errc::canceled);
    auto r = m.take_result();
    REQUIRE(!r.has_value());
    CHECK(r.error().code == errc::canceled);
    CHECK(r.error().message.find("job-1") != std::string::npos);
    CHECK(t.finished());
}

TEST_CASE("job_flow: cancel with remote_cancel sends one DELETE /job/{id}") {
    auto c = test_config();
    c.remote_cancel = true;
    SUBCASE("accepted") {
        scripted_transport t;
        reply p = poll("processing");
        t.then(method::post, "/extract", submitted())
            .then(method::get, "/job/job-1", p)
            .then(method::delete_, "/job/job-1", json(200, R"({"job_id":"job-1","message":"Job cancelled successfully"})"));
        auto m = make(c);
        pulse::progress_observer obs;
        obs.on_poll = [&](unsigned) { m.cancel(); };
        m.set_observer(obs);
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::canceled);
        CHECK(r.error().message.find("also canceled on the server") != std::string::npos);
        CHECK(t.finished());
        CHECK(t.log.back().headers.contains("x-api-key"));
    }
    SUBCASE("refused: still canceled, the failure noted, not retried") {
        scripted_transport t;
        t.then(method::get, "/job/j", poll("processing")).then(method::delete_, "/job/j", json(500, "{}"));
        auto m = attach("j", c);
        pulse::progress_observer obs;
        obs.on_poll = [&](unsigned) { m.cancel(); };
        m.set_observer(obs);
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::canceled);
        CHECK(r.error().message.find("HTTP 500") != std::string::npos);
        CHECK(t.finished());
    }
    SUBCASE("not for a job that already finished (cancel during the download)") {
        scripted_transport t;
        reply dl = json_chunked(200, large_body, 4);
        t.then(method::get, "/job/j", completed_pointer("https://api.runpulse.com/large_results/j")).then(method::get, "/large_results/j", dl);
        auto m = attach("j", c);
        t.script[1].answer.hook = [&] { m.cancel(); };
        t.script[1].answer.hook_at = 2;
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::canceled);
        CHECK(t.finished()); // no DELETE
    }
}

TEST_CASE("job_flow: cancel during each phase's transfer aborts it") {
    SUBCASE("submit") {
        scripted_transport t;
        reply r0 = json_chunked(200, R"({"job_id":"job-1","status":"pending"})", 5);
        t.then(method::post, "/extract", r0);
        auto m = make();
        t.script[0].answer.hook = [&] { m.cancel(); };
        t.script[0].answer.hook_at = 1;
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::canceled);
        CHECK(t.finished());
    }
    SUBCASE("poll, with remote cancel configured") {
        auto c = test_config();
        c.remote_cancel = true;
        scripted_transport t;
        t.then(method::get, "/job/j", poll("pending"))
            .then(method::get, "/job/j", json_chunked(200, R"({"job_id":"j","status":"processing"})", 4))
            .then(method::delete_, "/job/j", json(200, "{}"));
        auto m = attach("j", c);
        t.script[1].answer.hook = [&] { m.cancel(); };
        t.script[1].answer.hook_at = 3;
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::canceled);
        CHECK(t.finished());
    }
    SUBCASE("download with a sink: bytes delivered are reported, the sink is told") {
        memory_sink sink;
        scripted_transport t;
        t.then(method::get, "/job/j", completed_pointer("https://api.runpulse.com/large_results/j"))
            .then(method::get, "/large_results/j", json_chunked(200, large_body, 4));
        auto m = attach("j", test_config(), delivery{&sink, true});
        t.script[1].answer.hook = [&] { m.cancel(); };
        t.script[1].answer.hook_at = 3;
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::canceled);
        CHECK(r.error().bytes_delivered == 12);
        CHECK(sink.outcome == errc::canceled);
    }
    SUBCASE("a transfer that completed before the cancel took effect is kept") {
        scripted_transport t;
        t.then(method::get, "/job/j", completed_pointer("https://api.runpulse.com/large_results/j"))
            .then(method::get, "/large_results/j", json(200, large_body));
        auto m = attach("j");
        t.script[1].answer.hook = [&] { m.cancel(); };
        t.script[1].answer.hook_at = 1; // after the last chunk
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE_MESSAGE(r.has_value(), err_text(r));
    }
}

TEST_CASE("job_flow: async driving -- in_flight, abort_transfer, completion via on_complete") {
    auto m = attach("j");
    time_point now = t0();
    auto a = m.next(now);
    REQUIRE(a.kind == pulse::flow::action_kind::send);
    auto* h = a.handler;
    CHECK(m.next(now).kind == pulse::flow::action_kind::in_flight);
    pulse::http::response_head head;
    head.status = 200;
    CHECK(h->on_head(head) == pulse::http::sink_action::proceed);
    CHECK(h->on_body(R"({"job_id":"j",)") == pulse::http::sink_action::proceed);
    m.cancel();
    a = m.next(now);
    REQUIRE(a.kind == pulse::flow::action_kind::abort_transfer);
    CHECK(a.handler == h);
    CHECK(m.next(now).kind == pulse::flow::action_kind::in_flight); // abort asked once
    CHECK(h->on_body(R"("status":"pending"})") == pulse::http::sink_action::abort);
    h->on_complete(pulse::error(errc::canceled, "transfer canceled"));
    a = m.next(now);
    REQUIRE(a.kind == pulse::flow::action_kind::failed);
    CHECK(a.error->code == errc::canceled);
    // late callbacks after the end are refused, not crashes
    CHECK(h->on_body("x") == pulse::http::sink_action::abort);
}

TEST_CASE("job_flow: an async completion without a head is a protocol error (retried for polls)") {
    auto m = attach("j");
    time_point now = t0();
    auto a = m.next(now);
    REQUIRE(a.kind == pulse::flow::action_kind::send);
    a.handler->on_complete(pulse::result<void>());
    a = m.next(now);
    CHECK(a.kind == pulse::flow::action_kind::wait);
}

TEST_CASE("job_flow: next() is idempotent while waiting, take_result before the end is an error") {
    auto m = attach("j");
    CHECK(!m.take_result().has_value());
    time_point now = t0();
    scripted_transport t;
    t.then(method::get, "/job/j", poll("pending"));
    auto a = m.next(now);
    m.handle_complete(t.perform(*a.request, *a.handler));
    auto w1 = m.next(now);
    auto w2 = m.next(now + 10ms);
    REQUIRE(w1.kind == pulse::flow::action_kind::wait);
    REQUIRE(w2.kind == pulse::flow::action_kind::wait);
    CHECK(w1.wake_at == w2.wake_at);
    CHECK(m.next(w1.wake_at).kind == pulse::flow::action_kind::send);
}

TEST_CASE("job_flow: retry observer") {
    scripted_transport t;
    t.then(method::get, "/job/j", json(503, "{}")).then(method::get, "/job/j", completed_inline());
    auto m = attach("j");
    std::vector<pulse::retry_event> events;
    int status_seen = 0;
    pulse::progress_observer obs;
    obs.on_retry = [&](pulse::retry_event const& e) {
        events.push_back(e);
        status_seen = e.cause->http_status;
    };
    m.set_observer(obs);
    time_point now = t0();
    auto r = drive(m, t, now);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    REQUIRE(events.size() == 1);
    CHECK(events[0].phase == pulse::request_phase::poll);
    CHECK(events[0].attempt == 1);
    CHECK(events[0].delay == 1000ms);
    CHECK(status_seen == 503);
}

TEST_CASE("job_flow: download -- every retryable and fatal status") {
    struct tc {
        int status;
        bool retried;
        errc code;
    };
    for (auto c : {tc{408, true, errc::http_status}, tc{429, true, errc::rate_limited}, tc{500, true, errc::server_error},
                   tc{502, true, errc::server_error}, tc{503, true, errc::server_error}, tc{504, true, errc::server_error},
                   tc{400, false, errc::bad_request}, tc{401, false, errc::unauthorized}, tc{403, false, errc::forbidden},
                   tc{404, false, errc::not_found}, tc{410, false, errc::gone}, tc{302, false, errc::http_status}}) {
        CAPTURE(c.status);
        // once: retried then fine, or fatal at once
        {
            scripted_transport t;
            t.then(method::get, "/job/j", completed_pointer("https://api.runpulse.com/large_results/j"))
                .then(method::get, "/large_results/j", json(c.status, R"({"error":{"message":"x"}})"));
            if (c.retried) t.then(method::get, "/large_results/j", json(200, large_body));
            auto m = attach("j");
            time_point now = t0();
            auto r = drive(m, t, now);
            CHECK(t.finished());
            if (c.retried) {
                CHECK_MESSAGE(r.has_value(), err_text(r));
            } else {
                REQUIRE(!r.has_value());
                CHECK(r.error().code == c.code);
                CHECK(r.error().http_status == c.status);
            }
        }
        // every time: the retry budget (4 attempts) runs out
        if (c.retried) {
            scripted_transport t;
            t.then(method::get, "/job/j", completed_pointer("https://api.runpulse.com/large_results/j"));
            for (int i = 0; i < 4; ++i) t.then(method::get, "/large_results/j", json(c.status, "{}"));
            auto m = attach("j");
            time_point now = t0();
            auto r = drive(m, t, now);
            REQUIRE(!r.has_value());
            CHECK(r.error().code == c.code);
            CHECK(t.finished());
        }
    }
}

// ---- the transition table ---------------------------------------------------------------------

TEST_CASE("job_flow: the transition table -- every move listed once, nothing out of done or failed") {
    using pulse::flow::job_event;
    using pulse::flow::job_state;
    using pulse::flow::transition;
    std::vector<std::pair<job_state, job_event>> seen;
    for (auto const& t : pulse::flow::job_transitions) {
        CAPTURE(to_string(t.from));
        CAPTURE(to_string(t.on));
        for (auto const& s : seen) CHECK_FALSE((s.first == t.from && s.second == t.on)); // one row per (state, event)
        seen.emplace_back(t.from, t.on);
        CHECK(transition(t.from, t.on) == t.to);
        CHECK(t.from != job_state::done);
        CHECK(t.from != job_state::failed);
    }
    // Every state but idle, done and failed can fail and be cancelled (canceling ends by its own
    // event); every sending state can retry.
    for (job_state s : {job_state::submitting, job_state::polling, job_state::downloading, job_state::requesting}) {
        CAPTURE(to_string(s));
        CHECK(transition(s, job_event::failure) == job_state::failed);
        CHECK(transition(s, job_event::cancel) == job_state::failed);
        CHECK(transition(s, job_event::retry) == s);
    }
    // What the table leaves out cannot happen.
    CHECK_FALSE(transition(job_state::downloading, job_event::accepted).has_value());
    CHECK_FALSE(transition(job_state::submitting, job_event::cancel_remote).has_value()); // no job id yet
    CHECK_FALSE(transition(job_state::done, job_event::cancel).has_value());
    CHECK_FALSE(transition(job_state::canceling, job_event::retry).has_value()); // the DELETE is tried once
}

namespace {

// Feed one whole answer to the transfer in flight.
template <class M>
void answer(M& m, int status, std::string const& body, pulse::http::headers extra = {}) {
    pulse::http::response_head h;
    h.status = status;
    h.headers = std::move(extra);
    h.headers.set("Content-Type", "application/json");
    REQUIRE(m.handle_head(h) == pulse::http::sink_action::proceed);
    REQUIRE(m.handle_body(body) == pulse::http::sink_action::proceed);
    m.handle_complete({});
}

// Step until the machine asks to send, answering nothing: the request in flight.
template <class M>
pulse::flow::action until_send(M& m, time_point& now) {
    for (int i = 0; i < 50; ++i) {
        auto a = m.next(now);
        if (a.kind != pulse::flow::action_kind::wait) return a;
        now = a.wake_at;
    }
    FAIL("no send");
    return {};
}

std::string const ack = R"({"job_id":"job-1","status":"pending"})";
std::string const pointer = R"({"job_id":"job-1","status":"completed","result":{"is_url":true,"url":"https://api.runpulse.com/large_results/job-1"}})";

} // namespace

TEST_CASE("job_flow: cancel in every state") {
    using pulse::flow::action_kind;
    using pulse::flow::job_state;
    struct expectation {
        errc code;              // the result's error (errc::ok: the value stays)
        char const* note;       // in the message, when not empty
        bool sends_delete;      // a DELETE /job/{id} goes out before the end
    };
    struct row {
        char const* name;
        bool remote_cancel;
        // Bring a fresh machine to the state; returns it with the transfer in flight (true) or not.
        std::function<bool(pulse::flow::extract_flow&, time_point&)> reach;
        job_state state;
        expectation expect;
    };
    auto submitted = [](pulse::flow::extract_flow& m, time_point& now) {
        until_send(m, now);
        answer(m, 200, ack);
    };
    auto at_download = [&](pulse::flow::extract_flow& m, time_point& now) {
        submitted(m, now);
        until_send(m, now);
        answer(m, 200, pointer);
    };
    std::vector<row> const rows = {
        {"idle: before the first next()", false, [](auto&, auto&) { return false; }, job_state::idle,
         {errc::canceled, "", false}},
        {"submitting, waiting to retry a 429", false,
         [](auto& m, auto& now) {
             until_send(m, now);
             answer(m, 429, "{}");
             m.next(now);
             return false;
         },
         job_state::submitting, {errc::canceled, "", false}},
        {"submitting, in flight", false, [](auto& m, auto& now) { return until_send(m, now), true; }, job_state::submitting,
         {errc::canceled, "", false}},
        {"polling, waiting", false, [&](auto& m, auto& now) { return submitted(m, now), m.next(now), false; },
         job_state::polling, {errc::canceled, "job-1", false}},
        {"polling, waiting, with remote_cancel", true, [&](auto& m, auto& now) { return submitted(m, now), m.next(now), false; },
         job_state::polling, {errc::canceled, "also canceled on the server", true}},
        {"polling, in flight", false, [&](auto& m, auto& now) { return submitted(m, now), until_send(m, now), true; },
         job_state::polling, {errc::canceled, "job-1", false}},
        {"polling, in flight, with remote_cancel", true,
         [&](auto& m, auto& now) { return submitted(m, now), until_send(m, now), true; }, job_state::polling,
         {errc::canceled, "also canceled on the server", true}},
        {"downloading, in flight (the job is finished: no DELETE)", true,
         [&](auto& m, auto& now) { return at_download(m, now), until_send(m, now), true; }, job_state::downloading,
         {errc::canceled, "", false}},
        {"downloading, waiting to retry a 503", true,
         [&](auto& m, auto& now) {
             at_download(m, now);
             until_send(m, now);
             answer(m, 503, "{}");
             m.next(now);
             return false;
         },
         job_state::downloading, {errc::canceled, "", false}},
        {"done", false,
         [&](auto& m, auto& now) {
             submitted(m, now);
             until_send(m, now);
             answer(m, 200, R"({"job_id":"job-1","status":"completed","result":{"markdown":"m"}})");
             m.next(now);
             return false;
         },
         job_state::done, {errc::ok, "", false}},
        {"failed", false,
         [&](auto& m, auto& now) {
             submitted(m, now);
             until_send(m, now);
             answer(m, 200, R"({"job_id":"job-1","status":"failed","error":"boom"})");
             m.next(now);
             return false;
         },
         job_state::failed, {errc::job_failed, "boom", false}},
    };
    for (auto const& r : rows) {
        CAPTURE(r.name);
        pulse::config c = test_config();
        c.remote_cancel = r.remote_cancel;
        auto m = make(c);
        time_point now = t0();
        bool const in_flight = r.reach(m, now);
        CHECK(m.state() == r.state);
        m.cancel();
        auto a = m.next(now);
        if (in_flight) {
            // The transfer in flight is aborted first; its end brings the cancel.
            REQUIRE(a.kind == action_kind::abort_transfer);
            m.handle_complete(pulse::error(errc::canceled, "aborted"));
            a = m.next(now);
        }
        bool deleted = false;
        if (a.kind == action_kind::send) {
            CHECK(a.request->method == method::delete_);
            CHECK(path_of(a.request->url) == "/job/job-1");
            CHECK(m.state() == job_state::canceling);
            m.cancel(); // a second cancel does not stop the DELETE
            CHECK(m.next(now).kind == action_kind::in_flight);
            answer(m, 200, R"({"job_id":"job-1","message":"Job cancelled successfully"})");
            deleted = true;
            a = m.next(now);
        }
        CHECK(deleted == r.expect.sends_delete);
        CHECK(m.next(now).kind == a.kind); // the end is final
        auto res = m.take_result();
        if (r.expect.code == errc::ok) {
            CHECK(a.kind == action_kind::done);
            CHECK(res.has_value());
            continue;
        }
        REQUIRE(a.kind == action_kind::failed);
        REQUIRE_FALSE(res.has_value());
        CHECK(res.error().code == r.expect.code);
        CHECK(m.state() == job_state::failed);
        if (*r.expect.note) CHECK(res.error().message.find(r.expect.note) != std::string::npos);
    }
}

TEST_CASE("job_flow: errors say how often the failing request was sent and for how long") {
    scripted_transport t;
    for (int i = 0; i < 3; ++i) t.then(method::post, "/extract", transport_error(errc::connect_failed));
    auto c = test_config();
    c.policies.submit.max_attempts = 3;
    auto m = make(c);
    time_point now = t0();
    auto r = drive(m, t, now);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == errc::connect_failed);
    CHECK(r.error().attempts == 3);
    CHECK(r.error().elapsed == std::chrono::duration_cast<std::chrono::milliseconds>(now - t0()));
    CHECK(r.error().elapsed.count() > 0);
    CHECK(r.error().to_string().find("[3 attempts over ") != std::string::npos);
    // A job that failed on the server is not a request that failed: no attempt count.
    scripted_transport t2;
    t2.then(method::post, "/extract", submitted()).then(method::get, "/job/job-1", poll("failed", R"(,"error":"boom")"));
    auto m2 = make();
    auto r2 = drive(m2, t2, now);
    REQUIRE_FALSE(r2.has_value());
    CHECK(r2.error().attempts == 0);
}

TEST_CASE("job_flow: a rejected certificate or a failed proxy is never retried") {
    for (errc code : {errc::tls_verification_failed, errc::proxy_failed}) {
        CAPTURE(pulse::to_string(code));
        scripted_transport t;
        t.then(method::get, "/job/j", transport_error(code));
        auto m = attach("j");
        time_point now = t0();
        auto r = drive(m, t, now);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == code);
        CHECK(t.finished()); // one request, no retry
        CHECK(now == t0());
    }
}

TEST_CASE("job_flow: a submission machine ends with the job's handle") {
    scripted_transport t;
    t.then(method::post, "/extract", submitted());
    auto m = pulse::flow::make_extract_flow<pulse::job_handle>(test_config(), url_doc(), {}, 1);
    REQUIRE(m.has_value());
    time_point now = t0();
    auto r = drive(*m, t, now);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    CHECK(r->id == "job-1");
    CHECK(r->kind == pulse::job_kind::extract);
    CHECK(r->api == "https://api.runpulse.com");
    CHECK(t.finished()); // no poll
}
