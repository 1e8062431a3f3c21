// libFuzzer target: any bytes as an error body, read as the library reads every non-2xx answer.
// - read_api_error never fails or crashes; it caps what it keeps of a non-JSON body (the trimmed
//   text, at most 512 bytes), and reads the documented envelope's error.message when there is one;
// - flow::detail::http_error (what the job machine makes of the answer) maps the status, keeps a
//   capped excerpt of the body that never ends inside a UTF-8 sequence, and never lets the API key
//   through, also when the server echoes it (seeds contain it).
#include <pulse/flow/detail/http_error.hpp>
#include <pulse/schema/api_error.hpp>

#include "fuzz_support.hpp"

#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {
constexpr std::string_view secret = "sk-FUZZ-7b1e-KEY"; // no '[' or ']', so "[redacted]" cannot rebuild it

bool has_secret(pulse::error const& e) {
    for (std::string const* s : {&e.message, &e.body, &e.api_code, &e.path})
        if (s->find(secret) != std::string::npos) return true;
    return false;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::string_view body(reinterpret_cast<char const*>(data), size);
    pulse::api_error const e = pulse::read_api_error(body);

    boost::json::parse_options opt;
    opt.max_depth = 64;
    boost::system::error_code ec;
    boost::json::value const v = boost::json::parse(boost::json::string_view(body.data(), body.size()), ec, {}, opt);
    if (ec || (!v.is_object() && !v.is_string())) {
        std::string_view t = body;
        auto const ws = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
        while (!t.empty() && ws(t.front())) t.remove_prefix(1);
        while (!t.empty() && ws(t.back())) t.remove_suffix(1);
        FUZZ_CHECK(e.message.has_value() == !t.empty());
        if (e.message) FUZZ_CHECK(*e.message == t.substr(0, 512));
        FUZZ_CHECK(!e.code);
    } else if (auto const* o = v.if_object()) {
        auto const* inner = o->if_contains("error");
        auto const* io = inner ? inner->if_object() : nullptr;
        auto const* m = io ? io->if_contains("message") : nullptr;
        if (m && m->is_string()) FUZZ_CHECK(e.message && *e.message == std::string_view(m->get_string()));
    }

    // What the machine reports: status from the input length, a small excerpt cap.
    int const status = 300 + static_cast<int>(size % 300);
    std::size_t const cap = 1 + size % 61;
    pulse::error const h = pulse::flow::detail::http_error(status, body, "poll GET /job/x", cap, secret);
    FUZZ_CHECK(h.code == pulse::flow::detail::errc_for_status(status));
    FUZZ_CHECK(h.http_status == status);
    FUZZ_CHECK(!has_secret(h));
    FUZZ_CHECK(h.body.size() <= cap);
    if (body.find(secret) == std::string_view::npos) {
        FUZZ_CHECK(body.substr(0, h.body.size()) == h.body);
        if (!h.body.empty() && h.body.size() < body.size()) FUZZ_CHECK((static_cast<unsigned char>(body[h.body.size()]) & 0xC0) != 0x80);
    }
    return 0;
}
