// SPDX-License-Identifier: MIT
//
// The WinHTTP adapter's contact with the Windows API that does not depend on a transfer: text
// conversion (the library speaks UTF-8, WinHTTP UTF-16), WinHTTP's own error messages, and the
// mapping from WinHTTP and Winsock error codes to pulse::errc.
//
// Internal: names and signatures here may change without notice.
#ifndef PULSE_WINHTTP_DETAIL_API_HPP
#define PULSE_WINHTTP_DETAIL_API_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>

#include <windows.h>
#include <winhttp.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

PULSE_NAMESPACE_BEGIN
namespace winhttp::detail {

/// UTF-8 to UTF-16. nullopt when `s` is not valid UTF-8 (or too long for the API).
inline std::optional<std::wstring> widen(std::string_view s) {
    if (s.empty()) return std::wstring();
    if (s.size() > 0x7fffffffu) return std::nullopt;
    int const n = ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s.data(), static_cast<int>(s.size()), nullptr, 0);
    if (n <= 0) return std::nullopt;
    std::wstring w(static_cast<std::size_t>(n), L'\0');
    if (::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s.data(), static_cast<int>(s.size()), w.data(), n) != n)
        return std::nullopt;
    return w;
}

/// UTF-16 to UTF-8 (unpaired surrogates become U+FFFD).
inline std::string narrow(std::wstring_view w) {
    if (w.empty() || w.size() > 0x7fffffffu) return {};
    int const n = ::WideCharToMultiByte(CP_UTF8, 0, w.data(), static_cast<int>(w.size()), nullptr, 0, nullptr, nullptr);
    if (n <= 0) return {};
    std::string s(static_cast<std::size_t>(n), '\0');
    ::WideCharToMultiByte(CP_UTF8, 0, w.data(), static_cast<int>(w.size()), s.data(), n, nullptr, nullptr);
    return s;
}

/// The name of a WinHTTP error code, for systems without WinHTTP's message texts (Wine has none).
inline char const* winhttp_error_name(DWORD code) noexcept {
    switch (code) {
    case ERROR_WINHTTP_TIMEOUT: return "ERROR_WINHTTP_TIMEOUT";
    case ERROR_WINHTTP_INTERNAL_ERROR: return "ERROR_WINHTTP_INTERNAL_ERROR";
    case ERROR_WINHTTP_INVALID_URL: return "ERROR_WINHTTP_INVALID_URL";
    case ERROR_WINHTTP_UNRECOGNIZED_SCHEME: return "ERROR_WINHTTP_UNRECOGNIZED_SCHEME";
    case ERROR_WINHTTP_NAME_NOT_RESOLVED: return "ERROR_WINHTTP_NAME_NOT_RESOLVED";
    case ERROR_WINHTTP_INVALID_OPTION: return "ERROR_WINHTTP_INVALID_OPTION";
    case ERROR_WINHTTP_OPERATION_CANCELLED: return "ERROR_WINHTTP_OPERATION_CANCELLED";
    case ERROR_WINHTTP_INCORRECT_HANDLE_STATE: return "ERROR_WINHTTP_INCORRECT_HANDLE_STATE";
    case ERROR_WINHTTP_CANNOT_CONNECT: return "ERROR_WINHTTP_CANNOT_CONNECT";
    case ERROR_WINHTTP_CONNECTION_ERROR: return "ERROR_WINHTTP_CONNECTION_ERROR";
    case ERROR_WINHTTP_RESEND_REQUEST: return "ERROR_WINHTTP_RESEND_REQUEST";
    case ERROR_WINHTTP_SECURE_CERT_DATE_INVALID: return "ERROR_WINHTTP_SECURE_CERT_DATE_INVALID";
    case ERROR_WINHTTP_SECURE_CERT_CN_INVALID: return "ERROR_WINHTTP_SECURE_CERT_CN_INVALID";
    case ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED: return "ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED";
    case ERROR_WINHTTP_SECURE_INVALID_CA: return "ERROR_WINHTTP_SECURE_INVALID_CA";
    case ERROR_WINHTTP_SECURE_CERT_REV_FAILED: return "ERROR_WINHTTP_SECURE_CERT_REV_FAILED";
    case ERROR_WINHTTP_INVALID_SERVER_RESPONSE: return "ERROR_WINHTTP_INVALID_SERVER_RESPONSE";
    case ERROR_WINHTTP_INVALID_HEADER: return "ERROR_WINHTTP_INVALID_HEADER";
    case ERROR_WINHTTP_REDIRECT_FAILED: return "ERROR_WINHTTP_REDIRECT_FAILED";
    case ERROR_WINHTTP_SECURE_CHANNEL_ERROR: return "ERROR_WINHTTP_SECURE_CHANNEL_ERROR";
    case ERROR_WINHTTP_SECURE_INVALID_CERT: return "ERROR_WINHTTP_SECURE_INVALID_CERT";
    case ERROR_WINHTTP_SECURE_CERT_REVOKED: return "ERROR_WINHTTP_SECURE_CERT_REVOKED";
    case ERROR_WINHTTP_SECURE_FAILURE: return "ERROR_WINHTTP_SECURE_FAILURE";
    case ERROR_WINHTTP_SECURE_CERT_WRONG_USAGE: return "ERROR_WINHTTP_SECURE_CERT_WRONG_USAGE";
    case ERROR_WINHTTP_HEADER_COUNT_EXCEEDED: return "ERROR_WINHTTP_HEADER_COUNT_EXCEEDED";
    case ERROR_WINHTTP_HEADER_SIZE_OVERFLOW: return "ERROR_WINHTTP_HEADER_SIZE_OVERFLOW";
    default: return nullptr;
    }
}

