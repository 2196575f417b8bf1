# Checks the shared library's dynamic symbol table and SONAME.
#
# Run with cmake -P and these variables:
#   LIBRARY    the shared library file
#   NM         nm, for `nm -D --defined-only`
#   READELF    readelf, for the SONAME
#   HEADER     include/sequantlock.h, whose SEQUANTLOCK_API functions must
#              all be exported
#   SOVERSION  the expected SONAME suffix: libsequantlock.so.<SOVERSION>
#
# Fails on any defined dynamic symbol that does not start with sequantlock_
# (the version node SEQUANTLOCK_0 excepted), on a header function that is
# not exported, on an exported function that the header does not declare,
# and on a wrong SONAME.
cmake_minimum_required(VERSION 3.16)

foreach(_variable LIBRARY NM READELF HEADER SOVERSION)
  if(NOT DEFINED ${_variable} OR "${${_variable}}" STREQUAL "")
    message(FATAL_ERROR "check_symbols.cmake: ${_variable} is not set")
  endif()
endforeach()

set(_failures 0)

execute_process(
  COMMAND ${NM} -D --defined-only ${LIBRARY}
  OUTPUT_VARIABLE _nm_output
  ERROR_VARIABLE _nm_error
  RESULT_VARIABLE _nm_result)
if(NOT _nm_result EQUAL 0)
  message(FATAL_ERROR "'${NM} -D --defined-only ${LIBRARY}' failed: ${_nm_error}")
endif()

string(REPLACE "\n" ";" _nm_lines "${_nm_output}")
set(_exported "")
foreach(_line IN LISTS _nm_lines)
  if(_line STREQUAL "")
    continue()
  endif()
  # Lines read "<address> <type> <name>[@@VERSION]"; absolute symbols such
  # as the version node may have no address on some nm versions.
  string(REGEX REPLACE "^([0-9a-fA-F]+ +)?[A-Za-z] +" "" _name "${_line}")
  string(REGEX REPLACE "@.*$" "" _name "${_name}")
  if(_name STREQUAL "SEQUANTLOCK_0")
    continue()
  endif()
  if(NOT _name MATCHES "^sequantlock_")
    message(SEND_ERROR "exported symbol outside the sequantlock_ prefix: ${_line}")
    math(EXPR _failures "${_failures} + 1")
    continue()
  endif()
  list(APPEND _exported ${_name})
endforeach()

list(LENGTH _exported _exported_count)
if(_exported_count EQUAL 0)
  message(SEND_ERROR "no sequantlock_ symbols are exported from ${LIBRARY}")
  math(EXPR _failures "${_failures} + 1")
endif()

# Every function the header declares with SEQUANTLOCK_API is exported, and
# nothing else is.
file(READ ${HEADER} _header)
string(REGEX MATCHALL "SEQUANTLOCK_API[^;(]*[ *]sequantlock_[a-z0-9_]+[ \n]*\\("
       _declarations "${_header}")
set(_declared "")
foreach(_declaration IN LISTS _declarations)
  # The function name is the identifier right before the parenthesis; the
  # return type may name a sequantlock_ type too.
  string(REGEX MATCH "sequantlock_[a-z0-9_]+[ \n]*\\($" _name "${_declaration}")
  string(REGEX REPLACE "[ \n]*\\($" "" _name "${_name}")
  list(APPEND _declared ${_name})
endforeach()
list(LENGTH _declared _declared_count)
if(_declared_count EQUAL 0)
  message(SEND_ERROR "no SEQUANTLOCK_API declarations found in ${HEADER}")
  math(EXPR _failures "${_failures} + 1")
endif()
foreach(_name IN LISTS _declared)
  if(NOT _name IN_LIST _exported)
    message(SEND_ERROR "declared in the header but not exported: ${_name}")
    math(EXPR _failures "${_failures} + 1")
  endif()
endforeach()
foreach(_name IN LISTS _exported)
  if(NOT _name IN_LIST _declared)
    message(SEND_ERROR "exported but not declared in the header: ${_name}")
    math(EXPR _failures "${_failures} + 1")
  endif()
endforeach()

execute_process(
  COMMAND ${READELF} -d ${LIBRARY}
  OUTPUT_VARIABLE _readelf_output
  ERROR_VARIABLE _readelf_error
  RESULT_VARIABLE _readelf_result)
if(NOT _readelf_result EQUAL 0)
  message(FATAL_ERROR "'${READELF} -d ${LIBRARY}' failed: ${_readelf_error}")
endif()
string(REGEX MATCH "Library soname: \\[([^]]*)\\]" _soname_line "${_readelf_output}")
set(_soname "${CMAKE_MATCH_1}")
if(NOT _soname STREQUAL "libsequantlock.so.${SOVERSION}")
  message(SEND_ERROR
    "SONAME is '${_soname}', expected 'libsequantlock.so.${SOVERSION}'")
  math(EXPR _failures "${_failures} + 1")
endif()

if(_failures GREATER 0)
  message(FATAL_ERROR "${_failures} ABI check(s) failed for ${LIBRARY}")
endif()
message(STATUS
  "${_exported_count} exported functions, all declared and prefixed; "
  "SONAME ${_soname}")
