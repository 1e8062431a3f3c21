// SPDX-License-Identifier: MIT
//
// pulse::client<Transport>: the blocking convenience layer. Each call builds a flow machine
// (flow/), runs it to completion on the calling thread with pulse::run (the real steady clock;
// it sleeps until the machine's wake time) and returns a pulse::result. Nothing throws for a
// network, server or input condition.
//
//   pulse::flow::config cfg;
//   if (char const* key = std::getenv("PULSE_API_KEY")) cfg.api_key = key;
//   pulse::client<pulse::curl::easy_transport> c(cfg, pulse::curl::easy_transport{});
//   auto r = c.extract_file("report.pdf");
//   if (!r) std::cerr << r.error().to_string() << "\n";
//   else std::cout << r->markdown.value_or("") << "\n";
//
// Transport: any pulse::http::blocking_transport, held by value; pass a reference type
// (client<my_stack&>) to keep your own object. Clock: pulse::real_clock, or a simulated clock in
// tests (anything satisfying pulse::driver_clock).
//
// Thread-safety: a client runs one call at a time; calls from several threads on one client must
// be serialized by the caller (most blocking transports, e.g. a curl easy handle, are not
// thread-safe either). Use one client per thread for parallel work. Any call can be cancelled from
// another thread through call_options::stop (a std::stop_token).
//
// Results to files (the *_to_file, download_* calls taking a path): the body is written as it
// arrives to a temporary file beside `path` ("<path>.pulse-<random>"), which is renamed to `path`
// only when the call succeeds. So an existing file at `path` is never truncated or removed by a
// call that fails -- a second download of a single-use result that answers 410 leaves the first
// download's file alone. When a call fails after bytes arrived, they are kept in "<path>.partial"
// (a partial single-use large result is not thrown away; the error's message names the file and
// error::bytes_delivered says how much it holds); when nothing arrived, no file is left behind.
#ifndef PULSE_CLIENT_HPP
#define PULSE_CLIENT_HPP

#include <pulse/config.hpp>
#include <pulse/error.hpp>
#include <pulse/flow/config.hpp>
#include <pulse/flow/download_flow.hpp>
#include <pulse/flow/extract_flow.hpp>
#include <pulse/flow/form_flow.hpp>
#include <pulse/flow/job_flow.hpp>
#include <pulse/flow/job_ops.hpp>
#include <pulse/flow/progress.hpp>
#include <pulse/flow/requests.hpp>
#include <pulse/http/body_sinks.hpp>
#include <pulse/http/headers.hpp>
#include <pulse/http/response.hpp>
#include <pulse/http/transport.hpp>
#include <pulse/run.hpp>
#include <pulse/schema/extract_options.hpp>
#include <pulse/schema/extract_result.hpp>
#include <pulse/schema/form.hpp>
#include <pulse/schema/job.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <random>
#include <stop_token>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

PULSE_NAMESPACE_BEGIN

/// Options of one client call.
struct call_options {
    /// Request stop from any thread to cancel the call (errc::canceled); see pulse::run for when
    /// it is observed, and flow::config::remote_cancel for also cancelling the job on the server.
    std::stop_token stop{};
    /// Progress callbacks, called on the calling thread during the call.
    flow::progress_observer progress{};
};

/// The blocking client. See the file comment for transports, clocks, thread-safety and files.
template <class Transport, driver_clock Clock = real_clock>
    requires http::blocking_transport<std::remove_reference_t<Transport>>
class client {
public:
    /// The transport as given (a reference type when the client uses the caller's object).
    using transport_type = Transport;

    /// A client for `cfg` using `transport`. `seed` seeds jitter and multipart boundaries; by
    /// default std::random_device is read once here (pass a seed where it is unavailable, or to
    /// make a run reproducible). The config is validated by each call, not here, so constructing
    /// a client never fails.
    client(flow::config cfg, Transport transport, std::optional<std::uint64_t> seed = std::nullopt, Clock clock = {})
        : cfg_(std::move(cfg)), transport_(std::forward<Transport>(transport)), clock_(std::move(clock)),
          seeds_(seed ? *seed : random_seed()) {}

