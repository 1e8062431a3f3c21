// The content of the results of the job kinds beyond extraction: schema values generated from the
// caller's JSON schema, split page groups, tables, and result bodies padded to an exact size. All
// deterministic (the same request gives the same bytes), so tests can state what they expect.
#pragma once

#include "body_source.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pulse_server {

// JSON text of a value with numbers written as people (and the API's Python) write them: 42, 1.5,
// 3.0 — not Boost.JSON's 1.5E0.
std::string json_text(const boost::json::value& v);

// An extraction a schema, split or tables job reads.
struct extraction_ref {
    std::string id;
    std::int64_t pages = 1;
};

// A value shaped by a JSON schema: objects with every property, arrays of two items (or minItems),
// enums and consts as given, strings by format (date, date-time, email, uri, uuid) or from the
// property's name, numbers and integers within minimum/maximum, booleans, nulls; local $ref,
// anyOf/oneOf (the first non-null branch) and allOf (merged) are followed. What a value is depends
// on the property's name and position only, so equal schemas give equal values.
boost::json::value sample_values(const boost::json::value& schema);

// {"values": sample_values(schema), "citations": {property: [bounding-box id]}}: each top-level
// property cites one of the extraction's boxes (txt-1, ttl-1, tbl-1, fig-1, ftr-1, in turn); when
// several extractions are combined the ids read "<extraction_id>-<box id>", as the API writes them.
boost::json::object structured_output(const boost::json::value& schema, const std::vector<extraction_ref>& from);

// The schema applied when a request names a saved configuration (schema_config_id) or gives an
// Excel template, neither of which this server can read: an invoice with a number, a date, a
// total, a paid flag and line items.
boost::json::object canned_schema();

// The topics a saved split configuration (split_config_id) stands for.
std::vector<std::string> canned_topics();

// topic -> 1-based pages: the pages cut into contiguous runs, one per topic in order (topics past
// the page count get none).
boost::json::object split_pages(const std::vector<std::string>& topics, std::int64_t pages);

struct tables_options {
    bool merge = false;   // tables with the same headers become one, citing all of them
    bool json = false;    // table_content as {headers, rows} instead of an HTML <table>
    bool charts = false;  // the chart fig-1 also becomes a table, from_chart: true
};
// Each extraction holds a table continued over two pages (tbl-1, tbl-2) and a chart (fig-1).
boost::json::array tables(const std::vector<extraction_ref>& from, const tables_options& opt);
// Credits as the API bills tables: 0.25 a table (0.5 merged), plus 1 a chart.
double tables_credits(const boost::json::array& tables, const tables_options& opt);

boost::json::object plan_info(std::int64_t pages, double credits);

// A result body of exactly `size` bytes when that is more than the body's own size: `object_text`
// (a JSON object) with an unknown member "pulse_server_padding", an array of 64-byte strings, and
// whitespace to the last byte. Without a size, or below the body's own size, the body as it is.
struct sized_body {
    std::uint64_t size = 0;
    std::function<source_ptr()> open;
};
sized_body padded_body(std::string object_text, std::optional<std::uint64_t> size);

}  // namespace pulse_server
