#!/usr/bin/env bash
# Fault tests of the swatnn command (its subcommands search, cornn and train-autoencoder; registered with ctest by
# tests/CMakeLists.txt):
#   faults.sh SWATNN CASE
# Each case exits 0 when the command behaved as documented (docs/reliability.md), 1 otherwise (saying why), and
# 77 (ctest: skipped) when this machine cannot set the case up (e.g. no permission to mount or mknod).
# Device nodes and FIFOs are made here in a temporary directory, never the system's.
set -uo pipefail
swatnn=$1 case=$2
train=("$swatnn" train-autoencoder)
work=$(mktemp -d "${TMPDIR:-/tmp}/swatnn_faults.XXXXXX")
mounted=""
cleanup() { [[ -n $mounted ]] && umount "$mounted" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export OMP_WAIT_POLICY=passive
fail() { echo "FAIL ($case): $*"; echo "--- output:"; cat "$work/out" 2>/dev/null; exit 1; }
# run EXPECTED_RC COMMAND...: runs it with its output in $work/out, fails unless it exits EXPECTED_RC
run() {
  local expected=$1
  shift
  "$@" >"$work/out" 2>&1
  local rc=$?
  ((rc == expected)) || fail "exit status $rc, expected $expected: $*"
}
expect_output() { grep -q -- "$1" "$work/out" || fail "the output lacks '$1'"; }
refuse_output() { ! grep -q -- "$1" "$work/out" || fail "the output contains '$1'"; }
# interrupt PID SECONDS: SIGINT to PID after SECONDS; it must exit 130 within 30 s (prints how long it took)
interrupt() {
  sleep "$2"
  kill -INT "$1"
  local start rc ms
  start=$(date +%s%N)
  wait "$1"
  rc=$?
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  ((rc == 130)) || fail "exit status $rc after SIGINT, expected 130"
  ((ms < 30000)) || fail "took $ms ms to stop after SIGINT"
  echo "stopped $ms ms after SIGINT"
}
quick=(--restarts 1 --iterations 40 --no-fine-tune --quiet)

case $case in
  strict_numbers)
    run 2 "$swatnn" search --cornn Sphere --l0 1e-6xyz
    expect_output "--l0 takes a finite number, got '1e-6xyz'"
    run 2 "$swatnn" search --cornn Sphere --l1 nan
    expect_output "--l1 takes a finite number"
    run 2 "$swatnn" search --cornn Sphere --restarts 99999999999
    expect_output "--restarts takes a whole number >= 1 (at most 2147483647)"
    run 2 "$swatnn" search --cornn Sphere --seed -3
    expect_output "--seed takes a whole number"
    run 2 "${train[@]}" --out "$work/m.swt" --steps -1
    expect_output "--steps takes a whole number >= 0"
    run 2 "${train[@]}" --out "$work/m.swt" --minutes 5x
    expect_output "--minutes takes a finite number >= 0, got '5x'"
    [[ ! -e $work/m.swt ]] || fail "train-autoencoder wrote a model"
    refuse_output "swatnn: swatnn:"
    ;;
  missing_output_dir)
    for flag in --json --header --dot; do
      start=$(date +%s%N)
      run 1 "$swatnn" search --cornn Sphere "${quick[@]}" "$flag" "$work/no/such/dir/out"
      ms=$(( ($(date +%s%N) - start) / 1000000 ))
      expect_output "$flag $work/no/such/dir/out: the directory '$work/no/such/dir' does not exist"
      refuse_output "swatnn: swatnn:"
      refuse_output "nonzero parameters"   # failed before the search
      echo "$flag into a missing directory: refused in $ms ms"
    done
    for flag in --csv --markdown; do
      run 1 "$swatnn" cornn --functions Sphere "${quick[@]}" "$flag" "$work/no/such/dir/out"
      expect_output "$flag $work/no/such/dir/out: the directory '$work/no/such/dir' does not exist"
      refuse_output "functions in"
    done
    run 1 "${train[@]}" --out "$work/no/dir/m.swt" --steps 10
    expect_output "--out $work/no/dir/m.swt: the directory"
    run 1 "$swatnn" search --cornn Sphere "${quick[@]}" --json "$work"
    expect_output "is a directory"
    ;;
  readonly_output_dir)
    mkdir -p "$work/ro"
    mount -t tmpfs -o size=64k,ro tmpfs "$work/ro" 2>/dev/null || { echo "SKIP: cannot mount a read-only tmpfs"; exit 77; }
    mounted=$work/ro
    run 1 "$swatnn" search --cornn Sphere "${quick[@]}" --json "$work/ro/out.json"
    expect_output "cannot create files in the directory '$work/ro'"
    refuse_output "nonzero parameters"
    run 1 "$swatnn" cornn --functions Sphere "${quick[@]}" --csv "$work/ro/out.csv"
    expect_output "cannot create files in the directory"
    ;;
  device_outputs)
    mknod "$work/null" c 1 3 && mknod "$work/full" c 1 7 || { echo "SKIP: cannot mknod"; exit 77; }
    run 0 "$swatnn" search --allow-constant --cornn Sphere "${quick[@]}" --json "$work/null" --header "$work/null" --dot "$work/null"
    [[ -c $work/null ]] || fail "the null device node was replaced"
    run 1 "$swatnn" search --cornn Sphere "${quick[@]}" --json "$work/full"
    expect_output "No space left on device"
    refuse_output "swatnn: swatnn:"
    [[ -c $work/full ]] || fail "the full device node was replaced"
    run 1 "$swatnn" search --cornn Sphere "${quick[@]}" --header "$work/full"
    expect_output "No space left on device"
    run 1 "$swatnn" cornn --functions Sphere "${quick[@]}" --csv "$work/full"
    expect_output "No space left on device"
    [[ -c $work/full ]] || fail "the full device node was replaced"
    (($(ls "$work" | wc -l) == 3)) || fail "files were left beside the devices: $(ls "$work")"
    ;;
  fifo_and_symlink_outputs)
    mkfifo "$work/pipe"
    cat "$work/pipe" >"$work/from_pipe" &
    reader=$!
    run 0 "$swatnn" search --allow-constant --cornn Sphere "${quick[@]}" --json "$work/pipe"
    wait $reader
    [[ -p $work/pipe ]] || fail "the FIFO was replaced"
    grep -q '"nonzero_parameters"' "$work/from_pipe" || fail "the reader of the FIFO did not get the JSON"
    mkdir "$work/real"
    echo old >"$work/real/net.json"
    ln -s real/net.json "$work/link.json"
    run 0 "$swatnn" search --allow-constant --cornn Sphere "${quick[@]}" --json "$work/link.json"
    [[ -L $work/link.json ]] || fail "the symbolic link was replaced"
    grep -q '"nonzero_parameters"' "$work/real/net.json" || fail "the link's target was not written"
    ;;
  sigint_search)
    "$swatnn" search --cornn Sphere --restarts 1 --iterations 100000000 --quiet --json "$work/partial.json" \
      >"$work/out" 2>&1 &
    interrupt $! 5
    expect_output "interrupted"
    grep -q '"name": "Sphere (partial: interrupted)"' "$work/partial.json" || fail "no partial JSON written"
    ;;
  sigint_tune)
    # a short search, then fine-tuning without end: SIGINT stops the tuning at the candidates' next update. The
    # signal is sent well after the search alone would have ended (timed first: sanitizer builds are slower).
    start=$(date +%s%N)
    run 0 "$swatnn" search --allow-constant --cornn Sphere --restarts 1 --iterations 40 --no-fine-tune --quiet
    search_ms=$(( ($(date +%s%N) - start) / 1000000 ))
    "$swatnn" search --cornn Sphere --restarts 1 --iterations 40 --tune-iterations 100000000 --tune-patience 0 \
      --quiet --json "$work/tuned.json" >"$work/out" 2>&1 &
    interrupt $! $(( 2 + 2 * search_ms / 1000 ))
    expect_output "as far as they were fine-tuned was written (partial)"
    expect_output "after fine-tuning"
    grep -q '"name": "Sphere (partial: interrupted)"' "$work/tuned.json" || fail "no partial JSON written"
    ;;
  sigint_sweep)
    "$swatnn" cornn --functions Sphere,Booth,Matyas,Beale --jobs 1 --restarts 1 --iterations 100000000 --quiet \
      --csv "$work/sweep.csv" --markdown "$work/sweep.md" >"$work/out" 2>&1 &
    pid=$!
    sleep 5
    kill -INT $pid
    wait $pid
    rc=$?
    ((rc == 130)) || fail "exit status $rc after SIGINT, expected 130"
    expect_output "interrupted: 0 of 4 functions finished"
    head -1 "$work/sweep.csv" | grep -q ',status$' || fail "the CSV has no status column"
    grep -q '^"Sphere",.*,partial$' "$work/sweep.csv" || fail "the interrupted function is not in the CSV as partial"
    (($(wc -l <"$work/sweep.csv") == 2)) || fail "functions that never started are in the CSV"
    grep -q 'Sphere (partial)' "$work/sweep.md" || fail "the markdown does not mark the partial row"
    ;;
  kill_resume_training)
    # the same short training run uninterrupted, and SIGKILLed after its first checkpoint then resumed
    small=(--recipe paper --steps 40 --checkpoint-every 5 --seed 3 --networks 16 --points 50 --batch 8)
    run 0 "${train[@]}" --out "$work/straight.swt" --checkpoint "$work/straight.ckpt" "${small[@]}"
    "${train[@]}" --out "$work/killed.swt" --checkpoint "$work/killed.ckpt" "${small[@]}" >"$work/out" 2>&1 &
    pid=$!
    while [[ ! -e $work/killed.ckpt ]] && kill -0 $pid 2>/dev/null; do sleep 0.02; done
    kill -KILL $pid 2>/dev/null || fail "the run ended before it could be killed (make it longer)"
    wait $pid
    rc=$?
    ((rc == 137)) || fail "exit status $rc, expected 137 (SIGKILL)"
    [[ ! -e $work/killed.swt ]] || fail "the killed run wrote its model"
    run 0 "${train[@]}" --out "$work/killed.swt" --checkpoint "$work/killed.ckpt" --resume "$work/killed.ckpt" "${small[@]}"
    cmp "$work/straight.swt" "$work/killed.swt" || fail "the resumed run's model differs from the uninterrupted run's"
    ;;
  determinism)
    # same seed, same build, same thread count: byte-identical exports across runs (search and fine-tuning)
    args=(search --cornn Booth --restarts 2 --iterations 300 --tune-iterations 100 --quiet)
    for t in 1 1b 2 2b; do
      OMP_NUM_THREADS=${t%b} run 0 "$swatnn" "${args[@]}" --json "$work/$t.json" --header "$work/$t.hpp"
    done
    cmp "$work/1.json" "$work/1b.json" || fail "two runs on 1 thread differ"
    cmp "$work/1.hpp" "$work/1b.hpp" || fail "two runs on 1 thread export different headers"
    cmp "$work/2.json" "$work/2b.json" || fail "two runs on 2 threads differ"
    ;;
  determinism_threads)
    # the same search on 1 and on 2 threads gives the same JSON (docs/reliability.md, "Determinism")
    args=(search --cornn Booth --restarts 2 --iterations 300 --no-fine-tune --quiet)
    for t in 1 2; do OMP_NUM_THREADS=$t run 0 "$swatnn" "${args[@]}" --json "$work/$t.json"; done
    cmp "$work/1.json" "$work/2.json" || fail "1 and 2 threads differ"
    ;;
  bad_data)
    # the command's messages for bad user data (the library's are tested in tests/data/bad_data.cpp)
    { echo "x1,x2,y"; for i in $(seq 0 19); do echo "$i,$((i * i)),7"; done; } >"$work/constant.csv"
    run 1 "$swatnn" search --train "$work/constant.csv" --target y "${quick[@]}"
    expect_output "swatnn: $work/constant.csv (training labels): column index 0 ('y') is constant (7)"
    # more inputs than any model has (the universal model takes 1 to 7)
    { echo "a,b,c,d,e,f,g,h,y"; for i in $(seq 0 19); do echo "$i,$((i * i)),$((i % 3)),$i,$i,$i,$i,$((i % 4)),$((i * 2))"; done; } >"$work/eight.csv"
    run 1 "$swatnn" search --train "$work/eight.csv" --target y "${quick[@]}"
    expect_output "the dataset has 8 input columns ('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'); the models take 1 to 7"
    { echo "x1,x2,y"; for i in $(seq 0 19); do echo "$i,$((i * i)),$((i * 3))"; done; } >"$work/train.csv"
    { echo "x1,x2,y"; for i in $(seq 0 11); do [[ $i == 4 ]] && echo "nan,1,2" || echo "$i,$i,$i"; done; } >"$work/test.csv"
    run 1 "$swatnn" search --train "$work/train.csv" --test "$work/test.csv" --target y "${quick[@]}"
    expect_output "$work/test.csv: line 6, column index 0 ('x1'): value nan is not finite"
    printf '\xef\xbb\xbfx1,x2,y\r\n' >"$work/bom.csv"
    for i in $(seq 0 19); do printf '%s,%s,%s\r\n' $i $((i * i % 7)) $((i * 3)); done >>"$work/bom.csv"
    run 0 "$swatnn" search --allow-constant --train "$work/bom.csv" --target y "${quick[@]}" --json "$work/bom.json"
    grep -q '"nonzero_parameters"' "$work/bom.json" || fail "no JSON for the BOM + CRLF file"
    ;;
  *)
    echo "unknown case $case"
    exit 2
    ;;
esac
echo "PASS ($case)"
