#!/usr/bin/env python3
"""Compares a `swatnn cornn --csv` sweep with a dense baseline (`swatnn baseline --csv`), function by function.

Usage: scripts/compare_sweep.py SWEEP.csv DENSE.csv [--budget 30]
Prints, for the fine-tuned picks and for the search's own picks (before fine-tuning), how many functions beat the
dense network's test MSE, and how many of those with at most BUDGET nonzero parameters. Standard library only.
"""
import csv
import statistics
import sys


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    budget = 30
    if "--budget" in argv:
        budget = int(argv[argv.index("--budget") + 1])
        args = [a for a in args if a != str(budget)]
    if len(args) != 2:
        sys.exit(__doc__)
    sweep = {r["function"]: r for r in csv.DictReader(open(args[0]))}
    dense = {r["function"]: r for r in csv.DictReader(open(args[1]))}
    names = [n for n in sweep if n in dense]
    if len(names) != len(sweep):
        sys.exit("functions missing from the dense CSV: " + ", ".join(sorted(set(sweep) - set(dense))))
    dense_mse = {n: float(dense[n]["test_mse"]) for n in names}
    print(f"{len(names)} functions; dense median test MSE {statistics.median(dense_mse.values()):.3g}")
    picks = [("fine-tuned pick", "tuned_test_mse", "nonzero_parameters")]
    if "search_parameters" in next(iter(sweep.values())):
        picks.append(("search pick, not fine-tuned", "search_test_mse", "search_parameters"))
    for label, mse_col, size_col in picks:
        mse = {n: float(sweep[n][mse_col]) for n in names}
        size = {n: int(sweep[n][size_col]) for n in names}
        wins = [n for n in names if mse[n] < dense_mse[n]]
        small = [n for n in wins if size[n] <= budget]
        print(f"{label}: median test MSE {statistics.median(mse.values()):.3g}, median size "
              f"{statistics.median(size.values()):g} parameters; beats dense on {len(wins)}/{len(names)}, "
              f"{len(small)} of them with <= {budget} parameters ({100.0 * len(small) / len(names):.0f} %)")


if __name__ == "__main__":
    main(sys.argv)
