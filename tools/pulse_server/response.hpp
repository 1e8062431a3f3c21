// What the connection sends for one request: the answer (status, headers, body) and how to deliver
// it (the delivery faults). The server decides; the connection only executes.
#pragma once

#include "body_source.hpp"
#include "http_util.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pulse_server {

struct delivery {
    enum class breakage : std::uint8_t { none, reset, reset_mid_body, stall_mid_body, short_body, long_body };
    breakage kind = breakage::none;
    std::optional<std::uint64_t> cut;  // body bytes sent before breaking/stalling (default: half)
    std::uint64_t stall_ms = 0;
    std::uint64_t excess = 0;          // long_body: bytes sent beyond Content-Length
    std::uint64_t slow_chunk = 0;      // slow: bytes per write (0: not slow)
    std::uint64_t slow_ms = 0;         // slow: pause between writes
    std::uint64_t delay_ms = 0;        // pause before the head
    bool chunked = false;              // force Transfer-Encoding: chunked
    bool close = false;                // Connection: close after this response
};

struct response_plan {
    unsigned status = 200;
    std::vector<std::pair<std::string, std::string>> headers;  // beyond the framing headers
    source_ptr body;                                           // null: no body
    delivery how;
    // Runs if the response is abandoned before its last byte reached the socket (a write error, a
    // body that cannot be read), before the socket is closed. Releases a large result reserved for
    // this download, so the client's retry finds it again.
    std::function<void()> on_abort;
    bool shutdown_after = false;
};

inline response_plan json_response(unsigned status, std::string body) {
    response_plan p;
    p.status = status;
    p.headers.emplace_back("Content-Type", "application/json");
    p.body = string_source(std::move(body));
    return p;
}

// An API error in the envelope every endpoint uses.
inline response_plan error_response(unsigned status, std::string_view code, std::string_view message) {
    return json_response(status, error_body(code, message));
}

}  // namespace pulse_server
