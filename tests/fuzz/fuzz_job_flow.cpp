// libFuzzer target for pulse/flow/job_flow.hpp (and the operation headers that build its plans).
// The input picks an operation and a configuration, then is read as a sequence of driver events in
// any order, sensible or not: response heads with any status and header fields, body chunks, the end
// of a transfer (success or a transport error), time passing, the wall clock, cancel(). After each
// event the driver asks next(now) and checks the machine's documented contract:
// - wait: wake_at is after `now` and never past the deadline;
// - send only when no transfer is in flight; in_flight / abort_transfer only while one is;
// - once done or failed, always the same answer and never another request;
// - x-api-key only on requests whose URL has the API's origin (checked with Boost.URL here);
// - a submission is repeated only after a 429 or a failure before the request left (no opt-in set);
// - nothing is sent after bytes reached the caller's sink; the sink's on_complete comes at most once;
// - a failure's error never contains the API key.
// When the input ends, the driver lets time run and answers every request with a connect failure
// (or cancels, then answers): the machine must finish within a bounded number of steps.
#include <pulse/flow/download_flow.hpp>
#include <pulse/flow/extract_flow.hpp>
#include <pulse/flow/job_ops.hpp>

#include "fuzz_support.hpp"

#include <boost/url/parse.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace {

namespace flow = pulse::flow;
namespace http = pulse::http;
using namespace std::chrono_literals;
using pulse::errc;
using pulse_fuzz::reader;

constexpr std::string_view api_key = "sk-FUZZ-7b1e-KEY";

// FUZZ_TRACE=1 in the environment prints each event and answer (to triage a saved crash input).
bool const tracing = std::getenv("FUZZ_TRACE") != nullptr;
#define TRACE(...)                                                                                       \
    do {                                                                                                 \
        if (tracing) std::fprintf(stderr, __VA_ARGS__);                                                  \
    } while (0)

// A caller's sink that checks the calls it gets, and refuses bytes when the input says so.
struct checking_sink final : http::response_handler {
    std::uint8_t refuse = 0; // bit 0: refuse heads sometimes, bit 1: refuse bodies sometimes
    unsigned heads = 0, completes = 0, calls = 0;
    std::uint64_t body_bytes = 0;

    http::sink_action on_head(http::response_head const&) override {
        FUZZ_CHECK(completes == 0);
        ++heads;
        return (refuse & 1) && (++calls % 3 == 0) ? http::sink_action::abort : http::sink_action::proceed;
    }
    http::sink_action on_body(std::string_view chunk) override {
        FUZZ_CHECK(completes == 0);
        FUZZ_CHECK(heads > 0);
        body_bytes += chunk.size();
        return (refuse & 2) && (++calls % 4 == 0) ? http::sink_action::abort : http::sink_action::proceed;
    }
    void on_complete(pulse::result<void>) override {
        ++completes;
        FUZZ_CHECK(completes == 1);
    }
};

struct origin_parts {
    std::string scheme, host;
    std::uint16_t port = 0;
    bool operator==(origin_parts const&) const = default;
};

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// Scheme, host and port as Boost.URL reads them (independent of pulse::http::origin_of).
std::optional<origin_parts> parts_of(std::string_view url) {
    auto u = boost::urls::parse_uri(boost::urls::string_view(url.data(), url.size()));
    if (!u || !u->has_authority()) return std::nullopt;
    origin_parts o;
    o.scheme = lower(std::string_view(u->scheme().data(), u->scheme().size()));
    if (u->host_type() == boost::urls::host_type::ipv6) o.host = u->host_ipv6_address().to_string();
    else o.host = lower(std::string_view(u->encoded_host().data(), u->encoded_host().size()));
    if (u->has_port() && !u->port().empty()) o.port = u->port_number();
    else o.port = o.scheme == "https" ? 443 : o.scheme == "http" ? 80 : 0;
    return o;
}

bool contains_key(pulse::error const& e) {
    for (std::string const* s : {&e.message, &e.body, &e.path, &e.api_code})
        if (s->find(api_key) != std::string::npos) return true;
    return false;
}

