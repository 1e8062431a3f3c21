// SPDX-License-Identifier: MIT
//
// Forms: FormResult (the answer of /form/detect, /form/fill, /form/clear, and the poll `result` of a
// form job) and FormCell (one detected field, also sent back in `form_fields` to override detection).
#ifndef PULSE_SCHEMA_FORM_HPP
#define PULSE_SCHEMA_FORM_HPP

#include <pulse/config.hpp>
#include <pulse/schema/detail/codec.hpp>
#include <pulse/schema/plan_info.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

PULSE_NAMESPACE_BEGIN

/// One option of a checkbox group.
struct checkbox_detail {
    std::optional<polygon> center_coord; ///< [x, y]
    std::optional<bool> selected;
    std::optional<std::string> text;
    boost::json::object extra;
};

/// FormCell: a detected form field.
struct form_cell {
    std::optional<std::int64_t> page_number; ///< 1-based
    std::optional<polygon> bounding_box;     ///< [x1,y1,x2,y2], normalised, top-left origin
    std::optional<std::string> text;
    std::optional<std::string> type; ///< "text", "checkbox", "signature", ... (open set)
    std::optional<std::int64_t> row;
    std::optional<std::int64_t> col;
    std::optional<std::int64_t> table_idx;
    std::optional<std::vector<checkbox_detail>> checkbox_details;
    boost::json::object extra;
};

/// FormResult.
struct form_result {
    std::optional<std::string> form_id; ///< reuse in later form calls
    std::optional<std::int64_t> page_count;
    std::optional<std::string> pdf_url; ///< GET /results/{jobId}/pdf
    std::optional<std::vector<form_cell>> form_fields;
    std::optional<std::int64_t> fields_filled;  ///< fill only
    std::optional<std::int64_t> fields_cleared; ///< clear only
    std::optional<number> credits_used;
    std::optional<pulse::plan_info> plan_info;
    boost::json::object extra;
    unsigned wire_spelling = 0; ///< bit 0: `plan-info` was read
};

namespace detail {
template <>
struct schema_of<checkbox_detail> {
    using T = checkbox_detail;
    static constexpr auto members = std::tuple{
        field("center_coord", &T::center_coord),
        field("selected", &T::selected),
        field("text", &T::text),
    };
};
template <>
struct schema_of<form_cell> {
    using T = form_cell;
    static constexpr auto members = std::tuple{
        field("page_number", &T::page_number),
        field("bounding_box", &T::bounding_box),
        field("text", &T::text),
        field("type", &T::type),
        field("row", &T::row),
        field("col", &T::col),
        field("table_idx", &T::table_idx),
        field("checkbox_details", &T::checkbox_details),
    };
};
template <>
struct schema_of<form_result> {
    using T = form_result;
    static constexpr auto members = std::tuple{
        field("form_id", &T::form_id),
        field("page_count", &T::page_count),
        field("pdf_url", &T::pdf_url),
        field("form_fields", &T::form_fields),
        field("fields_filled", &T::fields_filled),
        field("fields_cleared", &T::fields_cleared),
        field("credits_used", &T::credits_used),
        field("plan_info", &T::plan_info).or_alias("plan-info", 0),
    };
};
} // namespace detail

PULSE_NAMESPACE_END

#endif
