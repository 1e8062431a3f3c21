// SPDX-License-Identifier: MIT
//
// Project-wide conventions every header includes first:
// - the versioned inline namespace, so two copies of different versions of this library can live in
//   one binary without ODR clashes (pulse::v0_1::..., spelled pulse::... by users);
// - exception detection: nothing in the core throws for network, server or input conditions; the
//   only throws are the ones Boost itself makes on misuse (e.g. result::value() on an error), and
//   those go through boost::throw_exception, which a -fno-exceptions build defines.
#ifndef PULSE_DETAIL_PRELUDE_HPP
#define PULSE_DETAIL_PRELUDE_HPP

#include <pulse/version.hpp>

/// \file
/// Conventions every header of the library includes first: the versioned inline namespace and
/// the detection of exception support.

#define PULSE_DETAIL_CAT2(a, b, c) v##a##_##b
#define PULSE_DETAIL_CAT(a, b, c) PULSE_DETAIL_CAT2(a, b, c)
/// The name of the versioned inline namespace: `v` then the major and minor version (v0_1). Symbols
/// of two copies of the library that differ in it never collide.
#define PULSE_ABI_NAMESPACE PULSE_DETAIL_CAT(PULSE_VERSION_MAJOR, PULSE_VERSION_MINOR, PULSE_VERSION_PATCH)

/// Opens namespace pulse and its versioned inline namespace. Every library header wraps its
/// declarations in PULSE_NAMESPACE_BEGIN ... PULSE_NAMESPACE_END.
#define PULSE_NAMESPACE_BEGIN                                                                        \
    namespace pulse {                                                                                \
    inline namespace PULSE_ABI_NAMESPACE {
/// Closes what PULSE_NAMESPACE_BEGIN opened.
#define PULSE_NAMESPACE_END                                                                          \
    }                                                                                                \
    }

/// \def PULSE_HAS_EXCEPTIONS
/// 1 when the translation unit is compiled with exceptions enabled, 0 under -fno-exceptions (or
/// MSVC without /EHsc). The library behaves the same either way: it never throws for network,
/// server or input conditions.
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#define PULSE_HAS_EXCEPTIONS 1
#else
#define PULSE_HAS_EXCEPTIONS 0
#endif

#endif
