// pulse::stream_decoder: the incremental typed decoder must give exactly what the DOM path gives
// (pulse::decode<T> over boost::json::parse) for the same bytes, however they are chunked -- values,
// kept unknown members, spellings, and error texts with their JSON paths -- and enforce its caps.
#include <pulse/schema.hpp>
#include <pulse/schema/stream_decoder.hpp>

#include "decode_both.hpp"
#include "test_util.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <vector>
#include "../support/temp_path.hpp"

using namespace pulse_test;
namespace json = boost::json;

namespace {

/// A synthetic result (tools/sample_result) of about `mb` MB.
std::string generated(double mb, int seed) { return sample_document(mb, static_cast<std::uint64_t>(seed)); }

std::string inline_result_text() {
    auto doc = parse_or_fail(api_fixture("poll-completed-inline.json"));
    return json::serialize(doc.as_object().at("result"));
}

// Unknown members at every level, null optionals, integer coordinates, an unknown visual_type.
char const* const rich_doc = R"({
  "markdown": "m\n\"q\" \u00e9\ud83d\ude00", "future_top": {"a": [1, 2.5, "x", null, true, -7, 18446744073709551615]},
  "extensions": {"newExt": 1,
    "chunking": {"page": ["p1"], "fancy": ["f"], "header": null},
    "footnoteReferences": [{"symbol": "*", "footnoteTextId": "txt-3", "referenceTextIds": ["txt-1"], "z": 0}],
    "altOutputs": {"html": "<p/>", "markdownPlus": "x", "xml": null,
      "wlbb": {"words": [{"id": "w-1", "text": "a", "page_number": 1,
                          "bounding_box": [0, 0.5, 1, 0.5, 1, 1, 0, 1], "average_word_confidence": 0.9,
                          "font": "Times"}, {"id": "w-2", "average_word_confidence": 1}], "extraWlbb": {}}}},
  "bounding_boxes": {
    "Text": [{"id": "txt-1", "content": "c", "page_number": 2, "bounding_box": [], "style": "bold", "sheet_name": null}],
    "Images": [{"id": "fig-1", "visual_type": "diagram", "classification": {"confidence": 0.5, "extra": 1},
                "source_ranges": ["A1"], "zzz": [1], "description": null}],
    "Tables": [{"table_info": {"id": "t", "dimensions": [2, 3], "location": {"page": 1}, "newInfo": true, "is_chart": false},
                "cell_data": [{"row": 0, "col": 0, "text": "x"}, [], 3, null], "layout": "grid"}],
    "defined_names": {"x": 1}, "Page Number": [{"id": "pn-1"}], "markdown_with_ids": "<p data-bb-text-id=\"txt-1\">"},
  "plan_info": {"tier": "trial", "total_credits_used": 1.1, "pages_used": 7, "note": "n", "region": "eu"},
  "warnings": ["w"], "credits_used": null, "page_count": 3, "empty_obj": {}, "empty_arr": [], "t": true, "f": false,
  "n": null, "big": 18446744073709551615, "neg": -9223372036854775808, "dbl": 1.5e300
})";

} // namespace

TEST_CASE("stream_decoder: the fixtures decode exactly as the DOM path decodes them") {
    for (char const* name : {"poll-completed-inline.json", "poll-completed-large.json", "poll-completed-large-legacy.json",
                             "poll-pending.json", "poll-processing.json", "poll-failed.json", "poll-expired.json",
                             "poll-cancelled-legacy.json", "poll-unknown-status.json"}) {
        CAPTURE(name);
        std::string text = api_fixture(name);
        check_same<pulse::job_status_response>(text);
        check_same<pulse::job_status_response>(text, {1});
    }
    std::string result = inline_result_text();
    check_same<pulse::extract_result>(result);
    check_same<pulse::extract_result>(result, {1});
    auto r = stream_decode<pulse::extract_result>(result, {3});
    REQUIRE(r.has_value());
    CHECK(r->markdown->starts_with("# Annual Statement"));
    CHECK(r->bounding_boxes->title->at(0).bounding_box->size() == 8);
    CHECK(r->credits_used->is_integer());
    CHECK(r->plan_info->pages_used == 410);
    check_same<pulse::extract_result>(api_fixture("result-legacy-spellings.json"), {3});

    auto pointer = parse_or_fail(api_fixture("poll-completed-large.json")).as_object().at("result");
    check_same<pulse::large_result_pointer>(json::serialize(pointer), {5});
    check_same<pulse::error_envelope>(api_fixture("error-400.json"), {2});
    check_same<pulse::form_result>(api_fixture("form-result.json"), {4});
}

