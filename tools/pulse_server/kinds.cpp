#include "kinds.hpp"

#include "http_util.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <memory>
#include <string_view>

namespace pulse_server {

namespace json = boost::json;

namespace {

void write_json(const json::value& v, std::string& out) {
    switch (v.kind()) {
    case json::kind::null: out += "null"; break;
    case json::kind::bool_: out += v.get_bool() ? "true" : "false"; break;
    case json::kind::int64: out += std::to_string(v.get_int64()); break;
    case json::kind::uint64: out += std::to_string(v.get_uint64()); break;
    case json::kind::double_: {
        const double d = v.get_double();
        if (!std::isfinite(d)) {  // JSON has no spelling for these; the parser never produces them
            out += "null";
            break;
        }
        char buf[32];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
        std::string_view s(buf, static_cast<std::size_t>(end - buf));
        out += s;
        if (ec == std::errc() && s.find_first_of(".e") == std::string_view::npos) out += ".0";
        break;
    }
    case json::kind::string: out += json_quote(v.get_string()); break;
    case json::kind::array: {
        out += '[';
        bool first = true;
        for (const auto& e : v.get_array()) {
            if (!first) out += ',';
            first = false;
            write_json(e, out);
        }
        out += ']';
        break;
    }
    case json::kind::object: {
        out += '{';
        bool first = true;
        for (const auto& m : v.get_object()) {
            if (!first) out += ',';
            first = false;
            out += json_quote(m.key());
            out += ':';
            write_json(m.value(), out);
        }
        out += '}';
        break;
    }
    }
}

// --- sample values -------------------------------------------------------------------------------

constexpr int max_depth = 32;                 // deeper schemas (or $ref cycles) end in null
constexpr std::uint64_t max_values = 100000;  // and so do values past this many (wide recursive schemas)
constexpr std::uint64_t max_items = 100;      // items of one array, whatever minItems says
constexpr std::uint64_t max_length = 10000;   // characters of one string, whatever minLength says

std::uint64_t hash_of(std::string_view key, std::uint64_t salt) {
    std::uint64_t h = fnv1a64_update(fnv1a64_offset, key.data(), key.size());
    for (int i = 0; i < 8; ++i, salt >>= 8) {
        const char c = static_cast<char>(salt & 0xff);
        h = fnv1a64_update(h, &c, 1);
    }
    return h;
}

// "invoice_number" -> "invoice number"
std::string words_of(std::string_view key) {
    std::string out;
    for (char c : key) out.push_back(c == '_' || c == '-' ? ' ' : c);
    return out;
}

std::optional<double> number_member(const json::object& o, std::string_view name) {
    const json::value* v = o.if_contains(name);
    if (!v || !v->is_number()) return std::nullopt;
    return v->to_number<double>();
}

std::optional<std::uint64_t> count_member(const json::object& o, std::string_view name) {
    auto d = number_member(o, name);
    if (!d || *d < 0) return std::nullopt;
    return static_cast<std::uint64_t>(std::min(*d, 1e9));
}

// The type a schema asks for: its `type` (the first non-null one of a list), else what its
// members imply.
std::string type_of(const json::object& s) {
    if (const json::value* t = s.if_contains("type")) {
        if (t->is_string()) return std::string(t->get_string());
        if (t->is_array()) {
            std::string only_null;
            for (const auto& e : t->get_array()) {
                if (!e.is_string()) continue;
                if (e.get_string() != "null") return std::string(e.get_string());
                only_null = "null";
            }
            return only_null;
        }
    }
    if (s.contains("properties")) return "object";
    if (s.contains("items") || s.contains("prefixItems")) return "array";
    return "";
}

bool is_null_schema(const json::value& v) {
    return v.is_object() && type_of(v.get_object()) == "null";
}

class sampler {
public:
    explicit sampler(const json::value& root) : root_(root) {}

