// SPDX-License-Identifier: MIT
//
// ExtractResultCore: the result of an extraction — markdown, positional data, extension outputs and
// billing. Returned inline by GET /job/{id}, by a synchronous POST /extract, and as the body of the
// single-use GET /large_results/{id}.
#ifndef PULSE_SCHEMA_EXTRACT_RESULT_HPP
#define PULSE_SCHEMA_EXTRACT_RESULT_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/schema/bounding_boxes.hpp>
#include <pulse/schema/detail/codec.hpp>
#include <pulse/schema/extensions.hpp>
#include <pulse/schema/plan_info.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

PULSE_NAMESPACE_BEGIN

/// ExtractResultCore. Every member is optional on the wire (older servers omit some); absent
/// members stay absent when written back. `credits_used` may be null: it then reads as nullopt and
/// the null is written back.
struct extract_result {
    std::optional<std::string> markdown{}; ///< the document as markdown (tables as HTML)
    /// The outputs of the extensions the request enabled (chunks, footnotes, alternate formats).
    std::optional<pulse::extensions> extensions{};
    std::optional<pulse::bounding_boxes> bounding_boxes{}; ///< where each text, table and visual sits
    /// Id of the stored extraction, for later calls on it; present when storage is enabled.
    std::optional<std::string> extraction_id{};
    /// Where to view the extraction on the Pulse platform; present when storage is enabled.
    std::optional<std::string> extraction_url{};
    std::optional<std::int64_t> page_count{}; ///< pages processed
    std::optional<pulse::plan_info> plan_info{}; ///< `plan_info` or legacy `plan-info`
    /// Non-fatal warnings: deprecated options used, limits of the requested outputs.
    std::optional<std::vector<std::string>> warnings{};
    /// Credits this request used; only for organisations on credit billing.
    std::optional<number> credits_used{};
    boost::json::object extra{}; ///< deprecated and future members (`html`, `chunks`, ...)

private:
    template <class> friend struct detail::spelling_access;
    // Bit 0: the legacy spelling `plan-info` was read (and is written back).
    unsigned wire_spelling_ = 0;
};

namespace detail {
/// ExtractResultCore's members, for extract_result and the types that extend it (C).
template <class C>
constexpr auto extract_result_members() {
    using T = extract_result;
    return std::tuple{
        field_of<C>("markdown", &T::markdown),
        field_of<C>("extensions", &T::extensions),
        field_of<C>("bounding_boxes", &T::bounding_boxes),
        field_of<C>("extraction_id", &T::extraction_id),
        field_of<C>("extraction_url", &T::extraction_url),
        field_of<C>("page_count", &T::page_count),
        field_of<C>("plan_info", &T::plan_info).or_alias("plan-info", 0),
        field_of<C>("warnings", &T::warnings),
        field_of<C>("credits_used", &T::credits_used),
    };
}
template <>
struct schema_of<extract_result> {
    template <class T = extract_result>
    static constexpr auto members = extract_result_members<T>();
};
} // namespace detail

PULSE_NAMESPACE_END

#endif
