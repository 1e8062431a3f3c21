// SPDX-License-Identifier: MIT
//
// pulse::curl::multi_transport: a pulse::http::async_transport on one libcurl multi handle, driven
// from the caller's loop. No thread is started; nothing waits on a socket.
//
//     #include <pulse/curl/multi_transport.hpp>     // target pulse::curl (links libcurl)
//
//     pulse::curl::multi_transport t;               // options: http::transport_options, multi_options
//     t.start(request, handler);                    // returns at once
//     while (busy) {
//         t.perform();                              // reads what arrived, calls the handlers, returns
//         ... the rest of the frame ...
//     }
//
// To run flow machines (extractions, polls, downloads) use pulse::curl::multi_driver
// (<pulse/curl/multi_driver.hpp>), which pairs this transport with pulse::async_driver.
//
// How it works:
// - libcurl's socket interface: CURLMOPT_SOCKETFUNCTION keeps the set of sockets libcurl wants
//   watched (and for what), CURLMOPT_TIMERFUNCTION the time libcurl next needs attention. perform()
//   asks the kernel which of those sockets are ready with one zero-timeout poll() and calls
//   curl_multi_socket_action() for those only, then for libcurl's timer when it is due. So the cost
//   of a call follows the sockets with data, not the number of transfers.
// - perform() has a time budget (multi_options::io_budget). Between sockets it stops when the budget
//   is spent (the rest are taken first next time, round robin); inside a transfer, a body chunk that
//   arrives after the budget is spent pauses the transfer (CURL_WRITEFUNC_PAUSE; libcurl keeps the
//   chunk) and the next perform() resumes it first. A handler that decodes a large body therefore
//   cannot hold a frame for longer than about one chunk past the budget.
// - Every request is set up exactly as pulse::curl::easy_transport sets it up (the shared
//   detail/easy_setup.hpp: options, header-field checks, redirects followed by the adapter with the
//   credential rule, CURLcode mapping, redaction). Connections are kept by the multi handle and
//   reused across transfers; easy handles are pooled; TLS sessions are shared by all transfers
//   (multi_options::share_tls_sessions), so a new connection to a known host resumes one.
// - Handlers are called only from perform() (on_head/on_body from inside libcurl's read of the
//   socket, on_complete after libcurl finished the transfer), on the thread that calls perform().
//   A handler may call start(), cancel() and abandon() -- also for its own transfer; operations
//   libcurl forbids inside its callbacks are deferred to just after the callback's curl call.
//
// Cancel and abandon:
// - cancel(h): the transfer is removed from the multi handle at once (or right after the current
//   libcurl call, when called from a callback), and h.on_complete(errc::canceled) is delivered by
//   the next perform(). If the transfer had already completed, nothing happens.
// - abandon(h): the same, but h is never called again and the request is never touched again: for
//   owners that are about to free them. Both are no-ops for handlers with no running transfer.
// - Destroying the transport abandons every transfer.
//
// Where it can still block (and what this adapter does about it):
// - Name resolution. With the threaded resolver (libcurl's default where c-ares is not used; Debian
//   12's libcurl 7.88.1 has it: resolver().threaded is true), each lookup of a host name not in
//   libcurl's DNS cache runs getaddrinfo() on a short-lived thread that *libcurl* starts -- this
//   library starts none, but an engine that forbids foreign threads needs a libcurl built with
//   c-ares. Numeric addresses ("127.0.0.1") and "localhost" never start one. Without any
//   asynchronous resolver (resolver().asynchronous false), curl_multi_socket_action() itself blocks
//   in getaddrinfo() for each new host name: resolve ahead, or use numeric addresses.
// - curl_multi_remove_handle() (cancel, abandon, destruction) on a transfer whose threaded lookup is
//   still running waits for that lookup thread to finish (curl issues #4852, #8515) -- unless
//   CURLOPT_QUICK_EXIT is set, which makes libcurl detach the thread instead (it frees itself when
//   getaddrinfo returns). This adapter sets it on every transfer (multi_options::
//   detach_resolver_on_remove, libcurl >= 7.87.0). With an older libcurl the join can happen.
// - The first TLS connection loads the CA store from disk (later ones reuse libcurl's cached copy),
//   and an upload whose body is a file reads that file from disk inside the read callback. Both are
//   short local I/O, not network waits.
// - curl_multi_cleanup() in the destructor closes the cached connections (non-blocking closes).
//
// Not thread-safe: one thread owns the transport and calls everything. Not copyable or movable
// (libcurl holds pointers to it); put it in a std::unique_ptr to move it around.
#ifndef PULSE_CURL_MULTI_TRANSPORT_HPP
#define PULSE_CURL_MULTI_TRANSPORT_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/curl/detail/easy_setup.hpp>
#include <pulse/curl/detail/easy_transfer.hpp>
#include <pulse/curl/global_init.hpp>
#include <pulse/error.hpp>
#include <pulse/http/request.hpp>
#include <pulse/http/response.hpp>
#include <pulse/http/transport.hpp>

