#include "server.hpp"

#include "connection.hpp"
#include "fixtures.hpp"
#include "http_util.hpp"
#include "result_file.hpp"
#include "result_generator.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <initializer_list>
#include <stdexcept>

namespace pulse_server {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::system_clock;

namespace {

constexpr std::size_t request_log_size = 100;
constexpr std::uint64_t small_gzip_limit = 4u << 20;  // below this, gzip up front and send Content-Length

constexpr std::size_t idx(phase p) { return static_cast<std::size_t>(p); }

void set_header(response_plan& p, std::string name, std::string value) {
    for (auto& [k, v] : p.headers)
        if (iequals(k, name)) {
            v = std::move(value);
            return;
        }
    p.headers.emplace_back(std::move(name), std::move(value));
}

bool accepts_gzip(const request_t& req) {
    std::string ae = to_lower(header_value(req, "accept-encoding"));
    std::size_t at = ae.find("gzip");
    if (at == std::string::npos) return false;
    std::string_view params = std::string_view(ae).substr(at + 4);
    params = params.substr(0, params.find(','));
    auto q = params.find("q=");  // "gzip;q=0" refuses it
    return q == std::string_view::npos || trim(params.substr(q + 2)).find_first_not_of("0.") != std::string_view::npos;
}

// Images the fake results refer to: fig-N.png and excel_image_N_M.png.
bool valid_image_name(std::string_view name) {
    auto digits = [](std::string_view d) {
        return !d.empty() && d.find_first_not_of("0123456789") == std::string_view::npos;
    };
    if (name.size() <= 4 || name.substr(name.size() - 4) != ".png") return false;
    std::string_view stem = name.substr(0, name.size() - 4);
    if (stem.rfind("fig-", 0) == 0) return digits(stem.substr(4));
    if (stem.rfind("excel_image_", 0) == 0) {
        std::string_view rest = stem.substr(12);
        std::size_t us = rest.find('_');
        return us != std::string_view::npos && digits(rest.substr(0, us)) && digits(rest.substr(us + 1));
    }
    return false;
}

std::string replace_port(std::string s, unsigned short port) {
    if (auto at = s.find("PORT"); at != std::string::npos) s.replace(at, 4, std::to_string(port));
    return s;
}

// The code a refusal fault puts in its envelope, as the real API would for that status.
std::string_view code_for(unsigned status, phase p) {
    switch (status) {
    case 400: return "REQ_002";
    case 401: return "AUTH_002";
    case 403: return "AUTH_004";
    case 404: return (p == phase::poll || p == phase::cancel) ? "JOB_NOT_FOUND" : "NOT_FOUND";
    case 408: return "REQUEST_TIMEOUT";
    case 409: return "CONFLICT";
    case 410: return "GONE";
    case 413: return "FILE_002";
    case 429: return "RATE_LIMITED";
    case 500: return "INTERNAL_ERROR";
    case 502: return "BAD_GATEWAY";
    case 503: return "SERVICE_UNAVAILABLE";
    case 504: return "GATEWAY_TIMEOUT";
    default: return "GENERAL_ERROR";
    }
}

// A garbled large-result download, per kind of result: a body that is not JSON, one of the wrong
// shape, and the opening and closing of an object that carries a depth bomb (as an unknown member,
// past the root) or a huge string (in the kind's id).
struct garbled_result {
    std::string_view malformed, wrong_shape, bomb_open, huge_open, huge_close;
};

const garbled_result& garbled_for(std::string_view kind) {
    static constexpr garbled_result extract{
        R"({"markdown": "# Report", "page_count": 3,, "bounding_boxes": {"Text": [})",
        R"({"markdown": 5, "page_count": "three", "bounding_boxes": [], "plan_info": "none"})",
        R"({"markdown":"","bomb":)", R"({"markdown":"","extraction_id":")", R"(","page_count":1})"};
    static constexpr garbled_result schema{
        R"({"schema_id": "s", "version": 1,, "schema_output": {"values": [})",
        R"({"schema_id": 5, "version": "one", "schema_output": [], "plan_info": "none"})",
        R"({"schema_id":"","bomb":)", R"({"schema_id":")", R"(","version":1})"};
    static constexpr garbled_result split{
        R"({"split_id": "s",, "split_output": {"splits": [})",
        R"({"split_id": 5, "split_output": {"splits": []}, "credits_used": "two"})",
        R"({"split_id":"","bomb":)", R"({"split_id":")", R"("})"};
    static constexpr garbled_result tables{
        R"({"tables_id": "t",, "tables_output": {"tables": [})",
        R"({"tables_id": 5, "tables_output": {"tables": {}}, "plan_info": "none"})",
        R"({"tables_id":"","bomb":)", R"({"tables_id":")", R"("})"};
    static constexpr garbled_result pipeline{
        R"({"status": "completed",, "results": {"extract": [})",
        R"({"status": 5, "total_latency": "slow", "results": []})",
        R"({"status":"completed","bomb":)", R"({"status":"completed","results":{"schema":{"schema_id":")", R"("}}})"};
    if (kind == "schema") return schema;
    if (kind == "split") return split;
    if (kind == "tables") return tables;
    if (kind == "pipeline") return pipeline;
    return extract;
}

std::vector<std::string> split_path(std::string_view target) {
    target = target.substr(0, target.find('?'));
    std::vector<std::string> segs;
    while (!target.empty()) {
        std::size_t slash = target.find('/');
        std::string_view seg = target.substr(0, slash);
        if (!seg.empty()) segs.push_back(percent_decode(seg));
        target = slash == std::string_view::npos ? std::string_view{} : target.substr(slash + 1);
    }
    return segs;
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
    std::string out;
    for (const auto& s : v) {
        if (!out.empty()) out += sep;
        out += s;
    }
    return out;
}

}  // namespace

std::shared_ptr<const result_blob> extraction_result(std::optional<std::uint64_t> size, const std::string& extraction_id) {
    auto b = std::make_shared<result_blob>();
    if (size) {
        auto doc = std::make_shared<const generated_result>(*size, extraction_id);
        b->size = doc->size();
        b->open = [doc] { return generated_source(doc); };
        b->extraction_id = doc->extraction_id();
        b->page_count = static_cast<std::int64_t>(doc->page_count());
        b->plan_info_json = doc->plan_info_json();
        return b;
    }
    std::string text = builtin_result_json();
    json::object o = json::parse(text).as_object();
    const std::string builtin_id(o.at("extraction_id").as_string());
    if (!extraction_id.empty())
        for (std::size_t at = text.find(builtin_id); at != std::string::npos; at = text.find(builtin_id, at))
            text.replace(at, builtin_id.size(), extraction_id);
    auto shared = std::make_shared<const std::string>(std::move(text));
    b->size = shared->size();
    b->open = [shared] { return shared_string_source(shared); };
    b->extraction_id = extraction_id.empty() ? builtin_id : extraction_id;
    b->page_count = o.at("page_count").as_int64();
    b->plan_info_json = json::serialize(o.at("plan_info"));
    return b;
}

// ---------------------------------------------------------------------------------------------
// Routing

enum class endpoint {
    health, shutdown, requests, jobs, job_info, stats, submissions, control_unknown,  // /__*: no auth, no faults
    extract, extract_async, form, schema, split, tables, batch, pipeline, webhook,
    poll, cancel, download, pdf, image, excel, unknown,
};

struct server::route {
    endpoint ep = endpoint::unknown;
    phase ph = phase::other;
    std::string id;     // job id (schema id for the Excel file)
    std::string name;   // form or batch operation, or image file name
    std::string allow;  // set when the method is wrong: the methods this path takes
    bool control() const { return ep <= endpoint::control_unknown; }
};


server::route server::classify(http::verb m, const std::vector<std::string>& seg) {
    route r;
    auto only = [&](http::verb v, const char* allow) {
        if (m != v) r.allow = allow;
    };
    const std::size_t n = seg.size();
    auto is = [&](std::size_t i, std::string_view s) { return i < n && seg[i] == s; };

    if (n >= 1 && seg[0].rfind("__", 0) == 0) {
        r.ep = endpoint::control_unknown;
        if (n == 1 && is(0, "__health")) { r.ep = endpoint::health; only(http::verb::get, "GET"); }
        else if (n == 1 && is(0, "__shutdown")) { r.ep = endpoint::shutdown; only(http::verb::post, "POST"); }
        else if (n == 1 && is(0, "__requests")) {
            r.ep = endpoint::requests;
            if (m != http::verb::get && m != http::verb::delete_) r.allow = "GET, DELETE";
        }
        else if (n == 1 && is(0, "__jobs")) { r.ep = endpoint::jobs; only(http::verb::get, "GET"); }
        else if (n == 2 && is(0, "__jobs")) { r.ep = endpoint::job_info; r.id = seg[1]; only(http::verb::get, "GET"); }
        else if (n == 1 && is(0, "__stats")) { r.ep = endpoint::stats; only(http::verb::get, "GET"); }
        else if (n == 1 && is(0, "__submissions")) { r.ep = endpoint::submissions; only(http::verb::get, "GET"); }
        return r;
    }
    if (n == 1 && is(0, "extract")) {
        r.ep = endpoint::extract; r.ph = phase::submit; only(http::verb::post, "POST");
    } else if (n == 1 && is(0, "extract_async")) {
        r.ep = endpoint::extract_async; r.ph = phase::submit; only(http::verb::post, "POST");
    } else if (n == 2 && is(0, "form") && (is(1, "detect") || is(1, "fill") || is(1, "clear"))) {
        r.ep = endpoint::form; r.ph = phase::submit; r.name = seg[1]; only(http::verb::post, "POST");
    } else if (n == 1 && (is(0, "schema") || is(0, "split") || is(0, "tables") || is(0, "webhook"))) {
        r.ep = is(0, "schema") ? endpoint::schema : is(0, "split") ? endpoint::split
             : is(0, "tables") ? endpoint::tables : endpoint::webhook;
        r.ph = phase::submit; only(http::verb::post, "POST");
    } else if (n == 2 && is(0, "batch") && (is(1, "extract") || is(1, "schema") || is(1, "tables") || is(1, "split"))) {
        r.ep = endpoint::batch; r.ph = phase::submit; r.name = seg[1]; only(http::verb::post, "POST");
    } else if (n == 2 && is(0, "pipeline") && is(1, "execute")) {
        r.ep = endpoint::pipeline; r.ph = phase::submit; only(http::verb::post, "POST");
    } else if (n == 3 && is(0, "schema") && is(2, "excel")) {
        r.ep = endpoint::excel; r.ph = phase::excel; r.id = seg[1]; only(http::verb::get, "GET");
    } else if (n == 2 && is(0, "job")) {
        r.id = seg[1];
        if (m == http::verb::delete_) { r.ep = endpoint::cancel; r.ph = phase::cancel; }
        else { r.ep = endpoint::poll; r.ph = phase::poll; only(http::verb::get, "GET, DELETE"); }
    } else if (n == 2 && is(0, "cancel")) {
        r.ep = endpoint::cancel; r.ph = phase::cancel; r.id = seg[1]; only(http::verb::post, "POST");
    } else if (n == 2 && is(0, "large_results")) {
        r.ep = endpoint::download; r.ph = phase::download; r.id = seg[1]; only(http::verb::get, "GET");
    } else if (n == 3 && is(0, "results") && is(2, "pdf")) {
        r.ep = endpoint::pdf; r.ph = phase::pdf; r.id = seg[1]; only(http::verb::get, "GET");
    } else if (n == 4 && is(0, "results") && is(2, "images")) {
        r.ep = endpoint::image; r.ph = phase::image; r.id = seg[1]; r.name = seg[3]; only(http::verb::get, "GET");
    }
    return r;
}

// ---------------------------------------------------------------------------------------------
// Life cycle

server::server(asio::io_context& ioc, options opt)
    : ioc_(ioc), opt_(std::move(opt)), acceptor_(asio::make_strand(ioc)), rng_(std::random_device{}()) {
    if (auto err = parse_scenario(opt_.faults, global_); !err.empty()) throw std::runtime_error("--fault: " + err);

    if (!opt_.result_file.empty()) {
        result_file_info info = scan_result_file(opt_.result_file);
        auto blob = std::make_shared<result_blob>();
        blob->size = info.size;
        blob->open = [path = info.path, size = info.size] { return file_source(path, size); };
        blob->extraction_id = info.extraction_id.value_or("");
        blob->page_count = info.page_count;
        blob->plan_info_json = info.plan_info_json;
        default_result_ = std::move(blob);
    } else {
        default_result_ = extraction_result(std::nullopt, "");
    }
    // The served extraction is known from the start, so a test can go straight to /schema with it.
    if (!default_result_->extraction_id.empty())
        extractions_[default_result_->extraction_id] = default_result_->page_count.value_or(1);
    png_ = std::make_shared<const std::string>(make_png());

    if (!opt_.tls_cert.empty()) {
        // HTTPS: TLS 1.2 or newer, the certificate chain and key from PEM files.
        tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
        tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                          asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
        tls_->use_certificate_chain_file(opt_.tls_cert);
        tls_->use_private_key_file(opt_.tls_key, asio::ssl::context::pem);
    }

    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), opt_.port);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen(asio::socket_base::max_listen_connections);
    port_ = acceptor_.local_endpoint().port();
    api_base_ = std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
    large_base_ = opt_.large_url_base.empty() ? api_base_ : replace_port(opt_.large_url_base, port_);
}

