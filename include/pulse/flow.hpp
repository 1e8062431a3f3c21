// SPDX-License-Identifier: MIT
//
// All of the flow layer: the sans-I/O machines and what they are built from.
#ifndef PULSE_FLOW_HPP
#define PULSE_FLOW_HPP

#include <pulse/flow/action.hpp>
#include <pulse/flow/api_job_flow.hpp>
#include <pulse/flow/download_flow.hpp>
#include <pulse/flow/extract_flow.hpp>
#include <pulse/flow/form_flow.hpp>
#include <pulse/flow/job_flow.hpp>
#include <pulse/flow/job_ops.hpp>
#include <pulse/flow/policy.hpp>
#include <pulse/progress.hpp>
#include <pulse/flow/requests.hpp>

#endif
