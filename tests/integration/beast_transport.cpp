// The Boost.Beast adapter: the shared transport conformance suite over plain HTTP and over HTTPS
// with the test CA, the certificate cases (tls_support.hpp), the cases it shares with the libcurl
// adapter (adapter_cases.hpp), and what is specific to this adapter: keep-alive reconnects,
// identity encoding, proxies refused, error mapping, the stall clock.
//
// Needs pulse::beast: tests/CMakeLists.txt and tests/meson.build build the files named beast_*.cpp
// only when that target exists.
#include "adapter_cases.hpp"
#include "scripted_server.hpp"
#include "server_process.hpp"
#include "tls_support.hpp"
#include "transport_conformance.hpp"

#include <pulse/beast/transport.hpp>

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace http = pulse::http;
using pulse::errc;
using pulse::beast::sync_transport;

namespace {

sync_transport make_beast(http::transport_options o) { return sync_transport(std::move(o)); }

pulse_test::conformance_setup plain_setup() {
    pulse_test::conformance_setup s;
    s.decodes_compression = false; // Beast has no content decoder: identity only
    return s;
}

} // namespace

TEST_CASE("beast sync_transport: transport conformance over plain HTTP") {
    pulse_test::run_transport_conformance<sync_transport>(make_beast, plain_setup());
}

TEST_CASE("beast sync_transport: transport conformance over TLS (test CA)") {
    pulse_test::run_transport_conformance<sync_transport>(make_beast, pulse_test::tls_conformance_setup(false));
}

TEST_CASE("beast sync_transport: TLS certificate verification") {
    pulse_test::run_tls_cases<sync_transport>(make_beast);
}

TEST_CASE("beast sync_transport: the cases the in-tree adapters share") {
    pulse_test::run_adapter_cases<sync_transport>(
        make_beast, pulse_test::adapter_traits<sync_transport>{
                        .tls_failure_names_host = true,
                        .connections_opened = [](sync_transport const& t) { return t.connections_opened(); }});
}

// --- no network --------------------------------------------------------------------------------

TEST_CASE("beast: error mapping") {
    namespace asio = boost::asio;
    namespace bhttp = boost::beast::http;
    using pulse::beast::detail::map_error;
    using pulse::beast::detail::phase;
    CHECK(map_error({}, phase::receive_body) == errc::ok);
    CHECK(map_error(asio::error::host_not_found, phase::resolve) == errc::resolve_failed);
    CHECK(map_error(asio::error::connection_refused, phase::connect) == errc::connect_failed);
    CHECK(map_error(asio::ssl::error::stream_truncated, phase::handshake) == errc::tls_failed);
    CHECK(map_error(bhttp::error::partial_message, phase::receive_body) == errc::body_truncated);
    CHECK(map_error(bhttp::error::partial_message, phase::receive_head) == errc::connection_reset);
    CHECK(map_error(bhttp::error::end_of_stream, phase::receive_head) == errc::connection_reset);
    CHECK(map_error(asio::error::eof, phase::receive_body) == errc::body_truncated);
    CHECK(map_error(asio::ssl::error::stream_truncated, phase::receive_body) == errc::body_truncated);
    CHECK(map_error(asio::error::connection_reset, phase::receive_body) == errc::connection_reset);
    CHECK(map_error(asio::error::broken_pipe, phase::send) == errc::connection_reset);
    CHECK(map_error(bhttp::error::bad_version, phase::receive_head) == errc::protocol_error);
    CHECK(map_error(bhttp::error::bad_chunk, phase::receive_body) == errc::protocol_error);
    CHECK(map_error(bhttp::error::header_limit, phase::receive_head) == errc::protocol_error);
    CHECK(map_error(asio::error::no_memory, phase::receive_body) == errc::transport_failed);
}

