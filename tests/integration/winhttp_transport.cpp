// The WinHTTP adapter (Windows; run under Wine against the Linux pulse-server by
// tools/test-windows.sh): the shared transport conformance suite over plain HTTP and over HTTPS
// (the test CA in the Windows certificate store), the cases the in-tree adapters share
// (adapter_cases.hpp), the certificate cases as WinHTTP can have them, and what is specific to this
// adapter: the asynchronous transport's thread rule, cancel and
// abandon, the driver running many flows, proxies, refused options.
//
// Needs pulse::winhttp: tests/CMakeLists.txt builds the files named winhttp_*.cpp only on Windows.
#include "server_process.hpp"
#include "adapter_cases.hpp"
#include "client_support.hpp"
#include "tls_support.hpp"
#include "transport_conformance.hpp"
#include "winhttp_support.hpp"

#include <pulse/flow/extract_flow.hpp>
#include <pulse/http/body_sinks.hpp>
#include <pulse/winhttp.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace http = pulse::http;
namespace flow = pulse::flow;
using pulse::errc;
using pulse::winhttp::async_transport;
using pulse::winhttp::sync_transport;
using clk = std::chrono::steady_clock;
using namespace std::chrono_literals;

static_assert(http::async_transport<async_transport>);
static_assert(pulse::abandoning_transport<async_transport>);

namespace {

sync_transport make_winhttp(http::transport_options o) { return sync_transport(std::move(o)); }

using pulse_test::under_wine;

/// Wine matches a certificate's DNS names, never its IP addresses: verified HTTPS goes to
/// "localhost" there (tools/test-windows.sh lists its HTTPS servers so), and 127.0.0.1 with a
/// certificate for IP:127.0.0.1 is refused (ERROR_WINHTTP_SECURE_CERT_CN_INVALID).
char const* const wine_ip_san =
    "Wine's crypt32 matches a certificate's DNS names only, not its IP addresses, so a verified HTTPS connection to "
    "127.0.0.1 fails (ERROR_WINHTTP_SECURE_CERT_CN_INVALID) however right the certificate";

/// What Wine's WinHTTP cannot be given (the suite prints it when it leaves it out).
void wine_limits(pulse_test::conformance_setup& s, bool tls) {
    if (!under_wine()) return;
    s.left_out.emplace_back("fault=header_flood=100000:bytes=1",
                            "Wine's WinHTTP has no response head limit and adds each field after a linear search of the "
                            "ones before (quadratic): 100,000 fields take minutes of CPU before the head is reported. "
                            "Windows stops at WINHTTP_OPTION_MAX_RESPONSE_HEADER_SIZE (set to the 256 KiB cap); the "
                            "other two floods (400 KB; 2,000 fields) run here");
    if (tls)
        s.left_out.emplace_back("redirects: followed when asked, without the key once they leave the origin",
                                std::string(wine_ip_san) + "; the other origin the server redirects to is 127.0.0.1 "
                                                           "(over plain HTTP this subcase runs)");
}

/// Whether this WinHTTP decodes gzip (WINHTTP_OPTION_DECOMPRESSION): the conformance suite then
/// checks the decoded bodies, otherwise that identity bodies were asked for.
bool winhttp_decodes() {
    static bool const decodes = [] {
        sync_transport t;
        MESSAGE("WinHTTP here " << std::string(t.decompresses() ? "decodes" : "does NOT decode")
                                << " gzip/deflate (WINHTTP_OPTION_DECOMPRESSION)" << std::string(under_wine() ? ", under Wine" : ""));
        return t.decompresses();
    }();
    return decodes;
}

pulse_test::conformance_setup plain_setup() {
    pulse_test::conformance_setup s;
    s.decodes_compression = winhttp_decodes();
    wine_limits(s, false);
    return s;
}

/// HTTPS with the test CA: WinHTTP trusts the Windows store (where tools/test-windows.sh put the
/// test CA), not a bundle file.
pulse_test::conformance_setup tls_setup() {
    auto s = pulse_test::tls_conformance_setup(winhttp_decodes());
    s.options.ca_bundle.clear();
    wine_limits(s, true);
    return s;
}

struct server_fixture {
    pulse_test::server_process server;
    explicit server_fixture(std::vector<std::string> args = {}) : server(std::move(args)) {
        INFO("server: " << server.error());
        REQUIRE(server.running());
    }
    http::request get(std::string const& path, std::string const& scenario = {}) const {
        http::request r;
        r.url = server.base_url() + path;
        r.headers.add("x-api-key", server.api_key());
        if (!scenario.empty()) r.headers.add("x-pulse-scenario", scenario);
        return r;
    }
};

/// Requests the server logged, read without verifying its certificate (it may be the point), on
/// 127.0.0.1: Wine keeps connections process-wide by host and port whatever the verification, so
/// an unverified one must not be on the host the tests verify (server_process.hpp).
std::size_t logged_requests(pulse_test::server_process const& server) {
    http::transport_options o;
    o.verify_tls = false;
    sync_transport t(o);
    http::request r;
    r.url = server.scheme() + "://127.0.0.1:" + std::to_string(server.port()) + "/__requests";
    pulse_test::recording_sink s;
    auto out = t.perform(r, s);
    REQUIRE(out.has_value());
    return pulse_test::parse_json(s.body).as_array().size();
}

/// A handler that records what reached it and on which thread.
struct thread_checking_handler final : http::response_handler {
    std::thread::id owner = std::this_thread::get_id();
    int heads = 0, completes = 0, foreign_calls = 0;
    std::uint64_t bytes = 0;
    std::optional<pulse::result<void>> outcome;
    std::function<void()> on_first_body;
    http::response_head head;

