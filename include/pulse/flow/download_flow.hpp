// SPDX-License-Identifier: MIT
//
// Downloads into the caller's sink: a form job's PDF (GET /results/{id}/pdf), a result image
// (GET /results/{id}/images/{name}), a schema run's filled workbook (GET /schema/{id}/excel), and
// the single-use large result (GET /large_results/{id}, or
// the URL of a pointer the caller kept).
//
// The download phase of job_flow does the work (job_flow.hpp): retried with backoff while no byte
// has reached the sink; after that a failure is errc::partial_delivery and is never retried; 410
// is errc::gone, 404 errc::not_found. The key goes only to the API origin.
#ifndef PULSE_FLOW_DOWNLOAD_FLOW_HPP
#define PULSE_FLOW_DOWNLOAD_FLOW_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/config.hpp>
#include <pulse/detail/random_seed.hpp>
#include <pulse/schema/extract_result.hpp>
#include <pulse/flow/job_flow.hpp>
#include <pulse/flow/requests.hpp>
#include <pulse/http/response.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

PULSE_NAMESPACE_BEGIN
namespace flow {

/// The machine of a sink-only download.
using download_flow = job_flow<download_info>;

namespace detail {
inline result<download_flow> make_fetch(config const& cfg, result<http::request> req, std::string job_id,
                                        std::string what, http::response_handler& sink, std::optional<std::uint64_t> seed) {
    if (!req) return req.error();
    job_plan plan;
    plan.entry = entry_point::fetch;
    plan.request = std::move(*req);
    plan.job_id = std::move(job_id);
    plan.what = std::move(what);
    return download_flow(cfg, std::move(plan), delivery{&sink, false}, pulse::detail::seed_or_random(seed, cfg.seed));
}
} // namespace detail

/// GET /results/{job_id}/pdf into `sink` (the PDF of a form job; re-fetchable).
inline result<download_flow> make_pdf_download(config const& cfg, std::string job_id, http::response_handler& sink,
                                               std::optional<std::uint64_t> seed = std::nullopt) {
    if (auto ok = cfg.validate(); !ok) return ok.error();
    auto req = api_request(cfg, http::method::get, {"results", job_id, "pdf"});
    std::string what = "PDF download GET /results/" + job_id + "/pdf";
    return detail::make_fetch(cfg, std::move(req), std::move(job_id), std::move(what), sink, seed);
}

/// GET /results/{job_id}/images/{name} into `sink`. `name` is one path segment.
inline result<download_flow> make_image_download(config const& cfg, std::string job_id, std::string_view name,
                                                 http::response_handler& sink, std::optional<std::uint64_t> seed = std::nullopt) {
    if (auto ok = cfg.validate(); !ok) return ok.error();
    auto req = api_request(cfg, http::method::get, {"results", job_id, "images", name});
    std::string what = "image download GET /results/" + job_id + "/images/" + std::string(name);
    return detail::make_fetch(cfg, std::move(req), std::move(job_id), std::move(what), sink, seed);
}

/// GET /schema/{schema_id}/excel into `sink`: the workbook a schema run with an Excel template
/// filled (schema_result::excel_output_url names it; re-fetchable).
inline result<download_flow> make_excel_download(config const& cfg, std::string schema_id, http::response_handler& sink,
                                                 std::optional<std::uint64_t> seed = std::nullopt) {
    if (auto ok = cfg.validate(); !ok) return ok.error();
    auto req = api_request(cfg, http::method::get, {"schema", schema_id, "excel"});
    std::string what = "Excel download GET /schema/" + schema_id + "/excel";
    return detail::make_fetch(cfg, std::move(req), std::string(), std::move(what), sink, seed);
}

/// The single-use large result of `job_id` (GET /large_results/{id}): T = extract_result (or the
/// result type of the job's kind: schema_result, ...) decodes it (tee with delivery::sink),
/// T = download_info streams it to delivery::sink only.
template <class T = extract_result>
result<job_flow<T>> make_large_result_download(config const& cfg, std::string job_id, delivery out = {},
                                               std::optional<std::uint64_t> seed = std::nullopt) {
    if (auto ok = cfg.validate(); !ok) return ok.error();
    if (auto ok = detail::check_delivery<T>(out); !ok) return ok.error();
    auto req = api_request(cfg, http::method::get, {"large_results", job_id});
    if (!req) return req.error();
    job_plan plan;
    plan.entry = entry_point::fetch;
    plan.request = std::move(*req);
    plan.what = "large result download GET /large_results/" + job_id;
    plan.job_id = std::move(job_id);
    plan.single_use = true;
    return job_flow<T>(cfg, std::move(plan), out, pulse::detail::seed_or_random(seed, cfg.seed));
}

/// The large result at `url` (a pointer's `url`, kept by the caller). The key is sent only if
/// the URL has the API's origin.
template <class T = extract_result>
result<job_flow<T>> make_large_result_download_from_url(config const& cfg, std::string url, delivery out = {},
                                                        std::optional<std::uint64_t> seed = std::nullopt) {
    if (auto ok = cfg.validate(); !ok) return ok.error();
    if (auto ok = detail::check_delivery<T>(out); !ok) return ok.error();
    auto req = pointer_request(cfg, std::move(url));
    if (!req) {
        error e = req.error();
        e.code = errc::invalid_argument; // the caller's input here, not the server's
        return e;
    }
    job_plan plan;
    plan.entry = entry_point::fetch;
    plan.request = std::move(*req);
    plan.what = "large result download";
    plan.single_use = true;
    return job_flow<T>(cfg, std::move(plan), out, pulse::detail::seed_or_random(seed, cfg.seed));
}

} // namespace flow
PULSE_NAMESPACE_END

#endif
