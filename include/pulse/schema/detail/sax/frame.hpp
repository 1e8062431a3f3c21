// SPDX-License-Identifier: MIT
//
// The stream decoder's vocabulary (stream_handler.hpp has the design): the two kinds of function
// tables -- how a C++ type is filled from JSON events (value_ops) and what an open container does
// with its own events (container_ops) -- and the frame, one open container being filled.
#ifndef PULSE_SCHEMA_DETAIL_SAX_FRAME_HPP
#define PULSE_SCHEMA_DETAIL_SAX_FRAME_HPP

#include <pulse/detail/prelude.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

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
    std::uint32_t elements = 0; ///< arrays and polygons: elements begun
    std::uint32_t depth = 0;    ///< captures: containers open inside the captured subtree
    std::int32_t member = -1;  ///< described structs: current member index, -1 for an unknown key
    bool alias = false;        ///< described structs: the current member was spelled as its alias
};

/// Frames a handler holds (root included). The schema's nesting bounds the need; see frames_for.
inline constexpr std::size_t max_frames = 32;


} // namespace sax
} // namespace detail
PULSE_NAMESPACE_END

#endif
