// SPDX-License-Identifier: MIT
//
// Positional data of an extraction (`bounding_boxes`): text, title and footer regions, detected
// visuals (`Images`) and tables, each with the polygon where it sits on its page.
#ifndef PULSE_SCHEMA_BOUNDING_BOXES_HPP
#define PULSE_SCHEMA_BOUNDING_BOXES_HPP

#include <pulse/detail/prelude.hpp>
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

/// The visual types this version knows, for open_enum (see visual_type).
struct visual_type_traits {
    /// The known visual types.
    enum class value : unsigned char {
        unknown, ///< a type this version does not know (its text is kept)
        chart,   ///< a data visualisation: bar, line, pie charts, spreadsheet chart objects
        image    ///< any other visual: photos, logos, screenshots
    };
    /// The value for wire text; value::unknown for any other text.
    static constexpr value parse(std::string_view s) noexcept {
        if (s == "chart") return value::chart;
        if (s == "image") return value::image;
        return value::unknown;
    }
    /// The canonical spelling of a value ("unknown" for value::unknown).
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
    std::optional<std::string> id{}; ///< stable region id, e.g. "txt-1"; footnote references use it
    std::optional<std::string> content{}; ///< the region's plain text
    /// 1-based page number; for spreadsheets, the sheet's index after hidden sheets were dropped.
    std::optional<std::int64_t> page_number{};
    /// Where the region sits on its page; often empty for spreadsheets (see excel_range).
    std::optional<polygon> bounding_box{};
    std::optional<std::string> excel_range{}; ///< spreadsheets: the cell or range the region covers
    std::optional<std::string> sheet_name{};  ///< spreadsheets: the sheet's name
    std::optional<std::int64_t> sheet_index{}; ///< spreadsheets: index after hidden sheets were dropped
    std::optional<std::int64_t> workbook_sheet_index{}; ///< spreadsheets: index in the original workbook
    boost::json::object extra{}; ///< members this version does not name, kept and written back
};

/// Visual classification metadata of an image entry, present when classification ran.
struct image_classification {
    std::optional<number> confidence{}; ///< confidence of the classification, 0-1
    std::optional<std::string> model{}; ///< the model that classified the visual
    std::optional<std::string> error{}; ///< a non-fatal classification error
    boost::json::object extra{};        ///< members this version does not name, kept and written back
};

/// BoundingBoxImage: a detected or embedded visual (`Images`). `id` and `visual_type` are required.
struct bounding_box_image {
    /// Stable visual id (e.g. "fig-3"); the markdown refers to it in `data-bb-image-id`.
    std::string id{};
    pulse::visual_type visual_type{}; ///< chart or image (other values are kept)
    std::optional<std::string> content{}; ///< a short caption, when one was found
    std::optional<std::int64_t> page_number{}; ///< 1-based page (or sheet) number
    /// Where the visual sits on its page; spreadsheet visuals usually leave it empty.
    std::optional<polygon> bounding_box{};
    /// The visual's image, when figure_processing.show_images asked for it; may point at
    /// GET /results/{job}/images/{name} (client::download_image) or be a data URI.
    std::optional<std::string> image_url{};
    /// A generated description, when figure_processing.description asked for one.
    std::optional<std::string> description{};
    std::optional<image_classification> classification{}; ///< present when classification ran
    std::optional<std::string> sheet_name{}; ///< spreadsheets: the sheet's name
    std::optional<std::int64_t> sheet_index{}; ///< spreadsheets: index after hidden sheets were dropped
    std::optional<std::int64_t> workbook_sheet_index{}; ///< spreadsheets: index in the original workbook
    std::optional<std::string> excel_range{}; ///< spreadsheets: the anchor or range of the visual
    std::optional<std::string> chart_type{};  ///< spreadsheet charts: the chart class, e.g. "BarChart"
    std::optional<std::string> chart_title{}; ///< spreadsheet charts: the chart's title
    /// Spreadsheet charts: the ranges the chart plots, e.g. "Charts!$B$1:$B$3".
    std::optional<std::vector<std::string>> source_ranges{};
    /// A non-fatal error rendering a spreadsheet visual (image_url may then be missing).
    std::optional<std::string> render_error{};
    std::optional<std::string> description_error{}; ///< a non-fatal error generating the description
    boost::json::object extra{}; ///< members this version does not name, kept and written back
};

