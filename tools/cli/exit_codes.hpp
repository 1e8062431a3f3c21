// SPDX-License-Identifier: MIT
//
// The exit codes of the `pulse` command-line tool, and how a pulse::error maps onto them.
//
// Scripts branch on these, so each outcome a caller would handle differently gets its own number:
// fix the command line (2), fix the key (3), retry later (4, 9), re-run the job (5, 7, 8), give
// the job more time (11), do not trust a webhook delivery (13). The table is printed by `pulse --help` and documented in
// tools/cli/README.md; the numbers are part of the tool's interface and never change meaning.
#ifndef PULSE_CLI_EXIT_CODES_HPP
#define PULSE_CLI_EXIT_CODES_HPP

#include <pulse/error.hpp>

#include <string_view>

namespace pulse_cli {

enum exit_code : int {
    exit_ok = 0,
    exit_internal = 1,     ///< a bug or an unexpected condition in the tool itself
    exit_usage = 2,        ///< bad command line, or local input that cannot be used (missing file)
    exit_auth = 3,         ///< no API key, or the server refused it (401/403)
    exit_network = 4,      ///< no HTTP answer: DNS, connect, TLS, reset, timeout, body cut short
    exit_job_failed = 5,   ///< the job ended as failed, or a batch ended with items that did not complete
    exit_job_canceled = 6, ///< the job ended as canceled
    exit_job_expired = 7,  ///< the job expired (output purged; run it again)
    exit_gone = 8,         ///< 410: the single-use large result was already downloaded, or expired
    exit_server = 9,       ///< any other HTTP error (400, 404, 413, 429, 5xx after retries)
    exit_decode = 10,      ///< an answer was not the JSON the API documents
    exit_deadline = 11,    ///< --timeout ran out
    exit_interrupted = 12, ///< SIGINT/SIGTERM (Ctrl-C)
    exit_not_authentic = 13, ///< a webhook delivery failed verification (signature, timestamp, headers)
};

/// The table shown by `pulse --help` (and copied into tools/cli/README.md).
inline constexpr std::string_view exit_code_table =
    "Exit codes:\n"
    "   0  success\n"
    "   1  internal error in the tool\n"
    "   2  bad usage or bad input: unknown option, missing argument, a file that cannot be read\n"
    "      or written, a job token that cannot be read or belongs to another API\n"
    "   3  authentication: PULSE_API_KEY unset or empty, or the server refused the key (401/403)\n"
    "   4  network: no HTTP answer (DNS, connect, TLS, reset, stall, body cut short)\n"
    "   5  the job failed; or a batch finished but some of its items failed (its result is\n"
    "      written all the same)\n"
    "   6  the job was canceled\n"
    "   7  the job expired (its output was purged; run it again)\n"
    "   8  gone (410): the single-use large result was already downloaded, or expired\n"
    "   9  other HTTP or server error (400, 404, 413, 429 or 5xx after retries, ...)\n"
    "  10  decode error: an answer was not the JSON the API documents\n"
    "  11  deadline exceeded (--timeout)\n"
    "  12  interrupted (Ctrl-C / SIGTERM)\n"
    "  13  not authentic: a webhook delivery failed verification (signature, timestamp or headers)\n";

/// The exit code for an error. `deadline_passed`: the --timeout deadline is behind us, so a
/// transport timeout or a cancel is reported as the deadline it really was.
inline int exit_code_for(pulse::error const& e, bool deadline_passed = false) {
    using pulse::errc;
    switch (e.code) {
    case errc::ok: return exit_ok;
    case errc::unauthorized:
    case errc::forbidden: return exit_auth;
    case errc::gone: return exit_gone;
    case errc::job_failed: return exit_job_failed;
    case errc::job_canceled: return exit_job_canceled;
    case errc::job_expired: return exit_job_expired;
    case errc::deadline_exceeded: return exit_deadline;
    case errc::canceled: return deadline_passed ? exit_deadline : exit_interrupted;
    case errc::timeout: return deadline_passed ? exit_deadline : exit_network;
    case errc::partial_delivery: // a download cut short after bytes arrived (by our deadline?)
        return deadline_passed ? exit_deadline : exit_network;
    case errc::aborted_by_sink: return exit_usage;    // our own output refused the bytes (disk full)
    case errc::body_too_large:
    case errc::memory_limit: return exit_server;
    case errc::signature_mismatch:
    case errc::stale_timestamp:
    case errc::future_timestamp: return exit_not_authentic;
    default: break;
    }
    switch (e.layer()) {
    case pulse::error_layer::input: return exit_usage;
    case pulse::error_layer::decode: return exit_decode;
    case pulse::error_layer::transport: return exit_network;
    case pulse::error_layer::http: return exit_server;
    case pulse::error_layer::job: return exit_job_failed;
    case pulse::error_layer::local:
    case pulse::error_layer::none: break;
    }
    return exit_internal;
}

} // namespace pulse_cli

#endif
