// SPDX-License-Identifier: MIT
//
// Project-wide conventions every header includes first:
// - the versioned inline namespace, so two copies of different versions of this library can live in
//   one binary without ODR clashes (pulse::v0_1::..., spelled pulse::... by users);
// - exception detection: nothing in the core throws for network, server or input conditions; the
//   only throws are the ones Boost itself makes on misuse (e.g. result::value() on an error), and
//   those go through boost::throw_exception, which a -fno-exceptions build defines.
#ifndef PULSE_CONFIG_HPP
#define PULSE_CONFIG_HPP

#include <pulse/version.hpp>

#define PULSE_DETAIL_CAT2(a, b, c) v##a##_##b
#define PULSE_DETAIL_CAT(a, b, c) PULSE_DETAIL_CAT2(a, b, c)
// The inline namespace name encodes major and minor version: v0_1.
#define PULSE_ABI_NAMESPACE PULSE_DETAIL_CAT(PULSE_VERSION_MAJOR, PULSE_VERSION_MINOR, PULSE_VERSION_PATCH)

#define PULSE_NAMESPACE_BEGIN                                                                        \
    namespace pulse {                                                                                \
    inline namespace PULSE_ABI_NAMESPACE {
#define PULSE_NAMESPACE_END                                                                          \
    }                                                                                                \
    }

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#define PULSE_HAS_EXCEPTIONS 1
#else
#define PULSE_HAS_EXCEPTIONS 0
#endif

#endif
