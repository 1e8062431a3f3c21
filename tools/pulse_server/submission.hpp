// What a request to a submission endpoint carried, and how the server reads it: the body in any of
// its encodings (multipart, JSON, urlencoded) as fields and files, and checks of those fields that
// answer as the API does (REQ_003 a wrong type or value, REQ_004 a missing parameter, REQ_006 a bad
// page range).
#pragma once

#include "response.hpp"
#include "upload_body.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pulse_server {

// What a submission carried, whatever its encoding.
struct submission {
    boost::json::object fields;  // text fields (multipart: strings; JSON body: the JSON values)
    boost::json::array files;    // every file part: name, filename, content_type, bytes, fnv1a64
    bool has_file = false;       // a part named "file" was uploaded
    std::uint64_t file_bytes = 0;
    std::uint64_t file_fnv1a64 = 0;
};

std::string header_value(const request_t& req, std::string_view name);

// Reads the body into `s`, or answers why it cannot be read (malformed multipart or JSON, a body
// over the text cap, an unsupported Content-Type).
std::optional<response_plan> read_submission(request_t& req, submission& s);

// The first present, non-null member of `names` as text: strings as they are, other values as JSON.
std::optional<std::string> field_text(const boost::json::object& f, std::initializer_list<std::string_view> names);

// `async` as a bool, or as the strings "true"/"false" (multipart); anything else is REQ_003.
std::optional<response_plan> read_async(const boost::json::object& fields, std::optional<bool>& out);

// The extract options that are objects: objects in JSON bodies, JSON-encoded strings in multipart.
std::optional<response_plan> check_json_options(const boost::json::object& fields);

// `1-2,5` style page selections.
bool valid_page_range(std::string_view s);

// A request the API refuses. Thrown by the member checks below; the handler answers with
// answer(), the API's error envelope.
struct request_error : std::runtime_error {
    request_error(unsigned status, std::string code, const std::string& message);
    response_plan answer() const;
    unsigned status;
    std::string code;
};

// 400 REQ_004 "Missing required parameter: PATH".
[[noreturn]] void missing(std::string_view path);
// 400 REQ_003 "Invalid value for PATH: expected WHAT".
[[noreturn]] void invalid(std::string_view path, std::string_view expected);

// Member checks for JSON request bodies. `prefix` is the path of `o` in the request ("" at the top,
// "schema_config" inside it), so messages name the member as "schema_config.input_schema". An
// absent member and a null one are the same.
namespace member {

std::string path(std::string_view prefix, std::string_view name);
const boost::json::value* find(const boost::json::object& o, std::string_view name);

const boost::json::object* object(const boost::json::object& o, std::string_view name, std::string_view prefix);
const boost::json::object& required_object(const boost::json::object& o, std::string_view name, std::string_view prefix);
const boost::json::array* array(const boost::json::object& o, std::string_view name, std::string_view prefix);
std::optional<std::string> string(const boost::json::object& o, std::string_view name, std::string_view prefix);
// A string that must be present and not empty.
std::string required_string(const boost::json::object& o, std::string_view name, std::string_view prefix);
// A bool, or "true"/"false" (multipart sends flags as text).
std::optional<bool> flag(const boost::json::object& o, std::string_view name, std::string_view prefix);
std::optional<std::int64_t> integer(const boost::json::object& o, std::string_view name, std::string_view prefix,
                                    std::int64_t lo, std::int64_t hi);
// A non-empty array of non-empty strings.
std::optional<std::vector<std::string>> string_list(const boost::json::object& o, std::string_view name,
                                                    std::string_view prefix);

}  // namespace member

}  // namespace pulse_server
