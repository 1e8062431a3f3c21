// bench_decode: how fast a large result becomes a typed pulse::extract_result, against the ways one
// could do it (or only part of it) with other parsers. bench/README.md says how to run it;
// docs/performance.md has the results.
//
//   bench_decode FILE [--runs N] [--no-rss] [--no-verify] [--only id,id,...]
//
// FILE is an ExtractResultCore document, e.g. one `pulse-server --write-sample MB FILE` writes.
//
// Honesty rules this program follows:
// - every variant reads the same bytes, already in memory (simdjson gets a padded copy of them,
//   made before timing, as its API requires);
// - one warm-up round, then N rounds; in each round every variant runs once, in a rotating order,
//   so drift in machine load spreads over all variants; the median of the N runs is reported, in
//   wall-clock MB/s and in process-CPU MB/s (CPU time is steadier on a shared machine);
// - the time is the time to a usable result; destroying it afterwards is not timed (for the
//   baseline, the temporary DOM is destroyed inside the timed region: it is part of the decode);
// - before timing, the typed variants are checked to produce equal results;
// - peak RSS is measured per variant in a fresh child process (this program re-executed), which
//   loads the document (not for the file variant), runs the variant once and reports VmHWM, so one
//   variant's memory cannot hide another's.
#include <pulse/schema.hpp>
#include <pulse/schema/detail/dom_parser.hpp>
#include <pulse/schema/stream_decoder.hpp>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/version.hpp>

#if PULSE_BENCH_NLOHMANN
#include <nlohmann/json.hpp>
#endif
#if PULSE_BENCH_SIMDJSON
#include <simdjson.h>
#endif

#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <spawn.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <optional>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

extern char** environ;

namespace {

namespace json = boost::json;

struct document {
    std::string bytes;
#if PULSE_BENCH_SIMDJSON
    simdjson::padded_string padded;
#endif
};

struct variant {
    std::string id;
    std::string name;
    bool needs_bytes = true; // false: the variant reads the file itself
    bool timed = true;       // false: measured for memory only
};

constexpr std::size_t chunk_64k = 64 * 1024;

// Boost's parser with a handler that keeps nothing: the floor every Boost-based variant stands on.
struct null_handler {
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
    std::size_t events = 0;
    bool on_document_begin(json::error_code&) { return true; }
    bool on_document_end(json::error_code&) { return true; }
    bool on_object_begin(json::error_code&) { return ++events, true; }
    bool on_object_end(std::size_t, json::error_code&) { return true; }
    bool on_array_begin(json::error_code&) { return ++events, true; }
    bool on_array_end(std::size_t, json::error_code&) { return true; }
    bool on_key_part(json::string_view, std::size_t, json::error_code&) { return true; }
    bool on_key(json::string_view, std::size_t, json::error_code&) { return ++events, true; }
    bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
    bool on_string(json::string_view, std::size_t, json::error_code&) { return ++events, true; }
    bool on_number_part(json::string_view, json::error_code&) { return true; }
    bool on_int64(std::int64_t, json::string_view, json::error_code&) { return ++events, true; }
    bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { return ++events, true; }
    bool on_double(double, json::string_view, json::error_code&) { return ++events, true; }
    bool on_bool(bool, json::error_code&) { return ++events, true; }
    bool on_null(json::error_code&) { return ++events, true; }
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }
};

// The DOM-only variants keep their result until the timer stops, then destroy it untimed.
struct dom_holder {
    json::monotonic_resource mr;
    std::optional<json::value> v;
};

std::string read_all(std::string const& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
        std::fprintf(stderr, "cannot open %s\n", path.c_str());
        std::exit(1);
    }
    std::fseek(f, 0, SEEK_END);
    long const n = std::ftell(f);
    std::fseek(f, 0, SEEK_SET);
    std::string s(static_cast<std::size_t>(n), '\0');
    if (std::fread(s.data(), 1, s.size(), f) != s.size()) {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        std::exit(1);
    }
    std::fclose(f);
    return s;
}

long status_kb(char const* field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    std::size_t const len = std::strlen(field);
    while (std::getline(in, line))
        if (line.compare(0, len, field) == 0) return std::strtol(line.c_str() + len + 1, nullptr, 10);
    return -1;
}

