// Every job kind beyond extraction -- schema, split, tables, pipelines and the four batches --
// through the blocking client with the libcurl adapter against the local server over loopback. For
// each kind the same rows: the inline result, the single-use large result (and 410 on a second
// download), a failed job, a cancelled one, and a hostile body. The ids the requests name
// (extractions, splits) come from earlier calls to the same server, as they would from the API.
#include "client_support.hpp"
#include "server_process.hpp"

#include <pulse/driver/client.hpp>
#include <pulse/curl/transport.hpp>
#include <pulse/flow/api_job_flow.hpp>

#include <boost/describe/class.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <functional>
#include <string>
#include <type_traits>

using pulse::errc;
using curl_client = pulse::client<pulse::curl::easy_transport>;
namespace bj = boost::json;

namespace {

pulse_test::server_process& server() {
    static pulse_test::server_process s({"--poll-steps", "2"});
    return s;
}

curl_client client_for(std::string const& scenario = {}) {
    auto c = pulse_test::fast_config(server(), scenario);
    c.seed = 77;
    return curl_client(std::move(c), pulse::curl::easy_transport{});
}

template <class R>
std::string text(R const& r) {
    return r ? std::string("<ok>") : r.error().to_string();
}

/// The id of a completed extraction on the server, made once.
std::string const& extraction_id() {
    static std::string const id = [] {
        auto r = client_for("tag=kinds-source").extract(pulse::url("https://example.com/source.pdf"));
        REQUIRE_MESSAGE(r.has_value(), text(r));
        REQUIRE(r->extraction_id.has_value());
        return *r->extraction_id;
    }();
    return id;
}

/// The named client call of a request (schema(), split(), ...).
template <class Request>
auto call(curl_client& c, Request const& req, pulse::call_options const& opts) {
    if constexpr (std::is_same_v<Request, pulse::schema_request>) return c.schema(req, opts);
    else if constexpr (std::is_same_v<Request, pulse::split_request>) return c.split(req, opts);
    else if constexpr (std::is_same_v<Request, pulse::tables_request>) return c.tables(req, opts);
    else if constexpr (std::is_same_v<Request, pulse::pipeline_request>) return c.pipeline(req, {}, opts);
    else return c.batch(req, opts);
}

/// The rows every kind goes through. `check` looks at a successful result.
template <class Request>
void exercise(Request const& req, std::string const& tag, std::function<void(pulse::flow::result_of_t<Request> const&)> check) {
    using T = pulse::flow::result_of_t<Request>;
    bool const batch = pulse::is_batch(pulse::flow::job_request_traits<Request>::kind);
    std::string job;
    pulse::call_options opts;
    opts.progress.on_job_id = [&](std::string_view id) { job = id; };

    SUBCASE("the inline result") {
        auto c = client_for("result=inline;tag=" + tag + "-inline");
        auto r = call(c, req, opts);
        REQUIRE_MESSAGE(r.has_value(), text(r));
        check(*r);
        if (!batch) CHECK(pulse_test::control(server(), "/__jobs/" + job).at("large") == false);
    }
    // A batch's own result is its progress, always inline; its items' large results are rows of
    // the batch test.
    if (!batch) SUBCASE("the single-use large result, and 410 on a second download") {
        auto c = client_for("result=large;tag=" + tag + "-large");
        auto r = call(c, req, opts);
        REQUIRE_MESSAGE(r.has_value(), text(r));
        check(*r);
        auto const info = pulse_test::control(server(), "/__jobs/" + job);
        CHECK(info.at("large") == true);
        CHECK(info.at("consumed") == true);
        auto again = c.large_result<T>(job);
        REQUIRE_FALSE(again.has_value());
        CHECK(again.error().code == errc::gone);
        CHECK(again.error().http_status == 410);
    }
    SUBCASE("a failed job") {
        auto c = client_for("status=failed;error=Model unavailable for this org;tag=" + tag + "-failed");
        auto r = call(c, req, opts);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == errc::job_failed);
        CHECK(r.error().message.find("Model unavailable for this org") != std::string::npos);
    }
    SUBCASE("submitted, cancelled, then waited for") {
        auto c = client_for("status=weird;tag=" + tag + "-cancel");
        auto h = c.submit(req);
        REQUIRE_MESSAGE(h.has_value(), text(h));
        CHECK(h->kind == pulse::flow::job_request_traits<Request>::kind);
        auto again = pulse::job_handle::from_token(h->token()); // as after a restart
        REQUIRE(again.has_value());
        auto k = c.cancel(*again);
        REQUIRE_MESSAGE(k.has_value(), text(k));
        auto w = c.wait<T>(*again);
        REQUIRE_FALSE(w.has_value());
        CHECK(w.error().code == errc::job_canceled);
        CHECK(pulse_test::control(server(), "/__jobs/" + h->id).at("status") == "canceled");
    }
    SUBCASE("a hostile body: the wrong shape, and a depth bomb") {
        // Batches answer inline in their polls; the others are hit in their large-result download.
        std::string const where = batch ? "poll_fault" : "result=large;download_fault";
        auto shape = client_for(where + "=wrong_shape;tag=" + tag + "-shape");
        auto r = call(shape, req, opts);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().layer() == pulse::error_layer::decode);
        CHECK_FALSE(r.error().path.empty());
        auto bomb = client_for(where + "=depth_bomb;tag=" + tag + "-bomb");
        auto b = call(bomb, req, opts);
        REQUIRE_FALSE(b.has_value());
        CHECK(b.error().code == errc::too_deep);
    }
}

