"""Benchmark of the SimPy engine: model events per second and seconds per replication.

Usage: python benchmarks/bench_des.py [--reps N] [--rounds K] [--baseline DIR]

Cases: a one-city scenario with 1,000 and then 10,000 firms (plus platforms,
calls and funds), and the province scenario (``scenarios/shandong.yaml``, four
cities) at central parameter values and with the behaviour parameters drawn as
a run draws them by default (group 0's draw: yearly multipliers on the
hazards), each run replication by replication.

A *model event* is what :class:`simulator.engines.des.world.World` counts: an
arrival, a firm's or a platform's own event, a graduation, a call, a review
that decides claims, a tranche falling due, a new fiscal year, a guidance
fund's call, an indicator step.  SimPy's own steps (a process starting or
ending, an interrupt, a timeout left behind by one) are not model events.

Each case runs in a fresh process (imports and the scenario load are not
timed).  Times are reported two ways: wall seconds, and the CPU seconds of the
process (``time.process_time``), which a machine shared with other work
inflates less; events/s is computed from each.  With ``--baseline DIR`` (a
second checkout of the package, e.g. ``git worktree add /tmp/des-before
<commit>``) every case also runs that checkout's engine, alternating with this
one round by round, so the two are measured in the same run under the same
load.  An engine that counts SimPy steps instead of model events (before the
model-event count existed) is credited with the model events of this
checkout's engine for the same replications, which are the same events
(same seed, same draws); its own count is shown as ``steps``.  The best round
of each is reported.  Goal (issue): >= 150,000 model events/s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ("firms-1000", "firms-10000", "shandong", "shandong-drawn")
SEED = 20240601


def _scenario(case: str, tmp: Path):  # type: ignore[no-untyped-def]
    """The scenario of a case (loaded with the package on the path of this process)."""
    from simulator.loader import load_scenario

    if case.startswith("shandong"):
        loaded = load_scenario(ROOT / "scenarios" / "shandong.yaml")
        if case == "shandong":
            return loaded.scenario
        from simulator.uncertainty.draws import build_plan, segments

        return segments(build_plan(loaded), loaded.scenario, SEED, 0, 1, 1)[0].scenario
    sys.path.insert(0, str(ROOT))
    from tests.engine_fixtures import tiny_city_yaml

    firms = int(case.split("-")[1])
    path = tmp / "bench.yaml"
    path.write_text(tiny_city_yaml(firms=firms // 2, hte=firms // 4, labs=max(firms // 20, 5), applicants=firms / 20,
                                   start="2020-01-01", end="2024-12-31", budget_wan=max(firms, 300)), encoding="utf-8")
    return load_scenario(path).scenario


def worker(case: str, reps: int) -> None:
    """Run one case here and print one JSON line per replication."""
    from simulator.engines.des.world import run_replication

    with tempfile.TemporaryDirectory() as tmp:
        scenario = _scenario(case, Path(tmp))
    for r in range(reps):
        w0, c0 = time.perf_counter(), time.process_time()
        events = run_replication(scenario, SEED, r).events
        print(json.dumps({"rep": r, "wall": time.perf_counter() - w0, "cpu": time.process_time() - c0,
                          "events": events}), flush=True)


def run_case(checkout: Path, case: str, reps: int) -> list[dict[str, float]]:
    """Run a case in a fresh interpreter with ``checkout`` first on the path."""
    env = dict(os.environ, PYTHONPATH=str(checkout))
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", case, "--reps", str(reps)],
                         env=env, cwd=checkout, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main() -> None:
    """Print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3, help="replications per case and round (shandong: 1)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds; the best is reported")
    ap.add_argument("--baseline", type=Path, help="another checkout whose engine runs alongside, for a before/after")
    ap.add_argument("--case", action="append", choices=CASES, help="only these cases")
    ap.add_argument("--worker", choices=CASES, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.reps)
        return
    engines = [("this", ROOT)] + ([("baseline", args.baseline.resolve())] if args.baseline else [])
    print("case          engine    reps  model events/rep  steps/rep   s/rep wall  s/rep cpu  events/s wall  events/s cpu")
    for case in args.case or CASES:
        reps = 1 if case.startswith("shandong") else args.reps
        best: dict[str, tuple[float, float]] = {}
        counts: dict[str, int] = {}
        for _ in range(args.rounds):
            for name, checkout in engines:
                rows = run_case(checkout, case, reps)
                wall, cpu = sum(r["wall"] for r in rows), sum(r["cpu"] for r in rows)
                counts[name] = int(sum(r["events"] for r in rows))
                old = best.get(name)
                best[name] = (min(wall, old[0]), min(cpu, old[1])) if old else (wall, cpu)
        model_events = counts["this"]
        for name, _ in engines:
            wall, cpu = best[name]
            steps = counts[name] if counts[name] != model_events else 0
            print(f"{case:<13} {name:<9} {reps:>4}  {model_events // reps:>16,}  {steps // reps or '-':>9}  "
                  f"{wall / reps:>10.3f}  {cpu / reps:>9.3f}  {model_events / wall:>13,.0f}  {model_events / cpu:>12,.0f}")
        if args.baseline:
            (w1, c1), (w0, c0) = best["this"], best["baseline"]
            print(f"{case:<13} speed-up  this/baseline: wall {w0 / w1:.2f}x, cpu {c0 / c1:.2f}x")


if __name__ == "__main__":
    main()
