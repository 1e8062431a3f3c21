// pulse/http/redirect.hpp: the field, credential and redirect rules every adapter applies.
#include <pulse/http/redirect.hpp>

#include <doctest/doctest.h>

#include <optional>
#include <string>

using pulse::http::method;

TEST_CASE("redirect_target: only 301/302/303/307/308 with a Location that resolves to http(s)") {
    struct row {
        int status;
        char const* location; // nullptr: no Location field
        std::optional<std::string> target;
    };
    std::string const from = "https://api.runpulse.com/v1/job/x?q=1";
    row const rows[] = {
        {302, "https://cdn.example/r.json", "https://cdn.example/r.json"},
        {301, "/v1/job/y", "https://api.runpulse.com/v1/job/y"},
        {303, "other", "https://api.runpulse.com/v1/job/other"},
        {307, "//other.example/p", "https://other.example/p"},
        {308, "https://cdn.example/r.json#frag", "https://cdn.example/r.json"}, // the fragment is dropped
        {302, "ftp://files.example/r.json", std::nullopt},                    // not http(s)
        {302, "mailto:x@example.com", std::nullopt},
        {302, "", std::nullopt},
        {302, nullptr, std::nullopt},
        {300, "https://cdn.example/r.json", std::nullopt}, // not a status that is followed
        {304, "https://cdn.example/r.json", std::nullopt},
        {200, "https://cdn.example/r.json", std::nullopt},
    };
    for (auto const& r : rows) {
        CAPTURE(r.status);
        CAPTURE((r.location ? r.location : "<none>"));
        pulse::http::response_head h;
        h.status = r.status;
        if (r.location) h.headers.add("Location", r.location);
        CHECK(pulse::http::redirect_target(h, from) == r.target);
    }
}

TEST_CASE("follow_redirect: the method rule, and credentials never return once they left the origin") {
    struct row {
        method before;
        int status;
        method after;
        bool body;
    };
    row const rows[] = {
        {method::post, 303, method::get, false}, {method::post, 302, method::get, false}, {method::post, 301, method::get, false},
        {method::post, 307, method::post, true}, {method::post, 308, method::post, true}, {method::get, 302, method::get, true},
        {method::head, 303, method::head, false}, {method::delete_, 302, method::delete_, true},
    };
    for (auto const& r : rows) {
        CAPTURE(r.status);
        pulse::http::redirect_hop hop{"https://api.runpulse.com/a", r.before, true, true};
        pulse::http::follow_redirect(hop, r.status, "https://api.runpulse.com/b");
        CHECK(hop.method == r.after);
        CHECK(hop.send_body == r.body);
        CHECK(hop.send_credentials); // same origin
        CHECK(hop.url == "https://api.runpulse.com/b");
    }
    pulse::http::redirect_hop hop{"https://api.runpulse.com/a", method::get, true, true};
    pulse::http::follow_redirect(hop, 302, "https://cdn.example/r");
    CHECK_FALSE(hop.send_credentials);
    for (char const* f : {"x-api-key", "Authorization", "COOKIE", "proxy-authorization"}) CHECK_FALSE(hop.sends_field(f));
    CHECK(hop.sends_field("accept"));
    pulse::http::follow_redirect(hop, 302, "https://api.runpulse.com/c"); // back on the API's origin
    CHECK_FALSE(hop.send_credentials);
    pulse::http::redirect_hop other{"https://api.runpulse.com/a", method::get, true, true};
    pulse::http::follow_redirect(other, 302, "http://api.runpulse.com/a"); // another scheme: another origin
    CHECK_FALSE(other.send_credentials);
    pulse::http::redirect_hop post{"https://api.runpulse.com/a", method::post, true, true};
    pulse::http::follow_redirect(post, 303, "https://api.runpulse.com/b");
    CHECK_FALSE(post.sends_field("Content-Type"));
}

TEST_CASE("validate_fields: names are tokens, values carry no line breaks; the value is never shown") {
    struct row {
        char const* name;
        char const* value;
        bool ok;
    };
    row const rows[] = {
        {"x-api-key", "sk-SECRET", true},  {"X-Custom_1.2~", "v", true}, {"", "v", false},
        {"bad name", "v", false},          {"a:b", "v", false},          {"x-api-key", "sk-SECRET\r\nX: y", false},
        {"x-api-key", "sk-SECRET\n", false},
    };
    for (auto const& r : rows) {
        CAPTURE(r.name);
        pulse::http::headers h;
        h.add(r.name, r.value);
        auto res = pulse::http::validate_fields(h);
        CHECK(res.has_value() == r.ok);
        if (!res) CHECK(res.error().message.find("SECRET") == std::string::npos);
    }
    pulse::http::headers nul;
    nul.add("x", std::string("a\0b", 3));
    CHECK_FALSE(pulse::http::validate_fields(nul).has_value());
    auto e = pulse::http::too_many_redirects(10, 302);
    CHECK(e.code == pulse::errc::too_many_redirects);
    CHECK(e.http_status == 302);
}

TEST_CASE("redact_credentials: credential values are scrubbed from an error's text, nothing else") {
    pulse::error e(pulse::errc::transport_failed, "stack said: sent sk-live-123 to host");
    e.body = "echo: sk-live-123; Bearer tok-456";
    pulse::http::headers h{{"X-Api-Key", "sk-live-123"}, {"Authorization", "Bearer tok-456"}, {"X-Other", "host"}, {"Cookie", "abc"}};
    auto r = pulse::http::redact_credentials(e, h);
    CHECK(r.message == "stack said: sent [redacted] to host"); // X-Other is not a credential; "abc" is too short to scrub
    CHECK(r.body == "echo: [redacted]; [redacted]");
    CHECK(r.code == pulse::errc::transport_failed);
}
