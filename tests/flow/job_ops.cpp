// flow/job_ops.hpp: one poll (job status) and cancel.
#include "../support/scripted.hpp"

#include <pulse/flow/job_ops.hpp>

#include <doctest/doctest.h>

using namespace pulse_test;
using pulse::errc;
using pulse::http::method;

namespace {
pulse::config cfg() {
    pulse::config c;
    c.api_key = "ops-key";
    c.policies.single.backoff.jitter = 0;
    return c;
}
} // namespace

TEST_CASE("job_ops: job status returns any status as a value") {
    for (char const* st : {"pending", "processing", "completed", "failed", "canceled", "cancelled", "expired", "brand-new"}) {
        CAPTURE(st);
        scripted_transport t;
        t.then(method::get, "/job/j-5", json(200, std::string(R"({"job_id":"j-5","status":")") + st + R"(","error":"e"})"));
        auto m = pulse::flow::make_job_status_flow(cfg(), {"j-5"}, 1);
        REQUIRE(m.has_value());
        time_point now = t0();
        auto r = drive(*m, t, now);
        REQUIRE_MESSAGE(r.has_value(), err_text(r));
        CHECK(r->status.str() == st);
        CHECK(r->job_id == "j-5");
        CHECK(m->status().has_value());
    }
}

TEST_CASE("job_ops: job status retries 5xx and reports 404 at once") {
    scripted_transport t;
    t.then(method::get, "/job/j", json(502, "{}")).then(method::get, "/job/j", json(200, R"({"job_id":"j","status":"pending"})"));
    auto m = pulse::flow::make_job_status_flow(cfg(), {"j"}, 1);
    time_point now = t0();
    auto r = drive(*m, t, now);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    scripted_transport t2;
    t2.then(method::get, "/job/j", json(404, R"({"error":{"message":"Job not found"}})"));
    auto m2 = pulse::flow::make_job_status_flow(cfg(), {"j"}, 1);
    auto r2 = drive(*m2, t2, now);
    REQUIRE(!r2.has_value());
    CHECK(r2.error().code == errc::not_found);
    CHECK(t2.finished());
}

TEST_CASE("job_ops: cancel") {
    scripted_transport t;
    t.then(method::delete_, "/job/j-5", json(200, R"({"job_id":"j-5","message":"Job cancelled successfully"})"));
    auto m = pulse::flow::make_cancel_flow(cfg(), {"j-5"}, 1);
    REQUIRE(m.has_value());
    time_point now = t0();
    auto r = drive(*m, t, now);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    CHECK(*r->message == "Job cancelled successfully");
    CHECK(t.log[0].headers.find("x-api-key") == std::optional<std::string_view>("ops-key"));

    for (int status : {401, 403, 404}) {
        CAPTURE(status);
        scripted_transport t2;
        t2.then(method::delete_, "/job/j", json(status, "{}"));
        auto m2 = pulse::flow::make_cancel_flow(cfg(), {"j"}, 1);
        auto r2 = drive(*m2, t2, now);
        REQUIRE(!r2.has_value());
        CHECK(r2.error().http_status == status);
        CHECK(t2.finished());
    }
}

TEST_CASE("job_ops: cancelling the one-shot call itself") {
    scripted_transport t;
    t.then(method::get, "/job/j", json(500, "{}"));
    auto m = pulse::flow::make_job_status_flow(cfg(), {"j"}, 1);
    time_point now = t0();
    auto a = m->next(now);
    m->handle_complete(t.perform(*a.request, *a.handler));
    REQUIRE(m->next(now).kind == pulse::flow::action_kind::wait);
    m->cancel();
    auto f = m->next(now);
    REQUIRE(f.kind == pulse::flow::action_kind::failed);
    CHECK(f.error->code == errc::canceled);
}
