// SPDX-License-Identifier: MIT
//
// Built by tools/check-packaging.sh against single_include/ ONLY (no -I include/), then checked with
// the compiler's dependency list: no header under include/pulse/ may be read. Also built with
// -fno-exceptions. Decodes an ExtractResultCore and exercises a few APIs of each layer.
#include <pulse/pulse.hpp>

#include <chrono>
#include <cstdio>
#include <string>

#if !PULSE_HAS_EXCEPTIONS
#include <cstdlib>
#include <exception>
namespace boost {
void throw_exception(std::exception const& e) {
    std::fprintf(stderr, "throw_exception: %s\n", e.what());
    std::abort();
}
void throw_exception(std::exception const& e, boost::source_location const&) {
    std::fprintf(stderr, "throw_exception: %s\n", e.what());
    std::abort();
}
} // namespace boost
#endif

namespace {
int failures = 0;
void check(bool ok, char const* what) {
    if (!ok) {
        std::fprintf(stderr, "single_include_test: FAILED: %s\n", what);
        ++failures;
    }
}
constexpr char const* poll_body = R"({
  "job_id": "3c90c3cc", "status": "completed",
  "result": {
    "markdown": "# Quarterly Report", "page_count": 3, "credits_used": 3,
    "bounding_boxes": {"Title": [{"id": "ttl-1", "content": "Quarterly Report", "page_number": 1,
                                  "bounding_box": [0.08, 0.05, 0.62, 0.05, 0.62, 0.09, 0.08, 0.09]}],
                       "Text": [], "Tables": [], "Images": []},
    "plan-info": {"tier": "growth", "pages_used": 1843},
    "future_member": {"kept": true}
  }
})";
} // namespace

int main() {
    // schema: poll answer -> ExtractResultCore, unknown members kept, legacy spelling read.
    auto poll = pulse::decode_json<pulse::job_status_response>(poll_body);
    check(poll.has_value(), "poll answer decodes");
    if (!poll || !poll->result) return 1;
    auto r = pulse::decode<pulse::extract_result>(*poll->result);
    check(r.has_value(), "ExtractResultCore decodes");
    if (!r) return 1;
    check(r->markdown == "# Quarterly Report", "markdown");
    check(r->page_count == 3, "page_count");
    check(r->plan_info && r->plan_info->tier == "growth", "plan-info (legacy spelling)");
    check(r->bounding_boxes && r->bounding_boxes->title && r->bounding_boxes->title->size() == 1, "Title box");
    check(r->extra.contains("future_member"), "unknown member kept");
    check(pulse::encode(*r) == *poll->result, "round trip is the same JSON");

    // schema: a decode error names the path.
    auto bad = pulse::decode_json<pulse::extract_result>(R"({"page_count": "three"})");
    check(!bad && bad.error().code == pulse::errc::type_mismatch && bad.error().path == "page_count",
          "decode error names the member");

    // http: URL building with a hostile job id, origins, Retry-After.
    auto url = pulse::http::join_url("https://api.runpulse.com/v1/", {"job", "a/b c"});
    check(url && *url == "https://api.runpulse.com/v1/job/a%2Fb%20c", "join_url encodes one segment");
    check(!pulse::http::same_origin("https://api.runpulse.com/x", "https://storage.example.com/y"),
          "different hosts are different origins");
    auto ra = pulse::http::parse_retry_after("7", std::chrono::system_clock::now());
    check(ra && *ra == std::chrono::seconds(7), "Retry-After seconds");

    if (failures) return 1;
    std::printf("single-include %s ok: markdown=%s pages=%lld error=\"%s\"\n", PULSE_VERSION_STRING,
                r->markdown->c_str(), static_cast<long long>(*r->page_count), bad.error().to_string().c_str());
    return 0;
}