TEST_CASE("stream_decoder: any chunking gives the same typed result (1 byte, 7 bytes, 4 KiB, random)") {
    std::string small = generated(0.2, 11);
    check_same<pulse::extract_result>(small, {1});
    check_same<pulse::extract_result>(small, {7});
    check_same<pulse::extract_result>(small, {4096});
    for (std::uint32_t seed : {1u, 2u, 3u}) check_same<pulse::extract_result>(small, {64, seed});

    std::string rich = rich_doc;
    for (std::size_t n : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}, std::size_t{4096}})
        check_same<pulse::extract_result>(rich, {n});
    for (std::uint32_t seed = 1; seed <= 20; ++seed) check_same<pulse::extract_result>(rich, {9, seed});
}

TEST_CASE("stream_decoder: generated 5 MB results, several seeds, equal the DOM path") {
    for (int seed : {1, 2, 3}) {
        CAPTURE(seed);
        std::string doc = generated(5, seed);
        check_same<pulse::extract_result>(doc);
        check_same<pulse::extract_result>(doc, {4096});
        check_same<pulse::extract_result>(doc, {70000, static_cast<std::uint32_t>(seed)});
    }
    // The shape the generator promises is really there (so the comparison above is not vacuous).
    pulse_sample::stats st;
    auto r = stream_decode<pulse::extract_result>(sample_document(5, 1, &st), {65536});
    REQUIRE(r.has_value());
    CHECK(st.words > 10000);
    CHECK(r->extensions->alt_outputs->wlbb->words->size() == st.words);
    CHECK(r->bounding_boxes->text->size() == st.text_boxes);
    CHECK(r->bounding_boxes->images->size() == st.images);
    CHECK(r->extra.contains("future_field"));
    CHECK(r->bounding_boxes->extra.contains("Page Number"));
}

TEST_CASE("stream_decoder: unknown members at every level and null optionals round-trip") {
    check_same<pulse::extract_result>(rich_doc);
    auto r = stream_decode<pulse::extract_result>(rich_doc, {5});
    REQUIRE(r.has_value());
    CHECK(pulse::encode(*r) == parse_or_fail(rich_doc)); // written back: the same document
    CHECK(r->extra.at("future_top").at("a").as_array().size() == 7);
    CHECK(r->extra.at("big").is_uint64());
    CHECK(r->extra.at("neg").is_int64());
    CHECK(r->extra.at("dbl").is_double());
    CHECK(r->extensions->extra.contains("newExt"));
    CHECK(r->extensions->alt_outputs->wlbb->words->at(0).extra.at("font") == "Times");
    CHECK(r->bounding_boxes->tables->at(0).table_info->extra.contains("newInfo"));
    CHECK(r->bounding_boxes->tables->at(0).table_info->location->at("page") == 1);
    CHECK(r->bounding_boxes->tables->at(0).cell_data->size() == 4);
    // null optionals: empty, and the null kept for writing back
    CHECK_FALSE(r->credits_used.has_value());
    CHECK(r->extra.at("credits_used").is_null());
    CHECK_FALSE(r->extensions->alt_outputs->xml.has_value());
    CHECK(r->extensions->alt_outputs->extra.at("xml").is_null());
    CHECK(r->bounding_boxes->text->at(0).extra.at("sheet_name").is_null());
    // kinds kept
    auto const& w = r->extensions->alt_outputs->wlbb->words.value();
    CHECK(w[0].bounding_box->written_as_integer(0));
    CHECK_FALSE(w[0].bounding_box->written_as_integer(1));
    CHECK(w[1].average_word_confidence->is_integer());
    CHECK(r->bounding_boxes->images->at(0).visual_type.str() == "diagram");
    CHECK_FALSE(r->bounding_boxes->images->at(0).visual_type.is_known());
    CHECK(*r->markdown == "m\n\"q\" \xc3\xa9\xf0\x9f\x98\x80");
}

