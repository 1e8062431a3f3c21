// SPDX-License-Identifier: MIT
//
// The form calls: POST /form/detect, /form/fill, /form/clear, submitted asynchronously and polled
// to their form_result (always inline: a form job never needs the large-result download). The PDF
// a form job produces is a download (download_flow.hpp, make_pdf_download).
//
// All of the behaviour is job_flow's (job_flow.hpp); this header only builds the plan.
#ifndef PULSE_FLOW_FORM_FLOW_HPP
#define PULSE_FLOW_FORM_FLOW_HPP

#include <pulse/config.hpp>
#include <pulse/detail/prelude.hpp>
#include <pulse/detail/random_seed.hpp>
#include <pulse/document.hpp>
#include <pulse/error.hpp>
#include <pulse/flow/job_flow.hpp>
#include <pulse/flow/requests.hpp>
#include <pulse/schema/extract_options.hpp>
#include <pulse/schema/form.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

PULSE_NAMESPACE_BEGIN
namespace flow {

/// The machine of a form call.
using form_flow = job_flow<form_result>;

/// The job kind of a form action.
constexpr job_kind kind_of(form_action a) noexcept {
    switch (a) {
    case form_action::detect: return job_kind::form_detect;
    case form_action::fill: return job_kind::form_fill;
    case form_action::clear: return job_kind::form_clear;
    }
    return job_kind::form_detect;
}

/// Submit a form call and follow it to its form_result (or, with T = job_handle, until the API
/// has accepted it). `seed`: as make_extract_flow.
/// Errors (before any request): invalid base URL, no document and no form_id, fill without
/// instructions, unreadable file.
template <class T = form_result>
result<job_flow<T>> make_form_flow(config const& cfg, form_action action, pulse::document const& doc,
                                   form_options const& opts = {}, std::optional<std::uint64_t> seed = std::nullopt) {
    if (auto ok = cfg.validate(); !ok) return ok.error();
    std::uint64_t const s = pulse::detail::seed_or_random(seed, cfg.seed);
    jitter_source boundary_rng(s ^ 0x6d756c7469706172ull);
    auto req = form_request(cfg, action, doc, opts, boundary_rng);
    if (!req) return req.error();
    return job_flow<T>(cfg, detail::submission_plan<T>(std::move(*req), kind_of(action), "form POST /form/" + std::string(to_string(action))),
                       delivery{}, s);
}

} // namespace flow
PULSE_NAMESPACE_END

#endif
