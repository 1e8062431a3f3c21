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
#include <pulse/error.hpp>
#include <pulse/flow/action.hpp>
#include <pulse/http/request.hpp>
#include <pulse/http/response.hpp>
#include <pulse/http/transport.hpp>
#include <pulse/driver/run.hpp>

#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

PULSE_NAMESPACE_BEGIN

/// An async transport the driver can use: start/cancel (http::async_transport) plus abandon(h),
/// which forgets a transfer without calling its handler again (a no-op for unknown handlers).
template <class T>
concept abandoning_transport = http::async_transport<T> && requires(T& t, http::response_handler& h) {
    { t.abandon(h) } -> std::same_as<void>;
};

/// What the driver needs from a machine: flow::job_flow<T> and anything with the same protocol.
template <class M>
concept flow_machine = requires(M& m, flow::time_point t, std::chrono::system_clock::time_point w) {
    typename M::value_type;
    { m.next(t) } -> std::same_as<flow::action>;
    m.cancel();
    m.set_wall_clock(w);
    { m.take_result() } -> std::same_as<result<typename M::value_type>>;
};

/// Limits on the work of one tick. Zero means "no limit" for each.
struct driver_options {
    /// New transfers started per tick. The default spreads a burst of added flows over frames.
    std::size_t max_starts_per_tick = 32;
    /// Machine steps per tick (a step is the next() calls of one ready machine).
    std::size_t max_steps_per_tick = 0;
    /// Time spent stepping machines per tick; checked after each step (one step always runs).
    std::chrono::microseconds step_budget{0};
};

/// What one tick did.
struct tick_report {
    std::size_t steps = 0;    ///< machines stepped
    std::size_t started = 0;  ///< transfers started
    std::size_t finished = 0; ///< flows that reached done/failed
    bool more = false;        ///< a budget stopped the tick with ready work left: tick again soon
};

namespace detail {

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
            ready_.push_back(ref{n.slot_, slots_[n.slot_].gen});
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
    std::size_t size() const noexcept { return live_; }

protected:
    ~driver_base() = default;

    virtual result<void> transport_start(http::request const& req, flow_node& n) = 0;
    virtual void transport_cancel(flow_node& n) = 0;
    virtual void transport_abandon(flow_node& n) noexcept = 0;

    struct timer {
        flow::time_point at;
        std::uint32_t slot;
        std::uint32_t gen;
        std::uint64_t seq;
        // std::push_heap builds a max-heap; invert for the earliest first.
        friend bool operator<(timer const& a, timer const& b) noexcept { return a.at > b.at; }
    };
    struct slot_entry {
        flow_node* node = nullptr;
        std::uint32_t gen = 0;
    };
    struct ref {
        std::uint32_t slot;
        std::uint32_t gen;
    };

    void attach(flow_node& n) {
        std::uint32_t s;
        if (!free_slots_.empty()) {
            s = free_slots_.back();
            free_slots_.pop_back();
        } else {
            s = static_cast<std::uint32_t>(slots_.size());
            slots_.push_back({});
        }
        slots_[s].node = &n;
        n.driver_ = this;
        n.slot_ = s;
        n.state_ = flow_node::state::ready;
        ++live_;
        make_ready(n);
    }

    flow_node* lookup(ref r) const noexcept {
        if (r.slot >= slots_.size()) return nullptr;
        auto const& e = slots_[r.slot];
        return e.gen == r.gen ? e.node : nullptr;
    }

    void make_ready(flow_node& n) {
        if (n.queued_ || n.state_ == flow_node::state::finished || n.state_ == flow_node::state::detached) return;
        if (n.state_ == flow_node::state::waiting) ++n.timer_seq_; // its heap entry is now stale
        if (n.state_ != flow_node::state::in_flight || !n.transfer_open_) n.state_ = flow_node::state::ready;
        n.queued_ = true;
        ready_.push_back(ref{n.slot_, slots_[n.slot_].gen});
    }

    void wake(flow_node& n) { make_ready(n); }

