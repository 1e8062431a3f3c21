// SPDX-License-Identifier: MIT
//
// The seam between a response body arriving in chunks and a typed value: feed(chunk) as bytes
// arrive, finish() at the end of the body -> result<T>. The machines use only this interface.
//
// typed_decoder is pulse::stream_decoder<T> (schema/stream_decoder.hpp): the bytes go straight into
// T from Boost's basic_parser, no DOM for the members T names, so a large result costs about its
// typed size in memory and decodes without building a DOM first. A type error is reported by the
// feed() that reaches it, so a machine without a tee can stop the transfer there. json_body (the
// DOM) remains for answers whose shape is decided after parsing (poll, submission).
//
// Limits: the body size cap is checked before each chunk is parsed (errc::body_too_large), the
// depth cap is the parser's max_depth (errc::too_deep). Errors are sticky: after one, feed() keeps
// failing with it, so a caller that streams on (to a tee'd sink) can ignore the decoder.
#ifndef PULSE_FLOW_DETAIL_JSON_DECODER_HPP
#define PULSE_FLOW_DETAIL_JSON_DECODER_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/schema/codec.hpp>
#include <pulse/schema/detail/dom_parser.hpp>
#include <pulse/schema/stream_decoder.hpp>

#include <boost/json/error.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

PULSE_NAMESPACE_BEGIN
namespace flow::detail {

struct decode_limits {
    std::uint64_t max_bytes = 64ull << 20;
    std::size_t max_depth = 512;
};

/// Incremental JSON text -> boost::json::value.
class json_body {
public:
    explicit json_body(decode_limits lim = {}) : lim_(lim) {}

    /// Start a new body (drops any partial state).
    void reset(decode_limits lim) {
        lim_ = lim;
        reset();
    }
    void reset() {
        parser_.reset();
        size_ = 0;
        error_.reset();
    }

    /// Parse the next chunk. Errors: body_too_large, json_syntax (with the byte offset), too_deep.
    result<void> feed(std::string_view chunk) {
        if (error_) return *error_;
        if (chunk.empty()) return {};
        if (chunk.size() > lim_.max_bytes - size_) {
            size_ += chunk.size();
            return fail(error(errc::body_too_large, "body exceeds the cap of " + std::to_string(lim_.max_bytes) + " bytes"));
        }
        if (!parser_) start();
        boost::system::error_code ec;
        std::size_t const used = parser_->write(chunk.data(), chunk.size(), ec);
        std::uint64_t const at = size_ + used;
        size_ += chunk.size();
        if (ec) return fail(parse_error(ec, at));
        return {};
    }

    /// The end of the body: the complete value, or why there is none.
    result<boost::json::value> finish() {
        if (error_) return *error_;
        if (size_ == 0 || !parser_) return fail(error(errc::json_syntax, "empty body where JSON was expected"));
        boost::system::error_code ec;
        parser_->finish(ec);
        if (ec) return fail(parse_error(ec, size_));
        boost::json::value v = parser_->release();
        return v;
    }

    /// Bytes fed so far (including a chunk that was refused for size).
    std::uint64_t size() const noexcept { return size_; }
    bool failed() const noexcept { return error_.has_value(); }

private:
    void start() {
        boost::json::parse_options opt;
        opt.max_depth = lim_.max_depth;
        // The DOM is temporary (decode<T> copies out of it), so an arena that frees everything at
        // once is the cheapest home for it. Shared ownership: the released value keeps it alive.
        parser_ = std::make_unique<pulse::detail::dom_parser>(opt);
        parser_->reset(boost::json::make_shared_resource<boost::json::monotonic_resource>());
    }

    static error parse_error(boost::system::error_code const& ec, std::uint64_t at) {
        if (ec == boost::json::error::too_deep) return error(errc::too_deep, "JSON nesting exceeds the depth cap");
        return error(errc::json_syntax, "invalid JSON at byte " + std::to_string(at) + ": " + ec.message());
    }

    error fail(error e) {
        error_ = e;
        return e;
    }

    decode_limits lim_;
    std::unique_ptr<pulse::detail::dom_parser> parser_; // the parser is not movable; machines are
    std::uint64_t size_ = 0;
    std::optional<error> error_;
};

/// Incremental body -> T (a schema type with a member table), straight into T.
template <class T>
class typed_decoder {
public:
    explicit typed_decoder(decode_limits lim = {}) : dec_(limits_of(lim)) {}

    void reset(decode_limits lim) { dec_.reset(limits_of(lim)); }
    void reset() { dec_.reset(); }

    /// The body's announced size (Content-Length), when known: the large arrays are then sized once.
    void expect_size(std::uint64_t total_bytes) { dec_.expect_size(total_bytes); }

    /// Take the next chunk. Errors: body_too_large, json_syntax (with the byte offset), too_deep,
    /// and decode errors naming the JSON path (type_mismatch, ...), as soon as the bytes show them.
    /// Sticky.
    result<void> feed(std::string_view chunk) { return dec_.write(chunk); }

    /// End of body: the decoded value, or why there is none.
    result<T> finish() {
        if (!dec_.failed() && dec_.bytes_consumed() == 0)
            return error(errc::json_syntax, "empty body where JSON was expected");
        return dec_.finish();
    }

    std::uint64_t size() const noexcept { return dec_.bytes_consumed(); }
    bool failed() const noexcept { return dec_.failed(); }

private:
    static stream_limits limits_of(decode_limits lim) {
        stream_limits s;
        s.max_body_bytes = lim.max_bytes;
        s.max_depth = lim.max_depth;
        return s;
    }

    stream_decoder<T> dec_;
};

} // namespace flow::detail
PULSE_NAMESPACE_END

#endif