#include <curl/curl.h>

#if defined(_WIN32)
#include <winsock2.h>
#else
#include <poll.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

PULSE_NAMESPACE_BEGIN
namespace curl {

/// What libcurl's name resolution does here (see "Where it can still block" in multi_transport.hpp).
struct resolver_report {
    /// CURL_VERSION_ASYNCHDNS: lookups do not block curl_multi_socket_action().
    bool asynchronous = false;
    /// Asynchronous through libcurl's threaded resolver (a getaddrinfo thread per lookup) rather
    /// than c-ares.
    bool threaded = false;
    /// CURLOPT_QUICK_EXIT is available (libcurl >= 7.87.0), so removing a transfer during a lookup
    /// does not wait for the lookup thread.
    bool detach_on_remove = false;
    /// libcurl's version text.
    std::string version;
};

/// The resolver of the libcurl this program runs with (checked at run time, not compile time).
inline resolver_report resolver() {
    resolver_report r;
    curl_version_info_data const* info = curl_version_info(CURLVERSION_NOW);
    if (!info) return r;
    r.asynchronous = (info->features & CURL_VERSION_ASYNCHDNS) != 0;
    r.threaded = r.asynchronous && info->ares == nullptr;
    r.detach_on_remove = info->version_num >= 0x075700;
    r.version = info->version ? info->version : "";
    return r;
}

/// Knobs of the multi handle. Zero leaves libcurl's default.
struct multi_options {
    /// Time one perform() may spend on I/O and handler calls before it returns (see the file
    /// comment). Zero: no limit. The default is a frame's share (multi_driver.hpp, the budgets).
    std::chrono::microseconds io_budget{250};
    /// CURLMOPT_MAX_TOTAL_CONNECTIONS: transfers beyond it wait in libcurl's queue for a
    /// connection. 0 = no cap. With libcurl 7.88 a transfer that waits in that queue costs far more
    /// CPU to start than one that gets a connection at once, so a cap that a burst reaches makes a
    /// frame-budgeted driver fall behind and stay behind. Cap only if the server requires it.
    long max_total_connections = 0;
    /// CURLMOPT_MAX_HOST_CONNECTIONS (same caveat).
    long max_host_connections = 0;
    /// CURLMOPT_MAXCONNECTS: connections kept open for reuse. libcurl's own default is four times
    /// the number of transfers in the multi handle *at that moment*, so the cache shrinks whenever
    /// transfers finish: connections are closed only to be opened again a moment later (a TCP --
    /// or TLS -- handshake per request), which slows the next tick, which makes the next burst
    /// bigger. A large fixed size keeps every connection a burst needed (idle plain-HTTP
    /// connections cost a socket each; with TLS, tens of KB: lower this if that matters more).
    /// 0 leaves libcurl's rule.
    long max_idle_connections = 1024;
    /// Easy handles kept for reuse after their transfer ended.
    std::size_t handle_pool = 64;
    /// Let every transfer resume the TLS sessions of the others (a curl share handle with
    /// CURL_LOCK_DATA_SSL_SESSION). A new connection to a host seen before then resumes its
    /// session instead of a full handshake, which saves client CPU, most of all in the libcurl
    /// call that reads the server's handshake. (The call that sends the first message costs the
    /// same either way: libcurl 7.88 builds a new SSL_CTX for every connection.)
    bool share_tls_sessions = true;
    /// Set CURLOPT_QUICK_EXIT on every transfer so removing one during a threaded DNS lookup does
    /// not join the lookup thread (libcurl >= 7.87.0; ignored before).
    bool detach_resolver_on_remove = true;
};

/// Counters for tuning the budgets (all since the transport was made).
struct io_stats {
    std::uint64_t pauses = 0;       ///< chunks held back by the io budget (transfers paused)
    std::uint64_t socket_stops = 0; ///< perform() calls that left ready sockets for the next call
    std::uint64_t completions = 0;  ///< on_complete calls
};

/// A socket libcurl wants watched, for callers with their own event loop.
struct socket_interest {
    curl_socket_t fd; ///< the descriptor to watch (poll(), epoll, the engine's own loop)
    bool read;        ///< libcurl waits for it to be readable
    bool write;       ///< libcurl waits for it to be writable
};

/// A pulse::http::async_transport on one libcurl multi handle, driven from the caller's loop:
/// start() returns at once, and perform() does the I/O that is ready within a time budget and
/// calls the handlers. No thread is started and nothing waits on a socket (the file comment of
/// <pulse/curl/multi_transport.hpp> says where libcurl itself can still block). Requests are set
/// up exactly as easy_transport sets them up; connections, easy handles and TLS sessions are
/// shared between transfers.
///
/// To run flow machines over it, use multi_driver. Not thread-safe; not copyable or movable
/// (libcurl holds pointers to it).
class multi_transport {
public:
    /// The clock of next_timeout() and wait(): libcurl's timers are real time.
    using clock_type = std::chrono::steady_clock;

