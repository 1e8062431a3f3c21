// libFuzzer target: any bytes as an error body. read_api_error never fails or crashes, and caps
// what it keeps of a non-JSON body.
#include <pulse/schema/api_error.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::string_view body(reinterpret_cast<char const*>(data), size);
    pulse::api_error e = pulse::read_api_error(body);
    if (e.message && e.message->size() > size + 64 && e.message->size() > 512 * 8) std::abort();
    return 0;
}
