// pulse/fwd.hpp: every forward declaration names the library's own type, so a header written
// against fwd.hpp alone and the code that includes the definitions agree.
#include <pulse/fwd.hpp>

#include <string>

// What a user's header holds: functions that only name the types.
namespace fwd_user {
std::string summary(pulse::extract_result const& r);
std::string id_of(pulse::job_handle const& h);
pulse::error const* first_error(pulse::error const* begin, pulse::error const* end);
} // namespace fwd_user

#include <pulse/pulse.hpp>

#include <doctest/doctest.h>

namespace {
// A declaration in the wrong namespace, or of a name the library does not define, would stay an
// incomplete type of its own: sizeof would not compile.
template <class... T>
constexpr bool all_complete = ((sizeof(T) > 0) && ...);

static_assert(all_complete<pulse::error, pulse::config, pulse::call_options, pulse::retry_override,
                           pulse::document, pulse::job_handle, pulse::download_info,
                           pulse::progress_observer, pulse::driver_options>);
static_assert(all_complete<pulse::extract_options, pulse::form_options, pulse::schema_request,
                           pulse::split_request, pulse::tables_request, pulse::pipeline_request,
                           pulse::batch_extract_request, pulse::batch_schema_request,
                           pulse::batch_tables_request, pulse::batch_split_request>);
static_assert(all_complete<pulse::extract_result, pulse::job_status_response, pulse::job_cancellation,
                           pulse::form_result, pulse::webhook_link, pulse::schema_result,
                           pulse::split_result, pulse::tables_result, pulse::pipeline_result,
                           pulse::batch_result, pulse::api_error>);
static_assert(all_complete<pulse::http::transport_options, pulse::http::request, pulse::http::response_head,
                           pulse::http::headers, pulse::http::response_handler>);
} // namespace

// The definitions, written where the full types are known: they must be the functions declared
// above (a forward declaration of another type would make them overloads, and the calls below
// ambiguous or unresolved).
std::string fwd_user::summary(pulse::extract_result const& r) {
    return r.markdown.value_or("") + "/" + std::to_string(r.page_count.value_or(0));
}
std::string fwd_user::id_of(pulse::job_handle const& h) { return h.id; }
pulse::error const* fwd_user::first_error(pulse::error const* begin, pulse::error const* end) {
    return begin == end ? nullptr : begin;
}

TEST_CASE("fwd: functions declared against fwd.hpp take the library's values") {
    auto r = pulse::decode_json<pulse::extract_result>(R"({"markdown": "# A", "page_count": 2})");
    REQUIRE(r.has_value());
    CHECK(fwd_user::summary(*r) == "# A/2");
    CHECK(fwd_user::id_of(pulse::job_handle("job-7")) == "job-7");
    pulse::error errs[] = {pulse::error(pulse::errc::invalid_argument, "x")};
    CHECK(fwd_user::first_error(errs, errs + 1) == &errs[0]);
    CHECK(fwd_user::first_error(errs, errs) == nullptr);
}
