// SPDX-License-Identifier: MIT
//
// The status of an asynchronous job, as `GET /job/{id}` reports it.
#ifndef PULSE_SCHEMA_JOB_STATUS_HPP
#define PULSE_SCHEMA_JOB_STATUS_HPP

#include <pulse/config.hpp>
#include <pulse/schema/open_enum.hpp>

#include <string_view>

PULSE_NAMESPACE_BEGIN

struct job_status_traits {
    /// `canceled` covers both spellings the server has used (`canceled`, `cancelled`).
    enum class value : unsigned char { unknown, pending, processing, completed, failed, canceled, expired };

    static constexpr value parse(std::string_view s) noexcept {
        if (s == "pending") return value::pending;
        if (s == "processing") return value::processing;
        if (s == "completed") return value::completed;
        if (s == "failed") return value::failed;
        if (s == "canceled" || s == "cancelled") return value::canceled;
        if (s == "expired") return value::expired;
        return value::unknown;
    }
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

/// completed, failed, canceled/cancelled and expired end a job; pending, processing and any
/// status this version does not know do not (keep polling until the deadline).
constexpr bool is_terminal(job_status_traits::value v) noexcept {
    using V = job_status_traits::value;
    return v == V::completed || v == V::failed || v == V::canceled || v == V::expired;
}
inline bool is_terminal(job_status const& s) noexcept { return is_terminal(s.value()); }

PULSE_NAMESPACE_END

#endif
