// SPDX-License-Identifier: MIT
//
// Spooling a body while decoding it. The large result is single-use: once its bytes went past, a
// second GET answers 410. So the bytes should reach a safe place (a file, or the caller's own sink)
// whatever the decoder thinks of them:
//
//   auto spool = pulse::file_spool::create("result.json");               // file_error if not
//   pulse::tee_decoder<pulse::extract_result, pulse::file_spool> tee(std::move(*spool));
//   tee.expect_size(content_length);                                      // optional
//   for (auto chunk : body)
//       if (auto r = tee.write(chunk); !r) return r.error();              // only the spool fails here
//   pulse::result<pulse::extract_result> res = tee.finish();              // decoded, or why not; the
//                                                                         // file is complete anyway
//
// The rules, the same as flow::job_flow's (which tees to an http::response_handler the same way):
// - every byte goes to the sink first, then to the decoder;
// - a decode failure (bad JSON, a type error, a cap) stops only the decoder: the bytes keep going to
//   the sink, and finish() reports the decode error, with error::bytes_delivered = bytes spooled;
// - a sink failure (disk full) stops the tee: write() returns it (the copy can no longer be
//   complete, so there is no point receiving more) and so does finish();
// - a body cut short leaves the sink with every byte received, in order (finish() reports the
//   decoder's "incomplete JSON"; a tee destroyed without finish() flushes and closes its file).
//
// Sinks: anything with `write(std::string_view) -> pulse::result<void>` (pulse::byte_sink);
// `close() -> pulse::result<void>`, when present, is called by finish(). file_spool is the one that
// writes a file; for the response_handler shape (on_head/on_body) see http/body_sinks.hpp.
#ifndef PULSE_SCHEMA_SPOOL_HPP
#define PULSE_SCHEMA_SPOOL_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/schema/stream_decoder.hpp>

#include <concepts>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

PULSE_NAMESPACE_BEGIN

/// Where spooled bytes go.
template <class S>
concept byte_sink = requires(S& s, std::string_view bytes) {
    { s.write(bytes) } -> std::same_as<result<void>>;
};

/// Writes bytes to a file, created or truncated. Movable; the file is flushed and closed by close()
/// or, failing that, by the destructor.
class file_spool {
public:
    /// Create (or truncate) `path` for writing. Errors: file_error.
    static result<file_spool> create(std::filesystem::path path) {
        auto out = std::make_unique<std::ofstream>(path, std::ios::binary | std::ios::trunc);
        if (!out->is_open()) return error(errc::file_error, detail::cat("cannot create ", path.string()));
        return file_spool(std::move(path), std::move(out));
    }

    /// Append bytes. Errors: file_error (e.g. the disk is full).
    result<void> write(std::string_view bytes) {
        if (!out_ || !out_->is_open()) return error(errc::file_error, detail::cat("write to a closed spool ", path_.string()));
        out_->write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        if (!*out_) return error(errc::file_error, detail::cat("cannot write ", path_.string(), " after ", std::to_string(written_), " bytes"));
        written_ += bytes.size();
        return {};
    }

    /// Flush and close. Errors: file_error when the last bytes could not be written.
    result<void> close() {
        if (!out_ || !out_->is_open()) return {};
        out_->flush();
        bool const ok = static_cast<bool>(*out_);
        out_->close();
        if (!ok || !*out_) return error(errc::file_error, detail::cat("cannot finish writing ", path_.string()));
        return {};
    }

    /// Bytes written so far.
    std::uint64_t bytes_written() const noexcept { return written_; }
    /// The file being written.
    std::filesystem::path const& path() const noexcept { return path_; }

private:
    file_spool(std::filesystem::path path, std::unique_ptr<std::ofstream> out)
        : path_(std::move(path)), out_(std::move(out)) {}

    std::filesystem::path path_;
    std::unique_ptr<std::ofstream> out_;
    std::uint64_t written_ = 0;
};

/// A stream_decoder<T> that also hands every byte to a sink. See the rules at the top of this file.
template <class T, byte_sink Sink>
    requires detail::described<T>
class tee_decoder {
public:
    /// Tee into `sink` (moved in; reach it with sink()) and a stream_decoder<T> with `limits`.
    explicit tee_decoder(Sink sink, stream_limits limits = {}) : sink_(std::move(sink)), decoder_(limits) {}

    /// The whole body's expected size, when known (see stream_decoder::expect_size).
    void expect_size(std::uint64_t total_bytes) { decoder_.expect_size(total_bytes); }

    /// Spool the chunk, then decode it. Fails only when the sink fails.
    result<void> write(std::string_view chunk) {
        if (sink_error_) return *sink_error_;
        if (finished_) return error(errc::invalid_argument, "write after finish");
        if (auto w = sink_.write(chunk); !w) {
            sink_error_ = w.error();
            sink_error_->bytes_delivered = static_cast<std::size_t>(spooled_);
            return *sink_error_;
        }
        spooled_ += chunk.size();
        if (!decoder_.failed()) (void)decoder_.write(chunk); // its error is kept for finish()
        return {};
    }

    /// End of body: close the sink (when it has close()), then the decoded value or the decode
    /// error. Either way every byte written went to the sink, unless the sink itself failed.
    result<T> finish() {
        if (sink_error_) return *sink_error_;
        if (finished_) return error(errc::invalid_argument, "finish called twice");
        finished_ = true;
        if constexpr (requires { { sink_.close() } -> std::same_as<result<void>>; }) {
            if (auto c = sink_.close(); !c) {
                sink_error_ = c.error();
                sink_error_->bytes_delivered = static_cast<std::size_t>(spooled_);
                return *sink_error_;
            }
        }
        auto r = decoder_.failed() ? result<T>(*decoder_.last_error()) : decoder_.finish();
        if (!r) {
            error e = r.error();
            e.bytes_delivered = static_cast<std::size_t>(spooled_);
            return e;
        }
        return r;
    }

    /// Bytes the sink accepted.
    std::uint64_t bytes_spooled() const noexcept { return spooled_; }
    /// Whether decoding has failed already (the bytes still go to the sink).
    bool decode_failed() const noexcept { return decoder_.failed(); }
    /// The decode error, as soon as there is one; nullptr otherwise.
    error const* decode_error() const noexcept { return decoder_.last_error(); }
    /// The sink's error, if it failed.
    error const* sink_error() const noexcept { return sink_error_ ? &*sink_error_ : nullptr; }

    /// The sink, e.g. to read a file_spool's path after finish().
    Sink& sink() noexcept { return sink_; }
    /// The sink, e.g. to read a file_spool's path after finish().
    Sink const& sink() const noexcept { return sink_; }

private:
    Sink sink_;
    stream_decoder<T> decoder_;
    std::uint64_t spooled_ = 0;
    std::optional<error> sink_error_;
    bool finished_ = false;
};

PULSE_NAMESPACE_END

#endif
