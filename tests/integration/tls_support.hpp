// TLS for the integration tests: the test PKI (made at test time by tests/data/tls/make-certs.sh,
// so no private key is ever committed) and the TLS cases every blocking transport must pass:
//
//     TEST_CASE("my adapter: TLS") {
//         pulse_test::run_tls_cases<my::transport>([](pulse::http::transport_options o) { return my::transport(std::move(o)); });
//     }
//
// and the transport conformance suite over HTTPS:
//
//     pulse_test::run_transport_conformance<my::transport>(make, pulse_test::tls_conformance_setup());
#ifndef PULSE_TESTS_INTEGRATION_TLS_SUPPORT_HPP
#define PULSE_TESTS_INTEGRATION_TLS_SUPPORT_HPP

#include "server_process.hpp"
#include "transport_conformance.hpp"

#include <pulse/http/request.hpp>
#include <pulse/http/transport.hpp>

#include <doctest/doctest.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#if !defined(_WIN32)
#include <spawn.h>
#include <sys/wait.h>

extern char** environ;
#endif

namespace pulse_test {

/// The test PKI of this process: generated on first use into a fresh temporary directory, removed
/// when the process exits. See tests/data/tls/make-certs.sh for what each file is. On Windows the
/// script that started the servers made it (they need it first): PULSE_TEST_PKI_DIR names it.
class test_pki {
public:
    static test_pki const& get() {
        static test_pki const pki;
        return pki;
    }

    bool ok() const noexcept { return error_.empty(); }
    std::string const& error() const noexcept { return error_; }

    /// The CA the tests trust (signed server.pem and wrong-host.pem).
    std::string ca() const { return file("ca.pem"); }
    /// A CA nobody trusts (signed other.pem).
    std::string other_ca() const { return file("other-ca.pem"); }
    std::string file(std::string const& name) const { return (dir_ / name).string(); }

    /// pulse-server arguments for HTTPS with the certificate `name` ("server", "other", "wrong-host").
    std::vector<std::string> server_args(std::string const& name = "server") const {
        return {"--tls-cert", file(name + ".pem"), "--tls-key", file(name + ".key")};
    }

    test_pki(test_pki const&) = delete;
    test_pki& operator=(test_pki const&) = delete;

private:
#if defined(_WIN32)
    test_pki() {
        char const* dir = std::getenv("PULSE_TEST_PKI_DIR");
        if (!dir || !*dir) {
            error_ = "PULSE_TEST_PKI_DIR is not set (tools/test-windows.sh makes the test PKI and starts the HTTPS servers)";
            return;
        }
        dir_ = dir;
        if (!std::filesystem::exists(dir_ / "ca.pem")) error_ = "no ca.pem in PULSE_TEST_PKI_DIR (" + dir_.string() + ")";
    }
    ~test_pki() = default; // the script's to remove
#else
    test_pki() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "pulse-tls-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) {
            error_ = std::string("mkdtemp: ") + std::strerror(errno);
            return;
        }
        dir_ = tmpl;
#ifdef PULSE_TEST_DATA_DIR
        std::string const script = std::string(PULSE_TEST_DATA_DIR) + "/tls/make-certs.sh";
#else
        std::string const script = "tests/data/tls/make-certs.sh";
#endif
        std::vector<std::string> args = {"/bin/sh", script, dir_.string()};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        pid_t pid = -1;
        int const rc = ::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ);
        if (rc != 0) {
            error_ = "posix_spawn /bin/sh: " + std::string(std::strerror(rc));
            return;
        }
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) error_ = script + " failed (is the openssl command installed?)";
    }
    ~test_pki() {
        std::error_code ec;
        if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
    }
#endif

    std::filesystem::path dir_;
    std::string error_;
};

/// The conformance suite over HTTPS: the server presents server.pem, the transport trusts ca.pem.
inline conformance_setup tls_conformance_setup(bool decodes_compression = true) {
    auto const& pki = test_pki::get();
    INFO("test PKI: " << pki.error());
    REQUIRE(pki.ok());
    conformance_setup setup;
    setup.server_args = pki.server_args();
    setup.options.ca_bundle = pki.ca();
    setup.decodes_compression = decodes_compression;
    return setup;
}

