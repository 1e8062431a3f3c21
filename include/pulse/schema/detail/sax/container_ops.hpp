// SPDX-License-Identifier: MIT
//
// The value tables of the stream decoder's containers: std::vector (appended, capacity estimated
// for large arrays), captures (a subtree kept as JSON: unknown members and members typed as JSON)
// and std::optional.
#ifndef PULSE_SCHEMA_DETAIL_SAX_CONTAINER_OPS_HPP
#define PULSE_SCHEMA_DETAIL_SAX_CONTAINER_OPS_HPP

#include <pulse/detail/prelude.hpp>
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

// -- std::vector<X>: an array frame whose elements are appended, then filled as X --

// Growth. A result's bulk is a few huge arrays (word boxes, text regions); doubling them moves every
// element about once more and, worse, touches about twice the final memory (each larger buffer is
// fresh pages), which dominates the cost of building them. So once an array has a few hundred
// elements, its final size is estimated from the bytes per element so far and the bytes left in the
// body (the size hint, or at least the bytes already handed to the parser), assuming the array runs
// to the end of the body -- true for the largest array of a large body, an overestimate for the
// others. The estimate may at most multiply the capacity by 64 in one step (a wrong hint cannot
// demand unbounded memory; untouched capacity costs address space, not resident memory), and an
// array that ends far below its estimate is trimmed to size. Small arrays grow as usual.
inline constexpr std::size_t estimate_after = 128;
inline constexpr std::size_t max_estimate_factor = 64;
/// Moves of at least this many bytes count against the memory cap while they happen (see
/// grow_vector); smaller ones are noise beside any sensible cap.
inline constexpr std::uint64_t counted_move_bytes = std::uint64_t{1} << 20;

/// Room for more elements. False (the memory cap) when moving the elements into larger storage
/// would pass the cap: while they move, the old storage and the new copy are both resident, so a
/// cap that counted only the elements would let the process reach twice it.
template <class X>
bool grow_vector(handler& h, frame& f, std::vector<X>& v) {
    std::size_t const size = v.size(), cap = v.capacity();
    std::uint64_t const moved = std::uint64_t{size} * sizeof(X);
    if (moved >= counted_move_bytes && !h.fits_for_a_moment(moved)) return false;
    std::size_t want = cap < 4 ? 4 : cap * 2;
    f.alias = false; // the capacity below comes from doubling, unless the estimate says more
    if (size >= estimate_after) {
        std::uint64_t const pos = h.position(), start = f.seen, total = h.expected_total();
        if (pos > start && total > pos) {
            double const per_element = static_cast<double>(pos - start) / static_cast<double>(size);
            double est = (static_cast<double>(size) + static_cast<double>(total - pos) / per_element) * 1.02 + 16;
            double const limit = static_cast<double>(cap) * static_cast<double>(max_estimate_factor);
            if (est > limit) est = limit;
            if (est > static_cast<double>(want)) {
                want = static_cast<std::size_t>(est);
                f.alias = true; // estimated: trimmed at the end if far off (doubling is left as is)
            }
        }
    }
    if (want > v.max_size()) want = v.max_size();
    v.reserve(want);
    return true;
}

template <class X>
struct vector_elements {
    using V = std::vector<X>;
    /// The new last element, or nullptr when it would pass the memory cap.
    static X* next(handler& h, frame& f, void* t) {
        ++f.elements;
        if (!h.hold(sizeof(X))) [[unlikely]]
            return nullptr;
        V& v = *static_cast<V*>(t);
        if (v.size() == v.capacity()) [[unlikely]] {
            if (!grow_vector(h, f, v)) return nullptr;
        }
        return &v.emplace_back();
    }
    static bool object_begin(handler& h, frame& f, void* t) {
        X* x = next(h, f, t);
        return x && ops_of<X>.object_begin(h, f, x);
    }
    static bool array_begin(handler& h, frame& f, void* t) {
        X* x = next(h, f, t);
        return x && ops_of<X>.array_begin(h, f, x);
    }
    static bool string_part(handler& h, frame& f, void* t, std::string_view s, std::size_t n) {
        X* x = n == s.size() ? next(h, f, t) : &static_cast<V*>(t)->back();
        return x && ops_of<X>.string_part(h, f, x, s, n);
    }
    static bool string(handler& h, frame& f, void* t, std::string_view s, std::size_t n) {
        X* x = n == s.size() ? next(h, f, t) : &static_cast<V*>(t)->back();
        return x && ops_of<X>.string(h, f, x, s, n);
    }
    static bool int64(handler& h, frame& f, void* t, std::int64_t i) {
        X* x = next(h, f, t);
        return x && ops_of<X>.int64(h, f, x, i);
    }
    static bool uint64(handler& h, frame& f, void* t, std::uint64_t u) {
        X* x = next(h, f, t);
        return x && ops_of<X>.uint64(h, f, x, u);
    }
    static bool double_(handler& h, frame& f, void* t, double d) {
        X* x = next(h, f, t);
        return x && ops_of<X>.double_(h, f, x, d);
    }
    static bool bool_(handler& h, frame& f, void* t, bool b) {
        X* x = next(h, f, t);
        return x && ops_of<X>.bool_(h, f, x, b);
    }
    static bool null(handler& h, frame& f, void* t) {
        X* x = next(h, f, t);
        return x && ops_of<X>.null(h, f, x);
    }
    static constexpr value_ops table{&object_begin, &array_begin, &string_part, &string, &int64,
                                     &uint64,       &double_,     &bool_,       &null};

