// flow/form_flow.hpp: the form calls -- synchronous FormResult, asynchronous job polled to an
// inline FormResult, input errors, and the shared poll loop's faults.
#include "../support/scripted.hpp"

#include <pulse/flow/form_flow.hpp>

#include <doctest/doctest.h>

using namespace pulse_test;
using pulse::errc;
using pulse::document;
using pulse::form_action;

namespace {

pulse::config cfg() { return exact_config("form-key"); }

std::string const form_json =
    R"({"form_id":"f-1","page_count":2,"pdf_url":"https://api.runpulse.com/results/job-9/pdf",)"
    R"("form_fields":[{"page_number":1,"bounding_box":[0.1,0.2,0.3,0.4],"text":"Name","type":"text"}],"fields_filled":1})";

pulse::flow::form_flow make(form_action a, pulse::form_options o = {}) {
    if (a == form_action::fill && !o.instructions) o.instructions = "Name: Ada";
    auto m = pulse::flow::make_form_flow(cfg(), a, pulse::url("https://f.example/form.pdf"), o, 11);
    REQUIRE_MESSAGE(m.has_value(), m.error().to_string());
    return std::move(*m);
}

} // namespace

TEST_CASE("form_flow: synchronous 200 with a FormResult") {
    for (auto a : {form_action::detect, form_action::fill, form_action::clear}) {
        CAPTURE(to_string(a));
        session s({post("/form/" + std::string(to_string(a)), json(200, form_json))});
        auto m = make(a);
        auto r = s.run(m);
        REQUIRE_MESSAGE(r.has_value(), err_text(r));
        CHECK(*r->form_id == "f-1");
        CHECK(*r->fields_filled == 1);
        REQUIRE(r->form_fields.has_value());
        CHECK(*(*r->form_fields)[0].text == "Name");
        CHECK(s.t.log[0].headers.find("x-api-key") == std::optional<std::string_view>("form-key"));
    }
}

TEST_CASE("form_flow: asynchronous 202, polled to the inline FormResult") {
    session s({post("/form/fill", json(202, R"({"job_id":"job-9","status":"pending"})")),
               get("/job/job-9", json(200, R"({"job_id":"job-9","status":"processing"})")),
               get("/job/job-9", json(200, R"({"job_id":"job-9","status":"completed","result":)" + form_json + "}"))});
    auto m = make(form_action::fill);
    auto r = s.run(m);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    CHECK(*r->pdf_url == "https://api.runpulse.com/results/job-9/pdf");
    CHECK(m.job_id() == "job-9");
    CHECK(s.tr.waits == std::vector<std::chrono::milliseconds>{1000ms, 1000ms});
}

TEST_CASE("form_flow: the shared poll loop's rules apply") {
    struct row {
        char const* name;
        form_action action;
        std::vector<step> script;
        outcome want;
    };
    std::vector<row> const rows = {
        {"poll 503 retried, job failed", form_action::detect,
         {post("/form/detect", json(202, R"({"job_id":"j"})")), get("/job/j", json(503, "{}")),
          get("/job/j", json(200, R"({"job_id":"j","status":"failed","error":"feature flag form_filler missing"})"))},
         {.code = errc::job_failed, .says = {"form_filler"}}},
        {"403 on the submission is fatal", form_action::clear,
         {post("/form/clear", json(403, R"({"error":{"code":"AUTH_004","message":"form_filler not enabled"}})"))},
         {.code = errc::forbidden, .api_code = "AUTH_004"}},
        {"submission not retried on 500", form_action::fill, {post("/form/fill", json(500, "{}"))}, {.code = errc::server_error}},
        {"a wrong-shape FormResult names the path", form_action::detect,
         {post("/form/detect", json(200, R"({"form_fields":[{"page_number":true}]})"))},
         {.code = errc::type_mismatch, .path = "form_fields[0].page_number"}},
    };
    for_each_row(rows, [](row const& x) {
        session s(x.script);
        auto m = make(x.action);
        check_outcome(s.run(m), x.want);
        CHECK(s.t.finished()); // one request for each step: nothing retried beyond the script
    });
}

TEST_CASE("form_flow: input errors before any request") {
    pulse::form_options o;
    auto m = pulse::flow::make_form_flow(cfg(), form_action::fill, pulse::url("https://f/x.pdf"), o, 1);
    REQUIRE(!m.has_value());
    CHECK(m.error().code == errc::invalid_argument);
    auto m2 = pulse::flow::make_form_flow(cfg(), form_action::detect, pulse::file("/no/such.pdf"), {}, 1);
    REQUIRE(!m2.has_value());
    CHECK(m2.error().code == errc::file_error);
}
