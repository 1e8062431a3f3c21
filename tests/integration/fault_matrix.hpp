// The fault matrix: every phase of a job -- submit, poll, large-result download, form
// PDF download -- against every fault the network or the server can throw at it, each with its
// expected outcome written down below, and each row run against the real local server
// (tools/pulse_server) over loopback with the blocking client, once per HTTP adapter:
// fault_matrix.cpp runs it with the libcurl adapter, beast_fault_matrix.cpp with the Boost.Beast
// adapter. This header holds the table and the runner (check_matrix<Transport>).
//
// How a row runs: the job's scenario (x-pulse-scenario on every request, see
// tools/pulse_server/README.md) injects the fault into the first request of the row's phase
// (`@1`), so a retry meets a healthy server. After the call, the server says how many requests of
// that phase it answered (/__jobs/{id} for polls and downloads, /__submissions for submissions,
// which counts even when no job was created): that is how "retried" and "not retried" are checked,
// including retries a transport might make behind the library's back. For a refused connection
// nothing reaches the server, so the client's own attempts (1 + on_retry events) are counted.
//
// Phases and what "the bytes received kept" means:
//   submit    extract(pulse::url(...)): POST /extract, then polls and the result (inline)
//   poll      extract(pulse::url(...)): GET /job/{id} (poll_steps=0: the first good poll completes the job)
//   download  extract(doc, opts, sink): the large result decoded AND streamed to the caller's sink
//             (tee) -- once a byte reached the sink, nothing is retried; the sink keeps what came
//   typed     extract(pulse::url(...)): the same download decoded only; nothing reached the caller, so
//             broken deliveries are retried
//   pdf       form_detect() then download_pdf(job, sink): GET /results/{id}/pdf into the sink (not
//             parsed: JSON garbling is delivered as the bytes that came)
// and the other job kinds where their phases differ from an extraction's:
//   batch submit     batch(batch_extract_request): POST /batch/extract, acknowledged 202 with a batch_job_id
//   pipeline submit  pipeline(req, pulse::file(...)): POST /pipeline/execute as multipart from a file,
//                    whose body must be sent again whole when a 429 is retried
//   batch poll       batch(...): GET /job/{batch id}, whose answer is the batch's per-item progress
//   schema typed     schema(req): a schema result's large result through its own decoder
//
// Rows run in parallel (each its own client, transport and job) so the rows that wait a
// Retry-After second or a stall timeout overlap; the file runs in a few seconds. Every call must
// end well inside the configured deadline: nothing hangs.
#pragma once

#include "client_support.hpp"
#include "server_process.hpp"
#include "transport_conformance.hpp" // refused_port

#include <pulse/driver/client.hpp>
#include <pulse/http/body_sinks.hpp>

#include "../support/temp_path.hpp"

#include <boost/json/value.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

