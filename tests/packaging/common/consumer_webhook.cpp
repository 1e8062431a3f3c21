// SPDX-License-Identifier: MIT
//
// The pulse::webhook consumer: linked against the webhook target ONLY, it must get the core headers,
// the webhook headers and libcrypto, and verify the Standard Webhooks test vector.
#include <pulse/version.hpp>
#include <pulse/webhook.hpp>

#include <chrono>
#include <cstdio>

int main() {
    auto s = pulse::webhook::secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    if (!s) return 1;
    pulse::webhook::verify_options o;
    o.now = std::chrono::system_clock::time_point(std::chrono::seconds(1614265330));
    auto ok = pulse::webhook::verify(*s,
                                     {"msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330",
                                      "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="},
                                     R"({"test": 2432232314})", o);
    std::printf("pulse-webhook-consumer %s verified=%d\n", PULSE_VERSION_STRING, ok ? 1 : 0);
    return ok ? 0 : 1;
}
