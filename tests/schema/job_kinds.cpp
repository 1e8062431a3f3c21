// The answers and requests of the job kinds beyond extraction (schema_job.hpp, split_job.hpp,
// tables_job.hpp, batch_job.hpp, pipeline_job.hpp, webhook_link.hpp): every fixture decodes, keeps
// its unknown members and spellings, writes back equal, and decodes the same through the stream
// decoder however it is cut; errors name their JSON path.
#include <pulse/schema.hpp>

#include "decode_both.hpp"
#include "test_util.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <string>

using namespace pulse_test;
namespace json = boost::json;

namespace {

/// One fixture of tests/data/api/ as a type, and what must hold of its decoded value.
struct fixture_case {
    char const* file;
    char const* member; ///< the fixture's member holding the value ("" for the whole document)
    std::function<void(std::string const& text)> check;
};

template <class T>
std::function<void(std::string const&)> decodes_as(std::function<void(T const&)> spot_checks) {
    return [spot_checks](std::string const& text) {
        check_round_trip<T>(parse_or_fail(text));
        check_same<T>(text);
        check_same<T>(text, {1});
        check_same<T>(text, {7, 3});
        auto r = pulse::decode_json<T>(text);
        REQUIRE_MESSAGE(r.has_value(), r.error().to_string());
        spot_checks(*r);
    };
}

std::string member_text(std::string const& file, char const* member) {
    std::string text = api_fixture(file);
    if (*member == '\0') return text;
    return json::serialize(parse_or_fail(text).as_object().at(member));
}

} // namespace

TEST_CASE("job kinds: every answer fixture decodes, round-trips and streams the same") {
    fixture_case const cases[] = {
        {"schema-result.json", "", decodes_as<pulse::schema_result>([](pulse::schema_result const& r) {
             CHECK(r.schema_id == "sch-7f3a9c21");
             CHECK(r.version == 1);
             CHECK_FALSE(r.is_split_mode());
             CHECK(r.schema_output->values->at("invoice_number") == "INV-2026-0042");
             CHECK(r.schema_output->citations->at("total").as_array().size() == 1);
             CHECK(r.extraction_ids->size() == 2);
             CHECK(r.excel_output_url == "/schema/sch-7f3a9c21/excel");
             CHECK(r.credits_used->as_double() == 2.5);
             CHECK(r.plan_info->pages_used == 412);
             CHECK(r.extra.contains("schema_warnings"));
         })},
        {"schema-result-split.json", "", decodes_as<pulse::schema_result>([](pulse::schema_result const& r) {
             CHECK(r.is_split_mode());
             CHECK(r.split_id == "spl-2b4d");
             REQUIRE(r.results->size() == 2);
             CHECK(r.results->begin()->key == "invoice");
             CHECK(r.results->find("contract")->values->at("parties").as_array().size() == 2);
             CHECK(r.input_schemas->find("invoice")->at("type") == "object");
             CHECK(*r.errors->find("appendix") == "Topic 'appendix' is not a topic of split spl-2b4d");
             CHECK_FALSE(r.credits_used.has_value()); // null: kept in extra, written back as null
             CHECK(r.extra.at("credits_used").is_null());
             CHECK(r.plan_info->tier == "trial"); // the legacy spelling, written back as read
             CHECK(pulse::encode(r).as_object().contains("plan-info"));
         })},
        {"split-result.json", "", decodes_as<pulse::split_result>([](pulse::split_result const& r) {
             CHECK(r.split_id == "spl-2b4d");
             auto const& splits = *r.split_output->splits;
             REQUIRE(splits.size() == 3);
             CHECK(*splits.find("contract") == std::vector<std::int64_t>{3, 4, 5});
             CHECK(splits.find("appendix")->empty());
             CHECK(r.split_output->extra.at("confidence") == 0.93);
             CHECK(r.credits_used->is_integer());
         })},
        {"tables-result.json", "", decodes_as<pulse::tables_result>([](pulse::tables_result const& r) {
             auto const& t = *r.tables_output->tables;
             REQUIRE(t.size() == 3);
             CHECK(t[0].table_content->is_string());
             CHECK(t[0].from_chart == false);
             CHECK(t[1].table_content->at("headers").as_array().size() == 2);
             CHECK(*t[1].citations == std::vector<std::string>{"tbl-2", "tbl-3"});
             CHECK(t[1].extra.contains("page_numbers"));
             CHECK_FALSE(t[2].table_content.has_value());
         })},
        {"batch-submission.json", "", decodes_as<pulse::batch_submission>([](pulse::batch_submission const& r) {
             CHECK(r.batch_job_id == "b-91c2e0");
             CHECK(r.status == pulse::job_status::value_type::processing);
             CHECK(r.total_files == 3);
             CHECK_FALSE(r.total_extractions.has_value());
             CHECK(r.extra.contains("queued_items"));
         })},
        {"poll-batch-processing.json", "result", decodes_as<pulse::batch_result>([](pulse::batch_result const& r) {
             CHECK(r.total == 3);
             CHECK(r.completed == 1);
             auto const& items = *r.items;
             REQUIRE(items.size() == 3);
             CHECK(items[0].extraction_id == "e-01");
             CHECK(items[1].status == pulse::job_status::value_type::processing);
             CHECK_FALSE(items[2].status->is_known()); // an unknown status is kept as text
             CHECK(items[2].status->str() == "queued_for_gpu");
             CHECK(items[2].extra.at("attempt") == 2);
         })},
        {"pipeline-result.json", "", decodes_as<pulse::pipeline_result>([](pulse::pipeline_result const& r) {
             CHECK(r.status == "completed");
             CHECK(r.total_latency->as_double() == 5.75);
             CHECK(r.auto_delete == true);
             auto const& s = *r.results;
             CHECK(s.extract->markdown == "# Statement");
             CHECK(s.extract->pages == 3);
             CHECK(s.extract->latency->as_double() == 2.5);
             CHECK(s.extract->plan_info->tier == "trial");
             CHECK(pulse::encode(*s.extract).as_object().contains("plan-info"));
             CHECK(s.split->split_input->at(0).description == "bills");
             CHECK(s.split->split_output->splits->find("contract")->size() == 2);
             CHECK(s.schema->is_split_mode());
             CHECK(s.schema->latency->as_double() == 1.75);
             CHECK(s.tables->tables_output->tables->at(0).citations->at(0) == "tbl-1");
             CHECK(s.batch_extract->total_files == 2);
             CHECK(s.extra.contains("future_step"));
         })},
        {"webhook-link.json", "", decodes_as<pulse::webhook_link>([](pulse::webhook_link const& r) {
             CHECK(r.link.starts_with("https://app.svix.com/"));
         })},
    };
    for (auto const& c : cases) {
        INFO(std::string(c.file));
        c.check(member_text(c.file, c.member));
    }
}

