// SPDX-License-Identifier: MIT
//
// The job kinds whose request is a JSON body: schema extraction, splitting, tables, the four
// batches and pipelines (POST /schema, /split, /tables, /batch/{extract,schema,tables,split},
// /pipeline/execute). Each is submitted asynchronously and followed to its result like an
// extraction -- the same machine (job_flow.hpp), the same retry rules (a submission is resent
// only when it certainly did not arrive, or on 429), the same inline or single-use large result.
//
//   auto m = pulse::flow::make_job_flow(cfg, pulse::split_request{.extraction_id = id, ...});
//   // job_flow<split_result>; make_job_flow<pulse::job_handle>(...) stops at the job's handle
//
// What differs per kind is only data (job_request_traits below): the path, the kind, the result
// type, and how the acknowledgement names the job (`batch_job_id` for batches; tables may answer
// with `tables_id`). A request is checked before it is sent, so a request the API would refuse
// for a missing member fails at once with invalid_argument, naming the member.
//
// Also here: the webhook portal link (POST /webhook) and item_handle(), the handle of one item of
// a batch.
#ifndef PULSE_FLOW_API_JOB_FLOW_HPP
#define PULSE_FLOW_API_JOB_FLOW_HPP

#include <pulse/config.hpp>
#include <pulse/detail/prelude.hpp>
#include <pulse/detail/random_seed.hpp>
#include <pulse/document.hpp>
#include <pulse/error.hpp>
#include <pulse/flow/job_flow.hpp>
#include <pulse/flow/requests.hpp>
#include <pulse/http/body_source.hpp>
#include <pulse/http/multipart.hpp>
#include <pulse/job_handle.hpp>
#include <pulse/schema/batch_job.hpp>
#include <pulse/schema/codec.hpp>
#include <pulse/schema/pipeline_job.hpp>
#include <pulse/schema/schema_job.hpp>
#include <pulse/schema/split_job.hpp>
#include <pulse/schema/tables_job.hpp>
#include <pulse/schema/webhook_link.hpp>

#include <boost/json/serialize.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

