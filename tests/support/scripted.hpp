// Test doubles for the flow machines: a SCRIPTED transport (each request is checked against the
// next script step -- method and path -- and answered with that step's status, headers and body
// chunks, or a transport error) and a driver that runs a machine on SIMULATED time (a wait just
// moves the simulated clock to the wake time). Nothing sleeps; a test runs in microseconds.
//
// And what the flow tests share around them: a config without jitter, a sink that keeps what it
// is given, and a run's session (script, clock, waits); with outcome.hpp's expected outcome a test
// can be a table of rows { script, expected outcome }.
#pragma once

#include "outcome.hpp"

#include <pulse/config.hpp>
#include <pulse/error.hpp>
#include <pulse/flow/action.hpp>
#include <pulse/http/request.hpp>
#include <pulse/http/response.hpp>

#include <boost/url/parse.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pulse_test {

using namespace std::chrono_literals;
using pulse::flow::time_point;

/// The simulated start of time in every test.
inline time_point t0() { return time_point{} + std::chrono::hours{1000}; }

/// The value a make_*() call returned (a machine, usually); fails the test when it refused.
template <class T>
T made(pulse::result<T> r) {
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    return std::move(*r);
}

/// A config for the flow tests: `key`, the production base URL, and no jitter anywhere, so every
/// wait is exact. (Jitter itself is tested in policy.cpp.)
inline pulse::config exact_config(std::string key) {
    pulse::config c;
    c.api_key = std::move(key);
    c.policies.poll.interval.jitter = 0;
    for (auto* p : {&c.policies.submit, &c.policies.poll_request, &c.policies.download, &c.policies.single})
        p->backoff.jitter = 0;
    return c;
}

/// One scripted answer.
struct reply {
    int status = 200;
    pulse::http::headers headers;
    std::vector<std::string> chunks;
    /// A transport failure: before the head (no_head = true) or after the chunks were delivered.
    std::optional<pulse::errc> fail;
    bool no_head = false;
    /// Called just before chunk number `hook_at` is delivered (e.g. to cancel the machine).
    std::function<void()> hook;
    std::size_t hook_at = 0;

    reply& header(std::string name, std::string value) {
        headers.add(std::move(name), std::move(value));
        return *this;
    }
};

inline reply json(int status, std::string body) {
    reply r;
    r.status = status;
    r.headers.add("Content-Type", "application/json");
    r.chunks.push_back(std::move(body));
    return r;
}

/// The body split into pieces of `n` bytes (exercises the incremental decoder).
inline reply json_chunked(int status, std::string const& body, std::size_t n) {
    reply r;
    r.status = status;
    r.headers.add("Content-Type", "application/json");
    for (std::size_t i = 0; i < body.size(); i += n) r.chunks.push_back(body.substr(i, n));
    return r;
}

inline reply transport_error(pulse::errc c) {
    reply r;
    r.fail = c;
    r.no_head = true;
    return r;
}

inline reply poll(std::string const& status, std::string const& extra = {}) {
    return json(200, R"({"job_id":"job-1","status":")" + status + "\"" + extra + "}");
}

/// What the transport saw.
struct sent_request {
    pulse::http::method method;
    std::string url;
    std::string path; // encoded path of the URL
    pulse::http::headers headers;
    std::string body; // the body as bytes (files read from disk)
    time_point at;
};

/// Expected request + answer.
struct step {
    pulse::http::method method;
    std::string path; // encoded path; or a whole URL when it starts with "http"
    reply answer;
};

inline step get(std::string path, reply r) { return step{pulse::http::method::get, std::move(path), std::move(r)}; }
inline step post(std::string path, reply r) { return step{pulse::http::method::post, std::move(path), std::move(r)}; }
inline step del(std::string path, reply r) { return step{pulse::http::method::delete_, std::move(path), std::move(r)}; }

inline std::string path_of(std::string const& url) {
    auto u = boost::urls::parse_uri(url);
    if (!u) return "<unparsable>";
    return std::string(u->encoded_path());
}

/// Answers requests from a script, in order. Satisfies pulse::http::blocking_transport.
class scripted_transport {
public:
    std::vector<step> script;
    std::vector<sent_request> log;
    std::size_t pos = 0;
    time_point const* clock = nullptr; // to stamp the log

    scripted_transport() = default;
    explicit scripted_transport(std::vector<step> s) : script(std::move(s)) {}

    scripted_transport& then(pulse::http::method m, std::string path, reply r) {
        script.push_back(step{m, std::move(path), std::move(r)});
        return *this;
    }