TEST_CASE("stream_decoder: both spellings are read and remembered as the DOM decoder does") {
    std::string const legacy = R"({"plan-info": {"tier": "growth"},
        "extensions": {"alt_outputs": {"html": "h"}, "footnote_references": [{"symbol": "1"}]}})";
    std::string const current = R"({"plan_info": {"tier": "growth"},
        "extensions": {"altOutputs": {"html": "h"}, "footnoteReferences": [{"symbol": "1"}]}})";
    for (auto const* doc : {&legacy, &current}) {
        check_same<pulse::extract_result>(*doc);
        check_same<pulse::extract_result>(*doc, {1});
    }
    auto old = stream_decode<pulse::extract_result>(legacy, {2});
    REQUIRE(old.has_value());
    // Written back under the spellings read.
    CHECK(pulse::encode(*old) == parse_or_fail(legacy));
    CHECK(old->plan_info->tier == "growth");
    CHECK(old->extensions->alt_outputs->html == "h");
    CHECK(old->extensions->footnote_references->at(0).symbol == "1");
    auto now = stream_decode<pulse::extract_result>(current);
    REQUIRE(now.has_value());
    CHECK(pulse::encode(*now) == parse_or_fail(current));
    check_same<pulse::form_result>(R"({"plan-info": {"tier": "x"}, "form_fields": [{"bounding_box": [1, 2, 3.5, 4]}]})", {1});
    check_same<pulse::large_result_pointer>(R"({"is_url": true, "url": "u", "plan-info": null})", {1});
    // job status spellings
    check_same<pulse::job_status_response>(R"({"job_id": "j", "status": "cancelled"})", {1});
    auto c = stream_decode<pulse::job_status_response>(R"({"job_id": "j", "status": "cancelled", "result": null})");
    REQUIRE(c.has_value());
    CHECK(c->status == pulse::job_status::value_type::canceled);
    CHECK(c->status.str() == "cancelled");
    CHECK(c->result.has_value());
    CHECK(c->result->is_null());
}

TEST_CASE("stream_decoder: both spellings in one object, and duplicate keys, end as in the DOM decoder") {
    // The DOM keeps the last value of a duplicate key (at the first one's place); the member keeps
    // the first spelling read and the other goes to `extra`. The stream decoder sees every key as
    // it comes, duplicates included, and must end in the same state.
    char const* const docs[] = {
        R"({"plan_info": {"tier": "a"}, "plan-info": {"tier": "b"}})",
        R"({"plan-info": {"tier": "a"}, "plan_info": {"tier": "b"}})",
        R"({"plan-info": {"tier": "a"}, "plan_info": {"tier": "b"}, "plan-info": {"tier": "c"}})",
        R"({"plan_info": {"tier": "a"}, "plan-info": {"tier": "b"}, "plan_info": {"tier": "c"}, "plan-info": 5})",
        R"({"plan_info": null, "plan-info": {"tier": "b"}})",
        R"({"plan-info": {"tier": "a"}, "plan_info": null})",
        R"({"plan_info": {"tier": "a"}, "plan_info": {"pages_used": 1}})",
        R"({"extensions": {"altOutputs": {"html": "a"}, "alt_outputs": [1, {"x": 2}], "footnote_references": [],
                           "footnoteReferences": [{"symbol": "s"}], "altOutputs": {"xml": "x"}}})",
    };
    for (char const* doc : docs) {
        CAPTURE(doc);
        check_same<pulse::extract_result>(doc);
        check_same<pulse::extract_result>(doc, {1});
        check_same<pulse::form_result>(doc, {3});
    }
    auto r = stream_decode<pulse::extract_result>(docs[2], {1});
    REQUIRE(r.has_value());
    CHECK(r->plan_info->tier == "c"); // first spelling read, last value of it
    CHECK(pulse::encode(*r).at("plan-info").at("tier") == "c"); // the member, under the spelling read
    CHECK(r->extra.at("plan_info").at("tier") == "b");
    CHECK(pulse::encode(*r) == parse_or_fail(docs[2]));
}

TEST_CASE("stream_decoder: polygons with integers beyond a double's precision, and past index 63") {
    std::string many = R"({"bounding_boxes": {"Text": [{"bounding_box": [)";
    for (int i = 0; i < 70; ++i) many.append(i ? ", " : "").append(std::to_string(i)).append(i % 4 ? "" : ".5");
    many.append("]}]}}");
    std::string huge =
        R"({"bounding_boxes": {"Title": [{"bounding_box": [1, 71178737961038279, 18446744073709551615, -9223372036854775807, 0.5]}]}})";
    for (auto const* doc : {&many, &huge}) {
        check_same<pulse::extract_result>(*doc);
        check_same<pulse::extract_result>(*doc, {1});
        auto r = stream_decode<pulse::extract_result>(*doc, {3});
        REQUIRE(r.has_value());
        CHECK(pulse::encode(*r) == parse_or_fail(*doc));
    }
}

