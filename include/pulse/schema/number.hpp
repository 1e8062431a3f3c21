// SPDX-License-Identifier: MIT
//
// A JSON number that remembers how it was written. The API declares fields such as credits_used
// and total_credits_used as "number" and sends both 3 and 1.1; keeping the kind means a document
// read and written again is the same JSON (3 stays 3, not 3.0).
#ifndef PULSE_SCHEMA_NUMBER_HPP
#define PULSE_SCHEMA_NUMBER_HPP

#include <pulse/detail/prelude.hpp>

#include <cstdint>

PULSE_NAMESPACE_BEGIN

/// A JSON number: a signed or unsigned 64-bit integer, or a double, as it appeared on the wire.
class number {
public:
    /// How the number was written, and so which representation it holds.
    enum class kind : unsigned char {
        int64,   ///< an integer that fits std::int64_t
        uint64,  ///< an integer above INT64_MAX that fits std::uint64_t
        double_  ///< a number with a fraction or an exponent, or an integer beyond 64 bits
    };

    /// The integer 0.
    constexpr number() noexcept : i_(0), kind_(kind::int64) {}
    /// A number written as a double (3.0 stays 3.0 when written back).
    constexpr number(double d) noexcept : d_(d), kind_(kind::double_) {}
    /// A signed integer.
    constexpr number(std::int64_t i) noexcept : i_(i), kind_(kind::int64) {}
    /// A signed integer (so that `number(3)` is not ambiguous).
    constexpr number(int i) noexcept : i_(i), kind_(kind::int64) {}
    /// An unsigned integer; kept as kind::uint64 even when it would fit std::int64_t.
    constexpr number(std::uint64_t u) noexcept : u_(u), kind_(kind::uint64) {}

    /// Which representation the number holds.
    constexpr kind get_kind() const noexcept { return kind_; }
    /// True for kind::int64 and kind::uint64.
    constexpr bool is_integer() const noexcept { return kind_ != kind::double_; }

    /// The value as a double (exact for doubles and for integers up to 2^53).
    constexpr double as_double() const noexcept {
        switch (kind_) {
        case kind::int64: return static_cast<double>(i_);
        case kind::uint64: return static_cast<double>(u_);
        case kind::double_: return d_;
        }
        return 0;
    }
    /// The signed integer. Precondition: get_kind() == kind::int64 (nothing is checked).
    constexpr std::int64_t as_int64_unchecked() const noexcept { return i_; }
    /// The unsigned integer. Precondition: get_kind() == kind::uint64.
    constexpr std::uint64_t as_uint64_unchecked() const noexcept { return u_; }

    /// Numeric equality: 3 == 3.0.
    friend constexpr bool operator==(number const& a, number const& b) noexcept {
        if (a.kind_ == b.kind_) {
            switch (a.kind_) {
            case kind::int64: return a.i_ == b.i_;
            case kind::uint64: return a.u_ == b.u_;
            case kind::double_: return a.d_ == b.d_;
            }
        }
        return a.as_double() == b.as_double();
    }

private:
    union {
        std::int64_t i_;
        std::uint64_t u_;
        double d_;
    };
    kind kind_;
};

PULSE_NAMESPACE_END

#endif
