// SPDX-License-Identifier: MIT
//
// Forward declarations of the library's value types, for a header of yours that only names them
// (a pointer, a reference, a parameter or return type of a function declared there):
//
//   #include <pulse/fwd.hpp>
//   class extraction_panel {
//   public:
//       void show(pulse::extract_result const& r);   // defined in a .cpp that includes the type
//   private:
//       std::unique_ptr<pulse::job_handle> job_;     // (its destructor, too)
//   };
//
// Such a header then costs the prelude and this file, not the library's parser, job machines or
// standard headers. Include the type's own header (or <pulse/pulse.hpp>) where a value is built,
// copied or destroyed. Class templates (the client, the drivers, the decoders) are not declared
// here: their default arguments belong to their own headers.
#ifndef PULSE_FWD_HPP
#define PULSE_FWD_HPP

#include <pulse/detail/prelude.hpp>

PULSE_NAMESPACE_BEGIN

// Errors: pulse/error.hpp.
struct error;

// What a call is given: pulse/config.hpp, pulse/call_options.hpp, pulse/document.hpp.
struct config;
struct call_options;
struct retry_override;
struct document;

// What a call gives back beside a result: pulse/job_handle.hpp, pulse/download_info.hpp,
// pulse/progress.hpp.
struct job_handle;
struct download_info;
struct progress_observer;

// The non-blocking driver's budgets: pulse/driver/driver_options.hpp.
struct driver_options;

// Requests and options of every job kind: pulse/schema/*.hpp.
struct extract_options;
struct form_options;
struct schema_request;
struct split_request;
struct tables_request;
struct pipeline_request;
struct batch_extract_request;
struct batch_schema_request;
struct batch_tables_request;
struct batch_split_request;

// The API's answers: pulse/schema/*.hpp.
struct extract_result;
struct job_status_response;
struct job_cancellation;
struct form_result;
struct webhook_link;
struct schema_result;
struct split_result;
struct tables_result;
struct pipeline_result;
struct batch_result;
struct api_error;

// HTTP vocabulary a transport is written in: pulse/http/*.hpp.
namespace http {
struct transport_options;
struct request;
struct response_head;
class headers;
class response_handler;
} // namespace http

PULSE_NAMESPACE_END

#endif
