// SPDX-License-Identifier: MIT
//
// The small vocabulary every schema type's JSON conversion is written in, so that no type repeats
// the same lines: a type lists its members once, in a member table (`schema_of<T>::members`, read
// as `members_of<T>`), and the generic decode/encode below do the rest:
//
//   - a member is `field("page_number", &T::page_number)`; a second accepted spelling is
//     `.or_alias("plan-info", bit)`; a member that must be present is `.required()`;
//   - std::optional<X> members are optional: absent stays absent, and a JSON null is kept (in the
//     type's `extra` object) so it is written back as null;
//   - every member the table does not name is kept in the type's `extra` object and written back;
//     so is the second spelling of a member when an object carries both (`plan_info` and
//     `plan-info`): the member holds the first one read, and both are written back.
//
// Why hand-written and not Boost.Describe: in Boost 1.81 described-struct conversion rejects
// unknown keys and missing optionals, and the API adds fields over time.
//
// Errors carry the JSON path. The path is built while unwinding from the failure (each level
// prepends its key or index), so the success path pays nothing for it.
#ifndef PULSE_SCHEMA_DETAIL_CODEC_HPP
#define PULSE_SCHEMA_DETAIL_CODEC_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/schema/number.hpp>
#include <pulse/schema/polygon.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

PULSE_NAMESPACE_BEGIN
namespace detail {

namespace json = boost::json;

// ---- member tables ------------------------------------------------------------------------------

template <class C, class M>
struct member_desc {
    std::string_view name;
    M C::*ptr;
    std::string_view alias{};
    int alias_bit = -1; // bit in C's spelling bits (spelling_access) set when the alias was the spelling read
    bool is_required = false;

    /// Also accept `other` on read; remember in C's spelling bits (bit `bit`) that it was used, so
    /// the member is written back under the same spelling.
    constexpr member_desc or_alias(std::string_view other, int bit) const {
        member_desc m = *this;
        m.alias = other;
        m.alias_bit = bit;
        return m;
    }
    /// Decoding fails with missing_member when the member is absent.
    constexpr member_desc required() const {
        member_desc m = *this;
        m.is_required = true;
        return m;
    }
};

template <class C, class M>
constexpr member_desc<C, M> field(std::string_view name, M C::*ptr) {
    return member_desc<C, M>{name, ptr};
}

/// A member of base class B in the table of a type C derived from it (C adds members to B's wire
/// object; the pipeline's step results extend the answers of the single endpoints).
template <class C, class B, class M>
    requires std::is_base_of_v<B, C>
constexpr member_desc<C, M> field_of(std::string_view name, M B::*ptr) {
    return member_desc<C, M>{name, static_cast<M C::*>(ptr)};
}

/// Specialised next to each schema type, its table a variable template written in terms of T:
///
///     template <>
///     struct schema_of<plan_info> {
///         template <class T = plan_info>
///         static constexpr auto members = std::tuple{field("tier", &T::tier), ...};
///     };
///
/// so that the table (a std::tuple of member descriptions) is built only in a translation unit that
/// decodes or encodes the type (members_of<T> below), not wherever the header is included. A plain
/// `static constexpr auto members` would be built at its definition.
template <class T>
struct schema_of;

/// A type with a member table: schema_of<T> is specialised for it. (Completeness is checked, not
/// the table itself, which would build the table wherever the concept is asked, e.g. by an extern
/// template declaration of compiled mode.)
template <class T>
concept described = requires { sizeof(schema_of<T>); };

/// The member table of a described type T.
template <class T>
inline constexpr auto const& members_of = schema_of<T>::template members<T>;

/// Reaches the bookkeeping of types whose members have two spellings on the wire (`plan_info` /
/// `plan-info`): which one was read, so that it is written back as read. The bits are a private
/// member of those types (`wire_spelling_`, befriending this template); has_bits says whether T
/// keeps them.
template <class T>
struct spelling_access {
    static constexpr bool has_bits = requires(T& t) { t.wire_spelling_; };
    static unsigned& bits(T& t) noexcept { return t.wire_spelling_; }
    static unsigned bits(T const& t) noexcept { return t.wire_spelling_; }
};

/// Enum-like types that keep unknown strings: constructible from the text, with str().
template <class T>
concept open_enum_like = requires(T const& t, std::string s) {
    { t.str() } -> std::convertible_to<std::string const&>;
    T(std::move(s));
    typename T::is_open_enum;
};

/// JSON objects of one member type (pulse::ordered_map).
template <class T>
concept ordered_map_like = requires { typename T::is_ordered_map; typename T::mapped_type; };

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

// ---- error helpers ------------------------------------------------------------------------------

inline std::string_view kind_name(json::value const& v) noexcept {
    switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "boolean";
    case json::kind::int64:
    case json::kind::uint64: return "integer";
    case json::kind::double_: return "number";
    case json::kind::string: return "string";
    case json::kind::array: return "array";
    case json::kind::object: return "object";
    }
    return "unknown";
}

