// Helpers shared by the schema tests: reading fixture files and the shared/ folder.
#pragma once

#include <pulse/schema/codec.hpp>

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace pulse_test {

inline std::string read_file(std::string const& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot open " << path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline std::string shared_path(std::string const& rel) { return std::string(PULSE_TEST_SHARED_DIR) + "/" + rel; }

inline boost::json::value parse_or_fail(std::string const& text) {
    auto v = pulse::parse_json(text);
    REQUIRE_MESSAGE(v.has_value(), (v.has_value() ? std::string() : v.error().to_string()));
    return *v;
}

/// Decode as T and encode again; the result must equal the input (Boost.JSON equality: same
/// members regardless of order, same number kinds).
template <class T>
void check_round_trip(boost::json::value const& v) {
    auto r = pulse::decode<T>(v);
    REQUIRE_MESSAGE(r.has_value(), (r.has_value() ? std::string() : r.error().to_string()));
    auto back = pulse::encode(*r);
    CHECK_MESSAGE(back == v, "round trip differs:\n in:  " << boost::json::serialize(v)
                                                           << "\n out: " << boost::json::serialize(back));
}

} // namespace pulse_test
