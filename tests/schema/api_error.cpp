#include <pulse/schema/api_error.hpp>
#include <pulse/schema/codec.hpp>

#include "test_util.hpp"

#include <doctest/doctest.h>

using namespace pulse_test;

TEST_CASE("read_api_error: the documented envelope") {
    auto e = pulse::read_api_error(api_fixture("error-400.json"));
    CHECK(e.code == "REQ_006");
    CHECK(e.message == "Invalid page range");
    REQUIRE(e.details.has_value());
    CHECK(e.details->at("page_count") == 12);
    check_round_trip<pulse::error_envelope>(parse_or_fail(api_fixture("error-400.json")));

    auto gone = pulse::read_api_error(api_fixture("error-410.json"));
    CHECK(gone.code == "GONE");
    CHECK(gone.message == "This result was already downloaded or has expired");
    CHECK_FALSE(gone.details.has_value());
}

TEST_CASE("read_api_error: the looser shapes real servers send") {
    auto gone = pulse::read_api_error(R"({"error":{"code":"GONE","message":"Result already fetched or expired"}})");
    CHECK(gone.code == "GONE");
    CHECK(gone.message == "Result already fetched or expired");

    auto flat = pulse::read_api_error(R"({"error": "No file or URL provided", "code": "REQ_001"})");
    CHECK(flat.message == "No file or URL provided");
    CHECK(flat.code == "REQ_001");

    auto detail = pulse::read_api_error(R"({"detail": "Not authenticated"})");
    CHECK(detail.message == "Not authenticated");
    CHECK_FALSE(detail.code.has_value());

    auto structured_detail = pulse::read_api_error(R"({"detail": [{"loc": ["body"], "msg": "bad"}]})");
    REQUIRE(structured_detail.message.has_value());
    CHECK(structured_detail.message->find("\"msg\":\"bad\"") != std::string::npos);

    auto msg = pulse::read_api_error(R"({"message": "Internal Server Error"})");
    CHECK(msg.message == "Internal Server Error");

    auto numeric_code = pulse::read_api_error(R"({"error": {"code": 42, "message": "x"}})");
    CHECK(numeric_code.code == "42");

    auto text = pulse::read_api_error("  <html><body>502 Bad Gateway</body></html>\n");
    CHECK(text.message == "<html><body>502 Bad Gateway</body></html>");

    auto truncated = pulse::read_api_error(R"({"error": {"code": "X", "mess)");
    REQUIRE(truncated.message.has_value());
    CHECK(truncated.message->starts_with("{\"error\""));

    CHECK_FALSE(pulse::read_api_error("").message.has_value());
    CHECK_FALSE(pulse::read_api_error(" \r\n").message.has_value());
    CHECK(pulse::read_api_error(std::string(10000, 'x')).message->size() == 512);
    CHECK(pulse::read_api_error(R"("just a string")").message == "just a string");
    CHECK(pulse::read_api_error("[1,2]").message == "[1,2]"); // other JSON: the text itself
}
