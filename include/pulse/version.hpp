// pulse-cpp: header-only C++20 client for the Pulse document-extraction API.
// SPDX-License-Identifier: MIT
//
// The one place the version is written. CMake and Meson read PULSE_VERSION_{MAJOR,MINOR,PATCH}
// from this file, and config.hpp builds the versioned inline namespace from them.
#ifndef PULSE_VERSION_HPP
#define PULSE_VERSION_HPP

#define PULSE_VERSION_MAJOR 0
#define PULSE_VERSION_MINOR 1
#define PULSE_VERSION_PATCH 0

#define PULSE_VERSION_STRING "0.1.0"

#endif