// Each including file gets its own copy (and its own server process): the header serves two test
// files of one binary, nothing else.
namespace {

using namespace std::chrono_literals;
using pulse::errc;


enum class ph : unsigned char { submit, poll, download, typed, pdf, batch_submit, pipeline_submit, batch_poll, schema_typed };
/// What the caller's sink holds at the end (download and pdf rows): nothing; part of the body
/// (error::bytes_delivered says how much); the whole body as the server sent it.
enum class kept : unsigned char { none, part, all };
/// Row setup beyond the scenario.
enum setup : unsigned {
    plain = 0,
    refused = 1, ///< the phase's URL points at a loopback port where nothing listens
    capped = 2,  ///< pulse::limits caps (and the pdf sink) at 256 KiB
    warm = 4,    ///< the client's connection is already open (reused) when the row's request goes
    memory_capped = 8, ///< pulse::limits::max_result_memory at 1 MiB (the body caps as usual)
};

struct row {
    ph phase;
    std::string fault; ///< the matrix's column
    std::string spec;  ///< scenario items for the job, added to the phase's base scenario
    errc expect;       ///< errc::ok: the call succeeds (after the retries the count shows)
    int requests;      ///< requests of the phase the server answered (client attempts when refused)
    kept bytes = kept::none;
    int min_wait_ms = 0; ///< a Retry-After honoured: the call lasts at least this long
    unsigned flags = plain;
    errc also = errc::ok; ///< an equally right code (a reset mid-body may surface as either)
};

constexpr errc ok = errc::ok;

/// How a phase answers one status (the expected outcome of a row, without its setup).
struct answer {
    errc expect;
    int requests;
    kept bytes = kept::none;
};

/// The 5xx and 429 rows of a phase, whose fault key is `key` ("poll_fault"): 500, 502, 503 and 429,
/// each bare, with "Retry-After: 1" and with a Retry-After date two seconds ahead. A Retry-After
/// that is honoured (a retry follows) makes the call last at least a second.
void add_status_rows(std::vector<row>& rows, ph p, std::string const& key, answer five_xx, answer too_many) {
    struct form {
        char const* name;
        char const* spec;
    };
    for (form f : {form{"", ""}, form{" Retry-After: 1", ":ra=1"}, form{" Retry-After date", ":ra_date=2"}})
        for (int status : {500, 502, 503, 429}) {
            answer const a = status == 429 ? too_many : five_xx;
            int const wait = a.expect == ok && *f.spec ? 1000 : 0;
            rows.push_back({p, std::to_string(status) + f.name, key + "=" + std::to_string(status) + f.spec + "@1", a.expect, a.requests,
                            a.bytes, wait});
        }
}

/// The refusals every phase takes at once, in one request: 401, 403, 404, 410, and a 401 whose
/// body and headers echo the key. (The poll gives 404 a grace: its rows are its own.)
void add_refusal_rows(std::vector<row>& rows, ph p, std::string const& key) {
    struct refusal {
        char const* name;
        char const* spec;
        errc expect;
    };
    for (refusal r : {refusal{"401", "401", errc::unauthorized}, refusal{"403", "403", errc::forbidden},
                      refusal{"404", "404", errc::not_found}, refusal{"410", "410", errc::gone},
                      refusal{"401 echoing the key", "echo_key", errc::unauthorized}})
        rows.push_back({p, r.name, key + "=" + r.spec + "@1", r.expect, 1});
}

// The matrix. Retry policy in this file: 3 attempts per request, backoff 10-100 ms; stall timeout
// 1 s; deadline 15 s. "5xx" = 500, 502 and 503, each a row.
std::vector<row> make_matrix() {
    std::vector<row> m;
    auto const add = [&m](std::initializer_list<row> rows) { m.insert(m.end(), rows); };
    // clang-format off
    // ---- submit: POST /extract is never retried on 5xx or a broken answer (the job may exist and
    //      would be billed twice), only on 429 and on failures before the request left.
    add_status_rows(m, ph::submit, "submit_fault", {errc::server_error, 1}, {ok, 2});
    add({
        {ph::submit, "refused",              "",                                   errc::connect_failed, 3, kept::none, 0, refused},
        {ph::submit, "reset before head",    "submit_fault=reset@1",               errc::connection_reset, 1},
        {ph::submit, "reset before head, reused connection", "submit_fault=reset@1", errc::connection_reset, 1, kept::none, 0, warm},
        {ph::submit, "reset mid-body",       "submit_fault=reset_mid_body@1",      errc::connection_reset, 1, kept::none, 0, plain, errc::body_truncated},
        {ph::submit, "stall mid-body",       "submit_fault=stall_mid_body@1",      errc::timeout, 1},
        {ph::submit, "short body",           "submit_fault=short_body@1",          errc::body_truncated, 1},
        {ph::submit, "long body",            "submit_fault=long_body@1",           ok, 1}, // the answer was complete; what follows it is not read as part of it
        {ph::submit, "malformed JSON",       "submit_fault=malformed_json@1",      errc::json_syntax, 1},
        {ph::submit, "wrong shape",          "submit_fault=wrong_shape@1",         errc::type_mismatch, 1},
        {ph::submit, "over size cap",        "submit_fault=huge_string:bytes=512k@1", errc::body_too_large, 1, kept::none, 0, capped},
        {ph::submit, "depth bomb",           "submit_fault=depth_bomb@1",          errc::too_deep, 1},
        {ph::submit, "1 MB id",              "submit_fault=huge_string@1",         errc::string_too_long, 1},
    });
    add_refusal_rows(m, ph::submit, "submit_fault");

    // ---- poll: GET /job/{id} is idempotent: 408/429/5xx and transport failures are retried;
    //      an answer that cannot be read is a decode error (not retried); 404 gets a short grace.
    add_status_rows(m, ph::poll, "poll_fault", {ok, 2}, {ok, 2});
    add({
        {ph::poll, "refused",                "",                                   errc::connect_failed, 3, kept::none, 0, refused},
        {ph::poll, "reset before head",      "poll_fault=reset@1",                 ok, 2},
        {ph::poll, "reset mid-body",         "poll_fault=reset_mid_body@1",        ok, 2},
        {ph::poll, "stall mid-body",         "poll_fault=stall_mid_body@1",        ok, 2},
        {ph::poll, "short body",             "poll_fault=short_body@1",            ok, 2},
        {ph::poll, "long body",              "poll_fault=long_body@1",             ok, 1},
        {ph::poll, "malformed JSON",         "poll_fault=malformed_json@1",        errc::json_syntax, 1},
        {ph::poll, "wrong shape",            "poll_fault=wrong_shape@1",           errc::type_mismatch, 1},
        {ph::poll, "over size cap",          "result=inline;size=512k",            errc::body_too_large, 1, kept::none, 0, capped},
        {ph::poll, "depth bomb",             "poll_fault=depth_bomb@1",            errc::too_deep, 1},
        {ph::poll, "1 MB id",                "poll_fault=huge_string@1",           errc::string_too_long, 1}, // pulse::limits::max_id_bytes
        // An inline result is an answer: the answer's size cap bounds what it can build.
        {ph::poll, "endless sparse items",   "poll_fault=sparse_boxes@1",          errc::body_too_large, 1, kept::none, 0, capped},
        {ph::poll, "401",                    "poll_fault=401@1",                   errc::unauthorized, 1},
        {ph::poll, "403",                    "poll_fault=403@1",                   errc::forbidden, 1},
        {ph::poll, "404 (once: grace)",      "poll_fault=404@1",                   ok, 2},
        {ph::poll, "404 (always)",           "poll_fault=404@1+",                  errc::not_found, 4},
        {ph::poll, "410",                    "poll_fault=410@1",                   errc::gone, 1},
        {ph::poll, "401 echoing the key",    "poll_fault=echo_key@1",              errc::unauthorized, 1},
        {ph::poll, "500 echoing the key",    "poll_fault=echo_key:status=500@1",   ok, 2},
    });

    // ---- large-result download, decoded and streamed to the caller's sink: retried only while
    //      no byte reached the sink; after that errc::partial_delivery with the bytes kept. A body
    //      that arrived whole but does not decode is reported with every byte kept.
    add_status_rows(m, ph::download, "download_fault", {ok, 2, kept::all}, {ok, 2, kept::all});
    add({
        {ph::download, "refused",              "",                                 errc::connect_failed, 3, kept::none, 0, refused},
        {ph::download, "reset before head",    "download_fault=reset@1",           ok, 2, kept::all},
        {ph::download, "reset mid-body",       "download_fault=reset_mid_body@1",  errc::partial_delivery, 1, kept::part},
        {ph::download, "stall mid-body",       "download_fault=stall_mid_body@1",  errc::partial_delivery, 1, kept::part},
        {ph::download, "short body",           "download_fault=short_body@1",      errc::partial_delivery, 1, kept::part},
        {ph::download, "long body",            "download_fault=long_body@1",       ok, 1, kept::all},
        {ph::download, "malformed JSON",       "download_fault=malformed_json@1",  errc::json_syntax, 1, kept::all},
        {ph::download, "wrong shape",          "download_fault=wrong_shape@1",     errc::type_mismatch, 1, kept::all},
        // A cap stops the transfer even with a sink (else a body without end would stream for ever).
        {ph::download, "over size cap",        "size=512k",                        errc::body_too_large, 1, kept::part, 0, capped},
        {ph::download, "depth bomb",           "download_fault=depth_bomb@1",      errc::too_deep, 1, kept::all},
        {ph::download, "1 MB id",              "download_fault=huge_string@1",     ok, 1, kept::all},
        // Items that build more than the 1 MiB memory cap: stopped there; the sink keeps what came.
        {ph::download, "sparse items over memory cap", "download_fault=sparse_boxes:count=100000@1", errc::memory_limit, 1, kept::part, 0, memory_capped},
    });
    add_refusal_rows(m, ph::download, "download_fault");
    add({
        // The same download decoded only: no byte reached the caller, so broken deliveries are retried.
        {ph::typed, "refused",                 "",                                 errc::connect_failed, 3, kept::none, 0, refused},
        {ph::typed, "reset before head",       "download_fault=reset@1",           ok, 2},
        {ph::typed, "reset mid-body",          "download_fault=reset_mid_body@1",  ok, 2},
        {ph::typed, "stall mid-body",          "download_fault=stall_mid_body@1",  ok, 2},
        {ph::typed, "short body",              "download_fault=short_body@1",      ok, 2},
        {ph::typed, "long body",               "download_fault=long_body@1",       ok, 1},
        {ph::typed, "malformed JSON",          "download_fault=malformed_json@1",  errc::json_syntax, 1},
        {ph::typed, "over size cap",           "size=512k",                        errc::body_too_large, 1, kept::none, 0, capped},
        // A body that never ends, of items that build far more than their bytes: stopped by memory.
        {ph::typed, "endless sparse items",    "download_fault=sparse_boxes@1",    errc::memory_limit, 1, kept::none, 0, memory_capped},
    });

    // ---- form PDF download into the caller's sink: retried while nothing reached the sink; the
    //      PDF is not parsed, so JSON garbling arrives as bytes; its size is the sink's to cap.
    add_status_rows(m, ph::pdf, "pdf_fault", {ok, 2, kept::all}, {ok, 2, kept::all});
    add({
        {ph::pdf, "refused",                 "",                                   errc::connect_failed, 3, kept::none, 0, refused},
        {ph::pdf, "reset before head",       "pdf_fault=reset@1",                  ok, 2, kept::all},
        {ph::pdf, "reset mid-body",          "pdf_fault=reset_mid_body@1",         errc::partial_delivery, 1, kept::part},
        {ph::pdf, "stall mid-body",          "pdf_fault=stall_mid_body@1",         errc::partial_delivery, 1, kept::part},
        {ph::pdf, "short body",              "pdf_fault=short_body@1",             errc::partial_delivery, 1, kept::part},
        {ph::pdf, "long body",               "pdf_fault=long_body@1",              ok, 1, kept::all},
        {ph::pdf, "malformed JSON",          "pdf_fault=malformed_json@1",         ok, 1, kept::all},
        {ph::pdf, "wrong shape",             "pdf_fault=wrong_shape@1",            ok, 1, kept::all},
        {ph::pdf, "over size cap (sink's)",  "pdf_size=512k",                      errc::aborted_by_sink, 1, kept::none, 0, capped},
        {ph::pdf, "depth bomb",              "pdf_fault=depth_bomb@1",             ok, 1, kept::all},
        {ph::pdf, "1 MB id",                 "pdf_fault=huge_string@1",            ok, 1, kept::all},
    });
    add_refusal_rows(m, ph::pdf, "pdf_fault");

    // ---- the other kinds, where their phases differ. Submissions: the same rule as POST /extract
    //      (never resent after it may have been received), for a 202 acknowledgement and for a
    //      multipart body read from a file.
    for (ph p : {ph::batch_submit, ph::pipeline_submit}) {
        add_status_rows(m, p, "submit_fault", {errc::server_error, 1}, {ok, 2});
        add({{p, "reset before head", "submit_fault=reset@1", errc::connection_reset, 1}});
        add_refusal_rows(m, p, "submit_fault");
    }
    // A batch's progress poll: retried like any poll; a broken progress answer is an error.
    add_status_rows(m, ph::batch_poll, "poll_fault", {ok, 2}, {ok, 2});
    add({
        {ph::batch_poll, "reset mid-body",     "poll_fault=reset_mid_body@1",        ok, 2},
        {ph::batch_poll, "malformed JSON",     "poll_fault=malformed_json@1",        errc::json_syntax, 1},
        {ph::batch_poll, "wrong shape",        "poll_fault=wrong_shape@1",           errc::type_mismatch, 1},
        {ph::batch_poll, "depth bomb",         "poll_fault=depth_bomb@1",            errc::too_deep, 1},
        {ph::batch_poll, "410",                "poll_fault=410@1",                   errc::gone, 1},
    });
    // A schema result's large result, decoded only: broken deliveries are retried, a body that does
    // not decode is an error with its path.
    add({
        {ph::schema_typed, "500",              "download_fault=500@1",               ok, 2},
        {ph::schema_typed, "reset mid-body",   "download_fault=reset_mid_body@1",    ok, 2},
        {ph::schema_typed, "short body",       "download_fault=short_body@1",        ok, 2},
        {ph::schema_typed, "malformed JSON",   "download_fault=malformed_json@1",    errc::json_syntax, 1},
        {ph::schema_typed, "wrong shape",      "download_fault=wrong_shape@1",       errc::type_mismatch, 1},
        {ph::schema_typed, "depth bomb",       "download_fault=depth_bomb@1",        errc::too_deep, 1},
        {ph::schema_typed, "410",              "download_fault=410@1",               errc::gone, 1},
        // Endless, as an unknown member: the JSON kept for it counts against the memory cap too.
        {ph::schema_typed, "endless sparse items", "download_fault=sparse_boxes@1",  errc::memory_limit, 1, kept::none, 0, memory_capped},
    });
    // clang-format on
    return m;
}

std::vector<row> const& matrix() {
    static std::vector<row> const rows = make_matrix();
    return rows;
}

// clang-format off

// Combinations that are not rows, and why.
struct not_applicable { char const* phases; char const* fault; char const* why; };
constexpr not_applicable not_rows[] = {
    {"all", "refused / reset before head + Retry-After", "no response head arrives to carry the header"},
    {"submit", "5xx + Retry-After honoured", "a 5xx submission is not retried (rows above): there is no later attempt to delay"},
    {"pdf", "JSON garbling as an error", "the PDF is not parsed; the rows check the bytes arrive as sent"},
    {"pdf", "pulse::limits size cap", "raw downloads go to the caller's sink, which sets its own cap (string_sink here)"},
    {"batch submit, pipeline submit, batch poll, schema typed", "refused, stalls, long bodies, caps, the other rows of the extraction phases",
     "the same transport path and retry rule as the extraction's phase; the kind rows cover what differs (a 202 acknowledgement, a multipart "
     "body from a file, a batch's progress answer, a schema result's decoder)"},
};
// clang-format on
static_assert(std::all_of(std::begin(not_rows), std::end(not_rows), [](not_applicable const& x) { return *x.why != 0; }),
              "every combination left out says why");

char const* phase_name(ph p) {
    switch (p) {
    case ph::submit: return "submit";
    case ph::poll: return "poll";
    case ph::download: return "download (tee)";
    case ph::typed: return "download (typed)";
    case ph::pdf: return "pdf";
    case ph::batch_submit: return "batch submit";
    case ph::pipeline_submit: return "pipeline submit";
    case ph::batch_poll: return "batch poll";
    case ph::schema_typed: return "schema typed";
    }
    return "?";
}

char const* base_scenario(ph p) {
    switch (p) {
    case ph::submit:
    case ph::poll: return "poll_steps=0";
    case ph::download:
    case ph::typed: return "result=large;size=64k;poll_steps=0";
    case ph::pdf: return "poll_steps=0;pdf_size=64k";
    case ph::batch_submit:
    case ph::pipeline_submit:
    case ph::batch_poll: return "poll_steps=0";
    case ph::schema_typed: return "result=large;poll_steps=0";
    }
    return "";
}

std::string const api_key = "fm-secret-key-4711";
constexpr std::uint64_t cap_bytes = 256u << 10;
constexpr std::uint64_t memory_cap_bytes = 1u << 20;
constexpr auto deadline = 15s;

/// What the kind rows submit: a completed extraction's id for the schema rows, made once per
/// adapter before the rows run (check_matrix), and the file a pipeline uploads.
std::string matrix_extraction_id;
std::filesystem::path pipeline_document() {
    static std::filesystem::path const path = [] {
        auto p = pulse_test::temp_path("fault-matrix-pipeline.pdf");
        std::ofstream(p, std::ios::binary) << "%PDF-1.4\n% a pipeline's upload\n%%EOF\n";
        return p;
    }();
    return path;
}

pulse_test::server_process& server() {
    static pulse_test::server_process s({"--threads", "2"}, api_key);
    return s;
}

/// What one row's call did.
struct observed {
    std::string scenario;
    std::string setup_failure; // a step before the row's call failed (pdf: the form job)
    bool ok = false;
    pulse::error err;
    std::string job;
    unsigned retries = 0; // on_retry events of the row's call
    std::string progress; // every text the progress callbacks were given
    std::uint64_t sink_bytes = 0;
    std::optional<std::uint64_t> sink_content_length;
    std::chrono::milliseconds elapsed{};
};

template <class T>
void note(observed& o, pulse::result<T> const& r) {
    o.ok = r.has_value();
    if (!r) o.err = r.error();
}

/// A row's scenario and config, made on the test's own thread: the workers that run the rows
/// use no doctest macro (fast_config has one). A thread that used doctest's assertions runs
/// doctest's thread_local destructors when it exits, and mingw-w64 runs those after freeing their
/// storage (GCC PR 80816): the Windows build would crash at the end of the matrix.
struct row_setup {
    std::string scenario;
    pulse::config cfg;
};

row_setup prepare_row(row const& r, std::size_t index, int refused_port, std::string_view adapter) {
    row_setup s;
    std::string const refused_origin = "http://127.0.0.1:" + std::to_string(refused_port);
    s.scenario = std::string(base_scenario(r.phase)) + (r.spec.empty() ? "" : ";") + r.spec + ";tag=fm-" + std::string(adapter) + "-" +
                 std::to_string(index);
    if ((r.flags & refused) && (r.phase == ph::download || r.phase == ph::typed))
        s.scenario += ";large_url_base=" + refused_origin;
    s.cfg = pulse_test::fast_config(server(), s.scenario);
    return s;
}

template <class Transport>
observed run_row(row const& r, std::size_t index, int refused_port, row_setup setup) {
    using client_t = pulse::client<Transport>;
    observed o;
    std::string const refused_origin = "http://127.0.0.1:" + std::to_string(refused_port);
    o.scenario = std::move(setup.scenario);

    pulse::config cfg = std::move(setup.cfg);
    for (auto* p : {&cfg.policies.submit, &cfg.policies.poll_request, &cfg.policies.download, &cfg.policies.single})
        p->max_attempts = 3;
    cfg.policies.deadline = deadline;
    if (r.flags & capped) cfg.limits.max_answer_bytes = cfg.limits.max_result_bytes = cap_bytes;
    if (r.flags & memory_capped) cfg.limits.max_result_memory = memory_cap_bytes;
    pulse::http::transport_options topt;
    topt.connect_timeout = 2s;
    topt.stall_timeout = 1s;
    topt.total_timeout = 20s;
    cfg.seed = 4711 + index;
    client_t client(cfg, Transport(topt));

    pulse::call_options call;
    call.progress.on_job_id = [&](std::string_view id) {
        o.job = id;
        o.progress.append(id);
    };
    call.progress.on_status = [&](pulse::job_status const& s) { o.progress.append(s.str()); };
    call.progress.on_retry = [&](pulse::retry_event const& e) {
        ++o.retries;
        if (e.cause) o.progress.append(e.cause->to_string()).append(e.cause->body);
    };
    pulse::http::string_sink sink((r.flags & capped) && r.phase == ph::pdf ? cap_bytes : std::size_t{64} << 20);
    auto const doc = pulse::url("https://files.example/report.pdf");

    if (r.phase == ph::pdf) {
        // The form job whose PDF the row downloads; its scenario carries the pdf fault.
        pulse::call_options form_call;
        form_call.progress.on_job_id = [&](std::string_view id) { o.job = id; };
        if (!(r.flags & refused)) {
            auto f = client.form_detect(doc, {.progress = form_call.progress});
            if (!f) {
                o.setup_failure = "form_detect: " + f.error().to_string();
                return o;
            }
        } else {
            o.job = "job-on-a-dead-port";
            client.config().base_url = refused_origin;
        }
    }
    if (r.flags & warm) (void)client.status({"warm-up-" + std::to_string(index)}); // 404; the connection stays open
    if ((r.flags & refused) && r.phase == ph::submit) client.config().base_url = refused_origin;

    auto const t0 = std::chrono::steady_clock::now();
    switch (r.phase) {
    case ph::submit:
    case ph::typed: note(o, client.extract(doc, {.progress = call.progress})); break;
    case ph::poll:
        if (r.flags & refused) {
            client.config().base_url = refused_origin;
            note(o, client.wait({"job-on-a-dead-port"}, call));
        } else {
            note(o, client.extract(doc, {.progress = call.progress}));
        }
        break;
    case ph::download: note(o, client.extract(doc, {.sink = &sink, .progress = call.progress})); break;
    case ph::pdf: note(o, client.download_pdf(o.job, sink, call)); break;
    case ph::batch_submit:
    case ph::batch_poll: {
        pulse::batch_extract_request req;
        req.input.file_urls = {{"https://files.example/a.pdf", "https://files.example/b.pdf"}};
        note(o, client.batch(req, call));
        break;
    }
    case ph::pipeline_submit: {
        pulse::pipeline_request req;
        req.steps.extract = pulse::extract_options{};
        note(o, client.pipeline(req, pulse::file(pipeline_document()), call));
        break;
    }
    case ph::schema_typed: {
        pulse::schema_request req;
        req.extraction_id = matrix_extraction_id;
        req.schema_config = pulse::schema_config{.input_schema = boost::json::object{{"type", "object"}}};
        note(o, client.schema(req, call));
        break;
    }
    }
    o.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    o.sink_bytes = sink.body().size();
    o.sink_content_length = sink.head().content_length();
    return o;
}

/// Requests of the row's phase the server answered.
int server_count(row const& r, observed const& o) {
    if (r.phase == ph::submit || r.phase == ph::batch_submit || r.phase == ph::pipeline_submit) {
        auto const all = pulse_test::control(server(), "/__submissions");
        auto const* n = all.as_object().if_contains(o.scenario);
        return n ? static_cast<int>(n->to_number<std::int64_t>()) : 0;
    }
    if (o.job.empty()) return -1;
    auto const info = pulse_test::control(server(), "/__jobs/" + o.job);
    char const* kind = r.phase == ph::poll || r.phase == ph::batch_poll ? "poll" : r.phase == ph::pdf ? "pdf" : "download";
    return static_cast<int>(info.at("requests").at(kind).to_number<std::int64_t>());
}


/// Runs every row with the adapter `Transport` (constructed from http::transport_options) and
/// checks each outcome against the table.
///
/// Rows are independent because each has its own client and transport. A stack that shares its
/// connections between every client of a process breaks that for one kind of row: a row whose
/// server sends bytes past Content-Length leaves a connection that answers the next request on it
/// with those bytes, and that request may be another row's (a submission, which is not retried).
/// Wine's WinHTTP is such a stack (it pools connections process-wide, not per session). For it,
/// `isolated` names fault columns whose rows run after the parallel ones, one at a time, each
/// followed by `settle()` (which takes and drops such a connection); `why` is printed.
struct matrix_options {
    std::vector<std::string> isolated;
    std::function<void()> settle;
    std::string why;
};

template <class Transport>
void check_matrix(std::string_view adapter, matrix_options const& mo = {}) {
    REQUIRE_MESSAGE(server().running(), server().error());
    pulse_test::refused_port dead;
    REQUIRE(dead.port() != 0);
    {
        pulse::client<Transport> setup(pulse_test::fast_config(server(), "tag=fm-" + std::string(adapter) + "-extraction"),
                                         Transport(pulse::http::transport_options{}));
        auto e = setup.extract(pulse::url("https://files.example/for-schema.pdf"));
        REQUIRE_MESSAGE(e.has_value(), e.error().to_string());
        REQUIRE(e->extraction_id.has_value());
        matrix_extraction_id = *e->extraction_id;
    }

    std::size_t const n = matrix().size();
    std::vector<observed> seen(n);
    std::vector<row_setup> setups;
    for (std::size_t i = 0; i < n; ++i) setups.push_back(prepare_row(matrix()[i], i, dead.port(), adapter));
    auto const isolated = [&](std::size_t i) {
        return std::find(mo.isolated.begin(), mo.isolated.end(), matrix()[i].fault) != mo.isolated.end();
    };
    std::atomic<std::size_t> next{0};
    auto const t0 = std::chrono::steady_clock::now();
    {
        std::vector<std::jthread> workers;
        for (int w = 0; w < 16; ++w)
            workers.emplace_back([&] {
                for (std::size_t i; (i = next++) < n;)
                    if (!isolated(i)) seen[i] = run_row<Transport>(matrix()[i], i, dead.port(), std::move(setups[i]));
            });
    }
    std::size_t alone = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (!isolated(i)) continue;
        seen[i] = run_row<Transport>(matrix()[i], i, dead.port(), std::move(setups[i]));
        if (mo.settle) mo.settle();
        ++alone;
    }
    if (alone > 0) MESSAGE(alone << " rows (" << mo.isolated.size() << " fault columns) ran alone, after the others: " << mo.why);
    auto const wall = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    MESSAGE("fault matrix, " << adapter << ": " << n << " rows in " << wall.count() << " ms");

