// SPDX-License-Identifier: MIT
//
// The stall rule of transport_options, for transports that watch the clock themselves: a transfer
// that moves fewer than stall_min_bytes_per_second x stall_timeout bytes (at least one) within a
// window of stall_timeout is stalled, and fails with errc::timeout. A window ends early, and the
// next one starts, as soon as it has seen enough bytes; so at any moment the transfer is stalled
// once "window start + stall_timeout" has passed. Bytes in both directions count (an upload is
// progress), and so does the arrival of the response head.
//
// No clock is read here: the transport passes the time in (its own steady clock).
#ifndef PULSE_HTTP_STALL_CLOCK_HPP
#define PULSE_HTTP_STALL_CLOCK_HPP

#include <pulse/detail/prelude.hpp>

#include <chrono>
#include <cstdint>

PULSE_NAMESPACE_BEGIN
namespace http {

/// The stall rule's windows for one transfer (see the file comment): fed the bytes moved and the
/// time, it says when the transfer counts as stalled.
class stall_clock {
public:
    /// The clock whose time points the transport passes in.
    using clock = std::chrono::steady_clock;

    /// Not watching (deadline() is time_point::max()).
    stall_clock() = default;

    /// Watching windows of `window` from `now`; a zero window disables the rule.
    stall_clock(std::chrono::milliseconds window, std::uint32_t min_bytes_per_second, clock::time_point now) noexcept
        : window_(window), start_(now) {
        std::uint64_t const ms = window.count() > 0 ? static_cast<std::uint64_t>(window.count()) : 0;
        std::uint64_t const need = static_cast<std::uint64_t>(min_bytes_per_second) * ms / 1000;
        threshold_ = need > 0 ? need : 1;
    }

    /// Whether the rule is on (a window longer than zero).
    bool enabled() const noexcept { return window_.count() > 0; }

    /// When the current window runs out: the transfer is stalled from then on.
    clock::time_point deadline() const noexcept {
        if (!enabled()) return (clock::time_point::max)();
        return start_ + window_;
    }

    /// Count `n` bytes moved at `now`.
    void progress(std::uint64_t n, clock::time_point now) noexcept {
        seen_ += n;
        if (seen_ >= threshold_) {
            start_ = now;
            seen_ = 0;
        }
    }

    /// Bytes a window must see.
    std::uint64_t threshold() const noexcept { return threshold_; }

private:
    std::chrono::milliseconds window_{0};
    clock::time_point start_{};
    std::uint64_t threshold_ = 1;
    std::uint64_t seen_ = 0;
};

} // namespace http
PULSE_NAMESPACE_END

#endif
