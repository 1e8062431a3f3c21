// bench_multi_driver: 1,000 concurrent extractions against the local Pulse-compatible server, on one
// client thread, driven by pulse::curl::multi_driver from a 60 Hz frame loop -- the way a game
// would run them.
//
//     bench_multi_driver [--jobs N] [--rounds R] [--poll-steps S] [--hz F] [--server PATH]
//                        [--io-budget-us U] [--max-starts M] [--step-budget-us B]
//                        [--tls-dir DIR]   (HTTPS, with certificates from tests/data/tls/make-certs.sh DIR)
//                        [--share-tls 0|1] (multi_options::share_tls_sessions; default on)
//
// Each round starts a fresh driver, adds N extract flows (default policies: first poll after 1 s,
// then every 1 s x1.5 with 20 % jitter, capped at 10 s; the server answers S polls with
// pending/processing before completed), then runs frames until every flow finished: tick(), then
// sleep to the next frame boundary. Measured:
//   - wall time of the round, and the time to create and add the N flows (outside the frames);
//   - client CPU time (getrusage RUSAGE_SELF: the server is a child process and not included)
//     per poll and per HTTP request (requests counted by the server's /__stats);
//   - peak RSS of the client (ru_maxrss), and the baseline before the first round;
//   - every tick()'s duration: p50, p99, p99.9, max over all rounds (the "frame stall" the
//     driver causes), and how many ticks a budget cut short;
//   - new connections and TLS handshakes that resumed a session (the server's /__stats), and the
//     CPU time the VM's host took away during the round (steal, /proc/stat, all CPUs).
// The server runs on the same machine (its CPU competes with the client's, and the figures include
// that contention, as they would for a game talking to a server on a small machine).
#include "../tests/integration/server_process.hpp"
#include "server_stats.hpp"

#include <pulse/curl/multi_driver.hpp>
#include <pulse/curl/transport.hpp>
#include <pulse/flow/extract_flow.hpp>
#include <pulse/http/body_sinks.hpp>

#include <boost/json/parse.hpp>

#include <sys/resource.h>
#include <unistd.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using clk = std::chrono::steady_clock;

