// pulse/call_options.hpp: a call's overrides are merged over the configuration, field by field.
#include <pulse/call_options.hpp>
#include <pulse/http/body_sinks.hpp>

#include <doctest/doctest.h>

#include <chrono>

using namespace std::chrono_literals;

TEST_CASE("with_call_options: no override changes nothing") {
    pulse::config const base;
    auto const c = pulse::with_call_options(base, {});
    CHECK(c.policies.deadline == base.policies.deadline);
    CHECK(c.policies.submit.max_attempts == base.policies.submit.max_attempts);
    CHECK(c.policies.poll_request.max_attempts == base.policies.poll_request.max_attempts);
    CHECK(c.policies.download.backoff.initial == base.policies.download.backoff.initial);
}

TEST_CASE("with_call_options: the deadline and the retries of every phase, and nothing else") {
    pulse::config base;
    base.api_key = "k";
    base.policies.poll.first_poll_delay = 123ms;
    pulse::flow::backoff_policy const quick{10ms, 1.0, 5ms, 20ms, 0.0};
    auto const c = pulse::with_call_options(base, {.deadline = 5s, .retry = {.max_attempts = 2, .backoff = quick}});
    CHECK(c.policies.deadline == 5s);
    for (auto const* p : {&c.policies.submit, &c.policies.poll_request, &c.policies.download, &c.policies.single}) {
        CHECK(p->max_attempts == 2);
        CHECK(p->backoff.initial == 10ms);
        CHECK(p->backoff.cap == 20ms);
    }
    // What retries are made of stays: a submission still retries only what is safe to resend.
    CHECK(c.policies.submit.on == base.policies.submit.on);
    CHECK(c.policies.poll.first_poll_delay == 123ms);
    CHECK(c.api_key == "k");
}

TEST_CASE("job_call: designated initializers, and the part every call takes") {
    pulse::http::string_sink sink;
    std::stop_source stop;
    pulse::extract_call const call{.options = {.pages = "1-3"}, .sink = &sink, .stop = stop.get_token(), .deadline = 2s};
    CHECK(call.options.pages == "1-3");
    auto const common = call.common();
    CHECK(common.deadline == 2s);
    stop.request_stop();
    CHECK(common.stop.stop_requested());
    CHECK_FALSE(common.retry.max_attempts.has_value());
}
