// SPDX-License-Identifier: MIT
//
// job_flow<T>: the one sans-I/O machine behind every operation -- submit, poll, download, and the
// one-shot calls. The operation headers (extract_flow.hpp, form_flow.hpp, download_flow.hpp,
// job_ops.hpp) only build a job_plan and pick T; the poll loop, the backoff, the retry rules, the
// deadline, Retry-After, cancellation and the single-use download rules live here once.
//
// Why one machine with an entry point instead of one class per operation: the phases are the same
// everywhere (an extraction is submit -> poll -> maybe download; a form is submit -> poll; a
// download is the last phase alone; "wait for job" is poll -> maybe download), and the subtle parts
// (what may be retried, when bytes count as delivered, which answer wins over a cancel) must not
// diverge between copies. The type parameter only decides what the final body becomes.
//
//   T                      the result
//   extract_result         an extraction, decoded (optionally also streamed to a raw sink: tee)
//   form_result            a form call
//   download_info          bytes streamed to the caller's sink only (PDF, image, raw large result)
//   job_status_response    one poll (job status)
//   job_cancellation       DELETE /job/{id}
//   job_handle             a submission only: done as soon as the API has given the job an id
//
// The life cycle is a table (job_transitions below): a job_state, and the job_events that move it.
// A finished transfer is turned into one event (the answer was an acknowledgement, a pointer, a
// result, "still running"; or the request failed and is retried, or the operation fails); the
// table says which state the event leads to; entering a state resets what that state owns (its
// request, its attempt count, its backoff) in one place. An event the table does not list is a bug
// in the machine and ends the operation with errc::protocol_error instead of being ignored.
//
//   idle         --start_submit-->  submitting   --accepted--> polling  --pointer--> downloading
//   idle         --start_attach-->  polling      --running---> polling  (the next poll)
//   idle         --start_fetch--->  downloading  --result----> done
//   idle         --start_request->  requesting   --result----> done
//   any sending state --retry--> itself (the same request, after a backoff)
//   any state but done/failed --failure / cancel--> failed
//   polling      --cancel_remote--> canceling    --canceled_remotely--> failed
//
// Driving it (see action.hpp; pulse/driver/run.hpp is a complete blocking driver):
//
//   for (;;) {
//       flow::action a = m.next(clock::now());
//       switch (a.kind) {
//       case send:    m.handle_complete(transport.perform(*a.request, *a.handler)); break;
//       case wait:    sleep_until(a.wake_at); break;
//       case done:
//       case failed:  return m.take_result();
//       ...           // in_flight / abort_transfer: async drivers only
//       }
//   }
//
// The machine never opens a socket, reads a clock, sleeps, starts a thread or throws. Inputs:
// handle_head, handle_body, handle_complete (end of body or transport error), cancel(),
// set_wall_clock() (optional; for Retry-After dates) and the `now` given to next().
//
// The rules of each state:
// - submitting (POST): any 2xx. A body with the job's id is an asynchronous acknowledgement ->
//   polling. A body with `is_url: true` is a large-result pointer -> downloading. Anything else is
//   a synchronous result. Retried only as policies::effective_submit() says (429 and pre-send
//   failures by default).
// - polling (GET /job/{id}): first after poll_policy::first_poll_delay (immediately when attaching
//   to an earlier job). pending / processing / any unknown status -> poll again after the backoff
//   interval (a Retry-After on the answer lengthens it). completed -> `result` inline, or a pointer
//   -> downloading. failed -> job_failed (the job's `error`, else `message`); canceled/cancelled ->
//   job_canceled; expired -> job_expired. 401/403 are fatal at once; 404 gets the not_found_grace
//   and is then fatal; 408/429/5xx and transport failures are retried (consecutive failures,
//   poll_request).
// - downloading (GET url): the x-api-key goes only to the API origin (requests.hpp). The body goes
//   to the typed decoder, the caller's raw sink, or both. Before any byte reached the caller's sink
//   a failure is retried; after that it is errc::partial_delivery (bytes_delivered set, cause in
//   the message) and never retried: the large result is single-use, a second GET would get a 410
//   or, worse, the caller would see the start of the body twice. A body that is decoded and
//   streamed to a sink goes on to the sink after a decode error (the error is reported at the end),
//   unless the error is a cap passed (body_too_large, memory_limit): that stops the transfer, the
//   sink keeping what came. 410 -> errc::gone ("already
//   downloaded or expired"), distinct from 404 -> not_found. The pointer's plan_info is copied
//   into the result when the downloaded body has none.
// - requesting: one request whose 2xx answer is the result (status, cancel); retried per
//   policies::single.
// - Every wait -- a retry, Retry-After, the next poll -- ends no later than the deadline. A retry
//   that could only happen after it ends the operation at once with deadline_exceeded (keeping the
//   last answer's status and text). The last poll happens at the deadline itself.
// - Every error that holds server text is redacted with the API key before it leaves the machine,
//   and says how often the failing request was sent (error::attempts) and for how long the
//   operation ran (error::elapsed).
//
// Cancellation (cancel()) is observed at exactly these points:
//   1. next(): when no transfer is in flight, the machine stops before sending or waiting. With
//      config::remote_cancel, a known, unfinished job first gets one best-effort DELETE /job/{id}
//      (state canceling; its outcome is noted in the message, never retried), then the result is
//      errc::canceled.
//   2. handle_head / handle_body: they answer sink_action::abort, so a blocking transport stops
//      the transfer at the next chunk; the aborted transfer is not retried.
//   3. next() while a transfer is in flight (async drivers): it answers abort_transfer once, so
//      the driver can cancel a stalled transfer that will deliver no further callbacks.
// A transfer that completed successfully before the cancel took effect is processed normally
// (a finished download is returned, not thrown away); the cancel applies at the next checkpoint.
// Cancellation during the submission cannot cancel the job on the server: its id is not known.
//
// Thread-safety: none. One thread drives a machine at a time; cancel() too (pulse::run offers a
// std::stop_token for cancelling from another thread). Do not move a machine while a transfer is
// in flight: the handler pointer given out with `send` is the machine itself.
#ifndef PULSE_FLOW_JOB_FLOW_HPP
#define PULSE_FLOW_JOB_FLOW_HPP

