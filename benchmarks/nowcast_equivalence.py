"""The engines compared on runs held to actual figures (a larger version of tests/test_nowcast_equivalence.py).

Usage: python benchmarks/nowcast_equivalence.py [--des-reps 200] [--fast-reps 1000] [--seed 7] [--jobs 2]

Two runs with actuals: Liaocheng (lc-city-sci paid to the ends of 2020 and
2021, lc-county-match to the end of 2020, LC-6 at the end of 2021) and Tai'an
(TA-T5 at the end of 2023 and the city science fund paid to the end of 2023).
Prints the table of :func:`simulator.engines.compare.table` for each and
exits non-zero if any output fails the criteria of
:mod:`simulator.engines.compare`.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.engines.compare import compare, run_both, table
from simulator.loader import load_scenario
from simulator.scenario import Nowcast, ObservedLevel, ObservedPaid, Scenario

ROOT = Path(__file__).resolve().parents[1]


def scenarios() -> dict[str, Scenario]:
    """The two scenarios with their actuals."""
    lc = load_scenario(ROOT / "scenarios" / "liaocheng.yaml").scenario
    lc_nc = Nowcast(as_of=date(2021, 12, 31), file="actuals.csv", sha256="0" * 64,
                    funds={"lc-city-sci": (ObservedPaid(date=date(2020, 12, 31), fen=300_000_000),
                                           ObservedPaid(date=date(2021, 12, 31), fen=700_000_000)),
                           "lc-county-match": (ObservedPaid(date=date(2020, 12, 31), fen=150_000_000),)},
                    targets={"LC-6": (ObservedLevel(date=date(2021, 12, 31), value=3),)})
    ta = load_scenario(ROOT / "scenarios" / "taian.yaml").scenario
    ta_nc = Nowcast(as_of=date(2023, 12, 31), file="actuals.csv", sha256="0" * 64,
                    funds={"ta-city-sci": (ObservedPaid(date=date(2023, 12, 31), fen=1_000_000_000),)},
                    targets={"TA-T5": (ObservedLevel(date=date(2023, 12, 31), value=600),)})
    return {"liaocheng": lc.model_copy(update={"nowcast": lc_nc}), "taian": ta.model_copy(update={"nowcast": ta_nc})}


def main() -> None:
    """Run both comparisons and print their tables."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--des-reps", type=int, default=200)
    ap.add_argument("--fast-reps", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    failures = 0
    for name, s in scenarios().items():
        t0 = time.perf_counter()
        des, fast = run_both(s, args.seed, args.des_reps, args.fast_reps, jobs=args.jobs)
        verdicts = compare(s, des, fast, alpha=0.01)
        bad = sum(not v.ok for v in verdicts)
        failures += bad
        print(f"\n== {name} with actuals: {args.des_reps} SimPy vs {args.fast_reps} fast replications, "
              f"seed {args.seed}, {time.perf_counter() - t0:.0f} s; {len(verdicts) - bad}/{len(verdicts)} pass")
        print(table(verdicts))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
