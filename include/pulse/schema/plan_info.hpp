// SPDX-License-Identifier: MIT
//
// PlanInfo: the organisation's cumulative billing snapshot, returned by every credit-consuming call.
#ifndef PULSE_SCHEMA_PLAN_INFO_HPP
#define PULSE_SCHEMA_PLAN_INFO_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/schema/detail/codec.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>

PULSE_NAMESPACE_BEGIN

/// Billing tier and usage to date (`plan_info`, or `plan-info` from older servers).
struct plan_info {
    std::optional<std::string> tier{};          ///< billing tier, e.g. "trial", "growth"
    /// Credits the organisation used to date, this request included: the primary billing metric.
    std::optional<number> total_credits_used{};
    std::optional<std::int64_t> pages_used{};   ///< pages processed to date (the older metric)
    std::optional<std::string> note{};          ///< a note on the billing state, when there is one
    boost::json::object extra{}; ///< members this version does not name, kept and written back
};

namespace detail {
template <>
struct schema_of<plan_info> {
    template <class T = plan_info>
    static constexpr auto members = std::tuple{
        field("tier", &T::tier),
        field("total_credits_used", &T::total_credits_used),
        field("pages_used", &T::pages_used),
        field("note", &T::note),
    };
};
} // namespace detail

PULSE_NAMESPACE_END

#endif
