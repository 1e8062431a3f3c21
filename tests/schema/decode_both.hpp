// The two decoding paths side by side: the DOM path (pulse::decode_json<T>) and the stream decoder
// (pulse::stream_decoder<T>) must agree on every input, however its bytes are cut.
#pragma once

#include <pulse/schema/codec.hpp>
#include <pulse/schema/stream_decoder.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace pulse_test {

/// How to cut a body into writes: fixed sizes, or random sizes from a seed.
struct chunking {
    std::size_t size = 0;   ///< 0: the whole body in one write
    std::uint32_t seed = 0; ///< non-zero: random sizes in [1, size]
};

template <class T>
pulse::result<T> stream_decode(std::string_view text, chunking c = {}, pulse::stream_limits lim = {}) {
    pulse::stream_decoder<T> dec(lim);
    std::mt19937 rng(c.seed);
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t n = c.size == 0 ? text.size() : c.size;
        if (c.seed != 0) n = std::uniform_int_distribution<std::size_t>(1, c.size)(rng);
        n = std::min(n, text.size() - at);
        if (auto r = dec.write(text.substr(at, n)); !r) return r.error();
        at += n;
    }
    CHECK(dec.bytes_consumed() == text.size());
    return dec.finish();
}

/// Code, path and message. A parser error names the byte where parsing stopped; inside a bad token
/// that byte depends on how the input was cut (a split literal is blamed where it started or where
/// it broke), so that number is left out of the comparison.
inline std::string describe(pulse::error const& e) {
    std::string msg = e.message;
    if (msg.starts_with("invalid JSON at byte ")) msg = "invalid JSON at byte N" + msg.substr(msg.find(':'));
    return std::string(pulse::to_string(e.code)) + " | " + e.path + " | " + msg;
}

/// The stream decoder and the DOM path agree on `text`: equal values or the same error.
template <class T>
void check_same(std::string_view text, chunking c = {}) {
    auto dom = pulse::decode_json<T>(text);
    auto st = stream_decode<T>(text, c);
    REQUIRE_MESSAGE(dom.has_value() == st.has_value(),
                    "DOM: " << (dom ? std::string("ok") : describe(dom.error()))
                            << "\nstream: " << (st ? std::string("ok") : describe(st.error())));
    if (dom) {
        CHECK_MESSAGE(pulse::encode(*dom) == pulse::encode(*st),
                      "DOM:    " << boost::json::serialize(pulse::encode(*dom)) << "\nstream: " << boost::json::serialize(pulse::encode(*st)));
    } else {
        CHECK(describe(st.error()) == describe(dom.error()));
        if (st.error().code != pulse::errc::json_syntax) CHECK(st.error().to_string() == dom.error().to_string());
    }
}

} // namespace pulse_test
