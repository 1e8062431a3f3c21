#include <pulse/schema/codec.hpp>
#include <pulse/schema/extract_result.hpp>
#include <pulse/schema/job.hpp>

#include "test_util.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

using namespace pulse_test;
namespace json = boost::json;

TEST_CASE("extract_result: the inline fixture decodes with every typed member") {
    auto doc = parse_or_fail(api_fixture("poll-completed-inline.json"));
    auto poll = pulse::decode<pulse::job_status_response>(doc);
    REQUIRE(poll.has_value());
    REQUIRE(poll->result.has_value());
    auto r = pulse::decode<pulse::extract_result>(*poll->result);
    REQUIRE(r.has_value());
    CHECK(r->markdown->starts_with("# Annual Statement"));
    CHECK(r->page_count == 2);
    CHECK(r->extraction_id == "a71c0b3e-42d5-4f96-b0e8-6c1d2e3f4a5b");
    REQUIRE(r->bounding_boxes.has_value());
    REQUIRE(r->bounding_boxes->title.has_value());
    auto const& title = r->bounding_boxes->title->at(0);
    CHECK(title.id == "ttl-1");
    CHECK(title.page_number == 1);
    REQUIRE(title.bounding_box.has_value());
    CHECK(title.bounding_box->size() == 8);
    CHECK((*title.bounding_box)[2] == doctest::Approx(0.55));
    CHECK(r->bounding_boxes->text->size() == 2);
    CHECK(r->bounding_boxes->header->empty());
    CHECK(r->bounding_boxes->footer->at(0).content == "Page 1");
    CHECK(r->bounding_boxes->extra.contains("Page Number"));
    auto const& table = r->bounding_boxes->tables->at(0);
    CHECK(table.table_info->dimensions == std::vector<std::int64_t>{2, 2});
    CHECK(table.cell_data->size() == 4);
    auto const& image = r->bounding_boxes->images->at(0);
    CHECK(image.visual_type == pulse::visual_type_traits::value::chart);
    CHECK(image.image_url->ends_with("/images/fig-1.png"));
    CHECK(r->extensions->chunking->page->size() == 2);
    CHECK(r->extensions->footnote_references->at(0).footnote_text_id == "txt-2");
    CHECK(r->extensions->alt_outputs->wlbb->words->at(1).text == "margin");
    CHECK(r->credits_used->as_double() == 2.0);
    CHECK(r->credits_used->is_integer());
    CHECK(r->plan_info->tier == "growth");
    CHECK(r->plan_info->total_credits_used->as_double() == 412.5);
    CHECK(r->plan_info->pages_used == 410);
    CHECK(r->warnings->size() == 1);
    CHECK(r->extra.empty());
    check_round_trip<pulse::extract_result>(*poll->result);
}

TEST_CASE("extract_result: the legacy spellings are read and written back as read") {
    auto doc = parse_or_fail(api_fixture("result-legacy-spellings.json"));
    auto r = pulse::decode<pulse::extract_result>(doc);
    REQUIRE(r.has_value());
    CHECK(r->plan_info->total_credits_used->as_double() == doctest::Approx(1.1));
    CHECK(r->extensions->alt_outputs->html == "<p>Legacy spellings</p>");
    CHECK(r->extensions->footnote_references->empty());
    CHECK_FALSE(r->credits_used.has_value());
    // Read into the members, not kept aside as unknown members.
    CHECK_FALSE(r->extra.contains("plan-info"));
    CHECK_FALSE(r->extensions->extra.contains("alt_outputs"));
    CHECK_FALSE(r->extensions->extra.contains("footnote_references"));
    check_round_trip<pulse::extract_result>(doc);
}

