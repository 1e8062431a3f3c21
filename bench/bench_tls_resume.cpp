// bench_tls_resume: what a new HTTPS connection costs the client, with and without TLS session
// resumption -- the reason pulse::curl::multi_transport shares TLS sessions between its transfers
// (multi_options::share_tls_sessions, a curl share handle with CURL_LOCK_DATA_SSL_SESSION).
//
//     sh tests/data/tls/make-certs.sh /tmp/pki
//     bench_tls_resume --tls-dir /tmp/pki [--connections N] [--repeats R] [--trace T] [--server PATH]
//
// The local pulse-server serves HTTPS with the test PKI. Each repeat runs N GETs one after the
// other, each on a new connection (CURLOPT_FRESH_CONNECT and CURLOPT_FORBID_REUSE), through one
// curl multi handle with a new easy handle per request -- once without a share handle (no
// session to resume: every handshake is full) and once with one (every handshake after the first
// resumes), alternating, so both see the same machine. Measured per connection: the client
// process's CPU time (median over the repeats), and the connection's longest single
// curl_multi_perform() call by the thread's CPU clock (p50 and p99 over all connections) -- what
// one tick of a frame loop would pay at once. The server counts the resumed handshakes. The last
// repeat also prints every call of its first T connections (default 3): where a handshake's
// work falls (connect; ClientHello with a new SSL_CTX; the server's answer; the response).
// Raw libcurl on purpose: the figure is the mechanism's (libcurl + OpenSSL), which the adapter
// switches on; bench_multi_driver --share-tls 0|1 shows it inside the driver.
#include "../tests/integration/server_process.hpp"
#include "server_stats.hpp"

#include <curl/curl.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

double clock_seconds(clockid_t id) {
    timespec t{};
    clock_gettime(id, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

std::size_t discard(char*, std::size_t size, std::size_t n, void*) { return size * n; }

struct run_result {
    double cpu_us_per_connection = 0;
    std::vector<double> longest_call_us; // per connection: its longest curl_multi_perform() call
    std::vector<std::vector<double>> calls_us; // the first `trace` connections: every call, in order
    long long resumed = 0;
    int failures = 0;
};

long long resumed_count(std::string const& base, std::string const& ca) {
    pulse::http::transport_options o;
    o.ca_bundle = ca;
    return pulse_bench::read_server_stats(base, o).tls_resumed;
}

run_result run(std::string const& url, std::string const& ca, std::string const& base, int connections, bool share, int trace = 0) {
    run_result r;
    CURLSH* sh = nullptr;
    if (share) {
        sh = curl_share_init();
        curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    }
    CURLM* m = curl_multi_init();
    long long const resumed0 = resumed_count(base, ca);
    double const cpu0 = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
    for (int i = 0; i < connections; ++i) {
        CURL* h = curl_easy_init();
        curl_easy_setopt(h, CURLOPT_URL, url.c_str());
        curl_easy_setopt(h, CURLOPT_CAINFO, ca.c_str());
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &discard);
        curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
        if (sh) curl_easy_setopt(h, CURLOPT_SHARE, sh);
        curl_multi_add_handle(m, h);
        int running = 1;
        double longest = 0;
        if (i < trace) r.calls_us.emplace_back();
        while (running > 0) {
            double const a = clock_seconds(CLOCK_THREAD_CPUTIME_ID);
            curl_multi_perform(m, &running);
            double const took = (clock_seconds(CLOCK_THREAD_CPUTIME_ID) - a) * 1e6;
            longest = (std::max)(longest, took);
            if (i < trace) r.calls_us.back().push_back(took);
            if (running > 0) curl_multi_poll(m, nullptr, 0, 100, nullptr);
        }
        r.longest_call_us.push_back(longest);
        int left = 0;
        while (CURLMsg* msg = curl_multi_info_read(m, &left))
            if (msg->msg == CURLMSG_DONE && msg->data.result != CURLE_OK) ++r.failures;
        curl_multi_remove_handle(m, h);
        curl_easy_cleanup(h);
    }
    r.cpu_us_per_connection = (clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0) * 1e6 / connections;
    r.resumed = resumed_count(base, ca) - resumed0;
    curl_multi_cleanup(m);
    if (sh) curl_share_cleanup(sh);
    return r;
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5)];
}
double median(std::vector<double> const& v) { return percentile(v, 0.5); }

} // namespace

