// libFuzzer target: arbitrary bytes as JSON, decoded as every schema type. Whatever the input, the
// decoder returns a value or a decode error (never crashes, never throws), and a value it returns
// encodes to JSON that decodes again to the same value.
#include <pulse/schema.hpp>

#include "same_json.hpp"

#include <boost/json/serialize.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {
template <class T>
void exercise(boost::json::value const& v) {
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
} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::string_view text(reinterpret_cast<char const*>(data), size);
    auto v = pulse::parse_json(text, {.max_depth = 64});
    if (!v) return 0;
    exercise<pulse::extract_result>(*v);
    exercise<pulse::job_status_response>(*v);
    exercise<pulse::large_result_pointer>(*v);
    exercise<pulse::async_submission>(*v);
    exercise<pulse::form_result>(*v);
    exercise<pulse::extract_options>(*v);
    exercise<pulse::error_envelope>(*v);
    return 0;
}
