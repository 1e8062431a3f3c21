// SPDX-License-Identifier: MIT
//
// The WinHTTP adapter in one include (target pulse::winhttp, Windows): the blocking transport
// (pulse::winhttp::sync_transport), the non-blocking one (pulse::winhttp::async_transport), the
// driver over it (pulse::winhttp::driver) and the factories that build them from a pulse::config
// (pulse::winhttp::make_client, make_driver).
#ifndef PULSE_WINHTTP_HPP
#define PULSE_WINHTTP_HPP

#include <pulse/winhttp/async_transport.hpp>
#include <pulse/winhttp/client.hpp>
#include <pulse/winhttp/driver.hpp>
#include <pulse/winhttp/transport.hpp>

#endif
