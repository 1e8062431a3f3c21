// SPDX-License-Identifier: MIT
//
// `pulse`: the command-line client for the Pulse document-extraction API, built on
// pulse::client with the libcurl adapter (WinHTTP on Windows). See README.md in this folder and
// `pulse --help`.
//
// Layout: args.hpp (parsing), help.hpp (texts), progress.hpp (the stderr display),
// exit_codes.hpp (error -> exit code), interrupt.hpp (Ctrl-C -> std::stop_source),
// deadline_transport.hpp (--timeout bounds transfers too), base64.hpp (files inside JSON bodies),
// webhook_command.hpp (`pulse webhook`, which needs no server), platform.hpp (the HTTP stack,
// terminals, files: POSIX and Windows). This file: the commands that talk to the API.
#include "args.hpp"
#include "base64.hpp"
#include "deadline_transport.hpp"
#include "exit_codes.hpp"
#include "help.hpp"
#include "interrupt.hpp"
#include "platform.hpp"
#include "progress.hpp"
#include "webhook_command.hpp"

#include <pulse/config.hpp>
#include <pulse/driver/client.hpp>
#include <pulse/flow/api_job_flow.hpp>
#include <pulse/flow/download_flow.hpp>
#include <pulse/job_handle.hpp>
#include <pulse/schema/codec.hpp>
#include <pulse/version.hpp>

#include <boost/json/serialize.hpp>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace pulse_cli {
namespace {

namespace fs = std::filesystem;
using transport_t = deadline_transport<platform::http_transport>;
using client_t = pulse::client<transport_t>;

// ---- small helpers ------------------------------------------------------------------------------

/// Every piece of text this tool prints that may hold server text passes through here: the library
/// already redacts its errors, this is the second lock on the same door.
std::string redact(std::string s, std::string_view key) {
    if (key.empty()) return s;
    for (std::size_t pos = 0; (pos = s.find(key, pos)) != std::string::npos; pos += 10) s.replace(pos, key.size(), "[redacted]");
    return s;
}

void print_stdout(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

std::string usage_text(std::string_view command, std::string_view message) {
    std::string line = "pulse";
    if (!command.empty()) line.append(" ").append(command);
    line.append(": ").append(message).append("\nTry 'pulse ");
    if (!command.empty()) line.append(command).append(" ");
    line.append("--help'.");
    return line;
}

/// A usage error before any session exists (no progress display yet).
int usage_error(std::string_view command, std::string_view message) {
    std::string const line = usage_text(command, message) + "\n";
    std::fputs(line.c_str(), stderr);
    return exit_usage;
}

std::string with_commas(std::uint64_t n) {
    std::string const digits = std::to_string(n);
    std::string s;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
        s += digits[i];
    }
    return s;
}

/// UTF-8 code points (continuation bytes are not counted).
std::uint64_t count_chars(std::string_view s) {
    std::uint64_t n = 0;
    for (char ch : s) n += (static_cast<unsigned char>(ch) & 0xC0) != 0x80 ? 1u : 0u;
    return n;
}

std::uint64_t count_words(std::string_view s) {
    std::uint64_t n = 0;
    bool in_word = false;
    for (char c : s) {
        bool const space = c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
        if (!space && !in_word) ++n;
        in_word = !space;
    }
    return n;
}

// ---- the settings every command shares ----------------------------------------------------------

struct settings {
    pulse::config cfg;
    std::optional<steady::time_point> deadline;
    bool quiet = false;
};

/// Read the environment (pulse::config::from_env: the key, the base URL, the CA bundle and the
/// proxy variables curl users set) and the global options over it. Returns an exit code on
/// failure (message printed).
std::optional<int> read_settings(parsed_args const& p, std::string_view command, settings& s) {
    auto from_env = pulse::config::from_env();
    if (!from_env) {
        std::string const& why = from_env.error().message;
        if (why.rfind("PULSE_API_KEY", 0) == 0) {
            std::fprintf(stderr,
                         "pulse %.*s: PULSE_API_KEY is not set. Export your API key first:\n"
                         "  export PULSE_API_KEY=...   (it is read from the environment only, never from the command line)\n",
                         static_cast<int>(command.size()), command.data());
            return exit_auth;
        }
        if (!p.get("base-url")) return usage_error(command, why);
        // PULSE_BASE_URL is bad but --base-url replaces it: read the rest without it.
        from_env = pulse::config::from_env([](std::string const& name) -> std::optional<std::string> {
            if (name == "PULSE_BASE_URL") return std::nullopt;
            return pulse::detail::process_env(name);
        });
        if (!from_env) return usage_error(command, from_env.error().message);
    }
    s.cfg = std::move(*from_env);
    if (auto b = p.get("base-url")) s.cfg.base_url = *b;
    if (auto ok = s.cfg.validate(); !ok) return usage_error(command, "bad base URL '" + s.cfg.base_url + "': " + ok.error().message);
    if (auto ca = p.get("cacert")) {
        std::error_code ec;
        if (!fs::is_regular_file(*ca, ec)) return usage_error(command, "--cacert: cannot read " + *ca);
        s.cfg.transport.ca_bundle = *ca;
    }
    if (p.has("proxy")) s.cfg.transport.proxy = p.get("proxy").value_or("");
    if (p.has("noproxy")) s.cfg.transport.no_proxy = p.get("noproxy").value_or("");
    s.quiet = p.has("quiet");

    if (auto t = p.get("timeout")) {
        char* end = nullptr;
        errno = 0;
        double const secs = std::strtod(t->c_str(), &end);
        if (t->empty() || *end != '\0' || errno != 0 || !std::isfinite(secs) || secs < 0 || secs > 1e7)
            return usage_error(command, "--timeout wants a number of seconds, got '" + *t + "'");
        auto const ms = std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(secs * 1000.0)));
        s.cfg.policies.deadline = ms;
        // The transport's hard deadline is a little later than the flow's (which starts at the
        // machine's first step, a moment from now): the flow ends polls and retries cleanly at its
        // deadline, the transport only cuts transfers that would run past it.
        if (ms.count() > 0) s.deadline = steady::now() + ms + std::chrono::milliseconds(500);
    }
    if (auto r = p.get("retries")) {
        char* end = nullptr;
        errno = 0;
        long const n = std::strtol(r->c_str(), &end, 10);
        if (r->empty() || *end != '\0' || errno != 0 || n < 0 || n > 100)
            return usage_error(command, "--retries wants a whole number from 0 to 100, got '" + *r + "'");
        auto const attempts = static_cast<unsigned>(n) + 1u;
        auto& pol = s.cfg.policies;
        pol.submit.max_attempts = attempts;
        pol.poll_request.max_attempts = attempts;
        pol.download.max_attempts = attempts;
        pol.single.max_attempts = attempts;
    }
    for (auto const& h : p.all("header")) {
        auto colon = h.find(':');
        if (colon == std::string::npos || colon == 0)
            return usage_error(command, "--header wants 'NAME: VALUE', got '" + h + "'");
        std::string name = h.substr(0, colon);
        std::string value = h.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
        while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
        if (pulse::http::iequals(name, "x-api-key"))
            return usage_error(command, "the API key is taken from PULSE_API_KEY only, not from --header");
        s.cfg.extra_headers.add(std::move(name), std::move(value));
    }
    s.cfg.transport.user_agent = "pulse-cli/" PULSE_VERSION_STRING;
    return std::nullopt;
}

// ---- one run of a library call: progress, Ctrl-C, deadline --------------------------------------

/// Everything a command needs while it talks to the server.
class session {
public:
    session(settings s, std::string command, interrupt_watcher& interrupts)
        : cfg_(s.cfg), command_(std::move(command)), progress_(progress::detect(s.quiet)), interrupts_(interrupts),
          client_(s.cfg, transport_t(platform::http_transport(s.cfg.transport), s.cfg.transport, s.deadline)),
          forward_(interrupts.token(), [this] { stop_.request_stop(); }) {
        // Runs on the watcher thread: it touches only the display (which has its own mutex).
        interrupts_.set_on_first([this, remote = s.cfg.remote_cancel](int) {
            progress_.error_line(std::string("pulse: interrupted; stopping") +
                                 (remote ? " and canceling the job on the server" : "") +
                                 " (press Ctrl-C again to quit at once)");
        });
    }
    ~session() { interrupts_.set_on_first({}); }
    session(session const&) = delete;
    session& operator=(session const&) = delete;

    client_t& client() noexcept { return client_; }
    progress& display() noexcept { return progress_; }
    std::string const& key() const noexcept { return cfg_.api_key; }
    std::string const& command() const noexcept { return command_; }

    /// The options of a call: our stop token and the progress callbacks, plus `extra` run after
    /// the display's own on_job_id. A batch's polls also feed the display its item counts.
    pulse::call_options call(std::function<void(std::string_view)> on_job_id = {}) {
        pulse::call_options o;
        o.stop = stop_.get_token();
        o.progress = progress_.observer();
        if (pulse::is_batch(kind_)) {
            o.progress.on_poll_result = [this](boost::json::value const& v) {
                // Progress only: a poll result this version cannot read does not stop the batch.
                auto b = pulse::decode<pulse::batch_result>(v);
                if (!b) return;
                std::int64_t completed = 0, failed = 0, listed = 0;
                if (b->items) {
                    for (auto const& item : *b->items) {
                        ++listed;
                        if (!item.status) continue;
                        if (item.status->value() == pulse::job_status::value_type::completed) ++completed;
                        else if (item.status->value() == pulse::job_status::value_type::failed) ++failed;
                    }
                }
                progress_.set_items(b->completed.value_or(completed), b->failed.value_or(failed), b->total.value_or(listed));
            };
        }
        if (on_job_id) {
            auto inner = std::move(o.progress.on_job_id);
            o.progress.on_job_id = [inner = std::move(inner), extra = std::move(on_job_id)](std::string_view id) {
                if (inner) inner(id);
                extra(id);
            };
        }
        return o;
    }
    /// A usage error once the session exists: printed through the display (whose ticker may be
    /// drawing the live line).
    int usage(std::string_view message) {
        progress_.error_line(usage_text(command_, message));
        return exit_usage;
    }

