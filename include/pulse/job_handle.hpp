// SPDX-License-Identifier: MIT
//
// pulse::job_handle: a job the API is running, as a value a program can keep -- its id, what kind
// of job it is, and which API it belongs to -- and as text it can store and read back after a
// restart:
//
//     auto job = client.submit(pulse::file("big.pdf"));            // returns once the job exists
//     save(job->token());                                         // "pulse-job:extract?id=...&api=..."
//     ... another process, later ...
//     auto again = pulse::job_handle::from_token(load());
//     auto r = client.wait(*again);                               // poll, then the result
//
// The token is a URI (scheme `pulse-job`, the kind as its path, the id and the API's base URL as
// query parameters), built and read with Boost.URL, so every character of an id or a URL survives
// the trip. It holds no credential: the key comes from the client that waits. A client refuses a
// handle whose API is another one than its own (the key would go where it does not belong).
#ifndef PULSE_JOB_HANDLE_HPP
#define PULSE_JOB_HANDLE_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>

#include <boost/url/param.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

PULSE_NAMESPACE_BEGIN

/// What a job does, which decides its request and the type of its result.
enum class job_kind : unsigned char {
    extract,     ///< POST /extract: an extract_result
    form_detect, ///< POST /form/detect: a form_result
    form_fill,   ///< POST /form/fill: a form_result
    form_clear,  ///< POST /form/clear: a form_result
    schema,        ///< POST /schema: a schema_result
    split,         ///< POST /split: a split_result
    tables,        ///< POST /tables: a tables_result
    pipeline,      ///< POST /pipeline/execute: a pipeline_result
    batch_extract, ///< POST /batch/extract: a batch_result; its items are extract jobs
    batch_schema,  ///< POST /batch/schema: a batch_result; its items are schema jobs
    batch_tables,  ///< POST /batch/tables: a batch_result; its items are tables jobs
    batch_split,   ///< POST /batch/split: a batch_result; its items are split jobs
};

/// The kind's name in tokens and messages ("extract", "form_detect", ...).
constexpr std::string_view to_string(job_kind k) noexcept {
    switch (k) {
    case job_kind::extract: return "extract";
    case job_kind::form_detect: return "form_detect";
    case job_kind::form_fill: return "form_fill";
    case job_kind::form_clear: return "form_clear";
    case job_kind::schema: return "schema";
    case job_kind::split: return "split";
    case job_kind::tables: return "tables";
    case job_kind::pipeline: return "pipeline";
    case job_kind::batch_extract: return "batch_extract";
    case job_kind::batch_schema: return "batch_schema";
    case job_kind::batch_tables: return "batch_tables";
    case job_kind::batch_split: return "batch_split";
    }
    return "extract";
}

/// Every kind, in declaration order.
inline constexpr job_kind all_job_kinds[] = {
    job_kind::extract, job_kind::form_detect, job_kind::form_fill,     job_kind::form_clear,
    job_kind::schema,  job_kind::split,       job_kind::tables,        job_kind::pipeline,
    job_kind::batch_extract, job_kind::batch_schema, job_kind::batch_tables, job_kind::batch_split,
};

/// Whether a job of kind `k` is a batch (its result is a batch_result listing item jobs).
constexpr bool is_batch(job_kind k) noexcept {
    return k == job_kind::batch_extract || k == job_kind::batch_schema || k == job_kind::batch_tables ||
           k == job_kind::batch_split;
}

/// The kind of the items of a batch of kind `batch` (batch_extract -> extract, ...); other kinds
/// map to themselves.
constexpr job_kind item_kind(job_kind batch) noexcept {
    switch (batch) {
    case job_kind::batch_extract: return job_kind::extract;
    case job_kind::batch_schema: return job_kind::schema;
    case job_kind::batch_tables: return job_kind::tables;
    case job_kind::batch_split: return job_kind::split;
    default: return batch;
    }
}

/// The kind named `name`, or nullopt when there is none of that name.
constexpr std::optional<job_kind> job_kind_from_string(std::string_view name) noexcept {
    for (job_kind k : all_job_kinds)
        if (to_string(k) == name) return k;
    return std::nullopt;
}

/// A job the API runs: enough to wait for it, ask its status or cancel it, now or after a restart.
struct job_handle {
    /// No job (an empty id).
    job_handle() = default;
    /// The job `id` of kind `kind`, belonging to the API at `api` (empty: the waiting client's).
    /// Implicit from an id, so `client.wait({"3c90..."})` names an extraction by its id.
    job_handle(std::string job_id, job_kind what = job_kind::extract, std::string api_base = {})
        : id(std::move(job_id)), kind(what), api(std::move(api_base)) {}

    /// The id the API gave the job (what GET /job/{id} takes).
    std::string id;
    /// What the job does; decides the type its result decodes into.
    job_kind kind = job_kind::extract;
    /// The base URL of the API the job belongs to. Empty: whichever API the waiting client uses.
    std::string api;

    /// The handle as text, to store and give to from_token() later. No credential is in it.
    std::string token() const {
        boost::urls::url u;
        u.set_scheme("pulse-job");
        auto const kind_name = to_string(kind);
        u.set_path(boost::urls::string_view(kind_name.data(), kind_name.size()));
        u.params().append({"v", "1"});
        u.params().append({boost::urls::string_view("id"), boost::urls::string_view(id.data(), id.size())});
        if (!api.empty()) u.params().append({boost::urls::string_view("api"), boost::urls::string_view(api.data(), api.size())});
        return std::string(u.buffer());
    }

    /// The handle a token stands for. Errors: invalid_argument when `text` is not a token this
    /// version can read (another scheme or version, an unknown kind, no id).
    static result<job_handle> from_token(std::string_view text) {
        auto const bad = [](std::string_view why) {
            return error(errc::invalid_argument, "not a job token: " + std::string(why));
        };
        auto parsed = boost::urls::parse_uri(boost::urls::string_view(text.data(), text.size()));
        if (!parsed) return bad("not a URI");
        auto const& u = *parsed;
        if (u.scheme() != "pulse-job") return bad("the scheme is not pulse-job");
        job_handle h;
        std::string const kind_name = u.path();
        auto kind = job_kind_from_string(kind_name);
        if (!kind) return bad("unknown job kind '" + kind_name + "'");
        h.kind = *kind;
        bool version_ok = false, has_id = false;
        for (auto const& p : u.params()) {
            if (p.key == "v") version_ok = p.value == "1";
            else if (p.key == "id") {
                h.id = p.value;
                has_id = true;
            } else if (p.key == "api") h.api = p.value;
        }
        if (!version_ok) return bad("unknown token version");
        if (!has_id || h.id.empty()) return bad("no job id");
        return h;
    }
};

PULSE_NAMESPACE_END

#endif
