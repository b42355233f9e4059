#!/usr/bin/env bash
# The whole test suite from clean build directories (the README's test command; .ci/run calls it):
#   1. the CUDA backend (build-dir-cuda) whenever nvcc is installed: builds test_cuda and bench_cuda, and runs the
#      CUDA tests when the machine has a GPU (they are not run, and this says so, when it has none);
#   2. every fuzz harness for a short fixed time on its corpus (scripts/fuzz.sh ci; docs/reliability.md);
#   3. with SWATNN_TEST_SANITIZE=1: the whole ctest suite built with clang-19 under AddressSanitizer + UBSan
#      (build-dir-asan), the clang build and the sanitizer run in one pass (off by default: a second full build
#      would take CI far past its 30 minutes on the 2-core machine, docs/reliability.md);
#   4. the whole ctest suite built with g++ (Release, build-dir), last, so that its summary closes the output.
# Usage: scripts/test.sh [build-dir]   (default: build-test; extra CMake options via SWATNN_CMAKE_ARGS)
# SWATNN_TEST_CUDA=0 and SWATNN_TEST_FUZZ_SECONDS=0 leave out passes 1 and 2.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-test}
scripts/install-deps.sh
jobs=$(nproc)

# ---- 1. CUDA ---------------------------------------------------------------------------------------------------
nvcc_bin=$(command -v nvcc || true)
if [[ -z $nvcc_bin && -x /usr/local/cuda/bin/nvcc ]]; then nvcc_bin=/usr/local/cuda/bin/nvcc; fi
if [[ -n $nvcc_bin && ${SWATNN_TEST_CUDA:-1} != 0 ]]; then
  start=$(date +%s)
  # host code at -O1 as in pass 4 (device code is optimized by ptxas either way); bench/cuda_check.sh builds the
  # benchmarks at -O3 for a measurement
  cmake -S . -B "$build-cuda" -DCMAKE_BUILD_TYPE=Release -DSWATNN_ENABLE_CUDA=ON -DCMAKE_CUDA_COMPILER="$nvcc_bin" \
    -DCMAKE_CUDA_FLAGS_RELEASE="-O1 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" -DSWATNN_BUILD_EXAMPLES=OFF \
    ${SWATNN_CMAKE_ARGS:-}
  cmake --build "$build-cuda" -j"$jobs" --target test_cuda bench_cuda
  # test_cuda exits 77, after one line saying so, on a machine without a CUDA device
  cuda_rc=0
  SWATNN_SOURCE_DIR=$PWD "$build-cuda/tests/test_cuda" > "$build-cuda/test_cuda.log" 2>&1 || cuda_rc=$?
  if ((cuda_rc == 77)); then
    echo "CUDA tests not run: $(head -n 1 "$build-cuda/test_cuda.log")"
  else
    cat "$build-cuda/test_cuda.log"
    ((cuda_rc == 0)) || { echo "CUDA tests failed (exit $cuda_rc)"; exit 1; }
  fi
  echo "CUDA pass (configure, build test_cuda + bench_cuda, tests when a GPU is present): $(($(date +%s) - start)) s"
elif [[ -n $nvcc_bin ]]; then
  echo "CUDA pass not run: SWATNN_TEST_CUDA=0"
else
  echo "CUDA pass not run: no nvcc on PATH or in /usr/local/cuda/bin (the CUDA Toolkit 13 builds swatnn::cuda)"
fi

# ---- 2. fuzzing ------------------------------------------------------------------------------------------------
if [[ ${SWATNN_TEST_FUZZ_SECONDS:-10} != 0 ]]; then
  start=$(date +%s)
  SWATNN_FUZZ_DIR="$build-fuzz" scripts/fuzz.sh ci "${SWATNN_TEST_FUZZ_SECONDS:-10}"
  echo "fuzzing (every harness ${SWATNN_TEST_FUZZ_SECONDS:-10} s): $(($(date +%s) - start)) s"
fi

# ---- 3. clang-19 + ASan + UBSan --------------------------------------------------------------------------------
# Not run here: deploy (installs and builds a consumer with the system compiler), headers_compile_alone (compiles,
# runs nothing: the g++ pass checks it) and the benchmarks (not built).
if [[ ${SWATNN_TEST_SANITIZE:-0} != 0 ]]; then
  start=$(date +%s)
  # -O1 with Eigen's and the standard library's assertions on (no NDEBUG), line tables for the reports' stacks
  cmake -S . -B "$build-asan" -DCMAKE_CXX_COMPILER=clang++-19 -DCMAKE_BUILD_TYPE=Release -DSWATNN_SANITIZE=ON \
    -DCMAKE_CXX_FLAGS_RELEASE="-O1 -gline-tables-only -D_GLIBCXX_ASSERTIONS" -DSWATNN_BUILD_BENCHMARKS=OFF \
    ${SWATNN_CMAKE_ARGS:-}
  cmake --build "$build-asan" -j"$jobs"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  ctest --test-dir "$build-asan" --output-on-failure -j"$jobs" -E '^(deploy|headers_compile_alone)$'
  unset ASAN_OPTIONS UBSAN_OPTIONS
  echo "clang-19 ASan + UBSan pass (build and ctest): $(($(date +%s) - start)) s"
fi

# ---- 4. g++, the whole suite, last -----------------------------------------------------------------------------
start=$(date +%s)
# Release at -O1: the tests check results, not speed, and -O1 compiles in about 55 % of -O3's CPU time (the build,
# not the tests, is most of CI's time); benchmarks are measured, and the main command (scripts/run.sh) runs, on -O3 builds.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" $(command -v mpicxx > /dev/null && echo -DSWATNN_ENABLE_MPI=ON) ${SWATNN_CMAKE_ARGS:-}
cmake --build "$build" -j"$jobs"
ctest --test-dir "$build" --output-on-failure -j"$jobs"
echo "g++ pass (build and ctest): $(($(date +%s) - start)) s"
