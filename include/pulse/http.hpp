// SPDX-License-Identifier: MIT
//
// All of the http layer: the transport-neutral vocabulary (requests, bodies, the push interface
// responses arrive through, the transport concepts and their options) and what every HTTP stack
// needs (multipart, URLs, origins, proxies, Retry-After, ready-made sinks).
#ifndef PULSE_HTTP_HPP
#define PULSE_HTTP_HPP

#include <pulse/http/body_sinks.hpp>
#include <pulse/http/body_source.hpp>
#include <pulse/http/headers.hpp>
#include <pulse/http/multipart.hpp>
#include <pulse/http/origin.hpp>
#include <pulse/http/proxy.hpp>
#include <pulse/http/redirect.hpp>
#include <pulse/http/request.hpp>
#include <pulse/http/response.hpp>
#include <pulse/http/retry_after.hpp>
#include <pulse/http/stall_clock.hpp>
#include <pulse/http/transport.hpp>
#include <pulse/http/transport_options.hpp>
#include <pulse/http/url.hpp>

#endif
