// SPDX-License-Identifier: MIT
//
// The three headers that carry a webhook delivery's signature (the Standard Webhooks scheme Pulse
// sends through Svix):
//
//   webhook-id         the message id, e.g. msg_2Jv7pYGL7UwXqF3v6RjLVxQYPZG; the same on every retry
//                      of one delivery, so it is the key to drop duplicates by
//   webhook-timestamp  when this attempt was signed, in whole seconds since 1970 (UTC)
//   webhook-signature  space-separated "v1,<base64 HMAC-SHA256>" entries (several while a secret is
//                      being rotated); entries of other versions are for other schemes
//
// headers_view holds the three values as given by any HTTP stack; headers_view::from() looks them
// up in a pulse::http::headers, ignoring case.
#ifndef PULSE_WEBHOOK_HEADERS_HPP
#define PULSE_WEBHOOK_HEADERS_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/http/headers.hpp>

#include <optional>
#include <string_view>

PULSE_NAMESPACE_BEGIN
namespace webhook {

/// The name of the header with the message id.
inline constexpr std::string_view id_header = "webhook-id";
/// The name of the header with the signing time, in seconds since 1970.
inline constexpr std::string_view timestamp_header = "webhook-timestamp";
/// The name of the header with the signatures.
inline constexpr std::string_view signature_header = "webhook-signature";

/// The values of a delivery's three signature headers. An empty value stands for a missing header.
/// A view: the strings it points into must outlive it.
struct headers_view {
    std::string_view id;        ///< webhook-id: the message id
    std::string_view timestamp; ///< webhook-timestamp: seconds since 1970, as sent
    std::string_view signature; ///< webhook-signature: space-separated "v1,<base64>" entries

    /// The three headers in `h`, names compared without regard to case. A header missing under its
    /// webhook- name is looked up under the svix- name (svix-id, svix-timestamp, svix-signature),
    /// which Svix sends for senders that brand their deliveries; a header missing under both is
    /// left empty. Views into `h`: keep `h` alive and unchanged while the result is used.
    static headers_view from(http::headers const& h) noexcept {
        auto get = [&h](std::string_view name, std::string_view svix_name) -> std::string_view {
            if (std::optional<std::string_view> v = h.find(name)) return *v;
            return h.find(svix_name).value_or(std::string_view());
        };
        return {get(id_header, "svix-id"), get(timestamp_header, "svix-timestamp"), get(signature_header, "svix-signature")};
    }
};

} // namespace webhook
PULSE_NAMESPACE_END

#endif
