// SPDX-License-Identifier: MIT
//
// HMAC-SHA256 through libcrypto's EVP_MAC interface (OpenSSL 3): the message is fed in parts, so
// the signed content "{id}.{timestamp}.{body}" is never copied into one buffer. And the
// constant-time comparison of two byte strings (CRYPTO_memcmp), so how long a comparison takes
// says nothing about how many leading bytes of a guessed signature were right.
//
// Internal: names and signatures here may change without notice.
#ifndef PULSE_WEBHOOK_DETAIL_HMAC_HPP
#define PULSE_WEBHOOK_DETAIL_HMAC_HPP

#include <pulse/error.hpp>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/params.h>

#include <array>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

#if OPENSSL_VERSION_MAJOR < 3
#error "pulse::webhook needs OpenSSL 3.0 or later (EVP_MAC)"
#endif

PULSE_NAMESPACE_BEGIN
namespace webhook::detail {

/// The size of an HMAC-SHA256 tag.
inline constexpr std::size_t hmac_sha256_size = 32;

/// libcrypto's reason for the last failure on this thread (its queue is emptied).
inline std::string crypto_failure(char const* what) {
    std::string msg = std::string("libcrypto refused ") + what;
    unsigned long const code = ERR_get_error();
    if (code != 0) {
        char buf[256];
        ERR_error_string_n(code, buf, sizeof buf);
        msg.append(": ").append(buf);
    }
    ERR_clear_error();
    return msg;
}

/// HMAC-SHA256 with `key` over the concatenation of `parts`. Errors: invalid_argument when libcrypto
/// refuses (no HMAC or SHA-256 in the loaded providers, or a key a FIPS provider finds too short).
inline result<std::array<unsigned char, hmac_sha256_size>> hmac_sha256(std::string_view key,
                                                                       std::initializer_list<std::string_view> parts) {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
    if (!mac) return error(errc::invalid_argument, crypto_failure("HMAC"));
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac); // the context holds its own reference
    if (!ctx) return error(errc::invalid_argument, crypto_failure("an HMAC context"));

    char digest[] = "SHA256";
    OSSL_PARAM const params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
    std::array<unsigned char, hmac_sha256_size> tag{};
    std::size_t len = 0;
    bool ok = EVP_MAC_init(ctx, reinterpret_cast<unsigned char const*>(key.data()), key.size(), params) == 1;
    for (std::string_view p : parts)
        ok = ok && (p.empty() || EVP_MAC_update(ctx, reinterpret_cast<unsigned char const*>(p.data()), p.size()) == 1);
    ok = ok && EVP_MAC_final(ctx, tag.data(), &len, tag.size()) == 1 && len == tag.size();
    EVP_MAC_CTX_free(ctx);
    if (!ok) return error(errc::invalid_argument, crypto_failure("the HMAC-SHA256 computation"));
    return tag;
}

/// Whether `a` and `b` are equal, in a time that depends on their lengths only.
inline bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && (a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0);
}

} // namespace webhook::detail
PULSE_NAMESPACE_END

#endif