TEST_CASE("beast: stall clock windows") {
    using pulse::beast::detail::stall_clock;
    using namespace std::chrono_literals;
    auto const t0 = stall_clock::clock::now();
    stall_clock off(0ms, 1000, t0);
    CHECK_FALSE(off.enabled());
    CHECK(off.deadline() == (stall_clock::clock::time_point::max)());

    stall_clock s(2000ms, 100, t0); // at least 200 bytes per 2 s window
    CHECK(s.threshold() == 200);
    CHECK(s.deadline() == t0 + 2000ms);
    s.progress(150, t0 + 500ms); // not enough yet: the window stays
    CHECK(s.deadline() == t0 + 2000ms);
    s.progress(50, t0 + 900ms); // 200 reached: a new window from now
    CHECK(s.deadline() == t0 + 900ms + 2000ms);

    stall_clock any(60000ms, 0, t0); // a zero rate still needs one byte per window
    CHECK(any.threshold() == 1);
}

TEST_CASE("beast: a proxy is refused before anything is sent") {
    pulse_test::recording_sink s;
    http::transport_options o;
    o.proxy = "http://127.0.0.1:3128";
    sync_transport proxied(o);
    http::request r;
    r.url = "http://127.0.0.1:1/";
    auto out = proxied.perform(r, s);
    REQUIRE_FALSE(out.has_value());
    CHECK(out.error().code == errc::invalid_argument);
    CHECK(out.error().message.find("prox") != std::string::npos);
    CHECK(s.heads == 0);
    CHECK(proxied.connections_opened() == 0);
}

// --- against the local server ------------------------------------------------------------------

using beast_fixture = pulse_test::local_server;

TEST_CASE("beast: one connection for consecutive requests; Connection: close honoured") {
    beast_fixture f;
    sync_transport t;
    for (int i = 0; i < 3; ++i) {
        pulse_test::recording_sink s;
        REQUIRE(t.perform(f.get("/job/x"), s).has_value());
        CHECK(s.head.status == 404);
        CHECK(s.heads == 1);
    }
    CHECK(t.connections_opened() == 1);

    // Connection: close from the server is honoured: the next request opens a new connection.
    pulse_test::recording_sink closing;
    REQUIRE(t.perform(f.get("/job/x", "fault=close"), closing).has_value());
    pulse_test::recording_sink after;
    REQUIRE(t.perform(f.get("/job/x"), after).has_value());
    CHECK(t.connections_opened() == 2);
}

TEST_CASE("beast: identity is asked for; a request's own Accept-Encoding gets the raw coded body") {
    beast_fixture f;
    sync_transport t;
    pulse_test::recording_sink plain;
    REQUIRE(t.perform(f.get("/job/x", "fault=gzip"), plain).has_value());
    CHECK_FALSE(plain.head.headers.contains("content-encoding"));

    auto r = f.get("/job/x", "fault=gzip");
    r.headers.add("Accept-Encoding", "gzip");
    pulse_test::recording_sink coded;
    REQUIRE(t.perform(r, coded).has_value());
    CHECK(coded.head.headers.find("content-encoding") == "gzip");
    REQUIRE(coded.body.size() > 2);
    CHECK(static_cast<unsigned char>(coded.body[0]) == 0x1f); // the gzip magic, untouched
    CHECK(static_cast<unsigned char>(coded.body[1]) == 0x8b);
}

TEST_CASE("beast: a host name that does not resolve is resolve_failed (or the connect timeout)") {
    http::transport_options o;
    o.connect_timeout = std::chrono::seconds(5);
    sync_transport t(o);
    http::request r;
    r.url = "http://pulse-test-host.invalid/job/x";
    pulse_test::recording_sink s;
    auto out = t.perform(r, s);
    REQUIRE_FALSE(out.has_value());
    INFO(out.error().to_string());
    bool const expected = out.error().code == errc::resolve_failed || out.error().code == errc::timeout;
    CHECK(expected);
}

// --- against a scripted server: keep-alive corner cases the real server does not produce on demand --

using pulse_test::plain_get;
using pulse_test::scripted_server;

