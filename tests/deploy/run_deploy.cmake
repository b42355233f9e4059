# Deploy test (registered by tests/CMakeLists.txt): installs this build tree with `cmake --install --prefix` into a
# fresh directory (never the prefix it was configured with), then
#   1. checks what was installed: headers, package config, the shipped model, LICENSE, and that no installed CMake
#      file names the source tree, the build tree or the configure-time prefix;
#   2. builds a find_package(swatnn) consumer against it and runs it from a directory without models/: it must
#      report and load <prefix>/share/swatnn/models/swat_small.swt and run a short latent search; with
#      SWATNN_MODEL_DIR set it must use that directory instead, and fail when that directory holds no model;
#   3. moves the whole prefix elsewhere and runs the installed `swatnn` from there (a short search), then hides the
#      moved prefix's model: the same command must now fail and name that path. The source tree's models/ is
#      still there and readable, so a program that read it (a path compiled in at configure time) would pass
#      where this test needs it to fail;
#   4. on x86-64, checks the installed programs (every file in bin/) hold no AVX (ymm/zmm) instruction: they are built for any x86-64
#      CPU unless SWATNN_NATIVE_PROGRAMS.
# Variables: SOURCE_DIR, BUILD_DIR, WORK_DIR, CONSUMER_DIR, CONFIGURED_PREFIX, BINDIR, LIBDIR, DATADIR, DOCDIR
# (the GNUInstallDirs values, relative), PROGRAMS (ON when the build tree has the installed programs), PROCESSOR,
# OBJDUMP (may be empty).
cmake_minimum_required(VERSION 3.24)
string(TIMESTAMP start "%s")
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR}/empty ${WORK_DIR}/env_models)
set(prefix ${WORK_DIR}/prefix)
get_filename_component(configured "${CONFIGURED_PREFIX}" ABSOLUTE)
if(configured STREQUAL prefix)
  message(FATAL_ERROR "deploy: the install prefix ${prefix} is the configure-time prefix; the test needs another one")
endif()

# run_step(<expected: 0 | fail> <output variable> COMMAND...): runs COMMAND in ${WORK_DIR} with SWATNN_MODEL_DIR
# unset unless the command sets it; fails the test unless it exits 0 (or, with `fail`, exits non-zero).
function(run_step expected output_var)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=SWATNN_MODEL_DIR ${ARGN}
                  WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if((expected STREQUAL "fail" AND rc EQUAL 0) OR (NOT expected STREQUAL "fail" AND NOT rc EQUAL 0))
    message(FATAL_ERROR "deploy: step ${ARGN}\nexited ${rc}, expected ${expected}\n${out}\n${err}")
  endif()
  set(${output_var} "${out}${err}" PARENT_SCOPE)