/// The `table_info` block of a table entry. Most members describe spreadsheet tables.
struct table_info {
    std::optional<std::string> id{};                       ///< stable table id
    std::optional<std::vector<std::int64_t>> dimensions{}; ///< [rows, cols]
    std::optional<std::string> excel_range{};              ///< spreadsheets: the range the table covers
    std::optional<std::string> sheet_name{};               ///< spreadsheets: the sheet's name
    std::optional<std::int64_t> sheet_index{}; ///< spreadsheets: index after hidden sheets were dropped
    std::optional<std::int64_t> workbook_sheet_index{}; ///< spreadsheets: index in the original workbook
    std::optional<std::int64_t> section_index{}; ///< which section of the sheet the table is
    std::optional<std::string> section_type{};   ///< the kind of that section, as the API names it
    std::optional<std::string> section_name{};   ///< that section's name
    std::optional<std::string> table_name{};     ///< the table's name, when the document gives one
    std::optional<std::string> layout_type{};    ///< the table's layout, as the API classifies it
    std::optional<bool> is_chart{};              ///< the table is the data of a chart
    std::optional<std::string> chart_type{};     ///< that chart's class, e.g. "LineChart"
    std::optional<std::string> chart_title{};    ///< that chart's title
    std::optional<std::vector<std::string>> source_ranges{}; ///< the ranges that chart plots
    std::optional<boost::json::object> location{}; ///< where the table sits; free-form, kept as JSON
    boost::json::object extra{}; ///< members this version does not name, kept and written back
};

/// BoundingBoxTable: a detected table (`Tables`).
struct bounding_box_table {
    std::optional<pulse::table_info> table_info{}; ///< what the table is and where it sits
    /// Cell payload; its shape varies by extraction path, so it is kept as JSON.
    std::optional<boost::json::array> cell_data{};
    boost::json::object extra{}; ///< members this version does not name, kept and written back
};

/// BoundingBoxes: every positional entry of a result, by kind.
struct bounding_boxes {
    std::optional<std::vector<bounding_box_image>> images{}; ///< `Images`
    std::optional<std::vector<bounding_box_table>> tables{}; ///< `Tables`
    std::optional<std::vector<bounding_box_item>> text{};    ///< `Text`
    std::optional<std::vector<bounding_box_item>> title{};   ///< `Title`
    std::optional<std::vector<bounding_box_item>> header{};  ///< `Header`
    std::optional<std::vector<bounding_box_item>> footer{};  ///< `Footer`
    /// The markdown with `data-bb-*-id` attributes on its figures, tables and text, to join
    /// rendered output back to these entries by id.
    std::optional<std::string> markdown_with_ids{};
    /// Members this version does not name (`defined_names`, `Page Number`, ...), kept and written
    /// back.
    boost::json::object extra{};
};

namespace detail {
template <>
struct schema_of<bounding_box_item> {
    template <class T = bounding_box_item>
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
    template <class T = image_classification>
    static constexpr auto members = std::tuple{
        field("confidence", &T::confidence),
        field("model", &T::model),
        field("error", &T::error),
    };
};
template <>
struct schema_of<bounding_box_image> {
    template <class T = bounding_box_image>
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
    template <class T = table_info>
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
    template <class T = bounding_box_table>
    static constexpr auto members = std::tuple{
        field("table_info", &T::table_info),
        field("cell_data", &T::cell_data),
    };
};
template <>
struct schema_of<bounding_boxes> {
    template <class T = bounding_boxes>
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
