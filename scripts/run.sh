#!/usr/bin/env bash
# The main job: installs dependencies, builds the installed programs (the swatnn command: target swatnn_programs, so
# `cmake --install build-run` works afterwards), and searches a small sparse network for a
# CORNN function with the shipped swat-small autoencoder (models/swat_small.swt), then fine-tunes and exports it.
# Usage: scripts/run.sh [CORNN function] (default: Rastrigin); extra `swatnn search` options via SWATNN_ARGS.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-Rastrigin}
build=build-run
scripts/install-deps.sh
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSWATNN_BUILD_TESTS=OFF -DSWATNN_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target swatnn_programs   # what `cmake --install "$build"` installs
mkdir -p out
"$build"/examples/swatnn search --cornn "$name" --restarts 2 --iterations 4001 \
  --json out/network.json --header out/network.hpp --dot out/network.dot ${SWATNN_ARGS:-}
echo "exports written to out/network.json, out/network.hpp, out/network.dot"
