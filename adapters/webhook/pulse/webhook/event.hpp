// SPDX-License-Identifier: MIT
//
// The payload of a webhook delivery. Pulse publishes no schema for it, so it is kept as the JSON
// object it is, with best-effort accessors for what a receiver needs first: the job it is about
// and, when the payload names one, the event type. Decoding needs no OpenSSL; decode a body only
// after verify() accepted it (verify_and_decode() does both).
//
//   auto ev = pulse::webhook::decode_event(raw_body);
//   if (ev && ev->job_id()) resume(*ev->job_id());
#ifndef PULSE_WEBHOOK_EVENT_HPP
#define PULSE_WEBHOOK_EVENT_HPP

#include <pulse/error.hpp>
#include <pulse/schema/codec.hpp>

#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

PULSE_NAMESPACE_BEGIN
namespace webhook {

/// A decoded webhook payload: a JSON object, kept whole.
class event {
public:
    /// An event holding `payload`.
    explicit event(boost::json::object payload) noexcept : payload_(std::move(payload)) {}

    /// The whole payload, as delivered (every member, known or not).
    boost::json::object const& json() const noexcept { return payload_; }

    /// The id of the job the event is about: the top-level "job_id" member when it is a string,
    /// else "data"."job_id" when "data" is an object holding a string there; nullopt otherwise.
    /// A view into json().
    std::optional<std::string_view> job_id() const noexcept {
        if (auto s = string_member(payload_, "job_id")) return s;
        if (auto const* d = payload_.if_contains("data"); d && d->is_object()) return string_member(d->get_object(), "job_id");
        return std::nullopt;
    }

    /// The event type, the top-level "type" member, when it is a string; nullopt otherwise. A view
    /// into json().
    std::optional<std::string_view> type() const noexcept { return string_member(payload_, "type"); }

private:
    static std::optional<std::string_view> string_member(boost::json::object const& o, std::string_view name) noexcept {
        auto const* v = o.if_contains(name);
        if (!v || !v->is_string()) return std::nullopt;
        return std::string_view(v->get_string().data(), v->get_string().size());
    }

    boost::json::object payload_;
};

/// Decode a webhook body (the raw bytes) as an event. Errors: json_syntax (not JSON; the message
/// gives the byte offset), too_deep (nesting past `limits`), unexpected_shape (JSON, but not an
/// object).
inline result<event> decode_event(std::string_view raw_body, parse_limits limits = {}) {
    auto v = parse_json(raw_body, limits);
    if (!v) return v.error();
    if (!v->is_object())
        return error(errc::unexpected_shape, std::string("a webhook event is a JSON object, got ") +
                                                 (v->is_array() ? "an array" : v->is_string() ? "a string" : v->is_null() ? "null" : v->is_bool() ? "a boolean" : "a number"));
    return event(std::move(v->get_object()));
}

} // namespace webhook
PULSE_NAMESPACE_END

#endif