server::~server() = default;

void server::start() { accept_next(); }

void server::stop() {
    if (stopping_.exchange(true)) return;
    // Stopping the io_context ends every connection, timer and stall at once; nothing is left
    // waiting, so the process exits promptly.
    ioc_.stop();
}

void server::accept_next() {
    acceptor_.async_accept(asio::make_strand(ioc_), [this](boost::system::error_code ec, tcp::socket s) {
        if (stopping_) return;
        if (ec) {
            if (ec == asio::error::operation_aborted) return;
            // Out of descriptors or a transient error: keep accepting after a short pause.
            auto t = std::make_shared<asio::steady_timer>(acceptor_.get_executor(), std::chrono::milliseconds(50));
            t->async_wait([this, t](boost::system::error_code) { accept_next(); });
            return;
        }
        std::make_shared<connection>(std::move(s), *this, ++connections_)->start();
        accept_next();
    });
}

// ---------------------------------------------------------------------------------------------
// Requests

response_plan server::malformed_request(std::string_view why) {
    response_plan p = error_response(400, "REQ_002", "Malformed HTTP request: " + std::string(why));
    p.how.close = true;
    return p;
}

response_plan server::handle(request_t& req, const peer_info& peer) {
    const std::string target(req.target());
    const route r = classify(req.method(), split_path(target));
    response_plan plan;
    std::string note;
    try {
        plan = r.control() ? control(req, r) : handle_locked(req, peer, r, note);
    } catch (const std::exception& e) {
        plan = error_response(500, "INTERNAL_ERROR", e.what());
    }
    if (!opt_.quiet && !r.control()) {
        auto m = req.method_string();
        std::fprintf(stderr, "pulse-server: %.*s %s -> %u%s\n", static_cast<int>(m.size()), m.data(), target.c_str(),
                     plan.status, note.c_str());
    }
    return plan;
}