    /// A transport whose requests use `options`, on a multi handle tuned by `mopts`. If libcurl
    /// cannot create the handle, valid() is false and every start() fails.
    explicit multi_transport(http::transport_options options = {}, multi_options mopts = {})
        : options_(std::move(options)), mopts_(mopts), multi_(curl_multi_init()) {
        if (!multi_) return;
        curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &multi_transport::on_socket);
        curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
        curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &multi_transport::on_timer);
        curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
        if (mopts_.max_total_connections > 0) curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS, mopts_.max_total_connections);
        if (mopts_.max_host_connections > 0) curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, mopts_.max_host_connections);
        if (mopts_.max_idle_connections > 0) curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, mopts_.max_idle_connections);
        if (mopts_.share_tls_sessions) {
            // The multi handle shares connections and DNS answers between its transfers, but TLS
            // sessions stay with the easy handle that made them. One share handle for all of them
            // lets any transfer resume any session, so a new connection to a host already seen
            // skips the certificate chain and the full key exchange. libcurl still matches a
            // session only to a transfer with the same TLS settings (CA, verification, host).
            // Used from one thread only, so no lock callbacks.
            share_ = curl_share_init();
            if (share_ && curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
                curl_share_cleanup(share_);
                share_ = nullptr;
            }
        }
    }

    multi_transport(multi_transport const&) = delete;
    multi_transport& operator=(multi_transport const&) = delete;

    /// Abandons every transfer (no handler is called), frees the handles, closes connections.
    ~multi_transport() {
        for (auto& entry : transfers_) {
            remove_from_multi(*entry.second);
            release_easy(*entry.second);
        }
        for (auto& t : zombies_) {
            remove_from_multi(*t);
            release_easy(*t);
        }
        transfers_.clear();
        zombies_.clear();
        for (CURL* e : pool_) curl_easy_cleanup(e);
        if (multi_) curl_multi_cleanup(multi_);
        if (share_) curl_share_cleanup(share_); // after every easy handle let go of it
    }

    /// curl_multi_init succeeded. When false, start() fails with errc::transport_failed.
    bool valid() const noexcept { return multi_ != nullptr; }

    /// The options requests are set up with.
    http::transport_options const& options() const noexcept { return options_; }
    /// New options apply to transfers started afterwards.
    void set_options(http::transport_options o) { options_ = std::move(o); }
    /// The multi handle's settings (the io_budget as last set).
    multi_options const& tuning() const noexcept { return mopts_; }
    /// The io_budget of later perform() calls.
    void set_io_budget(std::chrono::microseconds b) noexcept { mopts_.io_budget = b; }

    /// The multi handle (for curl_multi_setopt of things this adapter does not cover). Do not add
    /// or remove easy handles of your own, and do not replace the socket or timer callbacks.
    CURLM* native_handle() const noexcept { return multi_; }

    // ---- http::async_transport ------------------------------------------------------------------

    /// Begin `req`; the response goes to `h` from later perform() calls. `req` and `h` must stay
    /// valid until h.on_complete (or until abandon(h)). An error means nothing started and no
    /// callback will come: bad header fields, a handler already in use, libcurl out of memory.
    result<void> start(http::request const& req, http::response_handler& h) {
        if (!multi_) return error(errc::transport_failed, "curl_multi_init failed");
        if (transfers_.count(&h) != 0)
            return error(errc::invalid_argument, "this handler already has a transfer running");
        CURL* e = take_easy();
        if (!e) return error(errc::transport_failed, "curl_easy_init failed");
        auto t = std::make_unique<transfer>();
        t->owner = this;
        t->serial = ++serial_;
        t->easy = e;
        t->req = &req;
        t->handler = &h;
        t->hp = http::redirect_hop::first(req);
        if (auto r = setup(*t); !r) {
            free_easy(e);
            return detail::redact(std::move(r).error(), req);
        }
        transfer& ref = *t;
        transfers_.emplace(&h, std::move(t));
        if (in_curl_) {
            to_add_.push_back(&ref); // libcurl refuses add_handle inside its callbacks
            return {};
        }
        if (auto r = add_to_multi(ref); !r) {
            free_easy(ref.easy);
            transfers_.erase(&h);
            return r;
        }
        return {};
    }

    /// Cancel the transfer of `h`: on_complete(errc::canceled) follows from the next perform().
    void cancel(http::response_handler& h) {
        auto it = transfers_.find(&h);
        if (it == transfers_.end() || it->second->canceled) return;
        transfer& t = *it->second;
        t.canceled = true;
        if (in_curl_) {
            deferred_cancels_.push_back(&h);
            return;
        }
        finish_canceled(h);
    }

    /// Forget the transfer of `h` without calling it again.
    void abandon(http::response_handler& h) noexcept {
        // A cancel's completion not delivered yet: drop it.
        std::erase_if(completions_, [&](completion const& c) { return c.handler == &h; });
        auto it = transfers_.find(&h);
        if (it == transfers_.end()) return;
        std::unique_ptr<transfer> t = std::move(it->second);
        transfers_.erase(it);
        t->detached = true;
        std::erase(paused_, t.get());
        std::erase(to_add_, t.get());
        if (in_curl_) {
            zombies_.push_back(std::move(t)); // removed right after the current libcurl call
            return;
        }
        remove_from_multi(*t);
        release_easy(*t);
    }

    // ---- driving ------------------------------------------------------------------------------

    /// Do the I/O that is ready and deliver what it produced; returns at once (within io_budget).
    /// Returns the number of on_complete calls made.
    std::size_t perform() {
        if (!multi_) return 0;
        auto const start_time = clock::now();
        budget_end_ = mopts_.io_budget.count() > 0 ? start_time + mopts_.io_budget : (clock::time_point::max)();
        behind_ = false;
        std::size_t delivered = deliver_completions();

        // Transfers paused by the last call's budget go first, oldest first, within the budget
        // (the first one always). paused_ is kept exact by whoever ends a transfer, so a transfer
        // that a handler ended during this loop is simply no longer in it.
        for (std::size_t k = 0, n = paused_.size(); k < n && !paused_.empty(); ++k) {
            if (k > 0 && over_budget()) break;
            transfer* t = paused_.front();
            paused_.pop_front();
            t->paused = false;
            http::response_handler* const h = t->handler;
            std::uint64_t const serial = t->serial;
            CURLcode rc = CURLE_OK;
            curl_call([&] { rc = curl_easy_pause(t->easy, CURLPAUSE_CONT); });
            // libcurl hands the kept chunk over inside curl_easy_pause. When the handler refuses it
            // (abort), curl_easy_pause returns the error *without* scheduling the transfer again
            // (lib/easy.c, 7.88): nothing would ever finish it. Finish it here. (The handler may
            // have abandoned it, or even started a new one, meanwhile: look it up again.)
            if (rc != CURLE_OK) {
                auto it = transfers_.find(h);
                if (it != transfers_.end() && it->second->serial == serial && !it->second->dead())
                    delivered += finish(*it->second, rc);
            }
            delivered += drain();
        }

        // Sockets with something to do.
        if (!fds_.empty()) {
            poll_.assign(fds_.begin(), fds_.end());
            int const n = sys_poll(poll_.data(), poll_.size());
            if (n > 0) {
                ready_.clear();
                std::size_t const count = poll_.size();
                for (std::size_t k = 0; k < count; ++k) {
                    auto const& p = poll_[(k + rotate_) % count];
                    if (p.revents == 0) continue;
                    int ev = 0;
                    if (p.revents & (POLLIN | POLLHUP)) ev |= CURL_CSELECT_IN;
                    if (p.revents & POLLOUT) ev |= CURL_CSELECT_OUT;
                    if (p.revents & (POLLERR | POLLNVAL)) ev |= CURL_CSELECT_ERR;
                    ready_.push_back({p.fd, ev});
                }
                ++rotate_;
                for (std::size_t k = 0; k < ready_.size(); ++k) {
                    int running = 0;
                    curl_call([&] { curl_multi_socket_action(multi_, ready_[k].fd, ready_[k].ev, &running); });
                    delivered += drain();
                    if (k + 1 < ready_.size() && over_budget()) {
                        ++stats_.socket_stops;
                        behind_ = true;
                        break; // the rest stay readable: taken next call
                    }
                }
            }
        }

        // libcurl's own timer: new transfers, timeouts, retries of connects.
        if (timer_due()) delivered += run_timeouts();
        delivered += deliver_completions();
        return delivered;
    }

    /// Start what start() queued without waiting for the next perform(): libcurl connects and sends
    /// the requests now (used by multi_driver right after stepping its flows).
    std::size_t kick() {
        if (!multi_ || !timer_due()) return 0;
        // A budget of its own: it mostly sends, and a chunk that arrives meanwhile should not be
        // paused just because perform() spent its time.
        budget_end_ = mopts_.io_budget.count() > 0 ? clock::now() + mopts_.io_budget : (clock::time_point::max)();
        return run_timeouts();
    }

    /// When perform() next has timer work (libcurl's timeout), nullopt if none. Socket readiness is
    /// separate: see for_each_socket() / wait().
    std::optional<clock_type::time_point> next_timeout() const noexcept {
        if (!completions_.empty() || !paused_.empty()) return clock::time_point{};
        return timer_;
    }

    /// Calls f(socket_interest) for every socket libcurl wants watched, for callers that wait in
    /// their own event loop: wait until one is ready or next_timeout() passes, then perform().
    template <class F>
    void for_each_socket(F&& f) const {
        for (auto const& p : fds_) f(socket_interest{p.fd, (p.events & POLLIN) != 0, (p.events & POLLOUT) != 0});
    }
    /// Number of sockets libcurl currently wants watched.
    std::size_t socket_count() const noexcept { return fds_.size(); }

    /// Block until a socket is ready, libcurl's timer is due, or `until` (whichever is first).
    /// For programs without a frame loop (tools, tests); an engine never calls this.
    void wait(clock_type::time_point until) {
        auto deadline = until;
        if (auto t = next_timeout()) deadline = (std::min)(deadline, *t);
        auto const now = clock::now();
        long long ms = deadline <= now ? 0
                                       : std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now + std::chrono::microseconds(999)).count();
        if (ms == 0) return;
        poll_.assign(fds_.begin(), fds_.end());
        (void)sys_poll(poll_.data(), poll_.size(), static_cast<int>((std::min)(ms, 3'600'000LL)));
    }

    /// Counters of the budgets' effect, for tuning them.
    io_stats const& stats() const noexcept { return stats_; }

    /// The last perform() ran out of budget with ready sockets left unread: the I/O is behind.
    /// Starting more transfers now only adds to it (multi_driver then starts one per tick).
    bool behind() const noexcept { return behind_; }

    /// Transfers started and not yet completed (or cancelled and not yet delivered).
    std::size_t active() const noexcept { return transfers_.size() + completions_.size(); }

