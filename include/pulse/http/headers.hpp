// SPDX-License-Identifier: MIT
//
// HTTP header fields with case-insensitive lookup. A flat vector, not a map: requests carry a
// handful of fields, order is preserved as given (some servers care), and duplicates are allowed.
#ifndef PULSE_HTTP_HEADERS_HPP
#define PULSE_HTTP_HEADERS_HPP

#include <pulse/detail/prelude.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

PULSE_NAMESPACE_BEGIN
namespace http {

/// ASCII case-insensitive equality (header names are ASCII tokens; no locale involved).
constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

/// One header field as received or to be sent.
struct header_field {
    std::string name;  ///< the field name, in the case it was given or received
    std::string value; ///< the field's value, as given or received
};

/// An ordered list of header fields; lookups ignore the case of names.
/// Not thread-safe for concurrent mutation (a plain value type).
class headers {
public:
    /// The storage: fields in order.
    using container = std::vector<header_field>;
    /// Iterates over the fields in order.
    using const_iterator = container::const_iterator;

    /// No fields.
    headers() = default;
    /// These fields, in this order (duplicates kept).
    headers(std::initializer_list<header_field> init) : fields_(init) {}

    /// Append a field, keeping any existing one of the same name.
    void add(std::string name, std::string value) { fields_.push_back({std::move(name), std::move(value)}); }

    /// Replace every field named `name` by one with `value` (appended if absent).
    void set(std::string_view name, std::string value) {
        erase(name);
        fields_.push_back({std::string(name), std::move(value)});
    }

    /// Remove every field named `name`; returns how many were removed.
    std::size_t erase(std::string_view name) {
        std::size_t n = 0;
        for (auto it = fields_.begin(); it != fields_.end();) {
            if (iequals(it->name, name)) {
                it = fields_.erase(it);
                ++n;
            } else {
                ++it;
            }
        }
        return n;
    }

    /// The first field named `name`, or nullopt.
    std::optional<std::string_view> find(std::string_view name) const noexcept {
        for (auto const& f : fields_)
            if (iequals(f.name, name)) return std::string_view(f.value);
        return std::nullopt;
    }

    /// Whether a field named `name` is present.
    bool contains(std::string_view name) const noexcept { return find(name).has_value(); }

    /// Number of fields, duplicates counted.
    std::size_t size() const noexcept { return fields_.size(); }
    /// True when there are no fields.
    bool empty() const noexcept { return fields_.empty(); }
    /// Remove every field.
    void clear() noexcept { fields_.clear(); }
    /// The first field, in order of addition.
    const_iterator begin() const noexcept { return fields_.begin(); }
    /// Past the last field.
    const_iterator end() const noexcept { return fields_.end(); }

private:
    container fields_;
};

} // namespace http
PULSE_NAMESPACE_END

#endif
