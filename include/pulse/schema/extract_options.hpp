// SPDX-License-Identifier: MIT
//
// Request options of POST /extract (and the form endpoints). Encoded to JSON for a JSON body, or
// to multipart fields where nested objects travel as JSON-encoded strings and booleans as
// "true"/"false" (the flow layer does that; see flow/requests.hpp).
//
// Wire names: snake_case at the top level (what the docs and working REST clients send), camelCase
// inside `extensions` (what the SDK types and Pulse's own client send). The API's sources disagree
// on the casing of several options; `extra` lets a caller send any other field as given.
#ifndef PULSE_SCHEMA_EXTRACT_OPTIONS_HPP
#define PULSE_SCHEMA_EXTRACT_OPTIONS_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/schema/detail/codec.hpp>
#include <pulse/schema/form.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

PULSE_NAMESPACE_BEGIN

/// `figure_processing`: what to do with the figures (charts and images) found.
struct figure_processing_options {
    std::optional<bool> description{}; ///< generate descriptions of figures
    std::optional<bool> show_images; ///< return image URLs
    boost::json::object extra{}; ///< any other field, sent as given
};

/// `extensions.chunking`: split the document into chunks (for retrieval and embedding).
struct chunking_options {
    std::optional<std::vector<std::string>> chunk_types{}; ///< "semantic", "header", "page", "recursive"
    std::optional<std::int64_t> chunk_size{};              ///< 100–10000
    boost::json::object extra{}; ///< any other field, sent as given
};

/// `extensions.altOutputs`: formats to return besides markdown.
struct alt_output_options {
    std::optional<bool> wlbb{};        ///< word-level bounding boxes
    std::optional<bool> return_html{}; ///< `returnHtml`
    std::optional<bool> return_xml{};  ///< `returnXml`
    boost::json::object extra{}; ///< any other field, sent as given
};

/// `extensions`: optional outputs computed on top of the extraction.
struct extension_options {
    /// `footnoteReferences`: link footnotes to the paragraphs that reference them.
    std::optional<bool> footnote_references{};
    std::optional<chunking_options> chunking{}; ///< chunk the document
    std::optional<alt_output_options> alt_outputs{}; ///< `altOutputs`
    boost::json::object extra{}; ///< any other field, sent as given
};

/// `spreadsheet`: whether hidden parts of a workbook are extracted too.
struct spreadsheet_options {
    std::optional<bool> include_hidden_rows{};   ///< extract hidden rows
    std::optional<bool> include_hidden_cols{};   ///< extract hidden columns
    std::optional<bool> include_hidden_sheets{}; ///< extract hidden sheets
    boost::json::object extra{}; ///< any other field, sent as given
};

/// `storage`: whether and where the extraction is kept on the Pulse platform.
struct storage_options {
    std::optional<bool> enabled{}; ///< disabled: no extraction_id for later steps
    std::optional<std::string> folder_name{}; ///< the folder to keep it in, by name
    std::optional<std::string> folder_id{};   ///< the folder to keep it in, by id
    boost::json::object extra{}; ///< any other field, sent as given
};

/// Options of POST /extract. The document itself (a file to upload, or `file_url`) is given to the
/// flow separately; `file_url` here is for JSON bodies.
struct extract_options {
    /// A URL Pulse downloads the document from; set from pulse::document::file_url (pulse::url()).
    std::optional<std::string> file_url{};
    std::optional<std::string> model{}; ///< "default" or "pulse-ultra-2"
    std::optional<std::string> pages{}; ///< 1-based page filter, e.g. "1-2,5"
    std::optional<figure_processing_options> figure_processing{}; ///< figure descriptions and images
    std::optional<extension_options> extensions{}; ///< chunking, footnotes, alternate outputs
    std::optional<spreadsheet_options> spreadsheet{}; ///< hidden rows, columns and sheets
    std::optional<storage_options> storage{}; ///< keeping the extraction on the platform
    /// A saved extraction configuration to start from; options given here override it.
    std::optional<std::string> extraction_config_id{};
    std::optional<bool> refine{}; ///< ask for the API's refinement pass
    std::optional<boost::json::object> refine_options{}; ///< options of that pass, sent as given
    std::optional<bool> async{}; ///< set by the flow; leave empty
    boost::json::object extra{}; ///< any other field, sent as given
};

