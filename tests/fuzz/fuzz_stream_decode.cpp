// libFuzzer target: the incremental decoder against the DOM path. For any bytes, cut into writes at
// input-chosen points, pulse::stream_decoder<T> must agree with pulse::decode_json<T>: equal values
// (compared by pulse::encode, doubles to the last bit: same_json.hpp), or the same error (code,
// path, message; for a JSON syntax error the code only, see normalized()). The documented
// differences are allowed: the stream
// reports the first problem in document order (a type error before a later syntax error), and in an
// object with a repeated key an earlier occurrence is decoded too.
#include "decode_properties.hpp"

#include <pulse/schema.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    using pulse_fuzz::stream_agrees;
    if (size == 0) return 0;
    std::uint8_t const seed = data[0];
    std::string_view text(reinterpret_cast<char const*>(data) + 1, size - 1);
    stream_agrees<pulse::extract_result>(text, seed);
    stream_agrees<pulse::job_status_response>(text, seed);
    stream_agrees<pulse::large_result_pointer>(text, seed);
    stream_agrees<pulse::form_result>(text, seed);
    stream_agrees<pulse::extract_options>(text, seed);
    stream_agrees<pulse::error_envelope>(text, seed);
    return 0;
}
