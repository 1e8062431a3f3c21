// SPDX-License-Identifier: MIT
//
// libcurl's process-wide initialisation, and why this adapter leaves it to you.
//
// curl_global_init() sets up TLS and socket libraries once per process; curl_global_cleanup()
// tears them down. The library principle "no global state, no static initialisers" rules out doing
// either behind your back, so the adapter never calls them. What happens instead:
//
// - If nothing called curl_global_init(), the first curl_easy_init() (made by easy_transport's
//   constructor) does it. Since libcurl 7.84 that lazy initialisation is thread-safe *when libcurl
//   was built with thread-safe init support*, which it reports as CURL_VERSION_THREADSAFE in
//   curl_version_info()->features: lazy_init_is_thread_safe() below checks exactly that. Debian 12's
//   libcurl 7.88.1 has it ("threadsafe" in `curl-config --features`), so there creating transports
//   on several threads with no explicit init is fine.
// - Where it is not thread-safe (older or differently built libcurl), or where you want to decide
//   when TLS libraries are initialised and cleaned up, create one pulse::curl::global_init at the
//   top of main(), before any thread creates a transport, and let it live until all transports are
//   gone:
//
//       int main() {
//           pulse::curl::global_init curl_init;          // curl_global_init(CURL_GLOBAL_DEFAULT)
//           if (!curl_init.ok()) return 1;
//           pulse::curl::easy_transport transport;
//           ...
//       }                                                // curl_global_cleanup()
//
// Engines that already initialise libcurl themselves need neither: libcurl counts init/cleanup
// pairs, so an extra global_init is harmless but not required.
#ifndef PULSE_CURL_GLOBAL_INIT_HPP
#define PULSE_CURL_GLOBAL_INIT_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>

#include <curl/curl.h>

#include <string>

PULSE_NAMESPACE_BEGIN

/// \namespace pulse::curl
/// The libcurl adapter (target pulse::curl): easy_transport, blocking, on one easy handle;
/// multi_transport, asynchronous, on one multi handle driven from the caller's loop; multi_driver,
/// which runs many flows over a multi_transport; and global_init for libcurl's process-wide setup.
namespace curl {

/// True when this libcurl initialises itself thread-safely on first use (CURL_VERSION_THREADSAFE,
/// libcurl >= 7.84 built with support for it), so no explicit global_init is needed for threads.
inline bool lazy_init_is_thread_safe() noexcept {
#ifdef CURL_VERSION_THREADSAFE
    curl_version_info_data const* info = curl_version_info(CURLVERSION_NOW);
    return info != nullptr && (info->features & CURL_VERSION_THREADSAFE) != 0;
#else
    return false;
#endif
}

/// RAII pair of curl_global_init / curl_global_cleanup. Create at most a few, on one thread, before
/// other threads use libcurl; not copyable or movable (it stands for a process-wide state).
class global_init {
public:
    /// Calls curl_global_init(flags); ok() and status() say whether it succeeded.
    explicit global_init(long flags = CURL_GLOBAL_DEFAULT) noexcept : code_(curl_global_init(flags)) {}
    /// Calls curl_global_cleanup() when the init succeeded. No transport may be alive then.
    ~global_init() {
        if (code_ == CURLE_OK) curl_global_cleanup();
    }
    global_init(global_init const&) = delete;
    global_init& operator=(global_init const&) = delete;
    global_init(global_init&&) = delete;
    global_init& operator=(global_init&&) = delete;

    /// Whether curl_global_init succeeded.
    bool ok() const noexcept { return code_ == CURLE_OK; }

    /// The outcome of curl_global_init, as a pulse error (transport layer) when it failed.
    result<void> status() const {
        if (code_ == CURLE_OK) return {};
        error e(errc::transport_failed, std::string("curl_global_init failed: ") + curl_easy_strerror(code_));
        e.native_code = static_cast<int>(code_);
        return e;
    }

private:
    CURLcode code_;
};

} // namespace curl
PULSE_NAMESPACE_END

#endif
