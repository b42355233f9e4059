#!/usr/bin/env bash
# The main job on the shipped data: installs dependencies, builds the examples, runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
scripts/install-deps.sh
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSWATNN_BUILD_TESTS=OFF -DSWATNN_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target cornn_dataset network_family
"$build"/examples/network_family
"$build"/examples/cornn_dataset