double wall_now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
double cpu_now() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    std::size_t const n = v.size();
    if (n == 0) return 0;
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::vector<variant> make_variants() {
    std::vector<variant> v;
    v.push_back({"stream", "pulse::stream_decoder, one write()", true, true});
    v.push_back({"stream64k", "pulse::stream_decoder, 64 KiB writes + size hint", true, true});
    v.push_back({"stream64k_nohint", "pulse::stream_decoder, 64 KiB writes, no hint", true, true});
    v.push_back({"dom_decode", "baseline: Boost DOM (monotonic) + pulse::decode", true, true});
    v.push_back({"pulse_dom_decode", "pulse DOM, exact doubles (monotonic) + pulse::decode", true, true});
    v.push_back({"boost_dom", "Boost.JSON parse, DOM only (monotonic)", true, true});
    v.push_back({"boost_null", "Boost basic_parser, null handler (parse floor, no output)", true, true});
#if PULSE_BENCH_NLOHMANN
    v.push_back({"nlohmann", "nlohmann::json::parse, DOM only", true, true});
#endif
#if PULSE_BENCH_SIMDJSON
    v.push_back({"simdjson", "simdjson dom::parser::parse, DOM only", true, true});
    v.push_back({"simdjson_warm", "simdjson, parser reused across runs (warm buffers)", true, true});
#endif
    v.push_back({"file", "pulse::decode_file (256 KiB reads from the page cache), cold run only", false, false});
    return v;
}

// DOM-only variants: build, note a size, and destroy after the timer (run_timed handles it).
struct timed_result {
    double wall = 0, cpu = 0;
    std::size_t check = 0;
};

timed_result run_dom_only(variant const& v, document const& d) {
    timed_result t;
    if (v.id == "boost_dom") {
        auto* h = new dom_holder;
        double const w0 = wall_now(), c0 = cpu_now();
        json::error_code ec;
        json::parse_options opt;
        opt.max_depth = 512;
        h->v.emplace(json::parse(d.bytes, ec, &h->mr, opt)); // moved in place: keeps the arena
        t.wall = wall_now() - w0;
        t.cpu = cpu_now() - c0;
        t.check = h->v->as_object().size();
        delete h;
        return t;
    }
    if (v.id == "boost_null") {
        json::parse_options opt;
        opt.max_depth = 512;
        auto* p = new json::basic_parser<null_handler>(opt);
        double const w0 = wall_now(), c0 = cpu_now();
        json::error_code ec;
        p->write_some(false, d.bytes.data(), d.bytes.size(), ec);
        t.wall = wall_now() - w0;
        t.cpu = cpu_now() - c0;
        if (ec) std::exit(1);
        t.check = p->handler().events;
        delete p;
        return t;
    }
#if PULSE_BENCH_NLOHMANN
    if (v.id == "nlohmann") {
        auto* j = new nlohmann::json;
        double const w0 = wall_now(), c0 = cpu_now();
        *j = nlohmann::json::parse(d.bytes.begin(), d.bytes.end());
        t.wall = wall_now() - w0;
        t.cpu = cpu_now() - c0;
        t.check = j->size();
        delete j;
        return t;
    }
#endif
#if PULSE_BENCH_SIMDJSON
    if (v.id == "simdjson") {
        auto* p = new simdjson::dom::parser;
        double const w0 = wall_now(), c0 = cpu_now();
        simdjson::dom::element doc;
        auto err = p->parse(d.padded).get(doc);
        t.wall = wall_now() - w0;
        t.cpu = cpu_now() - c0;
        if (err) {
            std::fprintf(stderr, "simdjson: %s\n", simdjson::error_message(err));
            std::exit(1);
        }
        t.check = doc.is_object() ? 1 : 0;
        delete p;
        return t;
    }
    if (v.id == "simdjson_warm") {
        // simdjson's recommended use: one parser whose buffers are reused; it allocates nothing per
        // document after the first. Shown for reference: the other variants start cold each run.
        static simdjson::dom::parser warm;
        double const w0 = wall_now(), c0 = cpu_now();
        simdjson::dom::element doc;
        auto err = warm.parse(d.padded).get(doc);
        t.wall = wall_now() - w0;
        t.cpu = cpu_now() - c0;
        if (err) std::exit(1);
        t.check = doc.is_object() ? 1 : 0;
        return t;
    }
#endif
    std::fprintf(stderr, "unknown variant %s\n", v.id.c_str());
    std::exit(2);
}