constexpr int statuses[] = {200, 201, 202, 204, 206, 301, 302, 400, 401, 403, 404, 408, 410,
                            413, 422, 429, 500, 502, 503, 504, 0,   99,  100, 599, 600, 1000};
constexpr errc transport_errors[] = {errc::transport_failed, errc::resolve_failed,   errc::connect_failed,
                                     errc::tls_failed,       errc::timeout,          errc::connection_reset,
                                     errc::body_truncated,   errc::too_many_redirects, errc::protocol_error,
                                     errc::aborted_by_sink,  errc::canceled,         errc::body_too_large,
                                     errc::file_error,       errc::ok};
constexpr std::string_view header_names[] = {"Retry-After", "retry-after-ms", "Date", "Content-Length",
                                             "Content-Type", "RETRY-AFTER"};

struct setup {
    pulse::config cfg;
    int kind = 0;
    bool drain_by_cancel = false;
    std::uint64_t seed = 0;
    std::string id_or_url;
};

setup read_setup(reader& in) {
    setup s;
    std::uint8_t const a = in.u8(), b = in.u8();
    s.kind = a % 8;
    s.drain_by_cancel = (a & 0x80) != 0;
    static constexpr char const* bases[] = {"https://api.runpulse.com", "http://127.0.0.1:8080/pulse/",
                                            "https://[::1]:8443", "HTTPS://API.runpulse.com:443/v1"};
    s.cfg.base_url = bases[b & 3];
    if (!(b & 4)) s.cfg.api_key = std::string(api_key);
    s.cfg.remote_cancel = (b & 8) != 0;
    static constexpr std::chrono::milliseconds deadlines[] = {0ms, 5s, 60s, 30min};
    s.cfg.policies.deadline = deadlines[(b >> 4) & 3];
    if (b & 0x40) {
        s.cfg.limits.max_answer_bytes = 512;
        s.cfg.limits.max_result_bytes = 1024;
        s.cfg.limits.max_error_body_bytes = 64;
        s.cfg.limits.error_excerpt_bytes = 16;
        s.cfg.limits.max_json_depth = 8;
    }
    if (b & 0x80) s.cfg.policies.poll.first_poll_delay = 0ms;
    s.seed = in.u8();
    s.id_or_url = std::string(in.str());
    return s;
}

template <class T>
class driver {
public:
    driver(flow::job_flow<T>& m, setup const& s, checking_sink* sink) : m_(m), s_(s), sink_(sink) {
        if (auto o = parts_of(s.cfg.base_url)) base_ = *o;
        pulse::progress_observer obs;
        obs.on_retry = [](pulse::retry_event const& e) {
            FUZZ_CHECK(e.delay.count() >= 0);
            FUZZ_CHECK(e.cause != nullptr);
        };
        obs.on_download = [this](std::uint64_t received, std::optional<std::uint64_t>) {
            FUZZ_CHECK(received >= last_received_ || received == 0 || in_new_transfer_);
            in_new_transfer_ = false;
            last_received_ = received;
        };
        m_.set_observer(std::move(obs));
    }

