// How an engine's own HTTP module plugs into pulse-cpp as an asynchronous transport.
//
//     PULSE_API_KEY=... callback_transport [base-url] [x-pulse-scenario ...]
//
// Engines usually ship an HTTP module of their own: you hand it a request and a callback, the
// engine's update() makes progress each frame, and the callback gets the *whole* response once it
// is complete. There is no streaming, no socket to wait on, and the module owns its threads (or
// has none). This file:
//
//   1. simulates such a module (engine_http) -- built on a libcurl multi handle here, because that
//      is the simplest real thing; it shares no code with pulse-cpp and could be UnityWebRequest,
//      Unreal's FHttpModule, a console SDK or an in-house stack;
//   2. writes the adapter (engine_transport): the three calls pulse::async_driver needs --
//      start(request, handler), cancel(handler), abandon(handler) -- in about 80 lines;
//   3. drives one flow by hand (the protocol every driver follows: next(now) -> send / wait /
//      in_flight / abort_transfer / done / failed), then many flows with pulse::async_driver.
//
// Whole-body modules: the adapter hands the body to the flow in one on_body() call. Everything
// works -- polls, retries, Retry-After, the single-use large-result download -- but a large result
// is held in memory twice (the module's buffer and the decoded result). If the engine's module can
// deliver chunks, call on_body per chunk instead; if it cannot, keep pulse::config::limits::
// max_result_bytes at a size the game can afford.
//
// Against the local test server (scenarios are its fault/outcome grammar, one extra job each):
//
//     PULSE_API_KEY=test-key callback_transport http://127.0.0.1:8080 'result=large;size=2M' 'poll_fault=503:ra=1@1'
#include <pulse/driver/async_driver.hpp>
#include <pulse/flow/extract_flow.hpp>

#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

// =================================================================================================
// 1. The engine's HTTP module (simulated). Its whole API: send(), cancel(), update().
// =================================================================================================
namespace engine {

struct response {
    int status = 0;                                          // 0 when the request failed
    std::vector<std::pair<std::string, std::string>> headers; // of the final response
    std::string body;                                        // the whole body
    std::string error;                                       // non-empty when the request failed
};

struct request {
    std::string method = "GET";
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

using request_id = std::uint64_t;

class http_module {
public:
    http_module() : multi_(curl_multi_init()) {}
    ~http_module() {
        for (auto& [id, p] : pending_) {
            curl_multi_remove_handle(multi_, p.easy);
            curl_easy_cleanup(p.easy);
            curl_slist_free_all(p.fields);
        }
        curl_multi_cleanup(multi_);
    }
    http_module(http_module const&) = delete;
    http_module& operator=(http_module const&) = delete;

    /// Queue a request; `done` is called from a later update() with the whole response.
    request_id send(request req, std::function<void(response const&)> done) {
        request_id const id = next_id_++;
        auto& p = pending_[id];
        p.req = std::move(req);
        p.done = std::move(done);
        p.easy = curl_easy_init();
        CURL* e = p.easy;
        curl_easy_setopt(e, CURLOPT_URL, p.req.url.c_str());
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, p.req.method.c_str());
        if (p.req.method == "POST" || !p.req.body.empty()) {
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, p.req.body.data());
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(p.req.body.size()));
        }
        p.fields = curl_slist_append(p.fields, "Expect:");
        for (auto const& [name, value] : p.req.headers) p.fields = curl_slist_append(p.fields, (name + ": " + value).c_str());
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, p.fields);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &http_module::on_body);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &p.res);
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &http_module::on_header);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, &p.res);
        curl_easy_setopt(e, CURLOPT_PRIVATE, reinterpret_cast<void*>(static_cast<std::uintptr_t>(id)));
        curl_multi_add_handle(multi_, e);
        return id;
    }

    /// Drop a request; its callback is never called.
    void cancel(request_id id) {
        auto it = pending_.find(id);
        if (it == pending_.end()) return;
        curl_multi_remove_handle(multi_, it->second.easy);
        curl_easy_cleanup(it->second.easy);
        curl_slist_free_all(it->second.fields);
        pending_.erase(it);
    }

    /// Called by the engine once per frame: progress, then callbacks of finished requests.
    void update() {
        int running = 0;
        curl_multi_perform(multi_, &running);
        int left = 0;
        while (CURLMsg* m = curl_multi_info_read(multi_, &left)) {
            if (m->msg != CURLMSG_DONE) continue;
            void* p = nullptr;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &p);
            finished_.push_back({static_cast<request_id>(reinterpret_cast<std::uintptr_t>(p)), m->data.result});
        }
        // Callbacks run after libcurl is done, so they may send or cancel freely.
        for (auto [id, rc] : std::exchange(finished_, {})) {
            auto it = pending_.find(id);
            if (it == pending_.end()) continue;
            auto done = std::move(it->second.done);
            response res = std::move(it->second.res);
            if (rc == CURLE_OK) {
                long status = 0;
                curl_easy_getinfo(it->second.easy, CURLINFO_RESPONSE_CODE, &status);
                res.status = static_cast<int>(status);
            } else {
                res.status = 0;
                res.error = curl_easy_strerror(rc);
            }
            cancel(id); // frees the handle
            done(res);
        }
    }

