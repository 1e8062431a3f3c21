// SPDX-License-Identifier: MIT
//
// The scheduling core of pulse::async_driver, independent of the transport and clock types: the
// flows in a slot_map, the ready and held queues, the timers, and how one flow is stepped until it
// parks (async_driver.hpp's file comment describes a tick).
#ifndef PULSE_DRIVER_DETAIL_DRIVER_BASE_HPP
#define PULSE_DRIVER_DETAIL_DRIVER_BASE_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/driver/detail/flow_node.hpp>
#include <pulse/driver/detail/slot_map.hpp>
#include <pulse/driver/detail/timer_heap.hpp>
#include <pulse/driver/driver_options.hpp>
#include <pulse/error.hpp>
#include <pulse/flow/action.hpp>
#include <pulse/http/request.hpp>
#include <pulse/http/response.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <utility>
#include <vector>

PULSE_NAMESPACE_BEGIN
namespace detail {

// The scheduling core, independent of the transport and clock types (handles reach it through
// this base). Virtuals: the three transport operations.
class driver_base {
public:
    driver_base() = default;
    driver_base(driver_base const&) = delete;
    driver_base& operator=(driver_base const&) = delete;

    /// The handle asks for a cancel: the machine is told, and stepped at the next tick.
    void request_cancel(flow_node& n) {
        if (!n.cancel_requested_ && n.pending_request_) n.drop_pending_ = true;
        n.cancel_requested_ = true;
        n.cancel_machine();
        if (n.pending_request_ && n.queued_) {
            // Its send waits in the held queue, perhaps behind many others: step it through the
            // ready queue instead (it ends without touching the network); the held entry is then
            // skipped as stale.
            ready_.push_back(slots_.ref(n.slot_));
            return;
        }
        wake(n);
    }

    /// The handle is going away: take the node out of every structure; free it now or, when that
    /// is not safe yet, at the end of the current or next tick.
    void release(std::unique_ptr<flow_node> n) noexcept {
        detach(*n);
        if (busy_ > 0 || n->depth_ > 0) {
            n->doomed_ = true;
            graveyard_.push_back(std::move(n));
        }
    }

    /// A transfer of `n` ended (called by the relay after the machine got on_complete).
    void transfer_done(flow_node& n) {
        if (n.state_ == flow_node::state::in_flight) make_ready(n);
    }

    /// Flows added and not yet finished or destroyed.
    std::size_t size() const noexcept { return slots_.size(); }

protected:
    ~driver_base() = default;

    virtual result<void> transport_start(http::request const& req, flow_node& n) = 0;
    virtual void transport_cancel(flow_node& n) = 0;
    virtual void transport_abandon(flow_node& n) noexcept = 0;

    void attach(flow_node& n) {
        n.slot_ = slots_.insert(&n);
        n.driver_ = this;
        n.state_ = flow_node::state::ready;
        make_ready(n);
    }

    flow_node* lookup(slot_ref r) const noexcept { return slots_.get(r); }

    void make_ready(flow_node& n) {
        if (n.queued_ || n.state_ == flow_node::state::finished || n.state_ == flow_node::state::detached) return;
        if (n.state_ == flow_node::state::waiting) ++n.timer_seq_; // its heap entry is now stale
        if (n.state_ != flow_node::state::in_flight || !n.transfer_open_) n.state_ = flow_node::state::ready;
        n.queued_ = true;
        ready_.push_back(slots_.ref(n.slot_));
    }

    void wake(flow_node& n) { make_ready(n); }

    void schedule(flow_node& n, flow::time_point at) {
        n.state_ = flow_node::state::waiting;
        ++n.timer_seq_;
        timers_.push(timer{at, slots_.ref(n.slot_), n.timer_seq_});
    }

    // Out of the driver for good: the slot is recycled (stale queue and heap entries are skipped
    // by the generation check), a running transfer is abandoned.
    void detach(flow_node& n) noexcept {
        if (n.driver_ != this) return;
        if (n.transfer_open_) {
            n.transfer_open_ = false;
            n.inner_ = nullptr;
            transport_abandon(n);
        }
        n.pending_request_ = nullptr;
        n.pending_handler_ = nullptr;
        n.drop_pending_ = false;
        if (n.state_ != flow_node::state::finished) {
            free_slot(n);
            n.state_ = flow_node::state::detached;
        }
        n.driver_ = nullptr;
        n.queued_ = false;
    }

