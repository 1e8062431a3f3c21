// flow/api_job_flow.hpp: schema, split, tables, batches and pipelines through the one machine --
// the request each kind sends, its acknowledgement (job_id, batch_job_id, tables_id), the poll to
// its typed result, the checks made before sending, and the batch's progress and item handles.
#include "../support/scripted.hpp"

#include <pulse/flow/api_job_flow.hpp>
#include <pulse/flow/download_flow.hpp>
#include <pulse/flow/job_ops.hpp>
#include <pulse/http/body_sinks.hpp>

#include "../support/temp_path.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <functional>
#include <string>

using namespace pulse_test;
using pulse::errc;
using pulse::http::method;
namespace bj = boost::json;

namespace {

pulse::config cfg() {
    pulse::config c;
    c.api_key = "kinds-key";
    c.policies.poll.interval.jitter = 0;
    c.policies.poll_request.backoff.jitter = 0;
    return c;
}

bj::value body_of(sent_request const& s) {
    auto v = pulse::parse_json(s.body);
    REQUIRE_MESSAGE(v.has_value(), s.body);
    return *v;
}

/// Submit `req`, acknowledge with `ack`, poll once "processing" and once "completed" with
/// `result`; the machine's typed value goes to `check`, the submitted body to `check_body`.
template <class Request>
void run_kind(Request const& req, std::string const& path, std::string const& ack, std::string const& result,
              std::function<void(pulse::flow::result_of_t<Request> const&)> check,
              std::function<void(bj::value const&)> check_body) {
    scripted_transport t;
    t.then(method::post, path, json(202, ack))
        .then(method::get, "/job/job-7", json(200, R"({"job_id":"job-7","status":"processing"})"))
        .then(method::get, "/job/job-7", json(200, R"({"job_id":"job-7","status":"completed","result":)" + result + "}"));
    auto m = pulse::flow::make_job_flow(cfg(), req, 5);
    REQUIRE_MESSAGE(m.has_value(), m.error().to_string());
    time_point now = t0();
    auto r = drive(*m, t, now);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    CHECK(t.finished());
    CHECK(m->job_id() == "job-7");
    CHECK(t.log[0].headers.find("Content-Type") == std::optional<std::string_view>("application/json"));
    CHECK(t.log[0].headers.find("x-api-key") == std::optional<std::string_view>("kinds-key"));
    check_body(body_of(t.log[0]));
    check(*r);
}

pulse::schema_request single_schema() {
    pulse::schema_request r;
    r.extraction_id = "e-1";
    r.schema_config = pulse::schema_config{.input_schema = bj::object{{"type", "object"}}};
    return r;
}

} // namespace

