// SPDX-License-Identifier: MIT
//
// pulse::run: the blocking driver. It runs any flow machine to completion on the calling thread
// with a blocking transport and a clock: send -> transport.perform(); wait -> sleep until the
// machine's wake time; done/failed -> the result. This is the only place the library sleeps;
// flow/ never does (the machines are sans-I/O: they say when they want to run again, and the
// driver decides how to wait).
//
// It is short on purpose, so other drivers can copy it: an engine's frame loop calls next() once
// per frame and starts requests on its async transport instead of sleeping; a test passes a
// simulated clock whose sleep_until() just moves time forward.
//
// Cancellation from another thread: pass a std::stop_token. It is checked before every step, the
// sleep wakes up as soon as stop is requested, and during a transfer the response callbacks check
// it (so a transfer stops at the next chunk; a stalled transfer stops when the transport's own
// timeout fires -- a blocking transport cannot be interrupted from here).
#ifndef PULSE_DRIVER_RUN_HPP
#define PULSE_DRIVER_RUN_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/flow/action.hpp>
#include <pulse/http/response.hpp>
#include <pulse/http/transport.hpp>

#include <chrono>
#include <concepts>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <string_view>
#include <thread>
#include <utility>

PULSE_NAMESPACE_BEGIN

/// What pulse::run needs from a clock: the steady time, the wall time (for Retry-After dates),
/// and a sleep that returns early when stop is requested.
template <class C>
concept driver_clock = requires(C const& c, flow::time_point t, std::stop_token const& st) {
    { c.now() } -> std::same_as<flow::time_point>;
    { c.wall() } -> std::same_as<std::chrono::system_clock::time_point>;
    c.sleep_until(t, st);
};

/// The real clocks: std::chrono::steady_clock for time, system_clock for the wall, and a sleep
/// that a std::stop_token interrupts. Stateless; thread-safe.
struct real_clock {
    /// The steady clock's time: what the machines measure waits and deadlines in.
    flow::time_point now() const { return flow::clock::now(); }
    /// The wall-clock time, for turning Retry-After HTTP-dates into delays.
    std::chrono::system_clock::time_point wall() const { return std::chrono::system_clock::now(); }
    /// Sleep until `t`, or less when stop is requested on `st` (at once if it already was).
    void sleep_until(flow::time_point t, std::stop_token const& st) const {
        if (!st.stop_possible()) {
            std::this_thread::sleep_until(t);
            return;
        }
        std::mutex mx;
        std::condition_variable_any cv;
        std::unique_lock<std::mutex> lock(mx);
        // Returns at `t`, or as soon as stop is requested (the stop_token overload registers a
        // stop_callback that notifies the condition variable).
        cv.wait_until(lock, st, t, [] { return false; });
    }
};

namespace detail {

// Forwards a transfer's callbacks to the machine's handler, asking the machine to cancel first
// when stop was requested -- the machine's handler then answers abort.
template <class Machine>
class stop_aware_handler final : public http::response_handler {
public:
    stop_aware_handler(Machine& m, http::response_handler& inner, std::stop_token const& st) noexcept
        : m_(m), inner_(inner), st_(st) {}
    http::sink_action on_head(http::response_head const& head) override {
        check();
        return inner_.on_head(head);
    }
    http::sink_action on_body(std::string_view chunk) override {
        check();
        return inner_.on_body(chunk);
    }
    void on_complete(result<void> outcome) override { inner_.on_complete(std::move(outcome)); }

private:
    void check() {
        if (st_.stop_requested()) m_.cancel();
    }
    Machine& m_;
    http::response_handler& inner_;
    std::stop_token const& st_;
};

} // namespace detail

/// Run machine `m` to completion with transport `t` on the calling thread. Returns the machine's
/// result (take_result()). Errors: whatever the machine reports; nothing throws.
/// Thread-safety: `m` and `t` are used from this thread only; `st` may be signalled from any.
template <class Machine, http::blocking_transport Transport, driver_clock Clock = real_clock>
result<typename Machine::value_type> run(Machine& m, Transport& t, std::stop_token st = {}, Clock const& clock = {}) {
    for (;;) {
        if (st.stop_requested()) m.cancel();
        m.set_wall_clock(clock.wall());
        flow::action const a = m.next(clock.now());
        switch (a.kind) {
        case flow::action_kind::send: {
            detail::stop_aware_handler<Machine> h(m, *a.handler, st);
            m.handle_complete(t.perform(*a.request, h));
            break;
        }
        case flow::action_kind::wait: clock.sleep_until(a.wake_at, st); break;
        case flow::action_kind::done:
        case flow::action_kind::failed: return m.take_result();
        case flow::action_kind::in_flight:
        case flow::action_kind::abort_transfer:
            // Only an asynchronous driver can see these; with perform() every transfer has ended
            // before next() is called. Reaching here means the machine and driver disagree.
            return error(errc::protocol_error, "blocking driver: the machine reports a transfer in flight");
        }
    }
}

PULSE_NAMESPACE_END

#endif