    static bool end(handler& h, frame& f, std::size_t, bool) {
        V& v = *static_cast<V*>(f.target);
        if (f.alias && v.capacity() - v.size() > v.size() / 8 + 16) {
            // Not shrink_to_fit(): libstdc++ makes it a no-op under -fno-exceptions.
            V(std::make_move_iterator(v.begin()), std::make_move_iterator(v.end())).swap(v);
        }
        h.pop();
        return true;
    }
    static constexpr container_ops cops{&no_key, &end, &array_segment, &no_null};
};

template <class X>
struct policy_for<std::vector<X>> : typed_policy<policy_for<std::vector<X>>> {
    static constexpr std::string_view expected = "array";
    static bool array_begin(handler& h, frame&, void* t) {
        auto* v = static_cast<std::vector<X>*>(t);
        v->clear();
        frame& f = h.push(&vector_elements<X>::table, v, &vector_elements<X>::cops, v);
        f.seen = h.position(); // where the array starts, for the size estimate
        return true;
    }
};

// -- ordered_map<X>: an object frame whose every key adds (or, given twice, restarts) a member --

template <class M>
struct map_members {
    using X = typename M::mapped_type;
    static M& map(frame const& f) { return *static_cast<M*>(f.target); }
    static bool key(handler& h, frame& f, std::string_view k) {
        M& m = map(f);
        std::uint32_t i = 0;
        for (auto& e : m) {
            if (e.key == k) {
                e.value = X{}; // a name given twice keeps the last value, as the DOM does
                break;
            }
            ++i;
        }
        if (i == m.size()) {
            if (!h.hold(sizeof(typename M::entry) + k.size())) return false;
            m.insert_or_assign(k, X{});
        }
        f.elements = i; // the current member, for the path
        f.slot = &ops_of<X>;
        f.slot_target = &(m.begin() + i)->value;
        return true;
    }
    static bool end(handler& h, frame&, std::size_t, bool) {
        h.pop();
        return true;
    }
    static void segment(handler const&, frame const& f, std::string& path) {
        M const& m = map(f);
        if (f.elements < m.size()) handler::append_key(path, (m.begin() + f.elements)->key);
    }
    static constexpr container_ops cops{&key, &end, &segment, &no_null};
};

template <ordered_map_like M>
struct policy_for<M> : typed_policy<policy_for<M>> {
    static constexpr std::string_view expected = "object";
    static bool object_begin(handler& h, frame&, void* t) {
        auto* m = static_cast<M*>(t);
        m->clear();
        h.push(nullptr, nullptr, &map_members<M>::cops, m);
        return true;
    }
};

// -- captures: a subtree kept as JSON (unknown members, members typed as JSON) --

/// Memory a JSON value of a capture holds: the value itself, and a string's characters.
inline constexpr std::size_t json_value_bytes = sizeof(json::value);
/// Memory a member of a captured object (or of `extra`) holds besides its value: the entry and its
/// key's characters.
inline constexpr std::size_t json_member_bytes = sizeof(json::key_value_pair) - sizeof(json::value);

