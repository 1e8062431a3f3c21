// SPDX-License-Identifier: MIT
//
// The Boost.Beast adapter in one include (target pulse::beast): the blocking transport
// (pulse::beast::sync_transport) and the factory that builds a client from a pulse::config
// (pulse::beast::make_client).
#ifndef PULSE_BEAST_HPP
#define PULSE_BEAST_HPP

#include <pulse/beast/client.hpp>
#include <pulse/beast/transport.hpp>

#endif
