// SPDX-License-Identifier: MIT
//
// Schema extraction, POST /schema: values shaped by a JSON schema, taken from earlier extractions.
// Three modes, told apart by what the request names:
//   single  `extraction_id` (one extraction, or a completed batch-extract job standing for its
//           items) or `extraction_ids`, with `schema_config` or a saved `schema_config_id`;
//   split   `split_id` with `split_schema_config`, one schema per topic of the split;
//   Excel   `schema_config.excel_template`: the schema comes from a workbook's column headers, and
//           the answer links the filled workbook (GET /schema/{schema_id}/excel).
// The answer has the single shape (`schema_output`, `version`) or the split shape (`split_id`,
// `results` per topic); schema_result holds either.
#ifndef PULSE_SCHEMA_SCHEMA_JOB_HPP
#define PULSE_SCHEMA_SCHEMA_JOB_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/schema/detail/codec.hpp>
#include <pulse/schema/ordered_map.hpp>
#include <pulse/schema/plan_info.hpp>
#include <pulse/schema/structured_output.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

PULSE_NAMESPACE_BEGIN

/// SchemaConfig: the schema to extract, inline. `input_schema` or `excel_template`, not both.
struct schema_config {
    std::optional<boost::json::object> input_schema{}; ///< a JSON Schema object
    /// A base64 .xlsx whose column headers become the schema; the answer then has excel_output_url.
    std::optional<std::string> excel_template{};
    std::optional<std::string> schema_prompt{}; ///< instructions on top of the schema
    std::optional<bool> effort{};               ///< extended reasoning (billed higher)
    boost::json::object extra{};                ///< any other field, sent as given
};

/// TopicSchemaConfig: the schema of one topic of a split. Note the member is `schema` here, where
/// schema_config says `input_schema`.
struct topic_schema_config {
    std::optional<boost::json::object> schema{}; ///< a JSON Schema object
    std::optional<std::string> schema_prompt{};  ///< instructions on top of the schema
    std::optional<bool> effort{};                ///< extended reasoning
    std::optional<std::string> schema_config_id{}; ///< a saved configuration instead of the above
    boost::json::object extra{};                 ///< any other field, sent as given
};

/// The request of POST /schema (see the file comment for the modes).
struct schema_request {
    /// A saved extraction, or a completed batch-extract job (its completed items, combined).
    std::optional<std::string> extraction_id{};
    std::optional<std::vector<std::string>> extraction_ids{}; ///< several extractions, combined
    std::optional<std::string> split_id{};                    ///< split mode: the split to work on
    std::optional<pulse::schema_config> schema_config{};      ///< single mode: the schema, inline
    std::optional<std::string> schema_config_id{};            ///< single mode: a saved configuration
    /// Split mode: a schema per topic; the names must be the split's topics.
    std::optional<ordered_map<topic_schema_config>> split_schema_config{};
    /// Ask for a job (true, the flow's default when unset) or a synchronous answer (false).
    std::optional<bool> async{};
    boost::json::object extra{}; ///< any other field, sent as given
};

/// The answer of POST /schema (and the poll result of a schema job), in either shape: single mode
/// fills schema_output and version; split mode fills split_id and results.
struct schema_result {
    std::optional<std::string> schema_id{}; ///< this schema run; GET /schema/{schema_id}/excel
    std::optional<std::int64_t> version{};  ///< single mode: the schema's version
    std::optional<structured_output> schema_output{}; ///< single mode: the values and citations
    std::optional<std::vector<std::string>> extraction_ids{}; ///< the extractions combined, when several
    /// With an Excel template: where the filled workbook is, an API path ("/schema/{id}/excel").
    std::optional<std::string> excel_output_url{};
    std::optional<std::string> split_id{}; ///< split mode: the split worked on
    std::optional<ordered_map<structured_output>> results{}; ///< split mode: values per topic
    std::optional<ordered_map<boost::json::value>> input_schemas{}; ///< split mode: the schema used per topic
    std::optional<ordered_map<std::string>> errors{}; ///< split mode: topics that failed, and why
    std::optional<number> credits_used{};        ///< credits this request used
    std::optional<pulse::plan_info> plan_info{}; ///< `plan_info` or legacy `plan-info`
    boost::json::object extra{}; ///< members this version does not name, kept and written back

