// pulse/driver/client.hpp: every blocking call, with a scripted transport and a simulated clock (the
// client's Clock parameter), so nothing sleeps.
#include "../support/scripted.hpp"

#include <pulse/driver/client.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include "../support/temp_path.hpp"

using namespace pulse_test;
using pulse::errc;
using pulse::http::method;

namespace {

struct sim_clock {
    time_point* t;
    time_point now() const { return *t; }
    std::chrono::system_clock::time_point wall() const { return std::chrono::system_clock::time_point{}; }
    void sleep_until(time_point w, std::stop_token const&) const { *t = w; }
};

using test_client = pulse::client<scripted_transport&, sim_clock>;

pulse::config cfg() {
    pulse::config c;
    c.api_key = "client-key";
    c.seed = 7;
    return c;
}

std::filesystem::path temp(std::string const& name) {
    return pulse_test::temp_path("client-" + name);
}

std::string slurp(std::filesystem::path const& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// A client on a scripted transport and the simulated clock: what most tests here start from.
struct scripted_client {
    scripted_transport t;
    time_point now = t0();
    test_client c{cfg(), t, sim_clock{&now}};
};

std::string const result_json = R"({"markdown":"# Title","page_count":1})";

reply done_inline() { return poll("completed", ",\"result\":" + result_json); }
reply done_large() { return poll("completed", R"(,"result":{"is_url":true,"url":"https://api.runpulse.com/large_results/job-1"})"); }

} // namespace

TEST_CASE_FIXTURE(scripted_client, "client: extract(pulse::file) uploads the file and returns the result") {
    auto const file = temp("in.pdf");
    std::ofstream(file, std::ios::binary) << "%PDF-1.4 content";
    t.then(method::post, "/extract", json(200, R"({"job_id":"job-1","status":"pending"})"))
        .then(method::get, "/job/job-1", poll("processing"))
        .then(method::get, "/job/job-1", done_inline());
    std::vector<std::string> statuses;
    pulse::progress_observer obs;
    obs.on_status = [&](pulse::job_status const& s) { statuses.push_back(s.str()); };
    auto r = c.extract(pulse::file(file), {.options = {.pages = "1-2"}, .progress = obs});
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    CHECK(*r->markdown == "# Title");
    CHECK(t.log[0].body.find("%PDF-1.4 content") != std::string::npos);
    CHECK(t.log[0].headers.find("x-api-key") == std::optional<std::string_view>("client-key"));
    CHECK(t.log[0].body.find("1-2") != std::string::npos); // the call's options reached the request
    CHECK(statuses == std::vector<std::string>{"pending", "processing", "completed"});
    CHECK(now > t0());
    std::filesystem::remove(file);
}

TEST_CASE_FIXTURE(scripted_client, "client: extract(pulse::url), tee into a sink, raw to a file") {
    SUBCASE("typed") {
        t.then(method::post, "/extract", json(200, result_json));
        auto r = c.extract(pulse::url("https://f.example/x.pdf"));
        REQUIRE_MESSAGE(r.has_value(), err_text(r));
        CHECK(t.log[0].body.find("https://f.example/x.pdf") != std::string::npos);
    }
    SUBCASE("tee") {
        t.then(method::post, "/extract", json(200, R"({"job_id":"job-1"})"))
            .then(method::get, "/job/job-1", done_large())
            .then(method::get, "/large_results/job-1", json(200, result_json));
        pulse::http::string_sink s;
        auto r = c.extract(pulse::url("https://f/x"), {.sink = &s});
        REQUIRE_MESSAGE(r.has_value(), err_text(r));
        CHECK(s.body() == result_json);
        CHECK(*r->markdown == "# Title");
    }
    SUBCASE("to a file") {
        auto const out = temp("result.json");
        t.then(method::post, "/extract", json(200, R"({"job_id":"job-1"})"))
            .then(method::get, "/job/job-1", done_large())
            .then(method::get, "/large_results/job-1", json(200, result_json));
        auto r = c.extract_to_file(pulse::url("https://f/x"), out);
        REQUIRE_MESSAGE(r.has_value(), err_text(r));
        CHECK(r->bytes == result_json.size());
        CHECK(slurp(out) == result_json);
        std::filesystem::remove(out);
    }
}

TEST_CASE_FIXTURE(scripted_client, "client: files after failures -- an existing file is never clobbered; partial bytes kept beside it") {
    auto const out = temp("large.json");
    auto const partial = temp("large.json.partial");
    std::filesystem::remove(out);
    std::filesystem::remove(partial);
    auto leftovers = [&] {
        int n = 0;
        for (auto const& e : std::filesystem::directory_iterator(out.parent_path()))
            if (e.path().filename().string().rfind(out.filename().string() + ".pulse-", 0) == 0) ++n;
        return n;
    };
    SUBCASE("success: the file appears only at the end, no temporary left") {
        t.then(method::get, "/large_results/job-1", json(200, result_json));
        auto r = c.download_large_result("job-1", out);
        REQUIRE_MESSAGE(r.has_value(), err_text(r));
        CHECK(slurp(out) == result_json);
        CHECK(leftovers() == 0);
    }
    SUBCASE("410 after a first download: the first file stays as it was") {
        std::ofstream(out, std::ios::binary) << result_json;
        t.then(method::get, "/large_results/job-1", json(410, R"({"error":{"code":"GONE"}})"));
        auto r = c.download_large_result("job-1", out);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::gone);
        CHECK(slurp(out) == result_json);
        CHECK_FALSE(std::filesystem::exists(partial));
        CHECK(leftovers() == 0);
    }
    SUBCASE("410 with no earlier file: nothing left behind") {
        t.then(method::get, "/large_results/job-1", json(410, R"({"error":{"code":"GONE"}})"));
        auto r = c.download_large_result("job-1", out);
        REQUIRE(!r.has_value());
        CHECK_FALSE(std::filesystem::exists(out));
        CHECK(leftovers() == 0);
    }
    SUBCASE("partial delivery: the bytes that arrived are kept in <path>.partial") {
        std::ofstream(out, std::ios::binary) << "older";
        reply broken = json_chunked(200, result_json, 10);
        broken.chunks.resize(2);
        broken.fail = errc::connection_reset;
        t.then(method::get, "/large_results/job-1", broken);
        auto r = c.download_large_result("job-1", out);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::partial_delivery);
        CHECK(r.error().bytes_delivered == 20);
        CHECK(r.error().message.find(partial.string()) != std::string::npos);
        CHECK(slurp(partial) == result_json.substr(0, 20));
        CHECK(slurp(out) == "older");
        CHECK(leftovers() == 0);
    }
    SUBCASE("an unwritable path is a file_error before any request") {
        auto r = c.download_large_result("job-1", "/nonexistent-dir/x.json");
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::file_error);
        CHECK(r.error().path == "/nonexistent-dir/x.json");
        CHECK(t.log.empty());
    }
    std::filesystem::remove(out);
    std::filesystem::remove(partial);
}

