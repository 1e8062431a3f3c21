// SPDX-License-Identifier: MIT
//
// The driver's timers: the wake times of waiting flows, earliest first. A timer is never removed
// before it is due -- a flow that is woken early, finishes or goes away leaves its entry behind, and
// the entry is dropped when it surfaces (its slot_ref or its sequence number no longer match). So
// waiting costs nothing per tick, and rescheduling is one push.
#ifndef PULSE_DRIVER_DETAIL_TIMER_HEAP_HPP
#define PULSE_DRIVER_DETAIL_TIMER_HEAP_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/driver/detail/slot_map.hpp>
#include <pulse/flow/action.hpp>

#include <algorithm>
#include <cstdint>
#include <vector>

PULSE_NAMESPACE_BEGIN
namespace detail {

/// One wake time: when, for whom, and which of its schedulings it belongs to.
struct timer {
    flow::time_point at;
    slot_ref who;
    std::uint64_t seq = 0;
};

/// A min-heap of timers (see the file comment).
class timer_heap {
public:
    void push(timer t) {
        heap_.push_back(t);
        std::push_heap(heap_.begin(), heap_.end(), later);
    }
    bool empty() const noexcept { return heap_.empty(); }
    /// The earliest timer. Precondition: !empty().
    timer const& top() const noexcept { return heap_.front(); }
    /// Drop the earliest timer. Precondition: !empty().
    void pop() {
        std::pop_heap(heap_.begin(), heap_.end(), later);
        heap_.pop_back();
    }
    void clear() noexcept { heap_.clear(); }

private:
    // std::push_heap builds a max-heap: order by "later" for the earliest on top.
    static bool later(timer const& a, timer const& b) noexcept { return a.at > b.at; }
    std::vector<timer> heap_;
};

} // namespace detail
PULSE_NAMESPACE_END

#endif
