// SPDX-License-Identifier: MIT
//
// pulse::client<Transport>: the blocking convenience layer. Each call builds a flow machine
// (flow/), runs it to completion on the calling thread with pulse::run (the real steady clock;
// it sleeps until the machine's wake time) and returns a pulse::result. Nothing throws for a
// network, server or input condition. An adapter's factory builds one from a configuration:
//
//   auto cfg = pulse::config::from_env();                  // PULSE_API_KEY, PULSE_BASE_URL, ...
//   if (!cfg) return fail(cfg.error());
//   auto client = pulse::curl::make_client(*cfg);           // <pulse/curl.hpp>
//   auto r = client.extract(pulse::file("report.pdf"));
//   if (!r) std::cerr << r.error().to_string() << "\n";
//   else std::cout << r->markdown.value_or("") << "\n";
//
// Every call takes its options as one aggregate meant for designated initializers
// (call_options.hpp): `client.extract(doc, {.options = {.pages = "1-3"}, .deadline = 10min})`.
//
// Jobs as values: submit() returns a pulse::job_handle as soon as the API has accepted the job;
// wait() polls a handle to its result -- also a handle read back from its token in another
// process. status() and cancel() take a handle too.
//
// Transport: any pulse::http::blocking_transport, held by value; pass a reference type
// (client<my_stack&>) to keep your own object. Clock: pulse::real_clock, or a simulated clock in
// tests (anything satisfying pulse::driver_clock). Seeds: config::seed, else one from
// std::random_device when the client is built; each call's machine gets the next one.
//
// Thread-safety: a client runs one call at a time; calls from several threads on one client must
// be serialized by the caller (most blocking transports, e.g. a curl easy handle, are not
// thread-safe either). Use one client per thread for parallel work. Any call can be cancelled from
// another thread through its stop token.
//
// Results to files (the *_to_file and download_* calls taking a path): the body is written as it
// arrives to a temporary file beside `path` ("<path>.pulse-<random>"), which is renamed to `path`
// only when the call succeeds. So an existing file at `path` is never truncated or removed by a
// call that fails -- a second download of a single-use result that answers 410 leaves the first
// download's file alone. When a call fails after bytes arrived, they are kept in "<path>.partial"
// (a partial single-use large result is not thrown away; the error's message names the file and
// error::bytes_delivered says how much it holds); when nothing arrived, no file is left behind.
#ifndef PULSE_DRIVER_CLIENT_HPP
#define PULSE_DRIVER_CLIENT_HPP

#include <pulse/call_options.hpp>
#include <pulse/config.hpp>
#include <pulse/detail/prelude.hpp>
#include <pulse/detail/random_seed.hpp>
#include <pulse/document.hpp>
#include <pulse/download_info.hpp>
#include <pulse/driver/run.hpp>
#include <pulse/error.hpp>
#include <pulse/flow/api_job_flow.hpp>
#include <pulse/flow/download_flow.hpp>
#include <pulse/flow/extract_flow.hpp>
#include <pulse/flow/form_flow.hpp>
#include <pulse/flow/job_flow.hpp>
#include <pulse/flow/job_ops.hpp>
#include <pulse/http/body_sinks.hpp>
#include <pulse/http/response.hpp>
#include <pulse/http/transport.hpp>
#include <pulse/job_handle.hpp>
#include <pulse/schema/extract_options.hpp>
#include <pulse/schema/extract_result.hpp>
#include <pulse/schema/form.hpp>
#include <pulse/schema/job.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

PULSE_NAMESPACE_BEGIN

/// The blocking client. See the file comment for transports, clocks, thread-safety and files.
template <class Transport, driver_clock Clock = real_clock>
    requires http::blocking_transport<std::remove_reference_t<Transport>>
class client {
public:
    /// The transport type, as given (a reference type keeps the caller's object).
    using transport_type = Transport;

    /// A client for `cfg` using `transport`. The config is validated by each call, not here, so
    /// constructing a client never fails.
    client(pulse::config cfg, Transport transport, Clock clock = {})
        : cfg_(std::move(cfg)), transport_(std::forward<Transport>(transport)), clock_(std::move(clock)),
          seeds_(pulse::detail::seed_or_random(std::nullopt, cfg_.seed)) {}

