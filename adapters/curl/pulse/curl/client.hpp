// SPDX-License-Identifier: MIT
//
// Factories that build the library's drivers over libcurl from one pulse::config: a blocking
// client over an easy handle, and a non-blocking driver over a multi handle. Both use
// config::transport for every request (timeouts, TLS, CA bundle, proxy).
//
//     auto cfg = pulse::config::from_env();
//     if (!cfg) return fail(cfg.error());
//     auto client = pulse::curl::make_client(*cfg);
//     auto r = client.extract(pulse::file("report.pdf"));
#ifndef PULSE_CURL_CLIENT_HPP
#define PULSE_CURL_CLIENT_HPP

#include <pulse/config.hpp>
#include <pulse/curl/multi_driver.hpp>
#include <pulse/curl/transport.hpp>
#include <pulse/detail/compiled.hpp>
#include <pulse/detail/prelude.hpp>
#include <pulse/driver/client.hpp>

#include <utility>

PULSE_NAMESPACE_BEGIN
namespace curl {

/// The blocking client over libcurl.
using client = pulse::client<easy_transport>;

/// A blocking client for `cfg` over a libcurl easy handle configured with cfg.transport.
inline client make_client(pulse::config cfg) {
    easy_transport t(cfg.transport);
    return client(std::move(cfg), std::move(t));
}

/// A non-blocking driver whose requests use cfg.transport, on a multi handle tuned by `mopts`,
/// with the per-tick budgets `dopts`. Flows for it come from the flow/ factories, built with the
/// same `cfg`.
inline multi_driver make_driver(pulse::config const& cfg, multi_options mopts = {},
                                driver_options dopts = multi_driver::default_driver_options()) {
    return multi_driver(cfg.transport, mopts, dopts);
}

} // namespace curl

// Compiled mode (pulse/detail/compiled.hpp): the blocking client over this adapter, instantiated
// once in the program.
#if PULSE_DETAIL_COMPILED
PULSE_DETAIL_INSTANTIATE class client<curl::easy_transport>;
#endif
PULSE_NAMESPACE_END

#endif
