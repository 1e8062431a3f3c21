// SPDX-License-Identifier: MIT
//
// The stream decoder's described structs: an object frame that matches keys against the type's
// member table (schema_of<T>::members), and how many frames a type needs.
#ifndef PULSE_SCHEMA_DETAIL_SAX_STRUCT_OPS_HPP
#define PULSE_SCHEMA_DETAIL_SAX_STRUCT_OPS_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/schema/detail/codec.hpp>
#include <pulse/schema/detail/sax/container_ops.hpp>
#include <pulse/schema/detail/sax/handler.hpp>
#include <pulse/schema/detail/sax/scalar_ops.hpp>

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

// -- described structs: an object frame matching keys against the member table --

template <class T>
struct described_object {
    static constexpr auto const& members = members_of<T>;
    static constexpr std::size_t n = std::tuple_size_v<std::remove_cvref_t<decltype(members)>>;
    static_assert(n <= 64, "member table too large for the presence mask");

    template <std::size_t... I>
    static constexpr std::array<std::string_view, n> names_of(std::index_sequence<I...>) {
        return {std::get<I>(members).name...};
    }
    template <std::size_t... I>
    static constexpr std::array<std::string_view, n> aliases_of(std::index_sequence<I...>) {
        return {std::get<I>(members).alias...};
    }
    template <std::size_t... I>
    static constexpr std::uint64_t required_of(std::index_sequence<I...>) {
        return ((std::get<I>(members).is_required ? std::uint64_t{1} << I : 0) | ... | 0);
    }
    static constexpr std::array<std::string_view, n> names = names_of(std::make_index_sequence<n>{});
    static constexpr std::array<std::string_view, n> aliases = aliases_of(std::make_index_sequence<n>{});
    static constexpr std::uint64_t required = required_of(std::make_index_sequence<n>{});

    static bool same(std::string_view a, std::string_view b) noexcept {
        return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0;
    }

    /// Point the frame's slot at member I, spelled as its name or (alias) its alias.
    template <std::size_t I>
    static void select(frame& f, T& t, bool alias) {
        constexpr auto const& m = std::get<I>(members);
        using M = std::remove_cvref_t<decltype(t.*(m.ptr))>;
        f.slot = &ops_of<M>;
        f.slot_target = &(t.*(m.ptr));
        f.expect = expect_of<I + 1>();
        f.member = static_cast<std::int32_t>(I);
        f.alias = alias;
        f.seen |= std::uint64_t{1} << I;
        if constexpr (spelling_access<T>::has_bits) {
            if constexpr (m.alias_bit >= 0) {
                if (alias) spelling_access<T>::bits(t) |= 1u << static_cast<unsigned>(m.alias_bit);
            }
        }
    }
    /// Member I, already read in this object under its other spelling: the member keeps the first
    /// one, and this key goes to `extra` like an unknown one, as the DOM decoder does (codec.hpp).
    /// The same spelling twice (a duplicate key) overwrites: the DOM keeps the last value too.
    template <std::size_t I>
    static bool other_spelling_again(frame const& f, T const& t, bool alias) {
        constexpr auto const& m = std::get<I>(members);
        static_assert(spelling_access<T>::has_bits && m.alias_bit >= 0,
                      "a member with an alias needs a spelling bit to remember which was read");
        if (!(f.seen >> I & 1u)) return false;
        bool const first_was_alias = (spelling_access<T>::bits(t) >> static_cast<unsigned>(m.alias_bit)) & 1u;
        return first_was_alias != alias;
    }
    template <std::size_t I>
    static bool try_member(frame& f, T& t, std::string_view key) {
        constexpr auto const& m = std::get<I>(members);
        if (same(key, m.name)) {
            if constexpr (!m.alias.empty()) {
                if (other_spelling_again<I>(f, t, false)) return false;
            }
            select<I>(f, t, false);
            return true;
        }
        if constexpr (!m.alias.empty()) {
            if (same(key, m.alias)) {
                if (other_spelling_again<I>(f, t, true)) return false;
                select<I>(f, t, true);
                return true;
            }
        }
        return false;
    }
    /// frame::expect for member I (documents list members in a stable order, mostly the table's).
    template <std::size_t I>
    static bool expect_member(frame& f, std::string_view key) {
        return try_member<I>(f, *static_cast<T*>(f.target), key);
    }
    template <std::size_t I>
    static constexpr auto expect_of() -> bool (*)(frame&, std::string_view) {
        if constexpr (I < n)
            return &expect_member<I>;
        else
            return nullptr;
    }

