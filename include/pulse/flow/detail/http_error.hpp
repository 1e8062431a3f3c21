// SPDX-License-Identifier: MIT
//
// Turning a non-success HTTP answer into a pulse::error: the errc for the status, the API's code
// and message from the body (read_api_error accepts every shape servers send), and a capped
// excerpt of the raw body so nothing the server said is lost.
#ifndef PULSE_FLOW_DETAIL_HTTP_ERROR_HPP
#define PULSE_FLOW_DETAIL_HTTP_ERROR_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/schema/api_error.hpp>

#include <cstddef>
#include <string>
#include <string_view>

PULSE_NAMESPACE_BEGIN
namespace flow::detail {

/// The errc for a non-2xx status.
constexpr errc errc_for_status(int status) noexcept {
    switch (status) {
    case 400:
    case 413:
    case 422: return errc::bad_request;
    case 401: return errc::unauthorized;
    case 403: return errc::forbidden;
    case 404: return errc::not_found;
    case 410: return errc::gone;
    case 429: return errc::rate_limited;
    default: break;
    }
    if (status >= 500 && status <= 599) return errc::server_error;
    return errc::http_status;
}

/// A capped prefix of `s` that does not end inside a UTF-8 sequence.
inline std::string excerpt(std::string_view s, std::size_t cap) {
    if (s.size() <= cap) return std::string(s);
    std::size_t n = cap;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return std::string(s.substr(0, n));
}

/// The error for an HTTP answer with a status the operation cannot use. `what` names the request
/// ("poll GET /job/abc"); `note` is added for statuses with a specific meaning (410). The result
/// is redacted with `secret`.
/// What an unusable status means, in words (the status itself goes to error::http_status).
constexpr std::string_view status_meaning(int status) noexcept {
    switch (errc_for_status(status)) {
    case errc::bad_request: return "the server refused the request as invalid";
    case errc::unauthorized: return "the API key is missing or not valid";
    case errc::forbidden: return "the API key is not allowed to do this";
    case errc::not_found: return "not found";
    case errc::gone: return "gone";
    case errc::rate_limited: return "rate limited";
    case errc::server_error: return "the server failed";
    default: break;
    }
    if (status >= 300 && status <= 399) return "a redirect";
    return "an unexpected status";
}

/// The error for an answer with an unusable status: one sentence -- what was asked, what the
/// status means (or `note`, when the operation knows better), what the server said -- and the
/// status, the API's code and the start of the body in their own fields.
inline error http_error(int status, std::string_view body, std::string_view what, std::size_t excerpt_cap,
                        std::string_view secret, std::string_view note = {}) {
    api_error const api = read_api_error(body);
    error e(errc_for_status(status), {});
    e.http_status = status;
    e.message.append(what).append(": ").append(note.empty() ? status_meaning(status) : note);
    if (api.message && !api.message->empty()) e.message.append("; the server said: ").append(*api.message);
    if (api.code) e.api_code = *api.code;
    e.body = excerpt(body, excerpt_cap);
    e.redact(secret);
    return e;
}

inline error with_context(error e, std::string_view what, std::string_view secret) {
    if (!what.empty()) e.message = std::string(what) + ": " + e.message;
    e.redact(secret);
    return e;
}

} // namespace flow::detail
PULSE_NAMESPACE_END

#endif
