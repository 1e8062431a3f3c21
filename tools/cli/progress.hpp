// SPDX-License-Identifier: MIT
//
// The progress display of `pulse` on stderr, fed by the library's pulse::progress_observer.
//
// Three modes, chosen once per run:
// - tty:   stderr is a terminal. One line rewritten in place with '\r': spinner, phase, job id,
//          status, poll count, a batch's item counts, elapsed time; during a download the bytes,
//          the rate, and a bar with a percentage when the server sent Content-Length. A ticker
//          thread redraws it every 200 ms so the clock moves while the client sleeps between
//          polls (the library calls the observer only when something happens). The line is cut to
//          the terminal's width, so it never wraps (a wrapped line cannot be rewritten with '\r').
// - plain: stderr is a pipe or a file (CI logs). One line per event: job id, each status change,
//          each change of a batch's item counts, each retry, the download every 16 MB and at its
//          end. No '\r', no escape sequences.
// - none:  --quiet. Nothing; errors are still printed (through error_line()).
//
// All writes to stderr go through this object (also errors and the summary), under one mutex, so
// the ticker never interleaves with them and a message is never glued to the end of the live line.
#ifndef PULSE_CLI_PROGRESS_HPP
#define PULSE_CLI_PROGRESS_HPP

#include "platform.hpp"

#include <pulse/error.hpp>
#include <pulse/progress.hpp>
#include <pulse/schema/job_status.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>

namespace pulse_cli {

using steady = std::chrono::steady_clock;

/// "812 B", "12.3 kB", "40.0 MB", "1.07 GB" (decimal units, like curl and most download tools).
inline std::string format_bytes(std::uint64_t n) {
    char buf[32];
    double const d = static_cast<double>(n);
    if (n < 1000) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
    else if (d < 1e6) std::snprintf(buf, sizeof buf, "%.1f kB", d / 1e3);
    else if (d < 1e9) std::snprintf(buf, sizeof buf, "%.1f MB", d / 1e6);
    else std::snprintf(buf, sizeof buf, "%.2f GB", d / 1e9);
    return buf;
}

/// "0.4s", "12.3s", "2m05s".
inline std::string format_seconds(double s) {
    char buf[32];
    if (s < 60) std::snprintf(buf, sizeof buf, "%.1fs", s);
    else {
        auto const total = static_cast<long long>(s);
        std::snprintf(buf, sizeof buf, "%lldm%02llds", total / 60, total % 60);
    }
    return buf;
}

/// Short reason of a failed attempt: "HTTP 503", "connect_failed".
inline std::string short_cause(pulse::error const* e) {
    if (!e) return "failure";
    if (e->http_status != 0) return "HTTP " + std::to_string(e->http_status);
    return std::string(pulse::to_string(e->code));
}

class progress {
public:
    enum class mode { none, plain, tty };

    /// none with --quiet, else tty when stderr is a terminal, else plain.
    static mode detect(bool quiet) {
        if (quiet) return mode::none;
        return platform::is_terminal(stderr) ? mode::tty : mode::plain;
    }

    explicit progress(mode m) : mode_(m), start_(steady::now()) {
        if (mode_ == mode::tty) ticker_ = std::jthread([this](std::stop_token st) { tick(st); });
    }
    ~progress() {
        if (ticker_.joinable()) {
            ticker_.request_stop();
            ticker_.join();
        }
    }
    progress(progress const&) = delete;
    progress& operator=(progress const&) = delete;

    mode display() const noexcept { return mode_; }

    /// What is happening before a job id is known ("submitting report.pdf (12.0 kB)").
    /// `print`: also a plain line (not for one-shot requests, whose answer is the only news).
    void set_activity(std::string text, bool print = true) {
        std::lock_guard lock(mx_);
        activity_ = std::move(text);
        if (mode_ == mode::plain && print) print_line_locked("pulse: " + activity_);
        redraw_locked();
    }

    /// The word printed before the job id in plain mode: "submitted job", "waiting for job".
    /// `submission`: the call submits a job (its answer may carry a status); false for a call
    /// that attaches to a job by id (pulse wait).
    void set_job_label(std::string label, bool submission) {
        std::lock_guard lock(mx_);
        job_label_ = std::move(label);
        submission_ = submission;
    }

