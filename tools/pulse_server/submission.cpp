#include "submission.hpp"

#include "http_util.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace pulse_server {

namespace json = boost::json;

namespace {

// A flag as JSON sends it (a bool) or as multipart sends it (text).
std::optional<bool> parse_flag(const json::value& v) {
    if (v.is_bool()) return v.as_bool();
    if (v.is_string()) {
        std::string s = to_lower(trim(v.as_string()));
        if (s == "true" || s == "1") return true;
        if (s == "false" || s == "0") return false;
    }
    return std::nullopt;
}

}  // namespace

std::string header_value(const request_t& req, std::string_view name) {
    auto it = req.find(name);
    return it == req.end() ? std::string() : std::string(it->value());
}

std::optional<std::string> field_text(const json::object& f, std::initializer_list<std::string_view> names) {
    for (auto n : names) {
        const json::value* v = f.if_contains(n);
        if (!v || v->is_null()) continue;
        if (v->is_string()) return std::string(v->as_string());
        return json::serialize(*v);
    }
    return std::nullopt;
}

std::optional<response_plan> read_submission(request_t& req, submission& s) {
    received_body& b = req.body();
    s.file_fnv1a64 = fnv1a64_offset;
    if (!b.error.empty()) return error_response(400, "REQ_002", b.error);
    if (b.multipart) {
        if (b.multipart->failed()) return error_response(400, "REQ_002", "Malformed multipart body: " + b.multipart->error());
        for (auto& part : b.multipart->parts()) {
            if (!part.is_file) {
                s.fields[part.name] = part.value;
                continue;
            }
            s.files.push_back(json::object{{"name", part.name},
                                           {"filename", part.filename},
                                           {"content_type", part.content_type},
                                           {"bytes", part.bytes},
                                           {"fnv1a64", hex64(part.fnv1a64)}});
            if (part.name == "file" && !s.has_file) {
                s.has_file = true;
                s.file_bytes = part.bytes;
                s.file_fnv1a64 = part.fnv1a64;
            }
        }
        return std::nullopt;
    }
    if (b.too_large) return error_response(413, "FILE_002", "Request body too large");
    std::string_view body = trim(b.text);
    if (body.empty()) return std::nullopt;
    header_params ct = parse_header_params(header_value(req, "content-type"));
    if (iequals(ct.value, "application/x-www-form-urlencoded")) {
        while (!body.empty()) {
            std::size_t amp = body.find('&');
            std::string_view pair = body.substr(0, amp);
            body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
            std::size_t eq = pair.find('=');
            s.fields[percent_decode(pair.substr(0, eq), true)] =
                eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true);
        }
        return std::nullopt;
    }
    const bool json_type = ct.value.empty() || iequals(ct.value, "application/json") ||
                           (ct.value.size() > 5 && iequals(std::string_view(ct.value).substr(ct.value.size() - 5), "+json"));
    if (json_type || body.front() == '{') {
        json::error_code ec;
        json::value v = json::parse(body, ec);
        if (ec || !v.is_object()) return error_response(400, "REQ_002", "Request body is not a JSON object");
        s.fields = std::move(v.as_object());
        return std::nullopt;
    }
    return error_response(400, "REQ_002", "Unsupported Content-Type '" + ct.value +
                                              "' (use multipart/form-data or application/json)");
}

std::optional<response_plan> read_async(const json::object& fields, std::optional<bool>& out) {
    const json::value* v = fields.if_contains("async");
    if (!v || v->is_null()) return std::nullopt;
    out = parse_flag(*v);
    if (out) return std::nullopt;
    return error_response(400, "REQ_003", "Invalid value for async (expected true or false)");
}

// Nested options travel as JSON-encoded strings in multipart, as objects in JSON bodies.
std::optional<response_plan> check_json_options(const json::object& fields) {
    for (std::string_view name : {"figure_processing", "figureProcessing", "extensions", "storage", "spreadsheet",
                                  "structured_output", "structuredOutput", "refine_options", "refineOptions"}) {
        const json::value* v = fields.if_contains(name);
        if (!v || v->is_null() || v->is_object()) continue;
        if (v->is_string()) {
            json::error_code ec;
            json::value parsed = json::parse(v->as_string(), ec);
            if (!ec && parsed.is_object()) continue;
        }
        return error_response(400, "REQ_003", "Field '" + std::string(name) +
                                                  "' must be a JSON object (a JSON-encoded string in multipart)");
    }
    return std::nullopt;
}

