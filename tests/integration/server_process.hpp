// Starts the local Pulse-compatible server (tools/pulse_server) as a child process for integration
// tests, reads the port it chose from its first stdout line ("listening on 127.0.0.1:PORT"), and
// stops it (SIGTERM, then wait) when destroyed. POSIX only.
//
// The binary's path comes from the build: PULSE_TEST_SERVER (CMake: $<TARGET_FILE:pulse-server>).
#ifndef PULSE_TESTS_INTEGRATION_SERVER_PROCESS_HPP
#define PULSE_TESTS_INTEGRATION_SERVER_PROCESS_HPP

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

#endif