    /// Whether this is a split-mode answer (values per topic in `results`).
    bool is_split_mode() const noexcept { return split_id.has_value() || results.has_value(); }

private:
    template <class> friend struct detail::spelling_access;
    // Bit 0: the legacy spelling `plan-info` was read (and is written back).
    unsigned wire_spelling_ = 0;
};

/// Single mode: the values as the caller's type T (pulse::value_as rules). Errors: missing_member
/// ("schema_output") for a split-mode answer; otherwise values_as's, the path from schema_output.
template <class T>
result<T> values_as(schema_result const& r) {
    if (!r.schema_output)
        return error(errc::missing_member, "the answer has no schema_output (a split-mode answer has results per topic)",
                     "schema_output");
    auto v = values_as<T>(*r.schema_output);
    if (!v) {
        error e = v.error();
        detail::prepend_key(e.path, "schema_output");
        return e;
    }
    return v;
}

/// Split mode: the values of topic `topic` as the caller's type T. Errors: missing_member when the
/// answer has no such topic; otherwise values_as's, the path from results.
template <class T>
result<T> values_as(schema_result const& r, std::string_view topic) {
    structured_output const* out = r.results ? r.results->find(topic) : nullptr;
    if (!out) return error(errc::missing_member, "the answer has no results for topic '" + std::string(topic) + "'", "results");
    auto v = values_as<T>(*out);
    if (!v) {
        error e = v.error();
        detail::prepend_key(e.path, topic);
        detail::prepend_key(e.path, "results");
        return e;
    }
    return v;
}

namespace detail {
template <>
struct schema_of<schema_config> {
    template <class T = schema_config>
    static constexpr auto members = std::tuple{
        field("input_schema", &T::input_schema),
        field("excel_template", &T::excel_template),
        field("schema_prompt", &T::schema_prompt),
        field("effort", &T::effort),
    };
};
template <>
struct schema_of<topic_schema_config> {
    template <class T = topic_schema_config>
    static constexpr auto members = std::tuple{
        field("schema", &T::schema),
        field("schema_prompt", &T::schema_prompt),
        field("effort", &T::effort),
        field("schema_config_id", &T::schema_config_id),
    };
};
template <>
struct schema_of<schema_request> {
    template <class T = schema_request>
    static constexpr auto members = std::tuple{
        field("extraction_id", &T::extraction_id),
        field("extraction_ids", &T::extraction_ids),
        field("split_id", &T::split_id),
        field("schema_config", &T::schema_config),
        field("schema_config_id", &T::schema_config_id),
        field("split_schema_config", &T::split_schema_config),
        field("async", &T::async),
    };
};
/// POST /schema's answer members, for schema_result and the types that extend it (C).
template <class C>
constexpr auto schema_result_members() {
    using T = schema_result;
    return std::tuple{
        field_of<C>("schema_id", &T::schema_id),
        field_of<C>("version", &T::version),
        field_of<C>("schema_output", &T::schema_output),
        field_of<C>("extraction_ids", &T::extraction_ids),
        field_of<C>("excel_output_url", &T::excel_output_url),
        field_of<C>("split_id", &T::split_id),
        field_of<C>("results", &T::results),
        field_of<C>("input_schemas", &T::input_schemas),
        field_of<C>("errors", &T::errors),
        field_of<C>("credits_used", &T::credits_used),
        field_of<C>("plan_info", &T::plan_info).or_alias("plan-info", 0),
    };
}
template <>
struct schema_of<schema_result> {
    template <class T = schema_result>
    static constexpr auto members = schema_result_members<T>();
};
} // namespace detail

PULSE_NAMESPACE_END

#endif
