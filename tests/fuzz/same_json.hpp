// pulse_fuzz::same_json: JSON values equal in kind and content.
//
// Exact by default: the library's parsers (pulse::parse_json, the chunked DOM of the job machine,
// the typed stream decoder) all take a double from its text, correctly rounded
// (include/pulse/schema/detail/exact_double.hpp), so they must agree to the bit however the bytes
// were cut. Boost.JSON 1.81's own conversion does not: it can read a number one or two ulps apart
// in one piece and in chunks (such inputs are in fuzz_job's corpus).
//
// `boost_doubles` compares a value of ours against boost::json::parse of the same text, to check
// that our DOM has Boost's shape (keys, duplicates, kinds) while Boost's doubles are allowed
// their known errors: a few ulps off, far more for subnormals, infinity against the largest
// double at the top of the range, and NaN for a zero with a huge exponent ("0e400", 0 times
// infinity).
#pragma once

#include <boost/json/value.hpp>

#include <cmath>

namespace pulse_fuzz {

enum class doubles { exact, boost_doubles };

inline bool same_double(double ours, double other, doubles mode) {
    if (ours == other) return true;
    if (mode == doubles::exact) return false;
    if (std::isnan(other)) return ours == 0; // Boost: 0e400
    if (std::isinf(ours) || std::isinf(other)) // at the top of the range one may overflow, the other not
        return std::signbit(ours) == std::signbit(other) && std::fmin(std::fabs(ours), std::fabs(other)) >= 1.7e308;
    double const scale = std::fmax(std::fabs(ours), std::fabs(other));
    return std::fabs(ours - other) <= scale * 1e-13 || scale < 1e-290;
}

inline bool same_json(boost::json::value const& a, boost::json::value const& b, doubles mode = doubles::exact) {
    if (a.kind() != b.kind()) return false;
    switch (a.kind()) {
    case boost::json::kind::double_: return same_double(a.get_double(), b.get_double(), mode);
    case boost::json::kind::array: {
        auto const& p = a.get_array();
        auto const& q = b.get_array();
        if (p.size() != q.size()) return false;
        for (std::size_t i = 0; i < p.size(); ++i)
            if (!same_json(p[i], q[i], mode)) return false;
        return true;
    }
    case boost::json::kind::object: {
        auto const& p = a.get_object();
        auto const& q = b.get_object();
        if (p.size() != q.size()) return false;
        for (auto const& kv : p) { // same members, in any order (encode writes named ones first)
            auto const* other = q.if_contains(kv.key());
            if (!other || !same_json(kv.value(), *other, mode)) return false;
        }
        return true;
    }
    default: return a == b;
    }
}

/// Whether a value holds an infinite double (JSON text cannot: Boost 1.81 writes one as
/// "Infinity", which no JSON parser reads back).
inline bool has_infinity(boost::json::value const& v) {
    switch (v.kind()) {
    case boost::json::kind::double_: return std::isinf(v.get_double());
    case boost::json::kind::array:
        for (auto const& e : v.get_array())
            if (has_infinity(e)) return true;
        return false;
    case boost::json::kind::object:
        for (auto const& kv : v.get_object())
            if (has_infinity(kv.value())) return true;
        return false;
    default: return false;
    }
}

} // namespace pulse_fuzz