TEST_CASE("api_job_flow: each kind posts its request, is polled, and decodes its own result") {
    SUBCASE("schema") {
        run_kind(single_schema(), "/schema", R"({"job_id":"job-7","status":"pending"})",
                 R"({"schema_id":"s-1","version":1,"schema_output":{"values":{"a":1},"citations":{}}})",
                 [](pulse::schema_result const& r) { CHECK(r.schema_output->values->at("a") == 1); },
                 [](bj::value const& b) {
                     CHECK(b.at("async") == true); // the machines ask for a job
                     CHECK(b.at("extraction_id") == "e-1");
                     CHECK(b.at("schema_config").at("input_schema").at("type") == "object");
                 });
    }
    SUBCASE("split") {
        pulse::split_request req{.extraction_id = "e-1", .split_config = pulse::split_config{.split_input = {{.name = "inv"}}}};
        run_kind(req, "/split", R"({"job_id":"job-7"})", R"({"split_id":"p-1","split_output":{"splits":{"inv":[1,2]}}})",
                 [](pulse::split_result const& r) { CHECK(r.split_output->splits->find("inv")->size() == 2); },
                 [](bj::value const& b) { CHECK(b.at("split_config").at("split_input").at(0).at("name") == "inv"); });
    }
    SUBCASE("tables, acknowledged with a tables_id") {
        pulse::tables_request req{.extraction_id = "e-1", .tables_config = pulse::tables_config{.table_format = "json"}};
        run_kind(req, "/tables", R"({"tables_id":"job-7","status":"pending"})",
                 R"({"tables_id":"t-1","tables_output":{"tables":[{"table_content":{"headers":[],"rows":[]}}]}})",
                 [](pulse::tables_result const& r) { CHECK(r.tables_output->tables->at(0).table_content->is_object()); },
                 [](bj::value const& b) { CHECK(b.at("tables_config").at("table_format") == "json"); });
    }
    SUBCASE("pipeline") {
        pulse::pipeline_request req;
        req.file_url = "https://example.com/a.pdf";
        req.steps.extract = pulse::extract_options{};
        req.steps.tables = pulse::tables_config{};
        run_kind(req, "/pipeline/execute", R"({"job_id":"job-7"})",
                 R"({"status":"completed","total_latency":3.75,"results":{"extract":{"markdown":"m","latency":2.5},"tables":{"tables_id":"t","latency":1.25}}})",
                 [](pulse::pipeline_result const& r) {
                     CHECK(r.results->extract->latency->as_double() == 2.5);
                     CHECK(r.results->tables->tables_id == "t");
                 },
                 [](bj::value const& b) {
                     CHECK(b.at("file_url") == "https://example.com/a.pdf");
                     auto const& steps = b.at("steps").as_object();
                     REQUIRE(steps.size() == 2);
                     CHECK(steps.begin()->key() == "extract"); // execution order
                 });
    }
    SUBCASE("batch extract, acknowledged with a batch_job_id, without an async member") {
        pulse::batch_extract_request req;
        req.input.file_urls = {{"https://example.com/a.pdf", "https://example.com/b.pdf"}};
        req.output.s3_prefix = "s3://out/";
        run_kind(req, "/batch/extract", R"({"batch_job_id":"job-7","status":"processing","total_files":2})",
                 R"({"total":2,"completed":1,"failed":1,"items":[{"index":0,"job_id":"c-1","status":"completed"},{"index":1,"job_id":"c-2","status":"failed","error":"bad pdf"}]})",
                 [](pulse::batch_result const& r) {
                     CHECK(r.failed == 1); // a failed item does not fail the batch
                     CHECK(r.items->at(1).error == "bad pdf");
                 },
                 [](bj::value const& b) {
                     CHECK_FALSE(b.as_object().contains("async"));
                     CHECK(b.at("input").at("file_urls").as_array().size() == 2);
                 });
    }
    SUBCASE("batch schema, tables and split post to their own paths") {
        pulse::batch_schema_request s;
        s.batch_extract_id = "b-0";
        s.schema_config = pulse::schema_config{.input_schema = bj::object{}};
        pulse::batch_tables_request tb;
        tb.extraction_ids = {{"e-1"}};
        pulse::batch_split_request sp;
        sp.batch_extract_id = "b-0";
        sp.split_config.split_input = {{.name = "x"}};
        std::string const ack = R"({"batch_job_id":"job-7","status":"processing","total_extractions":1})";
        std::string const done = R"({"total":1,"completed":1,"failed":0,"items":[]})";
        auto ok = [](pulse::batch_result const& r) { CHECK(r.completed == 1); };
        run_kind(s, "/batch/schema", ack, done, ok, [](bj::value const& b) { CHECK(b.at("batch_extract_id") == "b-0"); });
        run_kind(tb, "/batch/tables", ack, done, ok, [](bj::value const& b) { CHECK(b.at("output").as_object().empty()); });
        run_kind(sp, "/batch/split", ack, done, ok, [](bj::value const& b) { CHECK(b.at("split_config").is_object()); });
    }
}

