// The libcurl adapters over HTTPS: the shared transport conformance suite against the local server
// with the test CA, and the certificate cases every adapter must pass (tls_support.hpp), for the
// blocking easy_transport and the multi_transport; and the multi_transport's shared TLS sessions.
#include "multi_blocking.hpp"
#include "server_process.hpp"
#include "tls_support.hpp"
#include "transport_conformance.hpp"

#include <pulse/curl/multi_transport.hpp>
#include <pulse/curl/transport.hpp>

#include <doctest/doctest.h>

#include <boost/json/object.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {
pulse::curl::easy_transport make_easy(pulse::http::transport_options o) { return pulse::curl::easy_transport(std::move(o)); }
} // namespace

TEST_CASE("curl easy_transport: transport conformance over TLS (test CA)") {
    pulse_test::run_transport_conformance<pulse::curl::easy_transport>(make_easy, pulse_test::tls_conformance_setup());
}

TEST_CASE("curl easy_transport: TLS certificate verification") {
    pulse_test::run_tls_cases<pulse::curl::easy_transport>(make_easy);
}

// --- multi_transport over HTTPS ---------------------------------------------------------------

using pulse_test::multi_as_blocking;

TEST_CASE("curl multi_transport: transport conformance over TLS (test CA)") {
    pulse_test::run_transport_conformance<multi_as_blocking>([](pulse::http::transport_options o) { return multi_as_blocking(std::move(o)); },
                                                             pulse_test::tls_conformance_setup());
}

TEST_CASE("curl multi_transport: TLS certificate verification") {
    pulse_test::run_tls_cases<multi_as_blocking>([](pulse::http::transport_options o) { return multi_as_blocking(std::move(o)); });
}

namespace {

namespace http = pulse::http;

// A response handler that only remembers the status and how its transfer ended.
struct ending final : http::response_handler {
    http::sink_action on_head(http::response_head const& h) override {
        status = h.status;
        return http::sink_action::proceed;
    }
    http::sink_action on_body(std::string_view) override { return http::sink_action::proceed; }
    void on_complete(pulse::result<void> r) override { outcome = std::move(r); }
    int status = 0;
    std::optional<pulse::result<void>> outcome;
};

http::request job_get(pulse_test::server_process const& server) {
    http::request r;
    r.url = server.base_url() + "/job/x";
    r.headers.add("x-api-key", server.api_key());
    return r;
}

// The server's counters (GET /__stats), read over a connection of its own.
boost::json::object server_stats(pulse_test::server_process const& server) {
    http::transport_options o;
    o.verify_tls = false;
    pulse::curl::easy_transport t(o);
    http::request r = job_get(server);
    r.url = server.base_url() + "/__stats";
    pulse_test::recording_sink s;
    auto out = t.perform(r, s);
    REQUIRE(out.has_value());
    return pulse_test::parse_json(s.body).as_object();
}

// Run `n` GETs at once on `t` until all ended; each must get the server's 404.
// With n > 1 each answer is held back 300 ms, so the transfers overlap however slowly this process
// runs: a transfer can never find the connection of another one idle again.
void run_at_once(pulse::curl::multi_transport& t, pulse_test::server_process const& server, int n) {
    http::request req = job_get(server);
    if (n > 1) req.headers.add("x-pulse-scenario", "fault=delay=300");
    std::vector<std::unique_ptr<ending>> hs;
    for (int i = 0; i < n; ++i) {
        hs.push_back(std::make_unique<ending>());
        REQUIRE(t.start(req, *hs.back()).has_value());
    }
    auto const give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    auto const done = [&] {
        for (auto const& h : hs)
            if (!h->outcome) return false;
        return true;
    };
    while (!done() && std::chrono::steady_clock::now() < give_up) {
        t.wait(std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
        t.perform();
    }
    REQUIRE(done());
    for (auto const& h : hs) {
        INFO((*h->outcome ? std::string() : h->outcome->error().to_string()));
        CHECK(h->outcome->has_value());
        CHECK(h->status == 404);
    }
}

} // namespace

TEST_CASE("curl multi_transport: a new connection resumes the TLS session of an earlier one") {
    auto const& pki = pulse_test::test_pki::get();
    INFO("test PKI: " << pki.error());
    REQUIRE(pki.ok());
    pulse_test::server_process server(pki.server_args());
    INFO("server: " << server.error());
    REQUIRE(server.running());
    http::transport_options trusting;
    trusting.ca_bundle = pki.ca();

    // No pooled easy handles: without the share handle, no transfer could find a session.
    for (bool const share : {true, false}) {
        CAPTURE(share);
        pulse::curl::multi_options m;
        m.handle_pool = 0;
        m.share_tls_sessions = share;
        pulse::curl::multi_transport t(trusting, m);
        auto const before = server_stats(server);
        // One alone: a full handshake, and the session the server hands out is kept.
        run_at_once(t, server, 1);
        // Two at once: one takes the idle connection, the other needs a new one.
        run_at_once(t, server, 2);
        auto const after = server_stats(server);
        // The stats reads open a connection each (verification off: no session to resume).
        auto const count = [&](char const* k) { return after.at(k).to_number<long long>() - before.at(k).to_number<long long>(); };
        CHECK(count("connections") == 3); // the two of t, and one stats read
        CHECK(count("tls_resumed") == (share ? 1 : 0));
    }
}

TEST_CASE("curl multi_transport: a shared TLS session never stands in for verification") {
    // A session made with verification off must not let a verifying transfer skip the check:
    // libcurl resumes a session (and reuses a connection) only for the same TLS settings.
    auto const& pki = pulse_test::test_pki::get();
    REQUIRE(pki.ok());
    pulse_test::server_process server(pki.server_args("other")); // signed by a CA nobody trusts
    INFO("server: " << server.error());
    REQUIRE(server.running());
    http::transport_options blind;
    blind.verify_tls = false;
    http::transport_options trusting;
    trusting.ca_bundle = pki.ca();

    multi_as_blocking t(blind);
    run_at_once(t.transport(), server, 1); // accepted without verification; its session is in the share
    t.transport().set_options(trusting);
    pulse_test::recording_sink s;
    auto const out = t.perform(job_get(server), s);
    REQUIRE_FALSE(out.has_value());
    INFO(out.error().to_string());
    CHECK(out.error().code == pulse::errc::tls_verification_failed);
    CHECK(s.heads == 0);
}
