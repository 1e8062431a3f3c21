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

inline bool same_json(boost::json::value const& a, boost::json::value const& b) {
    if (a.kind() != b.kind()) return false;
    switch (a.kind()) {
    case boost::json::kind::double_: {
        double const x = a.get_double(), y = b.get_double();
        return x == y || std::nextafter(x, y) == y;
    }
    case boost::json::kind::array: {
        auto const& p = a.get_array();
        auto const& q = b.get_array();
        if (p.size() != q.size()) return false;
        for (std::size_t i = 0; i < p.size(); ++i)
            if (!same_json(p[i], q[i])) return false;
        return true;
    }
    case boost::json::kind::object: {
        auto const& p = a.get_object();
        auto const& q = b.get_object();
        if (p.size() != q.size()) return false;
        for (auto const& kv : p) {
            auto const* other = q.if_contains(kv.key());
            if (!other || !same_json(kv.value(), *other)) return false;
        }
        return true;
    }
    default: return a == b;
    }
}

} // namespace pulse_fuzz
