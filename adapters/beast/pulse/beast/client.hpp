// SPDX-License-Identifier: MIT
//
// A factory that builds the blocking client over Boost.Beast from one pulse::config; the
// transport uses config::transport for every request (timeouts, TLS, CA bundle). Beast has no
// proxy support: a proxy in config::transport (from HTTPS_PROXY, say) makes requests fail with
// invalid_argument rather than go direct.
//
//     auto cfg = pulse::config::from_env();
//     if (!cfg) return fail(cfg.error());
//     auto client = pulse::beast::make_client(*cfg);
#ifndef PULSE_BEAST_CLIENT_HPP
#define PULSE_BEAST_CLIENT_HPP

#include <pulse/beast/transport.hpp>
#include <pulse/config.hpp>
#include <pulse/detail/compiled.hpp>
#include <pulse/detail/prelude.hpp>
#include <pulse/driver/client.hpp>

#include <utility>

PULSE_NAMESPACE_BEGIN
namespace beast {

/// The blocking client over Boost.Beast.
using client = pulse::client<sync_transport>;

/// A blocking client for `cfg` over a Beast transport configured with cfg.transport.
inline client make_client(pulse::config cfg) {
    sync_transport t(cfg.transport);
    return client(std::move(cfg), std::move(t));
}

} // namespace beast

// Compiled mode (pulse/detail/compiled.hpp): the blocking client over this adapter, instantiated
// once in the program.
#if PULSE_DETAIL_COMPILED
PULSE_DETAIL_INSTANTIATE class client<beast::sync_transport>;
#endif
PULSE_NAMESPACE_END

#endif
