// SPDX-License-Identifier: MIT
//
// Base64 (RFC 4648, standard alphabet, with padding) for the files `pulse` sends inside a JSON
// body: an Excel template (schema_config.excel_template) and the documents of a batch extraction
// (input.files[].content).
//
// The encoding is Boost's public, header-only base64 iterators (boost/archive/iterators, part of
// Boost.Serialization's headers; no Boost.Serialization library is linked); they do not pad, so
// the '=' padding is added here. The library itself has no use for base64: it uploads files as
// multipart.
#ifndef PULSE_CLI_BASE64_HPP
#define PULSE_CLI_BASE64_HPP

#include <boost/archive/iterators/base64_from_binary.hpp>
#include <boost/archive/iterators/transform_width.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace pulse_cli {

inline std::string base64_encode(std::string_view in) {
    namespace it = boost::archive::iterators;
    using encoder = it::base64_from_binary<it::transform_width<char const*, 6, 8>>;
    std::string out(encoder(in.data()), encoder(in.data() + in.size()));
    out.append((3 - in.size() % 3) % 3, '=');
    return out;
}

} // namespace pulse_cli

#endif