    json::value value(const json::value& schema, std::string_view key, std::uint64_t salt, int depth) const {
        if (depth > max_depth || !schema.is_object() || made_ >= max_values) return nullptr;
        ++made_;
        const json::object& s = schema.get_object();
        if (const json::value* ref = s.if_contains("$ref"); ref && ref->is_string()) {
            std::string_view r = ref->get_string();
            if (r.empty() || r.front() != '#') return nullptr;  // only references into this schema
            json::error_code ec;
            const json::value* target = root_.find_pointer(r.substr(1), ec);
            return target ? value(*target, key, salt, depth + 1) : json::value(nullptr);
        }
        if (const json::value* c = s.if_contains("const")) return *c;
        if (const json::value* e = s.if_contains("enum"); e && e->is_array() && !e->get_array().empty())
            return e->get_array().front();
        for (std::string_view alt : {"anyOf", "oneOf"}) {
            const json::value* a = s.if_contains(alt);
            if (!a || !a->is_array() || a->get_array().empty()) continue;
            for (const auto& branch : a->get_array())
                if (!is_null_schema(branch)) return value(branch, key, salt, depth + 1);
            return nullptr;
        }
        if (const json::value* all = s.if_contains("allOf"); all && all->is_array())
            return value(merged(s, all->get_array()), key, salt, depth + 1);

        const std::string type = type_of(s);
        if (type == "object") return object(s, salt, depth);
        if (type == "array") return array(s, key, salt, depth);
        if (type == "string") return string(s, key, salt);
        if (type == "integer" || type == "number") return number(s, key, salt, type == "integer");
        if (type == "boolean") return (hash_of(key, salt) >> 7) % 2 == 0;
        return nullptr;
    }

private:
    // allOf: the branches' properties together, the first type any branch states.
    static json::value merged(const json::object& s, const json::array& branches) {
        json::object out = s;
        out.erase("allOf");
        json::object props;
        if (const json::value* p = s.if_contains("properties"); p && p->is_object()) props = p->get_object();
        for (const auto& b : branches) {
            if (!b.is_object()) continue;
            for (const auto& m : b.get_object()) {
                if (m.key() == "properties" && m.value().is_object())
                    for (const auto& p : m.value().get_object()) props[p.key()] = p.value();
                else if (!out.contains(m.key()))
                    out[m.key()] = m.value();
            }
        }
        if (!props.empty()) out["properties"] = std::move(props);
        return out;
    }

    json::value object(const json::object& s, std::uint64_t salt, int depth) const {
        json::object out;
        if (const json::value* p = s.if_contains("properties"); p && p->is_object())
            for (const auto& m : p->get_object()) out[m.key()] = value(m.value(), m.key(), salt, depth + 1);
        return out;
    }

    json::value array(const json::object& s, std::string_view key, std::uint64_t salt, int depth) const {
        json::array out;
        const json::value* tuple = s.if_contains("prefixItems");
        if (!tuple || !tuple->is_array()) tuple = s.if_contains("items");
        if (tuple && tuple->is_array()) {  // a tuple: one value per position
            std::uint64_t i = 0;
            for (const auto& item : tuple->get_array()) out.push_back(value(item, key, salt * 31 + ++i, depth + 1));
            return out;
        }
        const json::value* items = s.if_contains("items");
        std::uint64_t n = 2;
        if (auto lo = count_member(s, "minItems")) n = std::max(n, std::min(*lo, max_items));
        if (auto hi = count_member(s, "maxItems")) n = std::min(n, *hi);
        for (std::uint64_t i = 0; i < n; ++i)
            out.push_back(items ? value(*items, key, salt * 31 + i + 1, depth + 1) : json::value(nullptr));
        return out;
    }

    static json::value string(const json::object& s, std::string_view key, std::uint64_t salt) {
        std::string out;
        const json::value* f = s.if_contains("format");
        const std::string format = f && f->is_string() ? to_lower(f->get_string()) : std::string();
        const std::uint64_t h = hash_of(key, salt);
        const std::string day = std::to_string(10 + h % 18);  // 10..27: a valid day of any month
        if (format == "date") out = "2024-03-" + day;
        else if (format == "date-time") out = "2024-03-" + day + "T09:30:00Z";
        else if (format == "time") out = "09:30:00";
        else if (format == "email") out = "jane.doe@example.com";
        else if (format == "uri" || format == "url" || format == "uri-reference" || format == "iri")
            out = "https://example.com/documents/" + std::to_string(h % 1000);
        else if (format == "uuid") {
            const std::string x = hex64(h) + hex64(hash_of(key, salt + 1));
            out = x.substr(0, 8) + "-" + x.substr(8, 4) + "-4" + x.substr(13, 3) + "-8" + x.substr(17, 3) + "-" + x.substr(20, 12);
        } else {
            out = key.empty() ? std::string("Sample text") : "Sample " + words_of(key);
            if (salt > 0) out += " " + std::to_string(salt % 1000);
        }
        if (auto lo = count_member(s, "minLength"); lo && out.size() < std::min(*lo, max_length))
            out.append(std::min(*lo, max_length) - out.size(), 'x');
        if (auto hi = count_member(s, "maxLength"); hi && out.size() > *hi) {
            std::size_t cut = *hi;
            while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xc0) == 0x80) --cut;  // whole UTF-8 characters
            out.resize(cut);
        }
        return json::value(out);
    }

