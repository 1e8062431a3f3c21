#include <pulse/schema/codec.hpp>
#include <pulse/schema/extract_options.hpp>

#include "test_util.hpp"

#include <doctest/doctest.h>

using namespace pulse_test;

TEST_CASE("extract_options: built in code, encoded with the wire names the API uses") {
    pulse::extract_options o;
    o.model = "pulse-ultra-2";
    o.pages = "1-2,5";
    o.figure_processing.emplace().show_images = true;
    auto& ext = o.extensions.emplace();
    ext.footnote_references = true;
    ext.chunking.emplace().chunk_types = std::vector<std::string>{"semantic", "page"};
    ext.chunking->chunk_size = 500;
    ext.alt_outputs.emplace().return_html = true;
    ext.alt_outputs->wlbb = true;
    o.storage.emplace().enabled = false;
    o.spreadsheet.emplace().include_hidden_sheets = true;
    o.extra["custom_flag"] = "x";

    auto v = pulse::encode(o);
    auto expected = parse_or_fail(R"({
      "model": "pulse-ultra-2", "pages": "1-2,5", "figure_processing": {"show_images": true},
      "extensions": {"footnoteReferences": true, "chunking": {"chunkTypes": ["semantic", "page"], "chunkSize": 500},
                     "altOutputs": {"wlbb": true, "returnHtml": true}},
      "spreadsheet": {"include_hidden_sheets": true}, "storage": {"enabled": false}, "custom_flag": "x"})");
    CHECK(v == expected);
    check_round_trip<pulse::extract_options>(expected);
    // Nothing unset is sent.
    CHECK_FALSE(v.as_object().contains("async"));
    CHECK_FALSE(v.as_object().contains("file_url"));
}

TEST_CASE("form_options: form_fields carry FormCells") {
    pulse::form_options f;
    f.instructions = "Fill the name with Ada";
    auto& cell = f.form_fields.emplace().emplace_back();
    cell.text = "Name";
    cell.type = "text";
    cell.bounding_box = pulse::polygon{0.1, 0.2, 0.3, 0.4};
    auto v = pulse::encode(f);
    CHECK(v.at("form_fields").at(0).at("type") == "text");
    check_round_trip<pulse::form_options>(v);
}