endfunction()
function(expect_output text output)
  string(FIND "${output}" "${text}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "deploy: the output lacks '${text}':\n${output}")
  endif()
endfunction()

# 1. install with --prefix at install time
run_step(0 out ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(file IN ITEMS include/swatnn/swatnn.hpp ${LIBDIR}/cmake/swatnn/swatnnConfig.cmake
                      ${DATADIR}/swatnn/models/swat_small.swt ${DATADIR}/swatnn/models/swat_small_universal.swt
                      ${DOCDIR}/LICENSE)
  if(NOT EXISTS ${prefix}/${file})
    message(FATAL_ERROR "deploy: ${prefix}/${file} was not installed")
  endif()
endforeach()
file(GLOB package_files ${prefix}/${LIBDIR}/cmake/swatnn/*.cmake)
foreach(file IN LISTS package_files)
  file(READ ${file} text)
  foreach(path IN ITEMS "${SOURCE_DIR}" "${BUILD_DIR}" "${configured}/")
    string(FIND "${text}" "${path}" at)
    if(NOT at EQUAL -1)
      message(FATAL_ERROR "deploy: the installed ${file} names ${path} (a path fixed at configure time)")
    endif()
  endforeach()
endforeach()

# 2. a consumer, run from a directory without models/
run_step(0 out ${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/consumer -DCMAKE_PREFIX_PATH=${prefix}
         -DCMAKE_BUILD_TYPE=Release)
run_step(0 out ${CMAKE_COMMAND} --build ${WORK_DIR}/consumer)
set(consumer ${WORK_DIR}/consumer/consumer)
run_step(0 out ${consumer})
expect_output("model: ${prefix}/${DATADIR}/swatnn/models/swat_small.swt\n" "${out}")
expect_output("search: depth" "${out}")
message(STATUS "deploy: consumer with the installed model:\n${out}")
file(COPY ${prefix}/${DATADIR}/swatnn/models/swat_small.swt DESTINATION ${WORK_DIR}/env_models)
run_step(0 out ${CMAKE_COMMAND} -E env SWATNN_MODEL_DIR=${WORK_DIR}/env_models ${consumer})
expect_output("model: ${WORK_DIR}/env_models/swat_small.swt\n" "${out}")
expect_output("search: depth" "${out}")
run_step(fail out ${CMAKE_COMMAND} -E env SWATNN_MODEL_DIR=${WORK_DIR}/empty ${consumer})
expect_output("${WORK_DIR}/empty/swat_small.swt" "${out}")

# 3. the installed programs, after moving the prefix
if(PROGRAMS)
  set(moved ${WORK_DIR}/moved)
  file(RENAME ${prefix} ${moved})
  if(NOT EXISTS ${moved}/${BINDIR}/swatnn)
    message(FATAL_ERROR "deploy: swatnn was not installed in ${BINDIR}")
  endif()
  set(search ${moved}/${BINDIR}/swatnn search --cornn Sphere --restarts 1 --iterations 20 --quiet --allow-constant)
  run_step(0 out ${CMAKE_COMMAND} -E env OMP_WAIT_POLICY=passive ${search})
  expect_output("nonzero parameters" "${out}")
  message(STATUS "deploy: the installed swatnn from the moved prefix:\n${out}")
  set(model ${moved}/${DATADIR}/swatnn/models/swat_small.swt)
  file(RENAME ${model} ${model}.hidden)
  run_step(fail out ${CMAKE_COMMAND} -E env OMP_WAIT_POLICY=passive ${search})
  expect_output("${model}" "${out}")

  # 4. portable: no AVX instruction in the installed programs
  if(PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$" AND OBJDUMP)
    file(GLOB programs ${moved}/${BINDIR}/*)
    foreach(program IN LISTS programs)
      execute_process(COMMAND ${OBJDUMP} -d --no-show-raw-insn ${program}
                      COMMAND grep -c -E "%[yz]mm"
                      OUTPUT_VARIABLE count OUTPUT_STRIP_TRAILING_WHITESPACE RESULTS_VARIABLE results)
      list(GET results 0 objdump_rc)
      if(NOT objdump_rc EQUAL 0)
        message(FATAL_ERROR "deploy: ${OBJDUMP} -d ${program} failed (${objdump_rc})")
      endif()
      if(NOT count EQUAL 0)
        message(FATAL_ERROR "deploy: the installed ${program} has ${count} AVX instructions (ymm/zmm registers): "
                            "it is tuned for the build machine, not portable (SWATNN_NATIVE_PROGRAMS is for that)")
      endif()
    endforeach()
  else()
    message(STATUS "deploy: no x86-64 objdump check here (${PROCESSOR}, objdump '${OBJDUMP}')")
  endif()
else()
  message(STATUS "deploy: the installed programs are not built here (SWATNN_BUILD_EXAMPLES=OFF): not run")
endif()
string(TIMESTAMP end "%s")
math(EXPR seconds "${end} - ${start}")
message(STATUS "deploy: installed into ${prefix} (configured for ${configured}); consumer built and ran; "
               "${seconds} s")
