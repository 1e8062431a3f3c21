// SPDX-License-Identifier: MIT
//
// The error vocabulary of the whole library. Errors are values: every operation that can fail for a
// network, server or input reason returns pulse::result<T> (boost::system::result<T, pulse::error>),
// and nothing throws for those reasons.
//
// Why one struct instead of a bare error_code: callers need more than a number. A decode error must
// say *where* ("bounding_boxes.Text[3].page_number: expected integer, got string"), an HTTP error
// must keep the status, the API's own code ("FILE_001") and message, a transport error must keep the
// stack's text (curl's message). error_code alone carries none of that.
//
// Three layers stay apart: transport failure (the request never got an answer),
// HTTP status (the server answered, with a non-success status), and job failure (the server said
// the job ended as failed/canceled/expired). Decode, input and local (caller-side) errors are
// layers of their own. errc values are grouped by layer so layer() is derived, not stored.
#ifndef PULSE_ERROR_HPP
#define PULSE_ERROR_HPP

#include <pulse/detail/prelude.hpp>

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>
#include <boost/throw_exception.hpp>

#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

PULSE_NAMESPACE_BEGIN

/// Which part of the exchange failed. Derived from the errc.
enum class error_layer : unsigned char {
    none,      ///< not an error
    input,     ///< the caller's own input is unusable (bad file path, invalid option)
    decode,    ///< a body did not parse, or parsed but did not have the schema's shape
    transport, ///< no HTTP answer: DNS, connect, TLS, reset, timeout, body cut short
    http,      ///< the server answered with a status the operation cannot use
    job,       ///< the job itself ended unsuccessfully (status failed/canceled/expired)
    local,     ///< stopped on the caller's side: cancel, deadline, a cap, a sink's abort
};

/// Error conditions. Values are grouped by layer in blocks of 1000, so layer_of() derives the
/// layer from the number. The numbers are stable identifiers for logs; none of them is an HTTP
/// status (the status an answer carried is error::http_status).
enum class errc : int {
    ok = 0, ///< no error (a default-constructed pulse::error)

    // input (1000..1999)
    invalid_argument = 1001,   ///< an option or argument is invalid (message says which)
    file_error = 1002,         ///< a local file could not be opened, read or written
    signature_mismatch = 1003, ///< a signed message (a webhook delivery) carries no signature that matches it
    stale_timestamp = 1004,    ///< a signed message's timestamp is further in the past than the tolerance
    future_timestamp = 1005,   ///< a signed message's timestamp is further in the future than the tolerance

    // decode (2000..2999)
    json_syntax = 2001,      ///< bytes are not JSON (or are truncated JSON)
    type_mismatch = 2002,    ///< a member has the wrong JSON type (path says where)
    missing_member = 2003,   ///< a member the schema requires is absent (path says which)
    invalid_value = 2004,    ///< right type, unusable value (e.g. negative page_number)
    too_deep = 2005,         ///< nesting exceeded the depth cap
    string_too_long = 2006,  ///< a string or key exceeded the length cap
    unexpected_shape = 2007, ///< valid JSON that is not any shape the operation accepts

    // transport (3000..3999)
    transport_failed = 3001,   ///< anything else the stack reported
    resolve_failed = 3002,     ///< the host name did not resolve
    connect_failed = 3003,     ///< the TCP connection could not be established
    tls_failed = 3004,         ///< the TLS handshake failed for another reason than the certificate
    tls_verification_failed = 3005, ///< the server's certificate or host name was rejected (never retried)
    proxy_failed = 3006,       ///< the proxy could not be reached or refused the tunnel (never retried)
    timeout = 3007,            ///< connect, total or stall timeout
    connection_reset = 3008,   ///< the peer closed or reset the connection mid-exchange
    body_truncated = 3009,     ///< fewer bytes than Content-Length / chunked framing promised
    too_many_redirects = 3010, ///< a redirect chain exceeded the adapter's hop limit
    protocol_error = 3011,     ///< the peer did not speak HTTP correctly