    /// Callbacks for call_options::progress. They run on the calling thread; `this` must outlive
    /// the call.
    pulse::progress_observer observer() {
        pulse::progress_observer o;
        o.on_job_id = [this](std::string_view id) {
            std::lock_guard lock(mx_);
            job_id_ = std::string(id);
            last_event_ = steady::now();
            if (mode_ != mode::none) {
                // Also on a terminal: the full id stays on screen (to resume with `pulse wait`).
                // The submission's own status (reported just before the id) goes on the same line.
                clear_live_locked();
                std::string line = "pulse: " + job_label_ + " " + job_id_;
                if (status_pending_) line += ": " + status_;
                print_line_locked(line);
            }
            status_pending_ = false;
            // A submission answer may also report its status right after the id (the library
            // reports the id first, so it can be persisted before anything else happens).
            ack_window_ = submission_;
            redraw_locked();
        };
        o.on_status = [this](pulse::job_status const& s) {
            std::lock_guard lock(mx_);
            flush_status_locked(); // a change not yet printed (no poll answer in between)
            status_ = s.str();
            last_event_ = steady::now();
            status_pending_ = true;
            if (ack_window_) {
                // The submission answer's own status, just after its id: print it now.
                ack_window_ = false;
                flush_status_locked();
            }
            // Otherwise printed by what follows: the on_poll of a poll answer (so the line has
            // the poll count), or the on_job_id of a submission answer that reports the status
            // before the id.
            retry_note_.clear();
            redraw_locked();
        };
        o.on_poll = [this](unsigned n) {
            std::lock_guard lock(mx_);
            polls_ = n;
            ack_window_ = false;
            last_event_ = steady::now();
            retry_note_.clear();
            flush_status_locked();
            redraw_locked();
        };
        o.on_retry = [this](pulse::retry_event const& e) {
            std::lock_guard lock(mx_);
            double const secs = static_cast<double>(e.delay.count()) / 1000.0;
            last_event_ = steady::now() + e.delay;
            retry_note_ = std::string(pulse::to_string(e.phase)) + " " + short_cause(e.cause) + ", retry in " +
                          format_seconds(secs);
            if (mode_ == mode::plain)
                print_line_locked("pulse: " + std::string(pulse::to_string(e.phase)) + " attempt " +
                                  std::to_string(e.attempt) + " failed (" + short_cause(e.cause) + "), retrying in " +
                                  format_seconds(secs));
            redraw_locked();
        };
        o.on_download = [this](std::uint64_t received, std::optional<std::uint64_t> total) {
            std::lock_guard lock(mx_);
            auto const now = steady::now();
            if (!downloading_ || received < received_) { // a new transfer (first, or a retry)
                downloading_ = true;
                // The transfer began after the last event (the poll answer that named the result,
                // or the end of a retry's wait): counting from there includes the time to the
                // first byte, and a body that arrives in one piece still has a duration.
                download_start_ = last_event_ < now ? last_event_ : now;
                next_plain_mark_ = plain_step;
                download_reported_ = false;
            }
            received_ = received;
            total_ = total;
            last_byte_ = now;
            retry_note_.clear();
            if (mode_ == mode::plain && received_ >= next_plain_mark_) {
                while (next_plain_mark_ <= received_) next_plain_mark_ += plain_step;
                print_line_locked("pulse: downloading " + download_text_locked());
            }
            if (mode_ == mode::tty && now - last_draw_ >= std::chrono::milliseconds(100)) redraw_locked();
        };
        return o;
    }

    /// A batch's items so far (from the `result` of a poll of an unfinished batch): shown on the
    /// live line, and as a plain line whenever the counts change.
    void set_items(std::int64_t completed, std::int64_t failed, std::int64_t total) {
        std::lock_guard lock(mx_);
        std::string text = std::to_string(completed) + "/" + std::to_string(total) + " items completed";
        if (failed > 0) text += ", " + std::to_string(failed) + " failed";
        if (text == items_) return;
        items_ = std::move(text);
        if (mode_ == mode::plain) {
            std::string line = "pulse: ";
            line += job_id_.empty() ? std::string("job") : "job " + job_id_;
            line += ": " + items_;
            if (polls_ > 0) line += " (poll " + std::to_string(polls_) + ", " + format_seconds(elapsed()) + ")";
            print_line_locked(line);
        }
        redraw_locked();
    }

