// The libcurl adapter: the shared transport conformance suite against the real local server, the
// cases it shares with the Boost.Beast adapter (adapter_cases.hpp), plus what is specific to
// libcurl (handle reuse, error-code mapping, head collection, proxies, global init).
#include "adapter_cases.hpp"
#include "server_process.hpp"
#include "transport_conformance.hpp"

#include <pulse/curl/transport.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <optional>
#include <string>
#include "../support/temp_path.hpp"

namespace http = pulse::http;
using pulse::errc;
using pulse::curl::easy_transport;

namespace {
easy_transport make_easy(http::transport_options o) { return easy_transport(std::move(o)); }
} // namespace

TEST_CASE("curl easy_transport: transport conformance") {
    pulse_test::run_transport_conformance<easy_transport>(make_easy);
}

TEST_CASE("curl easy_transport: the cases the in-tree adapters share") {
    // A POST refused a resend: libcurl had connected connection 2 for its resend; the refused
    // rewind (refuse_rewind in easy_setup.hpp) ended it before a byte was sent.
    pulse_test::run_adapter_cases<easy_transport>(make_easy, pulse_test::adapter_traits<easy_transport>{
                                                                 .refused_scheme_native_code = CURLE_UNSUPPORTED_PROTOCOL,
                                                                 .post_refusal_says = "not sent again",
                                                                 .connection_after_refused_post = 3});
}

// --- no network --------------------------------------------------------------------------------

TEST_CASE("curl: CURLcode mapping") {
    using pulse::curl::detail::map_code;
    CHECK(map_code(CURLE_OK, false) == errc::ok);
    CHECK(map_code(CURLE_COULDNT_RESOLVE_HOST, false) == errc::resolve_failed);
    CHECK(map_code(CURLE_COULDNT_RESOLVE_PROXY, false) == errc::proxy_failed);
    CHECK(map_code(CURLE_COULDNT_CONNECT, false) == errc::connect_failed);
    CHECK(map_code(CURLE_SSL_CONNECT_ERROR, false) == errc::tls_failed);
    CHECK(map_code(CURLE_PEER_FAILED_VERIFICATION, false) == errc::tls_verification_failed);
    CHECK(map_code(CURLE_SSL_CACERT_BADFILE, false) == errc::tls_verification_failed);
    CHECK(map_code(CURLE_OPERATION_TIMEDOUT, false) == errc::timeout);
    CHECK(map_code(CURLE_PARTIAL_FILE, false) == errc::body_truncated);
    CHECK(map_code(CURLE_RECV_ERROR, false) == errc::connection_reset);
    CHECK(map_code(CURLE_SEND_ERROR, false) == errc::connection_reset);
    CHECK(map_code(CURLE_GOT_NOTHING, false) == errc::connection_reset);
    CHECK(map_code(CURLE_SEND_FAIL_REWIND, false) == errc::connection_reset);
    CHECK(map_code(CURLE_WRITE_ERROR, true) == errc::aborted_by_sink);
    CHECK(map_code(CURLE_WRITE_ERROR, false) == errc::transport_failed); // not ours: a libcurl failure
    CHECK(map_code(CURLE_TOO_MANY_REDIRECTS, false) == errc::too_many_redirects);
    CHECK(map_code(CURLE_WEIRD_SERVER_REPLY, false) == errc::protocol_error);
    CHECK(map_code(CURLE_URL_MALFORMAT, false) == errc::invalid_argument);
    CHECK(map_code(CURLE_OUT_OF_MEMORY, false) == errc::transport_failed);
}

TEST_CASE("curl: head collection keeps only the final response's head") {
    pulse::curl::detail::head_collector h;
    // An interim 100 Continue, then the real answer.
    for (auto line : {"HTTP/1.1 100 Continue\r\n", "\r\n", "HTTP/1.1 200 OK\r\n", "Content-Type: application/json\r\n",
                      "X-Folded: first\r\n", " second\r\n", "X-Spaces:   padded value \t\r\n", "\r\n"})
        REQUIRE(h.line(line));
    REQUIRE(h.complete());
    auto const& head = h.head();
    CHECK(head.status == 200);
    CHECK(head.headers.size() == 3);
    CHECK(head.headers.find("content-type") == "application/json");
    CHECK(head.headers.find("x-folded") == "first second");
    CHECK(head.headers.find("x-spaces") == "padded value");
    // Trailers after the head (chunked encoding) do not change it.
    REQUIRE(h.line("X-Trailer: t\r\n"));
    CHECK_FALSE(h.head().headers.contains("x-trailer"));

    // A proxy CONNECT answer or a redirect followed by a new status line is replaced.
    pulse::curl::detail::head_collector r;
    for (auto line : {"HTTP/1.1 302 Found\r\n", "Location: /x\r\n", "\r\n", "HTTP/2 404 \r\n", "a: b\r\n", "\r\n"})
        REQUIRE(r.line(line));
    CHECK(r.head().status == 404);
    CHECK_FALSE(r.head().headers.contains("location"));
    CHECK(r.head().headers.find("a") == "b");

    pulse::curl::detail::head_collector bad;
    CHECK_FALSE(bad.line("HTTP/1.1 2x0 Huh\r\n"));
}