    static json::value number(const json::object& s, std::string_view key, std::uint64_t salt, bool integer) {
        const std::uint64_t h = hash_of(key, salt);
        double v = integer ? static_cast<double>(1 + h % 999) : static_cast<double>(100 + h % 99900) / 100.0;
        double lo = -1e300, hi = 1e300;
        if (auto m = number_member(s, "minimum")) lo = *m;
        if (auto m = number_member(s, "exclusiveMinimum")) lo = std::max(lo, *m + (integer ? 1 : 0.01));
        if (auto m = number_member(s, "maximum")) hi = *m;
        if (auto m = number_member(s, "exclusiveMaximum")) hi = std::min(hi, *m - (integer ? 1 : 0.01));
        if (integer) {
            lo = std::ceil(lo);
            hi = std::floor(hi);
        }
        if (lo <= hi) v = std::clamp(v, lo, hi);
        if (integer) return json::value(static_cast<std::int64_t>(v));
        return json::value(v);
    }

    const json::value& root_;
    mutable std::uint64_t made_ = 0;
};

constexpr std::array<std::string_view, 5> box_ids{"txt-1", "ttl-1", "tbl-1", "fig-1", "ftr-1"};

// --- tables ----------------------------------------------------------------------------------------

struct table_def {
    std::vector<std::string> headers;
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> citations;
    bool from_chart = false;
};

json::value table_content(const table_def& t, bool as_json) {
    if (as_json) {
        json::array headers, rows;
        for (const auto& h : t.headers) headers.emplace_back(h);
        for (const auto& r : t.rows) {
            json::object row;
            for (std::size_t c = 0; c < t.headers.size() && c < r.size(); ++c) row[t.headers[c]] = r[c];
            rows.push_back(std::move(row));
        }
        return json::object{{"headers", std::move(headers)}, {"rows", std::move(rows)}};
    }
    std::string html = "<table><thead><tr>";
    for (const auto& h : t.headers) html += "<th>" + h + "</th>";
    html += "</tr></thead><tbody>";
    for (const auto& r : t.rows) {
        html += "<tr>";
        for (const auto& c : r) html += "<td>" + c + "</td>";
        html += "</tr>";
    }
    html += "</tbody></table>";
    return json::value(html);
}

}  // namespace

std::string json_text(const json::value& v) {
    std::string out;
    write_json(v, out);
    return out;
}

json::value sample_values(const json::value& schema) { return sampler(schema).value(schema, "", 0, 0); }

json::object structured_output(const json::value& schema, const std::vector<extraction_ref>& from) {
    json::value values = sample_values(schema);
    json::object citations;
    if (values.is_object()) {
        std::size_t i = 0;
        for (const auto& m : values.get_object()) {
            std::string id(box_ids[i % box_ids.size()]);
            if (from.size() > 1) id = from[i % from.size()].id + "-" + id;
            citations[m.key()] = json::array{json::value(id)};
            ++i;
        }
    }
    return json::object{{"values", std::move(values)}, {"citations", std::move(citations)}};
}

json::object canned_schema() {
    json::object item{{"type", "object"},
                      {"properties", json::object{{"description", json::object{{"type", "string"}}},
                                                  {"quantity", json::object{{"type", "integer"}, {"minimum", 1}}},
                                                  {"amount", json::object{{"type", "number"}}}}}};
    return json::object{
        {"type", "object"},
        {"properties", json::object{{"invoice_number", json::object{{"type", "string"}}},
                                    {"invoice_date", json::object{{"type", "string"}, {"format", "date"}}},
                                    {"total", json::object{{"type", "number"}}},
                                    {"paid", json::object{{"type", "boolean"}}},
                                    {"line_items", json::object{{"type", "array"}, {"items", std::move(item)}}}}},
        {"required", json::array{"invoice_number", "total"}}};
}

