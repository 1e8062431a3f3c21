#include <pulse/http/body_sinks.hpp>

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include "../support/temp_path.hpp"

using namespace pulse::http;
using pulse::errc;

namespace {
response_head head_with(int status, std::initializer_list<header_field> fields = {}) {
    response_head h;
    h.status = status;
    h.headers = headers(fields);
    return h;
}

std::string slurp(std::filesystem::path const& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

pulse::error aborted() { return pulse::error(errc::aborted_by_sink, "aborted by sink"); }
} // namespace

TEST_CASE("string_sink: collects head and body") {
    string_sink s;
    CHECK(s.on_head(head_with(404, {{"Content-Type", "application/json"}})) == sink_action::proceed);
    CHECK(s.on_body("{\"error\":") == sink_action::proceed);
    CHECK(s.on_body("1}") == sink_action::proceed);
    CHECK(s.head().status == 404);
    CHECK(s.head().headers.find("content-type") == "application/json");
    CHECK(s.body() == "{\"error\":1}");
    CHECK(s.finish({}).has_value());
    CHECK(s.take_body() == "{\"error\":1}");
}

TEST_CASE("string_sink: the cap stops the transfer with body_too_large") {
    string_sink s(10);
    REQUIRE(s.on_head(head_with(200)) == sink_action::proceed);
    CHECK(s.on_body("12345") == sink_action::proceed);
    CHECK(s.on_body("67890") == sink_action::proceed); // exactly at the cap is fine
    CHECK(s.on_body("x") == sink_action::abort);
    CHECK(s.body() == "1234567890");
    REQUIRE(s.failure().has_value());
    CHECK(s.failure()->code == errc::body_too_large);

    // The transport only knows that the sink aborted; finish() says why.
    auto r = s.finish(aborted());
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == errc::body_too_large);
    CHECK(r.error().http_status == 200);
    CHECK(r.error().bytes_delivered == 10);
}

TEST_CASE("string_sink: an announced Content-Length over the cap stops at the head") {
    string_sink s(100);
    CHECK(s.on_head(head_with(200, {{"Content-Length", "101"}})) == sink_action::abort);
    CHECK(s.finish(aborted()).error().code == errc::body_too_large);

    // ... unless the stack decodes the body: then Content-Length counts compressed bytes.
    string_sink gz(100);
    CHECK(gz.on_head(head_with(200, {{"Content-Length", "101"}, {"Content-Encoding", "gzip"}})) == sink_action::proceed);
    string_sink ok(100);
    CHECK(ok.on_head(head_with(200, {{"Content-Length", "100"}})) == sink_action::proceed);
    // A huge announced length does not make the sink allocate it up front (it would throw or abort).
    string_sink big;
    CHECK(big.on_head(head_with(200, {{"Content-Length", "999999999999999"}})) == sink_action::proceed);
    CHECK(big.body().capacity() < (std::size_t{64} << 20));
}

TEST_CASE("string_sink: truncate policy keeps the first bytes and lets the transfer finish") {
    string_sink s(4, overflow_policy::truncate);
    CHECK(s.on_head(head_with(500, {{"Content-Length", "9"}})) == sink_action::proceed);
    CHECK(s.on_body("abc") == sink_action::proceed);
    CHECK(s.on_body("defghi") == sink_action::proceed);
    CHECK(s.body() == "abcd");
    CHECK(s.truncated());
    CHECK(s.finish({}).has_value());
}

TEST_CASE("string_sink: transport errors pass through with the bytes received") {
    string_sink s;
    s.on_head(head_with(200));
    s.on_body("partial");
    pulse::error reset(errc::connection_reset, "reset");
    auto r = s.finish(reset);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == errc::connection_reset);
    CHECK(r.error().bytes_delivered == 7);

    // Asynchronous transports report through on_complete.
    s.on_complete(reset);
    REQUIRE(s.completion().has_value());
    CHECK(s.completion()->error().code == errc::connection_reset);
}

