// flow/job_ops.hpp: one poll (job status) and cancel.
#include "../support/scripted.hpp"

#include <pulse/flow/job_ops.hpp>

#include <doctest/doctest.h>

using namespace pulse_test;
using pulse::errc;

namespace {
pulse::config cfg() { return exact_config("ops-key"); }
} // namespace

TEST_CASE("job_ops: job status returns any status as a value") {
    for (char const* st : {"pending", "processing", "completed", "failed", "canceled", "cancelled", "expired", "brand-new"}) {
        CAPTURE(st);
        session s({get("/job/j-5", json(200, std::string(R"({"job_id":"j-5","status":")") + st + R"(","error":"e"})"))});
        auto m = made(pulse::flow::make_job_status_flow(cfg(), {"j-5"}, 1));
        auto r = s.run(m);
        REQUIRE_MESSAGE(r.has_value(), err_text(r));
        CHECK(r->status.str() == st);
        CHECK(r->job_id == "j-5");
        CHECK(m.status().has_value());
    }
}

TEST_CASE("job_ops: job status retries 5xx and reports 404 at once") {
    session s({get("/job/j", json(502, "{}")), get("/job/j", json(200, R"({"job_id":"j","status":"pending"})"))});
    auto m = made(pulse::flow::make_job_status_flow(cfg(), {"j"}, 1));
    auto r = s.run(m);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    session s2({get("/job/j", json(404, R"({"error":{"message":"Job not found"}})"))});
    auto m2 = made(pulse::flow::make_job_status_flow(cfg(), {"j"}, 1));
    check_outcome(s2.run(m2), {.code = errc::not_found});
    CHECK(s2.t.finished());
}

TEST_CASE("job_ops: cancel") {
    session s({del("/job/j-5", json(200, R"({"job_id":"j-5","message":"Job cancelled successfully"})"))});
    auto m = made(pulse::flow::make_cancel_flow(cfg(), {"j-5"}, 1));
    auto r = s.run(m);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    CHECK(*r->message == "Job cancelled successfully");
    CHECK(s.t.log[0].headers.find("x-api-key") == std::optional<std::string_view>("ops-key"));

    for (int status : {401, 403, 404}) {
        CAPTURE(status);
        session s2({del("/job/j", json(status, "{}"))});
        auto m2 = made(pulse::flow::make_cancel_flow(cfg(), {"j"}, 1));
        check_outcome(s2.run(m2), {.code = status == 404 ? errc::not_found : status == 401 ? errc::unauthorized : errc::forbidden,
                                   .http_status = status});
        CHECK(s2.t.finished());
    }
}

TEST_CASE("job_ops: cancelling the one-shot call itself") {
    scripted_transport t;
    t.then(pulse::http::method::get, "/job/j", json(500, "{}"));
    auto m = made(pulse::flow::make_job_status_flow(cfg(), {"j"}, 1));
    time_point now = t0();
    auto a = m.next(now);
    m.handle_complete(t.perform(*a.request, *a.handler));
    REQUIRE(m.next(now).kind == pulse::flow::action_kind::wait);
    m.cancel();
    auto f = m.next(now);
    REQUIRE(f.kind == pulse::flow::action_kind::failed);
    CHECK(f.error->code == errc::canceled);
}
