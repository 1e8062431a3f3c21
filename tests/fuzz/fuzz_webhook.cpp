// libFuzzer target for pulse/webhook/*.hpp (target pulse::webhook). Input (make_seeds.py writes
// seeds): the secret's text, the id, a u32 signing time, a u16 tolerance, a webhook-signature header
// and a webhook-timestamp text for the arbitrary delivery, a u16 position and a u8 mask for the
// body change, then the body.
// Properties:
// - secret::parse never crashes; a parsed secret's encoded() parses back to the same key;
// - a delivery signed with sign() verifies at its own time, and at the tolerance's edge on either
//   side, and is stale / future one second past it;
// - any single-byte change of the body fails with signature_mismatch;
// - an arbitrary delivery verifies only if its signature header holds, as one space-separated entry,
//   exactly the signature compute_signature() gives, and its timestamp is digits within the tolerance;
// - decode_event never crashes; a job_id() it returns is the top-level or data's "job_id" string.
#include <pulse/webhook.hpp>

#include "fuzz_support.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace {

namespace wh = pulse::webhook;
using std::chrono::seconds;
using std::chrono::system_clock;

system_clock::time_point at(std::int64_t s) { return system_clock::time_point(seconds(s)); }

bool is_string_equal(boost::json::value const* v, std::string_view s) {
    return v && v->is_string() && std::string_view(v->get_string().data(), v->get_string().size()) == s;
}

bool has_entry(std::string_view header, std::string_view wanted) {
    while (!header.empty()) {
        auto const sp = header.find(' ');
        if (header.substr(0, sp) == wanted) return true;
        if (sp == std::string_view::npos) break;
        header.remove_prefix(sp + 1);
    }
    return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    pulse_fuzz::reader in(data, size);
    std::string_view const key_text = in.str();
    std::string_view id = in.str();
    std::int64_t const ts = in.u32();
    std::int64_t const tol = in.u16();
    std::string_view const any_signature = in.str();
    std::string_view const any_timestamp = in.str();
    std::uint16_t const pos = in.u16();
    auto const mask = static_cast<std::uint8_t>(in.u8() | 1u);
    std::string_view const body = in.rest();
    if (id.empty()) id = "msg_fuzz";

    auto parsed = wh::secret::parse(key_text);
    if (parsed) {
        FUZZ_CHECK(!parsed->key().empty());
        auto again = wh::secret::parse(parsed->encoded());
        FUZZ_CHECK(again && again->key() == parsed->key());
    }
    auto key = parsed ? std::move(parsed) : wh::secret::from_bytes(key_text.empty() ? std::string_view("k") : key_text);
    FUZZ_CHECK(key.has_value());

    // Signed with sign(): verifies within the tolerance, and only there.
    auto h = wh::sign(*key, std::string(id), std::chrono::sys_seconds(seconds(ts)), body);
    FUZZ_CHECK(h.has_value());
    wh::verify_options o;
    o.tolerance = seconds(tol);
    o.now = at(ts);
    FUZZ_CHECK(wh::verify(*key, h->view(), body, o).has_value());
    o.now = at(ts + tol);
    FUZZ_CHECK(wh::verify(*key, h->view(), body, o).has_value());
    o.now = at(ts - tol);
    FUZZ_CHECK(wh::verify(*key, h->view(), body, o).has_value());
    o.now = at(ts + tol + 1);
    auto stale = wh::verify(*key, h->view(), body, o);
    FUZZ_CHECK(!stale && stale.error().code == pulse::errc::stale_timestamp);
    o.now = at(ts - tol - 1);
    auto future = wh::verify(*key, h->view(), body, o);
    FUZZ_CHECK(!future && future.error().code == pulse::errc::future_timestamp);

    // One changed byte of the body: no match.
    o.now = at(ts);
    if (!body.empty()) {
        std::string changed(body);
        std::size_t const i = pos % changed.size();
        changed[i] = static_cast<char>(static_cast<std::uint8_t>(changed[i]) ^ mask);
        auto bad = wh::verify(*key, h->view(), changed, o);
        FUZZ_CHECK(!bad && bad.error().code == pulse::errc::signature_mismatch);
    }

    // An arbitrary delivery: accepted only with the exact signature among its entries.
    wh::headers_view const any{id, any_timestamp, any_signature};
    auto r = wh::verify(*key, any, body, o);
    if (r) {
        auto expected = wh::compute_signature(*key, id, any_timestamp, body);
        FUZZ_CHECK(expected.has_value());
        FUZZ_CHECK(has_entry(any_signature, *expected));
        FUZZ_CHECK(!any_timestamp.empty() && any_timestamp.size() <= 19);
        for (char c : any_timestamp) FUZZ_CHECK(c >= '0' && c <= '9');
    }

    // The payload: never a crash; job_id() is one of the two documented places.
    auto ev = wh::decode_event(body);
    if (ev) {
        if (auto j = ev->job_id()) {
            auto const* top = ev->json().if_contains("job_id");
            auto const* d = ev->json().if_contains("data");
            auto const* nested = d && d->is_object() ? d->get_object().if_contains("job_id") : nullptr;
            bool const from_top = is_string_equal(top, *j);
            bool const from_data = !(top && top->is_string()) && is_string_equal(nested, *j);
            FUZZ_CHECK(from_top || from_data);
        }
    }
    return 0;
}