    // http (4000..4999)
    http_status = 4001,  ///< any other non-success status
    bad_request = 4002,  ///< 400 / 413 / 422: retrying the same request will not help
    unauthorized = 4003, ///< 401: missing or invalid API key
    forbidden = 4004,    ///< 403: not your job, or no permission
    not_found = 4005,    ///< 404: unknown job / nothing stored
    gone = 4006,         ///< 410: the single-use large result was already downloaded, or expired
    rate_limited = 4007, ///< 429 after the retry budget ran out
    server_error = 4008, ///< 5xx after the retry budget ran out

    // job (5000..5999)
    job_failed = 5001,   ///< status "failed"; message holds the job's error text
    job_canceled = 5002, ///< status "canceled" or "cancelled"
    job_expired = 5003,  ///< status "expired": output purged, re-run the job

    // local (6000..6999)
    canceled = 6001,          ///< the caller cancelled
    deadline_exceeded = 6002, ///< the overall deadline passed before the job finished
    body_too_large = 6003,    ///< a body exceeded the caller's size cap
    aborted_by_sink = 6004,   ///< the caller's sink asked to stop
    partial_delivery = 6005,  ///< a single-use download failed after bytes reached the caller
    memory_limit = 6006,      ///< a decoded value would hold more memory than the caller's cap
};

/// The layer an errc belongs to.
constexpr error_layer layer_of(errc c) noexcept {
    switch (static_cast<int>(c) / 1000) {
    case 0: return error_layer::none;
    case 1: return error_layer::input;
    case 2: return error_layer::decode;
    case 3: return error_layer::transport;
    case 4: return error_layer::http;
    case 5: return error_layer::job;
    default: return error_layer::local;
    }
}

/// A short stable name for an errc ("type_mismatch", "gone", ...), for logs and tests.
constexpr std::string_view to_string(errc c) noexcept {
    switch (c) {
    case errc::ok: return "ok";
    case errc::invalid_argument: return "invalid_argument";
    case errc::file_error: return "file_error";
    case errc::signature_mismatch: return "signature_mismatch";
    case errc::stale_timestamp: return "stale_timestamp";
    case errc::future_timestamp: return "future_timestamp";
    case errc::json_syntax: return "json_syntax";
    case errc::type_mismatch: return "type_mismatch";
    case errc::missing_member: return "missing_member";
    case errc::invalid_value: return "invalid_value";
    case errc::too_deep: return "too_deep";
    case errc::string_too_long: return "string_too_long";
    case errc::unexpected_shape: return "unexpected_shape";
    case errc::transport_failed: return "transport_failed";
    case errc::resolve_failed: return "resolve_failed";
    case errc::connect_failed: return "connect_failed";
    case errc::tls_failed: return "tls_failed";
    case errc::tls_verification_failed: return "tls_verification_failed";
    case errc::proxy_failed: return "proxy_failed";
    case errc::timeout: return "timeout";
    case errc::connection_reset: return "connection_reset";
    case errc::body_truncated: return "body_truncated";
    case errc::too_many_redirects: return "too_many_redirects";
    case errc::protocol_error: return "protocol_error";
    case errc::http_status: return "http_status";
    case errc::bad_request: return "bad_request";
    case errc::unauthorized: return "unauthorized";
    case errc::forbidden: return "forbidden";
    case errc::not_found: return "not_found";
    case errc::gone: return "gone";
    case errc::rate_limited: return "rate_limited";
    case errc::server_error: return "server_error";
    case errc::job_failed: return "job_failed";
    case errc::job_canceled: return "job_canceled";
    case errc::job_expired: return "job_expired";
    case errc::canceled: return "canceled";
    case errc::deadline_exceeded: return "deadline_exceeded";
    case errc::body_too_large: return "body_too_large";
    case errc::aborted_by_sink: return "aborted_by_sink";
    case errc::partial_delivery: return "partial_delivery";
    case errc::memory_limit: return "memory_limit";
    }
    return "unknown";
}

/// constexpr-friendly name of a layer.
constexpr std::string_view to_string(error_layer l) noexcept {
    switch (l) {
    case error_layer::none: return "none";
    case error_layer::input: return "input";
    case error_layer::decode: return "decode";
    case error_layer::transport: return "transport";
    case error_layer::http: return "http";
    case error_layer::job: return "job";
    case error_layer::local: return "local";
    }
    return "unknown";
}

