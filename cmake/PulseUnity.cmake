# pulse_unity_source(<out_var> <name> <source>...): one translation unit that compiles every
# <source> (test files), written at build time by tools/unity_source.py (which says why and how;
# Meson's tests/meson.build calls the same script). Sets <out_var> to its path.
find_package(Python3 COMPONENTS Interpreter REQUIRED)
function(pulse_unity_source out_var name)
  set(path "${CMAKE_CURRENT_BINARY_DIR}/${name}_unity.cpp")
  set(script "${PROJECT_SOURCE_DIR}/tools/unity_source.py")
  add_custom_command(OUTPUT "${path}"
    COMMAND Python3::Interpreter "${script}" "${path}" "${name}" ${ARGN}
    DEPENDS "${script}" ${ARGN}
    COMMENT "Writing ${name}_unity.cpp"
    VERBATIM)
  set(${out_var} "${path}" PARENT_SCOPE)
endfunction()