#include <pulse/config.hpp>
#include <pulse/detail/compiled.hpp>
#include <pulse/detail/prelude.hpp>
#include <pulse/download_info.hpp>
#include <pulse/error.hpp>
#include <pulse/flow/action.hpp>
#include <pulse/flow/detail/http_error.hpp>
#include <pulse/flow/policy.hpp>
#include <pulse/flow/requests.hpp>
#include <pulse/http/request.hpp>
#include <pulse/http/response.hpp>
#include <pulse/http/retry_after.hpp>
#include <pulse/job_handle.hpp>
#include <pulse/progress.hpp>
#include <pulse/schema/codec.hpp>
#include <pulse/schema/job.hpp>
#include <pulse/schema/job_status.hpp>
#include <pulse/schema/json_reader.hpp>
#include <pulse/schema/stream_decoder.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

PULSE_NAMESPACE_BEGIN
namespace flow {

/// Where an operation's result goes.
struct delivery {
    /// The caller's byte sink for the result body: large results stream into it as they arrive;
    /// inline results are serialized into it (after a synthesized 200 head). Must outlive the
    /// machine's run. on_complete is called once when the operation ends, with its outcome.
    http::response_handler* sink = nullptr;
    /// Also decode into T (tee) when a sink is set. Ignored for download_info.
    bool decode = true;
};

/// How a machine starts.
enum class entry_point : unsigned char {
    submit,      ///< send `request` (a POST), then follow the answer to the result
    submit_only, ///< send `request` (a POST); done with the job's handle once the API answers with its id
    attach,      ///< poll `job_id` (resume a job submitted earlier)
    fetch,       ///< download `request` into the result (PDF, image, large result)
    single,      ///< send `request` once (with retries); its 2xx answer is the result
};

/// Everything a machine needs besides the config. Built by the operation headers.
struct job_plan {
    entry_point entry = entry_point::submit; ///< where the machine starts
    http::request request; ///< submit, fetch, single
    std::string job_id;    ///< attach (and known context for fetch/single)
    /// What the job does (the kind a submit_only machine puts into its handle).
    job_kind kind = job_kind::extract;
    /// Names the request in error messages ("POST /extract"). Never a full URL: a pre-signed URL's
    /// query is a credential.
    std::string what;
    /// fetch: the pointer the URL came from (its plan_info is merged into the result).
    std::optional<large_result_pointer> pointer;
    /// fetch: the resource is the single-use large result (only changes error texts).
    bool single_use = false;
    /// submit: the member of the acknowledgement that holds the job's id ("batch_job_id" for
    /// batches).
    std::string_view ack_id_member = "job_id";
    /// submit: a member that holds the id when ack_id_member is absent ("tables_id" for tables),
    /// trusted only when result_member is absent too (a synchronous answer may carry the same
    /// member next to the result).
    std::string_view ack_fallback_member{};
    /// submit: the member that marks a synchronous answer ("tables_output").
    std::string_view result_member{};
};

/// Where a machine is in its life cycle.
enum class job_state : unsigned char {
    idle,        ///< built, not started (no next() yet)
    submitting,  ///< the submission: waiting for its send time, or in flight
    polling,     ///< GET /job/{id}: waiting for the next poll, or in flight
    downloading, ///< fetching the result body
    requesting,  ///< a one-shot request (job status, cancel)
    canceling,   ///< the best-effort DELETE /job/{id} after a local cancel
    done,        ///< finished with a value
    failed,      ///< finished with an error
};

/// What moves a machine from one state to the next.
enum class job_event : unsigned char {
    start_submit,      ///< the first next() of a submitting machine
    start_attach,      ///< the first next() of a machine attached to a known job
    start_fetch,       ///< the first next() of a download
    start_request,     ///< the first next() of a one-shot request
    accepted,          ///< the submission answer carries the job's id
    pointer,           ///< an answer holds a large-result pointer
    running,           ///< a poll answer says the job is not finished
    result,            ///< the operation's value is ready
    retry,             ///< the request failed and is sent again after a wait
    failure,           ///< the operation ends with an error
    cancel,            ///< a local cancel, observed outside a transfer
    cancel_remote,     ///< a local cancel of an open job, with config::remote_cancel
    canceled_remotely, ///< the DELETE /job/{id} after a local cancel ended (whatever its outcome)
};

/// The state's name ("polling", ...).
constexpr std::string_view to_string(job_state s) noexcept {
    switch (s) {
    case job_state::idle: return "idle";
    case job_state::submitting: return "submitting";
    case job_state::polling: return "polling";
    case job_state::downloading: return "downloading";
    case job_state::requesting: return "requesting";
    case job_state::canceling: return "canceling";
    case job_state::done: return "done";
    case job_state::failed: return "failed";
    }
    return "unknown";
}

/// The event's name ("retry", ...).
constexpr std::string_view to_string(job_event e) noexcept {
    switch (e) {
    case job_event::start_submit: return "start_submit";
    case job_event::start_attach: return "start_attach";
    case job_event::start_fetch: return "start_fetch";
    case job_event::start_request: return "start_request";
    case job_event::accepted: return "accepted";
    case job_event::pointer: return "pointer";
    case job_event::running: return "running";
    case job_event::result: return "result";
    case job_event::retry: return "retry";
    case job_event::failure: return "failure";
    case job_event::cancel: return "cancel";
    case job_event::cancel_remote: return "cancel_remote";
    case job_event::canceled_remotely: return "canceled_remotely";
    }
    return "unknown";
}

/// One legal move: in state `from`, event `on` leads to state `to`.
struct job_transition {
    job_state from;  ///< the state the machine is in
    job_event on;    ///< what happened
    job_state to;    ///< the state it moves to
};

/// Every legal move of a job_flow. What is not listed cannot happen; the machine reports an event
/// that is not listed as errc::protocol_error.
inline constexpr job_transition job_transitions[] = {
    {job_state::idle, job_event::start_submit, job_state::submitting},
    {job_state::idle, job_event::start_attach, job_state::polling},
    {job_state::idle, job_event::start_fetch, job_state::downloading},
    {job_state::idle, job_event::start_request, job_state::requesting},
    {job_state::idle, job_event::failure, job_state::failed},

    {job_state::submitting, job_event::accepted, job_state::polling},
    {job_state::submitting, job_event::pointer, job_state::downloading},
    {job_state::submitting, job_event::result, job_state::done},
    {job_state::submitting, job_event::retry, job_state::submitting},
    {job_state::submitting, job_event::failure, job_state::failed},
    {job_state::submitting, job_event::cancel, job_state::failed},

    {job_state::polling, job_event::running, job_state::polling},
    {job_state::polling, job_event::pointer, job_state::downloading},
    {job_state::polling, job_event::result, job_state::done},
    {job_state::polling, job_event::retry, job_state::polling},
    {job_state::polling, job_event::failure, job_state::failed},
    {job_state::polling, job_event::cancel, job_state::failed},
    {job_state::polling, job_event::cancel_remote, job_state::canceling},

    {job_state::downloading, job_event::result, job_state::done},
    {job_state::downloading, job_event::retry, job_state::downloading},
    {job_state::downloading, job_event::failure, job_state::failed},
    {job_state::downloading, job_event::cancel, job_state::failed},

    {job_state::requesting, job_event::result, job_state::done},
    {job_state::requesting, job_event::retry, job_state::requesting},
    {job_state::requesting, job_event::failure, job_state::failed},
    {job_state::requesting, job_event::cancel, job_state::failed},

    {job_state::canceling, job_event::canceled_remotely, job_state::failed},
};

/// Where event `e` leads from state `s`; nullopt when the table has no such move.
constexpr std::optional<job_state> transition(job_state s, job_event e) noexcept {
    for (auto const& t : job_transitions)
        if (t.from == s && t.on == e) return t.to;
    return std::nullopt;
}

/// The request phase a state sends (for retry events and retry policies); nullopt for the states
/// that send nothing.
constexpr std::optional<request_phase> phase_of(job_state s) noexcept {
    switch (s) {
    case job_state::submitting: return request_phase::submit;
    case job_state::polling: return request_phase::poll;
    case job_state::downloading: return request_phase::download;
    case job_state::requesting: return request_phase::single;
    case job_state::canceling: return request_phase::remote_cancel;
    default: return std::nullopt;
    }
}

namespace detail {
/// A raw result needs somewhere to go.
template <class T>
result<void> check_delivery(delivery const& out) {
    if constexpr (std::is_same_v<T, download_info>) {
        if (!out.sink) return error(errc::invalid_argument, "a raw download needs a sink");
    }
    return {};
}

/// The plan of a submission: follow it to the result, or stop at the job's handle.
template <class T>
job_plan submission_plan(http::request req, job_kind kind, std::string what) {
    job_plan plan;
    plan.entry = std::is_same_v<T, job_handle> ? entry_point::submit_only : entry_point::submit;
    plan.request = std::move(req);
    plan.kind = kind;
    plan.what = std::move(what);
    return plan;
}
} // namespace detail

// final: the machine hands itself out as the response_handler of its transfers; the handler's
// destructor is protected and non-virtual on purpose (handlers are never deleted through it), so
// nothing may derive from the machine and be destroyed through a base.
/// The sans-I/O machine behind every operation: submit, poll, download and the one-shot calls,
/// with the retry rules, the deadline, Retry-After, cancellation and the single-use download rules
/// (the file comment of job_flow.hpp has them all). Built by the factories (make_extract_flow,
/// make_form_flow, ...); driven by pulse::run, pulse::async_driver or your own loop.
///
/// `T` is what the operation produces: extract_result, form_result, download_info (bytes streamed
/// to the caller's sink only), job_status_response, job_cancellation or job_handle.
///
/// Not thread-safe; movable, but not while a transfer is in flight (the handler handed out with
/// `send` is the machine itself).
template <class T>
class job_flow final : private http::response_handler {
public:
    /// What the operation produces (take_result() returns result<T>).
    using value_type = T;
    /// True for download_info: the body goes to the caller's sink only, never decoded.
    static constexpr bool is_raw = std::is_same_v<T, download_info>;
    /// True for job_handle: the machine ends with the submission's answer.
    static constexpr bool is_handle = std::is_same_v<T, job_handle>;

