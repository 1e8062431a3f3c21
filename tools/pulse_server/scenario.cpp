#include "scenario.hpp"

#include "http_util.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

namespace pulse_server {

namespace {

constexpr std::array<std::string_view, phase_count> phase_names{
    "submit", "poll", "download", "pdf", "image", "excel", "cancel", "other"};

struct kind_info {
    std::string_view name;
    fault_kind kind;
    std::string_view params;      // allowed parameters, space separated
    std::string_view main_param;  // what `kind=V` sets
};

// The vocabulary of fault kinds. Status codes (400-599) are handled separately.
constexpr kind_info kinds[] = {
    {"redirect", fault_kind::redirect, "url code", "url"},
    {"echo_key", fault_kind::echo_key, "status", "status"},
    {"malformed_json", fault_kind::malformed_json, "", ""},
    {"truncated_json", fault_kind::truncated_json, "bytes", "bytes"},
    {"wrong_shape", fault_kind::wrong_shape, "", ""},
    {"depth_bomb", fault_kind::depth_bomb, "depth", "depth"},
    {"huge_string", fault_kind::huge_string, "bytes", "bytes"},
    {"sparse_boxes", fault_kind::sparse_boxes, "count", "count"},
    {"reset", fault_kind::reset, "", ""},
    {"reset_mid_body", fault_kind::reset_mid_body, "bytes", "bytes"},
    {"stall_mid_body", fault_kind::stall_mid_body, "bytes ms", "bytes"},
    {"short_body", fault_kind::short_body, "bytes", "bytes"},
    {"long_body", fault_kind::long_body, "bytes", "bytes"},
    {"slow", fault_kind::slow, "chunk ms", "chunk"},
    {"gzip", fault_kind::gzip, "", ""},
    {"chunked", fault_kind::chunked, "", ""},
    {"close", fault_kind::close, "", ""},
    {"delay", fault_kind::delay, "ms", "ms"},
    {"header_flood", fault_kind::header_flood, "count bytes", "count"},
};
constexpr std::string_view status_params = "ra ra_date ra_ms body";

// Lowercase and '-' → '_', so `Reset-Mid-Body` and `reset_mid_body` are the same word.
std::string normalize_word(std::string_view s) {
    std::string out = to_lower(trim(s));
    for (auto& c : out)
        if (c == '-') c = '_';
    return out;
}

bool word_in(std::string_view list, std::string_view word) {
    while (!list.empty()) {
        std::size_t sp = list.find(' ');
        if (list.substr(0, sp) == word) return true;
        if (sp == std::string_view::npos) break;
        list.remove_prefix(sp + 1);
    }
    return false;
}

std::optional<std::uint64_t> parse_uint(std::string_view s) {
    s = trim(s);
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

std::optional<occurrence> parse_occurrence(std::string_view s) {
    s = trim(s);
    occurrence o;
    if (s == "*" || s.empty()) return o;
    if (s.back() == '+') {
        auto n = parse_uint(s.substr(0, s.size() - 1));
        if (!n || *n == 0) return std::nullopt;
        o.first = *n;
        return o;
    }
    if (auto dash = s.find('-'); dash != std::string_view::npos) {
        auto a = parse_uint(s.substr(0, dash)), b = parse_uint(s.substr(dash + 1));
        if (!a || !b || *a == 0 || *b < *a) return std::nullopt;
        o.first = *a;
        o.last = *b;
        return o;
    }
    auto n = parse_uint(s);
    if (!n || *n == 0) return std::nullopt;
    o.first = o.last = *n;
    return o;
}

// Sets one parameter of `f`. Returns an error message or "".
std::string set_param(fault& f, std::string_view allowed, const std::string& name, const std::string& value) {
    if (!word_in(allowed, name))
        return "fault '" + f.token + "' has no parameter '" + name + "'" +
               (allowed.empty() ? std::string(" (it takes none)") : " (allowed: " + std::string(allowed) + ")");
    auto number = [&](std::optional<std::uint64_t>& slot, bool sized) -> std::string {
        auto v = sized ? parse_size(value) : parse_uint(value);
        if (!v) return "fault '" + f.token + "': " + name + " must be a number, got '" + value + "'";
        slot = *v;
        return "";
    };
    if (name == "ra") { f.retry_after = value; return ""; }
    if (name == "ra_ms") { f.retry_after_ms = value; return ""; }
    if (name == "ra_date") {
        std::int64_t v = 0;
        auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
        if (ec != std::errc() || p != value.data() + value.size())
            return "fault '" + f.token + "': ra_date must be a number of seconds from now";
        f.retry_after_date = v;
        return "";
    }
    if (name == "body") {
        std::string style = normalize_word(value);
        if (style != "json" && style != "html" && style != "text" && style != "empty")
            return "fault '" + f.token + "': body must be json, html, text or empty";
        f.body_style = style;
        return "";
    }
    if (name == "url") { f.url = value; return ""; }
    if (name == "code" || name == "status") {
        auto v = parse_uint(value);
        if (!v || *v < 100 || *v > 599) return "fault '" + f.token + "': " + name + " must be an HTTP status code";
        f.status = static_cast<unsigned>(*v);
        return "";
    }
    if (name == "bytes") return number(f.bytes, true);
    if (name == "chunk") return number(f.chunk, true);
    if (name == "depth") return number(f.depth, false);
    if (name == "count") return number(f.count, false);
    if (name == "ms") return number(f.ms, false);
    return "fault '" + f.token + "': unhandled parameter '" + name + "'";
}

// One fault token: KIND[=MAIN][:PARAM=VALUE...][@WHEN]
std::string parse_fault_token(std::string_view raw, std::optional<phase> only, scenario& out) {
    std::string_view tok = trim(raw);
    fault_rule rule;
    rule.only = only;
    if (auto at = tok.rfind('@'); at != std::string_view::npos) {
        auto when = parse_occurrence(tok.substr(at + 1));
        if (!when)
            return "fault '" + std::string(tok) + "': bad occurrence '" + std::string(tok.substr(at + 1)) +
                   "' (use @N, @N-M, @N+ or @*)";
        rule.when = *when;
        tok = trim(tok.substr(0, at));
    }
    fault& f = rule.what;
    f.token = std::string(tok);

    std::size_t kind_end = tok.find_first_of(":=");
    std::string kind = normalize_word(tok.substr(0, kind_end));
    std::string_view allowed, main_param;
    if (!kind.empty() && kind.find_first_not_of("0123456789") == std::string::npos) {
        auto code = parse_uint(kind);
        if (!code || *code < 400 || *code > 599)
            return "fault '" + f.token + "': status faults must be 400-599";
        f.kind = fault_kind::status;
        f.status = static_cast<unsigned>(*code);
        allowed = status_params;
        main_param = "ra";
    } else {
        const kind_info* info = nullptr;
        for (auto& k : kinds)
            if (k.name == kind) info = &k;
        if (!info) {
            std::string known = "a status code 400-599";
            for (auto& k : kinds) known += ", " + std::string(k.name);
            return "unknown fault kind '" + kind + "' (known: " + known + ")";
        }
        f.kind = info->kind;
        allowed = info->params;
        main_param = info->main_param;
    }

    std::string_view rest = kind_end == std::string_view::npos ? std::string_view{} : tok.substr(kind_end);
    // `kind=VALUE` sets the kind's main parameter.
    if (!rest.empty() && rest.front() == '=') {
        rest.remove_prefix(1);
        if (main_param.empty()) return "fault '" + f.token + "' takes no value";
        std::string_view value = rest;
        if (main_param != "url") {  // a URL keeps its colons; everything else may be followed by :params
            std::size_t colon = rest.find(':');
            value = rest.substr(0, colon);
            rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon);
        } else {
            rest = {};
        }
        if (auto err = set_param(f, allowed, std::string(main_param), percent_decode(trim(value))); !err.empty())
            return err;
    }
    while (!rest.empty()) {
        rest.remove_prefix(1);  // the ':'
        std::size_t eq = rest.find('=');
        std::size_t colon = rest.find(':');
        if (eq == std::string_view::npos || (colon != std::string_view::npos && colon < eq))
            return "fault '" + f.token + "': parameters are written name=value";
        std::string name = normalize_word(rest.substr(0, eq));
        std::string_view value;
        if (name == "url") {  // a URL runs to the end of the token
            value = rest.substr(eq + 1);
            rest = {};
        } else {
            value = rest.substr(eq + 1, colon == std::string_view::npos ? std::string_view::npos : colon - eq - 1);
            rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon);
        }
        if (auto err = set_param(f, allowed, name, percent_decode(trim(value))); !err.empty()) return err;
    }
    out.rules.push_back(std::move(rule));
    return "";
}

std::optional<phase> fault_key_phase(std::string_view key, bool& is_fault_key) {
    is_fault_key = true;
    if (key == "fault") return std::nullopt;
    for (std::size_t i = 0; i + 1 < phase_count; ++i)  // `other` has no key of its own
        if (key == std::string(phase_names[i]) + "_fault") return static_cast<phase>(i);
    is_fault_key = false;
    return std::nullopt;
}

}  // namespace

