// SPDX-License-Identifier: MIT
//
// pulse::winhttp::driver: WinHTTP drives any number of flows (extractions, polls, downloads, form
// calls) from the caller's loop, on the caller's thread, without blocking it.
//
//     #include <pulse/winhttp/driver.hpp>                    // target pulse::winhttp
//
//     auto d = pulse::winhttp::make_driver(cfg);             // <pulse/winhttp/client.hpp>
//     auto job = d.add(*pulse::flow::make_extract_flow(cfg, pulse::file("a.pdf")),
//                      [](pulse::result<pulse::extract_result> r) { use(r); });
//     // every frame (a game loop), or after d.wait(...) (a tool):
//     d.tick();                                              // does what is ready, returns at once
//
// It is pulse::async_driver (<pulse/async_driver.hpp>: timers, ready queue, handles, budgets,
// cancellation) over pulse::winhttp::async_transport (<pulse/winhttp/async_transport.hpp>: WinHTTP
// in asynchronous mode, its reports queued by its threads and taken by the caller's). tick() first
// takes what WinHTTP finished (async_transport::perform(): head and body pieces pushed into the
// machines, ended transfers completed, timeouts applied), then steps the machines that are due
// and starts the requests they want (async_driver::tick(), within driver_options' budgets).
// WinHTTP does the network work on its own threads meanwhile; a tick costs what the handlers do
// with the bytes that arrived (decoding) and what starting a request costs (WinHTTP queues the
// connect and the send).
//
// next_timer(): the earliest machine wake-up or transfer deadline (a time at or before now:
// tick now). wait() blocks until WinHTTP reports something or next_timer() passes, for programs
// without a loop of their own.
//
// Not thread-safe; use from one thread. Not copyable or movable.
#ifndef PULSE_WINHTTP_DRIVER_HPP
#define PULSE_WINHTTP_DRIVER_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/driver/async_driver.hpp>
#include <pulse/flow/action.hpp>
#include <pulse/http/transport.hpp>
#include <pulse/winhttp/async_transport.hpp>

#include <algorithm>
#include <cstddef>
#include <functional>
#include <optional>
#include <utility>

PULSE_NAMESPACE_BEGIN
namespace winhttp {

static_assert(abandoning_transport<async_transport>);

/// pulse::async_driver over pulse::winhttp::async_transport: flows run from the caller's loop,
/// WinHTTP's threads only report (see the file comment). Not thread-safe, not copyable.
class driver {
public:
    /// What one tick did.
    struct report {
        tick_report flows;           ///< machine steps, transfers started, flows finished
        std::size_t completions = 0; ///< transfers that ended (handlers' on_complete)
        /// Work was left for the next tick by a budget: tick again soon.
        bool more = false;
    };

    /// A driver whose transfers use `options`, with the per-tick budgets `dopts`.
    explicit driver(http::transport_options options = {}, driver_options dopts = {})
        : transport_(std::move(options)), flows_(transport_, dopts) {}

    driver(driver const&) = delete;
    driver& operator=(driver const&) = delete;

    /// Whether WinHTTP gave us a session (if not, every transfer fails with the reason).
    bool valid() const noexcept { return transport_.valid(); }

    /// Take over `machine` (a flow::job_flow<T> from the flow/ factories, or any flow_machine). It
    /// starts at the next tick. With `on_done`, its result goes there in the tick where it
    /// finishes (async_driver::add).
    template <flow_machine M>
    flow_handle<M> add(M machine, std::function<void(result<typename M::value_type>)> on_done = {}) {
        return flows_.add(std::move(machine), std::move(on_done));
    }

    /// Do the work that is ready and return (see the file comment).
    report tick() {
        report r;
        r.completions = transport_.perform();
        r.flows = flows_.tick();
        r.more = r.flows.more;
        return r;
    }

    /// When tick() next has work: the earliest machine timer or transfer deadline; a time at or
    /// before now when work is ready; nullopt when only WinHTTP's reports can bring any.
    std::optional<flow::time_point> next_timer() const {
        auto a = flows_.next_wake();
        auto b = transport_.next_timeout();
        if (transport_.has_events()) return flow::time_point{};
        if (a && b) return (std::min)(*a, *b);
        return a ? a : b;
    }

    /// Block until WinHTTP reports something, next_timer() passes, or `until`. For programs
    /// without their own loop; an engine never calls this.
    void wait(flow::time_point until) {
        if (auto t = flows_.next_wake()) until = (std::min)(until, *t);
        transport_.wait(until);
    }

    /// Flows added and neither finished nor destroyed.
    std::size_t size() const noexcept { return flows_.size(); }

    /// The transport underneath (its options, active transfers).
    async_transport& transport() noexcept { return transport_; }
    /// The driver of the flows (handles, budgets, timers).
    async_driver<async_transport>& flows() noexcept { return flows_; }

private:
    async_transport transport_; // declared first: destroyed after the flows abandoned their transfers
    async_driver<async_transport> flows_;
};

} // namespace winhttp
PULSE_NAMESPACE_END

#endif