TEST_CASE("api_job_flow: a synchronous answer is the result, even one carrying the fallback id member") {
    scripted_transport t;
    t.then(method::post, "/tables", json(200, R"({"tables_id":"t-9","tables_output":{"tables":[]}})"));
    pulse::tables_request req{.extraction_id = "e-1", .async = false};
    auto m = pulse::flow::make_job_flow(cfg(), req, 5);
    REQUIRE(m.has_value());
    time_point now = t0();
    auto r = drive(*m, t, now);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    CHECK(r->tables_id == "t-9");
    CHECK(body_of(t.log[0]).at("async") == false); // the caller's choice is kept
}

TEST_CASE("api_job_flow: a submission stops at the job's handle, of the request's kind") {
    struct row {
        std::function<pulse::result<pulse::flow::job_flow<pulse::job_handle>>()> make;
        char const* path;
        char const* ack;
        pulse::job_kind kind;
    };
    pulse::batch_tables_request tb;
    tb.batch_extract_id = "b";
    row const rows[] = {
        {[] { return pulse::flow::make_job_flow<pulse::job_handle>(cfg(), single_schema(), 1); }, "/schema",
         R"({"job_id":"h-1"})", pulse::job_kind::schema},
        {[&] { return pulse::flow::make_job_flow<pulse::job_handle>(cfg(), tb, 1); }, "/batch/tables",
         R"({"batch_job_id":"h-1","status":"processing","total_extractions":3})", pulse::job_kind::batch_tables},
    };
    for (auto const& r : rows) {
        INFO(r.path);
        scripted_transport t;
        t.then(method::post, r.path, json(202, r.ack));
        auto m = r.make();
        REQUIRE(m.has_value());
        time_point now = t0();
        auto h = drive(*m, t, now);
        REQUIRE_MESSAGE(h.has_value(), err_text(h));
        CHECK(h->id == "h-1");
        CHECK(h->kind == r.kind);
        CHECK(h->api == cfg().base_url);
    }
}

TEST_CASE("api_job_flow: requests the API would refuse fail before anything is sent, naming the member") {
    struct row {
        char const* name;
        std::function<pulse::result<void>()> make;
        char const* message;
    };
    auto built = [](auto const& req) {
        return [req]() -> pulse::result<void> {
            auto m = pulse::flow::make_job_flow(cfg(), req, 1);
            if (!m) return m.error();
            return {};
        };
    };
    pulse::schema_request no_source;
    no_source.schema_config = pulse::schema_config{.input_schema = bj::object{}};
    pulse::schema_request two_sources = single_schema();
    two_sources.split_id = "p";
    pulse::schema_request split_no_cfg;
    split_no_cfg.split_id = "p";
    pulse::schema_request no_schema;
    no_schema.extraction_id = "e";
    pulse::schema_request empty_cfg;
    empty_cfg.extraction_id = "e";
    empty_cfg.schema_config = pulse::schema_config{};
    pulse::split_request split_no_topics{.extraction_id = "e", .split_config = pulse::split_config{}};
    pulse::batch_extract_request two_inputs;
    two_inputs.input.s3_prefix = "s3://in/";
    two_inputs.input.file_urls = {{"u"}};
    pulse::batch_schema_request bs_split;
    bs_split.split_ids = {{"p"}};
    pulse::batch_split_request bsp;
    bsp.batch_extract_id = "b";
    pulse::pipeline_request no_doc;
    no_doc.steps.extract = pulse::extract_options{};
    pulse::pipeline_request both_extracts;
    both_extracts.file_url = "u";
    both_extracts.steps.extract = pulse::extract_options{};
    both_extracts.steps.batch_extract = pulse::pipeline_batch_extract_step{};
    row const rows[] = {
        {"schema without a source", built(no_source), "the request needs extraction_id, extraction_ids or split_id"},
        {"schema with two sources", built(two_sources), "the request may give only one of extraction_id, extraction_ids and split_id"},
        {"split-mode schema without configs", built(split_no_cfg), "the request needs split_schema_config with split_id"},
        {"schema without a schema", built(no_schema), "the request needs exactly one of schema_config and schema_config_id"},
        {"schema config without a schema", built(empty_cfg), "the request needs schema_config.input_schema or schema_config.excel_template"},
        {"split without extraction", built(pulse::split_request{}), "the request needs extraction_id"},
        {"split without topics", built(split_no_topics), "the request needs at least one topic in split_config.split_input"},
        {"tables without extraction", built(pulse::tables_request{}), "the request needs extraction_id"},
        {"batch extract without input", built(pulse::batch_extract_request{}), "the request needs input.s3_prefix, input.file_urls or input.files"},
        {"batch extract with two inputs", built(two_inputs), "the request may give only one of input.s3_prefix, input.file_urls and input.files"},
        {"batch schema by splits without configs", built(bs_split), "the request needs split_schema_config with batch_split_id or split_ids"},
        {"batch tables without items", built(pulse::batch_tables_request{}), "the request needs batch_extract_id or extraction_ids"},
        {"batch split without topics", built(bsp), "the request needs at least one topic in split_config.split_input"},
        {"pipeline without a document", built(no_doc), "the request needs a file or file_url for steps.extract"},
        {"pipeline with both extract steps", built(both_extracts), "the request needs exactly one of steps.extract and steps.batch_extract"},
    };
    for (auto const& r : rows) {
        INFO(r.name);
        auto out = r.make();
        REQUIRE_FALSE(out.has_value());
        CHECK(out.error().code == errc::invalid_argument);
        CHECK(out.error().message == r.message);
    }
}