    void note() {
        if (std::this_thread::get_id() != owner) ++foreign_calls;
    }
    http::sink_action on_head(http::response_head const& h) override {
        note();
        ++heads;
        head = h;
        return http::sink_action::proceed;
    }
    http::sink_action on_body(std::string_view chunk) override {
        note();
        if (bytes == 0 && on_first_body) on_first_body();
        bytes += chunk.size();
        return http::sink_action::proceed;
    }
    void on_complete(pulse::result<void> r) override {
        note();
        ++completes;
        outcome = std::move(r);
    }
};

/// Run `t` until `done()` or `limit` passes.
template <class Done>
bool pump(async_transport& t, Done done, clk::duration limit = 30s) {
    auto const end = clk::now() + limit;
    while (!done()) {
        if (clk::now() >= end) return false;
        t.wait((std::min)(clk::now() + 50ms, end));
        t.perform();
    }
    return true;
}

} // namespace

TEST_CASE("winhttp: the raw head WinHTTP hands over becomes fields, within the field cap") {
    using pulse::winhttp::detail::parse_fields;
    http::headers h;
    REQUIRE(parse_fields("HTTP/1.1 200 OK\r\nA: 1\r\nB:  two words \t\r\n  folded on\r\nnot a field\r\n: no name\r\nC:\r\n\r\n", h));
    REQUIRE(h.size() == 3);
    CHECK(h.find("a") == "1");
    CHECK(h.find("B") == "two words folded on"); // obsolete line folding joins with one space
    CHECK(h.find("c") == "");
    auto head_of = [](std::size_t n) {
        std::string text = "HTTP/1.1 200 OK\r\n";
        for (std::size_t i = 0; i < n; ++i) text += "X-" + std::to_string(i) + ": v\r\n";
        return text + "\r\n";
    };
    http::headers at_cap, past_cap;
    CHECK(parse_fields(head_of(http::max_response_head_fields), at_cap));
    CHECK(at_cap.size() == http::max_response_head_fields);
    CHECK_FALSE(parse_fields(head_of(http::max_response_head_fields + 1), past_cap));
}

TEST_CASE("winhttp: WinHTTP and Winsock errors map to the library's error codes") {
    using pulse::winhttp::detail::map_error;
    CHECK(map_error(ERROR_WINHTTP_CANNOT_CONNECT, false) == errc::connect_failed);
    CHECK(map_error(ERROR_WINHTTP_NAME_NOT_RESOLVED, false) == errc::resolve_failed);
    CHECK(map_error(ERROR_WINHTTP_TIMEOUT, true) == errc::timeout);
    CHECK(map_error(ERROR_WINHTTP_CONNECTION_ERROR, false) == errc::connection_reset);
    CHECK(map_error(ERROR_WINHTTP_CONNECTION_ERROR, true) == errc::body_truncated);
    CHECK(map_error(WSAECONNRESET, false) == errc::connection_reset);
    CHECK(map_error(ERROR_WINHTTP_SECURE_FAILURE, false) == errc::tls_failed);
    CHECK(map_error(ERROR_WINHTTP_SECURE_CERT_CN_INVALID, false) == errc::tls_verification_failed);
    CHECK(map_error(ERROR_WINHTTP_SECURE_INVALID_CA, false) == errc::tls_verification_failed);
    CHECK(map_error(ERROR_WINHTTP_SECURE_CHANNEL_ERROR, false) == errc::tls_failed);
    CHECK(map_error(ERROR_WINHTTP_INVALID_SERVER_RESPONSE, false) == errc::protocol_error);
    CHECK(map_error(ERROR_WINHTTP_HEADER_SIZE_OVERFLOW, false) == errc::protocol_error);
    CHECK(map_error(ERROR_WINHTTP_RESEND_REQUEST, false) == errc::connection_reset);
    CHECK(map_error(ERROR_NOT_ENOUGH_MEMORY, false) == errc::transport_failed);
    CHECK_FALSE(pulse::winhttp::detail::message_of(ERROR_WINHTTP_CANNOT_CONNECT).empty());
}