private:
    struct pending_request {
        request req;
        std::function<void(response const&)> done;
        CURL* easy = nullptr;
        curl_slist* fields = nullptr;
        response res;
    };

    static std::size_t on_body(char* d, std::size_t s, std::size_t n, void* r) {
        static_cast<response*>(r)->body.append(d, s * n);
        return s * n;
    }
    static std::size_t on_header(char* d, std::size_t s, std::size_t n, void* r) {
        auto& res = *static_cast<response*>(r);
        std::string line(d, s * n);
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
        if (line.rfind("HTTP/", 0) == 0) res.headers.clear(); // a new response (after a 1xx)
        auto const colon = line.find(':');
        if (colon != std::string::npos && colon > 0) {
            std::size_t v = colon + 1;
            while (v < line.size() && line[v] == ' ') ++v;
            res.headers.emplace_back(line.substr(0, colon), line.substr(v));
        }
        return s * n;
    }

    CURLM* multi_;
    request_id next_id_ = 1;
    std::map<request_id, pending_request> pending_;
    std::vector<std::pair<request_id, CURLcode>> finished_;
};

} // namespace engine

// =================================================================================================
// 2. The adapter: pulse's async transport on top of the engine module.
// =================================================================================================
class engine_transport {
public:
    explicit engine_transport(engine::http_module& m) : module_(m) {}

    /// Start `req`; `h` hears about it from a later module update().
    pulse::result<void> start(pulse::http::request const& req, pulse::http::response_handler& h) {
        engine::request er;
        er.method = std::string(pulse::http::to_string(req.method));
        er.url = req.url;
        for (auto const& f : req.headers) er.headers.emplace_back(f.name, f.value);
        // The module takes whole bodies: read the body source (a multipart upload streams a file
        // from disk) into memory once.
        er.body.resize(static_cast<std::size_t>(req.body.size()));
        pulse::http::body_reader reader(req.body);
        auto n = reader.read(er.body.data(), er.body.size());
        if (!n) return n.error();
        er.body.resize(*n);

        auto const id = module_.send(std::move(er), [this, &h](engine::response const& res) {
            ids_.erase(&h);
            deliver(h, res);
        });
        ids_[&h] = id;
        return {};
    }

    /// Stop the transfer of `h` and tell it so (here at once; later would be fine too).
    void cancel(pulse::http::response_handler& h) {
        if (!forget(h)) return;
        h.on_complete(pulse::error(pulse::errc::canceled, "engine request canceled"));
    }

    /// Stop the transfer of `h` and never call it again (its owner is going away).
    void abandon(pulse::http::response_handler& h) { forget(h); }

private:
    bool forget(pulse::http::response_handler& h) {
        auto it = ids_.find(&h);
        if (it == ids_.end()) return false;
        module_.cancel(it->second);
        ids_.erase(it);
        return true;
    }

    static void deliver(pulse::http::response_handler& h, engine::response const& res) {
        using pulse::http::sink_action;
        if (res.status == 0) {
            // The module reports transport failures as text only; the flow retries transport
            // failures of idempotent requests, so say what layer it was.
            return h.on_complete(pulse::error(pulse::errc::transport_failed, "engine http: " + res.error));
        }
        pulse::http::response_head head;
        head.status = res.status;
        for (auto const& [name, value] : res.headers) head.headers.add(name, value);
        if (h.on_head(head) == sink_action::abort) return h.on_complete(pulse::error(pulse::errc::aborted_by_sink, "aborted"));
        if (!res.body.empty() && h.on_body(res.body) == sink_action::abort)
            return h.on_complete(pulse::error(pulse::errc::aborted_by_sink, "aborted"));
        h.on_complete({});
    }

    engine::http_module& module_;
    std::map<pulse::http::response_handler*, engine::request_id> ids_;
};

static_assert(pulse::http::async_transport<engine_transport>);
static_assert(pulse::abandoning_transport<engine_transport>);

