// SPDX-License-Identifier: MIT
//
// Signing a delivery the way Pulse (through Svix) does: HMAC-SHA256, keyed with the secret's key,
// over "{webhook-id}.{webhook-timestamp}.{raw body}", base64-encoded, sent as "v1,<base64>". For a
// test server, a fake Pulse in an integration test, or a sender of your own:
//
//   auto s = pulse::webhook::secret::generate();
//   auto h = pulse::webhook::sign(*s, "msg_1", std::chrono::floor<std::chrono::seconds>(
//                                             std::chrono::system_clock::now()), body);
//   // send body with webhook-id: h->id, webhook-timestamp: h->timestamp, webhook-signature: h->signature
#ifndef PULSE_WEBHOOK_SIGN_HPP
#define PULSE_WEBHOOK_SIGN_HPP

#include <pulse/error.hpp>
#include <pulse/webhook/detail/base64.hpp>
#include <pulse/webhook/detail/hmac.hpp>
#include <pulse/webhook/headers.hpp>
#include <pulse/webhook/secret.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <utility>

PULSE_NAMESPACE_BEGIN
namespace webhook {

/// The version tag of the HMAC-SHA256 scheme in webhook-signature entries.
inline constexpr std::string_view signature_version = "v1";

/// The signature entry of a delivery: "v1," then base64(HMAC-SHA256(key, id + "." + timestamp +
/// "." + body)). `timestamp` is the header's text, exactly as sent. Errors: invalid_argument when
/// libcrypto refuses the computation (a FIPS provider refusing a short key, say).
inline result<std::string> compute_signature(secret const& key, std::string_view id, std::string_view timestamp,
                                             std::string_view body) {
    auto tag = detail::hmac_sha256(key.key(), {id, ".", timestamp, ".", body});
    if (!tag) return tag.error();
    std::string out(signature_version);
    out += ',';
    out += detail::base64_encode(std::string_view(reinterpret_cast<char const*>(tag->data()), tag->size()));
    return out;
}

/// The three header values of a signed delivery, owned.
struct signed_headers {
    std::string id;        ///< the webhook-id value
    std::string timestamp; ///< the webhook-timestamp value: whole seconds since 1970
    std::string signature; ///< the webhook-signature value: one "v1,<base64>" entry

    /// The three values as a headers_view (valid while this object is alive and unchanged).
    headers_view view() const noexcept { return {id, timestamp, signature}; }
};

/// Sign `body` as delivery `id` at `timestamp` (which should not be before 1970: verify() reads
/// only unsigned numbers). Errors: as compute_signature().
inline result<signed_headers> sign(secret const& key, std::string id, std::chrono::sys_seconds timestamp,
                                   std::string_view body) {
    std::string ts = std::to_string(timestamp.time_since_epoch().count());
    auto sig = compute_signature(key, id, ts, body);
    if (!sig) return sig.error();
    return signed_headers{std::move(id), std::move(ts), std::move(*sig)};
}

} // namespace webhook
PULSE_NAMESPACE_END

#endif