    template <std::size_t... I>
    static bool match(frame& f, T& t, std::string_view key, std::index_sequence<I...>) {
        return (try_member<I>(f, t, key) || ...);
    }

    /// A key frame::expect did not match: look it up in the whole table.
    static bool key(handler& h, frame& f, std::string_view k) {
        T& t = *static_cast<T*>(f.target);
        if (match(f, t, k, std::make_index_sequence<n>{})) return true;
        // Unknown, or a member's second spelling (other_spelling_again): into `extra`, under this key.
        h.unknown_key().assign(k.data(), k.size());
        f.slot = &extra_member::table;
        f.slot_target = &t.extra;
        f.expect = nullptr;
        f.member = -1;
        f.alias = false;
        return true;
    }
    static bool end(handler& h, frame& f, std::size_t, bool) {
        if constexpr (required != 0) {
            if ((f.seen & required) != required) [[unlikely]] {
                for (std::size_t i = 0; i < n; ++i)
                    if ((required >> i & 1u) && !(f.seen >> i & 1u)) return h.missing(f, names[i]);
            }
        }
        h.pop();
        return true;
    }
    static std::string_view current_key(handler const& h, frame const& f) {
        if (f.member < 0) return h.unknown_key_view();
        auto const i = static_cast<std::size_t>(f.member);
        return f.alias ? aliases[i] : names[i];
    }
    static void segment(handler const& h, frame const& f, std::string& path) {
        handler::append_key(path, current_key(h, f));
    }
    static void null_member(handler& h, frame& f) {
        static_cast<T*>(f.target)->extra.insert_or_assign(current_key(h, f), nullptr);
    }
    static constexpr container_ops table{&key, &end, &segment, &null_member};
};

template <described T>
struct policy_for<T> : typed_policy<policy_for<T>> {
    static constexpr std::string_view expected = "object";
    static bool object_begin(handler& h, frame&, void* t) {
        h.push(nullptr, nullptr, &described_object<T>::table, t).expect = described_object<T>::template expect_of<0>();
        return true;
    }
};

// ---- how many frames a type needs (checked against max_frames) -----------------------------------

template <class T>
struct frames_for : std::integral_constant<std::size_t, 0> {}; // scalars
template <class X>
struct frames_for<std::optional<X>> : frames_for<X> {};
template <class X>
struct frames_for<std::vector<X>> : std::integral_constant<std::size_t, 1 + frames_for<X>::value> {};
template <ordered_map_like M>
struct frames_for<M> : std::integral_constant<std::size_t, 1 + frames_for<typename M::mapped_type>::value> {};
template <>
struct frames_for<polygon> : std::integral_constant<std::size_t, 1> {};
template <>
struct frames_for<json::value> : std::integral_constant<std::size_t, 1> {};
template <>
struct frames_for<json::object> : std::integral_constant<std::size_t, 1> {};
template <>
struct frames_for<json::array> : std::integral_constant<std::size_t, 1> {};
template <described T>
struct frames_for<T> {
    template <std::size_t... I>
    static constexpr std::size_t deepest(std::index_sequence<I...>) {
        std::size_t d = 1; // an unknown member's capture
        ((d = (std::max)(d, frames_for<std::remove_cvref_t<
                                   decltype(std::declval<T&>().*(std::get<I>(members_of<T>).ptr))>>::value)),
         ...);
        return d;
    }
    static constexpr std::size_t value =
        1 + deepest(std::make_index_sequence<
                std::tuple_size_v<std::remove_cvref_t<decltype(members_of<T>)>>>{});
};


} // namespace detail::sax
PULSE_NAMESPACE_END

#endif
