// pulse::tee_decoder and pulse::file_spool: every byte reaches the sink whatever the decoder thinks
// of it; a decode failure is reported at the end; a sink failure stops the tee.
#include <pulse/schema.hpp>
#include <pulse/schema/spool.hpp>

#include "test_util.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include "../support/temp_path.hpp"

using namespace pulse_test;
namespace fs = std::filesystem;

namespace {

fs::path temp_file(std::string const& name) { return pulse_test::temp_path("spool_" + name); }

/// Feed `body` in chunks of `n` bytes; return what write() said last.
template <class Tee>
pulse::result<void> feed(Tee& tee, std::string_view body, std::size_t n) {
    for (std::size_t at = 0; at < body.size(); at += n)
        if (auto w = tee.write(body.substr(at, n)); !w) return w;
    return {};
}

/// A caller's sink that keeps the bytes in memory and can be told to fail after some bytes.
struct memory_sink {
    std::string* bytes;
    std::size_t fail_after = static_cast<std::size_t>(-1);
    bool closed = false;
    pulse::result<void> write(std::string_view b) {
        if (bytes->size() + b.size() > fail_after) return pulse::error(pulse::errc::file_error, "device full");
        bytes->append(b);
        return {};
    }
    pulse::result<void> close() {
        closed = true;
        return {};
    }
};

std::string big_body() {
    // A result large enough to span many chunks.
    std::string out = R"({"markdown": ")";
    out.append(20000, 'x').append(R"(", "warnings": [)");
    for (int i = 0; i < 2000; ++i) out.append(i ? "," : "").append("\"w").append(std::to_string(i)).append("\"");
    out += R"(], "extensions": {"altOutputs": {"wlbb": {"words": [)";
    for (int i = 0; i < 500; ++i)
        out.append(i ? "," : "")
            .append(R"({"id": "w-)")
            .append(std::to_string(i))
            .append(R"(", "bounding_box": [0.1, 0.2, 0.3, 0.2, 0.3, 0.4, 0.1, 0.4], "average_word_confidence": 0.5})");
    out += "]}}}}";
    return out;
}

} // namespace

TEST_CASE("tee_decoder: a good body is decoded and spooled whole") {
    std::string const body = big_body();
    auto path = temp_file("good.json");
    for (std::size_t n : {std::size_t{1}, std::size_t{4096}, body.size()}) {
        CAPTURE(n);
        auto spool = pulse::file_spool::create(path);
        REQUIRE(spool.has_value());
        pulse::tee_decoder<pulse::extract_result, pulse::file_spool> tee(std::move(*spool));
        tee.expect_size(body.size());
        REQUIRE(feed(tee, body, n).has_value());
        auto r = tee.finish();
        REQUIRE_MESSAGE(r.has_value(), r.error().to_string());
        CHECK(pulse::encode(*r) == pulse::encode(*pulse::decode_json<pulse::extract_result>(body)));
        CHECK(tee.bytes_spooled() == body.size());
        CHECK(tee.sink().bytes_written() == body.size());
        CHECK(read_file(path.string()) == body);
    }
    fs::remove(path);
}

TEST_CASE("tee_decoder: valid JSON that is not an ExtractResultCore still arrives whole on disk") {
    std::string const bodies[] = {
        R"({"markdown": 42, "page_count": 3, "warnings": ["a"], "tail": ")" + std::string(50000, 'y') + R"("})",
        R"([1, 2, 3, {"markdown": "m"}])",
        R"({"bounding_boxes": {"Text": [{}, {"page_number": "two"}]}, "more": [)" + std::string(30000, '1') + "]}",
    };
    char const* const expected[] = {
        "markdown: expected string, got integer",
        ": expected object, got array",
        "bounding_boxes.Text[1].page_number: expected integer, got string",
    };
    auto path = temp_file("shape.json");
    for (int k = 0; k < 3; ++k) {
        for (std::size_t n : {std::size_t{1}, std::size_t{7}, std::size_t{4096}}) {
            CAPTURE(k);
            CAPTURE(n);
            auto spool = pulse::file_spool::create(path);
            REQUIRE(spool.has_value());
            pulse::tee_decoder<pulse::extract_result, pulse::file_spool> tee(std::move(*spool));
            REQUIRE(feed(tee, bodies[k], n).has_value()); // decode failure does not stop spooling
            CHECK(tee.decode_failed());
            REQUIRE(tee.decode_error() != nullptr);
            auto r = tee.finish();
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error().code == pulse::errc::type_mismatch);
            std::string const want = expected[k];
            if (want.starts_with(": "))
                CHECK(r.error().message == want.substr(2));
            else
                CHECK(r.error().to_string() == want);
            CHECK(r.error().bytes_delivered == bodies[k].size());
            CHECK(read_file(path.string()) == bodies[k]);
        }
    }
    fs::remove(path);
}

