#include "fixtures.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <zlib.h>

#include <cstdio>
#include <stdexcept>
#include <vector>

namespace pulse_server {

namespace json = boost::json;

const std::string& builtin_result_json() {
    // Shaped like the API documentation's inline example, plus an image, chunking, and a member the
    // schema does not know (future_field) so clients exercise their round-tripping of unknown keys.
    static const std::string s = R"({"markdown":"# Quarterly Report\n\nRevenue grew 12% year over year.\n\n<table><tr><th>Quarter</th><th>Revenue</th></tr><tr><td>Q1</td><td>4.2</td></tr></table>",)"
        R"("page_count":3,"extraction_id":"8f0e2a51-7c3d-4a8e-9b1f-2d6c5e4a7b90",)"
        R"("extraction_url":"https://platform.runpulse.com/dashboard/extractions/8f0e2a51-7c3d-4a8e-9b1f-2d6c5e4a7b90",)"
        R"("bounding_boxes":{"Title":[{"id":"ttl-1","content":"Quarterly Report","page_number":1,"bounding_box":[0.08,0.05,0.62,0.05,0.62,0.09,0.08,0.09]}],)"
        R"("Text":[{"id":"txt-1","content":"Revenue grew 12% year over year.","page_number":1,"bounding_box":[0.08,0.12,0.91,0.12,0.91,0.15,0.08,0.15]}],)"
        R"("Tables":[{"table_info":{"id":"tbl-1","dimensions":[2,2]},"cell_data":[{"row":0,"col":0,"text":"Quarter"},{"row":0,"col":1,"text":"Revenue"},{"row":1,"col":0,"text":"Q1"},{"row":1,"col":1,"text":"4.2"}]}],)"
        R"("Images":[{"id":"fig-1","visual_type":"chart","page_number":2,"bounding_box":[0.1,0.4,0.9,0.4,0.9,0.7,0.1,0.7],"description":"Bar chart of revenue by quarter"}],)"
        R"("Footer":[{"id":"ftr-1","content":"Page 1 of 3","page_number":1,"bounding_box":[0.45,0.95,0.55,0.95,0.55,0.97,0.45,0.97]}],)"
        R"("markdown_with_ids":"<p data-bb-text-id=\"txt-1\">Revenue grew 12% year over year.</p>"},)"
        R"("extensions":{"chunking":{"page":["# Quarterly Report\n\nRevenue grew 12% year over year."]},)"
        R"("altOutputs":{"wlbb":{"words":[{"id":"w-1","text":"Revenue","page_number":1,"bounding_box":[0.08,0.12,0.17,0.12,0.17,0.15,0.08,0.15],"average_word_confidence":0.98}]}}},)"
        R"("warnings":[],"credits_used":3,"plan_info":{"tier":"growth","total_credits_used":1843,"pages_used":1843},)"
        R"("future_field":{"kept":true}})";
    return s;
}

pdf_document::pdf_document(const std::string& title, std::uint64_t requested_size) {
    std::string safe;
    for (char c : title)
        if (c != '(' && c != ')' && c != '\\' && static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f)
            safe.push_back(c);
    const std::string content = "BT /F1 18 Tf 72 720 Td (" + safe + ") Tj ET\n";
    const std::string objs[] = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
    };
    auto build = [&](std::uint64_t padding) {
        std::uint64_t offsets[6] = {};
        std::string pre = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
        for (int i = 0; i < 3; ++i) {
            offsets[i + 1] = pre.size();
            pre += std::to_string(i + 1) + " 0 obj\n" + objs[i] + "\nendobj\n";
        }
        offsets[4] = pre.size();
        // The length is followed by spaces to a fixed width, so the prefix does not change size with
        // the padding.
        std::string len = std::to_string(content.size() + padding);
        len.resize(20, ' ');
        pre += "4 0 obj\n<< /Length " + len + ">>\nstream\n" + content;
        std::string suf = "\nendstream\nendobj\n";
        offsets[5] = pre.size() + padding + suf.size();
        suf += "5 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n";
        std::uint64_t xref = pre.size() + padding + suf.size();
        suf += "xref\n0 6\n0000000000 65535 f \n";
        for (int i = 1; i <= 5; ++i) {
            char line[32];
            std::snprintf(line, sizeof line, "%010llu 00000 n \n", static_cast<unsigned long long>(offsets[i]));
            suf += line;
        }
        std::string start = std::to_string(xref);
        start.resize(20, ' ');  // fixed width again; readers skip the trailing blanks
        suf += "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n" + start + "\n%%EOF\n";
        prefix_ = std::move(pre);
        suffix_ = std::move(suf);
        padding_ = padding;
    };
    build(0);
    if (requested_size > size()) build(requested_size - size());
}

