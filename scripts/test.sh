#!/usr/bin/env bash
# The whole test suite from a clean build directory: installs dependencies, configures, builds, runs ctest.
# Usage: scripts/test.sh [build-dir]   (default: build-test; extra CMake options via SWATNN_CMAKE_ARGS)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-test}
scripts/install-deps.sh
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release ${SWATNN_CMAKE_ARGS:-}
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)"

# The CUDA backend whenever nvcc is installed (PATH or /usr/local/cuda/bin): its own build directory
# (<build-dir>-cuda), only the CUDA targets (test_cuda, bench_cuda), and the cuda-labelled tests, which report
# skipped (exit 77) on a machine without a GPU. SWATNN_TEST_CUDA=0 leaves it out.
nvcc_bin=$(command -v nvcc || true)
if [[ -z $nvcc_bin && -x /usr/local/cuda/bin/nvcc ]]; then nvcc_bin=/usr/local/cuda/bin/nvcc; fi
if [[ -n $nvcc_bin && ${SWATNN_TEST_CUDA:-1} != 0 ]]; then
  start=$(date +%s)
  cmake -S . -B "$build-cuda" -DCMAKE_BUILD_TYPE=Release -DSWATNN_ENABLE_CUDA=ON -DCMAKE_CUDA_COMPILER="$nvcc_bin" \
    -DSWATNN_BUILD_EXAMPLES=OFF ${SWATNN_CMAKE_ARGS:-}
  cmake --build "$build-cuda" -j"$(nproc)" --target test_cuda bench_cuda
  ctest --test-dir "$build-cuda" --output-on-failure -L cuda
  echo "CUDA pass (configure, build test_cuda + bench_cuda, ctest -L cuda): $(($(date +%s) - start)) s"
elif [[ -n $nvcc_bin ]]; then
  echo "CUDA pass not run: SWATNN_TEST_CUDA=0"
else
  echo "CUDA pass not run: no nvcc on PATH or in /usr/local/cuda/bin (the CUDA Toolkit 13 builds swatnn::cuda)"
fi