    /// End the live line (tty: a last redraw, then a newline) and, in plain mode, report a
    /// pending status change and the end of a download (`ok`: the call succeeded, so the download
    /// is complete). Call once the library call returned.
    void finish(bool ok = true) {
        std::lock_guard lock(mx_);
        download_ok_ = ok;
        finish_locked();
    }

    /// Stop the live line for good (cleared, not redrawn): the result is about to be written to
    /// the same terminal. Plain lines and errors are unaffected.
    void pause() {
        std::lock_guard lock(mx_);
        clear_live_locked();
        if (mode_ == mode::tty) finished_ = true;
    }

    /// A line of progress information (suppressed by --quiet).
    void note(std::string_view text) {
        std::lock_guard lock(mx_);
        if (mode_ == mode::none) return;
        finish_locked();
        print_line_locked(text);
    }

    /// A line that is always printed (errors), after ending the live line.
    void error_line(std::string_view text) {
        std::lock_guard lock(mx_);
        finish_locked();
        print_line_locked(text);
    }

    std::string job_id() const {
        std::lock_guard lock(mx_);
        return job_id_;
    }
    unsigned polls() const {
        std::lock_guard lock(mx_);
        return polls_;
    }
    std::uint64_t downloaded() const {
        std::lock_guard lock(mx_);
        return downloading_ ? received_ : 0;
    }
    double elapsed() const { return seconds_since(start_); }

private:
    static constexpr std::uint64_t plain_step = std::uint64_t{16} << 20; // a plain line every 16 MiB

    static double seconds_since(steady::time_point t) {
        return std::chrono::duration<double>(steady::now() - t).count();
    }

    void tick(std::stop_token st) {
        std::mutex wait_mx;
        std::condition_variable_any cv;
        for (;;) {
            {
                std::unique_lock wl(wait_mx);
                cv.wait_for(wl, st, std::chrono::milliseconds(200), [] { return false; });
            }
            if (st.stop_requested()) return;
            std::lock_guard lock(mx_);
            if (!finished_) redraw_locked();
        }
    }

    void flush_status_locked() {
        if (!status_pending_) return;
        status_pending_ = false;
        if (mode_ != mode::plain) return;
        std::string line = "pulse: ";
        line += job_id_.empty() ? std::string("job") : "job " + job_id_;
        line += ": " + status_;
        if (polls_ > 0) line += " (poll " + std::to_string(polls_) + ", " + format_seconds(elapsed()) + ")";
        print_line_locked(line);
    }

    // The rate is measured up to the last byte (not to now), so it does not sink after the end.
    std::string download_text_locked() const {
        std::string s = format_bytes(received_);
        if (total_ && *total_ > 0) s += " / " + format_bytes(*total_);
        double const secs = std::chrono::duration<double>(last_byte_ - download_start_).count();
        if (secs > 0.001) s += ", " + format_bytes(static_cast<std::uint64_t>(static_cast<double>(received_) / secs)) + "/s";
        return s;
    }

    void finish_locked() {
        if (mode_ == mode::plain) {
            flush_status_locked();
            if (downloading_ && !download_reported_) {
                download_reported_ = true;
                double const secs = std::chrono::duration<double>(last_byte_ - download_start_).count();
                std::string line = (download_ok_ ? "pulse: downloaded " : "pulse: download stopped after ") +
                                   format_bytes(received_) + " in " + format_seconds(secs);
                if (secs > 0.001)
                    line += " (" + format_bytes(static_cast<std::uint64_t>(static_cast<double>(received_) / secs)) + "/s)";
                print_line_locked(line);
            }
        }
        if (mode_ == mode::tty && !finished_) {
            if (drawn_ && (!job_id_.empty() || downloading_)) {
                // Leave the last state on screen: where the job or the download got to.
                redraw_locked(/*final_draw=*/true);
                std::fputc('\n', stderr);
                std::fflush(stderr);
            } else {
                clear_live_locked(); // only "submitting ..." or a one-shot request: nothing to keep
            }
            drawn_ = false;
            last_len_ = 0;
        }
        finished_ = true;
    }

