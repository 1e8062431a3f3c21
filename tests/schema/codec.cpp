// The codec's guarantees that hold for every schema type: no crash and a decode-layer error for any
// JSON value of the wrong kind, Boost.JSON integration, parse limits, numbers and polygons.
#include <pulse/schema.hpp>

#include "test_util.hpp"

#include <boost/json/parse.hpp>
#include <doctest/doctest.h>

#include <string>

using namespace pulse_test;
namespace json = boost::json;

namespace {
// One value of every JSON kind, plus nested shapes that reach inner members.
std::vector<json::value> all_kinds() {
    return {nullptr, true, false, std::int64_t{-5}, std::uint64_t{18446744073709551615ull}, 2.5, "s",
            json::array{}, json::array{1, "x", nullptr}, json::object{},
            json::object{{"Text", json::array{1}}, {"job_id", json::array{}}, {"status", 3}, {"markdown", json::object{}}},
            json::object{{"bounding_boxes", "x"}, {"extensions", json::array{}}, {"plan_info", 1}, {"is_url", "yes"}}};
}

template <class T>
void check_every_kind() {
    for (auto const& v : all_kinds()) {
        CAPTURE(json::serialize(v));
        auto r = pulse::decode<T>(v);
        if (!r) {
            CHECK(r.error().layer() == pulse::error_layer::decode);
            CHECK_FALSE(r.error().message.empty());
        } else {
            // Whatever decoded must encode back to the same value.
            CHECK(pulse::encode(*r) == v);
        }
    }
}
} // namespace

TEST_CASE_TEMPLATE("codec: any JSON value as any schema type gives a value or a decode error", T,
                   pulse::extract_result, pulse::bounding_boxes, pulse::bounding_box_item, pulse::bounding_box_image,
                   pulse::bounding_box_table, pulse::table_info, pulse::extensions, pulse::alt_outputs,
                   pulse::word_level_boxes, pulse::word_box, pulse::chunking_result, pulse::footnote_reference,
                   pulse::plan_info, pulse::job_status_response, pulse::async_submission, pulse::large_result_pointer,
                   pulse::job_cancellation, pulse::error_envelope, pulse::api_error, pulse::form_result,
                   pulse::form_cell, pulse::extract_options, pulse::form_options) {
    check_every_kind<T>();
}

TEST_CASE("codec: an integer out of int64 range is an invalid value, not a wrap-around") {
    auto r = pulse::decode_json<pulse::extract_result>(R"({"page_count": 18446744073709551615})");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == pulse::errc::invalid_value);
    CHECK(r.error().path == "page_count");
}

TEST_CASE("codec: parse_json reports syntax and depth") {
    auto bad = pulse::parse_json(R"({"a": )");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == pulse::errc::json_syntax);

    std::string deep(600, '[');
    deep += std::string(600, ']');
    auto too_deep = pulse::parse_json(deep);
    REQUIRE_FALSE(too_deep.has_value());
    CHECK(too_deep.error().code == pulse::errc::too_deep);
    CHECK(pulse::parse_json(deep, {.max_depth = 1000}).has_value());

    auto via = pulse::decode_json<pulse::plan_info>(R"({"tier": 1})");
    REQUIRE_FALSE(via.has_value());
    CHECK(via.error().to_string() == "tier: expected string, got integer");
}

TEST_CASE("codec: Boost.JSON value_from / try_value_to / value_to work on schema types") {
    pulse::plan_info p;
    p.tier = "growth";
    p.total_credits_used = 1.5;
    json::value v = json::value_from(p);
    CHECK(v == json::parse(R"({"tier":"growth","total_credits_used":1.5})"));
    auto back = json::try_value_to<pulse::plan_info>(v);
    REQUIRE(back.has_value());
    CHECK(back->tier == "growth");
    CHECK(json::try_value_to<pulse::plan_info>(json::value(1)).has_error());
    // Containers of schema types go through the same conversions.
    std::vector<pulse::plan_info> many{p, p};
    json::value arr = json::value_from(many);
    CHECK(arr.as_array().size() == 2);
    CHECK(pulse::to_json(p) == R"({"tier":"growth","total_credits_used":1.5E0})");
}

