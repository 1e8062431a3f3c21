// SPDX-License-Identifier: MIT
//
// Batches, POST /batch/{extract,schema,tables,split}: one of the single operations over many
// documents or extractions at once. A batch is always asynchronous: the API answers 202 with
// `batch_job_id` and the number of items, and the poll of the batch (GET /job/{batch_job_id})
// reports per-item progress and each item's own job id. Each item is a job of the single kind
// (batch extract items are extractions, and so on), so an item's result is fetched by waiting on
// its job (pulse::item_handle).
//
// The API publishes no schema for the progress in a batch's poll; batch_result names what the
// local server (tools/pulse_server) sends -- totals and an `items` list -- and keeps any other
// member as JSON, so nothing a real server adds is lost.
#ifndef PULSE_SCHEMA_BATCH_JOB_HPP
#define PULSE_SCHEMA_BATCH_JOB_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/schema/detail/codec.hpp>
#include <pulse/schema/extract_options.hpp>
#include <pulse/schema/job_status.hpp>
#include <pulse/schema/ordered_map.hpp>
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

/// BatchFileUpload: a document sent inside the request (pulse::read_batch_file builds one).
struct batch_file {
    std::string filename{}; ///< the file's name, with its extension; required
    std::string content{};  ///< the file's bytes, base64; required
    boost::json::object extra{}; ///< any other field, sent as given
};

/// BatchInputSource: where a batch extraction's documents come from; give exactly one.
struct batch_input {
    std::optional<std::string> s3_prefix{};              ///< every document under an S3 prefix
    std::optional<std::vector<std::string>> file_urls{}; ///< documents at URLs
    std::optional<std::vector<batch_file>> files{};      ///< documents in the request
    boost::json::object extra{}; ///< any other field, sent as given
};

/// BatchOutputDestination: where a batch's results are also written (the poll reports them too).
struct batch_output {
    std::optional<std::string> s3_prefix{};  ///< an S3 prefix
    std::optional<std::string> local_path{}; ///< a path on the server's side
    boost::json::object extra{}; ///< any other field, sent as given
};

/// POST /batch/extract: extract many documents.
struct batch_extract_request {
    batch_input input{};   ///< the documents; required
    batch_output output{}; ///< where results go; required
    std::optional<pulse::extract_options> extract_options{}; ///< options of every extraction
    std::optional<std::int64_t> workers{}; ///< items run at once (1-10; the API's default is 4)
    boost::json::object extra{}; ///< any other field, sent as given
};

/// POST /batch/schema: schema extraction over many extractions (single mode: batch_extract_id or
/// extraction_ids with schema_config) or many splits (split mode: batch_split_id or split_ids with
/// split_schema_config).
struct batch_schema_request {
    std::optional<std::string> batch_extract_id{};            ///< a completed batch extraction's items
    std::optional<std::vector<std::string>> extraction_ids{}; ///< extractions, one item each
    std::optional<std::string> batch_split_id{};              ///< a completed batch split's items
    std::optional<std::vector<std::string>> split_ids{};      ///< splits, one item each
    batch_output output{}; ///< where results go; required
    std::optional<pulse::schema_config> schema_config{}; ///< single mode: the schema
    std::optional<ordered_map<topic_schema_config>> split_schema_config{}; ///< split mode: a schema per topic
    std::optional<std::string> page_range{}; ///< single mode: the pages to use, e.g. "1-5,10"
    std::optional<std::int64_t> workers{};   ///< items run at once
    boost::json::object extra{}; ///< any other field, sent as given
};

/// POST /batch/tables: tables of many extractions.
struct batch_tables_request {
    std::optional<std::string> batch_extract_id{};            ///< a completed batch extraction's items
    std::optional<std::vector<std::string>> extraction_ids{}; ///< extractions, one item each
    batch_output output{}; ///< where results go; required
    std::optional<pulse::tables_config> tables_config{}; ///< how tables are returned
    std::optional<std::int64_t> workers{}; ///< items run at once
    boost::json::object extra{}; ///< any other field, sent as given
};

/// POST /batch/split: split many extractions into the same topics.
struct batch_split_request {
    std::optional<std::string> batch_extract_id{};            ///< a completed batch extraction's items
    std::optional<std::vector<std::string>> extraction_ids{}; ///< extractions, one item each
    batch_output output{}; ///< where results go; required
    pulse::split_config split_config{}; ///< the topics; required
    std::optional<std::int64_t> workers{}; ///< items run at once
    boost::json::object extra{}; ///< any other field, sent as given
};

/// The acknowledgement of a batch (202): its job id and how many items it has.
struct batch_submission {
    std::string batch_job_id{}; ///< poll GET /job/{batch_job_id}; required
    std::optional<job_status> status{}; ///< "processing"
    std::optional<std::int64_t> total_files{};       ///< batch extract
    std::optional<std::int64_t> total_extractions{}; ///< batch schema (single mode), tables, split
    std::optional<std::int64_t> total_splits{};      ///< batch schema (split mode)
    boost::json::object extra{}; ///< members this version does not name, kept and written back
};

