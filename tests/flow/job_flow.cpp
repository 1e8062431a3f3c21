// job_flow<T>: every path of the machine (submit, poll, download, cancel, retries, deadline), driven
// by a scripted transport on simulated time. Most cases go through the extraction entry points,
// which exercise every phase. Cases that differ only in their script and in how the run ends are
// rows of tables (struct run_row, run by run_rows: one SUBCASE per row, named by the row).
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

using ms = std::chrono::milliseconds;
using waits = std::vector<ms>;

constexpr char key[] = "sk-test-SECRET-KEY";

pulse::config test_config() {
    auto c = exact_config(key);
    c.base_url = "https://api.runpulse.com";
    return c;
}

pulse::document url_doc() { return pulse::url("https://files.example/doc.pdf"); }

pulse::flow::extract_flow make(pulse::config const& c = test_config(), delivery out = {}) {
    return made(pulse::flow::make_extract_flow(c, url_doc(), {}, 42, out));
}

pulse::flow::extract_flow attach(std::string id, pulse::config const& c = test_config(), delivery out = {}) {
    return made(pulse::flow::make_attach_flow(c, pulse::job_handle{std::move(id)}, 42, out));
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
std::string const large_url = "https://api.runpulse.com/large_results/j";

/// A 204 without a body.
reply no_content() {
    reply r;
    r.status = 204;
    return r;
}

/// A copy of `body` in chunks of `n` bytes that breaks with `fail` after the first `keep` chunks.
reply broken(std::string const& body, std::size_t n, std::size_t keep, errc fail = errc::connection_reset) {
    reply r = json_chunked(200, body, n);
    r.chunks.resize(keep);
    r.fail = fail;
    return r;
}

/// `n` times the same step.
std::vector<step> times(int n, step const& s) { return std::vector<step>(static_cast<std::size_t>(n), s); }

/// Scripts one after the other.
std::vector<step> join(std::initializer_list<std::vector<step>> parts) {
    std::vector<step> all;
    for (auto const& p : parts) all.insert(all.end(), p.begin(), p.end());
    return all;
}

// ---- the table runner ------------------------------------------------------------------------------

/// Where a row's machine starts: attached to the existing job "j" (it polls GET /job/j at once), or
/// submitting a document (POST /extract, then polls of the job the answer names, job-1).
enum class from : unsigned char { attach, submit };

/// What a row's run left behind, for the checks only that row makes.
struct ran {
    pulse::flow::extract_flow const& m;
    session const& s;
    pulse::result<pulse::extract_result> const& r;
    memory_sink const& sink;
};

/// One run of the machine, start to end: how it starts, what the transport answers, how it ends.
struct run_row {
    std::string name = {};
    from start = from::attach;
    void (*tune)(pulse::config&) = nullptr; ///< changes to test_config()
    std::vector<step> script = {};
    outcome want = {};
    std::optional<waits> waited = {};   ///< every wait the machine asked for, in order
    std::optional<std::size_t> sent = {}; ///< how many requests went out
    bool whole_script = true;           ///< every step of the script was asked for
    bool tee = false;                   ///< the raw bytes go to a memory_sink too (delivery{&sink, true})
    std::size_t sink_stops_after = std::string::npos; ///< the sink asks to stop after this many bytes
    /// m.cancel() just before chunk `second` of step `first` is delivered.
    std::optional<std::pair<std::size_t, std::size_t>> cancel_at = {};
    bool cancel_on_poll = false; ///< m.cancel() from the observer's on_poll
    std::optional<std::chrono::system_clock::time_point> wall = {}; ///< the driver's wall clock at t0
    std::function<void(ran const&)> also = {}; ///< the checks only this row makes
};

void run_rows(std::vector<run_row> const& rows) {
    for_each_row(rows, [](run_row const& row) {
        auto c = test_config();
        if (row.tune) row.tune(c);
        memory_sink sink;
        sink.abort_after = row.sink_stops_after;
        auto const out = row.tee ? delivery{&sink, true} : delivery{};
        auto m = row.start == from::submit ? make(c, out) : attach("j", c, out);
        session s(row.script);
        if (row.cancel_at) {
            reply& a = s.t.script.at(row.cancel_at->first).answer;
            a.hook = [&m] { m.cancel(); };
            a.hook_at = row.cancel_at->second;
        }
        if (row.cancel_on_poll) {
            pulse::progress_observer obs;
            obs.on_poll = [&m](unsigned) { m.cancel(); };
            m.set_observer(obs);
        }
        auto const r = s.run(m, row.wall);
        check_outcome(r, row.want);
        if (row.waited) CHECK(s.tr.waits == *row.waited);
        if (row.sent) CHECK(s.t.log.size() == *row.sent);
        if (row.whole_script) CHECK(s.t.finished());
        if (row.also) row.also(ran{m, s, r, sink});
    });
}

} // namespace

// ---- the happy paths -----------------------------------------------------------------------------