double ms(clk::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
double us(clk::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto tv = [](timeval t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return tv(u.ru_utime) + tv(u.ru_stime);
}

// CPU time of this thread: a tick's own work, without the time the scheduler gave to others.
clk::duration thread_cpu() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::chrono::duration_cast<clk::duration>(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
}

long peak_rss_kb() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

long current_rss_kb() {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (!f) return 0;
    long pages = 0, resident = 0;
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

std::string loadavg() {
    std::FILE* f = std::fopen("/proc/loadavg", "r");
    if (!f) return "?";
    char buf[128] = {};
    if (!std::fgets(buf, sizeof buf, f)) buf[0] = 0;
    std::fclose(f);
    std::string s(buf);
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
}

// CPU time the hypervisor gave to other guests (steal, all CPUs, seconds since boot; -1 if not
// known): the rounds' wall-clock tails grow with it, so each round reports how much there was.
double steal_seconds() {
    std::FILE* f = std::fopen("/proc/stat", "r");
    if (!f) return -1;
    unsigned long long v[8] = {};
    int const n = std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
    std::fclose(f);
    if (n != 8) return -1;
    return static_cast<double>(v[7]) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

using pulse_bench::server_stats;

// HTTPS (--tls-dir): the CA the client trusts; empty for plain HTTP.
std::string g_ca;

pulse::http::transport_options client_options() {
    pulse::http::transport_options o;
    o.ca_bundle = g_ca;
    return o;
}

server_stats server_counts(std::string const& base) { return pulse_bench::read_server_stats(base, client_options()); }

struct args {
    int jobs = 1000;
    int rounds = 3;
    int poll_steps = 4;
    double hz = 60.0;
    std::string server = pulse_test::server_process::default_binary();
    std::string tls_dir; // HTTPS: certificates from tests/data/tls/make-certs.sh DIR
    long io_budget_us = -1;
    long max_starts = -1;
    long step_budget_us = -1;
    long max_idle = -1;
    long max_total = -1;
    long share_tls = -1; // multi_options::share_tls_sessions (1/0)
};

args parse(int argc, char** argv) {
    args a;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string const k = argv[i];
        char const* v = argv[i + 1];
        if (k == "--jobs") a.jobs = std::atoi(v);
        else if (k == "--rounds") a.rounds = std::atoi(v);
        else if (k == "--poll-steps") a.poll_steps = std::atoi(v);
        else if (k == "--hz") a.hz = std::atof(v);
        else if (k == "--server") a.server = v;
        else if (k == "--tls-dir") a.tls_dir = v;
        else if (k == "--io-budget-us") a.io_budget_us = std::atol(v);
        else if (k == "--max-starts") a.max_starts = std::atol(v);
        else if (k == "--step-budget-us") a.step_budget_us = std::atol(v);
        else if (k == "--max-idle") a.max_idle = std::atol(v);
        else if (k == "--max-total") a.max_total = std::atol(v);
        else if (k == "--share-tls") a.share_tls = std::atol(v);
        else {
            std::fprintf(stderr, "unknown option %s\n", k.c_str());
            std::exit(2);
        }
    }
    return a;
}

// ---- baselines: the same kind of request without the flows ----------------------------------------
//
// GET /job/{id} of a job that never finishes (the answer is a "processing" poll body, like most
// of the flows' polls), `total` times, `concurrency` at a time, as fast as possible (no frames):
//   raw libcurl      a curl multi handle with reused easy handles, curl_multi_perform +
//                    curl_multi_poll -- what any libcurl program pays per request;
//   multi_transport  pulse::curl::multi_transport with a handler that discards the body.
// The difference to the flows' CPU per request is what the machines and the driver add.

struct baseline_result {
    double cpu_us_per_request = 0;
    double wall_s = 0;
};

std::size_t discard(char*, std::size_t s, std::size_t n, void*) { return s * n; }

baseline_result raw_libcurl(std::string const& url, std::string const& key, int concurrency, int total) {
    CURLM* m = curl_multi_init();
    curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, 128L);
    std::vector<CURL*> easies;
    curl_slist* fields = curl_slist_append(nullptr, ("x-api-key: " + key).c_str());
    int started = 0, done = 0;
    auto start_one = [&](CURL* e) {
        curl_easy_setopt(e, CURLOPT_URL, url.c_str());
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, fields);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &discard);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        if (!g_ca.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, g_ca.c_str());
        curl_multi_add_handle(m, e);
        ++started;
    };
    double const cpu0 = cpu_seconds();
    auto const t0 = clk::now();
    for (int i = 0; i < concurrency && started < total; ++i) {
        easies.push_back(curl_easy_init());
        start_one(easies.back());
    }
    while (done < total) {
        int running = 0;
        curl_multi_perform(m, &running);
        int left = 0;
        while (CURLMsg* msg = curl_multi_info_read(m, &left)) {
            if (msg->msg != CURLMSG_DONE) continue;
            CURL* e = msg->easy_handle;
            curl_multi_remove_handle(m, e);
            ++done;
            if (started < total) start_one(e);
        }
        if (done < total) curl_multi_poll(m, nullptr, 0, 100, nullptr);
    }
    baseline_result r;
    r.wall_s = ms(clk::now() - t0) / 1000.0;
    r.cpu_us_per_request = (cpu_seconds() - cpu0) * 1e6 / total;
    for (CURL* e : easies) curl_easy_cleanup(e);
    curl_slist_free_all(fields);
    curl_multi_cleanup(m);
    return r;
}

