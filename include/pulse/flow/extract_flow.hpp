// SPDX-License-Identifier: MIT
//
// The extraction: submit a document (POST /extract, async), poll the job, and take the result
// inline or from the single-use large-result download.
//
// All of the behaviour is job_flow's (see job_flow.hpp for the states and the cancellation
// points); this header only builds the plan. The result type picks where the result goes:
//   job_flow<extract_result>  decoded; with delivery::sink also streamed to the sink (tee)
//   job_flow<download_info>   only streamed to the sink (delivery::sink is required)
//   job_flow<job_handle>      the submission only: done once the API has given the job an id
//                             (wait for it later with make_attach_flow, job_ops.hpp)
#ifndef PULSE_FLOW_EXTRACT_FLOW_HPP
#define PULSE_FLOW_EXTRACT_FLOW_HPP

#include <pulse/config.hpp>
#include <pulse/detail/prelude.hpp>
#include <pulse/detail/random_seed.hpp>
#include <pulse/document.hpp>
#include <pulse/error.hpp>
#include <pulse/flow/job_flow.hpp>
#include <pulse/flow/requests.hpp>
#include <pulse/schema/extract_options.hpp>
#include <pulse/schema/extract_result.hpp>

#include <cstdint>
#include <optional>
#include <type_traits>
#include <utility>

PULSE_NAMESPACE_BEGIN
namespace flow {

/// The machine of a typed extraction.
using extract_flow = job_flow<extract_result>;


/// Submit `doc` with `opts` and follow the job to its result (or, with T = job_handle, until the
/// API has accepted it). `seed` drives the retry jitter and the multipart boundary; without one,
/// config::seed, else std::random_device.
/// Errors (before any request): invalid base URL, no file and no URL, unreadable file, a raw
/// result without a sink.
template <class T = extract_result>
result<job_flow<T>> make_extract_flow(config const& cfg, pulse::document const& doc, extract_options const& opts = {},
                                      std::optional<std::uint64_t> seed = std::nullopt, delivery out = {}) {
    if (auto ok = cfg.validate(); !ok) return ok.error();
    if (auto ok = detail::check_delivery<T>(out); !ok) return ok.error();
    std::uint64_t const s = pulse::detail::seed_or_random(seed, cfg.seed);
    jitter_source boundary_rng(s ^ 0x6d756c7469706172ull); // distinct stream from the jitter's
    auto req = extract_request(cfg, doc, opts, boundary_rng);
    if (!req) return req.error();
    return job_flow<T>(cfg, detail::submission_plan<T>(std::move(*req), job_kind::extract, "submission POST /extract"), out, s);
}

} // namespace flow
PULSE_NAMESPACE_END

#endif
