// pulse/http/request_fields.hpp: which request header fields a transport refuses to send, which
// are credentials, and scrubbing credential values from error text.
#include <pulse/http/request_fields.hpp>

#include <doctest/doctest.h>

#include <string>

using pulse::errc;
using pulse::http::headers;
using pulse::http::is_credential_field;
using pulse::http::is_token_char;
using pulse::http::validate_request_fields;

TEST_CASE("request_fields: token characters are RFC 9110's") {
    for (char c : std::string("abcXYZ019!#$%&'*+-.^_`|~")) CHECK(is_token_char(c));
    for (char c : std::string(" \t:;,\"()/<=>?@[\\]{}\r\n\x7f")) CHECK_FALSE(is_token_char(c));
    CHECK_FALSE(is_token_char('\0'));
    CHECK_FALSE(is_token_char(static_cast<char>(0xC3)));
}

TEST_CASE("request_fields: ordinary fields pass, empty values included") {
    headers h{{"x-api-key", "k"}, {"Content-Type", "application/json"}, {"X-Empty", ""}, {"X-Spaces", "a  \"b\"\t c"}};
    CHECK(validate_request_fields(h).has_value());
    CHECK(validate_request_fields(headers{}).has_value());
}

TEST_CASE("request_fields: injection and non-token names are refused, naming the field but not its value") {
    for (char const* bad : {"a\r\nX-Evil: 1", "a\nb", "a\rb"}) {
        CAPTURE(bad);
        auto r = validate_request_fields(headers{{"X-Ok", "v"}, {"X-Injected", bad}});
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == errc::invalid_argument);
        CHECK(r.error().message.find("X-Injected") != std::string::npos);
        CHECK(r.error().message.find("Evil") == std::string::npos);
    }
    auto nul = validate_request_fields(headers{{"x-api-key", std::string("secret\0key", 10)}});
    REQUIRE_FALSE(nul.has_value());
    CHECK(nul.error().message.find("secret") == std::string::npos);

    for (char const* name : {"", "X Space", "X:Colon", "X\r\nEvil"}) {
        CAPTURE(name);
        auto r = validate_request_fields(headers{{"X-Ok", "v"}, {name, "value"}});
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == errc::invalid_argument);
        CHECK(r.error().message.find("field 2") != std::string::npos);
    }
}

TEST_CASE("request_fields: the credential fields, in any case") {
    for (char const* name : {"x-api-key", "X-API-KEY", "Authorization", "cookie", "Proxy-Authorization"}) CHECK(is_credential_field(name));
    for (char const* name : {"x-api-keys", "x-pulse-scenario", "Set-Cookie", "Content-Type", ""}) CHECK_FALSE(is_credential_field(name));
}

TEST_CASE("request_fields: credential values are scrubbed from an error's text") {
    pulse::error e(errc::transport_failed, "stack said: sent sk-live-123 to host");
    e.body = "echo: sk-live-123; Bearer tok-456";
    headers h{{"X-Api-Key", "sk-live-123"}, {"Authorization", "Bearer tok-456"}, {"X-Other", "host"}, {"Cookie", "abc"}};
    auto r = pulse::http::redact_credentials(e, h);
    CHECK(r.message == "stack said: sent [redacted] to host"); // X-Other is not a credential
    CHECK(r.body == "echo: [redacted]; [redacted]");
    CHECK(r.code == errc::transport_failed);
}
