// SPDX-License-Identifier: MIT
//
// Table extraction, POST /tables: the tables of an extraction as HTML or as JSON rows, optionally
// merged across pages and including tables recovered from charts.
#ifndef PULSE_SCHEMA_TABLES_JOB_HPP
#define PULSE_SCHEMA_TABLES_JOB_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/schema/detail/codec.hpp>
#include <pulse/schema/plan_info.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <tuple>
#include <vector>

PULSE_NAMESPACE_BEGIN

/// TablesConfig: how tables are returned.
struct tables_config {
    std::optional<bool> merge{};               ///< merge tables continued across pages
    std::optional<std::string> table_format{}; ///< "html" (the default) or "json"
    std::optional<bool> charts_to_tables{};    ///< also turn charts into tables (from_chart: true)
    boost::json::object extra{};               ///< any other field, sent as given
};

/// The request of POST /tables.
struct tables_request {
    std::string extraction_id{}; ///< a completed extraction; required
    std::optional<pulse::tables_config> tables_config{}; ///< how tables are returned
    /// Ask for a job (true, the flow's default when unset) or a synchronous answer (false).
    std::optional<bool> async{};
    boost::json::object extra{}; ///< any other field, sent as given
};

/// One table found.
struct table_item {
    /// The table: an HTML `<table>` string ("html"), or `{"headers": [...], "rows": [{...}]}`
    /// ("json"); kept as JSON because the format decides its shape.
    std::optional<boost::json::value> table_content{};
    std::optional<std::vector<std::string>> citations{}; ///< the bounding-box table ids it came from ("tbl-1")
    std::optional<bool> from_chart{}; ///< recovered from a chart (charts_to_tables)
    boost::json::object extra{};      ///< members this version does not name, kept and written back
};

/// `tables_output`.
struct tables_output {
    std::optional<std::vector<table_item>> tables{}; ///< the tables, in document order
    boost::json::object extra{}; ///< members this version does not name, kept and written back
};

/// The answer of POST /tables (and the poll result of a tables job).
struct tables_result {
    std::optional<std::string> tables_id{}; ///< this tables run
    std::optional<pulse::tables_output> tables_output{}; ///< the tables
    std::optional<number> credits_used{};        ///< credits this request used
    std::optional<pulse::plan_info> plan_info{}; ///< `plan_info` or legacy `plan-info`
    boost::json::object extra{}; ///< members this version does not name, kept and written back

private:
    template <class> friend struct detail::spelling_access;
    // Bit 0: the legacy spelling `plan-info` was read (and is written back).
    unsigned wire_spelling_ = 0;
};

namespace detail {
template <>
struct schema_of<tables_config> {
    template <class T = tables_config>
    static constexpr auto members = std::tuple{
        field("merge", &T::merge),
        field("table_format", &T::table_format),
        field("charts_to_tables", &T::charts_to_tables),
    };
};
template <>
struct schema_of<tables_request> {
    template <class T = tables_request>
    static constexpr auto members = std::tuple{
        field("extraction_id", &T::extraction_id).required(),
        field("tables_config", &T::tables_config),
        field("async", &T::async),
    };
};
template <>
struct schema_of<table_item> {
    template <class T = table_item>
    static constexpr auto members = std::tuple{
        field("table_content", &T::table_content),
        field("citations", &T::citations),
        field("from_chart", &T::from_chart),
    };
};
template <>
struct schema_of<tables_output> {
    template <class T = tables_output>
    static constexpr auto members = std::tuple{
        field("tables", &T::tables),
    };
};
/// POST /tables's answer members, for tables_result and the types that extend it (C).
template <class C>
constexpr auto tables_result_members() {
    using T = tables_result;
    return std::tuple{
        field_of<C>("tables_id", &T::tables_id),
        field_of<C>("tables_output", &T::tables_output),
        field_of<C>("credits_used", &T::credits_used),
        field_of<C>("plan_info", &T::plan_info).or_alias("plan-info", 0),
    };
}
template <>
struct schema_of<tables_result> {
    template <class T = tables_result>
    static constexpr auto members = tables_result_members<T>();
};
} // namespace detail

PULSE_NAMESPACE_END

#endif
