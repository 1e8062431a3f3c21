// The cases the library's own blocking adapters (libcurl's easy_transport, Boost.Beast's
// sync_transport) share beyond the transport conformance suite: a moved-from transport,
// effective_url(), the scheme check, TLS to a plain port, and what they do on a kept connection
// the server closed unanswered (a GET is sent again once, a POST never). Each adapter's test file
// runs them with its own adapter_traits -- where the two differ -- next to its own cases:
//
//     TEST_CASE("my adapter: the in-tree adapters' shared cases") {
//         pulse_test::run_adapter_cases<my::transport>(make, pulse_test::adapter_traits<my::transport>{...});
//     }
//
// And local_server: the local Pulse-compatible server for one test, and GETs of it.
#ifndef PULSE_TESTS_INTEGRATION_ADAPTER_CASES_HPP
#define PULSE_TESTS_INTEGRATION_ADAPTER_CASES_HPP

#include "scripted_server.hpp"
#include "server_process.hpp"
#include "transport_conformance.hpp"

#include <pulse/http/request.hpp>
#include <pulse/http/transport.hpp>
#include <pulse/http/transport_options.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace pulse_test {

/// The local server for one test (it must start), and GETs of it with its key.
struct local_server {
    server_process server;

    local_server() {
        INFO("server: " << server.error());
        REQUIRE(server.running());
    }

    /// GET `path` (with the x-pulse-scenario `scenario`, when given).
    pulse::http::request get(std::string const& path, std::string scenario = {}) const {
        pulse::http::request r;
        r.url = server.base_url() + path;
        r.headers.add("x-api-key", server.api_key());
        if (!scenario.empty()) r.headers.add("x-pulse-scenario", std::move(scenario));
        return r;
    }
};

/// Where the adapters differ in what the shared cases check.
template <class Transport>
struct adapter_traits {
    /// error::native_code for a URL of another scheme; 0: the adapter has no number of its own.
    long refused_scheme_native_code = 0;
    /// The message of a TLS failure names the host it was talking to.
    bool tls_failure_names_host = false;
    /// What the refusal to send a POST again says in its message, when it says something.
    std::string post_refusal_says = {};
    /// The scripted server's connection that answers the request after a refused POST (libcurl
    /// opens one for the resend it is then refused, so its next request comes on the third).
    int connection_after_refused_post = 2;
    /// The connections the transport has opened, for an adapter that counts them.
    std::function<std::uint64_t(Transport const&)> connections_opened = {};
};