    /// A machine for `plan`. `seed` drives jitter and multipart boundaries; fix it in tests.
    job_flow(config cfg, job_plan plan, delivery out, std::uint64_t seed)
        : cfg_(std::move(cfg)), plan_(std::move(plan)), out_(out), rng_(seed) {
        if constexpr (is_raw || is_handle) out_.decode = false;
    }

    /// Moves the machine. Not while a transfer is in flight.
    job_flow(job_flow&&) = default;
    /// Moves the machine. Not while a transfer is in flight.
    job_flow& operator=(job_flow&&) = default;
    job_flow(job_flow const&) = delete;
    job_flow& operator=(job_flow const&) = delete;
    ~job_flow() = default;

    /// Set the progress callbacks (before the first next()).
    void set_observer(progress_observer obs) { obs_ = std::move(obs); }

    // ---- inputs -------------------------------------------------------------------------------

    /// The response head of the transfer in flight arrived.
    http::sink_action handle_head(http::response_head const& head);

    /// The next chunk of the body of the transfer in flight.
    http::sink_action handle_body(std::string_view chunk);

    /// The transfer in flight ended: success (the whole body was delivered) or the transport's
    /// error (including errc::aborted_by_sink after a handler answered abort). Processed at the
    /// next next().
    void handle_complete(result<void> outcome) {
        if (io_ != io::in_flight) return;
        io_ = io::idle;
        x_.completed = true;
        x_.outcome = std::move(outcome);
    }

    /// Ask the machine to stop (see the cancellation points in the file comment).
    void cancel() noexcept { cancel_requested_ = true; }

    /// The current wall-clock time, used only to turn a Retry-After HTTP-date into a delay when
    /// the response has no Date header. Drivers that can read a wall clock call this before next().
    void set_wall_clock(std::chrono::system_clock::time_point t) noexcept { wall_ = t; }

    // ---- outputs ------------------------------------------------------------------------------

    /// What to do next (see action.hpp). Idempotent while nothing changes.
    action next(time_point now);

    /// The outcome, once next() answered done or failed (moved out; call once). Before that, an
    /// error saying the operation is still running.
    result<T> take_result() {
        if (!final_) return error(errc::invalid_argument, "the operation has not finished");
        return std::move(*final_);
    }

    // ---- observation --------------------------------------------------------------------------

