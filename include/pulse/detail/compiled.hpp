// SPDX-License-Identifier: MIT
//
// Compiled mode, the switches (docs/integration.md, "Compiled mode").
//
// Header-only is the default: every translation unit that decodes a result or runs a job
// instantiates the decoders and the job machine for itself. In compiled mode those instantiations
// are made once, in one translation unit of the program, and every other translation unit only
// declares them (`extern template`), which skips their compile:
//
//   - every translation unit that includes the library defines PULSE_COMPILED_LIB (the CMake
//     target pulse::compiled and Meson's pulse_compiled_dep define it for their users);
//   - exactly one translation unit defines PULSE_COMPILED_LIB_SOURCE instead and includes
//     <pulse/pulse.hpp> (and the adapters' client headers it wants compiled): it holds the
//     instantiations (those targets compile it for you).
//
// The headers that define the templates end with their own list of instantiations, written with
// PULSE_DETAIL_INSTANTIATE and the type lists below, so that the declarations come before any use.
#ifndef PULSE_DETAIL_COMPILED_HPP
#define PULSE_DETAIL_COMPILED_HPP

#if defined(PULSE_COMPILED_LIB_SOURCE)
/// Compiled mode, the one translation unit that holds the instantiations.
#define PULSE_DETAIL_COMPILED 1
#define PULSE_DETAIL_INSTANTIATE template
#elif defined(PULSE_COMPILED_LIB)
/// Compiled mode, every other translation unit: declarations only.
#define PULSE_DETAIL_COMPILED 1
#define PULSE_DETAIL_INSTANTIATE extern template
#else
/// Header-only mode: nothing is declared ahead; each translation unit instantiates what it uses.
#define PULSE_DETAIL_COMPILED 0
#endif

/// What the API answers a job of each kind with, decoded whole: each is passed to X(type).
#define PULSE_DETAIL_FOR_EACH_JOB_ANSWER(X)                                                          \
    X(extract_result)                                                                                \
    X(job_status_response)                                                                           \
    X(job_cancellation)                                                                              \
    X(form_result)                                                                                   \
    X(webhook_link)                                                                                  \
    X(schema_result)                                                                                 \
    X(split_result)                                                                                  \
    X(tables_result)                                                                                 \
    X(pipeline_result)                                                                               \
    X(batch_result)

/// Every answer of the API that is decoded whole, its error bodies included.
#define PULSE_DETAIL_FOR_EACH_ANSWER(X)                                                              \
    PULSE_DETAIL_FOR_EACH_JOB_ANSWER(X)                                                              \
    X(api_error)

/// The requests' bodies that are encoded: each is passed to X(type).
#define PULSE_DETAIL_FOR_EACH_REQUEST_BODY(X)                                                        \
    X(extract_options)                                                                               \
    X(form_options)

/// What a job machine (flow::job_flow) ends with: an answer, a downloaded body or the job's handle.
#define PULSE_DETAIL_FOR_EACH_FLOW_END(X)                                                            \
    PULSE_DETAIL_FOR_EACH_JOB_ANSWER(X)                                                              \
    X(download_info)                                                                                 \
    X(job_handle)

#endif