TEST_CASE("winhttp sync_transport: transport conformance over plain HTTP") {
    pulse_test::run_transport_conformance<sync_transport>(make_winhttp, plain_setup());
}

TEST_CASE("winhttp sync_transport: transport conformance over TLS (the test CA in the Windows store)") {
    pulse_test::run_transport_conformance<sync_transport>(make_winhttp, tls_setup());
}

TEST_CASE("winhttp sync_transport: the cases the in-tree adapters share") {
    pulse_test::run_adapter_cases<sync_transport>(make_winhttp, pulse_test::adapter_traits<sync_transport>{.tls_failure_names_host = true});
}

TEST_CASE("winhttp: TLS -- the test CA's certificate verifies for 127.0.0.1 and for localhost") {
    auto const& pki = pulse_test::test_pki::get();
    INFO("test PKI: " << pki.error());
    REQUIRE(pki.ok());
    server_fixture f(pki.server_args());
    sync_transport t; // default options: verification on, the Windows store
    for (std::string const host : {"127.0.0.1", "localhost"}) {
        CAPTURE(host);
        if (host == "127.0.0.1" && under_wine()) {
            MESSAGE("left out: https://127.0.0.1: " << std::string(wine_ip_san));
            continue;
        }
        http::request r;
        r.url = "https://" + host + ":" + std::to_string(f.server.port()) + "/job/x";
        r.headers.add("x-api-key", f.server.api_key());
        pulse_test::recording_sink s;
        auto out = t.perform(r, s);
        INFO("error: " << (out ? std::string() : out.error().to_string()));
        REQUIRE(out.has_value());
        CHECK(s.head.status == 404);
    }
}

TEST_CASE("winhttp: TLS -- a certificate the store does not trust is refused before the request is sent") {
    auto const& pki = pulse_test::test_pki::get();
    INFO("test PKI: " << pki.error());
    REQUIRE(pki.ok());
    for (std::string const cert : {"other", "wrong-host"}) { // another CA; the test CA, but for another host
        CAPTURE(cert);
        server_fixture f(pki.server_args(cert));
        sync_transport t; // verification is on by default
        auto r = f.get("/job/x");
        pulse_test::recording_sink s;
        auto out = t.perform(r, s);
        REQUIRE_FALSE(out.has_value());
        INFO(out.error().to_string());
        if (under_wine() && out.error().code == errc::tls_failed) {
            // Wine reports a rejected certificate as ERROR_WINHTTP_SECURE_CHANNEL_ERROR, the code of
            // any failed handshake, without the SECURE_FAILURE flags Windows sends with it.
            MESSAGE("under Wine a rejected certificate is tls_failed, not tls_verification_failed: " << out.error().message);
        } else {
            CHECK(out.error().code == errc::tls_verification_failed);
        }
        CHECK(out.error().layer() == pulse::error_layer::transport);
        CHECK(out.error().native_code != 0);
        CHECK(out.error().to_string().find(f.server.api_key()) == std::string::npos);
        CHECK(s.heads == 0);
        CHECK(logged_requests(f.server) == 0); // the request (and its key) never reached the server

        // Verification off: the same server is accepted. (Anyone on the path could be that server.)
        http::transport_options blind;
        blind.verify_tls = false;
        sync_transport b(blind);
        pulse_test::recording_sink ok;
        auto accepted = b.perform(f.get("/job/x"), ok);
        INFO("error: " << (accepted ? std::string() : accepted.error().to_string()));
        REQUIRE(accepted.has_value());
        CHECK(ok.head.status == 404);
    }
}

