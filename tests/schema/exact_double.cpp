// schema/detail/exact_double.hpp and schema/detail/dom_parser.hpp: every parser in the library
// reads a double as the nearest double to its text, however the text was cut into writes; and the
// DOM parser otherwise builds what boost::json::parse builds.
//
// Why these tests exist: Boost.JSON 1.81 reads some shortest-form doubles one ulp off
// ("249.77792341670946" as 249.77792341670943), and a number split across writes differently from
// the same number in one piece. Each test below checks that Boost itself gets its inputs wrong
// (`boost_wrong > 0`), so it would fail on code that took Boost's conversion.
#include <pulse/schema/json_reader.hpp>
#include <pulse/schema.hpp>
#include <pulse/schema/detail/dom_parser.hpp>
#include <pulse/schema/detail/exact_double.hpp>
#include <pulse/schema/stream_decoder.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>
#include <doctest/doctest.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace json = boost::json;

namespace {

std::string shortest(double d) {
    char buf[64];
    auto const r = std::to_chars(buf, buf + sizeof buf, d);
    return std::string(buf, r.ptr);
}

double nearest(std::string_view text) {
    double d = 0;
    auto const r = std::from_chars(text.data(), text.data() + text.size(), d);
    REQUIRE(r.ec == std::errc());
    return d;
}

/// Shortest-form doubles: half of them coordinate-like (uniform in [0, 1000), the range of page
/// positions), half any finite bit pattern (every exponent). Fixed seed: the same list every run.
std::vector<double> sample_doubles(std::size_t n) {
    std::mt19937_64 rng(20261129);
    std::vector<double> out;
    while (out.size() < n) {
        double d = 0;
        if (out.size() % 2 == 0) {
            d = std::ldexp(static_cast<double>(rng() >> 11), -53) * 1000.0;
        } else {
            std::uint64_t const bits = rng();
            std::memcpy(&d, &bits, sizeof d);
            if (!std::isfinite(d)) continue;
        }
        // An integral value's shortest form ("12345") is a JSON integer, not a double.
        if (shortest(d).find_first_of(".e") == std::string::npos) continue;
        out.push_back(d);
    }
    return out;
}

/// The first element of the first array in `v` ({"k":[x]} or [x]), as a double.
double first_number(json::value const& v) {
    json::array const& a = v.is_array() ? v.get_array() : v.get_object().begin()->value().get_array();
    REQUIRE(a.front().is_double());
    return a.front().get_double();
}

/// Calls `feed` with the pieces of `text` between `cuts` (ascending offsets), then the rest.
template <class Feed>
void feed_pieces(std::string_view text, std::vector<std::size_t> const& cuts, Feed feed) {
    std::size_t at = 0;
    for (std::size_t c : cuts) {
        REQUIRE(feed(text.substr(at, c - at)).has_value());
        at = c;
    }
    REQUIRE(feed(text.substr(at)).has_value());
}

/// json_reader (the job machine's DOM) fed `text` in the pieces between `cuts`.
json::value chunked_dom(std::string_view text, std::vector<std::size_t> const& cuts) {
    pulse::json_reader body;
    feed_pieces(text, cuts, [&](std::string_view piece) { return body.feed(piece); });
    auto v = body.finish();
    REQUIRE_MESSAGE(v.has_value(), v.error().to_string());
    return *v;
}

/// The typed stream decoder fed `text` in the pieces between `cuts`.
pulse::extract_result chunked_typed(std::string_view text, std::vector<std::size_t> const& cuts) {
    pulse::stream_decoder<pulse::extract_result> dec;
    feed_pieces(text, cuts, [&](std::string_view piece) { return dec.write(piece); });
    auto r = dec.finish();
    REQUIRE_MESSAGE(r.has_value(), r.error().to_string());
    return std::move(*r);
}

} // namespace

