# Deploy test: install swatnn into a temporary prefix and build + run a consumer that uses find_package.
file(REMOVE_RECURSE ${WORK_DIR})
set(build ${WORK_DIR}/build)
set(prefix ${WORK_DIR}/prefix)
function(run_step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "step failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
endfunction()
run_step(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${build} -DSWATNN_BUILD_TESTS=OFF
         -DSWATNN_BUILD_EXAMPLES=OFF -DSWATNN_BUILD_BENCHMARKS=OFF -DCMAKE_INSTALL_PREFIX=${prefix})
run_step(${CMAKE_COMMAND} --install ${build})
run_step(${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/consumer -DCMAKE_PREFIX_PATH=${prefix}
         -DCMAKE_BUILD_TYPE=Release)
run_step(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer)
run_step(${WORK_DIR}/consumer/consumer)
message(STATUS "deploy: installed package found, consumer built and ran")
