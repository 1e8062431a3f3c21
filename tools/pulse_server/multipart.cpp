#include "multipart.hpp"

#include "http_util.hpp"

#include <algorithm>

namespace pulse_server {

namespace {
constexpr std::size_t max_header_block = 16 * 1024;
}

multipart_parser::multipart_parser(std::string_view boundary, std::size_t max_field_bytes)
    : delimiter_("\r\n--" + std::string(boundary)),
      max_field_bytes_(max_field_bytes),
      searcher_(delimiter_.begin(), delimiter_.end()),
      // The first boundary may open the body without a preceding CRLF; pretending one was there lets
      // a single delimiter pattern find every boundary.
      buf_("\r\n") {}

void multipart_parser::fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
}

void multipart_parser::feed(const char* data, std::size_t n) {
    if (failed() || state_ == state::epilogue) return;  // the epilogue is ignored, as RFC 2046 says
    buf_.append(data, n);
    run();
}

void multipart_parser::finish() {
    if (failed()) return;
    if (state_ != state::epilogue) fail("multipart body ended before the closing boundary");
}

void multipart_parser::emit(const char* data, std::size_t n) {
    form_part& p = parts_.back();
    p.bytes += n;
    if (p.is_file) {
        p.fnv1a64 = fnv1a64_update(p.fnv1a64, data, n);
    } else if (p.value.size() + n > max_field_bytes_) {
        fail("multipart field '" + p.name + "' is larger than " + std::to_string(max_field_bytes_) + " bytes");
    } else {
        p.value.append(data, n);
    }
}

bool multipart_parser::parse_part_headers(std::string_view block) {
    form_part part;
    part.fnv1a64 = fnv1a64_offset;
    bool have_disposition = false;
    while (!block.empty()) {
        std::size_t eol = block.find("\r\n");
        std::string_view line = block.substr(0, eol);
        block = eol == std::string_view::npos ? std::string_view{} : block.substr(eol + 2);
        if (line.empty()) continue;
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) {
            fail("malformed multipart part header line");
            return false;
        }
        std::string_view name = trim(line.substr(0, colon));
        std::string_view value = trim(line.substr(colon + 1));
        if (iequals(name, "content-disposition")) {
            header_params hp = parse_header_params(value);
            if (!iequals(hp.value, "form-data")) {
                fail("multipart part is not form-data");
                return false;
            }
            have_disposition = true;
            part.name = hp.get("name").value_or("");
            if (auto fn = hp.get("filename")) {
                part.filename = *fn;
                part.is_file = true;
            } else if (auto fn_ext = hp.get("filename*")) {  // RFC 5987 form: charset''percent-encoded
                std::string_view v = *fn_ext;
                std::size_t q = v.find("''");
                part.filename = percent_decode(q == std::string_view::npos ? v : v.substr(q + 2));
                part.is_file = true;
            }
        } else if (iequals(name, "content-type")) {
            part.content_type = std::string(value);
        }
    }
    if (!have_disposition) {
        fail("multipart part without Content-Disposition");
        return false;
    }
    if (part.name == "file") part.is_file = true;
    parts_.push_back(std::move(part));
    return true;
}

void multipart_parser::run() {
    std::size_t pos = 0;  // consumed prefix of buf_
    for (;;) {
        std::string_view avail(buf_.data() + pos, buf_.size() - pos);
        if (state_ == state::preamble || state_ == state::content) {
            auto it = std::search(buf_.cbegin() + static_cast<std::ptrdiff_t>(pos), buf_.cend(), searcher_);
            if (it == buf_.cend()) {
                // Keep enough bytes to recognise a delimiter split across two reads.
                std::size_t keep = std::min(avail.size(), delimiter_.size() - 1);
                if (state_ == state::content) emit(avail.data(), avail.size() - keep);
                pos += avail.size() - keep;
                break;
            }
            std::size_t at = static_cast<std::size_t>(it - buf_.cbegin());
            if (state_ == state::content) emit(buf_.data() + pos, at - pos);
            pos = at + delimiter_.size();
            state_ = state::after_boundary;
        } else if (state_ == state::after_boundary) {
            // "--" closes the body; otherwise optional whitespace then CRLF opens a part.
            std::size_t i = 0;
            if (avail.size() < 2) break;
            if (avail.substr(0, 2) == "--") {
                state_ = state::epilogue;
                pos = buf_.size();
                break;
            }
            while (i < avail.size() && (avail[i] == ' ' || avail[i] == '\t')) ++i;
            if (avail.size() - i < 2) break;
            if (avail.substr(i, 2) != "\r\n") {
                fail("malformed multipart boundary line");
                break;
            }
            pos += i + 2;
            state_ = state::headers;
        } else if (state_ == state::headers) {
            std::size_t end;
            std::size_t skip;
            if (avail.substr(0, 2) == "\r\n") {  // a part with no headers at all
                end = 0;
                skip = 2;
            } else {
                end = avail.find("\r\n\r\n");
                skip = 4;
            }
            if (end == std::string_view::npos) {
                if (avail.size() > max_header_block) fail("multipart part headers too large");
                break;
            }
            if (!parse_part_headers(avail.substr(0, end))) break;
            pos += end + skip;
            state_ = state::content;
        } else {  // epilogue
            pos = buf_.size();
            break;
        }
        if (failed()) break;
    }
    buf_.erase(0, pos);
}

}  // namespace pulse_server
