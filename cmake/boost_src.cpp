// SPDX-License-Identifier: MIT
//
// Boost.JSON and Boost.URL compiled from their header-only sources, once, for builds that have the
// Boost headers but no Boost binaries for the target (the mingw-w64 cross build: see
// PULSE_BOOST_INCLUDE_DIR in CMakeLists.txt). Needs exceptions: in Boost 1.81 these sources do not
// compile without them.
#include <boost/json/src.hpp>
#include <boost/url/src.hpp>
