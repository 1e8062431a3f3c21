// Response bodies as pull-based byte sources. Every body the server sends — a tiny JSON answer, a
// 1 GB generated result, a --result file, a gzip stream — is one of these, so the connection code
// streams them all the same way, a buffer at a time, in constant memory.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pulse_server {

class body_source {
public:
    virtual ~body_source() = default;
    // Exact byte count, or nullopt when it is only known at the end (sent chunked).
    virtual std::optional<std::uint64_t> size() const = 0;
    // Copies up to `cap` bytes into `out`; returns 0 only at the end. Throws on I/O errors.
    virtual std::size_t read(char* out, std::size_t cap) = 0;
};
using source_ptr = std::unique_ptr<body_source>;

source_ptr string_source(std::string s);
source_ptr shared_string_source(std::shared_ptr<const std::string> s);
// Streams a file from disk; `size` is what the server announced (checked at startup).
source_ptr file_source(const std::string& path, std::uint64_t size);
// `pattern` repeated to exactly n bytes (the last copy cut short).
source_ptr repeat_source(std::string pattern, std::uint64_t n);
// `pattern` repeated without end; its size is unknown, so it is sent chunked.
source_ptr endless_source(std::string pattern);
source_ptr concat_source(std::vector<source_ptr> parts);
// The first n bytes of `inner`.
source_ptr limit_source(source_ptr inner, std::uint64_t n);
// gzip (RFC 1952) of `inner`, compressed as it is read.
source_ptr gzip_source(source_ptr inner);

// Reads a (small) source to the end.
std::string drain(body_source& src);

}  // namespace pulse_server
