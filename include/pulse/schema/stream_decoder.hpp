// SPDX-License-Identifier: MIT
//
// Decoding a schema type incrementally, straight from the bytes, as they arrive:
//
//   pulse::stream_decoder<pulse::extract_result> dec;            // limits: see stream_limits
//   while (auto chunk = next_chunk())                            // any chunking, down to 1 byte
//       if (auto r = dec.write(chunk); !r) return r.error();     // stop early on a bad body
//   pulse::result<pulse::extract_result> res = dec.finish();
//
//   auto res = pulse::decode_file<pulse::extract_result>("result.json");   // a spooled body
//
// The result equals pulse::decode_json<T>(bytes) for the same bytes -- same values (every double
// the nearest to its text, however the bytes were cut: detail/exact_double.hpp), same unknown
// members kept in `extra`, same spellings remembered, same error text with the JSON path -- but
// no DOM is built for the members the schema names, and no byte is held beyond the parser's own
// state and the pieces of a number cut between writes: the typed value grows as the body streams
// in. (Unknown members and members typed as JSON are built as JSON subtrees, as they must be.)
//
// Differences from the DOM path, by design:
// - A JSON syntax error names the byte where the parser stopped; when the bytes are cut inside the
//   bad token, Boost's parser may blame another byte of it, or word it differently (a lone "\ude00"
//   escape split across writes). The code (errc::json_syntax) is the same.
// - The first problem in document order stops decoding and is reported from write() at once. The
//   DOM path parses everything first, so for a body that has both a type error and, later, a JSON
//   syntax error, the DOM reports the syntax error and this decoder the type error.
// - Caps apply while streaming: body size (errc::body_too_large), nesting depth (errc::too_deep,
//   the parser's own check, worded as the DOM path words it), string length
//   (errc::string_too_long, also for keys) and the memory the value holds (errc::memory_limit).
//   Exceeding one stops the decoder and releases the partial value.
// - A member repeated in one object: the DOM keeps the last occurrence only; this decoder reads
//   each occurrence in turn (the last value wins too, but an earlier one of the wrong type is an
//   error here).
//
// Errors are sticky: after one, write() and finish() return it again. The decoder is movable (its
// state lives on the heap, one allocation), not copyable.
#ifndef PULSE_SCHEMA_STREAM_DECODER_HPP
#define PULSE_SCHEMA_STREAM_DECODER_HPP

#include <pulse/detail/compiled.hpp>
#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/schema/codec.hpp>
#include <pulse/schema/detail/codec.hpp>
#include <pulse/schema/detail/stream_handler.hpp>

#include <boost/json/basic_parser.hpp>
#include <boost/json/error.hpp>
#include <boost/json/parse_options.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

PULSE_NAMESPACE_BEGIN

/// Caps for incremental decoding. Every one is checked while the bytes stream in.
struct stream_limits {
    /// Total body bytes. The typed result of a body takes somewhat more memory than the body
    /// itself; 4 GiB is far above any real result (thousands of pages run to hundreds of MB) and
    /// stops a runaway body before it exhausts a machine. errc::body_too_large.
    std::uint64_t max_body_bytes = std::uint64_t{4} << 30;
    /// JSON nesting depth. Boost's default of 32 is too shallow for real results; 512 is deep enough
    /// and cheap (the parser is iterative; the decoder's own stack is bounded by the schema, not the
    /// document). errc::too_deep.
    std::size_t max_depth = 512;
    /// Longest string or key. The longest legitimate strings are whole-document texts (`markdown`,
    /// `html`, `xml`): a few KB per page, so tens of MB for the largest documents. 256 MiB leaves a
    /// wide margin while bounding the contiguous allocation one string may demand.
    /// errc::string_too_long.
    std::size_t max_string_bytes = std::size_t{256} << 20;
    /// Memory the decoded value may hold: its arrays' elements, strings, maps and JSON subtrees, as
    /// the decoder builds them. The body cap does not bound this: a body of small, sparse items
    /// (`{"page_number":1},` repeated) builds a full item for every 18 bytes. A real result holds
    /// about 1.5 times its body, so 2 GiB takes any result under the body cap of pulse::limits, and
    /// stops a hostile body before it exhausts an ordinary machine. errc::memory_limit; the partial
    /// value is released at once.
    std::uint64_t max_memory_bytes = std::uint64_t{2} << 30;
};