TEST_CASE_FIXTURE(scripted_client, "client: large results by job id and by URL are two calls; nothing is guessed from the text") {
    auto const out = temp("by-url.json");
    t.then(method::get, "https://store.example/r/1.json", json(200, result_json))
        .then(method::get, "/large_results/job-2", json(200, result_json))
        .then(method::get, "/large_results/https%3A%2F%2Fx", json(404, "{}"));
    auto r = c.download_large_result_at("https://store.example/r/1.json", out);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    CHECK_FALSE(t.log[0].headers.contains("x-api-key"));
    auto typed = c.large_result("job-2");
    REQUIRE_MESSAGE(typed.has_value(), err_text(typed));
    CHECK(*typed->page_count == 1);
    CHECK(t.log[1].headers.contains("x-api-key"));
    // A job id that looks like a URL is still a job id: one path segment.
    auto id = c.large_result("https://x");
    REQUIRE(!id.has_value());
    CHECK(id.error().code == errc::not_found);
    // And a URL call refuses what is not an absolute http(s) URL.
    auto not_url = c.large_result_at("job-2");
    REQUIRE(!not_url.has_value());
    CHECK(not_url.error().code == errc::invalid_argument);
    std::filesystem::remove(out);
}

TEST_CASE_FIXTURE(scripted_client, "client: wait, status, cancel by handle") {
    t.then(method::get, "/job/old-job", done_inline())
        .then(method::get, "/job/old-job", poll("failed", R"(,"error":"boom")"))
        .then(method::delete_, "/job/old-job", json(200, R"({"job_id":"old-job","message":"Job cancelled successfully"})"));
    pulse::job_handle const old{"old-job"};
    auto w = c.wait(old);
    REQUIRE_MESSAGE(w.has_value(), err_text(w));
    auto j = c.status(old);
    REQUIRE_MESSAGE(j.has_value(), err_text(j));
    CHECK(j->status == pulse::job_status::value_type::failed);
    CHECK(*j->error == "boom");
    auto k = c.cancel(old);
    REQUIRE_MESSAGE(k.has_value(), err_text(k));
    CHECK(*k->message == "Job cancelled successfully");
}

