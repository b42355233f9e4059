#!/usr/bin/env bash
# Builds and runs the libFuzzer harnesses of tests/fuzz/ (clang-19, -fsanitize=fuzzer,address,undefined) in their
# own build directory (default build-fuzz; set SWATNN_FUZZ_DIR). See docs/reliability.md.
#   scripts/fuzz.sh build                   build every harness
#   scripts/fuzz.sh ci [SECONDS]            each harness SECONDS (default 20) on its checked-in corpus (CI)
#   scripts/fuzz.sh long [RUNS] [NAMES...]  each harness (or the named ones) for RUNS executions (default 10^6)
#   scripts/fuzz.sh corpus                  rewrite the seed corpora tests/fuzz/corpus/ (make_corpus.cpp, g++)
# A run fails (non-zero exit) on a crash, a sanitizer report, a leak, a timeout (> 10 s per input) or an
# allocation over 1 GB; the input is saved as $SWATNN_FUZZ_DIR/artifacts/<harness>-*. Inputs slower than 1 s are
# reported ("Slow unit") in the log $SWATNN_FUZZ_DIR/logs/<harness>.log.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${SWATNN_FUZZ_DIR:-build-fuzz}
harnesses=(csv npy json checkpoint cli)
cxx=${SWATNN_FUZZ_CXX:-clang++-19}
flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -D_GLIBCXX_ASSERTIONS -Wall -Wextra -Wno-unknown-pragmas -Iinclude -Itests -Iexamples -isystem /usr/include/eigen3
       -DSWATNN_MODEL_DIR=\"$PWD/models\")

build() {
  mkdir -p "$dir"
  for h in "${harnesses[@]}"; do
    if [[ ! -x $dir/fuzz_$h || tests/fuzz/fuzz_$h.cpp -nt $dir/fuzz_$h || -n $(find include examples -newer "$dir/fuzz_$h" -name '*.hpp' -print -quit) ]]; then
      echo "building fuzz_$h"
      "$cxx" "${flags[@]}" "tests/fuzz/fuzz_$h.cpp" -o "$dir/fuzz_$h"
    fi
  done
}

# run_one NAME OPTIONS...: libFuzzer on a working copy of the corpus (new inputs go there, not into the source tree)
run_one() {
  local h=$1
  shift
  mkdir -p "$dir/corpus/$h" "$dir/artifacts" "$dir/logs"
  echo "fuzz_$h $*" >&2
  local rc=0
  nice -n "${SWATNN_FUZZ_NICE:-0}" "$dir/fuzz_$h" "$dir/corpus/$h" "tests/fuzz/corpus/$h" -max_len=4096 -timeout=10 \
    -rss_limit_mb=2048 -malloc_limit_mb=1024 -report_slow_units=1 -print_final_stats=1 \
    -artifact_prefix="$dir/artifacts/$h-" "$@" >"$dir/logs/$h.log" 2>&1 || rc=$?
  local done_line slow
  done_line=$(grep -E '^Done [0-9]+ runs' "$dir/logs/$h.log" | tail -1 || true)
  slow=$(grep -c 'Slow unit' "$dir/logs/$h.log" || true)
  echo "fuzz_$h: ${done_line:-no 'Done' line} slow_units=$slow exit=$rc" >&2
  if ((rc != 0)); then
    tail -40 "$dir/logs/$h.log" >&2
    return "$rc"
  fi
}

case ${1:-} in
  build) build ;;
  ci)
    build
    failed=0
    for h in "${harnesses[@]}"; do run_one "$h" -max_total_time="${2:-20}" || failed=1; done
    exit "$failed"
    ;;
  long)
    build
    runs=${2:-1000000}
    shift $(($# >= 2 ? 2 : $#))
    names=("$@")
    ((${#names[@]})) || names=("${harnesses[@]}")
    failed=0
    for h in "${names[@]}"; do run_one "$h" -runs="$runs" || failed=1; done
    exit "$failed"
    ;;
  corpus)
    mkdir -p "$dir"
    g++ -std=c++20 -O1 -Iinclude -Itests -isystem /usr/include/eigen3 -DSWATNN_MODEL_DIR=\"$PWD/models\" \
      tests/fuzz/make_corpus.cpp -o "$dir/make_corpus"
    "$dir/make_corpus" tests/fuzz/corpus
    ;;
  *)
    sed -n '2,10p' "$0"
    exit 2
    ;;
esac