TEST_CASE("api_job_flow: a pipeline on a local file is multipart: the file part, steps as JSON text") {
    auto path = temp_path("pipeline-doc.pdf");
    std::ofstream(path, std::ios::binary) << "%PDF-1.7 pipeline";
    pulse::pipeline_request req;
    req.steps.extract = pulse::extract_options{.pages = "1"};
    req.steps.schema = pulse::schema_config{.input_schema = bj::object{{"type", "object"}}};
    req.auto_delete = true;
    scripted_transport t;
    t.then(method::post, "/pipeline/execute", json(200, R"({"status":"completed","results":{}})"));
    auto m = pulse::flow::make_pipeline_flow(cfg(), pulse::file(path), req, 9);
    REQUIRE_MESSAGE(m.has_value(), m.error().to_string());
    time_point now = t0();
    auto r = drive(*m, t, now);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    CHECK(r->status == "completed");
    auto const type = std::string(t.log[0].headers.find("Content-Type").value_or(""));
    CHECK(type.starts_with("multipart/form-data; boundary="));
    std::string const& body = t.log[0].body;
    CHECK(body.find("name=\"file\"; filename=\"pipeline-doc.pdf\"") != std::string::npos);
    CHECK(body.find("%PDF-1.7 pipeline") != std::string::npos);
    CHECK(body.find(R"({"extract":{"pages":"1"},"schema":{"input_schema":{"type":"object"}}})") != std::string::npos);
    CHECK(body.find("name=\"auto_delete\"\r\n\r\ntrue\r\n") != std::string::npos);
    CHECK(body.find("name=\"async\"\r\n\r\ntrue\r\n") != std::string::npos);
    std::filesystem::remove(path);
}