std::string_view phase_name(phase p) noexcept { return phase_names[static_cast<std::size_t>(p)]; }

fault_class class_of(fault_kind k) noexcept {
    switch (k) {
    case fault_kind::status:
    case fault_kind::redirect:
    case fault_kind::echo_key: return fault_class::refusal;
    case fault_kind::malformed_json:
    case fault_kind::truncated_json:
    case fault_kind::wrong_shape:
    case fault_kind::depth_bomb:
    case fault_kind::huge_string:
    case fault_kind::sparse_boxes: return fault_class::garble;
    case fault_kind::reset:
    case fault_kind::reset_mid_body:
    case fault_kind::stall_mid_body:
    case fault_kind::short_body:
    case fault_kind::long_body: return fault_class::breakage;
    default: return fault_class::modifier;
    }
}

std::string parse_scenario(std::string_view text, scenario& out) {
    while (!text.empty()) {
        std::size_t semi = text.find(';');
        std::string_view item = trim(text.substr(0, semi));
        text = semi == std::string_view::npos ? std::string_view{} : text.substr(semi + 1);
        if (item.empty()) continue;  // tolerate `a=1;;b=2;`
        std::size_t eq = item.find('=');
        if (eq == std::string_view::npos)
            return "scenario item '" + std::string(item) + "' is not key=value";
        std::string key = normalize_word(item.substr(0, eq));
        std::string_view raw = trim(item.substr(eq + 1));

        bool is_fault_key = false;
        std::optional<phase> only = fault_key_phase(key, is_fault_key);
        if (is_fault_key) {
            while (!raw.empty()) {
                std::size_t comma = raw.find(',');
                std::string_view tok = trim(raw.substr(0, comma));
                raw = comma == std::string_view::npos ? std::string_view{} : raw.substr(comma + 1);
                if (tok.empty()) continue;
                if (auto err = parse_fault_token(tok, only, out); !err.empty()) return key + ": " + err;
            }
            continue;
        }

        std::string value = percent_decode(raw);
        if (key == "status") {
            if (value.empty()) return "status: empty value";
            out.status = value;
        } else if (key == "interim") {
            std::vector<std::string> list;
            std::string_view v = raw;
            while (!v.empty()) {
                std::size_t comma = v.find(',');
                std::string_view s = trim(v.substr(0, comma));
                v = comma == std::string_view::npos ? std::string_view{} : v.substr(comma + 1);
                if (!s.empty()) list.push_back(percent_decode(s));
            }
            out.interim = std::move(list);
        } else if (key == "error") {
            out.error = value;
        } else if (key == "result") {
            std::string v = normalize_word(value);
            if (v == "large" || v == "url") out.large = true;
            else if (v == "inline") out.large = false;
            else return "result: expected inline or large, got '" + value + "'";
        } else if (key == "size") {
            auto v = parse_size(value);
            if (!v) return "size: expected a byte count (e.g. 1048576, 64k, 100M, 1G), got '" + value + "'";
            out.size = *v;
        } else if (key == "pdf_size") {
            auto v = parse_size(value);
            if (!v) return "pdf_size: expected a byte count, got '" + value + "'";
            out.pdf_size = *v;
        } else if (key == "poll_steps") {
            auto v = parse_uint(value);
            if (!v || *v > 1000000) return "poll_steps: expected a number 0-1000000, got '" + value + "'";
            out.poll_steps = static_cast<unsigned>(*v);
        } else if (key == "large_url_base" || key == "url_base") {
            while (!value.empty() && value.back() == '/') value.pop_back();
            if (value.rfind("http://", 0) != 0 && value.rfind("https://", 0) != 0)
                return "large_url_base: expected an http(s):// URL, got '" + value + "'";
            out.large_url_base = value;
        } else if (key == "fail_items") {
            std::vector<std::uint64_t> items;
            std::string_view v = value;
            while (!v.empty()) {
                std::size_t comma = v.find(',');
                std::string_view item = trim(v.substr(0, comma));
                v = comma == std::string_view::npos ? std::string_view{} : v.substr(comma + 1);
                if (item.empty()) continue;
                auto n = parse_uint(item);
                if (!n) return "fail_items: expected item indexes (0-based) such as 0,2, got '" + std::string(item) + "'";
                items.push_back(*n);
            }
            out.fail_items = std::move(items);
        } else if (key == "tag") {
            out.tag = value;
        } else {
            return "unknown scenario key '" + key +
                   "' (known: status, interim, error, result, size, poll_steps, pdf_size, large_url_base, fail_items, "
                   "tag, fault, submit_fault, poll_fault, download_fault, pdf_fault, image_fault, excel_fault, "
                   "cancel_fault)";
        }
    }
    return "";
}

