// SPDX-License-Identifier: MIT
//
// The one-shot job calls: the status of a job (one GET /job/{id}, no waiting for the job) and
// cancelling a job (DELETE /job/{id}). Both run on job_flow's `single` entry: retried per
// policies::single (GET and DELETE are idempotent), bounded by the deadline, cancellable.
#ifndef PULSE_FLOW_JOB_OPS_HPP
#define PULSE_FLOW_JOB_OPS_HPP

#include <pulse/config.hpp>
#include <pulse/error.hpp>
#include <pulse/flow/config.hpp>
#include <pulse/flow/job_flow.hpp>
#include <pulse/flow/requests.hpp>
#include <pulse/schema/job.hpp>

#include <cstdint>
#include <string>
#include <utility>

PULSE_NAMESPACE_BEGIN
namespace flow {

/// The machine of one poll (make_job_status_flow): its result is the status answer.
using job_status_flow = job_flow<job_status_response>;
/// The machine of a cancel (make_cancel_flow): its result is the DELETE's answer.
using cancel_flow = job_flow<job_cancellation>;

namespace detail {
template <class T>
result<job_flow<T>> make_single(config const& cfg, http::method m, std::string job_id, std::string what, std::uint64_t seed) {
    if (auto ok = cfg.validate(); !ok) return ok.error();
    auto req = job_request(cfg, m, job_id);
    if (!req) return req.error();
    job_plan plan;
    plan.entry = entry_point::single;
    plan.request = std::move(*req);
    plan.what = std::move(what) + job_id;
    plan.job_id = std::move(job_id);
    return job_flow<T>(cfg, std::move(plan), delivery{}, seed);
}
} // namespace detail

/// One poll: the job's current status answer (whatever the status; a failed job is a value here,
/// not an error). Errors: HTTP (401, 403, 404, ... after retries), transport, decode.
inline result<job_status_flow> make_job_status_flow(config const& cfg, std::string job_id, std::uint64_t seed) {
    return detail::make_single<job_status_response>(cfg, http::method::get, std::move(job_id), "job status GET /job/", seed);
}

/// Cancel a job on the server (best effort per the API: a running job may still complete).
inline result<cancel_flow> make_cancel_flow(config const& cfg, std::string job_id, std::uint64_t seed) {
    return detail::make_single<job_cancellation>(cfg, http::method::delete_, std::move(job_id), "cancel DELETE /job/", seed);
}

} // namespace flow
PULSE_NAMESPACE_END

#endif
