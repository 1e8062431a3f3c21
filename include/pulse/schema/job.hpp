// SPDX-License-Identifier: MIT
//
// The answers of the job endpoints: the async submission acknowledgement (POST /extract with
// async=true), the poll response (GET /job/{id}), the large-result pointer that may stand in for a
// result, and the cancel answer (DELETE /job/{id}).
#ifndef PULSE_SCHEMA_JOB_HPP
#define PULSE_SCHEMA_JOB_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/schema/detail/codec.hpp>
#include <pulse/schema/job_status.hpp>
#include <pulse/schema/plan_info.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>

PULSE_NAMESPACE_BEGIN

/// AsyncSubmissionResponse: `{job_id, status, message?, queuedAt?, credits_used?}`.
struct async_submission {
    std::string job_id{}; ///< the job to poll (GET /job/{job_id}); required
    std::optional<job_status> status{}; ///< normally pending
    std::optional<std::string> message{}; ///< e.g. "Job queued for processing"
    std::optional<std::string> queued_at{}; ///< deprecated `queuedAt`
    std::optional<number> credits_used{}; ///< credits charged so far; only on credit billing
    boost::json::object extra{}; ///< members this version does not name, kept and written back
};

/// JobStatusResponse: the poll answer. `result` is kept as JSON because its shape depends on the
/// job kind and size: an ExtractResultCore, a large-result pointer, a FormResult, or a retention
/// stub for expired jobs. Use is_large_result_pointer() and pulse::decode<T>() on it.
struct job_status_response {
    std::string job_id{}; ///< the job polled; required
    job_status status{}; ///< where the job is; required
    std::optional<std::string> created_at{}; ///< ISO-8601
    std::optional<std::string> updated_at{}; ///< ISO-8601, the last change of the job
    /// The job's output once completed, as JSON: an inline result, or a large-result pointer when
    /// is_large_result_pointer() says so. Decode it with pulse::decode<T>().
    std::optional<boost::json::value> result{};
    std::optional<std::string> error{}; ///< the job's error text when status is failed
    boost::json::object extra{}; ///< members this version does not name, kept and written back
};

/// The pointer a large result is replaced by: `{is_url: true, url, ...}`. Download `url` once.
struct large_result_pointer {
    bool is_url = false; ///< always true in a pointer; required
    /// Where to GET the result (usually GET /large_results/{job}). Single-use: a second successful
    /// download answers 410. Required.
    std::string url{};
    std::optional<std::string> extraction_id{}; ///< the stored extraction, when storage is enabled
    std::optional<std::int64_t> page_count{};   ///< pages processed
    std::optional<pulse::plan_info> plan_info{}; ///< `plan_info` or legacy `plan-info`
    boost::json::object extra{};                 ///< e.g. Gen-A `expires_at`

private:
    template <class> friend struct detail::spelling_access;
    // Bit 0: the legacy spelling `plan-info` was read (and is written back).
    unsigned wire_spelling_ = 0;
};

/// JobCancellationResponse: the answer of DELETE /job/{id}. Cancelling is best effort on the
/// server's side: a job that is already running may still complete.
struct job_cancellation {
    std::optional<std::string> job_id{}; ///< the job the cancel was for
    std::optional<std::string> message{}; ///< e.g. "Job cancelled successfully"
    boost::json::object extra{}; ///< members this version does not name, kept and written back
};

/// Whether a result value is a large-result pointer rather than the result itself. Tests the
/// `is_url` member (never the page count or size: the server's threshold has changed over time).
inline bool is_large_result_pointer(boost::json::value const& v) noexcept {
    auto const* o = v.if_object();
    if (!o) return false;
    auto const* flag = o->if_contains("is_url");
    return flag && flag->is_bool() && flag->get_bool();
}

namespace detail {
template <>
struct schema_of<async_submission> {
    template <class T = async_submission>
    static constexpr auto members = std::tuple{
        field("job_id", &T::job_id).required(),
        field("status", &T::status),
        field("message", &T::message),
        field("queuedAt", &T::queued_at),
        field("credits_used", &T::credits_used),
    };
};
template <>
struct schema_of<job_status_response> {
    template <class T = job_status_response>
    static constexpr auto members = std::tuple{
        field("job_id", &T::job_id).required(),
        field("status", &T::status).required(),
        field("created_at", &T::created_at),
        field("updated_at", &T::updated_at),
        field("result", &T::result),
        field("error", &T::error),
    };
};
template <>
struct schema_of<large_result_pointer> {
    template <class T = large_result_pointer>
    static constexpr auto members = std::tuple{
        field("is_url", &T::is_url).required(),
        field("url", &T::url).required(),
        field("extraction_id", &T::extraction_id),
        field("page_count", &T::page_count),
        field("plan_info", &T::plan_info).or_alias("plan-info", 0),
    };
};
template <>
struct schema_of<job_cancellation> {
    template <class T = job_cancellation>
    static constexpr auto members = std::tuple{
        field("job_id", &T::job_id),
        field("message", &T::message),
    };
};
} // namespace detail

PULSE_NAMESPACE_END

#endif