// Typed variants: the result is destroyed after the timer stops.
template <class F>
timed_result timed_typed(F&& make) {
    timed_result t;
    double const w0 = wall_now(), c0 = cpu_now();
    auto r = make();
    t.wall = wall_now() - w0;
    t.cpu = cpu_now() - c0;
    t.check = r && r->markdown ? r->markdown->size() : 0;
    return t; // r destroyed here, after the timer
}

pulse::result<pulse::extract_result> make_stream(document const& d, std::size_t chunk, bool hint) {
    pulse::stream_decoder<pulse::extract_result> dec;
    if (hint) dec.expect_size(d.bytes.size());
    std::string_view all(d.bytes);
    for (std::size_t at = 0; at < all.size(); at += chunk)
        if (auto w = dec.write(all.substr(at, chunk)); !w) return w.error();
    return dec.finish();
}

pulse::result<pulse::extract_result> make_dom_decode(document const& d) {
    json::monotonic_resource mr;
    json::error_code ec;
    json::parse_options opt;
    opt.max_depth = 512;
    json::value v = json::parse(d.bytes, ec, &mr, opt);
    if (ec) return pulse::error(pulse::errc::json_syntax, ec.message());
    return pulse::decode<pulse::extract_result>(v); // the DOM dies here: part of the timed decode
}

// The library's own DOM path (what pulse::decode_json does), with the baseline's arena: the same
// Boost parser, but doubles read exactly from their text (schema/detail/exact_double.hpp). Side by
// side with dom_decode it shows what exact doubles cost.
pulse::result<pulse::extract_result> make_pulse_dom_decode(document const& d) {
    json::monotonic_resource mr;
    json::error_code ec;
    json::parse_options opt;
    opt.max_depth = 512;
    std::size_t at = 0;
    json::value v = pulse::detail::parse_dom(d.bytes, ec, at, &mr, opt);
    if (ec) return pulse::error(pulse::errc::json_syntax, ec.message());
    return pulse::decode<pulse::extract_result>(v);
}

std::size_t count_doubles(json::value const& v) {
    if (v.is_double()) return 1;
    std::size_t n = 0;
    if (auto const* a = v.if_array())
        for (auto const& e : *a) n += count_doubles(e);
    if (auto const* o = v.if_object())
        for (auto const& kv : *o) n += count_doubles(kv.value());
    return n;
}

std::size_t count_different_doubles(json::value const& a, json::value const& b) {
    if (a.is_double()) return b.is_double() && b.get_double() == a.get_double() ? 0 : 1;
    std::size_t n = 0;
    if (a.is_array() && b.is_array())
        for (std::size_t i = 0; i < a.get_array().size() && i < b.get_array().size(); ++i)
            n += count_different_doubles(a.get_array()[i], b.get_array()[i]);
    if (a.is_object() && b.is_object())
        for (auto const& kv : a.get_object())
            if (auto const* o = b.get_object().if_contains(kv.key())) n += count_different_doubles(kv.value(), *o);
    return n;
}

timed_result measure(variant const& v, document const& d, std::string const& path) {
    if (v.id == "stream") return timed_typed([&] { return make_stream(d, d.bytes.size(), false); });
    if (v.id == "stream64k") return timed_typed([&] { return make_stream(d, chunk_64k, true); });
    if (v.id == "stream64k_nohint") return timed_typed([&] { return make_stream(d, chunk_64k, false); });
    if (v.id == "dom_decode") return timed_typed([&] { return make_dom_decode(d); });
    if (v.id == "pulse_dom_decode") return timed_typed([&] { return make_pulse_dom_decode(d); });
    if (v.id == "file") return timed_typed([&] { return pulse::decode_file<pulse::extract_result>(path); });
    return run_dom_only(v, d);
}

int child_main(std::string const& id, std::string const& path) {
    auto vars = make_variants();
    auto it = std::find_if(vars.begin(), vars.end(), [&](variant const& v) { return v.id == id; });
    if (it == vars.end()) return 2;
    document d;
    if (it->needs_bytes) {
#if PULSE_BENCH_SIMDJSON
        if (id == "simdjson" || id == "simdjson_warm") {
            auto loaded = simdjson::padded_string::load(path);
            if (loaded.error()) return 3;
            d.padded = std::move(loaded).value_unsafe();
        } else
#endif
            d.bytes = read_all(path);
    }
    long const base = status_kb("VmRSS:");
    timed_result t = measure(*it, d, path);
    long const peak = status_kb("VmHWM:");
    std::printf("%ld %ld %zu %.6f %.6f\n", base, peak, t.check, t.wall, t.cpu);
    return 0;
}

