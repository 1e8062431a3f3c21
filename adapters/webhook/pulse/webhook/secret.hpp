// SPDX-License-Identifier: MIT
//
// The signing secret of a webhook endpoint. Pulse shows it as "whsec_" followed by the key in
// base64 (the Standard Webhooks form); the key is the decoded bytes.
//
//   auto s = pulse::webhook::secret::parse(std::getenv("PULSE_WEBHOOK_SECRET"));
//   if (!s) ...  // errc::invalid_argument: empty, or not base64
//
// The text without its "whsec_" prefix is accepted too, as every Standard Webhooks reference
// library accepts it: whoever stored only the base64 part gets the same key. No error message ever
// contains the secret's text.
#ifndef PULSE_WEBHOOK_SECRET_HPP
#define PULSE_WEBHOOK_SECRET_HPP

#include <pulse/error.hpp>
#include <pulse/webhook/detail/base64.hpp>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <climits>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

PULSE_NAMESPACE_BEGIN
namespace webhook {

/// The prefix Pulse (and every Standard Webhooks sender) puts before the base64 key.
inline constexpr std::string_view secret_prefix = "whsec_";

/// A webhook signing key: the bytes HMAC-SHA256 is keyed with. Never empty. The bytes are wiped
/// when the object is destroyed or assigned over (copies the caller made, such as the text it was
/// parsed from, are the caller's to wipe).
class secret {
public:
    /// Read a secret as Pulse shows it, "whsec_" then the key in standard base64 (padding
    /// optional), or the base64 part alone. Errors: invalid_argument when the text is empty, the
    /// key is empty, or the text is not base64 (whitespace included); the message never quotes it.
    static result<secret> parse(std::string_view text) {
        std::string_view b64 = text;
        if (b64.substr(0, secret_prefix.size()) == secret_prefix) b64.remove_prefix(secret_prefix.size());
        if (b64.empty())
            return error(errc::invalid_argument, "webhook secret: empty (expected whsec_ followed by the key in base64)");
        auto key = detail::base64_decode(b64);
        if (!key)
            return error(errc::invalid_argument, "webhook secret: not base64 after the whsec_ prefix (" +
                                                     std::to_string(b64.size()) + " characters; whitespace or a "
                                                     "truncated copy?)");
        secret s = from_key(*key);
        detail::wipe(*key);
        return s;
    }

    /// A secret whose key is `key`, as raw bytes (not base64). Errors: invalid_argument when `key`
    /// is empty.
    static result<secret> from_bytes(std::string_view key) {
        if (key.empty()) return error(errc::invalid_argument, "webhook secret: the key is empty");
        return from_key(key);
    }

    /// A new random key of `bytes` bytes (24 unless said: what Svix issues) from libcrypto's
    /// random generator, for a test server or a sender of your own. Errors: invalid_argument
    /// when `bytes` is 0 or the generator fails.
    static result<secret> generate(std::size_t bytes = 24) {
        if (bytes == 0 || bytes > static_cast<std::size_t>(INT_MAX))
            return error(errc::invalid_argument, "webhook secret: a key of " + std::to_string(bytes) + " bytes");
        secret s;
        s.key_.resize(bytes);
        if (RAND_bytes(s.key_.data(), static_cast<int>(bytes)) != 1)
            return error(errc::invalid_argument, "webhook secret: libcrypto's random generator failed");
        return s;
    }

    /// Copies the key.
    secret(secret const& o) : key_(o.key_) {}
    /// Takes the key; `o` is left empty.
    secret(secret&& o) noexcept : key_(std::move(o.key_)) { o.key_.clear(); }
    /// Wipes this key, then copies `o`'s.
    secret& operator=(secret const& o) {
        if (this != &o) {
            wipe();
            key_ = o.key_;
        }
        return *this;
    }
    /// Wipes this key, then takes `o`'s.
    secret& operator=(secret&& o) noexcept {
        if (this != &o) {
            wipe();
            key_ = std::move(o.key_);
            o.key_.clear();
        }
        return *this;
    }
    /// Wipes the key.
    ~secret() { wipe(); }

    /// The key's bytes (binary, not text).
    std::string_view key() const noexcept { return {reinterpret_cast<char const*>(key_.data()), key_.size()}; }

    /// The secret as Pulse shows it: "whsec_" then the key in standard base64. parse() reads it
    /// back. This is the secret itself: keep it out of logs.
    std::string encoded() const { return std::string(secret_prefix) + detail::base64_encode(key()); }

private:
    secret() = default;
    static secret from_key(std::string_view key) {
        secret s;
        s.key_.assign(key.begin(), key.end());
        return s;
    }
    void wipe() noexcept {
        if (!key_.empty()) OPENSSL_cleanse(key_.data(), key_.size());
        key_.clear();
    }

    std::vector<unsigned char> key_;
};

} // namespace webhook
PULSE_NAMESPACE_END

#endif
