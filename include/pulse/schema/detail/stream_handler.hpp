// SPDX-License-Identifier: MIT
//
// The engine behind pulse::stream_decoder: a boost::json::basic_parser handler that fills schema
// types directly from SAX events, generically from the same member tables the DOM codec uses
// (schema_of<T>::members). No per-type handler is written by hand, and known members never pass
// through a DOM.
//
// Shape: a type-erased frame stack. A frame is one open JSON container the decoder is filling: a
// described struct, a std::vector, a polygon, or a "capture" (a subtree kept as JSON: an unknown
// member going into `extra`, or a member typed boost::json::value/object/array). Each frame holds
// where the next value goes (`slot_target`) and how to fill it (`slot`, a static table of event
// functions generated once per C++ member type). So an event costs one indirect call: `on_int64`
// is `top->slot->int64(top->slot_target, i)`. A key selects the slot: the member table is matched
// with the next member in table order tried first (documents list members in a stable order),
// then by length and bytes.
//
// Frames live in a fixed array inside the handler (the schema's nesting, not the document's, bounds
// their number; unknown subtrees of any depth are one capture frame). Unknown subtrees are built
// with boost::json::value_stack, the tool Boost's own parser uses, then moved into `extra`.
//
// Errors are built only on failure. The JSON path is read off the frame stack: each frame appends
// its key or [index], so a type error reads `bounding_boxes.Text[3].page_number: expected integer,
// got string`, exactly as the DOM decoder words it. The first error stops the parser (the handler
// returns false): a streaming caller learns about a bad body at the byte it went bad.
//
// This header includes <boost/json/basic_parser_impl.hpp>; only detail headers may.
#ifndef PULSE_SCHEMA_DETAIL_STREAM_HANDLER_HPP
#define PULSE_SCHEMA_DETAIL_STREAM_HANDLER_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/schema/detail/codec.hpp>
#include <pulse/schema/detail/exact_double.hpp>
#include <pulse/schema/number.hpp>
#include <pulse/schema/polygon.hpp>

#include <boost/json/array.hpp>
#include <boost/json/basic_parser_impl.hpp>
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
namespace detail {

/// Concatenate pieces into one string (one allocation; also sidesteps GCC 12's false -Wrestrict on
/// `"literal" + std::string`).
template <class... S>
std::string cat(S const&... pieces) {
    std::string out;
    out.reserve((std::string_view(pieces).size() + ... + 0));
    (out.append(std::string_view(pieces)), ...);
    return out;
}

namespace sax {

namespace json = boost::json;

class handler;
struct frame;

// ---- the two kinds of tables ---------------------------------------------------------------------

/// How one C++ type is filled from the events of the JSON value that lands on it. `t` points at the
/// object to fill (for array frames: at the container, and the function appends an element).
struct value_ops {
    bool (*object_begin)(handler&, frame&, void* t);
    bool (*array_begin)(handler&, frame&, void* t);
    /// A piece of a string that continues; `n` is the length so far including `s`.
    bool (*string_part)(handler&, frame&, void* t, std::string_view s, std::size_t n);
    /// The last piece of a string (`n == s.size()` when it came in one piece).
    bool (*string)(handler&, frame&, void* t, std::string_view s, std::size_t n);
    bool (*int64)(handler&, frame&, void* t, std::int64_t);
    bool (*uint64)(handler&, frame&, void* t, std::uint64_t);
    bool (*double_)(handler&, frame&, void* t, double);
    bool (*bool_)(handler&, frame&, void* t, bool);
    bool (*null)(handler&, frame&, void* t);
};

/// What a frame does with the events that belong to the container itself.
struct container_ops {
    /// A key of this object (complete, even when it arrived in pieces).
    bool (*key)(handler&, frame&, std::string_view key);
    /// The container closes (`n` elements or members); pops the frame.
    bool (*end)(handler&, frame&, std::size_t n, bool is_object);
    /// Append this frame's part of a JSON path ("." key or "[i]").
    void (*segment)(handler const&, frame const&, std::string& path);
    /// Described structs: the current member (an optional) was null; keep the null in `extra`.
    void (*null_member)(handler&, frame&);
};

struct frame {
    value_ops const* slot = nullptr; ///< how the next value is filled
    void* slot_target = nullptr;     ///< what it fills
    container_ops const* cops = nullptr;
    void* target = nullptr;    ///< the container (struct, vector, polygon, capture destination)
    /// Described structs: matches the member expected next (the one after the last in table order)
    /// and selects it. Tried before the full lookup, so a key in the usual order costs one compare.
    bool (*expect)(frame&, std::string_view key) = nullptr;
    std::uint64_t seen = 0;    ///< described structs: members present
    std::uint32_t count = 0;   ///< arrays: elements begun; captures: open containers
    std::int32_t member = -1;  ///< described structs: current member index, -1 for an unknown key
    bool alias = false;        ///< described structs: the current member was spelled as its alias
};

/// Frames a handler holds (root included). The schema's nesting bounds the need; see frames_for.
inline constexpr std::size_t max_frames = 32;

// ---- the handler ---------------------------------------------------------------------------------

class handler {
public:
    // Boost checks these statically; the runtime string cap is checked in the events below.
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);

