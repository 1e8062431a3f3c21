#include <pulse/http/headers.hpp>

#include <doctest/doctest.h>

using pulse::http::headers;

TEST_CASE("headers: lookup ignores case, keeps order and duplicates") {
    headers h;
    h.add("Content-Type", "application/json");
    h.add("X-Api-Key", "k");
    h.add("set-cookie", "a=1");
    h.add("Set-Cookie", "b=2");
    CHECK(h.find("content-type") == "application/json");
    CHECK(h.find("CONTENT-TYPE") == "application/json");
    CHECK(h.find("x-api-key") == "k");
    CHECK_FALSE(h.find("retry-after").has_value());
    CHECK(h.size() == 4);
    CHECK(h.find("SET-COOKIE") == "a=1");
    CHECK(h.begin()->name == "Content-Type");
}

TEST_CASE("headers: set replaces every field of that name, erase counts") {
    headers h{{"Accept", "a"}, {"accept", "b"}, {"Other", "c"}};
    h.set("ACCEPT", "z");
    CHECK(h.size() == 2);
    CHECK(h.find("accept") == "z");
    CHECK(h.erase("other") == 1);
    CHECK(h.erase("other") == 0);
    CHECK(h.size() == 1);
}

TEST_CASE("iequals") {
    using pulse::http::iequals;
    CHECK(iequals("Retry-After", "retry-after"));
    CHECK_FALSE(iequals("Retry-After", "retry-afte"));
    CHECK_FALSE(iequals("a[", "A{")); // only letters fold
}
