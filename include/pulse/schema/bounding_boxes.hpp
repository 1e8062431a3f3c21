// SPDX-License-Identifier: MIT
//
// Positional data of an extraction (`bounding_boxes`): text, title and footer regions, detected
// visuals (`Images`) and tables, each with the polygon where it sits on its page.
#ifndef PULSE_SCHEMA_BOUNDING_BOXES_HPP
#define PULSE_SCHEMA_BOUNDING_BOXES_HPP

#include <pulse/config.hpp>
#include <pulse/schema/detail/codec.hpp>
#include <pulse/schema/open_enum.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

PULSE_NAMESPACE_BEGIN

struct visual_type_traits {
    enum class value : unsigned char { unknown, chart, image };
    static constexpr value parse(std::string_view s) noexcept {
        if (s == "chart") return value::chart;
        if (s == "image") return value::image;
        return value::unknown;
    }
    static constexpr std::string_view name(value v) noexcept {
        switch (v) {
        case value::chart: return "chart";
        case value::image: return "image";
        case value::unknown: break;
        }
        return "unknown";
    }
};

/// VisualType: `chart` or `image`; other values are kept.
using visual_type = open_enum<visual_type_traits>;

/// BoundingBoxItem: one region of `Text`, `Title`, `Header` or `Footer`.
struct bounding_box_item {
    std::optional<std::string> id; ///< e.g. "txt-1"; referenced by footnote extensions
    std::optional<std::string> content;
    std::optional<std::int64_t> page_number; ///< 1-based
    std::optional<polygon> bounding_box;
    std::optional<std::string> excel_range; ///< spreadsheets only
    std::optional<std::string> sheet_name;
    std::optional<std::int64_t> sheet_index;
    std::optional<std::int64_t> workbook_sheet_index;
    boost::json::object extra;
};

/// Visual classification metadata of an image entry.
struct image_classification {
    std::optional<number> confidence;
    std::optional<std::string> model;
    std::optional<std::string> error;
    boost::json::object extra;
};

/// BoundingBoxImage: a detected or embedded visual (`Images`). `id` and `visual_type` are required.
struct bounding_box_image {
    std::string id;
    pulse::visual_type visual_type;
    std::optional<std::string> content;
    std::optional<std::int64_t> page_number;
    std::optional<polygon> bounding_box;
    std::optional<std::string> image_url; ///< may point at GET /results/{job}/images/{name}
    std::optional<std::string> description;
    std::optional<image_classification> classification;
    std::optional<std::string> sheet_name;
    std::optional<std::int64_t> sheet_index;
    std::optional<std::int64_t> workbook_sheet_index;
    std::optional<std::string> excel_range;
    std::optional<std::string> chart_type;
    std::optional<std::string> chart_title;
    std::optional<std::vector<std::string>> source_ranges;
    std::optional<std::string> render_error;
    std::optional<std::string> description_error;
    boost::json::object extra;
};

/// The `table_info` block of a table entry.
struct table_info {
    std::optional<std::string> id;
    std::optional<std::vector<std::int64_t>> dimensions; ///< [rows, cols]
    std::optional<std::string> excel_range;
    std::optional<std::string> sheet_name;
    std::optional<std::int64_t> sheet_index;
    std::optional<std::int64_t> workbook_sheet_index;
    std::optional<std::int64_t> section_index;
    std::optional<std::string> section_type;
    std::optional<std::string> section_name;
    std::optional<std::string> table_name;
    std::optional<std::string> layout_type;
    std::optional<bool> is_chart;
    std::optional<std::string> chart_type;
    std::optional<std::string> chart_title;
    std::optional<std::vector<std::string>> source_ranges;
    std::optional<boost::json::object> location; ///< free-form
    boost::json::object extra;
};

/// BoundingBoxTable: a detected table (`Tables`).
struct bounding_box_table {
    std::optional<pulse::table_info> table_info;
    /// Cell payload; its shape varies by extraction path, so it is kept as JSON.
    std::optional<boost::json::array> cell_data;
    boost::json::object extra;
};