    /// The configuration every call uses. Changing it affects later calls.
    pulse::config& config() noexcept { return cfg_; }
    /// The configuration every call uses.
    pulse::config const& config() const noexcept { return cfg_; }
    /// The transport (to adjust its options, or inspect it in tests).
    std::remove_reference_t<Transport>& transport() noexcept { return transport_; }

    // ---- extraction ---------------------------------------------------------------------------

    /// Extract `doc` (pulse::file() or pulse::url()): submit asynchronously, poll, and return the
    /// result, inline or downloaded from the single-use large-result URL. With call.sink set, the
    /// result's JSON also streams into the sink (every byte, even when decoding fails).
    /// Errors: input (no document, unreadable file, bad base URL), http (401 unauthorized, 403
    /// forbidden, 400/413 bad_request, 429/5xx after retries, 410 gone on the download), transport,
    /// job (job_failed, job_canceled, job_expired), decode (with the JSON path), local (canceled,
    /// deadline_exceeded, body_too_large; partial_delivery or aborted_by_sink with a sink).
    result<extract_result> extract(document const& doc, extract_call const& call = {}) {
        pulse::config const cfg = with_call_options(cfg_, call.common());
        auto m = flow::make_extract_flow(cfg, doc, call.options, next_seed(), flow::delivery{call.sink, true});
        if (!m) return m.error();
        return run(*m, call.common());
    }

    /// Extract `doc` and stream the raw result JSON into `sink` only (no decoding, no size cap
    /// beyond the sink's own). call.sink must be empty (the sink is given here). Errors as
    /// extract(), minus decode errors on the result.
    result<download_info> extract_to(document const& doc, http::response_handler& sink, extract_call const& call = {}) {
        if (call.sink) return error(errc::invalid_argument, "extract_to takes its sink as an argument; call.sink must be empty");
        pulse::config const cfg = with_call_options(cfg_, call.common());
        auto m = flow::make_extract_flow<download_info>(cfg, doc, call.options, next_seed(), flow::delivery{&sink, false});
        if (!m) return m.error();
        return run(*m, call.common());
    }

    /// Extract `doc` and write the raw result JSON to `path` (see the file comment about partial
    /// files). Errors as extract_to(), plus file_error.
    result<download_info> extract_to_file(document const& doc, std::filesystem::path const& path, extract_call const& call = {}) {
        if (call.sink) return error(errc::invalid_argument, "extract_to_file writes to a file; call.sink must be empty");
        pulse::config const cfg = with_call_options(cfg_, call.common());
        return to_file(path, call.common(), [&](http::response_handler& s) {
            return flow::make_extract_flow<download_info>(cfg, doc, call.options, next_seed(), flow::delivery{&s, false});
        });
    }

    // ---- schema, split, tables, batches, pipelines ---------------------------------------------

    /// POST /schema: values shaped by a JSON schema, from earlier extractions (schema_job.hpp has
    /// the modes). Submitted asynchronously and polled to its result, inline or from the
    /// single-use large result; pulse::values_as<T>() turns the values into the caller's struct.
    /// Errors: invalid_argument for a request the API would refuse for its shape (before any
    /// request); otherwise as extract() (404 not_found for an unknown extraction or split).
    result<schema_result> schema(schema_request const& req, call_options const& call = {}) { return run_job(req, call); }
    /// POST /split: an extraction's pages sorted into topics. Errors as schema().
    result<split_result> split(split_request const& req, call_options const& call = {}) { return run_job(req, call); }
    /// POST /tables: the tables of an extraction. Errors as schema() (403 when the organisation
    /// lacks the tables feature).
    result<tables_result> tables(tables_request const& req, call_options const& call = {}) { return run_job(req, call); }
    /// POST /batch/extract: many documents; returns when every item has finished, with each item's
    /// status and job (wait on pulse::flow::item_handle() for an item's result). A failed item
    /// does not fail the batch. call.progress.on_poll_result sees the progress of every poll.
    /// Errors as schema().
    result<batch_result> batch(batch_extract_request const& req, call_options const& call = {}) { return run_job(req, call); }
    /// POST /batch/schema (see batch(batch_extract_request)).
    result<batch_result> batch(batch_schema_request const& req, call_options const& call = {}) { return run_job(req, call); }
    /// POST /batch/tables (see batch(batch_extract_request)).
    result<batch_result> batch(batch_tables_request const& req, call_options const& call = {}) { return run_job(req, call); }
    /// POST /batch/split (see batch(batch_extract_request)).
    result<batch_result> batch(batch_split_request const& req, call_options const& call = {}) { return run_job(req, call); }
    /// POST /pipeline/execute: several steps in one job; the extract step works on `doc` (a file
    /// is uploaded; a URL becomes file_url) or, with an empty document, on req.file_url.
    /// Errors as schema() (403 when the organisation lacks ad-hoc pipelines).
    result<pipeline_result> pipeline(pipeline_request const& req, document const& doc = {}, call_options const& call = {}) {
        pulse::config const cfg = with_call_options(cfg_, call);
        auto m = flow::make_pipeline_flow(cfg, doc, req, next_seed());
        if (!m) return m.error();
        return run(*m, call);
    }