TEST_CASE_FIXTURE(scripted_client, "client: forms, PDF and images") {
    t.then(method::post, "/form/fill", json(202, R"({"job_id":"f-job","status":"pending"})"))
        .then(method::get, "/job/f-job", poll("completed", R"(,"result":{"form_id":"F","fields_filled":3})"))
        .then(method::get, "/results/f-job/pdf", json(200, "%PDF-filled"))
        .then(method::get, "/results/f-job/images/fig%201.png", json(200, "PNGDATA"));
    auto f = c.form_fill(pulse::url("https://f/form.pdf"), {.options = {.instructions = "fill it"}});
    REQUIRE_MESSAGE(f.has_value(), err_text(f));
    CHECK(*f->fields_filled == 3);
    auto const pdf = temp("out.pdf");
    auto p = c.download_pdf("f-job", pdf);
    REQUIRE_MESSAGE(p.has_value(), err_text(p));
    CHECK(slurp(pdf) == "%PDF-filled");
    pulse::http::string_sink img;
    auto i = c.download_image("f-job", "fig 1.png", img);
    REQUIRE_MESSAGE(i.has_value(), err_text(i));
    CHECK(img.body() == "PNGDATA");
    std::filesystem::remove(pdf);
    auto bad = c.form_fill(pulse::url("https://f/form.pdf"), {});
    REQUIRE(!bad.has_value());
    CHECK(bad.error().code == errc::invalid_argument);
}

TEST_CASE_FIXTURE(scripted_client, "client: a sink's own failure is reported as itself") {
    t.then(method::get, "/results/j/pdf", json(200, std::string(100, 'x')));
    pulse::http::string_sink small(10);
    auto r = c.download_pdf("j", small);
    REQUIRE(!r.has_value());
    CHECK(r.error().code == errc::aborted_by_sink);
    CHECK(small.failure().has_value());
}

TEST_CASE_FIXTURE(scripted_client, "client: cancelling a call through its stop token") {
    std::stop_source src;
    src.request_stop();
    auto r = c.wait({"j"}, {.stop = src.get_token()});
    REQUIRE(!r.has_value());
    CHECK(r.error().code == errc::canceled);
    CHECK(t.log.empty());
}

TEST_CASE("client: holds a transport by value too") {
    pulse::client<scripted_transport, sim_clock> c(cfg(), scripted_transport{}, sim_clock{nullptr});
    c.transport().then(method::get, "/job/j", poll("failed"));
    time_point now = t0();
    // the clock is by value: rebuild with a live time pointer
    pulse::client<scripted_transport, sim_clock> c2(cfg(), std::move(c.transport()), sim_clock{&now});
    auto r = c2.status({"j"});
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    c2.config().base_url = "not a url";
    auto bad = c2.status({"j"});
    REQUIRE(!bad.has_value());
    CHECK(bad.error().code == errc::invalid_argument);
}