/// One item of a batch, as its poll reports it.
struct batch_item {
    std::optional<std::int64_t> index{}; ///< the item's place in the batch, from 0
    std::optional<std::string> job_id{}; ///< the item's own job (pulse::item_handle)
    std::optional<job_status> status{};  ///< the item's status
    std::optional<std::string> source{}; ///< what it works on: a file, an extraction id, a split id
    std::optional<std::string> extraction_id{}; ///< batch extract: the extraction made
    std::optional<std::string> schema_id{};     ///< batch schema: the schema run made
    std::optional<std::string> tables_id{};     ///< batch tables: the tables run made
    std::optional<std::string> split_id{};      ///< batch split: the split made
    std::optional<std::string> error{};         ///< why the item failed
    boost::json::object extra{}; ///< members this version does not name, kept and written back
};

/// A batch's progress (the `result` of every poll of it) and, once it completed, its outcome.
struct batch_result {
    std::optional<std::int64_t> total{};     ///< items in the batch
    std::optional<std::int64_t> completed{}; ///< items completed
    std::optional<std::int64_t> failed{};    ///< items failed
    std::optional<std::vector<batch_item>> items{}; ///< every item
    boost::json::object extra{}; ///< members this version does not name, kept and written back
};

namespace detail {
template <>
struct schema_of<batch_file> {
    template <class T = batch_file>
    static constexpr auto members = std::tuple{
        field("filename", &T::filename).required(),
        field("content", &T::content).required(),
    };
};
template <>
struct schema_of<batch_input> {
    template <class T = batch_input>
    static constexpr auto members = std::tuple{
        field("s3_prefix", &T::s3_prefix),
        field("file_urls", &T::file_urls),
        field("files", &T::files),
    };
};
template <>
struct schema_of<batch_output> {
    template <class T = batch_output>
    static constexpr auto members = std::tuple{
        field("s3_prefix", &T::s3_prefix),
        field("local_path", &T::local_path),
    };
};
template <>
struct schema_of<batch_extract_request> {
    template <class T = batch_extract_request>
    static constexpr auto members = std::tuple{
        field("input", &T::input).required(),
        field("output", &T::output).required(),
        field("extract_options", &T::extract_options),
        field("workers", &T::workers),
    };
};
template <>
struct schema_of<batch_schema_request> {
    template <class T = batch_schema_request>
    static constexpr auto members = std::tuple{
        field("batch_extract_id", &T::batch_extract_id),
        field("extraction_ids", &T::extraction_ids),
        field("batch_split_id", &T::batch_split_id),
        field("split_ids", &T::split_ids),
        field("output", &T::output).required(),
        field("schema_config", &T::schema_config),
        field("split_schema_config", &T::split_schema_config),
        field("page_range", &T::page_range),
        field("workers", &T::workers),
    };
};
template <>
struct schema_of<batch_tables_request> {
    template <class T = batch_tables_request>
    static constexpr auto members = std::tuple{
        field("batch_extract_id", &T::batch_extract_id),
        field("extraction_ids", &T::extraction_ids),
        field("output", &T::output).required(),
        field("tables_config", &T::tables_config),
        field("workers", &T::workers),
    };
};
template <>
struct schema_of<batch_split_request> {
    template <class T = batch_split_request>
    static constexpr auto members = std::tuple{
        field("batch_extract_id", &T::batch_extract_id),
        field("extraction_ids", &T::extraction_ids),
        field("output", &T::output).required(),
        field("split_config", &T::split_config).required(),
        field("workers", &T::workers),
    };
};
template <>
struct schema_of<batch_submission> {
    template <class T = batch_submission>
    static constexpr auto members = std::tuple{
        field("batch_job_id", &T::batch_job_id).required(),
        field("status", &T::status),
        field("total_files", &T::total_files),
        field("total_extractions", &T::total_extractions),
        field("total_splits", &T::total_splits),
    };
};
template <>
struct schema_of<batch_item> {
    template <class T = batch_item>
    static constexpr auto members = std::tuple{
        field("index", &T::index),
        field("job_id", &T::job_id),
        field("status", &T::status),
        field("source", &T::source),
        field("extraction_id", &T::extraction_id),
        field("schema_id", &T::schema_id),
        field("tables_id", &T::tables_id),
        field("split_id", &T::split_id),
        field("error", &T::error),
    };
};
template <>
struct schema_of<batch_result> {
    template <class T = batch_result>
    static constexpr auto members = std::tuple{
        field("total", &T::total),
        field("completed", &T::completed),
        field("failed", &T::failed),
        field("items", &T::items),
    };
};
} // namespace detail

PULSE_NAMESPACE_END

#endif
