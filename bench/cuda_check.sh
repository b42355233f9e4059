#!/usr/bin/env bash
# bench/cuda_check.sh: the GPU check of the CUDA backend in one short run, made for a machine with an NVIDIA H200:
# configures and builds the CUDA targets (Release; sm_90 unless CMAKE_CUDA_ARCHITECTURES is set in the environment),
# runs the cuda-labelled tests and bench_cuda (CPU and CUDA rows side by side), and prints one line per result:
# the build, the tests, and each benchmark row's ms per step, TFLOP/s, percent of the device's peak and cudaMalloc
# calls per step. Without a GPU everything up to the GPU still runs: the build, the tests (reported SKIPPED), the
# CPU rows; the CUDA rows say "not run". Logs: <build-dir>/cuda_check/.
# Usage: bench/cuda_check.sh [build-dir]   (default: build-cuda-check)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-cuda-check}
logs=$build/cuda_check
mkdir -p "$logs"

nvcc_bin=$(command -v nvcc || true)
if [[ -z $nvcc_bin && -x /usr/local/cuda/bin/nvcc ]]; then nvcc_bin=/usr/local/cuda/bin/nvcc; fi
if [[ -z $nvcc_bin ]]; then
  echo "build: FAILED: no nvcc on PATH or in /usr/local/cuda/bin (install the CUDA Toolkit 13)"
  exit 1
fi
if command -v nvidia-smi > /dev/null 2>&1 && nvidia-smi -L > "$logs/gpus.txt" 2>&1; then
  echo "device: $(head -n 1 "$logs/gpus.txt")"
else
  echo "device: none visible (nvidia-smi missing or failing): tests will skip, CUDA rows will not run"
fi

start=$(date +%s)
if ! cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSWATNN_ENABLE_CUDA=ON -DCMAKE_CUDA_COMPILER="$nvcc_bin" \
     -DCMAKE_CUDA_ARCHITECTURES="${CMAKE_CUDA_ARCHITECTURES:-90}" -DSWATNN_BUILD_EXAMPLES=OFF \
     > "$logs/configure.log" 2>&1; then
  echo "build: FAILED at configure (tail of $logs/configure.log):"
  tail -n 20 "$logs/configure.log"
  exit 1
fi
if ! cmake --build "$build" -j"$(nproc)" --target test_cuda bench_cuda > "$logs/build.log" 2>&1; then
  echo "build: FAILED (tail of $logs/build.log):"
  tail -n 30 "$logs/build.log"
  exit 1
fi
echo "build: ok, test_cuda and bench_cuda with $("$nvcc_bin" --version | grep -o 'release [0-9.]*') in $(($(date +%s) - start)) s"

set +e
ctest --test-dir "$build" -L cuda -V > "$logs/ctest.log" 2>&1   # -V: the test's own output, skipped or not
ctest_rc=$?
set -e
summary=$(grep -o 'test cases:.*' "$logs/ctest.log" | tail -n 1 || true)   # empty when skipped
assertions=$(grep -o 'assertions:.*' "$logs/ctest.log" | tail -n 1 || true)
if grep -q 'test_cuda: SKIPPED' "$logs/ctest.log"; then
  echo "tests: SKIPPED: $(grep -o 'no CUDA device.*' "$logs/ctest.log" | head -n 1 || true)"
elif [[ $ctest_rc == 0 && -n $summary ]] && grep -q '| *0 failed' <<< "$summary"; then
  echo "tests: PASSED ($summary; $assertions)"
else
  echo "tests: FAILED ($summary; $assertions); failures from $logs/ctest.log:"
  grep -E 'ERROR|FAILED|error:' "$logs/ctest.log" | head -n 40 || true
fi

set +e
"$build/bench/bench_cuda" --benchmark_out="$logs/bench.json" --benchmark_out_format=json > "$logs/bench.txt" 2>&1
bench_rc=$?
set -e
grep '^bench_cuda:' "$logs/bench.txt" || true
if [[ ! -s $logs/bench.json ]]; then
  echo "benchmarks: FAILED (exit $bench_rc; tail of $logs/bench.txt):"
  tail -n 20 "$logs/bench.txt"
  exit 1
fi
# One line per benchmark row from the JSON report (one key per line).
awk '
  function flush() {
    if (name == "") return
    if (err != "") printf "bench %s: not run (%s)\n", name, err
    else {
      line = sprintf("bench %s: %.3f ms, %.4g TFLOP/s", name, ms, tflops)
      if (peak != "") line = line sprintf(", %.1f %% of peak", peak)
      if (mallocs != "") line = line sprintf(", %g cudaMalloc/step", mallocs)
      print line
    }
    name = ""; err = ""; ms = ""; tflops = ""; peak = ""; mallocs = ""
  }
  function value(s) { sub(/^[^:]*:[ ]*/, "", s); sub(/,[ ]*$/, "", s); gsub(/"/, "", s); return s }
  /"benchmarks"/ { inside = 1 }
  inside && /^[ ]*"name":/ { flush(); name = value($0); sub(/\/manual_time$/, "", name) }
  inside && /"error_message":/ { err = value($0) }
  inside && /^[ ]*"ms":/ { ms = value($0) }
  inside && /"TFLOP\/s":/ { tflops = value($0) }
  inside && /"peak_%":/ { peak = value($0) }
  inside && /"cudaMalloc\/step":/ { mallocs = value($0) }
  END { flush() }
' "$logs/bench.json"
echo "done in $(($(date +%s) - start)) s (logs in $logs)"
