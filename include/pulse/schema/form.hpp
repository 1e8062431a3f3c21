// SPDX-License-Identifier: MIT
//
// Forms: FormResult (the answer of /form/detect, /form/fill, /form/clear, and the poll `result` of a
// form job) and FormCell (one detected field, also sent back in `form_fields` to override detection).
#ifndef PULSE_SCHEMA_FORM_HPP
#define PULSE_SCHEMA_FORM_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/schema/detail/codec.hpp>
#include <pulse/schema/plan_info.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

PULSE_NAMESPACE_BEGIN

/// The form endpoints.
enum class form_action : unsigned char {
    detect, ///< POST /form/detect: find the fields of a form
    fill,   ///< POST /form/fill: fill them following instructions
    clear   ///< POST /form/clear: remove the values filled in
};

/// The endpoint's path segment: "detect", "fill" or "clear".
constexpr std::string_view to_string(form_action a) noexcept {
    switch (a) {
    case form_action::detect: return "detect";
    case form_action::fill: return "fill";
    case form_action::clear: return "clear";
    }
    return "detect";
}


/// One option of a checkbox group.
struct checkbox_detail {
    std::optional<polygon> center_coord{}; ///< [x, y] of the box, normalised
    std::optional<bool> selected{};        ///< whether the option is ticked
    std::optional<std::string> text{};     ///< the option's label
    boost::json::object extra{};           ///< members this version does not name, kept and written back
};

/// FormCell: a detected form field. Sent back in form_options::form_fields, it overrides detection.
struct form_cell {
    std::optional<std::int64_t> page_number{}; ///< 1-based
    std::optional<polygon> bounding_box{};     ///< [x1,y1,x2,y2], normalised, top-left origin
    std::optional<std::string> text{};         ///< the field's value (after a fill: what was written)
    std::optional<std::string> type{}; ///< "text", "checkbox", "signature", ... (open set)
    std::optional<std::int64_t> row{};       ///< row of the field when it sits in a table
    std::optional<std::int64_t> col{};       ///< column of the field when it sits in a table
    std::optional<std::int64_t> table_idx{}; ///< which table of the page the field sits in
    std::optional<std::vector<checkbox_detail>> checkbox_details{}; ///< checkbox groups: each option
    boost::json::object extra{}; ///< members this version does not name, kept and written back
};

/// FormResult: the answer of a form call, synchronous or as the poll result of a form job.
struct form_result {
    std::optional<std::string> form_id{}; ///< reuse in later form calls (skips the upload and detection)
    std::optional<std::int64_t> page_count{}; ///< pages of the output PDF
    std::optional<std::string> pdf_url{}; ///< GET /results/{jobId}/pdf (client::download_pdf)
    std::optional<std::vector<form_cell>> form_fields{}; ///< the fields, detected or as filled
    std::optional<std::int64_t> fields_filled{};  ///< fill only
    std::optional<std::int64_t> fields_cleared{}; ///< clear only
    std::optional<number> credits_used{}; ///< credits this request used
    std::optional<pulse::plan_info> plan_info{}; ///< `plan_info` or legacy `plan-info`
    boost::json::object extra{}; ///< members this version does not name, kept and written back

private:
    template <class> friend struct detail::spelling_access;
    // Bit 0: the legacy spelling `plan-info` was read (and is written back).
    unsigned wire_spelling_ = 0;
};

namespace detail {
template <>
struct schema_of<checkbox_detail> {
    template <class T = checkbox_detail>
    static constexpr auto members = std::tuple{
        field("center_coord", &T::center_coord),
        field("selected", &T::selected),
        field("text", &T::text),
    };
};
template <>
struct schema_of<form_cell> {
    template <class T = form_cell>
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
    template <class T = form_result>
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
