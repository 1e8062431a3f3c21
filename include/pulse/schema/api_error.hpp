// SPDX-License-Identifier: MIT
//
// Error bodies. The documented envelope is `{"error": {"code", "message", "details"}}`; real servers
// (and proxies in front of them) also send `{"error": "text"}`, `{"detail": ...}`, `{"message":
// "..."}`, HTML or plain text. read_api_error() accepts all of them and never fails: whatever the
// body, the caller gets the best code/message it holds, and the raw text is kept by the caller.
#ifndef PULSE_SCHEMA_API_ERROR_HPP
#define PULSE_SCHEMA_API_ERROR_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/schema/detail/codec.hpp>
#include <pulse/schema/detail/dom_parser.hpp>

#include <boost/json/object.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <tuple>

PULSE_NAMESPACE_BEGIN

/// The inner object of the error envelope.
struct api_error {
    std::optional<std::string> code{};    ///< e.g. "FILE_001", "GONE"
    std::optional<std::string> message{}; ///< e.g. "Invalid file type"
    std::optional<boost::json::value> details{}; ///< further details, any JSON, kept as sent
    boost::json::object extra{}; ///< members this version does not name, kept and written back
};

/// The envelope `{"error": {...}}` in its documented shape.
struct error_envelope {
    std::optional<api_error> error{}; ///< the inner object: the API's code, message and details
    boost::json::object extra{}; ///< members this version does not name, kept and written back
};

namespace detail {
template <>
struct schema_of<api_error> {
    template <class T = api_error>
    static constexpr auto members = std::tuple{
        field("code", &T::code),
        field("message", &T::message),
        field("details", &T::details),
    };
};
template <>
struct schema_of<error_envelope> {
    template <class T = error_envelope>
    static constexpr auto members = std::tuple{field("error", &T::error)};
};

inline std::optional<std::string> string_member(boost::json::object const& o, std::string_view key) {
    if (auto const* v = o.if_contains(key)) {
        if (auto const* s = v->if_string()) return std::string(s->data(), s->size());
        if (!v->is_null()) return boost::json::serialize(*v);
    }
    return std::nullopt;
}
} // namespace detail

/// Best-effort reading of any error body. Never fails: a body that is not JSON yields an api_error
/// whose message is the (trimmed, capped at 512 bytes) text itself, or nothing for an empty body.
inline api_error read_api_error(std::string_view body) {
    api_error out;
    boost::json::parse_options opt;
    opt.max_depth = 64;
    boost::system::error_code ec;
    std::size_t at = 0;
    boost::json::value v = detail::parse_dom(body, ec, at, {}, opt);
    if (!ec) {
        if (auto const* o = v.if_object()) {
            if (auto const* inner = o->if_contains("error")) {
                if (auto const* io = inner->if_object()) {
                    out.code = detail::string_member(*io, "code");
                    out.message = detail::string_member(*io, "message");
                    if (auto const* d = io->if_contains("details")) out.details = *d;
                    return out;
                }
                if (auto const* s = inner->if_string()) {
                    out.message = std::string(s->data(), s->size());
                    out.code = detail::string_member(*o, "code");
                    return out;
                }
            }
            // FastAPI-style {"detail": ...} or a bare {"message": ..., "code": ...}.
            out.code = detail::string_member(*o, "code");
            out.message = detail::string_member(*o, "message");
            if (!out.message) out.message = detail::string_member(*o, "detail");
            return out;
        }
        if (auto const* s = v.if_string()) {
            out.message = std::string(s->data(), s->size());
            return out;
        }
    }
    // Plain text or HTML: keep the first part as the message.
    std::size_t b = 0, e = body.size();
    while (b < e && (body[b] == ' ' || body[b] == '\n' || body[b] == '\r' || body[b] == '\t')) ++b;
    while (e > b && (body[e - 1] == ' ' || body[e - 1] == '\n' || body[e - 1] == '\r' || body[e - 1] == '\t')) --e;
    if (e > b) out.message = std::string(body.substr(b, e - b > 512 ? 512 : e - b));
    return out;
}

PULSE_NAMESPACE_END

#endif
