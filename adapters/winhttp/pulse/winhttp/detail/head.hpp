// SPDX-License-Identifier: MIT
//
// The response head of a WinHTTP request handle as a pulse::http::response_head, within the caps
// every adapter applies (http::max_response_head_fields / max_response_head_bytes).
//
// WinHTTP hands the head over as UTF-16 text (WINHTTP_QUERY_RAW_HEADERS_CRLF: the status line,
// then one line per field). Its size is asked first, so a head past the byte cap is refused
// without copying it. Field lines are split at the first colon and trimmed; a line starting with
// a space or tab continues the previous value (obsolete line folding, RFC 9112 section 5.2);
// other lines without a colon are ignored. Text is converted to UTF-8 (WinHTTP decoded the bytes
// first; for ASCII, which HTTP fields are, the result is the bytes as sent).
//
// Internal: names and signatures here may change without notice.
#ifndef PULSE_WINHTTP_DETAIL_HEAD_HPP
#define PULSE_WINHTTP_DETAIL_HEAD_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/http/response.hpp>
#include <pulse/winhttp/detail/api.hpp>

#include <windows.h>
#include <winhttp.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

PULSE_NAMESPACE_BEGIN
namespace winhttp::detail {

/// What reading the head found.
struct head_outcome {
    http::response_head head;
    std::size_t bytes = 0; ///< size of the head as text
    DWORD native = 0;      ///< the failing WinHTTP error, when a query failed
    bool too_large = false;
};

inline std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

/// Split the raw head (status line first, CRLF line ends) into fields. False past the field cap.
inline bool parse_fields(std::string_view text, http::headers& out) {
    std::vector<http::header_field> fields;
    bool first = true;
    while (!text.empty()) {
        std::size_t const eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (first) { // the status line
            first = false;
            continue;
        }
        if (line.empty()) continue;
        if (line.front() == ' ' || line.front() == '\t') { // folded continuation of the previous value
            auto const v = trim_ows(line);
            if (!fields.empty() && !v.empty()) fields.back().value.append(" ").append(v);
            continue;
        }
        auto const colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) continue;
        if (fields.size() == http::max_response_head_fields) return false;
        fields.push_back({std::string(trim_ows(line.substr(0, colon))), std::string(trim_ows(line.substr(colon + 1)))});
    }
    for (auto& f : fields) out.add(std::move(f.name), std::move(f.value));
    return true;
}

/// Read the status and fields of `request`'s response (after WinHTTP reported the head).
inline head_outcome read_head(HINTERNET request) {
    head_outcome r;
    DWORD status = 0;
    DWORD size = sizeof status;
    if (!::WinHttpQueryHeaders(request, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER, WINHTTP_HEADER_NAME_BY_INDEX,
                               &status, &size, WINHTTP_NO_HEADER_INDEX)) {
        r.native = ::GetLastError();
        return r;
    }
    r.head.status = static_cast<int>(status);

    size = 0;
    ::WinHttpQueryHeaders(request, WINHTTP_QUERY_RAW_HEADERS_CRLF, WINHTTP_HEADER_NAME_BY_INDEX, WINHTTP_NO_OUTPUT_BUFFER, &size,
                          WINHTTP_NO_HEADER_INDEX);
    DWORD const err = ::GetLastError();
    if (err != ERROR_INSUFFICIENT_BUFFER) {
        r.native = err;
        return r;
    }
    std::size_t const chars = size / sizeof(wchar_t);
    r.bytes = chars;
    if (chars > http::max_response_head_bytes + 1) {
        r.too_large = true;
        return r;
    }
    std::wstring raw(chars, L'\0');
    if (!::WinHttpQueryHeaders(request, WINHTTP_QUERY_RAW_HEADERS_CRLF, WINHTTP_HEADER_NAME_BY_INDEX, raw.data(), &size,
                               WINHTTP_NO_HEADER_INDEX)) {
        r.native = ::GetLastError();
        return r;
    }
    raw.resize(size / sizeof(wchar_t));
    std::string const text = narrow(raw);
    r.bytes = text.size();
    if (text.size() > http::max_response_head_bytes || !parse_fields(text, r.head.headers)) r.too_large = true;
    return r;
}

} // namespace winhttp::detail
PULSE_NAMESPACE_END

#endif
