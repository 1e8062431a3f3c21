// SPDX-License-Identifier: MIT
//
// Ctrl-C for `pulse`: SIGINT and SIGTERM become a std::stop_source request, which the library's
// blocking driver observes (pulse::run: before each step, during sleeps, and at the next chunk of a
// transfer). The library then returns errc::canceled -- after one best-effort DELETE /job/{id}
// when --cancel-on-interrupt set pulse::config::remote_cancel -- and the tool exits with 12.
//
// Why a thread with sigtimedwait() instead of a signal handler: std::stop_source::request_stop()
// runs the registered stop callbacks (the driver's sleep notifies a condition variable), which is
// not async-signal-safe. So the signals are blocked in every thread (the mask is set before any
// other thread starts, and threads inherit it) and one thread receives them synchronously.
//
// A second Ctrl-C quits at once (exit 12): a transfer stalled inside the transport is only
// interrupted by the transport's own stall timeout, and nobody should have to wait for that.
//
// On Windows there are no signals to block: a console control handler (SetConsoleCtrlHandler)
// receives Ctrl-C, Ctrl-Break and the console window closing, on a thread Windows starts for it,
// where requesting stop is as safe as on the watcher thread above.
#ifndef PULSE_CLI_INTERRUPT_HPP
#define PULSE_CLI_INTERRUPT_HPP

#include "exit_codes.hpp"

#if defined(_WIN32)
#include <windows.h>

#include <io.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <stop_token>
#include <utility>

namespace pulse_cli {

class interrupt_watcher {
public:
    /// Installs the console control handler. `on_first` runs on the handler's thread when the first
    /// interrupt arrives, after stop was requested (to print a note).
    explicit interrupt_watcher(std::function<void(int)> on_first = {}) : on_first_(std::move(on_first)) {
        current() = this;
        ::SetConsoleCtrlHandler(&handler, TRUE);
    }
    ~interrupt_watcher() {
        ::SetConsoleCtrlHandler(&handler, FALSE);
        current() = nullptr;
    }
    interrupt_watcher(interrupt_watcher const&) = delete;
    interrupt_watcher& operator=(interrupt_watcher const&) = delete;

    std::stop_token token() const noexcept { return source_.get_token(); }
    /// SIGINT once interrupted (the value the POSIX build reports for Ctrl-C), 0 before.
    int signal_received() const noexcept { return signal_.load(); }

    /// Replace the note printed on the first interrupt (set before the library call starts).
    void set_on_first(std::function<void(int)> f) {
        std::lock_guard lock(mx_);
        on_first_ = std::move(f);
    }

private:
    static std::atomic<interrupt_watcher*>& current() {
        static std::atomic<interrupt_watcher*> w{nullptr};
        return w;
    }

    static BOOL WINAPI handler(DWORD type) {
        if (type != CTRL_C_EVENT && type != CTRL_BREAK_EVENT && type != CTRL_CLOSE_EVENT) return FALSE;
        interrupt_watcher* self = current().load();
        if (!self) return FALSE;
        if (self->signal_.exchange(SIGINT) != 0) {
            static constexpr char msg[] = "\npulse: interrupted twice, quitting\n";
            (void)::_write(2, msg, sizeof msg - 1);
            std::_Exit(exit_interrupted);
        }
        self->source_.request_stop();
        std::function<void(int)> f;
        {
            std::lock_guard lock(self->mx_);
            f = self->on_first_;
        }
        if (f) f(SIGINT);
        return TRUE;
    }

    std::stop_source source_;
    std::atomic<int> signal_{0};
    std::mutex mx_;
    std::function<void(int)> on_first_;
};

} // namespace pulse_cli

#else // POSIX

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <ctime>
#include <mutex>
#include <functional>
#include <stop_token>
#include <thread>
#include <utility>

namespace pulse_cli {

class interrupt_watcher {
public:
    /// Blocks SIGINT and SIGTERM in the calling thread (create this before any other thread) and
    /// starts the watching thread. `on_first` runs on that thread when the first signal arrives,
    /// after stop was requested (to print a note).
    explicit interrupt_watcher(std::function<void(int)> on_first = {}) : on_first_(std::move(on_first)) {
        sigemptyset(&set_);
        sigaddset(&set_, SIGINT);
        sigaddset(&set_, SIGTERM);
        sigaddset(&set_, wake_signal); // the destructor's wake-up call
        pthread_sigmask(SIG_BLOCK, &set_, nullptr);
        thread_ = std::thread([this] { watch(); });
    }
    ~interrupt_watcher() {
        done_.store(true);
        if (thread_.joinable()) {
            pthread_kill(thread_.native_handle(), wake_signal); // no need to wait for the timeout
            thread_.join();
        }
    }
    interrupt_watcher(interrupt_watcher const&) = delete;
    interrupt_watcher& operator=(interrupt_watcher const&) = delete;

    std::stop_token token() const noexcept { return source_.get_token(); }
    /// The first signal received, 0 when none.
    int signal_received() const noexcept { return signal_.load(); }

    /// Replace the note printed on the first signal (set before the library call starts).
    void set_on_first(std::function<void(int)> f) {
        std::lock_guard lock(mx_);
        on_first_ = std::move(f);
    }

private:
    static constexpr int wake_signal = SIGUSR2;

    void watch() {
        timespec const tick{0, 500'000'000}; // done_ is also checked twice a second
        while (!done_.load()) {
            siginfo_t info;
            int const s = sigtimedwait(&set_, &info, &tick);
            if (s < 0 || s == wake_signal) continue; // EAGAIN (timeout), EINTR, or the wake-up
            if (signal_.load() != 0) {
                static constexpr char msg[] = "\npulse: interrupted twice, quitting\n";
                (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
                ::_exit(exit_interrupted);
            }
            signal_.store(s);
            source_.request_stop();
            std::function<void(int)> f;
            {
                std::lock_guard lock(mx_);
                f = on_first_;
            }
            if (f) f(s);
        }
    }

    sigset_t set_{};
    std::stop_source source_;
    std::atomic<int> signal_{0};
    std::atomic<bool> done_{false};
    std::mutex mx_;
    std::function<void(int)> on_first_;
    std::thread thread_; // last: starts after the members above exist
};

} // namespace pulse_cli

#endif // POSIX

#endif
