#include "connection.hpp"

#include "http_util.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <span>

namespace pulse_server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using error_code = boost::system::error_code;

namespace {

constexpr std::size_t stream_buffer = 256 * 1024;  // large writes: loopback speed without per-byte work
constexpr std::size_t min_buffer = 4096;
constexpr std::uint64_t default_unknown_cut = 64 * 1024;
constexpr auto linger_after_close = std::chrono::seconds(2);

}  // namespace

connection::connection(asio::ip::tcp::socket socket, server& srv, std::uint64_t id)
    : socket_(std::move(socket)), server_(srv), timer_(socket_.get_executor()) {
    if (srv.tls()) tls_.emplace(socket_, *srv.tls());
    peer_.connection = id;
    error_code ec;
    auto ep = socket_.remote_endpoint(ec);
    if (!ec) peer_.port = ep.port();
    // Small JSON answers must not wait for Nagle + delayed ACK (40 ms per poll otherwise).
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

void connection::start() {
    if (!tls_) return read_request();
    // A client that gives up on the handshake (it refused our certificate) just goes away.
    timer_.expires_after(std::chrono::seconds(30));
    timer_.async_wait([self = shared_from_this()](error_code ec) {
        if (!ec) self->close_now();
    });
    tls_->async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](error_code ec) {
        self->timer_.cancel();
        if (ec) return self->close_now();
        if (SSL_session_reused(self->tls_->native_handle()) == 1) self->server_.note_tls_resumed();
        self->read_request();
    });
}

// ---------------------------------------------------------------------------------------------
// Reading

void connection::read_request() {
    parser_.emplace();
    parser_->header_limit(1u << 20);
    parser_->body_limit(boost::none);  // uploads stream through the multipart parser, any size
    with_stream([this](auto& s) {
        http::async_read_header(s, inbuf_, *parser_,
                                [self = shared_from_this()](error_code ec, std::size_t) { self->on_header(ec); });
    });
}

void connection::on_header(error_code ec) {
    if (ec) return on_request(ec);
    // curl sends Expect: 100-continue with big uploads and waits a second for this line.
    auto expect = parser_->get()[http::field::expect];
    if (iequals(std::string_view(expect.data(), expect.size()), "100-continue")) {
        static const std::string go = "HTTP/1.1 100 Continue\r\n\r\n";
        with_stream([this](auto& s) {
            asio::async_write(s, asio::buffer(go), [self = shared_from_this()](error_code ec2, std::size_t) {
                if (ec2) return self->close_now();
                self->read_body();
            });
        });
        return;
    }
    read_body();
}

void connection::read_body() {
    with_stream([this](auto& s) {
        http::async_read(s, inbuf_, *parser_, [self = shared_from_this()](error_code ec, std::size_t) { self->on_request(ec); });
    });
}

void connection::on_request(error_code ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::eof) return close_now();
    if (ec && ec.category() == http::make_error_code(http::error::bad_target).category()) {
        // Not HTTP we can parse: say so, then hang up (the stream position is lost).
        keep_alive_ = false;
        return respond(server_.malformed_request(ec.message()));
    }
    if (ec) return close_now();
    keep_alive_ = parser_->get().keep_alive();
    respond(server_.handle(parser_->get(), peer_));
}

// ---------------------------------------------------------------------------------------------
// Writing

void connection::respond(response_plan plan) {
    plan_ = std::move(plan);
    head_sent_ = false;
    sent_ = 0;
    size_ = plan_.body ? plan_.body->size() : std::optional<std::uint64_t>(0);
    chunked_ = plan_.how.chunked || !size_;
    if (plan_.how.close) keep_alive_ = false;

    // Where the body breaks: as asked, else halfway (or 64 KiB into a body of unknown length).
    using k = delivery::breakage;
    cut_.reset();
    if (plan_.how.kind == k::reset_mid_body || plan_.how.kind == k::stall_mid_body || plan_.how.kind == k::short_body)
        cut_ = plan_.how.cut ? *plan_.how.cut : (size_ ? *size_ / 2 : default_unknown_cut);

    head_ = "HTTP/1.1 " + std::to_string(plan_.status) + " " + reason_phrase(plan_.status) + "\r\n";
    head_ += "Server: pulse-server\r\nDate: " + http_date(std::chrono::system_clock::now()) + "\r\n";
    for (const auto& [name, value] : plan_.headers) head_ += name + ": " + value + "\r\n";
    if (chunked_) head_ += "Transfer-Encoding: chunked\r\n";
    else head_ += "Content-Length: " + std::to_string(*size_) + "\r\n";
    head_ += keep_alive_ ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";

    // Big bodies get one large buffer (released when the response is done); small ones a buffer of
    // their own size.
    const bool big = !size_ || *size_ > stream_buffer;
    const std::size_t want = big ? stream_buffer : std::max<std::size_t>(static_cast<std::size_t>(*size_), min_buffer);
    if (buf_.size() < want) buf_.resize(want);

    if (plan_.how.delay_ms > 0) {
        timer_.expires_after(std::chrono::milliseconds(plan_.how.delay_ms));
        timer_.async_wait([self = shared_from_this()](error_code ec) {
            if (!ec) self->begin_response();
        });
        return;
    }
    begin_response();
}

void connection::begin_response() {
    if (plan_.how.kind == delivery::breakage::reset) return reset_now();
    write_next();
}

