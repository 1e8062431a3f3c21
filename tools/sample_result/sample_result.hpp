// SPDX-License-Identifier: MIT
//
// A synthetic ExtractResultCore of about a requested size, written as a stream: the project's own
// stand-in for a real extraction of a long document. pulse-server writes it (`--write-sample`) and
// serves it; the tests and benchmarks include this header and write it themselves.
//
// What a document holds, per page (each page's content follows from the seed and the page number
// alone, so a page can be regenerated for each section it appears in and the writer needs constant
// memory for any size):
//   markdown             a heading, 8-13 paragraphs, an HTML table every 3rd page, a figure every 4th
//   bounding_boxes       Title, Header, Text (one per paragraph), Footer, "Page Number" (a member the
//                        schema does not name: kept as unknown), Tables (table_info + cell_data),
//                        Images (visual_type chart or image, and "diagram" on every 20th page: an
//                        enum value the schema does not know), markdown_with_ids
//   extensions           chunking (page and header chunks), footnoteReferences (every 5th page),
//                        altOutputs.wlbb.words (a box for every word: most of the bytes), altOutputs.html
//   and once             page_count, extraction_id, extraction_url, plan_info, warnings, credits_used,
//                        and `future_field`, a top-level member the schema does not name
// Text is mostly ASCII with some UTF-8 words; coordinates are in [0, 1], written with 6 decimals, or
// at full precision (shortest round-trip form, up to 17 significant digits) when asked.
//
// Standard C++20 only: no Boost, nothing of the library, so the library's tests do not check the
// library against itself.
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace pulse_sample {

struct options {
    double megabytes = 8;       ///< target size in MB (10^6 bytes); the result is within a page of it
    std::uint64_t seed = 1;     ///< the same seed and size give the same bytes
    bool full_precision = false; ///< coordinates in shortest round-trip form instead of 6 decimals
};

/// What a written document holds, for checks against a decoder.
struct stats {
    std::uint64_t bytes = 0;
    std::uint64_t pages = 0;
    std::uint64_t words = 0;       ///< extensions.altOutputs.wlbb.words
    std::uint64_t text_boxes = 0;  ///< bounding_boxes.Text
    std::uint64_t tables = 0;      ///< bounding_boxes.Tables
    std::uint64_t images = 0;      ///< bounding_boxes.Images
    std::uint64_t footnotes = 0;   ///< extensions.footnoteReferences
};

namespace detail {

// splitmix64: cheap, well mixed and reproducible on every platform (std::mt19937's distributions
// are not specified bit for bit).
inline std::uint64_t mix(std::uint64_t x) noexcept {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

class rng {
public:
    explicit rng(std::uint64_t seed) noexcept : s_(seed) {}
    std::uint64_t next() noexcept { return mix(s_++); }
    std::uint64_t below(std::uint64_t n) noexcept { return next() % n; }
    double unit() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

private:
    std::uint64_t s_;
};

inline constexpr std::array<std::string_view, 40> vocabulary{
    "revenue", "quarter", "fiscal",   "total",   "net",      "operating", "margin",  "growth",
    "segment", "customer", "invoice", "amount",  "balance",  "period",    "report",  "table",
    "page",    "section",  "summary", "annual",  "forecast", "expense",   "asset",   "liability",
    "the",     "of",       "and",     "in",      "for",      "with",      "per",     "cent",
    "Übersicht", "naïve",  "café",    "€",       "東京",     "données",   "Größe",   "señal"};

/// One page's words: paragraphs of indexes into the vocabulary.
struct page {
    std::uint64_t number = 0;
    std::vector<std::vector<std::uint8_t>> paragraphs;
    std::vector<std::uint8_t> title;
    bool has_table = false, has_image = false, has_footnote = false;
    unsigned table_rows = 0, table_cols = 0;

    std::uint64_t word_count() const noexcept {
        std::uint64_t n = title.size();
        for (auto const& p : paragraphs) n += p.size();
        return n;
    }
};

} // namespace detail

/// Writes the document to `sink` (called with pieces of up to about 1 MiB, in order).
class writer {
public:
    using sink = std::function<void(std::string_view)>;

    explicit writer(options o) : o_(o) {}

    stats write(sink const& out) {
        out_ = &out;
        buf_.clear();
        st_ = stats{};
        pages_ = page_count();
        st_.pages = pages_;
        write_document();
        flush();
        out_ = nullptr;
        return st_;
    }

    /// Writes to `path` ("-": standard output). Returns false when the file cannot be written.
    bool write_file(std::string const& path, stats& result) {
        std::FILE* f = path == "-" ? stdout : std::fopen(path.c_str(), "wb");
        if (!f) return false;
        bool ok = true;
        result = write([&](std::string_view s) {
            if (ok && std::fwrite(s.data(), 1, s.size(), f) != s.size()) ok = false;
        });
        if (f != stdout) ok = (std::fclose(f) == 0) && ok;
        else ok = (std::fflush(f) == 0) && ok;
        return ok;
    }

    /// The whole document in memory.
    std::string to_string(stats* result = nullptr) {
        std::string all;
        stats s = write([&](std::string_view piece) { all.append(piece); });
        if (result) *result = s;
        return all;
    }

private:
    // ---- the page model -----------------------------------------------------------------------

    detail::page make_page(std::uint64_t n) const {
        detail::rng r(detail::mix(o_.seed * 0x100000001b3ull + n));
        detail::page p;
        p.number = n;
        auto words = [&](std::size_t count) {
            std::vector<std::uint8_t> w(count);
            for (auto& x : w) x = static_cast<std::uint8_t>(r.below(detail::vocabulary.size()));
            return w;
        };
        p.title = words(2 + r.below(3));
        std::size_t const paragraphs = 8 + r.below(6);
        for (std::size_t i = 0; i < paragraphs; ++i) p.paragraphs.push_back(words(20 + r.below(40)));
        p.has_table = n % 3 == 0;
        p.has_image = n % 4 == 0;
        p.has_footnote = n % 5 == 0;
        p.table_rows = 3 + static_cast<unsigned>(r.below(4));
        p.table_cols = 2 + static_cast<unsigned>(r.below(4));
        return p;
    }

    // Pages needed for the requested size: a document of 60 pages (every kind of page, as tables,
    // figures and footnotes come every 3rd, 4th and 5th page) is written to a counter.
    std::uint64_t page_count() {
        double const target = (std::max)(o_.megabytes, 0.0) * 1e6;
        sink const* saved = out_;
        std::uint64_t bytes = 0;
        sink count = [&](std::string_view s) { bytes += s.size(); };
        out_ = &count;
        constexpr std::uint64_t probe = 60;
        pages_ = probe;
        write_document();
        flush();
        out_ = saved;
        st_ = stats{};
        double const per_page = static_cast<double>(bytes) / static_cast<double>(probe);
        return (std::max)(std::uint64_t{1}, static_cast<std::uint64_t>(std::llround(target / per_page)));
    }

    // ---- the document -------------------------------------------------------------------------

    void write_document() {
        put("{\"markdown\":\"");
        for_pages([&](detail::page const& p) { markdown(p); });
        put("\",\"page_count\":");
        integer(pages_);
        put(",\"extraction_id\":\"");
        put(uuid(1));
        put("\",\"extraction_url\":\"https://platform.runpulse.com/dashboard/extractions/");
        put(uuid(1));
        put("\",\"bounding_boxes\":{");
        boxes();
        put("},\"extensions\":{");
        extensions();
        put("},\"plan_info\":{\"tier\":\"growth\",\"total_credits_used\":");
        integer(1000 + pages_);
        put(".5,\"pages_used\":");
        integer(1000 + pages_);
        put("},\"warnings\":[\"synthetic result: every value is generated\"],\"credits_used\":");
        integer(pages_);
        put(",\"future_field\":{\"kept\":true,\"nested\":[1,2.5,\"three\",null,{\"deep\":[]}]}}");
    }

    template <class F>
    void for_pages(F&& f) {
        for (std::uint64_t n = 1; n <= pages_; ++n) f(make_page(n));
    }

    // Writes `items` as a JSON array; `each(page, first)` writes the page's elements.
    template <class F>
    void array_of_pages(std::string_view name, F&& each) {
        put("\"");
        put(name);
        put("\":[");
        bool first = true;
        for_pages([&](detail::page const& p) { each(p, first); });
        put("]");
    }

    void markdown(detail::page const& p) {
        put("# ");
        text(p.title);
        for (auto const& para : p.paragraphs) {
            put("\\n\\n");
            text(para);
        }
        if (p.has_table) {
            put("\\n\\n<table>");
            for (unsigned row = 0; row < p.table_rows; ++row) {
                put("<tr>");
                for (unsigned col = 0; col < p.table_cols; ++col) {
                    put(row == 0 ? "<th>" : "<td>");
                    put(cell(p, row, col));
                    put(row == 0 ? "</th>" : "</td>");
                }
                put("</tr>");
            }
            put("</table>");
        }
        if (p.has_image) {
            put("\\n\\n![");
            put(image_kind(p));
            put(" on page ");
            integer(p.number);
            put("](fig-");
            integer(p.number);
            put(")");
        }
        put("\\n\\n");
    }

    void boxes() {
        array_of_pages("Title", [&](detail::page const& p, bool& first) {
            item_open(first, "ttl-", p.number, 0);
            text(p.title);
            item_close(p, 0);
        });
        put(",");
        array_of_pages("Header", [&](detail::page const& p, bool& first) {
            item_open(first, "hdr-", p.number, 0);
            put("Synthetic report");
            item_close(p, 1);
        });
        put(",");
        array_of_pages("Text", [&](detail::page const& p, bool& first) {
            for (std::size_t i = 0; i < p.paragraphs.size(); ++i) {
                item_open(first, "txt-", p.number, i + 1);
                text(p.paragraphs[i]);
                item_close(p, 2 + i);
                ++st_.text_boxes;
            }
        });
        put(",");
        array_of_pages("Footer", [&](detail::page const& p, bool& first) {
            item_open(first, "ftr-", p.number, 0);
            put("Page ");
            integer(p.number);
            put(" of ");
            integer(pages_);
            item_close(p, 100);
        });
        put(",");
        array_of_pages("Page Number", [&](detail::page const& p, bool& first) {
            item_open(first, "pn-", p.number, 0);
            integer(p.number);
            item_close(p, 101);
        });
        put(",");
        array_of_pages("Tables", [&](detail::page const& p, bool& first) {
            if (!p.has_table) return;
            comma(first);
            put("{\"table_info\":{\"id\":\"tbl-");
            integer(p.number);
            put("\",\"dimensions\":[");
            integer(p.table_rows);
            put(",");
            integer(p.table_cols);
            put("],\"location\":{\"page\":");
            integer(p.number);
            put(",\"box\":");
            polygon(p.number, 200);
            put("}},\"cell_data\":[");
            for (unsigned row = 0; row < p.table_rows; ++row)
                for (unsigned col = 0; col < p.table_cols; ++col) {
                    if (row || col) put(",");
                    put("{\"row\":");
                    integer(row);
                    put(",\"col\":");
                    integer(col);
                    put(",\"text\":\"");
                    put(cell(p, row, col));
                    put("\"}");
                }
            put("]}");
            ++st_.tables;
        });
        put(",");
        array_of_pages("Images", [&](detail::page const& p, bool& first) {
            if (!p.has_image) return;
            comma(first);
            put("{\"id\":\"fig-");
            integer(p.number);
            put("\",\"visual_type\":\"");
            put(image_kind(p));
            put("\",\"page_number\":");
            integer(p.number);
            put(",\"bounding_box\":");
            polygon(p.number, 300);
            put(",\"image_url\":\"https://api.runpulse.com/results/");
            put(uuid(2));
            put("/images/fig-");
            integer(p.number);
            put(".png\",\"description\":\"");
            text(p.paragraphs.front());
            put("\"}");
            ++st_.images;
        });
        put(",\"markdown_with_ids\":\"");
        for_pages([&](detail::page const& p) {
            put("<h1 data-bb-title-id=\\\"ttl-");
            integer(p.number);
            put("-0\\\">");
            text(p.title);
            put("</h1>");
            for (std::size_t i = 0; i < p.paragraphs.size(); ++i) {
                put("<p data-bb-text-id=\\\"txt-");
                integer(p.number);
                put("-");
                integer(i + 1);
                put("\\\">");
                text(p.paragraphs[i]);
                put("</p>");
            }
        });
        put("\"");
    }

    void extensions() {
        put("\"chunking\":{");
        array_of_pages("page", [&](detail::page const& p, bool& first) {
            comma(first);
            put("\"");
            markdown(p);
            put("\"");
        });
        put(",");
        array_of_pages("header", [&](detail::page const& p, bool& first) {
            comma(first);
            put("\"# ");
            text(p.title);
            put("\\n\\n");
            text(p.paragraphs.front());
            put("\"");
        });
        put("},");
        array_of_pages("footnoteReferences", [&](detail::page const& p, bool& first) {
            if (!p.has_footnote) return;
            comma(first);
            put("{\"symbol\":\"");
            put(p.number % 10 == 0 ? "\u2020" : "*");
            put("\",\"footnoteTextId\":\"txt-");
            integer(p.number);
            put("-");
            integer(p.paragraphs.size());
            put("\",\"referenceTextIds\":[\"txt-");
            integer(p.number);
            put("-1\",\"txt-");
            integer(p.number);
            put("-2\"]}");
            ++st_.footnotes;
        });
        put(",\"altOutputs\":{\"wlbb\":{");
        std::uint64_t word_id = 0;
        array_of_pages("words", [&](detail::page const& p, bool& first) {
            std::uint64_t k = 0;
            auto one = [&](std::uint8_t w) {
                comma(first);
                put("{\"id\":\"w-");
                integer(++word_id);
                put("\",\"text\":\"");
                put(detail::vocabulary[w]);
                put("\",\"page_number\":");
                integer(p.number);
                put(",\"bounding_box\":");
                polygon(p.number, 1000 + k);
                put(",\"average_word_confidence\":");
                confidence(p.number, k++);
                put("}");
                ++st_.words;
            };
            for (auto w : p.title) one(w);
            for (auto const& para : p.paragraphs)
                for (auto w : para) one(w);
        });
        put("},\"html\":\"<html><body><h1>Synthetic report</h1></body></html>\"}");
    }

    // ---- pieces -------------------------------------------------------------------------------

    void item_open(bool& first, std::string_view prefix, std::uint64_t page, std::uint64_t index) {
        comma(first);
        put("{\"id\":\"");
        put(prefix);
        integer(page);
        put("-");
        integer(index);
        put("\",\"content\":\"");
    }

    void item_close(detail::page const& p, std::uint64_t slot) {
        put("\",\"page_number\":");
        integer(p.number);
        put(",\"bounding_box\":");
        polygon(p.number, slot);
        put("}");
    }

    std::string_view image_kind(detail::page const& p) const {
        if (p.number % 20 == 0) return "diagram";
        return p.number % 8 == 0 ? "image" : "chart";
    }

    std::string_view cell(detail::page const& p, unsigned row, unsigned col) const {
        return detail::vocabulary[detail::mix(p.number * 131 + row * 17 + col) % 24];
    }

    std::string uuid(std::uint64_t which) const {
        static constexpr char hex[] = "0123456789abcdef";
        std::uint64_t a = detail::mix(o_.seed ^ (which << 32)), b = detail::mix(a);
        std::string s;
        for (int i = 0; i < 32; ++i) {
            if (i == 8 || i == 12 || i == 16 || i == 20) s.push_back('-');
            std::uint64_t& src = i < 16 ? a : b;
            s.push_back(hex[src & 15]);
            src >>= 4;
        }
        return s;
    }

    // Eight coordinates of a box on page `page`, item `slot`: a rectangle inside [0, 1].
    void polygon(std::uint64_t page, std::uint64_t slot) {
        detail::rng r(detail::mix(o_.seed ^ (page << 20) ^ slot));
        double const x = r.unit() * 0.8, y = r.unit() * 0.9, w = 0.01 + r.unit() * 0.19, h = 0.005 + r.unit() * 0.05;
        double const v[8] = {x, y, x + w, y, x + w, y + h, x, y + h};
        put("[");
        for (int i = 0; i < 8; ++i) {
            if (i) put(",");
            real(v[i]);
        }
        put("]");
    }

    void confidence(std::uint64_t page, std::uint64_t k) {
        double const c = 0.5 + 0.5 * detail::rng(detail::mix(o_.seed + page * 7919 + k)).unit();
        real(c);
    }

    void real(double v) {
        if (!o_.full_precision) v = std::round(v * 1e6) / 1e6;
        char b[32];
        auto res = std::to_chars(b, b + sizeof b, v);
        std::string_view s(b, static_cast<std::size_t>(res.ptr - b));
        put(s);
        // Keep a double a double when it happens to be whole (0 or 1 written as "0"/"1").
        if (s.find_first_of(".eE") == std::string_view::npos) put(".0");
    }

    void integer(std::uint64_t v) {
        char b[24];
        auto res = std::to_chars(b, b + sizeof b, v);
        put(std::string_view(b, static_cast<std::size_t>(res.ptr - b)));
    }

    void text(std::vector<std::uint8_t> const& words) {
        for (std::size_t i = 0; i < words.size(); ++i) {
            if (i) put(" ");
            put(detail::vocabulary[words[i]]);
        }
    }

    void comma(bool& first) {
        if (!first) put(",");
        first = false;
    }

    void put(std::string_view s) {
        buf_.append(s);
        if (buf_.size() >= (1u << 20)) flush();
    }

    void flush() {
        if (!buf_.empty()) {
            st_.bytes += buf_.size();
            (*out_)(buf_);
            buf_.clear();
        }
    }

    options o_;
    sink const* out_ = nullptr;
    std::string buf_;
    stats st_;
    std::uint64_t pages_ = 0;
};

} // namespace pulse_sample
