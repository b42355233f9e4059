#!/usr/bin/env bash
# The swatnn command's command-line conventions (registered with ctest by tests/CMakeLists.txt):
#   conventions.sh SWATNN VERSION CASE
# --help / -h on the command and on every subcommand (exit 0, the help on stdout, nothing on stderr), --version,
# --opt=value, unknown and cross-subcommand options, strict numbers (exit 2, a message naming the option, one
# "swatnn: " prefix), a run-time error (exit 1), NPY input by extension and --inputs column selection.
# Each case exits 0 when the command behaved as documented, 1 otherwise (saying why).
set -uo pipefail
swatnn=$1 version=$2 case=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/swatnn_conventions.XXXXXX")
trap 'rm -rf "$work"' EXIT
export OMP_WAIT_POLICY=passive
fail() {
  echo "FAIL ($case): $*"
  echo "--- stdout:"; cat "$work/stdout" 2>/dev/null
  echo "--- stderr:"; cat "$work/stderr" 2>/dev/null
  exit 1
}
# run EXPECTED_RC COMMAND...: stdout in $work/stdout, stderr in $work/stderr; fails unless it exits EXPECTED_RC
run() {
  local expected=$1
  shift
  "$@" >"$work/stdout" 2>"$work/stderr"
  local rc=$?
  ((rc == expected)) || fail "exit status $rc, expected $expected: $*"
}
stdout_has() { grep -q -- "$1" "$work/stdout" || fail "stdout lacks '$1'"; }
stderr_has() { grep -q -- "$1" "$work/stderr" || fail "stderr lacks '$1'"; }
stdout_empty() { [[ ! -s $work/stdout ]] || fail "stdout is not empty"; }
stderr_empty() { [[ ! -s $work/stderr ]] || fail "stderr is not empty"; }
# a usage error: exit 2, nothing on stdout, one line "swatnn: MESSAGE" on stderr (one prefix)
usage_error() {
  local message=$1
  shift
  run 2 "$@"
  stdout_empty
  stderr_has "^swatnn: .*$message"
  ! grep -q "swatnn: swatnn:" "$work/stderr" || fail "the prefix is doubled"
  (($(wc -l <"$work/stderr") == 1)) || fail "more than one line on stderr"
}
quick=(--restarts 1 --iterations 40 --no-fine-tune --quiet --allow-constant)  # conventions, not quality
commands=(search cornn compare train-autoencoder evaluate-autoencoder baseline)