TEST_CASE("tee_decoder: not JSON at all (an HTML error page) is spooled too") {
    std::string const body = "<html><body>502 Bad Gateway</body></html>";
    std::string got;
    pulse::tee_decoder<pulse::extract_result, memory_sink> tee(memory_sink{&got});
    REQUIRE(feed(tee, body, 3).has_value());
    auto r = tee.finish();
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == pulse::errc::json_syntax);
    CHECK(got == body);
    CHECK(tee.sink().closed);
}

TEST_CASE("tee_decoder: a truncated body leaves the spooled copy intact up to the point received") {
    std::string const body = big_body();
    auto path = temp_file("truncated.json");
    for (std::size_t cut : {std::size_t{1}, body.size() / 3, body.size() - 1}) {
        CAPTURE(cut);
        std::string_view const part = std::string_view(body).substr(0, cut);
        {
            // The transfer breaks; the caller still calls finish().
            auto spool = pulse::file_spool::create(path);
            REQUIRE(spool.has_value());
            pulse::tee_decoder<pulse::extract_result, pulse::file_spool> tee(std::move(*spool), {});
            REQUIRE(feed(tee, part, 1000).has_value());
            auto r = tee.finish();
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error().code == pulse::errc::json_syntax);
            CHECK(r.error().message.find("incomplete") != std::string::npos);
            CHECK(r.error().bytes_delivered == cut);
            CHECK(read_file(path.string()) == part);
        }
        {
            // The transfer breaks and the tee is simply dropped: the file is flushed and closed.
            auto spool = pulse::file_spool::create(path);
            REQUIRE(spool.has_value());
            auto tee = std::make_unique<pulse::tee_decoder<pulse::extract_result, pulse::file_spool>>(std::move(*spool));
            REQUIRE(feed(*tee, part, 777).has_value());
            tee.reset();
            CHECK(read_file(path.string()) == part);
        }
    }
    fs::remove(path);
}

TEST_CASE("tee_decoder: the decoder's caps stop decoding, not spooling") {
    std::string const body = big_body();
    std::string got;
    pulse::stream_limits lim;
    lim.max_body_bytes = 1000;
    lim.max_string_bytes = 100;
    pulse::tee_decoder<pulse::extract_result, memory_sink> tee(memory_sink{&got}, lim);
    REQUIRE(feed(tee, body, 512).has_value());
    auto r = tee.finish();
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == pulse::errc::string_too_long);
    CHECK(r.error().path == "markdown");
    CHECK(got == body);
}

TEST_CASE("tee_decoder: a failing sink stops the tee, and says how far it got") {
    std::string const body = big_body();
    std::string got;
    pulse::tee_decoder<pulse::extract_result, memory_sink> tee(memory_sink{&got, 10000});
    auto w = feed(tee, body, 4096);
    REQUIRE_FALSE(w.has_value());
    CHECK(w.error().code == pulse::errc::file_error);
    CHECK(w.error().bytes_delivered == 8192);
    CHECK(tee.bytes_spooled() == 8192);
    CHECK(got.size() == 8192);
    REQUIRE(tee.sink_error() != nullptr);
    CHECK(tee.write("more").error().code == pulse::errc::file_error); // sticky
    CHECK(tee.finish().error().code == pulse::errc::file_error);
}

TEST_CASE("file_spool: errors are values") {
    auto bad = pulse::file_spool::create(temp_file("no/such/dir/x.json"));
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == pulse::errc::file_error);
    CHECK(bad.error().layer() == pulse::error_layer::input);

    auto path = temp_file("close.json");
    auto s = pulse::file_spool::create(path);
    REQUIRE(s.has_value());
    REQUIRE(s->write("abc").has_value());
    REQUIRE(s->close().has_value());
    CHECK(s->close().has_value()); // twice is fine
    CHECK(s->write("d").error().code == pulse::errc::file_error);
    CHECK(read_file(path.string()) == "abc");
    fs::remove(path);
}
