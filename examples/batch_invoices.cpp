// A batch of invoices: extract many documents with one batch job, extract the same fields from
// each with a schema batch, and read every item's values into a C++ struct -- all items waited
// for at once, on one thread, with pulse::curl::multi_driver.
//
//     PULSE_API_KEY=... batch_invoices URL...
//
// The configuration comes from the environment (pulse::config::from_env: PULSE_API_KEY,
// PULSE_BASE_URL, ...); the arguments are the documents' URLs. Against the local test server:
//
//     build/tools/pulse_server/pulse-server --port 8080 &
//     export PULSE_API_KEY=test-key PULSE_BASE_URL=http://127.0.0.1:8080
//     build/examples/batch_invoices https://example.com/a.pdf https://example.com/b.pdf
//
// The steps:
// 1. POST /batch/extract with the URLs; the blocking client waits for the batch.
// 2. POST /batch/schema on that batch (batch_extract_id) with a JSON schema of the invoice fields.
// 3. Each item of the schema batch is a schema job of its own: one machine per item goes into the
//    multi driver, which runs all of them at once (each item's result may be a large result,
//    downloaded once).
// 4. pulse::values_as<invoice> turns each item's values into the struct; a mismatch between the
//    schema and the struct names the JSON path.
//
// Exits 0 when every invoice was read.
#include <pulse/curl.hpp>
#include <pulse/flow/api_job_flow.hpp>
#include <pulse/flow/job_ops.hpp>

#include <boost/describe/class.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

/// What the schema asks for, as the program wants it.
struct invoice {
    std::string invoice_number;
    double total = 0;
    std::optional<std::string> currency;
};
BOOST_DESCRIBE_STRUCT(invoice, (), (invoice_number, total, currency))

boost::json::object invoice_schema() {
    auto prop = [](char const* type) { return boost::json::object{{"type", type}}; };
    return {{"type", "object"},
            {"properties", {{"invoice_number", prop("string")}, {"total", prop("number")}, {"currency", prop("string")}}},
            {"required", {"invoice_number", "total"}}};
}

int fail(char const* what, pulse::error const& e) {
    std::fprintf(stderr, "%s: %s\n", what, e.to_string().c_str());
    return 1;
}

} // namespace

int main(int argc, char** argv) {
    auto cfg = pulse::config::from_env();
    if (!cfg) return fail("configuration", cfg.error());
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s URL...\n", argv[0]);
        return 2;
    }
    pulse::batch_extract_request extract;
    extract.input.file_urls.emplace(argv + 1, argv + argc);

    // 1. The documents, extracted by one batch job.
    auto client = pulse::curl::make_client(*cfg);
    std::string batch_id;
    pulse::call_options watch;
    watch.progress.on_job_id = [&](std::string_view id) { batch_id = id; };
    watch.progress.on_poll_result = [](boost::json::value const& v) {
        if (auto p = pulse::decode<pulse::batch_result>(v))
            std::printf("extraction batch: %lld of %lld done\n", static_cast<long long>(p->completed.value_or(0)),
                        static_cast<long long>(p->total.value_or(0)));
    };
    auto extracted = client.batch(extract, watch);
    if (!extracted) return fail("batch extract", extracted.error());
    std::printf("extracted %lld documents (batch %s)\n", static_cast<long long>(extracted->completed.value_or(0)), batch_id.c_str());

    // 2. The invoice fields from each, by a schema batch over the first batch.
    pulse::batch_schema_request fields;
    fields.batch_extract_id = batch_id;
    fields.schema_config = pulse::schema_config{.input_schema = invoice_schema()};
    std::string schema_batch_id;
    pulse::call_options watch_schema;
    watch_schema.progress.on_job_id = [&](std::string_view id) { schema_batch_id = id; };
    auto schemas = client.batch(fields, watch_schema);
    if (!schemas) return fail("batch schema", schemas.error());

    // 3. Every item's own result, all at once on this thread.
    pulse::job_handle const batch{schema_batch_id, pulse::job_kind::batch_schema, cfg->base_url};
    auto driver = pulse::curl::make_driver(*cfg);
    std::vector<invoice> invoices;
    std::vector<pulse::flow_handle<pulse::flow::job_flow<pulse::schema_result>>> running; // a flow lives as long as its handle
    int pending = 0, failures = 0;
    for (auto const& item : schemas->items.value_or(std::vector<pulse::batch_item>{})) {
        auto handle = pulse::flow::item_handle(batch, item);
        if (!handle) return fail("batch item", handle.error());
        auto m = pulse::flow::make_attach_flow<pulse::schema_result>(*cfg, *handle);
        if (!m) return fail("batch item", m.error());
        ++pending;
        std::string const source = item.source.value_or("?");
        running.push_back(driver.add(std::move(*m), [&, source](pulse::result<pulse::schema_result> r) {
            --pending;
            // 4. The values as the program's own struct.
            auto inv = r ? pulse::values_as<invoice>(*r) : pulse::result<invoice>(r.error());
            if (!inv) {
                ++failures;
                std::printf("%s: %s\n", source.c_str(), inv.error().to_string().c_str());
                return;
            }
            std::printf("%s: invoice %s, total %.2f %s\n", source.c_str(), inv->invoice_number.c_str(), inv->total,
                        inv->currency.value_or("").c_str());
            invoices.push_back(std::move(*inv));
        }));
    }
    while (pending > 0) {
        driver.tick();
        driver.wait(pulse::flow::clock::now() + std::chrono::seconds(1)); // a tool's loop; an engine renders here
    }
    std::printf("%zu invoices read, %d failed\n", invoices.size(), failures);
    return failures == 0 && !invoices.empty() ? 0 : 1;
}