TEST_CASE("file_sink: writes chunks to a created file and closes it on finish") {
    auto const path = pulse_test::temp_path("file_sink.bin");
    std::string expected;
    {
        auto s = file_sink::create(path);
        REQUIRE(s.has_value());
        file_sink sink = std::move(*s); // movable
        REQUIRE(sink.on_head(head_with(200)) == sink_action::proceed);
        for (int i = 0; i < 1000; ++i) {
            std::string chunk(static_cast<std::size_t>(i % 97 + 1), static_cast<char>(i));
            expected += chunk;
            REQUIRE(sink.on_body(chunk) == sink_action::proceed);
        }
        CHECK(sink.bytes_written() == expected.size());
        CHECK(sink.finish({}).has_value());
        CHECK(slurp(path) == expected); // flushed and closed by finish, before the sink is destroyed
    }
    std::filesystem::remove(path);
}

TEST_CASE("file_sink: a caller's FILE* is flushed, not closed") {
    auto const path = pulse_test::temp_path("file_sink_borrowed.bin");
    std::FILE* f = std::fopen(path.string().c_str(), "wb");
    REQUIRE(f != nullptr);
    {
        file_sink sink(f);
        sink.on_head(head_with(200));
        sink.on_body("hello ");
        CHECK(sink.finish({}).has_value());
        CHECK(slurp(path) == "hello ");
    }
    CHECK(std::fputs("world", f) >= 0); // still open: the caller owns it
    CHECK(std::fclose(f) == 0);
    CHECK(slurp(path) == "hello world");
    std::filesystem::remove(path);
}

TEST_CASE("file_sink: creation and write failures are file errors") {
    auto bad = file_sink::create("/nonexistent/dir/pulse.bin");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == errc::file_error);
    CHECK(bad.error().layer() == pulse::error_layer::input);

    if (!std::filesystem::exists("/dev/full")) return; // Linux: every write fails with ENOSPC
    SUBCASE("a buffered write that fails only at flush is still reported") {
        auto s = file_sink::create("/dev/full");
        REQUIRE(s.has_value());
        s->on_head(head_with(200));
        CHECK(s->on_body("small") == sink_action::proceed); // sits in stdio's buffer
        auto r = s->finish({});
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == errc::file_error);
    }
    SUBCASE("a write larger than the buffer fails at once and aborts") {
        auto s = file_sink::create("/dev/full");
        REQUIRE(s.has_value());
        s->on_head(head_with(200));
        CHECK(s->on_body(std::string(1 << 20, 'x')) == sink_action::abort);
        auto r = s->finish(aborted());
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == errc::file_error); // the reason, not "aborted_by_sink"
    }
}

TEST_CASE("tee_sink: by default a branch that stops does not stop the other") {
    string_sink parser(4); // stands in for a parser that gives up
    string_sink keeper;
    tee_sink tee(parser, keeper);
    CHECK(tee.on_head(head_with(200)) == sink_action::proceed);
    CHECK(tee.on_body("abc") == sink_action::proceed);
    CHECK(tee.on_body("defg") == sink_action::proceed); // parser stops here, keeper continues
    CHECK(tee.first_stopped());
    CHECK_FALSE(tee.second_stopped());
    CHECK(tee.on_body("hij") == sink_action::proceed);
    CHECK(parser.body() == "abc");
    CHECK(keeper.body() == "abcdefghij");

    tee.on_complete({});
    REQUIRE(parser.completion().has_value());
    CHECK(parser.completion()->error().code == errc::body_too_large);
    REQUIRE(keeper.completion().has_value());
    CHECK(keeper.completion()->has_value());
}

TEST_CASE("tee_sink: the transfer stops when both stop, or at the first abort if asked") {
    string_sink a(2), b(4);
    tee_sink both(a, b);
    both.on_head(head_with(200));
    CHECK(both.on_body("xyz") == sink_action::proceed); // a stops, b has 3
    CHECK(both.on_body("zz") == sink_action::abort);    // b stops too

    string_sink c(2), d;
    tee_sink first(c, d, tee_policy::stop_on_first_abort);
    first.on_head(head_with(200));
    CHECK(first.on_body("xyz") == sink_action::abort);
    CHECK(d.body() == "xyz"); // the other branch still saw the chunk that triggered the stop

    // A branch refusing at the head never sees body bytes.
    string_sink small(1), e;
    tee_sink t(small, e);
    CHECK(t.on_head(head_with(200, {{"Content-Length", "5"}})) == sink_action::proceed);
    CHECK(t.on_body("12345") == sink_action::proceed);
    CHECK(small.body().empty());
    CHECK(e.body() == "12345");
}
