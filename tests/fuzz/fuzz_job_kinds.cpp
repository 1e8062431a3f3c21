// libFuzzer target: the answers and requests of the job kinds beyond extraction (schema, split,
// tables, batches, pipelines, the webhook link), whose decoders add per-topic objects
// (pulse::ordered_map) and types extending others' member tables. For any bytes: a value or a decode
// error, an exact round trip of what decoded, and the stream decoder agreeing with the DOM path
// however the bytes are cut (decode_properties.hpp). Input: one byte choosing the cuts, then the
// text.
#include "decode_properties.hpp"

#include <pulse/schema.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {
template <class T>
void both(std::string_view text, std::uint8_t seed, pulse::result<boost::json::value> const& dom) {
    if (dom) pulse_fuzz::round_trip<T>(*dom);
    pulse_fuzz::stream_agrees<T>(text, seed);
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    if (size == 0) return 0;
    std::uint8_t const seed = data[0];
    std::string_view text(reinterpret_cast<char const*>(data) + 1, size - 1);
    auto const dom = pulse::parse_json(text, {.max_depth = 64});
    both<pulse::schema_result>(text, seed, dom);
    both<pulse::split_result>(text, seed, dom);
    both<pulse::tables_result>(text, seed, dom);
    both<pulse::batch_result>(text, seed, dom);
    both<pulse::batch_submission>(text, seed, dom);
    both<pulse::pipeline_result>(text, seed, dom);
    both<pulse::webhook_link>(text, seed, dom);
    both<pulse::schema_request>(text, seed, dom);
    both<pulse::batch_schema_request>(text, seed, dom);
    both<pulse::pipeline_request>(text, seed, dom);
    return 0;
}