response_plan server::handle_locked(request_t& req, const peer_info& peer, const route& r, std::string& note) {
    std::unique_lock lk(mu_);
    ++requests_total_;
    record_request(req, peer);

    scenario sc;
    std::string sc_text;
    const bool has_sc = req.find("x-pulse-scenario") != req.end();
    if (has_sc) {
        sc_text = header_value(req, "x-pulse-scenario");
        if (auto err = parse_scenario(sc_text, sc); !err.empty())
            return error_response(400, "SCENARIO_INVALID", "x-pulse-scenario: " + err);
    }
    if (!r.allow.empty()) {
        response_plan p = error_response(405, "METHOD_NOT_ALLOWED", "Method not allowed; use " + r.allow);
        p.headers.emplace_back("Allow", r.allow);
        return p;
    }

    // Large results may be fetched anonymously (the real API allows it within the TTL), but a key
    // that is present must be the right one.
    auto key = req.find("x-api-key");
    if (r.ep == endpoint::download) {
        if (key != req.end() && key->value() != opt_.api_key)
            return error_response(403, "AUTH_004", "This API key cannot access this result");
    } else if (key == req.end()) {
        return error_response(401, "AUTH_001", "Missing API key (x-api-key header)");
    } else if (key->value() != opt_.api_key) {
        return error_response(401, "AUTH_002", "Invalid API key");
    }

    std::shared_ptr<job> j;
    std::string job_id = r.id;
    if (r.ep == endpoint::excel) {  // the Excel file belongs to the job that produced the schema
        auto it = schemas_.find(r.id);
        job_id = it == schemas_.end() ? std::string() : it->second;
    }
    if (!job_id.empty())
        if (auto it = jobs_.find(job_id); it != jobs_.end()) j = it->second;

    // Which occurrence this request is, for @N: submissions count per scenario text (a client
    // retrying a submission resends the same header); everything else counts per job.
    fault_plan fp;
    if (r.ph == phase::submit) {
        const std::uint64_t same_text = ++submits_by_scenario_[sc_text];
        const std::uint64_t overall = ++global_counts_[idx(phase::submit)];
        if (has_sc) collect_faults(sc, phase::submit, same_text, fp);
        collect_faults(global_, phase::submit, overall, fp);
    } else {
        const std::uint64_t n = j ? ++j->requests[idx(r.ph)] : ++global_counts_[idx(r.ph)];
        if (has_sc) collect_faults(sc, r.ph, n, fp);
        if (j) collect_faults(j->sc, r.ph, n, fp);
        collect_faults(global_, r.ph, n, fp);
    }

    response_plan plan = fp.refusal ? refusal(*fp.refusal, r, req) : dispatch(req, r, j, sc, sc_text, fp);
    apply_faults(plan, fp, r, j.get());
    lk.unlock();
    encode(plan, fp, req);
    if (!fp.applied.empty()) note = " [" + join(fp.applied, ",") + "]";
    return plan;
}

