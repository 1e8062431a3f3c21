// Precompiled once per test executable (CMake's target_precompile_headers, Meson's cpp_pch) and
// seen first by every test file of it: the headers nearly all of them include. Parsing these once
// instead of once per file is most of what a test build costs. Only build speed depends on it:
// each test file still includes what it uses, and tools/check-hygiene.sh compiles every public
// header on its own.
#include <pulse/pulse.hpp>

#include <boost/json.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
