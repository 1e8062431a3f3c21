// SPDX-License-Identifier: MIT
//
// pulse::download_info: what an operation that streams a body into the caller's sink (or file)
// reports when it succeeds -- how many bytes, what the server said about them, and where they came
// from. The bytes themselves are the caller's: they went to the sink as they arrived.
#ifndef PULSE_DOWNLOAD_INFO_HPP
#define PULSE_DOWNLOAD_INFO_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/schema/job.hpp>

#include <cstdint>
#include <optional>
#include <string>

PULSE_NAMESPACE_BEGIN

/// What a download into the caller's sink produced.
struct download_info {
    /// Body bytes handed to the sink.
    std::uint64_t bytes = 0;
    /// Content-Length of the answer, when the server sent one.
    std::optional<std::uint64_t> content_length;
    /// Content-Type of the answer ("application/json" for an inline result the library wrote).
    std::string content_type;
    /// True when the bytes are an inline result from the poll or submission answer, serialized by
    /// the library (there was no large result to download).
    bool inline_result = false;
    /// The large-result pointer the bytes were downloaded from, if any (its plan_info included).
    std::optional<large_result_pointer> pointer;
};

PULSE_NAMESPACE_END

#endif