    static std::size_t terminal_width() { return platform::stderr_columns(); }

    std::string live_line_locked(bool final_draw) const {
        static constexpr char spin[] = {'|', '/', '-', '\\'};
        std::string s = "pulse ";
        s += final_draw ? ' ' : spin[(spinner_++) % 4];
        s += ' ';
        if (downloading_) {
            s += "download ";
            if (total_ && *total_ > 0) {
                constexpr std::size_t bar_width = 20;
                std::uint64_t const got = received_ > *total_ ? *total_ : received_;
                double const frac = static_cast<double>(got) / static_cast<double>(*total_);
                auto const filled = static_cast<std::size_t>(static_cast<double>(bar_width) * frac);
                s += '[';
                s.append(filled, '#');
                s.append(bar_width - filled, '-');
                char pct[16];
                std::snprintf(pct, sizeof pct, "] %3d%% ", static_cast<int>(100.0 * frac));
                s += pct;
            }
            s += download_text_locked();
        } else if (!job_id_.empty()) {
            // The full id was printed on its own line when it became known (on_job_id); the
            // live line keeps a short form so it fits a terminal.
            s += "job " + (job_id_.size() > 13 ? job_id_.substr(0, 8) + "..." : job_id_);
            s += status_.empty() ? std::string(" submitted") : " " + status_;
            if (polls_ > 0) s += " | poll " + std::to_string(polls_);
            if (!items_.empty()) s += " | " + items_;
        } else {
            s += activity_;
        }
        if (!retry_note_.empty()) s += " | " + retry_note_;
        s += " | " + format_seconds(elapsed());
        return s;
    }

    void redraw_locked(bool final_draw = false) {
        if (mode_ != mode::tty || finished_) return;
        std::string line = live_line_locked(final_draw);
        std::size_t const width = terminal_width() - 1;
        if (line.size() > width) line.resize(width);
        std::string out = "\r" + line;
        if (line.size() < last_len_) out.append(last_len_ - line.size(), ' ');
        std::fwrite(out.data(), 1, out.size(), stderr);
        std::fflush(stderr);
        last_len_ = line.size();
        drawn_ = true;
        last_draw_ = steady::now();
    }

    // Erase the live line (tty) so a permanent line can be printed where it was; the next redraw
    // puts it back below.
    void clear_live_locked() {
        if (mode_ != mode::tty || !drawn_ || finished_) return;
        std::string out = "\r";
        out.append(last_len_, ' ');
        out += '\r';
        std::fwrite(out.data(), 1, out.size(), stderr);
        std::fflush(stderr);
        last_len_ = 0;
        drawn_ = false;
    }

    void print_line_locked(std::string_view text) {
        std::fwrite(text.data(), 1, text.size(), stderr);
        std::fputc('\n', stderr);
        std::fflush(stderr);
    }

    mode mode_;
    steady::time_point start_;
    mutable std::mutex mx_;
    std::string activity_ = "starting";
    std::string job_label_ = "submitted job";
    std::string job_id_;
    std::string status_;
    bool status_pending_ = false;
    bool submission_ = true;
    bool ack_window_ = false;
    unsigned polls_ = 0;
    std::string items_; // a batch's "2/5 items completed, 1 failed"
    std::string retry_note_;
    bool downloading_ = false;
    bool download_reported_ = false;
    bool download_ok_ = false; // set by finish(); error_line() alone means the call failed
    std::uint64_t received_ = 0;
    std::optional<std::uint64_t> total_;
    std::uint64_t next_plain_mark_ = plain_step;
    steady::time_point download_start_{};
    steady::time_point last_byte_{};
    steady::time_point last_event_ = steady::now();
    steady::time_point last_draw_{};
    std::size_t last_len_ = 0;
    bool drawn_ = false;
    bool finished_ = false;
    mutable unsigned spinner_ = 0;
    std::jthread ticker_; // last: started after every member above is initialised
};

} // namespace pulse_cli

#endif
