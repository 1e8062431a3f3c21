// SPDX-License-Identifier: MIT
//
// A seed from std::random_device, for the jitter and multipart boundaries of machines whose
// caller gave none (pulse::config::seed explains when). Kept apart so that only the headers that
// make machines include <random>.
#ifndef PULSE_DETAIL_RANDOM_SEED_HPP
#define PULSE_DETAIL_RANDOM_SEED_HPP

#include <pulse/detail/prelude.hpp>

#include <cstdint>
#include <optional>
#include <random>

PULSE_NAMESPACE_BEGIN
namespace detail {

/// 64 bits from std::random_device.
inline std::uint64_t random_seed() {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ static_cast<std::uint64_t>(rd());
}

/// `given`, else `fallback`, else random_seed().
inline std::uint64_t seed_or_random(std::optional<std::uint64_t> given, std::optional<std::uint64_t> fallback) {
    if (given) return *given;
    if (fallback) return *fallback;
    return random_seed();
}

} // namespace detail
PULSE_NAMESPACE_END

#endif