/// What went wrong, where, and with what the server said. A value type; cheap to move.
///
/// Invariant kept by the library: no field ever contains the API key. Text that came from the
/// server (an error body that may echo request headers) passes through redact() before it is
/// stored.
struct error {
    /// What went wrong; errc::ok for "no error". Its layer is layer().
    errc code = errc::ok;
    /// Human-readable summary, e.g. "expected integer, got string" or curl's message.
    std::string message;
    /// JSON path for decode errors ("bounding_boxes.Text[3].page_number"), else empty.
    std::string path;
    /// HTTP status when the server answered (0 when it did not).
    int http_status = 0;
    /// The API's own error code from the envelope ("FILE_001", "GONE"), when there was one.
    std::string api_code;
    /// The start of the raw response body (capped), kept so nothing the server said is lost.
    std::string body;
    /// The transport's native error number (e.g. a CURLcode), 0 when not applicable.
    int native_code = 0;
    /// Bytes of the body that reached the caller's sink before the failure (single-use downloads).
    std::size_t bytes_delivered = 0;
    /// How many times the failing request was sent (retries included); 0 when no request was
    /// sent (an input error) or the error did not come from an operation.
    unsigned attempts = 0;
    /// Time from the start of the operation to the failure (0 when not measured).
    std::chrono::milliseconds elapsed{0};

    /// No error (errc::ok, every field empty).
    error() = default;
    /// An error with its code, message and, for decode errors, the JSON path where it occurred.
    error(errc c, std::string msg, std::string where = {})
        : code(c), message(std::move(msg)), path(std::move(where)) {}

    /// The part of the exchange that failed, derived from `code`.
    error_layer layer() const noexcept { return layer_of(code); }
    /// True for an actual error (any code but errc::ok).
    explicit operator bool() const noexcept { return code != errc::ok; }

    /// One line: "<path>: <message>" for decode errors; otherwise "<layer> error (<code>):
    /// <message>", then the fields that are set: " at <path>", " [HTTP <status>]", " [<api_code>]",
    /// " [<n> attempts over <t>]" (when a request was sent more than once).
    std::string to_string() const {
        std::string s;
        if (!path.empty() && layer() == error_layer::decode) {
            s.append(path).append(": ").append(message);
        } else {
            s.append(pulse::to_string(layer())).append(" error (").append(pulse::to_string(code)).append(")");
            if (!message.empty()) s.append(": ").append(message);
            if (!path.empty()) s.append(" at ").append(path);
        }
        if (http_status != 0) s.append(" [HTTP ").append(std::to_string(http_status)).append("]");
        if (!api_code.empty()) s.append(" [").append(api_code).append("]");
        if (attempts > 1) {
            s.append(" [").append(std::to_string(attempts)).append(" attempts over ");
            auto const ms = elapsed.count();
            if (ms < 1000) {
                s.append(std::to_string(ms)).append(" ms]");
            } else {
                // One decimal of seconds: "6.6 s".
                s.append(std::to_string(ms / 1000)).append(".").append(std::to_string((ms % 1000) / 100)).append(" s]");
            }
        }
        return s;
    }

    /// Replace every occurrence of `secret` in the text fields with "[redacted]". The library
    /// calls this with the API key on every error that carries server-provided text.
    error& redact(std::string_view secret) {
        if (secret.empty()) return *this;
        for (std::string* s : {&message, &path, &api_code, &body}) {
            std::size_t pos = 0;
            while ((pos = s->find(secret, pos)) != std::string::npos) {
                s->replace(pos, secret.size(), "[redacted]");
                pos += 10;
            }
        }
        return *this;
    }
};

/// Every fallible operation returns this. `r.has_value()` / `r.error()`; `*r` for the value.
template <class T>
using result = boost::system::result<T, error>;

/// Found by ADL when result<T, error>::value() is called on an error. It reports through
/// boost::throw_exception, which a -fno-exceptions build must define (typically to log and abort).
/// Prefer has_value()/operator* — the library itself never calls value().
[[noreturn]] inline void throw_exception_from_error(error const& e, boost::source_location const& loc) {
    boost::throw_exception(std::runtime_error(e.to_string()), loc);
}

PULSE_NAMESPACE_END

#endif