    /// The configuration every call uses. Changing it affects later calls.
    flow::config& config() noexcept { return cfg_; }
    /// The configuration every call uses.
    flow::config const& config() const noexcept { return cfg_; }
    /// The transport (to adjust its options, or inspect it in tests).
    std::remove_reference_t<Transport>& transport() noexcept { return transport_; }

    // ---- extraction ---------------------------------------------------------------------------

    /// Extract `doc` (a file to upload, or a URL Pulse fetches): submit asynchronously, poll, and
    /// return the result, inline or downloaded from the single-use large-result URL.
    /// Errors: input (no document, unreadable file, bad base URL), http (401 unauthorized, 403
    /// forbidden, 400/413 bad_request, 429/5xx after retries, 410 gone on the download), transport,
    /// job (job_failed, job_canceled, job_expired), decode (with the JSON path), local (canceled,
    /// deadline_exceeded, body_too_large).
    result<extract_result> extract(flow::document_source const& doc, extract_options const& opts = {},
                                   call_options const& call = {}) {
        auto m = flow::make_extract_flow(cfg_, doc, opts, next_seed());
        if (!m) return m.error();
        return run(*m, call);
    }

    /// extract() of a local file.
    result<extract_result> extract_file(std::filesystem::path const& file, extract_options const& opts = {},
                                        call_options const& call = {}) {
        return extract(flow::document_source::from_file(file), opts, call);
    }

    /// extract() of a document Pulse downloads from `file_url`.
    result<extract_result> extract_url(std::string file_url, extract_options const& opts = {}, call_options const& call = {}) {
        return extract(flow::document_source::from_url(std::move(file_url)), opts, call);
    }

    /// extract(), and also stream the raw result JSON into `sink` (tee): the sink receives every
    /// byte even when decoding fails. Errors as extract(); errc::partial_delivery when a download
    /// failed after bytes reached the sink (never retried); errc::aborted_by_sink when the sink
    /// stopped the transfer.
    result<extract_result> extract(flow::document_source const& doc, extract_options const& opts,
                                   http::response_handler& sink, call_options const& call = {}) {
        auto m = flow::make_extract_flow(cfg_, doc, opts, next_seed(), flow::delivery{&sink, true});
        if (!m) return m.error();
        return run(*m, call);
    }

    /// Extract `doc` and stream the raw result JSON into `sink` only (no decoding, no size cap
    /// beyond the sink's own). Errors as extract(), minus decode errors on the result.
    result<flow::raw_download> extract_to(flow::document_source const& doc, extract_options const& opts,
                                          http::response_handler& sink, call_options const& call = {}) {
        auto m = flow::make_extract_flow<flow::raw_download>(cfg_, doc, opts, next_seed(), flow::delivery{&sink, false});
        if (!m) return m.error();
        return run(*m, call);
    }

    /// Extract `doc` and write the raw result JSON to `path` (see the file comment about partial
    /// files). Errors as extract_to(), plus file_error.
    result<flow::raw_download> extract_to_file(flow::document_source const& doc, extract_options const& opts,
                                               std::filesystem::path const& path, call_options const& call = {}) {
        return to_file(path, call, [&](http::response_handler& s) {
            return flow::make_extract_flow<flow::raw_download>(cfg_, doc, opts, next_seed(), flow::delivery{&s, false});
        });
    }

    /// Wait for the job `job_id` (submitted earlier, e.g. by a process that crashed) and return its
    /// extraction result. The first poll is immediate. Errors as extract().
    result<extract_result> wait(std::string job_id, call_options const& call = {}) {
        auto m = flow::make_attach_flow(cfg_, std::move(job_id), next_seed());
        if (!m) return m.error();
        return run(*m, call);
    }

    /// wait(), writing the raw result JSON to `path`.
    result<flow::raw_download> wait_to_file(std::string job_id, std::filesystem::path const& path,
                                            call_options const& call = {}) {
        return to_file(path, call, [&](http::response_handler& s) {
            return flow::make_attach_flow<flow::raw_download>(cfg_, std::move(job_id), next_seed(), flow::delivery{&s, false});
        });
    }

    // ---- one-shot job calls -------------------------------------------------------------------