TEST_CASE("winhttp: a CA bundle is refused before anything is sent, not silently ignored") {
    server_fixture f;
    http::transport_options o;
    o.ca_bundle = "C:\\some\\ca.pem";
    sync_transport t(o);
    pulse_test::recording_sink s;
    auto out = t.perform(f.get("/job/x"), s);
    REQUIRE_FALSE(out.has_value());
    CHECK(out.error().code == errc::invalid_argument);
    CHECK(out.error().message.find("ca_bundle") != std::string::npos);
    CHECK(logged_requests(f.server) == 0);
}

TEST_CASE("winhttp: proxies -- an explicit one is used for every request, an empty one means none") {
    server_fixture f;
    pulse_test::refused_port dead;
    REQUIRE(dead.port() != 0);

    // A proxy that refuses connections: the request fails at the proxy, not at the server.
    http::transport_options via_dead;
    via_dead.proxy = "http://127.0.0.1:" + std::to_string(dead.port());
    sync_transport t1(via_dead);
    pulse_test::recording_sink s1;
    auto out = t1.perform(f.get("/job/x"), s1);
    REQUIRE_FALSE(out.has_value());
    INFO(out.error().to_string());
    CHECK(out.error().code == errc::proxy_failed);
    CHECK(out.error().message.find("proxy") != std::string::npos);

    // The server itself as the proxy, for a URL where nothing listens: the request reaches the
    // server, naming the dead port as its host, so it went through the proxy.
    http::transport_options via_server;
    via_server.proxy = f.server.base_url(); // "http://127.0.0.1:PORT"
    sync_transport t2(via_server);
    http::request r;
    r.url = "http://127.0.0.1:" + std::to_string(dead.port()) + "/job/x";
    pulse_test::recording_sink s2;
    auto through = t2.perform(r, s2);
    INFO("error: " << (through ? std::string() : through.error().to_string()));
    REQUIRE(through.has_value());
    CHECK(s2.heads == 1);
    auto const log = pulse_test::control(f.server, "/__requests");
    REQUIRE(log.as_array().size() == 1);
    auto const& seen = log.as_array()[0];
    std::string const target(seen.at("target").as_string());
    // The absolute form proxies get; Wine sends the origin form when the proxy's host name equals
    // the target's (it compares names, not ports).
    CHECK((target == r.url || target == "/job/x"));
    CHECK(seen.at("headers").at("host").as_string() == "127.0.0.1:" + std::to_string(dead.port()));

    // "" is a direct connection.
    http::transport_options direct;
    direct.proxy = "";
    sync_transport t3(direct);
    pulse_test::recording_sink s3;
    REQUIRE(t3.perform(f.get("/job/x"), s3).has_value());
    CHECK(s3.head.status == 404);
}

TEST_CASE("winhttp: proxies WinHTTP cannot use are refused, without echoing the password") {
    for (std::string const p : {"https://proxy.example:8443", "socks5://127.0.0.1:1080", "http://proxy.example:3128/path",
                                "http://user:s3cret-pw@proxy.example:3128/?q"}) {
        CAPTURE(p);
        http::transport_options o;
        o.proxy = p;
        sync_transport t(o);
        CHECK_FALSE(t.valid());
        pulse_test::recording_sink s;
        http::request r;
        r.url = "http://127.0.0.1:1/job/x";
        auto out = t.perform(r, s);
        REQUIRE_FALSE(out.has_value());
        CHECK(out.error().code == errc::invalid_argument);
        CHECK(out.error().message.find("s3cret-pw") == std::string::npos);
    }
    http::transport_options ok;
    ok.proxy = "proxy.example:3128"; // no scheme: http
    CHECK(sync_transport(ok).valid());
}

