// SPDX-License-Identifier: MIT
//
// What a flow machine asks its driver to do next.
//
// The machines are sans-I/O (quinn-proto's handle_*/poll_* split, h11's events): a driver feeds
// them events (handle_head, handle_body, handle_complete, cancel) and asks `next(now)` what to do.
// The answer is one of a handful of actions, each carrying just what the driver needs:
//
//   send            start request `*request`, delivering the response to `*handler`; report the end
//                   of the transfer with machine.handle_complete(outcome) (a blocking transport's
//                   perform() result, or what an async transport passes to handler.on_complete).
//   wait            nothing to do before `wake_at`; call next() again then (or earlier: next() is
//                   idempotent and simply answers wait again).
//   in_flight       a transfer is running; call next() again after feeding it events.
//   abort_transfer  the caller cancelled while a transfer runs: abort the transfer started with
//                   `*handler` (async_transport::cancel), then keep feeding its completion. Blocking
//                   drivers never see this: the handler itself answers sink_action::abort.
//   done / failed   finished; take the value (or the error) with machine.take_result().
//
// Time is an input: `now` is a std::chrono::steady_clock::time_point the driver reads (or a test
// simulates). The steady clock, because deadlines must not jump when the wall clock is adjusted.
#ifndef PULSE_FLOW_ACTION_HPP
#define PULSE_FLOW_ACTION_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/http/request.hpp>
#include <pulse/http/response.hpp>

#include <chrono>
#include <string_view>

PULSE_NAMESPACE_BEGIN

/// \namespace pulse::flow
/// The sans-I/O layer: state machines that decide which request to send and when, and never
/// send, read a clock or sleep themselves. A driver (pulse::run, pulse::async_driver, your own)
/// feeds them events and performs the actions they ask for. Here too: the factories that build
/// each operation's machine, the requests of the API, and the retry, poll and deadline policies.
namespace flow {

/// The clock whose time points the machines take. Only the type is used: nothing in flow/ reads it.
using clock = std::chrono::steady_clock;
/// A point in time of flow::clock: what next() takes and what a wait ends at.
using time_point = clock::time_point;

/// What a machine asks its driver to do (see the file comment of action.hpp for the protocol).
enum class action_kind : unsigned char {
    send,           ///< start action::request, delivering the response to action::handler
    wait,           ///< nothing to do before action::wake_at
    in_flight,      ///< a transfer is running; feed it events, then call next() again
    abort_transfer, ///< cancel the transfer started with action::handler (asynchronous drivers)
    done,           ///< finished with a value: take_result()
    failed          ///< finished with an error (action::error): take_result()
};

/// The kind's name ("send", "abort_transfer", ...), for logs and tests.
constexpr std::string_view to_string(action_kind k) noexcept {
    switch (k) {
    case action_kind::send: return "send";
    case action_kind::wait: return "wait";
    case action_kind::in_flight: return "in_flight";
    case action_kind::abort_transfer: return "abort_transfer";
    case action_kind::done: return "done";
    case action_kind::failed: return "failed";
    }
    return "unknown";
}

/// The next thing a driver should do. Pointers refer into the machine and stay valid until the
/// transfer they belong to has completed (handle_complete) and the machine is neither moved nor
/// destroyed in between.
struct action {
    action_kind kind = action_kind::in_flight; ///< what to do; the other members belong to it
    /// send: the request to start.
    http::request const* request = nullptr;
    /// send, abort_transfer: where the response goes / which transfer to abort.
    http::response_handler* handler = nullptr;
    /// wait: when to call next() again.
    time_point wake_at{};
    /// failed: the error (also returned by take_result()).
    pulse::error const* error = nullptr;
};

} // namespace flow
PULSE_NAMESPACE_END

#endif
