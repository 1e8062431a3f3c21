// flow/policy.hpp: backoff growth, cap, floor and jitter; which failures each retry policy retries.
#include <pulse/flow/policy.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <set>
#include <vector>

using namespace std::chrono_literals;
using pulse::errc;
using pulse::flow::backoff_policy;
using pulse::flow::jitter_source;
using pulse::flow::retry_on;
using pulse::flow::retry_policy;

TEST_CASE("policy: jitter_source is deterministic and spreads values") {
    jitter_source a(7), b(7), c(8);
    std::vector<std::uint64_t> va, vb, vc;
    for (int i = 0; i < 100; ++i) {
        va.push_back(a.next_u64());
        vb.push_back(b.next_u64());
        vc.push_back(c.next_u64());
    }
    CHECK(va == vb);
    CHECK(va != vc);
    jitter_source u(1);
    double lo = 1, hi = 0;
    for (int i = 0; i < 10'000; ++i) {
        double const x = u.next_unit();
        REQUIRE(x >= 0.0);
        REQUIRE(x < 1.0);
        lo = std::min(lo, x);
        hi = std::max(hi, x);
    }
    CHECK(lo < 0.01);
    CHECK(hi > 0.99);
}

TEST_CASE("policy: exponential backoff without jitter grows to the cap") {
    backoff_policy p{1000ms, 2.0, 250ms, 15'000ms, 0.0};
    jitter_source rng(1);
    std::vector<std::chrono::milliseconds> got;
    for (unsigned n = 0; n < 7; ++n) got.push_back(p.delay(n, rng));
    CHECK(got == std::vector<std::chrono::milliseconds>{1000ms, 2000ms, 4000ms, 8000ms, 15000ms, 15000ms, 15000ms});
    CHECK(p.delay(1000, rng) == 15000ms); // no overflow for huge attempt numbers
}

TEST_CASE("policy: the floor applies; a multiplier below 1 does not shrink") {
    backoff_policy p{100ms, 0.5, 250ms, 15'000ms, 0.0};
    jitter_source rng(1);
    CHECK(p.delay(0, rng) == 250ms);
    CHECK(p.delay(5, rng) == 250ms);
    backoff_policy q{0ms, 2.0, 0ms, 1000ms, 0.0};
    CHECK(q.delay(3, rng) == 0ms);
}

TEST_CASE("policy: jitter only shortens, within [d*(1-j), d], and stays above the floor") {
    backoff_policy p{4000ms, 2.0, 1000ms, 10'000ms, 0.25};
    jitter_source rng(99);
    std::set<long long> distinct;
    for (int i = 0; i < 2000; ++i) {
        auto const d0 = p.delay(0, rng);
        CHECK(d0 >= 3000ms);
        CHECK(d0 <= 4000ms);
        auto const dcap = p.delay(10, rng);
        CHECK(dcap >= 7500ms);
        CHECK(dcap <= 10'000ms);
        distinct.insert(d0.count());
    }
    CHECK(distinct.size() > 100);
    backoff_policy f{1000ms, 1.0, 900ms, 10'000ms, 1.0};
    for (int i = 0; i < 100; ++i) CHECK(f.delay(0, rng) >= 900ms);
}

TEST_CASE("policy: the same seed gives the same delays") {
    pulse::flow::poll_policy pp;
    jitter_source a(5), b(5);
    for (unsigned n = 0; n < 20; ++n) CHECK(pp.interval.delay(n, a) == pp.interval.delay(n, b));
}

TEST_CASE("policy: which statuses and transport errors each policy retries") {
    retry_policy get{5, retry_on::idempotent, {}};
    for (int s : {408, 429, 500, 502, 503, 504, 599}) CHECK(get.retries_status(s));
    for (int s : {200, 301, 400, 401, 403, 404, 410, 413, 422, 600}) CHECK_FALSE(get.retries_status(s));
    for (auto c : {errc::resolve_failed, errc::connect_failed, errc::tls_failed, errc::timeout, errc::connection_reset,
                   errc::body_truncated, errc::transport_failed, errc::protocol_error})
        CHECK(get.retries_transport(c));
    // What no retry can change: a rejected certificate, a failed proxy; and what is not a transport
    // failure at all.
    for (auto c : {errc::tls_verification_failed, errc::proxy_failed, errc::aborted_by_sink, errc::canceled,
                   errc::json_syntax, errc::server_error})
        CHECK_FALSE(get.retries_transport(c));

    pulse::flow::policies pol;
    auto const sub = pol.effective_submit();
    CHECK(sub.retries_status(429));
    for (int s : {408, 500, 502, 503, 504}) CHECK_FALSE(sub.retries_status(s));
    for (auto c : {errc::resolve_failed, errc::connect_failed, errc::tls_failed}) CHECK(sub.retries_transport(c));
    for (auto c : {errc::timeout, errc::connection_reset, errc::body_truncated, errc::tls_verification_failed,
                   errc::proxy_failed})
        CHECK_FALSE(sub.retries_transport(c));

    pol.retry_submission_on_server_error = true;
    auto const opted = pol.effective_submit();
    for (int s : {408, 429, 500, 503}) CHECK(opted.retries_status(s));
    CHECK(opted.retries_transport(errc::timeout));
}

TEST_CASE("policy: defaults match the documented behaviour") {
    pulse::flow::policies p;
    CHECK(p.deadline == std::chrono::minutes{30});
    CHECK(p.poll.first_poll_delay == 1000ms);
    CHECK(p.poll.interval.multiplier == doctest::Approx(1.5));
    CHECK(p.poll.interval.cap == 10'000ms);
    CHECK(p.poll.interval.jitter > 0);
    CHECK(p.poll.not_found.max_retries > 0);
    CHECK_FALSE(p.retry_submission_on_server_error);
}