TEST_CASE("winhttp async_transport: handlers run on the thread that calls perform(), never on WinHTTP's") {
    server_fixture f;
    sync_transport setup;
    pulse_test::conformance_client<sync_transport> c{f.server, setup};
    async_transport t;
    // Eight downloads of 2 MiB at once: hundreds of reads complete on WinHTTP's threads meanwhile.
    std::vector<std::string> urls;
    for (int i = 0; i < 8; ++i) urls.push_back(c.large_result("2M", "tag=thread-" + std::to_string(i)));
    std::vector<http::request> reqs;
    for (auto const& u : urls) reqs.push_back(f.get(u.substr(f.server.base_url().size())));
    std::vector<thread_checking_handler> handlers(reqs.size());
    for (std::size_t i = 0; i < reqs.size(); ++i) REQUIRE(t.start(reqs[i], handlers[i]).has_value());
    REQUIRE(pump(t, [&] {
        for (auto const& h : handlers)
            if (h.completes == 0) return false;
        return true;
    }));
    for (auto const& h : handlers) {
        REQUIRE(h.outcome.has_value());
        INFO("error: " << (*h.outcome ? std::string() : h.outcome->error().to_string()));
        CHECK(h.outcome->has_value());
        CHECK(h.heads == 1);
        CHECK(h.completes == 1);
        CHECK(h.bytes == (2u << 20));
        CHECK(h.foreign_calls == 0);
    }
    CHECK(t.active() == 0);
}

TEST_CASE("winhttp async_transport: cancel delivers canceled from the next perform(); abandon never calls back") {
    server_fixture f;
    async_transport t;
    auto const slow = f.get("/job/x", "fault=delay:ms=600000");

    thread_checking_handler a;
    REQUIRE(t.start(slow, a).has_value());
    CHECK_FALSE(t.start(slow, a).has_value()); // one transfer per handler
    t.cancel(a);
    CHECK(a.completes == 0); // not from inside cancel()
    t.perform();
    REQUIRE(a.completes == 1);
    CHECK(a.outcome->error().code == errc::canceled);
    CHECK(a.heads == 0);
    t.cancel(a); // nothing running for it: no effect
    t.perform();
    CHECK(a.completes == 1);

    auto b = std::make_unique<thread_checking_handler>();
    REQUIRE(t.start(slow, *b).has_value());
    t.abandon(*b);
    b.reset(); // a callback now would touch freed memory
    for (int i = 0; i < 10; ++i) {
        t.wait(clk::now() + 20ms);
        t.perform();
    }
    CHECK(t.active() == 0);

    // From inside a callback: the first body piece of c cancels d and starts e; then abandon
    // itself mid-body.
    thread_checking_handler c, d, e, g;
    http::request const big = f.get("/job/x", "fault=slow:chunk=16:ms=2");
    REQUIRE(t.start(slow, d).has_value());
    c.on_first_body = [&] {
        t.cancel(d);
        REQUIRE(t.start(f.get("/job/e"), e).has_value());
    };
    REQUIRE(t.start(big, c).has_value());
    REQUIRE(pump(t, [&] { return c.completes == 1 && d.completes == 1 && e.completes == 1; }));
    CHECK(c.outcome->has_value());
    CHECK(d.outcome->error().code == errc::canceled);
    CHECK(e.outcome->has_value());
    CHECK(e.head.status == 404);

    g.on_first_body = [&] { t.abandon(g); };
    REQUIRE(t.start(big, g).has_value());
    REQUIRE(pump(t, [&] { return g.bytes > 0; }));
    for (int i = 0; i < 10; ++i) {
        t.wait(clk::now() + 10ms);
        t.perform();
    }
    CHECK(g.completes == 0);
    CHECK(t.active() == 0);
    for (auto const* h : {&a, &c, &d, &e, &g}) CHECK(h->foreign_calls == 0);
}

TEST_CASE("winhttp async_transport: destroying it with transfers in flight returns at once and calls nobody") {
    server_fixture f;
    std::vector<thread_checking_handler> handlers(6);
    auto const slow = f.get("/job/x", "fault=delay:ms=600000");
    auto const stalled = f.get("/job/x", "fault=stall_mid_body:bytes=10:ms=600000");
    auto t = std::make_unique<async_transport>();
    for (std::size_t i = 0; i < handlers.size(); ++i) REQUIRE(t->start(i % 2 ? slow : stalled, handlers[i]).has_value());
    for (int i = 0; i < 10; ++i) {
        t->wait(clk::now() + 20ms);
        t->perform();
    }
    auto const t0 = clk::now();
    t.reset();
    CHECK(clk::now() - t0 < 2s); // it does not wait for WinHTTP's threads, which still wait on those sockets
    std::this_thread::sleep_for(300ms); // time for a stray callback to do harm, if one came
    for (auto const& h : handlers) {
        INFO("outcome: " << (h.outcome ? (*h.outcome ? std::string("ok") : h.outcome->error().to_string()) : std::string("none")));
        CHECK(h.completes == 0);
        CHECK(h.foreign_calls == 0);
    }
}

