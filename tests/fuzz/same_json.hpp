// pulse_fuzz::same_json: JSON values equal in kind and content, except that two doubles may differ
// in their last bit. Boost.JSON 1.81 converts a number with more than 17 significant digits
// differently when the number is split across two writes to its incremental parser (the streaming
// path's rounding is not the one-buffer path's): "[20.5111111111111111111111111111111111111111115]"
// parses to 20.511111111111109 in one write and to 20.511111111111113 when cut after "[2". The
// library feeds network chunks as they come, so the chunked and the one-buffer paths may disagree
// in that last bit for such numbers; both are within an ulp of the written value. Found by
// fuzz_job (its input is in the seed corpus). Anything else must still match exactly.
#pragma once

#include <boost/json/value.hpp>

#include <cmath>

namespace pulse_fuzz {

// `last_bit`: allow the last-bit difference above (chunked against one-buffer parses); without
// it, doubles must be equal. Either way a NaN equals a NaN: Boost.JSON 1.81 parses a zero with a
// huge exponent ("0e400") to NaN (0 times infinity), in both paths, and NaN != NaN would make
// every such input look like a difference between them. Found by fuzz_job in CI
// (`nan-from-zero-with-huge-exponent` in its corpus); what the library does about such numbers
// is the README's "Open finding".
inline bool same_json(boost::json::value const& a, boost::json::value const& b, bool last_bit = true) {
    if (a.kind() != b.kind()) return false;
    switch (a.kind()) {
    case boost::json::kind::double_: {
        double const x = a.get_double(), y = b.get_double();
        if (std::isnan(x) && std::isnan(y)) return true;
        return x == y || (last_bit && std::nextafter(x, y) == y);
    }
    case boost::json::kind::array: {
        auto const& p = a.get_array();
        auto const& q = b.get_array();
        if (p.size() != q.size()) return false;
        for (std::size_t i = 0; i < p.size(); ++i)
            if (!same_json(p[i], q[i], last_bit)) return false;
        return true;
    }
    case boost::json::kind::object: {
        auto const& p = a.get_object();
        auto const& q = b.get_object();
        if (p.size() != q.size()) return false;
        for (auto const& kv : p) {
            auto const* other = q.if_contains(kv.key());
            if (!other || !same_json(kv.value(), *other, last_bit)) return false;
        }
        return true;
    }
    default: return a == b;
    }
}

} // namespace pulse_fuzz