template <class Transport, class MakeTransport>
void run_adapter_cases(MakeTransport make_transport, adapter_traits<Transport> const& traits) {
    using pulse::errc;
    namespace http = pulse::http;
    // An adapter's transport owns its connection: movable, never copied.
    static_assert(http::blocking_transport<Transport>);
    static_assert(!std::is_copy_constructible_v<Transport>);
    static_assert(std::is_nothrow_move_constructible_v<Transport>);

    auto const opened = [&](Transport const& t, std::uint64_t n) {
        if (traits.connections_opened) CHECK(traits.connections_opened(t) == n);
    };
    // A transport whose first GET the scripted server answered on connection 1, kept open (the
    // server hangs up on the next request there without a byte, as a server closing an idle
    // connection just as a request arrives).
    auto const after_one_get = [&](scripted_server const& server) {
        Transport t = make_transport(http::transport_options{});
        recording_sink first;
        REQUIRE(t.perform(plain_get(server.url("/a")), first).has_value());
        return t;
    };

    SUBCASE("a moved-from transport fails cleanly; the moved-to one works") {
        Transport a = make_transport(http::transport_options{});
        Transport b(std::move(a));
        CHECK_FALSE(a.valid()); // NOLINT(bugprone-use-after-move): checking the documented moved-from state
        CHECK(b.valid());
        recording_sink s;
        auto out = a.perform(plain_get("http://127.0.0.1:1/"), s);
        REQUIRE_FALSE(out.has_value());
        CHECK(out.error().code == errc::transport_failed);
        opened(a, 0);
    }

    SUBCASE("a URL of another scheme is refused before anything is read") {
        Transport t = make_transport(http::transport_options{});
        recording_sink s;
        auto out = t.perform(plain_get("file:///etc/hostname"), s);
        REQUIRE_FALSE(out.has_value());
        CHECK(out.error().code == errc::invalid_argument);
        if (traits.refused_scheme_native_code != 0) CHECK(out.error().native_code == traits.refused_scheme_native_code);
        CHECK(s.heads == 0);
        CHECK(s.bytes == 0);
    }

    SUBCASE("https to a plain-HTTP port is a TLS failure") {
        local_server f;
        Transport t = make_transport(http::transport_options{});
        recording_sink s;
        auto out = t.perform(plain_get("https://127.0.0.1:" + std::to_string(f.server.port()) + "/job/x"), s);
        REQUIRE_FALSE(out.has_value());
        INFO(out.error().to_string());
        CHECK(out.error().code == errc::tls_failed);
        CHECK(out.error().native_code != 0);
        CHECK_FALSE(out.error().message.empty());
        if (traits.tls_failure_names_host) CHECK(out.error().message.find("127.0.0.1") != std::string::npos);
    }

    SUBCASE("effective_url reports where a followed redirect ended") {
        local_server f;
        http::transport_options o;
        o.follow_redirects = true;
        Transport t = make_transport(o);
        recording_sink s;
        REQUIRE(t.perform(f.get("/job/x", "fault=redirect"), s).has_value()); // to localhost:PORT, another origin
        // The key was not sent to the other origin, so the API there answers 401 (checked before faults).
        CHECK(s.head.status == 401);
        CHECK(t.effective_url() == "http://localhost:" + std::to_string(f.server.port()) + "/job/x");
        recording_sink plain;
        REQUIRE(t.perform(f.get("/job/x"), plain).has_value());
        CHECK(t.effective_url() == f.server.base_url() + "/job/x");
    }

    SUBCASE("a GET on a reused connection that closes unanswered is sent again, once") {
        scripted_server server(scripted_server::hangs_up_on_second_request());
        Transport t = after_one_get(server);
        recording_sink second; // connection 2 answers
        auto out = t.perform(plain_get(server.url("/b")), second);
        INFO("error: " << (out ? std::string() : out.error().to_string()));
        REQUIRE(out.has_value());
        CHECK(second.body == "c2");
        CHECK(second.heads == 1);
        opened(t, 2);
        CHECK(server.log() == std::vector<std::string>{"C1 GET /a", "C1 GET /b", "C2 GET /b"});
    }

    SUBCASE("a POST written in full on a reused connection that closes unanswered is not sent again") {
        scripted_server server(scripted_server::hangs_up_on_second_request());
        Transport t = after_one_get(server);
        recording_sink s;
        auto out = t.perform(submission_post(server.url("/extract")), s);
        REQUIRE_FALSE(out.has_value());
        CHECK(out.error().code == errc::connection_reset);
        if (!traits.post_refusal_says.empty()) CHECK(out.error().message.find(traits.post_refusal_says) != std::string::npos);
        CHECK(s.heads == 0);
        CHECK(server.log() == std::vector<std::string>{"C1 GET /a", "C1 POST /extract"}); // one submission, not two

        // The transport recovers: the next request opens a new connection.
        auto const next = std::to_string(traits.connection_after_refused_post);
        recording_sink after;
        REQUIRE(t.perform(plain_get(server.url("/c")), after).has_value());
        CHECK(after.body == "c" + next);
        CHECK(server.log() == std::vector<std::string>{"C1 GET /a", "C1 POST /extract", "C" + next + " GET /c"});
    }
}

} // namespace pulse_test

#endif
