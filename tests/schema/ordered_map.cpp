// pulse::ordered_map: JSON objects of one member type keep their members' order, in both decoders
// and when written back; a name given twice keeps its last value; errors name the member.
#include <pulse/schema.hpp>

#include "decode_both.hpp"
#include "test_util.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace pulse_test;
namespace json = boost::json;

TEST_CASE("ordered_map: wire order is kept through both decoders and written back as read") {
    // Not alphabetical and not insertion-sorted: the order must come from the document.
    std::string const text = R"({"split_output":{"splits":{"zeta":[5],"alpha":[1,2],"mid":[]}}})";
    for (std::size_t cut : {0u, 1u, 3u}) {
        CAPTURE(cut);
        auto r = cut == 0 ? pulse::decode_json<pulse::split_result>(text) : stream_decode<pulse::split_result>(text, {cut});
        REQUIRE(r.has_value());
        std::vector<std::string> keys;
        for (auto const& e : *r->split_output->splits) keys.push_back(e.key);
        CHECK(keys == std::vector<std::string>{"zeta", "alpha", "mid"});
        CHECK(pulse::to_json(*r) == text);
    }
}

TEST_CASE("ordered_map: a name given twice keeps the last value, in place, in both decoders") {
    std::string const text = R"({"split_output":{"splits":{"a":[1],"b":[2],"a":[3,4]}}})";
    check_same<pulse::split_result>(text);
    check_same<pulse::split_result>(text, {1});
    auto r = stream_decode<pulse::split_result>(text, {2});
    REQUIRE(r.has_value());
    auto const& m = *r->split_output->splits;
    REQUIRE(m.size() == 2);
    CHECK(*m.find("a") == std::vector<std::int64_t>{3, 4});
    CHECK(m.begin()->key == "a");
    // A struct value given twice starts over rather than merging.
    std::string const nested = R"({"results":{"t":{"values":{"x":1},"citations":{}},"t":{"values":{"y":2}}}})";
    check_same<pulse::schema_result>(nested, {1});
    auto n = pulse::decode_json<pulse::schema_result>(nested);
    REQUIRE(n.has_value());
    CHECK_FALSE(n->results->find("t")->citations.has_value());
    CHECK(n->results->find("t")->values->contains("y"));
}

TEST_CASE("ordered_map: lookup, insertion and equality") {
    pulse::ordered_map<int> m;
    CHECK(m.empty());
    m["b"] = 1;
    m.insert_or_assign("a", 2);
    m["b"] = 3;
    CHECK(m.size() == 2);
    CHECK(*m.find("b") == 3);
    CHECK(m.find("c") == nullptr);
    CHECK(m.contains("a"));
    pulse::ordered_map<int> other;
    other["a"] = 2;
    other["b"] = 3;
    CHECK_FALSE(m == other); // same members, other order
    pulse::ordered_map<int> same;
    same["b"] = 3;
    same["a"] = 2;
    CHECK(m == same);
}
