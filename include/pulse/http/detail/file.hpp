// SPDX-License-Identifier: MIT
//
// Opening a file named by a std::filesystem::path with the C library, and a path as text for
// messages, the same on POSIX and Windows.
//
// On Windows a path is UTF-16. std::fopen takes bytes in the process's ANSI code page, and
// path::string() converts to it: a name with characters outside that code page cannot be opened
// that way (and MSVC's path::string() throws for it). So on Windows files are opened from the
// path's own UTF-16 (_wfsopen, shared with other readers and writers as std::fopen's files are),
// and message text is the path converted to UTF-8 by hand, which cannot fail (an unpaired
// surrogate becomes U+FFFD). Elsewhere a path is bytes, used as they are.
//
// Internal: names and signatures here may change without notice.
#ifndef PULSE_HTTP_DETAIL_FILE_HPP
#define PULSE_HTTP_DETAIL_FILE_HPP

#include <pulse/detail/prelude.hpp>

#include <cstdio>
#include <filesystem>
#include <string>

#if defined(_WIN32)
#include <share.h>
#endif

PULSE_NAMESPACE_BEGIN
namespace http::detail {

/// std::fopen(path, mode) for a path: "rb" or "wb".
inline std::FILE* open_file(std::filesystem::path const& path, bool for_writing) noexcept {
#if defined(_WIN32)
    return ::_wfsopen(path.c_str(), for_writing ? L"wb" : L"rb", _SH_DENYNO);
#else
    return std::fopen(path.c_str(), for_writing ? "wb" : "rb");
#endif
}

/// The path as UTF-8 text, for messages (never throws).
inline std::string path_text(std::filesystem::path const& path) {
#if defined(_WIN32)
    std::wstring const& w = path.native();
    std::string out;
    out.reserve(w.size());
    auto put = [&out](char32_t c) {
        if (c < 0x80) {
            out += static_cast<char>(c);
        } else if (c < 0x800) {
            out += static_cast<char>(0xC0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out += static_cast<char>(0xE0 | (c >> 12));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (c >> 18));
            out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        }
    };
    for (std::size_t i = 0; i < w.size(); ++i) {
        char32_t const c = static_cast<char16_t>(w[i]);
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < w.size()) {
            char32_t const low = static_cast<char16_t>(w[i + 1]);
            if (low >= 0xDC00 && low <= 0xDFFF) {
                put(0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00));
                ++i;
                continue;
            }
        }
        put(c >= 0xD800 && c <= 0xDFFF ? char32_t{0xFFFD} : c);
    }
    return out;
#else
    return path.native();
#endif
}

} // namespace http::detail
PULSE_NAMESPACE_END

#endif