response_plan server::dispatch(request_t& req, const route& r, const std::shared_ptr<job>& j, scenario& sc,
                               const std::string& sc_text, const fault_plan& fp) {
    switch (r.ep) {
    case endpoint::extract: return submit_extract(req, sc, sc_text, false);
    case endpoint::extract_async: return submit_extract(req, sc, sc_text, true);
    case endpoint::form: return submit_form(req, r.name, sc, sc_text);
    case endpoint::schema: return submit_schema(req, sc, sc_text);
    case endpoint::split: return submit_split(req, sc, sc_text);
    case endpoint::tables: return submit_tables(req, sc, sc_text);
    case endpoint::batch: return submit_batch(req, r.name, sc, sc_text);
    case endpoint::pipeline: return submit_pipeline(req, sc, sc_text);
    case endpoint::webhook: return webhook_link();
    case endpoint::excel: return excel(j.get());
    case endpoint::poll: return j ? poll(*j) : error_response(404, "JOB_NOT_FOUND", "Job not found");
    case endpoint::cancel: return j ? cancel(*j) : error_response(404, "JOB_NOT_FOUND", "Job not found");
    case endpoint::download:
        return j ? download(j, !fp.garble && !fp.breakage) : error_response(404, "NOT_FOUND", "Large result not found");
    case endpoint::pdf: return j ? pdf(*j) : error_response(404, "NOT_FOUND", "Job not found");
    case endpoint::image: return j ? image(*j, r.name) : error_response(404, "NOT_FOUND", "Job not found");
    default: return error_response(404, "NOT_FOUND", "No such endpoint");
    }
}

// ---------------------------------------------------------------------------------------------
// Faults

response_plan server::refusal(const fault& f, const route& r, request_t& req) {
    response_plan p;
    if (f.kind == fault_kind::redirect) {
        std::string location = f.url;
        if (location.empty()) {
            // Same path on the other spelling of loopback: a different origin for the client.
            const bool via_localhost = header_value(req, "host").rfind("localhost", 0) == 0;
            location = std::string(tls_ ? "https" : "http") + (via_localhost ? "://127.0.0.1:" : "://localhost:") +
                       std::to_string(port_) + std::string(req.target());
        }
        p = json_response(f.status ? f.status : 302, "{\"redirect\":" + json_quote(location) + "}");
        p.headers.emplace_back("Location", location);
        return p;
    }
    if (f.kind == fault_kind::echo_key) {
        // A careless error body that repeats the credential: the client must not pass it on into its
        // own error messages or logs.
        const std::string echoed = header_value(req, "x-api-key");
        p = error_response(f.status ? f.status : 401, "AUTH_002", "Invalid API key '" + echoed + "'");
        p.headers.emplace_back("x-echoed-key", echoed);
        return p;
    }
    // A status code.
    const std::string line = std::to_string(f.status) + " " + reason_phrase(f.status);
    if (f.body_style == "html") {
        p.headers.emplace_back("Content-Type", "text/html");
        p.body = string_source("<!DOCTYPE html>\n<html><head><title>" + line + "</title></head><body><h1>" + line +
                               "</h1><p>pulse-server injected fault</p></body></html>\n");
    } else if (f.body_style == "text") {
        p.headers.emplace_back("Content-Type", "text/plain");
        p.body = string_source(line + "\n");
    } else if (f.body_style == "json") {
        p = error_response(f.status, code_for(f.status, r.ph), "Injected fault: " + line);
    }
    p.status = f.status;
    if (!f.retry_after.empty()) p.headers.emplace_back("Retry-After", f.retry_after);
    if (f.retry_after_date)
        p.headers.emplace_back("Retry-After", http_date(clock_type::now() + std::chrono::seconds(*f.retry_after_date)));
    if (!f.retry_after_ms.empty()) p.headers.emplace_back("retry-after-ms", f.retry_after_ms);
    return p;
}

