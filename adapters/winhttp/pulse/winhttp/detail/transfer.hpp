// SPDX-License-Identifier: MIT
//
// The state of one WinHTTP transfer, and the one function of this library that runs on WinHTTP's
// threads: the status callback.
//
// WinHTTP in asynchronous mode reports each completed step (request sent, head arrived, a read or
// write done, an error, a handle closed) by calling the session's status callback, on a thread
// of its own or inside the API call that completed at once. on_status() does nothing but copy the
// report (and the time) into the hub's queue under its mutex and wake whoever waits on it (and add
// the bytes of WINHTTP_CALLBACK_STATUS_RESPONSE_RECEIVED to an atomic counter). The transfer's state,
// the handlers and every further WinHTTP call belong to the thread that drains the queue
// (async_transport::perform()). Nothing of the caller's runs on WinHTTP's threads.
//
// Lifetime: a transfer is the context value of its request handles; WinHTTP may call back with it
// until it reports WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING for the last of them. So it lives until
// then: the callback counts open handles under the hub's mutex. While its transport exists, the
// transport frees it after seeing the count reach zero. When the transport is destroyed first, it
// closes every handle and file itself and marks the transfer orphaned; the callback that reports
// its last handle closed deletes it, which frees memory and nothing else.
//
// Internal: names and signatures here may change without notice.
#ifndef PULSE_WINHTTP_DETAIL_TRANSFER_HPP
#define PULSE_WINHTTP_DETAIL_TRANSFER_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/http/body_source.hpp>
#include <pulse/http/redirect.hpp>
#include <pulse/http/request.hpp>
#include <pulse/http/response.hpp>
#include <pulse/http/stall_clock.hpp>
#include <pulse/winhttp/detail/session.hpp>

#include <windows.h>
#include <winhttp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

PULSE_NAMESPACE_BEGIN
namespace winhttp::detail {

using steady = std::chrono::steady_clock;

struct transfer;

/// One status report of WinHTTP, as queued for the owner thread.
struct event {
    transfer* t = nullptr;
    HINTERNET handle = nullptr;
    DWORD status = 0;
    DWORD value = 0; ///< bytes (read/write complete, data available), flags (secure failure), the error (request error)
    DWORD api = 0;   ///< request error: the call that failed (API_RECEIVE_RESPONSE, ...)
    steady::time_point when{}; ///< when WinHTTP reported it (the stall clock counts from then)
};

/// What a transport shares with its transfers' callbacks.
struct hub {
    std::mutex m;
    std::condition_variable cv;
    std::vector<event> events;
};

/// One transfer: the caller's request through every hop of its redirects.
struct transfer {
    enum class stage : unsigned char { sending, writing, receiving, reading, finished };

    // --- shared with the callback (under hub->m)
    int open_handles = 0; ///< request handles WinHTTP has not reported closed yet
    bool orphan = false;  ///< the transport is gone: the last handle's callback deletes this

    // --- set at creation, then read-only (the callback reads `hub`)
    std::shared_ptr<detail::hub> hub;

    // --- written by the callback, read by the owner thread
    std::atomic<std::uint64_t> received{0}; ///< bytes WinHTTP read from the network for this transfer

    // --- the owner thread's
    std::vector<std::shared_ptr<session>> sessions; ///< of every hop (each outlives its handles)
    std::vector<HINTERNET> connects;
    bool via_proxy = false; ///< the current hop goes through a named proxy
    HINTERNET request = nullptr; ///< the current hop's request handle; null once closed
    http::request const* req = nullptr;
    http::response_handler* handler = nullptr; ///< null once abandoned
    http::redirect_hop hop;
    int hops = 0;
    std::optional<http::body_reader> reader;
    std::uint64_t body_left = 0;
    std::vector<char> buffer;
    stage at = stage::sending;
    bool connected = false;   ///< WinHTTP is about to send: connection (and TLS) are up
    bool new_connection = false; ///< the current hop opened a connection (false: a kept one carries it)
    bool resent = false;      ///< a GET or HEAD was sent again after a kept connection closed unanswered
    bool head_seen = false;
    bool identity = true;     ///< the body is not content-coded (its length can be checked)
    bool bodiless = false;    ///< HEAD, 1xx, 204, 304: no body whatever the fields say
    std::optional<std::uint64_t> content_length;
    int status = 0;
    std::uint64_t delivered = 0;
    std::uint64_t received_at_send = 0; ///< `received` when the current hop's request went out
    DWORD secure_failure = 0;
    std::string where; ///< "host:port" of the current hop, for messages
    steady::time_point connect_deadline = (steady::time_point::max)();
    steady::time_point total_deadline = (steady::time_point::max)();
    http::stall_clock stall;
};

/// WinHTTP's status callback (see the file comment).
inline void CALLBACK on_status(HINTERNET handle, DWORD_PTR context, DWORD status, LPVOID info, DWORD length) {
    auto* t = reinterpret_cast<transfer*>(context);
    if (!t) return; // session and connect handles carry no context
    event e;
    e.t = t;
    e.handle = handle;
    e.status = status;
    switch (status) {
    case WINHTTP_CALLBACK_STATUS_RESPONSE_RECEIVED:
        // Counted, not queued: it tells a connection closed before any answer from an answer
        // that is not HTTP, which WinHTTP reports with the same error.
        if (info && length >= sizeof(DWORD)) t->received.fetch_add(*static_cast<DWORD const*>(info), std::memory_order_relaxed);
        return;
    case WINHTTP_CALLBACK_STATUS_READ_COMPLETE: e.value = length; break;
    case WINHTTP_CALLBACK_STATUS_WRITE_COMPLETE:
    case WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE:
    case WINHTTP_CALLBACK_STATUS_SECURE_FAILURE:
        if (info && length >= sizeof(DWORD)) e.value = *static_cast<DWORD const*>(info);
        break;
    case WINHTTP_CALLBACK_STATUS_REQUEST_ERROR:
        if (info) {
            auto const* r = static_cast<WINHTTP_ASYNC_RESULT const*>(info);
            e.api = static_cast<DWORD>(r->dwResult);
            e.value = r->dwError;
        }
        break;
    case WINHTTP_CALLBACK_STATUS_CONNECTED_TO_SERVER:
    case WINHTTP_CALLBACK_STATUS_SENDING_REQUEST:
    case WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE:
    case WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE:
    case WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING: break;
    default: return; // nothing the transfer needs
    }
    e.when = steady::now();
    std::shared_ptr<detail::hub> keep; // outlives the lock when this call deletes the transfer
    transfer* doomed = nullptr;
    {
        std::lock_guard<std::mutex> lock(t->hub->m);
        if (status == WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING) --t->open_handles;
        if (!t->orphan) {
            t->hub->events.push_back(e);
            t->hub->cv.notify_all();
        } else if (status == WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING && t->open_handles == 0) {
            keep = t->hub;
            doomed = t;
        }
    }
    delete doomed;
}

} // namespace winhttp::detail
PULSE_NAMESPACE_END

#endif
