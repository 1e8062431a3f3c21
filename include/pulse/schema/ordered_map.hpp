// SPDX-License-Identifier: MIT
//
// pulse::ordered_map<T>: a JSON object whose members all have one type, keyed by names the caller
// chose -- a split's pages per topic, a split-mode schema's output per topic, per-topic errors.
// The members stay in the order they arrived (and are written back in it), because the order can
// carry meaning (a split's topics are listed as configured) and an exact round trip needs it.
// A name given twice keeps the last value, as a JSON DOM does.
#ifndef PULSE_SCHEMA_ORDERED_MAP_HPP
#define PULSE_SCHEMA_ORDERED_MAP_HPP

#include <pulse/detail/prelude.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

PULSE_NAMESPACE_BEGIN

/// A JSON object of T values, in wire order. Lookup is linear: these objects hold a handful of
/// topics, not thousands.
template <class T>
class ordered_map {
public:
    /// One member: its name and value.
    struct entry {
        std::string key; ///< the member's name
        T value;         ///< its value
    };
    /// Marks the type for the JSON codec (read and written as a JSON object).
    using is_ordered_map = void;
    /// The member type.
    using mapped_type = T;

    /// The value named `key`, or nullptr.
    T const* find(std::string_view key) const noexcept {
        for (auto const& e : entries_)
            if (e.key == key) return &e.value;
        return nullptr;
    }
    /// The value named `key`, or nullptr.
    T* find(std::string_view key) noexcept {
        for (auto& e : entries_)
            if (e.key == key) return &e.value;
        return nullptr;
    }
    /// Whether a member is named `key`.
    bool contains(std::string_view key) const noexcept { return find(key) != nullptr; }
    /// The value named `key`, added (default-constructed, at the end) when there is none.
    T& operator[](std::string_view key) {
        if (T* v = find(key)) return *v;
        return entries_.push_back(entry{std::string(key), T{}}), entries_.back().value;
    }
    /// Set `key` to `value` (in place when the name exists, else at the end).
    T& insert_or_assign(std::string_view key, T value) { return (*this)[key] = std::move(value); }

    /// Number of members.
    std::size_t size() const noexcept { return entries_.size(); }
    /// Whether there are none.
    bool empty() const noexcept { return entries_.empty(); }
    /// Remove every member.
    void clear() noexcept { entries_.clear(); }

    /// The members in order.
    auto begin() const noexcept { return entries_.begin(); }
    /// The members in order.
    auto end() const noexcept { return entries_.end(); }
    /// The members in order.
    auto begin() noexcept { return entries_.begin(); }
    /// The members in order.
    auto end() noexcept { return entries_.end(); }
    /// The last member (the map must not be empty).
    entry& back() noexcept { return entries_.back(); }

    /// Same members in the same order.
    friend bool operator==(ordered_map const& a, ordered_map const& b) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (a.entries_[i].key != b.entries_[i].key || !(a.entries_[i].value == b.entries_[i].value)) return false;
        return true;
    }

private:
    std::vector<entry> entries_;
};

PULSE_NAMESPACE_END

#endif
