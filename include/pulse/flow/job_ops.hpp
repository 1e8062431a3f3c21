// SPDX-License-Identifier: MIT
//
// Operations on a job that already exists, named by its pulse::job_handle: wait for it (poll until
// it ends, then take its result, downloading the large result when there is one), ask its status
// once, cancel it. A handle comes from a submission (make_extract_flow<job_handle>,
// make_form_flow<job_handle>) or from job_handle::from_token() after a restart.
//
// All of the behaviour is job_flow's (job_flow.hpp); this header only builds the plans.
#ifndef PULSE_FLOW_JOB_OPS_HPP
#define PULSE_FLOW_JOB_OPS_HPP

#include <pulse/config.hpp>
#include <pulse/detail/compiled.hpp>
#include <pulse/detail/prelude.hpp>
#include <pulse/detail/random_seed.hpp>
#include <pulse/error.hpp>
#include <pulse/flow/job_flow.hpp>
#include <pulse/flow/requests.hpp>
#include <pulse/http/origin.hpp>
#include <pulse/job_handle.hpp>
#include <pulse/schema/batch_job.hpp>
#include <pulse/schema/extract_result.hpp>
#include <pulse/schema/form.hpp>
#include <pulse/schema/job.hpp>
#include <pulse/schema/pipeline_job.hpp>
#include <pulse/schema/schema_job.hpp>
#include <pulse/schema/split_job.hpp>
#include <pulse/schema/tables_job.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

PULSE_NAMESPACE_BEGIN
namespace flow {

/// The machine of one status request (GET /job/{id}).
using job_status_flow = job_flow<job_status_response>;
/// The machine of a cancel (DELETE /job/{id}).
using cancel_flow = job_flow<job_cancellation>;

/// Whether a job of kind `k` produces a T: each kind's result type (extract_result, form_result,
/// schema_result, split_result, tables_result, pipeline_result, batch_result for every batch);
/// download_info (the raw result JSON) and the one-shot answers for any kind.
template <class T>
constexpr bool result_fits(job_kind k) noexcept {
    if constexpr (std::is_same_v<T, extract_result>) return k == job_kind::extract;
    else if constexpr (std::is_same_v<T, form_result>)
        return k == job_kind::form_detect || k == job_kind::form_fill || k == job_kind::form_clear;
    else if constexpr (std::is_same_v<T, schema_result>) return k == job_kind::schema;
    else if constexpr (std::is_same_v<T, split_result>) return k == job_kind::split;
    else if constexpr (std::is_same_v<T, tables_result>) return k == job_kind::tables;
    else if constexpr (std::is_same_v<T, pipeline_result>) return k == job_kind::pipeline;
    else if constexpr (std::is_same_v<T, batch_result>) return is_batch(k);
    else return true;
}

namespace detail {

/// The handle belongs to the configured API (or names none). A job of another API is refused:
/// polling it here would send this configuration's key to the wrong server.
inline result<void> check_handle(config const& cfg, job_handle const& job) {
    if (job.api.empty()) return {};
    auto const trimmed = [](std::string_view s) {
        while (!s.empty() && s.back() == '/') s.remove_suffix(1);
        return s;
    };
    if (trimmed(job.api) == trimmed(cfg.base_url)) return {};
    return error(errc::invalid_argument, "job " + job.id + " belongs to the API at " + job.api +
                                             ", but this configuration talks to " + cfg.base_url);
}

template <class T>
result<job_flow<T>> make_single(config const& cfg, http::method m, job_handle const& job, std::string what,
                                std::optional<std::uint64_t> seed) {
    if (auto ok = cfg.validate(); !ok) return ok.error();
    if (auto ok = check_handle(cfg, job); !ok) return ok.error();
    auto req = job_request(cfg, m, job.id);
    if (!req) return req.error();
    job_plan plan;
    plan.entry = entry_point::single;
    plan.request = std::move(*req);
    plan.what = std::move(what) + job.id;
    plan.job_id = job.id;
    plan.kind = job.kind;
    return job_flow<T>(cfg, std::move(plan), delivery{}, pulse::detail::seed_or_random(seed, cfg.seed));
}

// Compiled mode (pulse/detail/compiled.hpp): the two single-request machines the inline factories
// below make, instantiated once in the program rather than wherever this header is included.
#if PULSE_DETAIL_COMPILED
PULSE_DETAIL_INSTANTIATE result<job_flow<job_status_response>> make_single<job_status_response>(
    config const&, http::method, job_handle const&, std::string, std::optional<std::uint64_t>);
PULSE_DETAIL_INSTANTIATE result<job_flow<job_cancellation>> make_single<job_cancellation>(
    config const&, http::method, job_handle const&, std::string, std::optional<std::uint64_t>);
#endif

} // namespace detail

/// Wait for `job`: poll it until it ends (the first poll at once), then take its result as a T --
/// the type of the job's kind (result_fits; invalid_argument otherwise), or
/// download_info to stream the raw result into delivery::sink. `seed`: as make_extract_flow.
/// Errors (before any request): invalid base URL, a job of another API, an id that cannot be a
/// path segment ("", ".", ".."), a result type the job's kind does not produce, a raw result
/// without a sink.
template <class T = extract_result>
result<job_flow<T>> make_attach_flow(config const& cfg, job_handle const& job, std::optional<std::uint64_t> seed = std::nullopt,
                                     delivery out = {}) {
    if (auto ok = cfg.validate(); !ok) return ok.error();
    if (auto ok = detail::check_handle(cfg, job); !ok) return ok.error();
    if (!result_fits<T>(job.kind))
        return error(errc::invalid_argument, "job " + job.id + " is a " + std::string(to_string(job.kind)) +
                                                 " job: its result is not of the type asked for");
    if (auto ok = detail::check_delivery<T>(out); !ok) return ok.error();
    if (auto probe = job_request(cfg, http::method::get, job.id); !probe) return probe.error();
    job_plan plan;
    plan.entry = entry_point::attach;
    plan.job_id = job.id;
    plan.kind = job.kind;
    return job_flow<T>(cfg, std::move(plan), out, pulse::detail::seed_or_random(seed, cfg.seed));
}

/// One status request for `job` (GET /job/{id}): the status answer, a failed job included.
inline result<job_status_flow> make_job_status_flow(config const& cfg, job_handle const& job,
                                                    std::optional<std::uint64_t> seed = std::nullopt) {
    return detail::make_single<job_status_response>(cfg, http::method::get, job, "job status GET /job/", seed);
}

/// Cancel `job` on the server (DELETE /job/{id}; best effort on the server's side).
inline result<cancel_flow> make_cancel_flow(config const& cfg, job_handle const& job,
                                            std::optional<std::uint64_t> seed = std::nullopt) {
    return detail::make_single<job_cancellation>(cfg, http::method::delete_, job, "cancel DELETE /job/", seed);
}

} // namespace flow
PULSE_NAMESPACE_END

#endif
