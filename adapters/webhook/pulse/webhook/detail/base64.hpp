// SPDX-License-Identifier: MIT
//
// Standard base64 (RFC 4648 section 4, alphabet A-Z a-z 0-9 + /) on libcrypto's EVP_EncodeBlock and
// EVP_DecodeBlock: the webhook target links libcrypto for HMAC anyway, so the codec adds no
// dependency (Boost.Beast's base64 is an undocumented detail of Beast, free to change).
//
// EVP_DecodeBlock has three quirks this wrapper keeps away from callers: it wants padded input (a
// length that is a multiple of 4), it counts the padding as decoded zero bytes, and it skips
// whitespace at either end. So the text is checked here first (alphabet, padding only at the end,
// a length some encoding has), padded when it came without, and the padding is taken off the
// count afterwards.
//
// Internal: names and signatures here may change without notice.
#ifndef PULSE_WEBHOOK_DETAIL_BASE64_HPP
#define PULSE_WEBHOOK_DETAIL_BASE64_HPP

#include <pulse/detail/prelude.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <climits>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

PULSE_NAMESPACE_BEGIN
namespace webhook::detail {

/// Overwrite `s`'s bytes with zeros in a way the optimizer keeps (for copies of a key).
inline void wipe(std::string& s) noexcept {
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
}

inline bool is_base64_char(char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/// `bytes` in standard base64, padded with '='.
inline std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    // EVP_EncodeBlock takes an int length: whole groups of 3 bytes at a time, so that chunks
    // concatenate into the encoding of the whole.
    constexpr std::size_t chunk = 3 * 1024;
    unsigned char buf[chunk / 3 * 4 + 1];
    for (std::size_t at = 0; at < bytes.size(); at += chunk) {
        std::size_t const n = bytes.size() - at < chunk ? bytes.size() - at : chunk;
        int const written = EVP_EncodeBlock(buf, reinterpret_cast<unsigned char const*>(bytes.data() + at), static_cast<int>(n));
        out.append(reinterpret_cast<char const*>(buf), static_cast<std::size_t>(written));
    }
    return out;
}

/// The bytes `text` encodes in standard base64, padding optional; nullopt when `text` holds any
/// other character (whitespace included), padding anywhere but at the end, or has a length no
/// encoding has (4n+1 characters).
inline std::optional<std::string> base64_decode(std::string_view text) {
    std::size_t pad = 0;
    while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
    std::string_view const body = text.substr(0, text.size() - pad);
    for (char c : body)
        if (!is_base64_char(c)) return std::nullopt;
    if (body.size() % 4 == 1) return std::nullopt;
    std::size_t const missing = (4 - body.size() % 4) % 4; // the padding a full encoding has
    if (pad != 0 && pad != missing) return std::nullopt;
    if (body.size() > static_cast<std::size_t>(INT_MAX) - 4) return std::nullopt;

    std::string padded(body);
    padded.append(missing, '=');
    std::string out(padded.size() / 4 * 3, '\0');
    if (padded.empty()) return out;
    int const n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<unsigned char const*>(padded.data()), static_cast<int>(padded.size()));
    wipe(padded);
    if (n < 0 || static_cast<std::size_t>(n) != out.size()) {
        wipe(out);
        return std::nullopt;
    }
    out.resize(out.size() - missing); // EVP_DecodeBlock decoded each '=' as a zero byte
    return out;
}

} // namespace webhook::detail
PULSE_NAMESPACE_END

#endif
