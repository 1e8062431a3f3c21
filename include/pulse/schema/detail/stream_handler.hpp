// SPDX-License-Identifier: MIT
//
// The engine behind pulse::stream_decoder: a boost::json::basic_parser handler that fills schema
// types directly from SAX events, generically from the same member tables the DOM codec uses
// (schema_of<T>::members). No per-type handler is written by hand, and known members never pass
// through a DOM.
//
// Shape: a type-erased frame stack. A frame is one open JSON container the decoder is filling: a
// described struct, a std::vector, a polygon, or a "capture" (a subtree kept as JSON: an unknown
// member going into `extra`, or a member typed boost::json::value/object/array). Each frame holds
// where the next value goes (`slot_target`) and how to fill it (`slot`, a static table of event
// functions generated once per C++ member type). So an event costs one indirect call: `on_int64`
// is `top->slot->int64(top->slot_target, i)`. A key selects the slot: the member table is matched
// with the next member in table order tried first (documents list members in a stable order),
// then by length and bytes.
//
// Frames live in a fixed array inside the handler (the schema's nesting, not the document's, bounds
// their number; unknown subtrees of any depth are one capture frame). Unknown subtrees are built
// with boost::json::value_stack, the tool Boost's own parser uses, then moved into `extra`.
//
// Errors are built only on failure. The JSON path is read off the frame stack: each frame appends
// its key or [index], so a type error reads `bounding_boxes.Text[3].page_number: expected integer,
// got string`, exactly as the DOM decoder words it. The first error stops the parser (the handler
// returns false): a streaming caller learns about a bad body at the byte it went bad.
//
// This header includes <boost/json/basic_parser_impl.hpp>; only detail headers may.
//
// The parts: sax/frame.hpp (the tables and the frame), sax/handler.hpp (the parser handler),
// sax/scalar_ops.hpp (scalars and polygons), sax/container_ops.hpp (vectors, captures, optionals),
// sax/struct_ops.hpp (described structs, and the frame count a type needs).
#ifndef PULSE_SCHEMA_DETAIL_STREAM_HANDLER_HPP
#define PULSE_SCHEMA_DETAIL_STREAM_HANDLER_HPP

#include <pulse/schema/detail/sax/container_ops.hpp>
#include <pulse/schema/detail/sax/frame.hpp>
#include <pulse/schema/detail/sax/handler.hpp>
#include <pulse/schema/detail/sax/scalar_ops.hpp>
#include <pulse/schema/detail/sax/struct_ops.hpp>

#endif
