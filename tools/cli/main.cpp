// SPDX-License-Identifier: MIT
//
// `pulse`: the command-line client for the Pulse document-extraction API, built on
// pulse::client with the libcurl adapter. See README.md in this folder and `pulse --help`.
//
// Layout: args.hpp (parsing), help.hpp (texts), progress.hpp (the stderr display),
// exit_codes.hpp (error -> exit code), interrupt.hpp (Ctrl-C -> std::stop_source),
// deadline_transport.hpp (--timeout bounds transfers too), webhook_command.hpp (`pulse webhook`,
// which needs no server). This file: the commands that talk to the API.
#include "args.hpp"
#include "deadline_transport.hpp"
#include "exit_codes.hpp"
#include "help.hpp"
#include "interrupt.hpp"
#include "progress.hpp"
#include "webhook_command.hpp"

#include <pulse/config.hpp>
#include <pulse/curl/global_init.hpp>
#include <pulse/curl/transport.hpp>
#include <pulse/driver/client.hpp>
#include <pulse/job_handle.hpp>
#include <pulse/schema/codec.hpp>
#include <pulse/version.hpp>

#include <boost/json/serialize.hpp>

#include <curl/curl.h>

#include <sys/stat.h>
#include <unistd.h>

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
using transport_t = deadline_transport<pulse::curl::easy_transport>;
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
          client_(s.cfg, transport_t(pulse::curl::easy_transport(s.cfg.transport), s.cfg.transport, s.deadline)),
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
    /// the display's own on_job_id.
    pulse::call_options call(std::function<void(std::string_view)> on_job_id = {}) {
        pulse::call_options o;
        o.stop = stop_.get_token();
        o.progress = progress_.observer();
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

    /// The token of job `id` of this session's API and kind, quoted for a shell, for resuming it
    /// in another command.
    std::string resume_token(std::string const& id) const {
        return "'" + pulse::job_handle{id, kind_, cfg_.base_url}.token() + "'";
    }
    /// The kind of job this session's command runs (for the tokens it prints).
    void set_kind(pulse::job_kind k) noexcept { kind_ = k; }

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
        std::string tmpl = *path + ".pulse-XXXXXX";
        errno = 0;
        int const fd = ::mkstemp(tmpl.data());
        if (fd < 0) return pulse::error(pulse::errc::file_error, std::strerror(errno), *path);
        // mkstemp creates 0600; a result file gets the usual 0666 & ~umask.
        mode_t const mask = ::umask(0);
        ::umask(mask);
        (void)::fchmod(fd, static_cast<mode_t>(0666 & ~mask));
        std::FILE* f = ::fdopen(fd, "wb");
        if (!f) {
            int const err = errno;
            ::close(fd);
            ::unlink(tmpl.c_str());
            return pulse::error(pulse::errc::file_error, std::strerror(err), *path);
        }
        o.path_ = *path;
        o.tmp_ = std::move(tmpl);
        o.file_ = f;
        o.sink_.emplace(f);
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
        if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
            pulse::error e(pulse::errc::file_error, std::string("cannot rename the result into place: ") + std::strerror(errno), path_);
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
        if (std::rename(tmp_.c_str(), partial.c_str()) == 0) {
            tmp_.clear();
            return partial;
        }
        std::string kept = tmp_;
        tmp_.clear();
        return kept;
    }
    void discard() noexcept {
        if (file_) std::fclose(std::exchange(file_, nullptr));
        if (!tmp_.empty()) ::unlink(tmp_.c_str());
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

/// What extract and wait share: run the machine `make(delivery)` and write the result.
template <class Make>
int fetch_result(session& s, parsed_args const& p, Make&& make) {
    bool const markdown = p.has("markdown");
    auto out = output::open(p.get("out"));
    if (!out) return s.usage("cannot write " + p.get("out").value_or("") + ": " + out.error().message);
    auto call = s.call();

    // JSON: the raw bytes stream to the output as they arrive (nothing is lost if decoding fails)
    // and are decoded on the side for the summary. Markdown: decoded, then written.
    bool const json_to_terminal = !markdown && out->is_stdout() && ::isatty(STDOUT_FILENO) == 1;
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
    if (markdown) {
        // On stdout the text ends with a newline (so the shell prompt does not glue to it); a
        // file gets the markdown exactly as the API returned it.
        std::string md = r->markdown.value_or("");
        if (out->is_stdout() && (md.empty() || md.back() != '\n')) md += '\n';
        if (auto w = out->write(md); !w) return s.fail(w.error());
    }
    if (json_to_terminal) print_stdout("\n"); // the summary starts on a line of its own
    if (auto c = out->commit(); !c) return s.fail(c.error());
    print_summary(s, *r, out->is_stdout() ? std::string_view() : std::string_view(out->name()), out->bytes_written());
    return exit_ok;
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
    for (auto const& kv : p.all("set")) {
        auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) return s.usage("--set wants NAME=VALUE, got '" + kv + "'");
        std::string const name = kv.substr(0, eq);
        std::string const text = kv.substr(eq + 1);
        auto parsed = pulse::parse_json(text); // JSON if it is JSON (numbers read exactly), else a string
        opts.extra[name] = parsed ? std::move(*parsed) : boost::json::value(boost::json::string(text));
    }
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
    return fetch_result(s, p, [&](pulse::flow::delivery d) {
        return pulse::flow::make_extract_flow<pulse::extract_result>(client.config(), doc, opts, client.next_seed(), d);
    });
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
    s.set_kind(job->kind);
    s.display().set_job_label("waiting for job", false); // printed when the flow reports the id
    auto& client = s.client();
    if (job->kind != pulse::job_kind::extract) {
        // Not an extraction: its result JSON goes to the output as it comes, with no summary.
        if (p.has("markdown")) return s.usage("--markdown applies to extraction jobs only");
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
    return fetch_result(s, p, [&](pulse::flow::delivery d) {
        return pulse::flow::make_attach_flow<pulse::extract_result>(client.config(), *job, client.next_seed(), d);
    });
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
    auto out = output::open(where);
    if (!out) return s.usage("cannot write " + *where + ": " + out.error().message);
    s.display().set_activity(url ? std::string("downloading the large result") : "downloading the large result of " + p.positionals[1]);

    auto& client = s.client();
    pulse::flow::delivery const d{&out->sink(), false};
    auto m = url ? pulse::flow::make_large_result_download_from_url<pulse::download_info>(client.config(), *url, d,
                                                                                          client.next_seed())
                 : pulse::flow::make_large_result_download<pulse::download_info>(client.config(), p.positionals[1], d,
                                                                                 client.next_seed());
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

command_entry const* find_command(std::string_view name) {
    static command_entry const commands[] = {
        {"extract", extract_help,
         {"out", "markdown", "url", "model", "pages", "set", "no-wait", "cancel-on-interrupt"}, &cmd_extract},
        {"wait", wait_help, {"out", "markdown", "cancel-on-interrupt"}, &cmd_wait},
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
    curl_version_info_data const* info = curl_version_info(CURLVERSION_NOW);
    return std::string("pulse ") + PULSE_VERSION_STRING + " (pulse-cpp " + PULSE_VERSION_STRING + ", libcurl " +
           (info && info->version ? info->version : "?") + ")\n";
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

    pulse::curl::global_init curl_init; // before any thread and any easy handle
    if (!curl_init.ok()) {
        std::fprintf(stderr, "pulse: %s\n", curl_init.status().error().to_string().c_str());
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