    /// Report `e` on stderr and return its exit code. `output`: where a partial result went.
    int fail(pulse::error const& e, std::string_view output = {}) {
        bool const deadline = client_.transport().deadline_passed();
        int const code = exit_code_for(e, deadline);
        std::string msg = "pulse " + command_ + ": " + e.to_string();
        std::string const job = progress_.job_id();
        switch (code) {
        case exit_auth:
            msg += "\n  check PULSE_API_KEY (and --base-url: " + cfg_.base_url + ")";
            break;
        case exit_gone:
            msg += "\n  a large result can be downloaded once, within an hour of the job's completion; run the "
                   "extraction again";
            break;
        case exit_deadline:
            if (e.code != pulse::errc::deadline_exceeded) msg += " (the --timeout deadline passed)";
            if (!job.empty() && progress_.downloaded() == 0)
                msg += "\n  job " + job + " may still be running: resume with `pulse wait " + resume_token(job) + "`";
            break;
        case exit_interrupted:
            if (!job.empty() && !client_.config().remote_cancel && progress_.downloaded() == 0)
                msg += "\n  job " + job + " keeps running on the server: resume with `pulse wait " + resume_token(job) +
                       "`, or stop it with `pulse cancel " + resume_token(job) + "`";
            break;
        default: break;
        }
        if (!job.empty() && progress_.downloaded() > 0 && e.code != pulse::errc::gone &&
            layer_of(e.code) != pulse::error_layer::decode) {
            msg += "\n  the large result is single-use: `pulse wait " + resume_token(job) +
                   "` may fetch it again, or answer 410 (then run the extraction again)";
        }
        if (e.bytes_delivered > 0 && !output.empty())
            msg += "\n  " + with_commas(e.bytes_delivered) + " bytes of the result were written to " + std::string(output);
        progress_.error_line(redact(std::move(msg), cfg_.api_key));
        return code;
    }

    /// The token of job `id` at the configured API, of the command's job kind, quoted for a shell, for resuming it
    /// in another command.
    std::string resume_token(std::string const& id) const {
        return "'" + pulse::job_handle{id, kind_, cfg_.base_url}.token() + "'";
    }
    /// The kind of job the running command submits (for the tokens it prints).
    void set_kind(pulse::job_kind k) noexcept { kind_ = k; }
    pulse::job_kind kind() const noexcept { return kind_; }

private:
    pulse::config cfg_;
    pulse::job_kind kind_ = pulse::job_kind::extract;
    std::string command_;
    progress progress_;
    interrupt_watcher& interrupts_;
    client_t client_;
    std::stop_source stop_;
    std::stop_callback<std::function<void()>> forward_;
};

// ---- output: stdout or a file, written as the bytes arrive --------------------------------------

/// Where a command writes its result.
///
/// A file result is written to a temporary file beside FILE (FILE.pulse-XXXXXX, created before any
/// request, so a path that cannot be written is found before the job costs anything) and renamed
/// over FILE only when the command succeeds. So a failed command never clobbers an existing FILE --
/// which matters: FILE may hold the only copy of an earlier single-use large result, and running
/// the same download again (410) must not destroy it. When the command fails, what arrived is
/// kept as FILE.partial (a body cut short by the network, the deadline or Ctrl-C, or a complete
/// body that did not decode: nothing the single-use download delivered is thrown away), and the
/// error message says so; when nothing arrived, the temporary file is removed.
class output {
public:
    static pulse::result<output> open(std::optional<std::string> const& path) {
        output o;
        if (!path || *path == "-") {
            o.sink_.emplace(stdout);
            return o;
        }
        auto tmp = platform::create_temp_beside(*path);
        if (!tmp) return tmp.error();
        o.path_ = *path;
        o.tmp_ = std::move(tmp->name);
        o.file_ = tmp->file;
        o.sink_.emplace(tmp->file);
        return o;
    }

    output() = default;
    output(output&& o) noexcept
        : path_(std::move(o.path_)), tmp_(std::move(o.tmp_)), file_(std::exchange(o.file_, nullptr)), sink_(std::move(o.sink_)) {
        o.tmp_.clear();
    }
    output& operator=(output&&) = delete;
    output(output const&) = delete;
    output& operator=(output const&) = delete;
    ~output() { discard(); }

    pulse::http::file_sink& sink() { return *sink_; }
    bool is_stdout() const noexcept { return path_.empty(); }
    /// "stdout" or FILE (for messages).
    std::string name() const { return path_.empty() ? std::string("stdout") : path_; }
    std::uint64_t bytes_written() const { return sink_->bytes_written(); }

    /// Write a whole text (markdown, the JSON of an answer).
    pulse::result<void> write(std::string_view text) {
        if (sink_->on_body(text) == pulse::http::sink_action::abort)
            return sink_->failure() ? *sink_->failure() : pulse::error(pulse::errc::file_error, "cannot write", name());
        return {};
    }

    /// The command succeeded: flush, close, move into place. Errors: file_error (a full disk, a
    /// failed rename); the temporary file is then kept as FILE.partial if it holds anything.
    pulse::result<void> commit() {
        auto done = flush_and_close();
        if (!done) {
            keep_partial();
            return done;
        }
        if (tmp_.empty()) return {};
        if (auto why = platform::replace_file(tmp_, path_); !why.empty()) {
            pulse::error e(pulse::errc::file_error, "cannot rename the result into place: " + why, path_);
            keep_partial();
            return e;
        }
        tmp_.clear();
        return {};
    }

    /// The command failed with `e`: put whatever arrived where it belongs (see the class comment)
    /// and return where that is ("" when nothing was kept). The sink's own failure, if it stopped
    /// the transfer (a full disk), replaces an aborted_by_sink in `e`.
    std::string abandon(pulse::error& e) {
        if (e.code == pulse::errc::aborted_by_sink && sink_->failure()) e = *sink_->failure();
        (void)flush_and_close();
        if (tmp_.empty()) return bytes_written() > 0 ? name() : std::string();
        if (bytes_written() == 0) {
            discard();
            return {};
        }
        return keep_partial();
    }

private:
    pulse::result<void> flush_and_close() {
        if (!sink_) return {};
        pulse::result<void> r = sink_->completion() ? *sink_->completion() : sink_->finish();
        if (sink_->failure()) r = *sink_->failure();
        if (file_) {
            errno = 0;
            if (std::fclose(std::exchange(file_, nullptr)) != 0 && r)
                r = pulse::error(pulse::errc::file_error, std::string("cannot write: ") + std::strerror(errno), path_);
        }
        return r;
    }
    std::string keep_partial() {
        if (tmp_.empty()) return {};
        std::string const partial = path_ + ".partial";
        if (platform::replace_file(tmp_, partial).empty()) {
            tmp_.clear();
            return partial;
        }
        std::string kept = tmp_;
        tmp_.clear();
        return kept;
    }
    void discard() noexcept {
        if (file_) std::fclose(std::exchange(file_, nullptr));
        if (!tmp_.empty()) std::remove(tmp_.c_str());
        tmp_.clear();
    }

    std::string path_;
    std::string tmp_; ///< the temporary file while it exists
    std::FILE* file_ = nullptr;
    std::optional<pulse::http::file_sink> sink_;
};

/// When the result streams to the same terminal as the live progress line, the two would be
/// interleaved on screen: this forwards to the output and, at the first byte, clears the line and
/// stops redrawing it.
class screen_sharing_sink final : public pulse::http::response_handler {
public:
    screen_sharing_sink(pulse::http::response_handler& inner, progress& display) : inner_(inner), display_(display) {}
    pulse::http::sink_action on_head(pulse::http::response_head const& h) override { return inner_.on_head(h); }
    pulse::http::sink_action on_body(std::string_view chunk) override {
        if (!paused_) {
            display_.pause();
            paused_ = true;
        }
        return inner_.on_body(chunk);
    }
    void on_complete(pulse::result<void> outcome) override { inner_.on_complete(std::move(outcome)); }

private:
    pulse::http::response_handler& inner_;
    progress& display_;
    bool paused_ = false;
};

// ---- the summary of an extraction ----------------------------------------------------------------

void print_summary(session& s, pulse::extract_result const& r, std::string_view where, std::uint64_t bytes) {
    auto& p = s.display();
    std::string head = "pulse: done in " + format_seconds(p.elapsed());
    std::string const job = p.job_id();
    if (!job.empty()) head += ": job " + job;
    if (p.polls() > 0) head += ", " + std::to_string(p.polls()) + (p.polls() == 1 ? " poll" : " polls");
    if (p.downloaded() > 0) head += ", large result " + format_bytes(p.downloaded()) + " downloaded";
    if (!where.empty()) head += "; " + format_bytes(bytes) + " written to " + std::string(where);
    p.note(head);
    std::string const md = r.markdown.value_or("");
    std::size_t tables = 0;
    if (r.bounding_boxes && r.bounding_boxes->tables) tables = r.bounding_boxes->tables->size();
    p.note("  pages       " + (r.page_count ? with_commas(static_cast<std::uint64_t>(*r.page_count)) : std::string("?")));
    p.note("  markdown    " + with_commas(count_chars(md)) + " chars");
    p.note("  tables      " + with_commas(tables));
    p.note("  words       " + with_commas(count_words(md)));
    if (r.extensions && r.extensions->alt_outputs && r.extensions->alt_outputs->wlbb && r.extensions->alt_outputs->wlbb->words)
        p.note("  word boxes  " + with_commas(r.extensions->alt_outputs->wlbb->words->size()));
    if (r.warnings)
        for (auto const& w : *r.warnings) p.note(redact("  warning: " + w, s.key()));
}

// ---- commands -----------------------------------------------------------------------------------

/// What every command that waits for a job shares: run the machine `make(delivery)`, write the
/// result, then `finish(result, where, bytes)` (the summary; returns the exit code). `where`: the
/// output file, empty for stdout; `bytes`: what was written to it.
template <class Make, class Finish>
int fetch_result(session& s, parsed_args const& p, Make&& make, Finish&& finish) {
    bool const markdown = p.has("markdown");
    auto out = output::open(p.get("out"));
    if (!out) return s.usage("cannot write " + p.get("out").value_or("") + ": " + out.error().message);
    auto call = s.call();

    // JSON: the raw bytes stream to the output as they arrive (nothing is lost if decoding fails)
    // and are decoded on the side for the summary. Markdown: decoded, then written.
    bool const json_to_terminal = !markdown && out->is_stdout() && platform::is_terminal(stdout);
    screen_sharing_sink shared(out->sink(), s.display());
    pulse::flow::delivery d;
    if (!markdown) d = pulse::flow::delivery{json_to_terminal ? static_cast<pulse::http::response_handler*>(&shared) : &out->sink(), true};
    auto m = make(d);
    if (!m) {
        pulse::error e = m.error();
        (void)out->abandon(e);
        return s.fail(e);
    }
    auto r = s.client().run(*m, call);
    s.display().finish(r.has_value());
    if (!r) {
        pulse::error e = r.error();
        std::string const kept = out->abandon(e);
        return s.fail(e, kept);
    }
    if constexpr (requires { r->markdown; }) {
        if (markdown) {
            // On stdout the text ends with a newline (so the shell prompt does not glue to it); a
            // file gets the markdown exactly as the API returned it.
            std::string md = r->markdown.value_or("");
            if (out->is_stdout() && (md.empty() || md.back() != '\n')) md += '\n';
            if (auto w = out->write(md); !w) return s.fail(w.error());
        }
    }
    if (json_to_terminal) print_stdout("\n"); // the summary starts on a line of its own
    if (auto c = out->commit(); !c) return s.fail(c.error());
    return finish(*r, out->is_stdout() ? std::string_view() : std::string_view(out->name()), out->bytes_written());
}