TEST_CASE("stream_decoder: type errors carry the same JSON path and text as the DOM decoder") {
    char const* const cases[] = {
        R"({"markdown": 5})",
        R"({"page_count": "3"})",
        R"({"page_count": 1.5})",
        R"({"page_count": 18446744073709551615})",
        R"({"bounding_boxes": {"Text": [{}, {}, {}, {"page_number": "x"}]}})",
        R"({"bounding_boxes": {"Text": [{"bounding_box": [0.1, "y"]}]}})",
        R"({"bounding_boxes": {"Text": [{"bounding_box": {}}]}})",
        R"({"bounding_boxes": {"Text": [{"bounding_box": [[]]}]}})",
        R"({"bounding_boxes": {"Text": [1]}})",
        R"({"bounding_boxes": {"Tables": [{"cell_data": {}}]}})",
        R"({"bounding_boxes": {"Tables": [{"table_info": {"location": []}}]}})",
        R"({"bounding_boxes": {"Tables": [{"table_info": {"dimensions": [1, "2"]}}]}})",
        R"({"extensions": {"altOutputs": {"wlbb": {"words": [{"id": "w"}, {"average_word_confidence": true}]}}}})",
        R"({"extensions": {"alt_outputs": {"html": []}}})",
        R"({"extensions": {"footnote_references": [{"referenceTextIds": [null]}]}})",
        R"({"plan-info": {"pages_used": {}}})",
        R"({"bounding_boxes": {"Images": [{"id": "f"}]}})",
        R"({"bounding_boxes": {"Images": [{"visual_type": "chart"}]}})",
        R"({"bounding_boxes": {"Images": [{"id": "f", "visual_type": 3}]}})",
        R"({"warnings": [1]})",
        R"({"warnings": "w"})",
        R"({"credits_used": "1"})",
        R"({"extensions": null, "markdown": false})",
        R"([])",
        R"("text")",
        R"(null)",
        R"(12)",
    };
    for (char const* doc : cases) {
        CAPTURE(doc);
        check_same<pulse::extract_result>(doc);
        check_same<pulse::extract_result>(doc, {1});
    }
    auto e = stream_decode<pulse::extract_result>(cases[4]);
    REQUIRE_FALSE(e.has_value());
    CHECK(e.error().to_string() == "bounding_boxes.Text[3].page_number: expected integer, got string");
    check_same<pulse::job_status_response>(R"({"status": "pending"})");
    check_same<pulse::job_status_response>(R"({"job_id": 1, "status": "pending"})");
    check_same<pulse::large_result_pointer>(R"({"is_url": "yes", "url": "u"})");
    check_same<pulse::form_result>(R"({"form_fields": [{"checkbox_details": [{"selected": 1}]}]})");
}

TEST_CASE("stream_decoder: a decode error is reported by the write that reaches it, and sticks") {
    std::string doc = R"({"page_count": "3", "markdown": "m"})";
    pulse::stream_decoder<pulse::extract_result> dec;
    CHECK(dec.write(doc.substr(0, 10)).has_value());
    auto w = dec.write(doc.substr(10, 10));
    REQUIRE_FALSE(w.has_value());
    CHECK(w.error().to_string() == "page_count: expected integer, got string");
    CHECK(dec.failed());
    REQUIRE(dec.last_error() != nullptr);
    CHECK(dec.last_error()->code == pulse::errc::type_mismatch);
    CHECK(dec.write(doc.substr(20)).error().code == pulse::errc::type_mismatch);
    CHECK(dec.finish().error().code == pulse::errc::type_mismatch);
}

TEST_CASE("stream_decoder: every JSON kind as every schema type agrees with the DOM path") {
    std::vector<std::string> docs = {
        "null", "true", "false", "-5", "18446744073709551615", "2.5", R"("s")", "[]", R"([1,"x",null])", "{}",
        R"({"Text":[1],"job_id":[],"status":3,"markdown":{}})",
        R"({"bounding_boxes":"x","extensions":[],"plan_info":1,"is_url":"yes"})",
        R"({"job_id":"j","status":"completed","result":{"is_url":true,"url":"u"},"error":null,"x":[{}]})",
        R"({"code":"C","message":null,"details":{"a":[1,{"b":null}]},"error":{"code":1}})",
        R"({"form_fields":[{"page_number":1,"checkbox_details":[{"center_coord":[1,2],"selected":true}]}],"fields_filled":2})",
        R"({"file_url":"u","extensions":{"chunking":{"chunkTypes":["page"],"chunkSize":100}},"async":true,"pages":"1-3"})",
    };
    auto each = [&]<class T>() {
        for (auto const& d : docs) {
            CAPTURE(d);
            check_same<T>(d);
            check_same<T>(d, {1});
        }
    };
    each.operator()<pulse::extract_result>();
    each.operator()<pulse::bounding_boxes>();
    each.operator()<pulse::bounding_box_image>();
    each.operator()<pulse::bounding_box_table>();
    each.operator()<pulse::table_info>();
    each.operator()<pulse::extensions>();
    each.operator()<pulse::word_box>();
    each.operator()<pulse::plan_info>();
    each.operator()<pulse::job_status_response>();
    each.operator()<pulse::async_submission>();
    each.operator()<pulse::large_result_pointer>();
    each.operator()<pulse::job_cancellation>();
    each.operator()<pulse::error_envelope>();
    each.operator()<pulse::api_error>();
    each.operator()<pulse::form_result>();
    each.operator()<pulse::form_cell>();
    each.operator()<pulse::extract_options>();
    each.operator()<pulse::form_options>();
}

