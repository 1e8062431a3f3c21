#include <pulse/schema/codec.hpp>
#include <pulse/schema/extract_result.hpp>
#include <pulse/schema/job.hpp>
#include <pulse/schema/job_status.hpp>

#include "test_util.hpp"

#include <doctest/doctest.h>

using namespace pulse_test;
using V = pulse::job_status::value_type;

TEST_CASE("job_status: known values, both cancel spellings, unknown kept, terminal set") {
    CHECK(pulse::job_status("pending") == V::pending);
    CHECK(pulse::job_status("processing") == V::processing);
    CHECK(pulse::job_status("canceled") == V::canceled);
    CHECK(pulse::job_status("cancelled") == V::canceled);
    CHECK(pulse::job_status("cancelled").str() == "cancelled");
    CHECK(pulse::job_status("expired") == V::expired);
    pulse::job_status weird("queued_for_gpu");
    CHECK(weird == V::unknown);
    CHECK_FALSE(weird.is_known());
    CHECK(weird.str() == "queued_for_gpu");

    for (auto s : {"completed", "failed", "canceled", "cancelled", "expired"}) {
        CAPTURE(s);
        CHECK(pulse::is_terminal(pulse::job_status(s)));
    }
    for (auto s : {"pending", "processing", "queued_for_gpu", "", "COMPLETED"}) {
        CAPTURE(s);
        CHECK_FALSE(pulse::is_terminal(pulse::job_status(s)));
    }
    CHECK(pulse::job_status(V::completed).str() == "completed");
}

TEST_CASE("job_status_response: every poll answer in tests/data/api decodes and round-trips") {
    struct poll_case {
        char const* file;
        V status;
        char const* text;    // status.str(): the spelling as read
        bool has_result;
        bool terminal;
    };
    poll_case const cases[] = {
        {"poll-pending.json", V::pending, "pending", false, false},
        {"poll-processing.json", V::processing, "processing", true, false},
        {"poll-completed-inline.json", V::completed, "completed", true, true},
        {"poll-completed-large.json", V::completed, "completed", true, true},
        {"poll-completed-large-legacy.json", V::completed, "completed", true, true},
        {"poll-failed.json", V::failed, "failed", false, true},
        {"poll-failed-message.json", V::failed, "failed", false, true},
        {"poll-canceled.json", V::canceled, "canceled", false, true},
        {"poll-cancelled-legacy.json", V::canceled, "cancelled", false, true},
        {"poll-expired.json", V::expired, "expired", true, true},
        {"poll-unknown-status.json", V::unknown, "queued_for_review", false, false},
    };
    for (auto const& c : cases) {
        CAPTURE(c.file);
        auto doc = parse_or_fail(api_fixture(c.file));
        check_round_trip<pulse::job_status_response>(doc);
        auto r = pulse::decode<pulse::job_status_response>(doc);
        REQUIRE(r.has_value());
        CHECK(r->status == c.status);
        CHECK(r->status.str() == c.text);
        CHECK(r->result.has_value() == c.has_result);
        CHECK(pulse::is_terminal(r->status) == c.terminal);
        CHECK(r->job_id == doc.at("job_id").as_string());
    }
    auto pending = pulse::decode<pulse::job_status_response>(parse_or_fail(api_fixture("poll-pending.json")));
    REQUIRE(pending.has_value());
    CHECK(pending->created_at == "2026-10-03T09:15:00Z");
    auto failed = pulse::decode<pulse::job_status_response>(parse_or_fail(api_fixture("poll-failed.json")));
    REQUIRE(failed.has_value());
    CHECK(failed->error == "The document is password-protected");
    auto unknown = pulse::decode<pulse::job_status_response>(parse_or_fail(api_fixture("poll-unknown-status.json")));
    REQUIRE(unknown.has_value());
    CHECK(unknown->extra.at("queue_position") == 4);
}

