// pulse/schema/json_reader.hpp: JSON text in pieces -> a DOM, with caps and sticky errors.
#include <pulse/schema/json_reader.hpp>

#include <doctest/doctest.h>

#include <string>

using pulse::errc;

namespace {
pulse::stream_limits caps(std::uint64_t bytes, std::size_t depth) {
    pulse::stream_limits l;
    l.max_body_bytes = bytes;
    l.max_depth = depth;
    return l;
}
} // namespace

TEST_CASE("json_reader: pieces split anywhere, even inside tokens and escapes") {
    std::string const text = R"({"markdown":"caf\u00e9 \"quoted\"","page_count":12345,"warnings":["a","b"],"credits_used":1.5})";
    for (std::size_t n = 1; n <= text.size(); ++n) {
        pulse::json_reader r;
        for (std::size_t i = 0; i < text.size(); i += n) REQUIRE(r.feed(std::string_view(text).substr(i, n)).has_value());
        auto v = r.finish();
        REQUIRE_MESSAGE(v.has_value(), v.error().to_string());
        CHECK(v->at("markdown") == "caf\xC3\xA9 \"quoted\"");
        CHECK(v->at("page_count") == 12345);
        CHECK(v->at("warnings").as_array().size() == 2);
        CHECK(v->at("credits_used").as_double() == 1.5);
        CHECK(r.size() == text.size());
    }
}

TEST_CASE("json_reader: errors") {
    struct row {
        char const* name;
        pulse::stream_limits lim;
        std::vector<std::string> pieces;
        errc code;
        char const* text; // in the message
        bool at_feed;     // reported by a feed() (else by finish())
    };
    row const rows[] = {
        {"syntax, with the offset", {}, {R"({"markdown": nope})"}, errc::json_syntax, "at byte 13", true},
        {"truncated", {}, {R"({"markdown":"x)"}, errc::json_syntax, "", false},
        {"trailing garbage", {}, {R"({} {})"}, errc::json_syntax, "", true},
        {"empty", {}, {}, errc::json_syntax, "empty body", false},
        {"size cap, checked before the piece is parsed", caps(10, 32), {R"({"mark)", R"(down":"x"})"}, errc::body_too_large, "10 bytes", true},
        {"depth cap", caps(1000, 4), {R"({"a":[[[[1]]]]})"}, errc::too_deep, "depth", true},
    };
    for (auto const& r : rows) {
        CAPTURE(r.name);
        pulse::json_reader reader(r.lim);
        std::optional<pulse::error> first;
        for (auto const& p : r.pieces)
            if (auto f = reader.feed(p); !f && !first) first = f.error();
        CHECK(first.has_value() == r.at_feed);
        auto v = reader.finish();
        REQUIRE_FALSE(v.has_value());
        CHECK(v.error().code == r.code);
        CHECK(v.error().message.find(r.text) != std::string::npos);
        CHECK(reader.failed());
        CHECK_FALSE(reader.feed("{}").has_value()); // sticky
    }
}

TEST_CASE("json_reader: reset starts a new body") {
    pulse::json_reader r;
    REQUIRE_FALSE(r.feed("garbage").has_value());
    r.reset();
    REQUIRE(r.feed(R"({"markdown":"again"})").has_value());
    auto v = r.finish();
    REQUIRE(v.has_value());
    CHECK(v->at("markdown") == "again");
}