// =================================================================================================
// 3. Driving flows from the engine's frame loop.
// =================================================================================================
namespace {

using clk = std::chrono::steady_clock;
constexpr auto frame = std::chrono::milliseconds(16);

// One flow by hand: what pulse::async_driver does for every flow it runs.
template <class Machine>
pulse::result<typename Machine::value_type> drive_by_hand(Machine& m, engine::http_module& module, engine_transport& t) {
    using pulse::flow::action_kind;
    for (;;) {
        module.update(); // the engine's update: callbacks land in the machine
        m.set_wall_clock(std::chrono::system_clock::now());
        pulse::flow::action const a = m.next(clk::now());
        switch (a.kind) {
        case action_kind::send:
            if (auto r = t.start(*a.request, *a.handler); !r) a.handler->on_complete(std::move(r).error());
            continue; // ask again at once: a failed start is retried (or not) by the machine
        case action_kind::abort_transfer: t.cancel(*a.handler); continue;
        case action_kind::done:
        case action_kind::failed: return m.take_result();
        case action_kind::wait:       // a poll timer: nothing to do before a.wake_at
        case action_kind::in_flight:  // the module is working
            break;
        }
        std::this_thread::sleep_for(frame); // the rest of the frame
    }
}

} // namespace

int main(int argc, char** argv) {
    char const* key = std::getenv("PULSE_API_KEY");
    if (!key || !*key) {
        std::fprintf(stderr, "PULSE_API_KEY is not set\n");
        return 2;
    }
    pulse::config cfg;
    cfg.api_key = key;
    if (argc > 1) cfg.base_url = argv[1];
    else if (char const* base = std::getenv("PULSE_BASE_URL"); base && *base) cfg.base_url = base;
    // Short first poll for the demo (the default waits a second before asking).
    cfg.policies.poll.first_poll_delay = std::chrono::milliseconds(200);
    auto const doc = pulse::url("https://www.w3.org/WAI/ER/tests/xhtml/testfiles/resources/pdf/dummy.pdf");

    engine::http_module module;
    engine_transport transport(module);
    bool all_ok = true;

    // --- one flow, driven by hand
    {
        auto m = pulse::flow::make_extract_flow(cfg, doc, {}, 1);
        if (!m) {
            std::fprintf(stderr, "%s\n", m.error().to_string().c_str());
            return 1;
        }
        auto r = drive_by_hand(*m, module, transport);
        if (r) std::printf("by hand: job %s done, %zu bytes of markdown\n", m->job_id().c_str(), r->markdown ? r->markdown->size() : 0);
        else std::printf("by hand: FAILED: %s\n", r.error().to_string().c_str());
        all_ok = all_ok && r.has_value();
    }

    // --- several flows with pulse::async_driver (timers, many flows, cancel/destroy handled)
    pulse::async_driver<engine_transport> driver(transport);
    std::vector<pulse::flow_handle<pulse::flow::extract_flow>> jobs;
    std::vector<std::string> names;
    auto add = [&](std::string name, std::string const& scenario) {
        auto c = cfg;
        if (!scenario.empty()) c.extra_headers.set("x-pulse-scenario", scenario); // local test server only
        auto m = pulse::flow::make_extract_flow(c, doc, {}, 100 + jobs.size());
        if (!m) {
            std::fprintf(stderr, "%s\n", m.error().to_string().c_str());
            std::exit(1);
        }
        jobs.push_back(driver.add(std::move(*m)));
        names.push_back(std::move(name));
    };
    for (int i = 0; i < 3; ++i) add("plain " + std::to_string(i), "");
    for (int i = 2; i < argc; ++i) add(std::string("scenario '") + argv[i] + "'", argv[i]);

    std::vector<bool> reported(jobs.size(), false);
    std::size_t left = jobs.size();
    auto const give_up = clk::now() + std::chrono::minutes(2);
    while (left > 0 && clk::now() < give_up) {
        module.update(); // the engine's own update, wherever it sits in the frame
        driver.tick();   // pulse's share of the frame
        for (std::size_t i = 0; i < jobs.size(); ++i) {
            if (reported[i] || !jobs[i].finished()) continue;
            reported[i] = true;
            --left;
            auto r = jobs[i].take();
            if (r) {
                std::printf("%s: job %s done after %u polls, %zu bytes of markdown\n", names[i].c_str(), jobs[i].machine().job_id().c_str(),
                            jobs[i].machine().poll_count(), r->markdown ? r->markdown->size() : 0);
            } else {
                std::printf("%s: FAILED: %s\n", names[i].c_str(), r.error().to_string().c_str());
                all_ok = false;
            }
        }
        std::this_thread::sleep_for(frame);
    }
    if (left > 0) {
        std::printf("%zu flows did not finish in time\n", left);
        all_ok = false;
    }
    std::printf("%s\n", all_ok ? "all flows succeeded" : "some flows failed");
    return all_ok ? 0 : 1;
}