// One write: the head (first time), then the next piece of body, framed when chunked.
void connection::write_next() {
    const bool at_cut_point = cut_ && sent_ >= *cut_;
    if (at_cut_point && head_sent_) return at_cut();

    std::size_t want = buf_.size();
    if (plan_.how.slow_chunk) want = static_cast<std::size_t>(std::min<std::uint64_t>(want, plan_.how.slow_chunk));
    if (cut_) want = static_cast<std::size_t>(std::min<std::uint64_t>(want, *cut_ - std::min(sent_, *cut_)));
    std::size_t n = 0;
    if (want > 0 && plan_.body) {
        try {
            n = plan_.body->read(buf_.data(), want);
        } catch (const std::exception&) {
            return reset_now();  // the body cannot be produced: the client must see a broken response
        }
    }
    if (n == 0 && !at_cut_point) return finish_body();

    std::size_t count = 0;
    if (!head_sent_) out_[count++] = asio::buffer(head_);
    if (n > 0) {
        if (chunked_) {
            char hex[24];
            int len = std::snprintf(hex, sizeof hex, "%zx\r\n", n);
            chunk_head_.assign(hex, static_cast<std::size_t>(len));
            out_[count++] = asio::buffer(chunk_head_);
        }
        out_[count++] = asio::buffer(buf_.data(), n);
        if (chunked_) out_[count++] = asio::buffer("\r\n", 2);
    }
    head_sent_ = true;
    sent_ += n;
    with_stream([this, count](auto& s) {
        asio::async_write(s, std::span<const asio::const_buffer>(out_.data(), count),
                          [self = shared_from_this()](error_code ec, std::size_t) {
                              if (ec) return self->close_now();
                              if (self->plan_.how.slow_chunk && self->plan_.how.slow_ms) {
                                  // Drip-feed: a timer between pieces, never a sleep.
                                  self->timer_.expires_after(std::chrono::milliseconds(self->plan_.how.slow_ms));
                                  self->timer_.async_wait([self](error_code ec2) {
                                      if (!ec2) self->write_next();
                                  });
                                  return;
                              }
                              self->write_next();
                          });
    });
}

void connection::at_cut() {
    using k = delivery::breakage;
    switch (plan_.how.kind) {
    case k::reset_mid_body: return reset_now();
    case k::short_body: return graceful_close();  // FIN before Content-Length bytes: a short body
    case k::stall_mid_body:
        // Keep the socket open and silent, then carry on as if nothing happened.
        cut_.reset();
        timer_.expires_after(std::chrono::milliseconds(plan_.how.stall_ms));
        timer_.async_wait([self = shared_from_this()](error_code ec) {
            if (!ec) self->write_next();
        });
        return;
    default: return finish_body();
    }
}

void connection::finish_body() {
    tail_.clear();
    if (!head_sent_) tail_ = head_;
    if (chunked_) tail_ += "0\r\n\r\n";
    if (plan_.how.kind == delivery::breakage::long_body) {
        // Bytes past the announced end, then a close: the client must not take them as the next response.
        static const std::string junk = "{\"excess\":\"bytes beyond Content-Length\"}\n";
        for (std::uint64_t i = 0; i < plan_.how.excess; ++i) tail_.push_back(junk[i % junk.size()]);
    }
    head_sent_ = true;
    if (tail_.empty()) return complete();
    with_stream([this](auto& s) {
        asio::async_write(s, asio::buffer(tail_), [self = shared_from_this()](error_code ec, std::size_t) {
            if (ec) return self->close_now();
            self->complete();
        });
    });
}

void connection::complete() {
    const bool excess = plan_.how.kind == delivery::breakage::long_body;
    const bool shutdown = plan_.shutdown_after;
    plan_ = response_plan{};  // let go of the body (and any file it holds open) now
    // An idle keep-alive connection should not sit on a 256 KiB stream buffer: a thousand of them
    // would hold 256 MB. The next big body allocates it again, which is nothing next to sending it.
    if (buf_.size() > min_buffer) std::vector<char>().swap(buf_);
    if (shutdown) {
        server_.stop();
        return;
    }
    if (excess || !keep_alive_) return graceful_close();
    read_request();
}

// ---------------------------------------------------------------------------------------------
// Closing

void connection::reset_now() {
    // SO_LINGER with a zero timeout turns close() into a RST: the peer sees "connection reset".
    error_code ec;
    socket_.set_option(asio::socket_base::linger(true, 0), ec);
    close_now();  // runs on_abort first, so the result is released before the client sees the reset
}

void connection::graceful_close() {
    if (tls_) {
        // TLS: close_notify first, so the client sees a clean end of stream (not a truncation),
        // then the TCP close below. The timer bounds a client that never answers.
        timer_.expires_after(linger_after_close);
        timer_.async_wait([self = shared_from_this()](error_code ec) {
            if (!ec) self->close_now();
        });
        tls_->async_shutdown([self = shared_from_this()](error_code) { self->close_tcp_gracefully(); });
        return;
    }
    close_tcp_gracefully();
}

void connection::close_tcp_gracefully() {
    // FIN first, then read until the peer closes (or a short timeout): closing with unread input
    // would make the kernel send a RST that can destroy the tail of what we just sent.
    error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    if (ec) return close_now();
    timer_.expires_after(linger_after_close);
    timer_.async_wait([self = shared_from_this()](error_code ec2) {
        if (!ec2) self->close_now();
    });
    drain_until_closed();
}

void connection::drain_until_closed() {
    if (buf_.size() < min_buffer) buf_.resize(min_buffer);
    socket_.async_read_some(asio::buffer(buf_), [self = shared_from_this()](error_code ec, std::size_t) {
        if (ec) return self->close_now();
        self->drain_until_closed();
    });
}

void connection::close_now() {
    if (plan_.on_abort) {
        auto release = std::move(plan_.on_abort);
        plan_.on_abort = nullptr;
        release();
    }
    error_code ec;
    timer_.cancel();
    socket_.close(ec);
}

}  // namespace pulse_server