int main(int argc, char** argv) {
    std::string tls_dir, server_binary = pulse_test::server_process::default_binary();
    int connections = 200, repeats = 5, trace = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string const k = argv[i];
        if (k == "--tls-dir") tls_dir = argv[i + 1];
        else if (k == "--connections") connections = std::atoi(argv[i + 1]);
        else if (k == "--repeats") repeats = std::atoi(argv[i + 1]);
        else if (k == "--server") server_binary = argv[i + 1];
        else if (k == "--trace") trace = std::atoi(argv[i + 1]);
        else {
            std::fprintf(stderr, "unknown option %s\n", k.c_str());
            return 2;
        }
    }
    if (tls_dir.empty() || connections < 1 || repeats < 1) {
        std::fprintf(stderr, "usage: bench_tls_resume --tls-dir DIR [--connections N] [--repeats R] [--server PATH]\n"
                             "  (DIR from: sh tests/data/tls/make-certs.sh DIR)\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    std::string const ca = tls_dir + "/ca.pem";
    pulse_test::server_process server({"--tls-cert", tls_dir + "/server.pem", "--tls-key", tls_dir + "/server.key"}, "bench-key",
                                      server_binary);
    if (!server.running()) {
        std::fprintf(stderr, "server: %s\n", server.error().c_str());
        return 1;
    }
    std::string const url = server.base_url() + "/job/x"; // a 401: the handshake is the point
    curl_version_info_data const* info = curl_version_info(CURLVERSION_NOW);
    std::printf("bench_tls_resume: %d new HTTPS connections x %d repeats per variant, alternating; libcurl %s, %s\n\n", connections,
                repeats, info->version, info->ssl_version ? info->ssl_version : "?");
    (void)run(url, ca, server.base_url(), 5, true); // warm-up: the CA file, libcurl's and OpenSSL's first-use costs

    std::vector<double> cpu[2], longest[2];
    long long resumed[2] = {0, 0};
    int failures = 0;
    for (int k = 0; k < repeats; ++k) {
        for (int share = 0; share < 2; ++share) {
            run_result const r = run(url, ca, server.base_url(), connections, share == 1, k + 1 == repeats ? trace : 0);
            for (std::size_t c = 0; c < r.calls_us.size(); ++c) {
                std::printf("trace, %s, connection %zu: curl_multi_perform() calls, us:", share ? "shared" : "not shared", c + 1);
                for (double us : r.calls_us[c]) std::printf(" %.0f", us);
                std::printf("\n");
            }
            cpu[share].push_back(r.cpu_us_per_connection);
            longest[share].insert(longest[share].end(), r.longest_call_us.begin(), r.longest_call_us.end());
            resumed[share] += r.resumed;
            failures += r.failures;
        }
    }
    std::printf("\n| variant | CPU us per new connection (median of repeats) | a connection's longest curl call, us: p50 / p99 | handshakes resumed |\n");
    std::printf("|---|---|---|---|\n");
    char const* names[2] = {"no share handle (every handshake full)", "share handle with CURL_LOCK_DATA_SSL_SESSION"};
    for (int s = 0; s < 2; ++s)
        std::printf("| %s | %.0f | %.0f / %.0f | %lld of %d |\n", names[s], median(cpu[s]), median(longest[s]), percentile(longest[s], 0.99),
                    resumed[s], connections * repeats);
    std::printf("\nshared / not shared, CPU per new connection: %.2fx\n", median(cpu[1]) / median(cpu[0]));
    if (failures > 0) {
        std::fprintf(stderr, "%d requests failed\n", failures);
        return 1;
    }
    return 0;
}
