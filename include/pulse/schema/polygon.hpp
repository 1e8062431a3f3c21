// SPDX-License-Identifier: MIT
//
// Coordinates of a bounding box: the flat list [x1,y1, x2,y2, ...] the API sends (8 numbers for a
// 4-corner polygon, 4 for a form cell's rectangle, often empty for spreadsheets).
//
// Stored as doubles, because that is what every consumer wants and a result holds hundreds of
// thousands of these. To keep round trips exact, a bit mask remembers which of the first 64
// coordinates were written as integers (a "0" stays "0", not "0.0"); coordinates past index 63
// that were integers are written back as doubles of equal value.
#ifndef PULSE_SCHEMA_POLYGON_HPP
#define PULSE_SCHEMA_POLYGON_HPP

#include <pulse/config.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

PULSE_NAMESPACE_BEGIN

/// A flat list of coordinates, normalised 0–1 by the API.
class polygon {
public:
    polygon() = default;
    polygon(std::initializer_list<double> values) : values_(values) {}

    std::size_t size() const noexcept { return values_.size(); }
    bool empty() const noexcept { return values_.empty(); }
    double operator[](std::size_t i) const noexcept { return values_[i]; }
    std::vector<double>::const_iterator begin() const noexcept { return values_.begin(); }
    std::vector<double>::const_iterator end() const noexcept { return values_.end(); }
    std::span<double const> values() const noexcept { return values_; }

    void reserve(std::size_t n) { values_.reserve(n); }
    void clear() noexcept {
        values_.clear();
        integer_mask_ = 0;
    }
    /// Append a coordinate written as a double.
    void push_back(double v) { values_.push_back(v); }
    /// Append a coordinate that was written as an integer (kept as such when written back).
    void push_back_integer(double v) {
        if (values_.size() < 64) integer_mask_ |= std::uint64_t{1} << values_.size();
        values_.push_back(v);
    }
    /// Whether coordinate i is written back as an integer.
    bool written_as_integer(std::size_t i) const noexcept { return i < 64 && ((integer_mask_ >> i) & 1u) != 0; }

    friend bool operator==(polygon const& a, polygon const& b) noexcept { return a.values_ == b.values_; }

private:
    std::vector<double> values_;
    std::uint64_t integer_mask_ = 0;
};

PULSE_NAMESPACE_END

#endif