/// The finish of an extraction: its summary.
auto extract_summary(session& s) {
    return [&s](pulse::extract_result const& r, std::string_view where, std::uint64_t bytes) {
        print_summary(s, r, where, bytes);
        return static_cast<int>(exit_ok);
    };
}

/// --set NAME=VALUE (repeatable) into `extra`: VALUE as JSON when it parses (numbers read
/// exactly), else as a string. Errors: the usage message.
pulse::result<void> apply_set_options(parsed_args const& p, boost::json::object& extra) {
    for (auto const& kv : p.all("set")) {
        auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0)
            return pulse::error(pulse::errc::invalid_argument, "--set wants NAME=VALUE, got '" + kv + "'");
        std::string const name = kv.substr(0, eq);
        std::string const text = kv.substr(eq + 1);
        auto parsed = pulse::parse_json(text);
        extra[name] = parsed ? std::move(*parsed) : boost::json::value(boost::json::string(text));
    }
    return {};
}

int cmd_extract(parsed_args const& p, session& s) {
    auto const url = p.get("url");
    std::vector<std::string> const& pos = p.positionals;
    if (url && pos.size() > 1) return s.usage("give either FILE or --url, not both");
    if (!url && pos.size() < 2) return s.usage("missing FILE (or --url URL)");
    if (pos.size() > 2) return s.usage("one document at a time (got " + std::to_string(pos.size() - 1) + ")");

    pulse::document doc;
    if (url) {
        doc = pulse::url(*url);
        s.display().set_activity("submitting " + *url);
    } else {
        fs::path const file = pos[1];
        std::error_code ec;
        auto const st = fs::status(file, ec);
        if (!fs::exists(st)) return s.usage("cannot read " + pos[1] + ": no such file");
        if (fs::is_directory(st)) return s.usage("cannot read " + pos[1] + ": is a directory");
        auto const size = fs::file_size(file, ec);
        doc = pulse::file(file);
        s.display().set_activity("submitting " + pos[1] + (ec ? std::string() : " (" + format_bytes(size) + ")"));
    }

    pulse::extract_options opts;
    if (auto v = p.get("model")) opts.model = *v;
    if (auto v = p.get("pages")) opts.pages = *v;
    if (auto ok = apply_set_options(p, opts.extra); !ok) return s.usage(ok.error().message);
    auto& client = s.client();
    if (p.has("no-wait")) {
        // Submit only: the job's token goes to stdout, to wait for later from any process.
        auto call = s.call();
        auto h = client.submit(doc, {.options = opts, .progress = call.progress, .stop = call.stop});
        s.display().finish(h.has_value());
        if (!h) return s.fail(h.error());
        print_stdout(h->token() + "\n");
        return exit_ok;
    }
    return fetch_result(
        s, p,
        [&](pulse::flow::delivery d) {
            return pulse::flow::make_extract_flow<pulse::extract_result>(client.config(), doc, opts, client.next_seed(), d);
        },
        extract_summary(s));
}

// ---- schema, split, tables, batches, pipelines ----------------------------------------------------

pulse::error bad_usage(std::string message) { return pulse::error(pulse::errc::invalid_argument, std::move(message)); }

/// Local input a command reads: a file, or standard input for "-" (once per command: it holds one
/// text). Errors carry the usage message, naming the option and, for JSON, the path in it.
class local_inputs {
public:
    /// The bytes of `path`. `option`: the option that named it ("--schema"), for messages.
    pulse::result<std::string> read(std::string_view option, std::string const& path) {
        auto const fail = [&](std::string const& why) {
            std::string m(option);
            if (!m.empty()) m += ": ";
            return bad_usage(m + "cannot read " + (path == "-" ? std::string("standard input") : path) + ": " + why);
        };
        std::FILE* f = stdin;
        if (path == "-") {
            if (stdin_taken_) return fail("another option reads standard input already");
            stdin_taken_ = true;
        } else {
            std::error_code ec;
            auto const st = fs::status(path, ec);
            if (!fs::exists(st)) return fail("no such file");
            if (fs::is_directory(st)) return fail("is a directory");
            errno = 0;
            f = std::fopen(path.c_str(), "rb");
            if (!f) return fail(std::strerror(errno));
        }
        std::string data;
        char buf[65536];
        std::size_t n = 0;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
        bool const bad = std::ferror(f) != 0;
        if (f != stdin) std::fclose(f);
        if (bad) return fail("read error");
        return data;
    }

    /// The JSON text of `path`, parsed.
    pulse::result<boost::json::value> json(std::string_view option, std::string const& path) {
        auto text = read(option, path);
        if (!text) return text.error();
        auto v = pulse::parse_json(*text);
        if (!v) return bad_usage(where(option, path) + v.error().message);
        return v;
    }

    /// A JSON object (a JSON Schema).
    pulse::result<boost::json::object> json_object(std::string_view option, std::string const& path) {
        auto v = json(option, path);
        if (!v) return v.error();
        if (!v->is_object()) return bad_usage(where(option, path) + "expected a JSON object");
        return std::move(v->as_object());
    }

    /// The JSON text of `path` decoded as T (pulse::decode: the path of a mismatch in the message).
    /// `defaults`: members added when the text lacks them, before decoding -- the required members
    /// the command's flags supply (flags override the file's members afterwards).
    template <class T>
    pulse::result<T> decoded(std::string_view option, std::string const& path, boost::json::object const& defaults = {}) {
        auto v = json(option, path);
        if (!v) return v.error();
        if (v->is_object())
            for (auto const& d : defaults)
                if (!v->as_object().contains(d.key())) v->as_object()[d.key()] = d.value();
        auto r = pulse::decode<T>(*v);
        if (!r) {
            pulse::error const& e = r.error();
            return bad_usage(where(option, path) + (e.path.empty() ? std::string("at the top level") : e.path) + ": " + e.message);
        }
        return r;
    }

private:
    static std::string where(std::string_view option, std::string const& path) {
        return std::string(option) + " " + (path == "-" ? std::string("(standard input)") : path) + ": ";
    }
    bool stdin_taken_ = false;
};

/// The part of a --request file every command reads the same way: decoded as Request, with
/// `defaults` (see local_inputs::decoded); a default-constructed Request without --request.
template <class Request>
pulse::result<Request> request_from(parsed_args const& p, local_inputs& in, boost::json::object const& defaults = {}) {
    auto const f = p.get("request");
    if (!f) return Request{};
    return in.decoded<Request>("--request", *f, defaults);
}

/// A whole number from `lo` to `hi` given to `option`.
pulse::result<std::int64_t> whole_number(std::string_view option, std::string const& text, long lo, long hi) {
    char* end = nullptr;
    errno = 0;
    long const n = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno != 0 || n < lo || n > hi)
        return bad_usage(std::string(option) + " wants a whole number from " + std::to_string(lo) + " to " +
                         std::to_string(hi) + ", got '" + text + "'");
    return static_cast<std::int64_t>(n);
}

/// --topic NAME[=DESCRIPTION] (or --split-topic): one topic of a split.
pulse::result<pulse::topic_definition> topic_from(std::string_view option, std::string const& text) {
    auto const eq = text.find('=');
    pulse::topic_definition t;
    t.name = text.substr(0, eq);
    if (t.name.empty()) return bad_usage(std::string(option) + " wants NAME[=DESCRIPTION], got '" + text + "'");
    if (eq != std::string::npos) t.description = text.substr(eq + 1);
    return t;
}

/// Every --topic (or --split-topic) given, or nothing when none is.
pulse::result<std::optional<pulse::split_config>> topics_from(parsed_args const& p, std::string_view option) {
    auto const given = p.all(option.substr(2));
    if (given.empty()) return std::optional<pulse::split_config>();
    pulse::split_config c;
    for (auto const& t : given) {
        auto topic = topic_from(option, t);
        if (!topic) return topic.error();
        c.split_input.push_back(std::move(*topic));
    }
    return std::optional<pulse::split_config>(std::move(c));
}

/// --schema FILE or --excel-template FILE, then --prompt and --effort, over `cfg` (an inline
/// schema; the flags win over what a --request or --steps file gave).
pulse::result<void> apply_schema_flags(parsed_args const& p, local_inputs& in, std::optional<pulse::schema_config>& cfg) {
    auto const schema = p.get("schema");
    auto const excel = p.get("excel-template");
    if (schema && excel) return bad_usage("give --schema FILE or --excel-template FILE, not both");
    if (schema) {
        auto o = in.json_object("--schema", *schema);
        if (!o) return o.error();
        if (!cfg) cfg.emplace();
        cfg->input_schema = std::move(*o);
        cfg->excel_template.reset();
    }
    if (excel) {
        auto bytes = in.read("--excel-template", *excel);
        if (!bytes) return bytes.error();
        if (!cfg) cfg.emplace();
        cfg->excel_template = base64_encode(*bytes);
        cfg->input_schema.reset();
    }
    if (p.has("prompt") || p.has("effort")) {
        if (!cfg) return bad_usage("--prompt and --effort go with --schema FILE or --excel-template FILE");
        if (auto v = p.get("prompt")) cfg->schema_prompt = *v;
        if (p.has("effort")) cfg->effort = true;
    }
    return {};
}

