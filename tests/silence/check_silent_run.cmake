# Runs a program and fails unless it exits 0 with nothing on stdout or stderr:
#   cmake -DPROGRAM=path [-DEMULATOR="qemu-aarch64|-L|..."] -P check_silent_run.cmake
# (EMULATOR is CMAKE_CROSSCOMPILING_EMULATOR with | for ;). A ctest property such as
# FAIL_REGULAR_EXPRESSION would see stdout and stderr merged and say less.
string(REPLACE "|" ";" emulator "${EMULATOR}")
execute_process(COMMAND ${emulator} "${PROGRAM}" RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err
                TIMEOUT 120)
set(problems "")
if(NOT "${result}" STREQUAL "0")
  string(APPEND problems "ended with '${result}', expected exit 0\n")
endif()
if(NOT "${out}" STREQUAL "")
  string(APPEND problems "printed to stdout:\n${out}\n")
endif()
if(NOT "${err}" STREQUAL "")
  string(APPEND problems "printed to stderr:\n${err}\n")
endif()
if(NOT problems STREQUAL "")
  message(FATAL_ERROR "${PROGRAM}: ${problems}")
endif()
