// SPDX-License-Identifier: MIT
//
// Output of the extensions enabled in the request (`extensions`): chunking, footnote references,
// and alternate outputs (word-level boxes, HTML, XML). The API spells the inner keys in camelCase
// (`footnoteReferences`, `altOutputs`); some servers have sent snake_case. Both are read, and the
// spelling read is the spelling written back.
#ifndef PULSE_SCHEMA_EXTENSIONS_HPP
#define PULSE_SCHEMA_EXTENSIONS_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/schema/detail/codec.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

PULSE_NAMESPACE_BEGIN

/// Chunks by strategy (`extensions.chunking`).
struct chunking_result {
    std::optional<std::vector<std::string>> semantic{};  ///< chunks split by meaning
    std::optional<std::vector<std::string>> header{};    ///< chunks split at the document's headings
    std::optional<std::vector<std::string>> page{};      ///< one chunk per page
    std::optional<std::vector<std::string>> recursive{}; ///< chunks split recursively to a size limit
    boost::json::object extra{}; ///< members this version does not name, kept and written back
};

/// A footnote and the paragraphs that reference it, by bounding-box text id.
struct footnote_reference {
    std::optional<std::string> symbol{};                         ///< "*", "†", "1", ...
    std::optional<std::string> footnote_text_id{};               ///< `footnoteTextId`
    std::optional<std::vector<std::string>> reference_text_ids{}; ///< `referenceTextIds`
    boost::json::object extra{}; ///< members this version does not name, kept and written back
};

/// One recognised word with its position (`altOutputs.wlbb.words[]`).
struct word_box {
    std::optional<std::string> id{}; ///< "w-1", ...
    std::optional<std::string> text{}; ///< the word as recognised
    std::optional<std::int64_t> page_number{}; ///< 1-based
    std::optional<polygon> bounding_box{}; ///< 8 numbers, normalised 0–1
    std::optional<number> average_word_confidence{}; ///< recognition confidence, 0-1
    boost::json::object extra{}; ///< members this version does not name, kept and written back
};

/// Word-level bounding boxes (`altOutputs.wlbb`).
struct word_level_boxes {
    std::optional<std::vector<word_box>> words{}; ///< every recognised word with its box
    std::optional<std::string> error{}; ///< set when word-level extraction failed
    boost::json::object extra{}; ///< members this version does not name, kept and written back
};

/// Alternate output formats (`altOutputs`), each present when the request asked for it
/// (alt_output_options).
struct alt_outputs {
    std::optional<word_level_boxes> wlbb{}; ///< word-level bounding boxes
    std::optional<std::string> html{};      ///< the document as HTML
    std::optional<std::string> xml{};       ///< the document as XML
    boost::json::object extra{}; ///< members this version does not name, kept and written back
};

/// The `extensions` object of a result: the outputs of the extensions the request enabled.
struct extensions {
    std::optional<chunking_result> chunking{}; ///< the chunks, by strategy
    std::optional<std::vector<footnote_reference>> footnote_references{}; ///< `footnoteReferences`
    std::optional<pulse::alt_outputs> alt_outputs{};                       ///< `altOutputs`
    boost::json::object extra{}; ///< members this version does not name, kept and written back

private:
    template <class> friend struct detail::spelling_access;
    // Which legacy spellings were read (bit 0: `footnote_references`, bit 1: `alt_outputs`), so
    // they are written back as read; 0 writes the canonical camelCase.
    unsigned wire_spelling_ = 0;
};

namespace detail {
template <>
struct schema_of<chunking_result> {
    template <class T = chunking_result>
    static constexpr auto members = std::tuple{
        field("semantic", &T::semantic),
        field("header", &T::header),
        field("page", &T::page),
        field("recursive", &T::recursive),
    };
};
template <>
struct schema_of<footnote_reference> {
    template <class T = footnote_reference>
    static constexpr auto members = std::tuple{
        field("symbol", &T::symbol),
        field("footnoteTextId", &T::footnote_text_id),
        field("referenceTextIds", &T::reference_text_ids),
    };
};
template <>
struct schema_of<word_box> {
    template <class T = word_box>
    static constexpr auto members = std::tuple{
        field("id", &T::id),
        field("text", &T::text),
        field("page_number", &T::page_number),
        field("bounding_box", &T::bounding_box),
        field("average_word_confidence", &T::average_word_confidence),
    };
};
template <>
struct schema_of<word_level_boxes> {
    template <class T = word_level_boxes>
    static constexpr auto members = std::tuple{
        field("words", &T::words),
        field("error", &T::error),
    };
};
template <>
struct schema_of<alt_outputs> {
    template <class T = alt_outputs>
    static constexpr auto members = std::tuple{
        field("wlbb", &T::wlbb),
        field("html", &T::html),
        field("xml", &T::xml),
    };
};
template <>
struct schema_of<extensions> {
    template <class T = extensions>
    static constexpr auto members = std::tuple{
        field("chunking", &T::chunking),
        field("footnoteReferences", &T::footnote_references).or_alias("footnote_references", 0),
        field("altOutputs", &T::alt_outputs).or_alias("alt_outputs", 1),
    };
};
} // namespace detail

PULSE_NAMESPACE_END

#endif