inline bool type_error(error& e, std::string_view expected, json::value const& got) {
    std::string msg = "expected ";
    msg.append(expected).append(", got ").append(kind_name(got));
    e = error(errc::type_mismatch, std::move(msg));
    return false;
}

inline void prepend_key(std::string& path, std::string_view key) {
    if (path.empty()) {
        path.assign(key);
    } else {
        if (path.front() != '[') path.insert(0, 1, '.');
        path.insert(0, key);
    }
}

inline void prepend_index(std::string& path, std::size_t i) {
    std::string seg = "[";
    seg.append(std::to_string(i)).append("]");
    if (!path.empty() && path.front() != '[') seg.push_back('.');
    path.insert(0, seg);
}

// ---- decode: one overload per member type --------------------------------------------------------
// Each returns false and fills `e` (path relative to the value) on failure.

inline bool decode_value(json::value const& v, std::string& out, error& e) {
    if (auto const* s = v.if_string()) {
        out.assign(s->data(), s->size());
        return true;
    }
    return type_error(e, "string", v);
}

inline bool decode_value(json::value const& v, bool& out, error& e) {
    if (auto const* b = v.if_bool()) {
        out = *b;
        return true;
    }
    return type_error(e, "boolean", v);
}

inline bool decode_value(json::value const& v, std::int64_t& out, error& e) {
    if (auto const* i = v.if_int64()) {
        out = *i;
        return true;
    }
    if (auto const* u = v.if_uint64()) {
        if (*u <= static_cast<std::uint64_t>(INT64_MAX)) {
            out = static_cast<std::int64_t>(*u);
            return true;
        }
        e = error(errc::invalid_value, "integer out of range");
        return false;
    }
    return type_error(e, "integer", v);
}

inline bool decode_value(json::value const& v, number& out, error& e) {
    switch (v.kind()) {
    case json::kind::int64: out = number(v.get_int64()); return true;
    case json::kind::uint64: out = number(v.get_uint64()); return true;
    case json::kind::double_: out = number(v.get_double()); return true;
    default: return type_error(e, "number", v);
    }
}

inline bool decode_value(json::value const& v, polygon& out, error& e) {
    auto const* a = v.if_array();
    if (!a) return type_error(e, "array of numbers", v);
    out.clear();
    out.reserve(a->size());
    std::size_t i = 0;
    for (auto const& x : *a) {
        switch (x.kind()) {
        case json::kind::double_: out.push_back(x.get_double()); break;
        case json::kind::int64: out.push_back_int64(x.get_int64()); break;
        case json::kind::uint64: out.push_back_uint64(x.get_uint64()); break;
        default:
            type_error(e, "number", x);
            prepend_index(e.path, i);
            return false;
        }
        ++i;
    }
    return true;
}

inline bool decode_value(json::value const& v, json::value& out, error&) {
    out = v;
    return true;
}

inline bool decode_value(json::value const& v, json::object& out, error& e) {
    if (auto const* o = v.if_object()) {
        out = *o;
        return true;
    }
    return type_error(e, "object", v);
}

inline bool decode_value(json::value const& v, json::array& out, error& e) {
    if (auto const* a = v.if_array()) {
        out = *a;
        return true;
    }
    return type_error(e, "array", v);
}

template <open_enum_like T>
bool decode_value(json::value const& v, T& out, error& e) {
    if (auto const* s = v.if_string()) {
        out = T(std::string(s->data(), s->size()));
        return true;
    }
    return type_error(e, "string", v);
}

template <class T>
bool decode_value(json::value const& v, std::vector<T>& out, error& e);
template <ordered_map_like M>
bool decode_value(json::value const& v, M& out, error& e);
template <described T>
bool decode_value(json::value const& v, T& out, error& e);

template <class T>
bool decode_value(json::value const& v, std::vector<T>& out, error& e) {
    auto const* a = v.if_array();
    if (!a) return type_error(e, "array", v);
    out.clear();
    out.resize(a->size());
    for (std::size_t i = 0; i < a->size(); ++i) {
        if (!decode_value((*a)[i], out[i], e)) {
            prepend_index(e.path, i);
            return false;
        }
    }
    return true;
}

template <ordered_map_like M>
bool decode_value(json::value const& v, M& out, error& e) {
    auto const* o = v.if_object();
    if (!o) return type_error(e, "object", v);
    out.clear();
    for (auto const& kv : *o) {
        std::string_view const key = kv.key();
        if (!decode_value(kv.value(), out[key], e)) {
            prepend_key(e.path, key);
            return false;
        }
    }
    return true;
}

