# The consumers every CMake packaging proof builds once pulse's targets exist (included by
# cmake_find_package, cmake_add_subdirectory and cmake_fetch_content): one of pulse::pulse, and one
# of pulse::curl alone, which must bring the core, every adapter header and libcurl. EXPECT_CURL is
# ON when the checkout has adapter headers (adapters/curl/pulse/); until then pulse::curl must not
# exist.
add_executable(consumer ${CMAKE_CURRENT_LIST_DIR}/consumer.cpp)
target_link_libraries(consumer PRIVATE pulse::pulse)

if(EXPECT_CURL)
  add_executable(consumer_curl ${CMAKE_CURRENT_LIST_DIR}/consumer_curl.cpp)
  target_link_libraries(consumer_curl PRIVATE pulse::curl)
elseif(TARGET pulse::curl)
  message(FATAL_ERROR "pulse::curl exists although the checkout has no adapter headers")
endif()

# Compiled mode (EXPECT_COMPILED: a build tree, not an installed package): the same program linked
# against pulse::compiled, whose instantiations it must use instead of its own.
if(EXPECT_COMPILED)
  add_executable(consumer_compiled ${CMAKE_CURRENT_LIST_DIR}/consumer.cpp)
  target_link_libraries(consumer_compiled PRIVATE pulse::compiled)
endif()