struct invoice {
    std::string invoice_number;
    double total = 0;
};
BOOST_DESCRIBE_STRUCT(invoice, (), (invoice_number, total))

pulse::schema_request invoice_schema() {
    pulse::schema_request r;
    r.extraction_id = extraction_id();
    r.schema_config = pulse::schema_config{
        .input_schema = bj::object{{"type", "object"},
                                   {"properties", bj::object{{"invoice_number", bj::object{{"type", "string"}}},
                                                             {"total", bj::object{{"type", "number"}}}}}}};
    return r;
}

pulse::split_config two_topics() { return pulse::split_config{.split_input = {{.name = "invoice"}, {.name = "contract"}}}; }

} // namespace

TEST_CASE("api kinds: schema extraction, into the caller's struct") {
    exercise(invoice_schema(), "schema", [](pulse::schema_result const& r) {
        CHECK(r.version == 1);
        auto inv = pulse::values_as<invoice>(r);
        REQUIRE_MESSAGE(inv.has_value(), text(inv));
        CHECK_FALSE(inv->invoice_number.empty());
    });
}

TEST_CASE("api kinds: split, then schema per topic") {
    pulse::split_request req{.extraction_id = extraction_id(), .split_config = two_topics()};
    exercise(req, "split", [](pulse::split_result const& r) {
        REQUIRE(r.split_output->splits.has_value());
        CHECK(r.split_output->splits->begin()->key == "invoice"); // the topics' order
        CHECK(r.split_output->splits->contains("contract"));
    });
    SUBCASE("a split's id feeds a split-mode schema run") {
        auto c = client_for("tag=split-then-schema");
        auto split = c.split(req);
        REQUIRE_MESSAGE(split.has_value(), text(split));
        pulse::schema_request s;
        s.split_id = split->split_id;
        s.split_schema_config.emplace()["invoice"].schema = invoice_schema().schema_config->input_schema;
        auto r = c.schema(s);
        REQUIRE_MESSAGE(r.has_value(), text(r));
        CHECK(r->is_split_mode());
        auto inv = pulse::values_as<invoice>(*r, "invoice");
        CHECK_MESSAGE(inv.has_value(), text(inv));
    }
}

TEST_CASE("api kinds: tables") {
    pulse::tables_request req{.extraction_id = extraction_id(), .tables_config = pulse::tables_config{.table_format = "json"}};
    exercise(req, "tables", [](pulse::tables_result const& r) {
        REQUIRE(r.tables_output->tables.has_value());
        REQUIRE_FALSE(r.tables_output->tables->empty());
        CHECK(r.tables_output->tables->front().table_content->is_object()); // json format
    });
}

TEST_CASE("api kinds: a pipeline extract -> split -> schema, with per-step latencies") {
    pulse::pipeline_request req;
    req.file_url = "https://example.com/pipeline.pdf";
    req.steps.schema = invoice_schema().schema_config;
    req.steps.split = two_topics();
    req.steps.extract = pulse::extract_options{};
    exercise(req, "pipeline", [](pulse::pipeline_result const& r) {
        CHECK(r.status == "completed");
        auto const& s = *r.results;
        REQUIRE(s.extract.has_value());
        REQUIRE(s.split.has_value());
        REQUIRE(s.schema.has_value());
        CHECK(s.schema->is_split_mode());
        double const sum = s.extract->latency->as_double() + s.split->latency->as_double() + s.schema->latency->as_double();
        CHECK(r.total_latency->as_double() == sum);
    });
}

