// Starts the local Pulse-compatible server (tools/pulse_server) as a child process for integration
// tests, reads the port it chose from its first stdout line ("listening on 127.0.0.1:PORT"), and
// stops it (SIGTERM, then wait) when destroyed. POSIX.
//
// The binary's path comes from the build: PULSE_TEST_SERVER (CMake: $<TARGET_FILE:pulse-server>).
//
// On Windows (the tests run under Wine, the server natively on the same machine: Wine cannot
// spawn a Linux process) the test attaches to a server the script already started instead, one
// per profile: the API key and the server arguments, with paths reduced to their file names
// ("test-key", "fm-secret-key-4711 --threads 2", "test-key --tls-cert server.pem --tls-key
// server.key"). PULSE_TEST_SERVERS lists them, ';'-separated, each "URL PROFILE"
// (tools/test-windows.sh writes it); the URL's host is the one base_url() gives the tests (Wine
// verifies certificates by DNS name only, so its HTTPS servers are "localhost"). Attaching clears
// the server's request log (DELETE /__requests, sent to 127.0.0.1 without verifying the
// certificate: Wine keeps connections process-wide by host and port whatever the verification,
// so this one must not be on the host the tests verify), which is what a test of a fresh server
// reads; jobs and submission counts are kept apart by the tests' own job ids and scenario tags.
// stop() leaves the server running.
#ifndef PULSE_TESTS_INTEGRATION_SERVER_PROCESS_HPP
#define PULSE_TESTS_INTEGRATION_SERVER_PROCESS_HPP

#if defined(_WIN32)

#include <winsock2.h> // before <windows.h> (which the adapter includes): the tests use sockets too

#include <pulse/http/body_sinks.hpp>
#include <pulse/http/request.hpp>
#include <pulse/winhttp/transport.hpp>

#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pulse_test {

class server_process {
public:
    /// Attach to the server the script started for this profile. On failure, running() is false
    /// and error() says why.
    explicit server_process(std::vector<std::string> extra_args = {}, std::string api_key = "test-key", std::string = {})
        : api_key_(std::move(api_key)) {
        std::string const want = profile(extra_args, api_key_);
        char const* list = std::getenv("PULSE_TEST_SERVERS");
        if (!list || !*list) {
            error_ = "PULSE_TEST_SERVERS is not set: on Windows the tests attach to servers tools/test-windows.sh starts";
            return;
        }
        std::string_view rest(list);
        while (!rest.empty()) {
            auto const semi = rest.find(';');
            std::string_view entry = rest.substr(0, semi);
            rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
            auto const space = entry.find(' ');
            if (space == std::string_view::npos || entry.substr(space + 1) != want) continue;
            attach(std::string(entry.substr(0, space)));
            return;
        }
        error_ = "no server was started for the profile '" + want + "' (PULSE_TEST_SERVERS; tools/test-windows.sh starts one per profile)";
    }

    server_process(server_process const&) = delete;
    server_process& operator=(server_process const&) = delete;
    ~server_process() = default;

    static std::string default_binary() { return "pulse-server"; }

    /// The profile of a server: the key, then the arguments, each path reduced to its file name.
    static std::string profile(std::vector<std::string> const& args, std::string const& key) {
        std::string p = key;
        for (auto const& a : args) {
            auto const slash = a.find_last_of("/\\");
            p += " " + (slash == std::string::npos ? a : a.substr(slash + 1));
        }
        return p;
    }

    bool running() const noexcept { return port_ != 0; }
    std::string const& error() const noexcept { return error_; }
    int port() const noexcept { return port_; }
    std::string const& api_key() const noexcept { return api_key_; }
    std::string const& scheme() const noexcept { return scheme_; }
    std::string base_url() const { return scheme_ + "://" + host_ + ":" + std::to_string(port_); }
    int stop() { return 0; }

private:
    void attach(std::string const& url) {
        auto const colon = url.rfind(':');
        auto const sep = url.find("://");
        if (sep == std::string::npos || colon == std::string::npos || colon < sep + 3) {
            error_ = "PULSE_TEST_SERVERS: not a URL: " + url;
            return;
        }
        scheme_ = url.substr(0, sep);
        host_ = url.substr(sep + 3, colon - sep - 3);
        int const port = std::atoi(url.c_str() + colon + 1);
        // A fresh request log, as a freshly started server would have. The server's own TLS
        // certificate may be the one under test: not verified for this control call.
        pulse::http::transport_options o;
        o.verify_tls = false;
        pulse::winhttp::sync_transport t(o);
        pulse::http::request req;
        req.method = pulse::http::method::delete_;
        req.url = scheme_ + "://127.0.0.1:" + std::to_string(port) + "/__requests";
        pulse::http::string_sink sink(1 << 20);
        auto r = sink.finish(t.perform(req, sink));
        if (!r || sink.head().status != 200) {
            error_ = "cannot reach the server at " + url + ": " + (r ? "HTTP " + std::to_string(sink.head().status) : r.error().to_string());
            return;
        }
        port_ = port;
    }

