"""Benchmark of the fast engine's goals, each measured as the whole command a user types.

Usage: python benchmarks/bench_fast.py [--reps 1000] [--des-reps 3] [--fast-reps 200]
                                       [--sweep-samples 256] [--sweep-reps 100] [--memory-reps 10000]
                                       [--baseline CHECKOUT] [--jobs N] [--skip-sweep] [--skip-memory]

Prints, all measured in this run (wall seconds of a fresh ``python -m simulator.cli`` process, so
process start, imports, engine, store writing and summary are all included):

(a) ``fiscalsim run scenarios/shandong.yaml --reps 1000`` with parameters drawn (the default) and
    with ``--fixed-params``; goal <= 10 s;
(b) seconds per Shandong replication of the SimPy engine (``--des-reps`` replications) and of the fast
    engine (``--fast-reps``), both on one process in this run, and their ratio; goal >= 300;
(c) ``fiscalsim sweep scenarios/sweeps/liaocheng-lhs.yaml --samples 256 --replications 100``; goal <= 20 s;
(d) peak memory of ``fiscalsim run scenarios/shandong.yaml --reps 10000`` (summed over the process and its
    workers, sampled every 50 ms, and the largest single process); goal <= 1.5 GB.

``--baseline CHECKOUT`` times (a) and (c) with another checkout of the project too (e.g. the main
branch), one after the other in this run, and prints the ratios.  ``--jobs`` passes ``--jobs`` to the
commands (default: none, i.e. the command's own default).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHANDONG = "scenarios/shandong.yaml"
SWEEP = "scenarios/sweeps/liaocheng-lhs.yaml"
GB = 1024**3

_PER_REP = """
import sys, time
sys.path.insert(0, {root!r})
from simulator.engines.des import run_replication
from simulator.engines.fast import simulate_block
from simulator.loader import load_scenario
from simulator.runner import FAST_BLOCK
s = load_scenario({scenario!r}).scenario
t0 = time.perf_counter()
for r in range({des}):
    run_replication(s, 1, r)
des = (time.perf_counter() - t0) / {des}
simulate_block(s, 1, range(2))  # caches warm
t0 = time.perf_counter()
for a in range(0, {fast}, FAST_BLOCK):
    simulate_block(s, 1, range(a, min(a + FAST_BLOCK, {fast})))
print(des, (time.perf_counter() - t0) / {fast})
"""


def _env(checkout: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(checkout)
    return env


def command(checkout: Path, args: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, over the process and its workers) of
    ``python -m simulator.cli ARGS`` run from ``checkout`` (output discarded).

    CPU seconds do not grow when the machine is shared, wall seconds do: both are printed.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "simulator.cli", *args], cwd=checkout, env=_env(checkout),
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    dt = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed in {checkout} (status {proc.returncode}):\n{proc.stderr[-2000:]}")
    return dt, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _line(secs: dict[str, tuple[float, float]]) -> str:
    """``name: wall s (cpu s CPU)`` for each checkout, and the speed-ups over the baseline."""
    line = "  ".join(f"{name}: {w:6.1f} s ({c:6.1f} s CPU)" for name, (w, c) in secs.items())
    if "baseline" in secs:
        (bw, bc), (tw, tc) = secs["baseline"], secs["this"]
        line += f"   speed-up {bw / tw:.2f}x wall, {bc / tc:.2f}x CPU"
    return line


def run_args(out: Path, reps: int, jobs: int | None, fixed: bool) -> list[str]:
    """The ``run`` command of goal (a)."""
    extra = (["--jobs", str(jobs)] if jobs else []) + (["--fixed-params"] if fixed else [])
    return ["--lang", "en", "run", SHANDONG, "--reps", str(reps), "--out", str(out), "--force", *extra]


def sweep_args(out: Path, samples: int, reps: int, jobs: int | None) -> list[str]:
    """The ``sweep`` command of goal (c)."""
    extra = ["--jobs", str(jobs)] if jobs else []
    return ["--lang", "en", "sweep", SWEEP, "--samples", str(samples), "--replications", str(reps),
            "--out", str(out), "--force", *extra]


def peak_memory(checkout: Path, args: list[str]) -> tuple[int, int, float]:
    """Peak summed and largest resident memory of a command and its workers (psutil, every 50 ms), and its seconds."""
    import psutil

    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "simulator.cli", *args], cwd=checkout, env=_env(checkout),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ps = psutil.Process(proc.pid)
    total = largest = 0
    while proc.poll() is None:
        try:
            rss = [p.memory_info().rss for p in [ps, *ps.children(recursive=True)] if p.is_running()]
            total, largest = max(total, sum(rss)), max(largest, *rss)
        except (psutil.Error, ValueError):
            pass
        time.sleep(0.05)
    if proc.returncode != 0:
        raise SystemExit(f"memory run failed with status {proc.returncode}")
    return total, largest, time.perf_counter() - t0


def main() -> None:
    """Measure and print every goal figure."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--des-reps", type=int, default=3)
    ap.add_argument("--fast-reps", type=int, default=200)
    ap.add_argument("--sweep-samples", type=int, default=256)
    ap.add_argument("--sweep-reps", type=int, default=100)
    ap.add_argument("--memory-reps", type=int, default=10_000)
    ap.add_argument("--baseline", type=Path, default=None, help="another checkout to time (a) and (c) with")
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--skip-sweep", action="store_true")
    ap.add_argument("--skip-memory", action="store_true")
    args = ap.parse_args()
    checkouts = [("this", ROOT)] + ([("baseline", args.baseline.resolve())] if args.baseline else [])
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        print(f"(a) fiscalsim run {SHANDONG} --reps {args.reps} (whole command, store written; goal <= 10 s); "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        for fixed in (False, True):
            secs = {name: command(path, run_args(out / f"run-{name}", args.reps, args.jobs, fixed))
                    for name, path in checkouts}
            print("    " + ("--fixed-params" if fixed else "drawn (default)").ljust(16) + _line(secs), flush=True)
        code = _PER_REP.format(root=str(ROOT), scenario=str(ROOT / SHANDONG), des=args.des_reps, fast=args.fast_reps)
        res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(ROOT), capture_output=True, text=True,
                             check=True)
        des, fast = (float(x) for x in res.stdout.split())
        print(f"(b) seconds per Shandong replication, one process, central parameters: SimPy {des:.3f} s "
              f"({args.des_reps} reps), fast {fast:.4f} s ({args.fast_reps} reps); ratio {des / fast:.0f} "
              "(goal >= 300)", flush=True)
        if not args.skip_sweep:
            print(f"(c) fiscalsim sweep {SWEEP} --samples {args.sweep_samples} --replications {args.sweep_reps} "
                  "(goal <= 20 s)")
            secs = {name: command(path, sweep_args(out / f"sweep-{name}", args.sweep_samples, args.sweep_reps,
                                                   args.jobs)) for name, path in checkouts}
            print("    " + _line(secs), flush=True)
        if not args.skip_memory:
            total, largest, wall = peak_memory(ROOT, run_args(out / "memory", args.memory_reps, args.jobs, False))
            print(f"(d) peak memory, fiscalsim run {SHANDONG} --reps {args.memory_reps}: {total / GB:.2f} GB summed "
                  f"over the process and its workers, {largest / GB:.2f} GB the largest one ({wall:.0f} s; "
                  "goal <= 1.5 GB)", flush=True)


if __name__ == "__main__":
    main()