TEST_CASE("exact_double: shortest-form doubles read back as the doubles they were written from") {
    auto const sample = sample_doubles(20000);
    std::mt19937 rng(7);
    std::size_t boost_wrong = 0;
    for (double const x : sample) {
        std::string const s = shortest(x);
        // Enough text after the number that Boost takes its fast path in one buffer.
        std::string const doc = "{\"k\":[" + s + ",\"padding to pass 33 bytes...........\"]}";
        boost_wrong += first_number(json::parse(doc)) != x;

        auto dom = pulse::parse_json(doc);
        REQUIRE(dom.has_value());
        CHECK_MESSAGE(first_number(*dom) == x, s);
        CHECK_MESSAGE(json::serialize(dom->at("k").at(0)) == json::serialize(json::value(x)), s); // written back as read

        // Cut inside the number, at a random place, in two places.
        std::size_t const start = doc.find('[') + 1;
        std::size_t const c1 = start + std::uniform_int_distribution<std::size_t>(0, s.size() - 1)(rng);
        std::size_t const c2 = std::uniform_int_distribution<std::size_t>(c1 + 1, start + s.size())(rng);
        CHECK_MESSAGE(first_number(chunked_dom(doc, {c1, c2})) == x, s << " cut at " << c1 << "," << c2);
    }
    CHECK(boost_wrong > 0); // the sample does exercise Boost 1.81's error
    MESSAGE("Boost 1.81 read " << boost_wrong << " of " << sample.size() << " wrong");
}

TEST_CASE("exact_double: the typed stream decoder, members and kept unknown members alike, at every cut") {
    // Among them, numbers that Boost 1.81 alone reads apart in one piece and in three, and in one
    // piece and in two.
    for (std::string const s : {"2051111.1112222222222", "20.511111112222222222e5", "20.5111111111111111111111111111111111111111115",
                                "249.77792341670946", "961.4318682911543"}) {
        double const want = nearest(s);
        std::string const doc = R"({"credits_used":)" + s + R"(,"bounding_boxes":{"Text":[{"bounding_box":[)" + s +
                                R"(,1,2,3]}]},"unknown":[)" + s + R"(],"markdown":"the rest of the document"})";
        for (std::size_t a = 1; a < doc.size(); a += 3) {
            for (std::size_t b = a + 1; b < doc.size(); b += 5) {
                auto const r = chunked_typed(doc, {a, b});
                REQUIRE(r.credits_used.has_value());
                CHECK_MESSAGE(r.credits_used->as_double() == want, s << " cut at " << a << "," << b);
                CHECK_MESSAGE((*r.bounding_boxes->text)[0].bounding_box->operator[](0) == want, s << " cut at " << a << "," << b);
                CHECK_MESSAGE(r.extra.at("unknown").at(0).as_double() == want, s << " cut at " << a << "," << b);
                auto const dom = chunked_dom(doc, {a, b});
                CHECK_MESSAGE(dom.at("credits_used").as_double() == want, s << " cut at " << a << "," << b);
            }
        }
    }
    std::size_t boost_wrong = 0;
    for (std::string const s : {"249.77792341670946", "961.4318682911543"})
        boost_wrong += json::parse("[" + s + "]").at(0).as_double() != nearest(s);
    CHECK(boost_wrong == 2);
}

TEST_CASE("exact_double: numbers at and beyond the edges of double's range") {
    auto const num = [](std::string const& text) { return pulse::parse_json("[" + text + "]")->at(0); };
    // Boost 1.81 reads this as NaN (0 times an infinite power of ten); its value is zero.
    CHECK(std::isnan(json::parse("[0e400]").at(0).as_double()));
    CHECK(num("0e400").as_double() == 0.0);
    CHECK(!std::signbit(num("0e400").as_double()));
    CHECK(std::signbit(num("-0e400").as_double()));
    CHECK(std::signbit(num("-0.0").as_double()));
    // Beyond the largest double: the nearest is infinity (IEEE 754 rounding), with the sign.
    CHECK(num("1e400").as_double() == std::numeric_limits<double>::infinity());
    CHECK(num("-1e400").as_double() == -std::numeric_limits<double>::infinity());
    CHECK(num("1.7976931348623157e308").as_double() == std::numeric_limits<double>::max());
    // Below the smallest subnormal: zero, with the sign; subnormals exactly.
    CHECK(num("1e-400").as_double() == 0.0);
    CHECK(std::signbit(num("-1e-400").as_double()));
    CHECK(num("4.9406564584124654e-324").as_double() == std::numeric_limits<double>::denorm_min());
    CHECK(num("2.2250738585072014e-308").as_double() == std::numeric_limits<double>::min());
    // Integers keep their kinds; a uint64 overflow is a double, correctly rounded.
    CHECK(num("9007199254740993").is_int64());
    CHECK(num("18446744073709551615").is_uint64());
    CHECK(num("18446744073709551617").as_double() == 18446744073709551616.0);
    // Long texts (thousands of digits) are read exactly too.
    CHECK(num("0." + std::string(3000, '3')).as_double() == 1.0 / 3.0);
}