    /// Where the machine is in its life cycle.
    job_state state() const noexcept { return state_; }
    /// The job id, once known (empty before).
    std::string const& job_id() const noexcept { return job_id_; }
    /// The last status seen, if any.
    std::optional<job_status> const& status() const noexcept { return status_; }
    /// Polls answered with a job status so far.
    unsigned poll_count() const noexcept { return polls_; }
    /// Body bytes handed to the caller's sink so far.
    std::uint64_t bytes_delivered() const noexcept { return sink_bytes_; }
    /// True once next() has answered done or failed.
    bool finished() const noexcept { return final_.has_value(); }
    /// The request currently being (or about to be) sent.
    http::request const& current_request() const noexcept { return req_; }

private:
    // The current request's life: nothing to send, waiting for its send time, or in flight.
    enum class io : unsigned char { idle, scheduled, in_flight };
    // Where the body of the transfer in flight goes.
    enum class route : unsigned char { none, answer, error_body, result };
    // Why the machine itself stopped a transfer.
    enum class abort_reason : unsigned char { none, cancel, error_body_full, local_error };
    // A value type T can be decoded from JSON (the result types; not the raw download or a handle).
    static constexpr bool decodes = !is_raw && !is_handle;

    /// The caps of a body decoded in memory: `max_bytes`, and the configured depth.
    stream_limits limits_of(std::uint64_t max_bytes) const noexcept {
        stream_limits l;
        l.max_body_bytes = max_bytes;
        l.max_depth = cfg_.limits.max_json_depth;
        return l;
    }

    /// A decode error that is a cap passed, not a body that does not fit the schema.
    static bool is_cap(errc c) noexcept { return c == errc::body_too_large || c == errc::memory_limit; }

    /// A Content-Encoding other than identity: Content-Length is then not the size of the bytes
    /// handle_body() receives.
    static bool has_content_encoding(http::response_head const& head) noexcept {
        auto const v = head.headers.find("content-encoding");
        return v && !v->empty() && !http::iequals(*v, "identity");
    }

    // Everything about one transfer; reset when the next one is sent.
    struct transfer {
        http::response_head head;
        bool have_head = false;
        route dest = route::none;
        std::optional<std::uint64_t> content_length;
        std::uint64_t received = 0;
        bool completed = false;
        result<void> outcome;
        abort_reason abort = abort_reason::none;
        bool abort_issued = false;  // abort_transfer was answered for it
        std::optional<error> local; // why we aborted, for abort_reason::local_error
    };

    // http::response_handler, reached only through the pointer handed out with `send`.
    http::sink_action on_head(http::response_head const& head) override { return handle_head(head); }
    http::sink_action on_body(std::string_view chunk) override { return handle_body(chunk); }
    void on_complete(result<void> outcome) override { handle_complete(std::move(outcome)); }
    http::response_handler* handler() noexcept { return this; }

    bool cancel_observable() const noexcept { return cancel_requested_ && state_ != job_state::canceling; }

    http::sink_action self_abort(abort_reason why) {
        x_.abort = why;
        return http::sink_action::abort;
    }
    http::sink_action fail_in_transfer(error e) {
        x_.local = std::move(e);
        return self_abort(abort_reason::local_error);
    }

    // ---- the table ----------------------------------------------------------------------------

    // Every state change goes through here. The table says where `e` leads; entering another
    // state resets what it owns (enter()); staying (a retry, the next poll) sends the same request
    // again at `at`. `err` is the error of an event that ends the operation.
    void apply(job_event e, time_point at, error* err = nullptr) {
        auto const to = transition(state_, e);
        if (!to) {
            error bug(errc::protocol_error, "job machine: no move for event '" + std::string(to_string(e)) +
                                                "' in state '" + std::string(to_string(state_)) + "'");
            state_ = job_state::failed;
            return finish_error(std::move(bug));
        }
        if (*to == state_) {
            if (e == job_event::running) {
                // A poll got an answer: failures are counted (and backed off) afresh.
                attempt_ = 0;
                waits_ = 0;
            }
            return schedule(cap(at));
        }
        state_ = *to;
        enter(at, err);
    }

    // The one place a state is entered. A sending state takes the request staged for it and starts
    // counting attempts and backoff afresh; done and failed hand over the outcome.
    void enter(time_point at, error* err) {
        switch (state_) {
        case job_state::submitting:
        case job_state::polling:
        case job_state::downloading:
        case job_state::requesting:
        case job_state::canceling:
            req_ = std::move(staged_);
            staged_ = {};
            attempt_ = 0;
            waits_ = 0;
            earlier_failure_.reset();
            return schedule(state_ == job_state::canceling ? at : cap(at));
        case job_state::done: return finish_value(std::move(*value_));
        case job_state::failed: return finish_error(err ? std::move(*err) : error(errc::protocol_error, "failed without an error"));
        case job_state::idle: return;
        }
    }

    // Stage the request of the next state and name it for error messages.
    void stage(http::request r, std::string what) {
        staged_ = std::move(r);
        what_ = std::move(what);
    }

    void fail(error e) { apply(job_event::failure, now_, &e); }

    void succeed(T v) {
        value_.emplace(std::move(v));
        apply(job_event::result, now_);
    }

    // ---- lifecycle ----------------------------------------------------------------------------

    void start() {
        started_at_ = now_;
        if (cfg_.policies.deadline.count() > 0) deadline_ = now_ + cfg_.policies.deadline;
        switch (plan_.entry) {
        case entry_point::submit:
        case entry_point::submit_only:
            stage(std::move(plan_.request), plan_.what);
            return apply(job_event::start_submit, now_);
        case entry_point::attach: {
            learn_job_id(std::move(plan_.job_id));
            if (!stage_poll()) return;
            return apply(job_event::start_attach, now_);
        }
        case entry_point::fetch:
            job_id_ = plan_.job_id;
            pointer_ = plan_.pointer;
            single_use_ = plan_.single_use;
            stage(std::move(plan_.request), plan_.what);
            return apply(job_event::start_fetch, now_);
        case entry_point::single:
            job_id_ = plan_.job_id;
            stage(std::move(plan_.request), plan_.what);
            return apply(job_event::start_request, now_);
        }
    }

    void schedule(time_point at) {
        io_ = io::scheduled;
        wake_at_ = at;
    }

    retry_policy policy() const noexcept {
        switch (state_) {
        case job_state::submitting: return cfg_.policies.effective_submit();
        case job_state::polling: return cfg_.policies.poll_request;
        case job_state::downloading: return cfg_.policies.download;
        case job_state::requesting: return cfg_.policies.single;
        default: return retry_policy{1, retry_on::none, {}};
        }
    }

    time_point cap(time_point t) const noexcept { return deadline_ ? (std::min)(t, *deadline_) : t; }

    // ---- a finished transfer, turned into an event ---------------------------------------------

