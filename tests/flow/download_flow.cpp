// flow/download_flow.hpp: PDF, image and large-result downloads into a sink.
#include "../support/scripted.hpp"

#include <pulse/flow/download_flow.hpp>

#include <doctest/doctest.h>

using namespace pulse_test;
using pulse::errc;

namespace {

pulse::config cfg() { return exact_config("dl-key"); }

reply pdf(std::string const& bytes) {
    reply r;
    r.headers.add("Content-Type", "application/pdf");
    r.headers.add("Content-Length", std::to_string(bytes.size()));
    for (std::size_t i = 0; i < bytes.size(); i += 3) r.chunks.push_back(bytes.substr(i, 3));
    return r;
}

} // namespace

TEST_CASE("download_flow: the PDF of a form job") {
    memory_sink s;
    session ses({get("/results/job-9/pdf", pdf("%PDF-1.7 bytes"))});
    auto m = made(pulse::flow::make_pdf_download(cfg(), "job-9", s, 1));
    std::uint64_t progress = 0;
    std::optional<std::uint64_t> total;
    pulse::progress_observer obs;
    obs.on_download = [&](std::uint64_t n, std::optional<std::uint64_t> tot) {
        progress = n;
        total = tot;
    };
    m.set_observer(obs);
    auto r = ses.run(m);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    CHECK(s.bytes == "%PDF-1.7 bytes");
    CHECK(r->bytes == 14);
    CHECK(r->content_type == "application/pdf");
    CHECK(r->content_length == 14);
    CHECK(progress == 14);
    CHECK(total == 14);
    CHECK(s.completes == 1);
    CHECK(ses.t.log[0].headers.find("x-api-key") == std::optional<std::string_view>("dl-key"));
}

TEST_CASE("download_flow: an image name is one path segment") {
    memory_sink s;
    session ses({get("/results/job-9/images/..%2Fsecret%20one.png", pdf("PNG"))});
    auto m = made(pulse::flow::make_image_download(cfg(), "job-9", "../secret one.png", s, 1));
    auto r = ses.run(m);
    REQUIRE_MESSAGE(r.has_value(), err_text(r));
    CHECK(s.bytes == "PNG");
    CHECK(pulse::flow::make_image_download(cfg(), "job-9", "..", s, 1).error().code == errc::invalid_argument);
}

TEST_CASE("download_flow: retried before bytes are delivered, partial_delivery after") {
    struct row {
        char const* name;
        std::vector<step> script;
        outcome want;
        std::vector<std::chrono::milliseconds> waited;
        std::string sink_has; // what reached the sink
    };
    reply cut = pdf("%PDF-1.7 long body");
    cut.chunks.resize(2);
    cut.fail = errc::connection_reset;
    std::vector<row> const rows = {
        {"404 is not retried", {get("/results/j/pdf", json(404, R"({"error":{"message":"no PDF for this job"}})"))},
         {.code = errc::not_found, .says = {"no PDF for this job"}}, {}, ""},
        {"500 and a reset before the body are retried",
         {get("/results/j/pdf", json(500, "{}")), get("/results/j/pdf", transport_error(errc::connection_reset)),
          get("/results/j/pdf", pdf("%PDF ok"))},
         {}, {1000ms, 2000ms}, "%PDF ok"},
        {"a reset after bytes reached the sink", {get("/results/j/pdf", cut)},
         {.code = errc::partial_delivery, .bytes_delivered = 6, .never_says = {"single-use"}}, // a PDF is not single-use
         {}, "%PDF-1"},
    };
    for_each_row(rows, [](row const& x) {
        memory_sink s;
        session ses(x.script);
        auto m = made(pulse::flow::make_pdf_download(cfg(), "j", s, 1));
        check_outcome(ses.run(m), x.want);
        CHECK(ses.tr.waits == x.waited);
        CHECK(s.bytes == x.sink_has);
        CHECK(ses.t.finished());
    });
}

TEST_CASE("download_flow: the large result by job id, typed or raw") {
    std::string const body = R"({"markdown":"big","plan_info":{"tier":"t"}})";
    SUBCASE("typed") {
        session ses({get("/large_results/j-1", json(200, body))});
        auto m = made(pulse::flow::make_large_result_download(cfg(), "j-1", {}, 1));
        auto r = ses.run(m);
        REQUIRE_MESSAGE(r.has_value(), err_text(r));
        CHECK(*r->markdown == "big");
    }
    SUBCASE("raw, and 410 the second time") {
        memory_sink s;
        session ses({get("/large_results/j-1", json(200, body)),
                     get("/large_results/j-1", json(410, R"({"error":{"code":"GONE","message":"already retrieved"}})"))});
        auto m = made(pulse::flow::make_large_result_download<pulse::download_info>(cfg(), "j-1", {&s}, 1));
        auto r = ses.run(m);
        REQUIRE_MESSAGE(r.has_value(), err_text(r));
        CHECK(s.bytes == body);
        memory_sink s2;
        auto m2 = made(pulse::flow::make_large_result_download<pulse::download_info>(cfg(), "j-1", {&s2}, 1));
        check_outcome(ses.run(m2), {.code = errc::gone, .says = {"already downloaded or has expired"}});
        CHECK(s2.bytes.empty());
    }
    SUBCASE("from a URL: key only for the API origin") {
        session ses({get("https://bucket.s3.example/r.json", json(200, body))});
        auto m = made(pulse::flow::make_large_result_download_from_url(cfg(), "https://bucket.s3.example/r.json", {}, 1));
        auto r = ses.run(m);
        REQUIRE_MESSAGE(r.has_value(), err_text(r));
        CHECK_FALSE(ses.t.log[0].headers.contains("x-api-key"));
        auto bad = pulse::flow::make_large_result_download_from_url(cfg(), "javascript:alert(1)", {}, 1);
        REQUIRE(!bad.has_value());
        CHECK(bad.error().code == errc::invalid_argument);
    }
}
