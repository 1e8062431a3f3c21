// SPDX-License-Identifier: MIT
//
// All schema types and their JSON conversions.
#ifndef PULSE_SCHEMA_HPP
#define PULSE_SCHEMA_HPP

#include <pulse/schema/api_error.hpp>
#include <pulse/schema/batch_job.hpp>
#include <pulse/schema/bounding_boxes.hpp>
#include <pulse/schema/codec.hpp>
#include <pulse/schema/extensions.hpp>
#include <pulse/schema/extract_options.hpp>
#include <pulse/schema/extract_result.hpp>
#include <pulse/schema/form.hpp>
#include <pulse/schema/job.hpp>
#include <pulse/schema/job_status.hpp>
#include <pulse/schema/json_reader.hpp>
#include <pulse/schema/number.hpp>
#include <pulse/schema/open_enum.hpp>
#include <pulse/schema/ordered_map.hpp>
#include <pulse/schema/pipeline_job.hpp>
#include <pulse/schema/plan_info.hpp>
#include <pulse/schema/polygon.hpp>
#include <pulse/schema/schema_job.hpp>
#include <pulse/schema/split_job.hpp>
#include <pulse/schema/spool.hpp>
#include <pulse/schema/stream_decoder.hpp>
#include <pulse/schema/structured_output.hpp>
#include <pulse/schema/tables_job.hpp>
#include <pulse/schema/value_as.hpp>
#include <pulse/schema/webhook_link.hpp>

#endif
