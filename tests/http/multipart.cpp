#include <pulse/http/multipart.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>
#include "../support/temp_path.hpp"

using namespace pulse::http;

namespace {

// ---------------------------------------------------------------------------------------------
// A small, strict multipart/form-data reader written for this test from RFC 7578 / RFC 2046, with
// no code shared with the writer. It rejects anything ambiguous: a part that does not end in
// CRLF--boundary, stray CR or LF in header lines, unknown or repeated Content-Disposition
// parameters, quotes, backslashes or control bytes inside quoted strings, and trailing bytes.

struct parsed_part {
    std::map<std::string, std::string> headers; // lowercased names
    std::string name;
    std::optional<std::string> filename;
    std::string body;
};

std::string lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Undo %XX (upper-case hex, as the writer produces).
std::string pct_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

// form-data; name="..."[; filename="..."]
bool parse_disposition(std::string_view v, parsed_part& p, std::string& why) {
    constexpr std::string_view lead = "form-data";
    if (v.substr(0, lead.size()) != lead) return why = "disposition is not form-data", false;
    v.remove_prefix(lead.size());
    bool have_name = false;
    while (!v.empty()) {
        if (v.substr(0, 2) != "; ") return why = "parameter separator", false;
        v.remove_prefix(2);
        auto const eq = v.find("=\"");
        if (eq == std::string_view::npos) return why = "parameter without quoted value", false;
        std::string const key(v.substr(0, eq));
        v.remove_prefix(eq + 2);
        auto const close = v.find('"');
        if (close == std::string_view::npos) return why = "unterminated quoted string", false;
        std::string_view const raw = v.substr(0, close);
        v.remove_prefix(close + 1);
        for (char c : raw) {
            auto const b = static_cast<unsigned char>(c);
            if (b < 0x20 || b == 0x7F || c == '\\') return why = "control byte or backslash in quoted string", false;
        }
        if (key == "name" && !have_name) {
            p.name = pct_decode(raw);
            have_name = true;
        } else if (key == "filename" && !p.filename) {
            p.filename = pct_decode(raw);
        } else {
            return why = "unexpected or repeated parameter " + key, false;
        }
    }
    if (!have_name) return why = "no name parameter", false;
    return true;
}

std::optional<std::vector<parsed_part>> parse_form(std::string_view content_type, std::string_view body, std::string& why) {
    constexpr std::string_view ct_lead = "multipart/form-data; boundary=";
    if (content_type.substr(0, ct_lead.size()) != ct_lead) return why = "content type", std::nullopt;
    std::string const boundary(content_type.substr(ct_lead.size()));
    if (boundary.empty() || boundary.size() > 70) return why = "boundary length", std::nullopt;
    std::string const first = "--" + boundary;
    std::string const delim = "\r\n--" + boundary;

    std::vector<parsed_part> parts;
    if (body.substr(0, first.size()) != first) return why = "body does not start with the boundary", std::nullopt;
    std::size_t pos = first.size();
    for (;;) {
        if (body.substr(pos) == "--\r\n") return parts; // close delimiter, nothing after it
        if (body.substr(pos, 2) != "\r\n") return why = "bad bytes after a delimiter", std::nullopt;
        pos += 2;
        auto const end = body.find(delim, pos);
        if (end == std::string_view::npos) return why = "part without a closing delimiter", std::nullopt;
        std::string_view const text = body.substr(pos, end - pos);
        pos = end + delim.size();

        auto const hdr_end = text.find("\r\n\r\n");
        if (hdr_end == std::string_view::npos) return why = "part without a header block", std::nullopt;
        parsed_part p;
        std::string_view hdrs = text.substr(0, hdr_end + 2);
        while (!hdrs.empty()) {
            auto const eol = hdrs.find("\r\n");
            std::string_view const line = hdrs.substr(0, eol);
            hdrs.remove_prefix(eol + 2);
            if (line.find('\r') != std::string_view::npos || line.find('\n') != std::string_view::npos)
                return why = "bare CR or LF in a header line", std::nullopt;
            auto const colon = line.find(": ");
            if (colon == std::string_view::npos) return why = "header line without ': '", std::nullopt;
            auto const name = lower(std::string(line.substr(0, colon)));
            if (!p.headers.emplace(name, std::string(line.substr(colon + 2))).second)
                return why = "repeated header " + name, std::nullopt;
        }
        auto const cd = p.headers.find("content-disposition");
        if (cd == p.headers.end()) return why = "no Content-Disposition", std::nullopt;
        if (!parse_disposition(cd->second, p, why)) return std::nullopt;
        p.body = std::string(text.substr(hdr_end + 4));
        parts.push_back(std::move(p));
    }
}

// Parse a built body (reading its file segments back from disk) or fail the test.
std::vector<parsed_part> parse_built(multipart_body const& mb) {
    auto bytes = mb.body.to_string();
    REQUIRE(bytes.has_value());
    CHECK(bytes->size() == mb.body.size());
    std::string why;
    auto parts = parse_form(mb.content_type, *bytes, why);
    INFO("parser said: " << why);
    REQUIRE(parts.has_value());
    return *parts;
}

std::filesystem::path write_temp(std::string const& name, std::string const& bytes) {
    auto p = pulse_test::temp_path(name);
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
}

// A generator stuck on one value: every boundary it yields is the same.
struct stuck_generator {
    using result_type = std::uint32_t;
    static constexpr result_type min() { return 0; }
    static constexpr result_type max() { return 0xFFFFFFFFu; }
    result_type operator()() { return 0; }
};

} // namespace

