// One client TCP connection: reads requests with Beast (keep-alive, pipelining, Expect: 100-continue),
// asks the server what to answer, and writes the answer itself so that faults can break the wire
// format on purpose (reset, stall, short or long bodies, drip-feeding). Everything is asynchronous
// and timer-driven on the connection's strand: a stalled or slow response never holds up another
// connection. With --tls-cert the same connection runs over TLS: every read and write goes through
// with_stream(), the socket itself stays reachable for RST/FIN faults.
#pragma once

#include "response.hpp"
#include "server.hpp"
#include "upload_body.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pulse_server {

class connection : public std::enable_shared_from_this<connection> {
public:
    connection(boost::asio::ip::tcp::socket socket, server& srv, std::uint64_t id);
    void start();

private:
    // Calls f with the stream to read and write: the TLS stream when serving HTTPS, else the socket.
    template <class F>
    void with_stream(F&& f) {
        if (tls_) f(*tls_);
        else f(socket_);
    }
    void read_request();
    void on_header(boost::system::error_code ec);
    void read_body();
    void on_request(boost::system::error_code ec);
    void respond(response_plan plan);
    void begin_response();
    void write_next();
    void at_cut();
    void finish_body();
    void complete();
    void reset_now();
    void graceful_close();
    void close_tcp_gracefully();
    void drain_until_closed();
    void close_now();

    boost::asio::ip::tcp::socket socket_;
    std::optional<boost::beast::ssl_stream<boost::asio::ip::tcp::socket&>> tls_;  // over socket_, with TLS
    server& server_;
    peer_info peer_;
    boost::asio::steady_timer timer_;
    boost::beast::flat_buffer inbuf_;
    std::optional<boost::beast::http::request_parser<upload_body>> parser_;
    bool keep_alive_ = true;

    // The response being written.
    response_plan plan_;
    std::string head_;
    bool head_sent_ = false;
    bool chunked_ = false;
    std::optional<std::uint64_t> size_;  // body size when known
    std::optional<std::uint64_t> cut_;   // where a breakage or stall happens
    std::uint64_t sent_ = 0;             // body bytes written (before chunk framing)
    std::vector<char> buf_;
    std::string chunk_head_;
    std::string tail_;
    std::array<boost::asio::const_buffer, 4> out_;  // what the pending write sends (must outlive it)
};

}  // namespace pulse_server
