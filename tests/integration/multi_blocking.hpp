// pulse::curl::multi_transport used as a blocking transport (start, then perform until
// on_complete), so the shared conformance and TLS suites, written for perform()-style transports,
// run through the multi handle: its sockets, timers, pauses, redirects and shared TLS sessions.
#ifndef PULSE_TEST_MULTI_BLOCKING_HPP
#define PULSE_TEST_MULTI_BLOCKING_HPP

#include <pulse/curl/multi_transport.hpp>
#include <pulse/http/request.hpp>
#include <pulse/http/response.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

namespace pulse_test {

class multi_as_blocking {
public:
    explicit multi_as_blocking(pulse::http::transport_options o, pulse::curl::multi_options m = {})
        : t_(std::make_unique<pulse::curl::multi_transport>(std::move(o), m)) {}

    pulse::result<void> perform(pulse::http::request const& req, pulse::http::response_handler& h) {
        relay r(h);
        if (auto s = t_->start(req, r); !s) return s;
        while (!r.outcome) {
            t_->wait(std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
            t_->perform();
        }
        return *r.outcome;
    }

    pulse::curl::multi_transport& transport() noexcept { return *t_; }

private:
    struct relay final : pulse::http::response_handler {
        explicit relay(pulse::http::response_handler& inner) : in(inner) {}
        pulse::http::sink_action on_head(pulse::http::response_head const& h) override { return in.on_head(h); }
        pulse::http::sink_action on_body(std::string_view c) override { return in.on_body(c); }
        void on_complete(pulse::result<void> o) override { outcome = std::move(o); }
        pulse::http::response_handler& in;
        std::optional<pulse::result<void>> outcome;
    };
    std::unique_ptr<pulse::curl::multi_transport> t_;
};

} // namespace pulse_test

#endif
