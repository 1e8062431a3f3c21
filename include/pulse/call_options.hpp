// SPDX-License-Identifier: MIT
//
// What one call may add to or change in the client's configuration, as aggregates meant for
// designated initializers:
//
//     client.extract(pulse::file("a.pdf"), {.options = {.pages = "1-3"}, .deadline = 10min});
//     client.wait(job, {.stop = stop_source.get_token()});
//
// call_options holds what every call takes: progress callbacks, a stop token, a deadline and retry
// overrides. job_call<Options> adds the request's own options (extract_options, form_options) and
// a sink for the raw result, for the calls that run a job. The overrides are merged over the
// client's pulse::config for that call only (with_call_options()); the client's configuration does
// not change.
#ifndef PULSE_CALL_OPTIONS_HPP
#define PULSE_CALL_OPTIONS_HPP

#include <pulse/config.hpp>
#include <pulse/detail/prelude.hpp>
#include <pulse/flow/policy.hpp>
#include <pulse/http/response.hpp>
#include <pulse/progress.hpp>
#include <pulse/schema/extract_options.hpp>

#include <chrono>
#include <optional>
#include <stop_token>

PULSE_NAMESPACE_BEGIN

/// Per-call changes to the retry policies of pulse::config::policies.
struct retry_override {
    /// Tries per request (the first included) for every phase of the call. The submission still
    /// retries only what is safe to send again (flow::policies::submit).
    std::optional<unsigned> max_attempts{};
    /// The wait between tries, for every phase of the call.
    std::optional<flow::backoff_policy> backoff{};
};

/// Options every call takes.
struct call_options {
    /// Progress callbacks, run on the calling thread during the call.
    progress_observer progress{};
    /// Request stop from any thread to cancel the call (errc::canceled); pulse::run says when it
    /// is observed, pulse::config::remote_cancel whether the job is cancelled on the server too.
    std::stop_token stop{};
    /// The call's overall deadline, instead of pulse::config::policies::deadline.
    std::optional<std::chrono::milliseconds> deadline{};
    /// Retry changes for this call.
    retry_override retry{};
};

/// Options of a call that runs a job: the request's options, where the raw result goes, and what
/// every call takes (the same members as call_options, in the same order).
template <class Options>
struct job_call {
    /// The request's own options (extract_options, form_options).
    Options options{};
    /// Also stream the result's JSON into this sink as it arrives (it must outlive the call):
    /// every byte reaches it, even when decoding fails.
    http::response_handler* sink = nullptr;
    /// Progress callbacks, run on the calling thread during the call.
    progress_observer progress{};
    /// Request stop from any thread to cancel the call.
    std::stop_token stop{};
    /// The call's overall deadline, instead of pulse::config::policies::deadline.
    std::optional<std::chrono::milliseconds> deadline{};
    /// Retry changes for this call.
    retry_override retry{};

    /// The members every call takes.
    call_options common() const { return call_options{progress, stop, deadline, retry}; }
};

/// Options of an extraction (pulse::client::extract(), submit()).
using extract_call = job_call<extract_options>;
/// Options of a form call (pulse::client::form_detect(), form_fill(), form_clear()).
using form_call = job_call<form_options>;

/// `cfg` with a call's deadline and retry overrides applied.
inline config with_call_options(config cfg, call_options const& call) {
    if (call.deadline) cfg.policies.deadline = *call.deadline;
    for (flow::retry_policy* p : {&cfg.policies.submit, &cfg.policies.poll_request, &cfg.policies.download, &cfg.policies.single}) {
        if (call.retry.max_attempts) p->max_attempts = *call.retry.max_attempts;
        if (call.retry.backoff) p->backoff = *call.retry.backoff;
    }
    return cfg;
}

PULSE_NAMESPACE_END

#endif
