// SPDX-License-Identifier: MIT
//
// How long to wait, and when to give up: the poll, backoff and retry policies every flow machine
// uses, and the small random source their jitter draws from.
//
// Why these pieces and these defaults:
// - Polling = a wait before the first poll, then an exponential interval with jitter between a
//   floor and a cap, inside one overall deadline. Pulse's own client polls every 3 s for up to
//   20 min; we start at 1 s (short jobs finish fast), grow x1.5, cap at 10 s, and stop at 30 min.
// - Retrying a failed request is a separate policy per phase, because the phases differ in what is
//   safe. A GET (poll, download) is idempotent: retry 408, 429, 5xx and transport failures. A
//   submission is not: a 5xx or a timeout may mean the job *was* created, and a second POST costs
//   money twice. So a submission retries only 429 (no job created) and failures that happened
//   before the request left the machine (DNS, connect, TLS), unless the caller opts in with
//   retry_submission_on_server_error.
// - The wait before a retry is max(backoff, Retry-After): the server's number is a lower bound,
//   our backoff another. A wait that would end past the deadline is not taken; the operation stops
//   at once with deadline_exceeded (which keeps the last answer's status and text).
// - Jitter only ever shortens a delay (the delay is drawn from [d * (1 - jitter), d]), so the cap
//   stays a true cap and a floor still applies after it. Many clients started together spread out.
// - Randomness is injected: a jitter_source is seeded by whoever builds the machine. Nothing here
//   reads std::random_device or a clock, so a test with a fixed seed sees the same delays every run.
#ifndef PULSE_FLOW_POLICY_HPP
#define PULSE_FLOW_POLICY_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>

PULSE_NAMESPACE_BEGIN
namespace flow {

/// A small deterministic pseudo-random source (splitmix64) for jitter. Not cryptographic; it only
/// has to spread retries out. A value type: copying it copies its state.
class jitter_source {
public:
    /// A source whose sequence is fixed by `seed`: the same seed, the same delays.
    explicit constexpr jitter_source(std::uint64_t seed = 0) noexcept : state_(seed) {}

    /// The next 64 random bits.
    constexpr std::uint64_t next_u64() noexcept {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }

    /// A uniform double in [0, 1) (53 random bits).
    constexpr double next_unit() noexcept { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

private:
    std::uint64_t state_;
};

/// Exponential backoff with jitter: attempt n (0-based) waits about initial * multiplier^n, never
/// more than `cap`, never less than `floor`.
struct backoff_policy {
    std::chrono::milliseconds initial{1000}; ///< the first delay, before jitter
    double multiplier = 2.0; ///< growth per attempt; values below 1 count as 1 (no shrinking)
    std::chrono::milliseconds floor{250};  ///< no delay is shorter, jitter included
    /// No delay is longer (a cap below floor counts as floor).
    std::chrono::milliseconds cap{15'000};
    /// Fraction of the delay that may be removed at random, in [0, 1]. 0 disables jitter.
    double jitter = 0.2;

    /// The delay before attempt `n + 1` (n counts the waits already taken, from 0).
    std::chrono::milliseconds delay(unsigned n, jitter_source& rng) const noexcept {
        double const cap_ms = static_cast<double>((std::max)(cap, floor).count());
        double d = static_cast<double>(initial.count());
        for (unsigned i = 0; i < n && d < cap_ms; ++i) d *= multiplier < 1.0 ? 1.0 : multiplier;
        d = (std::min)(d, cap_ms);
        double const j = std::clamp(jitter, 0.0, 1.0);
        if (j > 0.0) d -= d * j * rng.next_unit();
        auto const ms = std::chrono::milliseconds{static_cast<std::int64_t>(d)};
        return (std::max)(ms, floor);
    }
};

/// Which failures a retry_policy retries. Combine with |.
enum class retry_on : unsigned {
    none = 0, ///< retry nothing

