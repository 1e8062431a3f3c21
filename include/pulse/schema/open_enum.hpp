// SPDX-License-Identifier: MIT
//
// String enumerations that keep values they do not know. The API adds statuses and visual types
// over time; rejecting an unknown one would break a working program on a server upgrade. So these
// types hold the exact text (written back unchanged) plus the known value it maps to, or
// `unknown`.
#ifndef PULSE_SCHEMA_OPEN_ENUM_HPP
#define PULSE_SCHEMA_OPEN_ENUM_HPP

#include <pulse/detail/prelude.hpp>

#include <string>
#include <string_view>
#include <utility>

PULSE_NAMESPACE_BEGIN

/// A string enumeration that keeps values it does not know: the exact text as received, and the
/// known value it maps to (value_type::unknown when there is none). Written back, it is the text
/// as received, so a document survives a round trip even when the server sent a newer value.
///
/// `Traits` provides `enum class value` (with an `unknown` enumerator), `static value
/// parse(std::string_view)` mapping wire text to a value, and `static std::string_view
/// name(value)` giving a value's canonical spelling. See job_status and visual_type.
template <class Traits>
class open_enum {
public:
    /// The enumeration of known values (Traits::value).
    using value_type = typename Traits::value;
    /// Marks the type for the JSON codec, which reads and writes every open_enum as a string.
    using is_open_enum = void;

    /// value_type::unknown with empty text.
    open_enum() = default;
    /// From wire text; unknown text maps to value_type::unknown and is kept.
    explicit open_enum(std::string text) : text_(std::move(text)), value_(Traits::parse(text_)) {}
    /// From a known value, with its canonical spelling.
    open_enum(value_type v) : text_(Traits::name(v)), value_(v) {}

    /// The known value the text maps to, or value_type::unknown.
    value_type value() const noexcept { return value_; }
    /// The exact text as received (or the canonical spelling).
    std::string const& str() const noexcept { return text_; }
    /// Whether this version of the library knows the value (false for value_type::unknown).
    bool is_known() const noexcept { return value_ != value_type::unknown; }

    /// Compares the known value, whatever the spelling: a status read as "cancelled" equals
    /// value_type::canceled.
    friend bool operator==(open_enum const& a, value_type v) noexcept { return a.value_ == v; }
    /// Two values are equal when their texts are (so "canceled" != "cancelled" here, but both
    /// compare equal to value_type::canceled).
    friend bool operator==(open_enum const& a, open_enum const& b) noexcept { return a.text_ == b.text_; }

private:
    std::string text_;
    value_type value_ = value_type::unknown;
};

PULSE_NAMESPACE_END

#endif
