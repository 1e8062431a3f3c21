// SPDX-License-Identifier: MIT
//
// The program every packaging proof builds (tools/check-packaging.sh checks its one output line).
// It uses the library the way a consumer would: through the umbrella header, schema + http layers,
// and the versioned inline namespace (spelled pulse:: by users).
#include <pulse/pulse.hpp>

#include <cstdio>
#include <string>

#define CONSUMER_STR2(x) #x
#define CONSUMER_STR(x) CONSUMER_STR2(x)

int main() {
    auto r = pulse::decode_json<pulse::extract_result>(
        R"({"markdown": "# hi", "page_count": 2, "unknown_member": [1, 2]})");
    if (!r) {
        std::printf("decode failed: %s\n", r.error().to_string().c_str());
        return 1;
    }
    auto url = pulse::http::join_url("https://api.runpulse.com", {"job", "id/1"});
    if (!url) return 1;
    // The inline namespace is part of every symbol: pulse::extract_result is pulse::v0_1::extract_result.
    pulse::PULSE_ABI_NAMESPACE::extract_result const& same = *r;
    std::printf("pulse-consumer %s ns=%s pages=%lld extra=%zu url=%s\n", PULSE_VERSION_STRING,
                CONSUMER_STR(PULSE_ABI_NAMESPACE), static_cast<long long>(*same.page_count), same.extra.size(),
                url->c_str());
    return 0;
}
