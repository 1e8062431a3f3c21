// pulse/error.hpp: the codes are grouped by layer and never look like HTTP statuses; an error reads
// as one line with its fields.
#include <pulse/error.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>

using pulse::errc;
using pulse::error_layer;

TEST_CASE("errc: layers derive from the numbers, and no number is an HTTP status") {
    struct row {
        errc code;
        error_layer layer;
    };
    row const rows[] = {
        {errc::ok, error_layer::none},
        {errc::invalid_argument, error_layer::input},     {errc::file_error, error_layer::input},
        {errc::signature_mismatch, error_layer::input},   {errc::stale_timestamp, error_layer::input},
        {errc::future_timestamp, error_layer::input},
        {errc::json_syntax, error_layer::decode},         {errc::unexpected_shape, error_layer::decode},
        {errc::transport_failed, error_layer::transport}, {errc::tls_verification_failed, error_layer::transport},
        {errc::proxy_failed, error_layer::transport},     {errc::protocol_error, error_layer::transport},
        {errc::http_status, error_layer::http},           {errc::not_found, error_layer::http},
        {errc::gone, error_layer::http},                  {errc::server_error, error_layer::http},
        {errc::job_failed, error_layer::job},             {errc::job_expired, error_layer::job},
        {errc::canceled, error_layer::local},             {errc::partial_delivery, error_layer::local},
        {errc::memory_limit, error_layer::local},
    };
    for (auto const& r : rows) {
        CAPTURE(pulse::to_string(r.code));
        CHECK(pulse::layer_of(r.code) == r.layer);
        int const v = static_cast<int>(r.code);
        CHECK((v == 0 || v >= 1000)); // 100..599 would read as an HTTP status
        CHECK(pulse::to_string(r.code) != "unknown");
    }
}

TEST_CASE("error::to_string: one sentence, then the fields that are set") {
    pulse::error e(errc::gone, "large result download GET /large_results/j: the large result was already downloaded or has expired");
    e.http_status = 410;
    e.api_code = "GONE";
    CHECK(e.to_string() ==
          "http error (gone): large result download GET /large_results/j: the large result was already downloaded or has "
          "expired [HTTP 410] [GONE]");
    pulse::error c(errc::connect_failed, "submission POST /extract: curl: Failed to connect");
    c.attempts = 4;
    c.elapsed = std::chrono::milliseconds(6630);
    CHECK(c.to_string() == "transport error (connect_failed): submission POST /extract: curl: Failed to connect [4 attempts over 6.6 s]");
    c.elapsed = std::chrono::milliseconds(250);
    CHECK(c.to_string().ends_with("[4 attempts over 250 ms]"));
    c.attempts = 1; // one attempt: nothing to add
    CHECK(c.to_string().find("attempt") == std::string::npos);
    pulse::error d(errc::type_mismatch, "expected integer, got string", "bounding_boxes.Text[3].page_number");
    CHECK(d.to_string() == "bounding_boxes.Text[3].page_number: expected integer, got string");
}

TEST_CASE("error::redact: the secret leaves every text field") {
    pulse::error e(errc::unauthorized, "bad key sk-123 sk-123", "sk-123");
    e.api_code = "sk-123";
    e.body = "{\"key\":\"sk-123\"}";
    e.redact("sk-123");
    CHECK(e.message == "bad key [redacted] [redacted]");
    CHECK(e.path == "[redacted]");
    CHECK(e.api_code == "[redacted]");
    CHECK(e.body == "{\"key\":\"[redacted]\"}");
}
