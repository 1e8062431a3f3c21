// SPDX-License-Identifier: MIT
//
// Building the HTTP requests of the Pulse API: which URL, which headers, which body. Pure
// functions of the config and the caller's options; the machines call them, and so can a caller
// who drives requests by hand.
//
// Decisions:
// - Every path value (job id, image name) is ONE percent-encoded path segment (http::join_url);
//   "", "." and ".." are refused as input errors.
// - `x-api-key`, the config's extra headers and `X-Pulse-Source` go only to the API origin. A URL
//   the server hands us (a large-result pointer) gets them only when http::same_origin says it is
//   the configured base URL's origin -- not another host, port or scheme, not a userinfo trick.
// - POST /extract with a file is multipart/form-data; the file is a body segment streamed from disk
//   by the transport. Options become fields: strings as they are, booleans "true"/"false", numbers
//   as JSON numbers, nested objects and arrays as JSON text (how the API reads multipart options).
//   With a file_url and no file, the body is the options as JSON.
// - `async` is set to true unless the caller set it: polling survives long jobs that a held-open
//   synchronous request would time out on. The machines accept sync answers anyway.
#ifndef PULSE_FLOW_REQUESTS_HPP
#define PULSE_FLOW_REQUESTS_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/document.hpp>
#include <pulse/error.hpp>
#include <pulse/config.hpp>
#include <pulse/flow/policy.hpp>
#include <pulse/http/body_source.hpp>
#include <pulse/http/multipart.hpp>
#include <pulse/http/origin.hpp>
#include <pulse/http/request.hpp>
#include <pulse/http/url.hpp>
#include <pulse/schema/codec.hpp>
#include <pulse/schema/extract_options.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