TEST_CASE("curl: global init helper and thread-safety report") {
    pulse::curl::global_init init;
    CHECK(init.ok());
    CHECK(init.status().has_value());
    // Debian 12's libcurl 7.88.1 is built with thread-safe init; the report must say what libcurl says.
    auto const* info = curl_version_info(CURLVERSION_NOW);
    CHECK(pulse::curl::lazy_init_is_thread_safe() == ((info->features & CURL_VERSION_THREADSAFE) != 0));
}

// --- against the server ------------------------------------------------------------------------

namespace {
using curl_fixture = pulse_test::local_server;

long new_connections(easy_transport const& t) {
    long n = -1;
    curl_easy_getinfo(t.native_handle(), CURLINFO_NUM_CONNECTS, &n);
    return n;
}

// Set an environment variable for one scope.
struct scoped_env {
    std::string name;
    std::optional<std::string> old;
    scoped_env(std::string n, std::string const& value) : name(std::move(n)) {
        if (char const* v = std::getenv(name.c_str())) old = v;
        ::setenv(name.c_str(), value.c_str(), 1);
    }
    ~scoped_env() {
        if (old) ::setenv(name.c_str(), old->c_str(), 1);
        else ::unsetenv(name.c_str());
    }
};
} // namespace

TEST_CASE("curl: the easy handle keeps its connection across requests") {
    curl_fixture f;
    easy_transport t;
    for (int i = 0; i < 3; ++i) {
        pulse_test::recording_sink s;
        REQUIRE(t.perform(f.get("/job/x"), s).has_value());
        CHECK(s.head.status == 404);
        // libcurl's own count: one new connection for the first transfer, none after.
        CHECK(new_connections(t) == (i == 0 ? 1 : 0));
    }
}

