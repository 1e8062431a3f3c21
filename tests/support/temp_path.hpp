#pragma once
// One place that names the tests' scratch files.
//
// Meson runs the test executables in parallel (the normal and the -fno-exceptions unit builds at
// the same time), and CI may run two checkouts on one machine: a fixed name in the temp directory
// lets one process rewrite a file while another reads it. Every file therefore lives in a folder
// named after the process (the file's own name is kept: some tests check the upload's filename).

#include <filesystem>
#include <string>
#include <string_view>

#include <unistd.h>

namespace pulse_test {

/// `name` is UTF-8 (on Windows a narrow path would be read in the ANSI code page instead).
inline std::filesystem::path temp_path(std::string_view name) {
    auto dir = std::filesystem::temp_directory_path() / ("pulse-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return dir / std::filesystem::path(std::u8string(name.begin(), name.end()));
}

} // namespace pulse_test
