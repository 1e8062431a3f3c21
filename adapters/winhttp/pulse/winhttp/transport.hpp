// SPDX-License-Identifier: MIT
//
// pulse::winhttp::sync_transport: a pulse::http::blocking_transport on WinHTTP, the HTTP stack of
// Windows.
//
//     #include <pulse/winhttp/transport.hpp>     // target pulse::winhttp (links winhttp)
//
//     pulse::winhttp::sync_transport transport;  // options: pulse::http::transport_options
//     pulse::client<pulse::winhttp::sync_transport> client(cfg, std::move(transport));
//
// It is pulse::winhttp::async_transport (<pulse/winhttp/async_transport.hpp>) waited on: perform()
// starts the transfer, then alternates async_transport::wait() and perform() until the transfer
// ends. So it does, and reports, exactly what that transport does -- the options it honours, the
// header fields it sends, how it follows redirects, never resending a POST, the head caps, the
// timeouts, the error mapping; read that header for each. In short: TLS verified against the Windows
// certificate store (a ca_bundle is refused: WinHTTP has no per-connection trust file), the
// system's proxy settings unless transport_options::proxy says otherwise, gzip and deflate decoded
// where WinHTTP can (Windows 8.1 and later), connections kept per session and reused.
//
// Threads: the handler's callbacks run on the thread that calls perform(), inside it; WinHTTP's own
// threads only queue their reports. A sync_transport is not thread-safe: one transfer at a time,
// like a curl easy handle (use one per thread). A handler must not call perform() on the same
// transport.
//
// Movable (the WinHTTP state lives behind one pointer; a moved-from transport fails every perform()
// with errc::transport_failed); not copyable.
#ifndef PULSE_WINHTTP_TRANSPORT_HPP
#define PULSE_WINHTTP_TRANSPORT_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/http/request.hpp>
#include <pulse/http/response.hpp>
#include <pulse/http/transport.hpp>
#include <pulse/winhttp/async_transport.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

PULSE_NAMESPACE_BEGIN
namespace winhttp {

/// A blocking pulse::http::blocking_transport on WinHTTP: async_transport waited on (see the file
/// comment). One transfer at a time; movable, not copyable.
class sync_transport {
public:
    /// Opens the WinHTTP session with `options` (valid() says whether that worked).
    explicit sync_transport(http::transport_options options = {})
        : t_(std::make_unique<async_transport>(std::move(options))) {}

    /// Takes over `o`'s WinHTTP state; `o` is left moved-from (valid() is false).
    sync_transport(sync_transport&& o) noexcept = default;
    /// Closes this transport's WinHTTP state and takes over `o`'s.
    sync_transport& operator=(sync_transport&& o) noexcept = default;
    sync_transport(sync_transport const&) = delete;
    sync_transport& operator=(sync_transport const&) = delete;
    ~sync_transport() = default;

    /// The WinHTTP session exists and the options are usable (false also when moved from).
    bool valid() const noexcept { return t_ && t_->valid(); }

    /// The options in force. Precondition: not moved from.
    http::transport_options const& options() const noexcept { return t_->options(); }
    /// New options apply from the next perform().
    void set_options(http::transport_options options) {
        if (t_) t_->set_options(std::move(options));
    }

    /// Whether WinHTTP decodes gzip and deflate here (see async_transport::decompresses()).
    bool decompresses() const noexcept { return t_ && t_->decompresses(); }

    /// The URL the last perform() got its final response from, or was talking to when it failed.
    /// Precondition: not moved from.
    std::string const& effective_url() const noexcept { return t_->last_url(); }

    /// The asynchronous transport underneath (for its diagnostics). Precondition: not moved from.
    async_transport& engine() noexcept { return *t_; }

    /// Send `req` and push the response into `handler`; returns when the transfer is over.
    /// Success means a complete response of any status reached the handler.
    result<void> perform(http::request const& req, http::response_handler& handler) {
        if (!t_) return error(errc::transport_failed, "winhttp: moved-from sync_transport");
        relay r(handler);
        if (auto s = t_->start(req, r); !s) return s;
        for (;;) {
            t_->perform();
            if (r.outcome) return std::move(*r.outcome);
            t_->wait((async_transport::clock_type::time_point::max)());
        }
    }

private:
    // Forwards head and body to the caller's handler and keeps the outcome.
    class relay final : public http::response_handler {
    public:
        explicit relay(http::response_handler& inner) : inner_(inner) {}
        http::sink_action on_head(http::response_head const& head) override { return inner_.on_head(head); }
        http::sink_action on_body(std::string_view chunk) override { return inner_.on_body(chunk); }
        void on_complete(result<void> o) override { outcome.emplace(std::move(o)); }

        std::optional<result<void>> outcome;

    private:
        http::response_handler& inner_;
    };

    std::unique_ptr<async_transport> t_;
};

static_assert(http::blocking_transport<sync_transport>);

} // namespace winhttp
PULSE_NAMESPACE_END

#endif
