// What tests written as tables share: a row per case, each run in a SUBCASE named by the row
// (for_each_row), and the outcome a call must end with (struct outcome, check_outcome) -- a value,
// or an error with its code and whichever of its other fields the row names.
#pragma once

#include <pulse/error.hpp>

#include <doctest/doctest.h>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace pulse_test {

/// A result's error as text, for messages ("<value>" when there is none).
template <class R>
std::string err_text(R const& r) {
    return r.has_value() ? std::string("<value>") : r.error().to_string();
}

/// Runs `check(row)` once per row, each in a SUBCASE named by the row's `name`, so a failing row
/// names itself (and a REQUIRE that stops one row does not hide the others).
template <class Rows, class Check>
void for_each_row(Rows const& rows, Check check) {
    for (auto const& row : rows) {
        SUBCASE(std::string(row.name).c_str()) { check(row); }
    }
}

/// How a run must end. errc::ok: with a value. Otherwise with an error of that code, and whichever
/// of the other fields are set.
struct outcome {
    pulse::errc code = pulse::errc::ok;
    std::optional<int> http_status = {};
    std::optional<std::string> api_code = {};
    std::optional<std::string> path = {};
    std::optional<pulse::error_layer> layer = {};
    std::optional<std::size_t> bytes_delivered = {};
    std::vector<std::string> says = {};       ///< each is in the error's message
    std::vector<std::string> never_says = {}; ///< none is in the error's message
};

template <class R>
void check_outcome(R const& r, outcome const& want) {
    if (want.code == pulse::errc::ok) {
        REQUIRE_MESSAGE(r.has_value(), err_text(r));
        return;
    }
    REQUIRE_MESSAGE(!r.has_value(), "expected " << std::string(pulse::to_string(want.code)));
    auto const& e = r.error();
    INFO("error: " << e.to_string());
    CHECK(e.code == want.code);
    if (want.http_status) CHECK(e.http_status == *want.http_status);
    if (want.api_code) CHECK(e.api_code == *want.api_code);
    if (want.path) CHECK(e.path == *want.path);
    if (want.layer) CHECK(e.layer() == *want.layer);
    if (want.bytes_delivered) CHECK(e.bytes_delivered == *want.bytes_delivered);
    for (auto const& s : want.says) CHECK_MESSAGE(e.message.find(s) != std::string::npos, "says: " << s);
    for (auto const& s : want.never_says) CHECK_MESSAGE(e.message.find(s) == std::string::npos, "never says: " << s);
}

} // namespace pulse_test
