"""Replications: run R replications in blocks, on one or more processes, into a result store.

What runs (:func:`simulate_block`, pure) is kept apart from how it runs (a
serial loop or a process pool with the ``spawn`` start method, chosen at call
time; nothing is configured at import).  Blocks have a fixed size that does
not depend on the number of workers, so the stored bytes are the same for any
``jobs``.
"""

from __future__ import annotations

import concurrent.futures as cf
import itertools
import multiprocessing
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from simulator import __version__
from simulator.loader import LoadedScenario
from simulator.metrics import MetricContext
from simulator.records import RepResult
from simulator.scenario import Scenario
from simulator.store import (
    RunStore,
    StoreError,
    atomic_write_json,
    block_frames,
    summarize,
    write_block,
)

BLOCK = 25
"""Replications per block of the SimPy engine (one Parquet file each)."""
FAST_BLOCK = 50
"""Replications per block of the vectorised engine (as fast per replication as 100 on Shandong, half the memory)."""
AUTO_FAST_REPS = 10
"""``--engine auto`` uses the vectorised engine above this many replications, the SimPy engine up to it."""

EngineFn = Callable[[Scenario, int, range], list[RepResult]]


def _des_block(scenario: Scenario, seed: int, reps: range) -> list[RepResult]:
    from simulator.engines.des import run_replication

    return [run_replication(scenario, seed, r) for r in reps]


def _fast_block(scenario: Scenario, seed: int, reps: range) -> list[RepResult]:
    from simulator.engines.fast import simulate_block as fast_block

    return fast_block(scenario, seed, reps)


class EngineUnavailable(StoreError):
    """The requested engine does not exist."""


ENGINES = ("auto", "fast", "des")


def resolve_engine(name: str, reps: int) -> str:
    """The engine that runs: ``auto`` is ``fast`` for more than :data:`AUTO_FAST_REPS` replications, else ``des``."""
    if name == "auto":
        return "fast" if reps > AUTO_FAST_REPS else "des"
    if name in ("fast", "des"):
        return name
    raise EngineUnavailable(f"unknown engine {name!r}; expected auto, fast or des")


def engine_available(name: str) -> bool:
    """Whether an engine name is known (``auto`` included)."""
    return name in ENGINES


def engine_fn(name: str) -> EngineFn:
    """The block function of an engine (``des``: SimPy; ``fast``: vectorised)."""
    if name == "des":
        return _des_block
    if name == "fast":
        return _fast_block
    raise EngineUnavailable(f"unknown engine {name!r}; expected fast or des")


def block_size(engine: str) -> int:
    """Replications per stored block for an engine."""
    return FAST_BLOCK if engine == "fast" else BLOCK


def simulate_block(scenario: Scenario, seed: int, first: int, last: int, engine: str) -> tuple[int, dict[str, Any], int, float]:
    """Run replications ``first..last-1`` and return their tables (pure; runs in a worker)."""
    t0 = time.perf_counter()
    results = engine_fn(engine)(scenario, seed, range(first, last))
    ctx = MetricContext.of(scenario)
    frames = block_frames(ctx, results)
    return first, frames, sum(r.events for r in results), time.perf_counter() - t0


def run_block(scenario: Scenario, seed: int, first: int, last: int, engine: str, out: Path) -> tuple[int, float]:
    """Run a block and write its part files (atomically) where it ran: only two numbers travel back.

    Writing in the worker keeps a block's tables out of the parent's memory and
    out of the pipe between them; the bytes written do not depend on where.
    """
    _first, frames, events, dt = simulate_block(scenario, seed, first, last, engine)
    write_block(out, first, frames)
    del frames
    _release_freed_memory()
    return events, dt


