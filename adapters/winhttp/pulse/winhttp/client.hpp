// SPDX-License-Identifier: MIT
//
// Factories that build the library's drivers over WinHTTP from one pulse::config: a blocking
// client, and a non-blocking driver for a frame loop. Both use config::transport for every request
// (timeouts, TLS verification, proxy; a CA bundle is refused: see <pulse/winhttp/async_transport.hpp>).
//
//     auto cfg = pulse::config::from_env();
//     if (!cfg) return fail(cfg.error());
//     auto client = pulse::winhttp::make_client(*cfg);
//     auto r = client.extract(pulse::file("report.pdf"));
#ifndef PULSE_WINHTTP_CLIENT_HPP
#define PULSE_WINHTTP_CLIENT_HPP

#include <pulse/config.hpp>
#include <pulse/detail/prelude.hpp>
#include <pulse/driver/client.hpp>
#include <pulse/winhttp/driver.hpp>
#include <pulse/winhttp/transport.hpp>

#include <utility>

PULSE_NAMESPACE_BEGIN
namespace winhttp {

/// The blocking client over WinHTTP.
using client = pulse::client<sync_transport>;

/// A blocking client for `cfg` whose requests use cfg.transport.
inline client make_client(pulse::config cfg) {
    sync_transport t(cfg.transport);
    return client(std::move(cfg), std::move(t));
}

/// A non-blocking driver whose requests use cfg.transport, with the per-tick budgets `dopts`.
/// Flows for it come from the flow/ factories, built with the same `cfg`.
inline driver make_driver(pulse::config const& cfg, driver_options dopts = {}) { return driver(cfg.transport, dopts); }

} // namespace winhttp
PULSE_NAMESPACE_END

#endif