/// Decode one member found under `key` into `obj`. Null for an optional member (other than an
/// opaque json::value) keeps the member empty and the null in `extra`, so it is written back.
template <class C, class M>
bool decode_member(C& obj, member_desc<C, M> const& m, std::string_view key, json::value const& v, error& e) {
    if constexpr (spelling_access<C>::has_bits) {
        if (m.alias_bit >= 0 && key == m.alias) spelling_access<C>::bits(obj) |= static_cast<unsigned>(1u << m.alias_bit);
    }
    M& target = obj.*(m.ptr);
    bool ok;
    if constexpr (is_optional<M>::value) {
        using V = typename M::value_type;
        if (v.is_null() && !std::is_same_v<V, json::value>) {
            target.reset();
            obj.extra.insert_or_assign(key, nullptr);
            return true;
        }
        ok = decode_value(v, target.emplace(), e);
    } else {
        ok = decode_value(v, target, e);
    }
    if (!ok) prepend_key(e.path, key);
    return ok;
}

template <described T>
bool decode_value(json::value const& v, T& out, error& e) {
    auto const* o = v.if_object();
    if (!o) return type_error(e, "object", v);
    constexpr auto const& members = members_of<T>;
    constexpr std::size_t n = std::tuple_size_v<std::remove_cvref_t<decltype(members)>>;
    static_assert(n <= 64, "member table too large for the presence mask");
    std::uint64_t seen = 0;
    for (auto const& kv : *o) {
        std::string_view const key = kv.key();
        bool matched = false, ok = true;
        // Find the member with this name (or alias); a linear scan over a handful of names. A
        // member already seen here was read under its other spelling (a DOM object has no
        // duplicate keys): the member keeps the first, and this one is kept in `extra` as read, so
        // an object carrying both spellings is written back with both.
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((!matched && (key == std::get<I>(members).name ||
                           (!std::get<I>(members).alias.empty() && key == std::get<I>(members).alias))
                  ? (matched = true,
                     (seen & (std::uint64_t{1} << I))
                         ? (out.extra.insert_or_assign(key, kv.value()), true)
                         : (seen |= std::uint64_t{1} << I,
                            ok = decode_member(out, std::get<I>(members), key, kv.value(), e)))
                  : false),
             ...);
        }(std::make_index_sequence<n>{});
        if (!ok) return false;
        if (!matched) out.extra.insert_or_assign(key, kv.value());
    }
    // Required members must have been seen.
    bool ok = true;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        ((ok && std::get<I>(members).is_required && !(seen & (std::uint64_t{1} << I))
              ? (e = error(errc::missing_member, "missing required member"),
                 e.path.assign(std::get<I>(members).name), ok = false)
              : false),
         ...);
    }(std::make_index_sequence<n>{});
    return ok;
}

// ---- encode -------------------------------------------------------------------------------------

inline json::value encode_value(std::string const& s) { return json::string(s); }
inline json::value encode_value(bool b) { return b; }
inline json::value encode_value(std::int64_t i) { return i; }
inline json::value encode_value(number const& n) {
    switch (n.get_kind()) {
    case number::kind::int64: return n.as_int64_unchecked();
    case number::kind::uint64: return n.as_uint64_unchecked();
    case number::kind::double_: return n.as_double();
    }
    return nullptr;
}
inline json::value encode_value(polygon const& p) {
    json::array a;
    a.reserve(p.size());
    for (std::size_t i = 0; i < p.size(); ++i) a.push_back(encode_value(p.written_value(i)));
    return a;
}
inline json::value encode_value(json::value const& v) { return v; }
inline json::value encode_value(json::object const& o) { return o; }
inline json::value encode_value(json::array const& a) { return a; }
template <open_enum_like T>
json::value encode_value(T const& t) {
    return json::string(t.str());
}
template <class T>
json::value encode_value(std::vector<T> const& v);
template <ordered_map_like M>
json::value encode_value(M const& m);
template <described T>
json::value encode_value(T const& t);

template <class T>
json::value encode_value(std::vector<T> const& v) {
    json::array a;
    a.reserve(v.size());
    for (auto const& x : v) a.push_back(encode_value(x));
    return a;
}

template <ordered_map_like M>
json::value encode_value(M const& m) {
    json::object o;
    o.reserve(m.size());
    for (auto const& e : m) o.insert_or_assign(e.key, encode_value(e.value));
    return o;
}

template <described T>
json::value encode_value(T const& t) {
    json::object o;
    constexpr auto const& members = members_of<T>;
    constexpr std::size_t n = std::tuple_size_v<std::remove_cvref_t<decltype(members)>>;
    o.reserve(n + t.extra.size());
    auto put = [&](auto const& m) {
        auto const& val = t.*(m.ptr);
        std::string_view key = m.name;
        if constexpr (spelling_access<T>::has_bits) {
            if (m.alias_bit >= 0 && (spelling_access<T>::bits(t) & (1u << m.alias_bit))) key = m.alias;
        }
        if constexpr (is_optional<std::remove_cvref_t<decltype(val)>>::value) {
            if (val) o.emplace(key, encode_value(*val));
        } else {
            o.emplace(key, encode_value(val));
        }
    };
    std::apply([&](auto const&... m) { (put(m), ...); }, members);
    // Members win over same-named extras (only possible if a caller filled both).
    for (auto const& kv : t.extra) o.emplace(kv.key(), kv.value());
    return o;
}

} // namespace detail
PULSE_NAMESPACE_END

#endif