/// The system's text for `code`: WinHTTP's message table for its own codes (12000-12999), the
/// system's for the rest. Trailing line breaks and dots removed. Without a text: the code's name,
/// or "error N".
inline std::string message_of(DWORD code) {
    wchar_t buf[512];
    DWORD flags = FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS;
    HMODULE module = nullptr;
    if (code >= 12000 && code < 13000) {
        module = ::GetModuleHandleW(L"winhttp.dll");
        if (module) flags |= FORMAT_MESSAGE_FROM_HMODULE;
    }
    DWORD n = ::FormatMessageW(flags, module, code, 0, buf, static_cast<DWORD>(sizeof buf / sizeof buf[0]), nullptr);
    std::string text = n > 0 ? narrow(std::wstring_view(buf, n)) : std::string();
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == '.' || text.back() == ' '))
        text.pop_back();
    if (text.empty()) {
        char const* name = winhttp_error_name(code);
        text = name ? std::string(name) : "error " + std::to_string(code);
    }
    return text;
}

/// What a failed WinHTTP call means. `in_body`: the response head had arrived (a broken
/// connection then cut the body short).
inline errc map_error(DWORD code, bool in_body) noexcept {
    switch (code) {
    case ERROR_WINHTTP_NAME_NOT_RESOLVED:
    case WSAHOST_NOT_FOUND:
    case WSANO_DATA: return errc::resolve_failed;
    case ERROR_WINHTTP_CANNOT_CONNECT:
    case WSAECONNREFUSED:
    case WSAENETUNREACH:
    case WSAEHOSTUNREACH: return errc::connect_failed;
    case ERROR_WINHTTP_TIMEOUT:
    case WSAETIMEDOUT: return errc::timeout;
    case ERROR_WINHTTP_CONNECTION_ERROR:
    case ERROR_WINHTTP_RESEND_REQUEST: // WinHTTP wanted to send the request again: it is not (see async_transport.hpp)
    case WSAECONNRESET:
    case WSAECONNABORTED:
    case WSAENETRESET:
    case WSAESHUTDOWN: return in_body ? errc::body_truncated : errc::connection_reset;
    // The certificate or its name was rejected: the same on every attempt.
    case ERROR_WINHTTP_SECURE_INVALID_CERT:
    case ERROR_WINHTTP_SECURE_CERT_REVOKED:
    case ERROR_WINHTTP_SECURE_CERT_DATE_INVALID:
    case ERROR_WINHTTP_SECURE_CERT_CN_INVALID:
    case ERROR_WINHTTP_SECURE_INVALID_CA:
    case ERROR_WINHTTP_SECURE_CERT_REV_FAILED:
    case ERROR_WINHTTP_SECURE_CERT_WRONG_USAGE: return errc::tls_verification_failed;
    // Any other failed handshake (ERROR_WINHTTP_SECURE_FAILURE comes with the problems it had in
    // WINHTTP_CALLBACK_STATUS_SECURE_FAILURE; the transport looks at those).
    case ERROR_WINHTTP_SECURE_FAILURE:
    case ERROR_WINHTTP_SECURE_CHANNEL_ERROR:
    case ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED: return errc::tls_failed;
    case ERROR_WINHTTP_INVALID_SERVER_RESPONSE:
    case ERROR_WINHTTP_HEADER_SIZE_OVERFLOW:
    case ERROR_WINHTTP_HEADER_COUNT_EXCEEDED: return errc::protocol_error;
    case ERROR_WINHTTP_REDIRECT_FAILED: return errc::too_many_redirects;
    case ERROR_WINHTTP_INVALID_URL:
    case ERROR_WINHTTP_UNRECOGNIZED_SCHEME:
    case ERROR_WINHTTP_INVALID_HEADER: return errc::invalid_argument;
    case ERROR_WINHTTP_OPERATION_CANCELLED: return errc::canceled;
    default: return errc::transport_failed;
    }
}

/// Text for the flags of WINHTTP_CALLBACK_STATUS_SECURE_FAILURE: why the certificate was refused.
inline std::string secure_failure_text(DWORD flags) {
    std::string s;
    auto add = [&s](char const* what) {
        if (!s.empty()) s += ", ";
        s += what;
    };
    if (flags & WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA) add("the certificate chain ends in a CA that is not trusted");
    if (flags & WINHTTP_CALLBACK_STATUS_FLAG_CERT_CN_INVALID) add("the certificate is not for this host name");
    if (flags & WINHTTP_CALLBACK_STATUS_FLAG_CERT_DATE_INVALID) add("the certificate has expired or is not valid yet");
    if (flags & WINHTTP_CALLBACK_STATUS_FLAG_CERT_REVOKED) add("the certificate was revoked");
    if (flags & WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED) add("revocation could not be checked");
    if (flags & WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CERT) add("the certificate is invalid");
    if (flags & WINHTTP_CALLBACK_STATUS_FLAG_CERT_WRONG_USAGE) add("the certificate is not for server authentication");
    if (flags & WINHTTP_CALLBACK_STATUS_FLAG_SECURITY_CHANNEL_ERROR) add("TLS channel error");
    return s;
}

} // namespace winhttp::detail
PULSE_NAMESPACE_END

#endif
