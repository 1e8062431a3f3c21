// SPDX-License-Identifier: MIT
//
// pulse::curl::multi_driver: one libcurl multi handle drives any number of flows (extractions,
// polls, downloads, form calls) from the caller's loop, on the caller's thread, without blocking.
//
//     #include <pulse/curl/multi_driver.hpp>         // target pulse::curl (links libcurl)
//
//     pulse::curl::multi_driver driver;               // transport_options, multi_options, driver_options
//     std::vector<pulse::flow_handle<pulse::flow::extract_flow>> jobs;
//     for (auto const& doc : docs)
//         jobs.push_back(driver.add(*pulse::flow::make_extract_flow(cfg, doc, {}, seed++)));
//
//     // every frame (a game loop), or after driver.wait(...) (a tool):
//     driver.tick();                                  // does what is ready, returns at once
//     for (auto& j : jobs)
//         if (j.finished()) handle(j.take());         // result<extract_result>
//
// It is pulse::async_driver (<pulse/driver/async_driver.hpp>: timers, ready queue, handles, budgets,
// cancellation) over pulse::curl::multi_transport (<pulse/curl/multi_transport.hpp>: the multi
// handle, its sockets and timers, the shared easy-handle setup). Read those two headers for the
// details; in short:
//
// tick():
//   1. multi_transport::perform(): one zero-timeout poll() of the sockets libcurl watches,
//      curl_multi_socket_action() for the ready ones and for libcurl's timer when due, body bytes
//      pushed into the machines, finished transfers completed (their machines become ready).
//      Bounded by multi_options::io_budget (default 250 us): a transfer whose chunk arrives later
//      is paused and resumed first next tick.
//   2. async_driver::tick_with(): machines whose timer is due, whose transfer ended, new or
//      cancelled ones are stepped; requests they want are started. Machines waiting for their
//      next poll are in a min-heap and cost nothing.
//   3. multi_transport::kick() after each start: libcurl connects and sends that request now, not
//      a frame later (cheap on a kept connection; on a new TLS connection it is the first half of
//      the handshake).
//   Steps 2 and 3 together are bounded by driver_options (default: 200 us of steps and sends,
//   at most 4 new transfers per tick, so 1,000 jobs added at once are spread over frames), and
//   by back-pressure from step 1: while it ran out of budget with sockets still ready
//   (multi_transport::behind()), only one new transfer starts per tick; when it alone took the
//   whole tick's budget (io_budget + step_budget) with transfers in flight, none does. Because a
//   send counts against the time, one expensive start (a handshake) is the tick's last.
//
// The defaults aim at a tick under 1 ms at the 99.9th percentile, by the wall clock, on a small
// machine shared with the server. The budgets bound the work, not the scheduler: on a machine
// whose CPU is taken away from the process, ticks are longer. The price is throughput: at most 4
// new requests per tick, 240 per second at 60 Hz; work beyond that waits for the next frame
// (tick_report::more). Raise the budgets when the frame can afford more, or when the driver runs
// on a thread of its own.
//
// Over HTTPS, what the budgets cannot split: a new connection's TLS handshake (libcurl 7.88 builds
// a new SSL_CTX for each connection). Its client CPU falls in two libcurl calls, each of which can
// use up a tick's budget on its own: one in the tick that starts the transfer (the first message),
// one when the server's answer is read. multi_transport shares TLS sessions between its transfers
// (multi_options::share_tls_sessions), so a connection to a host seen before resumes its session
// and the second call costs much less. Connections are kept and reused, POSTs included (see
// pulse/curl/transport.hpp), and the back-pressure above keeps the pool small, so handshakes
// happen only while the pool grows; ticks that do one can exceed the 1 ms aim. If those first
// frames matter, open the pool before them (a few requests), or drive the network from a thread
// of its own.
//
// next_timer(): the earliest of the machines' next wake time and libcurl's timeout (a time at or
// before now means "tick now"). For callers with an event loop, for_each_socket() lists the
// sockets to watch (read/write interest); tick when one is ready or next_timer() passes. wait()
// does exactly that with poll() for programs without a loop of their own (tools, tests).
//
// Results: add() returns a pulse::flow_handle (move-only): finished(), take(), cancel(), machine()
// for progress (job_id(), status(), poll_count(), bytes_delivered()). Destroying a handle ends its
// flow at once, also mid-transfer: the transfer is removed from the multi handle and its easy
// handle recycled; no callback reaches the freed flow. cancel() is graceful (errc::canceled after
// the transfer in flight is aborted, or a best-effort DELETE with pulse::config::remote_cancel).
//
// Where it can still block: only inside libcurl, and only in the cases multi_transport.hpp lists
// (a resolver without async DNS; the first TLS CA load; reading an upload file). On this adapter's
// reference platform (Debian 12, libcurl 7.88.1 with the threaded resolver) removing a transfer
// during a DNS lookup does not wait for the lookup: CURLOPT_QUICK_EXIT is set on every transfer.
// pulse::curl::resolver() reports what the running libcurl does. Threads: libcurl's threaded
// resolver runs each lookup of an uncached host name on a thread of libcurl's; this library starts
// none.
//
// Not thread-safe; use from one thread. Not copyable or movable.
#ifndef PULSE_CURL_MULTI_DRIVER_HPP
#define PULSE_CURL_MULTI_DRIVER_HPP

#include <pulse/driver/async_driver.hpp>
#include <pulse/detail/prelude.hpp>
#include <pulse/curl/multi_transport.hpp>
#include <pulse/flow/action.hpp>
#include <pulse/http/transport.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>