TEST_CASE_FIXTURE(scripted_client, "client: submit returns a handle; its token, read back, is waited for to the result") {
    t.then(method::post, "/extract", json(200, R"({"job_id":"job-7","status":"pending"})"))
        .then(method::get, "/job/job-7", poll("processing"))
        .then(method::get, "/job/job-7", done_inline());
    auto h = c.submit(pulse::url("https://f/x.pdf"));
    REQUIRE_MESSAGE(h.has_value(), err_text(h));
    CHECK(h->id == "job-7");
    CHECK(h->kind == pulse::job_kind::extract);
    CHECK(h->api == "https://api.runpulse.com");
    CHECK(t.log.size() == 1); // submitted only: no poll yet
    std::string const token = h->token();
    auto back = pulse::job_handle::from_token(token);
    REQUIRE_MESSAGE(back.has_value(), err_text(back));
    auto r = c.wait(*back);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    CHECK(*r->markdown == "# Title");
    CHECK(t.log.size() == 3);
}

TEST_CASE_FIXTURE(scripted_client, "client: submit of an answer that is not an acknowledgement is an error, not a lost result") {
    t.then(method::post, "/extract", json(200, result_json));
    auto h = c.submit(pulse::url("https://f/x.pdf"));
    REQUIRE(!h.has_value());
    CHECK(h.error().code == errc::unexpected_shape);
}

TEST_CASE_FIXTURE(scripted_client, "client: a handle is waited for only by a client of its API, and only as its kind's result") {
    auto foreign = c.wait({"j", pulse::job_kind::extract, "https://other.example"});
    REQUIRE(!foreign.has_value());
    CHECK(foreign.error().code == errc::invalid_argument);
    CHECK(foreign.error().message.find("other.example") != std::string::npos);
    auto wrong_kind = c.wait<pulse::extract_result>({"j", pulse::job_kind::form_fill});
    REQUIRE(!wrong_kind.has_value());
    CHECK(wrong_kind.error().code == errc::invalid_argument);
    CHECK(t.log.empty()); // refused before any request
    // The same API, spelled with a trailing slash, is the same API.
    t.then(method::get, "/job/j", poll("completed", R"(,"result":{"form_id":"F"})"));
    auto form = c.wait<pulse::form_result>({"j", pulse::job_kind::form_fill, "https://api.runpulse.com/"});
    REQUIRE_MESSAGE(form.has_value(), err_text(form));
    CHECK(form->form_id == "F");
}

TEST_CASE_FIXTURE(scripted_client, "client: a call's deadline and retry overrides apply to that call only") {
    // Three 503s: the configured poll policy would ride them out; one attempt gives up at once.
    for (int i = 0; i < 3; ++i) t.then(method::get, "/job/j", json(503, "{}"));
    t.then(method::get, "/job/j", done_inline());
    auto once = c.status({"j"}, {.retry = {.max_attempts = 1}});
    REQUIRE(!once.has_value());
    CHECK(once.error().code == errc::server_error);
    CHECK(t.log.size() == 1);
    auto patient = c.wait({"j"});
    REQUIRE_MESSAGE(patient.has_value(), err_text(patient));
    CHECK(t.log.size() == 4);
    CHECK(c.config().policies.single.max_attempts == 4); // the client's own configuration is unchanged

    // A deadline shorter than the poll interval: the call ends at the deadline.
    t.then(method::get, "/job/k", poll("processing")).then(method::get, "/job/k", poll("processing"));
    auto const before = now;
    auto late = c.wait({"k"}, {.deadline = std::chrono::milliseconds(100)});
    REQUIRE(!late.has_value());
    CHECK(late.error().code == errc::deadline_exceeded);
    CHECK(now - before <= std::chrono::milliseconds(100));
}
