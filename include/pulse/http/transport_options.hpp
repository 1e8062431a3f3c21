// SPDX-License-Identifier: MIT
//
// The options every HTTP adapter honours (timeouts, TLS, proxy, compression, User-Agent,
// redirects): one portable struct, mapped by each adapter onto its stack. pulse::config carries
// one for the adapters its factories build.
#ifndef PULSE_HTTP_TRANSPORT_OPTIONS_HPP
#define PULSE_HTTP_TRANSPORT_OPTIONS_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/version.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

PULSE_NAMESPACE_BEGIN

/// \namespace pulse::http
/// Transport-neutral HTTP: requests and bodies, the push interface responses arrive through
/// (response_handler), the two transport concepts an HTTP stack implements, ready-made sinks,
/// URL building, the same-origin rule for credentials, and Retry-After parsing. Nothing here
/// opens a socket.
namespace http {

/// Options every adapter honours. Defaults are safe for production use.
struct transport_options {
    /// Time allowed to establish the connection (TCP + TLS).
    std::chrono::milliseconds connect_timeout{30'000};
    /// Time allowed for a whole transfer; 0 means no limit (large downloads rely on the stall
    /// timeout instead).
    std::chrono::milliseconds total_timeout{0};
    /// A transfer slower than `stall_min_bytes_per_second` for this long is aborted (errc::timeout).
    std::chrono::milliseconds stall_timeout{60'000};
    /// The rate below which a transfer counts as stalled (see stall_timeout).
    std::uint32_t stall_min_bytes_per_second = 1;
    /// Verify the server's TLS certificate and host name. Turning this off makes every request
    /// open to interception; only for local testing against self-signed servers.
    bool verify_tls = true;
    /// PEM bundle of trusted CAs; empty means the stack's default store.
    std::string ca_bundle;
    /// nullopt: the stack's default (libcurl honours http_proxy/https_proxy/no_proxy from the
    /// environment; other adapters go direct). An empty string: no proxy at all. Otherwise the
    /// proxy URL to use. pulse::config::from_env() fills it from HTTPS_PROXY and friends.
    std::optional<std::string> proxy;
    /// Hosts reached without the proxy, in curl's NO_PROXY syntax: a comma-separated list of host
    /// names (a name also matches its subdomains), IP addresses, or `*` for every host. nullopt:
    /// the stack's default. Applies to `proxy`; see http::proxy_for().
    std::optional<std::string> no_proxy;
    /// Ask for and transparently decode compressed bodies (gzip, deflate) where the stack can.
    bool accept_compressed = true;
    /// Sent as User-Agent on every request.
    std::string user_agent = "pulse-cpp/" PULSE_VERSION_STRING;
    /// Follow redirects (the flow strips x-api-key when a redirect leaves the API origin, so
    /// adapters that follow must report the final URL; most adapters leave this off).
    bool follow_redirects = false;
};

} // namespace http
PULSE_NAMESPACE_END

#endif
