#include <pulse/schema/codec.hpp>
#include <pulse/schema/form.hpp>

#include "test_util.hpp"

#include <doctest/doctest.h>

using namespace pulse_test;

TEST_CASE("form_result: cells, checkboxes, counters and unknown members round-trip") {
    auto doc = parse_or_fail(R"({
      "form_id": "f-1", "page_count": 2, "pdf_url": "https://api.runpulse.com/results/j-1/pdf",
      "form_fields": [
        {"page_number": 1, "bounding_box": [0.1, 0.2, 0.3, 0.25], "text": "Name", "type": "text", "value": "Ada"},
        {"page_number": 2, "bounding_box": [0, 0, 1, 1], "text": "Agree", "type": "checkbox", "row": 0, "col": 1,
         "table_idx": 3, "checkbox_details": [{"center_coord": [0.5, 0.5], "selected": true, "text": "yes", "k": 1}]},
        {"type": "stamp"}],
      "fields_filled": 2, "credits_used": 6, "plan_info": {"tier": "growth"}, "job_id": "j-1"
    })");
    check_round_trip<pulse::form_result>(doc);
    auto r = pulse::decode<pulse::form_result>(doc);
    REQUIRE(r.has_value());
    CHECK(r->form_id == "f-1");
    REQUIRE(r->form_fields->size() == 3);
    auto const& cb = r->form_fields->at(1);
    CHECK(cb.type == "checkbox");
    CHECK(cb.checkbox_details->at(0).selected == true);
    CHECK(cb.checkbox_details->at(0).center_coord->size() == 2);
    CHECK(r->form_fields->at(0).extra.at("value") == "Ada");
    CHECK(r->form_fields->at(2).type == "stamp");
    CHECK(r->fields_filled == 2);
    CHECK_FALSE(r->fields_cleared.has_value());
    CHECK(r->extra.contains("job_id"));

    // Both spellings of plan_info at once: the first is the member, the other is kept as read.
    auto both = parse_or_fail(R"({"plan-info": {"tier": "a"}, "plan_info": {"tier": "b"}})");
    auto b = pulse::decode<pulse::form_result>(both);
    REQUIRE(b.has_value());
    CHECK(b->plan_info->tier == "a");
    CHECK(b->extra.at("plan_info").at("tier") == "b");
    check_round_trip<pulse::form_result>(both);
}

TEST_CASE("form_result: the fixture decodes and round-trips") {
    auto doc = parse_or_fail(api_fixture("form-result.json"));
    check_round_trip<pulse::form_result>(doc);
    auto r = pulse::decode<pulse::form_result>(doc);
    REQUIRE(r.has_value());
    CHECK(r->pdf_url->ends_with("/pdf"));
    REQUIRE(r->form_fields->size() == 3);
    CHECK(r->form_fields->at(1).checkbox_details->at(0).selected == false);
    CHECK(r->form_fields->at(2).type == "stamp");
    CHECK(r->fields_filled == 2);
    CHECK(r->plan_info->pages_used == 413);
}

TEST_CASE("form_result: errors name the cell") {
    auto r = pulse::decode<pulse::form_result>(
        parse_or_fail(R"({"form_fields": [{"page_number": 1}, {"checkbox_details": [{"selected": "yes"}]}]})"));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().to_string() == "form_fields[1].checkbox_details[0].selected: expected boolean, got string");
}