TEST_CASE("curl: a POST with a body shares the kept connection; a POST without one gets its own") {
    curl_fixture f;
    easy_transport t;
    auto post = [&](std::string body) {
        http::request r = f.get("/extract");
        r.method = http::method::post;
        r.headers.add("Content-Type", "application/json");
        r.body = http::body_source::from_string(std::move(body));
        return r;
    };
    pulse_test::recording_sink s1;
    REQUIRE(t.perform(f.get("/job/x"), s1).has_value());
    CHECK(new_connections(t) == 1);
    pulse_test::recording_sink s2;
    REQUIRE(t.perform(post(R"({"file_url":"https://example.com/x.pdf"})"), s2).has_value());
    CHECK(new_connections(t) == 0); // no handshake per submission (over TLS a full one)
    pulse_test::recording_sink s3;
    REQUIRE(t.perform(post(""), s3).has_value());
    CHECK(new_connections(t) == 1); // nothing to refuse a rewind of: a connection of its own
    pulse_test::recording_sink s4;
    REQUIRE(t.perform(f.get("/job/x"), s4).has_value());
    CHECK(new_connections(t) == 0); // the kept one; the empty POST's was closed
}

TEST_CASE("curl: proxy option -- an explicit proxy is used, an empty one disables the environment's") {
    curl_fixture f;
    pulse_test::refused_port dead;

    // An explicit proxy that refuses connections: the request fails at the proxy (proxy_failed,
    // which the library never retries) ...
    http::transport_options via;
    via.proxy = "http://127.0.0.1:" + std::to_string(dead.port());
    easy_transport t1(via);
    pulse_test::recording_sink s1;
    auto out = t1.perform(f.get("/job/x"), s1);
    REQUIRE_FALSE(out.has_value());
    CHECK(out.error().code == errc::proxy_failed);
    CHECK(out.error().message.find("proxy") != std::string::npos);
    // ... unless no_proxy names the host: then it goes direct.
    via.no_proxy = "example.com, 127.0.0.1";
    easy_transport t1b(via);
    pulse_test::recording_sink s1b;
    auto direct_out = t1b.perform(f.get("/job/x"), s1b);
    INFO((direct_out ? std::string() : direct_out.error().to_string()));
    CHECK(direct_out.has_value());
    CHECK(s1b.head.status == 404);

    // The same dead proxy in the environment: nullopt lets libcurl use it (and fail), while an empty
    // string goes direct.
    scoped_env env("http_proxy", "http://127.0.0.1:" + std::to_string(dead.port()));
    scoped_env no("no_proxy", "");
    easy_transport t2;
    pulse_test::recording_sink s2;
    CHECK_FALSE(t2.perform(f.get("/job/x"), s2).has_value());

    http::transport_options direct;
    direct.proxy = "";
    easy_transport t3(direct);
    pulse_test::recording_sink s3;
    REQUIRE(t3.perform(f.get("/job/x"), s3).has_value());
    CHECK(s3.head.status == 404);
}

TEST_CASE("curl: an error that echoes the key does not leak it through the transport") {
    // The server's echo_key fault repeats the credential in a header and the body. Both reach the
    // handler (they are the server's words); the transport itself adds nothing with the key to an
    // error. Here the transfer is cut after the head, so there is an error to inspect.
    curl_fixture f;
    easy_transport t;
    pulse_test::recording_sink s;
    auto out = t.perform(f.get("/job/x", "fault=echo_key,reset_mid_body:bytes=5"), s);
    REQUIRE_FALSE(out.has_value());
    CHECK(out.error().to_string().find(f.server.api_key()) == std::string::npos);
    CHECK(out.error().http_status == 401);
}

namespace {
std::size_t append_to_string(char* data, std::size_t size, std::size_t n, void* out) {
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
}
} // namespace

TEST_CASE("curl: our multipart body and libcurl's own form posting read the same on the server") {
    // The same form sent twice: once built by pulse::http::multipart_form through easy_transport,
    // once by libcurl's curl_mime API. The server's parser (an independent implementation) must
    // record identical fields and files. The filename has a quote, CR and LF -- escaped the same way
    // by both (WHATWG); no backslash, where this library deliberately differs (see multipart.hpp).
    curl_fixture f;
    std::string file_bytes;
    for (int i = 0; i < 200000; ++i) file_bytes.push_back(static_cast<char>((i * 131) ^ (i >> 7)));
    auto const path = pulse_test::temp_path("curl_mime_compare.bin");
    std::ofstream(path, std::ios::binary).write(file_bytes.data(), static_cast<std::streamsize>(file_bytes.size()));
    std::string const filename = "report \"final\"\r\nv2.pdf";
    std::string const extensions = R"({"altOutputs":{"returnHtml":true}})";

    // Ours.
    http::multipart_form form;
    form.add_bool("async", true);
    form.add_text("extensions", extensions);
    REQUIRE(form.add_file("file", path, filename, "application/pdf").has_value());
    std::mt19937 rng(11);
    auto mb = form.build(rng);
    REQUIRE(mb.has_value());
    auto ours = f.get("/extract");
    ours.method = http::method::post;
    ours.headers.add("Content-Type", mb->content_type);
    ours.body = std::move(mb->body);
    easy_transport t;
    pulse_test::recording_sink s;
    REQUIRE(t.perform(ours, s).has_value());
    REQUIRE(s.head.status == 200);
    std::string const our_id(pulse_test::parse_json(s.body).at("job_id").as_string());

    // libcurl's.
    CURL* h = curl_easy_init();
    REQUIRE(h != nullptr);
    curl_mime* mime = curl_mime_init(h);
    curl_mimepart* p = curl_mime_addpart(mime);
    curl_mime_name(p, "async");
    curl_mime_data(p, "true", CURL_ZERO_TERMINATED);
    p = curl_mime_addpart(mime);
    curl_mime_name(p, "extensions");
    curl_mime_data(p, extensions.c_str(), CURL_ZERO_TERMINATED);
    p = curl_mime_addpart(mime);
    curl_mime_name(p, "file");
    curl_mime_filedata(p, path.string().c_str());
    curl_mime_filename(p, filename.c_str());
    curl_mime_type(p, "application/pdf");
    std::string const key_line = "x-api-key: " + f.server.api_key();
    curl_slist* hdrs = curl_slist_append(nullptr, key_line.c_str());
    std::string const url = f.server.base_url() + "/extract";
    std::string answer;
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_MIMEPOST, mime);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &append_to_string);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
    CURLcode const rc = curl_easy_perform(h);
    curl_slist_free_all(hdrs);
    curl_mime_free(mime);
    curl_easy_cleanup(h);
    REQUIRE(rc == CURLE_OK);
    std::string const curl_id(pulse_test::parse_json(answer).at("job_id").as_string());

    pulse_test::conformance_client<easy_transport> c{f.server, t};
    auto const a = c.job_info(our_id);
    auto const b = c.job_info(curl_id);
    CHECK(a.at("fields") == b.at("fields"));
    auto const& fa = a.at("files").as_array();
    auto const& fb = b.at("files").as_array();
    REQUIRE(fa.size() == 1);
    REQUIRE(fb.size() == 1);
    CHECK(fa[0] == fb[0]); // name, filename (as escaped), content type, byte count, hash
    CHECK(fa[0].at("filename").as_string() == "report %22final%22%0D%0Av2.pdf");
    CHECK(a.at("upload_fnv1a64") == b.at("upload_fnv1a64"));
    CHECK(a.at("upload_fnv1a64").as_string() == pulse_test::fnv1a64_hex(file_bytes));
    std::filesystem::remove(path);
}
