// SPDX-License-Identifier: MIT
//
// Pipelines, POST /pipeline/execute: several steps in one call, each working on what the one
// before produced -- extract, then split, schema or tables; or a batch extraction, then schema.
// The chains the API runs: extract, extract->schema, extract->split, extract->split->schema,
// extract->tables, batch_extract->schema.
//
// The order of the `steps` members is the execution order on the wire. pipeline_steps writes its
// steps in the one order every supported chain follows (extract, batch_extract, split, schema,
// tables), so a chain cannot be sent in the wrong order.
//
// The answer has one result per step that ran, each the answer the single endpoint gives plus the
// step's `latency` in seconds, and the pipeline's `total_latency`.
#ifndef PULSE_SCHEMA_PIPELINE_JOB_HPP
#define PULSE_SCHEMA_PIPELINE_JOB_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/schema/batch_job.hpp>
#include <pulse/schema/detail/codec.hpp>
#include <pulse/schema/extract_options.hpp>
#include <pulse/schema/extract_result.hpp>
#include <pulse/schema/schema_job.hpp>
#include <pulse/schema/split_job.hpp>
#include <pulse/schema/tables_job.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

PULSE_NAMESPACE_BEGIN

/// The batch_extract step: the options of every extraction, and the documents.
struct pipeline_batch_extract_step : extract_options {
    std::optional<std::vector<std::string>> file_urls{}; ///< documents at URLs
    std::optional<std::vector<batch_file>> files{};      ///< documents in the request
    std::optional<std::int64_t> workers{};               ///< items run at once
};

/// PipelineSteps: the steps to run. Give extract or batch_extract, then at most what the chains
/// allow (see the file comment).
struct pipeline_steps {
    std::optional<extract_options> extract{}; ///< extract the document of the request
    std::optional<pipeline_batch_extract_step> batch_extract{}; ///< extract several documents
    std::optional<split_config> split{};   ///< split the extraction into topics
    std::optional<schema_config> schema{}; ///< extract values (per topic after a split)
    std::optional<tables_config> tables{}; ///< extract the tables
    boost::json::object extra{}; ///< any other step, sent as given (after the ones above)
};

/// The request of POST /pipeline/execute. The document of an extract step is a URL here or a file
/// given to the call (pulse::file, sent as multipart).
struct pipeline_request {
    std::optional<std::string> file_url{}; ///< the document of the extract step, by URL
    pipeline_steps steps{};                ///< what to run; required
    /// Ask for a job (true, the flow's default when unset) or a synchronous answer (false).
    std::optional<bool> async{};
    std::optional<bool> auto_delete{}; ///< zero retention: nothing the pipeline made is kept
    boost::json::object extra{}; ///< any other field, sent as given
};

/// The extract step's result: an ExtractResultCore plus `pages` and `latency`.
struct pipeline_extract_result : extract_result {
    std::optional<std::int64_t> pages{}; ///< pages processed
    std::optional<number> latency{};     ///< the step's time, seconds

private:
    template <class> friend struct detail::spelling_access;
    unsigned wire_spelling_ = 0; // bit 0: `plan-info` was read (and is written back)
};

/// The batch_extract step's result.
struct pipeline_batch_extract_result {
    std::optional<std::vector<std::string>> extraction_ids{}; ///< one extraction per document
    std::optional<std::int64_t> total_files{}; ///< documents extracted
    std::optional<number> latency{};           ///< the step's time, seconds
    boost::json::object extra{}; ///< members this version does not name, kept and written back
};

/// The schema step's result: POST /schema's answer (either shape) plus `latency`.
struct pipeline_schema_result : schema_result {
    std::optional<number> latency{}; ///< the step's time, seconds

private:
    template <class> friend struct detail::spelling_access;
    unsigned wire_spelling_ = 0; // bit 0: `plan-info` was read (and is written back)
};

/// The split step's result: POST /split's answer plus the topics and `latency`.
struct pipeline_split_result : split_result {
    std::optional<std::vector<topic_definition>> split_input{}; ///< the topics, as given
    std::optional<number> latency{}; ///< the step's time, seconds

private:
    template <class> friend struct detail::spelling_access;
    unsigned wire_spelling_ = 0; // bit 0: `plan-info` was read (and is written back)
};