    /// One poll: the job's status answer now (a failed job is a value here). Errors: http (401,
    /// 403, 404, 429/5xx after retries), transport, decode.
    result<job_status_response> job(std::string job_id, call_options const& call = {}) {
        auto m = flow::make_job_status_flow(cfg_, std::move(job_id), next_seed());
        if (!m) return m.error();
        return run(*m, call);
    }

    /// Cancel the job on the server (DELETE /job/{id}; best effort on the server's side).
    /// Errors: http (401, 403, 404, 5xx after retries), transport, decode.
    result<job_cancellation> cancel(std::string job_id, call_options const& call = {}) {
        auto m = flow::make_cancel_flow(cfg_, std::move(job_id), next_seed());
        if (!m) return m.error();
        return run(*m, call);
    }

    // ---- large results ------------------------------------------------------------------------

    /// Download the single-use large result -- of job `job_id_or_url` (GET /large_results/{id}),
    /// or from the URL itself when the text starts with http:// or https:// -- to `path`.
    /// Errors: gone (410: already downloaded or expired), not_found, partial_delivery, transport,
    /// file_error.
    result<flow::raw_download> download_large_result(std::string job_id_or_url, std::filesystem::path const& path,
                                                     call_options const& call = {}) {
        return to_file(path, call, [&](http::response_handler& s) {
            flow::delivery const out{&s, false};
            if (is_url(job_id_or_url))
                return flow::make_large_result_download_from_url<flow::raw_download>(cfg_, std::move(job_id_or_url), out, next_seed());
            return flow::make_large_result_download<flow::raw_download>(cfg_, std::move(job_id_or_url), out, next_seed());
        });
    }

    /// Download the single-use large result (job id or URL, as above) and decode it.
    result<extract_result> large_result(std::string job_id_or_url, call_options const& call = {}) {
        auto m = is_url(job_id_or_url)
                     ? flow::make_large_result_download_from_url(cfg_, std::move(job_id_or_url), {}, next_seed())
                     : flow::make_large_result_download(cfg_, std::move(job_id_or_url), {}, next_seed());
        if (!m) return m.error();
        return run(*m, call);
    }

    // ---- forms --------------------------------------------------------------------------------

    /// POST /form/detect: detect the fields of a form. `doc` may be empty when opts.form_id is set.
    /// Errors as extract() (403 when the org lacks the form_filler feature).
    result<form_result> form_detect(flow::document_source const& doc, form_options const& opts = {},
                                    call_options const& call = {}) {
        return form(flow::form_action::detect, doc, opts, call);
    }
    /// POST /form/fill: fill a form following opts.instructions (required: invalid_argument).
    result<form_result> form_fill(flow::document_source const& doc, form_options const& opts, call_options const& call = {}) {
        return form(flow::form_action::fill, doc, opts, call);
    }
    /// POST /form/clear: clear the values of a form.
    result<form_result> form_clear(flow::document_source const& doc, form_options const& opts = {},
                                   call_options const& call = {}) {
        return form(flow::form_action::clear, doc, opts, call);
    }

    /// GET /results/{job_id}/pdf (the PDF a form job produced) to `path`.
    /// Errors: not_found (not a form job, or no longer kept), partial_delivery, transport, file_error.
    result<flow::raw_download> download_pdf(std::string job_id, std::filesystem::path const& path, call_options const& call = {}) {
        return to_file(path, call, [&](http::response_handler& s) { return flow::make_pdf_download(cfg_, std::move(job_id), s, next_seed()); });
    }
    /// GET /results/{job_id}/pdf into `sink`.
    result<flow::raw_download> download_pdf(std::string job_id, http::response_handler& sink, call_options const& call = {}) {
        auto m = flow::make_pdf_download(cfg_, std::move(job_id), sink, next_seed());
        if (!m) return m.error();
        return run(*m, call);
    }

