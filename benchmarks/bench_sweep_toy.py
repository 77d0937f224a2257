"""Throughput of the sweep machinery on the threshold toy model.

Runs a 256-point LHS design × 100 replications of ``toy:threshold`` with a
local process pool of 1 and of 2 workers, and prints points per second and the
speed-up. The toy costs about as much per replication as drawing its random
numbers, so this measures the sweep's own overhead (task shipping, result
assembly, atomic Parquet writes) rather than a simulation.

Usage::

    python benchmarks/bench_sweep_toy.py [--points 256] [--reps 100] [--block 25]

The toy is a test model (``tests/sweep/toys.py``): its factory is passed to
``run_sweep`` explicitly.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.sweep.executors import ProcessPoolSweepExecutor, SweepExecutor
from simulator.sweep.spec import SweepSpec, spec_from_mapping
from tests.sweep.toys import run_sweep  # passes the toy's factory


def toy_spec(points: int, reps: int, block: int | None) -> SweepSpec:
    """Build the benchmark's spec.

    Args:
        points: LHS sample size.
        reps: Replications per point.
        block: Replications per task (``None``: all of a point's).

    Returns:
        The spec.
    """
    return spec_from_mapping(
        {
            "scenario": "toy:threshold?noise=0.1",
            "design": "lhs",
            "samples": points,
            "replications": reps,
            "block_size": block,
            "seed": 2024,
            "factors": {
                "x1": {"range": [0.0, 1.0]},
                "x2": {"dist": "normal", "mean": 0.0, "sd": 1.0},
                "policy": {"values": ["base", "strict", "lenient"]},
            },
        }
    )


def time_sweep(spec: SweepSpec, executor: SweepExecutor) -> float:
    """Run the sweep into a fresh temporary directory and time it.

    The executor is started before the clock starts, so process start-up is
    not counted.

    Args:
        spec: The spec.
        executor: The executor.

    Returns:
        Wall-clock seconds of :func:`run_sweep`.
    """
    with tempfile.TemporaryDirectory() as tmp, executor:
        # Warm the workers up (imports) with a tiny sweep first.
        warm = spec_from_mapping({**spec.model_dump(), "samples": 2 * executor.workers})
        run_sweep(warm, Path(tmp) / "warm", executor, progress=False)
        start = time.perf_counter()
        run_sweep(spec, Path(tmp) / "out", executor, progress=False)
        return time.perf_counter() - start


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=256)
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument(
        "--block", type=int, default=None, help="replications per task (default: all)"
    )
    args = parser.parse_args()
    spec = toy_spec(args.points, args.reps, args.block)
    rates: dict[int, float] = {}
    for workers in (1, 2):
        seconds = time_sweep(spec, ProcessPoolSweepExecutor(workers=workers))
        rates[workers] = args.points / seconds
        print(
            f"workers={workers}: {args.points} points x {args.reps} reps in {seconds:.2f} s = {rates[workers]:.1f} points/s"
        )
    print(f"speed-up 2 vs 1 workers: {rates[2] / rates[1]:.2f}x")


if __name__ == "__main__":
    main()
