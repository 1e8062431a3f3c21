// SPDX-License-Identifier: MIT
//
// pulse::json_reader: JSON text arriving in pieces -> a boost::json::value, with the library's
// number rule (every double is the nearest double to its text, however the pieces are cut:
// detail/exact_double.hpp) and caps on the bytes and the depth. For answers whose shape is known
// only once they are parsed (a submission's answer: a job id, a pointer or a result; a poll's);
// a typed result with a member table streams straight into its type instead (stream_decoder.hpp).
//
// feed(piece) as bytes arrive, finish() at the end: the value, or why there is none. Errors are
// sticky: after one, feed() keeps failing with it. The tree lives in an arena that goes with the
// value (a boost::json::monotonic_resource shared by the value), freed at once when it is dropped.
#ifndef PULSE_SCHEMA_JSON_READER_HPP
#define PULSE_SCHEMA_JSON_READER_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/schema/detail/dom_parser.hpp>
#include <pulse/schema/stream_decoder.hpp>

#include <boost/json/error.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

PULSE_NAMESPACE_BEGIN

/// Incremental JSON text -> boost::json::value. Movable (the parser lives on the heap).
class json_reader {
public:
    /// A reader with the caps `lim` (max_body_bytes, max_depth; the string cap is the parser's own).
    explicit json_reader(stream_limits lim = {}) : lim_(lim) {}

    /// Start a new body with other caps (drops any partial state).
    void reset(stream_limits lim) {
        lim_ = lim;
        reset();
    }
    /// Start a new body (drops any partial state).
    void reset() {
        parser_.reset();
        size_ = 0;
        error_.reset();
    }

    /// Parse the next piece. Errors: body_too_large (checked before the piece is parsed),
    /// json_syntax (with the byte offset), too_deep.
    result<void> feed(std::string_view piece) {
        if (error_) return *error_;
        if (piece.empty()) return {};
        if (piece.size() > lim_.max_body_bytes - size_) {
            size_ += piece.size();
            return fail(error(errc::body_too_large, "body exceeds the cap of " + std::to_string(lim_.max_body_bytes) + " bytes"));
        }
        if (!parser_) start();
        boost::system::error_code ec;
        std::size_t const used = parser_->write(piece.data(), piece.size(), ec);
        std::uint64_t const at = size_ + used;
        size_ += piece.size();
        if (ec) return fail(parse_error(ec, at));
        return {};
    }

    /// The end of the body: the complete value, or why there is none (an empty body is
    /// json_syntax: JSON was expected).
    result<boost::json::value> finish() {
        if (error_) return *error_;
        if (size_ == 0 || !parser_) return fail(error(errc::json_syntax, "empty body where JSON was expected"));
        boost::system::error_code ec;
        parser_->finish(ec);
        if (ec) return fail(parse_error(ec, size_));
        boost::json::value v = parser_->release();
        return v;
    }

    /// Bytes fed so far (including a piece that was refused for size).
    std::uint64_t size() const noexcept { return size_; }
    /// An error happened (and every later call repeats it).
    bool failed() const noexcept { return error_.has_value(); }

private:
    void start() {
        boost::json::parse_options opt;
        opt.max_depth = lim_.max_depth;
        // The tree is usually temporary (decoded into a type, then dropped), so an arena that
        // frees everything at once is its cheapest home. Shared ownership: the released value
        // keeps it alive.
        parser_ = std::make_unique<detail::dom_parser>(opt);
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

    stream_limits lim_;
    std::unique_ptr<detail::dom_parser> parser_; // the parser is not movable; readers are
    std::uint64_t size_ = 0;
    std::optional<error> error_;
};

PULSE_NAMESPACE_END

#endif