    handler(value_ops const* root_ops, void* root, std::size_t max_string) noexcept
        : max_string_(max_string), vs_() {
        frames_[0].slot = root_ops;
        frames_[0].slot_target = root;
        frames_[0].cops = &root_cops;
        top_ = frames_;
    }
    handler(handler const&) = delete;
    handler& operator=(handler const&) = delete;

    /// Start over for a new document filling `root`.
    void reset(void* root, std::size_t max_string) noexcept {
        top_ = frames_;
        frames_[0].slot_target = root;
        max_string_ = max_string;
        failed_ = false;
        error_ = {};
        last_key_ = nullptr;
        in_begin_ = in_end_ = 0;
        in_base_ = size_hint_ = 0;
        num_.clear();
    }

    bool failed() const noexcept { return failed_; }
    error& get_error() noexcept { return error_; }

    /// The bytes about to be parsed start at body offset `base`. With the last key's address this
    /// gives the decoder an approximate position in the body, for sizing arrays (see grow_vector).
    void set_input(char const* p, std::size_t n, std::uint64_t base) noexcept {
        in_begin_ = reinterpret_cast<std::uintptr_t>(p);
        in_end_ = in_begin_ + n;
        in_base_ = base;
    }
    /// The whole body's expected size (e.g. Content-Length, a file's size); 0 if unknown.
    void set_size_hint(std::uint64_t n) noexcept { size_hint_ = n; }
    /// About where in the body the parser is: at the last key, when it lies in the current input.
    std::uint64_t position() const noexcept {
        auto const k = reinterpret_cast<std::uintptr_t>(last_key_);
        return k >= in_begin_ && k < in_end_ ? in_base_ + (k - in_begin_) : in_base_;
    }
    /// At least this many body bytes exist: the hint, or what was handed to the parser so far.
    std::uint64_t expected_total() const noexcept { return (std::max)(size_hint_, in_base_ + (in_end_ - in_begin_)); }

    // ---- basic_parser events ---------------------------------------------------------------------
    bool on_document_begin(json::error_code&) noexcept { return true; }
    bool on_document_end(json::error_code&) noexcept { return true; }

    bool on_object_begin(json::error_code& ec) {
        frame& f = *top_;
        return done(f.slot->object_begin(*this, f, f.slot_target), ec);
    }
    bool on_object_end(std::size_t n, json::error_code& ec) {
        frame& f = *top_;
        return done(f.cops->end(*this, f, n, true), ec);
    }
    bool on_array_begin(json::error_code& ec) {
        frame& f = *top_;
        return done(f.slot->array_begin(*this, f, f.slot_target), ec);
    }
    bool on_array_end(std::size_t n, json::error_code& ec) {
        frame& f = *top_;
        return done(f.cops->end(*this, f, n, false), ec);
    }
    bool on_key_part(json::string_view s, std::size_t n, json::error_code& ec) {
        if (n > max_string_) return done(too_long(top_ - 1), ec);
        if (n == s.size())
            key_.assign(s.data(), s.size());
        else
            key_.append(s.data(), s.size());
        return true;
    }
    bool on_key(json::string_view s, std::size_t n, json::error_code& ec) {
        if (n > max_string_) return done(too_long(top_ - 1), ec);
        last_key_ = s.data();
        std::string_view k(s.data(), s.size());
        if (n != s.size()) {
            key_.append(s.data(), s.size());
            k = key_;
        }
        frame& f = *top_;
        if (f.expect && f.expect(f, k)) [[likely]]
            return true;
        return done(f.cops->key(*this, f, k), ec);
    }
    bool on_string_part(json::string_view s, std::size_t n, json::error_code& ec) {
        if (n > max_string_) return done(too_long(top_), ec);
        frame& f = *top_;
        return done(f.slot->string_part(*this, f, f.slot_target, std::string_view(s.data(), s.size()), n), ec);
    }
    bool on_string(json::string_view s, std::size_t n, json::error_code& ec) {
        if (n > max_string_) return done(too_long(top_), ec);
        frame& f = *top_;
        return done(f.slot->string(*this, f, f.slot_target, std::string_view(s.data(), s.size()), n), ec);
    }
    // A number's text is kept only when it arrives in pieces; a double is taken from its text
    // (exact_double.hpp), not from Boost 1.81's inexact conversion.
    bool on_number_part(json::string_view s, json::error_code&) {
        num_.part(std::string_view(s.data(), s.size()));
        return true;
    }
    bool on_int64(std::int64_t i, json::string_view, json::error_code& ec) {
        num_.clear();
        frame& f = *top_;
        return done(f.slot->int64(*this, f, f.slot_target, i), ec);
    }
    bool on_uint64(std::uint64_t u, json::string_view, json::error_code& ec) {
        num_.clear();
        frame& f = *top_;
        return done(f.slot->uint64(*this, f, f.slot_target, u), ec);
    }
    bool on_double(double d, json::string_view s, json::error_code& ec) {
        d = exact_double(num_.whole(std::string_view(s.data(), s.size())), d);
        num_.clear();
        frame& f = *top_;
        return done(f.slot->double_(*this, f, f.slot_target, d), ec);
    }
    bool on_bool(bool b, json::error_code& ec) {
        frame& f = *top_;
        return done(f.slot->bool_(*this, f, f.slot_target, b), ec);
    }
    bool on_null(json::error_code& ec) {
        frame& f = *top_;
        return done(f.slot->null(*this, f, f.slot_target), ec);
    }
    bool on_comment_part(json::string_view, json::error_code&) noexcept { return true; }
    bool on_comment(json::string_view, json::error_code&) noexcept { return true; }

