// Streaming multipart/form-data parser (RFC 7578). It is fed the request body in whatever pieces the
// socket delivers, keeps text fields, and only counts and hashes file parts, so an upload of any size
// is checked in constant memory. Binary-safe: a part ends only at CRLF "--" boundary.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace pulse_server {

struct form_part {
    std::string name;
    std::string filename;      // empty when the part had no filename parameter
    std::string content_type;
    bool is_file = false;      // has a filename, or is the field named "file": counted, not kept
    std::string value;         // text parts only
    std::uint64_t bytes = 0;   // size of the part's content
    std::uint64_t fnv1a64 = 0; // hash of the part's content (file parts)
};

class multipart_parser {
public:
    multipart_parser(std::string_view boundary, std::size_t max_field_bytes);
    // The searcher points into delimiter_, so the parser stays where it was built.
    multipart_parser(const multipart_parser&) = delete;
    multipart_parser& operator=(const multipart_parser&) = delete;

    void feed(const char* data, std::size_t n);
    // Call once at the end of the body; flags a body that stopped before the closing boundary.
    void finish();

    bool failed() const noexcept { return !error_.empty(); }
    const std::string& error() const noexcept { return error_; }
    std::vector<form_part>& parts() noexcept { return parts_; }

private:
    enum class state { preamble, after_boundary, headers, content, epilogue };

    void run();
    bool parse_part_headers(std::string_view block);
    void emit(const char* data, std::size_t n);
    void fail(std::string message);

    std::string delimiter_;  // CRLF "--" boundary
    std::size_t max_field_bytes_;
    std::boyer_moore_horspool_searcher<std::string::const_iterator> searcher_;
    state state_ = state::preamble;
    std::string buf_;        // bytes not consumed yet (never more than one read plus a delimiter)
    std::vector<form_part> parts_;
    std::string error_;
};

}  // namespace pulse_server
