// The local pulse-server's counters (GET /__stats), read by the benchmarks over a connection of
// their own: requests and new connections the server saw, and TLS handshakes that resumed a
// session. -1 / 0 when the server could not be asked.
#pragma once

#include <pulse/curl/transport.hpp>
#include <pulse/http/body_sinks.hpp>

#include <boost/json/parse.hpp>

#include <string>

namespace pulse_bench {

struct server_stats {
    long long requests = -1;
    long long connections = -1;
    long long tls_resumed = 0;
};

/// `options`: what the benchmark's own client uses (the test CA over HTTPS).
inline server_stats read_server_stats(std::string const& base_url, pulse::http::transport_options const& options) {
    pulse::curl::easy_transport t(options);
    pulse::http::request r;
    r.url = base_url + "/__stats";
    pulse::http::string_sink s;
    if (!t.perform(r, s)) return {};
    boost::system::error_code ec;
    auto const v = boost::json::parse(s.body(), ec);
    if (ec || !v.is_object()) return {};
    auto const& o = v.get_object();
    server_stats st;
    if (auto const* n = o.if_contains("requests")) st.requests = n->to_number<long long>(ec);
    if (auto const* n = o.if_contains("connections")) st.connections = n->to_number<long long>(ec);
    if (auto const* n = o.if_contains("tls_resumed")) st.tls_resumed = n->to_number<long long>(ec);
    return st;
}

} // namespace pulse_bench
