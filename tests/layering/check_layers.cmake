# The layering check (ctest: layering, layering_catches_violations): the two wings of src/ stay
# one-way. Run as cmake -DROOT=<tree> -P check_layers.cmake; fails naming every violation.
#   src/core/**        includes only core/
#   src/engine/**      includes core/ and engine/, never continuity/ (the engine knows no plan)
#   src/continuity/**  includes core/, engine/ and continuity/
#   everywhere         a project include names its full path: "engine/repository/lock.h" under
#                      src/, "apps/stormproof/context.h" or "tests/cli/cli_runner.h" elsewhere.
#   <lib>/internal/    included only from inside src/<lib>/ and from tests/: what a library keeps
#                      to itself (src/engine/repository/internal/blob_store.h).
cmake_minimum_required(VERSION 3.25)
if(NOT ROOT)
  message(FATAL_ERROR "usage: cmake -DROOT=<source tree> -P check_layers.cmake")
endif()

set(violations 0)
function(report file line what)
  math(EXPR n "${violations} + 1")
  set(violations ${n} PARENT_SCOPE)
  message(SEND_ERROR "${file}:${line}: ${what}")
endfunction()

# Allowed first path components of an include, per wing of src/.
set(allowed_core "core")
set(allowed_engine "core;engine")
set(allowed_continuity "core;engine;continuity")

file(GLOB_RECURSE sources RELATIVE ${ROOT}
  ${ROOT}/src/*.h ${ROOT}/src/*.cc ${ROOT}/apps/*.h ${ROOT}/apps/*.cc
  ${ROOT}/tests/*.h ${ROOT}/tests/*.cc ${ROOT}/fuzz/*.cc ${ROOT}/bench/*.cc)
list(FILTER sources EXCLUDE REGEX "^tests/testdata/")
foreach(file IN LISTS sources)
  set(wing "")
  if(file MATCHES "^src/(core|engine|continuity)/")
    set(wing ${CMAKE_MATCH_1})
  endif()
  file(STRINGS ${ROOT}/${file} lines)
  set(line_number 0)
  foreach(text IN LISTS lines)
    math(EXPR line_number "${line_number} + 1")
    if(NOT text MATCHES "^#include \"([^\"]+)\"")
      continue()
    endif()
    set(included ${CMAKE_MATCH_1})
    if(NOT EXISTS ${ROOT}/src/${included} AND NOT (included MATCHES "/" AND EXISTS ${ROOT}/${included}))
      report(${file} ${line_number} "include \"${included}\" does not name a full path from src/ or the source root")
      continue()
    endif()
    if(included MATCHES "^(.+)/internal/" AND EXISTS ${ROOT}/src/${included})
      set(owner "src/${CMAKE_MATCH_1}/")
      string(FIND "${file}" "${owner}" at)
      if(NOT at EQUAL 0 AND NOT file MATCHES "^tests/")
        report(${file} ${line_number} "includes \"${included}\", internal to ${owner}")
        continue()
      endif()
    endif()
    if(wing AND EXISTS ${ROOT}/src/${included})
      string(REGEX MATCH "^[^/]+" first ${included})
      if(NOT first IN_LIST allowed_${wing})
        report(${file} ${line_number} "${wing} includes ${first} (\"${included}\"): the ${wing} wing may include only ${allowed_${wing}}")
      endif()
    elseif(wing)
      report(${file} ${line_number} "src/ includes \"${included}\" from outside src/")
    endif()
  endforeach()
endforeach()

if(violations GREATER 0)
  message(FATAL_ERROR "${violations} layering violation(s)")
endif()
list(LENGTH sources checked)
message(STATUS "layering: ${checked} files, no violation")
