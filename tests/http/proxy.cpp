// pulse/http/proxy.hpp: which hosts bypass the proxy (curl's NO_PROXY rules), and the proxy a
// request goes through.
#include <pulse/http/proxy.hpp>

#include <doctest/doctest.h>

TEST_CASE("bypasses_proxy: curl's NO_PROXY rules") {
    struct row {
        char const* host;
        char const* no_proxy;
        bool bypass;
    };
    row const rows[] = {
        {"api.runpulse.com", "*", true},
        {"api.runpulse.com", "runpulse.com", true},          // a domain covers its subdomains
        {"api.runpulse.com", ".runpulse.com", true},         // a leading dot too
        {"runpulse.com", "runpulse.com", true},
        {"notrunpulse.com", "runpulse.com", false},          // not a subdomain
        {"api.runpulse.com", "api.runpulse.co", false},
        {"API.RunPulse.com", "api.runpulse.com", true},      // case-insensitive
        {"api.runpulse.com.", "api.runpulse.com", true},     // trailing dot of the host
        {"127.0.0.1", "localhost, 127.0.0.1", true},         // spaces around entries
        {"127.0.0.1", "127.0.0.10", false},
        {"127.0.0.1", "127.0.0.1:8080", true},               // a port in the list is ignored
        {"[::1]", "::1", true},                              // IPv6 literal from a URL
        {"[::1]", "[::1]:443", true},
        {"[::1]", "::2", false},
        {"example.com", "", false},
        {"example.com", ",, ,", false},
        {"example.com", "*.example.com", false},             // not a wildcard syntax
        {"a.example.com", "x.com,example.com", true},
    };
    for (auto const& r : rows) {
        CAPTURE(r.host);
        CAPTURE(r.no_proxy);
        CHECK(pulse::http::bypasses_proxy(r.host, r.no_proxy) == r.bypass);
    }
}

TEST_CASE("proxy_for: the proxy for a URL, or a direct connection") {
    pulse::http::transport_options o;
    CHECK_FALSE(pulse::http::proxy_for("https://api.runpulse.com/job/x", o).has_value()); // none set
    o.proxy = "";
    CHECK_FALSE(pulse::http::proxy_for("https://api.runpulse.com/job/x", o).has_value()); // explicitly none
    o.proxy = "http://proxy.corp:3128";
    CHECK(pulse::http::proxy_for("https://api.runpulse.com/job/x", o) == "http://proxy.corp:3128");
    o.no_proxy = "runpulse.com";
    CHECK_FALSE(pulse::http::proxy_for("https://api.runpulse.com/job/x", o).has_value());
    CHECK(pulse::http::proxy_for("https://bucket.s3.amazonaws.com/r", o) == "http://proxy.corp:3128");
    CHECK(pulse::http::proxy_for("not a url", o) == "http://proxy.corp:3128"); // the stack refuses it
}
