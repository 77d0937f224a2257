"""Benchmark of the SimPy engine: model events per second and seconds per replication.

Usage: python benchmarks/bench_des.py [--reps N]

A one-city scenario with 1,000 and then 10,000 firms (plus platforms, calls and
funds) is run replication by replication; the figures printed are the mean over
the replications, measured in this run.  Goal (issue): >= 150,000 events/s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.engines.des.world import run_replication
from simulator.loader import load_scenario
from tests.engine_fixtures import tiny_city_yaml


def bench(firms: int, reps: int) -> tuple[float, float, int]:
    """Return (seconds per replication, events per second, events per replication)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.yaml"
        text = tiny_city_yaml(firms=firms // 2, hte=firms // 4, labs=max(firms // 20, 5), applicants=firms / 20,
                              start="2020-01-01", end="2024-12-31", budget_wan=max(firms, 300))
        path.write_text(text, encoding="utf-8")
        scenario = load_scenario(path).scenario
    events = 0
    t0 = time.perf_counter()
    for r in range(reps):
        events += run_replication(scenario, 1, r).events
    dt = time.perf_counter() - t0
    return dt / reps, events / dt, events // reps


def main() -> None:
    """Print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    print("firms(initial)  s/replication  events/replication  events/s")
    for firms in (1_000, 10_000):
        per_rep, eps, ev = bench(firms, args.reps if firms <= 1000 else max(1, args.reps // 2))
        print(f"{firms:>14,}  {per_rep:>13.3f}  {ev:>18,}  {eps:>8,.0f}")


if __name__ == "__main__":
    main()