TEST_CASE("winhttp async_transport: a stalled transfer times out at its own deadline while another keeps going") {
    server_fixture f;
    http::transport_options o;
    o.stall_timeout = 1s;
    async_transport t(o);
    thread_checking_handler stuck, slow;
    auto const t0 = clk::now();
    REQUIRE(t.start(f.get("/job/x", "fault=stall_mid_body:bytes=20:ms=600000"), stuck).has_value());
    REQUIRE(t.start(f.get("/job/x", "fault=slow:chunk=8:ms=100"), slow).has_value()); // 60 bytes in ~0.8 s
    REQUIRE(pump(t, [&] { return stuck.completes == 1 && slow.completes == 1; }, 20s));
    INFO("stuck: " << (*stuck.outcome ? std::string("ok") : stuck.outcome->error().to_string()));
    CHECK(stuck.outcome->error().code == errc::timeout);
    CHECK(stuck.outcome->error().message.find("stall") != std::string::npos);
    CHECK(stuck.heads == 1);
    CHECK(clk::now() - t0 < 10s);
    INFO("slow: " << (*slow.outcome ? std::string() : slow.outcome->error().to_string()));
    CHECK(slow.outcome->has_value());
}

TEST_CASE("winhttp driver: many flows at once reach their right ends, each result through its completion callback") {
    server_fixture f;
    auto d = pulse::winhttp::make_driver(pulse_test::fast_config(f.server));
    struct job {
        std::string name;
        std::optional<errc> want;
        pulse::flow_handle<flow::extract_flow> h;
        std::optional<pulse::result<pulse::extract_result>> outcome;
    };
    std::vector<std::unique_ptr<job>> jobs; // stable addresses: the callbacks hold them
    std::uint64_t seed = 100;
    auto add = [&](std::string const& name, std::string const& scenario, std::optional<errc> want, int n) {
        for (int i = 0; i < n; ++i) {
            auto cfg = pulse_test::fast_config(f.server, scenario + (scenario.empty() ? "" : ";") + "tag=drv-" + name + "-" +
                                                             std::to_string(i));
            cfg.seed = seed++;
            auto m = flow::make_extract_flow(cfg, pulse::url("https://files.example/doc.pdf"));
            REQUIRE(m.has_value());
            auto j = std::make_unique<job>();
            j->name = name;
            j->want = want;
            job* self = j.get();
            j->h = d.add(std::move(*m), [self](pulse::result<pulse::extract_result> r) { self->outcome = std::move(r); });
            jobs.push_back(std::move(j));
        }
    };
    add("inline", "", std::nullopt, 10);
    add("large", "result=large;size=300k;poll_steps=1", std::nullopt, 4);
    add("failed", "status=failed;error=Password-protected PDF", errc::job_failed, 3);
    add("poll-503-ra", "poll_fault=503:ra=1@1", std::nullopt, 2);
    add("poll-reset", "poll_fault=reset@1", std::nullopt, 2);
    add("download-reset", "result=large;size=200k;download_fault=reset_mid_body:bytes=1000@1", std::nullopt, 2);
    add("garbled", "poll_fault=malformed_json@2", errc::json_syntax, 2);
    add("never-ends", "poll_steps=100000", errc::canceled, 2);

    bool canceled = false;
    auto const end = clk::now() + 60s;
    for (;;) {
        d.tick();
        bool all = true;
        for (auto& j : jobs) {
            all = all && j->outcome.has_value();
            if (!canceled && j->name == "never-ends" && j->h.machine().poll_count() >= 3) {
                canceled = true;
                for (auto& k : jobs)
                    if (k->name == "never-ends") k->h.cancel();
            }
        }
        if (all) break;
        REQUIRE(clk::now() < end);
        auto next = d.next_timer();
        d.wait(next ? (std::min)(*next, clk::now() + 100ms) : clk::now() + 100ms);
    }
    CHECK(d.size() == 0);
    CHECK(d.transport().active() == 0);
    for (auto& j : jobs) {
        INFO(j->name);
        auto& r = *j->outcome;
        if (!j->want) {
            INFO("error: " << (r ? std::string() : r.error().to_string()));
            CHECK(r.has_value());
        } else {
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error().code == *j->want);
            CHECK(r.error().to_string().find(f.server.api_key()) == std::string::npos);
        }
    }
}