void collect_faults(const scenario& sc, phase p, std::uint64_t n, fault_plan& plan) {
    for (const auto& rule : sc.rules) {
        if (rule.only && *rule.only != p) continue;
        if (!rule.when.matches(n)) continue;
        const fault& f = rule.what;
        bool used = true;
        switch (class_of(f.kind)) {
        case fault_class::refusal: used = !plan.refusal; if (used) plan.refusal = f; break;
        case fault_class::garble: used = !plan.garble; if (used) plan.garble = f; break;
        case fault_class::breakage: used = !plan.breakage; if (used) plan.breakage = f; break;
        case fault_class::modifier:
            switch (f.kind) {
            case fault_kind::gzip: plan.gzip = true; break;
            case fault_kind::chunked: plan.chunked = true; break;
            case fault_kind::close: plan.close = true; break;
            case fault_kind::slow: used = !plan.slow; if (used) plan.slow = f; break;
            case fault_kind::header_flood: used = !plan.header_flood; if (used) plan.header_flood = f; break;
            case fault_kind::delay: plan.delay_ms = std::max<std::uint64_t>(plan.delay_ms, f.ms.value_or(1000)); break;
            default: break;
            }
            break;
        }
        if (used) plan.applied.push_back(f.token);
    }
}

}  // namespace pulse_server