    /// The request never left this machine: resolve, connect or TLS failure. Safe for any method.
    connect_failure = 1u << 0,
    /// Any other transport failure (reset, timeout, body cut short): the server may have acted.
    transport_failure = 1u << 1,
    /// HTTP 408 Request Timeout.
    request_timeout = 1u << 2,
    /// HTTP 429 Too Many Requests (nothing was done; the server asks us to come back later).
    rate_limited = 1u << 3,
    /// HTTP 500-599.
    server_error = 1u << 4,
    /// Everything above: the right set for idempotent GETs.
    idempotent = connect_failure | transport_failure | request_timeout | rate_limited | server_error,
};

/// The union of two sets of failures.
constexpr retry_on operator|(retry_on a, retry_on b) noexcept {
    return static_cast<retry_on>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}
/// Whether `set` contains any failure of `bit`.
constexpr bool has(retry_on set, retry_on bit) noexcept {
    return (static_cast<unsigned>(set) & static_cast<unsigned>(bit)) != 0;
}

/// When to retry one request, and how long to wait in between.
struct retry_policy {
    /// Tries in total, including the first. 1 disables retries. For polls this counts consecutive
    /// failed polls: a poll that gets an answer resets it.
    unsigned max_attempts = 5;
    retry_on on = retry_on::idempotent; ///< which failures are retried
    backoff_policy backoff{};           ///< the wait before each retry (at least any Retry-After)

    /// Whether an answer with this HTTP status is retried (attempts permitting).
    constexpr bool retries_status(int status) const noexcept {
        if (status == 408) return has(on, retry_on::request_timeout);
        if (status == 429) return has(on, retry_on::rate_limited);
        if (status >= 500 && status <= 599) return has(on, retry_on::server_error);
        return false;
    }

    /// Whether a transport failure with this code is retried (attempts permitting). A sink's abort,
    /// local conditions, a rejected certificate and a failed proxy are never retried.
    constexpr bool retries_transport(errc c) const noexcept {
        switch (c) {
        case errc::resolve_failed:
        case errc::connect_failed:
        case errc::tls_failed: return has(on, retry_on::connect_failure);
        // The same certificate, the same proxy: another attempt meets the same refusal.
        case errc::tls_verification_failed:
        case errc::proxy_failed: return false;
        default: break;
        }
        return layer_of(c) == error_layer::transport && has(on, retry_on::transport_failure);
    }
};

/// A 404 from GET /job/{id} right after the submission may be the job store catching up (the API
/// does not say whether a new job is visible to a poll at once). Within `window` from the moment the
/// job id became known, up to `max_retries` such 404s are retried; after that a 404 is fatal.
struct not_found_grace {
    unsigned max_retries = 3; ///< 404s retried at most, within the window
    /// How long after the job id became known a 404 may still be retried.
    std::chrono::milliseconds window{10'000};
};

/// How the status of a job is polled.
struct poll_policy {
    /// Wait between learning the job id and the first poll.
    std::chrono::milliseconds first_poll_delay{1000};
    /// Interval between polls that answered "not done yet". Attempt n is the n-th such answer.
    backoff_policy interval{std::chrono::milliseconds{1000}, 1.5, std::chrono::milliseconds{500},
                            std::chrono::milliseconds{10'000}, 0.2};
    not_found_grace not_found{}; ///< tolerance for a 404 right after the submission
};

/// Every policy a flow machine consults.
struct policies {
    /// Overall deadline of one operation (submit, polls, download), measured from the machine's
    /// first next(). No wait is scheduled past it. A transfer already in flight is not cut short
    /// by it (the machine cannot interrupt a blocking transport; transport timeouts bound that).
    /// Zero means no deadline.
    std::chrono::milliseconds deadline{std::chrono::minutes{30}};

    poll_policy poll{}; ///< how the job's status is polled

    /// POST /extract, POST /form/*. Retries only 429 and failures before the request left.
    retry_policy submit{4, retry_on::rate_limited | retry_on::connect_failure,
                        backoff_policy{std::chrono::milliseconds{1000}, 2.0, std::chrono::milliseconds{250},
                                       std::chrono::milliseconds{15'000}, 0.2}};
    /// Opt in to retrying a submission on 5xx, 408 and any transport failure. A retried submission
    /// may create a second job (and bill it): only for callers who accept that.
    bool retry_submission_on_server_error = false;

    /// GET /job/{id} while waiting for a job (consecutive failures).
    retry_policy poll_request{8, retry_on::idempotent, backoff_policy{}};
    /// Downloads: the large result, result PDFs and images. Only retried while no byte has
    /// reached the caller's sink.
    retry_policy download{4, retry_on::idempotent, backoff_policy{}};
    /// One-shot calls: job status, DELETE /job/{id}.
    retry_policy single{4, retry_on::idempotent, backoff_policy{}};

    /// The submit policy with the opt-in applied.
    retry_policy effective_submit() const noexcept {
        retry_policy p = submit;
        if (retry_submission_on_server_error) p.on = p.on | retry_on::idempotent;
        return p;
    }
};

} // namespace flow
PULSE_NAMESPACE_END

#endif
