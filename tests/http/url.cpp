#include <pulse/http/url.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using pulse::http::join_url;

namespace {
// Decoded path segments of a URL, as an independent reader (Boost.URL's view, not our builder)
// sees them.
std::vector<std::string> segments_of(std::string const& url) {
    auto u = boost::urls::parse_uri(url);
    REQUIRE(u.has_value());
    std::vector<std::string> out;
    for (auto s : u->segments()) out.emplace_back(s);
    return out;
}

// RFC 3986 section 5.2.4 remove_dot_segments, applied to the encoded path the way a server or
// proxy would before routing. (Written out here rather than taken from Boost.URL 1.81, whose
// normalize_path() also decodes "%2F" into "/" and so changes the segmentation it is asked to keep.)
std::string remove_dot_segments(std::string in) {
    std::string out;
    while (!in.empty()) {
        if (in.rfind("../", 0) == 0) in.erase(0, 3);
        else if (in.rfind("./", 0) == 0) in.erase(0, 2);
        else if (in.rfind("/./", 0) == 0) in.erase(0, 2);
        else if (in == "/.") in = "/";
        else if (in.rfind("/../", 0) == 0 || in == "/..") {
            in = in == "/.." ? "/" : in.substr(3);
            auto const cut = out.rfind('/');
            out.erase(cut == std::string::npos ? 0 : cut);
        } else if (in == "." || in == "..") in.clear();
        else {
            auto const next = in.find('/', 1);
            out += in.substr(0, next);
            in.erase(0, next == std::string::npos ? in.size() : next);
        }
    }
    return out;
}

std::string encoded_path(std::string const& url) {
    auto u = boost::urls::parse_uri(url);
    REQUIRE(u.has_value());
    return std::string(u->encoded_path());
}
} // namespace

TEST_CASE("url: base URL with and without trailing slash and path prefix") {
    CHECK(*join_url("https://api.runpulse.com", {"job", "abc"}) == "https://api.runpulse.com/job/abc");
    CHECK(*join_url("https://api.runpulse.com/", {"job", "abc"}) == "https://api.runpulse.com/job/abc");
    CHECK(*join_url("https://proxy.example/pulse", {"job", "abc"}) == "https://proxy.example/pulse/job/abc");
    CHECK(*join_url("https://proxy.example/pulse/", {"job", "abc"}) == "https://proxy.example/pulse/job/abc");
    CHECK(*join_url("http://127.0.0.1:8080", {"extract"}) == "http://127.0.0.1:8080/extract");
    CHECK(*join_url("https://api.runpulse.com", {}) == "https://api.runpulse.com");
}

TEST_CASE("url: hostile job ids stay exactly one segment and never escape the prefix") {
    // The checker itself must see an escape when there is one.
    REQUIRE(remove_dot_segments("/v1/large_results/../x") == "/v1/x");
    REQUIRE(remove_dot_segments("/v1/large_results/..%2Fx") == "/v1/large_results/..%2Fx");
    std::string const long_id(100000, 'x');
    std::string const with_nul("a\0b", 3);
    std::vector<std::string> const ids = {
        "../x", "a/b", "%2F", "%2e%2e", "a b", "a?b=c", "a#frag", "\xE2\x82\xAC-\xF0\x9F\x98\x80", with_nul, long_id,
        "..%2F..%2Fadmin", "a;b=c", "a+b", "\\..\\", "a\r\nHost: evil", "...", ".x", "a%00b", "@evil.example",
    };
    for (auto const& id : ids) {
        CAPTURE(id.size());
        auto r = join_url("https://api.runpulse.com/v1/", {"large_results", id});
        REQUIRE(r.has_value());
        auto const segs = segments_of(*r);
        REQUIRE(segs.size() == 3);
        CHECK(segs[0] == "v1");
        CHECK(segs[1] == "large_results");
        CHECK(segs[2] == id); // decodes back to the exact bytes
        // Only unreserved characters or %XX escapes after the prefix: no '/', '?', '#', ';', '+'.
        std::string const tail = r->substr(std::string("https://api.runpulse.com/v1/large_results/").size());
        for (char c : tail) {
            bool const ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_' || c == '~' || c == '%';
            CHECK(ok);
        }
        CHECK(remove_dot_segments(encoded_path(*r)) == encoded_path(*r));
        // The host is untouched.
        CHECK(boost::urls::parse_uri(*r)->encoded_host() == "api.runpulse.com");
    }
}

TEST_CASE("url: specific encodings") {
    CHECK(*join_url("https://h", {"job", "a/b"}) == "https://h/job/a%2Fb");
    CHECK(*join_url("https://h", {"job", "%2F"}) == "https://h/job/%252F");
    CHECK(*join_url("https://h", {"job", "a b"}) == "https://h/job/a%20b");
    CHECK(*join_url("https://h", {"job", std::string_view("\0", 1)}) == "https://h/job/%00");
    CHECK(*join_url("https://h", {"job", "\xC3\xA9"}) == "https://h/job/%C3%A9");
    CHECK(*join_url("https://h", {"job", "3c90c3cc-0d44-4b50-8888-8dd25736052a"}) ==
          "https://h/job/3c90c3cc-0d44-4b50-8888-8dd25736052a");
}

TEST_CASE("url: dot segments and empty segments are input errors") {
    for (std::string_view bad : {"", ".", ".."}) {
        auto r = join_url("https://h", {"job", bad});
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == pulse::errc::invalid_argument);
        CHECK(r.error().layer() == pulse::error_layer::input);
    }
}

TEST_CASE("url: query parameters are encoded as data") {
    CHECK(*join_url("https://h", {"job"}, {{"a", "1"}, {"b", "x y"}}) == "https://h/job?a=1&b=x%20y");
    CHECK(*join_url("https://h", {"job"}, {{"q", "a&b=c+d#e"}}) == "https://h/job?q=a%26b%3Dc%2Bd%23e");
    CHECK(*join_url("https://h", {"job"}, {{"k&x", ""}}) == "https://h/job?k%26x=");
    // An existing query on the base is kept and extended.
    CHECK(*join_url("https://h/?token=t", {"job"}, {{"a", "1"}}) == "https://h/job?token=t&a=1");

    std::string const built = *join_url("https://h", {"job"}, {{"q", "a&b=c"}, {"r", "?"}});
    auto u = boost::urls::parse_uri(built); // a view: `built` must outlive it
    REQUIRE(u.has_value());
    auto params = u->params();
    REQUIRE(params.size() == 2);
    auto it = params.begin();
    CHECK((*it).key == "q");
    CHECK((*it).value == "a&b=c");
    ++it;
    CHECK((*it).value == "?");
}

TEST_CASE("url: unusable base URLs are input errors") {
    for (std::string_view bad :
         {"", "api.runpulse.com", "//api.runpulse.com", "not a url", "ftp://h/", "mailto:a@b", "https:///path",
          "https://h/#frag", "https://h\\@evil/", "https://h name/",
          // Boost.URL 1.81 alone accepts these, splitting them differently from other parsers.
          "https://h:443x/", "https://a@h:1x@evil.example/", "https://h:-1/"}) {
        CAPTURE(bad);
        auto r = join_url(bad, {"job", "x"});
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == pulse::errc::invalid_argument);
    }
    // Upper-case schemes are schemes too.
    CHECK(join_url("HTTPS://API.RUNPULSE.COM", {"job"}).has_value());
}