    /// GET /results/{job_id}/images/{name} (an image of bounding_boxes.Images) to `path`.
    result<flow::raw_download> download_image(std::string job_id, std::string_view name, std::filesystem::path const& path,
                                              call_options const& call = {}) {
        return to_file(path, call, [&](http::response_handler& s) {
            return flow::make_image_download(cfg_, std::move(job_id), name, s, next_seed());
        });
    }
    /// GET /results/{job_id}/images/{name} into `sink`.
    result<flow::raw_download> download_image(std::string job_id, std::string_view name, http::response_handler& sink,
                                              call_options const& call = {}) {
        auto m = flow::make_image_download(cfg_, std::move(job_id), name, sink, next_seed());
        if (!m) return m.error();
        return run(*m, call);
    }

    // ---- any machine --------------------------------------------------------------------------

    /// Run a machine built by the caller (any flow/ factory) with this client's transport and
    /// clock. The call's observer replaces the machine's.
    template <class Machine>
    result<typename Machine::value_type> run(Machine& m, call_options const& call = {}) {
        m.set_observer(call.progress);
        return pulse::run(m, transport_, call.stop, clock_);
    }

    /// A fresh seed for a machine built by the caller.
    std::uint64_t next_seed() noexcept { return seeds_.next_u64(); }

private:
    result<form_result> form(flow::form_action a, flow::document_source const& doc, form_options const& opts,
                             call_options const& call) {
        auto m = flow::make_form_flow(cfg_, a, doc, opts, next_seed());
        if (!m) return m.error();
        return run(*m, call);
    }

    static bool is_url(std::string_view s) noexcept {
        auto starts = [&](std::string_view p) { return s.size() >= p.size() && http::iequals(s.substr(0, p.size()), p); };
        return starts("https://") || starts("http://");
    }

    static std::uint64_t random_seed() {
        std::random_device rd;
        return (static_cast<std::uint64_t>(rd()) << 32) ^ static_cast<std::uint64_t>(rd());
    }

    // Run a sink-only machine into a temporary file beside `path`; move it into place on success,
    // to "<path>.partial" on a failure after bytes arrived, remove it otherwise (see the file
    // comment). A sink's own failure (a full disk) is reported as itself.
    template <class Make>
    result<flow::raw_download> to_file(std::filesystem::path const& path, call_options const& call, Make&& make) {
        std::filesystem::path tmp = path;
        tmp += ".pulse-" + hex(next_seed());
        auto sink = http::file_sink::create(tmp);
        if (!sink) {
            error e = sink.error();
            e.path = path.string();
            return e;
        }
        auto m = std::forward<Make>(make)(*sink);
        if (!m) {
            (void)sink->finish();
            remove_quietly(tmp);
            return m.error();
        }
        auto r = run(*m, call);
        // The machine calls on_complete (which flushes and closes) when the sink saw a response;
        // otherwise finish it here.
        result<void> const written = sink->completion() ? *sink->completion() : sink->finish();
        std::error_code ec;
        if (r && written) {
            std::filesystem::rename(tmp, path, ec);
            if (!ec) return r;
            error e(errc::file_error, "cannot move the finished download into place (" + ec.message() +
                                          "); the complete body is in " + tmp.string(),
                    path.string());
            e.bytes_delivered = static_cast<std::size_t>(sink->bytes_written());
            return e;
        }
        error e = r ? written.error() : r.error();
        if (!r && e.code == errc::aborted_by_sink && sink->failure()) e = *sink->failure();
        if (sink->bytes_written() == 0) {
            remove_quietly(tmp);
            return e;
        }
        std::filesystem::path partial = path;
        partial += ".partial";
        std::filesystem::rename(tmp, partial, ec);
        e.message += "; the " + std::to_string(sink->bytes_written()) + " bytes received are kept in " +
                     (ec ? tmp : partial).string();
        return e;
    }

    static std::string hex(std::uint64_t v) {
        static constexpr char digits[] = "0123456789abcdef";
        std::string out(16, '0');
        for (std::size_t i = 16; i-- > 0; v >>= 4) out[i] = digits[v & 0xF];
        return out;
    }

    static void remove_quietly(std::filesystem::path const& p) noexcept {
        std::error_code ec;
        std::filesystem::remove(p, ec);
    }

    flow::config cfg_;
    Transport transport_;
    Clock clock_;
    flow::jitter_source seeds_;
};

PULSE_NAMESPACE_END

#endif