    // ---- for the ops tables ----------------------------------------------------------------------

    /// Open a container frame above the current top.
    frame& push(value_ops const* slot, void* slot_target, container_ops const* cops, void* target) noexcept {
        frame& f = *++top_;
        f.slot = slot;
        f.slot_target = slot_target;
        f.cops = cops;
        f.target = target;
        f.expect = nullptr;
        f.seen = 0;
        f.count = 0;
        f.member = -1;
        f.alias = false;
        return f;
    }
    void pop() noexcept { --top_; }

    /// The last complete key, when a key is kept (unknown members: their name in `extra`).
    std::string& unknown_key() noexcept { return unknown_key_; }
    std::string_view unknown_key_view() const noexcept { return unknown_key_; }
    /// Scratch for strings that arrive in pieces where the target cannot grow in place.
    std::string& scratch() noexcept { return scratch_; }
    json::value_stack& values() noexcept { return vs_; }

    /// "expected X, got Y" at the current path.
    bool type_error(std::string_view expected, std::string_view got) {
        std::string msg = "expected ";
        msg.append(expected).append(", got ").append(got);
        return fail(errc::type_mismatch, std::move(msg), path_through(top_));
    }
    bool out_of_range() { return fail(errc::invalid_value, "integer out of range", path_through(top_)); }
    /// A required member of the struct in `f` is missing.
    bool missing(frame const& f, std::string_view name) {
        std::string p = path_through(&f - 1);
        append_key(p, name);
        return fail(errc::missing_member, "missing required member", std::move(p));
    }

    /// The JSON path of the value being read: every frame's segment, bottom to `last` inclusive.
    std::string path_through(frame const* last) const {
        std::string p;
        for (frame const* f = frames_ + 1; f <= last; ++f) f->cops->segment(*this, *f, p);
        return p;
    }
    frame const* top() const noexcept { return top_; }
    std::size_t depth() const noexcept { return static_cast<std::size_t>(top_ - frames_); }

    static void append_key(std::string& path, std::string_view key) {
        if (!path.empty()) path.push_back('.');
        path.append(key);
    }
    static void append_index(std::string& path, std::size_t i) {
        path.push_back('[');
        path.append(std::to_string(i));
        path.push_back(']');
    }

private:
    static bool done(bool ok, json::error_code& ec) noexcept {
        if (ok) [[likely]]
            return true;
        // The handler's own error (kept in error_) stops the parser; the code only says "handler".
        ec = json::error::exception;
        return false;
    }
    bool fail(errc c, std::string msg, std::string path) {
        if (!failed_) {
            error_ = error(c, std::move(msg), std::move(path));
            failed_ = true;
        }
        return false;
    }
    /// A string (or key) exceeds the cap; `where` is the frame whose path names it (for a key: the
    /// object holding it).
    bool too_long(frame const* where) {
        return fail(errc::string_too_long, cat("string longer than the cap of ", std::to_string(max_string_), " bytes"),
                    path_through(where));
    }

