// pulse/job_handle.hpp: a job as a value and as a token that survives a restart.
#include <pulse/job_handle.hpp>

#include <doctest/doctest.h>

#include <string>

TEST_CASE("job_handle: every kind and hostile ids and API URLs survive the token") {
    struct row {
        char const* id;
        pulse::job_kind kind;
        char const* api;
    };
    row const rows[] = {
        {"3c90c3cc-0d44-4b50-8888-8dd25736052a", pulse::job_kind::extract, "https://api.runpulse.com"},
        {"a b/c?d=e&f#g%20", pulse::job_kind::form_fill, "https://gw.example:8443/pulse?x=1&y=2"},
        {"ünïcødé", pulse::job_kind::form_detect, ""},
        {"j", pulse::job_kind::form_clear, "http://127.0.0.1:9"},
    };
    for (auto const& r : rows) {
        CAPTURE(r.id);
        pulse::job_handle const h{r.id, r.kind, r.api};
        std::string const token = h.token();
        CHECK(token.rfind("pulse-job:" + std::string(pulse::to_string(r.kind)) + "?", 0) == 0);
        auto back = pulse::job_handle::from_token(token);
        REQUIRE_MESSAGE(back.has_value(), (back ? std::string() : back.error().to_string()));
        CHECK(back->id == h.id);
        CHECK(back->kind == h.kind);
        CHECK(back->api == h.api);
    }
}

TEST_CASE("job_handle: what is not a token this version reads is refused, with the reason") {
    struct row {
        char const* text;
        char const* reason;
    };
    row const rows[] = {
        {"", "not a URI"},
        {"3c90c3cc-0d44", "not a URI"},
        {"https://api.runpulse.com/job/x", "scheme"},
        {"pulse-job:teleport?v=1&id=x", "unknown job kind"},
        {"pulse-job:extract?v=2&id=x", "version"},
        {"pulse-job:extract?id=x", "version"},
        {"pulse-job:extract?v=1", "no job id"},
        {"pulse-job:extract?v=1&id=", "no job id"},
    };
    for (auto const& r : rows) {
        CAPTURE(r.text);
        auto h = pulse::job_handle::from_token(r.text);
        REQUIRE_FALSE(h.has_value());
        CHECK(h.error().code == pulse::errc::invalid_argument);
        CHECK(h.error().message.find(r.reason) != std::string::npos);
    }
}

TEST_CASE("job_handle: kinds by name, and an id alone names an extraction of the waiting client's API") {
    for (auto k : {pulse::job_kind::extract, pulse::job_kind::form_detect, pulse::job_kind::form_fill, pulse::job_kind::form_clear})
        CHECK(pulse::job_kind_from_string(pulse::to_string(k)) == k);
    CHECK_FALSE(pulse::job_kind_from_string("Extract").has_value());
    pulse::job_handle const h = std::string("abc");
    CHECK(h.id == "abc");
    CHECK(h.kind == pulse::job_kind::extract);
    CHECK(h.api.empty());
}
