"""Benchmark of the fast engine against the SimPy engine on one scenario (default: Shandong, four cities).

Usage: python benchmarks/bench_engines.py [--scenario PATH] [--reps 1000] [--jobs 2]
                                          [--des-reps 4] [--fast-reps 100] [--memory-reps 10000]
                                          [--skip-store] [--skip-memory] [--profile]

Prints, all measured in this run:

(a) seconds for ``--reps`` replications with the fast engine on ``--jobs``
    processes, blocks of ``runner.FAST_BLOCK`` replications: the engine alone
    (``simulate_block`` in a process pool), and the whole ``runner.run``
    (engine + result store + summary) for comparison;
(b) seconds per replication of each engine on one process and their ratio;
(c) peak resident memory of ``runner.run`` for ``--memory-reps`` replications
    streamed block by block to a store in a temporary folder (a fresh Python
    process): summed over it and its workers, and of the largest one.

Goals: (a) <= 10 s, (b) ratio >= 300, (c) <= 1.5 GB.  ``--profile`` prints
where the fast engine spends its time (cProfile of one block).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import cProfile
import multiprocessing
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.engines.des.world import run_replication
from simulator.engines.fast.engine import simulate_block
from simulator.loader import load_scenario
from simulator.runner import FAST_BLOCK as BLOCK
from simulator.runner import RunOptions, run
from simulator.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]

_MEMORY_CHILD = """
import resource, sys, tempfile
from pathlib import Path
sys.path.insert(0, {root!r})
from simulator.loader import load_scenario
from simulator.runner import RunOptions, run
loaded = load_scenario({scenario!r})
with tempfile.TemporaryDirectory() as tmp:
    run(loaded, RunOptions(reps={reps}, seed=1, out=Path(tmp) / "store", jobs={jobs}, engine="fast", progress=False))
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(max(own, kids) * 1024)
"""


def _fast_block(scenario: Scenario, seed: int, first: int, last: int) -> int:
    return len(simulate_block(scenario, seed, range(first, last)))


def fast_parallel(scenario: Scenario, reps: int, jobs: int) -> float:
    """Wall seconds for ``reps`` fast replications on ``jobs`` processes (engine only)."""
    blocks = [(a, min(a + BLOCK, reps)) for a in range(0, reps, BLOCK)]
    t0 = time.perf_counter()
    with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        done = sum(f.result() for f in [pool.submit(_fast_block, scenario, 1, a, b) for a, b in blocks])
    assert done == reps
    return time.perf_counter() - t0


def runner_parallel(path: Path, reps: int, jobs: int) -> float:
    """Wall seconds of ``runner.run`` (engine, store and summary) for ``reps`` fast replications."""
    loaded = load_scenario(path)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run(loaded, RunOptions(reps=reps, seed=1, out=Path(tmp) / "store", jobs=jobs, engine="fast", progress=False))
        return time.perf_counter() - t0


def per_rep(scenario: Scenario, des_reps: int, fast_reps: int) -> tuple[float, float]:
    """Seconds per replication of the SimPy engine and of the fast engine, one process each."""
    t0 = time.perf_counter()
    for r in range(des_reps):
        run_replication(scenario, 1, r)
    des = (time.perf_counter() - t0) / des_reps
    simulate_block(scenario, 1, range(2))  # imports and caches warm
    t0 = time.perf_counter()
    for a in range(0, fast_reps, BLOCK):
        simulate_block(scenario, 1, range(a, min(a + BLOCK, fast_reps)))
    return des, (time.perf_counter() - t0) / fast_reps


def peak_memory(path: Path, reps: int, jobs: int) -> tuple[int, int, float]:
    """Peak memory of a fresh process running ``reps`` replications into a store, and its wall seconds.

    Returns ``(total, largest, seconds)``: the peak of the summed resident
    memory of the process and its workers (sampled every 50 ms with psutil),
    and the peak of the largest single process (``ru_maxrss``).
    """
    import psutil

    code = _MEMORY_CHILD.format(root=str(ROOT), scenario=str(path), reps=reps, jobs=jobs)
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    total = 0
    while proc.poll() is None:
        try:
            tree = [ps, *ps.children(recursive=True)]
            total = max(total, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
    out, _ = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"memory run failed with status {proc.returncode}")
    return total, int(out.strip().splitlines()[-1]), time.perf_counter() - t0


def profile(scenario: Scenario) -> None:
    """Print the fast engine's hot spots for one block."""
    prof = cProfile.Profile()
    prof.enable()
    simulate_block(scenario, 1, range(BLOCK))
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(20)


def memory(args: argparse.Namespace) -> None:
    """Print (c)."""
    total, largest, secs = peak_memory(args.scenario, args.memory_reps, args.jobs)
    print(f"(c) peak memory, {args.memory_reps} replications streamed to a store ({args.jobs} worker processes, "
          f"{secs:.0f} s): {total / 2**30:.2f} GB summed over the parent and its workers (goal <= 1.5 GB); "
          f"largest single process {largest / 2**30:.2f} GB")


def main() -> None:
    """Run the measurements and print them."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "shandong.yaml")
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--des-reps", type=int, default=4)
    ap.add_argument("--fast-reps", type=int, default=100)
    ap.add_argument("--memory-reps", type=int, default=10_000)
    ap.add_argument("--skip-store", action="store_true", help="skip the runner.run timing in (a)")
    ap.add_argument("--skip-memory", action="store_true", help="skip (c)")
    ap.add_argument("--memory-only", action="store_true", help="only (c)")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    scenario = load_scenario(args.scenario).scenario
    print(f"scenario {args.scenario.name}: {len(scenario.populations)} cities, {len(scenario.programs)} programs, "
          f"{len(scenario.funds)} funds; block {BLOCK}")
    if args.memory_only:
        memory(args)
        return
    engine_s = fast_parallel(scenario, args.reps, args.jobs)
    print(f"(a) fast engine, {args.reps} replications, {args.jobs} processes: {engine_s:.1f} s (engine only; goal <= 10 s)")
    if not args.skip_store:
        total_s = runner_parallel(args.scenario, args.reps, args.jobs)
        print(f"    runner.run (engine + result store + summary), same: {total_s:.1f} s")
    des, fast = per_rep(scenario, args.des_reps, args.fast_reps)
    print(f"(b) one process: SimPy {des:.3f} s/replication ({args.des_reps} reps), fast {1000 * fast:.1f} ms/replication "
          f"({args.fast_reps} reps): ratio {des / fast:.0f} (goal >= 300)")
    if not args.skip_memory:
        memory(args)
    if args.profile:
        profile(scenario)


if __name__ == "__main__":
    main()
