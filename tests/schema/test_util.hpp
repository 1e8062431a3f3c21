// Helpers shared by the schema tests: reading the fixture files in tests/data/.
#pragma once

#include <pulse/schema/codec.hpp>

#include "sample_result.hpp" // tools/sample_result: the synthetic result pulse-server serves

#include <doctest/doctest.h>

#include <fstream>
#include <cstdint>
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

// Both paths are built by append: g++ 12 at -O1 reports a false -Warray-bounds inside libstdc++
// for a chain of operator+ on a temporary string (a known false positive of that release).

/// A file under tests/data/, e.g. data_path("api/poll-pending.json").
inline std::string data_path(std::string const& rel) {
    std::string path = PULSE_TEST_DATA_DIR;
    path.append("/").append(rel);
    return path;
}

/// The text of an API answer fixture (tests/data/api/).
inline std::string api_fixture(std::string const& name) {
    std::string rel = "api/";
    rel.append(name);
    return read_file(data_path(rel));
}

/// A synthetic ExtractResultCore of about `mb` MB (tools/sample_result/sample_result.hpp); what it
/// holds goes to `*st` when given, so a test can compare a decode with what was written.
inline std::string sample_document(double mb, std::uint64_t seed, pulse_sample::stats* st = nullptr,
                                   bool full_precision = false) {
    return pulse_sample::writer({mb, seed, full_precision}).to_string(st);
}

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