TEST_CASE("api kinds: batches, their items and the items' own results") {
    auto batch_check = [](std::int64_t n) {
        return [n](pulse::batch_result const& r) {
            CHECK(r.total == n);
            CHECK(r.completed == n);
            REQUIRE(r.items.has_value());
            for (auto const& item : *r.items) CHECK(item.status == pulse::job_status::value_type::completed);
        };
    };
    SUBCASE("batch extract") {
        pulse::batch_extract_request req;
        req.input.file_urls = {{"https://example.com/a.pdf", "https://example.com/b.pdf"}};
        exercise(req, "batch-extract", std::function<void(pulse::batch_result const&)>(batch_check(2)));
    }
    SUBCASE("batch schema") {
        pulse::batch_schema_request req;
        req.extraction_ids = {{extraction_id()}};
        req.schema_config = invoice_schema().schema_config;
        exercise(req, "batch-schema", std::function<void(pulse::batch_result const&)>(batch_check(1)));
    }
    SUBCASE("batch tables") {
        pulse::batch_tables_request req;
        req.extraction_ids = {{extraction_id(), extraction_id()}};
        exercise(req, "batch-tables", std::function<void(pulse::batch_result const&)>(batch_check(2)));
    }
    SUBCASE("batch split") {
        pulse::batch_split_request req;
        req.extraction_ids = {{extraction_id()}};
        req.split_config = two_topics();
        exercise(req, "batch-split", std::function<void(pulse::batch_result const&)>(batch_check(1)));
    }
    SUBCASE("a failed item leaves the batch completed; each item's result is its own job's, single-use") {
        pulse::batch_schema_request req;
        req.extraction_ids = {{extraction_id(), extraction_id(), extraction_id()}};
        req.schema_config = invoice_schema().schema_config;
        auto c = client_for("fail_items=1;result=large;error=Unreadable page;tag=batch-items");
        std::string batch_id;
        std::vector<std::int64_t> progress;
        pulse::call_options opts;
        opts.progress.on_job_id = [&](std::string_view id) { batch_id = id; };
        opts.progress.on_poll_result = [&](bj::value const& v) {
            auto p = pulse::decode<pulse::batch_result>(v);
            REQUIRE(p.has_value());
            progress.push_back(p->completed.value_or(-1));
        };
        auto r = c.batch(req, opts);
        REQUIRE_MESSAGE(r.has_value(), text(r));
        CHECK(r->completed == 2);
        CHECK(r->failed == 1);
        CHECK(r->items->at(1).error == "Unreadable page");
        CHECK_FALSE(progress.empty()); // the polls before the end reported progress
        pulse::job_handle const batch{batch_id, pulse::job_kind::batch_schema, c.config().base_url};
        auto item = pulse::flow::item_handle(batch, r->items->at(0));
        REQUIRE(item.has_value());
        auto first = c.wait<pulse::schema_result>(*item);
        REQUIRE_MESSAGE(first.has_value(), text(first));
        CHECK(first->schema_output.has_value());
        auto second = c.wait<pulse::schema_result>(*item); // the large result was taken already
        REQUIRE_FALSE(second.has_value());
        CHECK(second.error().code == errc::gone);
        auto failed = c.wait<pulse::schema_result>(*pulse::flow::item_handle(batch, r->items->at(1)));
        REQUIRE_FALSE(failed.has_value());
        CHECK(failed.error().code == errc::job_failed);
    }
}

TEST_CASE("api kinds: the Excel workbook and the webhook portal link") {
    auto c = client_for("tag=excel");
    auto req = invoice_schema();
    req.schema_config->input_schema.reset();
    req.schema_config->excel_template = "UEsDBBQAAAAIAA=="; // base64; the server reads its headers as canned
    auto r = c.schema(req);
    REQUIRE_MESSAGE(r.has_value(), text(r));
    REQUIRE(r->excel_output_url.has_value());
    auto const path = std::filesystem::temp_directory_path() / ("pulse-kinds-" + std::to_string(::getpid()) + ".xlsx");
    auto d = c.download_excel(*r->schema_id, path);
    REQUIRE_MESSAGE(d.has_value(), text(d));
    CHECK(d->bytes > 4);
    CHECK(std::filesystem::file_size(path) == d->bytes);
    std::filesystem::remove(path);
    auto missing = c.download_excel("no-such-schema", path);
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().code == errc::not_found);

    auto link = c.webhook_link();
    REQUIRE_MESSAGE(link.has_value(), text(link));
    CHECK(link->link.starts_with("https://app.svix.com/app-portal/"));
}