    pulse::result<void> perform(pulse::http::request const& req, pulse::http::response_handler& h) {
        sent_request s{req.method, req.url, path_of(req.url), req.headers, {}, clock ? *clock : time_point{}};
        auto body = req.body.to_string();
        s.body = body ? *body : std::string("<unreadable body>");
        log.push_back(s);
        if (pos >= script.size()) {
            FAIL_CHECK("unexpected request " << to_string(req.method) << " " << req.url);
            return pulse::error(pulse::errc::transport_failed, "script exhausted");
        }
        step& st = script[pos++];
        CHECK_MESSAGE(st.method == req.method, "step " << pos << ": method " << to_string(req.method));
        if (st.path.rfind("http", 0) == 0)
            CHECK_MESSAGE(st.path == req.url, "step " << pos << ": url " << req.url);
        else
            CHECK_MESSAGE(st.path == s.path, "step " << pos << ": path " << s.path);
        reply& r = st.answer;
        if (r.fail && r.no_head) {
            if (r.hook) r.hook();
            return pulse::error(*r.fail, "scripted transport failure");
        }
        pulse::http::response_head head;
        head.status = r.status;
        head.headers = r.headers;
        if (h.on_head(head) == pulse::http::sink_action::abort)
            return pulse::error(pulse::errc::aborted_by_sink, "aborted by handler");
        for (std::size_t i = 0; i < r.chunks.size(); ++i) {
            if (r.hook && r.hook_at == i) r.hook();
            if (h.on_body(r.chunks[i]) == pulse::http::sink_action::abort)
                return pulse::error(pulse::errc::aborted_by_sink, "aborted by handler");
        }
        if (r.hook && r.hook_at >= r.chunks.size()) r.hook();
        if (r.fail) return pulse::error(*r.fail, "scripted transport failure mid-body");
        return {};
    }

    bool finished() const { return pos == script.size(); }
};

/// A run's trace: the waits the machine asked for, in order.
struct trace {
    std::vector<std::chrono::milliseconds> waits;
    time_point end;
};

/// Drive `m` with `t` on simulated time starting at `now`. Fails the test on async-only actions.
template <class Machine>
auto drive(Machine& m, scripted_transport& t, time_point& now, trace* tr = nullptr,
           std::optional<std::chrono::system_clock::time_point> wall = std::nullopt) {
    t.clock = &now;
    for (int i = 0; i < 10'000; ++i) {
        if (wall) m.set_wall_clock(*wall + std::chrono::duration_cast<std::chrono::system_clock::duration>(now - t0()));
        pulse::flow::action a = m.next(now);
        switch (a.kind) {
        case pulse::flow::action_kind::send: m.handle_complete(t.perform(*a.request, *a.handler)); break;
        case pulse::flow::action_kind::wait:
            REQUIRE(a.wake_at >= now);
            if (tr) tr->waits.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(a.wake_at - now));
            now = a.wake_at;
            break;
        case pulse::flow::action_kind::done:
        case pulse::flow::action_kind::failed:
            if (tr) tr->end = now;
            return m.take_result();
        case pulse::flow::action_kind::in_flight:
        case pulse::flow::action_kind::abort_transfer:
            FAIL("a blocking driver must never see " << to_string(a.kind));
        }
    }
    FAIL("machine did not finish");
    return m.take_result();
}

/// One scripted run: the transport with its script, the simulated clock, and the waits it saw.
struct session {
    scripted_transport t;
    time_point now = t0();
    trace tr;

    session() = default;
    explicit session(std::vector<step> script) : t(std::move(script)) {}
    session(session const&) = delete;
    session& operator=(session const&) = delete;

    template <class Machine>
    auto run(Machine& m, std::optional<std::chrono::system_clock::time_point> wall = std::nullopt) {
        return drive(m, t, now, &tr, wall);
    }
};

/// A response handler that keeps everything it is given (and can ask to stop after some bytes).
struct memory_sink final : pulse::http::response_handler {
    std::string bytes;
    int heads = 0;
    int completes = 0;
    std::optional<pulse::errc> outcome;
    std::size_t abort_after = std::string::npos;
    pulse::http::sink_action on_head(pulse::http::response_head const&) override {
        ++heads;
        return pulse::http::sink_action::proceed;
    }
    pulse::http::sink_action on_body(std::string_view c) override {
        bytes.append(c);
        return bytes.size() >= abort_after ? pulse::http::sink_action::abort : pulse::http::sink_action::proceed;
    }
    void on_complete(pulse::result<void> r) override {
        ++completes;
        outcome = r ? pulse::errc::ok : r.error().code;
    }
};

} // namespace pulse_test
