// SPDX-License-Identifier: MIT
//
// The extraction: submit a document (POST /extract, async), poll the job, and take the result
// inline or from the single-use large-result download -- or attach to a job submitted earlier and
// take its result (resume after a restart, or after the caller persisted the job id reported by
// progress_observer::on_job_id).
//
// All of the behaviour is job_flow's (see job_flow.hpp for the phase rules and the cancellation
// points); this header only builds the plans. The result type picks where the result goes:
//   job_flow<extract_result>  decoded; with delivery::sink also streamed to the sink (tee)
//   job_flow<raw_download>    only streamed to the sink (delivery::sink is required)
#ifndef PULSE_FLOW_EXTRACT_FLOW_HPP
#define PULSE_FLOW_EXTRACT_FLOW_HPP

#include <pulse/config.hpp>
#include <pulse/error.hpp>
#include <pulse/flow/config.hpp>
#include <pulse/flow/job_flow.hpp>
#include <pulse/flow/requests.hpp>
#include <pulse/schema/extract_options.hpp>
#include <pulse/schema/extract_result.hpp>

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

PULSE_NAMESPACE_BEGIN
namespace flow {

/// The machine of a typed extraction.
using extract_flow = job_flow<extract_result>;

namespace detail {
template <class T>
result<void> check_delivery(delivery const& out) {
    if constexpr (std::is_same_v<T, raw_download>) {
        if (!out.sink) return error(errc::invalid_argument, "a raw download needs a sink");
    }
    return {};
}
} // namespace detail

/// Submit `doc` with `opts` and follow the job to its result.
/// Errors (before any request): invalid base URL, no file and no URL, unreadable file, a raw
/// result without a sink.
template <class T = extract_result>
result<job_flow<T>> make_extract_flow(config const& cfg, document_source const& doc, extract_options const& opts,
                                      std::uint64_t seed, delivery out = {}) {
    if (auto ok = cfg.validate(); !ok) return ok.error();
    if (auto ok = detail::check_delivery<T>(out); !ok) return ok.error();
    jitter_source boundary_rng(seed ^ 0x6d756c7469706172ull); // distinct stream from the jitter's
    auto req = extract_request(cfg, doc, opts, boundary_rng);
    if (!req) return req.error();
    job_plan plan;
    plan.entry = entry_point::submit;
    plan.request = std::move(*req);
    plan.what = "submission POST /extract";
    return job_flow<T>(cfg, std::move(plan), out, seed);
}

/// Attach to the job `job_id` (submitted earlier, possibly by another process): poll it until it
/// ends, then take its result as an extraction. The first poll is immediate.
/// Errors (before any request): invalid base URL, an id that cannot be a path segment ("", ".",
/// ".."), a raw result without a sink.
template <class T = extract_result>
result<job_flow<T>> make_attach_flow(config const& cfg, std::string job_id, std::uint64_t seed, delivery out = {}) {
    if (auto ok = cfg.validate(); !ok) return ok.error();
    if (auto ok = detail::check_delivery<T>(out); !ok) return ok.error();
    if (auto probe = job_request(cfg, http::method::get, job_id); !probe) return probe.error();
    job_plan plan;
    plan.entry = entry_point::attach;
    plan.job_id = std::move(job_id);
    return job_flow<T>(cfg, std::move(plan), out, seed);
}

} // namespace flow
PULSE_NAMESPACE_END

#endif
