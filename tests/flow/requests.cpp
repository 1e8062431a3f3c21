// flow/requests.hpp: URLs, headers and bodies of every request the flows send.
#include "../support/scripted.hpp"
#include "../support/temp_path.hpp"

#include <pulse/flow/requests.hpp>

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

using pulse::errc;
using pulse::http::method;

namespace {

pulse::config cfg() { return pulse_test::exact_config("k-123"); }

std::filesystem::path temp_file(std::string const& name, std::string const& content) {
    auto p = pulse_test::temp_path("pulse-flow-test-" + name);
    std::ofstream(p, std::ios::binary) << content;
    return p;
}

std::string body_of(pulse::http::request const& r) {
    auto b = r.body.to_string();
    REQUIRE(b.has_value());
    return *b;
}

} // namespace

TEST_CASE("requests: API headers, and the key set last") {
    auto c = cfg();
    c.extra_headers.set("x-api-key", "attacker-supplied");
    c.extra_headers.set("X-Trace", "t1");
    auto r = pulse::flow::api_request(c, method::get, {"job", "abc"});
    REQUIRE(r.has_value());
    CHECK(r->url == "https://api.runpulse.com/job/abc");
    CHECK(r->headers.find("x-api-key") == std::optional<std::string_view>("k-123"));
    CHECK(r->headers.find("X-Trace") == std::optional<std::string_view>("t1"));
    CHECK(r->headers.find("X-Pulse-Source") == std::optional<std::string_view>("sdk-cpp"));
    c.send_source_header = false;
    c.api_key.clear();
    auto r2 = pulse::flow::api_request(c, method::get, {"job", "abc"});
    CHECK_FALSE(r2->headers.contains("X-Pulse-Source"));
    CHECK(r2->headers.find("x-api-key") == std::optional<std::string_view>("attacker-supplied"));
}

TEST_CASE("requests: job requests encode the id as one segment; base URL with a prefix") {
    auto c = cfg();
    c.base_url = "https://gateway.example/pulse/";
    auto r = pulse::flow::job_request(c, method::delete_, "x/y z");
    REQUIRE(r.has_value());
    CHECK(r->method == method::delete_);
    CHECK(r->url == "https://gateway.example/pulse/job/x%2Fy%20z");
    CHECK(pulse::flow::job_request(c, method::get, "..").error().code == errc::invalid_argument);
}

TEST_CASE("requests: pointer URLs get the key only on the API origin") {
    auto c = cfg();
    CHECK(pulse::flow::pointer_request(c, "https://api.runpulse.com/large_results/1")->headers.contains("x-api-key"));
    CHECK_FALSE(pulse::flow::pointer_request(c, "https://s3.amazonaws.com/b/1")->headers.contains("x-api-key"));
    CHECK_FALSE(pulse::flow::pointer_request(c, "https://api.runpulse.com@evil.example/")->headers.contains("x-api-key"));
    CHECK_FALSE(pulse::flow::pointer_request(c, "https://api.runpulse.com:444/x")->headers.contains("x-api-key"));
    auto bad = pulse::flow::pointer_request(c, "not a url");
    REQUIRE(!bad.has_value());
    CHECK(bad.error().code == errc::invalid_value);
    c.base_url = "http://127.0.0.1:8080";
    CHECK(pulse::flow::pointer_request(c, "http://127.0.0.1:8080/large_results/1")->headers.contains("x-api-key"));
    CHECK_FALSE(pulse::flow::pointer_request(c, "http://127.0.0.1:8081/large_results/1")->headers.contains("x-api-key"));
}

TEST_CASE("requests: extract with a file_url is a JSON body with async=true") {
    pulse::flow::jitter_source rng(1);
    pulse::extract_options o;
    o.model = "pulse-ultra-2";
    o.figure_processing.emplace().show_images = true;
    auto r = pulse::flow::extract_request(cfg(), pulse::url("https://f.example/a.pdf"), o, rng);
    REQUIRE(r.has_value());
    CHECK(r->method == method::post);
    CHECK(r->url == "https://api.runpulse.com/extract");
    CHECK(r->headers.find("Content-Type") == std::optional<std::string_view>("application/json"));
    auto v = pulse::parse_json(body_of(*r));
    REQUIRE(v.has_value());
    auto const& o2 = v->as_object();
    CHECK(o2.at("async") == true);
    CHECK(o2.at("file_url") == "https://f.example/a.pdf");
    CHECK(o2.at("model") == "pulse-ultra-2");
    CHECK(o2.at("figure_processing").at("show_images") == true);
}

TEST_CASE("requests: an explicit async=false is kept") {
    pulse::flow::jitter_source rng(1);
    pulse::extract_options o;
    o.async = false;
    auto r = pulse::flow::extract_request(cfg(), pulse::url("https://f.example/a.pdf"), o, rng);
    REQUIRE(r.has_value());
    CHECK(body_of(*r).find(R"("async":false)") != std::string::npos);
}