    /// Submit any of the requests above and return as soon as the API has accepted the job (see
    /// submit(document)); wait<result type>() for it later.
    template <flow::submittable Request>
    result<job_handle> submit(Request const& req, call_options const& call = {}) {
        pulse::config const cfg = with_call_options(cfg_, call);
        auto m = flow::make_job_flow<job_handle>(cfg, req, next_seed());
        if (!m) return m.error();
        return run(*m, call);
    }

    /// GET /schema/{schema_id}/excel to `path`: the workbook a schema run with an Excel template
    /// filled. Errors: not_found (no workbook for this schema run), partial_delivery, transport,
    /// file_error.
    result<download_info> download_excel(std::string schema_id, std::filesystem::path const& path, call_options const& call = {}) {
        pulse::config const cfg = with_call_options(cfg_, call);
        return to_file(path, call, [&](http::response_handler& s) { return flow::make_excel_download(cfg, std::move(schema_id), s, next_seed()); });
    }
    /// GET /schema/{schema_id}/excel into `sink`.
    result<download_info> download_excel(std::string schema_id, http::response_handler& sink, call_options const& call = {}) {
        pulse::config const cfg = with_call_options(cfg_, call);
        auto m = flow::make_excel_download(cfg, std::move(schema_id), sink, next_seed());
        if (!m) return m.error();
        return run(*m, call);
    }

    /// POST /webhook: a temporary link to the webhook portal. Errors: http (401), transport, decode.
    result<pulse::webhook_link> webhook_link(call_options const& call = {}) {
        pulse::config const cfg = with_call_options(cfg_, call);
        auto m = flow::make_webhook_link_flow(cfg, next_seed());
        if (!m) return m.error();
        return run(*m, call);
    }

    // ---- jobs ---------------------------------------------------------------------------------

    /// Submit `doc` for extraction and return as soon as the API has accepted the job: its handle,
    /// to wait() for now or to keep (job_handle::token()) and wait for later, in this process or
    /// another. Errors: as extract() up to the submission's answer; unexpected_shape when the API
    /// answered with a result instead of a job id.
    result<job_handle> submit(document const& doc, extract_call const& call = {}) {
        if (call.sink) return error(errc::invalid_argument, "submit returns a handle; give the sink to wait_to()");
        pulse::config const cfg = with_call_options(cfg_, call.common());
        auto m = flow::make_extract_flow<job_handle>(cfg, doc, call.options, next_seed());
        if (!m) return m.error();
        return run(*m, call.common());
    }

    /// Submit a form call and return its handle once the API has accepted it (see submit()).
    result<job_handle> submit_form(form_action action, document const& doc, form_call const& call = {}) {
        if (call.sink) return error(errc::invalid_argument, "submit_form returns a handle; give the sink to wait_to()");
        pulse::config const cfg = with_call_options(cfg_, call.common());
        auto m = flow::make_form_flow<job_handle>(cfg, action, doc, call.options, next_seed());
        if (!m) return m.error();
        return run(*m, call.common());
    }

    /// Wait for `job` and return its result as a T: extract_result for an extraction (the
    /// default), or the result type of the job's kind (form_result, schema_result, split_result,
    /// tables_result, pipeline_result, batch_result). The first poll is immediate.
    /// Errors: invalid_argument for a job of another API or of a kind whose result is not a T;
    /// otherwise as extract() from the polls on.
    template <class T = extract_result>
    result<T> wait(job_handle const& job, call_options const& call = {}) {
        pulse::config const cfg = with_call_options(cfg_, call);
        auto m = flow::make_attach_flow<T>(cfg, job, next_seed());
        if (!m) return m.error();
        return run(*m, call);
    }