PULSE_NAMESPACE_BEGIN
namespace flow {

namespace detail {

inline bool iends_with(std::string_view s, std::string_view suffix) noexcept {
    return s.size() >= suffix.size() && http::iequals(s.substr(s.size() - suffix.size()), suffix);
}

/// Rough Content-Type from a file name; the API sniffs content anyway, this only helps proxies.
inline std::string guess_content_type(std::filesystem::path const& p) {
    auto const u8 = p.filename().u8string();
    std::string const name(u8.begin(), u8.end());
    struct entry {
        std::string_view ext, type;
    };
    static constexpr entry table[] = {
        {".pdf", "application/pdf"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},
        {".tif", "image/tiff"},
        {".tiff", "image/tiff"},
        {".html", "text/html"},
        {".htm", "text/html"},
        {".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
        {".pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
        {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    };
    for (auto const& e : table)
        if (iends_with(name, e.ext)) return std::string(e.type);
    return "application/octet-stream";
}

/// One JSON member as a multipart text field (nullopt for null: an absent field says the same).
inline std::optional<std::string> form_field_text(boost::json::value const& v) {
    switch (v.kind()) {
    case boost::json::kind::null: return std::nullopt;
    case boost::json::kind::string: return std::string(v.get_string().data(), v.get_string().size());
    case boost::json::kind::bool_: return std::string(v.get_bool() ? "true" : "false");
    default: return boost::json::serialize(v);
    }
}

inline void add_fields(http::multipart_form& form, boost::json::object const& fields) {
    for (auto const& kv : fields)
        if (auto text = form_field_text(kv.value())) form.add_text(std::string(kv.key()), std::move(*text));
}

/// Make a jitter_source usable where a UniformRandomBitGenerator is wanted (the multipart
/// boundary). It is the machine's own seeded source, so tests stay reproducible.
struct urbg {
    jitter_source* src;
    using result_type = std::uint64_t;
    // Parenthesized names: a min/max macro (windows.h) must not rewrite these declarations.
    static constexpr result_type(min)() noexcept { return 0; }
    static constexpr result_type(max)() noexcept { return ~result_type{0}; }
    result_type operator()() noexcept { return src->next_u64(); }
};

} // namespace detail

/// Add the headers every request to the API origin carries: the config's extra headers, x-api-key
/// (when set) and X-Pulse-Source. The key is set last so an extra header cannot replace it.
inline void add_api_headers(config const& cfg, http::headers& h) {
    for (auto const& f : cfg.extra_headers) h.set(f.name, f.value);
    if (!cfg.api_key.empty()) h.set("x-api-key", cfg.api_key);
    if (cfg.send_source_header) h.set("X-Pulse-Source", "sdk-cpp");
}

/// A request to the API: base URL + segments, API headers, no body.
inline result<http::request> api_request(config const& cfg, http::method m, std::initializer_list<std::string_view> segments) {
    auto url = http::join_url(cfg.base_url, segments);
    if (!url) return url.error();
    http::request req;
    req.method = m;
    req.url = std::move(*url);
    add_api_headers(cfg, req.headers);
    return req;
}

/// GET /job/{id} (poll) or DELETE /job/{id} (cancel). The id is one path segment.
inline result<http::request> job_request(config const& cfg, http::method m, std::string_view job_id) {
    return api_request(cfg, m, {"job", job_id});
}

/// GET of a URL the server gave us (a large-result pointer). The API headers, key included, are
/// added only when the URL has the base URL's origin. Errors: the URL is not an absolute http(s)
/// URL (invalid_value, so it reads as "the server sent something unusable").
inline result<http::request> pointer_request(config const& cfg, std::string url) {
    if (auto o = http::origin_of(url); !o)
        return error(errc::invalid_value, "result URL is not an absolute http(s) URL", "url");
    http::request req;
    req.method = http::method::get;
    if (http::same_origin(url, cfg.base_url)) add_api_headers(cfg, req.headers);
    req.url = std::move(url);
    return req;
}

/// POST /extract. With a file: multipart with a streamed `file` part. With only a URL: a JSON
/// body. The boundary is drawn from `rng`.
/// Errors: neither a file nor a URL (invalid_argument); the file is unreadable (file_error).
inline result<http::request> extract_request(config const& cfg, pulse::document const& doc, extract_options opts,
                                             jitter_source& rng) {
    if (doc.file_url) opts.file_url = *doc.file_url;
    if (!opts.async) opts.async = true;
    auto req = api_request(cfg, http::method::post, {"extract"});
    if (!req) return req;
    boost::json::value const fields = pulse::encode(opts);
    if (doc.file) {
        http::multipart_form form;
        detail::add_fields(form, fields.get_object());
        std::string type = doc.content_type.empty() ? detail::guess_content_type(*doc.file) : doc.content_type;
        if (auto r = form.add_file("file", *doc.file, doc.filename, std::move(type)); !r) return r.error();
        detail::urbg g{&rng};
        auto body = form.build(g);
        if (!body) return body.error();
        req->headers.set("Content-Type", body->content_type);
        req->body = std::move(body->body);
        return req;
    }
    if (!opts.file_url) return error(errc::invalid_argument, "extract needs a file or a file_url");
    req->headers.set("Content-Type", "application/json");
    req->body = http::body_source::from_string(boost::json::serialize(fields));
    return req;
}

/// POST /form/{detect|fill|clear}, always multipart (what the SDKs send). The document is a file
/// part, or `file_url` / `form_id` fields from the options.
/// Errors: no file, file_url or form_id (invalid_argument); fill without instructions
/// (invalid_argument); the file is unreadable (file_error).
inline result<http::request> form_request(config const& cfg, form_action action, pulse::document const& doc,
                                          form_options opts, jitter_source& rng) {
    if (doc.file_url) opts.file_url = *doc.file_url;
    if (!doc.file && !opts.file_url && !opts.form_id)
        return error(errc::invalid_argument, "form call needs a file, a file_url or a form_id");
    if (action == form_action::fill && (!opts.instructions || opts.instructions->empty()))
        return error(errc::invalid_argument, "form fill needs instructions");
    if (!opts.async) opts.async = true;
    auto req = api_request(cfg, http::method::post, {"form", to_string(action)});
    if (!req) return req;
    http::multipart_form form;
    detail::add_fields(form, pulse::encode(opts).get_object());
    if (doc.file) {
        std::string type = doc.content_type.empty() ? detail::guess_content_type(*doc.file) : doc.content_type;
        if (auto r = form.add_file("file", *doc.file, doc.filename, std::move(type)); !r) return r.error();
    }
    detail::urbg g{&rng};
    auto body = form.build(g);
    if (!body) return body.error();
    req->headers.set("Content-Type", body->content_type);
    req->body = std::move(body->body);
    return req;
}

} // namespace flow
PULSE_NAMESPACE_END

#endif