TEST_CASE("requests: extract with a file is multipart; file streamed, options as text fields") {
    auto const file = temp_file("doc.pdf", "%PDF-1.7 fake");
    pulse::flow::jitter_source rng(1);
    pulse::extract_options o;
    o.pages = "1-2";
    o.refine = false;
    o.extensions.emplace().alt_outputs.emplace().return_html = true;
    o.extra.emplace("custom_flag", 5);
    auto r = pulse::flow::extract_request(cfg(), pulse::file(file), o, rng);
    REQUIRE_MESSAGE(r.has_value(), r.error().to_string());
    auto const ct = std::string(*r->headers.find("Content-Type"));
    REQUIRE(ct.rfind("multipart/form-data; boundary=", 0) == 0);
    // the file is a file segment, not bytes in memory
    bool has_file_segment = false;
    for (auto const& seg : r->body.segments())
        if (std::holds_alternative<pulse::http::file_segment>(seg)) has_file_segment = true;
    CHECK(has_file_segment);
    std::string const b = body_of(*r);
    CHECK(b.find("name=\"async\"\r\n\r\ntrue\r\n") != std::string::npos);
    CHECK(b.find("name=\"refine\"\r\n\r\nfalse\r\n") != std::string::npos);
    CHECK(b.find("name=\"pages\"\r\n\r\n1-2\r\n") != std::string::npos);
    CHECK(b.find("name=\"extensions\"\r\n\r\n{\"altOutputs\":{\"returnHtml\":true}}\r\n") != std::string::npos);
    CHECK(b.find("name=\"custom_flag\"\r\n\r\n5\r\n") != std::string::npos);
    CHECK(b.find("name=\"file\"; filename=\"pulse-flow-test-doc.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7 fake\r\n") !=
          std::string::npos);
    CHECK(b.find("file_url") == std::string::npos);
    // the same seed gives the same boundary (reproducible tests)
    pulse::flow::jitter_source rng2(1);
    auto r2 = pulse::flow::extract_request(cfg(), pulse::file(file), o, rng2);
    CHECK(r2->headers.find("Content-Type") == r->headers.find("Content-Type"));
    std::filesystem::remove(file);
}

TEST_CASE("requests: extract input errors") {
    pulse::flow::jitter_source rng(1);
    auto none = pulse::flow::extract_request(cfg(), pulse::document{}, {}, rng);
    REQUIRE(!none.has_value());
    CHECK(none.error().code == errc::invalid_argument);
    auto missing = pulse::flow::extract_request(cfg(), pulse::file("/nonexistent/file.pdf"), {}, rng);
    REQUIRE(!missing.has_value());
    CHECK(missing.error().code == errc::file_error);
    auto c = cfg();
    c.base_url = "ftp://x";
    auto bad_base = pulse::flow::extract_request(c, pulse::url("https://f/a"), {}, rng);
    REQUIRE(!bad_base.has_value());
    CHECK(bad_base.error().code == errc::invalid_argument);
}

TEST_CASE("requests: form calls") {
    pulse::flow::jitter_source rng(3);
    pulse::form_options o;
    o.form_id = "form-7";
    o.instructions = "Name: Ada";
    auto r = pulse::flow::form_request(cfg(), pulse::form_action::fill, pulse::document{}, o, rng);
    REQUIRE_MESSAGE(r.has_value(), r.error().to_string());
    CHECK(r->url == "https://api.runpulse.com/form/fill");
    std::string const b = body_of(*r);
    CHECK(b.find("name=\"form_id\"\r\n\r\nform-7\r\n") != std::string::npos);
    CHECK(b.find("name=\"instructions\"\r\n\r\nName: Ada\r\n") != std::string::npos);
    CHECK(b.find("name=\"async\"\r\n\r\ntrue\r\n") != std::string::npos);

    pulse::form_options no_instr;
    no_instr.form_id = "f";
    CHECK(pulse::flow::form_request(cfg(), pulse::form_action::fill, {}, no_instr, rng).error().code == errc::invalid_argument);
    CHECK(pulse::flow::form_request(cfg(), pulse::form_action::detect, {}, {}, rng).error().code == errc::invalid_argument);
    auto d = pulse::flow::form_request(cfg(), pulse::form_action::detect, pulse::url("https://f/x.pdf"), {}, rng);
    REQUIRE(d.has_value());
    CHECK(d->url == "https://api.runpulse.com/form/detect");
    CHECK(body_of(*d).find("name=\"file_url\"\r\n\r\nhttps://f/x.pdf\r\n") != std::string::npos);
}

TEST_CASE("requests: content type guessing") {
    using pulse::flow::detail::guess_content_type;
    CHECK(guess_content_type("a/B.PDF") == "application/pdf");
    CHECK(guess_content_type("x.jpeg") == "image/jpeg");
    CHECK(guess_content_type("x.docx").find("wordprocessingml") != std::string::npos);
    CHECK(guess_content_type("noext") == "application/octet-stream");
}
