// --result FILE: the ExtractResultCore served for completed extract jobs. The file is streamed from
// disk for every download; at startup it is read once, in pieces, to check that it is a JSON object
// and to pick out the members a large-result pointer repeats (extraction_id, page_count, plan_info).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace pulse_server {

struct result_file_info {
    std::string path;
    std::uint64_t size = 0;
    std::optional<std::int64_t> page_count;
    std::optional<std::string> extraction_id;
    std::string plan_info_json;  // the top-level plan_info (or plan-info) object, empty when absent
};

// Throws std::runtime_error naming the problem (unreadable, not JSON, not an object).
result_file_info scan_result_file(const std::string& path);

}  // namespace pulse_server