    std::string api_key_;
    std::string scheme_ = "http";
    std::string host_ = "127.0.0.1";
    int port_ = 0;
    std::string error_;
};

} // namespace pulse_test

#else // POSIX: spawn the server

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <string>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>
#include <vector>

extern char** environ;

namespace pulse_test {

class server_process {
public:
    /// Start `binary` with `--port 0 --quiet --api-key <key>` plus `extra_args`. On failure,
    /// running() is false and error() says why. With `--tls-cert` among the arguments the server
    /// speaks HTTPS, and base_url() says so.
    explicit server_process(std::vector<std::string> extra_args = {}, std::string api_key = "test-key",
                            std::string binary = default_binary())
        : api_key_(std::move(api_key)) {
        for (auto const& a : extra_args)
            if (a == "--tls-cert") scheme_ = "https";
        std::vector<std::string> args = {binary, "--port", "0", "--quiet", "--api-key", api_key_};
        args.insert(args.end(), extra_args.begin(), extra_args.end());
        start(args);
    }

    server_process(server_process const&) = delete;
    server_process& operator=(server_process const&) = delete;

    ~server_process() { stop(); }

    static std::string default_binary() {
#ifdef PULSE_TEST_SERVER
        return PULSE_TEST_SERVER;
#else
        return "pulse-server";
#endif
    }

    bool running() const noexcept { return pid_ > 0 && port_ != 0; }
    std::string const& error() const noexcept { return error_; }
    int port() const noexcept { return port_; }
    std::string const& api_key() const noexcept { return api_key_; }
    /// "http" or "https"
    std::string const& scheme() const noexcept { return scheme_; }
    /// "http://127.0.0.1:PORT" ("https://..." with TLS)
    std::string base_url() const { return scheme_ + "://127.0.0.1:" + std::to_string(port_); }

    /// SIGTERM and wait; returns the exit status as waitpid reports it (or -1).
    int stop() {
        if (out_fd_ >= 0) {
            ::close(out_fd_);
            out_fd_ = -1;
        }
        if (lifeline_fd_ >= 0) {
            ::close(lifeline_fd_);
            lifeline_fd_ = -1;
        }
        if (pid_ <= 0) return -1;
        ::kill(pid_, SIGTERM);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
        return status;
    }

private:
    void start(std::vector<std::string> args) {
        // Both pipes close-on-exec, so no other spawned process keeps an end open. The server's
        // stdin is a pipe whose write end only this process holds: if the test dies without
        // calling stop() (a crash, a sanitizer abort), the server sees end of file and exits
        // instead of living on (and keeping ctest waiting on the output pipe it inherited).
        int fds[2];
        int lifeline[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            error_ = std::string("pipe: ") + std::strerror(errno);
            return;
        }
        if (::pipe2(lifeline, O_CLOEXEC) != 0) {
            error_ = std::string("pipe: ") + std::strerror(errno);
            ::close(fds[0]);
            ::close(fds[1]);
            return;
        }
        args.insert(args.begin() + 1, "--exit-on-stdin-eof");
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&actions, lifeline[0], STDIN_FILENO);

        std::vector<char*> argv;
        for (auto const& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        pid_t pid = -1;
        int const rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(fds[1]);
        ::close(lifeline[0]);
        out_fd_ = fds[0];
        lifeline_fd_ = lifeline[1];
        if (rc != 0) {
            error_ = "posix_spawn " + args[0] + ": " + std::strerror(rc);
            return;
        }
        pid_ = pid;

        // Read the first line. The 30 s limit only keeps a broken server from hanging the suite;
        // no test result depends on timing.
        std::string line;
        while (line.find('\n') == std::string::npos) {
            pollfd p{out_fd_, POLLIN, 0};
            int const pr = ::poll(&p, 1, 30000);
            if (pr <= 0) {
                error_ = "server printed no line within 30 s";
                return;
            }
            char buf[256];
            ssize_t const n = ::read(out_fd_, buf, sizeof buf);
            if (n <= 0) {
                error_ = "server exited before printing its port (output so far: '" + line + "')";
                return;
            }
            line.append(buf, static_cast<std::size_t>(n));
        }
        line.resize(line.find('\n'));
        std::string const prefix = "listening on 127.0.0.1:";
        if (line.rfind(prefix, 0) != 0) {
            error_ = "unexpected first line from server: '" + line + "'";
            return;
        }
        port_ = std::atoi(line.c_str() + prefix.size());
        if (port_ <= 0) error_ = "no port in: '" + line + "'";
    }

    std::string api_key_;
    std::string scheme_ = "http";
    pid_t pid_ = -1;
    int out_fd_ = -1;
    int lifeline_fd_ = -1;
    int port_ = 0;
    std::string error_;
};

} // namespace pulse_test

#endif // POSIX

#endif
