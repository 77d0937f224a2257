"""The full equivalence check: fast engine against SimPy engine, >= 500 replications each, every scenario.

Usage: python benchmarks/equivalence_full.py [--des-reps 500] [--fast-reps 2000] [--seed 7] [--jobs 2] [PATH ...]

For each scenario (default: ``scenarios/*.yaml`` and ``docs/examples/minimal.yaml``)
prints a table: output, KS p-value, mean under each engine, relative
difference, allowance, pass/fail.  The criteria are those of
``tests/test_equivalence.py`` (see :mod:`simulator.engines.compare`); with more
replications the noise allowance is smaller, so the means are held closer to
the 2% bound.  Exits non-zero if any output fails.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.engines.compare import compare, run_both, table
from simulator.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Run the comparison for every scenario and print the tables."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("--des-reps", type=int, default=500)
    ap.add_argument("--fast-reps", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    if args.des_reps < 500 or args.fast_reps < 500:
        print("note: fewer than 500 replications per engine is below the full check's standard", file=sys.stderr)
    paths = args.paths or [*sorted((ROOT / "scenarios").glob("*.yaml")), ROOT / "docs" / "examples" / "minimal.yaml"]
    failures = 0
    for path in paths:
        s = load_scenario(path).scenario
        t0 = time.perf_counter()
        des, fast = run_both(s, args.seed, args.des_reps, args.fast_reps, jobs=args.jobs)
        verdicts = compare(s, des, fast, alpha=0.01)
        bad = sum(not v.ok for v in verdicts)
        failures += bad
        print(f"\n== {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {args.des_reps} SimPy vs "
              f"{args.fast_reps} fast replications, seed {args.seed}, {time.perf_counter() - t0:.0f} s; "
              f"{len(verdicts) - bad}/{len(verdicts)} pass")
        print(table(verdicts))
    print(f"\n{'ALL PASS' if failures == 0 else f'{failures} output(s) FAIL'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