/// Split mode: --topic-schema NAME=FILE (repeatable), then --prompt and --effort for every topic.
pulse::result<void> apply_topic_schema_flags(parsed_args const& p, local_inputs& in,
                                             std::optional<pulse::ordered_map<pulse::topic_schema_config>>& topics) {
    for (auto const& t : p.all("topic-schema")) {
        auto const eq = t.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == t.size())
            return bad_usage("--topic-schema wants NAME=FILE, got '" + t + "'");
        std::string const name = t.substr(0, eq);
        auto o = in.json_object("--topic-schema " + name, t.substr(eq + 1));
        if (!o) return o.error();
        if (!topics) topics.emplace();
        (*topics)[name].schema = std::move(*o);
    }
    if (p.has("prompt") || p.has("effort")) {
        if (!topics || topics->empty()) return bad_usage("--prompt and --effort in split mode go with --topic-schema NAME=FILE");
        for (auto& e : *topics) {
            if (auto v = p.get("prompt")) e.value.schema_prompt = *v;
            if (p.has("effort")) e.value.effort = true;
        }
    }
    return {};
}

/// --format, --merge, --charts over `cfg`.
pulse::result<void> apply_tables_flags(parsed_args const& p, std::optional<pulse::tables_config>& cfg) {
    auto const format = p.get("format");
    if (format && *format != "html" && *format != "json") return bad_usage("--format wants html or json, got '" + *format + "'");
    if (!format && !p.has("merge") && !p.has("charts")) return {};
    if (!cfg) cfg.emplace();
    if (format) cfg->table_format = *format;
    if (p.has("merge")) cfg->merge = true;
    if (p.has("charts")) cfg->charts_to_tables = true;
    return {};
}

/// "schema", "batch extract", ...: a kind as the summary names it.
std::string kind_label(pulse::job_kind k) {
    std::string label(pulse::to_string(k));
    for (char& c : label)
        if (c == '_') c = ' ';
    return label;
}

/// "pulse: schema done in 1.2s: DETAIL; job ID, 2 polls, large result 3.1 MB downloaded; 812 B
/// written to FILE".
std::string done_line(session& s, std::string const& detail, std::string_view where, std::uint64_t bytes) {
    auto& p = s.display();
    std::string line = "pulse: " + kind_label(s.kind()) + " done in " + format_seconds(p.elapsed());
    if (!detail.empty()) line += ": " + detail;
    std::string job;
    if (!p.job_id().empty()) job = "job " + p.job_id();
    if (p.polls() > 0) job += (job.empty() ? "" : ", ") + std::to_string(p.polls()) + (p.polls() == 1 ? " poll" : " polls");
    if (p.downloaded() > 0) job += (job.empty() ? "" : ", ") + std::string("large result ") + format_bytes(p.downloaded()) + " downloaded";
    if (!job.empty()) line += "; " + job;
    if (!where.empty()) line += "; " + format_bytes(bytes) + " written to " + std::string(where);
    return line;
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
    return with_commas(n) + " " + std::string(n == 1 ? one : many);
}

/// "1-3,5": 1-based page numbers, runs joined.
std::string page_list(std::vector<std::int64_t> const& pages) {
    std::string out;
    for (std::size_t i = 0; i < pages.size();) {
        std::size_t j = i;
        while (j + 1 < pages.size() && pages[j + 1] == pages[j] + 1) ++j;
        if (!out.empty()) out += ',';
        out += std::to_string(pages[i]);
        if (j > i) out.append(1, '-').append(std::to_string(pages[j])); // append: g++ 12 -O3 misreads "-" + string as overlapping (-Wrestrict)
        i = j + 1;
    }
    return out;
}

std::size_t value_count(std::optional<pulse::structured_output> const& o) {
    return o && o->values ? o->values->size() : 0;
}

/// The summary of a schema run, after downloading its workbook to `excel` when given.
int finish_result(session& s, pulse::schema_result const& r, std::string_view where, std::uint64_t bytes, output* excel) {
    std::string detail;
    if (r.is_split_mode()) {
        std::size_t values = 0;
        if (r.results)
            for (auto const& e : *r.results) values += value_count(e.value);
        detail = plural(r.results ? r.results->size() : 0, "topic", "topics") + ", " + plural(values, "value", "values");
        if (r.errors && !r.errors->empty()) detail += ", " + plural(r.errors->size(), "topic", "topics") + " failed";
    } else {
        detail = plural(value_count(r.schema_output), "value", "values");
    }
    if (r.schema_id) detail += " (schema_id " + *r.schema_id + ")";
    std::string line = done_line(s, detail, where, bytes);
    if (excel) {
        auto& client = s.client();
        auto const fail = [&](pulse::error e, std::string const& kept) {
            e.message += where.empty() ? std::string(" (the schema result was written)")
                                       : " (the schema result was written to " + std::string(where) + ")";
            return s.fail(e, kept);
        };
        if (!r.schema_id)
            return fail(pulse::error(pulse::errc::unexpected_shape, "the answer names no schema_id, so there is no workbook to download"), {});
        // No progress callbacks: the summary's download figures are the result's, not the workbook's.
        pulse::call_options c;
        c.stop = s.call().stop;
        auto m = pulse::flow::make_excel_download(client.config(), *r.schema_id, excel->sink(), client.next_seed());
        pulse::result<pulse::download_info> d = m ? client.run(*m, c) : pulse::result<pulse::download_info>(m.error());
        if (!d) {
            pulse::error e = d.error();
            std::string const kept = excel->abandon(e);
            return fail(std::move(e), kept);
        }
        if (auto ok = excel->commit(); !ok) return fail(ok.error(), {});
        line += "; workbook " + format_bytes(d->bytes) + " written to " + excel->name();
    }
    s.display().note(redact(line, s.key()));
    if (r.errors)
        for (auto const& e : *r.errors) s.display().note(redact("  warning: topic " + e.key + ": " + e.value, s.key()));
    return exit_ok;
}

int finish_result(session& s, pulse::split_result const& r, std::string_view where, std::uint64_t bytes) {
    auto const* splits = r.split_output && r.split_output->splits ? &*r.split_output->splits : nullptr;
    std::size_t pages = 0;
    if (splits)
        for (auto const& e : *splits) pages += e.value.size();
    std::string detail = plural(splits ? splits->size() : 0, "topic", "topics") + ", " + plural(pages, "page", "pages");
    if (r.split_id) detail += " (split_id " + *r.split_id + ")";
    s.display().note(redact(done_line(s, detail, where, bytes), s.key()));
    if (splits) {
        std::size_t width = 0;
        for (auto const& e : *splits) width = (std::max)(width, e.key.size());
        for (auto const& e : *splits) {
            std::string row = "  " + e.key;
            row.append(width - e.key.size() + 2, ' ');
            row += e.value.empty() ? std::string("no pages") : (e.value.size() == 1 ? "page " : "pages ") + page_list(e.value);
            s.display().note(redact(row, s.key()));
        }
    }
    return exit_ok;
}

int finish_result(session& s, pulse::tables_result const& r, std::string_view where, std::uint64_t bytes) {
    auto const* tables = r.tables_output && r.tables_output->tables ? &*r.tables_output->tables : nullptr;
    std::size_t charts = 0;
    if (tables)
        for (auto const& t : *tables) charts += t.from_chart.value_or(false) ? 1u : 0u;
    std::string detail = plural(tables ? tables->size() : 0, "table", "tables");
    if (charts > 0) detail += " (" + with_commas(charts) + " from " + (charts == 1 ? "a chart" : "charts") + ")";
    if (r.tables_id) detail += " (tables_id " + *r.tables_id + ")";
    s.display().note(redact(done_line(s, detail, where, bytes), s.key()));
    return exit_ok;
}

int finish_result(session& s, pulse::pipeline_result const& r, std::string_view where, std::uint64_t bytes) {
    std::vector<std::string> steps;
    if (r.results) {
        auto const& x = *r.results;
        if (x.extract) {
            auto const pages = x.extract->pages ? x.extract->pages : x.extract->page_count;
            steps.push_back("extract" + (pages ? " (" + plural(static_cast<std::size_t>(*pages), "page", "pages") + ")" : std::string()));
        }
        if (x.batch_extract)
            steps.push_back("batch_extract" + (x.batch_extract->total_files
                                                   ? " (" + plural(static_cast<std::size_t>(*x.batch_extract->total_files), "file", "files") + ")"
                                                   : std::string()));
        if (x.split) {
            auto const* sp = x.split->split_output && x.split->split_output->splits ? &*x.split->split_output->splits : nullptr;
            steps.push_back("split (" + plural(sp ? sp->size() : 0, "topic", "topics") + ")");
        }
        if (x.schema) {
            std::size_t values = value_count(x.schema->schema_output);
            if (x.schema->results)
                for (auto const& e : *x.schema->results) values += value_count(e.value);
            steps.push_back("schema (" + plural(values, "value", "values") + ")");
        }
        if (x.tables) {
            auto const* t = x.tables->tables_output && x.tables->tables_output->tables ? &*x.tables->tables_output->tables : nullptr;
            steps.push_back("tables (" + plural(t ? t->size() : 0, "table", "tables") + ")");
        }
        for (auto const& e : x.extra) steps.push_back(std::string(e.key()));
    }
    std::string detail = steps.empty() ? std::string("no step results") : "steps ";
    for (std::size_t i = 0; i < steps.size(); ++i) detail += (i ? ", " : "") + steps[i];
    if (r.total_latency) detail += "; total latency " + format_seconds(r.total_latency->as_double());
    if (r.auto_delete.value_or(false)) detail += "; nothing kept (auto_delete)";
    s.display().note(redact(done_line(s, detail, where, bytes), s.key()));
    return exit_ok;
}

