// flow/download_flow.hpp: PDF, image and large-result downloads into a sink.
#include "../support/scripted.hpp"

#include <pulse/flow/download_flow.hpp>

#include <doctest/doctest.h>

using namespace pulse_test;
using pulse::errc;
using pulse::http::method;

namespace {

pulse::config cfg() {
    pulse::config c;
    c.api_key = "dl-key";
    c.policies.download.backoff.jitter = 0;
    return c;
}

struct sink final : pulse::http::response_handler {
    std::string bytes;
    int completes = 0;
    pulse::http::sink_action on_head(pulse::http::response_head const&) override { return pulse::http::sink_action::proceed; }
    pulse::http::sink_action on_body(std::string_view c) override {
        bytes.append(c);
        return pulse::http::sink_action::proceed;
    }
    void on_complete(pulse::result<void>) override { ++completes; }
};

reply pdf(std::string const& bytes) {
    reply r;
    r.headers.add("Content-Type", "application/pdf");
    r.headers.add("Content-Length", std::to_string(bytes.size()));
    for (std::size_t i = 0; i < bytes.size(); i += 3) r.chunks.push_back(bytes.substr(i, 3));
    return r;
}

} // namespace

TEST_CASE("download_flow: the PDF of a form job") {
    sink s;
    scripted_transport t;
    t.then(method::get, "/results/job-9/pdf", pdf("%PDF-1.7 bytes"));
    auto m = pulse::flow::make_pdf_download(cfg(), "job-9", s, 1);
    REQUIRE(m.has_value());
    std::uint64_t progress = 0;
    std::optional<std::uint64_t> total;
    pulse::progress_observer obs;
    obs.on_download = [&](std::uint64_t n, std::optional<std::uint64_t> tot) {
        progress = n;
        total = tot;
    };
    m->set_observer(obs);
    time_point now = t0();
    auto r = drive(*m, t, now);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    CHECK(s.bytes == "%PDF-1.7 bytes");
    CHECK(r->bytes == 14);
    CHECK(r->content_type == "application/pdf");
    CHECK(r->content_length == 14);
    CHECK(progress == 14);
    CHECK(total == 14);
    CHECK(s.completes == 1);
    CHECK(t.log[0].headers.find("x-api-key") == std::optional<std::string_view>("dl-key"));
}

TEST_CASE("download_flow: an image name is one path segment") {
    sink s;
    scripted_transport t;
    t.then(method::get, "/results/job-9/images/..%2Fsecret%20one.png", pdf("PNG"));
    auto m = pulse::flow::make_image_download(cfg(), "job-9", "../secret one.png", s, 1);
    REQUIRE(m.has_value());
    time_point now = t0();
    auto r = drive(*m, t, now);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    CHECK(s.bytes == "PNG");
    CHECK(pulse::flow::make_image_download(cfg(), "job-9", "..", s, 1).error().code == errc::invalid_argument);
}

TEST_CASE("download_flow: retried before bytes are delivered, partial_delivery after") {
    SUBCASE("404 is not retried") {
        sink s;
        scripted_transport t;
        t.then(method::get, "/results/j/pdf", json(404, R"({"error":{"message":"no PDF for this job"}})"));
        auto m = pulse::flow::make_pdf_download(cfg(), "j", s, 1);
        time_point now = t0();
        auto r = drive(*m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::not_found);
        CHECK(r.error().message.find("no PDF for this job") != std::string::npos);
        CHECK(s.bytes.empty());
    }
    SUBCASE("500 and a reset before the body are retried") {
        sink s;
        scripted_transport t;
        t.then(method::get, "/results/j/pdf", json(500, "{}"))
            .then(method::get, "/results/j/pdf", transport_error(errc::connection_reset))
            .then(method::get, "/results/j/pdf", pdf("%PDF ok"));
        auto m = pulse::flow::make_pdf_download(cfg(), "j", s, 1);
        time_point now = t0();
        trace tr;
        auto r = drive(*m, t, now, &tr);
        REQUIRE_MESSAGE(r.has_value(), err_text(r));
        CHECK(s.bytes == "%PDF ok");
        CHECK(tr.waits == std::vector<std::chrono::milliseconds>{1000ms, 2000ms});
    }
    SUBCASE("a reset after bytes reached the sink") {
        sink s;
        scripted_transport t;
        reply broken = pdf("%PDF-1.7 long body");
        broken.chunks.resize(2);
        broken.fail = errc::connection_reset;
        t.then(method::get, "/results/j/pdf", broken);
        auto m = pulse::flow::make_pdf_download(cfg(), "j", s, 1);
        time_point now = t0();
        auto r = drive(*m, t, now);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == errc::partial_delivery);
        CHECK(r.error().bytes_delivered == 6);
        CHECK(r.error().message.find("single-use") == std::string::npos); // a PDF is not single-use
        CHECK(s.bytes == "%PDF-1");
        CHECK(t.finished());
    }
}

TEST_CASE("download_flow: the large result by job id, typed or raw") {
    std::string const body = R"({"markdown":"big","plan_info":{"tier":"t"}})";
    SUBCASE("typed") {
        scripted_transport t;
        t.then(method::get, "/large_results/j-1", json(200, body));
        auto m = pulse::flow::make_large_result_download(cfg(), "j-1", {}, 1);
        REQUIRE(m.has_value());
        time_point now = t0();
        auto r = drive(*m, t, now);
        REQUIRE_MESSAGE(r.has_value(), err_text(r));
        CHECK(*r->markdown == "big");
    }
    SUBCASE("raw, and 410 the second time") {
        sink s;
        scripted_transport t;
        t.then(method::get, "/large_results/j-1", json(200, body))
            .then(method::get, "/large_results/j-1", json(410, R"({"error":{"code":"GONE","message":"already retrieved"}})"));
        auto m = pulse::flow::make_large_result_download<pulse::download_info>(cfg(), "j-1", {&s}, 1);
        REQUIRE(m.has_value());
        time_point now = t0();
        auto r = drive(*m, t, now);
        REQUIRE_MESSAGE(r.has_value(), err_text(r));
        CHECK(s.bytes == body);
        sink s2;
        auto m2 = pulse::flow::make_large_result_download<pulse::download_info>(cfg(), "j-1", {&s2}, 1);
        auto r2 = drive(*m2, t, now);
        REQUIRE(!r2.has_value());
        CHECK(r2.error().code == errc::gone);
        CHECK(r2.error().message.find("already downloaded or has expired") != std::string::npos);
        CHECK(s2.bytes.empty());
    }
    SUBCASE("from a URL: key only for the API origin") {
        scripted_transport t;
        t.then(method::get, "https://bucket.s3.example/r.json", json(200, body));
        auto m = pulse::flow::make_large_result_download_from_url(cfg(), "https://bucket.s3.example/r.json", {}, 1);
        REQUIRE(m.has_value());
        time_point now = t0();
        auto r = drive(*m, t, now);
        REQUIRE_MESSAGE(r.has_value(), err_text(r));
        CHECK_FALSE(t.log[0].headers.contains("x-api-key"));
        auto bad = pulse::flow::make_large_result_download_from_url(cfg(), "javascript:alert(1)", {}, 1);
        REQUIRE(!bad.has_value());
        CHECK(bad.error().code == errc::invalid_argument);
    }
}
