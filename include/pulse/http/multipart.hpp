// SPDX-License-Identifier: MIT
//
// A multipart/form-data writer (RFC 7578) that produces a body_source, so an uploaded file is
// streamed from disk by the transport and never read into memory.
//
//     pulse::http::multipart_form form;
//     form.add_text("async", "true");
//     form.add_text("extensions", R"({"altOutputs":{"returnHtml":true}})"); // nested options: JSON text
//     if (auto r = form.add_file("file", "scan.pdf", {}, "application/pdf"); !r) return r.error();
//     std::mt19937_64 rng{seed_from_somewhere};
//     auto body = form.build(rng);  // result<multipart_body>
//     request.headers.set("Content-Type", body->content_type);
//     request.body = std::move(body->body);
//
// Wire format, for each part in the order added:
//     --BOUNDARY CRLF
//     Content-Disposition: form-data; name="NAME"[; filename="FILENAME"] CRLF
//     [Content-Type: TYPE CRLF]                         (file parts only)
//     CRLF
//     VALUE or the file's bytes CRLF
// then "--BOUNDARY--" CRLF. Text values are sent byte for byte (no newline normalisation, no
// Content-Type: the API reads them as UTF-8 text, as browsers send them).
//
// Names and filenames: quoted, escaped as the WHATWG HTML standard's multipart/form-data encoding
// does (`"` -> %22, CR -> %0D, LF -> %0A; UTF-8 bytes above 0x7F sent as they are), plus two
// deliberate additions: every other control byte (0x00-0x1F, 0x7F) becomes %XX, and backslash
// becomes %5C. The standard leaves backslash raw, but parsers that apply RFC 9110 quoted-string
// rules read `\"` as an escaped quote, so a filename ending in a backslash would swallow the closing
// quote (and Python's multipart parser strips "path-like" backslash prefixes from filenames). A
// server that does not decode the escapes sees "%5C" -- a harmless change to a rare character.
// '%' itself is not escaped (as in the standard), so "%22" in a name reads the same as `"`.
//
// The boundary. It must not occur in any part, or a parser would end that part early.
// - Every in-memory piece (escaped names and filenames, content types, text values) is searched
//   for the candidate boundary, and a new candidate is drawn if one contains it. Checking the pieces
//   one by one is enough: they are separated by fixed text containing '"', ' ', CR or LF, none of
//   which can be part of a boundary, so no occurrence can straddle two pieces.
// - A file is not searched: that would read the whole file before sending (which this design
//   forbids) and could not stop the file changing afterwards anyway. Instead the boundary carries
//   32 characters drawn uniformly from 62 (about 190 bits) from the caller's generator; the chance
//   that it occurs in an n-byte file by accident is below n * 2^-190 (2^-150 for a terabyte). A
//   file *crafted* to contain it would need the generator's output in advance, so seed the
//   generator unpredictably (std::random_device) in production; a fixed seed is for tests.
// The generator is injected (no global state, reproducible tests); build_with_boundary() takes a
// boundary outright for callers with their own scheme.
#ifndef PULSE_HTTP_MULTIPART_HPP
#define PULSE_HTTP_MULTIPART_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/http/body_source.hpp>
#include <pulse/http/detail/file.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <random> // std::uniform_random_bit_generator
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

PULSE_NAMESPACE_BEGIN
namespace http {

/// A finished multipart body and the Content-Type header value that goes with it.
struct multipart_body {
    body_source body; ///< the body; file parts stream from disk when it is sent
    /// `multipart/form-data; boundary=...` -- send it as the request's Content-Type.
    std::string content_type;
    std::string boundary; ///< the boundary chosen (also inside content_type)
};

/// Escape a field name or filename for a Content-Disposition quoted string (see the file comment).
inline std::string escape_form_data_name(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        auto const b = static_cast<unsigned char>(c);
        if (b < 0x20 || b == 0x7F || c == '"' || c == '\\') {
            out.push_back('%');
            out.push_back(hex[b >> 4]);
            out.push_back(hex[b & 0xF]);
        } else {
            out.push_back(c);
        }
    }
    return out;
}

/// Builder for a multipart/form-data body. Parts are kept in the order added.
class multipart_form {
public:
    /// Boundary length without the prefix; see the file comment for why 32.
    static constexpr std::size_t boundary_random_chars = 32;
    /// Fixed start of every drawn boundary, so it is recognisable in a capture.
    static constexpr std::string_view boundary_prefix = "pulse-cpp-";

    /// A text field, sent byte for byte (JSON text for nested options, "true"/"false", ...).
    void add_text(std::string name, std::string value) {
        parts_.push_back(part{std::move(name), std::move(value), {}, {}, false});
    }

    /// A boolean field as the API expects it: the text "true" or "false".
    void add_bool(std::string name, bool value) { add_text(std::move(name), value ? "true" : "false"); }

