// SPDX-License-Identifier: MIT
//
// One flow as a driver sees it: a node that owns the machine and relays its transfers' callbacks.
// The driver's queues and timers refer to nodes through the driver's slot_map.
#ifndef PULSE_DRIVER_DETAIL_FLOW_NODE_HPP
#define PULSE_DRIVER_DETAIL_FLOW_NODE_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/flow/action.hpp>
#include <pulse/http/request.hpp>
#include <pulse/http/response.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>

PULSE_NAMESPACE_BEGIN
namespace detail {

class driver_base;

class driver_base;

// One flow as the driver sees it. It is also the response_handler the transport gets for the
// flow's transfers (a relay to the machine's own handler): the relay tells the driver when a
// transfer ends, and guards against callbacks after the flow was destroyed.
class flow_node : public http::response_handler {
public:
    enum class state : unsigned char { ready, waiting, in_flight, finished, detached };

    flow_node() = default;
    flow_node(flow_node const&) = delete;
    flow_node& operator=(flow_node const&) = delete;
    virtual ~flow_node() = default;

    virtual flow::action step_next(flow::time_point now) = 0;
    virtual void cancel_machine() = 0;
    virtual void set_wall(std::chrono::system_clock::time_point w) = 0;
    // The flow just finished: hand its result to the completion callback, if it has one.
    virtual void deliver() = 0;

    http::sink_action on_head(http::response_head const& head) override {
        if (!inner_ || doomed_) return http::sink_action::abort;
        ++depth_;
        auto const r = inner_->on_head(head);
        --depth_;
        return doomed_ ? http::sink_action::abort : r;
    }
    http::sink_action on_body(std::string_view chunk) override {
        if (!inner_ || doomed_) return http::sink_action::abort;
        ++depth_;
        auto const r = inner_->on_body(chunk);
        --depth_;
        return doomed_ ? http::sink_action::abort : r;
    }
    inline void on_complete(result<void> outcome) override;

    // -- driver bookkeeping (the driver's own; not for users)
    driver_base* driver_ = nullptr;
    std::uint32_t slot_ = 0;
    std::uint64_t timer_seq_ = 0;
    state state_ = state::ready;
    bool queued_ = false;          // in the ready queue
    bool transfer_open_ = false;   // the transport holds this relay
    bool cancel_requested_ = false;
    bool doomed_ = false;          // the handle was destroyed; memory kept until it is safe
    bool delivered_ = false;       // the result went to the completion callback
    int depth_ = 0;                // callbacks of this node on the stack
    http::response_handler* inner_ = nullptr; // the machine's handler for the transfer in flight
    // A send the start budget held back: started first thing next tick.
    http::request const* pending_request_ = nullptr;
    http::response_handler* pending_handler_ = nullptr;
    // The held send was there when the cancel came: it ends unsent. (A send the machine asks for
    // after the cancel -- the remote-cancel DELETE -- is the cancel's own and goes out.)
    bool drop_pending_ = false;
};

template <class M>
class machine_node final : public flow_node {
public:
    using on_done_type = std::function<void(result<typename M::value_type>)>;
    machine_node(M m, on_done_type done) : machine(std::move(m)), on_done(std::move(done)) {}
    flow::action step_next(flow::time_point now) override { return machine.next(now); }
    void cancel_machine() override { machine.cancel(); }
    void set_wall(std::chrono::system_clock::time_point w) override { machine.set_wall_clock(w); }
    void deliver() override {
        if (!on_done) return;
        delivered_ = true;
        // Moved out first: the callback may destroy the flow's handle, and with it this node
        // (kept alive until the tick ends, see driver_base::release).
        auto done = std::move(on_done);
        done(machine.take_result());
    }
    M machine;
    on_done_type on_done;
};

} // namespace detail
PULSE_NAMESPACE_END

#endif
