// The job kinds beyond extraction and forms, as the API runs them: structured extraction against a
// JSON schema (with its Excel workbook), splitting, tables, batches of any of these, pipelines of
// steps, and the webhook portal link. A request is checked as the API checks it (REQ_003, REQ_004,
// REQ_006, 404 for ids this server never produced), then becomes a job whose result body travels
// like an extraction's: inline, or behind a single-use large-result pointer. A batch is a job whose
// items are child jobs, moved along by the batch's polls.
#include "server.hpp"

#include "fixtures.hpp"
#include "http_util.hpp"
#include "kinds.hpp"
#include "xlsx.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <array>

namespace pulse_server {

namespace json = boost::json;

namespace {

constexpr std::size_t max_batch_items = 10000;
constexpr std::int64_t s3_prefix_files = 3;  // what this server "finds" under an s3_prefix

// Step latencies in seconds, multiples of 1/4 so their sums print exactly.
constexpr double extract_latency = 2.5, batch_extract_latency = 4.0, split_latency = 1.5, schema_latency = 1.75,
                 tables_latency = 1.25;

std::string appended(std::string a, std::string_view b) {
    a += b;
    return a;
}

bool looks_base64(std::string_view s) {
    bool any = false;
    for (char c : s) {
        const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (alnum || c == '+' || c == '/' || c == '-' || c == '_') any = true;
        else if (c != '=' && c != '\n' && c != '\r' && c != ' ') return false;
    }
    return any;
}

[[noreturn]] void refuse(std::string message) { throw request_error(400, "REQ_003", message); }
[[noreturn]] void not_found(std::string_view what, std::string_view id) {
    std::string m(what);
    m += " not found: ";
    m += id;
    throw request_error(404, "NOT_FOUND", m);
}

std::int64_t pages_of(const std::vector<extraction_ref>& refs) {
    std::int64_t n = 0;
    for (const auto& r : refs) n += r.pages;
    return n;
}

// --- request parts shared by several endpoints ------------------------------------------------

// schema_config (POST /schema, /batch/schema) and the pipeline's schema step.
struct schema_request {
    json::value schema;
    bool effort = false;
    bool excel = false;  // from an Excel template: the answer links a filled workbook
};

schema_request read_schema_config(const json::object& cfg, const std::string& prefix) {
    const json::object* schema = member::object(cfg, "input_schema", prefix);
    const auto tmpl = member::string(cfg, "excel_template", prefix);
    member::string(cfg, "schema_prompt", prefix);  // checked for its type; the answer does not depend on it
    schema_request r;
    r.effort = member::flag(cfg, "effort", prefix).value_or(false);
    if (schema && tmpl) refuse(member::path(prefix, "input_schema") + " and excel_template cannot be combined");
    if (!schema && !tmpl) missing(member::path(prefix, "input_schema") + " or " + member::path(prefix, "excel_template"));
    if (schema) {
        r.schema = *schema;
    } else {
        if (!looks_base64(*tmpl)) invalid(member::path(prefix, "excel_template"), "a base64-encoded .xlsx file");
        // The columns of the template would make the schema; this server cannot read them.
        r.schema = canned_schema();
        r.excel = true;
    }
    return r;
}

// split_schema_config: topic -> {schema | schema_config_id, schema_prompt, effort}.
std::vector<std::pair<std::string, schema_request>> read_topic_configs(const json::object& topics) {
    if (topics.empty()) missing("split_schema_config (one entry per topic)");
    std::vector<std::pair<std::string, schema_request>> out;
    for (const auto& m : topics) {
        const std::string prefix = member::path("split_schema_config", m.key());
        if (!m.value().is_object()) invalid(prefix, "an object");
        const json::object& cfg = m.value().get_object();
        const json::object* schema = member::object(cfg, "schema", prefix);
        const auto cfg_id = member::string(cfg, "schema_config_id", prefix);
        member::string(cfg, "schema_prompt", prefix);  // checked for its type only
        schema_request r;
        r.effort = member::flag(cfg, "effort", prefix).value_or(false);
        if (!schema && (!cfg_id || trim(*cfg_id).empty()))
            missing(member::path(prefix, "schema") + " or " + member::path(prefix, "schema_config_id"));
        r.schema = schema ? json::value(*schema) : json::value(canned_schema());
        out.emplace_back(m.key(), std::move(r));
    }
    return out;
}

struct topic {
    std::string name;
    std::optional<std::string> description;
};

std::vector<topic> read_split_config(const json::object& cfg, const std::string& prefix) {
    const json::array* input = member::array(cfg, "split_input", prefix);
    const std::string path = member::path(prefix, "split_input");
    if (!input) missing(path);
    if (input->empty()) invalid(path, "at least one topic");
    std::vector<topic> out;
    for (std::size_t i = 0; i < input->size(); ++i) {
        const std::string item = path + "[" + std::to_string(i) + "]";
        if (!(*input)[i].is_object()) invalid(item, "an object with a name");
        const json::object& t = (*input)[i].get_object();
        topic tp{member::required_string(t, "name", item), member::string(t, "description", item)};
        for (const auto& seen : out)
            if (seen.name == tp.name) invalid(path, "topics with distinct names");
        out.push_back(std::move(tp));
    }
    return out;
}

std::vector<std::string> names_of(const std::vector<topic>& topics) {
    std::vector<std::string> out;
    for (const auto& t : topics) out.push_back(t.name);
    return out;
}

json::array topics_json(const std::vector<topic>& topics) {
    json::array out;
    for (const auto& t : topics) {
        json::object o{{"name", t.name}};
        if (t.description) o["description"] = *t.description;
        out.push_back(std::move(o));
    }
    return out;
}

tables_options read_tables_config(const json::object* cfg, const std::string& prefix) {
    tables_options o;
    if (!cfg) return o;
    o.merge = member::flag(*cfg, "merge", prefix).value_or(false);
    o.charts = member::flag(*cfg, "charts_to_tables", prefix).value_or(false);
    if (auto format = member::string(*cfg, "table_format", prefix)) {
        if (*format == "json") o.json = true;
        else if (*format != "html") invalid(member::path(prefix, "table_format"), "html or json");
    }
    return o;
}

void read_output(const json::object& f) {
    const json::object& out = member::required_object(f, "output", "");
    member::string(out, "s3_prefix", "output");
    member::string(out, "local_path", "output");
}

void check_extract_options(const json::object* opts, const std::string& prefix) {
    if (!opts) return;
    if (auto pages = member::string(*opts, "pages", prefix); pages && !valid_page_range(*pages))
        throw request_error(400, "REQ_006", "Invalid page range '" + *pages + "'");
}

// The file names a batch of uploads carries (each {filename, content (base64)}).
std::vector<std::string> read_uploads(const json::array& files, const std::string& path) {
    if (files.empty()) invalid(path, "at least one file");
    std::vector<std::string> names;
    for (std::size_t i = 0; i < files.size(); ++i) {
        const std::string item = path + "[" + std::to_string(i) + "]";
        if (!files[i].is_object()) invalid(item, "an object {filename, content}");
        names.push_back(member::required_string(files[i].get_object(), "filename", item));
        if (!looks_base64(member::required_string(files[i].get_object(), "content", item)))
            invalid(member::path(item, "content"), "base64-encoded file content");
    }
    return names;
}

// --- answers ---------------------------------------------------------------------------------

json::object schema_answer(const std::string& schema_id, const schema_request& sr, const std::vector<extraction_ref>& refs,
                           bool list_extractions) {
    const std::int64_t pages = pages_of(refs);
    const double credits = static_cast<double>(pages) * (sr.effort ? 4 : 1);
    json::object body{{"schema_id", schema_id}, {"version", 1}, {"schema_output", structured_output(sr.schema, refs)}};
    if (list_extractions) {
        json::array ids;
        for (const auto& r : refs) ids.emplace_back(r.id);
        body["extraction_ids"] = std::move(ids);
    }
    if (sr.excel) body["excel_output_url"] = appended("/schema/" + schema_id, "/excel");
    body["credits_used"] = credits;
    body["plan_info"] = plan_info(pages, credits);
    return body;
}

// Split mode: one {values, citations} per topic of the split; a configured topic the split does
// not have is reported under `errors`.
json::object split_schema_answer(const std::string& schema_id, const split_record& split,
                                 const std::vector<std::pair<std::string, schema_request>>& configs) {
    json::object results, inputs, errors;
    std::int64_t pages = 0;
    bool effort = false;
    for (const auto& [name, cfg] : configs) {
        const json::value* topic_pages = split.pages.if_contains(name);
        if (!topic_pages) {
            errors[name] = "Topic '" + name + "' is not a topic of split " + split.id;
            continue;
        }
        pages += static_cast<std::int64_t>(topic_pages->as_array().size());
        effort = effort || cfg.effort;
        results[name] = structured_output(cfg.schema, split.extractions);
        inputs[name] = cfg.schema;
    }
    const double credits = static_cast<double>(pages) * (effort ? 4 : 1);
    json::object body{{"schema_id", schema_id}, {"split_id", split.id}, {"results", std::move(results)},
                      {"input_schemas", std::move(inputs)}};
    if (!errors.empty()) body["errors"] = std::move(errors);
    body["credits_used"] = credits;
    body["plan_info"] = plan_info(pages, credits);
    return body;
}

split_record make_split(const std::string& split_id, const std::vector<std::string>& topics,
                        const std::vector<extraction_ref>& refs) {
    return {split_id, topics, split_pages(topics, pages_of(refs)), refs};
}

json::object split_answer(const split_record& split) {
    const std::int64_t pages = pages_of(split.extractions);
    const double credits = static_cast<double>(pages) * 2;
    return json::object{{"split_id", split.id},
                        {"split_output", json::object{{"splits", split.pages}}},
                        {"credits_used", credits},
                        {"plan_info", plan_info(pages, credits)}};
}

json::object tables_answer(const std::string& tables_id, const std::vector<extraction_ref>& refs, const tables_options& opt) {
    json::array list = tables(refs, opt);
    const double credits = tables_credits(list, opt);
    return json::object{{"tables_id", tables_id},
                        {"tables_output", json::object{{"tables", std::move(list)}}},
                        {"credits_used", credits},
                        {"plan_info", plan_info(pages_of(refs), credits)}};
}

// The filled workbook: the top-level property names, then their values.
std::shared_ptr<const std::string> workbook_for(const json::value& values) {
    std::vector<std::vector<xlsx_cell>> rows(2);
    auto cell = [](const json::value& v) {
        if (v.is_string()) return xlsx_cell{std::string(v.get_string())};
        return xlsx_cell{json_text(v), v.is_number()};
    };
    if (values.is_object()) {
        for (const auto& m : values.get_object()) {
            rows[0].push_back({std::string(m.key())});
            rows[1].push_back(cell(m.value()));
        }
    } else {
        rows[0].push_back({"value"});
        rows[1].push_back(cell(values));
    }
    return std::make_shared<const std::string>(make_xlsx(rows));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Extraction references

std::vector<extraction_ref> server::resolve_extractions(const std::string& id, std::string_view path) const {
    if (trim(id).empty()) missing(path);
    if (auto it = extractions_.find(id); it != extractions_.end()) return {{id, it->second}};
    // A batch-extract job stands for its completed items' extractions, combined.
    if (auto it = jobs_.find(id); it != jobs_.end() && it->second->kind == "batch_extract") {
        const job& b = *it->second;
        if (b.status != "completed") refuse("Batch job " + id + " is not completed (status: " + b.status + ")");
        std::vector<extraction_ref> refs;
        for (const auto& c : b.children)
            if (c->status == "completed") refs.insert(refs.end(), c->extractions.begin(), c->extractions.end());
        if (refs.empty()) refuse("Batch job " + id + " has no completed extractions");
        return refs;
    }
    not_found("Extraction", id);
}

// ---------------------------------------------------------------------------------------------
// POST /schema, /split, /tables

response_plan server::submit_schema(request_t& req, scenario& sc, const std::string& sc_text) {
    submission s;
    if (auto err = read_submission(req, s)) return std::move(*err);
    try {
        const json::object& f = s.fields;
        const bool async = member::flag(f, "async", "").value_or(false);
        const auto split_id = member::string(f, "split_id", "");
        const auto extraction_id = member::string(f, "extraction_id", "");
        const auto extraction_ids = member::string_list(f, "extraction_ids", "");
        const std::string schema_id = new_id();
        json::object body;
        std::shared_ptr<const std::string> excel_file;
        if (split_id) {
            if (extraction_id || extraction_ids) refuse("split_id cannot be combined with extraction_id or extraction_ids");
            if (trim(*split_id).empty()) missing("split_id");
            auto configs = read_topic_configs(member::required_object(f, "split_schema_config", ""));
            auto it = splits_.find(*split_id);
            if (it == splits_.end()) not_found("Split", *split_id);
            body = split_schema_answer(schema_id, it->second, configs);
        } else {
            if (!extraction_id && !extraction_ids) missing("extraction_id, extraction_ids or split_id");
            if (extraction_id && extraction_ids) refuse("Give extraction_id or extraction_ids, not both");
            const json::object* cfg = member::object(f, "schema_config", "");
            const auto cfg_id = member::string(f, "schema_config_id", "");
            if (cfg && cfg_id) refuse("schema_config and schema_config_id cannot be combined");
            if (!cfg && (!cfg_id || trim(*cfg_id).empty())) missing("schema_config or schema_config_id");
            // A saved configuration stands for a schema this server does not have: the canned one.
            const schema_request sr = cfg ? read_schema_config(*cfg, "schema_config") : schema_request{canned_schema()};
            std::vector<extraction_ref> refs;
            if (extraction_id) {
                refs = resolve_extractions(*extraction_id, "extraction_id");
            } else {
                for (const auto& id : *extraction_ids) {
                    auto it = extractions_.find(id);
                    if (it == extractions_.end()) not_found("Extraction", id);
                    refs.push_back({id, it->second});
                }
            }
            body = schema_answer(schema_id, sr, refs, extraction_ids || refs.size() > 1);
            if (sr.excel) excel_file = workbook_for(body.at("schema_output").at("values"));
        }
        auto j = new_result_job("schema", sc, sc_text, async, s, body);
        j->excel = std::move(excel_file);
        schemas_[schema_id] = j->id;
        return submission_answer(*j);
    } catch (const request_error& e) {
        return e.answer();
    }
}

response_plan server::submit_split(request_t& req, scenario& sc, const std::string& sc_text) {
    submission s;
    if (auto err = read_submission(req, s)) return std::move(*err);
    try {
        const json::object& f = s.fields;
        const bool async = member::flag(f, "async", "").value_or(false);
        const std::string extraction_id = member::required_string(f, "extraction_id", "");
        const json::object* cfg = member::object(f, "split_config", "");
        const auto cfg_id = member::string(f, "split_config_id", "");
        if (cfg && cfg_id) refuse("split_config and split_config_id cannot be combined");
        if (!cfg && (!cfg_id || trim(*cfg_id).empty())) missing("split_config or split_config_id");
        const std::vector<std::string> topics = cfg ? names_of(read_split_config(*cfg, "split_config")) : canned_topics();
        split_record split = make_split(new_id(), topics, resolve_extractions(extraction_id, "extraction_id"));
        auto j = new_result_job("split", sc, sc_text, async, s, split_answer(split));
        j->split = std::move(split);
        return submission_answer(*j);
    } catch (const request_error& e) {
        return e.answer();
    }
}

response_plan server::submit_tables(request_t& req, scenario& sc, const std::string& sc_text) {
    submission s;
    if (auto err = read_submission(req, s)) return std::move(*err);
    try {
        const json::object& f = s.fields;
        const bool async = member::flag(f, "async", "").value_or(false);
        const std::string extraction_id = member::required_string(f, "extraction_id", "");
        const tables_options opt = read_tables_config(member::object(f, "tables_config", ""), "tables_config");
        json::object body = tables_answer(new_id(), resolve_extractions(extraction_id, "extraction_id"), opt);
        return submission_answer(*new_result_job("tables", sc, sc_text, async, s, body));
    } catch (const request_error& e) {
        return e.answer();
    }
}

// ---------------------------------------------------------------------------------------------
// POST /batch/{extract,schema,tables,split}

response_plan server::submit_batch(request_t& req, const std::string& op, scenario& sc, const std::string& sc_text) {
    submission s;
    if (auto err = read_submission(req, s)) return std::move(*err);
    try {
        const json::object& f = s.fields;
        read_output(f);
        const auto workers = static_cast<std::uint64_t>(member::integer(f, "workers", "", 1, 10).value_or(4));

        // What each item works on.
        struct item {
            std::string source;
            std::vector<extraction_ref> refs;
            const split_record* split = nullptr;
        };
        std::vector<item> items;
        std::optional<schema_request> sr;
        std::vector<std::pair<std::string, schema_request>> topic_configs;
        std::vector<std::string> split_topics;
        tables_options topts;

        if (op == "extract") {
            const json::object& input = member::required_object(f, "input", "");
            const auto prefix = member::string(input, "s3_prefix", "input");
            const auto urls = member::string_list(input, "file_urls", "input");
            const json::array* files = member::array(input, "files", "input");
            const int given = (prefix ? 1 : 0) + (urls ? 1 : 0) + (files ? 1 : 0);
            if (given == 0) missing("input.s3_prefix, input.file_urls or input.files");
            if (given > 1) refuse("Give exactly one of input.s3_prefix, input.file_urls and input.files");
            check_extract_options(member::object(f, "extract_options", ""), "extract_options");
            if (prefix) {
                if (trim(*prefix).empty()) missing("input.s3_prefix");
                std::string base = *prefix;
                if (base.back() != '/') base += '/';
                for (std::int64_t i = 1; i <= s3_prefix_files; ++i)
                    items.push_back({appended(base + "document-" + std::to_string(i), ".pdf"), {}, nullptr});
            } else if (urls) {
                for (const auto& u : *urls) items.push_back({u, {}, nullptr});
            } else {
                for (auto& name : read_uploads(*files, "input.files")) items.push_back({std::move(name), {}, nullptr});
            }
        } else {
            const auto batch_extract_id = member::string(f, "batch_extract_id", "");
            const auto extraction_ids = member::string_list(f, "extraction_ids", "");
            std::optional<std::string> batch_split_id;
            std::optional<std::vector<std::string>> split_ids;
            if (op == "schema") {
                batch_split_id = member::string(f, "batch_split_id", "");
                split_ids = member::string_list(f, "split_ids", "");
            }
            const int given = (batch_extract_id ? 1 : 0) + (extraction_ids ? 1 : 0) + (batch_split_id ? 1 : 0) + (split_ids ? 1 : 0);
            if (given == 0)
                missing(op == "schema" ? "batch_extract_id, extraction_ids, batch_split_id or split_ids"
                                       : "batch_extract_id or extraction_ids");
            if (given > 1) refuse("Give exactly one source of items (batch_extract_id, extraction_ids, batch_split_id, split_ids)");
            const bool split_mode = batch_split_id || split_ids;

            // The configuration, checked before any id is looked up.
            if (op == "schema") {
                if (split_mode) {
                    topic_configs = read_topic_configs(member::required_object(f, "split_schema_config", ""));
                } else {
                    sr = read_schema_config(member::required_object(f, "schema_config", ""), "schema_config");
                    if (auto range = member::string(f, "page_range", ""); range && !valid_page_range(*range))
                        throw request_error(400, "REQ_006", "Invalid page range '" + *range + "'");
                }
            } else if (op == "tables") {
                topts = read_tables_config(member::object(f, "tables_config", ""), "tables_config");
            } else {
                split_topics = names_of(read_split_config(member::required_object(f, "split_config", ""), "split_config"));
            }

            // The items.
            auto completed_batch = [&](const std::string& id, std::string_view kind) -> const job& {
                auto it = jobs_.find(id);
                if (it == jobs_.end() || it->second->kind != kind) not_found("Batch job", id);
                if (it->second->status != "completed")
                    refuse("Batch job " + id + " is not completed (status: " + it->second->status + ")");
                return *it->second;
            };
            if (batch_extract_id) {
                for (const auto& c : completed_batch(*batch_extract_id, "batch_extract").children)
                    if (c->status == "completed") items.push_back({c->result_id, c->extractions, nullptr});
                if (items.empty()) refuse("Batch job " + *batch_extract_id + " has no completed extractions");
            } else if (extraction_ids) {
                for (const auto& id : *extraction_ids) {
                    auto it = extractions_.find(id);
                    if (it == extractions_.end()) not_found("Extraction", id);
                    items.push_back({id, {{id, it->second}}, nullptr});
                }
            } else if (batch_split_id) {
                for (const auto& c : completed_batch(*batch_split_id, "batch_split").children)
                    if (c->status == "completed" && c->split) items.push_back({c->split->id, {}, &*c->split});
                if (items.empty()) refuse("Batch job " + *batch_split_id + " has no completed splits");
            } else {
                for (const auto& id : *split_ids) {
                    auto it = splits_.find(id);
                    if (it == splits_.end()) not_found("Split", id);
                    items.push_back({id, {}, &it->second});
                }
            }
        }
        if (items.size() > max_batch_items) refuse("A batch holds at most " + std::to_string(max_batch_items) + " items");
        const auto n = static_cast<std::uint64_t>(items.size());
        std::string_view total_key = "total_extractions";
        if (op == "extract") total_key = "total_files";
        else if (op == "schema" && !topic_configs.empty()) total_key = "total_splits";

        // The items' jobs take the scenario's result keys (size, result, large_url_base, error) and
        // the status fail_items gives them; its statuses and faults stay with the batch.
        std::vector<scenario> item_sc(items.size());
        for (std::size_t i = 0; i < items.size(); ++i) {
            scenario& c = item_sc[i];
            c.size = sc.size;
            c.large = sc.large;
            c.large_url_base = sc.large_url_base;
            c.error = sc.error;
            c.tag = sc.tag;
            c.status = std::find(sc.fail_items.begin(), sc.fail_items.end(), i) != sc.fail_items.end() ? "failed" : "completed";
        }
        const bool explicit_steps = sc.interim || sc.poll_steps;
        auto b = new_job("batch_" + op, sc, sc_text, true, s);
        b->workers = workers;
        b->status = "processing";
        if (!explicit_steps) {
            // One poll per round of `workers` items, and no fewer than --poll-steps.
            const std::uint64_t rounds = (n + workers - 1) / workers;
            b->interim.assign(std::max<std::uint64_t>(opt_.poll_steps, rounds), "processing");
        } else if (!b->sc.interim) {
            b->interim.assign(b->interim.size(), "processing");
        }

        for (std::size_t i = 0; i < items.size(); ++i) {
            const item& it = items[i];
            submission cs;
            cs.fields = json::object{{"batch_job_id", b->id}, {"index", i}, {"source", it.source}};
            std::shared_ptr<job> c;
            if (op == "extract") {
                c = new_job("extract", item_sc[i], sc_text, true, cs);
                c->result = extraction_result(c->sc.size, new_id());
                c->large = c->sc.large.value_or(c->result->size > opt_.large_threshold);
                c->result_id_key = "extraction_id";
                c->result_id = c->result->extraction_id;
                c->extractions.push_back({c->result_id, c->result->page_count.value_or(1)});
            } else if (op == "schema") {
                const std::string schema_id = new_id();
                json::object body = it.split ? split_schema_answer(schema_id, *it.split, topic_configs)
                                             : schema_answer(schema_id, *sr, it.refs, it.refs.size() > 1);
                c = new_result_job("schema", item_sc[i], sc_text, true, cs, body);
                if (sr && sr->excel) c->excel = workbook_for(body.at("schema_output").at("values"));
                schemas_[schema_id] = c->id;
            } else if (op == "tables") {
                c = new_result_job("tables", item_sc[i], sc_text, true, cs, tables_answer(new_id(), it.refs, topts));
            } else {
                split_record split = make_split(new_id(), split_topics, it.refs);
                c = new_result_job("split", item_sc[i], sc_text, true, cs, split_answer(split));
                c->split = std::move(split);
            }
            c->parent = b->id;
            c->source = it.source;
            c->requests[static_cast<std::size_t>(phase::submit)] = 0;  // submitted by its batch, not by a client
            b->children.push_back(std::move(c));
        }

        const json::object ack{{"batch_job_id", b->id}, {"status", "processing"}, {total_key, n}};
        response_plan p = json_response(202, json_text(ack));
        p.headers.emplace_back("x-pulse-job-id", b->id);
        return p;
    } catch (const request_error& e) {
        return e.answer();
    }
}

void server::advance_batch(job& b) {
    if (b.cancel_requested) return;
    // Poll k of P interim polls finishes the first n(k-1)/P items and runs the next `workers`; from
    // the final status on, every item is finished.
    const std::uint64_t n = b.children.size(), p = b.interim.size(), k = b.answered_polls;
    const std::uint64_t done = (k > p || p == 0) ? n : n * (k - 1) / p;
    const std::uint64_t running_end = std::min(n, done + b.workers);
    for (std::uint64_t i = 0; i < n; ++i) {
        job& c = *b.children[i];
        if (is_terminal(c.status)) continue;  // finished, or canceled on its own
        if (i < done) settle(c, c.final_status);
        else if (i < running_end) settle(c, "processing");
    }
}

std::string server::batch_progress(const job& b) const {
    json::array items;
    std::uint64_t completed = 0, failed = 0;
    for (std::size_t i = 0; i < b.children.size(); ++i) {
        const job& c = *b.children[i];
        json::object item{{"index", i}, {"job_id", c.id}, {"status", c.status}, {"source", c.source}};
        if (c.status == "completed") {
            ++completed;
            if (!c.result_id.empty()) item[c.result_id_key] = c.result_id;
        } else if (c.status == "failed") {
            ++failed;
            item["error"] = c.error_text;
        }
        items.push_back(std::move(item));
    }
    return json_text(json::object{{"total", b.children.size()}, {"completed", completed}, {"failed", failed},
                                  {"items", std::move(items)}});
}

// ---------------------------------------------------------------------------------------------
// POST /pipeline/execute

response_plan server::submit_pipeline(request_t& req, scenario& sc, const std::string& sc_text) {
    submission s;
    if (auto err = read_submission(req, s)) return std::move(*err);
    try {
        const json::object& f = s.fields;
        // `steps` is an object, or in multipart its JSON text; its key order is the execution order.
        const json::value* steps_value = member::find(f, "steps");
        if (!steps_value) missing("steps");
        json::object steps;
        if (steps_value->is_object()) {
            steps = steps_value->get_object();
        } else {
            json::error_code ec;
            json::value parsed = steps_value->is_string() ? json::parse(steps_value->get_string(), ec) : json::value();
            if (ec || !parsed.is_object()) invalid("steps", "an object (in multipart, its JSON text)");
            steps = std::move(parsed.get_object());
        }
        if (steps.empty()) missing("steps (at least one step)");
        std::string chain;
        for (const auto& m : steps) {
            static constexpr std::array<std::string_view, 5> known{"extract", "batch_extract", "schema", "split", "tables"};
            if (std::find(known.begin(), known.end(), m.key()) == known.end())
                refuse("Unknown pipeline step '" + std::string(m.key()) +
                       "' (steps are extract, batch_extract, schema, split, tables)");
            if (!m.value().is_object()) invalid(member::path("steps", m.key()), "an object");
            if (!chain.empty()) chain += "->";
            chain += m.key();
        }
        static constexpr std::array<std::string_view, 6> supported{
            "extract", "extract->schema", "extract->split", "extract->split->schema", "extract->tables", "batch_extract->schema"};
        if (std::find(supported.begin(), supported.end(), chain) == supported.end())
            refuse("Unsupported pipeline " + chain +
                   " (supported: extract, extract->schema, extract->split, extract->split->schema, extract->tables, "
                   "batch_extract->schema)");
        const bool async = member::flag(f, "async", "").value_or(false);
        const bool auto_delete = member::flag(f, "auto_delete", "").value_or(false);

        // Inputs and step configurations, all checked before anything runs.
        std::size_t files = 0;
        if (steps.contains("extract")) {
            auto url = member::string(f, "file_url", "");
            if (!url) url = member::string(f, "fileUrl", "");
            if (!s.has_file && (!url || trim(*url).empty())) throw request_error(400, "REQ_001", "No file or URL provided");
            check_extract_options(&steps.at("extract").get_object(), "steps.extract");
        } else {
            const json::object& be = steps.at("batch_extract").get_object();
            check_extract_options(&be, "steps.batch_extract");
            member::integer(be, "workers", "steps.batch_extract", 1, 10);
            auto urls = member::string_list(be, "file_urls", "steps.batch_extract");
            if (!urls) urls = member::string_list(f, "file_urls", "");
            if (urls) files += urls->size();
            if (const json::array* uploads = member::array(be, "files", "steps.batch_extract"))
                files += read_uploads(*uploads, "steps.batch_extract.files").size();
            for (const auto& part : s.files)
                if (part.at("name").as_string() == "file") ++files;
            if (files == 0)
                throw request_error(400, "REQ_001",
                                    "No files provided (steps.batch_extract.file_urls, steps.batch_extract.files or file parts)");
        }
        std::optional<schema_request> sr;
        if (steps.contains("schema")) sr = read_schema_config(steps.at("schema").get_object(), "steps.schema");
        std::vector<topic> topics;
        if (steps.contains("split")) topics = read_split_config(steps.at("split").get_object(), "steps.split");
        const json::object* tables_step = steps.contains("tables") ? &steps.at("tables").get_object() : nullptr;
        const tables_options topts = read_tables_config(tables_step, "steps.tables");

        // Run the steps in order, each on what the one before produced.
        json::object results;
        double total_latency = 0;
        std::vector<extraction_ref> refs;
        std::optional<split_record> split;
        std::string schema_id;
        std::shared_ptr<const std::string> excel_file;
        for (const auto& m : steps) {
            const std::string_view step = m.key();
            json::object r;
            double latency = 0;
            if (step == "extract") {
                const std::string eid = new_id();
                r = json::parse(builtin_result_json()).as_object();
                r["extraction_id"] = eid;
                r["extraction_url"] = "https://platform.runpulse.com/dashboard/extractions/" + eid;
                json::value pages = r.at("page_count");  // a copy: inserting into r may move its members
                refs = {{eid, pages.to_number<std::int64_t>()}};
                r["pages"] = std::move(pages);
                latency = extract_latency;
            } else if (step == "batch_extract") {
                json::array ids;
                for (std::size_t i = 0; i < files; ++i) {
                    refs.push_back({new_id(), 3});
                    ids.emplace_back(refs.back().id);
                }
                r = json::object{{"extraction_ids", std::move(ids)}, {"total_files", files}};
                latency = batch_extract_latency;
            } else if (step == "split") {
                split = make_split(new_id(), names_of(topics), refs);
                r = split_answer(*split);
                r["split_input"] = topics_json(topics);
                latency = split_latency;
            } else if (step == "schema") {
                schema_id = new_id();
                if (split) {
                    // After a split, the step's schema applies to every topic.
                    std::vector<std::pair<std::string, schema_request>> per_topic;
                    for (const auto& t : split->topics) per_topic.emplace_back(t, *sr);
                    json::object answer = split_schema_answer(schema_id, *split, per_topic);
                    r = json::object{{"schema_id", schema_id}, {"split_id", split->id}, {"results", answer.at("results")}};
                } else {
                    json::object answer = schema_answer(schema_id, *sr, refs, refs.size() > 1);
                    r = json::object{{"schema_id", schema_id}, {"schema_output", answer.at("schema_output")}};
                    if (const json::value* ids = answer.if_contains("extraction_ids")) r["extraction_ids"] = *ids;
                    if (sr->excel && !auto_delete) {
                        r["excel_output_url"] = answer.at("excel_output_url");
                        excel_file = workbook_for(answer.at("schema_output").at("values"));
                    }
                }
                latency = schema_latency;
            } else {
                json::object answer = tables_answer(new_id(), refs, topts);
                r = json::object{{"tables_id", answer.at("tables_id")}, {"tables_output", answer.at("tables_output")}};
                latency = tables_latency;
            }
            r["latency"] = latency;
            total_latency += latency;
            results[step] = std::move(r);
        }
        json::object body{{"status", "completed"}, {"total_latency", total_latency}, {"results", std::move(results)}};
        if (auto_delete) body["auto_delete"] = true;

        auto j = new_result_job("pipeline", sc, sc_text, async, s, body);
        // auto_delete: zero retention, so nothing the pipeline made can be referred to afterwards.
        j->keep_artifacts = !auto_delete;
        j->extractions = std::move(refs);
        j->split = std::move(split);
        if (!schema_id.empty() && !auto_delete) schemas_[schema_id] = j->id;
        j->excel = std::move(excel_file);
        return submission_answer(*j);
    } catch (const request_error& e) {
        return e.answer();
    }
}

// ---------------------------------------------------------------------------------------------
// POST /webhook, GET /schema/{id}/excel

response_plan server::webhook_link() {
    const std::string token = hex64(rng_()) + hex64(rng_());
    return json_response(200, json_text(json::object{{"link", "https://app.svix.com/app-portal/login/" + token}}));
}

response_plan server::excel(job* j) {
    if (!j || !j->excel || j->status != "completed")
        return error_response(404, "NOT_FOUND", "No Excel output for this schema");
    response_plan p;
    p.headers.emplace_back("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    p.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + j->result_id + ".xlsx\"");
    p.body = shared_string_source(j->excel);
    return p;
}

}  // namespace pulse_server