void server::apply_faults(response_plan& plan, const fault_plan& fp, const route& r, const job* j) {
    if (fp.garble) {
        const fault& g = *fp.garble;
        // Download bodies are results; everything else is shaped like a job answer.
        const bool result_shape = r.ph == phase::download;
        const garbled_result& shape = garbled_for(j ? std::string_view(j->kind) : std::string_view("extract"));
        const std::string id = j ? j->id : (r.id.empty() ? "3c90c3cc-0d44-4b50-8888-8dd25736052a" : r.id);
        switch (g.kind) {
        case fault_kind::malformed_json:
            plan.body = string_source(result_shape ? std::string(shape.malformed)
                                                   : "{\"job_id\": " + json_quote(id) + ", \"status\": \"pending\",, \"created_at\": }");
            set_header(plan, "Content-Type", "application/json");
            break;
        case fault_kind::truncated_json: {
            if (!plan.body) plan.body = string_source("");
            const std::uint64_t size = plan.body->size().value_or(0);
            plan.body = limit_source(std::move(plan.body), g.bytes.value_or(size / 2));
            break;
        }
        case fault_kind::wrong_shape:
            plan.body = string_source(result_shape ? std::string(shape.wrong_shape)
                                                   : "{\"job_id\": 5, \"status\": [], \"created_at\": false, \"result\": \"not an object\"}");
            set_header(plan, "Content-Type", "application/json");
            break;
        case fault_kind::depth_bomb: {
            const std::uint64_t depth = g.depth.value_or(100000);
            // Downloads: inside an object, as an unknown member, so a typed decoder (which refuses
            // an array where the result object belongs at once) meets the depth past the root.
            std::vector<source_ptr> parts;
            if (result_shape) parts.push_back(string_source(std::string(shape.bomb_open)));
            parts.push_back(repeat_source("[", depth));
            parts.push_back(repeat_source("]", depth));
            if (result_shape) parts.push_back(string_source("}"));
            plan.body = concat_source(std::move(parts));
            set_header(plan, "Content-Type", "application/json");
            break;
        }
        case fault_kind::huge_string: {
            std::vector<source_ptr> parts;
            parts.push_back(string_source(result_shape ? std::string(shape.huge_open) : "{\"job_id\":\""));
            parts.push_back(repeat_source("0123456789abcdef", g.bytes.value_or(1u << 20)));
            parts.push_back(string_source(result_shape ? std::string(shape.huge_close) : "\",\"status\":\"pending\"}"));
            plan.body = concat_source(std::move(parts));
            set_header(plan, "Content-Type", "application/json");
            break;
        }
        case fault_kind::sparse_boxes: {
            // Text regions that name only a page: 18 bytes of body for every item a typed decoder
            // builds in full. Extraction results carry them where they belong; other downloads as
            // an unknown member, answers as an inline result.
            static constexpr std::string_view item = R"({"page_number":1},)";
            const bool extract_shaped = &shape == &garbled_for("extract");
            std::string open;
            if (!result_shape)
                open = "{\"job_id\":" + json_quote(id) + R"(,"status":"completed","result":{"markdown":"","bounding_boxes":{"Text":[)";
            else if (!extract_shaped)
                open = std::string(shape.bomb_open) + "[";
            else
                open = R"({"markdown":"","bounding_boxes":{"Text":[)";
            std::string close = result_shape && !extract_shaped ? "]}" : "]}}";
            if (!result_shape) close += "}";
            std::vector<source_ptr> parts;
            parts.push_back(string_source(std::move(open)));
            if (!g.count) {
                parts.push_back(endless_source(std::string(item))); // never closes
            } else if (*g.count > 0) {
                parts.push_back(repeat_source(std::string(item), (*g.count - 1) * item.size()));
                parts.push_back(string_source(std::string(item.substr(0, item.size() - 1))));
            }
            parts.push_back(string_source(std::move(close)));
            plan.body = concat_source(std::move(parts));
            set_header(plan, "Content-Type", "application/json");
            break;
        }
        default: break;
        }
    }
    if (fp.breakage) {
        const fault& b = *fp.breakage;
        using k = delivery::breakage;
        switch (b.kind) {
        case fault_kind::reset: plan.how.kind = k::reset; break;
        case fault_kind::reset_mid_body: plan.how.kind = k::reset_mid_body; break;
        case fault_kind::stall_mid_body: plan.how.kind = k::stall_mid_body; break;
        case fault_kind::short_body: plan.how.kind = k::short_body; break;
        case fault_kind::long_body: plan.how.kind = k::long_body; break;
        default: break;
        }
        if (b.kind == fault_kind::long_body) plan.how.excess = b.bytes.value_or(64);
        else plan.how.cut = b.bytes;
        plan.how.stall_ms = b.ms.value_or(3'600'000);
    }
    if (fp.header_flood) {
        // A hostile head: `count` extra fields of `bytes` each (the client must cap what it keeps).
        const std::uint64_t count = fp.header_flood->count.value_or(10000);
        const std::string value(static_cast<std::size_t>(fp.header_flood->bytes.value_or(100)), 'f');
        for (std::uint64_t i = 0; i < count; ++i) plan.headers.emplace_back("X-Flood-" + std::to_string(i), value);
    }
    if (fp.slow) {
        plan.how.slow_chunk = std::max<std::uint64_t>(1, fp.slow->chunk.value_or(64));
        plan.how.slow_ms = fp.slow->ms.value_or(10);
    }
    plan.how.delay_ms = fp.delay_ms;
    plan.how.chunked = plan.how.chunked || fp.chunked;
    plan.how.close = plan.how.close || fp.close;
    if (!fp.applied.empty()) plan.headers.emplace_back("x-pulse-fault", join(fp.applied, ","));
}

void server::encode(response_plan& plan, const fault_plan& fp, request_t& req) {
    if (!fp.gzip || !plan.body || !accepts_gzip(req)) return;
    const auto size = plan.body->size();
    if (size && *size == 0) return;
    source_ptr z = gzip_source(std::move(plan.body));
    // Small bodies are compressed up front so they still carry a Content-Length; big ones are
    // compressed as they stream, chunked.
    if (size && *size <= small_gzip_limit) z = string_source(drain(*z));
    plan.body = std::move(z);
    plan.headers.emplace_back("Content-Encoding", "gzip");
    plan.headers.emplace_back("Vary", "Accept-Encoding");
}