source_ptr pdf_document::open() const {
    std::vector<source_ptr> parts;
    parts.push_back(string_source(prefix_));
    // Comment lines inside the content stream: every line starts with '%', so even the last, cut-off
    // line is still a comment.
    parts.push_back(repeat_source("% pulse-server padding: this line only makes the PDF larger.......\n", padding_));
    parts.push_back(string_source(suffix_));
    return concat_source(std::move(parts));
}

namespace {
void put_be32(std::string& out, std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xff));
}
void png_chunk(std::string& out, const char* type, const std::string& data) {
    put_be32(out, static_cast<std::uint32_t>(data.size()));
    std::string td = std::string(type, 4) + data;
    out += td;
    put_be32(out, static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(td.data()), static_cast<uInt>(td.size()))));
}
// "c<i>", appended rather than written as "c" + std::to_string(i): GCC 12 reports a false
// -Wrestrict on that operator+ once inlined (GCC bug 105329).
std::string cell_id(std::size_t i) {
    std::string id = "c";
    id += std::to_string(i);
    return id;
}
}  // namespace

std::string make_png() {
    constexpr int w = 8, h = 8;
    std::string raw;
    for (int y = 0; y < h; ++y) {
        raw.push_back('\0');  // filter: none
        for (int x = 0; x < w; ++x) {
            raw.push_back(static_cast<char>(x * 32));
            raw.push_back(static_cast<char>(y * 32));
            raw.push_back(static_cast<char>(160));
        }
    }
    uLongf zlen = compressBound(static_cast<uLong>(raw.size()));
    std::string z(zlen, '\0');
    if (compress(reinterpret_cast<Bytef*>(z.data()), &zlen, reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size())) != Z_OK)
        throw std::runtime_error("zlib compress failed");
    z.resize(zlen);
    std::string ihdr;
    put_be32(ihdr, w);
    put_be32(ihdr, h);
    ihdr += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit, RGB, deflate, no filter, no interlace
    std::string png = "\x89PNG\r\n\x1a\n";
    png_chunk(png, "IHDR", ihdr);
    png_chunk(png, "IDAT", z);
    png_chunk(png, "IEND", "");
    return png;
}

std::string form_result_json(const form_request& req) {
    const bool fill = req.operation == "fill", clear = req.operation == "clear";
    json::array cells;
    if (req.form_fields) {
        // The caller's cells come back as given, with an id, and with values when filling.
        std::size_t i = 0;
        for (const auto& v : *req.form_fields) {
            json::object cell = v.is_object() ? v.as_object() : json::object{{"label", v}};
            ++i;
            if (!cell.contains("id")) cell["id"] = cell_id(i);
            if (!cell.contains("page_number")) cell["page_number"] = 1;
            if (!cell.contains("type")) cell["type"] = "text";
            if (fill && !cell.contains("value")) cell["value"] = "filled";
            if (clear) cell["value"] = "";
            cells.push_back(std::move(cell));
        }
    } else {
        struct canned { const char* label; const char* type; const char* filled; double x1, y1, x2, y2; };
        static constexpr canned canned_cells[] = {
            {"Full name", "text", "Jane Doe", 0.12, 0.20, 0.55, 0.23},
            {"Date", "text", "2026-05-12", 0.60, 0.20, 0.85, 0.23},
            {"I agree to the terms", "checkbox", "true", 0.12, 0.30, 0.14, 0.32},
            {"Signature", "signature", "Jane Doe", 0.12, 0.80, 0.50, 0.86},
        };
        int i = 0;
        for (const auto& c : canned_cells) {
            std::string value = fill ? c.filled : "";
            json::object cell{{"id", cell_id(static_cast<std::size_t>(++i))},
                              {"label", c.label},
                              {"type", c.type},
                              {"value", value},
                              {"text", value.empty() ? std::string(c.label) : value},
                              {"page_number", 1},
                              {"bounding_box", json::array{c.x1, c.y1, c.x2, c.y2}}};
            if (std::string(c.type) == "checkbox")
                cell["checkbox_details"] = json::array{json::object{
                    {"center_coord", json::array{(c.x1 + c.x2) / 2, (c.y1 + c.y2) / 2}},
                    {"selected", fill},
                    {"text", c.label}}};
            cells.push_back(std::move(cell));
        }
    }
    json::object r{{"form_id", req.form_id},
                   {"job_id", req.job_id},
                   {"page_count", 1},
                   {"pdf_url", req.pdf_url},
                   {"form_fields", cells},
                   {"cells", cells},
                   {"credits_used", fill || clear ? 3 : 1},
                   {"plan_info", json::object{{"tier", "growth"}, {"total_credits_used", 1846.0}, {"pages_used", 1844}}}};
    if (fill) r["fields_filled"] = cells.size();
    if (clear) r["fields_cleared"] = cells.size();
    if (fill && !req.instructions.empty()) r["instructions_received"] = req.instructions;
    return json::serialize(r);
}

}  // namespace pulse_server
