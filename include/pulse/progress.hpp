// SPDX-License-Identifier: MIT
//
// Progress reports a caller can subscribe to: the job id as soon as it is known (so a caller can
// persist it and resume later), status changes, the poll count, retries, and download progress.
//
// Why std::function members rather than a virtual interface: callers set one or two of them with
// a lambda; unset members cost one branch. The callbacks run synchronously inside the machine's
// handle_*/next() calls, on the driver's thread; they must be quick and must not call back into
// the machine (use cancel() from the driver instead).
#ifndef PULSE_PROGRESS_HPP
#define PULSE_PROGRESS_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/schema/job_status.hpp>

#include <boost/json/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

PULSE_NAMESPACE_BEGIN

/// Which request of an operation an event is about.
enum class request_phase : unsigned char {
    submit,        ///< the POST that submits the job
    poll,          ///< GET /job/{id} while waiting for the job
    download,      ///< fetching the result body (large result, PDF, image)
    single,        ///< a one-shot request (job status, cancel)
    remote_cancel  ///< the best-effort DELETE /job/{id} after a local cancel
};

/// The phase's name for messages ("submit", "request" for request_phase::single, "remote cancel", ...).
constexpr std::string_view to_string(request_phase p) noexcept {
    switch (p) {
    case request_phase::submit: return "submit";
    case request_phase::poll: return "poll";
    case request_phase::download: return "download";
    case request_phase::single: return "request";
    case request_phase::remote_cancel: return "remote cancel";
    }
    return "unknown";
}

/// A retry about to be scheduled.
struct retry_event {
    request_phase phase = request_phase::submit; ///< the phase whose request failed
    unsigned attempt = 0;              ///< the attempt that failed, from 1
    std::chrono::milliseconds delay{}; ///< the wait before the next attempt
    pulse::error const* cause = nullptr; ///< why (HTTP status or transport error); valid during the call
};

/// Optional callbacks; any may be left empty.
struct progress_observer {
    /// The job id is known (from the submission answer, or the one given to an attach flow).
    std::function<void(std::string_view job_id)> on_job_id;
    /// The job's status changed (the first status seen counts as a change). Unknown statuses are
    /// reported with their text (status.str()).
    std::function<void(job_status const& status)> on_status;
    /// A poll was answered with a job status; `count` is the number of such answers so far.
    std::function<void(unsigned count)> on_poll;
    /// A poll answer of an unfinished job carried a `result`: a batch's per-item progress. The JSON
    /// as received (valid during the call); pulse::decode<pulse::batch_result>() reads a batch's.
    std::function<void(boost::json::value const& result)> on_poll_result;
    /// A failed request will be retried after `e.delay`.
    std::function<void(retry_event const& e)> on_retry;
    /// Bytes of a result body received so far, and the Content-Length when the server sent one.
    std::function<void(std::uint64_t received, std::optional<std::uint64_t> total)> on_download;
};

PULSE_NAMESPACE_END

#endif
