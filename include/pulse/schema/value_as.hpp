// SPDX-License-Identifier: MIT
//
// pulse::value_as<T>: JSON into the caller's own C++ type, through Boost.JSON's conversions, with
// the JSON path of a mismatch. Made for schema extraction, where the values follow a JSON schema
// the caller wrote and so have a C++ struct of the caller's:
//
//     struct invoice { std::string number; double total; std::optional<std::string> due; };
//     BOOST_DESCRIBE_STRUCT(invoice, (), (number, total, due))
//     auto inv = pulse::value_as<invoice>(values);   // or pulse::values_as<invoice>(schema_result)
//     if (!inv) std::cerr << inv.error().to_string();  // "total: expected number, got string"
//
// How a type is converted:
// - structs described with BOOST_DESCRIBE_STRUCT are walked member by member here: a member that
//   is missing or null is fine when it is a std::optional (and an error naming it otherwise), and
//   members the struct does not name are ignored. (Boost 1.81's own conversion of described
//   structs wants every member present and no other, which a schema's optional properties break,
//   and reports no path.)
// - std::optional and std::vector are followed, so paths reach into them ("lines[2].amount").
// - the library's own schema types decode with their codec (unknown members kept).
// - everything else -- numbers, strings, bool, maps, the caller's own tag_invoke conversions --
//   goes to boost::json::try_value_to; a failure is reported at the path where it happened.
#ifndef PULSE_SCHEMA_VALUE_AS_HPP
#define PULSE_SCHEMA_VALUE_AS_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/schema/detail/codec.hpp>

#include <boost/describe/members.hpp>
#include <boost/describe/modifiers.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_to.hpp>
#include <boost/mp11/algorithm.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

PULSE_NAMESPACE_BEGIN
namespace detail {

template <class T>
struct is_std_vector : std::false_type {};
template <class T, class A>
struct is_std_vector<std::vector<T, A>> : std::true_type {};

template <class T>
constexpr bool is_described_struct =
    std::is_class_v<T> && boost::describe::has_describe_members<T>::value && !described<T>;

/// What a scalar target expects, for messages ("expected number, got string").
template <class T>
constexpr std::string_view expected_kind() {
    if constexpr (std::is_same_v<T, bool>) return "boolean";
    else if constexpr (std::is_integral_v<T>) return "integer";
    else if constexpr (std::is_floating_point_v<T>) return "number";
    else if constexpr (std::is_convertible_v<T, std::string_view>) return "string";
    else return {};
}

template <class T>
bool convert_as(json::value const& v, T& out, error& e);

template <class T>
bool convert_described(json::value const& v, T& out, error& e) {
    auto const* o = v.if_object();
    if (!o) return type_error(e, "object", v);
    bool ok = true;
    using members = boost::describe::describe_members<T, boost::describe::mod_public | boost::describe::mod_inherited>;
    boost::mp11::mp_for_each<members>([&](auto d) {
        if (!ok) return;
        using M = std::remove_cvref_t<decltype(out.*d.pointer)>;
        auto const* found = o->if_contains(d.name);
        if (!found || (found->is_null() && is_optional<M>::value)) {
            if constexpr (is_optional<M>::value) {
                (out.*d.pointer).reset();
            } else {
                e = error(errc::missing_member, "missing member");
                e.path = d.name;
                ok = false;
            }
            return;
        }
        if (!convert_as(*found, out.*d.pointer, e)) {
            prepend_key(e.path, d.name);
            ok = false;
        }
    });
    return ok;
}

template <class T>
bool convert_as(json::value const& v, T& out, error& e) {
    if constexpr (is_optional<T>::value) {
        if (v.is_null()) {
            out.reset();
            return true;
        }
        return convert_as(v, out.emplace(), e);
    } else if constexpr (is_std_vector<T>::value) {
        auto const* a = v.if_array();
        if (!a) return type_error(e, "array", v);
        out.clear();
        out.resize(a->size());
        for (std::size_t i = 0; i < a->size(); ++i) {
            if (!convert_as((*a)[i], out[i], e)) {
                prepend_index(e.path, i);
                return false;
            }
        }
        return true;
    } else if constexpr (described<T>) {
        return decode_value(v, out, e);
    } else if constexpr (is_described_struct<T>) {
        return convert_described(v, out, e);
    } else {
        auto r = boost::json::try_value_to<T>(v);
        if (r) {
            out = std::move(*r);
            return true;
        }
        constexpr std::string_view want = expected_kind<T>();
        if constexpr (!want.empty()) {
            bool const kind_ok = want == "boolean" ? v.is_bool() : want == "string" ? v.is_string() : v.is_number();
            if (!kind_ok) return type_error(e, want, v);
            e = error(errc::invalid_value, "the number does not fit the member's type (" + r.error().message() + ")");
        } else {
            e = error(errc::type_mismatch, "cannot convert the value: " + r.error().message());
        }
        return false;
    }
}

} // namespace detail

/// `v` converted into T (see the file comment for how). Errors: type_mismatch, invalid_value
/// (a number that does not fit, or the caller's conversion refused it), missing_member; each with
/// the JSON path below `v`.
template <class T>
result<T> value_as(boost::json::value const& v) {
    T out{};
    error e;
    if (!detail::convert_as(v, out, e)) return e;
    return out;
}

PULSE_NAMESPACE_END

#endif
