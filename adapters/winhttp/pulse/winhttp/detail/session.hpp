// SPDX-License-Identifier: MIT
//
// A WinHTTP session handle set up from transport_options: how it finds its proxy, which TLS
// versions it speaks, and which status callback it reports to.
//
// Proxies (transport_options::proxy and no_proxy; the adapter picks a session per request):
// - proxy unset: the system's settings. WINHTTP_ACCESS_TYPE_AUTOMATIC_PROXY (Windows 8.1 and later:
//   the user's proxy settings, automatic configuration scripts and WPAD included, with their own
//   bypass list); where Windows refuses that access type, WINHTTP_ACCESS_TYPE_DEFAULT_PROXY (the
//   machine's WinHTTP settings, `netsh winhttp set proxy`). Windows' WinHTTP does not read
//   http_proxy/https_proxy/no_proxy from the environment (Wine's does, for the default type);
//   pulse::config::from_env() puts those into transport_options instead.
// - "": WINHTTP_ACCESS_TYPE_NO_PROXY: always a direct connection.
// - "http://[user:password@]host[:port]" (or "host[:port]"): that proxy for every request whose
//   host http::proxy_for() does not exempt by no_proxy (those go direct), http and https
//   (tunnelled with CONNECT), loopback included; port 80 when none is given. The user name and
//   password (percent-decoded) answer the proxy's authentication. WinHTTP talks to proxies over
//   plain HTTP only: https:// and socks proxies are refused (errc::invalid_argument), as is anything
//   with a path, query or fragment.
//
// TLS: 1.2 and 1.3 where the system offers 1.3, else 1.2 only.
//
// Internal: names and signatures here may change without notice.
#ifndef PULSE_WINHTTP_DETAIL_SESSION_HPP
#define PULSE_WINHTTP_DETAIL_SESSION_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/error.hpp>
#include <pulse/http/detail/parse_uri.hpp>
#include <pulse/http/headers.hpp>
#include <pulse/http/transport.hpp>
#include <pulse/winhttp/detail/api.hpp>

#include <boost/url/url_view.hpp>

#include <windows.h>
#include <winhttp.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>

PULSE_NAMESPACE_BEGIN
namespace winhttp::detail {

/// How a session reaches the network.
struct proxy_setup {
    DWORD access = WINHTTP_ACCESS_TYPE_AUTOMATIC_PROXY;
    std::wstring server;   ///< "host:port" for WINHTTP_ACCESS_TYPE_NAMED_PROXY
    std::wstring user;     ///< proxy credentials, from the proxy URL's userinfo
    std::wstring password;

    friend bool operator==(proxy_setup const&, proxy_setup const&) = default;
};

/// The system's settings (see the file comment).
inline proxy_setup system_settings() { return proxy_setup{}; }

/// A direct connection.
inline proxy_setup direct_connection() {
    proxy_setup p;
    p.access = WINHTTP_ACCESS_TYPE_NO_PROXY;
    return p;
}

/// The named proxy of a proxy URL (see the file comment for what is accepted).
inline result<proxy_setup> named_proxy(std::string const& proxy) {
    proxy_setup p;
    std::string text = proxy;
    if (text.find("://") == std::string::npos) text = "http://" + text;
    auto const bad = [&](char const* why) {
        // The proxy URL may hold a password: say what is wrong, never echo it.
        return error(errc::invalid_argument, std::string("winhttp: transport_options::proxy: ") + why);
    };
    auto parsed = http::detail::parse_uri_strict(text);
    if (!parsed) return bad("not a URL");
    boost::urls::url_view const& u = *parsed;
    if (!http::iequals(std::string_view(u.scheme().data(), u.scheme().size()), "http"))
        return bad("WinHTTP reaches proxies over plain HTTP only (http://host:port)");
    auto const host = u.encoded_host(); // an IPv6 literal keeps its brackets: "[::1]:8080"
    if (host.empty()) return bad("no host");
    if (!(u.encoded_path().empty() || u.encoded_path() == "/") || u.has_query() || u.has_fragment())
        return bad("a proxy URL is a scheme, host and port only");
    std::string server(host.data(), host.size());
    server += ":";
    if (u.has_port() && !u.port().empty()) server.append(u.port().data(), u.port().size());
    else server += "80";
    auto w = widen(server);
    if (!w) return bad("the host is not UTF-8");
    p.access = WINHTTP_ACCESS_TYPE_NAMED_PROXY;
    p.server = std::move(*w);
    if (u.has_userinfo()) {
        auto user = widen(u.user());
        auto pass = widen(u.password());
        if (!user || !pass) return bad("the user name or password is not UTF-8");
        p.user = std::move(*user);
        p.password = std::move(*pass);
    }
    return p;
}

/// One WinHTTP session handle in asynchronous mode, closed when the last owner lets go (the
/// transport and every transfer started on it share it).
class session {
public:
    session(session const&) = delete;
    session& operator=(session const&) = delete;
    ~session() {
        if (handle_) ::WinHttpCloseHandle(handle_);
    }

