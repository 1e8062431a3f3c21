// A project's own blocking transport -- here an engine's HTTP module that happens to sit on the
// libcurl adapter and adds a header of its own -- checked by the library's conformance suite.
#include <transport_conformance.hpp>

#include <pulse/curl/transport.hpp>

#include <utility>

namespace engine {

class http_module {
public:
    explicit http_module(pulse::http::transport_options o) : inner_(std::move(o)) {}
    pulse::result<void> perform(pulse::http::request const& req, pulse::http::response_handler& h) {
        pulse::http::request copy = req;
        copy.headers.add("X-Engine-Frame", "42");
        return inner_.perform(copy, h);
    }

private:
    pulse::curl::easy_transport inner_;
};

static_assert(pulse::http::blocking_transport<http_module>);

} // namespace engine

TEST_CASE("engine http_module: the transport conformance suite") {
    pulse_test::run_transport_conformance<engine::http_module>(
        [](pulse::http::transport_options o) { return engine::http_module(std::move(o)); });
}
