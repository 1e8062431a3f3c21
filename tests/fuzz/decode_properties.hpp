// The two decoding properties every schema type must have under arbitrary input, shared by the
// decode targets (fuzz_schema_decode, fuzz_stream_decode, fuzz_job_kinds):
//   round_trip<T>(value)       decode to a value or a decode error; a value encodes to JSON equal to
//                              the input, decodes again to the same value, and survives text;
//   stream_agrees<T>(text, n)  the incremental decoder, fed cuts chosen by n, agrees with the DOM
//                              path: equal values (doubles to the last bit) or the same error, with
//                              the documented differences (see the comments in the function).
#pragma once

#include <pulse/schema.hpp>

#include "same_json.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/serialize.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace pulse_fuzz {

namespace json = boost::json;

template <class T>
void round_trip(boost::json::value const& v) {
    auto r = pulse::decode<T>(v);
    if (!r) {
        if (r.error().layer() != pulse::error_layer::decode) std::abort();
        (void)r.error().to_string();
        return;
    }
    boost::json::value once = pulse::encode(*r);
    auto again = pulse::decode<T>(once);
    if (!again) std::abort();
    // Exact comparisons, doubles to the last bit.
    if (!pulse_fuzz::same_json(pulse::encode(*again), once)) std::abort();
    // Round trip of the original input when it decoded: written back as read, unknown members,
    // nulls and both spellings of a renamed member included (an input with both spellings is in
    // the seed corpus).
    if (!pulse_fuzz::same_json(once, v)) std::abort();
    // And through text: what the library writes reads back as the same value, every double to the
    // last bit (Boost 1.81's own reading does not ensure that). Infinity (from a number beyond
    // double's range, such as 1e400) has no JSON text.
    if (!pulse_fuzz::has_infinity(once)) {
        auto const back = pulse::parse_json(boost::json::serialize(once), {.max_depth = 64});
        if (!back || !pulse_fuzz::same_json(*back, once)) std::abort();
    }
}

// Does any object in the text repeat a key? (The DOM keeps only the last; the stream sees all.)
struct dup_finder {
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
    std::vector<std::set<std::string>> keys;
    std::string part;
    bool dup = false;
    bool on_document_begin(json::error_code&) { return true; }
    bool on_document_end(json::error_code&) { return true; }
    bool on_object_begin(json::error_code&) { return keys.emplace_back(), true; }
    bool on_object_end(std::size_t, json::error_code&) { return keys.pop_back(), true; }
    bool on_array_begin(json::error_code&) { return true; }
    bool on_array_end(std::size_t, json::error_code&) { return true; }
    bool on_key_part(json::string_view s, std::size_t, json::error_code&) { return part.append(s.data(), s.size()), true; }
    bool on_key(json::string_view s, std::size_t, json::error_code&) {
        part.append(s.data(), s.size());
        if (!keys.back().insert(part).second) dup = true;
        part.clear();
        return true;
    }
    bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
    bool on_string(json::string_view, std::size_t, json::error_code&) { return true; }
    bool on_number_part(json::string_view, json::error_code&) { return true; }
    bool on_int64(std::int64_t, json::string_view, json::error_code&) { return true; }
    bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { return true; }
    bool on_double(double, json::string_view, json::error_code&) { return true; }
    bool on_bool(bool, json::error_code&) { return true; }
    bool on_null(json::error_code&) { return true; }
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }
};

inline bool has_duplicate_keys(std::string_view text) {
    json::parse_options opt;
    opt.max_depth = 64;
    json::basic_parser<dup_finder> p(opt);
    json::error_code ec;
    p.write_some(false, text.data(), text.size(), ec);
    return p.handler().dup;
}

inline std::string normalized(pulse::error const& e) {
    std::string m = e.message;
    // A syntax error is compared by its code only: Boost's parser may word the same fault
    // differently when the bytes are cut elsewhere (a split "\ude00" escape is an "illegal leading
    // surrogate" in one piece, an "illegal trailing surrogate" in two) and blame another byte.
    if (e.code == pulse::errc::json_syntax) m = "invalid JSON";
    std::string out(pulse::to_string(e.code));
    out.append("|").append(e.path).append("|").append(m);
    return out;
}

inline bool parse_level(pulse::errc c) { return c == pulse::errc::json_syntax || c == pulse::errc::too_deep; }

template <class T>
void stream_agrees(std::string_view text, std::uint8_t cut_seed) {
    pulse::parse_limits dom_lim;
    dom_lim.max_depth = 64;
    auto dom = pulse::decode_json<T>(text, dom_lim);

    pulse::stream_limits lim;
    lim.max_depth = 64;
    pulse::stream_decoder<T> dec(lim);
    pulse::result<T> st = pulse::error(pulse::errc::ok, "");
    std::size_t at = 0, step = 0;
    bool failed = false;
    while (at < text.size()) {
        // Cut sizes from the seed: 1..16 bytes, varying along the input.
        std::size_t n = 1 + ((cut_seed + step * 7) % 16);
        n = n < text.size() - at ? n : text.size() - at;
        if (auto w = dec.write(text.substr(at, n)); !w) {
            st = w.error();
            failed = true;
            break;
        }
        at += n;
        ++step;
    }
    if (!failed) st = dec.finish();

    if (dom && st) {
        if (!same_json(pulse::encode(*dom), pulse::encode(*st))) std::abort(); // exact: same_json.hpp
        return;
    }
    if (!dom && !st) {
        if (normalized(dom.error()) == normalized(st.error())) return;
        // The stream stops at the first problem in document order: a schema error before a later
        // syntax error in the same body.
        if (parse_level(dom.error().code) && !parse_level(st.error().code) &&
            st.error().layer() == pulse::error_layer::decode)
            return;
        if (has_duplicate_keys(text)) return;
        std::abort();
    }
    // One succeeded, the other not: only a repeated key may explain it (an earlier occurrence of
    // the wrong type fails the stream).
    if (dom && !st && has_duplicate_keys(text)) return;
    std::abort();
}

} // namespace pulse_fuzz