TEST_CASE("multipart: the reader used by these tests rejects what it must") {
    std::string why;
    std::string_view const ct = "multipart/form-data; boundary=B";
    CHECK(parse_form(ct, "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--B--\r\n", why));
    CHECK_FALSE(parse_form(ct, "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--B--\r\njunk", why));
    CHECK_FALSE(parse_form(ct, "--B\r\nContent-Disposition: form-data; name=\"a\"b\"\r\n\r\nx\r\n--B--\r\n", why));
    CHECK_FALSE(parse_form(ct, "--B\r\nContent-Disposition: form-data; name=\"a\\\"\r\n\r\nx\r\n--B--\r\n", why));
    CHECK_FALSE(parse_form(ct, "--B\r\nContent-Disposition: form-data; name=\"a\"\r\nX\nY: z\r\n\r\nx\r\n--B--\r\n", why));
    CHECK_FALSE(parse_form(ct, "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx--B--\r\n", why));
}

TEST_CASE("multipart: text fields, booleans and a streamed file part parse back exactly") {
    std::string file_bytes;
    for (int i = 0; i < 70000; ++i) file_bytes.push_back(static_cast<char>(i * 7 + i / 256));
    file_bytes += "\r\n--not-the-boundary\r\n"; // framing-like bytes inside the file are just data
    auto const path = write_temp("pulse_multipart_test.pdf", file_bytes);

    multipart_form form;
    form.add_bool("async", true);
    form.add_bool("refine", false);
    form.add_text("extensions", R"({"altOutputs":{"returnHtml":true},"note":"line1\nline2"})");
    form.add_text("empty", "");
    form.add_text("multiline", "a\r\nb\nc\r");
    REQUIRE(form.add_file("file", path, "scan.pdf", "application/pdf").has_value());
    CHECK(form.size() == 6);

    std::mt19937_64 rng(12345);
    auto mb = form.build(rng);
    REQUIRE(mb.has_value());
    CHECK(mb->content_type == "multipart/form-data; boundary=" + mb->boundary);
    CHECK(mb->boundary.size() == multipart_form::boundary_prefix.size() + multipart_form::boundary_random_chars);

    auto const parts = parse_built(*mb);
    REQUIRE(parts.size() == 6);
    CHECK(parts[0].name == "async");
    CHECK(parts[0].body == "true");
    CHECK(parts[1].body == "false");
    CHECK(parts[2].name == "extensions");
    CHECK(parts[2].body == R"({"altOutputs":{"returnHtml":true},"note":"line1\nline2"})");
    CHECK(parts[3].body.empty());
    CHECK(parts[4].body == "a\r\nb\nc\r");
    for (int i = 0; i < 5; ++i) {
        CHECK_FALSE(parts[static_cast<std::size_t>(i)].filename.has_value());
        CHECK(parts[static_cast<std::size_t>(i)].headers.size() == 1); // no Content-Type on text parts
    }
    CHECK(parts[5].name == "file");
    CHECK(parts[5].filename == "scan.pdf");
    CHECK(parts[5].headers.at("content-type") == "application/pdf");
    CHECK(parts[5].body == file_bytes);

    // The file is a file segment of the body (streamed at send time), not copied into memory.
    std::size_t file_segments = 0, memory_bytes = 0;
    for (auto const& seg : mb->body.segments()) {
        if (auto const* fs = std::get_if<file_segment>(&seg)) {
            ++file_segments;
            CHECK(fs->path == path);
            CHECK(fs->length == file_bytes.size());
        } else {
            memory_bytes += std::get<std::string>(seg).size();
        }
    }
    CHECK(file_segments == 1);
    CHECK(memory_bytes + file_bytes.size() == mb->body.size());
    CHECK(memory_bytes < 1000);
    std::filesystem::remove(path);
}

