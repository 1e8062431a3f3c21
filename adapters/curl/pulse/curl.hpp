// SPDX-License-Identifier: MIT
//
// The libcurl adapter in one include (target pulse::curl): the blocking transport
// (pulse::curl::easy_transport), the non-blocking driver (pulse::curl::multi_driver) and the
// factories that build both from a pulse::config (pulse::curl::make_client, make_driver).
#ifndef PULSE_CURL_HPP
#define PULSE_CURL_HPP

#include <pulse/curl/client.hpp>
#include <pulse/curl/global_init.hpp>
#include <pulse/curl/multi_driver.hpp>
#include <pulse/curl/multi_transport.hpp>
#include <pulse/curl/transport.hpp>

#endif