TEST_CASE("api_job_flow: every poll of a batch reports its progress, and items become handles") {
    std::string const progress1 = R"({"total":2,"completed":0,"failed":0,"items":[{"index":0,"job_id":"c-1","status":"processing"},{"index":1,"job_id":"c-2","status":"pending"}]})";
    std::string const done = R"({"total":2,"completed":2,"failed":0,"items":[{"index":0,"job_id":"c-1","status":"completed"},{"index":1,"job_id":"c-2","status":"completed"}]})";
    scripted_transport t;
    t.then(method::post, "/batch/split", json(202, R"({"batch_job_id":"b-1","status":"processing","total_extractions":2})"))
        .then(method::get, "/job/b-1", json(200, R"({"job_id":"b-1","status":"processing","result":)" + progress1 + "}"))
        .then(method::get, "/job/b-1", json(200, R"({"job_id":"b-1","status":"completed","result":)" + done + "}"));
    pulse::batch_split_request req;
    req.extraction_ids = {{"e-1", "e-2"}};
    req.split_config.split_input = {{.name = "t"}};
    auto m = pulse::flow::make_job_flow(cfg(), req, 5);
    REQUIRE(m.has_value());
    std::vector<std::int64_t> seen;
    pulse::progress_observer obs;
    obs.on_poll_result = [&](bj::value const& v) {
        auto p = pulse::decode<pulse::batch_result>(v);
        REQUIRE(p.has_value());
        seen.push_back(*p->completed);
    };
    m->set_observer(obs);
    time_point now = t0();
    auto r = drive(*m, t, now);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    CHECK(seen == std::vector<std::int64_t>{0}); // the unfinished poll; the final one is the result
    pulse::job_handle const batch{"b-1", pulse::job_kind::batch_split, cfg().base_url};
    auto item = pulse::flow::item_handle(batch, r->items->at(1));
    REQUIRE(item.has_value());
    CHECK(item->id == "c-2");
    CHECK(item->kind == pulse::job_kind::split);
    CHECK(item->api == cfg().base_url);
    CHECK(pulse::flow::item_handle(pulse::job_handle{"x"}, r->items->at(0)).error().code == errc::invalid_argument);
    CHECK(pulse::flow::item_handle(batch, pulse::batch_item{}).error().code == errc::missing_member);
}

TEST_CASE("api_job_flow: waiting for a job takes only its own kind's result type") {
    using pulse::job_kind;
    struct row {
        job_kind kind;
        bool schema, split, tables, pipeline, batch, extract;
    };
    row const rows[] = {
        {job_kind::schema, true, false, false, false, false, false},
        {job_kind::split, false, true, false, false, false, false},
        {job_kind::tables, false, false, true, false, false, false},
        {job_kind::pipeline, false, false, false, true, false, false},
        {job_kind::batch_extract, false, false, false, false, true, false},
        {job_kind::batch_split, false, false, false, false, true, false},
        {job_kind::extract, false, false, false, false, false, true},
    };
    for (auto const& r : rows) {
        INFO(to_string(r.kind));
        pulse::job_handle h{"j", r.kind};
        CHECK(pulse::flow::make_attach_flow<pulse::schema_result>(cfg(), h).has_value() == r.schema);
        CHECK(pulse::flow::make_attach_flow<pulse::split_result>(cfg(), h).has_value() == r.split);
        CHECK(pulse::flow::make_attach_flow<pulse::tables_result>(cfg(), h).has_value() == r.tables);
        CHECK(pulse::flow::make_attach_flow<pulse::pipeline_result>(cfg(), h).has_value() == r.pipeline);
        CHECK(pulse::flow::make_attach_flow<pulse::batch_result>(cfg(), h).has_value() == r.batch);
        CHECK(pulse::flow::make_attach_flow<pulse::extract_result>(cfg(), h).has_value() == r.extract);
    }
}

TEST_CASE("api_job_flow: the webhook link and the Excel workbook") {
    scripted_transport t;
    t.then(method::post, "/webhook", json(200, R"({"link":"https://app.svix.com/app-portal/login/x"})"))
        .then(method::get, "/schema/s-1/excel", [] {
            reply r;
            r.headers.add("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
            r.chunks = {"PK\x03\x04", "rest"};
            return r;
        }());
    auto link = pulse::flow::make_webhook_link_flow(cfg(), 1);
    REQUIRE(link.has_value());
    time_point now = t0();
    auto l = drive(*link, t, now);
    REQUIRE_MESSAGE(l.has_value(), err_text(l));
    CHECK(l->link == "https://app.svix.com/app-portal/login/x");
    CHECK(t.log[0].body.empty());

    pulse::http::string_sink sink;
    auto x = pulse::flow::make_excel_download(cfg(), "s-1", sink, 1);
    REQUIRE(x.has_value());
    auto d = drive(*x, t, now);
    REQUIRE_MESSAGE(d.has_value(), err_text(d));
    CHECK(sink.body() == std::string("PK\x03\x04rest", 8));
    CHECK(d->bytes == 8);
}