/// A batch's summary. Exit code 5 (exit_job_failed) when an item did not complete: the batch
/// finished, its result is written, and each such item is listed on stderr (also with --quiet).
int finish_result(session& s, pulse::batch_result const& r, std::string_view where, std::uint64_t bytes) {
    using V = pulse::job_status::value_type;
    std::vector<pulse::batch_item> const no_items;
    auto const& items = r.items ? *r.items : no_items;
    std::int64_t completed = 0, failed = 0;
    std::vector<pulse::batch_item const*> unfinished;
    for (auto const& item : items) {
        bool const ok = item.status && item.status->value() == V::completed;
        completed += ok ? 1 : 0;
        failed += item.status && item.status->value() == V::failed ? 1 : 0;
        if (!ok) unfinished.push_back(&item);
    }
    std::int64_t const total = r.total.value_or(static_cast<std::int64_t>(items.size()));
    if (r.completed) completed = *r.completed;
    if (r.failed) failed = *r.failed;
    std::int64_t const not_completed = (std::max)(total - completed, static_cast<std::int64_t>(unfinished.size()));
    std::string detail = plural(static_cast<std::size_t>(total), "item", "items") + ": " + std::to_string(completed) + " completed";
    if (failed > 0) detail += ", " + std::to_string(failed) + " failed";
    if (not_completed > failed) detail += ", " + std::to_string(not_completed - failed) + " not completed";
    s.display().note(redact(done_line(s, detail, where, bytes), s.key()));
    if (not_completed == 0) return exit_ok;

    constexpr std::size_t shown = 20;
    std::string const me = "pulse " + s.command() + ": ";
    for (std::size_t i = 0; i < unfinished.size() && i < shown; ++i) {
        auto const& item = *unfinished[i];
        std::string line = me + "item " + (item.index ? std::to_string(*item.index) : std::to_string(i));
        if (item.source) line += " (" + *item.source + ")";
        line += ": " + (item.status ? item.status->str() : std::string("no status"));
        if (item.error) line += ": " + *item.error;
        s.display().error_line(redact(line, s.key()));
    }
    if (unfinished.size() > shown) s.display().error_line(me + "... and " + std::to_string(unfinished.size() - shown) + " more");
    s.display().error_line(me + std::to_string(not_completed) + " of " + std::to_string(total) +
                           " items did not complete; the batch's result lists every item" +
                           (where.empty() ? std::string() : " (in " + std::string(where) + ")"));
    return exit_job_failed;
}

/// The finish (see fetch_result) of a job of result type T.
template <class T>
auto finish_for(session& s, output* excel) {
    return [&s, excel](T const& r, std::string_view where, std::uint64_t bytes) -> int {
        if constexpr (std::is_same_v<T, pulse::schema_result>) return finish_result(s, r, where, bytes, excel);
        else {
            (void)excel; // only a schema run has a workbook
            return finish_result(s, r, where, bytes);
        }
    };
}

/// --excel-out FILE, opened before anything is sent (a path that cannot be written is found before
/// the job costs anything). Errors: the usage message.
pulse::result<std::optional<output>> open_excel_out(parsed_args const& p) {
    std::optional<output> none;
    auto const path = p.get("excel-out");
    if (!path) return none;
    if (*path == "-") return bad_usage("--excel-out wants a file (the workbook is binary; stdout has the result)");
    if (p.has("no-wait")) return bad_usage("--excel-out needs the finished job; give it to `pulse wait` instead of --no-wait");
    auto o = output::open(path);
    if (!o) return bad_usage("cannot write " + *path + ": " + o.error().message);
    std::optional<output> r;
    r.emplace(std::move(*o));
    return r;
}

/// Submit a job and, unless --no-wait, follow it to its result. `submit()`: the job's handle once
/// accepted (--no-wait); `make(delivery)`: the machine to its result.
template <class Submit, class Make, class Finish>
int run_job(session& s, parsed_args const& p, pulse::job_kind kind, std::string const& activity, Submit&& submit, Make&& make,
            Finish&& finish) {
    s.set_kind(kind);
    s.display().set_activity(activity);
    if (p.has("no-wait")) {
        // Submit only: the job's token goes to stdout, to wait for later from any process.
        auto h = submit();
        s.display().finish(h.has_value());
        if (!h) return s.fail(h.error());
        print_stdout(h->token() + "\n");
        return exit_ok;
    }
    return fetch_result(s, p, std::forward<Make>(make), std::forward<Finish>(finish));
}

/// run_job for the request types make_job_flow submits.
template <class Request>
int run_request(session& s, parsed_args const& p, Request const& req, std::string const& activity, output* excel = nullptr) {
    using traits = pulse::flow::job_request_traits<Request>;
    using T = pulse::flow::result_of_t<Request>;
    auto& client = s.client();
    return run_job(
        s, p, traits::kind, activity, [&] { return client.submit(req, s.call()); },
        [&](pulse::flow::delivery d) { return pulse::flow::make_job_flow<T>(client.config(), req, client.next_seed(), d); },
        finish_for<T>(s, excel));
}

/// Positionals beyond the command (and its action): none are taken.
std::optional<std::string> extra_argument(parsed_args const& p, std::size_t taken) {
    if (p.positionals.size() > taken) return "unexpected argument '" + p.positionals[taken] + "'";
    return std::nullopt;
}

int cmd_schema(parsed_args const& p, session& s) {
    if (auto bad = extra_argument(p, 1)) return s.usage(*bad);
    local_inputs in;
    auto req = request_from<pulse::schema_request>(p, in);
    if (!req) return s.usage(req.error().message);

    auto const ids = p.all("extraction-id");
    auto const splits = p.all("split-id");
    if (!ids.empty() && !splits.empty()) return s.usage("give --extraction-id or --split-id, not both");
    if (splits.size() > 1) return s.usage("one --split-id at a time");
    if (!ids.empty() || !splits.empty()) {
        // The flags name the source: it replaces the --request file's, with the other mode's schema.
        req->extraction_id.reset();
        req->extraction_ids.reset();
        req->split_id.reset();
        if (ids.size() == 1) req->extraction_id = ids.front();
        else if (ids.size() > 1) req->extraction_ids = ids;
        else req->split_id = splits.front();
        if (req->split_id) {
            req->schema_config.reset();
            req->schema_config_id.reset();
        } else {
            req->split_schema_config.reset();
        }
    }
    if (!req->extraction_id && !req->extraction_ids && !req->split_id)
        return s.usage("missing --extraction-id ID (or --split-id ID): the extraction(s) or split to work on");

    if (req->split_id) {
        for (std::string_view o : {"schema", "excel-template", "schema-config-id"})
            if (p.has(o))
                return s.usage("--" + std::string(o) + " applies to --extraction-id; with --split-id give --topic-schema NAME=FILE per topic");
        if (auto ok = apply_topic_schema_flags(p, in, req->split_schema_config); !ok) return s.usage(ok.error().message);
        if (!req->split_schema_config || req->split_schema_config->empty())
            return s.usage("missing --topic-schema NAME=FILE: a schema for each topic of the split");
    } else {
        if (p.has("topic-schema")) return s.usage("--topic-schema goes with --split-id (a schema per topic of a split)");
        int const given = int(p.has("schema")) + int(p.has("excel-template")) + int(p.has("schema-config-id"));
        if (given > 1) return s.usage("give one of --schema FILE, --excel-template FILE and --schema-config-id ID");
        if (auto id = p.get("schema-config-id")) {
            req->schema_config.reset();
            req->schema_config_id = *id;
        } else if (given == 1) {
            req->schema_config_id.reset();
        }
        if (auto ok = apply_schema_flags(p, in, req->schema_config); !ok) return s.usage(ok.error().message);
        if (!req->schema_config && !req->schema_config_id)
            return s.usage("missing --schema FILE (or --excel-template FILE, or --schema-config-id ID)");
    }
    auto excel = open_excel_out(p);
    if (!excel) return s.usage(excel.error().message);
    return run_request(s, p, *req, "submitting the schema job", *excel ? &**excel : nullptr);
}

int cmd_split(parsed_args const& p, session& s) {
    if (auto bad = extra_argument(p, 1)) return s.usage(*bad);
    local_inputs in;
    boost::json::object defaults;
    auto const ids = p.all("extraction-id");
    if (ids.size() > 1) return s.usage("split works on one extraction: give --extraction-id once");
    if (!ids.empty()) defaults["extraction_id"] = ids.front();
    auto req = request_from<pulse::split_request>(p, in, defaults);
    if (!req) return s.usage(req.error().message);
    if (!ids.empty()) req->extraction_id = ids.front();
    if (req->extraction_id.empty()) return s.usage("missing --extraction-id ID: the extraction to split");

    auto topics = topics_from(p, "--topic");
    if (!topics) return s.usage(topics.error().message);
    auto const config_id = p.get("split-config-id");
    if (*topics && config_id) return s.usage("give --topic NAME or --split-config-id ID, not both");
    if (*topics) {
        req->split_config = std::move(**topics);
        req->split_config_id.reset();
    } else if (config_id) {
        req->split_config_id = *config_id;
        req->split_config.reset();
    }
    if (!req->split_config && !req->split_config_id)
        return s.usage("missing --topic NAME[=DESCRIPTION] (repeatable) or --split-config-id ID: the topics to split into");
    return run_request(s, p, *req, "submitting the split job");
}

int cmd_tables(parsed_args const& p, session& s) {
    if (auto bad = extra_argument(p, 1)) return s.usage(*bad);
    local_inputs in;
    boost::json::object defaults;
    auto const ids = p.all("extraction-id");
    if (ids.size() > 1) return s.usage("tables works on one extraction: give --extraction-id once");
    if (!ids.empty()) defaults["extraction_id"] = ids.front();
    auto req = request_from<pulse::tables_request>(p, in, defaults);
    if (!req) return s.usage(req.error().message);
    if (!ids.empty()) req->extraction_id = ids.front();
    if (req->extraction_id.empty()) return s.usage("missing --extraction-id ID: the extraction whose tables to extract");
    if (auto ok = apply_tables_flags(p, req->tables_config); !ok) return s.usage(ok.error().message);
    return run_request(s, p, *req, "submitting the tables job");
}

/// --output-s3-prefix, --output-path, --workers: what every batch takes.
pulse::result<void> apply_batch_flags(parsed_args const& p, pulse::batch_output& out, std::optional<std::int64_t>& workers) {
    if (auto v = p.get("output-s3-prefix")) out.s3_prefix = *v;
    if (auto v = p.get("output-path")) out.local_path = *v;
    if (auto v = p.get("workers")) {
        auto n = whole_number("--workers", *v, 1, 10);
        if (!n) return n.error();
        workers = *n;
    }
    return {};
}

/// The items a batch's flags name: extractions (--extraction-id, repeatable, or
/// --batch-extract-id) or, for batch schema, splits (--split-id, repeatable, or --batch-split-id).
struct batch_sources {
    std::vector<std::string> extraction_ids, split_ids;
    std::optional<std::string> batch_extract_id, batch_split_id;
    int count() const {
        return int(!extraction_ids.empty()) + int(batch_extract_id.has_value()) + int(!split_ids.empty()) +
               int(batch_split_id.has_value());
    }
};

