// Command-line options of pulse-server.
#pragma once

#include <cstdint>
#include <string>

namespace pulse_server {

struct options {
    unsigned short port = 0;                         // 0: ephemeral
    std::string api_key = "test-key";
    std::string result_file;                         // empty: the built-in sample result
    std::uint64_t large_threshold = 5'000'000;       // results above this many bytes become a pointer
    unsigned poll_steps = 2;
    bool quiet = false;
    bool exit_on_stdin_eof = false;
    std::string faults;                              // every --fault SPEC, joined with ';'
    std::string large_url_base;                      // empty: http://127.0.0.1:PORT
    unsigned threads = 1;
    std::string tls_cert;                            // PEM certificate chain; with tls_key: serve HTTPS
    std::string tls_key;                             // PEM private key
    // --write-sample SIZE_MB OUT: write a synthetic result to OUT and exit instead of serving.
    bool write_sample = false;
    double sample_megabytes = 0;
    std::string sample_out;
    std::uint64_t sample_seed = 1;
    bool sample_full_precision = false;
};

enum class parse_outcome { run, help, error };

// Fills `out`; on error `message` says what was wrong.
parse_outcome parse_command_line(int argc, char** argv, options& out, std::string& message);

const char* usage_text();

}  // namespace pulse_server
