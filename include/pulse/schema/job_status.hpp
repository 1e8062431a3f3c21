// SPDX-License-Identifier: MIT
//
// The status of an asynchronous job, as `GET /job/{id}` reports it.
#ifndef PULSE_SCHEMA_JOB_STATUS_HPP
#define PULSE_SCHEMA_JOB_STATUS_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/schema/open_enum.hpp>

#include <string_view>

PULSE_NAMESPACE_BEGIN

/// The job statuses this version knows, for open_enum (see job_status).
struct job_status_traits {
    /// The known statuses.
    enum class value : unsigned char {
        unknown,    ///< a status this version does not know (its text is kept); not terminal
        pending,    ///< accepted and queued; not started yet
        processing, ///< running
        completed,  ///< finished; the poll answer carries the result (or a large-result pointer)
        failed,     ///< finished unsuccessfully; the poll answer's `error` says why
        canceled,   ///< cancelled; covers both spellings the server uses (`canceled`, `cancelled`)
        expired     ///< the output was purged after the retention window; re-run the job
    };

    /// The value for wire text; value::unknown for any other text.
    static constexpr value parse(std::string_view s) noexcept {
        if (s == "pending") return value::pending;
        if (s == "processing") return value::processing;
        if (s == "completed") return value::completed;
        if (s == "failed") return value::failed;
        if (s == "canceled" || s == "cancelled") return value::canceled;
        if (s == "expired") return value::expired;
        return value::unknown;
    }
    /// The canonical spelling of a value ("canceled" for value::canceled; "unknown" for
    /// value::unknown).
    static constexpr std::string_view name(value v) noexcept {
        switch (v) {
        case value::pending: return "pending";
        case value::processing: return "processing";
        case value::completed: return "completed";
        case value::failed: return "failed";
        case value::canceled: return "canceled";
        case value::expired: return "expired";
        case value::unknown: break;
        }
        return "unknown";
    }
};

/// A job status that keeps unknown values. `s == job_status::value_type::completed`,
/// `s.str()` for the text, `is_terminal(s)` to know whether polling should stop.
using job_status = open_enum<job_status_traits>;

/// Whether a status ends a job: completed, failed, canceled/cancelled and expired do; pending,
/// processing and any status this version does not know do not (keep polling until the deadline).
constexpr bool is_terminal(job_status_traits::value v) noexcept {
    using V = job_status_traits::value;
    return v == V::completed || v == V::failed || v == V::canceled || v == V::expired;
}
/// Whether a status as received ends a job (see the overload for known values); an unknown text
/// never does.
inline bool is_terminal(job_status const& s) noexcept { return is_terminal(s.value()); }

PULSE_NAMESPACE_END

#endif
