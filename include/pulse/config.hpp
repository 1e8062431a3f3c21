// SPDX-License-Identifier: MIT
//
// pulse::config: everything a client, a driver or a flow machine needs to know about the caller's
// account and preferences -- the API key and base URL, headers to add, memory caps, the poll and
// retry policies, and the options of the HTTP adapter the factories build. A plain value: copy it,
// change it, hand it to pulse::curl::make_client() or a flow factory.
//
// config::from_env() reads what a program usually takes from its environment, with the names the
// official SDKs and curl users expect:
//
//   PULSE_API_KEY                      the key (required: its absence is an error, not a crash)
//   PULSE_BASE_URL                     the API's base URL (default https://api.runpulse.com)
//   CURL_CA_BUNDLE, else SSL_CERT_FILE a PEM bundle of trusted CAs (transport.ca_bundle)
//   https_proxy / HTTPS_PROXY          the proxy for an https base URL; http_proxy for an http one
//   all_proxy / ALL_PROXY              the proxy when the scheme's own variable is unset
//   no_proxy / NO_PROXY                hosts reached directly (transport.no_proxy)
//
// The lower-case spelling wins where both are set, and http_proxy has no upper-case form, as in
// curl. A variable that is set but empty counts as unset. SSL_CERT_DIR is not read: a CA
// directory is specific to OpenSSL builds and transport_options names a bundle file only.
//
// Layering: this header sits beside the flow layer. It holds the settings of the http layer
// (transport_options) and of the flow layer (policies), and both the machines and the drivers read
// it; nothing below the flow layer includes it.
#ifndef PULSE_CONFIG_HPP
#define PULSE_CONFIG_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/flow/policy.hpp>
#include <pulse/http/headers.hpp>
#include <pulse/http/transport_options.hpp>
#include <pulse/http/url.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

PULSE_NAMESPACE_BEGIN

/// The API's production base URL, the default of config::base_url.
inline constexpr std::string_view default_base_url = "https://api.runpulse.com";

/// Caps on what a response may make the library hold in memory. Raw sinks are not capped here:
/// bytes that stream to the caller's sink are the caller's to limit.
struct limits {
    /// JSON answers decoded in memory: submission, poll (which may hold an inline result: the API
    /// replaces results from about 5 MB up by a large-result pointer), cancel, status, form answers.
    std::uint64_t max_answer_bytes = 64ull << 20;
    /// A large result decoded into a typed value (GET /large_results/...). Results of thousands of
    /// pages run to hundreds of MB; raise this, or stream to a sink, for more.
    std::uint64_t max_result_bytes = 1ull << 30;
    /// Memory the typed value of a large result may hold while it is decoded (its arrays' elements,
    /// strings and JSON subtrees). A real result holds about 1.5 times its body, so the default takes
    /// any body under max_result_bytes; a hostile or broken body of many tiny items, which builds far
    /// more than its size, stops here with errc::memory_limit (nothing of it is kept).
    std::uint64_t max_result_memory = 2ull << 30;
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

/// Reads one environment variable: its value, or nullopt when it is not set. config::from_env()
/// takes one so that tests (and programs with their own settings store) can supply the variables.
using env_lookup = std::function<std::optional<std::string>(std::string const& name)>;

/// The caller's settings, shared by every machine, client and driver. A plain value.
struct config {
    /// Sent as `x-api-key` on every request to the API origin, and nowhere else. Never appears in
    /// an error: every error carrying server text is redacted with it.
    std::string api_key;
    /// The API's base URL. A path prefix is allowed ("https://gateway.example/pulse").
    std::string base_url{default_base_url};
    /// Extra header fields for requests to the API origin (not to a foreign result URL: they may
    /// hold credentials too).
    http::headers extra_headers;
    /// Send `X-Pulse-Source: sdk-cpp` (what the official SDKs do with their own names).
    bool send_source_header = true;
    /// On a local cancel of a job whose id is known and which is not finished, also send
    /// `DELETE /job/{id}` (best effort: one attempt, its outcome does not change the result).
    bool remote_cancel = false;
    /// How much a response may make the library hold in memory.
    pulse::limits limits{};
    /// Polling, retries and the overall deadline of an operation.
    flow::policies policies{};
    /// The HTTP adapter's options, for adapters built by a factory (pulse::curl::make_client(),
    /// pulse::beast::make_client(), ...). A transport constructed by hand takes its own.
    http::transport_options transport{};
    /// Seeds the retry jitter and the multipart boundaries of the machines made with this config.
    /// Unset: a client or driver draws one from std::random_device when it is constructed, and a
    /// flow factory called without a seed draws one for its machine. Set it to make runs
    /// reproducible (tests), or where std::random_device is unavailable.
    std::optional<std::uint64_t> seed;

