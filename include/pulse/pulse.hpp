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
#include <pulse/detail/prelude.hpp>
#include <pulse/fwd.hpp>
#include <pulse/version.hpp>
#include <pulse/error.hpp>

// --- layer 1: schema types and their JSON conversions
#include <pulse/schema.hpp>

// --- layer 2: transport-neutral HTTP vocabulary
#include <pulse/http.hpp>

// --- what a caller hands to the flows and drivers, and gets back: settings, documents, call
//     options, progress, job handles, download reports
#include <pulse/call_options.hpp>
#include <pulse/config.hpp>
#include <pulse/document.hpp>
#include <pulse/download_info.hpp>
#include <pulse/job_handle.hpp>
#include <pulse/progress.hpp>

// --- layer 3: sans-I/O flows
#include <pulse/flow.hpp>

// --- layer 4: the drivers (blocking client, run loop, non-blocking driver)
#include <pulse/driver/run.hpp>
#include <pulse/driver/client.hpp>
#include <pulse/driver/async_driver.hpp>
#include <pulse/driver/driver_options.hpp>
#include <pulse/driver/flow_handle.hpp>

#endif
