// SPDX-License-Identifier: MIT
//
// A transport wrapper that makes --timeout a real overall deadline.
//
// flow::policies::deadline bounds every wait the library schedules (polls, retries), but a
// transfer already in flight is bounded only by the transport's own timeouts (a large download,
// a stalled answer). So before each request this wrapper gives the inner transport a total
// timeout equal to the time left, and refuses to start a request once the deadline has passed.
// The library then turns the transport timeout into deadline_exceeded (a retry would start after
// the deadline) or returns it as errc::timeout, which the tool reports as the deadline (exit 11)
// because deadline_passed() says so.
#ifndef PULSE_CLI_DEADLINE_TRANSPORT_HPP
#define PULSE_CLI_DEADLINE_TRANSPORT_HPP

#include <pulse/error.hpp>
#include <pulse/http/request.hpp>
#include <pulse/http/response.hpp>
#include <pulse/http/transport.hpp>

#include <chrono>
#include <optional>
#include <utility>

namespace pulse_cli {

template <class Inner>
class deadline_transport {
public:
    using clock = std::chrono::steady_clock;

    deadline_transport(Inner inner, pulse::http::transport_options base, std::optional<clock::time_point> deadline)
        : inner_(std::move(inner)), base_(std::move(base)), deadline_(deadline) {
        inner_.set_options(base_);
    }

    pulse::result<void> perform(pulse::http::request const& req, pulse::http::response_handler& h) {
        if (deadline_) {
            auto const left = std::chrono::ceil<std::chrono::milliseconds>(*deadline_ - clock::now());
            if (left.count() <= 0) return pulse::error(pulse::errc::timeout, "the --timeout deadline has passed");
            pulse::http::transport_options o = base_;
            if (o.total_timeout.count() == 0 || left < o.total_timeout) o.total_timeout = left;
            if (o.connect_timeout.count() == 0 || left < o.connect_timeout) o.connect_timeout = left;
            inner_.set_options(std::move(o));
        }
        return inner_.perform(req, h);
    }

    bool deadline_passed() const { return deadline_ && clock::now() >= *deadline_; }
    Inner& inner() noexcept { return inner_; }

private:
    Inner inner_;
    pulse::http::transport_options base_;
    std::optional<clock::time_point> deadline_;
};

} // namespace pulse_cli

#endif
