// SPDX-License-Identifier: MIT
//
// `pulse webhook verify`: check a webhook delivery saved to a file (or piped in) against the
// endpoint's secret, and print the job it is about. Needs no API key and no network: it is the
// library's pulse::webhook::verify_and_decode on the command line, for debugging an endpoint or for
// a shell script behind a plain HTTP server.
//
// Built with the webhook target (PULSE_CLI_WEBHOOK, set by the build when pulse::webhook exists);
// without it the command only says so.
#ifndef PULSE_CLI_WEBHOOK_COMMAND_HPP
#define PULSE_CLI_WEBHOOK_COMMAND_HPP

#include "args.hpp"
#include "exit_codes.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#if PULSE_CLI_WEBHOOK
#include <pulse/webhook.hpp>
#endif

namespace pulse_cli {
namespace webhook_detail {

inline int usage(std::string_view message) {
    std::string const line = "pulse webhook: " + std::string(message) + "\nTry 'pulse webhook --help'.\n";
    std::fputs(line.c_str(), stderr);
    return exit_usage;
}

/// The whole of FILE, or of stdin for "-", as bytes. nullopt (errno's text in `why`) on failure.
inline std::optional<std::string> read_all(std::string const& path, std::string& why) {
    std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
    if (!f) {
        why = std::strerror(errno);
        return std::nullopt;
    }
    std::string out;
    char buf[65536];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    bool const failed = std::ferror(f) != 0;
    if (failed) why = std::strerror(errno);
    if (f != stdin) std::fclose(f);
    if (failed) return std::nullopt;
    return out;
}

} // namespace webhook_detail

/// `pulse webhook verify FILE|- --id ID --timestamp TS --signature SIG [--secret S] [--tolerance N]`.
/// Exit codes: 0 authentic (the job id on stdout, when the event names one), 13 not authentic,
/// 10 authentic but not a JSON object, 2 bad usage (a missing option, an unreadable file, no
/// secret or a malformed one).
inline int cmd_webhook(parsed_args const& p) {
    std::vector<std::string> const& pos = p.positionals;
    if (pos.size() < 2) return webhook_detail::usage("missing action: verify");
    if (pos[1] != "verify") return webhook_detail::usage("unknown action '" + pos[1] + "' (verify)");
    if (pos.size() != 3) return webhook_detail::usage("expected one body FILE ('-' for stdin)");
#if PULSE_CLI_WEBHOOK
    for (char const* name : {"id", "timestamp", "signature"})
        if (!p.get(name)) return webhook_detail::usage(std::string("--") + name + " is required (the webhook-" + name + " header)");

    long long tolerance = 300;
    if (auto t = p.get("tolerance")) {
        char* end = nullptr;
        errno = 0;
        tolerance = std::strtoll(t->c_str(), &end, 10);
        if (t->empty() || *end != '\0' || errno != 0 || tolerance < 0)
            return webhook_detail::usage("--tolerance wants a whole number of seconds, got '" + *t + "'");
    }
    std::optional<std::string> secret_text = p.get("secret");
    if (!secret_text)
        if (char const* env = std::getenv("PULSE_WEBHOOK_SECRET")) secret_text = env;
    if (!secret_text || secret_text->empty())
        return webhook_detail::usage("no secret: set PULSE_WEBHOOK_SECRET (or give --secret whsec_...)");
    auto secret = pulse::webhook::secret::parse(*secret_text);
    if (!secret) return webhook_detail::usage(secret.error().message);
    std::string why;
    auto body = webhook_detail::read_all(pos[2], why);
    if (!body) return webhook_detail::usage("cannot read " + pos[2] + ": " + why);

    std::string const id = *p.get("id"), timestamp = *p.get("timestamp"), signature = *p.get("signature");
    pulse::webhook::verify_options opts;
    opts.tolerance = std::chrono::seconds(tolerance);
    // Every refusal of verify() means "do not trust this delivery", whatever the reason; only a
    // refusal of the tool's own input (libcrypto refusing the key) is a usage error.
    if (auto ok = pulse::webhook::verify(*secret, {id, timestamp, signature}, *body, opts); !ok) {
        bool const ours = ok.error().code == pulse::errc::invalid_argument;
        std::string const msg = "pulse webhook: " + std::string(ours ? "" : "not authentic: ") + ok.error().to_string() + "\n";
        std::fputs(msg.c_str(), stderr);
        return ours ? exit_usage : exit_not_authentic;
    }
    auto ev = pulse::webhook::decode_event(*body);
    if (!ev) {
        std::string const msg = "pulse webhook: authentic, but not an event: " + ev.error().to_string() + "\n";
        std::fputs(msg.c_str(), stderr);
        return exit_decode;
    }
    auto const job = ev->job_id();
    if (job) {
        std::string const line = std::string(*job) + "\n";
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fflush(stdout);
    }
    if (!p.has("quiet")) {
        std::string note = "pulse: webhook " + id + " verified";
        if (auto type = ev->type()) note += ": " + std::string(*type);
        note += job ? ", job " + std::string(*job) : std::string(" (the event names no job)");
        note += "\n";
        std::fputs(note.c_str(), stderr);
    }
    return exit_ok;
#else
    (void)p;
    return webhook_detail::usage("this pulse was built without webhook support (the pulse::webhook target needs OpenSSL 3)");
#endif
}

} // namespace pulse_cli

#endif
