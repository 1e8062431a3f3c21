// SPDX-License-Identifier: MIT
//
// What a non-blocking driver (pulse::async_driver) needs from its transport and its machines, the
// budgets of one tick, and the report of what a tick did.
#ifndef PULSE_DRIVER_DRIVER_OPTIONS_HPP
#define PULSE_DRIVER_DRIVER_OPTIONS_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/flow/action.hpp>
#include <pulse/http/response.hpp>
#include <pulse/http/transport.hpp>

#include <chrono>
#include <concepts>
#include <cstddef>

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

PULSE_NAMESPACE_END

#endif