// ---------------------------------------------------------------------------------------------
// Jobs

std::string server::new_id() {
    // UUID version 4 layout from the server's own generator.
    const std::uint64_t a = rng_(), b = rng_();
    std::string h = hex64(a) + hex64(b);
    h[12] = '4';
    h[16] = "89ab"[b >> 62];
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20, 12);
}

std::shared_ptr<job> server::new_job(std::string kind, scenario& sc, const std::string& sc_text, bool async, submission& s) {
    auto j = std::make_shared<job>();
    j->id = new_id();
    j->kind = std::move(kind);
    j->async = async;
    j->scenario_text = sc_text;
    j->created = j->updated = clock_type::now();
    j->final_status = sc.status.value_or("completed");
    if (sc.interim) {
        j->interim = *sc.interim;
    } else {
        const unsigned steps = sc.poll_steps.value_or(opt_.poll_steps);
        for (unsigned i = 0; i < steps; ++i) j->interim.push_back(i == 0 ? "pending" : "processing");
    }
    j->error_text = sc.error.value_or("Document processing failed");
    j->requests[idx(phase::submit)] = 1;
    j->upload_bytes = s.file_bytes;
    j->upload_fnv1a64 = s.has_file ? s.file_fnv1a64 : fnv1a64_offset;
    j->fields = std::move(s.fields);
    j->files = std::move(s.files);
    j->sc = std::move(sc);
    jobs_.emplace(j->id, j);
    job_order_.push_back(j->id);
    return j;
}

std::string server::next_status(job& j) {
    if (j.cancel_requested) return "canceled";
    if (!j.async || !j.parent.empty()) return j.status;  // settled at submission, or by the item's batch
    const std::uint64_t k = ++j.answered_polls;
    return k <= j.interim.size() ? j.interim[k - 1] : j.final_status;
}

void server::settle(job& j, const std::string& status) {
    if (status == j.status) return;
    j.status = status;
    j.updated = clock_type::now();
    if (status != "completed" || !j.keep_artifacts) return;
    for (const auto& e : j.extractions) extractions_[e.id] = e.pages;
    if (j.split) splits_[j.split->id] = *j.split;
}

std::shared_ptr<job> server::new_result_job(std::string kind, scenario& sc, const std::string& sc_text, bool async,
                                            submission& s, const json::object& body) {
    auto blob = std::make_shared<result_blob>();
    sized_body text = padded_body(json_text(body), sc.size);
    blob->size = text.size;
    blob->open = std::move(text.open);
    if (const json::value* p = body.if_contains("plan_info")) blob->plan_info_json = json_text(*p);
    const bool large = sc.large.value_or(blob->size > opt_.large_threshold);
    auto j = new_job(std::move(kind), sc, sc_text, async, s);
    for (std::string_view key : {"schema_id", "split_id", "tables_id"})
        if (const json::value* v = body.if_contains(key); v && v->is_string()) {
            j->result_id_key = std::string(key);
            j->result_id = std::string(v->get_string());
            blob->id_member = json_quote(key) + ":" + json_quote(j->result_id);
            break;
        }
    j->result = std::move(blob);
    j->large = large;
    return j;
}

std::string server::pointer_json(const job& j) const {
    const std::string base = j.sc.large_url_base ? replace_port(*j.sc.large_url_base, port_) : large_base_;
    const result_blob& b = *j.result;
    std::string s = "{\"is_url\":true,\"url\":" + json_quote(base + "/large_results/" + j.id);
    if (!b.id_member.empty()) s += "," + b.id_member;
    if (!b.extraction_id.empty()) s += ",\"extraction_id\":" + json_quote(b.extraction_id);
    if (b.page_count) s += ",\"page_count\":" + std::to_string(*b.page_count);
    if (!b.plan_info_json.empty()) s += ",\"plan_info\":" + b.plan_info_json;
    return s + "}";
}

response_plan server::submit_extract(request_t& req, scenario& sc, const std::string& sc_text, bool force_async) {
    submission s;
    if (auto err = read_submission(req, s)) return std::move(*err);
    const auto file_url = field_text(s.fields, {"file_url", "fileUrl", "file-url"});
    if (!s.has_file && (!file_url || file_url->empty())) return error_response(400, "REQ_001", "No file or URL provided");
    std::optional<bool> async;
    if (auto err = read_async(s.fields, async)) return std::move(*err);
    if (auto err = check_json_options(s.fields)) return std::move(*err);
    if (auto pages = field_text(s.fields, {"pages"}); pages && !valid_page_range(*pages))
        return error_response(400, "REQ_006", "Invalid page range '" + *pages + "'");

    const bool is_async = force_async || async.value_or(false);
    std::shared_ptr<const result_blob> result = sc.size ? extraction_result(sc.size, "") : default_result_;
    const bool large = sc.large.value_or(result->size > opt_.large_threshold);
    auto j = new_job("extract", sc, sc_text, is_async, s);
    j->result = std::move(result);
    j->large = large;
    if (!j->result->extraction_id.empty()) {
        j->result_id_key = "extraction_id";
        j->result_id = j->result->extraction_id;
        j->extractions.push_back({j->result_id, j->result->page_count.value_or(1)});
    }
    return submission_answer(*j);
}

response_plan server::submission_answer(job& j) {
    response_plan p;
    if (j.async) {
        p = json_response(200, "{\"job_id\":" + json_quote(j.id) +
                                   ",\"status\":\"pending\",\"message\":\"Job queued for processing\"}");
    } else if (j.final_status == "failed") {
        settle(j, "failed");
        p = error_response(500, "PROC_001", j.error_text);
    } else {
        settle(j, "completed");
        if (j.large) {
            p = json_response(200, pointer_json(j));
        } else {
            p.headers.emplace_back("Content-Type", "application/json");
            p.body = j.result->open();
        }
    }
    p.headers.emplace_back("x-pulse-job-id", j.id);
    return p;
}