    /// Wait for `job` and stream its raw result JSON into `sink`. Errors as wait(), minus decode
    /// errors on the result.
    result<download_info> wait_to(job_handle const& job, http::response_handler& sink, call_options const& call = {}) {
        pulse::config const cfg = with_call_options(cfg_, call);
        auto m = flow::make_attach_flow<download_info>(cfg, job, next_seed(), flow::delivery{&sink, false});
        if (!m) return m.error();
        return run(*m, call);
    }

    /// Wait for `job` and write its raw result JSON to `path` (see the file comment).
    result<download_info> wait_to_file(job_handle const& job, std::filesystem::path const& path, call_options const& call = {}) {
        pulse::config const cfg = with_call_options(cfg_, call);
        return to_file(path, call, [&](http::response_handler& s) {
            return flow::make_attach_flow<download_info>(cfg, job, next_seed(), flow::delivery{&s, false});
        });
    }

    /// One poll: the job's status answer now (a failed job is a value here). Errors: http (401,
    /// 403, 404, 429/5xx after retries), transport, decode; invalid_argument for another API's job.
    result<job_status_response> status(job_handle const& job, call_options const& call = {}) {
        pulse::config const cfg = with_call_options(cfg_, call);
        auto m = flow::make_job_status_flow(cfg, job, next_seed());
        if (!m) return m.error();
        return run(*m, call);
    }

    /// Cancel the job on the server (DELETE /job/{id}; best effort on the server's side).
    /// Errors: http (401, 403, 404, 5xx after retries), transport, decode.
    result<job_cancellation> cancel(job_handle const& job, call_options const& call = {}) {
        pulse::config const cfg = with_call_options(cfg_, call);
        auto m = flow::make_cancel_flow(cfg, job, next_seed());
        if (!m) return m.error();
        return run(*m, call);
    }

    // ---- large results ------------------------------------------------------------------------

    /// Download the single-use large result of job `job_id` (GET /large_results/{id}) and decode
    /// it as T: extract_result for an extraction, or the result type of the job's kind.
    /// Errors: gone (410: already downloaded or expired), not_found, transport, decode.
    template <class T = extract_result>
    result<T> large_result(std::string job_id, call_options const& call = {}) {
        pulse::config const cfg = with_call_options(cfg_, call);
        auto m = flow::make_large_result_download<T>(cfg, std::move(job_id), {}, next_seed());
        if (!m) return m.error();
        return run(*m, call);
    }

    /// Download the single-use large result at `url` (a large-result pointer's `url`) and decode
    /// it as T (see large_result()). The key is sent only when the URL has the API's origin.
    /// Errors as large_result(), plus invalid_argument for a URL that is not absolute http(s).
    template <class T = extract_result>
    result<T> large_result_at(std::string url, call_options const& call = {}) {
        pulse::config const cfg = with_call_options(cfg_, call);
        auto m = flow::make_large_result_download_from_url<T>(cfg, std::move(url), {}, next_seed());
        if (!m) return m.error();
        return run(*m, call);
    }

    /// Download the single-use large result of job `job_id` to `path`. Errors: gone, not_found,
    /// partial_delivery, transport, file_error.
    result<download_info> download_large_result(std::string job_id, std::filesystem::path const& path,
                                                call_options const& call = {}) {
        pulse::config const cfg = with_call_options(cfg_, call);
        return to_file(path, call, [&](http::response_handler& s) {
            return flow::make_large_result_download<download_info>(cfg, std::move(job_id), flow::delivery{&s, false}, next_seed());
        });
    }

    /// Download the single-use large result at `url` to `path`. Errors as download_large_result(),
    /// plus invalid_argument for a URL that is not absolute http(s).
    result<download_info> download_large_result_at(std::string url, std::filesystem::path const& path,
                                                   call_options const& call = {}) {
        pulse::config const cfg = with_call_options(cfg_, call);
        return to_file(path, call, [&](http::response_handler& s) {
            return flow::make_large_result_download_from_url<download_info>(cfg, std::move(url), flow::delivery{&s, false},
                                                                            next_seed());
        });
    }

    // ---- forms --------------------------------------------------------------------------------