TEST_CASE("extract_result: unknown members at every level are kept and written back") {
    auto doc = parse_or_fail(R"({
      "markdown": "m", "future_top": {"a": [1, 2.5, "x", null, true]},
      "extensions": {"newExt": 1,
        "chunking": {"page": ["p1"], "fancy": ["f"]},
        "footnoteReferences": [{"symbol": "*", "footnoteTextId": "txt-3", "referenceTextIds": ["txt-1"], "z": 0}],
        "altOutputs": {"html": "<p/>", "markdownPlus": "x",
          "wlbb": {"words": [{"id": "w-1", "text": "a", "page_number": 1,
                              "bounding_box": [0, 0.5, 1, 0.5, 1, 1, 0, 1], "average_word_confidence": 0.9,
                              "font": "Times"}], "extraWlbb": {}}}},
      "bounding_boxes": {
        "Text": [{"id": "txt-1", "content": "c", "page_number": 2, "bounding_box": [], "style": "bold"}],
        "Images": [{"id": "fig-1", "visual_type": "diagram", "classification": {"confidence": 0.5, "extra": 1},
                    "source_ranges": ["A1"], "zzz": [1]}],
        "Tables": [{"table_info": {"id": "t", "dimensions": [2, 3], "location": {"page": 1}, "newInfo": true},
                    "cell_data": [{"row": 0, "col": 0, "text": "x"}], "layout": "grid"}],
        "defined_names": {"x": 1}, "Page Number": [{"id": "pn-1"}], "markdown_with_ids": "<p data-bb-text-id=\"txt-1\">"},
      "plan_info": {"tier": "trial", "total_credits_used": 1.1, "pages_used": 7, "note": "n", "region": "eu"},
      "warnings": ["w"], "credits_used": null
    })");
    check_round_trip<pulse::extract_result>(doc);
    auto r = pulse::decode<pulse::extract_result>(doc);
    REQUIRE(r.has_value());
    CHECK(r->extra.contains("future_top"));
    CHECK(r->extensions->extra.contains("newExt"));
    CHECK(r->extensions->alt_outputs->wlbb->words->at(0).extra.at("font") == "Times");
    CHECK(r->bounding_boxes->extra.contains("defined_names"));
    CHECK(r->bounding_boxes->tables->at(0).table_info->extra.contains("newInfo"));
    // null credits_used reads as absent, and is written back as null
    CHECK_FALSE(r->credits_used.has_value());
    CHECK(pulse::encode(*r).as_object().at("credits_used").is_null());
    // an unknown visual_type is kept and flagged as unknown
    auto const& img = r->bounding_boxes->images->at(0);
    CHECK(img.visual_type.str() == "diagram");
    CHECK_FALSE(img.visual_type.is_known());
    // integer coordinates stay integers
    auto const& box = *r->extensions->alt_outputs->wlbb->words->at(0).bounding_box;
    CHECK(box.written_as_integer(0));
    CHECK_FALSE(box.written_as_integer(1));
}

TEST_CASE("extract_result: both spellings of renamed members are read and written back as read") {
    auto legacy = parse_or_fail(R"({"plan-info": {"tier": "growth"},
        "extensions": {"alt_outputs": {"html": "h"}, "footnote_references": [{"symbol": "1"}]}})");
    auto r = pulse::decode<pulse::extract_result>(legacy);
    REQUIRE(r.has_value());
    CHECK(r->plan_info->tier == "growth");
    CHECK(r->extensions->alt_outputs->html == "h");
    CHECK(r->extensions->footnote_references->at(0).symbol == "1");
    check_round_trip<pulse::extract_result>(legacy);

    auto current = parse_or_fail(R"({"plan_info": {"tier": "growth"},
        "extensions": {"altOutputs": {"html": "h"}, "footnoteReferences": [{"symbol": "1"}]}})");
    check_round_trip<pulse::extract_result>(current);

    // A result built in code is written with the canonical spellings.
    pulse::extract_result made;
    made.plan_info.emplace().tier = "x";
    made.extensions.emplace().alt_outputs.emplace().xml = "<x/>";
    auto out = pulse::encode(made).as_object();
    CHECK(out.contains("plan_info"));
    CHECK(out.at("extensions").as_object().contains("altOutputs"));
}

