// A synthetic ExtractResultCore of an exact requested byte size, produced on the fly.
//
// Layout: a fixed header (markdown, bounding boxes, ...) opening extensions.altOutputs.wlbb.words,
// then N word records, each written into a slot of the same width (the record, then spaces — JSON
// allows whitespace between array elements), then a few spaces of padding, then a footer that closes
// the document and carries page_count and plan_info. Because every slot has the same width the byte
// at any offset can be computed directly: no state, no buffering, any size up to 1 TiB in constant
// memory, and the exact length is known before the first byte is sent (Content-Length).
#pragma once

#include "body_source.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace pulse_server {

class generated_result {
public:
    // Sizes below minimum_size() are rounded up to it; above max_size() down to it. Without an
    // extraction id (36 characters, a UUID, as the minimum size assumes), one derived from the size.
    explicit generated_result(std::uint64_t requested_size, std::string extraction_id = {});

    static std::uint64_t minimum_size();
    static constexpr std::uint64_t max_size() { return 1ull << 40; }

    std::uint64_t size() const noexcept { return size_; }
    std::uint64_t word_count() const noexcept { return words_; }
    std::uint64_t page_count() const noexcept;
    const std::string& extraction_id() const noexcept { return extraction_id_; }
    std::string plan_info_json() const;

    // Fills out[0, n) with bytes [offset, offset + n) of the document. Thread-safe (const, stateless).
    void read_at(std::uint64_t offset, char* out, std::size_t n) const;

private:
    std::string extraction_id_;
    std::string footer_;
    std::uint64_t words_ = 0;
    std::uint64_t pad_ = 0;
    std::uint64_t size_ = 0;
};

source_ptr generated_source(std::shared_ptr<const generated_result> doc);

}  // namespace pulse_server
