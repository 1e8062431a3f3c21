// SPDX-License-Identifier: MIT
//
// The stream decoder's boost::json::basic_parser handler: the frame stack, the events, the error
// with its JSON path (stream_handler.hpp has the design).
#ifndef PULSE_SCHEMA_DETAIL_SAX_HANDLER_HPP
#define PULSE_SCHEMA_DETAIL_SAX_HANDLER_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/schema/detail/codec.hpp>
#include <pulse/schema/detail/exact_double.hpp>
#include <pulse/schema/detail/sax/frame.hpp>

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
namespace detail::sax {

namespace json = boost::json;

// ---- the handler ---------------------------------------------------------------------------------

class handler {
public:
    // Boost checks these statically; the runtime string cap is checked in the events below.
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);

    handler(value_ops const* root_ops, void* root, std::size_t max_string, std::uint64_t max_held) noexcept
        : max_string_(max_string), max_held_(max_held), vs_() {
        frames_[0].slot = root_ops;
        frames_[0].slot_target = root;
        frames_[0].cops = &root_cops;
        top_ = frames_;
    }
    handler(handler const&) = delete;
    handler& operator=(handler const&) = delete;

    /// Start over for a new document filling `root`.
    void reset(void* root, std::size_t max_string, std::uint64_t max_held) noexcept {
        top_ = frames_;
        frames_[0].slot_target = root;
        max_string_ = max_string;
        max_held_ = max_held;
        held_ = 0;
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
        f.elements = 0;
        f.depth = 0;
        f.member = -1;
        f.alias = false;
        return f;
    }
    void pop() noexcept { --top_; }

    /// Count `bytes` more of memory held by the value being built; false (and the decoder's error,
    /// errc::memory_limit, at the current path) once the total passes the cap. What is counted: each
    /// element of an array and each member of a map or a JSON subtree at its size, and the heap
    /// bytes of strings. Spare vector capacity is not: it is address space the decoder sizes by
    /// estimate (see grow_vector), and pages never written are never resident.
    bool hold(std::uint64_t bytes) {
        held_ += bytes;
        return held_ <= max_held_ || over_memory_cap(); // small enough to inline at every call
    }
    /// Whether `bytes` more would fit under the cap for a moment (an array moving to larger
    /// storage); false, with the cap's error, if not. Nothing stays counted.
    bool fits_for_a_moment(std::uint64_t bytes) { return held_ + bytes <= max_held_ || over_memory_cap(); }
    /// Memory counted so far by hold().
    std::uint64_t held() const noexcept { return held_; }

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
    /// The memory cap is passed: errc::memory_limit at the current path. Kept out of line, so that
    /// hold() stays a compare the compiler inlines.
#if defined(__GNUC__)
    [[gnu::cold, gnu::noinline]]
#endif
    bool over_memory_cap() {
        return fail(errc::memory_limit, cat("decoded value exceeds the memory cap of ", std::to_string(max_held_), " bytes"),
                    path_through(top_));
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
    std::uint64_t max_held_;
    std::uint64_t held_ = 0;
    bool failed_ = false;
    error error_;
    std::string key_;
    number_text num_; // a number split across writes, until its last piece
    std::string unknown_key_;
    std::string scratch_;
    json::value_stack vs_;
    frame frames_[max_frames];
};


} // namespace detail::sax
PULSE_NAMESPACE_END

#endif