/// Events inside a capture go to the value stack; nested containers only count depth.
struct capture_events {
    static bool object_begin(handler& h, frame& f, void*) {
        ++f.depth;
        return h.hold(json_value_bytes);
    }
    static bool array_begin(handler& h, frame& f, void*) {
        ++f.depth;
        return h.hold(json_value_bytes);
    }
    static bool string_part(handler& h, frame&, void*, std::string_view s, std::size_t) {
        h.values().push_chars(json::string_view(s.data(), s.size()));
        return h.hold(s.size());
    }
    static bool string(handler& h, frame&, void*, std::string_view s, std::size_t) {
        h.values().push_string(json::string_view(s.data(), s.size()));
        return h.hold(json_value_bytes + s.size());
    }
    static bool int64(handler& h, frame&, void*, std::int64_t i) {
        h.values().push_int64(i);
        return h.hold(json_value_bytes);
    }
    static bool uint64(handler& h, frame&, void*, std::uint64_t u) {
        h.values().push_uint64(u);
        return h.hold(json_value_bytes);
    }
    static bool double_(handler& h, frame&, void*, double d) {
        h.values().push_double(d);
        return h.hold(json_value_bytes);
    }
    static bool bool_(handler& h, frame&, void*, bool b) {
        h.values().push_bool(b);
        return h.hold(json_value_bytes);
    }
    static bool null(handler& h, frame&, void*) {
        h.values().push_null();
        return h.hold(json_value_bytes);
    }
    static constexpr value_ops table{&object_begin, &array_begin, &string_part, &string, &int64,
                                     &uint64,       &double_,     &bool_,       &null};
};

/// Where a finished capture goes: Dest::deliver(handler&, void* target, json::value&&).
template <class Dest>
struct capture_container {
    static bool key(handler& h, frame&, std::string_view k) {
        h.values().push_key(json::string_view(k.data(), k.size()));
        return h.hold(json_member_bytes + k.size());
    }
    static bool end(handler& h, frame& f, std::size_t n, bool is_object) {
        if (is_object)
            h.values().push_object(n);
        else
            h.values().push_array(n);
        if (--f.depth != 0) return true;
        json::value v = h.values().release();
        void* target = f.target;
        h.pop();
        Dest::deliver(h, target, std::move(v));
        return true;
    }
    static void segment(handler const&, frame const&, std::string&) noexcept {}
    static constexpr container_ops table{&key, &end, &segment, &no_null};
};

/// Open a capture frame for a container that starts now.
template <class Dest>
void begin_capture(handler& h, void* target) {
    h.values().reset();
    frame& f = h.push(&capture_events::table, nullptr, &capture_container<Dest>::table, target);
    f.depth = 1;
}

struct into_value {
    static void deliver(handler&, void* t, json::value&& v) { *static_cast<json::value*>(t) = std::move(v); }
};
struct into_object {
    static void deliver(handler&, void* t, json::value&& v) { *static_cast<json::object*>(t) = std::move(v.get_object()); }
};
struct into_array {
    static void deliver(handler&, void* t, json::value&& v) { *static_cast<json::array*>(t) = std::move(v.get_array()); }
};
/// An unknown member: into the struct's `extra`, under the key kept in unknown_key().
struct into_extra {
    static void deliver(handler& h, void* t, json::value&& v) {
        static_cast<json::object*>(t)->insert_or_assign(h.unknown_key(), std::move(v));
    }
};

template <>
struct policy_for<json::value> {
    static constexpr std::string_view expected = "value";
    static bool mismatch(handler&, frame&, void*, std::string_view) { return false; } // never: any value fits
    static json::value& v(void* t) { return *static_cast<json::value*>(t); }
    static bool object_begin(handler& h, frame&, void* t) {
        begin_capture<into_value>(h, t);
        return true;
    }
    static bool array_begin(handler& h, frame&, void* t) {
        begin_capture<into_value>(h, t);
        return true;
    }
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
        if (!h.hold(s.size())) return false;
        v(t).emplace_string().assign(json::string_view(s.data(), s.size()));
        return true;
    }
    static bool int64(handler&, frame&, void* t, std::int64_t i) {
        v(t) = i;
        return true;
    }
    static bool uint64(handler&, frame&, void* t, std::uint64_t u) {
        v(t) = u;
        return true;
    }
    static bool double_(handler&, frame&, void* t, double d) {
        v(t) = d;
        return true;
    }
    static bool bool_(handler&, frame&, void* t, bool b) {
        v(t) = b;
        return true;
    }
    static bool null(handler&, frame&, void* t) {
        v(t) = nullptr;
        return true;
    }
};