TEST_CASE("stream_decoder: truncated bodies fail like the DOM path, at every cut") {
    std::string const docs[] = {inline_result_text(), std::string(rich_doc)};
    for (auto const& doc : docs) {
        for (std::size_t cut = 0; cut < doc.size(); ++cut) {
            CAPTURE(cut);
            std::string_view part(doc.data(), cut);
            auto dom = pulse::decode_json<pulse::extract_result>(part);
            auto st = stream_decode<pulse::extract_result>(part, {cut % 5 + 1});
            // A prefix can be complete JSON only if it ends the document (trailing space cut off).
            REQUIRE(dom.has_value() == st.has_value());
            if (!dom) CHECK(describe(st.error()) == describe(dom.error()));
        }
    }
    auto empty = stream_decode<pulse::extract_result>("");
    REQUIRE_FALSE(empty.has_value());
    CHECK(empty.error().code == pulse::errc::json_syntax);
    CHECK(empty.error().message == pulse::decode_json<pulse::extract_result>("").error().message);
}

TEST_CASE("stream_decoder: malformed bodies give the DOM path's json_syntax error") {
    char const* const bad[] = {
        R"({"a" 1})", R"({"a": 1,})", R"({"x": [1,]})", R"({"a": tru})", R"({"a": "\x"})", R"({"a": "\ud800"})",
        "{\"a\": \"\xff\"}", R"({} x)", R"({}})", R"({"markdown": "a" "b"})", R"({"a": 01})", R"({"a": -})",
        R"({"a": 1e})", R"({"a": [1 2]})", "{\"a\": \"tab\there\"}", R"(// comment
        {})", R"({"a": nul})", R"({"markdown": "unterminated)",
    };
    for (char const* doc : bad) {
        CAPTURE(doc);
        auto dom = pulse::decode_json<pulse::extract_result>(doc);
        REQUIRE_FALSE(dom.has_value());
        CHECK(dom.error().code == pulse::errc::json_syntax);
        check_same<pulse::extract_result>(doc);
        check_same<pulse::extract_result>(doc, {1});
    }
    // Whitespace after the document is fine, in any chunk.
    check_same<pulse::extract_result>("{\"markdown\": \"m\"}  \n\t ", {1});
    // Trailing data after a complete document: in the same chunk or a later one.
    for (std::size_t n : {std::size_t{1}, std::size_t{3}, std::size_t{100}})
        check_same<pulse::extract_result>(R"({"markdown": "m"}{"markdown": "m"})", {n});
}

TEST_CASE("stream_decoder: caps on body size, depth and string length stop the decoder") {
    SUBCASE("body size") {
        std::string doc = inline_result_text();
        pulse::stream_limits lim;
        lim.max_body_bytes = doc.size() - 1;
        auto r = stream_decode<pulse::extract_result>(doc, {100}, lim);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == pulse::errc::body_too_large);
        CHECK(r.error().layer() == pulse::error_layer::local);
        lim.max_body_bytes = doc.size();
        CHECK(stream_decode<pulse::extract_result>(doc, {100}, lim).has_value());

        pulse::stream_decoder<pulse::extract_result> dec(lim);
        CHECK(dec.write(doc).has_value());
        auto again = dec.write(" ");
        REQUIRE_FALSE(again.has_value());
        CHECK(again.error().code == pulse::errc::body_too_large);
        CHECK(dec.write("").error().code == pulse::errc::body_too_large); // sticky
        CHECK(dec.finish().error().code == pulse::errc::body_too_large);
        CHECK(dec.bytes_consumed() == doc.size() + 1);
    }
    SUBCASE("depth: 512 by default, like parse_json; an unknown subtree deeper than the cap") {
        std::string deep = R"({"markdown": "m", "x": )" + std::string(600, '[') + std::string(600, ']') + "}";
        auto dom = pulse::decode_json<pulse::extract_result>(deep);
        auto st = stream_decode<pulse::extract_result>(deep, {64});
        REQUIRE_FALSE(st.has_value());
        CHECK(st.error().code == pulse::errc::too_deep);
        CHECK(describe(st.error()) == describe(dom.error()));
        pulse::stream_limits lim;
        lim.max_depth = 1000;
        auto ok = stream_decode<pulse::extract_result>(deep, {64}, lim);
        REQUIRE(ok.has_value());
        auto dom_deep = pulse::parse_json(deep, {.max_depth = 1000});
        REQUIRE(dom_deep.has_value());
        CHECK(pulse::encode(*ok) == *dom_deep);
        CHECK(ok->extra.at("x").is_array());
        lim.max_depth = 3;
        auto shallow = stream_decode<pulse::extract_result>(R"({"bounding_boxes": {"Text": [{"id": "t"}]}})", {}, lim);
        REQUIRE_FALSE(shallow.has_value());
        CHECK(shallow.error().code == pulse::errc::too_deep);
    }
    SUBCASE("string length: values and keys, known members and captured ones, whole or in pieces") {
        pulse::stream_limits lim;
        lim.max_string_bytes = 16;
        std::string const fits = R"({"markdown": "0123456789abcdef", "0123456789abcdef": ["0123456789abcdef"]})";
        CHECK(stream_decode<pulse::extract_result>(fits, {}, lim).has_value());
        CHECK(stream_decode<pulse::extract_result>(fits, {1}, lim).has_value());
        struct case_t {
            char const* doc;
            char const* path;
        };
        case_t const cases[] = {
            {R"({"markdown": "0123456789abcdefg"})", "markdown"},
            {R"({"bounding_boxes": {"Text": [{"id": "0123456789abcdefg"}]}})", "bounding_boxes.Text[0].id"},
            {R"({"extra": {"k": ["0123456789abcdefg"]}})", "extra"},
            {R"({"0123456789abcdefg": 1})", ""},
            {R"({"markdown": "0123456789\nbcdefg"})", "markdown"},
        };
        for (auto const& c : cases) {
            for (std::size_t chunk : {std::size_t{0}, std::size_t{1}, std::size_t{5}}) {
                CAPTURE(c.doc);
                CAPTURE(chunk);
                auto r = stream_decode<pulse::extract_result>(c.doc, {chunk}, lim);
                REQUIRE_FALSE(r.has_value());
                CHECK(r.error().code == pulse::errc::string_too_long);
                CHECK(r.error().path == c.path);
            }
        }
    }
}

