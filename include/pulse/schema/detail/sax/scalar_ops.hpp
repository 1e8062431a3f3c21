// SPDX-License-Identifier: MIT
//
// The value tables of the stream decoder: make_ops fills a table from a type's policy, and the
// policies of the scalar types and of polygons (arrays of numbers kept exactly).
#ifndef PULSE_SCHEMA_DETAIL_SAX_SCALAR_OPS_HPP
#define PULSE_SCHEMA_DETAIL_SAX_SCALAR_OPS_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/schema/detail/codec.hpp>
#include <pulse/schema/detail/sax/handler.hpp>
#include <pulse/schema/number.hpp>
#include <pulse/schema/open_enum.hpp>
#include <pulse/schema/polygon.hpp>

#include <boost/json/array.hpp>
#include <boost/json/error.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_stack.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

PULSE_NAMESPACE_BEGIN
namespace detail::sax {

namespace json = boost::json;

// ---- value ops: one table per C++ type -----------------------------------------------------------
//
// A "policy" P lists static functions for the events the type accepts and `expected`, its JSON
// shape for error messages. make_ops<P> fills the rest with type errors.

template <class P>
struct make_ops {
    static bool object_begin(handler& h, frame& f, void* t) {
        if constexpr (requires(handler& hh, frame& ff, void* tt) { P::object_begin(hh, ff, tt); })
            return P::object_begin(h, f, t);
        else
            return P::mismatch(h, f, t, "object");
    }
    static bool array_begin(handler& h, frame& f, void* t) {
        if constexpr (requires(handler& hh, frame& ff, void* tt) { P::array_begin(hh, ff, tt); })
            return P::array_begin(h, f, t);
        else
            return P::mismatch(h, f, t, "array");
    }
    static bool string_part(handler& h, frame& f, void* t, std::string_view s, std::size_t n) {
        if constexpr (requires(handler& hh, frame& ff, void* tt, std::string_view ss, std::size_t nn) { P::string_part(hh, ff, tt, ss, nn); })
            return P::string_part(h, f, t, s, n);
        else
            return P::mismatch(h, f, t, "string");
    }
    static bool string(handler& h, frame& f, void* t, std::string_view s, std::size_t n) {
        if constexpr (requires(handler& hh, frame& ff, void* tt, std::string_view ss, std::size_t nn) { P::string(hh, ff, tt, ss, nn); })
            return P::string(h, f, t, s, n);
        else
            return P::mismatch(h, f, t, "string");
    }
    static bool int64(handler& h, frame& f, void* t, std::int64_t i) {
        if constexpr (requires(handler& hh, frame& ff, void* tt, std::int64_t v) { P::int64(hh, ff, tt, v); })
            return P::int64(h, f, t, i);
        else
            return P::mismatch(h, f, t, "integer");
    }
    static bool uint64(handler& h, frame& f, void* t, std::uint64_t u) {
        if constexpr (requires(handler& hh, frame& ff, void* tt, std::uint64_t v) { P::uint64(hh, ff, tt, v); })
            return P::uint64(h, f, t, u);
        else
            return P::mismatch(h, f, t, "integer");
    }
    static bool double_(handler& h, frame& f, void* t, double d) {
        if constexpr (requires(handler& hh, frame& ff, void* tt, double v) { P::double_(hh, ff, tt, v); })
            return P::double_(h, f, t, d);
        else
            return P::mismatch(h, f, t, "number");
    }
    static bool bool_(handler& h, frame& f, void* t, bool b) {
        if constexpr (requires(handler& hh, frame& ff, void* tt, bool v) { P::bool_(hh, ff, tt, v); })
            return P::bool_(h, f, t, b);
        else
            return P::mismatch(h, f, t, "boolean");
    }
    static bool null(handler& h, frame& f, void* t) {
        if constexpr (requires(handler& hh, frame& ff, void* tt) { P::null(hh, ff, tt); })
            return P::null(h, f, t);
        else
            return P::mismatch(h, f, t, "null");
    }
    static constexpr value_ops table{&object_begin, &array_begin, &string_part, &string, &int64,
                                     &uint64,       &double_,     &bool_,       &null};
};

/// The default mismatch: a type error naming what the member expects.
template <class Derived>
struct typed_policy {
    static bool mismatch(handler& h, frame&, void*, std::string_view got) { return h.type_error(Derived::expected, got); }
};

template <class T>
struct policy_for; // specialised below for every member type the codec knows

template <class T>
inline constexpr value_ops const& ops_of = make_ops<policy_for<T>>::table;

// -- scalars --

/// Characters a string keeps inside itself before it allocates: 15 in libstdc++ and the MSVC STL
/// (libc++ keeps 22; counting its 16-22 byte strings as allocated only overstates the memory held).
inline constexpr std::size_t inline_string_capacity = 15;

/// Heap bytes, as handler::hold counts them, that a piece `s` of a string adds when the string is
/// `n` characters long with it: its characters once the string no longer fits inside itself (the
/// terminator with the first piece). Growth slack is not counted.
inline std::size_t string_bytes(std::string_view s, std::size_t n) noexcept {
    if (n <= inline_string_capacity) return 0;
    if (n - s.size() <= inline_string_capacity) return n + 1; // this piece moves it to the heap
    return s.size();
}

template <>
struct policy_for<std::string> : typed_policy<policy_for<std::string>> {
    static constexpr std::string_view expected = "string";
    static bool string_part(handler& h, frame&, void* t, std::string_view s, std::size_t n) {
        if (n > inline_string_capacity && !h.hold(string_bytes(s, n))) return false;
        auto& str = *static_cast<std::string*>(t);
        if (n == s.size())
            str.assign(s.data(), s.size());
        else
            str.append(s.data(), s.size());
        return true;
    }
    static bool string(handler& h, frame& f, void* t, std::string_view s, std::size_t n) {
        return string_part(h, f, t, s, n);
    }
};

template <>
struct policy_for<bool> : typed_policy<policy_for<bool>> {
    static constexpr std::string_view expected = "boolean";
    static bool bool_(handler&, frame&, void* t, bool b) {
        *static_cast<bool*>(t) = b;
        return true;
    }
};

template <>
struct policy_for<std::int64_t> : typed_policy<policy_for<std::int64_t>> {
    static constexpr std::string_view expected = "integer";
    static bool int64(handler&, frame&, void* t, std::int64_t i) {
        *static_cast<std::int64_t*>(t) = i;
        return true;
    }
    static bool uint64(handler& h, frame&, void* t, std::uint64_t u) {
        if (u > static_cast<std::uint64_t>(INT64_MAX)) return h.out_of_range();
        *static_cast<std::int64_t*>(t) = static_cast<std::int64_t>(u);
        return true;
    }
};

template <>
struct policy_for<number> : typed_policy<policy_for<number>> {
    static constexpr std::string_view expected = "number";
    static bool int64(handler&, frame&, void* t, std::int64_t i) {
        *static_cast<number*>(t) = number(i);
        return true;
    }
    static bool uint64(handler&, frame&, void* t, std::uint64_t u) {
        *static_cast<number*>(t) = number(u);
        return true;
    }
    static bool double_(handler&, frame&, void* t, double d) {
        *static_cast<number*>(t) = number(d);
        return true;
    }
};

template <open_enum_like E>
struct policy_for<E> : typed_policy<policy_for<E>> {
    static constexpr std::string_view expected = "string";
    static bool string_part(handler& h, frame&, void*, std::string_view s, std::size_t n) {
        if (n == s.size())
            h.scratch().assign(s.data(), s.size());
        else
            h.scratch().append(s.data(), s.size());
        return true;
    }
    static bool string(handler& h, frame&, void* t, std::string_view s, std::size_t n) {
        if (n != s.size()) {
            h.scratch().append(s.data(), s.size());
            s = h.scratch();
        }
        if (s.size() > inline_string_capacity && !h.hold(s.size() + 1)) return false;
        *static_cast<E*>(t) = E(std::string(s));
        return true;
    }
};

// -- polygon: an array frame whose elements are numbers --

/// Polygons of bounding boxes hold 8 coordinates; reserving them up front makes one allocation of
/// the exact size instead of four growing ones.
inline constexpr std::size_t polygon_reserve = 8;

struct polygon_elements : typed_policy<polygon_elements> {
    static constexpr std::string_view expected = "number";
    static bool mismatch(handler& h, frame& f, void* t, std::string_view got) {
        // The path names the offending element: the one after those already stored.
        f.elements = static_cast<std::uint32_t>(static_cast<polygon*>(t)->size() + 1);
        return h.type_error(expected, got);
    }
    // The coordinates reserved up front are counted when the polygon begins; each one past them
    // before it is appended (checked first, so that the append is the last thing done).
    static bool hold_next(handler& h, void* t) {
        return static_cast<polygon*>(t)->size() < polygon_reserve || h.hold(sizeof(double));
    }
    static bool double_(handler& h, frame&, void* t, double d) {
        if (!hold_next(h, t)) [[unlikely]]
            return false;
        static_cast<polygon*>(t)->push_back(d);
        return true;
    }
    static bool int64(handler& h, frame&, void* t, std::int64_t i) {
        if (!hold_next(h, t)) [[unlikely]]
            return false;
        static_cast<polygon*>(t)->push_back_int64(i);
        return true;
    }
    static bool uint64(handler& h, frame&, void* t, std::uint64_t u) {
        if (!hold_next(h, t)) [[unlikely]]
            return false;
        static_cast<polygon*>(t)->push_back_uint64(u);
        return true;
    }
};

bool array_end(handler& h, frame& f, std::size_t n, bool is_object);
void array_segment(handler const& h, frame const& f, std::string& path);
inline bool no_key(handler&, frame&, std::string_view) noexcept { return false; }
inline void no_null(handler&, frame&) noexcept {}
inline constexpr container_ops array_cops{&no_key, &array_end, &array_segment, &no_null};

inline bool array_end(handler& h, frame&, std::size_t, bool) {
    h.pop();
    return true;
}
inline void array_segment(handler const&, frame const& f, std::string& path) {
    handler::append_index(path, f.elements == 0 ? 0 : f.elements - 1);
}

/// A polygon frame counts nothing while all goes well; its index in a path is the element after the
/// stored ones (a mismatch sets `elements`).
inline void polygon_segment(handler const&, frame const& f, std::string& path) {
    handler::append_index(path, f.elements != 0 ? f.elements - 1 : static_cast<polygon const*>(f.target)->size());
}
inline constexpr container_ops polygon_cops{&no_key, &array_end, &polygon_segment, &no_null};

template <>
struct policy_for<polygon> : typed_policy<policy_for<polygon>> {
    static constexpr std::string_view expected = "array of numbers";
    static bool array_begin(handler& h, frame&, void* t) {
        auto* p = static_cast<polygon*>(t);
        p->clear();
        p->reserve(polygon_reserve);
        h.push(&make_ops<polygon_elements>::table, p, &polygon_cops, p);
        return h.hold(polygon_reserve * sizeof(double));
    }
};


} // namespace detail::sax
PULSE_NAMESPACE_END

#endif
