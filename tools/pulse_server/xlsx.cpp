#include "xlsx.hpp"

#include <zlib.h>

#include <cstdint>
#include <string_view>

namespace pulse_server {

namespace {

void put16(std::string& out, std::uint32_t v) {
    out.push_back(static_cast<char>(v & 0xff));
    out.push_back(static_cast<char>((v >> 8) & 0xff));
}

void put32(std::string& out, std::uint32_t v) {
    put16(out, v & 0xffff);
    put16(out, v >> 16);
}

// A zip archive (PKWARE APPNOTE) of stored entries, all dated 1980-01-01 00:00 so the bytes never
// change.
class zip_writer {
public:
    void add(std::string_view name, std::string_view data) {
        const auto crc = static_cast<std::uint32_t>(
            crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
        const auto offset = static_cast<std::uint32_t>(out_.size());
        const auto size = static_cast<std::uint32_t>(data.size());
        constexpr std::uint32_t dos_date = (0u << 9) | (1u << 5) | 1u;  // 1980-01-01
        auto common = [&](std::string& h) {
            put16(h, 20);  // version needed to extract: 2.0
            put16(h, 0);   // flags
            put16(h, 0);   // method: stored
            put16(h, 0);   // time 00:00:00
            put16(h, dos_date);
            put32(h, crc);
            put32(h, size);  // compressed size
            put32(h, size);  // uncompressed size
            put16(h, static_cast<std::uint32_t>(name.size()));
            put16(h, 0);  // extra field length
        };
        put32(out_, 0x04034b50);  // local file header
        common(out_);
        out_ += name;
        out_ += data;

        put32(central_, 0x02014b50);  // central directory header
        put16(central_, 20);          // version made by
        common(central_);
        put16(central_, 0);  // comment length
        put16(central_, 0);  // disk number
        put16(central_, 0);  // internal attributes
        put32(central_, 0);  // external attributes
        put32(central_, offset);
        central_ += name;
        ++entries_;
    }

    std::string finish() {
        const auto cd_offset = static_cast<std::uint32_t>(out_.size());
        const auto cd_size = static_cast<std::uint32_t>(central_.size());
        std::string out = out_ + central_;
        put32(out, 0x06054b50);  // end of central directory
        put16(out, 0);
        put16(out, 0);
        put16(out, entries_);
        put16(out, entries_);
        put32(out, cd_size);
        put32(out, cd_offset);
        put16(out, 0);  // comment length
        return out;
    }

private:
    std::string out_, central_;
    std::uint32_t entries_ = 0;
};

std::string xml_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        default:
            // XML 1.0 allows no control characters but tab, newline and carriage return.
            if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n' || c == '\r') out.push_back(c);
        }
    }
    return out;
}

// A1-style column name: 0 -> A, 25 -> Z, 26 -> AA.
std::string column_name(std::size_t i) {
    std::string out;
    for (++i; i > 0; i = (i - 1) / 26) out.insert(out.begin(), static_cast<char>('A' + (i - 1) % 26));
    return out;
}

constexpr std::string_view xml_decl = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
constexpr std::string_view main_ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
constexpr std::string_view rel_ns = "http://schemas.openxmlformats.org/package/2006/relationships";
constexpr std::string_view doc_rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

}  // namespace

std::string make_xlsx(const std::vector<std::vector<xlsx_cell>>& rows) {
    std::string types(xml_decl);
    types += "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
             "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
             "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
             "<Override PartName=\"/xl/workbook.xml\" "
             "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
             "<Override PartName=\"/xl/worksheets/sheet1.xml\" "
             "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
             "</Types>";

    std::string root_rels(xml_decl);
    root_rels += "<Relationships xmlns=\"";
    root_rels += rel_ns;
    root_rels += "\"><Relationship Id=\"rId1\" Type=\"";
    root_rels += doc_rel;
    root_rels += "/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>";

    std::string workbook(xml_decl);
    workbook += "<workbook xmlns=\"";
    workbook += main_ns;
    workbook += "\" xmlns:r=\"";
    workbook += doc_rel;
    workbook += "\"><sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";

    std::string workbook_rels(xml_decl);
    workbook_rels += "<Relationships xmlns=\"";
    workbook_rels += rel_ns;
    workbook_rels += "\"><Relationship Id=\"rId1\" Type=\"";
    workbook_rels += doc_rel;
    workbook_rels += "/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>";

    std::string sheet(xml_decl);
    sheet += "<worksheet xmlns=\"";
    sheet += main_ns;
    sheet += "\"><sheetData>";
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const std::string row = std::to_string(r + 1);
        sheet += "<row r=\"" + row + "\">";
        for (std::size_t c = 0; c < rows[r].size(); ++c) {
            const xlsx_cell& cell = rows[r][c];
            const std::string ref = column_name(c) + row;
            if (cell.numeric)
                sheet += "<c r=\"" + ref + "\"><v>" + xml_escape(cell.text) + "</v></c>";
            else
                sheet += "<c r=\"" + ref + "\" t=\"inlineStr\"><is><t>" + xml_escape(cell.text) + "</t></is></c>";
        }
        sheet += "</row>";
    }
    sheet += "</sheetData></worksheet>";

    zip_writer zip;
    zip.add("[Content_Types].xml", types);
    zip.add("_rels/.rels", root_rels);
    zip.add("xl/workbook.xml", workbook);
    zip.add("xl/_rels/workbook.xml.rels", workbook_rels);
    zip.add("xl/worksheets/sheet1.xml", sheet);
    return zip.finish();
}

}  // namespace pulse_server
