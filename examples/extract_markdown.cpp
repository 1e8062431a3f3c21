// Extract one document and print its markdown.
//
//     PULSE_API_KEY=... extract_markdown report.pdf [base-url]
//     PULSE_API_KEY=... PULSE_BASE_URL=http://127.0.0.1:8080 extract_markdown report.pdf
//
// The document may also be a URL (https://...), which Pulse downloads itself. The base URL comes
// from the second argument, else PULSE_BASE_URL, else https://api.runpulse.com. Progress goes to
// stderr, the markdown to stdout. Exit code 0 on success, 1 on any error (printed to stderr; it
// never contains the API key).
#include <pulse/client.hpp>

#if defined(_WIN32)
#include <pulse/winhttp/transport.hpp> // Windows' own HTTP stack (target pulse::winhttp)
using transport = pulse::winhttp::sync_transport;
#else
#include <pulse/curl/transport.hpp> // libcurl (target pulse::curl)
using transport = pulse::curl::easy_transport;
#endif

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

int main(int argc, char** argv) {
    if (argc < 2 || argc > 3) {
        std::fprintf(stderr, "usage: %s <file-or-url> [base-url]\n", argv[0]);
        return 2;
    }
    char const* key = std::getenv("PULSE_API_KEY");
    if (!key || !*key) {
        std::fprintf(stderr, "PULSE_API_KEY is not set\n");
        return 2;
    }

    pulse::flow::config cfg;
    cfg.api_key = key;
    if (argc == 3) cfg.base_url = argv[2];
    else if (char const* base = std::getenv("PULSE_BASE_URL"); base && *base) cfg.base_url = base;

    pulse::client<transport> client(cfg, transport{});

    std::string_view const doc = argv[1];
    bool const is_url = doc.rfind("http://", 0) == 0 || doc.rfind("https://", 0) == 0;
    auto source = is_url ? pulse::flow::document_source::from_url(std::string(doc))
                         : pulse::flow::document_source::from_file(std::string(doc));

    pulse::call_options call;
    call.progress.on_job_id = [](std::string_view id) {
        std::fprintf(stderr, "job %.*s\n", static_cast<int>(id.size()), id.data());
    };
    call.progress.on_status = [](pulse::job_status const& s) { std::fprintf(stderr, "status: %s\n", s.str().c_str()); };

    pulse::result<pulse::extract_result> r = client.extract(source, {}, call);
    if (!r) {
        std::fprintf(stderr, "%s\n", r.error().to_string().c_str());
        return 1;
    }
    std::string const& md = r->markdown ? *r->markdown : std::string();
    std::fwrite(md.data(), 1, md.size(), stdout);
    std::fputc('\n', stdout);
    return 0;
}