    void run(reader& in) {
        step();
        for (unsigned n = 0; !in.empty() && n < 4096; ++n) {
            event(in);
            step();
        }
        drain();
    }

private:
    void event(reader& in) {
        switch (in.u8() % 10) {
        case 0:
        case 1: {
            http::response_head head;
            std::uint8_t const pick = in.u8();
            head.status = pick < std::size(statuses) ? statuses[pick] : static_cast<std::int16_t>(in.u16());
            for (unsigned i = 0, n = in.u8() % 5; i < n; ++i) {
                std::uint8_t const k = in.u8();
                std::string name = k < std::size(header_names) ? std::string(header_names[k]) : std::string(in.str());
                head.headers.add(std::move(name), std::string(in.str()));
            }
            auto const r = m_.handle_head(head);
            TRACE("head %d (%zu fields) -> %s\n", head.status, head.headers.size(), r == http::sink_action::abort ? "abort" : "proceed");
            if (!in_flight_) FUZZ_CHECK(r == http::sink_action::abort);
            else if (!head_seen_) { // the machine answers only the first head of a transfer
                head_seen_ = true;
                last_status_ = head.status;
            }
            break;
        }
        case 2:
        case 3: {
            std::string_view const chunk = in.str();
            auto const r = m_.handle_body(chunk);
            TRACE("body %zu bytes -> %s\n", chunk.size(), r == http::sink_action::abort ? "abort" : "proceed");
            if (!in_flight_) FUZZ_CHECK(r == http::sink_action::abort);
            break;
        }
        case 4: complete({}); break;
        case 5: {
            errc const c = transport_errors[in.u8() % std::size(transport_errors)];
            complete(c == errc::ok ? pulse::result<void>() : pulse::result<void>(pulse::error(c, "transport said no")));
            break;
        }
        case 6: {
            std::uint16_t const v = in.u16();
            if (v & 1) now_ = (std::max)(now_, wake_);
            else { // saturating: after a wait until the end of the clock, time stays there
                auto const step = std::chrono::milliseconds{(v >> 1) * 37};
                now_ = now_ > (flow::time_point::max)() - step ? (flow::time_point::max)() : now_ + step;
            }
            break;
        }
        case 7: TRACE("cancel\n"); m_.cancel(); break;
        case 8:
            m_.set_wall_clock(std::chrono::system_clock::time_point{std::chrono::seconds{1'700'000'000 + 1000 * in.u16()}});
            break;
        default: break;
        }
    }

    void complete(pulse::result<void> outcome) {
        TRACE("complete %s\n", outcome ? "ok" : std::string(pulse::to_string(outcome.error().code)).c_str());
        if (in_flight_ && post_in_flight_) {
            bool const connect_class = !outcome && (outcome.error().code == errc::connect_failed ||
                                                    outcome.error().code == errc::resolve_failed ||
                                                    outcome.error().code == errc::tls_failed);
            may_resubmit_ = last_status_ == 429 || connect_class;
        }
        m_.handle_complete(std::move(outcome));
        in_flight_ = false;
        post_in_flight_ = false;
    }

    flow::action step() {
        flow::action const a = m_.next(now_);
        TRACE("next(+%lld ms) -> %s%s%s\n", static_cast<long long>((now_ - flow::time_point{}) / 1ms - 3'600'000'000),
              std::string(flow::to_string(a.kind)).c_str(), a.request ? " " : "", a.request ? a.request->url.c_str() : "");
        if (!started_) {
            started_ = true;
            start_ = now_;
        }
        if (final_) FUZZ_CHECK(a.kind == *final_);
        switch (a.kind) {
        case flow::action_kind::wait:
            FUZZ_CHECK(!in_flight_);
            FUZZ_CHECK(a.wake_at > now_);
            if (s_.cfg.policies.deadline.count() > 0) FUZZ_CHECK(a.wake_at <= start_ + s_.cfg.policies.deadline);
            wake_ = a.wake_at;
            break;
        case flow::action_kind::send: on_send(a); break;
        case flow::action_kind::in_flight:
        case flow::action_kind::abort_transfer: FUZZ_CHECK(in_flight_); break;
        case flow::action_kind::done: final_ = a.kind; break;
        case flow::action_kind::failed:
            FUZZ_CHECK(a.error != nullptr);
            FUZZ_CHECK(a.error->code != errc::ok);
            if (!s_.cfg.api_key.empty() && contains_key(*a.error)) { // say where it leaked (a test key)
                std::fprintf(stderr, "message: %s\nbody: %s\npath: %s\napi_code: %s\n", a.error->message.c_str(),
                             a.error->body.c_str(), a.error->path.c_str(), a.error->api_code.c_str());
                FUZZ_CHECK(!contains_key(*a.error));
            }
            final_ = a.kind;
            break;
        }
        return a;
    }

    void on_send(flow::action const& a) {
        FUZZ_CHECK(!in_flight_);
        FUZZ_CHECK(a.request != nullptr && a.handler != nullptr);
        FUZZ_CHECK(!sink_ || sink_->body_bytes == 0); // nothing is re-sent once the sink holds bytes
        http::request const& r = *a.request;
        if (auto key = r.headers.find("x-api-key")) {
            FUZZ_CHECK(*key == api_key);
            auto const o = parts_of(r.url);
            FUZZ_CHECK(o && base_ && *o == *base_);
        }
        if (r.method == http::method::post) {
            if (posts_ > 0) FUZZ_CHECK(may_resubmit_);
            ++posts_;
            post_in_flight_ = true;
            may_resubmit_ = false;
        }
        in_flight_ = true;
        in_new_transfer_ = true;
        head_seen_ = false;
        last_status_ = -1;
    }

    // The input is over: the machine must now finish in a bounded number of steps.
    void drain() {
        if (s_.drain_by_cancel) m_.cancel();
        for (unsigned n = 0; n < 2000 && !final_; ++n) {
            flow::action const a = step();
            switch (a.kind) {
            case flow::action_kind::wait: now_ = a.wake_at; break;
            case flow::action_kind::send:
                if (s_.drain_by_cancel) { // answers the remote DELETE, if one is sent
                    http::response_head h;
                    h.status = 200;
                    (void)m_.handle_head(h);
                    (void)m_.handle_body("{}");
                    complete({});
                } else {
                    complete(pulse::error(errc::connect_failed, "refused"));
                }
                break;
            case flow::action_kind::in_flight:
            case flow::action_kind::abort_transfer: complete(pulse::error(errc::aborted_by_sink, "aborted")); break;
            default: break;
            }
        }
        FUZZ_CHECK(final_.has_value());
        auto r = m_.take_result();
        FUZZ_CHECK(r.has_value() == (*final_ == flow::action_kind::done));
        if (sink_) FUZZ_CHECK(sink_->completes <= 1);
    }

    flow::job_flow<T>& m_;
    setup const& s_;
    checking_sink* sink_;
    std::optional<origin_parts> base_;
    flow::time_point now_ = flow::time_point{} + std::chrono::hours{1000};
    flow::time_point start_{}, wake_{};
    bool started_ = false;
    bool in_flight_ = false, post_in_flight_ = false, may_resubmit_ = false, in_new_transfer_ = false, head_seen_ = false;
    int last_status_ = -1;
    unsigned posts_ = 0;
    std::uint64_t last_received_ = 0;
    std::optional<flow::action_kind> final_;
};

template <class T>
void drive(pulse::result<flow::job_flow<T>> made, setup const& s, reader& in, checking_sink* sink) {
    if (!made) return; // e.g. an id that cannot be a path segment: rejected up front
    driver<T> d(*made, s, sink);
    d.run(in);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    reader in(data, size);
    setup s = read_setup(in);
    checking_sink sink;
    sink.refuse = in.u8() & 3;
    std::string const id = s.id_or_url.empty() ? std::string("job-1") : s.id_or_url;
    switch (s.kind) {
    case 0:
        drive(flow::make_extract_flow(s.cfg, pulse::url("https://example.com/a.pdf"), {}, s.seed),
              s, in, nullptr);
        break;
    case 1:
        drive(flow::make_extract_flow<pulse::download_info>(s.cfg, pulse::url("https://example.com/a.pdf"),
                                                          {}, s.seed, flow::delivery{&sink, false}),
              s, in, &sink);
        break;
    case 2: drive(flow::make_attach_flow(s.cfg, pulse::job_handle{id}, s.seed), s, in, nullptr); break;
    case 3: drive(flow::make_attach_flow(s.cfg, pulse::job_handle{id}, s.seed, flow::delivery{&sink, true}), s, in, &sink); break;
    case 4: drive(flow::make_job_status_flow(s.cfg, pulse::job_handle{id}, s.seed), s, in, nullptr); break;
    case 5: drive(flow::make_cancel_flow(s.cfg, pulse::job_handle{id}, s.seed), s, in, nullptr); break;
    case 6:
        drive(flow::make_large_result_download_from_url(s.cfg, s.id_or_url, flow::delivery{&sink, true}, s.seed), s, in,
              &sink);
        break;
    default: drive(flow::make_pdf_download(s.cfg, id, sink, s.seed), s, in, &sink); break;
    }
    return 0;
}