case $case in
  help)
    for flag in --help -h; do
      run 0 "$swatnn" "$flag"
      stderr_empty
      stdout_has "Usage: swatnn"
      stdout_has "Exit status: 0 done; 1 a run-time or data error"
      for c in "${commands[@]}"; do stdout_has "^  $c "; done
      for c in "${commands[@]}"; do
        run 0 "$swatnn" "$c" "$flag"
        stderr_empty
        stdout_has "Usage: swatnn $c \[OPTIONS\]"
        stdout_has "Exit status:"
      done
    done
    # every option the parser takes is in its help, with its default
    run 0 "$swatnn" search --help
    for option in --cornn --train --test --target --inputs --model --restarts --iterations --seed --l0 --l1 \
      --neuron-count --mask-separation --neuron-sharpness-start --max-parameters --selection-tolerance --prune-to \
      --no-fine-tune --tune-method --tune-iterations --tune-patience --lm-iterations --lm-patience --quiet --json \
      --header --dot; do
      stdout_has "^  $option"
    done
    stdout_has "--restarts N=4"
    stdout_has "--l0 X=1e-06"
    stdout_has "--tune-iterations N=2000"
    run 0 "$swatnn" compare --help
    stdout_has "--tune-method adam|lm|adam+lm=adam+lm"
    stdout_has "--budgets N,N,...=10,20,30,50"
    run 0 "$swatnn" baseline --help
    stdout_has "--width N=10"
    stdout_has "--iterations N=10000"
    run 0 "$swatnn" train-autoencoder --help
    stdout_has "--steps N=60000"
    stdout_has "--out FILE REQUIRED"
    ;;
  version)
    run 0 "$swatnn" --version
    stderr_empty
    [[ $(cat "$work/stdout") == "swatnn $version" ]] || fail "--version printed '$(cat "$work/stdout")', expected 'swatnn $version'"
    ;;
  opt_equals)
    run 0 "$swatnn" search --cornn=Sphere --restarts=1 --iterations=40 --no-fine-tune --quiet --allow-constant --json="$work/net.json"
    grep -q '"nonzero_parameters"' "$work/net.json" || fail "--json=FILE wrote no JSON"
    ;;
  unknown_option)
    usage_error "unknown option --bogus for swatnn search; see swatnn search --help" \
      "$swatnn" search --cornn Sphere --bogus 1
    usage_error "unknown command 'serch'" "$swatnn" serch --cornn Sphere
    usage_error "give a command" "$swatnn"
    usage_error "search needs exactly one of --cornn or --train" "$swatnn" search
    usage_error "--out is required" "$swatnn" train-autoencoder --steps 5
    usage_error "--json: 1 required FILE missing" "$swatnn" search --cornn Sphere --json
    ;;
  cross_option)
    usage_error "swatnn search has no option --csv (it is an option of cornn, compare or baseline)" \
      "$swatnn" search --cornn Sphere --csv "$work/x.csv"
    usage_error "swatnn cornn has no option --json (it is an option of search)" \
      "$swatnn" cornn --functions Sphere --json "$work/x.json"
    usage_error "swatnn compare has no option --prune-to (it is an option of search or cornn)" \
      "$swatnn" compare --functions Sphere --prune-to 12
    usage_error "swatnn baseline has no option --restarts" "$swatnn" baseline --restarts 2
    usage_error "--target requires --train" "$swatnn" search --cornn Sphere --target y
    [[ ! -e $work/x.csv && ! -e $work/x.json ]] || fail "an output was written"
    ;;
  bad_number)
    usage_error "--l0 takes a finite number, got '1e-6xyz'" "$swatnn" search --cornn Sphere --l0 1e-6xyz
    usage_error "--l0 takes a finite number, got '1e-6xyz'" "$swatnn" search --cornn Sphere --l0=1e-6xyz
    usage_error "--iterations takes a whole number >= 1 (at most 18446744073709551615), got '0x10'" \
      "$swatnn" search --cornn Sphere --iterations 0x10
    usage_error "--steps takes a whole number >= 0 (at most 18446744073709551615), got '-1'" \
      "$swatnn" train-autoencoder --out "$work/m.swt" --steps -1
    usage_error "--jobs takes a whole number >= 0 (at most 2147483647), got '2.5'" "$swatnn" cornn --all --jobs 2.5
    usage_error "--width takes a whole number in 1..64, got '65'" "$swatnn" baseline --width 65
    usage_error "--lr takes a finite number, got 'inf'" "$swatnn" baseline --lr inf
    usage_error "--budgets takes a comma-separated list of whole numbers in 1..100000, got '10,x'" \
      "$swatnn" compare --functions Sphere --budgets 10,x
    usage_error "--networks takes a whole number >= 0 (at most 2147483647), got '-5'" \
      "$swatnn" evaluate-autoencoder --networks -5
    [[ ! -e $work/m.swt ]] || fail "a model was written"
    ;;
  runtime_error)
    run 1 "$swatnn" search --cornn Spheer "${quick[@]}"
    stderr_has "^swatnn: "
    ! grep -q "swatnn: swatnn:" "$work/stderr" || fail "the prefix is doubled"
    run 1 "$swatnn" search --train "$work/missing.csv" "${quick[@]}"
    stderr_has "^swatnn: $work/missing.csv: "
    run 1 "$swatnn" evaluate-autoencoder --model "$work/missing.swt" --networks 4
    stderr_has "^swatnn: "
    run 1 "$swatnn" baseline --functions Sphere --iterations 10 --csv "$work/no/dir/b.csv"
    stderr_has "^swatnn: --csv $work/no/dir/b.csv: the directory '$work/no/dir' does not exist"
    ;;
  npy_and_inputs)
    # a float32 .npy array (columns x1, x2, an unused column, y = x1 + 2 x2) written here byte by byte
    f32() {  # the little-endian float32 bytes of a whole number 0 <= n < 2^24, as printf escapes
      local n=$1 bits=0 e=0
      if ((n > 0)); then
        while (((1 << (e + 1)) <= n)); do ((e++)); done
        bits=$((((127 + e) << 23) | ((n - (1 << e)) << (23 - e))))
      fi
      printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((bits & 255)) $(((bits >> 8) & 255)) $(((bits >> 16) & 255)) $((bits >> 24))
    }
    rows=30
    header="{'descr': '<f4', 'fortran_order': False, 'shape': ($rows, 4), }"
    while (((10 + ${#header} + 1) % 64 != 0)); do header+=" "; done
    {
      printf '\x93NUMPY\x01\x00'
      printf "\\x$(printf %02x $(((${#header} + 1) & 255)))\\x$(printf %02x $(((${#header} + 1) >> 8)))"
      printf '%s\n' "$header"
      for i in $(seq 1 $rows); do
        x1=$i x2=$(((i * 7) % 13 + 1)) junk=$((i % 5))
        printf "$(f32 $x1)$(f32 $x2)$(f32 $junk)$(f32 $((x1 + 2 * x2)))"
      done
    } >"$work/data.npy"
    (($(stat -c %s "$work/data.npy") == 10 + ${#header} + 1 + rows * 16)) || fail "the test's .npy file has the wrong size"
    # read as NPY (by the extension): four columns, so without --inputs three inputs: the universal model
    run 0 "$swatnn" search --train "$work/data.npy" "${quick[@]}"
    stdout_has "3 inputs ('column 0', 'column 1', 'column 2'), model "
    stdout_has "(universal 1-7-input family)"
    run 0 "$swatnn" search --train "$work/data.npy" --inputs 0,1 --target 3 "${quick[@]}" --json "$work/npy.json"
    stdout_has "nonzero parameters"
    grep -q '"nonzero_parameters"' "$work/npy.json" || fail "no JSON for the .npy data"
    run 1 "$swatnn" search --train "$work/data.npy" --inputs 0,3 --target 3 "${quick[@]}"
    stderr_has "column index 3 ('column 3') is chosen as an input and as the target"
    # --inputs by name on a CSV file, in the order given, a column left out
    { echo "x1,note,x2,y"; for i in $(seq 1 $rows); do echo "$i,$((i % 5)),$(((i * 7) % 13)),$((i + 2 * ((i * 7) % 13)))"; done; } >"$work/data.csv"
    run 0 "$swatnn" search --train "$work/data.csv" --inputs x2,x1 --target y "${quick[@]}" --json "$work/csv.json" \
      --dot "$work/csv.dot"
    stdout_has "nonzero parameters"
    # the exports name the columns chosen, in that order
    grep -q '"input_names": \["x2", "x1"\]' "$work/csv.json" || fail "the JSON does not record the inputs x2, x1"
    grep -q '"target_names": \["y"\]' "$work/csv.json" || fail "the JSON does not record the target y"
    grep -q '"x2"' "$work/csv.dot" || fail "the DOT file does not name the input x2"
    run 1 "$swatnn" search --train "$work/data.csv" --inputs x1,x3 --target y "${quick[@]}"
    stderr_has "no column named 'x3'"
    ;;
  *)
    echo "unknown case $case"
    exit 2
    ;;
esac
echo "PASS ($case)"