/// BoundingBoxes: every positional entry of a result, by kind.
struct bounding_boxes {
    std::optional<std::vector<bounding_box_image>> images; ///< `Images`
    std::optional<std::vector<bounding_box_table>> tables; ///< `Tables`
    std::optional<std::vector<bounding_box_item>> text;    ///< `Text`
    std::optional<std::vector<bounding_box_item>> title;   ///< `Title`
    std::optional<std::vector<bounding_box_item>> header;  ///< `Header`
    std::optional<std::vector<bounding_box_item>> footer;  ///< `Footer`
    std::optional<std::string> markdown_with_ids;
    boost::json::object extra; ///< e.g. `defined_names`, `Page Number`
};

namespace detail {
template <>
struct schema_of<bounding_box_item> {
    using T = bounding_box_item;
    static constexpr auto members = std::tuple{
        field("id", &T::id),
        field("content", &T::content),
        field("page_number", &T::page_number),
        field("bounding_box", &T::bounding_box),
        field("excel_range", &T::excel_range),
        field("sheet_name", &T::sheet_name),
        field("sheet_index", &T::sheet_index),
        field("workbook_sheet_index", &T::workbook_sheet_index),
    };
};
template <>
struct schema_of<image_classification> {
    using T = image_classification;
    static constexpr auto members = std::tuple{
        field("confidence", &T::confidence),
        field("model", &T::model),
        field("error", &T::error),
    };
};
template <>
struct schema_of<bounding_box_image> {
    using T = bounding_box_image;
    static constexpr auto members = std::tuple{
        field("id", &T::id).required(),
        field("visual_type", &T::visual_type).required(),
        field("content", &T::content),
        field("page_number", &T::page_number),
        field("bounding_box", &T::bounding_box),
        field("image_url", &T::image_url),
        field("description", &T::description),
        field("classification", &T::classification),
        field("sheet_name", &T::sheet_name),
        field("sheet_index", &T::sheet_index),
        field("workbook_sheet_index", &T::workbook_sheet_index),
        field("excel_range", &T::excel_range),
        field("chart_type", &T::chart_type),
        field("chart_title", &T::chart_title),
        field("source_ranges", &T::source_ranges),
        field("render_error", &T::render_error),
        field("description_error", &T::description_error),
    };
};
template <>
struct schema_of<table_info> {
    using T = table_info;
    static constexpr auto members = std::tuple{
        field("id", &T::id),
        field("dimensions", &T::dimensions),
        field("excel_range", &T::excel_range),
        field("sheet_name", &T::sheet_name),
        field("sheet_index", &T::sheet_index),
        field("workbook_sheet_index", &T::workbook_sheet_index),
        field("section_index", &T::section_index),
        field("section_type", &T::section_type),
        field("section_name", &T::section_name),
        field("table_name", &T::table_name),
        field("layout_type", &T::layout_type),
        field("is_chart", &T::is_chart),
        field("chart_type", &T::chart_type),
        field("chart_title", &T::chart_title),
        field("source_ranges", &T::source_ranges),
        field("location", &T::location),
    };
};
template <>
struct schema_of<bounding_box_table> {
    using T = bounding_box_table;
    static constexpr auto members = std::tuple{
        field("table_info", &T::table_info),
        field("cell_data", &T::cell_data),
    };
};
template <>
struct schema_of<bounding_boxes> {
    using T = bounding_boxes;
    static constexpr auto members = std::tuple{
        field("Images", &T::images),
        field("Tables", &T::tables),
        field("Text", &T::text),
        field("Title", &T::title),
        field("Header", &T::header),
        field("Footer", &T::footer),
        field("markdown_with_ids", &T::markdown_with_ids),
    };
};
} // namespace detail

PULSE_NAMESPACE_END

#endif
