// libFuzzer target: arbitrary bytes as JSON, decoded as every schema type. Whatever the input, the
// decoder returns a value or a decode error (never crashes, never throws), and a value it returns
// encodes to JSON that decodes again to the same value.
#include "decode_properties.hpp"

#include <pulse/schema.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    using pulse_fuzz::round_trip;
    std::string_view text(reinterpret_cast<char const*>(data), size);
    auto v = pulse::parse_json(text, {.max_depth = 64});
    if (!v) return 0;
    round_trip<pulse::extract_result>(*v);
    round_trip<pulse::job_status_response>(*v);
    round_trip<pulse::large_result_pointer>(*v);
    round_trip<pulse::async_submission>(*v);
    round_trip<pulse::form_result>(*v);
    round_trip<pulse::extract_options>(*v);
    round_trip<pulse::error_envelope>(*v);
    return 0;
}