    void process() {
        transfer& x = x_;
        if (!x.outcome) {
            error const cause = x.outcome.error();
            switch (x.abort) {
            case abort_reason::cancel: return; // next() handles the cancel
            case abort_reason::local_error: return fail_local(*x.local);
            case abort_reason::error_body_full:
                if (x.have_head) return on_answer(); // we stopped reading an error body: enough
                break;
            case abort_reason::none: break;
            }
            if (cancel_observable() && (cause.code == errc::aborted_by_sink || cause.code == errc::canceled)) return;
            return on_transport_failure(cause);
        }
        if (!x.have_head) return on_transport_failure(error(errc::protocol_error, "the transfer ended without a response head"));
        on_answer();
    }

    void on_answer() {
        int const status = x_.head.status;
        if (state_ == job_state::canceling)
            return end_remote_cancel(status >= 200 && status <= 299 ? std::string() : "HTTP " + std::to_string(status));
        if (status < 200 || status > 299) return on_http_error();
        if (x_.local) return fail_local(*x_.local); // a tee'd download whose decoder failed
        switch (state_) {
        case job_state::submitting: return on_submit_answer();
        case job_state::polling: return on_poll_answer();
        case job_state::downloading: return on_download_done();
        case job_state::requesting: return on_single_answer();
        default: return;
        }
    }

    void on_http_error() {
        int const status = x_.head.status;
        std::string_view note;
        if (status == 410 && single_use_) note = "the large result was already downloaded or has expired";
        else if (status >= 300 && status <= 399) note = "a redirect, not followed";
        error e = detail::http_error(status, error_body_, what_, cfg_.limits.error_excerpt_bytes, cfg_.api_key, note);
        if (state_ == job_state::downloading && earlier_failure_ && status == 410)
            e.message += " (an earlier attempt failed mid-transfer: " + earlier_failure_->message + ")";
        if (state_ == job_state::polling && status == 404) {
            auto const& g = cfg_.policies.poll.not_found;
            if (not_found_retries_ < g.max_retries && now_ - job_known_at_ < g.window) {
                ++not_found_retries_;
                return retry_after_failure(std::move(e), /*counts_as_attempt=*/false);
            }
        }
        retry_policy const p = policy();
        if (p.retries_status(status) && attempt_ < p.max_attempts) return retry_after_failure(std::move(e), true);
        fail(std::move(e));
    }

    void on_transport_failure(error cause) {
        error e = detail::with_context(std::move(cause), what_, cfg_.api_key);
        if (state_ == job_state::canceling) return end_remote_cancel(e.message);
        if (state_ == job_state::downloading && sink_bytes_ > 0) {
            error p(errc::partial_delivery,
                    "the download failed after " + std::to_string(sink_bytes_) +
                        " bytes reached the sink; not retried: the sink already holds the start of the body" +
                        (single_use_ ? std::string(" and the large result is single-use") : std::string()) + ". Cause: " +
                        e.message);
            p.native_code = e.native_code;
            return fail(std::move(p));
        }
        retry_policy const p = policy();
        if (p.retries_transport(e.code) && attempt_ < p.max_attempts) {
            if (state_ == job_state::downloading) earlier_failure_ = e;
            return retry_after_failure(std::move(e), true);
        }
        fail(std::move(e));
    }

    // Send the current request again after max(backoff, Retry-After), unless that ends past the
    // deadline.
    void retry_after_failure(error e, bool counts_as_attempt) {
        retry_policy const p = policy();
        std::chrono::milliseconds delay = p.backoff.delay(waits_++, rng_);
        if (x_.have_head) {
            if (auto ra = http::retry_delay(x_.head, wall_)) delay = (std::max)(delay, *ra);
        }
        if (!counts_as_attempt && attempt_ > 0) --attempt_;
        if (deadline_ && later(now_, delay) > *deadline_) {
            error d = e;
            d.code = errc::deadline_exceeded;
            d.message = "deadline reached: the next attempt (in " + std::to_string(delay.count()) +
                        " ms) would start after it; last failure: " + e.message;
            return fail(std::move(d));
        }
        if (obs_.on_retry) obs_.on_retry(retry_event{*phase_of(state_), attempt_, delay, &e});
        apply(job_event::retry, later(now_, delay));
    }

    // now + d, saturating at the end of the clock. A server's Retry-After may ask for up to
    // milliseconds::max() (parse_retry_after's contract), far more than a nanosecond time_point
    // can add without overflowing.
    static time_point later(time_point now, std::chrono::milliseconds d) noexcept {
        using dur = time_point::duration;
        if (d.count() <= 0) return now;
        constexpr auto max_ms = std::chrono::duration_cast<std::chrono::milliseconds>((dur::max)());
        if (d >= max_ms) return (time_point::max)();
        auto const step = std::chrono::duration_cast<dur>(d);
        if (now.time_since_epoch() > (dur::max)() - step) return (time_point::max)();
        return now + step;
    }

    // ---- submitting ---------------------------------------------------------------------------

    void on_submit_answer() {
        auto v = answer_.finish();
        if (!v) return fail(detail::with_context(v.error(), what_ + " answer", cfg_.api_key));
        auto const* o = v->if_object();
        if (!o) return fail(error(errc::unexpected_shape, what_ + " answer is not a JSON object"));
        if (std::string_view const id_key = ack_id_key(*o); !id_key.empty()) {
            if (id_key != "job_id") { // read as an AsyncSubmissionResponse: the id under job_id
                boost::json::object& ack_object = v->get_object();
                boost::json::value id = *ack_object.if_contains(id_key);
                ack_object.erase(id_key);
                ack_object.insert_or_assign("job_id", std::move(id));
            }
            auto ack = pulse::decode<async_submission>(*v);
            if (!ack) return fail(detail::with_context(ack.error(), what_ + " answer", cfg_.api_key));
            if (auto bad = oversized_id(ack->job_id)) return fail(std::move(*bad));
            learn_job_id(std::move(ack->job_id)); // the id first: observers may persist it
            if (ack->status) note_status(*ack->status);
            if constexpr (is_handle) {
                return succeed(job_handle{job_id_, plan_.kind, cfg_.base_url});
            } else {
                if (!stage_poll()) return;
                return apply(job_event::accepted, now_ + cfg_.policies.poll.first_poll_delay);
            }
        }
        if constexpr (is_handle) {
            return fail(error(errc::unexpected_shape,
                              what_ + " answer holds a result instead of a job id; the API ran the job at once"));
        } else {
            if (is_large_result_pointer(*v)) return stage_download(*v, "");
            deliver_inline(*v, "");
        }
    }