PULSE_NAMESPACE_BEGIN
namespace curl {

static_assert(abandoning_transport<multi_transport>);

/// Runs any number of flows (extractions, polls, downloads, form calls) over one libcurl multi
/// handle, from the caller's loop, on the caller's thread, without blocking: pulse::async_driver
/// over multi_transport, with budgets that keep a tick short and back-pressure from the I/O. The
/// file comment of <pulse/curl/multi_driver.hpp> explains a tick, the budgets and their price.
///
/// Not thread-safe; not copyable or movable.
class multi_driver {
public:
    /// What one tick did.
    struct report {
        tick_report flows;           ///< machine steps, transfers started, flows finished
        std::size_t completions = 0; ///< transfers that ended (handlers' on_complete)
        /// Work was left for the next tick by a budget: tick again soon (next_timer() says now).
        bool more = false;
    };

    /// The budgets this driver starts with (a frame's share for the network, see the file
    /// comment): at most 4 new transfers and 200 us of machine steps and sends per tick, on top of
    /// multi_options::io_budget for the I/O.
    static driver_options default_driver_options() noexcept {
        driver_options o;
        o.max_starts_per_tick = 4;
        o.step_budget = std::chrono::microseconds(200);
        return o;
    }

    /// A driver whose requests use `options`, on a multi handle tuned by `mopts`, with the
    /// per-tick budgets `dopts`.
    explicit multi_driver(http::transport_options options = {}, multi_options mopts = {},
                          driver_options dopts = default_driver_options())
        : transport_(std::move(options), mopts), flows_(transport_, dopts) {}

    multi_driver(multi_driver const&) = delete;
    multi_driver& operator=(multi_driver const&) = delete;

    /// Whether libcurl gave us a multi handle (if not, every transfer fails with transport_failed).
    bool valid() const noexcept { return transport_.valid(); }

    /// Take over `machine` (a flow::job_flow<T> from the flow/ factories, or any flow_machine).
    /// It starts at the next tick. With `on_done`, its result goes there in the tick where it
    /// finishes (async_driver::add).
    template <flow_machine M>
    flow_handle<M> add(M machine, std::function<void(result<typename M::value_type>)> on_done = {}) {
        return flows_.add(std::move(machine), std::move(on_done));
    }

    /// Do the work that is ready and return (see the file comment).
    report tick() {
        report r;
        auto const tick_start = flow::clock::now();
        r.completions = transport_.perform();
        // Back-pressure: while the I/O is behind (its budget ran out with sockets still ready),
        // start one transfer per tick instead of max_starts_per_tick. More would only make the
        // backlog grow -- and a backlog makes new requests open new connections (the idle ones
        // are the busy ones), each a handshake more to do in the next tick's budget.
        auto const& o = flows_.options();
        std::size_t starts = o.max_starts_per_tick == 0 ? SIZE_MAX : o.max_starts_per_tick;
        if (transport_.behind()) starts = 1;
        std::optional<flow::time_point> deadline;
        if (o.step_budget.count() > 0) {
            auto const now = flow::clock::now();
            deadline = now + o.step_budget;
            // The I/O alone used the whole tick's budget (one socket's work can: the second half
            // of a full TLS handshake): start nothing this tick, so that a new connection's first
            // half does not land in the same tick. Machines are still stepped. Never two ticks in a
            // row: on a machine slow enough that every tick's I/O is that long, starts would
            // otherwise wait for every transfer in flight to end (a cancel's DELETE would miss its
            // deadline).
            auto const io = transport_.tuning().io_budget;
            bool const heavy_io = io.count() > 0 && now - tick_start >= io + o.step_budget && transport_.active() > 0;
            if (heavy_io && !held_starts_) starts = 0;
            held_starts_ = heavy_io && !held_starts_;
        } else {
            held_starts_ = false;
        }
        // Each transfer is sent as soon as it started (kick), so what a send costs -- a TCP connect,
        // the first half of a TLS handshake -- counts against the step budget: one expensive start
        // ends the tick's steps instead of several of them landing in the same tick.
        r.flows = flows_.tick_with(deadline, starts, [&] { r.completions += transport_.kick(); });
        r.more = r.flows.more;
        return r;
    }

    /// When tick() next has work: the earliest machine timer or libcurl timeout; a time at or
    /// before now when work is ready; nullopt when only socket activity can bring any.
    std::optional<flow::time_point> next_timer() const {
        auto a = flows_.next_wake();
        auto b = transport_.next_timeout();
        if (a && b) return (std::min)(*a, *b);
        return a ? a : b;
    }

    /// Calls f(socket_interest{fd, read, write}) for every socket libcurl wants watched.
    template <class F>
    void for_each_socket(F&& f) const {
        transport_.for_each_socket(std::forward<F>(f));
    }

    /// Block until a socket is ready, next_timer() passes, or `until`. For programs without their
    /// own loop; an engine never calls this.
    void wait(flow::time_point until) {
        if (auto t = flows_.next_wake()) until = (std::min)(until, *t);
        transport_.wait(until);
    }

    /// Flows added and neither finished nor destroyed.
    std::size_t size() const noexcept { return flows_.size(); }

    /// The transport, e.g. for its stats() or to change its options.
    multi_transport& transport() noexcept { return transport_; }
    /// The flow driver, e.g. to change its budgets (set_options).
    async_driver<multi_transport>& flows() noexcept { return flows_; }

private:
    multi_transport transport_; // declared first: destroyed after the flows abandoned their transfers
    async_driver<multi_transport> flows_;
    bool held_starts_ = false; // the last tick started nothing because its I/O took the tick's budget
};

} // namespace curl
PULSE_NAMESPACE_END

#endif
