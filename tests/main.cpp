// The one doctest main shared by every test executable. DOCTEST_CONFIG_IMPLEMENT is named too:
// the precompiled header (tests/pch) has already included doctest's interface, whose include guard
// would otherwise skip the line that derives it from DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