std::vector<std::string> canned_topics() { return {"Summary", "Financial statements", "Notes"}; }

json::object split_pages(const std::vector<std::string>& topics, std::int64_t pages) {
    json::object out;
    const auto t = static_cast<std::int64_t>(topics.size());
    for (std::int64_t i = 0; i < t; ++i) {
        json::array run;
        for (std::int64_t p = i * pages / t + 1; p <= (i + 1) * pages / t; ++p) run.push_back(p);
        out[topics[static_cast<std::size_t>(i)]] = std::move(run);
    }
    return out;
}

json::array tables(const std::vector<extraction_ref>& from, const tables_options& opt) {
    json::array out;
    for (const auto& e : from) {
        const std::string prefix = from.size() > 1 ? e.id + "-" : std::string();
        std::vector<table_def> defs;
        table_def first{{"Quarter", "Revenue"}, {{"Q1", "4.2"}, {"Q2", "4.6"}}, {prefix + "tbl-1"}};
        table_def second{{"Quarter", "Revenue"}, {{"Q3", "5.1"}, {"Q4", "5.3"}}, {prefix + "tbl-2"}};
        if (opt.merge) {
            // The same headers on consecutive pages: one table continued.
            first.rows.insert(first.rows.end(), second.rows.begin(), second.rows.end());
            first.citations.push_back(second.citations.front());
            defs.push_back(std::move(first));
        } else {
            defs.push_back(std::move(first));
            defs.push_back(std::move(second));
        }
        if (opt.charts)
            defs.push_back({{"Month", "Orders"}, {{"Jan", "120"}, {"Feb", "135"}, {"Mar", "142"}}, {prefix + "fig-1"}, true});
        for (const auto& d : defs) {
            json::array cites;
            for (const auto& c : d.citations) cites.emplace_back(c);
            out.push_back(json::object{{"table_content", table_content(d, opt.json)},
                                       {"citations", std::move(cites)},
                                       {"from_chart", d.from_chart}});
        }
    }
    return out;
}

double tables_credits(const json::array& tables, const tables_options& opt) {
    double credits = 0;
    for (const auto& t : tables) credits += t.at("from_chart").as_bool() ? 1.0 : (opt.merge ? 0.5 : 0.25);
    return credits;
}

json::object plan_info(std::int64_t pages, double credits) {
    return json::object{{"tier", "growth"}, {"total_credits_used", credits}, {"pages_used", pages}};
}

sized_body padded_body(std::string text, std::optional<std::uint64_t> size) {
    auto whole = [](std::string t) {
        auto shared = std::make_shared<const std::string>(std::move(t));
        return sized_body{shared->size(), [shared] { return shared_string_source(shared); }};
    };
    if (!size || *size <= text.size() || text.size() < 2 || text.back() != '}') return whole(std::move(text));
    const std::uint64_t target = std::min<std::uint64_t>(*size, 1ull << 40);  // 1 TiB, as for generated extractions
    // {...members...,"pulse_server_padding":["<62 characters>",...]<spaces>}: strings of 64 bytes
    static const std::string element = "\"pulse-server padding: an unknown member that makes this bigger\"";
    text.pop_back();
    const bool empty_object = text.find_last_not_of(" \t\r\n") == text.rfind('{');
    const std::string member = empty_object ? "\"pulse_server_padding\":[" : ",\"pulse_server_padding\":[";
    const std::uint64_t fixed = text.size() + member.size() + element.size() + 2;  // with one element, "]" and "}"
    if (target < fixed) {
        // No room for the member: whitespace before the closing brace.
        text.append(static_cast<std::size_t>(target - text.size() - 1), ' ');
        text += '}';
        return whole(std::move(text));
    }
    text += member;
    text += element;
    const std::uint64_t room = target - fixed;
    const std::uint64_t more = room / (element.size() + 1), spaces = room % (element.size() + 1);
    auto head = std::make_shared<const std::string>(std::move(text));
    return {target, [head, more, spaces] {
                std::vector<source_ptr> parts;
                parts.push_back(shared_string_source(head));
                parts.push_back(repeat_source("," + element, more * (element.size() + 1)));
                parts.push_back(string_source("]"));
                parts.push_back(repeat_source(" ", spaces));
                parts.push_back(string_source("}"));
                return concat_source(std::move(parts));
            }};
}

}  // namespace pulse_server