TEST_CASE("exact_double: Boost's own value is kept only where it is exact") {
    using pulse::detail::boost_double_is_exact;
    auto const boost_value = [](std::string_view s) { return json::parse("[" + std::string(s) + "]").at(0).to_number<double>(); };
    auto const kept = [&](std::string_view s) { return boost_double_is_exact(s, boost_value(s)); };
    CHECK(kept("0.5"));
    CHECK(kept("-12345678.012345")); // 14 digits, 16 characters
    CHECK(kept("1.5e3"));
    CHECK(kept("-0.0"));
    CHECK(!kept("-123456789.012345"));   // 17 characters
    CHECK(!kept("1e16"));                 // beyond 1e15: the power may exceed 22
    CHECK(!kept("1.5e-8"));               // below 1e-7: the power may be below -22
    CHECK(!kept("0e400"));                // Boost: NaN
    CHECK(!kept("249.77792341670946"));   // Boost reads it one ulp off
    // Wherever the shortcut applies, Boost's value is the nearest double: numbers of 1 to 15
    // significant digits, in fixed and scientific notation, across the range the rule admits.
    std::mt19937_64 rng(3);
    std::size_t kept_count = 0;
    for (int i = 0; i < 200000; ++i) {
        double const x = std::ldexp(static_cast<double>(rng() >> 11), -53) * std::pow(10.0, static_cast<int>(rng() % 30) - 12);
        int const digits = 1 + static_cast<int>(rng() % 15);
        bool const sci = rng() % 2;
        char buf[64];
        auto const r = sci ? std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific, digits - 1)
                           : std::to_chars(buf, buf + sizeof buf, x, std::chars_format::fixed, digits);
        std::string_view const s(buf, static_cast<std::size_t>(r.ptr - buf));
        if (s.find_first_of(".e") == std::string_view::npos) continue; // an integer
        double const b = boost_value(s);
        if (!boost_double_is_exact(s, b)) continue;
        ++kept_count;
        CHECK_MESSAGE(b == nearest(s), s);
    }
    CHECK(kept_count > 50000);
}

TEST_CASE("dom_parser: the same values, errors and offsets as boost::json::parse") {
    // Shapes Boost's parser handles in its own way: a repeated key (the last value, at the first
    // key's place), escapes, deep nesting, every kind, numbers Boost reads exactly.
    std::string const doc = R"({"a":1,"b":[true,false,null,-0,1.5,"x\u00e9\n"],"a":{"c":[[[]]],"d":{}},)"
                            R"("e":18446744073709551615,"f":-9223372036854775808,"g":0.25e2})";
    json::value const boost_v = json::parse(doc);
    for (std::size_t n = 1; n <= doc.size(); ++n) {
        pulse::detail::dom_parser p;
        json::error_code ec;
        for (std::size_t at = 0; at < doc.size(); at += n) {
            p.write(doc.data() + at, std::min(n, doc.size() - at), ec);
            REQUIRE(!ec);
        }
        p.finish(ec);
        REQUIRE(!ec);
        CHECK(p.release() == boost_v);
    }
    // A document that is one number, fed a byte at a time: its pieces arrive through
    // on_number_part and the last (empty) one only at finish().
    for (std::string const s : {"249.77792341670946", "-1.2345678901234567e-5", "0e400", "7"}) {
        pulse::detail::dom_parser p;
        json::error_code ec;
        for (char const c : s) {
            p.write(&c, 1, ec);
            REQUIRE(!ec);
        }
        p.finish(ec);
        REQUIRE(!ec);
        json::value const v = p.release();
        if (s == "7") CHECK(v == json::value(7));
        else CHECK_MESSAGE(v.as_double() == nearest(s), s);
    }
    struct bad_case {
        std::string text;
        std::size_t depth;
    };
    for (bad_case const& c : {bad_case{"[1,2", 32}, bad_case{"{\"a\" 1}", 32}, bad_case{"[1] x", 32},
                              bad_case{"[[[[1]]]]", 3}, bad_case{"[1e]", 32}, bad_case{"", 32}}) {
        json::parse_options opt;
        opt.max_depth = c.depth;
        json::error_code ours, theirs;
        std::size_t at = 0;
        json::value const v = pulse::detail::parse_dom(c.text, ours, at, {}, opt);
        json::parser bp(json::storage_ptr(), opt);
        std::size_t const their_at = bp.write(c.text.data(), c.text.size(), theirs);
        CHECK_MESSAGE(ours == theirs, c.text);
        CHECK_MESSAGE(at == their_at, c.text);
        CHECK(v.is_null());
    }
}
