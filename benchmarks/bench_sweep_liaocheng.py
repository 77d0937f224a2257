"""Benchmark: points per second of an LHS sweep of Liaocheng, with 1 and 2 workers.

Usage: python benchmarks/bench_sweep_liaocheng.py [--points 256] [--reps 100] [--engine fast|des]

The issue's reference sweep is 256 LHS points x 100 replications of
``scenarios/liaocheng.yaml`` (the factors of ``scenarios/sweeps/liaocheng-lhs.yaml``).
Smaller ``--points/--reps`` give the same per-replication cost and an
extrapolated time for the full sweep.  Both worker counts run in this process,
one after the other, so their ratio is measured under the same conditions.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.sweep.executors import make_executor
from simulator.sweep.runner import run_sweep
from simulator.sweep.spec import load_spec

SPEC = Path(__file__).resolve().parents[1] / "scenarios" / "sweeps" / "liaocheng-lhs.yaml"


def main() -> None:
    """Print points/s for 1 and 2 workers and the extrapolated full-sweep time."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=256)
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--engine", default="fast")
    args = ap.parse_args()
    spec = load_spec(SPEC, engine=args.engine, samples=args.points, replications=args.reps)
    rates = {}
    for jobs in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            run_sweep(spec, Path(tmp) / "sweep", make_executor(serial=True) if jobs == 1 else make_executor(jobs=jobs), progress=False)
            dt = time.perf_counter() - t0
        rates[jobs] = args.points / dt
        full = 256 * 100 / (args.points * args.reps) * dt
        print(f"workers={jobs}: {args.points} points x {args.reps} reps in {dt:.1f} s = {rates[jobs]:.2f} points/s; "
              f"256 x 100 extrapolated: {full:.0f} s")
    print(f"speed-up of 2 workers over 1: {rates[2] / rates[1]:.2f}x")


if __name__ == "__main__":
    main()