TEST_CASE("number keeps its kind; polygon keeps integer coordinates") {
    CHECK(pulse::number(3) == pulse::number(3.0));
    CHECK(pulse::number(3).is_integer());
    CHECK_FALSE(pulse::number(3.0).is_integer());
    CHECK(pulse::number(std::uint64_t{7}).as_double() == 7.0);

    auto doc = parse_or_fail(R"({"Text": [{"bounding_box": [0, 0.25, 1, 2.0]}]})");
    check_round_trip<pulse::bounding_boxes>(doc);
    auto bb = pulse::decode<pulse::bounding_boxes>(doc);
    auto const& p = *bb->text->at(0).bounding_box;
    CHECK(p.written_as_integer(0));
    CHECK_FALSE(p.written_as_integer(1));
    CHECK(p.written_as_integer(2));
    CHECK_FALSE(p.written_as_integer(3));
    CHECK(p[3] == 2.0);
}

TEST_CASE("polygon: integers past index 63 and integers a double cannot hold are written back as read") {
    // 71178737961038279 must come back with its own digits, not as ...038272 (the nearest double),
    // and an integer past 2^63 must never be converted to int64 (undefined behaviour).
    auto doc = parse_or_fail(R"({"Text": [{"bounding_box": [0, 0.5, 1, 71178737961038279, -9223372036854775808,
        9223372036854775807, 18446744073709551615, 9007199254740993, 2.0]}]})");
    check_round_trip<pulse::bounding_boxes>(doc);
    auto bb = pulse::decode<pulse::bounding_boxes>(doc);
    REQUIRE(bb.has_value());
    auto const& p = *bb->text->at(0).bounding_box;
    CHECK(p.written_value(3) == pulse::number(std::int64_t{71178737961038279}));
    CHECK(p.written_value(6) == pulse::number(std::uint64_t{18446744073709551615u}));
    CHECK(p.written_value(6).get_kind() == pulse::number::kind::uint64);
    CHECK(p.written_value(7).as_int64_unchecked() == 9007199254740993);
    CHECK(p[7] == 9007199254740992.0); // operator[]: the nearest double
    CHECK(p.written_as_integer(4));
    CHECK_FALSE(p.written_as_integer(8));
    CHECK(p.written_value(8).get_kind() == pulse::number::kind::double_);

    // A copy keeps the exact values (the side table is deep-copied).
    pulse::polygon copy = p;
    CHECK(copy.written_value(3) == p.written_value(3));
    pulse::polygon assigned;
    assigned = copy;
    CHECK(assigned.written_value(6) == p.written_value(6));
    assigned.clear();
    CHECK(assigned.empty());
    CHECK(copy.written_value(6) == p.written_value(6));

    // 70 integer coordinates: the first 64 in the mask, the rest in the side table.
    boost::json::array many;
    for (int i = 0; i < 70; ++i) {
        if (i % 3 == 0) many.emplace_back(i + 0.5);
        else many.emplace_back(std::int64_t{i});
    }
    boost::json::value text_doc = {{"Text", boost::json::array{boost::json::object{{"bounding_box", many}}}}};
    check_round_trip<pulse::bounding_boxes>(text_doc);
    auto m = pulse::decode<pulse::bounding_boxes>(text_doc);
    REQUIRE(m.has_value());
    auto const& q = *m->text->at(0).bounding_box;
    CHECK(q.written_as_integer(65));
    CHECK_FALSE(q.written_as_integer(66));
    CHECK(q.written_value(68).as_int64_unchecked() == 68);
}

TEST_CASE("error: to_string, layers and redaction") {
    pulse::error e(pulse::errc::unauthorized, "invalid key sk-secret-123");
    e.http_status = 401;
    e.api_code = "AUTH_002";
    e.body = R"({"error":{"message":"key sk-secret-123 is invalid"}})";
    e.redact("sk-secret-123");
    CHECK(e.to_string() == "http error (unauthorized): invalid key [redacted] [HTTP 401] [AUTH_002]");
    CHECK(e.body.find("sk-secret") == std::string::npos);
    CHECK(e.layer() == pulse::error_layer::http);
    CHECK(pulse::layer_of(pulse::errc::timeout) == pulse::error_layer::transport);
    CHECK(pulse::layer_of(pulse::errc::job_expired) == pulse::error_layer::job);
    CHECK(pulse::layer_of(pulse::errc::partial_delivery) == pulse::error_layer::local);
    CHECK(pulse::layer_of(pulse::errc::file_error) == pulse::error_layer::input);
    CHECK_FALSE(pulse::error{});
}
