// SPDX-License-Identifier: MIT
//
// pulse::async_driver: runs any number of flow machines over one asynchronous transport, from the
// caller's loop, on the caller's thread. It is the non-blocking sibling of pulse::run (run.hpp):
// where run() sleeps until a machine's wake time and performs each request to completion, the
// driver keeps every machine parked -- in a timer heap while it waits, with its transport while
// a transfer runs -- and only touches the machines that have something to do.
//
//     my_engine_transport t;                            // start/cancel/abandon, driven by the engine
//     pulse::async_driver<my_engine_transport> d(t);
//     auto job = d.add(*pulse::flow::make_extract_flow(cfg, pulse::file("a.pdf")),
//                      [](pulse::result<pulse::extract_result> r) { use(r); });
//     // every frame:
//     engine_http.update();                             // the transport delivers its callbacks
//     d.tick();                                         // due timers, completed transfers, new sends
//
// For libcurl there is pulse::curl::multi_driver (<pulse/curl/multi_driver.hpp>), which bundles
// this driver with a curl multi handle.
//
// What a tick does, and what it costs:
// - Machines whose timer is due (poll backoff, retry waits) move from the heap to the ready queue:
//   O(log n) per due timer. Machines that wait cost nothing per tick.
// - A transfer that completes (the transport calls on_complete) puts its machine in the ready queue
//   right away; it is stepped at the next tick.
// - Ready machines are stepped in FIFO order: next(now) is called until the machine parks again
//   (send -> transport.start; wait -> heap; in_flight -> nothing; done/failed -> finished).
// - Budgets (driver_options) bound one tick: at most max_starts_per_tick new transfers (a burst of
//   1,000 new jobs is spread over frames instead of opening 1,000 connections at once), at most
//   max_steps_per_tick steps, at most step_budget of time. Work left over stays queued, in order,
//   for the next tick; tick_report::more says so.
//
// Completion delivery: add() returns a flow_handle, a move-only owner of the machine. Either poll
// finished() (a flag) and take() the result, or give add() a completion callback: the driver calls
// it with the result in the tick where the flow finishes, on the ticking thread, so a frame loop
// handles exactly the jobs that ended. (Progress callbacks, pulse::progress_observer, run inside
// the machine's steps, also during tick().)
//
// Cancel and destroy, at any moment:
// - handle.cancel() asks the machine to stop (machine.cancel()); the driver wakes it at the next
//   tick. A waiting machine stops at once; with a transfer in flight the driver tells the
//   transport to cancel it (transport.cancel) and the machine ends with errc::canceled once the
//   transport reports the end (or sends its best-effort DELETE first, see pulse::config::
//   remote_cancel). The result is still taken from the handle.
// - Destroying the handle (or reset()) ends the flow now: its transfer is abandoned
//   (transport.abandon: no callback reaches it afterwards), it leaves every queue, and the machine
//   is freed. If that happens inside one of the flow's own callbacks (a progress observer, or a
//   sink called by the transport) the memory is kept until the end of the current or next tick,
//   so nothing returns into freed memory.
// - Destroying the driver abandons every transfer still running; handles stay valid (a finished
//   flow's result can still be taken; an unfinished one reports "the driver was destroyed").
//
// The transport: any http::async_transport that also offers abandon(handler) -- "forget this
// transfer; never call its handler again, never touch its request again; no effect if it already
// ended" (concept pulse::abandoning_transport). cancel(handler) may deliver on_complete inside the
// call or later; both work. on_complete may also be delivered inside start() (a transport that
// fails fast); start() returning an error means no callback will come.
//
// Threads: none. The driver, its handles and the transport are used from one thread (the one that
// calls tick()); callbacks from the transport must arrive on that thread too (from its own
// update/perform call). Nothing here blocks, sleeps or reads a file; the clock is read once per
// tick (and once per step when step_budget is set).
#ifndef PULSE_DRIVER_ASYNC_DRIVER_HPP
#define PULSE_DRIVER_ASYNC_DRIVER_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/driver/detail/driver_base.hpp>
#include <pulse/driver/detail/flow_node.hpp>
#include <pulse/driver/driver_options.hpp>
#include <pulse/driver/flow_handle.hpp>
#include <pulse/driver/run.hpp>
#include <pulse/error.hpp>
#include <pulse/flow/action.hpp>
#include <pulse/http/request.hpp>
#include <pulse/http/response.hpp>

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

PULSE_NAMESPACE_BEGIN

/// Runs flows over `Transport` (held by reference; it must outlive the driver). See the file
/// comment for the tick, budgets, cancellation and threads.
template <class Transport, class Clock = real_clock>
    requires abandoning_transport<Transport> && driver_clock<Clock>
class async_driver : private detail::driver_base {
public:
    /// A driver over `transport` (kept by reference) with these per-tick budgets and clock.
    explicit async_driver(Transport& transport, driver_options options = {}, Clock clock = {})
        : transport_(transport), options_(options), clock_(std::move(clock)) {}

    /// Abandons every running transfer; handles stay usable (see flow_handle::take).
    ~async_driver() { detach_all(); }

    async_driver(async_driver const&) = delete;
    async_driver& operator=(async_driver const&) = delete;

    /// Take over `machine` (not started yet: its first next() happens at the next tick). Take its
    /// result from the handle once finished() says so.
    template <flow_machine M>
    flow_handle<M> add(M machine) {
        return add(std::move(machine), {});
    }