int batch_extract(parsed_args const& p, session& s, local_inputs& in) {
    std::vector<std::string> const files(p.positionals.begin() + 2, p.positionals.end());
    auto const urls = p.all("url");
    auto const s3 = p.get("s3-prefix");
    int const ways = int(!files.empty()) + int(!urls.empty()) + int(s3.has_value());
    if (ways > 1) return s.usage("give the documents one way: FILE..., --url URL (repeatable) or --s3-prefix PREFIX");
    auto req = request_from<pulse::batch_extract_request>(p, in, {{"output", boost::json::object()}, {"input", boost::json::object()}});
    if (!req) return s.usage(req.error().message);
    std::string what;
    if (ways == 1) {
        req->input.s3_prefix.reset();
        req->input.file_urls.reset();
        req->input.files.reset();
    }
    if (!urls.empty()) {
        req->input.file_urls = urls;
        what = " (" + plural(urls.size(), "URL", "URLs") + ")";
    } else if (s3) {
        req->input.s3_prefix = *s3;
        what = " (" + *s3 + ")";
    } else if (!files.empty()) {
        std::vector<pulse::batch_file> list;
        std::uint64_t total = 0;
        for (auto const& f : files) {
            if (f == "-") return s.usage("a batch's documents are files; '-' (standard input) is not one");
            auto bytes = in.read({}, f);
            if (!bytes) return s.usage(bytes.error().message);
            total += bytes->size();
            list.push_back(pulse::batch_file{.filename = fs::path(f).filename().string(), .content = base64_encode(*bytes), .extra = {}});
        }
        req->input.files = std::move(list);
        what = " (" + plural(files.size(), "file", "files") + ", " + format_bytes(total) + ")";
    }
    if (!req->input.s3_prefix && !req->input.file_urls && !req->input.files)
        return s.usage("missing the documents: FILE..., --url URL (repeatable) or --s3-prefix PREFIX");
    if (p.has("model") || p.has("pages") || p.has("set")) {
        if (!req->extract_options) req->extract_options.emplace();
        if (auto v = p.get("model")) req->extract_options->model = *v;
        if (auto v = p.get("pages")) req->extract_options->pages = *v;
        if (auto ok = apply_set_options(p, req->extract_options->extra); !ok) return s.usage(ok.error().message);
    }
    if (auto ok = apply_batch_flags(p, req->output, req->workers); !ok) return s.usage(ok.error().message);
    return run_request(s, p, *req, "submitting the batch extract job" + what);
}

batch_sources sources_of(parsed_args const& p) {
    batch_sources b;
    b.extraction_ids = p.all("extraction-id");
    b.split_ids = p.all("split-id");
    b.batch_extract_id = p.get("batch-extract-id");
    b.batch_split_id = p.get("batch-split-id");
    return b;
}

int batch_schema(parsed_args const& p, session& s, local_inputs& in) {
    auto const src = sources_of(p);
    if (src.count() > 1)
        return s.usage("give the items one way: --extraction-id ID (repeatable), --batch-extract-id ID, --split-id ID "
                       "(repeatable) or --batch-split-id ID");
    auto req = request_from<pulse::batch_schema_request>(p, in, {{"output", boost::json::object()}});
    if (!req) return s.usage(req.error().message);
    if (src.count() == 1) {
        req->extraction_ids.reset();
        req->batch_extract_id.reset();
        req->split_ids.reset();
        req->batch_split_id.reset();
        if (!src.extraction_ids.empty()) req->extraction_ids = src.extraction_ids;
        if (!src.split_ids.empty()) req->split_ids = src.split_ids;
        req->batch_extract_id = src.batch_extract_id;
        req->batch_split_id = src.batch_split_id;
        if (req->split_ids || req->batch_split_id) {
            req->schema_config.reset();
            req->page_range.reset();
        } else {
            req->split_schema_config.reset();
        }
    }
    if (!req->extraction_ids && !req->batch_extract_id && !req->split_ids && !req->batch_split_id)
        return s.usage("missing the items: --extraction-id ID (repeatable), --batch-extract-id ID, --split-id ID "
                       "(repeatable) or --batch-split-id ID");
    std::size_t items = 0;
    if (req->split_ids || req->batch_split_id) {
        for (std::string_view o : {"schema", "excel-template", "pages"})
            if (p.has(o))
                return s.usage("--" + std::string(o) + " applies to extractions; with splits give --topic-schema NAME=FILE per topic");
        if (auto ok = apply_topic_schema_flags(p, in, req->split_schema_config); !ok) return s.usage(ok.error().message);
        if (!req->split_schema_config || req->split_schema_config->empty())
            return s.usage("missing --topic-schema NAME=FILE: a schema for each topic of the splits");
        items = req->split_ids ? req->split_ids->size() : 0;
    } else {
        if (p.has("topic-schema")) return s.usage("--topic-schema goes with --split-id or --batch-split-id");
        if (auto ok = apply_schema_flags(p, in, req->schema_config); !ok) return s.usage(ok.error().message);
        if (!req->schema_config) return s.usage("missing --schema FILE (or --excel-template FILE)");
        if (auto v = p.get("pages")) req->page_range = *v;
        items = req->extraction_ids ? req->extraction_ids->size() : 0;
    }
    if (auto ok = apply_batch_flags(p, req->output, req->workers); !ok) return s.usage(ok.error().message);
    return run_request(s, p, *req, "submitting the batch schema job" + (items ? " (" + plural(items, "item", "items") + ")" : std::string()));
}

/// The items of a batch tables or split: --extraction-id or --batch-extract-id over the request's.
template <class Request>
std::optional<std::string> apply_extraction_items(parsed_args const& p, Request& req) {
    auto const src = sources_of(p);
    if (src.count() > 1) return "give --extraction-id ID (repeatable) or --batch-extract-id ID, not both";
    if (src.count() == 1) {
        req.extraction_ids.reset();
        req.batch_extract_id = src.batch_extract_id;
        if (!src.extraction_ids.empty()) req.extraction_ids = src.extraction_ids;
    }
    if (!req.extraction_ids && !req.batch_extract_id) return "missing --extraction-id ID (repeatable) or --batch-extract-id ID";
    return std::nullopt;
}

int batch_tables(parsed_args const& p, session& s, local_inputs& in) {
    auto req = request_from<pulse::batch_tables_request>(p, in, {{"output", boost::json::object()}});
    if (!req) return s.usage(req.error().message);
    if (auto bad = apply_extraction_items(p, *req)) return s.usage(*bad);
    if (auto ok = apply_tables_flags(p, req->tables_config); !ok) return s.usage(ok.error().message);
    if (auto ok = apply_batch_flags(p, req->output, req->workers); !ok) return s.usage(ok.error().message);
    std::size_t const items = req->extraction_ids ? req->extraction_ids->size() : 0;
    return run_request(s, p, *req, "submitting the batch tables job" + (items ? " (" + plural(items, "item", "items") + ")" : std::string()));
}

int batch_split(parsed_args const& p, session& s, local_inputs& in) {
    auto topics = topics_from(p, "--topic");
    if (!topics) return s.usage(topics.error().message);
    boost::json::object defaults{{"output", boost::json::object()}};
    if (*topics) defaults["split_config"] = boost::json::object{{"split_input", boost::json::array()}};
    auto req = request_from<pulse::batch_split_request>(p, in, defaults);
    if (!req) return s.usage(req.error().message);
    if (auto bad = apply_extraction_items(p, *req)) return s.usage(*bad);
    if (*topics) req->split_config = std::move(**topics);
    if (req->split_config.split_input.empty()) return s.usage("missing --topic NAME[=DESCRIPTION] (repeatable): the topics to split into");
    if (auto ok = apply_batch_flags(p, req->output, req->workers); !ok) return s.usage(ok.error().message);
    std::size_t const items = req->extraction_ids ? req->extraction_ids->size() : 0;
    return run_request(s, p, *req, "submitting the batch split job" + (items ? " (" + plural(items, "item", "items") + ")" : std::string()));
}

int cmd_batch(parsed_args const& p, session& s) {
    std::vector<std::string> const& pos = p.positionals;
    if (pos.size() < 2) return s.usage("missing action: extract, schema, tables or split");
    std::string const& action = pos[1];
    // The options of one action (besides the ones every batch takes).
    static std::vector<std::string_view> const common = {"request", "out", "no-wait", "cancel-on-interrupt", "output-s3-prefix",
                                                         "output-path", "workers"};
    std::vector<std::string_view> own;
    if (action == "extract") own = {"url", "s3-prefix", "model", "pages", "set"};
    else if (action == "schema")
        own = {"extraction-id", "batch-extract-id", "split-id", "batch-split-id", "schema", "excel-template", "topic-schema", "prompt", "effort", "pages"};
    else if (action == "tables") own = {"extraction-id", "batch-extract-id", "format", "merge", "charts"};
    else if (action == "split") own = {"extraction-id", "batch-extract-id", "topic"};
    else return s.usage("unknown action '" + action + "' (extract, schema, tables or split)");
    own.insert(own.end(), common.begin(), common.end());
    if (auto bad = check_allowed(p, own)) return s.usage("option " + *bad + " does not apply to batch " + action);
    if (action != "extract")
        if (auto bad = extra_argument(p, 2)) return s.usage(*bad + " (documents are for batch extract)");
    local_inputs in;
    if (action == "extract") return batch_extract(p, s, in);
    if (action == "schema") return batch_schema(p, s, in);
    if (action == "tables") return batch_tables(p, s, in);
    return batch_split(p, s, in);
}