TEST_CASE("extract_result: an object carrying both spellings of one member keeps both") {
    // Dropping the second spelling would break the round trip. The member holds the first spelling
    // read; the other stays in `extra`.
    auto both = parse_or_fail(R"({"plan_info": {"tier": "new"}, "plan-info": {"tier": "old"},
        "extensions": {"altOutputs": {"html": "a"}, "alt_outputs": {"html": "b"},
                       "footnote_references": [{"symbol": "1"}], "footnoteReferences": 7}})");
    auto r = pulse::decode<pulse::extract_result>(both);
    REQUIRE(r.has_value());
    CHECK(r->plan_info->tier == "new");
    CHECK(pulse::encode(*r).at("plan_info").at("tier") == "new"); // written back under the spelling read
    CHECK(r->extra.at("plan-info").at("tier") == "old");
    CHECK(r->extensions->alt_outputs->html == "a");
    CHECK(r->extensions->extra.at("alt_outputs").at("html") == "b");
    // footnote_references first, so it is the member (legacy bit set); the other spelling is kept
    // as it came, even with a type the member could not take.
    CHECK(r->extensions->footnote_references->at(0).symbol == "1");
    CHECK(pulse::encode(*r->extensions).at("footnote_references").at(0).at("symbol") == "1");
    CHECK(r->extensions->extra.at("footnoteReferences") == 7);
    check_round_trip<pulse::extract_result>(both);

    // The legacy spelling first, and a null as either one.
    check_round_trip<pulse::extract_result>(parse_or_fail(R"({"plan-info": {"tier": "old"}, "plan_info": null})"));
    check_round_trip<pulse::extract_result>(parse_or_fail(R"({"plan-info": null, "plan_info": {"pages_used": 2}})"));
    auto legacy_first = pulse::decode<pulse::extract_result>(parse_or_fail(R"({"plan-info": {"tier": "old"}, "plan_info": {"tier": "new"}})"));
    REQUIRE(legacy_first.has_value());
    CHECK(legacy_first->plan_info->tier == "old");
    CHECK(pulse::encode(*legacy_first).at("plan-info").at("tier") == "old");
}

TEST_CASE("extract_result: wrong types give errors with the JSON path") {
    struct case_t {
        char const* doc;
        char const* expected;
    };
    case_t const cases[] = {
        {R"({"markdown": 5})", "markdown: expected string, got integer"},
        {R"({"page_count": "3"})", "page_count: expected integer, got string"},
        {R"({"page_count": 1.5})", "page_count: expected integer, got number"},
        {R"({"bounding_boxes": {"Text": [{}, {}, {}, {"page_number": "x"}]}})",
         "bounding_boxes.Text[3].page_number: expected integer, got string"},
        {R"({"bounding_boxes": {"Text": [{"bounding_box": [0.1, "y"]}]}})",
         "bounding_boxes.Text[0].bounding_box[1]: expected number, got string"},
        {R"({"extensions": {"altOutputs": {"wlbb": {"words": [{"id": "w"}, {"average_word_confidence": true}]}}}})",
         "extensions.altOutputs.wlbb.words[1].average_word_confidence: expected number, got boolean"},
        {R"({"extensions": {"alt_outputs": {"html": []}}})", "extensions.alt_outputs.html: expected string, got array"},
        {R"({"plan-info": {"pages_used": {}}})", "plan-info.pages_used: expected integer, got object"},
        {R"({"bounding_boxes": {"Images": [{"id": "f"}]}})", "bounding_boxes.Images[0].visual_type: missing required member"},
        {R"({"warnings": [1]})", "warnings[0]: expected string, got integer"},
        {R"([])", ": expected object, got array"},
    };
    for (auto const& c : cases) {
        CAPTURE(c.doc);
        auto r = pulse::decode<pulse::extract_result>(parse_or_fail(c.doc));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().layer() == pulse::error_layer::decode);
        std::string text = r.error().to_string();
        if (std::string(c.expected).starts_with(": ")) {
            CHECK(r.error().path.empty());
            CHECK(r.error().message == std::string(c.expected).substr(2));
        } else {
            CHECK(text == std::string(c.expected));
        }
    }
}

TEST_CASE("extract_result: a large synthetic result decodes and round-trips") {
    pulse_sample::stats st;
    auto doc = parse_or_fail(sample_document(20, 3, &st));
    auto r = pulse::decode<pulse::extract_result>(doc);
    REQUIRE(r.has_value());
    CHECK(static_cast<std::uint64_t>(*r->page_count) == st.pages);
    REQUIRE(r->extensions->alt_outputs->wlbb->words.has_value());
    CHECK(r->extensions->alt_outputs->wlbb->words->size() == st.words);
    CHECK(r->bounding_boxes->text->size() == st.text_boxes);
    CHECK(r->bounding_boxes->tables->size() == st.tables);
    CHECK(r->bounding_boxes->images->size() == st.images);
    CHECK(r->extensions->footnote_references->size() == st.footnotes);
    CHECK(r->extra.contains("future_field"));
    CHECK(pulse::encode(*r) == doc);
}