TEST_CASE("job kinds: wrong types and missing required members name their path in both decoders") {
    struct row {
        char const* text;
        std::function<std::string(std::string const&)> decode; ///< the error text, "" on success
        char const* error;
    };
    auto err = []<class T>(T*) {
        return std::function<std::string(std::string const&)>([](std::string const& text) {
            check_same<T>(text);
            check_same<T>(text, {1});
            auto r = pulse::decode_json<T>(text);
            return r ? std::string() : r.error().to_string();
        });
    };
    row const rows[] = {
        {R"({"split_output":{"splits":{"a":[1,"2"]}}})", err((pulse::split_result*)nullptr),
         "split_output.splits.a[1]: expected integer, got string"},
        {R"({"split_output":{"splits":[]}})", err((pulse::split_result*)nullptr), "split_output.splits: expected object, got array"},
        {R"({"results":{"t":{"values":[]}}})", err((pulse::schema_result*)nullptr), "results.t.values: expected object, got array"},
        {R"({"errors":{"t":5}})", err((pulse::schema_result*)nullptr), "errors.t: expected string, got integer"},
        {R"({"tables_output":{"tables":[{},{"from_chart":"yes"}]}})", err((pulse::tables_result*)nullptr),
         "tables_output.tables[1].from_chart: expected boolean, got string"},
        {R"({"status":"processing","total_files":3})", err((pulse::batch_submission*)nullptr),
         "batch_job_id: missing required member"},
        {R"({"items":[{"index":"0"}]})", err((pulse::batch_result*)nullptr), "items[0].index: expected integer, got string"},
        {R"({"results":{"split":{"split_input":[{"description":"x"}]}}})", err((pulse::pipeline_result*)nullptr),
         "results.split.split_input[0].name: missing required member"},
        {R"({"results":{"extract":{"latency":"1s"}}})", err((pulse::pipeline_result*)nullptr),
         "results.extract.latency: expected number, got string"},
        {R"({})", err((pulse::webhook_link*)nullptr), "link: missing required member"},
    };
    for (auto const& r : rows) {
        INFO(std::string(r.text));
        CHECK(r.decode(r.text) == r.error);
    }
}

TEST_CASE("job kinds: requests encode the API's wire names, and the pipeline's steps in execution order") {
    pulse::schema_request s;
    s.split_id = "spl-1";
    s.split_schema_config.emplace()["invoice"].schema = json::object{{"type", "object"}};
    (*s.split_schema_config)["contract"].schema_config_id = "cfg-2";
    s.async = true;
    CHECK(json::serialize(pulse::encode(s)) ==
          R"({"split_id":"spl-1","split_schema_config":{"invoice":{"schema":{"type":"object"}},"contract":{"schema_config_id":"cfg-2"}},"async":true})");

    pulse::batch_split_request b;
    b.extraction_ids = {{"e-1", "e-2"}};
    b.split_config.split_input = {{.name = "invoice"}, {.name = "contract", .description = "agreements"}};
    b.workers = 2;
    CHECK(json::serialize(pulse::encode(b)) ==
          R"({"extraction_ids":["e-1","e-2"],"output":{},"split_config":{"split_input":[{"name":"invoice"},)"
          R"({"name":"contract","description":"agreements"}]},"workers":2})");

    // Set in any order, the steps go out as extract, split, schema: the order the API runs them in.
    pulse::pipeline_request p;
    p.steps.schema = pulse::schema_config{.input_schema = json::object{{"type", "object"}}};
    p.steps.split = pulse::split_config{.split_input = {{.name = "t"}}};
    p.steps.extract = pulse::extract_options{.pages = "1-3"};
    p.file_url = "https://example.com/a.pdf";
    p.auto_delete = true;
    CHECK(json::serialize(pulse::encode(p)) ==
          R"({"file_url":"https://example.com/a.pdf","steps":{"extract":{"pages":"1-3"},"split":{"split_input":[{"name":"t"}]},)"
          R"("schema":{"input_schema":{"type":"object"}}},"auto_delete":true})");

    pulse::pipeline_batch_extract_step be;
    be.file_urls = {{"https://example.com/a.pdf"}};
    be.model = "pulse-ultra-2";
    be.workers = 3;
    CHECK(json::serialize(pulse::encode(be)) == R"({"model":"pulse-ultra-2","file_urls":["https://example.com/a.pdf"],"workers":3})");
}