/// Incremental JSON text -> T, for any schema type T with a member table.
template <class T>
    requires detail::described<T>
class stream_decoder {
public:
    /// The schema type decoded.
    using value_type = T;

    /// A decoder with these caps. Nothing is allocated until the first write().
    explicit stream_decoder(stream_limits limits = {}) : limits_(limits) {}

    /// Moves the decoder, mid-body included (its state is one heap allocation).
    stream_decoder(stream_decoder&&) noexcept = default;
    /// Moves the decoder, mid-body included (its state is one heap allocation).
    stream_decoder& operator=(stream_decoder&&) noexcept = default;
    stream_decoder(stream_decoder const&) = delete;
    stream_decoder& operator=(stream_decoder const&) = delete;
    ~stream_decoder() = default;

    /// Start a new body (keeps the allocated parser state).
    void reset() {
        consumed_ = 0;
        size_hint_ = 0;
        finished_ = false;
        error_.reset();
        if (state_) {
            state_->value = T{};
            state_->parser.reset();
            state_->parser.handler().reset(&state_->value, limits_.max_string_bytes, limits_.max_memory_bytes);
        }
    }
    /// Start a new body with other limits.
    void reset(stream_limits limits) {
        limits_ = limits;
        state_.reset(); // the depth cap is fixed when the parser is built
        reset();
    }

    /// Decode the next piece of the body. An error stops the decoder (and releases what it had
    /// built); it is returned again by every later call.
    result<void> write(std::string_view chunk) {
        if (error_) return *error_;
        if (finished_) return fail(error(errc::invalid_argument, "write after finish"));
        if (chunk.size() > limits_.max_body_bytes - consumed_) {
            consumed_ += chunk.size();
            return fail(error(errc::body_too_large, detail::cat("body exceeds the cap of ",
                                                               std::to_string(limits_.max_body_bytes), " bytes")));
        }
        if (chunk.empty()) return {};
        auto& st = state();
        st.parser.handler().set_input(chunk.data(), chunk.size(), consumed_);
        boost::json::error_code ec;
        std::size_t const used = st.parser.write_some(true, chunk.data(), chunk.size(), ec);
        std::uint64_t const at = consumed_ + used; // on failure: where the parser stopped
        consumed_ += chunk.size();
        if (ec) return fail(parser_error(ec, at));
        if (used < chunk.size()) // the document ended before the chunk did
            return fail(detail::json_parse_error(boost::json::error::extra_data, at));
        return {};
    }

    /// The end of the body: the decoded value, or why there is none. Call once.
    result<T> finish() {
        if (error_) return *error_;
        if (finished_) return fail(error(errc::invalid_argument, "finish called twice"));
        auto& st = state();
        boost::json::error_code ec;
        static constexpr char none = 0;
        st.parser.write_some(false, &none, 0, ec);
        if (ec) return fail(parser_error(ec, consumed_));
        finished_ = true;
        return std::move(st.value);
    }

    /// Tell the decoder how large the whole body will be (Content-Length, a file's size), when
    /// known. Optional; it only helps size the large arrays once instead of growing them step by
    /// step. A wrong hint costs speed or spare capacity, never correctness.
    void expect_size(std::uint64_t total_bytes) {
        size_hint_ = total_bytes;
        if (state_) state_->parser.handler().set_size_hint(total_bytes);
    }

