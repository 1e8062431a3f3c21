// libFuzzer target for pulse/http/multipart.hpp. Input: up to five parts (text, or a file part
// whose bytes come from a small fixed temporary file) with arbitrary names, filenames, values and
// content types, then either a boundary to use or random bits for build(). Properties:
// - escape_form_data_name follows the documented rule (control bytes, DEL, '"' and '\' become %XX);
// - add_file refuses exactly the empty content types and those with a control character;
// - build_with_boundary fails exactly when the boundary is malformed or occurs in a text piece;
//   build() draws a boundary of the documented form;
// - a built body is Content-Length-consistent and an independent parser reads it back as the
//   same parts: names and filenames hold no quote, backslash or control byte and decode back to
//   the input (when it has no '%', which the format leaves ambiguous), values and file bytes are
//   exactly the input, so the boundary never occurs inside a part.
#include <pulse/http/multipart.hpp>

#include "fuzz_support.hpp"

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

// No character a boundary may contain ([0-9A-Za-z_.-]), so no boundary can occur in the file.
constexpr char file_raw[] = "\r\n\r\n\x00\xff \"%\\!\r\n";
constexpr std::string_view file_bytes(file_raw, sizeof file_raw - 1);
std::filesystem::path file_path;

void remove_temp() {
    std::error_code ec;
    std::filesystem::remove_all(file_path.parent_path(), ec);
}

std::string expected_escape(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : s) {
        auto const b = static_cast<unsigned char>(c);
        if (b < 0x20 || b == 0x7F || c == '"' || c == '\\') out += {'%', hex[b >> 4], hex[b & 15]};
        else out += c;
    }
    return out;
}

