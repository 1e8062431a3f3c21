// SPDX-License-Identifier: MIT
//
// Forms: POST /form/detect, /form/fill, /form/clear. The answer is a FormResult (synchronous 200)
// or an acknowledgement with a job id (asynchronous, 202) whose poll result is the FormResult,
// always inline (the API never replaces a form result by a large-result pointer). Same machine as
// the extraction (job_flow.hpp): the poll loop, retries, deadline and cancellation are shared; only
// the request and the result type differ.
#ifndef PULSE_FLOW_FORM_FLOW_HPP
#define PULSE_FLOW_FORM_FLOW_HPP

#include <pulse/config.hpp>
#include <pulse/error.hpp>
#include <pulse/flow/config.hpp>
#include <pulse/flow/job_flow.hpp>
#include <pulse/flow/requests.hpp>
#include <pulse/schema/extract_options.hpp>
#include <pulse/schema/form.hpp>

#include <cstdint>
#include <string>
#include <utility>

PULSE_NAMESPACE_BEGIN
namespace flow {

/// The machine of a form call.
using form_flow = job_flow<form_result>;

/// Submit a form call and follow it to its FormResult. `doc` may be empty when opts.form_id names
/// an earlier detection. `async` defaults to true (set opts.async = false for a synchronous call).
/// Errors (before any request): invalid base URL, no document, fill without instructions,
/// unreadable file.
inline result<form_flow> make_form_flow(config const& cfg, form_action action, document_source const& doc,
                                        form_options const& opts, std::uint64_t seed) {
    if (auto ok = cfg.validate(); !ok) return ok.error();
    jitter_source boundary_rng(seed ^ 0x6d756c7469706172ull);
    auto req = form_request(cfg, action, doc, opts, boundary_rng);
    if (!req) return req.error();
    job_plan plan;
    plan.entry = entry_point::submit;
    plan.request = std::move(*req);
    plan.what = "form POST /form/" + std::string(to_string(action));
    return form_flow(cfg, std::move(plan), delivery{}, seed);
}

} // namespace flow
PULSE_NAMESPACE_END

#endif