    /// Take over `machine`, and call `on_done(result)` with its outcome in the tick where it
    /// finishes, on the thread that ticks -- so a frame loop learns which jobs ended without
    /// looking at every handle. The handle's take() then says the result went to the callback.
    /// `on_done` may destroy the handle, add flows and cancel others; it must not call tick().
    template <flow_machine M>
    flow_handle<M> add(M machine, std::function<void(result<typename M::value_type>)> on_done) {
        auto n = std::make_unique<detail::machine_node<M>>(std::move(machine), std::move(on_done));
        attach(*n);
        return flow_handle<M>(detail::adopt_t{}, std::move(n));
    }

    /// Step what is due: machines whose timer passed, machines whose transfer ended, new flows,
    /// cancelled flows; start their requests. Returns at once (within the budgets).
    tick_report tick() {
        std::size_t const m = options_.max_starts_per_tick;
        return run_tick(std::nullopt, m == 0 ? unlimited : m, [] {});
    }

    /// tick() with this tick's own limits: stop stepping machines at `deadline` (checked after
    /// each step; at least one step runs) instead of after driver_options::step_budget, and start
    /// at most `max_starts` transfers (0: none -- sends wait, in order, for a later tick;
    /// SIZE_MAX: no limit). For drivers that apply back-pressure from their transport
    /// (pulse::curl::multi_driver starts one transfer while its transport is behind, and none
    /// in a tick whose I/O took the whole tick's budget).
    tick_report tick_with(std::optional<flow::time_point> deadline, std::size_t max_starts) {
        return run_tick(deadline, max_starts, [] {});
    }

    /// tick_with(), calling `after_start()` right after each transfer started, before the next
    /// step and the next look at `deadline`. For transports that send lazily (pulse::curl::
    /// multi_transport sends in kick()): sending each request there makes its cost -- a connect,
    /// the first half of a TLS handshake -- count against the deadline, so one expensive start
    /// is the tick's last instead of several landing in the same tick. `after_start` may call
    /// back into the driver's flows (a transfer that ends at once completes its flow).
    template <class AfterStart>
    tick_report tick_with(std::optional<flow::time_point> deadline, std::size_t max_starts, AfterStart&& after_start) {
        return run_tick(deadline, max_starts, after_start);
    }

    /// When tick() has work next: a time at or before now when machines are ready, the earliest
    /// machine timer otherwise, nullopt when every flow waits for its transport (or none exist).
    std::optional<flow::time_point> next_wake() const {
        if (!ready_.empty() || !held_.empty()) return flow::time_point{};
        // Skip stale heap tops (flows destroyed, finished or woken early).
        while (!timers_.empty()) {
            detail::timer const& t = timers_.top();
            flow_node* n = lookup(t.who);
            if (n && n->state_ == flow_node::state::waiting && n->timer_seq_ == t.seq) return t.at;
            timers_.pop();
        }
        return std::nullopt;
    }

    /// Flows added and neither finished nor destroyed.
    using detail::driver_base::size;

    /// The transport the flows run over.
    Transport& transport() noexcept { return transport_; }
    /// The per-tick budgets in force.
    driver_options const& options() const noexcept { return options_; }
    /// New budgets, in force from the next tick.
    void set_options(driver_options o) noexcept { options_ = o; }

private:
    using flow_node = detail::flow_node;

    static constexpr std::size_t unlimited = ~std::size_t{0};

    template <class AfterStart>
    tick_report run_tick(std::optional<flow::time_point> deadline, std::size_t max_starts, AfterStart&& after_start) {
        tick_report rep;
        ++busy_;
        auto const now = clock_.now();
        auto const wall = clock_.wall();
        if (!deadline && options_.step_budget.count() > 0) deadline = now + options_.step_budget;
        // Due timers join the queue behind what is already ready.
        while (!timers_.empty() && timers_.top().at <= now) {
            detail::timer const t = timers_.top();
            timers_.pop();
            flow_node* n = lookup(t.who);
            if (n && n->state_ == flow_node::state::waiting && n->timer_seq_ == t.seq) make_ready(*n);
        }
        // Step the machine at the front of `queue`; false when a budget ends this tick's steps.
        auto const step_front = [&](std::deque<detail::slot_ref>& queue) {
            if (options_.max_steps_per_tick != 0 && rep.steps >= options_.max_steps_per_tick) return false;
            if (deadline && rep.steps > 0 && clock_.now() >= *deadline) return false;
            detail::slot_ref const r = queue.front();
            queue.pop_front();
            flow_node* n = lookup(r);
            if (!n || !n->queued_) return true; // stale entry
            n->queued_ = false;
            ++rep.steps;
            std::size_t const started = rep.started;
            step(*n, now, wall, rep, max_starts);
            if (rep.started != started) after_start();
            return true;
        };
        // Sends held back by earlier ticks go first, in their order, as far as starts are allowed.
        while (!held_.empty() && start_allowed(rep, max_starts) && step_front(held_)) {
        }
        while (!ready_.empty() && step_front(ready_)) {
        }
        rep.more = !ready_.empty() || !held_.empty();
        if (--busy_ == 0) graveyard_.clear();
        return rep;
    }

    result<void> transport_start(http::request const& req, flow_node& n) override { return transport_.start(req, n); }
    void transport_cancel(flow_node& n) override { transport_.cancel(n); }
    void transport_abandon(flow_node& n) noexcept override { transport_.abandon(n); }

    Transport& transport_;
    driver_options options_;
    Clock clock_;
};

PULSE_NAMESPACE_END

#endif