    /// A file part streamed from `path` when the body is sent. `filename` defaults to the path's
    /// last component. `content_type` must be a single header value (no control characters).
    /// Fails (input layer) when the path is not a readable regular file or the type is unusable.
    result<void> add_file(std::string name, std::filesystem::path path, std::string filename = {},
                          std::string content_type = "application/octet-stream") {
        if (content_type.empty()) return error(errc::invalid_argument, "file part content type is empty");
        for (char c : content_type) {
            auto const b = static_cast<unsigned char>(c);
            if (b < 0x20 || b == 0x7F)
                return error(errc::invalid_argument, "file part content type contains a control character");
        }
        std::error_code ec;
        if (!std::filesystem::is_regular_file(path, ec))
            return error(errc::file_error, ec ? "cannot stat file: " + ec.message() : "not a regular file",
                         detail::path_text(path));
        if (filename.empty()) {
            auto const u8 = path.filename().u8string();
            filename.assign(u8.begin(), u8.end());
        }
        parts_.push_back(part{std::move(name), {}, std::move(path), std::move(filename), true});
        parts_.back().content_type = std::move(content_type);
        return {};
    }

    /// Number of parts added.
    std::size_t size() const noexcept { return parts_.size(); }

    /// Build with a boundary drawn from `gen`. Draws again if a candidate occurs in a text piece;
    /// fails with invalid_argument only if 16 draws in a row collide (a broken generator).
    /// File sizes are taken now; a file that then changes size makes the transfer fail with
    /// file_error rather than send a body of the wrong length.
    template <std::uniform_random_bit_generator Gen>
    result<multipart_body> build(Gen& gen) const {
        static constexpr char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        // One draw per character, reduced modulo 62. Not std::uniform_int_distribution: its output
        // differs between standard libraries (same seed, different boundary) and its rejection loop
        // never ends with a degenerate generator. The modulo bias (under 2^-26 per character for a
        // 32-bit generator) costs a negligible fraction of a bit.
        for (int attempt = 0; attempt < 16; ++attempt) {
            std::string b(boundary_prefix);
            for (std::size_t i = 0; i < boundary_random_chars; ++i) {
                auto const v = static_cast<std::uint64_t>(gen() - (Gen::min)());
                b.push_back(alphabet[v % 62]);
            }
            if (!collides(b)) return assemble(std::move(b));
        }
        return error(errc::invalid_argument, "could not find a multipart boundary absent from the form's fields");
    }

    /// Build with the given boundary: 1-70 characters of [0-9A-Za-z_.-] (a subset of what RFC 2046
    /// allows, chosen so the Content-Type parameter never needs quoting). Fails if it occurs in a
    /// text piece.
    result<multipart_body> build_with_boundary(std::string boundary) const {
        if (boundary.empty() || boundary.size() > 70)
            return error(errc::invalid_argument, "multipart boundary must be 1 to 70 characters");
        for (char c : boundary) {
            bool const ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            c == '_' || c == '.' || c == '-';
            if (!ok) return error(errc::invalid_argument, "multipart boundary may only contain [0-9A-Za-z_.-]");
        }
        if (collides(boundary)) return error(errc::invalid_argument, "multipart boundary occurs in a field of the form");
        return assemble(std::move(boundary));
    }

private:
    struct part {
        std::string name;
        std::string value; // text parts
        std::filesystem::path path; // file parts
        std::string filename;
        bool is_file = false;
        std::string content_type = {};
    };

    // Does the boundary occur in any in-memory piece? (See the file comment for why piecewise.)
    bool collides(std::string_view boundary) const {
        auto in = [&](std::string_view s) { return s.find(boundary) != std::string_view::npos; };
        for (auto const& p : parts_) {
            if (in(escape_form_data_name(p.name))) return true;
            if (p.is_file) {
                if (in(escape_form_data_name(p.filename)) || in(p.content_type)) return true;
            } else if (in(p.value)) {
                return true;
            }
        }
        return false;
    }

    result<multipart_body> assemble(std::string boundary) const {
        multipart_body out;
        std::string pending; // in-memory bytes not yet appended, so adjacent text becomes one segment
        for (auto const& p : parts_) {
            pending.append("--").append(boundary).append("\r\n");
            pending.append("Content-Disposition: form-data; name=\"").append(escape_form_data_name(p.name)).append("\"");
            if (p.is_file) {
                pending.append("; filename=\"").append(escape_form_data_name(p.filename)).append("\"\r\n");
                pending.append("Content-Type: ").append(p.content_type).append("\r\n\r\n");
                out.body.append(std::move(pending));
                pending.clear();
                if (auto r = out.body.append_file(p.path); !r) return r.error();
            } else {
                pending.append("\r\n\r\n").append(p.value);
            }
            pending.append("\r\n");
        }
        pending.append("--").append(boundary).append("--\r\n");
        out.body.append(std::move(pending));
        out.content_type = "multipart/form-data; boundary=" + boundary;
        out.boundary = std::move(boundary);
        return out;
    }

    std::vector<part> parts_;
};

} // namespace http
PULSE_NAMESPACE_END

#endif
