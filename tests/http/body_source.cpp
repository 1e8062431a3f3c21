#include <pulse/http/body_source.hpp>

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include "../support/temp_path.hpp"

using namespace pulse::http;

namespace {
std::filesystem::path write_temp(std::string const& name, std::string const& bytes) {
    auto p = pulse_test::temp_path(name);
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
}
std::string drain(body_reader& r, std::size_t chunk) {
    std::string out, buf(chunk, '\0');
    for (;;) {
        auto n = r.read(buf.data(), buf.size());
        REQUIRE(n.has_value());
        if (*n == 0) break;
        out.append(buf.data(), *n);
    }
    return out;
}
} // namespace

TEST_CASE("body_source: memory and file segments stream in order at any chunk size") {
    std::string file_bytes;
    for (int i = 0; i < 100000; ++i) file_bytes.push_back(static_cast<char>(i * 31));
    auto path = write_temp("pulse_body_source_test.bin", file_bytes);

    body_source b;
    b.append("--head--");
    REQUIRE(b.append_file(path).has_value());
    b.append("--tail--");
    CHECK(b.size() == 8 + file_bytes.size() + 8);

    for (std::size_t chunk : {1u, 7u, 4096u, 1u << 20}) {
        body_reader r(b);
        auto all = drain(r, chunk);
        CHECK(all == "--head--" + file_bytes + "--tail--");
        CHECK(r.position() == b.size());
    }
    body_reader r(b);
    (void)drain(r, 100);
    r.rewind();
    CHECK(drain(r, 3) == "--head--" + file_bytes + "--tail--");
    std::filesystem::remove(path);
}

TEST_CASE("body_source: a missing file is an input error, not a crash") {
    auto b = body_source::from_file("/nonexistent/pulse/file.pdf");
    REQUIRE_FALSE(b.has_value());
    CHECK(b.error().code == pulse::errc::file_error);
    CHECK(b.error().layer() == pulse::error_layer::input);
}

TEST_CASE("body_source: a file that shrank after sizing is reported, not sent short") {
    auto path = write_temp("pulse_body_shrink.bin", std::string(1000, 'x'));
    body_source b;
    REQUIRE(b.append_file(path).has_value());
    std::ofstream(path, std::ios::binary | std::ios::trunc) << "short";
    {
        body_reader r(b); // closed before the file is removed (Windows refuses to remove an open file)
        std::string buf(4096, '\0');
        auto n = r.read(buf.data(), buf.size());
        REQUIRE_FALSE(n.has_value());
        CHECK(n.error().code == pulse::errc::file_error);
    }
    std::filesystem::remove(path);
}

TEST_CASE("body_source: from_string and to_string") {
    auto b = body_source::from_string("{\"a\":1}");
    CHECK(b.size() == 7);
    auto s = b.to_string();
    REQUIRE(s.has_value());
    CHECK(*s == "{\"a\":1}");
    CHECK(body_source{}.empty());
}
