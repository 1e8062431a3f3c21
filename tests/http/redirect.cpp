// pulse/http/redirect.hpp: which responses are followed, where to, and what the next hop sends.
#include <pulse/http/redirect.hpp>

#include <doctest/doctest.h>

#include <optional>
#include <string>

using pulse::http::follow_redirect;
using pulse::http::method;
using pulse::http::redirect_hop;
using pulse::http::redirect_target;
using pulse::http::response_head;

namespace {

response_head answer(int status, char const* location) {
    response_head h;
    h.status = status;
    if (location) h.headers.add("Location", location);
    return h;
}

} // namespace

TEST_CASE("redirect: the five redirect statuses with a Location are followed, nothing else") {
    for (int s : {301, 302, 303, 307, 308}) {
        CAPTURE(s);
        CHECK(redirect_target(answer(s, "/job/b"), "https://api.runpulse.com/job/a") == std::optional<std::string>("https://api.runpulse.com/job/b"));
    }
    for (int s : {200, 300, 304, 305, 306, 404, 500}) {
        CAPTURE(s);
        CHECK_FALSE(redirect_target(answer(s, "/job/b"), "https://api.runpulse.com/job/a").has_value());
    }
    CHECK_FALSE(redirect_target(answer(302, nullptr), "https://api.runpulse.com/job/a").has_value());
    CHECK_FALSE(redirect_target(answer(302, ""), "https://api.runpulse.com/job/a").has_value());
}

TEST_CASE("redirect: Location is resolved against the URL that answered, without its fragment") {
    std::string const here = "http://127.0.0.1:8080/v1/job/a?x=1";
    CHECK(redirect_target(answer(302, "b"), here) == std::optional<std::string>("http://127.0.0.1:8080/v1/job/b"));
    CHECK(redirect_target(answer(302, "../c?y=2#frag"), here) == std::optional<std::string>("http://127.0.0.1:8080/v1/c?y=2"));
    CHECK(redirect_target(answer(302, "//localhost:8080/z"), here) == std::optional<std::string>("http://localhost:8080/z"));
    CHECK(redirect_target(answer(307, "https://s3.example/r?sig=1"), here) == std::optional<std::string>("https://s3.example/r?sig=1"));
}

TEST_CASE("redirect: only http(s) targets with a host are followed") {
    std::string const here = "https://api.runpulse.com/job/a";
    for (char const* loc : {"file:///etc/passwd", "ftp://h/x", "javascript:alert(1)", "http://", "https://h:99999/"}) {
        CAPTURE(loc);
        CHECK_FALSE(redirect_target(answer(302, loc), here).has_value());
    }
    CHECK_FALSE(redirect_target(answer(302, "/x"), "not a url").has_value());
}

TEST_CASE("redirect: 303, and 301/302 after a POST, become a GET without a body; 307/308 repeat the request") {
    for (int s : {301, 302, 303}) {
        CAPTURE(s);
        redirect_hop h{"https://api.runpulse.com/extract", method::post, true, true};
        follow_redirect(h, s, "https://api.runpulse.com/extract2");
        CHECK(h.method == method::get);
        CHECK_FALSE(h.send_body);
        CHECK(h.send_credentials);
        CHECK(h.url == "https://api.runpulse.com/extract2");
    }
    for (int s : {307, 308}) {
        CAPTURE(s);
        redirect_hop h{"https://api.runpulse.com/extract", method::post, true, true};
        follow_redirect(h, s, "https://api.runpulse.com/extract2");
        CHECK(h.method == method::post);
        CHECK(h.send_body);
    }
    redirect_hop del{"https://api.runpulse.com/job/a", method::delete_, true, true};
    follow_redirect(del, 302, "https://api.runpulse.com/job/b");
    CHECK(del.method == method::delete_); // only a POST changes on 301/302
    redirect_hop head{"https://api.runpulse.com/job/a", method::head, true, true};
    follow_redirect(head, 303, "https://api.runpulse.com/job/b");
    CHECK(head.method == method::head);
    CHECK_FALSE(head.send_body);
}

TEST_CASE("redirect: credentials stop at the first hop off the origin and never come back") {
    pulse::http::request req;
    req.url = "https://api.runpulse.com/job/a";
    auto h = redirect_hop::first(req);
    CHECK(h.send_credentials);
    follow_redirect(h, 302, "https://API.runpulse.com:443/job/b"); // same origin, spelled differently
    CHECK(h.send_credentials);
    follow_redirect(h, 302, "https://api.runpulse.com.evil.example/job/b");
    CHECK_FALSE(h.send_credentials);
    follow_redirect(h, 302, "https://api.runpulse.com/job/c"); // back home: still without
    CHECK_FALSE(h.send_credentials);

    auto port = redirect_hop::first(req);
    follow_redirect(port, 307, "https://api.runpulse.com:8443/job/a");
    CHECK_FALSE(port.send_credentials);
    auto scheme = redirect_hop::first(req);
    follow_redirect(scheme, 307, "http://api.runpulse.com/job/a");
    CHECK_FALSE(scheme.send_credentials);
}

TEST_CASE("redirect: too_many_redirects keeps the last status") {
    auto e = pulse::http::too_many_redirects(pulse::http::max_redirects, 302);
    CHECK(e.code == pulse::errc::too_many_redirects);
    CHECK(e.http_status == 302);
    CHECK(e.message == "more than 10 redirects");
}
