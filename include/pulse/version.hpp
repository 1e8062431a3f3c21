// pulse-cpp: header-only C++20 client for the Pulse document-extraction API.
// SPDX-License-Identifier: MIT
//
// The one place the version is written. CMake and Meson read PULSE_VERSION_{MAJOR,MINOR,PATCH}
// from this file, and detail/prelude.hpp builds the versioned inline namespace from them.
#ifndef PULSE_VERSION_HPP
#define PULSE_VERSION_HPP

/// \file
/// The library's version: the numbers for preprocessor checks and the text for messages.

/// \namespace pulse
/// The Pulse client library. Every public name lives here or in one of its layer namespaces
/// (pulse::http, pulse::flow) and adapter namespaces (pulse::curl, pulse::beast). The names are
/// declared inside a versioned inline namespace (PULSE_ABI_NAMESPACE) that users never spell.

/// Major part of the version. With the minor part it names the versioned inline namespace.
#define PULSE_VERSION_MAJOR 0
/// Minor part of the version. With the major part it names the versioned inline namespace, so two
/// copies of the library that differ in it can live in one program.
#define PULSE_VERSION_MINOR 1
/// Patch part of the version. Not part of the inline namespace: patch releases keep the ABI.
#define PULSE_VERSION_PATCH 0

/// The whole version as text ("0.1.0"); also the version in the default User-Agent.
#define PULSE_VERSION_STRING "0.1.0"

#endif