    // The member of a submission answer that holds the job's id, or "" when the answer is not an
    // acknowledgement (job_plan::ack_id_member and its fallback).
    std::string_view ack_id_key(boost::json::object const& o) const {
        if (o.contains(plan_.ack_id_member)) return plan_.ack_id_member;
        if (!plan_.ack_fallback_member.empty() && o.contains(plan_.ack_fallback_member) &&
            (plan_.result_member.empty() || !o.contains(plan_.result_member)))
            return plan_.ack_fallback_member;
        return {};
    }

    // A job id from the server goes into URLs and the caller's hands: one far longer than any
    // real id (a hostile or broken server's megabyte string) is refused, not used.
    std::optional<error> oversized_id(std::string const& id) const {
        if (id.size() <= cfg_.limits.max_id_bytes) return std::nullopt;
        error e(errc::string_too_long, what_ + " answer: a job id of " + std::to_string(id.size()) +
                                           " bytes exceeds the cap of " + std::to_string(cfg_.limits.max_id_bytes),
                "job_id");
        return e;
    }

    void learn_job_id(std::string id) {
        job_id_ = std::move(id);
        job_known_at_ = now_;
        if (obs_.on_job_id) obs_.on_job_id(job_id_);
    }

    // Stage the poll of the known job. False (and failed) when the id cannot be a path segment.
    bool stage_poll() {
        auto r = job_request(cfg_, http::method::get, job_id_);
        if (!r) {
            fail(detail::with_context(r.error(), "job id", cfg_.api_key));
            return false;
        }
        stage(std::move(*r), "poll GET /job/" + job_id_);
        return true;
    }

    // ---- polling ------------------------------------------------------------------------------

    void on_poll_answer() {
        auto v = answer_.finish();
        if (!v) return fail(detail::with_context(v.error(), what_ + " answer", cfg_.api_key));
        auto r = pulse::decode<job_status_response>(*v);
        if (!r) return fail(detail::with_context(r.error(), what_ + " answer", cfg_.api_key));
        job_status_response& s = *r;
        if (auto bad = oversized_id(s.job_id)) return fail(std::move(*bad));
        ++polls_;
        note_status(s.status);
        if (obs_.on_poll) obs_.on_poll(polls_);
        using V = job_status::value_type;
        switch (s.status.value()) {
        case V::completed: {
            if (!s.result || s.result->is_null())
                return fail(error(errc::missing_member, "the job completed without a result", "result"));
            if constexpr (decodes || is_raw) {
                if (is_large_result_pointer(*s.result)) return stage_download(*s.result, "result");
                return deliver_inline(*s.result, "result");
            } else {
                return fail(error(errc::protocol_error, "a submission machine does not poll"));
            }
        }
        case V::failed: return fail(job_error(errc::job_failed, s, "the job failed"));
        case V::canceled: return fail(job_error(errc::job_canceled, s, "the job was canceled"));
        case V::expired: return fail(job_error(errc::job_expired, s, "the job expired and its output was purged; run it again"));
        case V::pending:
        case V::processing:
        case V::unknown: break;
        }
        if (s.result && !s.result->is_null() && obs_.on_poll_result) obs_.on_poll_result(*s.result);
        if (deadline_ && now_ >= *deadline_) {
            error e(errc::deadline_exceeded, "deadline reached while the job was still " + s.status.str() + " after " +
                                                 std::to_string(polls_) + " polls");
            return fail(std::move(e));
        }
        auto delay = cfg_.policies.poll.interval.delay(interval_index_++, rng_);
        if (auto ra = http::retry_delay(x_.head, wall_)) delay = (std::max)(delay, *ra);
        apply(job_event::running, later(now_, delay));
    }

    error job_error(errc code, job_status_response const& s, std::string_view fallback) const {
        std::string text;
        if (s.error && !s.error->empty()) {
            text = *s.error;
        } else if (auto const* m = s.extra.if_contains("message"); m && m->is_string()) {
            text.assign(m->get_string().data(), m->get_string().size());
        }
        error e(code, text.empty() ? std::string(fallback) : std::string(fallback) + ": " + text);
        e.redact(cfg_.api_key);
        return e;
    }

    void note_status(job_status const& s) {
        bool const changed = !status_ || !(*status_ == s);
        status_ = s;
        if (changed && obs_.on_status) obs_.on_status(s);
    }

    // ---- downloading --------------------------------------------------------------------------

    // An answer held a large-result pointer: stage its download.
    void stage_download(boost::json::value const& v, std::string_view path) {
        auto p = pulse::decode<large_result_pointer>(v);
        if (!p) {
            error e = p.error();
            if (!path.empty()) e.path = e.path.empty() ? std::string(path) : std::string(path) + "." + e.path;
            return fail(detail::with_context(std::move(e), "large-result pointer", cfg_.api_key));
        }
        auto req = pointer_request(cfg_, p->url);
        if (!req) {
            error e = req.error();
            e.path = path.empty() ? std::string("url") : std::string(path) + ".url";
            return fail(std::move(e));
        }
        pointer_ = std::move(*p);
        single_use_ = true;
        stage(std::move(*req), "large result download");
        apply(job_event::pointer, now_);
    }

    void on_download_done() {
        if constexpr (is_raw) {
            download_info d;
            d.bytes = sink_bytes_;
            d.content_length = x_.content_length;
            if (auto ct = x_.head.headers.find("content-type")) d.content_type = std::string(*ct);
            d.pointer = pointer_;
            return succeed(std::move(d));
        } else if constexpr (decodes) {
            if (!out_.decode) return fail(error(errc::invalid_argument, "nothing to decode into"));
            if (!decoder_.failed() && decoder_.bytes_consumed() == 0)
                return fail(detail::with_context(error(errc::json_syntax, "empty body where JSON was expected"), what_, cfg_.api_key));
            auto r = decoder_.finish();
            if (!r) {
                error e = detail::with_context(r.error(), what_, cfg_.api_key);
                e.bytes_delivered = sink_bytes_;
                return fail(std::move(e));
            }
            merge_pointer(*r);
            succeed(std::move(*r));
        } else {
            fail(error(errc::protocol_error, "a submission machine does not download"));
        }
    }

    void merge_pointer(T& t) const {
        if constexpr (requires { t.plan_info; }) {
            if (pointer_ && pointer_->plan_info && !t.plan_info) t.plan_info = pointer_->plan_info;
        }
    }