namespace {

/// `{"bounding_boxes": {"Text": [{"page_number": 1}, ...]}}` with n items: 18 bytes of body for
/// each item the decoder must build in full.
std::string sparse_boxes(std::size_t n) {
    std::string doc = R"({"bounding_boxes": {"Text": [)";
    for (std::size_t i = 0; i < n; ++i) doc.append(i ? "," : "").append(R"({"page_number":1})");
    return doc + "]}}";
}

} // namespace

TEST_CASE("stream_decoder: the memory cap counts what the value holds and stops at the element that passes it") {
    constexpr std::size_t item = sizeof(pulse::bounding_box_item);
    std::string const doc = sparse_boxes(1000);
    for (std::size_t chunk : {std::size_t{0}, std::size_t{1}, std::size_t{4096}}) {
        CAPTURE(chunk);
        pulse::stream_limits lim;
        lim.max_memory_bytes = 1000 * item; // exactly the items: fits
        auto whole = stream_decode<pulse::extract_result>(doc, {chunk}, lim);
        REQUIRE(whole.has_value());
        CHECK(whole->bounding_boxes->text->size() == 1000);

        lim.max_memory_bytes = 100 * item; // the 101st item passes it
        auto r = stream_decode<pulse::extract_result>(doc, {chunk}, lim);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == pulse::errc::memory_limit);
        CHECK(r.error().layer() == pulse::error_layer::local);
        CHECK(r.error().path == "bounding_boxes.Text[100]");
        CHECK(r.error().message == "decoded value exceeds the memory cap of " + std::to_string(100 * item) + " bytes");
    }

    // Each kind of storage counts: a cap of 1000 bytes takes the small form and refuses the large.
    struct case_t {
        char const* what;
        std::string fits, passes;
        std::string path; ///< where the error points: the member or element that passes the cap
    };
    std::string const k(2000, 'k');
    case_t const cases[] = {
        {"a known string", R"({"markdown": "short"})", R"({"markdown": ")" + k + R"("})", "markdown"},
        {"an open enum's text", R"({"bounding_boxes": {"Images": [{"id": "i", "visual_type": "chart"}]}})",
         R"({"bounding_boxes": {"Images": [{"id": "i", "visual_type": ")" + k + R"("}]}})", "bounding_boxes.Images[0].visual_type"},
        {"an unknown member", R"({"x": "short"})", R"({"x": ")" + k + R"("})", "x"},
        {"an unknown subtree", R"({"x": [1, 2, 3]})", R"({"x": [1, ")" + k + R"("]})", "x"},
        {"an unknown key", R"({"x": 1})", R"({")" + k + R"(": 1})", k},
        {"a member typed as JSON", R"({"bounding_boxes": {"Tables": [{"cell_data": [1]}]}})",
         R"({"bounding_boxes": {"Tables": [{"cell_data": [")" + k + R"("]}]}})", "bounding_boxes.Tables[0].cell_data"},
        {"a polygon", R"({"bounding_boxes": {"Text": [{"bounding_box": [1, 2]}]}})",
         R"({"bounding_boxes": {"Text": [{"bounding_box": [)" + [] {
             std::string p;
             for (int i = 0; i < 200; ++i) p.append(i ? "," : "").append("1.5");
             return p;
         }() + "]}]}}",
         "bounding_boxes.Text[0].bounding_box["},
    };
    for (auto const& c : cases) {
        CAPTURE(c.what);
        pulse::stream_limits lim;
        lim.max_memory_bytes = 1000 + sizeof(pulse::bounding_box_image); // the largest element below
        CHECK(stream_decode<pulse::extract_result>(c.fits, {}, lim).has_value());
        for (std::size_t chunk : {std::size_t{0}, std::size_t{7}}) {
            auto r = stream_decode<pulse::extract_result>(c.passes, {chunk}, lim);
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error().code == pulse::errc::memory_limit);
            if (std::string_view(c.what) == "a polygon")
                CHECK(r.error().path.starts_with(c.path)); // at the coordinate that passes the cap
            else
                CHECK(r.error().path == c.path);
        }
        CHECK(stream_decode<pulse::extract_result>(c.passes).has_value()); // the default cap takes it
    }
}

