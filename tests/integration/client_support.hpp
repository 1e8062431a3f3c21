// Helpers for tests of the blocking client against the local server (client_flow.cpp,
// fault_matrix.cpp): a flow config with policies short enough for tests, and a GET of the
// server's control endpoints (/__jobs/{id}, /__requests, /__submissions) as JSON.
#ifndef PULSE_TESTS_INTEGRATION_CLIENT_SUPPORT_HPP
#define PULSE_TESTS_INTEGRATION_CLIENT_SUPPORT_HPP

#include "server_process.hpp"

#if defined(_WIN32)
#include <pulse/winhttp/transport.hpp>
#else
#include <pulse/curl/transport.hpp>
#endif
#include <pulse/config.hpp>
#include <pulse/http/body_sinks.hpp>
#include <pulse/schema/codec.hpp>

#include <boost/json/value.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>

namespace pulse_test {

/// A config for `server` whose polls and retries wait milliseconds, not seconds, so a test file
/// runs in seconds of real time (nothing asserts on these timings). `scenario`, when given, is
/// sent as x-pulse-scenario on every request to the API origin.
inline pulse::config fast_config(server_process const& server, std::string const& scenario = {}) {
    using namespace std::chrono_literals;
    REQUIRE_MESSAGE(server.running(), server.error());
    pulse::config c;
    c.api_key = server.api_key();
    c.base_url = server.base_url();
    if (!scenario.empty()) c.extra_headers.set("x-pulse-scenario", scenario);
    c.policies.poll.first_poll_delay = 5ms;
    c.policies.poll.interval = pulse::flow::backoff_policy{10ms, 1.5, 5ms, 50ms, 0.2};
    for (auto* p : {&c.policies.submit, &c.policies.poll_request, &c.policies.download, &c.policies.single})
        p->backoff = pulse::flow::backoff_policy{10ms, 2.0, 5ms, 100ms, 0.2};
    c.policies.deadline = 60s;
    return c;
}

/// The transport control() uses: libcurl, or WinHTTP on Windows (where the tests have no libcurl).
#if defined(_WIN32)
using control_transport = pulse::winhttp::sync_transport;
#else
using control_transport = pulse::curl::easy_transport;
#endif

/// GET a control endpoint of `server` ("/__jobs/ID", "/__requests", ...) as JSON; fails the test
/// unless it answers 200 with JSON.
inline boost::json::value control(server_process const& server, std::string const& path) {
    control_transport t;
    pulse::http::request req;
    req.url = server.base_url() + path;
    pulse::http::string_sink sink(16 << 20);
    auto r = sink.finish(t.perform(req, sink));
    REQUIRE_MESSAGE(r.has_value(), r.error().to_string());
    REQUIRE(sink.head().status == 200);
    auto v = pulse::parse_json(sink.body());
    REQUIRE(v.has_value());
    return *v;
}

} // namespace pulse_test

#endif
