// SPDX-License-Identifier: MIT
//
// Splitting, POST /split: an extraction's pages sorted into topics the caller names ("invoice",
// "contract", ...). The answer lists, per topic, the 1-based pages that belong to it; a later
// POST /schema in split mode extracts values per topic.
#ifndef PULSE_SCHEMA_SPLIT_JOB_HPP
#define PULSE_SCHEMA_SPLIT_JOB_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/schema/detail/codec.hpp>
#include <pulse/schema/ordered_map.hpp>
#include <pulse/schema/plan_info.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

PULSE_NAMESPACE_BEGIN

/// TopicDefinition: one topic to sort pages into.
struct topic_definition {
    std::string name{};                       ///< the topic's name; required
    std::optional<std::string> description{}; ///< what belongs to it, in words
    boost::json::object extra{};              ///< any other field, sent as given
};

/// SplitConfig: the topics, inline.
struct split_config {
    std::vector<topic_definition> split_input{}; ///< the topics; required
    boost::json::object extra{};                 ///< any other field, sent as given
};

/// The request of POST /split: `extraction_id` with `split_config` or a saved `split_config_id`.
struct split_request {
    std::string extraction_id{}; ///< the extraction to split (a batch-extract job id works too); required
    std::optional<pulse::split_config> split_config{}; ///< the topics, inline
    std::optional<std::string> split_config_id{};      ///< a saved configuration instead
    /// Ask for a job (true, the flow's default when unset) or a synchronous answer (false).
    std::optional<bool> async{};
    boost::json::object extra{}; ///< any other field, sent as given
};

/// SplitOutput: the pages of each topic, in the order the topics came.
struct split_output {
    std::optional<ordered_map<std::vector<std::int64_t>>> splits{}; ///< topic -> 1-based page numbers
    boost::json::object extra{}; ///< members this version does not name, kept and written back
};

/// The answer of POST /split (and the poll result of a split job).
struct split_result {
    std::optional<std::string> split_id{}; ///< this split, for POST /schema in split mode
    std::optional<pulse::split_output> split_output{}; ///< the pages per topic
    std::optional<number> credits_used{};        ///< credits this request used
    std::optional<pulse::plan_info> plan_info{}; ///< `plan_info` or legacy `plan-info`
    boost::json::object extra{}; ///< members this version does not name, kept and written back

private:
    template <class> friend struct detail::spelling_access;
    // Bit 0: the legacy spelling `plan-info` was read (and is written back).
    unsigned wire_spelling_ = 0;
};

namespace detail {
template <>
struct schema_of<topic_definition> {
    template <class T = topic_definition>
    static constexpr auto members = std::tuple{
        field("name", &T::name).required(),
        field("description", &T::description),
    };
};
template <>
struct schema_of<split_config> {
    template <class T = split_config>
    static constexpr auto members = std::tuple{
        field("split_input", &T::split_input).required(),
    };
};
template <>
struct schema_of<split_request> {
    template <class T = split_request>
    static constexpr auto members = std::tuple{
        field("extraction_id", &T::extraction_id).required(),
        field("split_config", &T::split_config),
        field("split_config_id", &T::split_config_id),
        field("async", &T::async),
    };
};
template <>
struct schema_of<split_output> {
    template <class T = split_output>
    static constexpr auto members = std::tuple{
        field("splits", &T::splits),
    };
};
/// POST /split's answer members, for split_result and the types that extend it (C).
template <class C>
constexpr auto split_result_members() {
    using T = split_result;
    return std::tuple{
        field_of<C>("split_id", &T::split_id),
        field_of<C>("split_output", &T::split_output),
        field_of<C>("credits_used", &T::credits_used),
        field_of<C>("plan_info", &T::plan_info).or_alias("plan-info", 0),
    };
}
template <>
struct schema_of<split_result> {
    template <class T = split_result>
    static constexpr auto members = split_result_members<T>();
};
} // namespace detail

PULSE_NAMESPACE_END

#endif