response_plan server::submit_form(request_t& req, const std::string& op, scenario& sc, const std::string& sc_text) {
    submission s;
    if (auto err = read_submission(req, s)) return std::move(*err);
    const auto file_url = field_text(s.fields, {"file_url", "fileUrl", "file-url"});
    const auto form_id = field_text(s.fields, {"form_id", "formId"});
    if (!s.has_file && (!file_url || file_url->empty()) && (!form_id || form_id->empty()))
        return error_response(400, "REQ_001", "No file, file_url or form_id provided");
    if (form_id && !form_id->empty() && !form_ids_.count(*form_id))
        return error_response(404, "NOT_FOUND", "Unknown form_id '" + *form_id + "'");
    const std::string instructions = field_text(s.fields, {"instructions"}).value_or("");
    if (op == "fill" && trim(instructions).empty())
        return error_response(400, "REQ_004", "Missing required parameter: instructions");
    std::optional<json::array> cells;
    if (const json::value* v = s.fields.if_contains("form_fields"); v && !v->is_null()) {
        json::error_code ec;
        json::value parsed = v->is_string() ? json::parse(v->as_string(), ec) : *v;
        if (ec || !parsed.is_array()) return error_response(400, "REQ_003", "form_fields must be a JSON array of cells");
        cells = std::move(parsed.as_array());
    }
    if (auto pages = field_text(s.fields, {"page_range", "pages"}); pages && !valid_page_range(*pages))
        return error_response(400, "REQ_006", "Invalid page range '" + *pages + "'");
    std::optional<bool> async;
    if (auto err = read_async(s.fields, async)) return std::move(*err);

    auto j = new_job("form_" + op, sc, sc_text, async.value_or(false), s);
    j->form_id = (form_id && !form_id->empty()) ? *form_id : new_id();
    form_ids_.insert(j->form_id);
    j->form_result = form_result_json({op, j->id, j->form_id, api_base_ + "/results/" + j->id + "/pdf", instructions, cells});
    j->pdf = std::make_shared<const pdf_document>("Pulse test form (" + op + ")", j->sc.pdf_size.value_or(0));

    response_plan p;
    if (j->async) {
        p = json_response(202, "{\"job_id\":" + json_quote(j->id) + ",\"status\":\"pending\"}");
    } else if (j->final_status == "failed") {
        settle(*j, "failed");
        p = error_response(500, "PROC_001", j->error_text);
    } else {
        settle(*j, "completed");
        p = json_response(200, j->form_result);
    }
    p.headers.emplace_back("x-pulse-job-id", j->id);
    return p;
}

response_plan server::poll(job& j) {
    settle(j, next_status(j));
    const std::string& st = j.status;
    const bool batch = !j.children.empty();
    if (batch) advance_batch(j);
    std::string head = "{\"job_id\":" + json_quote(j.id) + ",\"status\":" + json_quote(st) +
                       ",\"created_at\":" + json_quote(iso8601(j.created)) +
                       ",\"updated_at\":" + json_quote(iso8601(j.updated));
    if (batch) {
        // A batch reports its items' progress at every status.
        if (st == "failed") head += ",\"error\":" + json_quote(j.error_text);
        return json_response(200, head + ",\"result\":" + batch_progress(j) + "}");
    }
    if (st == "completed") {
        if (!j.result) return json_response(200, head + ",\"result\":" + j.form_result + "}");
        if (j.large) return json_response(200, head + ",\"result\":" + pointer_json(j) + "}");
        // Inline result of any size, streamed between the poll fields and the closing brace.
        response_plan p;
        p.headers.emplace_back("Content-Type", "application/json");
        std::vector<source_ptr> parts;
        parts.push_back(string_source(head + ",\"result\":"));
        parts.push_back(j.result->open());
        parts.push_back(string_source("}"));
        p.body = concat_source(std::move(parts));
        return p;
    }
    if (st == "failed") head += ",\"error\":" + json_quote(j.error_text);
    else if (st == "expired") head += ",\"message\":\"Job results expired and were purged; re-run the job\"";
    return json_response(200, head + "}");
}

response_plan server::cancel(job& j) {
    // Best effort, as documented: a job already in a terminal state is left as it is.
    if (!is_terminal(j.status)) {
        j.cancel_requested = true;
        settle(j, "canceled");
        for (auto& child : j.children)  // a batch's unfinished items stop with it
            if (!is_terminal(child->status)) {
                child->cancel_requested = true;
                settle(*child, "canceled");
            }
    }
    return json_response(200, "{\"job_id\":" + json_quote(j.id) + ",\"message\":\"Job cancelled successfully\",\"status\":" +
                                  json_quote(j.status) + "}");
}

response_plan server::download(const std::shared_ptr<job>& j, bool clean_delivery) {
    if (!j->result || !j->large || j->status != "completed")
        return error_response(404, "NOT_FOUND", "No large result is stored for this job");
    if (j->consumed) return error_response(410, "GONE", "Result already fetched or expired");
    response_plan p;
    p.headers.emplace_back("Content-Type", "application/json");
    p.body = j->result->open();
    // Single use. A download that a fault garbles or breaks never takes it. A clean one takes it
    // now — not when the last write completes, because the client may already hold every byte and
    // ask again before that completion runs — and gives it back if the delivery is abandoned.
    if (clean_delivery) {
        j->consumed = true;
        ++j->downloads;
        p.on_abort = [this, j] {
            std::lock_guard lk(mu_);
            j->consumed = false;
            --j->downloads;
        };
    }
    return p;
}

