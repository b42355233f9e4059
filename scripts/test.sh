#!/usr/bin/env bash
# The whole test suite from a clean build directory: installs dependencies, configures, builds, runs ctest;
# then every fuzz harness for a short fixed time on its corpus (scripts/fuzz.sh ci; docs/reliability.md), and, when
# SWATNN_TEST_SANITIZE=1, the same suite again under AddressSanitizer + UBSan (a second build directory,
# <build-dir>-asan; off by default: on the 2-core machine it would double the run, docs/reliability.md).
# Usage: scripts/test.sh [build-dir]   (default: build-test; extra CMake options via SWATNN_CMAKE_ARGS)
# SWATNN_TEST_SANITIZE=1 adds the sanitizer pass, SWATNN_TEST_FUZZ_SECONDS=0 skips the fuzzing (default 20 s each).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-test}
scripts/install-deps.sh
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release ${SWATNN_CMAKE_ARGS:-}
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" | tee "$build/ctest.log"

if [[ ${SWATNN_TEST_SANITIZE:-0} != 0 ]]; then
  # Not run here: deploy (builds a consumer without our flags) and headers_compile_alone (compiles, runs nothing).
  start=$(date +%s)
  cmake -S . -B "$build-asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWATNN_SANITIZE=ON -DSWATNN_BUILD_BENCHMARKS=OFF \
    ${SWATNN_CMAKE_ARGS:-}
  cmake --build "$build-asan" -j"$(nproc)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$build-asan" --output-on-failure -j"$(nproc)" -E '^(deploy|headers_compile_alone)$'
  echo "sanitizer pass (ASan + UBSan build and ctest): $(($(date +%s) - start)) s"
fi
if [[ ${SWATNN_TEST_FUZZ_SECONDS:-20} != 0 ]]; then
  start=$(date +%s)
  SWATNN_FUZZ_DIR="$build-fuzz" scripts/fuzz.sh ci "${SWATNN_TEST_FUZZ_SECONDS:-20}"
  echo "fuzzing (every harness ${SWATNN_TEST_FUZZ_SECONDS:-20} s): $(($(date +%s) - start)) s"
fi

# The CUDA backend whenever nvcc is installed (PATH or /usr/local/cuda/bin): its own build directory
# (<build-dir>-cuda), only the CUDA targets (test_cuda, bench_cuda), and the cuda-labelled tests, which report
# skipped (exit 77) on a machine without a GPU. SWATNN_TEST_CUDA=0 leaves it out. Measured 2026-12-03 on the 2-core
# CI machine: 497 s wall while four builds shared it (load ~10), 245 s of CPU time (about 2-3 min when idle).
nvcc_bin=$(command -v nvcc || true)
if [[ -z $nvcc_bin && -x /usr/local/cuda/bin/nvcc ]]; then nvcc_bin=/usr/local/cuda/bin/nvcc; fi
if [[ -n $nvcc_bin && ${SWATNN_TEST_CUDA:-1} != 0 ]]; then
  start=$(date +%s)
  cmake -S . -B "$build-cuda" -DCMAKE_BUILD_TYPE=Release -DSWATNN_ENABLE_CUDA=ON -DCMAKE_CUDA_COMPILER="$nvcc_bin" \
    -DSWATNN_BUILD_EXAMPLES=OFF ${SWATNN_CMAKE_ARGS:-}
  cmake --build "$build-cuda" -j"$(nproc)" --target test_cuda bench_cuda
  ctest --test-dir "$build-cuda" -V -L cuda   # -V: the line saying why it skipped, or every test case's result
  echo "CUDA pass (configure, build test_cuda + bench_cuda, ctest -L cuda): $(($(date +%s) - start)) s"
elif [[ -n $nvcc_bin ]]; then
  echo "CUDA pass not run: SWATNN_TEST_CUDA=0"
else
  echo "CUDA pass not run: no nvcc on PATH or in /usr/local/cuda/bin (the CUDA Toolkit 13 builds swatnn::cuda)"
fi

# The main suite's closing line once more, last: the passes above end with their own (smaller) test runs.
echo "main suite ($build): $(grep -E 'tests passed, [0-9]+ tests failed out of' "$build/ctest.log" | tail -n 1)"
