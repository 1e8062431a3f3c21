# Cross-compiling pulse-cpp for 64-bit Windows with mingw-w64 (Debian 12: g++-mingw-w64-x86-64-posix,
# the "posix" thread model, which std::thread, std::mutex and std::condition_variable need).
#
#   cmake -S . -B build-win -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mingw-w64-x86_64.cmake \
#         -DPULSE_BOOST_INCLUDE_DIR=<folder holding just a `boost` link> ...
#
# Boost and doctest are header trees here (no Windows binaries): give the compiler a folder with
# only the links it needs (PULSE_BOOST_INCLUDE_DIR, PULSE_DOCTEST_INCLUDE_DIR), never the build
# machine's whole /usr/include, whose Linux headers would shadow mingw-w64's. tools/test-windows.sh
# does all of this.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(PULSE_MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${PULSE_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${PULSE_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${PULSE_MINGW_TRIPLE}-windres)

# Look for libraries and packages of the target only; programs of the build machine.
set(CMAKE_FIND_ROOT_PATH /usr/${PULSE_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Programs that run without mingw-w64's runtime DLLs (libstdc++, libgcc, libwinpthread) beside them.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
# COFF objects are limited to 32,767 sections unless told otherwise; template-heavy translation
# units (a test suite compiled as one) pass that.
set(CMAKE_CXX_FLAGS_INIT "-Wa,-mbig-obj")
