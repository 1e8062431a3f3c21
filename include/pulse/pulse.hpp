// SPDX-License-Identifier: MIT
//
// Everything public in the core library (include/pulse/), in one include:
//
//     #include <pulse/pulse.hpp>
//
// Adapters (pulse/curl/..., under adapters/) are NOT included: they need their own HTTP stack and
// their own build target, and the core never depends on them.
//
// This file is also the root tools/amalgamate.py follows to generate single_include/pulse/pulse.hpp,
// and tools/check-hygiene.sh fails when a header under include/pulse/ is not reachable from here.
// So: when you add a public header, add it below (or to its layer's sub-umbrella, e.g.
// pulse/schema.hpp), then run `python3 tools/amalgamate.py` and commit the regenerated single header.
// Keep the list in layer order (schema, http, flow, client), one include per line.
#ifndef PULSE_PULSE_HPP
#define PULSE_PULSE_HPP

// --- project vocabulary
#include <pulse/config.hpp>
#include <pulse/version.hpp>
#include <pulse/error.hpp>

// --- layer 1: schema types and their JSON conversions
#include <pulse/schema.hpp>

// --- layer 2: transport-neutral HTTP vocabulary (no sub-umbrella yet; if pulse/http.hpp appears,
//     replace this block with it)
#include <pulse/http/body_sinks.hpp>
#include <pulse/http/body_source.hpp>
#include <pulse/http/headers.hpp>
#include <pulse/http/multipart.hpp>
#include <pulse/http/origin.hpp>
#include <pulse/http/request.hpp>
#include <pulse/http/response.hpp>
#include <pulse/http/retry_after.hpp>
#include <pulse/http/transport.hpp>
#include <pulse/http/url.hpp>

// --- layer 3: sans-I/O flows
#include <pulse/flow.hpp>

// --- layer 4: the blocking driver and client
#include <pulse/run.hpp>
#include <pulse/client.hpp>
#include <pulse/async_driver.hpp>

#endif
