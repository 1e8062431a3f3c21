// Conformance tests every blocking transport adapter must pass, against the real local server
// (tools/pulse_server) over loopback sockets. An adapter's test file runs them with
//
//     TEST_CASE("my adapter: conformance") {
//         pulse_test::run_transport_conformance<my::transport>(
//             [](pulse::http::transport_options o) { return my::transport(std::move(o)); });
//     }
//
// The function is made of doctest SUBCASEs: doctest re-runs it once per subcase, and each run
// starts a fresh server, so subcases are independent (own request log, own jobs).
//
// What is checked is observable behaviour only -- what the server recorded (request log, upload
// byte count and FNV-1a hash), what reached the handler (head count, chunk count, byte count,
// order), and the errc. Nothing depends on timing: stall and timeout tests use faults that never
// end on their own, so only the transport's timeout can end them.
#ifndef PULSE_TESTS_INTEGRATION_TRANSPORT_CONFORMANCE_HPP
#define PULSE_TESTS_INTEGRATION_TRANSPORT_CONFORMANCE_HPP

#include "server_process.hpp"

#include <pulse/http/body_sinks.hpp>
#include <pulse/http/multipart.hpp>
#include <pulse/http/request.hpp>
#include <pulse/http/response.hpp>
#include <pulse/http/retry_after.hpp>
#include <pulse/http/transport.hpp>
#include <pulse/http/url.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <doctest/doctest.h>

