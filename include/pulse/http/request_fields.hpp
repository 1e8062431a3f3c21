// SPDX-License-Identifier: MIT
//
// What a transport may put on the wire as request header fields, the same for every HTTP stack:
//
// - validate_request_fields(): a field whose name is not an RFC 9110 token, or whose value holds
//   CR, LF or NUL, would inject header lines (or cut the head short) in any stack that writes the
//   text as given; it is refused before anything is sent, with errc::invalid_argument. The error
//   names the field (or its position), never its value: the value may be the API key.
// - is_credential_field(): the fields that carry credentials (x-api-key, Authorization, Cookie,
//   Proxy-Authorization). A transport that follows a redirect off the original origin drops them
//   (see redirect.hpp), and scrubs their values from any text its stack produced.
//
// For transport writers (adapters, an engine's own HTTP module); the flow layer builds requests
// that already pass.
#ifndef PULSE_HTTP_REQUEST_FIELDS_HPP
#define PULSE_HTTP_REQUEST_FIELDS_HPP

#include <pulse/config.hpp>
#include <pulse/error.hpp>
#include <pulse/http/headers.hpp>

#include <cstddef>
#include <string>
#include <string_view>

PULSE_NAMESPACE_BEGIN
namespace http {

/// RFC 9110 section 5.6.2 token character (what a field name is made of).
constexpr bool is_token_char(char c) noexcept {
    if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

/// A field that carries credentials: never sent to another origin after a redirect, and its value
/// never appears in error text.
constexpr bool is_credential_field(std::string_view name) noexcept {
    return iequals(name, "x-api-key") || iequals(name, "authorization") || iequals(name, "cookie") ||
           iequals(name, "proxy-authorization");
}

/// Success when every field can be sent as given; otherwise errc::invalid_argument naming the
/// first bad field (by its position when its name is the problem, by name when its value is).
inline result<void> validate_request_fields(headers const& fields) {
    std::size_t index = 0;
    for (auto const& f : fields) {
        ++index;
        if (f.name.empty())
            return error(errc::invalid_argument, "request header field " + std::to_string(index) + " has an empty name");
        for (char c : f.name)
            if (!is_token_char(c))
                return error(errc::invalid_argument,
                             "request header field " + std::to_string(index) + " has a name that is not an HTTP token");
        for (char c : f.value)
            if (c == '\r' || c == '\n' || c == '\0')
                return error(errc::invalid_argument, "request header field '" + f.name + "' has CR, LF or NUL in its value");
    }
    return {};
}

/// Replace the values of the credential fields of `fields` (4 bytes or longer) by "[redacted]" in
/// the text of `e`. For errors whose message came from an HTTP stack: it should never hold them,
/// and this makes "never" independent of the stack's wording.
inline error redact_credentials(error e, headers const& fields) {
    for (auto const& f : fields)
        if (is_credential_field(f.name) && f.value.size() >= 4) e.redact(f.value);
    return e;
}

} // namespace http
PULSE_NAMESPACE_END

#endif
