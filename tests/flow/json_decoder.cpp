// flow/detail/json_decoder.hpp: the incremental body decoder seam.
#include <pulse/flow/detail/json_decoder.hpp>
#include <pulse/schema/extract_result.hpp>

#include <doctest/doctest.h>

#include <string>

using pulse::errc;
using pulse::flow::detail::decode_limits;
using pulse::flow::detail::typed_decoder;

TEST_CASE("json_decoder: chunks split anywhere, even inside tokens and escapes") {
    std::string const text = R"({"markdown":"caf\u00e9 \"quoted\"","page_count":12345,"warnings":["a","b"],"credits_used":1.5})";
    for (std::size_t n = 1; n <= text.size(); ++n) {
        typed_decoder<pulse::extract_result> d;
        for (std::size_t i = 0; i < text.size(); i += n) REQUIRE(d.feed(std::string_view(text).substr(i, n)).has_value());
        auto r = d.finish();
        REQUIRE_MESSAGE(r.has_value(), r.error().to_string());
        CHECK(*r->markdown == "caf\xC3\xA9 \"quoted\"");
        CHECK(*r->page_count == 12345);
        CHECK(r->warnings->size() == 2);
        CHECK(d.size() == text.size());
    }
}

TEST_CASE("json_decoder: errors") {
    SUBCASE("syntax, with the offset") {
        typed_decoder<pulse::extract_result> d;
        auto r = d.feed(R"({"markdown": nope})");
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::json_syntax);
        CHECK(r.error().message.find("at byte 13") != std::string::npos);
        CHECK(!d.feed("more").has_value()); // sticky
        CHECK(d.failed());
    }
    SUBCASE("truncated") {
        typed_decoder<pulse::extract_result> d;
        REQUIRE(d.feed(R"({"markdown":"x)").has_value());
        auto r = d.finish();
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::json_syntax);
    }
    SUBCASE("trailing garbage") {
        typed_decoder<pulse::extract_result> d;
        auto r = d.feed(R"({} {})");
        CHECK(!r.has_value());
    }
    SUBCASE("empty") {
        typed_decoder<pulse::extract_result> d;
        auto r = d.finish();
        REQUIRE(!r.has_value());
        CHECK(r.error().message.find("empty") != std::string::npos);
    }
    SUBCASE("size cap: checked before parsing the chunk") {
        typed_decoder<pulse::extract_result> d(decode_limits{10, 32});
        REQUIRE(d.feed(R"({"mark)").has_value());
        auto r = d.feed(R"(down":"x"})");
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::body_too_large);
    }
    SUBCASE("depth cap") {
        typed_decoder<pulse::extract_result> d(decode_limits{1000, 4});
        auto r = d.feed(R"({"a":[[[[1]]]]})");
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::too_deep);
    }
    SUBCASE("shape, with the path: reported by the chunk that shows it, and at finish") {
        typed_decoder<pulse::extract_result> d;
        REQUIRE(d.feed(R"({"warnings":["ok",)").has_value());
        auto f = d.feed(R"(3]})");
        REQUIRE(!f.has_value());
        CHECK(f.error().code == errc::type_mismatch);
        CHECK(f.error().path == "warnings[1]");
        CHECK(d.failed());
        auto r = d.finish();
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::type_mismatch);
        CHECK(r.error().path == "warnings[1]");
    }
}

TEST_CASE("json_decoder: reset starts a new body") {
    typed_decoder<pulse::extract_result> d;
    REQUIRE(!d.feed("garbage").has_value());
    d.reset();
    REQUIRE(d.feed(R"({"markdown":"again"})").has_value());
    auto r = d.finish();
    REQUIRE(r.has_value());
    CHECK(*r->markdown == "again");
}
