# Runs a tool and checks how it ended: ctest -P script, so that a tool killed by a
# signal (whose "exit code" is the signal's name) fails rather than matching.
#   -DTOOL=path -DARGS="a|b|c" -DEXPECTED_EXIT=n -DEXPECTED_OUTPUT=regex (stdout + stderr)
#   [-DEMULATOR="qemu-aarch64|-L|..."] (CMAKE_CROSSCOMPILING_EMULATOR, | for ;)
string(REPLACE "|" ";" args "${ARGS}")
string(REPLACE "|" ";" emulator "${EMULATOR}")
execute_process(COMMAND ${emulator} "${TOOL}" ${args} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
if(NOT "${result}" STREQUAL "${EXPECTED_EXIT}")
  message(FATAL_ERROR "${TOOL} ${args}: ended with '${result}', expected exit ${EXPECTED_EXIT}\n${out}${err}")
endif()
if(NOT "${out}${err}" MATCHES "${EXPECTED_OUTPUT}")
  message(FATAL_ERROR "${TOOL} ${args}: output does not match '${EXPECTED_OUTPUT}'\n${out}${err}")
endif()
message(STATUS "exit ${result}: ${err}")
