// SPDX-License-Identifier: MIT
//
// StructuredOutputResult: what a schema extraction found -- the values, shaped as the caller's
// JSON schema says, and the citations saying where each value came from. The values stay JSON
// (their shape is the caller's); values_as<T>() turns them into the caller's own struct.
#ifndef PULSE_SCHEMA_STRUCTURED_OUTPUT_HPP
#define PULSE_SCHEMA_STRUCTURED_OUTPUT_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/schema/detail/codec.hpp>
#include <pulse/schema/value_as.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <tuple>

PULSE_NAMESPACE_BEGIN

/// StructuredOutputResult: `{values, citations}`.
struct structured_output {
    /// The extracted values, an object shaped by the JSON schema of the request.
    std::optional<boost::json::object> values{};
    /// Where each value was found: per property, the ids of the bounding boxes it came from
    /// (`<extraction_id>-<box id>` when several extractions were combined).
    std::optional<boost::json::object> citations{};
    boost::json::object extra{}; ///< members this version does not name, kept and written back
};

/// The values as the caller's type T (pulse::value_as rules). Errors: missing_member ("values")
/// when there are none; otherwise value_as's, with the path from `values`.
template <class T>
result<T> values_as(structured_output const& out) {
    if (!out.values) return error(errc::missing_member, "the structured output has no values", "values");
    auto r = value_as<T>(boost::json::value(*out.values));
    if (!r) {
        error e = r.error();
        detail::prepend_key(e.path, "values");
        return e;
    }
    return r;
}

namespace detail {
template <>
struct schema_of<structured_output> {
    template <class T = structured_output>
    static constexpr auto members = std::tuple{
        field("values", &T::values),
        field("citations", &T::citations),
    };
};
} // namespace detail

PULSE_NAMESPACE_END

#endif