struct rss_result {
    long base_kb = -1, peak_kb = -1, ru_maxrss_kb = -1;
    std::size_t check = 0;
    double wall = 0, cpu = 0; // the child's one run: a cold process, a cold allocator
};

rss_result measure_rss(std::string const& self, std::string const& id, std::string const& path) {
    rss_result out;
    int fds[2];
    if (pipe(fds) != 0) return out;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    std::string a0 = self, a1 = "--child", a2 = id, a3 = path;
    char* argv[] = {a0.data(), a1.data(), a2.data(), a3.data(), nullptr};
    pid_t pid = 0;
    int const rc = posix_spawn(&pid, self.c_str(), &fa, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        return out;
    }
    std::string text;
    char buf[256];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
    close(fds[0]);
    int status = 0;
    rusage ru{};
    wait4(pid, &status, 0, &ru);
    out.ru_maxrss_kb = ru.ru_maxrss;
    std::istringstream in(text);
    in >> out.base_kb >> out.peak_kb >> out.check >> out.wall >> out.cpu;
    return out;
}

std::string machine_description() {
    std::ostringstream s;
    utsname u{};
    uname(&u);
    std::string cpu = "unknown CPU";
    std::ifstream ci("/proc/cpuinfo");
    for (std::string line; std::getline(ci, line);)
        if (line.rfind("model name", 0) == 0) {
            cpu = line.substr(line.find(':') + 2);
            break;
        }
    long const mem_kb = [] {
        std::ifstream mi("/proc/meminfo");
        std::string k;
        long v = 0;
        mi >> k >> v;
        return v;
    }();
    s << u.sysname << " " << u.release << " " << u.machine << "; " << cpu << "; " << sysconf(_SC_NPROCESSORS_ONLN)
      << " CPUs online; " << mem_kb / 1024 / 1024 << " GiB RAM\n";
    s << "compiler: " <<
#if defined(__clang__)
        "clang " << __clang_version__
#else
        "g++ " << __VERSION__
#endif
      << "; Boost " << BOOST_VERSION / 100000 << "." << BOOST_VERSION / 100 % 1000 << "." << BOOST_VERSION % 100;
#if PULSE_BENCH_NLOHMANN
    s << "; nlohmann/json " << NLOHMANN_JSON_VERSION_MAJOR << "." << NLOHMANN_JSON_VERSION_MINOR << "."
      << NLOHMANN_JSON_VERSION_PATCH;
#endif
#if PULSE_BENCH_SIMDJSON
    s << "; simdjson " << int(simdjson::SIMDJSON_VERSION_MAJOR) << "." << int(simdjson::SIMDJSON_VERSION_MINOR) << "." << int(simdjson::SIMDJSON_VERSION_REVISION) << " (" << simdjson::get_active_implementation()->name() << ")";
#endif
    std::ifstream la("/proc/loadavg");
    std::string l1;
    la >> l1;
    s << "\nload average at start: " << l1;
    return s.str();
}

} // namespace

int main(int argc, char** argv) {
    if (argc >= 4 && std::string_view(argv[1]) == "--child") return child_main(argv[2], argv[3]);
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s FILE [--runs N] [--no-rss] [--no-verify] [--only id,id]\n", argv[0]);
        return 2;
    }
    std::string const path = argv[1];
    int runs = 7;
    bool rss = true, verify = true;
    std::string only;
    for (int i = 2; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--runs" && i + 1 < argc)
            runs = std::max(1, std::atoi(argv[++i]));
        else if (a == "--no-rss")
            rss = false;
        else if (a == "--no-verify")
            verify = false;
        else if (a == "--only" && i + 1 < argc)
            only = std::string(",") + argv[++i] + ",";
    }

    auto all = make_variants();
    std::vector<variant> vars;
    for (auto& v : all)
        if (only.empty() || only.find("," + v.id + ",") != std::string::npos) vars.push_back(v);

    document d;
    d.bytes = read_all(path);
#if PULSE_BENCH_SIMDJSON
    d.padded = simdjson::padded_string(d.bytes);