TEST_CASE("large_result_pointer: detected by is_url, decoded with plan_info") {
    auto doc = parse_or_fail(api_fixture("poll-completed-large.json"));
    auto poll = pulse::decode<pulse::job_status_response>(doc);
    REQUIRE(poll.has_value());
    REQUIRE(poll->result.has_value());
    CHECK(pulse::is_large_result_pointer(*poll->result));
    auto ptr = pulse::decode<pulse::large_result_pointer>(*poll->result);
    REQUIRE(ptr.has_value());
    CHECK(ptr->is_url);
    CHECK(ptr->url == "https://api.runpulse.com/large_results/e4b7c9d1-2f3a-4c5b-9d6e-7f8091a2b3c4");
    CHECK(ptr->page_count == 318);
    CHECK(ptr->plan_info->total_credits_used->as_double() == 9050);
    check_round_trip<pulse::large_result_pointer>(*poll->result);

    // The inline result is not a pointer; neither is is_url false, a string "true", or a non-object.
    auto inline_doc = parse_or_fail(api_fixture("poll-completed-inline.json"));
    CHECK_FALSE(pulse::is_large_result_pointer(inline_doc.at("result")));
    CHECK_FALSE(pulse::is_large_result_pointer(parse_or_fail(R"({"is_url": false, "url": "x"})")));
    CHECK_FALSE(pulse::is_large_result_pointer(parse_or_fail(R"({"is_url": "true", "url": "x"})")));
    CHECK_FALSE(pulse::is_large_result_pointer(parse_or_fail(R"([true])")));

    // The oldest pointer: a pre-signed storage URL, legacy plan-info and expires_at kept.
    auto legacy = parse_or_fail(api_fixture("poll-completed-large-legacy.json")).at("result");
    auto lp = pulse::decode<pulse::large_result_pointer>(legacy);
    REQUIRE(lp.has_value());
    CHECK(lp->plan_info->pages_used == 95);
    CHECK(lp->extra.contains("expires_at"));
    check_round_trip<pulse::large_result_pointer>(legacy);

    // Both spellings at once: the first is the member, the other is kept and written back.
    auto both = parse_or_fail(R"({"is_url": true, "url": "u", "plan_info": {"pages_used": 1}, "plan-info": {"pages_used": 2}})");
    auto bp = pulse::decode<pulse::large_result_pointer>(both);
    REQUIRE(bp.has_value());
    CHECK(bp->plan_info->pages_used == 1);
    CHECK(bp->extra.at("plan-info").at("pages_used") == 2);
    check_round_trip<pulse::large_result_pointer>(both);
}

TEST_CASE("job_status_response: required members and types are checked") {
    auto no_status = pulse::decode<pulse::job_status_response>(parse_or_fail(R"({"job_id": "a"})"));
    REQUIRE_FALSE(no_status.has_value());
    CHECK(no_status.error().code == pulse::errc::missing_member);
    CHECK(no_status.error().path == "status");

    auto bad_id = pulse::decode<pulse::job_status_response>(parse_or_fail(R"({"job_id": 5, "status": []})"));
    REQUIRE_FALSE(bad_id.has_value());
    CHECK(bad_id.error().to_string() == "job_id: expected string, got integer");

    // The doc sample shows `result: {}` and `error` on a pending job: tolerated.
    auto loose = pulse::decode<pulse::job_status_response>(
        parse_or_fail(R"({"job_id": "a", "status": "pending", "result": {}, "error": null, "progress": 5})"));
    REQUIRE(loose.has_value());
    CHECK(loose->result->is_object());
    CHECK_FALSE(loose->error.has_value());
    CHECK(loose->extra.contains("progress"));
}

TEST_CASE("async_submission and job_cancellation") {
    auto current = parse_or_fail(api_fixture("submit-async.json"));
    check_round_trip<pulse::async_submission>(current);
    auto cs = pulse::decode<pulse::async_submission>(current);
    REQUIRE(cs.has_value());
    CHECK(cs->message == "Job queued for processing");
    CHECK_FALSE(cs->queued_at.has_value());

    auto doc = parse_or_fail(api_fixture("submit-async-legacy.json"));
    auto s = pulse::decode<pulse::async_submission>(doc);
    REQUIRE(s.has_value());
    CHECK(s->job_id == "5d0f6c2e-9a41-4b7e-8c35-0e1f2a3b4c5d");
    CHECK(*s->status == V::pending);
    CHECK(s->queued_at == "2025-12-01T10:00:00Z");
    CHECK_FALSE(s->credits_used.has_value());
    check_round_trip<pulse::async_submission>(doc);

    auto missing = pulse::decode<pulse::async_submission>(parse_or_fail(R"({"status": "pending"})"));
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().to_string() == "job_id: missing required member");

    auto c = parse_or_fail(api_fixture("cancel.json"));
    check_round_trip<pulse::job_cancellation>(c);
    CHECK(pulse::decode<pulse::job_cancellation>(c)->message == "Job cancelled successfully");
}
