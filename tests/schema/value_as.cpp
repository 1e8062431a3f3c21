// pulse::value_as / values_as: JSON into the caller's own types through Boost.JSON's conversions,
// with the path of a mismatch; optional members may be missing or null, unknown members are ignored.
#include <pulse/schema/schema_job.hpp>
#include <pulse/schema/value_as.hpp>

#include "test_util.hpp"

#include <boost/describe/class.hpp>
#include <boost/json/value_from.hpp>

#include <doctest/doctest.h>

#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

using namespace pulse_test;

namespace user {
struct line_item {
    std::string description;
    double amount = 0;
};
BOOST_DESCRIBE_STRUCT(line_item, (), (description, amount))

struct invoice {
    std::string invoice_number;
    double total = 0;
    std::optional<std::string> currency;
    bool paid = true;
    std::vector<line_item> line_items;
    std::optional<std::string> due_date;
    std::int32_t copies = 1;
};
BOOST_DESCRIBE_STRUCT(invoice, (), (invoice_number, total, currency, paid, line_items, due_date, copies))

// A type with its own conversion, found by Boost.JSON through tag_invoke: "YYYY-MM-DD" only.
struct iso_date {
    int year = 0, month = 0, day = 0;
};
boost::json::result_for<iso_date, boost::json::value>::type tag_invoke(boost::json::try_value_to_tag<iso_date>,
                                                                       boost::json::value const& v) {
    iso_date d;
    auto const* s = v.if_string();
    if (!s || s->size() != 10 || std::sscanf(s->c_str(), "%4d-%2d-%2d", &d.year, &d.month, &d.day) != 3)
        return boost::system::error_code(boost::json::error::not_string);
    return d;
}
struct shipment {
    iso_date shipped;
    std::map<std::string, int> counts;
};
BOOST_DESCRIBE_STRUCT(shipment, (), (shipped, counts))
} // namespace user

TEST_CASE("value_as: a described struct from a schema's values, optional members missing or null") {
    auto v = parse_or_fail(R"({"invoice_number": "INV-1", "total": 12.5, "paid": false, "due_date": null,
                               "line_items": [{"description": "a", "amount": 10}, {"description": "b", "amount": 2.5, "tax": 0}],
                               "copies": 3, "unrequested": {"x": 1}})");
    auto r = pulse::value_as<user::invoice>(v);
    REQUIRE_MESSAGE(r.has_value(), r.error().to_string());
    CHECK(r->invoice_number == "INV-1");
    CHECK(r->total == 12.5);
    CHECK_FALSE(r->currency.has_value()); // missing
    CHECK_FALSE(r->due_date.has_value()); // null
    CHECK(r->paid == false);
    REQUIRE(r->line_items.size() == 2);
    CHECK(r->line_items[0].amount == 10); // an integer into a double
    CHECK(r->copies == 3);
}

TEST_CASE("value_as: every mismatch names its path") {
    struct row {
        char const* json;
        char const* error;
    };
    row const rows[] = {
        {R"({"total": 1, "paid": true, "line_items": [], "copies": 1})", "invoice_number: missing member"},
        {R"({"invoice_number": 5, "total": 1, "paid": true, "line_items": [], "copies": 1})",
         "invoice_number: expected string, got integer"},
        {R"({"invoice_number": "i", "total": "12", "paid": true, "line_items": [], "copies": 1})",
         "total: expected number, got string"},
        {R"({"invoice_number": "i", "total": 1, "paid": true, "line_items": [{"description": "a", "amount": 1}, {"description": "b"}], "copies": 1})",
         "line_items[1].amount: missing member"},
        {R"({"invoice_number": "i", "total": 1, "paid": true, "line_items": {}, "copies": 1})",
         "line_items: expected array, got object"},
        {R"({"invoice_number": "i", "total": 1, "paid": 1, "line_items": [], "copies": 1})", "paid: expected boolean, got integer"},
        {R"({"invoice_number": "i", "total": 1, "paid": true, "line_items": [], "copies": 1, "currency": ["EUR"]})",
         "currency: expected string, got array"},
        {R"([1, 2])", "decode error (type_mismatch): expected object, got array"},
    };
    for (auto const& r : rows) {
        INFO(std::string(r.json));
        auto out = pulse::value_as<user::invoice>(parse_or_fail(r.json));
        REQUIRE_FALSE(out.has_value());
        CHECK(out.error().to_string() == r.error);
    }
    // A number that does not fit its member: invalid_value, with the path.
    auto big = pulse::value_as<user::invoice>(
        parse_or_fail(R"({"invoice_number": "i", "total": 1, "paid": true, "line_items": [], "copies": 4294967296})"));
    REQUIRE_FALSE(big.has_value());
    CHECK(big.error().code == pulse::errc::invalid_value);
    CHECK(big.error().path == "copies");
}

TEST_CASE("value_as: the caller's own conversions and Boost's containers are used, with the path") {
    auto ok = pulse::value_as<user::shipment>(parse_or_fail(R"({"shipped": "2026-10-03", "counts": {"a": 1, "b": 2}})"));
    REQUIRE_MESSAGE(ok.has_value(), ok.error().to_string());
    CHECK(ok->shipped.month == 10);
    CHECK(ok->counts.at("b") == 2);

    auto bad = pulse::value_as<user::shipment>(parse_or_fail(R"({"shipped": "03.10.2026", "counts": {}})"));
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == pulse::errc::type_mismatch);
    CHECK(bad.error().path == "shipped");
}

TEST_CASE("values_as: from a schema answer, single and split mode, paths from the answer's root") {
    auto single = pulse::decode_json<pulse::schema_result>(api_fixture("schema-result.json"));
    REQUIRE(single.has_value());
    auto inv = pulse::values_as<user::invoice>(*single);
    // The fixture's invoice has no `copies`: a plain int member is required.
    REQUIRE_FALSE(inv.has_value());
    CHECK(inv.error().to_string() == "schema_output.values.copies: missing member");
    single->schema_output->values->emplace("copies", 2);
    inv = pulse::values_as<user::invoice>(*single);
    REQUIRE_MESSAGE(inv.has_value(), inv.error().to_string());
    CHECK(inv->line_items.at(1).description == "Travel");
    CHECK(inv->currency == "EUR");

    auto split = pulse::decode_json<pulse::schema_result>(api_fixture("schema-result-split.json"));
    REQUIRE(split.has_value());
    auto no_single = pulse::values_as<user::invoice>(*split);
    REQUIRE_FALSE(no_single.has_value());
    CHECK(no_single.error().code == pulse::errc::missing_member);
    CHECK(no_single.error().path == "schema_output");

    auto topic = pulse::values_as<std::map<std::string, std::vector<std::string>>>(*split, "contract");
    REQUIRE_MESSAGE(topic.has_value(), topic.error().to_string());
    CHECK(topic->at("parties").at(1) == "Globex");
    auto wrong = pulse::values_as<std::map<std::string, std::string>>(*split, "contract");
    REQUIRE_FALSE(wrong.has_value());
    CHECK(wrong.error().path == "results.contract.values");
    auto missing = pulse::values_as<user::invoice>(*split, "appendix");
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().path == "results");
}