    // An inline result (poll `result` or a synchronous answer): to the sink as JSON text, and/or
    // decoded. The sink gets it first, so the bytes are kept even if decoding fails.
    void deliver_inline(boost::json::value const& v, std::string_view path) {
        if (out_.sink) {
            std::string const text = boost::json::serialize(v);
            http::response_head head;
            head.status = 200;
            head.headers.set("Content-Type", "application/json");
            head.headers.set("Content-Length", std::to_string(text.size()));
            sink_started_ = true;
            if (out_.sink->on_head(head) == http::sink_action::abort)
                return fail(error(errc::aborted_by_sink, "the result sink refused the response"));
            sink_bytes_ += text.size();
            if (out_.sink->on_body(text) == http::sink_action::abort)
                return fail(error(errc::aborted_by_sink, "the result sink asked to stop"));
        }
        if constexpr (is_raw) {
            download_info d;
            d.bytes = sink_bytes_;
            d.content_length = sink_bytes_;
            d.content_type = "application/json";
            d.inline_result = true;
            return succeed(std::move(d));
        } else if constexpr (decodes) {
            auto r = pulse::decode<T>(v);
            if (!r) {
                error e = r.error();
                if (!path.empty()) e.path = e.path.empty() ? std::string(path) : std::string(path) + "." + e.path;
                e.bytes_delivered = sink_bytes_;
                return fail(detail::with_context(std::move(e), what_ + " answer", cfg_.api_key));
            }
            succeed(std::move(*r));
        } else {
            (void)path;
            fail(error(errc::protocol_error, "a submission machine has no result to deliver"));
        }
    }

    // ---- requesting ---------------------------------------------------------------------------

    void on_single_answer() {
        auto v = answer_.finish();
        if (!v) return fail(detail::with_context(v.error(), what_ + " answer", cfg_.api_key));
        if constexpr (is_raw) {
            deliver_inline(*v, "");
        } else if constexpr (decodes) {
            auto r = pulse::decode<T>(*v);
            if (!r) return fail(detail::with_context(r.error(), what_ + " answer", cfg_.api_key));
            if constexpr (std::is_same_v<T, job_status_response>) note_status(r->status);
            succeed(std::move(*r));
        } else {
            fail(error(errc::protocol_error, "a submission machine sends no one-shot request"));
        }
    }

    // ---- canceling ----------------------------------------------------------------------------

    // A local cancel, observed outside a transfer: end now, or first ask the server to cancel the
    // job too (config::remote_cancel, a known job that is not finished, while polling).
    void on_cancel() {
        bool const job_open = state_ == job_state::polling && !job_id_.empty() && (!status_ || !is_terminal(*status_));
        if (cfg_.remote_cancel && job_open) {
            if (auto r = job_request(cfg_, http::method::delete_, job_id_)) {
                stage(std::move(*r), "cancel DELETE /job/" + job_id_);
                // At once, not capped by the deadline: the cancel is the caller's last word.
                return apply(job_event::cancel_remote, (time_point::min)());
            }
        }
        error e = canceled_error({});
        apply(job_event::cancel, now_, &e);
    }

    void end_remote_cancel(std::string const& failure) {
        error e = canceled_error(failure.empty() ? std::string("the job was also canceled on the server")
                                                 : "canceling the job on the server failed (" + failure + ")");
        apply(job_event::canceled_remotely, now_, &e);
    }

    error canceled_error(std::string const& note) const {
        error e(errc::canceled, "canceled by the caller");
        if (!job_id_.empty()) e.message += " (job " + job_id_ + ")";
        if (!note.empty()) e.message += "; " + note;
        e.bytes_delivered = sink_bytes_;
        e.redact(cfg_.api_key);
        return e;
    }

    // ---- finishing ----------------------------------------------------------------------------

    // The machine itself stopped the transfer: a sink's abort, or a body it could not use.
    void fail_local(error e) {
        if (e.code == errc::aborted_by_sink) {
            e.message = what_ + ": " + e.message;
            e.bytes_delivered = sink_bytes_;
            return fail(std::move(e));
        }
        e = detail::with_context(std::move(e), what_ + (x_.dest == route::result ? "" : " answer"), cfg_.api_key);
        e.bytes_delivered = sink_bytes_;
        fail(std::move(e));
    }

    // Entering failed: the error, redacted, with how hard the failing request was tried and how
    // long the operation ran.
    void finish_error(error e) {
        e.redact(cfg_.api_key);
        // Attempts matter where a request failed (and perhaps was retried): not for a job that
        // failed on the server, a cancel or a caller's input.
        bool const request_failed = e.layer() == error_layer::transport || e.layer() == error_layer::http ||
                                    e.code == errc::deadline_exceeded || e.code == errc::partial_delivery;
        if (e.attempts == 0 && request_failed) e.attempts = attempt_;
        if (now_ > started_at_) e.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now_ - started_at_);
        if (e.bytes_delivered == 0) e.bytes_delivered = sink_bytes_;
        final_error_ = e;
        notify_sink(result<void>(e));
        final_.emplace(std::move(e));
        io_ = io::idle;
    }

    // Entering done.
    void finish_value(T v) {
        notify_sink(result<void>());
        final_.emplace(std::move(v));
        value_.reset();
        io_ = io::idle;
    }

    void notify_sink(result<void> outcome) {
        if (out_.sink && sink_started_) out_.sink->on_complete(std::move(outcome));
    }

    action final_action() const {
        if (final_->has_value()) return action{action_kind::done, nullptr, nullptr, {}, nullptr};
        return action{action_kind::failed, nullptr, nullptr, {}, &final_error_};
    }

    // ---- state --------------------------------------------------------------------------------

    config cfg_;
    job_plan plan_;
    delivery out_;
    jitter_source rng_;
    progress_observer obs_;

    job_state state_ = job_state::idle;
    time_point started_at_{}; // the first next(): elapsed time in errors is measured from here
    time_point now_{};        // the time of the current next()
    std::optional<time_point> deadline_;
    std::optional<std::chrono::system_clock::time_point> wall_;

    // The current request and the next state's, staged until the state is entered.
    http::request req_;
    http::request staged_;
    std::string what_;
    io io_ = io::idle;
    time_point wake_at_{};
    unsigned attempt_ = 0; // attempts of the current request (consecutive failures when polling)
    unsigned waits_ = 0;   // backoff index for retries