template <>
struct policy_for<json::object> : typed_policy<policy_for<json::object>> {
    static constexpr std::string_view expected = "object";
    static bool object_begin(handler& h, frame&, void* t) {
        begin_capture<into_object>(h, t);
        return true;
    }
};

template <>
struct policy_for<json::array> : typed_policy<policy_for<json::array>> {
    static constexpr std::string_view expected = "array";
    static bool array_begin(handler& h, frame&, void* t) {
        begin_capture<into_array>(h, t);
        return true;
    }
};

/// The value of an unknown member: scalars go straight into `extra` (t points at it), containers
/// are captured.
struct extra_member {
    static json::object& extra(void* t) { return *static_cast<json::object*>(t); }
    /// The member's entry in `extra` (its value is counted as it is built or stored).
    static bool hold_entry(handler& h) { return h.hold(json_member_bytes + h.unknown_key_view().size()); }
    static bool object_begin(handler& h, frame&, void* t) {
        begin_capture<into_extra>(h, t);
        return hold_entry(h) && h.hold(json_value_bytes);
    }
    static bool array_begin(handler& h, frame&, void* t) {
        begin_capture<into_extra>(h, t);
        return hold_entry(h) && h.hold(json_value_bytes);
    }
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
        if (!hold_entry(h) || !h.hold(json_value_bytes + s.size())) return false;
        extra(t).insert_or_assign(h.unknown_key(), json::string_view(s.data(), s.size()));
        return true;
    }
    template <class V>
    static bool scalar(handler& h, void* t, V v) {
        if (!hold_entry(h) || !h.hold(json_value_bytes)) return false;
        extra(t).insert_or_assign(h.unknown_key(), v);
        return true;
    }
    static bool int64(handler& h, frame&, void* t, std::int64_t i) { return scalar(h, t, i); }
    static bool uint64(handler& h, frame&, void* t, std::uint64_t u) { return scalar(h, t, u); }
    static bool double_(handler& h, frame&, void* t, double d) { return scalar(h, t, d); }
    static bool bool_(handler& h, frame&, void* t, bool b) { return scalar(h, t, b); }
    static bool null(handler& h, frame&, void* t) { return scalar(h, t, nullptr); }
    static constexpr value_ops table{&object_begin, &array_begin, &string_part, &string, &int64,
                                     &uint64,       &double_,     &bool_,       &null};
};

// -- std::optional<X>: engage, then fill as X; null keeps the member empty and the null in extra --

template <class X>
struct policy_for<std::optional<X>> {
    using O = std::optional<X>;
    static constexpr bool containers_fresh = true;
    /// Scalars overwrite in place; containers start from a fresh X, as the DOM decoder does.
    static X& engaged(void* t) {
        O& o = *static_cast<O*>(t);
        return o ? *o : o.emplace();
    }
    static X& fresh(void* t) { return static_cast<O*>(t)->emplace(); }
    static bool mismatch(handler&, frame&, void*, std::string_view) { return false; } // unused
    static bool object_begin(handler& h, frame& f, void* t) { return ops_of<X>.object_begin(h, f, &fresh(t)); }
    static bool array_begin(handler& h, frame& f, void* t) { return ops_of<X>.array_begin(h, f, &fresh(t)); }
    static bool string_part(handler& h, frame& f, void* t, std::string_view s, std::size_t n) {
        return ops_of<X>.string_part(h, f, &engaged(t), s, n);
    }
    static bool string(handler& h, frame& f, void* t, std::string_view s, std::size_t n) {
        return ops_of<X>.string(h, f, &engaged(t), s, n);
    }
    static bool int64(handler& h, frame& f, void* t, std::int64_t i) { return ops_of<X>.int64(h, f, &engaged(t), i); }
    static bool uint64(handler& h, frame& f, void* t, std::uint64_t u) { return ops_of<X>.uint64(h, f, &engaged(t), u); }
    static bool double_(handler& h, frame& f, void* t, double d) { return ops_of<X>.double_(h, f, &engaged(t), d); }
    static bool bool_(handler& h, frame& f, void* t, bool b) { return ops_of<X>.bool_(h, f, &engaged(t), b); }
    static bool null(handler& h, frame& f, void* t) {
        if constexpr (std::is_same_v<X, json::value>) {
            static_cast<O*>(t)->emplace(nullptr);
        } else {
            static_cast<O*>(t)->reset();
            f.cops->null_member(h, f);
        }
        return true;
    }
};


} // namespace detail::sax
PULSE_NAMESPACE_END

#endif
