#include "options.hpp"

#include "http_util.hpp"

#include <charconv>
#include <cstdint>
#include <string_view>

namespace pulse_server {

const char* usage_text() {
    return R"(usage: pulse-server [options]

A local Pulse-compatible API server for tests, benchmarks and demos. Prints
"listening on 127.0.0.1:PORT" on stdout once it accepts connections. Stops on
SIGINT/SIGTERM or POST /__shutdown.

options:
  --port N                 port on 127.0.0.1 (default 0: an ephemeral port)
  --api-key KEY            the accepted x-api-key (default test-key)
  --result FILE            ExtractResultCore JSON served for completed extract jobs,
                           streamed from disk (default: a small built-in sample)
  --large-threshold BYTES  results larger than this are delivered as a large-result
                           pointer (default 5000000); k/M/G suffixes are binary
  --large-url-base URL     origin used in large-result pointers, e.g.
                           http://localhost:PORT (default http://127.0.0.1:PORT);
                           the literal PORT is replaced with the bound port
  --poll-steps N           polls a job spends pending/processing (default 2)
  --fault SPEC             a scenario applied to every request (repeatable), e.g.
                           --fault 'poll_fault=503:ra=1@1'
  --threads N              I/O threads (default 1)
  --tls-cert FILE          serve HTTPS (TLS 1.2+) with this PEM certificate chain;
                           needs --tls-key; URLs the server writes become https://
  --tls-key FILE           PEM private key of --tls-cert
  --quiet                  no per-request log on stderr
  --exit-on-stdin-eof      stop when standard input reaches end of file (a test harness
                           holds the pipe's other end: if it dies, the server goes too)
  --write-sample MB OUT    write a synthetic ExtractResultCore of about MB megabytes to
                           OUT ("-": standard output) and exit; serve it with --result
  --seed N                 seed of --write-sample (default 1): same seed, same bytes
  --full-precision         --write-sample writes coordinates at full double precision
                           (shortest round-trip form) instead of 6 decimals
  --help                   this text

Per-job and per-request behaviour: header x-pulse-scenario (see README.md).
)";
}

namespace {

bool parse_number(std::string_view s, std::uint64_t max, std::uint64_t& out) {
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty() || v > max) return false;
    out = v;
    return true;
}

}  // namespace

parse_outcome parse_command_line(int argc, char** argv, options& out, std::string& message) {
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        std::string_view name = arg, value;
        bool has_inline_value = false;
        if (auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string_view::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
            has_inline_value = true;
        }
        auto need_value = [&]() -> bool {
            if (has_inline_value) return true;
            if (i + 1 >= argc) {
                message = std::string(name) + " needs a value";
                return false;
            }
            value = argv[++i];
            return true;
        };
        std::uint64_t n = 0;
        if (name == "--help" || name == "-h") return parse_outcome::help;
        if (name == "--quiet" || name == "-q") {
            out.quiet = true;
        } else if (name == "--exit-on-stdin-eof") {
            out.exit_on_stdin_eof = true;
        } else if (name == "--port") {
            if (!need_value()) return parse_outcome::error;
            if (!parse_number(value, 65535, n)) { message = "--port: expected 0-65535"; return parse_outcome::error; }
            out.port = static_cast<unsigned short>(n);
        } else if (name == "--api-key") {
            if (!need_value()) return parse_outcome::error;
            out.api_key = std::string(value);
        } else if (name == "--result") {
            if (!need_value()) return parse_outcome::error;
            out.result_file = std::string(value);
        } else if (name == "--large-threshold") {
            if (!need_value()) return parse_outcome::error;
            auto v = parse_size(value);
            if (!v) { message = "--large-threshold: expected a byte count"; return parse_outcome::error; }
            out.large_threshold = *v;
        } else if (name == "--large-url-base") {
            if (!need_value()) return parse_outcome::error;
            out.large_url_base = std::string(value);
            while (!out.large_url_base.empty() && out.large_url_base.back() == '/') out.large_url_base.pop_back();
        } else if (name == "--poll-steps") {
            if (!need_value()) return parse_outcome::error;
            if (!parse_number(value, 1000000, n)) { message = "--poll-steps: expected a number"; return parse_outcome::error; }
            out.poll_steps = static_cast<unsigned>(n);
        } else if (name == "--fault") {
            if (!need_value()) return parse_outcome::error;
            if (!out.faults.empty()) out.faults += ';';
            out.faults += value;
        } else if (name == "--threads") {
            if (!need_value()) return parse_outcome::error;
            if (!parse_number(value, 256, n) || n == 0) { message = "--threads: expected 1-256"; return parse_outcome::error; }
            out.threads = static_cast<unsigned>(n);
        } else if (name == "--tls-cert") {
            if (!need_value()) return parse_outcome::error;
            out.tls_cert = std::string(value);
        } else if (name == "--write-sample") {
            if (!need_value()) return parse_outcome::error;
            double mb = 0;
            auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), mb);
            if (ec != std::errc() || p != value.data() + value.size() || !(mb > 0) || mb > 1e6) {
                message = "--write-sample: expected a size in MB (0 < MB <= 1000000)";
                return parse_outcome::error;
            }
            if (i + 1 >= argc) { message = "--write-sample needs MB and OUT"; return parse_outcome::error; }
            out.write_sample = true;
            out.sample_megabytes = mb;
            out.sample_out = argv[++i];
        } else if (name == "--seed") {
            if (!need_value()) return parse_outcome::error;
            if (!parse_number(value, UINT64_MAX, n)) { message = "--seed: expected a number"; return parse_outcome::error; }
            out.sample_seed = n;
        } else if (name == "--full-precision") {
            out.sample_full_precision = true;
        } else if (name == "--tls-key") {
            if (!need_value()) return parse_outcome::error;
            out.tls_key = std::string(value);
        } else {
            message = "unknown option " + std::string(arg);
            return parse_outcome::error;
        }
    }
    if (out.tls_cert.empty() != out.tls_key.empty()) {
        message = "--tls-cert and --tls-key go together";
        return parse_outcome::error;
    }
    return parse_outcome::run;
}

}  // namespace pulse_server
