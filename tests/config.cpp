// pulse/config.hpp: config::from_env() reads the variables a program and curl users set, with the
// documented precedence; a missing key is an error, never a crash.
#include <pulse/config.hpp>

#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <string>

namespace {

pulse::env_lookup env(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](std::string const& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

} // namespace

TEST_CASE("config::from_env: the key is required; an empty one counts as unset") {
    for (auto const& vars : {std::map<std::string, std::string>{}, std::map<std::string, std::string>{{"PULSE_API_KEY", ""}}}) {
        auto c = pulse::config::from_env(env(vars));
        REQUIRE_FALSE(c.has_value());
        CHECK(c.error().code == pulse::errc::invalid_argument);
        CHECK(c.error().message.find("PULSE_API_KEY") != std::string::npos);
    }
    auto c = pulse::config::from_env(env({{"PULSE_API_KEY", "k-123"}}));
    REQUIRE(c.has_value());
    CHECK(c->api_key == "k-123");
    CHECK(c->base_url == pulse::default_base_url);
    CHECK(c->transport.ca_bundle.empty());
    CHECK_FALSE(c->transport.proxy.has_value());
    CHECK_FALSE(c->transport.no_proxy.has_value());
}

TEST_CASE("config::from_env: base URL, CA bundle and proxy variables, with curl's precedence") {
    struct row {
        char const* name;
        std::map<std::string, std::string> vars;
        char const* base_url;
        char const* ca;                      // "" = none
        std::optional<std::string> proxy;
        std::optional<std::string> no_proxy;
    };
    std::string const api = "https://api.runpulse.com";
    row const rows[] = {
        {"PULSE_BASE_URL", {{"PULSE_BASE_URL", "http://127.0.0.1:8080/pulse"}}, "http://127.0.0.1:8080/pulse", "", {}, {}},
        {"CURL_CA_BUNDLE before SSL_CERT_FILE", {{"CURL_CA_BUNDLE", "/a.pem"}, {"SSL_CERT_FILE", "/b.pem"}}, api.c_str(), "/a.pem", {}, {}},
        {"SSL_CERT_FILE alone", {{"SSL_CERT_FILE", "/b.pem"}}, api.c_str(), "/b.pem", {}, {}},
        {"https_proxy before HTTPS_PROXY", {{"https_proxy", "http://p1"}, {"HTTPS_PROXY", "http://p2"}}, api.c_str(), "", "http://p1", {}},
        {"HTTPS_PROXY alone", {{"HTTPS_PROXY", "http://p2"}}, api.c_str(), "", "http://p2", {}},
        {"http_proxy is not for an https API", {{"http_proxy", "http://p3"}}, api.c_str(), "", {}, {}},
        {"http_proxy for an http API; HTTP_PROXY is not read",
         {{"PULSE_BASE_URL", "http://local:1"}, {"http_proxy", "http://p3"}, {"HTTP_PROXY", "http://p4"}}, "http://local:1", "", "http://p3", {}},
        {"ALL_PROXY when the scheme's own is unset", {{"ALL_PROXY", "socks5://p5"}}, api.c_str(), "", "socks5://p5", {}},
        {"all_proxy before ALL_PROXY", {{"all_proxy", "http://p6"}, {"ALL_PROXY", "http://p5"}}, api.c_str(), "", "http://p6", {}},
        {"the scheme's own before ALL_PROXY", {{"HTTPS_PROXY", "http://p2"}, {"ALL_PROXY", "http://p5"}}, api.c_str(), "", "http://p2", {}},
        {"no_proxy before NO_PROXY", {{"no_proxy", "a.example"}, {"NO_PROXY", "b.example"}}, api.c_str(), "", {}, "a.example"},
        {"NO_PROXY alone", {{"NO_PROXY", "*"}}, api.c_str(), "", {}, "*"},
        {"empty variables count as unset", {{"HTTPS_PROXY", ""}, {"CURL_CA_BUNDLE", ""}, {"SSL_CERT_FILE", "/b.pem"}}, api.c_str(), "/b.pem", {}, {}},
    };
    for (auto const& r : rows) {
        CAPTURE(r.name);
        auto vars = r.vars;
        vars["PULSE_API_KEY"] = "k";
        auto c = pulse::config::from_env(env(vars));
        REQUIRE_MESSAGE(c.has_value(), (c ? std::string() : c.error().to_string()));
        CHECK(c->base_url == r.base_url);
        CHECK(c->transport.ca_bundle == r.ca);
        CHECK(c->transport.proxy == r.proxy);
        CHECK(c->transport.no_proxy == r.no_proxy);
    }
}

TEST_CASE("config::from_env: a PULSE_BASE_URL that is not an absolute http(s) URL is refused by name") {
    for (char const* bad : {"api.runpulse.com", "ftp://x", "https://"}) {
        CAPTURE(bad);
        auto c = pulse::config::from_env(env({{"PULSE_API_KEY", "k"}, {"PULSE_BASE_URL", bad}}));
        REQUIRE_FALSE(c.has_value());
        CHECK(c.error().code == pulse::errc::invalid_argument);
        CHECK(c.error().message.rfind("PULSE_BASE_URL: ", 0) == 0);
    }
}

TEST_CASE("config::from_env(): the process environment, through the same rules") {
    // Whatever this process's environment holds, the call returns a value or a clear error.
    auto c = pulse::config::from_env();
    if (!c) CHECK(c.error().code == pulse::errc::invalid_argument);
    else CHECK_FALSE(c->api_key.empty());
}