/// Options of POST /form/detect, /form/fill and /form/clear.
struct form_options {
    /// A URL Pulse downloads the form from; set from pulse::document::file_url (pulse::url()).
    std::optional<std::string> file_url{};
    std::optional<std::string> form_id{};      ///< reuse an earlier detection
    std::optional<std::string> instructions{}; ///< required by fill
    /// Fields to use instead of (or to correct) the detected ones.
    std::optional<std::vector<form_cell>> form_fields{};
    std::optional<std::string> page_range{}; ///< pages to work on, e.g. "1,3-5"
    /// Ask for a job (true, the flow's default when unset) or a synchronous answer (false).
    std::optional<bool> async{};
    boost::json::object extra{}; ///< any other field, sent as given
};

namespace detail {
template <>
struct schema_of<figure_processing_options> {
    template <class T = figure_processing_options>
    static constexpr auto members = std::tuple{
        field("description", &T::description),
        field("show_images", &T::show_images),
    };
};
template <>
struct schema_of<chunking_options> {
    template <class T = chunking_options>
    static constexpr auto members = std::tuple{
        field("chunkTypes", &T::chunk_types),
        field("chunkSize", &T::chunk_size),
    };
};
template <>
struct schema_of<alt_output_options> {
    template <class T = alt_output_options>
    static constexpr auto members = std::tuple{
        field("wlbb", &T::wlbb),
        field("returnHtml", &T::return_html),
        field("returnXml", &T::return_xml),
    };
};
template <>
struct schema_of<extension_options> {
    template <class T = extension_options>
    static constexpr auto members = std::tuple{
        field("footnoteReferences", &T::footnote_references),
        field("chunking", &T::chunking),
        field("altOutputs", &T::alt_outputs),
    };
};
template <>
struct schema_of<spreadsheet_options> {
    template <class T = spreadsheet_options>
    static constexpr auto members = std::tuple{
        field("include_hidden_rows", &T::include_hidden_rows),
        field("include_hidden_cols", &T::include_hidden_cols),
        field("include_hidden_sheets", &T::include_hidden_sheets),
    };
};
template <>
struct schema_of<storage_options> {
    template <class T = storage_options>
    static constexpr auto members = std::tuple{
        field("enabled", &T::enabled),
        field("folder_name", &T::folder_name),
        field("folder_id", &T::folder_id),
    };
};
/// POST /extract's options, for extract_options and the types that extend it (C).
template <class C>
constexpr auto extract_options_members() {
    using T = extract_options;
    return std::tuple{
        field_of<C>("file_url", &T::file_url),
        field_of<C>("model", &T::model),
        field_of<C>("pages", &T::pages),
        field_of<C>("figure_processing", &T::figure_processing),
        field_of<C>("extensions", &T::extensions),
        field_of<C>("spreadsheet", &T::spreadsheet),
        field_of<C>("storage", &T::storage),
        field_of<C>("extraction_config_id", &T::extraction_config_id),
        field_of<C>("refine", &T::refine),
        field_of<C>("refine_options", &T::refine_options),
        field_of<C>("async", &T::async),
    };
}
template <>
struct schema_of<extract_options> {
    template <class T = extract_options>
    static constexpr auto members = extract_options_members<T>();
};
template <>
struct schema_of<form_options> {
    template <class T = form_options>
    static constexpr auto members = std::tuple{
        field("file_url", &T::file_url),
        field("form_id", &T::form_id),
        field("instructions", &T::instructions),
        field("form_fields", &T::form_fields),
        field("page_range", &T::page_range),
        field("async", &T::async),
    };
};
} // namespace detail

PULSE_NAMESPACE_END

#endif