    void schedule(flow_node& n, flow::time_point at) {
        n.state_ = flow_node::state::waiting;
        ++n.timer_seq_;
        timers_.push_back(timer{at, n.slot_, slots_[n.slot_].gen, n.timer_seq_});
        std::push_heap(timers_.begin(), timers_.end());
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

    void free_slot(flow_node& n) noexcept {
        auto& e = slots_[n.slot_];
        if (e.node != &n) return;
        e.node = nullptr;
        ++e.gen;
        free_slots_.push_back(n.slot_);
        --live_;
    }

    // Detach everything (the driver is going away).
    void detach_all() noexcept {
        for (auto& e : slots_)
            if (e.node) detach(*e.node);
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
        held_.push_back(ref{n.slot_, slots_[n.slot_].gen});
    }

    std::vector<slot_entry> slots_;
    std::vector<std::uint32_t> free_slots_;
    std::deque<ref> ready_;
    std::deque<ref> held_;
    // A heap (std::push_heap), earliest first; entries may be stale. Mutable: next_wake() prunes
    // stale tops, which changes no observable state.
    mutable std::vector<timer> timers_;
    std::vector<std::unique_ptr<flow_node>> graveyard_;
    std::size_t live_ = 0;
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

struct adopt_t {};

} // namespace detail

/// Owner of one flow run by a driver. Move-only. Destroying it (or reset()) ends the flow at once
/// (see the file comment). Use from the driver's thread.
template <class Machine>
class flow_handle {
public:
    /// The machine type the handle owns.
    using machine_type = Machine;
    /// What the flow produces (take() returns result<value_type>).
    using value_type = typename Machine::value_type;

    /// An empty handle (valid() is false).
    flow_handle() noexcept = default;
    /// Takes over the flow; `o` becomes empty. The flow keeps running.
    flow_handle(flow_handle&&) noexcept = default;
    /// Ends this handle's own flow (as reset() does), then takes over `o`'s.
    flow_handle& operator=(flow_handle&& o) noexcept {
        if (this != &o) {
            reset();
            node_ = std::move(o.node_);
        }
        return *this;
    }
    flow_handle(flow_handle const&) = delete;
    flow_handle& operator=(flow_handle const&) = delete;
    /// Ends the flow at once, as reset() does.
    ~flow_handle() { reset(); }

    /// Holds a flow (not default-constructed, moved from, or reset).
    bool valid() const noexcept { return node_ != nullptr; }
    /// Whether the handle holds a flow, as valid().
    explicit operator bool() const noexcept { return valid(); }

    /// The machine answered done or failed: take() has the outcome.
    bool finished() const noexcept { return node_ && node_->state_ == detail::flow_node::state::finished; }

    /// The outcome (moved out; call once, after finished()). Before that: an error saying the
    /// operation is still running (or that the driver was destroyed first).
    result<value_type> take() {
        if (!node_) return error(errc::invalid_argument, "empty flow handle");
        if (node_->delivered_) return error(errc::invalid_argument, "the result went to the completion callback given to add()");
        if (!finished() && node_->state_ == detail::flow_node::state::detached)
            return error(errc::canceled, "the driver was destroyed before the flow finished");
        return node_->machine.take_result();
    }

    /// Ask the flow to stop; observed at the next tick (see the file comment). No effect once
    /// finished.
    void cancel() {
        if (!node_ || finished()) return;
        if (node_->driver_) node_->driver_->request_cancel(*node_);
        else node_->cancel_machine();
    }

    /// End the flow now and free it (also mid-transfer). The handle becomes empty.
    void reset() noexcept {
        if (!node_) return;
        if (auto* d = node_->driver_) d->release(std::unique_ptr<detail::flow_node>(node_.release()));
        else node_.reset();
    }

    /// The machine, for observation: job_id(), status(), poll_count(), bytes_delivered()...
    /// Precondition: valid(). Do not drive it (next/handle_*) yourself.
    Machine const& machine() const noexcept { return node_->machine; }

    /// Used by the drivers (add()); not for users.
    flow_handle(detail::adopt_t, std::unique_ptr<detail::machine_node<Machine>> n) noexcept : node_(std::move(n)) {}

private:
    std::unique_ptr<detail::machine_node<Machine>> node_;
};

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
            timer const& t = timers_.front();
            flow_node* n = lookup(ref{t.slot, t.gen});
            if (n && n->state_ == flow_node::state::waiting && n->timer_seq_ == t.seq) return t.at;
            std::pop_heap(timers_.begin(), timers_.end());
            timers_.pop_back();
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
        while (!timers_.empty() && timers_.front().at <= now) {
            std::pop_heap(timers_.begin(), timers_.end());
            timer const t = timers_.back();
            timers_.pop_back();
            flow_node* n = lookup(ref{t.slot, t.gen});
            if (n && n->state_ == flow_node::state::waiting && n->timer_seq_ == t.seq) make_ready(*n);
        }
        // Step the machine at the front of `queue`; false when a budget ends this tick's steps.
        auto const step_front = [&](std::deque<ref>& queue) {
            if (options_.max_steps_per_tick != 0 && rep.steps >= options_.max_steps_per_tick) return false;
            if (deadline && rep.steps > 0 && clock_.now() >= *deadline) return false;
            ref const r = queue.front();
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
