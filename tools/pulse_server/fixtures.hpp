// Canned content: the built-in sample ExtractResultCore, form results, and the PDF and PNG bytes the
// result-file endpoints serve. All deterministic, so tests can compare bytes.
#pragma once

#include "body_source.hpp"

#include <boost/json/array.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace pulse_server {

// The ExtractResultCore served when no --result file is given (about 2 KB).
const std::string& builtin_result_json();

// A one-page PDF, padded inside its content stream (with PDF comment lines) to exactly
// `requested_size` bytes when that is larger than its natural size. The cross-reference table stays
// correct at any size, and the bytes are produced as they are sent.
class pdf_document {
public:
    pdf_document(const std::string& title, std::uint64_t requested_size);
    std::uint64_t size() const noexcept { return prefix_.size() + padding_ + suffix_.size(); }
    source_ptr open() const;

private:
    std::string prefix_;
    std::uint64_t padding_ = 0;
    std::string suffix_;
};

// A tiny valid PNG (8x8 RGB gradient).
std::string make_png();

struct form_request {
    std::string operation;  // detect | fill | clear
    std::string job_id;
    std::string form_id;
    std::string pdf_url;
    std::string instructions;
    std::optional<boost::json::array> form_fields;  // caller-supplied cells, if any
};

// A FormResult: form_id, job_id, cells (also under the spec's name form_fields), page_count, pdf_url,
// fields_filled / fields_cleared, credits_used, plan_info.
std::string form_result_json(const form_request& req);

}  // namespace pulse_server