TEST_CASE("stream_decoder: an array moving to larger storage counts both copies against the memory cap") {
    // 5,000 items, about 1.5 MB of them; the cap 10 % above that. In one write the decoder sizes the
    // array from the body's size after 128 items (a small move); in 4 KiB writes without a size
    // hint it doubles, and its last move would hold the old 4,096 items and their copy at once.
    constexpr std::size_t item = sizeof(pulse::bounding_box_item);
    std::string const doc = sparse_boxes(5000);
    pulse::stream_limits lim;
    lim.max_memory_bytes = 5000 * item + 500 * item;
    auto once = stream_decode<pulse::extract_result>(doc, {0}, lim);
    REQUIRE(once.has_value());
    CHECK(once->bounding_boxes->text->size() == 5000);
    auto doubling = stream_decode<pulse::extract_result>(doc, {4096}, lim);
    REQUIRE_FALSE(doubling.has_value());
    CHECK(doubling.error().code == pulse::errc::memory_limit);
    CHECK(doubling.error().path == "bounding_boxes.Text[4096]");
    lim.max_memory_bytes = (2 * 4096 + 1) * item; // room for the move (the new item is counted first)
    CHECK(stream_decode<pulse::extract_result>(doc, {4096}, lim).has_value());
}

TEST_CASE("stream_decoder: a decoder stopped by the memory cap stays stopped, and starts over after reset") {
    pulse::stream_limits lim;
    lim.max_memory_bytes = 50 * sizeof(pulse::bounding_box_item);
    pulse::stream_decoder<pulse::extract_result> dec(lim);
    std::string const doc = sparse_boxes(100);
    auto r = dec.write(doc);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == pulse::errc::memory_limit);
    CHECK(dec.failed());
    CHECK(dec.write("]").error().code == pulse::errc::memory_limit);
    CHECK(dec.finish().error().code == pulse::errc::memory_limit);
    dec.reset(); // same caps, a body that fits
    std::string const small = sparse_boxes(50);
    REQUIRE(dec.write(small).has_value());
    auto ok = dec.finish();
    REQUIRE(ok.has_value());
    CHECK(ok->bounding_boxes->text->size() == 50);
}

