#include "result_file.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace pulse_server {

namespace {

namespace json = boost::json;

// SAX handler: tracks nesting depth and remembers only the few top-level members we need, so a
// 1 GB file is checked in constant memory.
struct scan_handler {
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

    int depth = 0;
    bool top_is_object = false;
    bool in_plan = false;
    std::string key;      // key being read (only at depth 1 and 2)
    std::string top_key;  // member of the top object whose value is being read
    std::string plan_key;
    std::string str;
    result_file_info* info = nullptr;
    json::object plan;
    bool have_plan = false;

    bool capturing_string() const {
        return (depth == 1 && top_key == "extraction_id") || (depth == 2 && in_plan);
    }
    void scalar(json::value v) {
        if (depth == 1 && top_key == "page_count" && v.is_int64()) info->page_count = v.as_int64();
        else if (depth == 1 && top_key == "page_count" && v.is_uint64())
            info->page_count = static_cast<std::int64_t>(v.as_uint64());
        else if (depth == 2 && in_plan) plan[plan_key] = std::move(v);
    }

    bool on_document_begin(json::error_code&) { return true; }
    bool on_document_end(json::error_code&) { return true; }
    bool on_object_begin(json::error_code&) {
        ++depth;
        if (depth == 1) top_is_object = true;
        if (depth == 2 && (top_key == "plan_info" || top_key == "plan-info") && !have_plan) in_plan = true;
        return true;
    }
    bool on_object_end(std::size_t, json::error_code&) {
        if (depth == 2 && in_plan) {
            in_plan = false;
            have_plan = true;
        }
        --depth;
        return true;
    }
    bool on_array_begin(json::error_code&) { ++depth; return true; }
    bool on_array_end(std::size_t, json::error_code&) { --depth; return true; }
    bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
        if (depth <= 2) key.append(s.data(), s.size());
        return true;
    }
    bool on_key(json::string_view s, std::size_t, json::error_code&) {
        if (depth <= 2) {
            key.append(s.data(), s.size());
            if (depth == 1) top_key = key;
            else plan_key = key;
        }
        key.clear();
        return true;
    }
    bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
        if (capturing_string()) str.append(s.data(), s.size());
        return true;
    }
    bool on_string(json::string_view s, std::size_t, json::error_code&) {
        if (capturing_string()) {
            str.append(s.data(), s.size());
            if (depth == 1) info->extraction_id = str;
            else scalar(json::value(str));
        }
        str.clear();
        return true;
    }
    bool on_number_part(json::string_view, json::error_code&) { return true; }
    bool on_int64(std::int64_t i, json::string_view, json::error_code&) { scalar(i); return true; }
    bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) { scalar(u); return true; }
    bool on_double(double d, json::string_view, json::error_code&) { scalar(d); return true; }
    bool on_bool(bool b, json::error_code&) { scalar(b); return true; }
    bool on_null(json::error_code&) { scalar(nullptr); return true; }
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }
};

}  // namespace

result_file_info scan_result_file(const std::string& path) {
    result_file_info info;
    info.path = path;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open --result file " + path + ": " + std::strerror(errno));

    json::parse_options opt;
    opt.max_depth = 10000;
    json::basic_parser<scan_handler> p(opt);
    p.handler().info = &info;
    std::vector<char> buf(1 << 20);
    json::error_code ec;
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        std::size_t n = static_cast<std::size_t>(in.gcount());
        if (n == 0) break;
        info.size += n;
        std::size_t used = p.write_some(true, buf.data(), n, ec);
        if (!ec && used != n) ec = json::error::extra_data;
        if (ec) break;
    }
    if (!ec) p.write_some(false, nullptr, 0, ec);
    if (ec) throw std::runtime_error("--result file " + path + " is not valid JSON: " + ec.message());
    if (!p.handler().top_is_object) throw std::runtime_error("--result file " + path + " is not a JSON object");
    if (p.handler().have_plan) info.plan_info_json = json::serialize(p.handler().plan);
    return info;
}

}  // namespace pulse_server