private:
    using clock = clock_type;
#if defined(_WIN32)
    using pollfd_t = WSAPOLLFD;
    static int sys_poll(pollfd_t* p, std::size_t n, int timeout_ms = 0) { return WSAPoll(p, static_cast<ULONG>(n), timeout_ms); }
#else
    using pollfd_t = pollfd;
    static int sys_poll(pollfd_t* p, std::size_t n, int timeout_ms = 0) { return ::poll(p, static_cast<nfds_t>(n), timeout_ms); }
#endif

    struct transfer {
        multi_transport* owner = nullptr;
        CURL* easy = nullptr;
        http::request const* req = nullptr;
        http::response_handler* handler = nullptr;
        detail::hop hp;
        int hops = 0;
        detail::redirect_decision decide;
        http::body_source empty_body;
        std::optional<detail::exchange> x;
        std::optional<detail::slist> fields;
        char errbuf[CURL_ERROR_SIZE] = {};
        std::uint64_t serial = 0;
        bool in_multi = false;
        bool paused = false;
        bool canceled = false;
        bool detached = false;

        bool dead() const noexcept { return canceled || detached; }
    };

    struct completion {
        http::response_handler* handler;
        result<void> outcome;
    };

    struct ready_socket {
        curl_socket_t fd;
        int ev;
    };

    // ---- setup --------------------------------------------------------------------------------

    result<void> setup(transfer& t) {
        t.x.reset();
        t.fields.reset();
        t.x.emplace(t.hp.send_body ? t.req->body : t.empty_body, *t.handler);
        t.fields.emplace();
        t.decide = detail::redirect_decision{options_.follow_redirects, &t.hp.url, {}};
        t.x->set_redirect_check(&t.decide);
        detail::callbacks cb{&multi_transport::t_header, &multi_transport::t_write, &multi_transport::t_read,
                             &multi_transport::t_seek, &t};
        if (auto r = detail::configure(t.easy, t.hp, *t.req, options_, cb, t.errbuf, *t.fields); !r) return r;
        curl_easy_setopt(t.easy, CURLOPT_PRIVATE, static_cast<void*>(&t));
        if (share_) curl_easy_setopt(t.easy, CURLOPT_SHARE, share_);
#if LIBCURL_VERSION_NUM >= 0x075700 // 7.87.0
        if (mopts_.detach_resolver_on_remove) curl_easy_setopt(t.easy, CURLOPT_QUICK_EXIT, 1L);
#endif
        return {};
    }

    result<void> add_to_multi(transfer& t) {
        CURLMcode const mc = curl_multi_add_handle(multi_, t.easy);
        if (mc != CURLM_OK) {
            error e(errc::transport_failed, std::string("curl_multi_add_handle: ") + curl_multi_strerror(mc));
            e.native_code = static_cast<int>(mc);
            return e;
        }
        t.in_multi = true;
        return {};
    }

    void remove_from_multi(transfer& t) noexcept {
        if (!t.in_multi) return;
        curl_multi_remove_handle(multi_, t.easy);
        t.in_multi = false;
    }

    CURL* take_easy() {
        if (!pool_.empty()) {
            CURL* e = pool_.back();
            pool_.pop_back();
            return e;
        }
        return curl_easy_init();
    }

    void free_easy(CURL* e) noexcept {
        if (!e) return;
        detail::clear_pointers(e);
        if (pool_.size() < mopts_.handle_pool) {
            pool_.push_back(e); // detail::configure() resets it before its next use
        } else {
            curl_easy_cleanup(e);
        }
    }

    void release_easy(transfer& t) noexcept {
        free_easy(t.easy);
        t.easy = nullptr;
    }

    // ---- libcurl calls and what must wait until they return ------------------------------------

    template <class F>
    void curl_call(F&& f) {
        in_curl_ = true;
        f();
        in_curl_ = false;
        after_curl();
    }

    // Operations asked for inside a callback, done now that libcurl returned.
    void after_curl() {
        for (auto& z : zombies_) {
            remove_from_multi(*z);
            release_easy(*z);
        }
        zombies_.clear();
        if (!to_add_.empty()) {
            std::vector<transfer*> adds;
            adds.swap(to_add_);
            for (transfer* t : adds) {
                if (auto r = add_to_multi(*t); !r) {
                    // Report the failure like any other: through on_complete.
                    http::response_handler* h = t->handler;
                    error e = std::move(r).error();
                    auto it = transfers_.find(h);
                    release_easy(*t);
                    if (it != transfers_.end()) transfers_.erase(it);
                    completions_.push_back({h, std::move(e)});
                }
            }
        }
        if (!deferred_cancels_.empty()) {
            std::vector<http::response_handler*> cs;
            cs.swap(deferred_cancels_);
            for (auto* h : cs) finish_canceled(*h);
        }
    }

    void finish_canceled(http::response_handler& h) {
        auto it = transfers_.find(&h);
        if (it == transfers_.end()) return;
        std::unique_ptr<transfer> t = std::move(it->second);
        transfers_.erase(it);
        std::erase(paused_, t.get());
        std::erase(to_add_, t.get());
        remove_from_multi(*t);
        release_easy(*t);
        error e(errc::canceled, "curl: transfer canceled");
        e.bytes_delivered = static_cast<std::size_t>(t->x ? t->x->bytes_delivered() : 0);
        completions_.push_back({&h, std::move(e)});
    }

    std::size_t deliver_completions() {
        std::size_t n = 0;
        while (!completions_.empty()) {
            completion c = std::move(completions_.front());
            completions_.erase(completions_.begin());
            ++stats_.completions;
            c.handler->on_complete(std::move(c.outcome));
            ++n;
        }
        return n;
    }

    std::size_t run_timeouts() {
        int running = 0;
        timer_.reset(); // the timer callback sets the next one during the call
        curl_call([&] { curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running); });
        return drain();
    }

    bool timer_due() const noexcept { return timer_ && *timer_ <= clock::now(); }

    bool over_budget() const noexcept { return clock::now() >= budget_end_; }

    // Finished transfers: follow a redirect, or complete them.
    std::size_t drain() {
        std::size_t n = 0;
        int left = 0;
        while (CURLMsg* m = curl_multi_info_read(multi_, &left)) {
            if (m->msg != CURLMSG_DONE) continue;
            void* p = nullptr;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &p);
            CURLcode const rc = m->data.result;
            auto* t = static_cast<transfer*>(p);
            if (!t || t->dead()) continue; // dealt with by cancel/abandon
            n += finish(*t, rc);
        }
        return n;
    }

    std::size_t finish(transfer& t, CURLcode rc) {
        if (rc == CURLE_OK && t.x->redirecting()) {
            if (t.hops + 1 > max_redirects) return complete(t, http::too_many_redirects(max_redirects, t.x->status()));
            remove_from_multi(t);
            ++t.hops;
            http::follow_redirect(t.hp, t.x->status(), std::move(t.decide.target));
            if (auto r = setup(t); !r) return complete(t, detail::redact(std::move(r).error(), *t.req));
            if (auto r = add_to_multi(t); !r) return complete(t, std::move(r).error());
            return 0;
        }
        result<void> outcome = detail::finish_hop(t.easy, rc, t.errbuf, *t.x, t.hp.url, options_);
        if (!outcome) outcome = detail::redact(std::move(outcome).error(), *t.req);
        return complete(t, std::move(outcome));
    }

    // Bookkeeping first, then the handler (which may start, cancel or abandon anything).
    std::size_t complete(transfer& t, result<void> outcome) {
        http::response_handler* h = t.handler;
        auto it = transfers_.find(h);
        std::unique_ptr<transfer> own = std::move(it->second);
        transfers_.erase(it);
        std::erase(paused_, own.get());
        remove_from_multi(*own);
        release_easy(*own);
        own.reset();
        ++stats_.completions;
        h->on_complete(std::move(outcome));
        return 1;
    }

    // ---- libcurl callbacks --------------------------------------------------------------------

    static int on_socket(CURL*, curl_socket_t s, int what, void* self, void* socketp) noexcept {
        auto& m = *static_cast<multi_transport*>(self);
        auto const idx = reinterpret_cast<std::uintptr_t>(socketp); // index + 1, 0 = new
        if (what == CURL_POLL_REMOVE) {
            if (idx == 0 || idx > m.fds_.size()) return 0;
            std::size_t const i = static_cast<std::size_t>(idx - 1);
            if (i + 1 != m.fds_.size()) {
                m.fds_[i] = m.fds_.back();
                curl_multi_assign(m.multi_, m.fds_[i].fd, reinterpret_cast<void*>(static_cast<std::uintptr_t>(i + 1)));
            }
            m.fds_.pop_back();
            return 0;
        }
        short events = 0;
        if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) events |= POLLIN;
        if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) events |= POLLOUT;
        if (idx != 0 && idx <= m.fds_.size() && m.fds_[idx - 1].fd == s) {
            m.fds_[idx - 1].events = events;
            return 0;
        }
        pollfd_t p{};
        p.fd = s;
        p.events = events;
        m.fds_.push_back(p);
        curl_multi_assign(m.multi_, s, reinterpret_cast<void*>(static_cast<std::uintptr_t>(m.fds_.size())));
        return 0;
    }

    static int on_timer(CURLM*, long timeout_ms, void* self) noexcept {
        auto& m = *static_cast<multi_transport*>(self);
        if (timeout_ms < 0) m.timer_.reset();
        else m.timer_ = clock::now() + std::chrono::milliseconds(timeout_ms);
        return 0;
    }

    // Trampolines: a cancelled or abandoned transfer must not reach its handler or its request
    // body, even if libcurl calls it once more before the removal that follows the current call.
    static std::size_t t_header(char* d, std::size_t s, std::size_t n, void* p) noexcept {
        auto& t = *static_cast<transfer*>(p);
        if (t.dead()) return 0;
        return detail::exchange::on_header(d, s, n, &*t.x);
    }
    static std::size_t t_write(char* d, std::size_t s, std::size_t n, void* p) noexcept {
        auto& t = *static_cast<transfer*>(p);
        if (t.dead()) return 0;
        if (!t.x->redirecting() && t.owner->over_budget()) {
            // Out of time for this call: libcurl keeps this chunk and hands it over on resume.
            t.paused = true;
            t.owner->paused_.push_back(&t);
            ++t.owner->stats_.pauses;
            return CURL_WRITEFUNC_PAUSE;
        }
        return detail::exchange::on_write(d, s, n, &*t.x);
    }
    static std::size_t t_read(char* d, std::size_t s, std::size_t n, void* p) noexcept {
        auto& t = *static_cast<transfer*>(p);
        if (t.dead()) return CURL_READFUNC_ABORT;
        return detail::exchange::on_read(d, s, n, &*t.x);
    }
    static int t_seek(void* p, curl_off_t off, int origin) noexcept {
        auto& t = *static_cast<transfer*>(p);
        if (t.dead()) return CURL_SEEKFUNC_FAIL;
        return detail::exchange::on_seek(&*t.x, off, origin);
    }

    static constexpr int max_redirects = 10;

    http::transport_options options_;
    multi_options mopts_;
    CURLM* multi_ = nullptr;
    CURLSH* share_ = nullptr; // TLS sessions of all transfers (multi_options::share_tls_sessions)
    std::unordered_map<http::response_handler*, std::unique_ptr<transfer>> transfers_;
    std::vector<std::unique_ptr<transfer>> zombies_;
    std::vector<transfer*> to_add_;
    std::vector<http::response_handler*> deferred_cancels_;
    std::deque<transfer*> paused_;
    std::vector<completion> completions_;
    std::vector<CURL*> pool_;
    std::vector<pollfd_t> fds_;
    std::vector<pollfd_t> poll_;
    std::vector<ready_socket> ready_;
    std::size_t rotate_ = 0;
    std::uint64_t serial_ = 0;
    std::optional<clock::time_point> timer_;
    clock::time_point budget_end_{};
    io_stats stats_;
    bool behind_ = false;
    bool in_curl_ = false;
};

static_assert(http::async_transport<multi_transport>);

} // namespace curl
PULSE_NAMESPACE_END

#endif
