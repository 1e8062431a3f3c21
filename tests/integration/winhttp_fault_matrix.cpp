// The fault matrix (fault_matrix.hpp) with the WinHTTP adapter: the same rows and the same expected
// outcomes as with libcurl and Boost.Beast, run as a Windows program (under Wine in
// tools/test-windows.sh) against the native pulse-server. And the job-id rule of issue 8 over the
// wire, since WinHTTP could re-encode a path on its way out.
//
// Needs pulse::winhttp: tests/CMakeLists.txt builds the files named winhttp_*.cpp only on Windows.
#include "fault_matrix.hpp"
#include "winhttp_support.hpp"

#include <pulse/winhttp/transport.hpp>

TEST_CASE("fault matrix: every phase x every fault, against the local server (WinHTTP)") {
    matrix_options mo;
    if (pulse_test::under_wine()) {
        mo.isolated = {"long body"};
        mo.why = "Wine's WinHTTP keeps connections process-wide (Windows: per session, so per transport), and the bytes a "
                 "'long body' server sends past Content-Length may arrive after the body, on a connection already kept: "
                 "run in parallel, another row's submission could get them as its answer. Each runs alone, then two "
                 "requests on fresh transports take and drop such a connection";
        mo.settle = [] {
            for (int i = 0; i < 2; ++i) {
                pulse::winhttp::sync_transport t;
                pulse::http::request r;
                r.url = server().base_url() + "/__health";
                pulse::http::string_sink s(1 << 16);
                (void)t.perform(r, s); // a spoiled connection fails (and is closed); a good one answers
            }
        };
    }
    check_matrix<pulse::winhttp::sync_transport>("winhttp", mo);
}

TEST_CASE("fault matrix (WinHTTP): job ids travel as one path segment, as written") {
    REQUIRE_MESSAGE(server().running(), server().error());
    pulse::client<pulse::winhttp::sync_transport> client(pulse_test::fast_config(server()), pulse::winhttp::sync_transport{});
    struct id_case {
        std::string id;
        std::string target; // what the server must receive
    };
    std::string const long_id(4000, 'i');
    for (auto const& c : {id_case{"../x", "/job/..%2Fx"}, id_case{"a/b", "/job/a%2Fb"}, id_case{"%2F", "/job/%252F"},
                          id_case{std::string("a\0b", 3), "/job/a%00b"}, id_case{"x?y#z", "/job/x%3Fy%23z"},
                          id_case{"sp ace|pipe", "/job/sp%20ace%7Cpipe"}, id_case{long_id, "/job/" + long_id}}) {
        CAPTURE(c.target.substr(0, 40));
        auto r = client.status({c.id});
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == errc::not_found);
        auto const log = pulse_test::control(server(), "/__requests");
        bool seen = false;
        for (auto const& e : log.as_array())
            if (e.at("target").as_string() == c.target) seen = true;
        CHECK(seen);
    }
}