    // The job.
    std::string job_id_;
    time_point job_known_at_{};
    std::optional<job_status> status_;
    unsigned polls_ = 0;
    unsigned interval_index_ = 0;
    unsigned not_found_retries_ = 0;

    // The download.
    std::optional<large_result_pointer> pointer_;
    bool single_use_ = false;
    std::optional<error> earlier_failure_;

    // The transfer in flight and what reads its body.
    transfer x_;
    std::string error_body_;
    json_reader answer_;
    stream_decoder<std::conditional_t<decodes, T, job_cancellation>> decoder_;
    bool sink_started_ = false;
    std::uint64_t sink_bytes_ = 0;

    bool cancel_requested_ = false;

    // The outcome: the value on its way to done, then the final result.
    std::optional<T> value_;
    std::optional<result<T>> final_;
    error final_error_;
};

// The machine's inputs and its step, defined outside the class body so that they are not inline:
// in compiled mode (pulse/detail/compiled.hpp) the extern template declaration of job_flow<T> then
// keeps every translation unit from instantiating them and the decoder behind them (compilers
// instantiate inline members for inlining even then).

template <class T>
http::sink_action job_flow<T>::handle_head(http::response_head const& head) {
    if (io_ != io::in_flight) return http::sink_action::abort;
    if (cancel_observable()) return self_abort(abort_reason::cancel);
    // One head per transfer (response.hpp). A second one is a transport fault, not a new answer:
    // taken as one, a 429 after body bytes reached the sink would make a single-use download
    // retry.
    if (x_.have_head) return fail_in_transfer(error(errc::protocol_error, "a second response head in one transfer"));
    x_.head = head;
    x_.have_head = true;
    x_.content_length = head.content_length();
    bool const ok = head.status >= 200 && head.status <= 299;
    if (!ok) {
        x_.dest = route::error_body;
        error_body_.clear();
        return http::sink_action::proceed;
    }
    if (state_ == job_state::downloading) {
        x_.dest = route::result;
        if (out_.decode) {
            stream_limits lim = limits_of(cfg_.limits.max_result_bytes);
            lim.max_memory_bytes = cfg_.limits.max_result_memory;
            decoder_.reset(lim);
            // The announced size lets the decoder size the big arrays once instead of growing
            // them step by step.
            // Not under a Content-Encoding: the length then counts the encoded bytes, and the
            // transport hands over decoded ones.
            if (x_.content_length && !has_content_encoding(head)) decoder_.expect_size(*x_.content_length);
        }
        if (out_.sink) {
            sink_started_ = true;
            if (out_.sink->on_head(head) == http::sink_action::abort)
                return fail_in_transfer(error(errc::aborted_by_sink, "the result sink refused the response"));
        }
        return http::sink_action::proceed;
    }
    x_.dest = route::answer;
    answer_.reset(limits_of(cfg_.limits.max_answer_bytes));
    return http::sink_action::proceed;
}

template <class T>
http::sink_action job_flow<T>::handle_body(std::string_view chunk) {
    if (io_ != io::in_flight) return http::sink_action::abort;
    if (cancel_observable()) return self_abort(abort_reason::cancel);
    switch (x_.dest) {
    case route::none: return http::sink_action::proceed; // a body without a head: ignored
    case route::answer:
        if (auto r = answer_.feed(chunk); !r) return fail_in_transfer(r.error());
        return http::sink_action::proceed;
    case route::error_body: {
        std::size_t const room = cfg_.limits.max_error_body_bytes - (std::min)(cfg_.limits.max_error_body_bytes, error_body_.size());
        error_body_.append(chunk.substr(0, (std::min)(room, chunk.size())));
        // Enough to know what the server said; do not download an unbounded error body.
        if (chunk.size() > room) return self_abort(abort_reason::error_body_full);
        return http::sink_action::proceed;
    }
    case route::result: {
        x_.received += chunk.size();
        if (obs_.on_download) obs_.on_download(x_.received, x_.content_length);
        if (out_.decode && !decoder_.failed()) {
            // Without a sink nobody wants the rest once decoding failed: stop the transfer.
            // With a sink, keep streaming: the caller gets every byte, and the decode error
            // is reported at the end. Except past a cap (the body's size, the value's memory):
            // the caps bound what a response may cost, and a body without end would otherwise
            // stream into the sink for ever. The sink keeps what came (bytes_delivered).
            if (auto r = decoder_.write(chunk); !r && (!out_.sink || is_cap(r.error().code)))
                return fail_in_transfer(r.error());
        }
        if (out_.sink) {
            sink_bytes_ += chunk.size();
            if (out_.sink->on_body(chunk) == http::sink_action::abort)
                return fail_in_transfer(error(errc::aborted_by_sink, "the result sink asked to stop"));
        }
        return http::sink_action::proceed;
    }
    }
    return http::sink_action::proceed;
}

template <class T>
action job_flow<T>::next(time_point now) {
    now_ = now;
    if (state_ == job_state::idle) start();
    if (final_) return final_action();
    if (io_ == io::in_flight) {
        if (cancel_observable() && !x_.abort_issued) {
            x_.abort_issued = true;
            x_.abort = abort_reason::cancel;
            return action{action_kind::abort_transfer, nullptr, handler(), {}, nullptr};
        }
        return action{action_kind::in_flight, nullptr, nullptr, {}, nullptr};
    }
    if (x_.completed) {
        x_.completed = false;
        process();
        if (final_) return final_action();
    }
    if (cancel_observable()) {
        on_cancel();
        if (final_) return final_action();
    }
    if (io_ == io::scheduled && now < wake_at_) return action{action_kind::wait, nullptr, nullptr, wake_at_, nullptr};
    // Send the current request.
    io_ = io::in_flight;
    ++attempt_;
    x_ = transfer{};
    return action{action_kind::send, &req_, handler(), {}, nullptr};
}

// Compiled mode (detail/compiled.hpp): the job machine for every end it can have, instantiated once
// in the program. (schema/codec.hpp, included above, brought the answers' types.)
#if PULSE_DETAIL_COMPILED
#define PULSE_DETAIL_FLOW_INSTANCES(T) PULSE_DETAIL_INSTANTIATE class job_flow<T>;
PULSE_DETAIL_FOR_EACH_FLOW_END(PULSE_DETAIL_FLOW_INSTANCES)
#undef PULSE_DETAIL_FLOW_INSTANCES
#endif

} // namespace flow
PULSE_NAMESPACE_END

#endif
