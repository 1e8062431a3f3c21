// SPDX-License-Identifier: MIT
//
// What every flow machine needs to know about the caller's account and preferences: the API key,
// the base URL, headers to add, size and depth caps, the retry/poll policies, and whether a local
// cancel should also cancel the job on the server.
//
// Not here on purpose: the User-Agent (the transport sends transport_options::user_agent, so one
// setting covers every request a stack makes), timeouts and TLS (transport_options), and the
// random seed (a constructor argument of each machine, so tests pin it and nothing global exists).
#ifndef PULSE_FLOW_CONFIG_HPP
#define PULSE_FLOW_CONFIG_HPP

#include <pulse/config.hpp>
#include <pulse/error.hpp>
#include <pulse/flow/policy.hpp>
#include <pulse/http/headers.hpp>
#include <pulse/http/url.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

PULSE_NAMESPACE_BEGIN
namespace flow {

/// Caps on what a response may make the library hold in memory. Raw sinks are not capped here:
/// bytes that stream to the caller's sink are the caller's to limit.
struct limits {
    /// JSON answers decoded in memory: submission, poll (which may hold an inline result: the API
    /// replaces results from about 5 MB up by a large-result pointer), cancel, status, form answers.
    std::uint64_t max_answer_bytes = 64ull << 20;
    /// A large result decoded into a typed value (GET /large_results/...). Results of thousands of
    /// pages run to hundreds of MB; raise this, or stream to a sink, for more.
    std::uint64_t max_result_bytes = 1ull << 30;
    /// JSON nesting depth (Boost's default of 32 is too shallow for real results).
    std::size_t max_json_depth = 512;
    /// An error body is read up to this size to find the API's code and message; the rest is
    /// discarded (and the transfer stopped).
    std::size_t max_error_body_bytes = 64u << 10;
    /// How much of an error body is kept in error::body.
    std::size_t error_excerpt_bytes = 2048;
    /// Longest job id accepted from a server answer (real ids are 36-byte UUIDs); a longer one is
    /// errc::string_too_long instead of being put into the next request's URL.
    std::size_t max_id_bytes = 1024;
};

/// Configuration shared by every machine (and by pulse::client). A plain value.
struct config {
    /// Sent as `x-api-key` on every request to the API origin, and nowhere else. Never appears in
    /// an error: every error carrying server text is redacted with it.
    std::string api_key;
    /// The API's base URL. A path prefix is allowed ("https://gateway.example/pulse").
    std::string base_url = "https://api.runpulse.com";
    /// Extra header fields for requests to the API origin (not to a foreign result URL: they may
    /// hold credentials too).
    http::headers extra_headers;
    /// Send `X-Pulse-Source: sdk-cpp` (what the official SDKs do with their own names).
    bool send_source_header = true;
    /// On a local cancel of a job whose id is known and which is not finished, also send
    /// `DELETE /job/{id}` (best effort: one attempt, its outcome does not change the result).
    bool remote_cancel = false;
    flow::limits limits{};     ///< how much a response may make the library hold in memory
    flow::policies policies{}; ///< polling, retries and the deadline

    /// Check what can be checked before any request: the base URL is an absolute http(s) URL.
    /// (An empty API key is allowed: a local test server may not need one.)
    result<void> validate() const { return http::validate_base_url(base_url); }
};

} // namespace flow
PULSE_NAMESPACE_END

#endif