    /// Opens a session with `proxy`, reporting to `callback`. The user agent is the one WinHTTP
    /// sends when a request sets none (requests set their own, see async_transport.hpp).
    static result<std::shared_ptr<session>> open(proxy_setup const& proxy, std::string const& user_agent,
                                                 WINHTTP_STATUS_CALLBACK callback) {
        auto agent = widen(user_agent);
        if (!agent) return error(errc::invalid_argument, "winhttp: transport_options::user_agent is not UTF-8");
        wchar_t const* agent_p = agent->empty() ? nullptr : agent->c_str();
        HINTERNET h = nullptr;
        if (proxy.access == WINHTTP_ACCESS_TYPE_NAMED_PROXY) {
            h = ::WinHttpOpen(agent_p, WINHTTP_ACCESS_TYPE_NAMED_PROXY, proxy.server.c_str(), WINHTTP_NO_PROXY_BYPASS, WINHTTP_FLAG_ASYNC);
        } else {
            h = ::WinHttpOpen(agent_p, proxy.access, WINHTTP_NO_PROXY_NAME, WINHTTP_NO_PROXY_BYPASS, WINHTTP_FLAG_ASYNC);
            if (!h && proxy.access == WINHTTP_ACCESS_TYPE_AUTOMATIC_PROXY) // before Windows 8.1
                h = ::WinHttpOpen(agent_p, WINHTTP_ACCESS_TYPE_DEFAULT_PROXY, WINHTTP_NO_PROXY_NAME, WINHTTP_NO_PROXY_BYPASS,
                                  WINHTTP_FLAG_ASYNC);
        }
        if (!h) {
            DWORD const code = ::GetLastError();
            error e(errc::transport_failed, "winhttp: WinHttpOpen failed: " + message_of(code));
            e.native_code = static_cast<int>(code);
            return e;
        }
        std::shared_ptr<session> s(new session(h, proxy));
        DWORD protocols = WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_2 | WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_3;
        if (!::WinHttpSetOption(h, WINHTTP_OPTION_SECURE_PROTOCOLS, &protocols, sizeof protocols)) {
            protocols = WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_2;
            ::WinHttpSetOption(h, WINHTTP_OPTION_SECURE_PROTOCOLS, &protocols, sizeof protocols);
        }
        DWORD const notes = WINHTTP_CALLBACK_FLAG_ALL_COMPLETIONS | WINHTTP_CALLBACK_FLAG_SEND_REQUEST |
                            WINHTTP_CALLBACK_FLAG_RECEIVE_RESPONSE | WINHTTP_CALLBACK_FLAG_HANDLES |
                            WINHTTP_CALLBACK_FLAG_SECURE_FAILURE | WINHTTP_CALLBACK_FLAG_CONNECT_TO_SERVER;
        if (::WinHttpSetStatusCallback(h, callback, notes, 0) == WINHTTP_INVALID_STATUS_CALLBACK) {
            DWORD const code = ::GetLastError();
            error e(errc::transport_failed, "winhttp: WinHttpSetStatusCallback failed: " + message_of(code));
            e.native_code = static_cast<int>(code);
            return e;
        }
        return s;
    }

    HINTERNET handle() const noexcept { return handle_; }
    proxy_setup const& proxy() const noexcept { return proxy_; }

private:
    session(HINTERNET h, proxy_setup p) : handle_(h), proxy_(std::move(p)) {}

    HINTERNET handle_ = nullptr;
    proxy_setup proxy_;
};

} // namespace winhttp::detail
PULSE_NAMESPACE_END

#endif
