#include <pulse/http/origin.hpp>

#include <doctest/doctest.h>

#include <string_view>

using pulse::http::origin_of;
using pulse::http::same_origin;

namespace {
constexpr std::string_view api = "https://api.runpulse.com";
}

TEST_CASE("origin: scheme, lowercased host and effective port") {
    auto o = origin_of("HTTPS://API.RunPulse.COM/job/x?y=1#z");
    REQUIRE(o.has_value());
    CHECK(o->scheme == "https");
    CHECK(o->host == "api.runpulse.com");
    CHECK(o->port == 443);
    CHECK(o->to_string() == "https://api.runpulse.com:443");

    CHECK(origin_of("http://example.com")->port == 80);
    CHECK(origin_of("http://example.com:8080/")->port == 8080);
    CHECK(origin_of("https://example.com:/")->port == 443); // empty port means the default
    CHECK(origin_of("http://[::1]:8080/")->host == "[::1]");
    CHECK(origin_of("http://127.0.0.1:1/")->host == "127.0.0.1");
}

TEST_CASE("origin: the same origin written differently") {
    CHECK(same_origin(api, "https://api.runpulse.com/large_results/abc"));
    CHECK(same_origin(api, "HTTPS://API.RUNPULSE.COM:443/"));
    CHECK(same_origin(api, "https://api.runpulse.com:/x"));
    CHECK(same_origin("http://example.com", "http://example.com:80/a"));
    CHECK(same_origin("http://[::1]:8080/", "http://[0:0:0:0:0:0:0:1]:8080/x"));
    // Userinfo is not part of the origin: the request still goes to the API host.
    CHECK(same_origin(api, "https://user:secret@api.runpulse.com/x"));
}

TEST_CASE("origin: look-alikes are different origins") {
    for (std::string_view other : {
             "https://api.runpulse.com@evil.example/",          // the API host is userinfo
             "https://api.runpulse.com:443@evil.example/",      // ... with a port-looking suffix
             "https://api.runpulse.com.evil.example/",          // a subdomain of another host
             "https://evil.example/api.runpulse.com",           // the host in the path
             "https://evil.example/?u=https://api.runpulse.com", // ... in the query
             "https://evil.example#@api.runpulse.com",          // ... after a fragment
             "https://evilapi.runpulse.com/",                   // a suffix match is not a match
             "https://runpulse.com/",                           // nor is the parent domain
             "https://api.runpulse.com./",                      // trailing dot: treated as different
             "https://api.runpulse.com:8443/",                  // another port
             "https://api.runpulse.com:444/",
             "http://api.runpulse.com/",                        // another scheme
             "http://api.runpulse.com:443/",                    // ... even on port 443
             "https://[::1]/",                                  // IPv6 literal
             "https://[::ffff:127.0.0.1]/",
         }) {
        CAPTURE(other);
        CHECK_FALSE(same_origin(api, other));
        CHECK_FALSE(same_origin(other, api)); // symmetric
    }
    CHECK_FALSE(same_origin("http://[::1]:8080/", "http://[::2]:8080/"));
    CHECK_FALSE(same_origin("http://127.0.0.1/", "http://127.1/"));
    CHECK_FALSE(same_origin("http://127.0.0.1/", "http://[::ffff:127.0.0.1]/"));
}

TEST_CASE("origin: unparsable or unusable URLs have no origin and are never same-origin") {
    for (std::string_view bad : {
             "", "api.runpulse.com", "//api.runpulse.com/", "/job/x",
             "https://api.runpulse.com\\@evil.example/", // WHATWG would read '\' as '/'; RFC 3986 rejects it
             "https://api%2Erunpulse.com/",              // percent-encoded host
             "https:///x", "ftp://api.runpulse.com/", "file:///etc/passwd", "mailto:a@api.runpulse.com",
             "https://api.runpulse.com:65536/", "https://api.runpulse.com:99999/", "https://api.runpulse.com:0/",
             "https://api.runpulse.com:-1/", "https://api.runpulse.com:443x/", "https://api runpulse.com/",
             "https://[v7.x]/", "https://\xC3\xA4pi.runpulse.com/",
             // Boost.URL 1.81 alone accepts these (a rootless path after the authority).
             "https://api.runpulse.com:80:80/", "https://a:b@api.runpulse.com:1x@evil.example/",
         }) {
        CAPTURE(bad);
        auto o = origin_of(bad);
        REQUIRE_FALSE(o.has_value());
        CHECK(o.error().code == pulse::errc::invalid_argument);
        CHECK_FALSE(same_origin(api, bad));
        CHECK_FALSE(same_origin(bad, bad)); // not even with itself
    }
}