response_plan server::pdf(job& j) {
    if (!j.pdf || j.status != "completed") return error_response(404, "NOT_FOUND", "No PDF is available for this job");
    response_plan p;
    p.headers.emplace_back("Content-Type", "application/pdf");
    p.body = j.pdf->open();
    return p;
}

response_plan server::image(job&, const std::string& name) {
    if (!valid_image_name(name)) return error_response(404, "NOT_FOUND", "Image not found");
    response_plan p;
    p.headers.emplace_back("Content-Type", "image/png");
    p.body = shared_string_source(png_);
    return p;
}

// ---------------------------------------------------------------------------------------------
// Control endpoints (/__*): for tests; never authenticated, never faulted, never logged.

void server::record_request(request_t& req, const peer_info& peer) {
    json::object headers;
    for (const auto& f : req) {
        std::string name = to_lower(f.name_string());
        std::string_view value = f.value();
        if (auto* prev = headers.if_contains(name)) {
            std::string joined(prev->as_string());
            joined += ", ";
            joined += value;
            *prev = joined;
        } else {
            headers[name] = value;
        }
    }
    json::object e{{"seq", requests_total_},
                   {"connection", peer.connection},
                   {"peer_port", peer.port},
                   {"method", std::string_view(req.method_string())},
                   {"target", std::string_view(req.target())},
                   {"headers", std::move(headers)},
                   {"body_bytes", req.body().bytes}};
    request_log_.push_back(std::move(e));
    while (request_log_.size() > request_log_size) request_log_.pop_front();
}

json::object server::job_info(const job& j) const {
    json::object requests;
    for (std::size_t i = 0; i < phase_count; ++i)
        if (static_cast<phase>(i) != phase::other) requests[phase_name(static_cast<phase>(i))] = j.requests[i];
    json::object o{{"job_id", j.id},
                   {"kind", j.kind},
                   {"async", j.async},
                   {"status", j.status},
                   {"final_status", j.final_status},
                   {"scenario", j.scenario_text},
                   {"tag", j.sc.tag},
                   {"created_at", iso8601(j.created)},
                   {"updated_at", iso8601(j.updated)},
                   {"upload_bytes", j.upload_bytes},
                   {"upload_fnv1a64", hex64(j.upload_fnv1a64)},
                   {"fields", j.fields},
                   {"files", j.files},
                   {"answered_polls", j.answered_polls},
                   {"cancel_requested", j.cancel_requested},
                   {"downloads", j.downloads},
                   {"consumed", j.consumed},
                   {"requests", std::move(requests)}};
    if (j.result) {
        o["large"] = j.large;
        o["result_bytes"] = j.result->size;
    }
    if (!j.form_id.empty()) o["form_id"] = j.form_id;
    if (!j.result_id.empty()) o[j.result_id_key] = j.result_id;
    if (j.excel) o["excel_bytes"] = j.excel->size();
    if (!j.keep_artifacts) o["auto_delete"] = true;
    if (!j.parent.empty()) {
        o["batch_job_id"] = j.parent;
        o["source"] = j.source;
    }
    if (!j.children.empty()) {
        json::array items;
        for (const auto& c : j.children) items.emplace_back(c->id);
        o["items"] = std::move(items);
        o["workers"] = j.workers;
    }
    return o;
}

response_plan server::control(request_t& req, const route& r) {
    if (!r.allow.empty()) {
        response_plan p = error_response(405, "METHOD_NOT_ALLOWED", "Method not allowed; use " + r.allow);
        p.headers.emplace_back("Allow", r.allow);
        return p;
    }
    switch (r.ep) {
    case endpoint::health: {
        response_plan p;
        p.headers.emplace_back("Content-Type", "text/plain");
        p.body = string_source("ok");
        return p;
    }
    case endpoint::shutdown: {
        response_plan p = json_response(200, "{\"message\":\"shutting down\"}");
        p.how.close = true;
        p.shutdown_after = true;
        return p;
    }
    case endpoint::requests: {
        std::lock_guard lk(mu_);
        if (req.method() == http::verb::delete_) {
            const std::size_t n = request_log_.size();
            request_log_.clear();
            return json_response(200, "{\"cleared\":" + std::to_string(n) + "}");
        }
        json::array a;
        for (const auto& e : request_log_) a.push_back(e);
        return json_response(200, json::serialize(a));
    }
    case endpoint::jobs: {
        std::lock_guard lk(mu_);
        json::array a;
        for (const auto& id : job_order_) {
            const job& j = *jobs_.at(id);
            a.push_back(json::object{{"job_id", j.id}, {"kind", j.kind}, {"status", j.status}, {"tag", j.sc.tag},
                                     {"scenario", j.scenario_text}});
        }
        return json_response(200, json::serialize(a));
    }
    case endpoint::job_info: {
        std::lock_guard lk(mu_);
        auto it = jobs_.find(r.id);
        if (it == jobs_.end()) return error_response(404, "JOB_NOT_FOUND", "Job not found");
        return json_response(200, json::serialize(job_info(*it->second)));
    }
    case endpoint::stats: {
        std::lock_guard lk(mu_);
        json::object o{{"connections", connections_.load()}, {"tls_resumed", tls_resumed_.load()}, {"requests", requests_total_}, {"jobs", jobs_.size()}};
        return json_response(200, json::serialize(o));
    }
    case endpoint::submissions: {
        // Authenticated submissions per scenario text (what submit_fault=...@N counts): tests check
        // that a submission was not sent again, even when no job was created.
        std::lock_guard lk(mu_);
        json::object o;
        for (const auto& [text, count] : submits_by_scenario_) o[text] = count;
        return json_response(200, json::serialize(o));
    }
    default: return error_response(404, "NOT_FOUND", "No such control endpoint");
    }
}

}  // namespace pulse_server