def _release_freed_memory() -> None:
    """Hand freed heap memory back to the system between blocks (glibc keeps it otherwise)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        pass


@dataclass(frozen=True)
class RunOptions:
    """How to run: replications, seed, workers, engine, output folder."""

    reps: int
    seed: int
    out: Path
    jobs: int = 1
    engine: str = "auto"
    force: bool = False
    progress: bool = True
    block: int | None = None

    def resolved(self) -> RunOptions:
        """These options with ``auto`` replaced by the engine that runs and the block size filled in."""
        engine = resolve_engine(self.engine, self.reps)
        return replace(self, engine=engine, block=self.block or block_size(engine))


def prepare_out(out: Path, force: bool) -> None:
    """Refuse to overwrite results unless forced; never delete a folder that is not a result store."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        if not force:
            raise StoreError(f"{out}: already exists and is not empty; use --force to overwrite it or choose another --out")
        if not out.is_dir() or not (out / "manifest.json").exists():
            raise StoreError(f"{out}: exists but is not a fiscalsim result store; refusing to delete it even with --force")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def versions() -> dict[str, str]:
    """Versions of Python and the packages that shape results."""
    out = {"python": platform.python_version(), "fiscalsim": __version__}
    for pkg in ("numpy", "scipy", "simpy", "pandas", "pyarrow"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:  # pragma: no cover
            out[pkg] = "missing"
    return out


def manifest(loaded: LoadedScenario, opts: RunOptions, status: str, timings: dict[str, float]) -> dict[str, Any]:
    """The manifest of a run."""
    s = loaded.scenario
    h = s.scenario
    return {
        "format": 1,
        "kind": "run",
        "status": status,
        "scenario": {"id": h.id, "name": h.name, "name_en": h.name_en, "file": loaded.file, "hash": loaded.hash,
                     "start": h.start.isoformat(), "end": h.end.isoformat(), "document": h.document,
                     "cities": s.cities()},
        "seed": opts.seed,
        "reps": opts.reps,
        "block": opts.block,
        "engine": opts.engine,
        "version": __version__,
        "versions": versions(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "timings": timings,
        "jurisdictions": {k: {"name": j.name, "name_en": j.name_en, "level": j.level, "parent": j.parent}
                          for k, j in s.jurisdictions.items()},
        "funds": {k: {"name": f.name, "name_en": f.name_en, "owner": f.owner, "level": s.level_of_fund(k),
                      "appropriations_fen": {str(y): v for y, v in sorted(f.appropriations.items())},
                      "year_end": f.year_end, "overclaim": f.overclaim, "source": f.source}
                  for k, f in s.funds.items()},
        "programs": {**{k: {"name": p.name, "name_en": p.name_en, "source": p.source, "city": s.program_city(k),
                            "kind": "grant"} for k, p in s.programs.items()},
                     **{k: {"name": g.name, "name_en": g.name_en, "source": g.source, "kind": "guidance_fund",
                            "city": s.city_of(s.funds[g.fund].owner)} for k, g in s.guidance_funds.items()}},
        "targets": {k: {"name": t.name, "name_en": t.name_en, "metric": t.metric.label(), "threshold": float(t.threshold),
                        "comparison": t.comparison, "unit": t.unit, "deadline": t.deadline.isoformat(),
                        "source": t.source, "city": s.target_city(k)} for k, t in s.targets.items()},
        "inputs": loaded.inputs(),
    }


def _blocks(reps: int, size: int) -> Iterator[tuple[int, int]]:
    for first in range(0, reps, size):
        yield first, min(first + size, reps)


def run(loaded: LoadedScenario, opts: RunOptions) -> RunStore:
    """Run a scenario's replications into ``opts.out`` and write its summary."""
    if opts.reps < 1:
        raise StoreError("--reps must be at least 1")
    opts = opts.resolved()
    assert opts.block is not None
    prepare_out(opts.out, opts.force)
    t0 = time.perf_counter()
    atomic_write_json(opts.out / "manifest.json", manifest(loaded, opts, "running", {}))
    blocks = list(_blocks(opts.reps, opts.block))
    events = 0
    busy = 0.0
    bar = _progress(opts.reps, opts.progress)
    scenario = loaded.scenario
    if opts.jobs <= 1 or len(blocks) == 1:
        for first, last in blocks:
            ev, dt = run_block(scenario, opts.seed, first, last, opts.engine, opts.out)
            events += ev
            busy += dt
            bar(last - first)
    else:
        ctx = multiprocessing.get_context("spawn")
        todo = iter(blocks)
        window = 2 * opts.jobs  # blocks in flight: keeps every worker busy without holding all results
        with cf.ProcessPoolExecutor(max_workers=opts.jobs, mp_context=ctx) as pool:
            running: dict[cf.Future[tuple[int, float]], tuple[int, int]] = {}
            while True:
                for f, la in itertools.islice(todo, window - len(running)):
                    running[pool.submit(run_block, scenario, opts.seed, f, la, opts.engine, opts.out)] = (f, la)
                if not running:
                    break
                done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                for fut in done:
                    f, la = running.pop(fut)
                    ev, dt = fut.result()
                    events += ev
                    busy += dt
                    bar(la - f)
    bar(0, close=True)
    store = RunStore(opts.out)
    ctx2 = MetricContext.of(scenario)
    summary = summarize(store, ctx2)
    atomic_write_json(opts.out / "summary.json", summary)
    total = time.perf_counter() - t0
    timings = {"total_s": round(total, 3), "simulate_s": round(busy, 3),
               "per_rep_s": round(busy / opts.reps, 6), "events": events,
               "events_per_s": round(events / busy, 1) if busy > 0 else 0.0, "jobs": opts.jobs}
    atomic_write_json(opts.out / "manifest.json", manifest(loaded, opts, "complete", timings))
    return RunStore(opts.out)


def _progress(total: int, enabled: bool) -> Callable[..., None]:
    """A tqdm bar on stderr when it is a terminal (or forced); a no-op otherwise."""
    if not enabled:
        return lambda n, close=False: None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="rep", desc="模拟 simulating", file=sys.stderr,
               disable=not sys.stderr.isatty() and not os.environ.get("FISCALSIM_PROGRESS"), mininterval=0.5)

    def step(n: int, close: bool = False) -> None:
        if n:
            bar.update(n)
        if close:
            bar.close()

    return step