TEST_CASE("job_flow: async submission (200), pending -> processing -> completed inline") {
    session s({post("/extract", submitted(200)), get("/job/job-1", poll("pending")), get("/job/job-1", poll("processing")),
               get("/job/job-1", completed_inline())});
    auto m = make();
    std::vector<std::string> statuses;
    std::string id;
    unsigned polls = 0;
    pulse::progress_observer obs;
    obs.on_job_id = [&](std::string_view j) { id = j; };
    obs.on_status = [&](pulse::job_status const& st) { statuses.push_back(st.str()); };
    obs.on_poll = [&](unsigned n) { polls = n; };
    m.set_observer(obs);
    auto r = s.run(m);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    CHECK(*r->markdown == "# Hello");
    CHECK(*r->page_count == 2);
    CHECK(s.t.finished());
    CHECK(id == "job-1");
    CHECK(statuses == std::vector<std::string>{"pending", "processing", "completed"});
    CHECK(polls == 3);
    CHECK(m.poll_count() == 3);
    // first poll after 1 s, then 1 s, 1.5 s (x1.5 backoff, no jitter in this config)
    CHECK(s.tr.waits == waits{1000ms, 1000ms, 1500ms});
    // the submission is async=true, JSON with file_url, key and source header sent
    auto const& sub = s.t.log[0];
    CHECK(sub.headers.find("x-api-key") == std::optional<std::string_view>(key));
    CHECK(sub.headers.find("X-Pulse-Source") == std::optional<std::string_view>("sdk-cpp"));
    CHECK(sub.headers.find("content-type") == std::optional<std::string_view>("application/json"));
    CHECK(sub.body.find(R"("async":true)") != std::string::npos);
    CHECK(sub.body.find(R"("file_url":"https://files.example/doc.pdf")") != std::string::npos);
    CHECK(s.t.log[1].headers.find("x-api-key") == std::optional<std::string_view>(key));
}

TEST_CASE("job_flow: the answer to the submission -- 202 Accepted, or a synchronous answer (no job_id)") {
    run_rows({
        {.name = "async, answered 202 Accepted", .start = from::submit,
         .script = {post("/extract", submitted(202)), get("/job/job-1", completed_inline("x"))},
         .also = [](ran const& x) { CHECK(*x.r->markdown == "x"); }},
        {.name = "synchronous: the result itself", .start = from::submit,
         .script = {post("/extract", json(200, R"({"markdown":"sync","page_count":1})"))},
         .waited = waits{}, // no waiting at all
         .also = [](ran const& x) {
             CHECK(*x.r->markdown == "sync");
             CHECK(x.m.job_id().empty());
         }},
        {.name = "synchronous: a large-result pointer", .start = from::submit,
         .script = {post("/extract", json(200, R"({"is_url":true,"url":"https://api.runpulse.com/large_results/abc"})")),
                    get("/large_results/abc", json(200, large_body))},
         .also = [](ran const& x) { CHECK(*x.r->markdown == "# Large"); }},
        {.name = "synchronous: not an object", .start = from::submit, .script = {post("/extract", json(200, R"([1,2])"))},
         .want = {.code = errc::unexpected_shape}},
        {.name = "synchronous: an empty 2xx body", .start = from::submit, .script = {post("/extract", no_content())},
         .want = {.code = errc::json_syntax}},
    });
}

TEST_CASE("job_flow: attach mode polls an existing job at once") {
    session s({get("/job/existing-42", poll("processing")), get("/job/existing-42", completed_inline())});
    auto m = attach("existing-42");
    std::string id;
    pulse::progress_observer obs;
    obs.on_job_id = [&](std::string_view j) { id = j; };
    m.set_observer(obs);
    auto r = s.run(m);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    CHECK(id == "existing-42");
    CHECK(s.t.log[0].at == t0()); // no initial wait when resuming
    CHECK(s.tr.waits == waits{1000ms});
}

TEST_CASE("job_flow: the job id is ONE percent-encoded path segment") {
    session s({get("/job/a%2F..%2Fb%3Fx%3D1%23f", completed_inline())});
    auto m = attach("a/../b?x=1#f");
    auto r = s.run(m);
    CHECK_MESSAGE(r.has_value(), err_text(r));
    for (char const* bad : {"", ".", ".."}) {
        auto bad_m = pulse::flow::make_attach_flow(test_config(), pulse::job_handle{bad}, 1);
        REQUIRE(!bad_m.has_value());
        CHECK(bad_m.error().code == errc::invalid_argument);
    }
}

// ---- every status ----------------------------------------------------------------------------------

TEST_CASE("job_flow: unknown statuses keep polling") {
    session s({get("/job/j", poll("queued_for_gpu")), get("/job/j", poll("warming-up")), get("/job/j", completed_inline())});
    auto m = attach("j");
    std::vector<std::string> statuses;
    pulse::progress_observer obs;
    obs.on_status = [&](pulse::job_status const& st) { statuses.push_back(st.str()); };
    m.set_observer(obs);
    auto r = s.run(m);
    CHECK_MESSAGE(r.has_value(), err_text(r));
    CHECK(statuses == std::vector<std::string>{"queued_for_gpu", "warming-up", "completed"});
}

TEST_CASE("job_flow: how a job that ends on the server ends the run") {
    struct ending {
        char const* status;
        char const* extra;
        errc code;
        char const* text;
    };
    ending const terminal[] = {
        {"failed", R"(,"error":"PDF is encrypted")", errc::job_failed, "PDF is encrypted"},
        {"failed", R"(,"message":"fallback text")", errc::job_failed, "fallback text"},
        {"failed", "", errc::job_failed, "the job failed"},
        {"canceled", "", errc::job_canceled, "canceled"},
        {"cancelled", R"(,"message":"Job cancelled successfully")", errc::job_canceled, "Job cancelled successfully"},
        {"expired", "", errc::job_expired, "run it again"},
    };
    std::vector<run_row> rows;
    for (auto const& e : terminal)
        rows.push_back({.name = std::string(e.status) + e.extra,
                        .script = {get("/job/j", poll("pending")), get("/job/j", poll(e.status, e.extra))},
                        .want = {.code = e.code, .layer = pulse::error_layer::job, .says = {e.text}}});
    rows.push_back({.name = "a job error that echoes the key is redacted",
                    .script = {get("/job/j", poll("failed", R"(,"error":"bad key sk-test-SECRET-KEY used")"))},
                    .want = {.code = errc::job_failed, .says = {"[redacted]"}, .never_says = {key}}});
    rows.push_back({.name = "completed without a result", .script = {get("/job/j", poll("completed", R"(,"result":null)"))},
                    .want = {.code = errc::missing_member, .path = "result"}});
    run_rows(rows);
}

// ---- poll: HTTP statuses and transport errors ------------------------------------------------------

TEST_CASE("job_flow: poll answers -- fatal at once, retried, a grace for 404, retries that run out") {
    auto const grace_window_500ms = [](pulse::config& c) { c.policies.poll.not_found.window = 500ms; };
    std::vector<run_row> rows;
    for (int status : {401, 403})
        rows.push_back({.name = "fatal at once: HTTP " + std::to_string(status),
                        .script = {get("/job/j", json(status, R"({"error":{"code":"AUTH_002","message":"Invalid API key"}})"))},
                        .want = {.code = status == 401 ? errc::unauthorized : errc::forbidden, .http_status = status,
                                 .api_code = "AUTH_002", .says = {"Invalid API key"}},
                        .sent = 1});
    for (int status : {400, 405, 409, 418})
        rows.push_back({.name = "fatal: HTTP " + std::to_string(status),
                        .script = {get("/job/j", json(status, R"({"error":{"code":"REQ_003","message":"nope"}})"))},
                        .want = {.code = status == 400 ? errc::bad_request : errc::http_status},
                        .sent = 1});
    for (errc code : {errc::tls_verification_failed, errc::proxy_failed})
        rows.push_back({.name = "never retried: " + std::string(pulse::to_string(code)), .script = {get("/job/j", transport_error(code))},
                        .want = {.code = code}, .waited = waits{}});

    // 404 right after the submission gets a grace, then is fatal.
    rows.push_back({.name = "404 in the grace window, then the job appears", .start = from::submit,
                    .script = {post("/extract", submitted()), get("/job/job-1", json(404, R"({"error":{"code":"JOB_404","message":"no such job"}})")),
                               get("/job/job-1", json(404, "{}")), get("/job/job-1", completed_inline())}});
    rows.push_back({.name = "404 in the grace window, and it never appears (1 + 3 grace retries)", .start = from::submit,
                    .script = join({{post("/extract", submitted())}, times(4, get("/job/job-1", json(404, R"({"error":{"message":"no such job"}})")))}),
                    .want = {.code = errc::not_found}});
    rows.push_back({.name = "404 outside the grace window is fatal at once", .start = from::submit, .tune = grace_window_500ms,
                    .script = {post("/extract", submitted()), get("/job/job-1", json(404, "{}"))}, // the first poll is 1 s after the submission
                    .want = {.code = errc::not_found}});

    // 408/429/5xx and transport errors are retried; backoff_policy{} default: the first retry waits 1 s.
    for (auto const& f : {json(408, "{}"), json(429, "{}"), json(500, "{}"), json(502, "<html>bad gateway</html>"), json(503, "{}"),
                          json(504, "{}"), transport_error(errc::connection_reset), transport_error(errc::timeout),
                          transport_error(errc::connect_failed)})
        rows.push_back({.name = "retried: " + (f.fail ? std::string(pulse::to_string(*f.fail)) : "HTTP " + std::to_string(f.status)),
                        .script = {get("/job/j", poll("pending")), get("/job/j", f), get("/job/j", completed_inline())},
                        .waited = waits{1000ms, 1000ms}});

    // The retries run out.
    rows.push_back({.name = "5xx until the retries run out", .script = times(8, get("/job/j", json(503, R"({"error":"overloaded"})"))),
                    .want = {.code = errc::server_error, .http_status = 503, .says = {"overloaded"}},
                    .waited = waits{1000ms, 2000ms, 4000ms, 8000ms, 15000ms, 15000ms, 15000ms}}); // exponential, capped at 15 s
    rows.push_back({.name = "429 until the retries run out", .script = times(8, get("/job/j", json(429, "{}"))),
                    .want = {.code = errc::rate_limited}});
    rows.push_back({.name = "transport errors until the retries run out",
                    .script = times(8, get("/job/j", transport_error(errc::connection_reset))),
                    .want = {.code = errc::connection_reset, .layer = pulse::error_layer::transport}});
    rows.push_back({.name = "a successful poll resets the count of consecutive failures",
                    .script = join({times(7, get("/job/j", json(500, "{}"))), {get("/job/j", poll("processing"))},
                                    times(7, get("/job/j", json(500, "{}"))), {get("/job/j", completed_inline())}})});
    run_rows(rows);
}

// ---- Retry-After --------------------------------------------------------------------------------------

// A Date header outside what system_clock can hold (years before ~1678 or after ~2262; HTTP-dates go
// from 0000 to 9999) would overflow if it were taken as the reference time for a Retry-After date.
// A Retry-After of up to milliseconds::max() (what parse_retry_after accepts) added as it is to the
// nanosecond steady clock would overflow too (undefined behaviour; in practice a wake time far in
// the past, so the request would be retried at once).
TEST_CASE("job_flow: Retry-After -- each form, the wall clock, the deadline, values no clock can hold") {
    auto const date_header = "Sun, 06 Nov 2033 08:49:37 GMT";
    auto const date_plus_20 = "Sun, 06 Nov 2033 08:49:57 GMT";
    // wall clock at t0 = 2033-11-06 08:49:37 UTC
    auto const wall = std::chrono::sys_days{std::chrono::year{2033} / 11 / 6} + std::chrono::hours{8} + std::chrono::minutes{49} +
                      std::chrono::seconds{37};
    auto const deadline_60s = [](pulse::config& c) { c.policies.deadline = 60s; };
    auto const no_deadline = [](pulse::config& c) { c.policies.deadline = 0s; };
    struct form {
        char const* name;
        reply r;
        ms expect;
    };
    std::vector<form> const forms = {
        {"seconds", json(429, "{}").header("Retry-After", "7"), 7000ms},
        {"retry-after-ms", json(503, "{}").header("retry-after-ms", "2500"), 2500ms},
        {"both: the longer", json(503, "{}").header("Retry-After", "3").header("retry-after-ms", "4200"), 4200ms},
        {"HTTP-date against the Date header", json(503, "{}").header("Date", date_header).header("Retry-After", date_plus_20), 20000ms},
        {"shorter than the backoff: the backoff wins", json(503, "{}").header("Retry-After", "0"), 1000ms},
        {"garbage is ignored", json(503, "{}").header("Retry-After", "soon"), 1000ms},
    };
    std::vector<run_row> rows;
    for (auto const& f : forms)
        rows.push_back({.name = f.name, .script = {get("/job/j", f.r), get("/job/j", completed_inline())}, .waited = waits{f.expect}});
    rows.push_back({.name = "HTTP-date without a Date header: the driver's wall clock",
                    .script = {get("/job/j", json(429, "{}").header("Retry-After", "Sun, 06 Nov 2033 08:50:07 GMT")),
                               get("/job/j", completed_inline())},
                    .waited = waits{30000ms}, .wall = std::chrono::system_clock::time_point(wall)});
    for (auto const* date : {"Fri, 01 Jan 2300 00:00:00 GMT", "Sun, 06 Nov 0051 08:49:37 GMT"})
        rows.push_back({.name = std::string("a Date header the wall clock cannot hold is ignored: ") + date,
                        .script = {get("/job/j", json(503, "{}").header("Date", date).header("Retry-After", "Fri, 01 Jan 2300 00:00:20 GMT")),
                                   get("/job/j", completed_inline())},
                        .waited = waits{1000ms}}); // no wall clock given: without a usable Date, dates are ignored; the backoff alone
    rows.push_back({.name = "on a pending answer it lengthens the poll interval",
                    .script = {get("/job/j", poll("pending").header("Retry-After", "5")), get("/job/j", completed_inline())},
                    .waited = waits{5000ms}});
    rows.push_back({.name = "past the deadline it ends the operation at once, keeping the last answer", .tune = deadline_60s,
                    .script = {get("/job/j", json(429, R"({"error":{"code":"RATE","message":"slow down"}})").header("Retry-After", "3600"))},
                    .want = {.code = errc::deadline_exceeded, .http_status = 429, .api_code = "RATE", .says = {"slow down"}},
                    .waited = waits{}});
    std::pair<char const*, reply> const huge[] = {{"retry-after-ms", json(429, "{}").header("retry-after-ms", "9223372036854775806")},
                                                  {"Retry-After", json(503, "{}").header("Retry-After", "9223372036854775")}};
    for (auto const& [field, answer] : huge)
        rows.push_back({.name = std::string("a huge value does not overflow the clock: ") + field, .tune = deadline_60s,
                        .script = {get("/job/j", answer), get("/job/j", completed_inline())},
                        .want = {.code = errc::deadline_exceeded}, // not retried at once
                        .waited = waits{}, .whole_script = false});
    // Without a deadline the machine waits as long as the clock can count, never into the past.
    rows.push_back({.name = "a huge value without a deadline: a wait as long as the clock can count", .tune = no_deadline,
                    .script = {get("/job/j", poll("pending").header("retry-after-ms", "9223372036854775806")), get("/job/j", completed_inline())},
                    .also = [](ran const& x) {
                        REQUIRE(x.s.tr.waits.size() == 1);
                        CHECK(x.s.tr.waits[0] > std::chrono::hours{24 * 365 * 100});
                    }});
    run_rows(rows);
}

// ---- deadline -------------------------------------------------------------------------------------------

TEST_CASE("job_flow: the deadline") {
    run_rows({
        {.name = "exceeded while the job stays pending", .tune = [](pulse::config& c) { c.policies.deadline = 10s; },
         .script = times(7, get("/job/j", poll("processing"))),
         .want = {.code = errc::deadline_exceeded, .layer = pulse::error_layer::local, .says = {"processing"}},
         .sent = 6, .whole_script = false,
         .also = [](ran const& x) {
             // polls at 0, 1, 2.5, 4.75, 8.125 s, then the last one exactly at the deadline (10 s)
             CHECK(x.s.t.log.back().at == t0() + 10s);
             CHECK(x.s.now == t0() + 10s);
         }},
        {.name = "none when it is zero", .tune = [](pulse::config& c) { c.policies.deadline = 0ms; },
         .script = join({times(300, get("/job/j", poll("processing"))), {get("/job/j", completed_inline())}}),
         .also = [](ran const& x) { CHECK(x.s.now - t0() > std::chrono::minutes{30}); }},
    });
}

// ---- submit ---------------------------------------------------------------------------------------------

TEST_CASE("job_flow: the submission -- what is retried, what is kept of an error") {
    auto const submission_then_done = [](reply first) {
        return std::vector<step>{post("/extract", std::move(first)), post("/extract", submitted()), get("/job/job-1", completed_inline())};
    };
    struct fault {
        reply r;
        errc code;
    };
    std::vector<run_row> rows;
    // NOT retried on 5xx or timeouts: the job may exist already.
    for (auto const& f : {fault{json(500, R"({"error":{"code":"GENERAL_001","message":"boom"}})"), errc::server_error},
                          fault{json(502, "{}"), errc::server_error}, fault{json(503, "{}").header("Retry-After", "1"), errc::server_error},
                          fault{json(408, "{}"), errc::http_status}, fault{transport_error(errc::timeout), errc::timeout},
                          fault{transport_error(errc::connection_reset), errc::connection_reset},
                          fault{transport_error(errc::body_truncated), errc::body_truncated}})
        rows.push_back({.name = "not retried: " + (f.r.fail ? std::string(pulse::to_string(*f.r.fail)) : "HTTP " + std::to_string(f.r.status)),
                        .start = from::submit, .script = {post("/extract", f.r)}, .want = {.code = f.code}, .sent = 1});
    // IS retried on 429 and on failures before the request left.
    for (auto const& f : {json(429, "{}"), transport_error(errc::resolve_failed), transport_error(errc::connect_failed),
                          transport_error(errc::tls_failed)})
        rows.push_back({.name = "retried: " + (f.fail ? std::string(pulse::to_string(*f.fail)) : "HTTP " + std::to_string(f.status)),
                        .start = from::submit, .script = submission_then_done(f)});
    rows.push_back({.name = "retried on 429 until the budget runs out", .start = from::submit,
                    .script = times(4, post("/extract", json(429, "{}").header("Retry-After", "2"))),
                    .want = {.code = errc::rate_limited}, .waited = waits{2000ms, 2000ms, 4000ms}});
    rows.push_back({.name = "retry_submission_on_server_error opts in to retrying 5xx", .start = from::submit,
                    .tune = [](pulse::config& c) { c.policies.retry_submission_on_server_error = true; },
                    .script = join({{post("/extract", json(500, "{}"))}, submission_then_done(transport_error(errc::timeout))})});
    rows.push_back(
        {.name = "an error keeps status, API code, message and a body excerpt, without the key", .start = from::submit,
         .script = {post("/extract",
                         json(400, R"({"error":{"code":"REQ_001","message":"No file or URL provided","details":{"echo":"x-api-key: sk-test-SECRET-KEY"}}})"))},
         .want = {.code = errc::bad_request, .http_status = 400, .api_code = "REQ_001", .says = {"No file or URL provided", "POST /extract"}},
         .also = [](ran const& x) {
             auto const& e = x.r.error();
             CHECK(e.body.find("REQ_001") != std::string::npos);
             CHECK(e.body.find(key) == std::string::npos);
             CHECK(e.to_string().find(key) == std::string::npos);
         }});
    struct other {
        int status;
        errc code;
    };
    for (auto const& o : {other{401, errc::unauthorized}, other{403, errc::forbidden}, other{404, errc::not_found},
                          other{413, errc::bad_request}, other{422, errc::bad_request}, other{301, errc::http_status}})
        rows.push_back({.name = "other statuses: HTTP " + std::to_string(o.status), .start = from::submit,
                        .script = {post("/extract", json(o.status, "not json at all"))},
                        .want = {.code = o.code, .says = {"not json at all"}}, .sent = 1});
    rows.push_back({.name = "a huge error body is read up to the cap and the transfer stopped", .start = from::submit,
                    .tune = [](pulse::config& c) {
                        c.limits.max_error_body_bytes = 100;
                        c.limits.error_excerpt_bytes = 40;
                    },
                    .script = {post("/extract",
                                    [] {
                                        reply big;
                                        big.status = 500;
                                        for (int i = 0; i < 1000; ++i) big.chunks.push_back(std::string(64, 'x'));
                                        return big;
                                    }())},
                    .want = {.code = errc::server_error},
                    .also = [](ran const& x) { CHECK(x.r.error().body.size() == 40); }});
    run_rows(rows);
}

// ---- decode errors and caps --------------------------------------------------------------------------

TEST_CASE("job_flow: malformed and wrong-shape bodies are decode errors with paths; bodies over the caps") {
    run_rows({
        {.name = "malformed poll JSON", .script = {get("/job/j", json(200, R"({"job_id":"j","status":"pend)"))},
         .want = {.code = errc::json_syntax, .says = {"poll GET /job/j"}}},
        {.name = "poll answer of the wrong shape", .script = {get("/job/j", json(200, R"({"job_id":"j","status":7})"))},
         .want = {.code = errc::type_mismatch, .path = "status"}},
        {.name = "inline result of the wrong shape: the path starts at result",
         .script = {get("/job/j", poll("completed", R"(,"result":{"markdown":"m","bounding_boxes":{"Text":[{},{},{},{"page_number":"3"}]}})"))},
         .want = {.code = errc::type_mismatch, .path = "result.bounding_boxes.Text[3].page_number"},
         .also = [](ran const& x) { CHECK(x.r.error().to_string().find("expected integer, got string") != std::string::npos); }},
        {.name = "submission answer with a job id of the wrong type", .start = from::submit,
         .script = {post("/extract", json(200, R"({"job_id":12})"))}, .want = {.code = errc::type_mismatch, .path = "job_id"}},
        {.name = "large-result pointer without a url", .script = {get("/job/j", poll("completed", R"(,"result":{"is_url":true})"))},
         .want = {.code = errc::missing_member, .path = "result.url"}},
        {.name = "large-result pointer with an unusable url",
         .script = {get("/job/j", poll("completed", R"(,"result":{"is_url":true,"url":"ftp://x/y"})"))},
         .want = {.code = errc::invalid_value, .path = "result.url"}},
        {.name = "downloaded large result of the wrong shape",
         .script = {get("/job/j", completed_pointer(large_url)),
                    get("/large_results/j", json_chunked(200, R"({"markdown":"m","page_count":"many"})", 5))},
         .want = {.code = errc::type_mismatch, .path = "page_count"}},
        {.name = "downloaded large result truncated",
         .script = {get("/job/j", completed_pointer(large_url)), get("/large_results/j", json(200, R"({"markdown":"m","pa)"))},
         .want = {.code = errc::json_syntax}},
        {.name = "an answer over max_answer_bytes", .tune = [](pulse::config& c) { c.limits.max_answer_bytes = 64; },
         .script = {get("/job/j",
                        json_chunked(200, poll("completed", R"(,"result":{"markdown":")" + std::string(200, 'a') + "\"}").chunks[0], 16))},
         .want = {.code = errc::body_too_large}},
        {.name = "a large result over max_result_bytes (typed only: the transfer stops)",
         .tune = [](pulse::config& c) { c.limits.max_result_bytes = 20; },
         .script = {get("/job/j", completed_pointer(large_url)), get("/large_results/j", json_chunked(200, large_body, 8))},
         .want = {.code = errc::body_too_large}},
        {.name = "nesting over max_json_depth", .tune = [](pulse::config& c) { c.limits.max_json_depth = 8; },
         .script = {get("/job/j", poll("completed", R"(,"result":{"markdown":"m","extra":[[[[[[[[[[1]]]]]]]]]]})"))},
         .want = {.code = errc::too_deep}},
    });
}

// ---- large results ---------------------------------------------------------------------------------------

TEST_CASE("job_flow: large result on the API origin gets the key; plan_info is copied from the pointer") {
    session s({get("/job/j", completed_pointer(large_url)), get(large_url, json_chunked(200, large_body, 7))});
    auto m = attach("j");
    std::uint64_t seen = 0;
    pulse::progress_observer obs;
    obs.on_download = [&](std::uint64_t n, std::optional<std::uint64_t>) { seen = n; };
    m.set_observer(obs);
    auto r = s.run(m);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    CHECK(*r->markdown == "# Large");
    REQUIRE(r->plan_info.has_value());
    CHECK(*r->plan_info->tier == "growth");
    CHECK(*r->plan_info->pages_used == 7);
    CHECK(s.t.log[1].headers.find("x-api-key") == std::optional<std::string_view>(key));
    CHECK(seen == large_body.size());
    CHECK(s.now == t0()); // no wait between the poll and the download
}

TEST_CASE("job_flow: the large-result download -- whose headers, which plan_info, what is retried") {
    auto const pointer_then = [](std::initializer_list<reply> downloads) {
        std::vector<step> script{get("/job/j", completed_pointer(large_url))};
        for (auto const& d : downloads) script.push_back(get("/large_results/j", d));
        return script;
    };
    std::vector<run_row> rows;
    rows.push_back({.name = "the downloaded body's own plan_info wins over the pointer's",
                    .script = pointer_then({json(200, R"({"markdown":"m","plan_info":{"tier":"body"}})")}),
                    .also = [](ran const& x) { CHECK(*x.r->plan_info->tier == "body"); }});
    for (char const* url : {"https://pulse-results.s3.amazonaws.com/results/j.json?X-Amz-Signature=abc",
                            "https://api.runpulse.com@evil.example/large_results/j", "https://api.runpulse.com:8443/large_results/j",
                            "http://api.runpulse.com/large_results/j", "https://api.runpulse.com.evil.example/large_results/j",
                            "https://evil.example/large_results/j#@api.runpulse.com"})
        rows.push_back({.name = std::string("the key is withheld from another origin: ") + url,
                        .tune = [](pulse::config& c) { c.extra_headers.set("X-Org-Secret", "s2"); },
                        .script = {get("/job/j", completed_pointer(url)), get(url, json(200, large_body))},
                        .also = [](ran const& x) {
                            auto const& log = x.s.t.log;
                            REQUIRE(log.size() == 2);
                            CHECK(log[0].headers.contains("x-api-key"));
                            CHECK(log[0].headers.contains("X-Org-Secret"));
                            CHECK_FALSE(log[1].headers.contains("x-api-key"));
                            CHECK_FALSE(log[1].headers.contains("X-Org-Secret"));
                            CHECK_FALSE(log[1].headers.contains("X-Pulse-Source"));
                        }});
    rows.push_back({.name = "the key goes to the home origin however it is spelled",
                    .script = {get("/job/j", completed_pointer("HTTPS://API.RUNPULSE.COM:443/large_results/j")),
                               get("/large_results/j", json(200, large_body))},
                    .also = [](ran const& x) {
                        CHECK(x.s.t.log[1].url == "HTTPS://API.RUNPULSE.COM:443/large_results/j");
                        CHECK(x.s.t.log[1].headers.contains("x-api-key"));
                    }});
    // 410 and 404 are distinct, and neither is retried.
    rows.push_back({.name = "410", .script = pointer_then({json(410, R"({"error":{"code":"GONE","message":"Result already retrieved"}})")}),
                    .want = {.code = errc::gone, .api_code = "GONE", .says = {"already downloaded or has expired"}}});
    rows.push_back({.name = "404", .script = pointer_then({json(404, R"({"error":{"code":"GONE","message":"Result already retrieved"}})")}),
                    .want = {.code = errc::not_found}});
    // Failures before any byte reached the caller are retried.
    rows.push_back({.name = "retried: 5xx", .script = pointer_then({json(503, "{}").header("Retry-After", "2"), json(200, large_body)}),
                    .waited = waits{2000ms}});
    rows.push_back({.name = "retried: a transport failure mid-body, typed only (bytes reached only our decoder)",
                    .script = pointer_then({broken(large_body, 10, 2), json(200, large_body)}),
                    .also = [](ran const& x) { CHECK(*x.r->markdown == "# Large"); }});
    rows.push_back({.name = "a 410 after a failed attempt says so", .script = pointer_then({broken(large_body, 10, 1), json(410, "{}")}),
                    .want = {.code = errc::gone, .says = {"earlier attempt failed"}}});
    // Every status: retried then fine, or fatal at once; and for the retried ones, the retry
    // budget (4 attempts) running out.
    struct status_row {
        int status;
        bool retried;
        errc code;
    };
    for (auto const& a : {status_row{408, true, errc::http_status}, status_row{429, true, errc::rate_limited}, status_row{500, true, errc::server_error},
                          status_row{502, true, errc::server_error}, status_row{503, true, errc::server_error}, status_row{504, true, errc::server_error},
                          status_row{400, false, errc::bad_request}, status_row{401, false, errc::unauthorized}, status_row{403, false, errc::forbidden},
                          status_row{404, false, errc::not_found}, status_row{410, false, errc::gone}, status_row{302, false, errc::http_status}}) {
        auto const status = "HTTP " + std::to_string(a.status);
        if (a.retried) {
            rows.push_back({.name = status + " once: retried", .script = pointer_then({json(a.status, R"({"error":{"message":"x"}})"), json(200, large_body)})});
            rows.push_back({.name = status + " every time: the budget runs out",
                            .script = join({{get("/job/j", completed_pointer(large_url))}, times(4, get("/large_results/j", json(a.status, "{}")))}),
                            .want = {.code = a.code}});
        } else {
            rows.push_back({.name = status + " once: fatal", .script = pointer_then({json(a.status, R"({"error":{"message":"x"}})")}),
                            .want = {.code = a.code, .http_status = a.status}});
        }
    }
    run_rows(rows);
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
        session s({get("/job/j", completed_pointer(large_url)), get("/large_results/j", std::move(dl))});
        auto m = attach("j");
        auto r = s.run(m);
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

TEST_CASE("job_flow: the caller's sink -- tee, partial delivery, a sink that asks to stop") {
    std::string const garbage = R"({"markdown": 12, "and then": "much more text that is still delivered"})";
    run_rows({
        {.name = "a failure after bytes reached the caller's sink is partial_delivery, never retried",
         .script = {get("/job/j", completed_pointer(large_url)), get("/large_results/j", broken(large_body, 10, 2))}, // no third request
         .want = {.code = errc::partial_delivery, .bytes_delivered = 20,
                  .says = {"scripted transport failure mid-body", "single-use"},
                  .never_says = {"connection_reset"}}, // the cause's text, not the code name
         .tee = true,
         .also = [](ran const& x) {
             CHECK(x.sink.bytes == large_body.substr(0, 20));
             CHECK(x.sink.completes == 1);
             CHECK(x.sink.outcome == errc::partial_delivery);
         }},
        {.name = "tee: the typed result and the raw bytes",
         .script = {get("/job/j", completed_pointer(large_url)), get("/large_results/j", json_chunked(200, large_body, 3))},
         .tee = true,
         .also = [](ran const& x) {
             CHECK(*x.r->markdown == "# Large");
             CHECK(x.sink.bytes == large_body);
             CHECK(x.sink.heads == 1);
             CHECK(x.sink.outcome == errc::ok);
             CHECK(x.m.bytes_delivered() == large_body.size());
         }},
        {.name = "tee: bytes that do not decode still all reach the sink",
         .script = {get("/job/j", completed_pointer(large_url)),
                    get("/large_results/j", json_chunked(200, garbage, 4))},
         .want = {.code = errc::type_mismatch, .path = "markdown", .bytes_delivered = garbage.size()},
         .tee = true,
         .also = [garbage](ran const& x) { CHECK(x.sink.bytes == garbage); }},
        {.name = "the caller's sink asks to stop",
         .script = {get("/job/j", completed_pointer(large_url)), get("/large_results/j", json_chunked(200, large_body, 4))},
         .want = {.code = errc::aborted_by_sink, .bytes_delivered = 8}, .tee = true, .sink_stops_after = 5},
    });
}

// A transport that reports a second head (a 429) after body bytes reached the caller's sink must
// not make the machine retry the single-use download: the sink would receive the start of the body
// twice.
TEST_CASE("job_flow: a second response head in one transfer is a protocol error, not a new answer") {
    memory_sink sink;
    auto m = made(pulse::flow::make_large_result_download_from_url(test_config(), large_url, delivery{&sink, true}, 42));
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

TEST_CASE("job_flow: raw sink only -- large and inline results") {
    auto const raw = [](memory_sink& sink) {
        return made(pulse::flow::make_attach_flow<pulse::download_info>(test_config(), {"j"}, 1, delivery{&sink}));
    };
    SUBCASE("large") {
        memory_sink sink;
        session s({get("/job/j", completed_pointer(large_url)),
                   get("/large_results/j", json(200, large_body).header("Content-Length", std::to_string(large_body.size())))});
        auto m = raw(sink);
        auto r = s.run(m);
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
        session s({get("/job/j", completed_inline("in"))});
        auto m = raw(sink);
        auto r = s.run(m);
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

TEST_CASE("job_flow: cancel during a run -- remote_cancel's one DELETE /job/{id}, each phase's transfer aborted") {
    auto const remote = [](pulse::config& c) { c.remote_cancel = true; };
    auto const canceled = outcome{.code = errc::canceled};
    run_rows({
        {.name = "remote_cancel: accepted", .start = from::submit, .tune = remote,
         .script = {post("/extract", submitted()), get("/job/job-1", poll("processing")),
                    del("/job/job-1", json(200, R"({"job_id":"job-1","message":"Job cancelled successfully"})"))},
         .want = {.code = errc::canceled, .says = {"also canceled on the server"}}, .cancel_on_poll = true,
         .also = [](ran const& x) { CHECK(x.s.t.log.back().headers.contains("x-api-key")); }},
        {.name = "remote_cancel: refused -- still canceled, the failure noted, not retried", .tune = remote,
         .script = {get("/job/j", poll("processing")), del("/job/j", json(500, "{}"))},
         .want = {.code = errc::canceled, .says = {"HTTP 500"}}, .cancel_on_poll = true},
        {.name = "remote_cancel: not for a job that already finished (cancel during the download; no DELETE)", .tune = remote,
         .script = {get("/job/j", completed_pointer(large_url)), get("/large_results/j", json_chunked(200, large_body, 4))},
         .want = canceled, .cancel_at = std::pair<std::size_t, std::size_t>{1, 2}},
        {.name = "during the submission", .start = from::submit,
         .script = {post("/extract", json_chunked(200, R"({"job_id":"job-1","status":"pending"})", 5))},
         .want = canceled, .cancel_at = std::pair<std::size_t, std::size_t>{0, 1}},
        {.name = "during a poll, with remote cancel configured", .tune = remote,
         .script = {get("/job/j", poll("pending")), get("/job/j", json_chunked(200, R"({"job_id":"j","status":"processing"})", 4)),
                    del("/job/j", json(200, "{}"))},
         .want = canceled, .cancel_at = std::pair<std::size_t, std::size_t>{1, 3}},
        {.name = "during the download with a sink: bytes delivered are reported, the sink is told",
         .script = {get("/job/j", completed_pointer(large_url)), get("/large_results/j", json_chunked(200, large_body, 4))},
         .want = {.code = errc::canceled, .bytes_delivered = 12}, .tee = true,
         .cancel_at = std::pair<std::size_t, std::size_t>{1, 3},
         .also = [](ran const& x) { CHECK(x.sink.outcome == errc::canceled); }},
        {.name = "a transfer that completed before the cancel took effect is kept",
         .script = {get("/job/j", completed_pointer(large_url)), get("/large_results/j", json(200, large_body))},
         .cancel_at = std::pair<std::size_t, std::size_t>{1, 1}}, // after the last chunk
    });
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
    session s({get("/job/j", json(503, "{}")), get("/job/j", completed_inline())});
    auto m = attach("j");
    std::vector<pulse::retry_event> events;
    int status_seen = 0;
    pulse::progress_observer obs;
    obs.on_retry = [&](pulse::retry_event const& e) {
        events.push_back(e);
        status_seen = e.cause->http_status;
    };
    m.set_observer(obs);
    auto r = s.run(m);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    REQUIRE(events.size() == 1);
    CHECK(events[0].phase == pulse::request_phase::poll);
    CHECK(events[0].attempt == 1);
    CHECK(events[0].delay == 1000ms);
    CHECK(status_seen == 503);
}


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
    // The first poll answers `body`, and the machine takes it in.
    auto polled_to = [&](std::string body) {
        return [&submitted, body](pulse::flow::extract_flow& m, time_point& now) {
            submitted(m, now);
            until_send(m, now);
            answer(m, 200, body);
            m.next(now);
            return false;
        };
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
        {"done", false, polled_to(R"({"job_id":"job-1","status":"completed","result":{"markdown":"m"}})"), job_state::done,
         {errc::ok, "", false}},
        {"failed", false, polled_to(R"({"job_id":"job-1","status":"failed","error":"boom"})"), job_state::failed,
         {errc::job_failed, "boom", false}},
    };
    for_each_row(rows, [](row const& r) {
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
            return;
        }
        REQUIRE(a.kind == action_kind::failed);
        REQUIRE_FALSE(res.has_value());
        CHECK(res.error().code == r.expect.code);
        CHECK(m.state() == job_state::failed);
        if (*r.expect.note) CHECK(res.error().message.find(r.expect.note) != std::string::npos);
    });
}

TEST_CASE("job_flow: errors say how often the failing request was sent and for how long") {
    session s(times(3, post("/extract", transport_error(errc::connect_failed))));
    auto c = test_config();
    c.policies.submit.max_attempts = 3;
    auto m = make(c);
    auto r = s.run(m);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == errc::connect_failed);
    CHECK(r.error().attempts == 3);
    CHECK(r.error().elapsed == std::chrono::duration_cast<std::chrono::milliseconds>(s.now - t0()));
    CHECK(r.error().elapsed.count() > 0);
    CHECK(r.error().to_string().find("[3 attempts over ") != std::string::npos);
    // A job that failed on the server is not a request that failed: no attempt count.
    scripted_transport t2;
    t2.then(method::post, "/extract", submitted()).then(method::get, "/job/job-1", poll("failed", R"(,"error":"boom")"));
    auto m2 = make();
    auto r2 = drive(m2, t2, s.now);
    REQUIRE_FALSE(r2.has_value());
    CHECK(r2.error().attempts == 0);
}

TEST_CASE("job_flow: a submission machine ends with the job's handle") {
    session s({post("/extract", submitted())});
    auto m = made(pulse::flow::make_extract_flow<pulse::job_handle>(test_config(), url_doc(), {}, 1));
    auto r = s.run(m);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    CHECK(r->id == "job-1");
    CHECK(r->kind == pulse::job_kind::extract);
    CHECK(r->api == "https://api.runpulse.com");
    CHECK(s.t.finished()); // no poll
}