TEST_CASE("multipart: default filename and content type") {
    auto const path = write_temp("pulse multipart \xC3\xA9.bin", "abc");
    multipart_form form;
    REQUIRE(form.add_file("file", path).has_value());
    std::mt19937 rng(1);
    auto const parts = parse_built(*form.build(rng));
    REQUIRE(parts.size() == 1);
    CHECK(parts[0].filename == "pulse multipart \xC3\xA9.bin"); // UTF-8 passes through
    CHECK(parts[0].headers.at("content-type") == "application/octet-stream");
    CHECK(parts[0].body == "abc");
    std::filesystem::remove(path);
}

TEST_CASE("multipart: hostile names and filenames cannot break out of their quoted string") {
    auto const path = write_temp("pulse_multipart_hostile.bin", "payload");
    std::string const evil_filename = std::string("evil\"; name=\"admin\"\r\nContent-Type: text/html\r\n\r\n<x>\\") +
                                      std::string("\0\t\x7F", 3) + "\xE2\x82\xAC.pdf\\";
    std::string const evil_name = "a\"\r\n\r\n--\\";

    multipart_form form;
    form.add_text(evil_name, "v");
    REQUIRE(form.add_file("file", path, evil_filename).has_value());
    std::mt19937 rng(7);
    auto mb = form.build(rng);
    REQUIRE(mb.has_value());

    auto const parts = parse_built(*mb); // the strict reader finds exactly two well-formed parts
    REQUIRE(parts.size() == 2);
    CHECK(parts[0].name == evil_name);
    CHECK(parts[0].body == "v");
    CHECK(parts[1].name == "file");
    CHECK(parts[1].filename == evil_filename);
    CHECK(parts[1].headers.size() == 2);
    CHECK(parts[1].body == "payload");

    // The exact escaping: WHATWG's three, plus backslash and the other control bytes.
    CHECK(escape_form_data_name("a\"b\rc\nd") == "a%22b%0Dc%0Ad");
    CHECK(escape_form_data_name("C:\\dir\\f.pdf") == "C:%5Cdir%5Cf.pdf");
    CHECK(escape_form_data_name(std::string("\0\t\x1F\x7F", 4)) == "%00%09%1F%7F");
    CHECK(escape_form_data_name("\xC3\xA9 100%") == "\xC3\xA9 100%");
    std::filesystem::remove(path);
}

