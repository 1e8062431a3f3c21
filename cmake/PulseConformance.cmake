# pulse_add_transport_conformance(<name> SOURCES <file>... [LIBRARIES <target>...])
#
# Builds a test executable that runs the library's transport conformance suite
# (tests/integration/transport_conformance.hpp) against your own HTTP transport, and registers it
# with CTest. Your source calls the suite for your transport type:
#
#     #include <transport_conformance.hpp>
#     #include "my_transport.hpp"
#     TEST_CASE("my transport: conformance") {
#         pulse_test::run_transport_conformance<my::transport>(
#             [](pulse::http::transport_options o) { return my::transport(std::move(o)); });
#     }
#
# The suite starts the local Pulse-compatible server for each case and talks to it over loopback
# (POSIX; doctest). The server is PULSE_SERVER_EXECUTABLE when set (a pulse-server binary you
# built), else the pulse-server target of this source tree. Enabled by -DPULSE_CONFORMANCE=ON.
function(pulse_add_transport_conformance name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "pulse_add_transport_conformance(${name}): SOURCES is required")
  endif()
  find_package(doctest CONFIG REQUIRED)
  find_package(Threads REQUIRED)
  add_executable(${name} ${PULSE_SOURCE_DIR}/tests/main.cpp ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PULSE_SOURCE_DIR}/tests/integration)
  if(PULSE_SERVER_EXECUTABLE)
    set(_server "${PULSE_SERVER_EXECUTABLE}")
  else()
    set(_server "$<TARGET_FILE:pulse-server>")
    add_dependencies(${name} pulse-server)
  endif()
  target_compile_definitions(${name} PRIVATE PULSE_TEST_SERVER="${_server}" PULSE_TEST_DATA_DIR="${PULSE_SOURCE_DIR}/tests/data")
  target_link_libraries(${name} PRIVATE pulse::pulse doctest::doctest Threads::Threads ${ARG_LIBRARIES})
  add_test(NAME ${name} COMMAND ${name})
endfunction()