    static bool root_key(handler&, frame&, std::string_view) noexcept { return false; }
    static bool root_end(handler&, frame&, std::size_t, bool) noexcept { return false; }
    static void root_segment(handler const&, frame const&, std::string&) noexcept {}
    static void root_null(handler&, frame&) noexcept {}
    static constexpr container_ops root_cops{&root_key, &root_end, &root_segment, &root_null};

    frame* top_ = nullptr;
    char const* last_key_ = nullptr;
    std::uintptr_t in_begin_ = 0, in_end_ = 0;
    std::uint64_t in_base_ = 0, size_hint_ = 0;
    std::size_t max_string_;
    bool failed_ = false;
    error error_;
    std::string key_;
    number_text num_; // a number split across writes, until its last piece
    std::string unknown_key_;
    std::string scratch_;
    json::value_stack vs_;
    frame frames_[max_frames];
};

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

template <>
struct policy_for<std::string> : typed_policy<policy_for<std::string>> {
    static constexpr std::string_view expected = "string";
    static bool string_part(handler&, frame&, void* t, std::string_view s, std::size_t n) {
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
        if (n == s.size()) {
            *static_cast<E*>(t) = E(std::string(s));
        } else {
            h.scratch().append(s.data(), s.size());
            *static_cast<E*>(t) = E(std::string(h.scratch()));
        }
        return true;
    }
};

// -- polygon: an array frame whose elements are numbers --

struct polygon_elements : typed_policy<polygon_elements> {
    static constexpr std::string_view expected = "number";
    static bool mismatch(handler& h, frame& f, void* t, std::string_view got) {
        // The path names the offending element: the one after those already stored.
        f.count = static_cast<std::uint32_t>(static_cast<polygon*>(t)->size() + 1);
        return h.type_error(expected, got);
    }
    static bool double_(handler&, frame&, void* t, double d) {
        static_cast<polygon*>(t)->push_back(d);
        return true;
    }
    static bool int64(handler&, frame&, void* t, std::int64_t i) {
        static_cast<polygon*>(t)->push_back_int64(i);
        return true;
    }
    static bool uint64(handler&, frame&, void* t, std::uint64_t u) {
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
    handler::append_index(path, f.count == 0 ? 0 : f.count - 1);
}

/// A polygon frame counts nothing while all goes well; its index in a path is the element after the
/// stored ones (a mismatch sets count).
inline void polygon_segment(handler const&, frame const& f, std::string& path) {
    handler::append_index(path, f.count != 0 ? f.count - 1 : static_cast<polygon const*>(f.target)->size());
}
inline constexpr container_ops polygon_cops{&no_key, &array_end, &polygon_segment, &no_null};

/// Polygons of bounding boxes hold 8 coordinates; reserving them up front makes one allocation of
/// the exact size instead of four growing ones.
inline constexpr std::size_t polygon_reserve = 8;

template <>
struct policy_for<polygon> : typed_policy<policy_for<polygon>> {
    static constexpr std::string_view expected = "array of numbers";
    static bool array_begin(handler& h, frame&, void* t) {
        auto* p = static_cast<polygon*>(t);
        p->clear();
        p->reserve(polygon_reserve);
        h.push(&make_ops<polygon_elements>::table, p, &polygon_cops, p);
        return true;
    }
};

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

template <class X>
void grow_vector(handler& h, frame& f, std::vector<X>& v) {
    std::size_t const size = v.size(), cap = v.capacity();
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
}

template <class X>
struct vector_elements {
    using V = std::vector<X>;
    static X& next(handler& h, frame& f, void* t) {
        ++f.count;
        V& v = *static_cast<V*>(t);
        if (v.size() == v.capacity()) [[unlikely]]
            grow_vector(h, f, v);
        return v.emplace_back();
    }
    static bool object_begin(handler& h, frame& f, void* t) { return ops_of<X>.object_begin(h, f, &next(h, f, t)); }
    static bool array_begin(handler& h, frame& f, void* t) { return ops_of<X>.array_begin(h, f, &next(h, f, t)); }
    static bool string_part(handler& h, frame& f, void* t, std::string_view s, std::size_t n) {
        X& x = n == s.size() ? next(h, f, t) : static_cast<V*>(t)->back();
        return ops_of<X>.string_part(h, f, &x, s, n);
    }
    static bool string(handler& h, frame& f, void* t, std::string_view s, std::size_t n) {
        X& x = n == s.size() ? next(h, f, t) : static_cast<V*>(t)->back();
        return ops_of<X>.string(h, f, &x, s, n);
    }
    static bool int64(handler& h, frame& f, void* t, std::int64_t i) { return ops_of<X>.int64(h, f, &next(h, f, t), i); }
    static bool uint64(handler& h, frame& f, void* t, std::uint64_t u) { return ops_of<X>.uint64(h, f, &next(h, f, t), u); }
    static bool double_(handler& h, frame& f, void* t, double d) { return ops_of<X>.double_(h, f, &next(h, f, t), d); }
    static bool bool_(handler& h, frame& f, void* t, bool b) { return ops_of<X>.bool_(h, f, &next(h, f, t), b); }
    static bool null(handler& h, frame& f, void* t) { return ops_of<X>.null(h, f, &next(h, f, t)); }
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

// -- captures: a subtree kept as JSON (unknown members, members typed as JSON) --

/// Events inside a capture go to the value stack; nested containers only count depth.
struct capture_events {
    static bool object_begin(handler&, frame& f, void*) {
        ++f.count;
        return true;
    }
    static bool array_begin(handler&, frame& f, void*) {
        ++f.count;
        return true;
    }
    static bool string_part(handler& h, frame&, void*, std::string_view s, std::size_t) {
        h.values().push_chars(json::string_view(s.data(), s.size()));
        return true;
    }
    static bool string(handler& h, frame&, void*, std::string_view s, std::size_t) {
        h.values().push_string(json::string_view(s.data(), s.size()));
        return true;
    }
    static bool int64(handler& h, frame&, void*, std::int64_t i) {
        h.values().push_int64(i);
        return true;
    }
    static bool uint64(handler& h, frame&, void*, std::uint64_t u) {
        h.values().push_uint64(u);
        return true;
    }
    static bool double_(handler& h, frame&, void*, double d) {
        h.values().push_double(d);
        return true;
    }
    static bool bool_(handler& h, frame&, void*, bool b) {
        h.values().push_bool(b);
        return true;
    }
    static bool null(handler& h, frame&, void*) {
        h.values().push_null();
        return true;
    }
    static constexpr value_ops table{&object_begin, &array_begin, &string_part, &string, &int64,
                                     &uint64,       &double_,     &bool_,       &null};
};

/// Where a finished capture goes: Dest::deliver(handler&, void* target, json::value&&).
template <class Dest>
struct capture_container {
    static bool key(handler& h, frame&, std::string_view k) {
        h.values().push_key(json::string_view(k.data(), k.size()));
        return true;
    }
    static bool end(handler& h, frame& f, std::size_t n, bool is_object) {
        if (is_object)
            h.values().push_object(n);
        else
            h.values().push_array(n);
        if (--f.count != 0) return true;
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
    f.count = 1;
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
        if (n == s.size()) {
            v(t).emplace_string().assign(json::string_view(s.data(), s.size()));
        } else {
            h.scratch().append(s.data(), s.size());
            v(t).emplace_string().assign(json::string_view(h.scratch().data(), h.scratch().size()));
        }
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
    static bool object_begin(handler& h, frame&, void* t) {
        begin_capture<into_extra>(h, t);
        return true;
    }
    static bool array_begin(handler& h, frame&, void* t) {
        begin_capture<into_extra>(h, t);
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
        extra(t).insert_or_assign(h.unknown_key(), json::string_view(s.data(), s.size()));
        return true;
    }
    static bool int64(handler& h, frame&, void* t, std::int64_t i) {
        extra(t).insert_or_assign(h.unknown_key(), i);
        return true;
    }
    static bool uint64(handler& h, frame&, void* t, std::uint64_t u) {
        extra(t).insert_or_assign(h.unknown_key(), u);
        return true;
    }
    static bool double_(handler& h, frame&, void* t, double d) {
        extra(t).insert_or_assign(h.unknown_key(), d);
        return true;
    }
    static bool bool_(handler& h, frame&, void* t, bool b) {
        extra(t).insert_or_assign(h.unknown_key(), b);
        return true;
    }
    static bool null(handler& h, frame&, void* t) {
        extra(t).insert_or_assign(h.unknown_key(), nullptr);
        return true;
    }
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

// -- described structs: an object frame matching keys against the member table --

template <class T>
struct described_object {
    static constexpr auto const& members = schema_of<T>::members;
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
                                   decltype(std::declval<T&>().*(std::get<I>(schema_of<T>::members).ptr))>>::value)),
         ...);
        return d;
    }
    static constexpr std::size_t value =
        1 + deepest(std::make_index_sequence<
                std::tuple_size_v<std::remove_cvref_t<decltype(schema_of<T>::members)>>>{});
};

} // namespace sax
} // namespace detail
PULSE_NAMESPACE_END

#endif
