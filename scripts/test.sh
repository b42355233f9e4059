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