TEST_CASE("stream_decoder: numbers keep their kind; integers out of int64 range are refused") {
    check_same<pulse::plan_info>(R"({"total_credits_used": 18446744073709551615, "pages_used": 9223372036854775807})", {1});
    check_same<pulse::plan_info>(R"({"total_credits_used": -3, "pages_used": -9223372036854775808})", {2});
    check_same<pulse::plan_info>(R"({"total_credits_used": 3.0e0, "pages_used": 9223372036854775808})", {3});
    auto p = stream_decode<pulse::plan_info>(R"({"total_credits_used": 18446744073709551615})");
    REQUIRE(p.has_value());
    CHECK(p->total_credits_used->get_kind() == pulse::number::kind::uint64);
    auto d = stream_decode<pulse::plan_info>(R"({"total_credits_used": 3.0})");
    CHECK(d->total_credits_used->get_kind() == pulse::number::kind::double_);
    auto i = stream_decode<pulse::plan_info>(R"({"total_credits_used": 3})");
    CHECK(i->total_credits_used->get_kind() == pulse::number::kind::int64);
    // A polygon longer than 64 coordinates: integers past index 63 come back as doubles of equal value.
    std::string poly = R"({"bounding_box": [)";
    for (int k = 0; k < 70; ++k) poly.append(k ? "," : "").append(std::to_string(k));
    poly += "]}";
    check_same<pulse::bounding_box_item>(poly, {4});
}

TEST_CASE("stream_decoder: a member given twice ends with the last value, as in the DOM") {
    check_same<pulse::extract_result>(R"({"markdown": "a", "x": 1, "markdown": "b", "x": 2})");
    check_same<pulse::extract_result>(R"({"warnings": ["a", "b"], "warnings": ["c"]})");
    check_same<pulse::extract_result>(R"({"plan_info": {"tier": "a", "note": "n"}, "plan_info": {"tier": "b"}})");
    check_same<pulse::bounding_box_item>(R"({"bounding_box": [1, 2], "bounding_box": [3.5]})");
}

TEST_CASE("stream_decoder: reset, reuse, move, finish once") {
    std::string const doc = inline_result_text();
    pulse::stream_decoder<pulse::extract_result> dec;
    REQUIRE(dec.write(doc.substr(0, 100)).has_value());
    pulse::stream_decoder<pulse::extract_result> moved = std::move(dec); // mid-body
    REQUIRE(moved.write(doc.substr(100)).has_value());
    auto a = moved.finish();
    REQUIRE(a.has_value());
    CHECK(moved.finish().error().code == pulse::errc::invalid_argument);
    CHECK(moved.write("{}").error().code == pulse::errc::invalid_argument);

    moved.reset();
    CHECK(moved.bytes_consumed() == 0);
    REQUIRE(moved.write(doc).has_value());
    auto b = moved.finish();
    REQUIRE(b.has_value());
    CHECK(pulse::encode(*a) == pulse::encode(*b));

    moved.reset();
    REQUIRE_FALSE(moved.write(R"({"markdown": 1})").has_value());
    moved.reset(pulse::stream_limits{});
    REQUIRE(moved.write(R"({"markdown": "fine"})").has_value());
    CHECK(moved.finish()->markdown == "fine");
}

TEST_CASE("stream_decoder: a size hint only changes speed, never the result") {
    std::string doc = generated(0.5, 4);
    for (std::uint64_t hint : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{doc.size()}, std::uint64_t{doc.size() * 50}}) {
        CAPTURE(hint);
        pulse::stream_decoder<pulse::extract_result> dec;
        dec.expect_size(hint);
        for (std::size_t at = 0; at < doc.size(); at += 8192) REQUIRE(dec.write(std::string_view(doc).substr(at, 8192)).has_value());
        auto r = dec.finish();
        REQUIRE(r.has_value());
        CHECK(pulse::encode(*r) == pulse::encode(*pulse::decode_json<pulse::extract_result>(doc)));
        // A right hint sizes the big arrays once; a wrong (too large) one leaves no absurd capacity.
        auto const& words = *r->extensions->alt_outputs->wlbb->words;
        if (hint >= doc.size()) CHECK(words.capacity() <= words.size() + words.size() / 8 + 16);
    }
}

TEST_CASE("decode_file: the same result from a file, and file errors") {
    std::string doc = generated(0.5, 5);
    auto path = pulse_test::temp_path("decode_file.json");
    {
        std::ofstream out(path, std::ios::binary);
        out << doc;
    }
    auto r = pulse::decode_file<pulse::extract_result>(path);
    REQUIRE(r.has_value());
    CHECK(pulse::encode(*r) == pulse::encode(*pulse::decode_json<pulse::extract_result>(doc)));

    pulse::stream_limits lim;
    lim.max_body_bytes = 1000;
    auto big = pulse::decode_file<pulse::extract_result>(path, lim);
    REQUIRE_FALSE(big.has_value());
    CHECK(big.error().code == pulse::errc::body_too_large);

    auto missing = pulse::decode_file<pulse::extract_result>(path.string() + ".does-not-exist");
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().code == pulse::errc::file_error);
    CHECK(missing.error().layer() == pulse::error_layer::input);
    std::filesystem::remove(path);
}
