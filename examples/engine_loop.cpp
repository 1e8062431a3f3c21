// A simulated 60 Hz game loop running 50 extractions at once with pulse::curl::multi_driver (on
// Windows pulse::winhttp::driver), printing each job's progress as it happens, without ever
// stalling a frame.
//
//     PULSE_API_KEY=... engine_loop [base-url] [jobs]
//
// The configuration comes from the environment (pulse::config::from_env); a first argument
// replaces the base URL;
// the documents are URLs Pulse downloads itself (PULSE_DOCUMENT_URL, default a sample PDF).
// Against the local test server:
//
//     build/tools/pulse_server/pulse-server --port 8080 &
//     PULSE_API_KEY=test-key build/examples/engine_loop http://127.0.0.1:8080
//
// What an engine does differently from a tool:
// - It never waits on the network. Each frame calls driver.tick() once; tick() does the I/O that
//   is ready (one zero-timeout poll() of the sockets, libcurl's socket actions; with WinHTTP, what
//   its threads finished since the last frame), steps only the flows that have something to do (a
//   finished transfer, a poll timer that is due) and returns.
//   Flows waiting for their next poll sit in a timer heap and cost nothing.
// - The frame budget is the engine's. multi_options::io_budget caps the I/O part of a tick (a big
//   download pauses and resumes next frame); driver_options caps the new connections per tick.
// - Progress callbacks run inside tick(). They only record what happened; the printing is done
//   after tick(), outside the measured time.
// - Results arrive through the completion callback given to add(), inside tick(), in the frame a
//   job ends: the loop never looks at handles that are still running.
//
// The program prints the worst, median and 99th-percentile tick durations at the end and exits
// 0 when every job succeeded.
#include <pulse/flow/extract_flow.hpp>

#if defined(_WIN32)
#include <pulse/winhttp.hpp> // Windows' own HTTP stack (target pulse::winhttp)
namespace stack = pulse::winhttp;
#else
#include <pulse/curl.hpp> // libcurl (target pulse::curl)
namespace stack = pulse::curl;
#endif

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

using clk = std::chrono::steady_clock;

struct event {
    int job;
    std::string text;
};

double ms(clk::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

} // namespace

int main(int argc, char** argv) {
    auto cfg = pulse::config::from_env();
    if (!cfg) {
        std::fprintf(stderr, "%s\n", cfg.error().to_string().c_str());
        return 2;
    }
    if (argc > 1) cfg->base_url = argv[1];
    int const jobs_wanted = argc > 2 ? std::atoi(argv[2]) : 50;
    if (jobs_wanted <= 0) {
        std::fprintf(stderr, "usage: %s [base-url] [jobs]\n", argv[0]);
        return 2;
    }
    char const* doc_env = std::getenv("PULSE_DOCUMENT_URL");
    std::string const doc_url = doc_env && *doc_env ? doc_env : "https://www.w3.org/WAI/ER/tests/xhtml/testfiles/resources/pdf/dummy.pdf";

#if !defined(_WIN32)
    auto const dns = pulse::curl::resolver();
    std::printf("libcurl %s: asynchronous DNS %s (%s)\n", dns.version.c_str(), dns.asynchronous ? "yes" : "NO",
                dns.threaded ? "threaded resolver, lookups detached on cancel" : "c-ares or none");
#endif

    auto driver = stack::make_driver(*cfg);
    std::vector<event> events; // filled by callbacks during tick(), printed after it
    std::vector<pulse::flow_handle<pulse::flow::extract_flow>> jobs;
    int succeeded = 0, failed = 0;
    for (int i = 0; i < jobs_wanted; ++i) {
        // Each machine draws its own seed (the jitter of its polls) from std::random_device.
        auto m = pulse::flow::make_extract_flow(*cfg, pulse::url(doc_url));
        if (!m) {
            std::fprintf(stderr, "job %d: %s\n", i, m.error().to_string().c_str());
            return 1;
        }
        pulse::progress_observer obs;
        obs.on_job_id = [&events, i](std::string_view id) { events.push_back({i, "submitted as " + std::string(id)}); };
        obs.on_status = [&events, i](pulse::job_status const& s) { events.push_back({i, s.str()}); };
        obs.on_retry = [&events, i](pulse::retry_event const& e) {
            events.push_back({i, "retry in " + std::to_string(e.delay.count()) + " ms (" + e.cause->to_string() + ")"});
        };
        m->set_observer(std::move(obs));
        // The completion callback runs inside tick(), once, in the frame the job ends.
        jobs.push_back(driver.add(std::move(*m), [&, i](pulse::result<pulse::extract_result> r) {
            if (r) {
                ++succeeded;
                events.push_back({i, "done, " + std::to_string(r->markdown ? r->markdown->size() : 0) + " bytes of markdown"});
            } else {
                ++failed;
                events.push_back({i, "FAILED: " + r.error().to_string()});
            }
        }));
    }

    auto const frame = std::chrono::duration_cast<clk::duration>(std::chrono::duration<double>(1.0 / 60.0));
    std::vector<clk::duration> ticks;
    auto const start = clk::now();
    auto next_frame = start;
    long frame_no = 0;
    while (succeeded + failed < jobs_wanted) {
        if (clk::now() - start > std::chrono::minutes(5)) {
            std::printf("gave up after 5 minutes\n");
            break;
        }
        // --- the network's share of the frame
        auto const t0 = clk::now();
        driver.tick();
        ticks.push_back(clk::now() - t0);

        // --- the rest of the frame: report what happened (progress and completions)
        for (auto const& e : events) std::printf("[frame %5ld] job %2d: %s\n", frame_no, e.job, e.text.c_str());
        events.clear();
        std::fflush(stdout);

        // --- wait for the next frame (an engine renders here)
        next_frame += frame;
        auto const now = clk::now();
        if (next_frame < now) next_frame = now; // we fell behind (a loaded machine): do not try to catch up
        std::this_thread::sleep_until(next_frame);
        ++frame_no;
    }

    std::vector<clk::duration> sorted = ticks;
    std::sort(sorted.begin(), sorted.end());
    auto pct = [&](double p) {
        std::size_t const idx = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
        return ms(sorted[idx]);
    };
    std::printf("%d/%d succeeded, %d failed, in %.2f s over %ld frames\n", succeeded, jobs_wanted, failed, ms(clk::now() - start) / 1000.0,
                frame_no);
    std::printf("tick duration: median %.3f ms, p99 %.3f ms, worst tick %.3f ms (frame budget %.1f ms)\n", pct(0.5), pct(0.99),
                ms(sorted.back()), ms(frame));
    return succeeded == jobs_wanted ? 0 : 1;
}