int cmd_pipeline(parsed_args const& p, session& s) {
    std::vector<std::string> const& pos = p.positionals;
    if (pos.size() > 2) return s.usage("one document at a time (got " + std::to_string(pos.size() - 1) + ")");
    auto const url = p.get("url");
    if (url && pos.size() == 2) return s.usage("give either FILE or --url, not both");
    local_inputs in;
    bool const step_flags = p.has("extract") || p.has("split-topic") || p.has("schema") || p.has("tables") || p.has("model") ||
                            p.has("pages") || p.has("prompt") || p.has("effort") || p.has("format") || p.has("merge") ||
                            p.has("charts");
    boost::json::object defaults;
    if (p.has("steps") || step_flags) defaults["steps"] = boost::json::object();
    auto req = request_from<pulse::pipeline_request>(p, in, defaults);
    if (!req) return s.usage(req.error().message);

    pulse::document doc;
    std::string what;
    if (url) {
        req->file_url = *url;
        what = " (" + *url + ")";
    } else if (pos.size() == 2) {
        std::error_code ec;
        auto const st = fs::status(pos[1], ec);
        if (!fs::exists(st)) return s.usage("cannot read " + pos[1] + ": no such file");
        if (fs::is_directory(st)) return s.usage("cannot read " + pos[1] + ": is a directory");
        auto const size = fs::file_size(pos[1], ec);
        doc = pulse::file(pos[1]);
        req->file_url.reset();
        what = " (" + pos[1] + (ec ? std::string() : ", " + format_bytes(size)) + ")";
    }
    if (auto f = p.get("steps")) {
        auto steps = in.decoded<pulse::pipeline_steps>("--steps", *f);
        if (!steps) return s.usage(steps.error().message);
        req->steps = std::move(*steps);
    }
    // Step flags override the steps of --steps and --request one by one.
    auto& st = req->steps;
    if (p.has("extract") || p.has("model") || p.has("pages")) {
        if (!st.extract) st.extract.emplace();
        if (auto v = p.get("model")) st.extract->model = *v;
        if (auto v = p.get("pages")) st.extract->pages = *v;
    }
    auto topics = topics_from(p, "--split-topic");
    if (!topics) return s.usage(topics.error().message);
    if (*topics) st.split = std::move(**topics);
    if (auto ok = apply_schema_flags(p, in, st.schema); !ok) return s.usage(ok.error().message);
    if (p.has("tables") && !st.tables) st.tables.emplace();
    if (auto ok = apply_tables_flags(p, st.tables); !ok) return s.usage(ok.error().message);
    if (step_flags && !st.extract && !st.batch_extract) st.extract.emplace(); // the other steps need an extraction
    if (!p.has("steps") && !p.has("request") && !step_flags)
        return s.usage("missing the steps: --steps FILE.json, or step flags (--extract, --split-topic NAME, --schema FILE, --tables)");
    if (st.tables && (st.split || st.schema))
        return s.usage("the tables step runs after extract alone: --tables cannot be combined with --split-topic or --schema");
    if (st.extract && !doc.file && !req->file_url) return s.usage("missing FILE (or --url URL): the document of the extract step");
    if (p.has("auto-delete")) req->auto_delete = true;

    auto& client = s.client();
    return run_job(
        s, p, pulse::job_kind::pipeline, "submitting the pipeline job" + what,
        [&] {
            auto m = pulse::flow::make_pipeline_flow<pulse::job_handle>(client.config(), doc, *req, client.next_seed());
            return m ? client.run(*m, s.call()) : pulse::result<pulse::job_handle>(m.error());
        },
        [&](pulse::flow::delivery d) {
            return pulse::flow::make_pipeline_flow<pulse::pipeline_result>(client.config(), doc, *req, client.next_seed(), d);
        },
        finish_for<pulse::pipeline_result>(s, nullptr));
}

/// Wait for `job`, a job of result type T, as the command that submitted it would have.
template <class T>
int wait_for(session& s, parsed_args const& p, pulse::job_handle const& job, output* excel = nullptr) {
    auto& client = s.client();
    return fetch_result(
        s, p,
        [&](pulse::flow::delivery d) { return pulse::flow::make_attach_flow<T>(client.config(), job, client.next_seed(), d); },
        finish_for<T>(s, excel));
}

/// The job a command names: a token (as `pulse extract --no-wait` prints it) or a bare job id (an
/// extraction of the configured API).
pulse::result<pulse::job_handle> job_named(std::string const& text) {
    if (text.rfind("pulse-job:", 0) == 0) return pulse::job_handle::from_token(text);
    return pulse::job_handle{text};
}

int cmd_wait(parsed_args const& p, session& s) {
    if (p.positionals.size() != 2) return s.usage("expected one job (a token or an id)");
    auto job = job_named(p.positionals[1]);
    if (!job) return s.usage(job.error().message);
    if (auto k = p.get("kind")) {
        if (p.positionals[1].rfind("pulse-job:", 0) == 0) return s.usage("--kind applies to a bare job id; a token names its kind");
        auto kind = pulse::job_kind_from_string(*k);
        if (!kind)
            return s.usage("unknown --kind '" + *k + "' (extract, schema, split, tables, pipeline, batch_extract, batch_schema, "
                           "batch_tables, batch_split, form_detect, form_fill or form_clear)");
        job->kind = *kind;
    }
    s.set_kind(job->kind);
    s.display().set_job_label("waiting for job", false); // printed when the flow reports the id
    auto& client = s.client();
    using K = pulse::job_kind;
    if (p.has("markdown") && job->kind != K::extract) return s.usage("--markdown applies to extraction jobs only");
    if (p.has("excel-out") && job->kind != K::schema) return s.usage("--excel-out applies to schema jobs only");
    switch (job->kind) {
    case K::schema: {
        auto excel = open_excel_out(p);
        if (!excel) return s.usage(excel.error().message);
        return wait_for<pulse::schema_result>(s, p, *job, *excel ? &**excel : nullptr);
    }
    case K::split: return wait_for<pulse::split_result>(s, p, *job);
    case K::tables: return wait_for<pulse::tables_result>(s, p, *job);
    case K::pipeline: return wait_for<pulse::pipeline_result>(s, p, *job);
    case K::batch_extract:
    case K::batch_schema:
    case K::batch_tables:
    case K::batch_split: return wait_for<pulse::batch_result>(s, p, *job);
    case K::extract:
    case K::form_detect:
    case K::form_fill:
    case K::form_clear: break;
    }
    if (job->kind != pulse::job_kind::extract) {
        // A form job: its result JSON goes to the output as it comes, with no summary.
        auto out = output::open(p.get("out"));
        if (!out) return s.usage("cannot write " + p.get("out").value_or("") + ": " + out.error().message);
        auto m = pulse::flow::make_attach_flow<pulse::download_info>(client.config(), *job, client.next_seed(),
                                                                     pulse::flow::delivery{&out->sink(), false});
        pulse::result<pulse::download_info> r = m ? client.run(*m, s.call()) : pulse::result<pulse::download_info>(m.error());
        s.display().finish(r.has_value());
        if (!r) {
            pulse::error e = r.error();
            std::string const kept = out->abandon(e);
            return s.fail(e, kept);
        }
        if (auto c = out->commit(); !c) return s.fail(c.error());
        return exit_ok;
    }
    return fetch_result(
        s, p,
        [&](pulse::flow::delivery d) {
            return pulse::flow::make_attach_flow<pulse::extract_result>(client.config(), *job, client.next_seed(), d);
        },
        extract_summary(s));
}

int cmd_job(parsed_args const& p, session& s) {
    if (p.positionals.size() != 2) return s.usage("expected one job (a token or an id)");
    auto job = job_named(p.positionals[1]);
    if (!job) return s.usage(job.error().message);
    s.display().set_activity("GET /job/" + job->id, false);
    auto call = s.call();
    call.progress.on_status = nullptr; // the answer is printed below; no progress line for it
    auto r = s.client().status(*job, call);
    s.display().finish(r.has_value());
    if (!r) return s.fail(r.error());
    print_stdout(redact(pulse::to_json(*r), s.key()) + "\n");
    using V = pulse::job_status::value_type;
    std::string const detail = r->error ? ": " + *r->error : std::string();
    switch (r->status.value()) {
    case V::failed: s.display().error_line(redact("pulse job: job " + r->job_id + " failed" + detail, s.key())); return exit_job_failed;
    case V::canceled: s.display().error_line("pulse job: job " + r->job_id + " was canceled"); return exit_job_canceled;
    case V::expired: s.display().error_line("pulse job: job " + r->job_id + " expired"); return exit_job_expired;
    default: break;
    }
    s.display().note(redact("pulse: job " + r->job_id + ": " + r->status.str(), s.key()));
    return exit_ok;
}

int cmd_cancel(parsed_args const& p, session& s) {
    if (p.positionals.size() != 2) return s.usage("expected one job (a token or an id)");
    auto job = job_named(p.positionals[1]);
    if (!job) return s.usage(job.error().message);
    s.display().set_activity("DELETE /job/" + job->id, false);
    auto r = s.client().cancel(*job, s.call());
    s.display().finish(r.has_value());
    if (!r) return s.fail(r.error());
    print_stdout(redact(pulse::to_json(*r), s.key()) + "\n");
    s.display().note(redact("pulse: cancel requested for job " + job->id +
                                (r->message ? " (" + *r->message + ")" : std::string()),
                            s.key()));
    return exit_ok;
}

int cmd_download(parsed_args const& p, session& s) {
    auto const url = p.get("url");
    if (url && p.positionals.size() != 1) return s.usage("give either a job ID or --url URL, not both");
    if (!url && p.positionals.size() != 2) return s.usage("expected one job ID (or --url URL)");
    auto const where = p.get("out");
    if (!where) return s.usage("--out FILE is required ('-' for stdout)");
    // A job token (of any kind) names its job's id; anything else is the id itself.
    std::string id = url ? std::string() : p.positionals[1];
    if (!url && id.rfind("pulse-job:", 0) == 0) {
        auto job = pulse::job_handle::from_token(id);
        if (!job) return s.usage(job.error().message);
        // As every command that takes a token: a job of another API is refused (the key would go
        // where it does not belong).
        auto const trimmed = [](std::string_view t) {
            while (!t.empty() && t.back() == '/') t.remove_suffix(1);
            return t;
        };
        if (!job->api.empty() && trimmed(job->api) != trimmed(s.client().config().base_url))
            return s.usage("job " + job->id + " belongs to the API at " + job->api + ", but this configuration talks to " +
                           s.client().config().base_url);
        id = job->id;
    }
    auto out = output::open(where);
    if (!out) return s.usage("cannot write " + *where + ": " + out.error().message);
    s.display().set_activity(url ? std::string("downloading the large result") : "downloading the large result of " + id);

    auto& client = s.client();
    pulse::flow::delivery const d{&out->sink(), false};
    auto m = url ? pulse::flow::make_large_result_download_from_url<pulse::download_info>(client.config(), *url, d,
                                                                                          client.next_seed())
                 : pulse::flow::make_large_result_download<pulse::download_info>(client.config(), id, d, client.next_seed());
    if (!m) {
        pulse::error e = m.error();
        (void)out->abandon(e);
        return s.fail(e);
    }
    auto r = client.run(*m, s.call());
    s.display().finish(r.has_value());
    if (!r) {
        pulse::error e = r.error();
        std::string const kept = out->abandon(e);
        return s.fail(e, kept);
    }
    if (auto c = out->commit(); !c) return s.fail(c.error());
    s.display().note("pulse: downloaded " + format_bytes(r->bytes) + " (" + with_commas(r->bytes) + " bytes) to " + out->name() +
                     " in " + format_seconds(s.display().elapsed()));
    return exit_ok;
}