TEST_CASE("multipart: the boundary never occurs in a text field") {
    // Learn the first boundary a seeded generator yields, then put it in a field: the writer must
    // notice and draw another.
    std::mt19937_64 probe(99), rng(99);
    multipart_form empty;
    auto const first = empty.build(probe);
    REQUIRE(first.has_value());

    multipart_form form;
    form.add_text("trap", "xx" + first->boundary + "yy");
    form.add_text(first->boundary, "name trap");
    auto mb = form.build(rng);
    REQUIRE(mb.has_value());
    CHECK(mb->boundary != first->boundary);
    auto const parts = parse_built(*mb);
    REQUIRE(parts.size() == 2);
    CHECK(parts[0].body == "xx" + first->boundary + "yy");

    // A generator that can only produce one boundary gives up with an error, not a corrupt body.
    stuck_generator stuck;
    multipart_form probe_form;
    auto const only = probe_form.build(stuck);
    REQUIRE(only.has_value());
    multipart_form doomed;
    doomed.add_text("x", only->boundary);
    auto bad = doomed.build(stuck);
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == pulse::errc::invalid_argument);
}

TEST_CASE("multipart: boundaries are random per build and reproducible per seed") {
    multipart_form form;
    form.add_text("a", "b");
    std::mt19937_64 r1(5), r2(5);
    auto const a1 = form.build(r1), a2 = form.build(r1), b1 = form.build(r2);
    CHECK(a1->boundary != a2->boundary);
    CHECK(a1->boundary == b1->boundary);
    for (char c : a1->boundary.substr(multipart_form::boundary_prefix.size())) {
        bool const alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        CHECK(alnum);
    }
}

TEST_CASE("multipart: explicit boundaries are validated") {
    multipart_form form;
    form.add_text("a", "contains XYZ inside");
    CHECK(form.build_with_boundary("simple-boundary_1.0").has_value());
    CHECK(form.build_with_boundary("XYZ").error().code == pulse::errc::invalid_argument);
    CHECK_FALSE(form.build_with_boundary("").has_value());
    CHECK_FALSE(form.build_with_boundary(std::string(71, 'a')).has_value());
    CHECK(form.build_with_boundary(std::string(70, 'a')).has_value());
    CHECK_FALSE(form.build_with_boundary("has space").has_value());
    CHECK_FALSE(form.build_with_boundary("quote\"").has_value());
    CHECK_FALSE(form.build_with_boundary("crlf\r\n").has_value());

    auto const mb = form.build_with_boundary("b0und");
    auto const bytes = mb->body.to_string();
    CHECK(*bytes == "--b0und\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\ncontains XYZ inside\r\n--b0und--\r\n");
}

TEST_CASE("multipart: file part errors are input errors") {
    multipart_form form;
    auto missing = form.add_file("file", "/nonexistent/pulse/x.pdf");
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().code == pulse::errc::file_error);
    auto dir = form.add_file("file", std::filesystem::temp_directory_path());
    REQUIRE_FALSE(dir.has_value());
    CHECK(dir.error().code == pulse::errc::file_error);

    auto const path = write_temp("pulse_multipart_ct.bin", "x");
    auto injected = form.add_file("file", path, "x.pdf", "application/pdf\r\nX-Evil: 1");
    REQUIRE_FALSE(injected.has_value());
    CHECK(injected.error().code == pulse::errc::invalid_argument);
    CHECK_FALSE(form.add_file("file", path, "x.pdf", "").has_value());
    CHECK(form.size() == 0);

    // A file that disappears between add_file and build: build reports it.
    REQUIRE(form.add_file("file", path).has_value());
    std::filesystem::remove(path);
    std::mt19937 rng(3);
    auto gone = form.build(rng);
    REQUIRE_FALSE(gone.has_value());
    CHECK(gone.error().code == pulse::errc::file_error);
}
