"""The full equivalence check: fast engine against SimPy engine, >= 500 replications each, every shipped scenario.

Usage: python benchmarks/equivalence_full.py [--des-reps 500] [--fast-reps 2000] [--seed 7] [--jobs 2]
                                             [--no-drawn] [PATH ...]

For each scenario (default: every shipped one, ``scenarios/*.yaml`` and
``scenarios/variants/*.yaml``, and the documentation's examples
``docs/examples/*.yaml``) prints a table: output, KS p-value, mean under each
engine, relative difference, allowance, pass/fail.  Unless ``--no-drawn``,
each scenario is compared a second time on one drawn parameter vector (the
scenario of replication group 1, the same for both engines), as a run with
drawn parameters uses it.  The criteria are those of
``tests/test_equivalence.py`` (see :mod:`simulator.engines.compare`); with
more replications the noise allowance is smaller, so the means are held closer
to the 2% bound.  The test suite runs the same comparison on small samples
(40-80 SimPy replications); this script is where the engines are held to it at
full size.  Ends with one line per comparison (PASS or FAIL) and exits
non-zero if any output fails.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.engines.compare import compare, run_both, table
from simulator.loader import load_scenario
from simulator.scenario import Scenario
from simulator.uncertainty.draws import build_plan

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Row:
    """One comparison's line of the closing table."""

    name: str
    mode: str
    outputs: int
    failed: int
    seconds: float


def shipped() -> list[Path]:
    """Every shipped scenario and variant, and the documentation's example scenarios."""
    return [*sorted((ROOT / "scenarios").glob("*.yaml")), *sorted((ROOT / "scenarios" / "variants").glob("*.yaml")),
            *sorted((ROOT / "docs" / "examples").glob("*.yaml"))]


def _label(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _one(name: str, mode: str, s: Scenario, args: argparse.Namespace) -> Row:
    """Compare the engines on one scenario and print its table."""
    t0 = time.perf_counter()
    des, fast = run_both(s, args.seed, args.des_reps, args.fast_reps, jobs=args.jobs)
    verdicts = compare(s, des, fast, alpha=0.01)
    bad = sum(not v.ok for v in verdicts)
    row = Row(name, mode, len(verdicts), bad, time.perf_counter() - t0)
    print(f"\n== {name} ({mode}): {args.des_reps} SimPy vs {args.fast_reps} fast replications, seed {args.seed}, "
          f"{row.seconds:.0f} s; {len(verdicts) - bad}/{len(verdicts)} pass", flush=True)
    print(table(verdicts), flush=True)
    return row


def closing_table(rows: list[Row]) -> str:
    """One line per comparison: scenario, parameters, outputs compared, failures, time, PASS/FAIL."""
    width = max([len(r.name) for r in rows] + [8])
    head = f"{'scenario':<{width}}  {'params':<7} {'outputs':>7} {'failed':>6} {'seconds':>8}  result"
    lines = [head, "-" * len(head)]
    for r in rows:
        verdict = "PASS" if r.outputs and not r.failed else "FAIL"
        lines.append(f"{r.name:<{width}}  {r.mode:<7} {r.outputs:>7} {r.failed:>6} {r.seconds:>8.0f}  {verdict}")
    return "\n".join(lines)


def main() -> None:
    """Run the comparison for every scenario, print the tables and the closing pass/fail table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("--des-reps", type=int, default=500)
    ap.add_argument("--fast-reps", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-drawn", action="store_true", help="only the central parameter values")
    args = ap.parse_args()
    if args.des_reps < 500 or args.fast_reps < 500:
        print("note: fewer than 500 replications per engine is below the full check's standard", file=sys.stderr)
    rows: list[Row] = []
    for path in args.paths or shipped():
        loaded = load_scenario(path)
        rows.append(_one(_label(path), "central", loaded.scenario, args))
        if args.no_drawn:
            continue
        plan = build_plan(loaded, fixed=False)
        drawn = plan.scenario_for(loaded.scenario, plan.draw(args.seed, 1, 2 * plan.group_size))
        if drawn is not loaded.scenario:  # something is drawn
            rows.append(_one(_label(path), "drawn", drawn, args))
    failures = sum(r.failed for r in rows) + sum(not r.outputs for r in rows)
    print("\n" + closing_table(rows))
    print(f"\n{'ALL PASS' if failures == 0 else f'{failures} output(s) FAIL'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
