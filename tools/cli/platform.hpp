// SPDX-License-Identifier: MIT
//
// What `pulse` needs from the operating system beyond the C++ standard library, for POSIX and for
// Windows, in one place: the HTTP stack (libcurl; WinHTTP on Windows, which has no libcurl of its
// own), whether an output is a terminal and how wide it is, the temporary file a result is written
// to, and moving it over the final name. The commands (main.cpp) use only these.
#ifndef PULSE_CLI_PLATFORM_HPP
#define PULSE_CLI_PLATFORM_HPP

#include <pulse/error.hpp>

#if defined(_WIN32)
#include <pulse/winhttp/transport.hpp>

#include <windows.h>
#include <fcntl.h>
#include <io.h>

#include <random>
#else
#include <pulse/curl/global_init.hpp>
#include <pulse/curl/transport.hpp>

#include <curl/curl.h>

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

namespace pulse_cli::platform {

// ---- the HTTP stack ----------------------------------------------------------------------------

#if defined(_WIN32)
/// The blocking transport the commands use.
using http_transport = pulse::winhttp::sync_transport;

/// Process-wide set-up of the stack, held for the run: WinHTTP needs none.
class stack_init {
public:
    bool ok() const noexcept { return true; }
    std::string message() const { return {}; }
};

/// "WinHTTP" (the version of the system's winhttp.dll is the system's).
inline std::string stack_name() { return "WinHTTP"; }
#else
using http_transport = pulse::curl::easy_transport;

/// curl_global_init, before any thread and any easy handle.
class stack_init {
public:
    bool ok() const noexcept { return init_.ok(); }
    std::string message() const { return ok() ? std::string() : init_.status().error().to_string(); }

private:
    pulse::curl::global_init init_;
};

/// "libcurl 7.88.1".
inline std::string stack_name() {
    curl_version_info_data const* info = curl_version_info(CURLVERSION_NOW);
    return std::string("libcurl ") + (info && info->version ? info->version : "?");
}
#endif

// ---- terminals -----------------------------------------------------------------------------------

inline bool is_terminal(std::FILE* f) {
#if defined(_WIN32)
    return ::_isatty(::_fileno(f)) != 0;
#else
    return ::isatty(::fileno(f)) == 1;
#endif
}

/// Columns of the terminal stderr writes to; 80 when unknown.
inline std::size_t stderr_columns() {
#if defined(_WIN32)
    CONSOLE_SCREEN_BUFFER_INFO info;
    if (::GetConsoleScreenBufferInfo(::GetStdHandle(STD_ERROR_HANDLE), &info)) {
        int const cols = info.srWindow.Right - info.srWindow.Left + 1;
        if (cols > 10) return static_cast<std::size_t>(cols);
    }
#else
    winsize ws{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10) return ws.ws_col;
#endif
    return 80;
}

// ---- files ---------------------------------------------------------------------------------------

/// A new file beside `path`, named `path` + ".pulse-" + six random characters, open for writing
/// ("wb"). On POSIX its mode is what a new file gets (0666 & ~umask), not mkstemp's 0600.
struct temp_file {
    std::FILE* file = nullptr;
    std::string name;
};

inline pulse::result<temp_file> create_temp_beside(std::string const& path) {
#if defined(_WIN32)
    static char const alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::random_device rd;
    for (int attempt = 0; attempt < 100; ++attempt) {
        std::string name = path + ".pulse-";
        for (int i = 0; i < 6; ++i) name += alphabet[rd() % (sizeof alphabet - 1)];
        // CREATE_NEW: never an existing file (the same guarantee as mkstemp).
        HANDLE const h = ::CreateFileA(name.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, nullptr);
        if (h == INVALID_HANDLE_VALUE) {
            if (::GetLastError() == ERROR_FILE_EXISTS) continue;
            return pulse::error(pulse::errc::file_error, "cannot create a file there (error " + std::to_string(::GetLastError()) + ")", path);
        }
        int const fd = ::_open_osfhandle(reinterpret_cast<std::intptr_t>(h), _O_WRONLY | _O_BINARY);
        std::FILE* f = fd >= 0 ? ::_fdopen(fd, "wb") : nullptr;
        if (!f) {
            if (fd >= 0) ::_close(fd);
            else ::CloseHandle(h);
            std::remove(name.c_str());
            return pulse::error(pulse::errc::file_error, "cannot open the temporary file", path);
        }
        return temp_file{f, std::move(name)};
    }
    return pulse::error(pulse::errc::file_error, "no free temporary file name", path);
#else
    std::string tmpl = path + ".pulse-XXXXXX";
    errno = 0;
    int const fd = ::mkstemp(tmpl.data());
    if (fd < 0) return pulse::error(pulse::errc::file_error, std::strerror(errno), path);
    // mkstemp creates 0600; a result file gets the usual 0666 & ~umask.
    mode_t const mask = ::umask(0);
    ::umask(mask);
    (void)::fchmod(fd, static_cast<mode_t>(0666 & ~mask));
    std::FILE* f = ::fdopen(fd, "wb");
    if (!f) {
        int const err = errno;
        ::close(fd);
        ::unlink(tmpl.c_str());
        return pulse::error(pulse::errc::file_error, std::strerror(err), path);
    }
    return temp_file{f, std::move(tmpl)};
#endif
}

/// Move `from` to `to`, replacing a file there (std::rename does not replace on Windows). Empty
/// when done, else the reason.
inline std::string replace_file(std::string const& from, std::string const& to) {
#if defined(_WIN32)
    if (::MoveFileExA(from.c_str(), to.c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_COPY_ALLOWED)) return {};
    return "error " + std::to_string(::GetLastError());
#else
    if (std::rename(from.c_str(), to.c_str()) == 0) return {};
    return std::strerror(errno);
#endif
}

} // namespace pulse_cli::platform

#endif