PULSE_NAMESPACE_BEGIN
namespace flow {

/// What a request type submits: `result_type`, `kind`, the endpoint's path (`segment`, and
/// `segment2` when it has two), `ack_id` (the acknowledgement's id member), and for kinds whose
/// acknowledgement may name the job differently, `ack_fallback` with the `result_member` that
/// marks a synchronous answer instead. Specialized for:
///
/// | request | endpoint | result | acknowledgement id |
/// |---|---|---|---|
/// | schema_request | `POST /schema` | schema_result | `job_id` |
/// | split_request | `POST /split` | split_result | `job_id` |
/// | tables_request | `POST /tables` | tables_result | `job_id`, else `tables_id` |
/// | pipeline_request | `POST /pipeline/execute` | pipeline_result | `job_id` |
/// | batch_extract_request | `POST /batch/extract` | batch_result | `batch_job_id` |
/// | batch_schema_request | `POST /batch/schema` | batch_result | `batch_job_id` |
/// | batch_tables_request | `POST /batch/tables` | batch_result | `batch_job_id` |
/// | batch_split_request | `POST /batch/split` | batch_result | `batch_job_id` |
template <class Request>
struct job_request_traits;

/// @cond PULSE_TRAITS_ROWS
// The rows of the table above; Doxygen shows the table rather than eight copies of the members.

template <>
struct job_request_traits<schema_request> {
    using result_type = schema_result;
    static constexpr job_kind kind = job_kind::schema;
    static constexpr std::string_view segment = "schema", segment2 = {};
    static constexpr std::string_view ack_id = "job_id", ack_fallback = {}, result_member = {};
};
template <>
struct job_request_traits<split_request> {
    using result_type = split_result;
    static constexpr job_kind kind = job_kind::split;
    static constexpr std::string_view segment = "split", segment2 = {};
    static constexpr std::string_view ack_id = "job_id", ack_fallback = {}, result_member = {};
};
template <>
struct job_request_traits<tables_request> {
    using result_type = tables_result;
    static constexpr job_kind kind = job_kind::tables;
    static constexpr std::string_view segment = "tables", segment2 = {};
    // The SDKs' documentation says an asynchronous tables call answers with a `tables_id` to poll.
    static constexpr std::string_view ack_id = "job_id", ack_fallback = "tables_id", result_member = "tables_output";
};
template <>
struct job_request_traits<pipeline_request> {
    using result_type = pipeline_result;
    static constexpr job_kind kind = job_kind::pipeline;
    static constexpr std::string_view segment = "pipeline", segment2 = "execute";
    static constexpr std::string_view ack_id = "job_id", ack_fallback = {}, result_member = {};
};
/// The traits every batch shares.
struct batch_traits {
    using result_type = batch_result;
    static constexpr std::string_view segment = "batch";
    static constexpr std::string_view ack_id = "batch_job_id", ack_fallback = {}, result_member = {};
};
template <>
struct job_request_traits<batch_extract_request> : batch_traits {
    static constexpr job_kind kind = job_kind::batch_extract;
    static constexpr std::string_view segment2 = "extract";
};
template <>
struct job_request_traits<batch_schema_request> : batch_traits {
    static constexpr job_kind kind = job_kind::batch_schema;
    static constexpr std::string_view segment2 = "schema";
};
template <>
struct job_request_traits<batch_tables_request> : batch_traits {
    static constexpr job_kind kind = job_kind::batch_tables;
    static constexpr std::string_view segment2 = "tables";
};
template <>
struct job_request_traits<batch_split_request> : batch_traits {
    static constexpr job_kind kind = job_kind::batch_split;
    static constexpr std::string_view segment2 = "split";
};
/// @endcond

/// A request type make_job_flow() submits (schema_request, split_request, tables_request,
/// pipeline_request and the four batch requests).
template <class Request>
concept submittable = requires { job_request_traits<Request>::kind; };

/// The result type of a request type (schema_result for schema_request, ...).
template <submittable Request>
using result_of_t = typename job_request_traits<Request>::result_type;

namespace detail {

inline error missing(std::string_view what) {
    return error(errc::invalid_argument, "the request needs " + std::string(what));
}
inline error conflict(std::string_view what) {
    return error(errc::invalid_argument, "the request may give only one of " + std::string(what));
}
inline int count_set(std::initializer_list<bool> given) {
    int n = 0;
    for (bool b : given) n += b ? 1 : 0;
    return n;
}
inline bool empty_text(std::optional<std::string> const& s) { return !s || s->empty(); }

// What the API would refuse for its shape, checked before anything is sent.
inline result<void> check_request(schema_request const& r) {
    int const sources = count_set({r.extraction_id.has_value(), r.extraction_ids.has_value(), r.split_id.has_value()});
    if (sources == 0) return missing("extraction_id, extraction_ids or split_id");
    if (sources > 1) return conflict("extraction_id, extraction_ids and split_id");
    if (r.split_id) {
        if (!r.split_schema_config || r.split_schema_config->empty()) return missing("split_schema_config with split_id");
        return {};
    }
    if (count_set({r.schema_config.has_value(), r.schema_config_id.has_value()}) != 1)
        return missing("exactly one of schema_config and schema_config_id");
    if (r.schema_config && !r.schema_config->input_schema && !r.schema_config->excel_template)
        return missing("schema_config.input_schema or schema_config.excel_template");
    return {};
}
inline result<void> check_request(split_request const& r) {
    if (r.extraction_id.empty()) return missing("extraction_id");
    if (count_set({r.split_config.has_value(), r.split_config_id.has_value()}) != 1)
        return missing("exactly one of split_config and split_config_id");
    if (r.split_config && r.split_config->split_input.empty()) return missing("at least one topic in split_config.split_input");
    return {};
}
inline result<void> check_request(tables_request const& r) {
    if (r.extraction_id.empty()) return missing("extraction_id");
    return {};
}
inline result<void> check_request(batch_extract_request const& r) {
    auto const& in = r.input;
    int const n = count_set({in.s3_prefix.has_value(), in.file_urls.has_value(), in.files.has_value()});
    if (n == 0) return missing("input.s3_prefix, input.file_urls or input.files");
    if (n > 1) return conflict("input.s3_prefix, input.file_urls and input.files");
    return {};
}
inline result<void> check_items(std::optional<std::string> const& batch_id, std::optional<std::vector<std::string>> const& ids) {
    int const n = count_set({batch_id.has_value(), ids.has_value()});
    if (n == 0) return missing("batch_extract_id or extraction_ids");
    if (n > 1) return conflict("batch_extract_id and extraction_ids");
    return {};
}
inline result<void> check_request(batch_schema_request const& r) {
    int const n = count_set({r.batch_extract_id.has_value(), r.extraction_ids.has_value(), r.batch_split_id.has_value(),
                             r.split_ids.has_value()});
    if (n == 0) return missing("batch_extract_id, extraction_ids, batch_split_id or split_ids");
    if (n > 1) return conflict("batch_extract_id, extraction_ids, batch_split_id and split_ids");
    bool const split_mode = r.batch_split_id || r.split_ids;
    if (split_mode && !r.split_schema_config) return missing("split_schema_config with batch_split_id or split_ids");
    if (!split_mode && !r.schema_config) return missing("schema_config with batch_extract_id or extraction_ids");
    return {};
}
inline result<void> check_request(batch_tables_request const& r) { return check_items(r.batch_extract_id, r.extraction_ids); }
inline result<void> check_request(batch_split_request const& r) {
    if (auto ok = check_items(r.batch_extract_id, r.extraction_ids); !ok) return ok;
    if (r.split_config.split_input.empty()) return missing("at least one topic in split_config.split_input");
    return {};
}
inline result<void> check_request(pipeline_request const& r, bool has_file) {
    auto const& s = r.steps;
    if (count_set({s.extract.has_value(), s.batch_extract.has_value()}) != 1)
        return missing("exactly one of steps.extract and steps.batch_extract");
    if (s.extract && !has_file && empty_text(r.file_url)) return missing("a file or file_url for steps.extract");
    if (s.batch_extract && !s.batch_extract->file_urls && !s.batch_extract->files && !has_file)
        return missing("steps.batch_extract.file_urls, steps.batch_extract.files or a file");
    if (s.tables && (s.schema || s.split)) return error(errc::invalid_argument, "steps.tables cannot follow or precede split or schema");
    return {};
}

/// Ask for a job unless the caller chose (batches are always jobs and have no `async`).
template <class Request>
void default_async(Request& r) {
    if constexpr (requires { r.async; }) {
        if (!r.async) r.async = true;
    }
}

template <class Request>
result<http::request> post_to(config const& cfg) {
    using traits = job_request_traits<Request>;
    if constexpr (traits::segment2.empty()) return api_request(cfg, http::method::post, {traits::segment});
    else return api_request(cfg, http::method::post, {traits::segment, traits::segment2});
}

template <class Request>
std::string describe_post() {
    using traits = job_request_traits<Request>;
    std::string what = "POST /";
    what += traits::segment;
    if (!traits::segment2.empty()) what.append("/").append(traits::segment2);
    return what;
}

template <class T, class Request>
job_flow<T> submission_machine(config const& cfg, http::request req, std::uint64_t seed, delivery out) {
    using traits = job_request_traits<Request>;
    job_plan plan = submission_plan<T>(std::move(req), traits::kind, std::string(to_string(traits::kind)) + " " + describe_post<Request>());
    plan.ack_id_member = traits::ack_id;
    plan.ack_fallback_member = traits::ack_fallback;
    plan.result_member = traits::result_member;
    return job_flow<T>(cfg, std::move(plan), out, seed);
}

} // namespace detail

/// The HTTP request that submits `r` (a JSON body; `async` set to true unless the caller chose).
/// Errors: invalid_argument when the request lacks what the API requires; invalid base URL.
template <submittable Request>
result<http::request> job_submission_request(config const& cfg, Request r) {
    if constexpr (std::is_same_v<Request, pipeline_request>) {
        if (auto ok = detail::check_request(r, false); !ok) return ok.error();
    } else {
        if (auto ok = detail::check_request(r); !ok) return ok.error();
    }
    detail::default_async(r);
    auto req = detail::post_to<Request>(cfg);
    if (!req) return req;
    req->headers.set("Content-Type", "application/json");
    req->body = http::body_source::from_string(boost::json::serialize(pulse::encode(r)));
    return req;
}

/// Submit `r` and follow the job to its result: T = the kind's result type (schema_result for a
/// schema_request, ...), download_info to stream the raw result JSON to delivery::sink only, or
/// job_handle to stop once the API has accepted the job. `seed`: as make_extract_flow.
/// Errors (before any request): invalid base URL, a request the API would refuse for its shape
/// (invalid_argument), a raw result without a sink.
template <class T = void, submittable Request, class Out = std::conditional_t<std::is_void_v<T>, result_of_t<Request>, T>>
result<job_flow<Out>> make_job_flow(config const& cfg, Request const& r, std::optional<std::uint64_t> seed = std::nullopt,
                                    delivery out = {}) {
    if (auto ok = cfg.validate(); !ok) return ok.error();
    if (auto ok = detail::check_delivery<Out>(out); !ok) return ok.error();
    auto req = job_submission_request(cfg, r);
    if (!req) return req.error();
    return detail::submission_machine<Out, Request>(cfg, std::move(*req), pulse::detail::seed_or_random(seed, cfg.seed), out);
}

/// A pipeline whose extract step works on `doc`: a local file goes as the multipart `file` part
/// (with `steps` as JSON text and the flags as "true"/"false", as the API reads multipart), a URL
/// as `file_url` in a JSON body. Otherwise as make_job_flow.
template <class T = pipeline_result>
result<job_flow<T>> make_pipeline_flow(config const& cfg, pulse::document const& doc, pipeline_request r,
                                       std::optional<std::uint64_t> seed = std::nullopt, delivery out = {}) {
    if (auto ok = cfg.validate(); !ok) return ok.error();
    if (auto ok = detail::check_delivery<T>(out); !ok) return ok.error();
    if (doc.file_url) r.file_url = *doc.file_url;
    std::uint64_t const s = pulse::detail::seed_or_random(seed, cfg.seed);
    if (!doc.file) {
        auto req = job_submission_request(cfg, std::move(r));
        if (!req) return req.error();
        return detail::submission_machine<T, pipeline_request>(cfg, std::move(*req), s, out);
    }
    if (auto ok = detail::check_request(r, true); !ok) return ok.error();
    detail::default_async(r);
    auto req = detail::post_to<pipeline_request>(cfg);
    if (!req) return req.error();
    http::multipart_form form;
    detail::add_fields(form, pulse::encode(r).get_object());
    std::string type = doc.content_type.empty() ? detail::guess_content_type(*doc.file) : doc.content_type;
    if (auto added = form.add_file("file", *doc.file, doc.filename, std::move(type)); !added) return added.error();
    jitter_source boundary_rng(s ^ 0x6d756c7469706172ull);
    detail::urbg g{&boundary_rng};
    auto body = form.build(g);
    if (!body) return body.error();
    req->headers.set("Content-Type", body->content_type);
    req->body = std::move(body->body);
    return detail::submission_machine<T, pipeline_request>(cfg, std::move(*req), s, out);
}

/// POST /webhook: a temporary link to the webhook portal. One request, retried as a one-shot
/// request is (a second link replaces nothing: the API hands out a fresh one each time).
inline result<job_flow<webhook_link>> make_webhook_link_flow(config const& cfg, std::optional<std::uint64_t> seed = std::nullopt) {
    if (auto ok = cfg.validate(); !ok) return ok.error();
    auto req = api_request(cfg, http::method::post, {"webhook"});
    if (!req) return req.error();
    job_plan plan;
    plan.entry = entry_point::single;
    plan.request = std::move(*req);
    plan.what = "webhook link POST /webhook";
    return job_flow<webhook_link>(cfg, std::move(plan), delivery{}, pulse::detail::seed_or_random(seed, cfg.seed));
}

/// The handle of one item of a batch: its own job (an extraction for batch extract, and so on),
/// of the batch's API. Wait for it to get the item's result. Errors: invalid_argument when
/// `batch` is not a batch or the item has no job id.
inline result<job_handle> item_handle(job_handle const& batch, batch_item const& item) {
    if (!is_batch(batch.kind))
        return error(errc::invalid_argument, "job " + batch.id + " is a " + std::string(to_string(batch.kind)) + " job, not a batch");
    if (!item.job_id || item.job_id->empty()) return error(errc::missing_member, "the batch item has no job id", "job_id");
    return job_handle{*item.job_id, item_kind(batch.kind), batch.api};
}

} // namespace flow
PULSE_NAMESPACE_END

#endif