/// The tables step's result: POST /tables's answer plus `latency`.
struct pipeline_tables_result : tables_result {
    std::optional<number> latency{}; ///< the step's time, seconds

private:
    template <class> friend struct detail::spelling_access;
    unsigned wire_spelling_ = 0; // bit 0: `plan-info` was read (and is written back)
};

/// PipelineResults: the result of each step that ran.
struct pipeline_results {
    std::optional<pipeline_extract_result> extract{};             ///< the extract step
    std::optional<pipeline_batch_extract_result> batch_extract{}; ///< the batch_extract step
    std::optional<pipeline_split_result> split{};                 ///< the split step
    std::optional<pipeline_schema_result> schema{};               ///< the schema step
    std::optional<pipeline_tables_result> tables{};               ///< the tables step
    boost::json::object extra{}; ///< members this version does not name, kept and written back
};

/// The answer of POST /pipeline/execute (and the poll result of a pipeline job).
struct pipeline_result {
    std::optional<std::string> status{};     ///< "completed"
    std::optional<number> total_latency{};   ///< the whole pipeline's time, seconds
    std::optional<pipeline_results> results{}; ///< per step
    std::optional<bool> auto_delete{};       ///< true when nothing was kept
    boost::json::object extra{}; ///< members this version does not name, kept and written back
};

namespace detail {
template <>
struct schema_of<pipeline_batch_extract_step> {
    template <class T = pipeline_batch_extract_step>
    static constexpr auto members = std::tuple_cat(extract_options_members<T>(), std::tuple{
        field("file_urls", &T::file_urls),
        field("files", &T::files),
        field("workers", &T::workers),
    });
};
template <>
struct schema_of<pipeline_steps> {
    template <class T = pipeline_steps>
    static constexpr auto members = std::tuple{
        field("extract", &T::extract),
        field("batch_extract", &T::batch_extract),
        field("split", &T::split),
        field("schema", &T::schema),
        field("tables", &T::tables),
    };
};
template <>
struct schema_of<pipeline_request> {
    template <class T = pipeline_request>
    static constexpr auto members = std::tuple{
        field("file_url", &T::file_url),
        field("steps", &T::steps).required(),
        field("async", &T::async),
        field("auto_delete", &T::auto_delete),
    };
};
template <>
struct schema_of<pipeline_extract_result> {
    template <class T = pipeline_extract_result>
    static constexpr auto members = std::tuple_cat(extract_result_members<T>(), std::tuple{
        field("pages", &T::pages),
        field("latency", &T::latency),
    });
};
template <>
struct schema_of<pipeline_batch_extract_result> {
    template <class T = pipeline_batch_extract_result>
    static constexpr auto members = std::tuple{
        field("extraction_ids", &T::extraction_ids),
        field("total_files", &T::total_files),
        field("latency", &T::latency),
    };
};
template <>
struct schema_of<pipeline_schema_result> {
    template <class T = pipeline_schema_result>
    static constexpr auto members = std::tuple_cat(schema_result_members<T>(), std::tuple{
        field("latency", &T::latency),
    });
};
template <>
struct schema_of<pipeline_split_result> {
    template <class T = pipeline_split_result>
    static constexpr auto members = std::tuple_cat(split_result_members<T>(), std::tuple{
        field("split_input", &T::split_input),
        field("latency", &T::latency),
    });
};
template <>
struct schema_of<pipeline_tables_result> {
    template <class T = pipeline_tables_result>
    static constexpr auto members = std::tuple_cat(tables_result_members<T>(), std::tuple{
        field("latency", &T::latency),
    });
};
template <>
struct schema_of<pipeline_results> {
    template <class T = pipeline_results>
    static constexpr auto members = std::tuple{
        field("extract", &T::extract),
        field("batch_extract", &T::batch_extract),
        field("split", &T::split),
        field("schema", &T::schema),
        field("tables", &T::tables),
    };
};
template <>
struct schema_of<pipeline_result> {
    template <class T = pipeline_result>
    static constexpr auto members = std::tuple{
        field("status", &T::status),
        field("total_latency", &T::total_latency),
        field("results", &T::results),
        field("auto_delete", &T::auto_delete),
    };
};
} // namespace detail

PULSE_NAMESPACE_END

#endif