    /// Body bytes taken so far (including a chunk refused for size).
    std::uint64_t bytes_consumed() const noexcept { return consumed_; }
    /// Whether the decoder has stopped on an error.
    bool failed() const noexcept { return error_.has_value(); }
    /// The error that stopped the decoder, or nullptr.
    error const* last_error() const noexcept { return error_ ? &*error_ : nullptr; }
    /// The caps in force.
    stream_limits const& limits() const noexcept { return limits_; }

private:
    struct state_t {
        explicit state_t(stream_limits const& lim)
            : parser(options(lim), &detail::sax::ops_of<T>, &value, lim.max_string_bytes, lim.max_memory_bytes) {}
        static boost::json::parse_options options(stream_limits const& lim) {
            boost::json::parse_options opt;
            opt.max_depth = lim.max_depth;
            return opt;
        }
        T value{};
        boost::json::basic_parser<detail::sax::handler> parser;
    };

    state_t& state() {
        // Checked here, where the parser is built, rather than in the class body: naming
        // stream_decoder<T> (a member of a job machine, an extern template declaration) then costs
        // no walk of T's schema.
        static_assert(detail::sax::frames_for<T>::value + 1 <= detail::sax::max_frames,
                      "schema nests deeper than the stream decoder's frame stack");
        if (!state_) {
            state_ = std::make_unique<state_t>(limits_);
            state_->parser.handler().set_size_hint(size_hint_);
        }
        return *state_;
    }

    error parser_error(boost::json::error_code const& ec, std::uint64_t at) {
        auto& h = state_->parser.handler();
        if (h.failed()) return std::move(h.get_error()); // the decoder's own: a type error, a cap
        return detail::json_parse_error(ec, at);
    }

    // Stops the decoder: the error is kept, the partial value and the parser are released.
    error fail(error e) {
        error_ = e;
        state_.reset();
        return e;
    }

    stream_limits limits_;
    std::unique_ptr<state_t> state_;
    std::uint64_t consumed_ = 0;
    std::uint64_t size_hint_ = 0;
    bool finished_ = false;
    std::optional<error> error_;
};

/// Chunk size decode_file reads with: large enough that per-chunk overhead vanishes, small enough to
/// stay in cache.
inline constexpr std::size_t decode_file_chunk = std::size_t{256} << 10;

/// Decode a JSON file (e.g. a spooled large result) through the incremental path, reading it in
/// fixed-size chunks: the extra memory is the chunk buffer and the parser state, whatever the size.
/// Errors: file_error (cannot open or read), or any stream_decoder error.
template <class T>
    requires detail::described<T>
result<T> decode_file(std::filesystem::path const& path, stream_limits limits = {}) {
    std::ifstream in(path, std::ios::binary);
    if (!in.is_open()) return error(errc::file_error, detail::cat("cannot open ", path.string()));
    stream_decoder<T> dec(limits);
    std::error_code size_ec;
    auto const size = std::filesystem::file_size(path, size_ec);
    if (!size_ec) dec.expect_size(size);
    std::unique_ptr<char[]> buf(new char[decode_file_chunk]);
    for (;;) {
        in.read(buf.get(), static_cast<std::streamsize>(decode_file_chunk));
        auto const got = static_cast<std::size_t>(in.gcount());
        if (got > 0) {
            if (auto r = dec.write(std::string_view(buf.get(), got)); !r) return r.error();
        }
        if (!in) {
            if (in.bad()) return error(errc::file_error, detail::cat("cannot read ", path.string()));
            break; // end of file
        }
    }
    return dec.finish();
}

// Compiled mode (detail/compiled.hpp): decode_file of the API's answers, instantiated once in the
// program. (codec.hpp, included above, brought the answers' types.) The decoder class itself is not
// declared extern: that would make every translation unit instantiate its definition for every
// answer, which costs a bare include more than it saves; the job machines that use it are.
#if PULSE_DETAIL_COMPILED
#define PULSE_DETAIL_STREAM_INSTANCES(T)                                                             \
    PULSE_DETAIL_INSTANTIATE result<T> decode_file<T>(std::filesystem::path const&, stream_limits);
PULSE_DETAIL_FOR_EACH_ANSWER(PULSE_DETAIL_STREAM_INSTANCES)
#undef PULSE_DETAIL_STREAM_INSTANCES
#endif

PULSE_NAMESPACE_END

#endif
