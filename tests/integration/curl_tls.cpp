// The libcurl adapter over HTTPS: the shared transport conformance suite against the local server
// with the test CA, and the certificate cases every adapter must pass (tls_support.hpp).
#include "tls_support.hpp"
#include "transport_conformance.hpp"

#include <pulse/curl/transport.hpp>

#include <doctest/doctest.h>

#include <utility>

namespace {
pulse::curl::easy_transport make_easy(pulse::http::transport_options o) { return pulse::curl::easy_transport(std::move(o)); }
} // namespace

TEST_CASE("curl easy_transport: transport conformance over TLS (test CA)") {
    pulse_test::run_transport_conformance<pulse::curl::easy_transport>(make_easy, pulse_test::tls_conformance_setup());
}

TEST_CASE("curl easy_transport: TLS certificate verification") {
    pulse_test::run_tls_cases<pulse::curl::easy_transport>(make_easy);
}
