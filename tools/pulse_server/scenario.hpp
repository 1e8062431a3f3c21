// The x-pulse-scenario / --fault grammar: how a test asks the server for a behaviour (a job's final
// status, its result size, faults on its Nth poll...). The grammar is documented in README.md; this
// file is its only parser. Parsing is forgiving about spelling (case, '-' vs '_', whitespace) but
// strict about vocabulary: an unknown key, fault kind or parameter is an error, so a typo in a test
// fails loudly instead of silently testing nothing.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pulse_server {

// Which kind of request a fault applies to. `other` covers unknown routes; control endpoints
// (/__*) never get faults.
enum class phase : std::uint8_t { submit, poll, download, pdf, image, excel, cancel, other };
inline constexpr std::size_t phase_count = 8;
std::string_view phase_name(phase p) noexcept;

enum class fault_kind : std::uint8_t {
    // Refusals: the server answers with something else instead of doing the work.
    status, redirect, echo_key,
    // Garbled answers: the work is done, the body is wrong.
    malformed_json, truncated_json, wrong_shape, depth_bomb, huge_string, sparse_boxes,
    // Broken deliveries: the right answer, broken on the wire.
    reset, reset_mid_body, stall_mid_body, short_body, long_body,
    // Delivery modifiers: combine freely with everything above.
    slow, gzip, chunked, close, delay, header_flood,
};

enum class fault_class : std::uint8_t { refusal, garble, breakage, modifier };
fault_class class_of(fault_kind k) noexcept;

struct fault {
    fault_kind kind{};
    std::string token;                             // as written; echoed in the x-pulse-fault header
    unsigned status = 0;                           // kind::status: the code; redirect/echo_key: override
    std::string retry_after;                       // Retry-After, verbatim
    std::optional<std::int64_t> retry_after_date;  // Retry-After as an HTTP-date, now + this many seconds
    std::string retry_after_ms;                    // retry-after-ms, verbatim
    std::string body_style = "json";               // kind::status: json | html | text | empty
    std::optional<std::uint64_t> bytes;            // cut point, string size, or excess bytes
    std::optional<std::uint64_t> ms;               // stall, drip interval or delay
    std::optional<std::uint64_t> chunk;            // slow: bytes per drip
    std::optional<std::uint64_t> depth;            // depth_bomb
    std::optional<std::uint64_t> count;            // header_flood: header fields; sparse_boxes: items
    std::string url;                               // redirect target; empty = same path, other origin
};

// Which occurrences of a phase a rule hits: @N, @N-M, @N+ or (default) every one.
struct occurrence {
    std::uint64_t first = 1;
    std::uint64_t last = std::numeric_limits<std::uint64_t>::max();
    bool matches(std::uint64_t n) const noexcept { return n >= first && n <= last; }
};

struct fault_rule {
    std::optional<phase> only;  // nullopt: any phase (the `fault=` key)
    occurrence when;
    fault what;
};

// Everything a scenario can say. Unset members fall back to the server's command-line defaults.
struct scenario {
    std::optional<std::string> status;                // final status, any string
    std::optional<std::vector<std::string>> interim;  // statuses reported before the final one
    std::optional<std::string> error;                 // `error` text of a failed job
    std::optional<bool> large;                        // result=large|inline (default: by size)
    std::optional<std::uint64_t> size;                // generated result of exactly this many bytes
    std::optional<unsigned> poll_steps;
    std::optional<std::uint64_t> pdf_size;
    std::optional<std::string> large_url_base;
    std::vector<std::uint64_t> fail_items;            // batches: the items (0-based) that fail
    std::string tag;                                  // free text; only makes scenario texts distinct
    std::vector<fault_rule> rules;
};

// Parses `text` into `out`. Returns an empty string on success, otherwise a message naming the
// offending item.
std::string parse_scenario(std::string_view text, scenario& out);

// The faults that hit one request, merged from every scenario that applies to it (request header,
// job, --fault), in that order of precedence: refusal, garble and breakage take the first match;
// modifiers accumulate.
struct fault_plan {
    std::optional<fault> refusal, garble, breakage;
    bool gzip = false, chunked = false, close = false;
    std::optional<fault> slow;
    std::optional<fault> header_flood;
    std::uint64_t delay_ms = 0;
    std::vector<std::string> applied;  // tokens, for the x-pulse-fault response header
};

// Adds the rules of `sc` that hit a request of phase `p` which is occurrence number `n` of that phase.
void collect_faults(const scenario& sc, phase p, std::uint64_t n, fault_plan& plan);

}  // namespace pulse_server
