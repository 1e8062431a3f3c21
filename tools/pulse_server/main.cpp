// pulse-server: a local Pulse-compatible HTTP server for tests, benchmarks and demos.
// See README.md in this folder for the endpoints and the scenario grammar.
#include "options.hpp"
#include "server.hpp"

#include "sample_result.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

namespace {

// A thousand concurrent test connections, each maybe streaming a file, need more than the usual
// 1024 descriptors; take whatever the hard limit allows.
void raise_descriptor_limit() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

}  // namespace

int main(int argc, char** argv) {
    pulse_server::options opt;
    std::string message;
    switch (pulse_server::parse_command_line(argc, argv, opt, message)) {
    case pulse_server::parse_outcome::help: std::fputs(pulse_server::usage_text(), stdout); return 0;
    case pulse_server::parse_outcome::error:
        std::fprintf(stderr, "pulse-server: %s\n\n%s", message.c_str(), pulse_server::usage_text());
        return 2;
    case pulse_server::parse_outcome::run: break;
    }
    if (opt.write_sample) {
        pulse_sample::writer w({opt.sample_megabytes, opt.sample_seed, opt.sample_full_precision});
        pulse_sample::stats st;
        if (!w.write_file(opt.sample_out, st)) {
            std::fprintf(stderr, "pulse-server: cannot write %s\n", opt.sample_out.c_str());
            return 1;
        }
        std::fprintf(stderr, "wrote %s: %llu bytes, %llu pages, %llu words\n", opt.sample_out.c_str(),
                     static_cast<unsigned long long>(st.bytes), static_cast<unsigned long long>(st.pages),
                     static_cast<unsigned long long>(st.words));
        return 0;
    }
    std::signal(SIGPIPE, SIG_IGN);  // a vanished client is an error code, not a dead server
    raise_descriptor_limit();

    try {
        boost::asio::io_context ioc(static_cast<int>(opt.threads));
        const unsigned threads = opt.threads;
        const bool opt_exit_on_eof = opt.exit_on_stdin_eof;
        pulse_server::server srv(ioc, std::move(opt));

        boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
        signals.async_wait([&srv](boost::system::error_code ec, int) {
            if (!ec) srv.stop();
        });

        // A harness that crashes cannot send SIGTERM; the end of its pipe on our stdin says it.
        boost::asio::posix::stream_descriptor harness(ioc);
        char sink[64];
        std::function<void(boost::system::error_code, std::size_t)> on_stdin;
        if (opt_exit_on_eof) {
            harness.assign(::dup(STDIN_FILENO));
            on_stdin = [&](boost::system::error_code ec, std::size_t) {
                if (ec) { // end of file or the pipe broke: either way the harness is gone
                    srv.stop();
                    return;
                }
                harness.async_read_some(boost::asio::buffer(sink), on_stdin);
            };
            harness.async_read_some(boost::asio::buffer(sink), on_stdin);
        }

        srv.start();
        std::printf("listening on 127.0.0.1:%u\n", static_cast<unsigned>(srv.port()));
        std::fflush(stdout);

        std::vector<std::thread> pool;
        for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
        ioc.run();
        for (auto& t : pool) t.join();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "pulse-server: %s\n", e.what());
        return 1;
    }
    return 0;
}