/// What every adapter must do with certificates. Each SUBCASE starts its own HTTPS server.
template <class Transport, class MakeTransport>
void run_tls_cases(MakeTransport make_transport) {
    using pulse::errc;
    namespace http = pulse::http;
    auto const& pki = test_pki::get();
    INFO("test PKI: " << pki.error());
    REQUIRE(pki.ok());

    http::transport_options trusting; // verification on (the default), the test CA trusted
    trusting.ca_bundle = pki.ca();
    http::transport_options insecure; // verification off
    insecure.verify_tls = false;

    auto const get = [](server_process const& server, std::string const& host = "127.0.0.1") {
        http::request r;
        r.url = "https://" + host + ":" + std::to_string(server.port()) + "/job/x";
        r.headers.add("x-api-key", server.api_key());
        return r;
    };
    // What the server logged, read with verification off (the server's own cert may be the point).
    auto const logged_requests = [&](server_process const& server) {
        Transport t = make_transport(insecure);
        http::request r = get(server);
        r.url = server.base_url() + "/__requests";
        recording_sink s;
        auto out = t.perform(r, s);
        REQUIRE(out.has_value());
        return parse_json(s.body).as_array().size();
    };

    http::transport_options unreadable_bundle; // verification on, a CA bundle that is not there
    unreadable_bundle.ca_bundle = pki.file("no-such-bundle.pem");

    /// A server with the certificate `cert`, reached by each of `hosts` with `options`: accepted
    /// (the server's 404) or refused with tls_verification_failed before any request reached it.
    struct tls_row {
        char const* name;
        char const* cert;
        http::transport_options options;
        std::vector<char const*> hosts;
        bool verified;
        bool blind_accepts; ///< refused, but verify_tls = false accepts the same server
    };
    std::vector<tls_row> const rows = {
        {"the test CA's certificate verifies for 127.0.0.1 and for localhost", "server", trusting, {"127.0.0.1", "localhost"}, true, false},
        {"a certificate signed by another CA is refused; verify_tls = false accepts it", "other", trusting, {"127.0.0.1"}, false, true},
        {"a certificate for another host name is refused; verify_tls = false accepts it", "wrong-host", trusting,
         {"127.0.0.1", "localhost"}, false, true},
        {"verification is on by default: the system store does not trust the test CA", "server", http::transport_options{},
         {"127.0.0.1"}, false, false},
        {"a CA bundle that cannot be read fails verification, not a silent fallback", "server", unreadable_bundle, {"127.0.0.1"}, false,
         false},
    };
    for (auto const& row : rows) {
        SUBCASE(row.name) {
            server_process server(pki.server_args(row.cert));
            INFO("server: " << server.error());
            REQUIRE(server.running());
            Transport t = make_transport(row.options);
            for (char const* host : row.hosts) {
                CAPTURE(host);
                recording_sink s;
                auto out = t.perform(get(server, host), s);
                INFO("error: " << (out ? std::string() : out.error().to_string()));
                if (row.verified) {
                    REQUIRE(out.has_value());
                    CHECK(s.head.status == 404);
                    continue;
                }
                REQUIRE_FALSE(out.has_value());
                CHECK(out.error().code == errc::tls_verification_failed);
                CHECK(out.error().layer() == pulse::error_layer::transport);
                CHECK_FALSE(out.error().message.empty());
                CHECK(out.error().to_string().find(server.api_key()) == std::string::npos);
                CHECK(s.heads == 0);
            }
            if (!row.verified) CHECK(logged_requests(server) == 0); // the request never reached the server
            if (row.blind_accepts) {
                // Verification off: the same server is accepted. (Anyone on the path could be that server.)
                Transport blind = make_transport(insecure);
                recording_sink ok;
                auto accepted = blind.perform(get(server), ok);
                INFO("error: " << (accepted ? std::string() : accepted.error().to_string()));
                REQUIRE(accepted.has_value());
                CHECK(ok.head.status == 404);
            }
        }
    }
}

} // namespace pulse_test

#endif