    /// Check what can be checked before any request: the base URL is an absolute http(s) URL.
    /// (An empty API key is allowed: a local test server may not need one.)
    result<void> validate() const { return http::validate_base_url(base_url); }

    /// A configuration from the process environment (see the file comment for the variables).
    /// Errors: invalid_argument when PULSE_API_KEY is unset or empty, or PULSE_BASE_URL is not an
    /// absolute http(s) URL; the message names the variable.
    static result<config> from_env();

    /// As from_env(), reading each variable through `lookup`.
    static result<config> from_env(env_lookup const& lookup);
};

namespace detail {

/// std::getenv, without the deprecation warning MSVC attaches to it. A variable set but empty is
/// reported as unset.
inline std::optional<std::string> process_env(std::string const& name) {
#if defined(_MSC_VER)
    char* value = nullptr;
    std::size_t size = 0;
    if (_dupenv_s(&value, &size, name.c_str()) != 0 || value == nullptr) return std::nullopt;
    std::string text(value);
    std::free(value);
#else
    char const* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    std::string text(value);
#endif
    if (text.empty()) return std::nullopt;
    return text;
}

/// The first of `names` that `lookup` finds set and not empty.
inline std::optional<std::string> first_set(env_lookup const& lookup, std::initializer_list<char const*> names) {
    for (char const* n : names) {
        auto v = lookup(n);
        if (v && !v->empty()) return v;
    }
    return std::nullopt;
}

} // namespace detail

inline result<config> config::from_env() { return from_env(detail::process_env); }

inline result<config> config::from_env(env_lookup const& lookup) {
    config c;
    auto key = detail::first_set(lookup, {"PULSE_API_KEY"});
    if (!key)
        return error(errc::invalid_argument,
                     "PULSE_API_KEY is not set: set it to your Pulse API key (or build a pulse::config by hand)");
    c.api_key = std::move(*key);
    if (auto base = detail::first_set(lookup, {"PULSE_BASE_URL"})) {
        c.base_url = std::move(*base);
        if (auto ok = c.validate(); !ok) {
            error e = ok.error();
            e.message = "PULSE_BASE_URL: " + e.message;
            return e;
        }
    }
    if (auto ca = detail::first_set(lookup, {"CURL_CA_BUNDLE", "SSL_CERT_FILE"})) c.transport.ca_bundle = std::move(*ca);
    bool const https = c.base_url.size() >= 6 && http::iequals(std::string_view(c.base_url).substr(0, 6), "https:");
    auto proxy = https ? detail::first_set(lookup, {"https_proxy", "HTTPS_PROXY"}) : detail::first_set(lookup, {"http_proxy"});
    if (!proxy) proxy = detail::first_set(lookup, {"all_proxy", "ALL_PROXY"});
    if (proxy) c.transport.proxy = std::move(*proxy);
    if (auto no = detail::first_set(lookup, {"no_proxy", "NO_PROXY"})) c.transport.no_proxy = std::move(*no);
    return c;
}

PULSE_NAMESPACE_END

#endif
