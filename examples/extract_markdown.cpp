// Extract one document and print its markdown.
//
//     PULSE_API_KEY=... extract_markdown report.pdf
//     PULSE_API_KEY=... extract_markdown --url https://example.com/report.pdf
//     PULSE_API_KEY=... PULSE_BASE_URL=http://127.0.0.1:8080 extract_markdown report.pdf
//
// The configuration comes from the environment (pulse::config::from_env: PULSE_API_KEY,
// PULSE_BASE_URL, and the CA bundle and proxy variables curl users set). Progress goes to stderr,
// the markdown to stdout. Exit code 0 on success, 1 on any error (printed to stderr; it never
// contains the API key), 2 on bad usage.
#if defined(_WIN32)
#include <pulse/winhttp.hpp> // Windows' own HTTP stack (target pulse::winhttp)
namespace stack = pulse::winhttp;
#else
#include <pulse/curl.hpp> // libcurl (target pulse::curl)
namespace stack = pulse::curl;
#endif

#include <cstdio>
#include <string>
#include <string_view>

int main(int argc, char** argv) {
    bool const by_url = argc == 3 && std::string_view(argv[1]) == "--url";
    if (argc != 2 && !by_url) {
        std::fprintf(stderr, "usage: %s <file> | --url <url>\n", argv[0]);
        return 2;
    }
    auto cfg = pulse::config::from_env();
    if (!cfg) {
        std::fprintf(stderr, "%s\n", cfg.error().to_string().c_str());
        return 2;
    }
    auto client = stack::make_client(*cfg);

    pulse::progress_observer progress;
    progress.on_job_id = [](std::string_view id) { std::fprintf(stderr, "job %.*s\n", static_cast<int>(id.size()), id.data()); };
    progress.on_status = [](pulse::job_status const& s) { std::fprintf(stderr, "status: %s\n", s.str().c_str()); };

    pulse::document const doc = by_url ? pulse::url(argv[2]) : pulse::file(argv[1]);
    pulse::result<pulse::extract_result> r = client.extract(doc, {.progress = progress});
    if (!r) {
        std::fprintf(stderr, "%s\n", r.error().to_string().c_str());
        return 1;
    }
    std::string const md = r->markdown.value_or("");
    std::fwrite(md.data(), 1, md.size(), stdout);
    std::fputc('\n', stdout);
    return 0;
}