#endif
    double const mb = static_cast<double>(d.bytes.size()) / 1e6;
    std::printf("%s\n", machine_description().c_str());
    std::printf("document: %s, %.1f MB (%zu bytes); %d runs after 1 warm-up, interleaved\n\n", path.c_str(), mb,
                d.bytes.size(), runs);

    if (verify) {
        // Against the library's DOM path: Boost's own DOM reads some doubles an ulp off (see
        // exact_double.hpp), so the baseline's values may differ in those; how many is reported.
        auto a = make_stream(d, d.bytes.size(), false);
        auto b = make_pulse_dom_decode(d);
        auto c = make_stream(d, 7919, false); // an odd chunk size: strings and numbers split anywhere
        auto boost_b = make_dom_decode(d);
        if (!a || !b || !c || !boost_b) {
            std::fprintf(stderr, "verification: a variant failed to decode\n");
            return 1;
        }
        auto const eb = pulse::encode(*b);
        bool const same = pulse::encode(*a) == eb && pulse::encode(*c) == eb;
        std::printf("verification: stream_decoder result %s the library's DOM path's\n", same ? "equals" : "DIFFERS FROM");
        std::printf("doubles that Boost's own DOM reads differently: %zu of %zu\n\n", count_different_doubles(eb, pulse::encode(*boost_b)),
                    count_doubles(eb));
        if (!same) return 1;
    }

    std::vector<std::vector<double>> wall(vars.size()), cpu(vars.size());
    for (int round = 0; round <= runs; ++round) {
        for (std::size_t k = 0; k < vars.size(); ++k) {
            std::size_t const i = (k + static_cast<std::size_t>(round)) % vars.size();
            if (!vars[i].timed) continue;
            timed_result t = measure(vars[i], d, path);
            if (round == 0) continue; // warm-up
            wall[i].push_back(t.wall);
            cpu[i].push_back(t.cpu);
        }
    }

    std::vector<rss_result> mem(vars.size());
    if (rss) {
        std::string const self = "/proc/self/exe";
        char buf[4096];
        ssize_t const n = readlink(self.c_str(), buf, sizeof buf - 1);
        std::string const exe = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string(argv[0]);
        for (std::size_t i = 0; i < vars.size(); ++i) mem[i] = measure_rss(exe, vars[i].id, path);
    }

    double base_wall = 0, base_cpu = 0, dom_wall = 0;
    for (std::size_t i = 0; i < vars.size(); ++i) {
        if (vars[i].id == "dom_decode") {
            base_wall = median(wall[i]);
            base_cpu = median(cpu[i]);
        }
        if (vars[i].id == "boost_dom") dom_wall = median(wall[i]);
    }
    std::printf("| variant | MB/s wall (median) | MB/s CPU (median) | time vs baseline | time vs Boost DOM only | "
                "cold run MB/s | peak RSS MB | peak RSS / doc | RSS above the loaded doc, MB |\n");
    std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (std::size_t i = 0; i < vars.size(); ++i) {
        double const w = median(wall[i]), c = median(cpu[i]);
        std::printf("| %s | ", vars[i].name.c_str());
        if (vars[i].timed && w > 0) {
            std::printf("%.0f | %.0f | ", mb / w, mb / c);
            if (base_wall > 0) std::printf("%.2fx | ", w / base_wall); else std::printf("- | ");
            if (dom_wall > 0) std::printf("%.2fx | ", w / dom_wall); else std::printf("- | ");
        } else {
            std::printf("- | - | - | - | ");
        }
        if (mem[i].wall > 0)
            std::printf("%.0f | ", mb / mem[i].wall);
        else
            std::printf("- | ");
        if (mem[i].peak_kb > 0) {
            double const peak_mb = static_cast<double>(mem[i].peak_kb) * 1024 / 1e6;
            double const above = static_cast<double>(mem[i].peak_kb - mem[i].base_kb) * 1024 / 1e6;
            std::printf("%.0f | %.2f | %.0f |\n", peak_mb, peak_mb / mb, above);
        } else {
            std::printf("- | - | - |\n");
        }
    }
    (void)base_cpu;
    std::printf("\nbaseline = Boost DOM (monotonic_resource) + pulse::decode; \"time vs\" < 1 is faster.\n");
    std::printf("cold run and peak RSS: one run in a fresh child process (this program re-executed) that "
                "loads the document (except the file variant, which streams it from disk from the page cache); "
                "peak RSS is its VmHWM.\n");
    return 0;
}