baseline_result transport_only(std::string const& url, std::string const& key, int concurrency, int total,
                               pulse::curl::multi_options const& mo) {
    struct counter final : pulse::http::response_handler {
        int* done = nullptr;
        bool busy = false;
        pulse::http::sink_action on_head(pulse::http::response_head const&) override { return pulse::http::sink_action::proceed; }
        pulse::http::sink_action on_body(std::string_view) override { return pulse::http::sink_action::proceed; }
        void on_complete(pulse::result<void>) override {
            ++*done;
            busy = false;
        }
    };
    pulse::curl::multi_transport t(client_options(), mo);
    pulse::http::request req;
    req.url = url;
    req.headers.add("x-api-key", key);
    int started = 0, done = 0;
    std::vector<counter> hs(static_cast<std::size_t>(concurrency));
    for (auto& h : hs) h.done = &done;
    double const cpu0 = cpu_seconds();
    auto const t0 = clk::now();
    while (done < total) {
        for (auto& h : hs)
            if (!h.busy && started < total) {
                h.busy = true;
                ++started;
                (void)t.start(req, h);
            }
        t.kick();
        t.wait(clk::now() + std::chrono::milliseconds(100));
        t.perform();
    }
    baseline_result r;
    r.wall_s = ms(clk::now() - t0) / 1000.0;
    r.cpu_us_per_request = (cpu_seconds() - cpu0) * 1e6 / total;
    return r;
}

} // namespace