    /// POST /form/detect: detect the fields of a form. `doc` may be empty (pulse::document{}) when
    /// call.options.form_id is set. Errors as extract() (403 when the org lacks the form_filler
    /// feature).
    result<form_result> form_detect(document const& doc, form_call const& call = {}) {
        return form(form_action::detect, doc, call);
    }
    /// POST /form/fill: fill a form following call.options.instructions (required: invalid_argument).
    result<form_result> form_fill(document const& doc, form_call const& call) { return form(form_action::fill, doc, call); }
    /// POST /form/clear: clear the values of a form.
    result<form_result> form_clear(document const& doc, form_call const& call = {}) {
        return form(form_action::clear, doc, call);
    }

    /// GET /results/{job_id}/pdf (the PDF a form job produced) to `path`.
    /// Errors: not_found (not a form job, or no longer kept), partial_delivery, transport, file_error.
    result<download_info> download_pdf(std::string job_id, std::filesystem::path const& path, call_options const& call = {}) {
        pulse::config const cfg = with_call_options(cfg_, call);
        return to_file(path, call, [&](http::response_handler& s) { return flow::make_pdf_download(cfg, std::move(job_id), s, next_seed()); });
    }
    /// GET /results/{job_id}/pdf into `sink`.
    result<download_info> download_pdf(std::string job_id, http::response_handler& sink, call_options const& call = {}) {
        pulse::config const cfg = with_call_options(cfg_, call);
        auto m = flow::make_pdf_download(cfg, std::move(job_id), sink, next_seed());
        if (!m) return m.error();
        return run(*m, call);
    }

    /// GET /results/{job_id}/images/{name} (an image of bounding_boxes.Images) to `path`.
    result<download_info> download_image(std::string job_id, std::string_view name, std::filesystem::path const& path,
                                         call_options const& call = {}) {
        pulse::config const cfg = with_call_options(cfg_, call);
        return to_file(path, call, [&](http::response_handler& s) {
            return flow::make_image_download(cfg, std::move(job_id), name, s, next_seed());
        });
    }
    /// GET /results/{job_id}/images/{name} into `sink`.
    result<download_info> download_image(std::string job_id, std::string_view name, http::response_handler& sink,
                                         call_options const& call = {}) {
        pulse::config const cfg = with_call_options(cfg_, call);
        auto m = flow::make_image_download(cfg, std::move(job_id), name, sink, next_seed());
        if (!m) return m.error();
        return run(*m, call);
    }

    // ---- any machine --------------------------------------------------------------------------

    /// Run a machine built by the caller (any flow/ factory) with this client's transport and
    /// clock. The call's observer replaces the machine's; its deadline and retry overrides do not
    /// apply (the machine has its configuration already).
    template <class Machine>
    result<typename Machine::value_type> run(Machine& m, call_options const& call = {}) {
        m.set_observer(call.progress);
        return pulse::run(m, transport_, call.stop, clock_);
    }

    /// A fresh seed for a machine built by the caller.
    std::uint64_t next_seed() noexcept { return seeds_.next_u64(); }

private:
    template <flow::submittable Request>
    result<flow::result_of_t<Request>> run_job(Request const& req, call_options const& call) {
        pulse::config const cfg = with_call_options(cfg_, call);
        auto m = flow::make_job_flow(cfg, req, next_seed());
        if (!m) return m.error();
        return run(*m, call);
    }

    result<form_result> form(form_action a, document const& doc, form_call const& call) {
        if (call.sink) return error(errc::invalid_argument, "form calls have no raw result sink");
        pulse::config const cfg = with_call_options(cfg_, call.common());
        auto m = flow::make_form_flow(cfg, a, doc, call.options, next_seed());
        if (!m) return m.error();
        return run(*m, call.common());
    }

    // Run a sink-only machine into a temporary file beside `path`; move it into place on success,
    // to "<path>.partial" on a failure after bytes arrived, remove it otherwise (see the file
    // comment). A sink's own failure (a full disk) is reported as itself.
    template <class Make>
    result<download_info> to_file(std::filesystem::path const& path, call_options const& call, Make&& make) {
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

    pulse::config cfg_;
    Transport transport_;
    Clock clock_;
    flow::jitter_source seeds_;
};

PULSE_NAMESPACE_END

#endif
