// SPDX-License-Identifier: MIT
//
// Base64 (RFC 4648, standard alphabet, with padding) for the files `pulse` sends inside a JSON
// body: an Excel template (schema_config.excel_template) and the documents of a batch extraction
// (input.files[].content).
//
// Why a dozen lines here: Boost has no public base64. Boost.Beast's encoder lives in
// boost/beast/core/detail/base64.hpp, a detail header that may change or vanish in any release,
// and the library itself has no use for one (it uploads files as multipart, not as base64).
#ifndef PULSE_CLI_BASE64_HPP
#define PULSE_CLI_BASE64_HPP

#include <cstddef>
#include <string>
#include <string_view>

namespace pulse_cli {

inline std::string base64_encode(std::string_view in) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    auto const byte = [&](std::size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(in[k])); };
    for (; i + 3 <= in.size(); i += 3) {
        unsigned const v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
        out += alphabet[v >> 18 & 63];
        out += alphabet[v >> 12 & 63];
        out += alphabet[v >> 6 & 63];
        out += alphabet[v & 63];
    }
    if (std::size_t const rest = in.size() - i; rest > 0) {
        unsigned const v = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0u);
        out += alphabet[v >> 18 & 63];
        out += alphabet[v >> 12 & 63];
        out += rest == 2 ? alphabet[v >> 6 & 63] : '=';
        out += '=';
    }
    return out;
}

} // namespace pulse_cli

#endif