int main(int argc, char** argv) {
    args const a = parse(argc, argv);
    std::vector<std::string> server_args{"--poll-steps", std::to_string(a.poll_steps)};
    if (!a.tls_dir.empty()) {
        server_args.insert(server_args.end(), {"--tls-cert", a.tls_dir + "/server.pem", "--tls-key", a.tls_dir + "/server.key"});
        g_ca = a.tls_dir + "/ca.pem";
    }
    pulse_test::server_process server(server_args, "bench-key", a.server);
    if (!server.running()) {
        std::fprintf(stderr, "server: %s\n", server.error().c_str());
        return 1;
    }

    pulse::config cfg;
    cfg.api_key = server.api_key();
    cfg.base_url = server.base_url();
    auto const doc = pulse::url("https://example.com/report.pdf");

    pulse::curl::multi_options mo;
    if (a.io_budget_us >= 0) mo.io_budget = std::chrono::microseconds(a.io_budget_us);
    if (a.max_idle >= 0) mo.max_idle_connections = a.max_idle;
    if (a.max_total >= 0) mo.max_total_connections = a.max_total;
    if (a.share_tls >= 0) mo.share_tls_sessions = a.share_tls != 0;
    pulse::driver_options dopt = pulse::curl::multi_driver::default_driver_options();
    if (a.max_starts >= 0) dopt.max_starts_per_tick = static_cast<std::size_t>(a.max_starts);
    if (a.step_budget_us >= 0) dopt.step_budget = std::chrono::microseconds(a.step_budget_us);

    auto const dns = pulse::curl::resolver();
    std::printf("bench_multi_driver: %d jobs x %d rounds, %g Hz, server --poll-steps %d, io_budget %lld us, max_total %ld, max_idle %ld, "
                "max_starts %zu, step_budget %lld us, share_tls %d; libcurl %s (async DNS %s)\n",
                a.jobs, a.rounds, a.hz, a.poll_steps, static_cast<long long>(mo.io_budget.count()), mo.max_total_connections, mo.max_idle_connections,
                dopt.max_starts_per_tick,
                static_cast<long long>(dopt.step_budget.count()), mo.share_tls_sessions ? 1 : 0, dns.version.c_str(), dns.asynchronous ? "yes" : "no");

    std::printf("server: %s\n", server.base_url().c_str());
    std::printf("load average at start: %s\n", loadavg().c_str());
    long const rss_baseline = current_rss_kb();
    auto const frame = std::chrono::duration_cast<clk::duration>(std::chrono::duration<double>(1.0 / a.hz));
    std::vector<clk::duration> all_ticks, all_cpu;
    std::printf("\n| round | wall s | add ms | ticks | cut by budget | peak in flight | polls | requests | connections | TLS resumed | client CPU s | CPU/poll us | CPU/request us | max tick ms | late frames | steal s |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    double total_cpu = 0;
    long long total_polls = 0, total_requests = 0;
    bool ok = true;
    for (int round = 0; round < a.rounds; ++round) {
        server_stats const st0 = server_counts(server.base_url());
        double const cpu0 = cpu_seconds();
        double const steal0 = steal_seconds();
        auto const t0 = clk::now();

        pulse::curl::multi_driver driver(client_options(), mo, dopt);
        std::vector<pulse::flow_handle<pulse::flow::extract_flow>> jobs;
        jobs.reserve(static_cast<std::size_t>(a.jobs));
        for (int i = 0; i < a.jobs; ++i) {
            auto m = pulse::flow::make_extract_flow(cfg, doc, {}, static_cast<std::uint64_t>(round) * 100000 + static_cast<std::uint64_t>(i) + 1);
            if (!m) {
                std::fprintf(stderr, "%s\n", m.error().to_string().c_str());
                return 1;
            }
            jobs.push_back(driver.add(std::move(*m)));
        }
        auto const t_added = clk::now();

        std::vector<clk::duration> ticks, cpu_ticks;
        ticks.reserve(4096);
        cpu_ticks.reserve(4096);
        std::size_t cut = 0, late = 0, peak_active = 0;
        auto next = clk::now();
        while (driver.size() > 0) {
            auto const c = thread_cpu();
            auto const s = clk::now();
            auto r = driver.tick();
            auto const e = clk::now();
            cpu_ticks.push_back(thread_cpu() - c);
            ticks.push_back(e - s);
            if (r.more) ++cut;
            peak_active = (std::max)(peak_active, driver.transport().active());
            if (ms(e - t0) > 600'000) {
                std::fprintf(stderr, "round %d: gave up after 10 minutes\n", round);
                return 1;
            }
            next += frame;
            if (next < e) {
                ++late; // the frame (tick + sleep) overran: machine noise or a slow tick
                next = e;
            }
            std::this_thread::sleep_until(next);
        }
        auto const t_end = clk::now();
        double const cpu = cpu_seconds() - cpu0;
        long long polls = 0;
        int failures = 0;
        for (auto& j : jobs) {
            polls += j.machine().poll_count();
            auto r = j.take();
            if (!r) {
                if (failures++ < 5) std::fprintf(stderr, "job failed: %s\n", r.error().to_string().c_str());
            }
        }
        if (failures) {
            std::fprintf(stderr, "round %d: %d of %d jobs failed\n", round, failures, a.jobs);
            ok = false;
        }
        server_stats const st1 = server_counts(server.base_url());
        long long const requests = st1.requests - st0.requests; // /__* requests are not counted
        long long const connections = st1.connections - st0.connections - 1; // minus the /__stats client's own
        long long const resumed = st1.tls_resumed - st0.tls_resumed;
        double const steal = steal0 < 0 ? -1 : steal_seconds() - steal0;
        auto const max_tick = *std::max_element(ticks.begin(), ticks.end());
        auto const& io = driver.transport().stats();
        std::fprintf(stderr, "round %d: %llu chunks paused by the io budget, %llu calls left ready sockets for later\n", round + 1,
                     static_cast<unsigned long long>(io.pauses), static_cast<unsigned long long>(io.socket_stops));
        std::printf("| %d | %.2f | %.1f | %zu | %zu | %zu | %lld | %lld | %lld | %lld | %.3f | %.1f | %.1f | %.3f | %zu | %.2f |\n", round + 1,
                    ms(t_end - t0) / 1000.0, ms(t_added - t0), ticks.size(), cut, peak_active, polls, requests, connections, resumed, cpu,
                    cpu * 1e6 / static_cast<double>(polls), cpu * 1e6 / static_cast<double>(requests), ms(max_tick), late, steal);
        std::fflush(stdout);
        all_ticks.insert(all_ticks.end(), ticks.begin(), ticks.end());
        all_cpu.insert(all_cpu.end(), cpu_ticks.begin(), cpu_ticks.end());
        total_cpu += cpu;
        total_polls += polls;
        total_requests += requests;
    }

    std::sort(all_ticks.begin(), all_ticks.end());
    std::sort(all_cpu.begin(), all_cpu.end());
    auto pct = [](std::vector<clk::duration> const& v, double p) {
        auto const idx = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
        return us(v[(std::min)(idx, v.size() - 1)]);
    };
    std::printf("\ntick() duration over %zu ticks (all rounds):\n\n", all_ticks.size());
    std::printf("| clock | p50 us | p99 us | p99.9 us | max us | target p99.9 | target max |\n|---|---|---|---|---|---|---|\n");
    std::printf("| wall (what the frame sees) | %.0f | %.0f | %.0f | %.0f | < 1000 | < 4000 |\n", pct(all_ticks, 0.5), pct(all_ticks, 0.99),
                pct(all_ticks, 0.999), us(all_ticks.back()));
    std::printf("| thread CPU (the tick's own work) | %.0f | %.0f | %.0f | %.0f | | |\n", pct(all_cpu, 0.5), pct(all_cpu, 0.99),
                pct(all_cpu, 0.999), us(all_cpu.back()));
    std::printf("\nclient CPU: %.1f us per poll, %.1f us per request (all rounds); peak RSS %ld KB (baseline before the first "
                "round %ld KB)\n",
                total_cpu * 1e6 / static_cast<double>(total_polls), total_cpu * 1e6 / static_cast<double>(total_requests),
                peak_rss_kb(), rss_baseline);
    // Baselines on the same server: a job that stays "processing", polled directly.
    std::string never_done;
    {
        pulse::config bc = cfg;
        bc.extra_headers.set("x-pulse-scenario", "poll_steps=1000000;tag=baseline");
        pulse::curl::multi_driver bd(client_options(), mo, dopt);
        auto h = bd.add(*pulse::flow::make_extract_flow(bc, doc, {}, 7));
        while (h.machine().job_id().empty() && !h.finished()) {
            bd.wait(clk::now() + std::chrono::milliseconds(50));
            bd.tick();
        }
        never_done = h.machine().job_id();
        if (never_done.empty()) {
            std::fprintf(stderr, "baseline job: %s\n", h.take().error().to_string().c_str());
            return 1;
        }
    }
    int const base_total = static_cast<int>((std::min)(total_requests / (a.rounds > 0 ? a.rounds : 1), 6000LL));
    auto const poll_url = server.base_url() + "/job/" + never_done;
    std::printf("\nCPU per request, the same server, %d requests each (GET /job/{id} answered \"processing\"), 32 at a time, no frame "
                "pacing:\n\n| what | CPU us/request | wall s |\n|---|---|---|\n",
                base_total);
    auto const raw = raw_libcurl(poll_url, server.api_key(), 32, base_total);
    std::printf("| baseline: raw libcurl multi (curl_multi_perform, reused easy handles) | %.1f | %.2f |\n", raw.cpu_us_per_request, raw.wall_s);
    auto const tr = transport_only(poll_url, server.api_key(), 32, base_total, mo);
    std::printf("| pulse::curl::multi_transport alone (discarding handler) | %.1f | %.2f |\n", tr.cpu_us_per_request, tr.wall_s);
    std::printf("| full flows above (submit + polls + decode, 60 Hz frames) | %.1f | |\n",
                total_cpu * 1e6 / static_cast<double>(total_requests));
    std::printf("\nload average at end: %s\n", loadavg().c_str());
    return ok ? 0 : 1;
}