#if defined(_WIN32)
#include <winsock2.h>
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pulse_test {

using namespace std::chrono_literals;

/// Records what a transport pushed, and checks the push contract as it goes.
class recording_sink final : public pulse::http::response_handler {
public:
    /// Keep at most `keep` body bytes in body (all are counted); abort once `abort_after` bytes arrived.
    explicit recording_sink(std::size_t keep = std::size_t{1} << 20,
                            std::uint64_t abort_after = (std::numeric_limits<std::uint64_t>::max)())
        : keep_(keep), abort_after_(abort_after) {}

    pulse::http::sink_action on_head(pulse::http::response_head const& h) override {
        ++heads;
        if (aborted) ++calls_after_abort;
        head = h;
        return pulse::http::sink_action::proceed;
    }
    pulse::http::sink_action on_body(std::string_view chunk) override {
        if (heads == 0) body_before_head = true;
        if (aborted) ++calls_after_abort;
        ++chunks;
        bytes += chunk.size();
        if (body.size() < keep_) body.append(chunk.substr(0, keep_ - body.size()));
        if (bytes >= abort_after_) {
            aborted = true;
            return pulse::http::sink_action::abort;
        }
        return pulse::http::sink_action::proceed;
    }

    int heads = 0;
    std::size_t chunks = 0;
    std::uint64_t bytes = 0;
    bool body_before_head = false;
    bool aborted = false;
    int calls_after_abort = 0;
    pulse::http::response_head head;
    std::string body;

private:
    std::size_t keep_;
    std::uint64_t abort_after_;
};

/// FNV-1a 64, as the server reports uploads (16 lower-case hex digits).
inline std::string fnv1a64_hex(std::string_view bytes) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (char c : bytes) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ull;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

inline boost::json::value parse_json(std::string const& s) {
    boost::system::error_code ec;
    auto v = boost::json::parse(s, ec);
    INFO("body: " << s.substr(0, 300));
    REQUIRE_FALSE(ec);
    return v;
}

/// A JSON number as an integer (fails the test when it is not one).
inline std::int64_t as_int(boost::json::value const& v) {
    boost::system::error_code ec;
    auto const n = v.to_number<std::int64_t>(ec);
    REQUIRE_FALSE(ec);
    return n;
}

/// A TCP port on loopback where nothing listens: a socket bound to it but not listening, held
/// for the object's life, so the port cannot be taken by someone else meanwhile.
class refused_port {
public:
    refused_port() {
#if defined(_WIN32)
        static bool const started = [] {
            WSADATA data;
            return ::WSAStartup(MAKEWORD(2, 2), &data) == 0;
        }();
        if (!started) return;
#endif
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = 0;
        if (valid() && ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
            socklen_type len = sizeof a;
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
            port_ = ntohs(a.sin_port);
        }
    }
    refused_port(refused_port const&) = delete;
    refused_port& operator=(refused_port const&) = delete;
    ~refused_port() {
#if defined(_WIN32)
        if (valid()) ::closesocket(fd_);
#else
        if (valid()) ::close(fd_);
#endif
    }
    int port() const noexcept { return port_; }

private:
#if defined(_WIN32)
    using socket_type = SOCKET;
    using socklen_type = int;
    bool valid() const noexcept { return fd_ != INVALID_SOCKET; }
    socket_type fd_ = INVALID_SOCKET;
#else
    using socket_type = int;
    using socklen_type = socklen_t;
    bool valid() const noexcept { return fd_ >= 0; }
    socket_type fd_ = -1;
#endif
    int port_ = 0;
};

/// How to run the suite. By default: a plain-HTTP server and default transport options. For TLS,
/// `server_args` carry --tls-cert/--tls-key and `options.ca_bundle` the CA that signed them.
/// `decodes_compression` is false for a stack that cannot decode gzip (Beast): it must then not
/// ask for compressed bodies, and the gzip subcase checks that it got identity bodies instead.
struct conformance_setup {
    std::vector<std::string> server_args;
    pulse::http::transport_options options;
    bool decodes_compression = true;
    /// Checks this platform cannot represent, each with the reason, which the suite prints when it
    /// leaves one out: never to hide a failure. Only the checks listed in leavable_checks() can be
    /// named (Wine's WinHTTP: a head parsed in quadratic time with no size limit; no certificate
    /// match for IP addresses, so no verified HTTPS to 127.0.0.1 as the "other origin").
    std::vector<std::pair<std::string, std::string>> left_out;
};

/// What conformance_setup::left_out may name: the hostile-head scenarios and the cross-origin
/// redirect subcase.
inline std::vector<std::string> leavable_checks() {
    return {"fault=header_flood=100000:bytes=1", "fault=header_flood=400:bytes=1000", "fault=header_flood=2000:bytes=1",
            "redirects: followed when asked, without the key once they leave the origin"};
}

/// The reason `check` is left out, or null when it runs.
inline std::string const* left_out_reason(conformance_setup const& setup, std::string const& check) {
    for (auto const& l : setup.left_out)
        if (l.first == check) return &l.second;
    return nullptr;
}

/// Helpers bound to one server and one transport.
template <class Transport>
struct conformance_client {
    server_process& server;
    Transport& transport;

    std::string url(std::initializer_list<std::string_view> segments) const {
        auto u = pulse::http::join_url(server.base_url(), segments);
        REQUIRE(u.has_value());
        return *u;
    }

    pulse::http::request get(std::string u, std::string scenario = {}) const {
        pulse::http::request r;
        r.method = pulse::http::method::get;
        r.url = std::move(u);
        r.headers.add("x-api-key", server.api_key());
        if (!scenario.empty()) r.headers.add("x-pulse-scenario", std::move(scenario));
        return r;
    }

    /// perform() into a recording_sink; the transfer must succeed.
    recording_sink fetch(pulse::http::request const& r) {
        recording_sink s;
        auto outcome = transport.perform(r, s);
        INFO("error: " << (outcome ? std::string() : outcome.error().to_string()));
        REQUIRE(outcome.has_value());
        CHECK(s.heads == 1);
        CHECK_FALSE(s.body_before_head);
        return s;
    }

    boost::json::value fetch_json(pulse::http::request const& r, int expected_status = 200) {
        auto s = fetch(r);
        CHECK(s.head.status == expected_status);
        return parse_json(s.body);
    }

    /// Submit an async extract job (JSON body with a file_url) with the given scenario; its id.
    std::string submit(std::string const& scenario) {
        pulse::http::request r;
        r.method = pulse::http::method::post;
        r.url = url({"extract"});
        r.headers.add("x-api-key", server.api_key());
        r.headers.add("Content-Type", "application/json");
        if (!scenario.empty()) r.headers.add("x-pulse-scenario", scenario);
        r.body = pulse::http::body_source::from_string(R"({"file_url":"https://example.com/doc.pdf","async":true})");
        auto j = fetch_json(r);
        REQUIRE(j.is_object());
        REQUIRE(j.as_object().contains("job_id"));
        return std::string(j.at("job_id").as_string());
    }

    /// Submit a job whose result is a large-result pointer of `size` bytes, poll it once to
    /// completion, and return the pointer's URL.
    std::string large_result(std::string const& size, std::string const& extra = {}) {
        auto id = submit("result=large;poll_steps=0;size=" + size + (extra.empty() ? "" : ";" + extra));
        auto poll = fetch_json(get(url({"job", id})));
        REQUIRE(poll.at("status").as_string() == "completed");
        REQUIRE(poll.at("result").at("is_url").as_bool());
        return std::string(poll.at("result").at("url").as_string());
    }

    boost::json::array request_log() {
        auto j = fetch_json(get(url({"__requests"})));
        REQUIRE(j.is_array());
        return j.as_array();
    }

    boost::json::object job_info(std::string const& id) {
        auto j = fetch_json(get(url({"__jobs", id})));
        REQUIRE(j.is_object());
        return j.as_object();
    }
};

template <class Transport, class MakeTransport>
void run_transport_conformance(MakeTransport make_transport, conformance_setup const& setup = {}) {
    using pulse::errc;
    namespace http = pulse::http;

    for (auto const& l : setup.left_out) { // only what the suite knows how to leave out, with a reason
        INFO("left out: " << l.first);
        auto const known = leavable_checks();
        CHECK(std::find(known.begin(), known.end(), l.first) != known.end());
        CHECK_FALSE(l.second.empty());
    }
    server_process server(setup.server_args);
    INFO("server: " << server.error());
    REQUIRE(server.running());

    http::transport_options defaults = setup.options;
    defaults.user_agent = "pulse-conformance/1";
    Transport transport = make_transport(defaults);
    conformance_client<Transport> c{server, transport};

    SUBCASE("GET: every header field reaches the server as given; a 404 is a successful transfer") {
        auto r = c.get(c.url({"job", "does-not-exist"}));
        r.headers.add("X-Conformance", "value  with \"inner\" spaces");
        r.headers.add("X-Empty", "");
        r.headers.add("X-Twice", "one");
        r.headers.add("X-Twice", "two");
        auto s = c.fetch(r);
        CHECK(s.head.status == 404);
        CHECK(s.head.headers.find("content-type") == "application/json");
        CHECK(s.head.content_length() == s.bytes);
        auto body = parse_json(s.body);
        CHECK(body.at("error").at("code").as_string() == "JOB_NOT_FOUND");

        auto log = c.request_log();
        REQUIRE(log.size() == 1);
        auto const& e = log[0].as_object();
        CHECK(e.at("method").as_string() == "GET");
        CHECK(e.at("target").as_string() == "/job/does-not-exist");
        auto const& h = e.at("headers").as_object();
        CHECK(h.at("x-api-key").as_string() == server.api_key());
        CHECK(h.at("x-conformance").as_string() == "value  with \"inner\" spaces");
        CHECK(h.at("x-empty").as_string() == "");
        CHECK(h.at("x-twice").as_string() == "one, two");
        CHECK(h.at("user-agent").as_string() == "pulse-conformance/1");
        CHECK_FALSE(h.contains("expect"));
        if (setup.decodes_compression) CHECK(h.at("accept-encoding").as_string().find("gzip") != boost::json::string::npos);
        else CHECK((!h.contains("accept-encoding") || h.at("accept-encoding").as_string().find("gzip") == boost::json::string::npos));
    }

    SUBCASE("POST: a multipart body streamed from a real file arrives byte-exact") {
        // 3 MiB + a bit: beyond the 1 MiB at which some stacks start Expect: 100-continue, and full of
        // byte sequences that look like multipart framing.
        std::string file_bytes;
        std::mt19937 rng(2024);
        while (file_bytes.size() < (3u << 20) + 12345) {
            file_bytes.push_back(static_cast<char>(rng() & 0xFF));
            if (file_bytes.size() % 4099 == 0) file_bytes += "\r\n--pulse-cpp-\r\n--\r\n";
        }
        auto const path = std::filesystem::temp_directory_path() / ("pulse_conformance_upload_" + std::to_string(server.port()) + ".bin");
        std::ofstream(path, std::ios::binary).write(file_bytes.data(), static_cast<std::streamsize>(file_bytes.size()));

        http::multipart_form form;
        form.add_bool("async", true);
        form.add_text("extensions", R"({"altOutputs":{"returnHtml":true}})");
        // A filename that breaks naive quoting: a quote, and a backslash right before the closing quote.
        std::string const filename = "scan \"v2\" \\draft\\";
        REQUIRE(form.add_file("file", path, filename, "application/pdf").has_value());
        auto body = form.build(rng);
        REQUIRE(body.has_value());

        http::request r;
        r.method = http::method::post;
        r.url = c.url({"extract"});
        r.headers.add("x-api-key", server.api_key());
        r.headers.add("Content-Type", body->content_type);
        auto const body_size = body->body.size();
        r.body = std::move(body->body);
        auto answer = c.fetch_json(r);
        REQUIRE(answer.as_object().contains("job_id"));
        std::string const id(answer.at("job_id").as_string());

        auto info = c.job_info(id);
        CHECK(as_int(info.at("upload_bytes")) == static_cast<std::int64_t>(file_bytes.size()));
        CHECK(info.at("upload_fnv1a64").as_string() == fnv1a64_hex(file_bytes));
        CHECK(info.at("fields").at("async").as_string() == "true");
        CHECK(info.at("fields").at("extensions").as_string() == R"({"altOutputs":{"returnHtml":true}})");
        auto const& files = info.at("files").as_array();
        REQUIRE(files.size() == 1);
        CHECK(files[0].at("name").as_string() == "file");
        // The server reads quoted strings the RFC 9110 way (backslash escapes); it still sees the
        // whole escaped filename, so the parameter did not run into what follows.
        CHECK(files[0].at("filename").as_string() == http::escape_form_data_name(filename));
        CHECK(files[0].at("content_type").as_string() == "application/pdf");

        auto log = c.request_log();
        REQUIRE(log.size() == 1);
        auto const& h = log[0].at("headers").as_object();
        CHECK(h.at("content-length").as_string() == std::to_string(body_size));
        CHECK_FALSE(h.contains("expect"));
        CHECK_FALSE(h.contains("transfer-encoding"));
        std::filesystem::remove(path);
    }

    SUBCASE("a large body is pushed in many chunks, all of it, after exactly one head") {
        auto const url = c.large_result("24M");
        auto s = c.fetch(c.get(url));
        CHECK(s.head.status == 200);
        REQUIRE(s.head.content_length().has_value());
        CHECK(*s.head.content_length() == (24u << 20));
        CHECK(s.bytes == *s.head.content_length());
        CHECK(s.chunks > 16); // pushed as it arrives, not buffered into one piece
    }

    SUBCASE("404, 410 and 503 are delivered as successful transfers with their status") {
        auto const url = c.large_result("64k");
        CHECK(c.fetch(c.get(url)).head.status == 200);
        auto gone = c.fetch(c.get(url)); // single use: the second download is refused
        CHECK(gone.head.status == 410);
        CHECK(parse_json(gone.body).at("error").at("code").as_string() == "GONE");

        auto busy = c.fetch(c.get(c.url({"job", "any"}), "fault=503:ra=2"));
        CHECK(busy.head.status == 503);
        CHECK(http::retry_delay(busy.head.headers, std::chrono::system_clock::now()) == 2000ms);

        auto empty = c.fetch(c.get(c.url({"job", "any"}), "fault=503:body=empty"));
        CHECK(empty.head.status == 503);
        CHECK(empty.chunks == 0); // no body: the head still arrives, once
    }

    SUBCASE("connection refused is connect_failed, and the error does not carry the key") {
        refused_port closed;
        REQUIRE(closed.port() != 0);
        http::request r;
        r.url = server.scheme() + "://127.0.0.1:" + std::to_string(closed.port()) + "/job/x";
        r.headers.add("x-api-key", "secret-key-that-must-not-leak");
        recording_sink s;
        auto out = transport.perform(r, s);
        REQUIRE_FALSE(out.has_value());
        CHECK(out.error().code == errc::connect_failed);
        CHECK(out.error().layer() == pulse::error_layer::transport);
        CHECK(out.error().http_status == 0);
        CHECK(out.error().to_string().find("secret-key-that-must-not-leak") == std::string::npos);
        CHECK(s.heads == 0);
    }

    // Faults the server injects into an answer, and how the transfer must end. The stalls last ten
    // minutes: only the transport's own timeout can end them.
    enum class target : unsigned char { new_job, large_result_1m, unknown_job };
    struct fault_row {
        char const* name = "";
        target on = target::new_job;
        char const* scenario = "";
        std::chrono::milliseconds stall_timeout = 0ms; ///< when set, a transport of its own with it
        std::chrono::milliseconds total_timeout = 0ms; ///< likewise
        errc code = errc::ok;
        errc or_code = errc::ok; ///< an equally right code, when there is one
        int heads = 0;           ///< on_head calls before the end
        std::uint64_t min_bytes = 0, max_bytes = 0; ///< body bytes that reached the handler
        int http_status = -1;    ///< error::http_status, when not -1
    };
    constexpr auto any = (std::numeric_limits<std::uint64_t>::max)();
    fault_row const faults[] = {
        {.name = "a reset before the head is connection_reset", .scenario = "fault=reset", .code = errc::connection_reset},
        {.name = "a reset in the middle of the body is connection_reset or body_truncated", .on = target::large_result_1m,
         .scenario = "fault=reset_mid_body:bytes=65536", .code = errc::connection_reset, .or_code = errc::body_truncated, .heads = 1,
         .max_bytes = 65536},
        {.name = "a clean close before Content-Length bytes is body_truncated", .on = target::large_result_1m,
         .scenario = "fault=short_body:bytes=1000", .code = errc::body_truncated, .heads = 1, .min_bytes = 1000, .max_bytes = 1000,
         .http_status = 200},
        {.name = "a body that stalls past the stall timeout is timeout", .scenario = "fault=stall_mid_body:ms=600000",
         .stall_timeout = 1s, .code = errc::timeout, .heads = 1, .max_bytes = any},
        {.name = "a response that never starts is ended by the total timeout", .on = target::unknown_job,
         .scenario = "fault=delay:ms=600000", .total_timeout = 1s, .code = errc::timeout},
    };
    for (auto const& f : faults) {
        SUBCASE(f.name) {
            std::string const url = f.on == target::large_result_1m ? c.large_result("1M")
                                    : f.on == target::new_job       ? c.url({"job", c.submit("")})
                                                                    : c.url({"job", "x"});
            http::transport_options o = defaults;
            if (f.stall_timeout.count() != 0) o.stall_timeout = f.stall_timeout;
            if (f.total_timeout.count() != 0) o.total_timeout = f.total_timeout;
            bool const own = f.stall_timeout.count() != 0 || f.total_timeout.count() != 0;
            Transport quick = make_transport(o);
            recording_sink s;
            auto out = (own ? quick : transport).perform(c.get(url, f.scenario), s);
            REQUIRE_FALSE(out.has_value());
            INFO(out.error().to_string());
            CHECK((out.error().code == f.code || (f.or_code != errc::ok && out.error().code == f.or_code)));
            CHECK(s.heads == f.heads);
            CHECK(s.bytes >= f.min_bytes);
            CHECK(s.bytes <= f.max_bytes);
            if (f.http_status != -1) CHECK(out.error().http_status == f.http_status);
        }
    }

    SUBCASE("the handler's abort stops a large transfer at once") {
        auto const url = c.large_result("256M");
        recording_sink s(0, std::uint64_t{1} << 20);
        auto out = transport.perform(c.get(url), s);
        REQUIRE_FALSE(out.has_value());
        CHECK(out.error().code == errc::aborted_by_sink);
        CHECK(out.error().layer() == pulse::error_layer::local);
        CHECK(s.aborted);
        CHECK(s.calls_after_abort == 0);
        CHECK(s.bytes < (std::uint64_t{2} << 20)); // stopped at the first chunk past 1 MiB

        // The transport is usable afterwards.
        CHECK(c.fetch(c.get(c.url({"job", "x"}))).head.status == 404);
    }

    SUBCASE("an abort from on_head stops before any body byte") {
        struct head_refuser final : http::response_handler {
            int bodies = 0;
            http::sink_action on_head(http::response_head const&) override { return http::sink_action::abort; }
            http::sink_action on_body(std::string_view) override {
                ++bodies;
                return http::sink_action::proceed;
            }
        } refuser;
        auto out = transport.perform(c.get(c.url({"job", "x"})), refuser);
        REQUIRE_FALSE(out.has_value());
        CHECK(out.error().code == errc::aborted_by_sink);
        CHECK(refuser.bodies == 0);
    }

    SUBCASE("gzip is decoded when accept_compressed, and not asked for otherwise") {
        auto id = c.submit("");
        // The job's answer through a transport with accept_compressed = `accept`: gzip-coded at the
        // server and decoded when asked for, and a stack without a decoder (decodes_compression
        // false) must not ask for gzip whatever accept_compressed says.
        auto const job_answer = [&](bool accept) {
            http::transport_options o = defaults;
            o.accept_compressed = accept;
            Transport t = make_transport(o);
            auto s = conformance_client<Transport>{server, t}.fetch(c.get(c.url({"job", id}), "fault=gzip"));
            if (accept && setup.decodes_compression) CHECK(s.head.headers.find("content-encoding") == "gzip");
            else CHECK_FALSE(s.head.headers.contains("content-encoding"));
            CHECK(parse_json(s.body).at("job_id").as_string() == id);
        };
        job_answer(true);
        job_answer(false);

        // A streamed (chunked) gzip body of several MiB arrives at exactly the original length.
        auto const url = c.large_result("6M");
        auto big = c.fetch(c.get(url, "fault=gzip"));
        if (setup.decodes_compression) CHECK(big.head.headers.find("content-encoding") == "gzip");
        else CHECK_FALSE(big.head.headers.contains("content-encoding"));
        CHECK(big.bytes == (6u << 20));
    }

    SUBCASE("consecutive requests reuse one connection") {
        auto id = c.submit("tag=reuse");
        for (int i = 0; i < 3; ++i) c.fetch(c.get(c.url({"job", id})));
        auto log = c.request_log();
        REQUIRE(log.size() == 4);
        // The polls share one connection. The submission is not checked: an adapter may send a
        // POST on a connection of its own (the curl adapter does for a POST without a body, which
        // it cannot keep libcurl from resending otherwise).
        auto const first = as_int(log[1].at("connection"));
        for (std::size_t i = 1; i < log.size(); ++i) CHECK(as_int(log[i].at("connection")) == first);
    }

    SUBCASE("redirects: delivered as is by default") {
        auto id = c.submit("");
        auto s = c.fetch(c.get(c.url({"job", id}), "fault=redirect@1"));
        CHECK(s.head.status == 302);
        CHECK(s.head.headers.find("location").has_value());
    }

    SUBCASE("redirects: followed when asked, without the key once they leave the origin") {
        if (auto const* why = left_out_reason(setup, "redirects: followed when asked, without the key once they leave the origin")) {
            MESSAGE("left out: the cross-origin redirect subcase: " << *why);
            return;
        }
        http::transport_options o = defaults;
        o.follow_redirects = true;
        Transport follower = make_transport(o);
        auto id = c.submit("");

        // Same origin: the key goes along and the job answers.
        std::string const same = "fault=redirect=" + c.url({"job", id}) + "@1";
        recording_sink a;
        REQUIRE(follower.perform(c.get(c.url({"job", id}), same), a).has_value());
        CHECK(a.heads == 1);
        CHECK(a.head.status == 200);

        // Another origin (localhost instead of 127.0.0.1): the key stays home, so the API says 401.
        auto id2 = c.submit("tag=second");
        recording_sink b;
        REQUIRE(follower.perform(c.get(c.url({"job", id2}), "fault=redirect@1"), b).has_value());
        CHECK(b.heads == 1); // only the final response's head
        CHECK(b.head.status == 401);
        auto log = c.request_log();
        REQUIRE(log.size() >= 2);
        auto const& last = log[log.size() - 1].at("headers").as_object();
        auto const& before = log[log.size() - 2].at("headers").as_object();
        CHECK(before.at("x-api-key").as_string() == server.api_key());
        CHECK(last.at("host").as_string().starts_with("localhost"));
        CHECK_FALSE(last.contains("x-api-key"));
        CHECK(last.at("x-pulse-scenario").as_string() == "fault=redirect@1"); // other fields do go along

        // A redirect loop ends with too_many_redirects.
        recording_sink loop;
        auto out = follower.perform(c.get(c.url({"job", id}), "fault=redirect=" + c.url({"job", id})), loop);
        REQUIRE_FALSE(out.has_value());
        CHECK(out.error().code == errc::too_many_redirects);
        CHECK(loop.heads == 0);
    }

    SUBCASE("a POST without Content-Type gets none added; an empty body is Content-Length: 0") {
        http::request r;
        r.method = http::method::post;
        r.url = c.url({"extract"});
        r.headers.add("x-api-key", server.api_key());
        auto s = c.fetch(r);
        CHECK(s.head.status == 400); // the API's answer to a submission without a document
        auto log = c.request_log();
        REQUIRE(log.size() == 1);
        CHECK(log[0].at("method").as_string() == "POST");
        auto const& h = log[0].at("headers").as_object();
        CHECK_FALSE(h.contains("content-type"));
        CHECK(h.at("content-length").as_string() == "0");
    }

    SUBCASE("DELETE reaches the server as DELETE") {
        auto id = c.submit("");
        auto r = c.get(c.url({"job", id}));
        r.method = http::method::delete_;
        auto s = c.fetch(r);
        CHECK(s.head.status == 200);
        CHECK(c.job_info(id).at("cancel_requested").as_bool());
    }

    SUBCASE("an upload whose file vanished is a file_error, not a network error") {
        auto const path = std::filesystem::temp_directory_path() / ("pulse_conformance_vanish_" + std::to_string(server.port()) + ".bin");
        std::ofstream(path, std::ios::binary) << std::string(100000, 'x');
        auto body = http::body_source::from_file(path);
        REQUIRE(body.has_value());
        std::filesystem::remove(path);
        http::request r;
        r.method = http::method::post;
        r.url = c.url({"extract"});
        r.headers.add("x-api-key", server.api_key());
        r.headers.add("Content-Type", "application/pdf");
        r.body = std::move(*body);
        recording_sink s;
        auto out = transport.perform(r, s);
        REQUIRE_FALSE(out.has_value());
        CHECK(out.error().code == errc::file_error);
        CHECK(out.error().layer() == pulse::error_layer::input);
    }

    SUBCASE("a hostile response head is cut off at the adapter's cap: protocol_error") {
        // 100,000 tiny fields (1.6 MB of head), 400 fields of 1000 bytes (400 KB), and 2,000 tiny
        // fields (about 40 KB: past the field cap only): all past every adapter's head cap (1000
        // fields / 256 KiB).
        for (char const* flood : {"fault=header_flood=100000:bytes=1", "fault=header_flood=400:bytes=1000",
                                  "fault=header_flood=2000:bytes=1"}) {
            INFO("scenario: " << std::string(flood));
            if (auto const* why = left_out_reason(setup, flood)) {
                MESSAGE("left out: " << std::string(flood) << ": " << *why);
                continue;
            }
            recording_sink s;
            auto out = transport.perform(c.get(c.url({"job", "x"}), flood), s);
            REQUIRE_FALSE(out.has_value());
            CHECK(out.error().code == errc::protocol_error);
            CHECK(s.heads == 0);
        }
        CHECK(c.fetch(c.get(c.url({"job", "x"}))).head.status == 404); // and the transport is usable afterwards
    }

    SUBCASE("a header value with CR or LF is refused, never sent") {
        auto r = c.get(c.url({"job", "x"}));
        r.headers.add("X-Injected", "a\r\nX-Evil: 1");
        recording_sink s;
        auto out = transport.perform(r, s);
        REQUIRE_FALSE(out.has_value());
        CHECK(out.error().code == errc::invalid_argument);
        CHECK(c.request_log().empty());
    }
}

} // namespace pulse_test

#endif