    for (std::size_t i = 0; i < n; ++i) {
        row const& r = matrix()[i];
        observed const& o = seen[i];
        INFO(adapter << " row " << i << ": " << std::string(phase_name(r.phase)) << " x " << r.fault << " [" << o.scenario
                    << "] -> " << (o.ok ? std::string("ok") : o.err.to_string().substr(0, 300)) << " (" << o.elapsed.count() << " ms, "
                    << o.retries << " retries, sink " << o.sink_bytes << " bytes; retried after: " << o.progress.substr(0, 300) << ")");
        CHECK(o.setup_failure == "");
        if (!o.setup_failure.empty()) continue;
        if (r.expect == ok) {
            CHECK(o.ok);
        } else {
            CHECK_FALSE(o.ok);
            CHECK((o.err.code == r.expect || (r.also != ok && o.err.code == r.also)));
        }
        // The key never leaks, also when the server echoes it (the echo_key rows).
        CHECK(o.err.to_string().find(api_key) == std::string::npos);
        CHECK(o.err.body.find(api_key) == std::string::npos);
        CHECK(o.progress.find(api_key) == std::string::npos);
        if (r.spec.find("echo_key") != std::string::npos) // the echo did happen
            CHECK((o.err.body + o.progress).find("[redacted]") != std::string::npos);
        // Retried exactly as the table says -- as the server saw it (a transport resending behind
        // the library's back would show here), or as the client counted when nothing got through.
        if (r.flags & refused) CHECK(static_cast<int>(o.retries) + 1 == r.requests);
        else CHECK(server_count(r, o) == r.requests);
        // The bytes received are kept, and the error says how many.
        if (r.phase == ph::download || r.phase == ph::pdf) {
            switch (r.bytes) {
            case kept::none: CHECK(o.sink_bytes == 0); break;
            case kept::all:
                REQUIRE(o.sink_content_length.has_value());
                CHECK(o.sink_bytes == *o.sink_content_length);
                break;
            case kept::part:
                REQUIRE(o.sink_content_length.has_value());
                CHECK(o.sink_bytes > 0);
                CHECK(o.sink_bytes < *o.sink_content_length);
                break;
            }
            if (!o.ok) CHECK(o.err.bytes_delivered == o.sink_bytes);
        }
        CHECK(o.elapsed.count() >= r.min_wait_ms);
        CHECK(o.elapsed < deadline); // nothing hangs: transport timeouts and the deadline end every call
    }
}


} // namespace