int cmd_form(parsed_args const& p, session& s) {
    std::vector<std::string> const& pos = p.positionals;
    if (pos.size() < 2) return s.usage("missing action: detect, fill or clear");
    std::string const action = pos[1];
    if (action != "detect" && action != "fill" && action != "clear")
        return s.usage("unknown action '" + action + "' (detect, fill or clear)");
    if (pos.size() > 3) return s.usage("one document at a time");

    pulse::form_options opts;
    pulse::document doc;
    if (auto v = p.get("url")) doc = pulse::url(*v);
    if (auto v = p.get("form-id")) opts.form_id = *v;
    if (auto v = p.get("instructions")) opts.instructions = *v;
    if (auto v = p.get("pages")) opts.page_range = *v;
    if (pos.size() == 3) {
        if (doc.file_url) return s.usage("give either FILE or --url, not both");
        std::error_code ec;
        auto const st = fs::status(pos[2], ec);
        if (!fs::exists(st)) return s.usage("cannot read " + pos[2] + ": no such file");
        if (fs::is_directory(st)) return s.usage("cannot read " + pos[2] + ": is a directory");
        doc = pulse::file(pos[2]);
    }
    if (!doc.file && !doc.file_url && !opts.form_id) return s.usage("missing FILE (or --url URL, or --form-id ID)");
    if (action == "fill" && !opts.instructions) return s.usage("fill needs --instructions TEXT");

    auto out = output::open(p.get("out"));
    if (!out) return s.usage("cannot write " + p.get("out").value_or("") + ": " + out.error().message);
    s.display().set_activity("form " + action + ": submitting " + (pos.size() == 3 ? pos[2] : std::string("request")));

    auto& client = s.client();
    auto call = s.call();
    pulse::form_call const fc{.options = opts, .progress = call.progress, .stop = call.stop};
    s.set_kind(action == "detect" ? pulse::job_kind::form_detect : action == "fill" ? pulse::job_kind::form_fill : pulse::job_kind::form_clear);
    pulse::result<pulse::form_result> r = action == "detect" ? client.form_detect(doc, fc)
                                          : action == "fill" ? client.form_fill(doc, fc)
                                                             : client.form_clear(doc, fc);
    if (!r) {
        s.display().finish(false);
        pulse::error e = r.error();
        (void)out->abandon(e);
        return s.fail(e);
    }
    if (auto w = out->write(redact(pulse::to_json(*r), s.key()) + "\n"); !w) return s.fail(w.error());
    if (auto c = out->commit(); !c) return s.fail(c.error());

    std::string pdf_note;
    if (auto pdf = p.get("pdf-out")) {
        std::string job = s.display().job_id();
        if (job.empty())
            if (auto const* j = r->extra.if_contains("job_id"); j && j->is_string()) job = std::string(j->get_string());
        if (job.empty()) {
            s.display().finish(false);
            return s.fail(pulse::error(pulse::errc::unexpected_shape, "the answer names no job, so there is no PDF to download"));
        }
        // Not client::download_pdf(job, path): through `output`, a failure never clobbers an
        // existing file.
        auto pdf_out = output::open(*pdf);
        if (!pdf_out) return s.usage("cannot write " + *pdf + ": " + pdf_out.error().message);
        auto dm = pulse::flow::make_pdf_download(client.config(), job, pdf_out->sink(), client.next_seed());
        pulse::result<pulse::download_info> d = dm ? client.run(*dm, s.call()) : pulse::result<pulse::download_info>(dm.error());
        if (!d) {
            s.display().finish(false);
            pulse::error e = d.error();
            std::string const kept = pdf_out->abandon(e);
            return s.fail(e, kept);
        }
        if (auto c = pdf_out->commit(); !c) return s.fail(c.error());
        pdf_note = "; PDF " + format_bytes(d->bytes) + " written to " + *pdf;
    }
    s.display().finish();
    std::size_t const fields = r->form_fields ? r->form_fields->size() : 0;
    std::string line = "pulse: form " + action + " done in " + format_seconds(s.display().elapsed()) + ": " +
                       std::to_string(fields) + (fields == 1 ? " field" : " fields");
    if (r->fields_filled) line += ", " + std::to_string(*r->fields_filled) + " filled";
    if (r->fields_cleared) line += ", " + std::to_string(*r->fields_cleared) + " cleared";
    if (r->form_id) line += " (form_id " + *r->form_id + ")";
    s.display().note(redact(line + pdf_note, s.key()));
    return exit_ok;
}

// ---- dispatch -----------------------------------------------------------------------------------

struct command_entry {
    std::string_view name;
    std::string_view help;
    std::vector<std::string_view> options;
    int (*run)(parsed_args const&, session&);
    /// Set instead of `run` for a command that needs no API key and no server.
    int (*run_local)(parsed_args const&) = nullptr;
};

// The options of the job commands (the table below keeps one line per command).
std::vector<std::string_view> const job_options = {"request", "out", "no-wait", "cancel-on-interrupt"};
std::vector<std::string_view> with_job_options(std::vector<std::string_view> own) {
    own.insert(own.end(), job_options.begin(), job_options.end());
    return own;
}
std::vector<std::string_view> const schema_options = with_job_options(
    {"extraction-id", "split-id", "schema", "schema-config-id", "excel-template", "topic-schema", "prompt", "effort", "excel-out"});
std::vector<std::string_view> const split_options = with_job_options({"extraction-id", "topic", "split-config-id"});
std::vector<std::string_view> const tables_options = with_job_options({"extraction-id", "format", "merge", "charts"});
// Every batch action's options; cmd_batch checks which apply to the action given.
std::vector<std::string_view> const batch_options = with_job_options(
    {"url", "s3-prefix", "model", "pages", "set", "extraction-id", "batch-extract-id", "split-id", "batch-split-id", "schema",
     "excel-template", "topic-schema", "prompt", "effort", "format", "merge", "charts", "topic", "output-s3-prefix",
     "output-path", "workers"});
std::vector<std::string_view> const pipeline_options = with_job_options(
    {"url", "steps", "extract", "model", "pages", "split-topic", "schema", "prompt", "effort", "tables", "format", "merge",
     "charts", "auto-delete"});

command_entry const* find_command(std::string_view name) {
    static command_entry const commands[] = {
        {"extract", extract_help,
         {"out", "markdown", "url", "model", "pages", "set", "no-wait", "cancel-on-interrupt"}, &cmd_extract},
        {"schema", schema_help, schema_options, &cmd_schema},
        {"split", split_help, split_options, &cmd_split},
        {"tables", tables_help, tables_options, &cmd_tables},
        {"batch", batch_help, batch_options, &cmd_batch},
        {"pipeline", pipeline_help, pipeline_options, &cmd_pipeline},
        {"wait", wait_help, {"out", "markdown", "cancel-on-interrupt", "excel-out", "kind"}, &cmd_wait},
        {"job", job_help, {}, &cmd_job},
        {"download", download_help, {"out", "url"}, &cmd_download},
        {"cancel", cancel_help, {}, &cmd_cancel},
        {"form", form_help, {"url", "form-id", "instructions", "pages", "out", "pdf-out", "cancel-on-interrupt"}, &cmd_form},
        {"webhook", webhook_help, {"id", "timestamp", "signature", "secret", "tolerance"}, nullptr, &cmd_webhook},
    };
    for (auto const& c : commands)
        if (c.name == name) return &c;
    return nullptr;
}

std::string version_text() {
    return std::string("pulse ") + PULSE_VERSION_STRING + " (pulse-cpp " + PULSE_VERSION_STRING + ", " + platform::stack_name() + ")\n";
}

int run_main(std::vector<std::string> const& argv) {
    parsed_args p = parse_args(argv);
    std::string_view const first = p.positionals.empty() ? std::string_view() : std::string_view(p.positionals[0]);
    command_entry const* cmd = first.empty() ? nullptr : find_command(first);
    if (!p.error.empty()) return usage_error(cmd ? cmd->name : std::string_view(), p.error);
    if (p.has("version")) {
        print_stdout(version_text());
        return exit_ok;
    }
    if (first.empty()) {
        if (p.has("help")) {
            print_stdout(std::string(main_help) + "\n" + std::string(global_options_help) + "\n" + std::string(exit_code_table));
            return exit_ok;
        }
        std::fputs(main_help.data(), stderr);
        return exit_usage;
    }
    if (first == "help") {
        if (p.positionals.size() < 2) {
            print_stdout(std::string(main_help) + "\n" + std::string(global_options_help) + "\n" + std::string(exit_code_table));
            return exit_ok;
        }
        command_entry const* c = find_command(p.positionals[1]);
        if (!c) return usage_error({}, "unknown command '" + p.positionals[1] + "'");
        print_stdout(std::string(c->help) + "\n" + std::string(global_options_help));
        return exit_ok;
    }
    if (!cmd) return usage_error({}, "unknown command '" + std::string(first) + "'");
    if (p.has("help")) {
        print_stdout(std::string(cmd->help) + "\n" + std::string(global_options_help));
        return exit_ok;
    }
    if (auto bad = check_allowed(p, cmd->options)) return usage_error(cmd->name, "option " + *bad + " does not apply here");
    if (cmd->run_local) return cmd->run_local(p);

    settings st;
    if (auto rc = read_settings(p, cmd->name, st)) return *rc;
    // --no-wait leaves the job running by design: an interrupt of its submission never cancels
    // a job on the server.
    st.cfg.remote_cancel = p.has("cancel-on-interrupt") && !p.has("no-wait");

    platform::stack_init stack; // before any thread and any transport
    if (!stack.ok()) {
        std::fprintf(stderr, "pulse: %s\n", stack.message().c_str());
        return exit_internal;
    }
    interrupt_watcher interrupts; // blocks SIGINT/SIGTERM before the progress ticker thread starts
    session s(std::move(st), std::string(cmd->name), interrupts);
    // A call that finished before an interrupt took effect keeps its result (and exit code).
    return cmd->run(p, s);
}

} // namespace
} // namespace pulse_cli

int main(int argc, char** argv) {
    std::vector<std::string> args;
    args.reserve(static_cast<std::size_t>(argc > 0 ? argc - 1 : 0));
    for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
    return pulse_cli::run_main(args);
}
