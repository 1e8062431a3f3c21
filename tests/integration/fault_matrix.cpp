// The fault matrix (fault_matrix.hpp) with the libcurl adapter, and the security checks that need
// the wire and the curl adapter's own caps.
#include "fault_matrix.hpp"

#include <pulse/curl/transport.hpp>

TEST_CASE("fault matrix: every phase x every fault, against the local server (libcurl)") {
    check_matrix<pulse::curl::easy_transport>("curl");
}

// Security rules that need the wire (the others, such as the same-origin rule and redaction, are
// tested without a server in tests/http and tests/flow).
TEST_CASE("fault matrix: job ids travel as one path segment") {
    REQUIRE_MESSAGE(server().running(), server().error());
    pulse::client<pulse::curl::easy_transport> client(pulse_test::fast_config(server()), pulse::curl::easy_transport{});
    struct id_case {
        std::string id;
        std::string target; // what the server must receive
    };
    std::string const long_id(4000, 'i');
    for (auto const& c : {id_case{"../x", "/job/..%2Fx"}, id_case{"a/b", "/job/a%2Fb"}, id_case{"%2F", "/job/%252F"},
                          id_case{std::string("a\0b", 3), "/job/a%00b"}, id_case{"x?y#z", "/job/x%3Fy%23z"},
                          id_case{long_id, "/job/" + long_id}}) {
        CAPTURE(c.target.substr(0, 40));
        auto r = client.status({c.id});
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == errc::not_found); // one unknown job, not another resource
        auto const log = pulse_test::control(server(), "/__requests");
        bool seen = false;
        for (auto const& e : log.as_array())
            if (e.at("target").as_string() == c.target) seen = true;
        CHECK(seen);
    }
    // ".." and "." cannot be one segment at all: refused before any request.
    for (char const* id : {"..", ".", ""}) {
        auto r = client.status({id});
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == errc::invalid_argument);
    }
}

// (Every adapter: transport_conformance.hpp, "a hostile response head is cut off". Here: the curl
// adapter's exact field cap through the client, and libcurl's own per-field cap.)
TEST_CASE("fault matrix: a hostile response head is capped") {
    REQUIRE_MESSAGE(server().running(), server().error());
    pulse::http::transport_options topt;
    topt.stall_timeout = 2s;
    pulse::client<pulse::curl::easy_transport> client(pulse_test::fast_config(server()), pulse::curl::easy_transport(topt));
    auto head_of = [&](std::string const& flood) {
        client.config().extra_headers.set("x-pulse-scenario", "fault=header_flood=" + flood);
        return client.status({"no-such-job"});
    };
    using head = pulse::curl::detail::head_collector;
    SUBCASE("more fields than the adapter keeps") {
        auto r = head_of(std::to_string(head::max_head_fields + 1) + ":bytes=1");
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == errc::protocol_error);
        CHECK(r.error().message.find("response head over the cap") != std::string::npos);
    }
    SUBCASE("one field larger than libcurl takes (100 KiB)") {
        auto r = head_of("8:bytes=1M");
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().layer() == pulse::error_layer::transport);
    }
    SUBCASE("a head under the caps works") {
        auto r = head_of(std::to_string(head::max_head_fields - 20) + ":bytes=100");
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == errc::not_found);
    }
}
