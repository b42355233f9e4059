#!/usr/bin/env bash
# Runs the soft-eval, search-step and autoencoder-step benchmarks of two builds one after the other, so that a
# change is measured against its base in the same session. Usage: scripts/bench_side_by_side.sh BEFORE AFTER
# where each is a folder holding bench_soft_eval, bench_search_step and bench_autoencoder_step (e.g. build/bench).
# OpenMP's default wait policy unless a row says otherwise; the autoencoder step is also run with
# OMP_WAIT_POLICY=passive, the setting for cores shared with other work (docs/design.md).
set -euo pipefail
before=${1:?usage: bench_side_by_side.sh BEFORE_BENCH_DIR AFTER_BENCH_DIR}
after=${2:?usage: bench_side_by_side.sh BEFORE_BENCH_DIR AFTER_BENCH_DIR}
for b in "$before" "$after"; do echo "== $b"; "$b"/bench_soft_eval --benchmark_min_time=0.5 | grep -E "^soft"; done
for b in "$before" "$after"; do echo "== $b"; OMP_NUM_THREADS=1 "$b"/bench_search_step | grep -E "^search"; done
for b in "$before" "$after"; do
  echo "== $b"
  "$b"/bench_autoencoder_step --benchmark_min_time=3 | grep -E "^(auto|gen)"
  echo "-- OMP_WAIT_POLICY=passive"
  OMP_WAIT_POLICY=passive "$b"/bench_autoencoder_step --benchmark_min_time=3 --benchmark_filter=training | grep -E "^auto"
done