bool valid_page_range(std::string_view s) {
    auto number = [](std::string_view n) {
        n = trim(n);
        return !n.empty() && n.find_first_not_of("0123456789") == std::string_view::npos && n.front() != '0';
    };
    if (trim(s).empty()) return false;
    while (!s.empty()) {
        std::size_t comma = s.find(',');
        std::string_view part = s.substr(0, comma);
        s = comma == std::string_view::npos ? std::string_view{} : s.substr(comma + 1);
        std::size_t dash = part.find('-');
        if (dash == std::string_view::npos ? !number(part) : !(number(part.substr(0, dash)) && number(part.substr(dash + 1))))
            return false;
    }
    return true;
}

request_error::request_error(unsigned st, std::string c, const std::string& message)
    : std::runtime_error(message), status(st), code(std::move(c)) {}

response_plan request_error::answer() const { return error_response(status, code, what()); }

void missing(std::string_view path) {
    throw request_error(400, "REQ_004", "Missing required parameter: " + std::string(path));
}

void invalid(std::string_view path, std::string_view expected) {
    std::string m = "Invalid value for ";
    m += path;
    m += ": expected ";
    m += expected;
    throw request_error(400, "REQ_003", m);
}

namespace member {

std::string path(std::string_view prefix, std::string_view name) {
    std::string p(prefix);
    if (!p.empty()) p += '.';
    p += name;
    return p;
}

const json::value* find(const json::object& o, std::string_view name) {
    const json::value* v = o.if_contains(name);
    return v && !v->is_null() ? v : nullptr;
}

const json::object* object(const json::object& o, std::string_view name, std::string_view prefix) {
    const json::value* v = find(o, name);
    if (!v) return nullptr;
    if (!v->is_object()) invalid(path(prefix, name), "an object");
    return &v->as_object();
}

const json::object& required_object(const json::object& o, std::string_view name, std::string_view prefix) {
    const json::object* v = object(o, name, prefix);
    if (!v) missing(path(prefix, name));
    return *v;
}

const json::array* array(const json::object& o, std::string_view name, std::string_view prefix) {
    const json::value* v = find(o, name);
    if (!v) return nullptr;
    if (!v->is_array()) invalid(path(prefix, name), "an array");
    return &v->as_array();
}

std::optional<std::string> string(const json::object& o, std::string_view name, std::string_view prefix) {
    const json::value* v = find(o, name);
    if (!v) return std::nullopt;
    if (!v->is_string()) invalid(path(prefix, name), "a string");
    return std::string(v->as_string());
}

std::string required_string(const json::object& o, std::string_view name, std::string_view prefix) {
    auto v = string(o, name, prefix);
    if (!v || trim(*v).empty()) missing(path(prefix, name));
    return *v;
}

std::optional<bool> flag(const json::object& o, std::string_view name, std::string_view prefix) {
    const json::value* v = find(o, name);
    if (!v) return std::nullopt;
    auto b = parse_flag(*v);
    if (!b) invalid(path(prefix, name), "true or false");
    return b;
}

std::optional<std::int64_t> integer(const json::object& o, std::string_view name, std::string_view prefix,
                                    std::int64_t lo, std::int64_t hi) {
    const json::value* v = find(o, name);
    if (!v) return std::nullopt;
    std::optional<std::int64_t> n;
    if (v->is_int64()) n = v->as_int64();
    else if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(hi)) n = static_cast<std::int64_t>(v->as_uint64());
    if (!n || *n < lo || *n > hi) {
        std::string expected = "an integer from ";
        expected += std::to_string(lo);
        expected += " to ";
        expected += std::to_string(hi);
        invalid(path(prefix, name), expected);
    }
    return n;
}

std::optional<std::vector<std::string>> string_list(const json::object& o, std::string_view name,
                                                    std::string_view prefix) {
    const json::value* v = find(o, name);
    if (!v) return std::nullopt;
    if (!v->is_array() || v->as_array().empty()) invalid(path(prefix, name), "a non-empty array of strings");
    std::vector<std::string> out;
    for (const auto& e : v->as_array()) {
        if (!e.is_string() || trim(e.as_string()).empty()) invalid(path(prefix, name), "a non-empty array of strings");
        out.emplace_back(e.as_string());
    }
    return out;
}

}  // namespace member

}  // namespace pulse_server