    void free_slot(flow_node& n) noexcept { slots_.erase(n.slot_, &n); }

    // Detach everything (the driver is going away).
    void detach_all() noexcept {
        slots_.for_each([this](flow_node* n) { detach(*n); });
        ready_.clear();
        timers_.clear();
        graveyard_.clear();
    }

    // Step one ready machine until it parks. Returns false when the start budget held a send back.
    // max_starts: the limit for this tick (SIZE_MAX: none; 0: no start at all).
    static bool start_allowed(tick_report const& rep, std::size_t max_starts) noexcept { return rep.started < max_starts; }

    void step(flow_node& n, flow::time_point now, std::chrono::system_clock::time_point wall, tick_report& rep,
              std::size_t max_starts) {
        using flow::action_kind;
        if (n.pending_request_) {
            // A send held back by an earlier tick's start budget.
            if (n.drop_pending_) {
                // Cancelled while it waited: end it as a cancelled transfer without touching the
                // network (the machine then does what it does for a cancel).
                n.drop_pending_ = false;
                auto* h = std::exchange(n.pending_handler_, nullptr);
                n.pending_request_ = nullptr;
                h->on_complete(error(errc::canceled, "canceled before the request was sent"));
            } else {
                if (!start_allowed(rep, max_starts)) return hold(n);
                auto const* req = std::exchange(n.pending_request_, nullptr);
                auto* h = std::exchange(n.pending_handler_, nullptr);
                if (!start(n, *req, *h, rep)) return;
            }
        }
        for (;;) {
            n.set_wall(wall);
            flow::action const a = n.step_next(now);
            switch (a.kind) {
            case action_kind::send:
                if (!start_allowed(rep, max_starts)) {
                    n.pending_request_ = a.request;
                    n.pending_handler_ = a.handler;
                    return hold(n);
                }
                if (!start(n, *a.request, *a.handler, rep)) continue; // failed to start: the machine decides
                return;
            case action_kind::wait: schedule(n, a.wake_at); return;
            case action_kind::in_flight: n.state_ = flow_node::state::in_flight; return;
            case action_kind::abort_transfer:
                n.state_ = flow_node::state::in_flight;
                if (n.transfer_open_) transport_cancel(n); // on_complete now or later wakes it again
                return;
            case action_kind::done:
            case action_kind::failed:
                // Out of the driver for good: nothing here touches it again (its queue and heap
                // entries are stale by the slot's generation), and the handle must not reach back
                // into a driver that may be gone by the time the handle is destroyed.
                if (n.transfer_open_) { // a machine never finishes mid-transfer; be safe anyway
                    n.transfer_open_ = false;
                    n.inner_ = nullptr;
                    transport_abandon(n);
                }
                free_slot(n);
                n.state_ = flow_node::state::finished;
                n.driver_ = nullptr;
                ++rep.finished;
                n.deliver();
                return;
            }
        }
    }

    // Start a transfer for `n`. false: it could not start; the machine got on_complete(error).
    bool start(flow_node& n, http::request const& req, http::response_handler& h, tick_report& rep) {
        n.inner_ = &h;
        n.transfer_open_ = true;
        n.state_ = flow_node::state::in_flight;
        ++rep.started;
        auto r = transport_start(req, n);
        if (r) return true;
        n.transfer_open_ = false;
        n.inner_ = nullptr;
        h.on_complete(std::move(r).error());
        return false;
    }

    // Held back by the start budget: in line, in order, for the next tick's starts. Held nodes are
    // not stepped again until a start is allowed for them (no work per tick while they wait).
    void hold(flow_node& n) {
        n.state_ = flow_node::state::ready;
        n.queued_ = true;
        held_.push_back(slots_.ref(n.slot_));
    }

    slot_map<flow_node> slots_;
    std::deque<slot_ref> ready_;
    std::deque<slot_ref> held_;
    // Entries may be stale. Mutable: next_wake() prunes stale tops, which changes no observable
    // state.
    mutable timer_heap timers_;
    std::vector<std::unique_ptr<flow_node>> graveyard_;
    int busy_ = 0;
};

inline void flow_node::on_complete(result<void> outcome) {
    transfer_open_ = false;
    auto* in = std::exchange(inner_, nullptr);
    if (!in || doomed_) return;
    ++depth_;
    in->on_complete(std::move(outcome));
    --depth_;
    if (driver_ && !doomed_) driver_->transfer_done(*this);
}

} // namespace detail
PULSE_NAMESPACE_END

#endif
