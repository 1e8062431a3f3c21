// SPDX-License-Identifier: MIT
//
// Coordinates of a bounding box: the flat list [x1,y1, x2,y2, ...] the API sends (8 numbers for a
// 4-corner polygon, 4 for a form cell's rectangle, often empty for spreadsheets).
//
// Stored as doubles, because that is what every consumer wants and a result holds hundreds of
// thousands of these. To keep round trips exact, a bit mask remembers which of the first 64
// coordinates were written as integers (a "0" stays "0", not "0.0"). What the mask cannot say is
// kept in a side table that exists only when needed: an integer coordinate past index 63, and an
// integer a double cannot hold exactly (beyond 2^53 -- no real coordinate, but a hostile or broken
// server may send one, and the document must still be written back as read). operator[] gives
// the nearest double; written_value(i) the exact number.
#ifndef PULSE_SCHEMA_POLYGON_HPP
#define PULSE_SCHEMA_POLYGON_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/schema/number.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <span>
#include <utility>
#include <vector>

PULSE_NAMESPACE_BEGIN

/// The coordinates of a bounding box as the API sends them: a flat list [x1,y1, x2,y2, ...],
/// normalised to 0-1 by the API. Read as doubles; written back exactly as read (an integer
/// coordinate stays an integer, see written_value()).
class polygon {
public:
    /// No coordinates.
    polygon() = default;
    /// Coordinates given as doubles (written back as doubles).
    polygon(std::initializer_list<double> values) : values_(values) {}
    /// Moves the coordinates and what is remembered about their spelling.
    polygon(polygon&&) noexcept = default;
    /// Moves the coordinates and what is remembered about their spelling.
    polygon& operator=(polygon&&) noexcept = default;
    /// Copies the coordinates and what is remembered about their spelling.
    polygon(polygon const& o)
        : values_(o.values_), integer_mask_(o.integer_mask_),
          tail_(o.tail_ ? std::make_unique<tail_table>(*o.tail_) : nullptr) {}
    /// Copies the coordinates and what is remembered about their spelling.
    polygon& operator=(polygon const& o) {
        if (this != &o) *this = polygon(o);
        return *this;
    }

    /// Number of coordinates (twice the number of points).
    std::size_t size() const noexcept { return values_.size(); }
    /// True when there are no coordinates (common for spreadsheet regions).
    bool empty() const noexcept { return values_.empty(); }
    /// Coordinate `i` as the nearest double. Precondition: i < size().
    double operator[](std::size_t i) const noexcept { return values_[i]; }
    /// The first coordinate, as a double.
    std::vector<double>::const_iterator begin() const noexcept { return values_.begin(); }
    /// Past the last coordinate.
    std::vector<double>::const_iterator end() const noexcept { return values_.end(); }
    /// Every coordinate as a double, contiguous.
    std::span<double const> values() const noexcept { return values_; }

    /// Reserve room for `n` coordinates.
    void reserve(std::size_t n) { values_.reserve(n); }
    /// Remove every coordinate and what was remembered about their spelling.
    void clear() noexcept {
        values_.clear();
        integer_mask_ = 0;
        tail_.reset();
    }
    /// Append a coordinate written as a double.
    void push_back(double v) { values_.push_back(v); }
    /// Append a coordinate that was written as an integer (kept as such when written back).
    void push_back_int64(std::int64_t i) {
        double const d = static_cast<double>(i);
        // Exact when the double converts back to the same integer; 2^63 itself is out of range.
        bool const exact = d < 9223372036854775808.0 && static_cast<std::int64_t>(d) == i;
        if (exact && values_.size() < 64)
            integer_mask_ |= std::uint64_t{1} << values_.size();
        else
            remember(number(i));
        values_.push_back(d);
    }
    /// Append a coordinate that was written as an unsigned integer (kept as such when written back).
    void push_back_uint64(std::uint64_t u) {
        if (u <= static_cast<std::uint64_t>((std::numeric_limits<std::int64_t>::max)())) return push_back_int64(static_cast<std::int64_t>(u));
        remember(number(u));
        values_.push_back(static_cast<double>(u));
    }
    /// Append an integral double that is to be written back as an integer. One outside the range
    /// of a 64-bit integer (or not integral) is written back as a double.
    void push_back_integer(double v) {
        if (v >= -9223372036854775808.0 && v < 9223372036854775808.0 && static_cast<double>(static_cast<std::int64_t>(v)) == v)
            push_back_int64(static_cast<std::int64_t>(v));
        else
            push_back(v);
    }
    /// Whether coordinate i is written back as an integer.
    bool written_as_integer(std::size_t i) const noexcept {
        return (i < 64 && ((integer_mask_ >> i) & 1u) != 0) || remembered(i) != nullptr;
    }
    /// Coordinate i as it was written: the exact integer (int64 or uint64) if it was an integer,
    /// else the double.
    number written_value(std::size_t i) const noexcept {
        if (i < 64 && ((integer_mask_ >> i) & 1u) != 0) return number(static_cast<std::int64_t>(values_[i]));
        if (number const* n = remembered(i)) return *n;
        return number(values_[i]);
    }

    /// Compares the coordinates as doubles; how they were written does not matter.
    friend bool operator==(polygon const& a, polygon const& b) noexcept { return a.values_ == b.values_; }

private:
    // Integer coordinates the mask does not cover, by index (appended in order, so sorted).
    using tail_table = std::vector<std::pair<std::size_t, number>>;

    void remember(number n) {
        if (!tail_) tail_ = std::make_unique<tail_table>();
        tail_->emplace_back(values_.size(), n);
    }
    number const* remembered(std::size_t i) const noexcept {
        if (!tail_) return nullptr;
        auto it = std::lower_bound(tail_->begin(), tail_->end(), i,
                                   [](auto const& e, std::size_t k) { return e.first < k; });
        return it != tail_->end() && it->first == i ? &it->second : nullptr;
    }

    std::vector<double> values_;
    std::uint64_t integer_mask_ = 0;
    std::unique_ptr<tail_table> tail_; // null unless needed (see the file comment): costs 8 bytes
};

PULSE_NAMESPACE_END

#endif