TEST_CASE("beast: a kept connection the server has closed meanwhile is replaced before sending") {
    // The first answer keeps the connection alive, then the server closes it while idle.
    scripted_server server([](int, int) { return scripted_server::reply{scripted_server::ok("one"), true}; });
    sync_transport t;
    pulse_test::recording_sink first;
    REQUIRE(t.perform(plain_get(server.url("/a")), first).has_value());
    CHECK(first.body == "one");
    REQUIRE(server.wait_closed(1));
    // Give the FIN time to arrive (loopback: immediate; the check never blocks either way).
    std::this_thread::sleep_for(std::chrono::milliseconds(50));

    pulse_test::recording_sink second;
    auto out = t.perform(plain_get(server.url("/b")), second);
    INFO("error: " << (out ? std::string() : out.error().to_string()));
    REQUIRE(out.has_value());
    CHECK(second.body == "one");
    CHECK(t.connections_opened() == 2);
    CHECK(server.log() == std::vector<std::string>{"C1 GET /a", "C2 GET /b"}); // sent once
}

TEST_CASE("beast: a body delimited by the end of the connection") {
    scripted_server server([](int connection, int) {
        std::string const body(100000, static_cast<char>('a' + connection));
        return scripted_server::reply{"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + body, true};
    });
    sync_transport t;
    for (int i = 1; i <= 2; ++i) {
        pulse_test::recording_sink s;
        auto out = t.perform(plain_get(server.url("/eof")), s);
        INFO("error: " << (out ? std::string() : out.error().to_string()));
        REQUIRE(out.has_value());
        CHECK(s.bytes == 100000);
        CHECK(s.head.content_length() == std::nullopt);
    }
    CHECK(t.connections_opened() == 2); // such a connection cannot be reused
}

TEST_CASE("beast: HEAD reads no body after its Content-Length and keeps the connection") {
    // (The local server answers HEAD with 405 and a body, so this uses the scripted one.)
    scripted_server server([](int, int request) {
        if (request == 1) return scripted_server::reply{"HTTP/1.1 200 OK\r\nContent-Length: 12345\r\n\r\n"};
        return scripted_server::reply{scripted_server::ok("after")};
    });
    sync_transport t;
    http::request head = plain_get(server.url("/h"));
    head.method = http::method::head;
    pulse_test::recording_sink h;
    REQUIRE(t.perform(head, h).has_value());
    CHECK(h.heads == 1);
    CHECK(h.head.content_length() == 12345);
    CHECK(h.bytes == 0);
    pulse_test::recording_sink next;
    REQUIRE(t.perform(plain_get(server.url("/n")), next).has_value());
    CHECK(next.body == "after");
    CHECK(t.connections_opened() == 1);
    CHECK(server.log() == std::vector<std::string>{"C1 HEAD /h", "C1 GET /n"});
}

TEST_CASE("beast: the connect timeout bounds a TCP connect that gets no answer") {
    // A listener with a backlog of 0 and one connection already queued: Linux drops further SYNs,
    // so the next connect neither succeeds nor fails until the client gives up.
    int port = 0;
    int const listener = pulse_test::listen_on_loopback(0, port);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    int const filler = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(::connect(filler, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);

    http::transport_options o;
    o.connect_timeout = std::chrono::milliseconds(500);
    sync_transport t(o);
    auto const started = std::chrono::steady_clock::now();
    pulse_test::recording_sink s;
    auto out = t.perform(plain_get("http://127.0.0.1:" + std::to_string(port) + "/"), s);
    auto const took = std::chrono::steady_clock::now() - started;
    ::close(filler);
    ::close(listener);
    REQUIRE_FALSE(out.has_value());
    INFO(out.error().to_string());
    CHECK(out.error().code == errc::timeout);
    CHECK(out.error().message.find("connect timeout") != std::string::npos);
    CHECK(took < std::chrono::seconds(20)); // bounded by the timeout, not by the kernel's SYN retries
}

TEST_CASE("beast: the connect timeout bounds a TLS handshake the server never answers") {
    // The scripted server accepts and then waits for an HTTP request that a ClientHello never is.
    scripted_server server([](int, int) { return scripted_server::reply{}; });
    http::transport_options o;
    o.connect_timeout = std::chrono::milliseconds(500);
    sync_transport t(o);
    http::request r;
    r.url = "https" + server.url("/").substr(4);
    pulse_test::recording_sink s;
    auto out = t.perform(r, s);
    REQUIRE_FALSE(out.has_value());
    INFO(out.error().to_string());
    CHECK(out.error().code == errc::timeout);
    CHECK(out.error().message.find("TLS handshake") != std::string::npos);
    CHECK(t.connections_opened() == 1);
}