std::string unescape(std::string_view s) {
    std::string out;
    auto const val = [](char h) { return h <= '9' ? h - '0' : h - 'A' + 10; };
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            out += static_cast<char>(val(s[i + 1]) * 16 + val(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

struct part {
    bool is_file = false;
    std::string name, value_or_filename, content_type;
};

bool boundary_chars_ok(std::string_view b) {
    if (b.empty() || b.size() > 70) return false;
    for (char c : b)
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '.' ||
              c == '-'))
            return false;
    return true;
}

// An independent reader of the wire format documented in multipart.hpp.
struct parsed_part {
    std::string name;
    std::optional<std::string> filename, content_type;
    std::string content;
};

std::optional<std::vector<parsed_part>> parse(std::string_view body, std::string const& b) {
    std::vector<parsed_part> out;
    std::string const first = "--" + b;
    if (body.substr(0, first.size()) != first) return std::nullopt;
    std::size_t pos = first.size();
    std::string const delim = "\r\n--" + b;
    auto quoted = [&](std::string_view& line, std::string_view prefix, std::string& into) {
        if (line.substr(0, prefix.size()) != prefix) return false;
        line.remove_prefix(prefix.size());
        auto const q = line.find('"');
        if (q == std::string_view::npos) return false;
        into = std::string(line.substr(0, q));
        line.remove_prefix(q + 1);
        return true;
    };
    for (;;) {
        if (body.substr(pos) == "--\r\n") return out;
        if (body.substr(pos, 2) != "\r\n") return std::nullopt;
        pos += 2;
        auto const hdr_end = body.find("\r\n\r\n", pos);
        if (hdr_end == std::string_view::npos) return std::nullopt;
        std::string_view headers = body.substr(pos, hdr_end - pos);
        parsed_part p;
        auto const eol = headers.find("\r\n");
        std::string_view line = headers.substr(0, eol);
        if (!quoted(line, "Content-Disposition: form-data; name=\"", p.name)) return std::nullopt;
        if (!line.empty()) {
            std::string f;
            if (!quoted(line, "; filename=\"", f) || !line.empty()) return std::nullopt;
            p.filename = f;
        }
        if (eol != std::string_view::npos) {
            std::string_view ct = headers.substr(eol + 2);
            if (ct.substr(0, 14) != "Content-Type: ") return std::nullopt;
            p.content_type = std::string(ct.substr(14));
        }
        pos = hdr_end + 4;
        auto const end = body.find(delim, pos);
        if (end == std::string_view::npos) return std::nullopt;
        p.content = std::string(body.substr(pos, end - pos));
        pos = end + delim.size();
        out.push_back(std::move(p));
    }
}

// A generator that plays back the fuzz input (zeros once it runs out: a degenerate generator).
struct input_gen {
    using result_type = std::uint32_t;
    pulse_fuzz::reader* in;
    static constexpr result_type min() { return 0; }
    static constexpr result_type max() { return 0xFFFFFFFFu; }
    result_type operator()() { return in->u32(); }
};

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    auto const dir = std::filesystem::temp_directory_path() / ("pulse-fuzz-multipart-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    file_path = dir / "part.bin";
    std::ofstream(file_path, std::ios::binary).write(file_bytes.data(), static_cast<std::streamsize>(file_bytes.size()));
    std::atexit(remove_temp);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    namespace http = pulse::http;
    pulse_fuzz::reader in(data, size);
    http::multipart_form form;
    std::vector<part> parts;
    std::uint8_t const shape = in.u8();
    for (unsigned i = 0, n = shape % 6; i < n; ++i) {
        part p;
        p.is_file = ((shape >> (3 + i % 5)) & 1) != 0;
        p.name = std::string(in.str());
        p.value_or_filename = std::string(in.str());
        FUZZ_CHECK(http::escape_form_data_name(p.name) == expected_escape(p.name));
        if (!p.is_file) {
            form.add_text(p.name, p.value_or_filename);
            parts.push_back(std::move(p));
            continue;
        }
        p.content_type = std::string(in.str());
        bool ct_ok = !p.content_type.empty();
        for (char c : p.content_type)
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) ct_ok = false;
        auto const added = form.add_file(p.name, file_path, p.value_or_filename, p.content_type);
        FUZZ_CHECK(added.has_value() == ct_ok);
        if (!added) continue;
        // An empty filename defaults to the file's own name.
        if (p.value_or_filename.empty()) p.value_or_filename = file_path.filename().string();
        parts.push_back(std::move(p));
    }
    FUZZ_CHECK(form.size() == parts.size());

    pulse::result<http::multipart_body> built = pulse::error{};
    if (in.u8() & 1) {
        std::string const b(in.str());
        bool collides = false;
        for (auto const& p : parts) {
            auto const in_piece = [&](std::string_view s) { return s.find(b) != std::string_view::npos; };
            collides = collides || in_piece(expected_escape(p.name)) ||
                       (p.is_file ? in_piece(expected_escape(p.value_or_filename)) || in_piece(p.content_type)
                                  : in_piece(p.value_or_filename));
        }
        built = form.build_with_boundary(b);
        FUZZ_CHECK(built.has_value() == (boundary_chars_ok(b) && !collides));
        if (!built) return 0;
        FUZZ_CHECK(built->boundary == b);
    } else {
        input_gen gen{&in};
        built = form.build(gen);
        if (!built) {
            FUZZ_CHECK(built.error().code == pulse::errc::invalid_argument);
            return 0;
        }
        FUZZ_CHECK(built->boundary.size() == http::multipart_form::boundary_prefix.size() + 32);
        FUZZ_CHECK(built->boundary.starts_with(http::multipart_form::boundary_prefix));
        FUZZ_CHECK(boundary_chars_ok(built->boundary));
    }
    FUZZ_CHECK(built->content_type == "multipart/form-data; boundary=" + built->boundary);

    auto const text = built->body.to_string();
    FUZZ_CHECK(text.has_value());
    FUZZ_CHECK(text->size() == built->body.size());
    auto const back = parse(*text, built->boundary);
    FUZZ_CHECK(back.has_value());
    FUZZ_CHECK(back->size() == parts.size());
    for (std::size_t i = 0; i < parts.size(); ++i) {
        part const& want = parts[i];
        parsed_part const& got = (*back)[i];
        for (std::string const* s : {&got.name, got.filename ? &*got.filename : &got.name}) {
            for (char c : *s) {
                auto const u = static_cast<unsigned char>(c);
                FUZZ_CHECK(u >= 0x20 && u != 0x7F && c != '"' && c != '\\');
            }
        }
        if (want.name.find('%') == std::string::npos) FUZZ_CHECK(unescape(got.name) == want.name);
        FUZZ_CHECK(got.filename.has_value() == want.is_file);
        if (want.is_file) {
            if (want.value_or_filename.find('%') == std::string::npos)
                FUZZ_CHECK(unescape(*got.filename) == want.value_or_filename);
            FUZZ_CHECK(got.content_type == want.content_type);
            FUZZ_CHECK(got.content == file_bytes);
        } else {
            FUZZ_CHECK(!got.content_type);
            FUZZ_CHECK(got.content == want.value_or_filename);
        }
    }
    return 0;
}
