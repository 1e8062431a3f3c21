// SPDX-License-Identifier: MIT
//
// Reading and writing schema types as JSON, without exceptions.
//
//   auto r = pulse::decode_json<pulse::extract_result>(text);   // parse + decode
//   if (!r) std::cerr << r.error().to_string();                 // "bounding_boxes.Text[3].page_number:
//                                                                //  expected integer, got string"
//   boost::json::value v = pulse::encode(*r);                    // equal to the parsed document
//
// The same types also plug into Boost.JSON's own conversions: boost::json::value_from(x) and
// boost::json::try_value_to<T>(v) work (the latter reports only an error_code; use decode<T> to
// learn the path).
#ifndef PULSE_SCHEMA_CODEC_HPP
#define PULSE_SCHEMA_CODEC_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/schema/detail/codec.hpp>
#include <pulse/schema/detail/dom_parser.hpp>

#include <boost/json/error.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

PULSE_NAMESPACE_BEGIN

/// Limits applied when parsing JSON text. Boost's default depth (32) is too shallow for real
/// results, and unbounded depth lets a hostile body exhaust the stack; 512 is both deep enough and
/// safe (Boost's parser is iterative for nesting, and the decoder recurses at most as deep as the
/// schema, not the document).
struct parse_limits {
    /// Deepest nesting of arrays and objects accepted; deeper text is errc::too_deep.
    std::size_t max_depth = 512;
};

namespace detail {
/// How both parsing paths (parse_json here, stream_decoder) word a parser error, so that they report
/// the same text: "invalid JSON at byte 13: syntax error".
inline error json_parse_error(boost::system::error_code const& ec, std::uint64_t offset) {
    errc const code = ec == boost::json::error::too_deep ? errc::too_deep : errc::json_syntax;
    std::string msg = "invalid JSON at byte ";
    msg.append(std::to_string(offset)).append(": ").append(ec.message());
    return error(code, std::move(msg));
}
} // namespace detail

/// Parse JSON text into a DOM. Errors: json_syntax (with the byte offset), too_deep. Doubles are
/// the nearest to their text (detail/exact_double.hpp), which Boost 1.81's own parse does not ensure.
inline result<boost::json::value> parse_json(std::string_view text, parse_limits limits = {}) {
    boost::json::parse_options opt;
    opt.max_depth = limits.max_depth;
    boost::system::error_code ec;
    std::size_t at = 0; // on failure: where the parser stopped
    boost::json::value v = detail::parse_dom(text, ec, at, {}, opt);
    if (ec) return detail::json_parse_error(ec, at);
    return v;
}

/// Decode a DOM value into a schema type T. Errors are decode-layer errors naming the JSON path.
template <class T>
    requires detail::described<T>
result<T> decode(boost::json::value const& v) {
    T out{};
    error e;
    if (!detail::decode_value(v, out, e)) return e;
    return out;
}

/// Parse JSON text and decode it as T.
template <class T>
    requires detail::described<T>
result<T> decode_json(std::string_view text, parse_limits limits = {}) {
    auto v = parse_json(text, limits);
    if (!v) return v.error();
    return decode<T>(*v);
}

/// Encode a schema type as a DOM value: named members (absent optionals omitted) then the kept
/// unknown members.
template <class T>
    requires detail::described<T>
boost::json::value encode(T const& t) {
    return detail::encode_value(t);
}

/// Encode as compact JSON text.
template <class T>
    requires detail::described<T>
std::string to_json(T const& t) {
    return boost::json::serialize(encode(t));
}

/// Boost.JSON integration: boost::json::value_from(t).
template <class T>
    requires detail::described<T>
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, T const& t) {
    jv = detail::encode_value(t);
}

/// Boost.JSON integration: boost::json::try_value_to<T>(v) (and value_to, which derives from it).
/// Only an error_code comes back this way; pulse::decode<T> keeps the path and message.
template <class T>
    requires detail::described<T>
boost::system::result<T> tag_invoke(boost::json::try_value_to_tag<T>, boost::json::value const& v) {
    T out{};
    error e;
    if (!detail::decode_value(v, out, e)) {
        return boost::system::error_code(e.code == errc::type_mismatch ? boost::json::error::not_object
                                                                       : boost::json::error::exception);
    }
    return out;
}

PULSE_NAMESPACE_END

// Compiled mode (detail/compiled.hpp): the decoders and encoders of the API's answers and request
// bodies, instantiated once in the program.
#include <pulse/detail/compiled.hpp>
#if PULSE_DETAIL_COMPILED
#include <pulse/schema/api_error.hpp>
#include <pulse/schema/batch_job.hpp>
#include <pulse/schema/extract_options.hpp>
#include <pulse/schema/extract_result.hpp>
#include <pulse/schema/form.hpp>
#include <pulse/schema/job.hpp>
#include <pulse/schema/pipeline_job.hpp>
#include <pulse/schema/schema_job.hpp>
#include <pulse/schema/split_job.hpp>
#include <pulse/schema/tables_job.hpp>
#include <pulse/schema/webhook_link.hpp>
PULSE_NAMESPACE_BEGIN
#define PULSE_DETAIL_CODEC_INSTANCES(T)                                                              \
    PULSE_DETAIL_INSTANTIATE result<T> decode<T>(boost::json::value const&);                        \
    PULSE_DETAIL_INSTANTIATE result<T> decode_json<T>(std::string_view, parse_limits);              \
    PULSE_DETAIL_INSTANTIATE boost::json::value encode<T>(T const&);                                \
    PULSE_DETAIL_INSTANTIATE std::string to_json<T>(T const&);
PULSE_DETAIL_FOR_EACH_ANSWER(PULSE_DETAIL_CODEC_INSTANCES)
PULSE_DETAIL_FOR_EACH_REQUEST_BODY(PULSE_DETAIL_CODEC_INSTANCES)
#undef PULSE_DETAIL_CODEC_INSTANCES
PULSE_NAMESPACE_END
#endif

#endif
