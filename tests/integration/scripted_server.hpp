// pulse_test::scripted_server: a loopback HTTP/1.1 server on its own thread that answers each
// request with what a test script says -- keep-alive corner cases the real local server does not
// produce on demand (a connection closed just as the next request arrives, a body delimited by the
// end of the connection). Used by the adapters' own tests (beast_transport.cpp, curl_transport.cpp,
// winhttp_transport.cpp), so it speaks both BSD sockets and Winsock.
#ifndef PULSE_TESTS_INTEGRATION_SCRIPTED_SERVER_HPP
#define PULSE_TESTS_INTEGRATION_SCRIPTED_SERVER_HPP

#include <pulse/http/request.hpp>

#include <doctest/doctest.h>

#if defined(_WIN32)
#include <winsock2.h> // before <windows.h>, which the WinHTTP adapter includes
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

#include <atomic>
#include <cctype>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace pulse_test {

// The few socket calls the server makes, on BSD sockets or Winsock.
#if defined(_WIN32)
using socket_handle = SOCKET;
inline constexpr socket_handle no_socket = INVALID_SOCKET;
using socket_length = int;
inline void close_socket(socket_handle s) { ::closesocket(s); }
/// 1 when `s` has something to read within `ms`, 0 when not, negative on error.
inline int wait_readable(socket_handle s, int ms) {
    WSAPOLLFD p{};
    p.fd = s;
    p.events = POLLRDNORM;
    return ::WSAPoll(&p, 1, ms);
}
inline long receive(socket_handle s, char* buf, std::size_t n) { return ::recv(s, buf, static_cast<int>(n), 0); }
inline long send_bytes(socket_handle s, std::string const& bytes) {
    return ::send(s, bytes.data(), static_cast<int>(bytes.size()), 0);
}
#else
using socket_handle = int;
inline constexpr socket_handle no_socket = -1;
using socket_length = socklen_t;
inline void close_socket(socket_handle s) { ::close(s); }
inline int wait_readable(socket_handle s, int ms) {
    pollfd p{s, POLLIN, 0};
    return ::poll(&p, 1, ms);
}
inline long receive(socket_handle s, char* buf, std::size_t n) { return ::recv(s, buf, n, 0); }
inline long send_bytes(socket_handle s, std::string const& bytes) { return ::send(s, bytes.data(), bytes.size(), MSG_NOSIGNAL); }
#endif

/// A TCP socket bound to a loopback port the system chose and listening with `backlog`; the port
/// in `port`. Fails the test when the system refuses.
inline socket_handle listen_on_loopback(int backlog, int& port) {
#if defined(_WIN32)
    static bool const started = [] {
        WSADATA data;
        return ::WSAStartup(MAKEWORD(2, 2), &data) == 0;
    }();
    REQUIRE(started);
#endif
    socket_handle const fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd != no_socket);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd, backlog) == 0);
    socket_length len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    return fd;
}

// A loopback HTTP/1.1 server on its own thread, one connection at a time, answering each request
// with what the script says: bytes to send (then keep the connection or close it), or nothing
// (close at once, without an answer). Records "C<connection> <METHOD> <target>" per request.
class scripted_server {
public:
    struct reply {
        std::string bytes;       // empty: close without answering
        bool close_after = false;
    };
    using script = std::function<reply(int connection, int request_on_connection)>;

    explicit scripted_server(script s) : script_(std::move(s)) {
        fd_ = listen_on_loopback(8, port_);
        thread_ = std::thread([this] { run(); });
    }
    scripted_server(scripted_server const&) = delete;
    scripted_server& operator=(scripted_server const&) = delete;
    ~scripted_server() {
        stop_ = true;
        thread_.join();
        close_socket(fd_);
    }

    std::string url(std::string const& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
    std::vector<std::string> log() const {
        std::lock_guard<std::mutex> lock(mu_);
        return log_;
    }
    /// Wait (up to 5 s) until the server has closed `n` connections.
    bool wait_closed(int n) const {
        for (int i = 0; i < 500 && closed_ < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return closed_ >= n;
    }

    static std::string ok(std::string const& body, bool close = false) {
        return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
               (close ? "Connection: close\r\n" : "") + "\r\n" + body;
    }
    /// Connection 1 answers its first request and hangs up on the second without a byte (a server
    /// closing a kept connection just as a request arrives); every other request is answered
    /// "c<connection>".
    static script hangs_up_on_second_request() {
        return [](int connection, int request) {
            if (connection == 1 && request == 2) return reply{};
            return reply{ok("c" + std::to_string(connection))};
        };
    }

private:
    bool readable(socket_handle fd) const {
        while (!stop_) {
            int const r = wait_readable(fd, 20);
            if (r > 0) return true;
            if (r < 0) return false;
        }
        return false;
    }
    void run() {
        int connection = 0;
        while (!stop_) {
            if (!readable(fd_)) break;
            socket_handle const c = ::accept(fd_, nullptr, nullptr);
            if (c == no_socket) continue;
            ++connection;
            serve(c, connection);
            close_socket(c);
            ++closed_;
        }
    }
    // Requests on one connection until the script or the client ends it.
    void serve(socket_handle c, int connection) {
        std::string in;
        for (int request = 1;; ++request) {
            std::size_t end;
            while ((end = in.find("\r\n\r\n")) == std::string::npos) {
                if (!readable(c)) return;
                char buf[4096];
                long const n = receive(c, buf, sizeof buf);
                if (n <= 0) return;
                in.append(buf, static_cast<std::size_t>(n));
            }
            std::string const head = in.substr(0, end);
            std::size_t length = 0;
            for (std::size_t pos = 0; (pos = head.find("\r\n", pos)) != std::string::npos;) {
                pos += 2;
                std::string line = head.substr(pos, head.find("\r\n", pos) - pos);
                for (auto& ch : line) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                if (line.rfind("content-length:", 0) == 0) length = std::stoul(line.substr(15));
            }
            while (in.size() < end + 4 + length) {
                if (!readable(c)) return;
                char buf[4096];
                long const n = receive(c, buf, sizeof buf);
                if (n <= 0) return;
                in.append(buf, static_cast<std::size_t>(n));
            }
            in.erase(0, end + 4 + length);
            {
                std::lock_guard<std::mutex> lock(mu_);
                log_.push_back("C" + std::to_string(connection) + " " + head.substr(0, head.find(" HTTP/")));
            }
            reply const r = script_(connection, request);
            if (r.bytes.empty()) return;
            if (send_bytes(c, r.bytes) < 0) return;
            if (r.close_after) return;
        }
    }

    script script_;
    socket_handle fd_ = no_socket;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> closed_{0};
    mutable std::mutex mu_;
    std::vector<std::string> log_;
    std::thread thread_;
};

/// A GET of `url` with no header fields.
inline pulse::http::request plain_get(std::string url) {
    pulse::http::request r;
    r.url = std::move(url);
    return r;
}

/// A POST of `url` with a small JSON body: a submission, for the never-sent-twice cases.
inline pulse::http::request submission_post(std::string url) {
    pulse::http::request r = plain_get(std::move(url));
    r.method = pulse::http::method::post;
    r.body = pulse::http::body_source::from_string(R"({"file_url":"https://example.com/x.pdf"})");
    return r;
}

} // namespace pulse_test

#endif
