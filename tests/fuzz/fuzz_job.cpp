// libFuzzer target for pulse/schema/job.hpp as the job machine reads a poll answer: the body
// arrives in input-chosen chunks through pulse::json_reader (size and depth caps), then is
// decoded as a job_status_response. Input: one byte (chunking and caps), then the body. Properties:
// - a body over the size cap never yields a value; one within it parses exactly as the same text
//   in one buffer does (pulse::parse_json: the same value to the last bit of every double, or an
//   error of the matching kind: too_deep or json_syntax);
// - and as boost::json::parse does, but for the doubles Boost 1.81 reads inexactly (same_json.hpp);
// - a decoded answer has the body's job_id and status text; the status is known exactly for the
//   documented names and terminal exactly for completed/failed/canceled/cancelled/expired;
// - `result` is a large-result pointer exactly when it is an object with "is_url": true, and its
//   decoding as large_result_pointer either succeeds or names a decode error (never crashes).
// (Round trips of every schema type are fuzz_schema_decode's; chunked typed decoding is
// fuzz_stream_decode's.)
#include <pulse/schema/json_reader.hpp>
#include <pulse/schema/codec.hpp>
#include <pulse/schema/job.hpp>

#include "fuzz_support.hpp"
#include "same_json.hpp"

#include <boost/json/parse.hpp>

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    pulse_fuzz::reader in(data, size);
    std::uint8_t const sel = in.u8();
    std::string_view const text = in.rest();
    pulse::stream_limits lim;
    lim.max_body_bytes = (sel & 1) ? 256u : 1u << 20;
    lim.max_depth = (sel & 2) ? 8u : 64u;

    pulse::json_reader body(lim);
    std::size_t at = 0;
    for (unsigned step = 0; at < text.size(); ++step) {
        std::size_t n = 1 + (sel / 4 + step * 5) % 32;
        if (n > text.size() - at) n = text.size() - at;
        if (!body.feed(text.substr(at, n))) break;
        at += n;
    }
    auto const v = body.finish();

    auto const one = pulse::parse_json(text, {.max_depth = lim.max_depth});
    boost::json::parse_options opt;
    opt.max_depth = lim.max_depth;
    boost::system::error_code ec;
    boost::json::value const dom = boost::json::parse(boost::json::string_view(text.data(), text.size()), ec, {}, opt);
    FUZZ_CHECK(one.has_value() == !ec);
    if (one) FUZZ_CHECK(pulse_fuzz::same_json(*one, dom, pulse_fuzz::doubles::boost_doubles));

    if (text.size() > lim.max_body_bytes) {
        FUZZ_CHECK(!v);
        auto const c = v.error().code;
        FUZZ_CHECK(c == pulse::errc::body_too_large || c == pulse::errc::json_syntax || c == pulse::errc::too_deep);
        return 0;
    }
    FUZZ_CHECK(v.has_value() == !ec);
    if (!v) {
        FUZZ_CHECK(v.error().code == (ec == boost::json::error::too_deep ? pulse::errc::too_deep : pulse::errc::json_syntax));
        return 0;
    }
    FUZZ_CHECK(pulse_fuzz::same_json(*v, *one)); // exact

    auto const r = pulse::decode<pulse::job_status_response>(*v);
    if (!r) {
        FUZZ_CHECK(r.error().layer() == pulse::error_layer::decode);
        return 0;
    }
    auto const& o = v->as_object(); // a decoded answer was an object
    FUZZ_CHECK(o.at("job_id").as_string() == r->job_id);
    std::string_view const st = o.at("status").as_string();
    FUZZ_CHECK(r->status.str() == st);
    bool const terminal = st == "completed" || st == "failed" || st == "canceled" || st == "cancelled" || st == "expired";
    FUZZ_CHECK(pulse::is_terminal(r->status) == terminal);
    FUZZ_CHECK(r->status.is_known() == (terminal || st == "pending" || st == "processing"));
    if (r->result) {
        auto const* ro = r->result->if_object();
        auto const* flag = ro ? ro->if_contains("is_url") : nullptr;
        bool const pointer = flag && flag->is_bool() && flag->get_bool();
        FUZZ_CHECK(pulse::is_large_result_pointer(*r->result) == pointer);
        if (pointer) {
            auto const p = pulse::decode<pulse::large_result_pointer>(*r->result);
            if (!p) FUZZ_CHECK(p.error().layer() == pulse::error_layer::decode);
        }
    }
    return 0;
}
