"""Replications: run R replications in blocks, on one or more processes, into a result store.

What runs (:func:`simulate_block`, pure) is kept apart from how it runs (a
serial loop or a process pool with the ``spawn`` start method, chosen at call
time; nothing is configured at import).  Blocks have a fixed size that does
not depend on the number of workers, so the stored bytes are the same for any
``jobs``.

A run holds its store's lock (:mod:`simulator.lock`) from start to end, and
journals each finished block's part records in ``parts.jsonl``.  SIGINT and
SIGTERM stop it cleanly (workers killed, manifest ``interrupted``); a stopped
or killed run is finished by :func:`run` with ``resume``, which keeps the
blocks whose recorded files verify and runs only the others.  Pool workers
die with the run (:mod:`simulator.workers`).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import itertools
import json
import os
import shutil
import signal
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from simulator import __version__
from simulator.actuals import actuals_label
from simulator.i18n import Msg
from simulator.loader import LoadedScenario
from simulator.lock import LOCK_FILE, LockHeld, StoreLock, holder_of, store_lock
from simulator.model.metrics import MetricContext
from simulator.model.records import RepResult
from simulator.progress import progress_bar
from simulator.scenario import Scenario
from simulator.store import TABLES, RunStore, StoreError, block_frames, summarize, write_block
from simulator.storeio import (
    JOURNAL,
    PartRecord,
    append_journal,
    atomic_write_bytes,
    atomic_write_json,
    clean_for_resume,
    read_journal,
    sort_parts,
)
from simulator.uncertainty.draws import Segment, UncertaintyPlan, build_plan, mode_of, segments
from simulator.verify import part_is_whole
from simulator.versions import versions
from simulator.workers import RunStop, hold_signals, process_pool, stop_on_signals, terminate_pool

BLOCK = 25
"""Replications per block of the SimPy engine (one Parquet file each)."""
FAST_BLOCK = 50
"""Replications per block of the vectorised engine (as fast per replication as 100 on Shandong, half the memory)."""
AUTO_FAST_REPS = 10
"""``--engine auto`` uses the vectorised engine above this many replications, the SimPy engine up to it."""
AUTO_JOBS_BLOCKS = {"fast": 4, "des": 2}
"""Without ``--jobs``, a run uses every CPU from this many blocks on: a worker process takes some seconds to
start (imports), which a fast block of 50 replications (about a second) repays only when each worker gets a few."""

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
    raise EngineUnavailable(Msg(f"未知的引擎 {name!r}；应为 auto、fast 或 des",
                                f"unknown engine {name!r}; expected auto, fast or des"))


def engine_available(name: str) -> bool:
    """Whether an engine name is known (``auto`` included)."""
    return name in ENGINES


def engine_fn(name: str) -> EngineFn:
    """The block function of an engine (``des``: SimPy; ``fast``: vectorised)."""
    if name == "des":
        return _des_block
    if name == "fast":
        return _fast_block
    raise EngineUnavailable(Msg(f"未知的引擎 {name!r}；应为 fast 或 des", f"unknown engine {name!r}; expected fast or des"))


def block_size(engine: str) -> int:
    """Replications per stored block for an engine."""
    return FAST_BLOCK if engine == "fast" else BLOCK


def auto_jobs(engine: str, reps: int, block: int, cpus: int | None = None) -> int:
    """Worker processes for a run whose ``--jobs`` was not given: every CPU for a run large enough, else 1.

    Results do not depend on it (blocks have a fixed size and each replication its own streams).

    >>> auto_jobs("fast", 1000, 50, cpus=2), auto_jobs("fast", 100, 50, cpus=2), auto_jobs("des", 60, 25, cpus=8)
    (2, 1, 3)
    """
    cpus = max(1, cpus if cpus is not None else (os.cpu_count() or 1))
    blocks = -(-reps // block)
    return min(cpus, blocks) if blocks >= AUTO_JOBS_BLOCKS.get(engine, 2) else 1


def simulate_block(parts: Sequence[Segment], seed: int, engine: str) -> tuple[int, dict[str, Any], int, float]:
    """Run a block's replications, each segment on its group's scenario, and return their tables (pure; in a worker)."""
    t0 = time.perf_counter()
    results = [r for seg in parts for r in engine_fn(engine)(seg.scenario, seed, range(seg.first, seg.last))]
    drawn = [(seg.draw.group, seg.first, seg.last, name, value) for seg in parts for name, value in seg.draw.values.items()]
    # Each replication's targets are measured on its own group's scenario (a target's metric may hold drawn values).
    contexts = [ctx for seg in parts for ctx in [MetricContext.of(seg.scenario)] * (seg.last - seg.first)]
    frames = block_frames(contexts[0], results, drawn, contexts)
    return parts[0].first, frames, sum(r.events for r in results), time.perf_counter() - t0


def run_block(plan: UncertaintyPlan, scenario: Scenario, seed: int, first: int, last: int, reps: int, engine: str,
              out: Path) -> tuple[int, float, list[PartRecord]]:
    """Run a block (its group segments) and write its part files (atomically) where it ran.

    The block's group scenarios are made here too (:func:`~simulator.uncertainty.draws.segments`: drawing
    and applying a group's parameters costs tens of milliseconds), so that on a pool the workers make them
    in parallel and only the base scenario and the plan travel to them; only counts and records travel back.

    Writing in the worker keeps a block's tables out of the parent's memory and
    out of the pipe between them; the bytes written do not depend on where.

    Returns:
        The events simulated, the seconds spent, and the records of the part
        files written (size and sha256 from the bytes written).
    """
    segs = segments(plan, scenario, seed, first, last, reps)
    _first, frames, events, dt = simulate_block(segs, seed, engine)
    parts = write_block(out, first, last, frames)
    del frames
    _release_freed_memory()
    return events, dt, parts


def _release_freed_memory() -> None:
    """Hand freed heap memory back to the system between blocks (glibc keeps it otherwise)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        pass


@dataclass(frozen=True)
class RunOptions:
    """How to run: replications, seed, workers, engine, output folder.

    ``jobs`` None: as many workers as pay (:func:`auto_jobs`: every CPU for a large run).

    ``resume`` finishes a stopped run in ``out`` instead of starting one;
    ``fixed_params`` keeps every parameter at its central value, without
    yearly shocks (None: the scenario's ``uncertainty.fixed_params``, by
    default False: parameters are drawn, one vector per ``group_size``
    replications, see :mod:`simulator.uncertainty`);
    ``sets`` are the command line's ``--set`` items, recorded in the manifest
    so that the command to resume can repeat them; ``lang`` is the language of
    the progress bar (``zh`` or ``en``).
    """

    reps: int
    seed: int
    out: Path
    jobs: int | None = 1
    engine: str = "auto"
    force: bool = False
    progress: bool = True
    block: int | None = None
    resume: bool = False
    sets: tuple[str, ...] = ()
    lang: str = "zh"
    fixed_params: bool | None = None
    group_size: int | None = None

    def resolved(self) -> RunOptions:
        """These options with ``auto`` replaced by the engine that runs, the block size and the workers filled in."""
        engine = resolve_engine(self.engine, self.reps)
        block = self.block or block_size(engine)
        jobs = self.jobs if self.jobs is not None else auto_jobs(engine, self.reps, block)
        return replace(self, engine=engine, block=block, jobs=jobs)


class RunError(StoreError):
    """A run cannot start or resume as asked; the message exists in Chinese and English.

    ``str()`` is the English text (for the Python API); the command line
    prints :meth:`message` in the chosen language.
    """

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(Msg(zh, en))
        self.zh = zh
        self.en = en

    def message(self, lang: str) -> str:
        """The message in ``lang`` (``zh`` or ``en``)."""
        return self.zh if lang == "zh" else self.en


class RunLocked(RunError):
    """Another live process is writing the result store (see :mod:`simulator.lock`)."""

    def __init__(self, held: LockHeld) -> None:
        super().__init__(held.message("zh"), held.message("en"))
        self.held = held


class RunInterrupted(Exception):
    """A run stopped by SIGINT or SIGTERM; its finished blocks are kept for ``--resume``.

    Attributes:
        out: The result store (manifest status ``interrupted``).
        signum: The signal that stopped the run.
        done: Replications finished and kept.
        reps: Replications asked for.
    """

    def __init__(self, out: Path, signum: int, done: int, reps: int) -> None:
        super().__init__(f"{out}: run interrupted by signal {signum}; {done} of {reps} replications kept")
        self.out = out
        self.signum = signum
        self.done = done
        self.reps = reps


def _occupied(out: Path) -> bool:
    """Whether ``out`` exists and holds anything besides the lock file."""
    if not out.exists():
        return False
    if not out.is_dir():
        return True
    return any(p.name != LOCK_FILE for p in out.iterdir())


def _status_of(out: Path) -> str | None:
    """The status in a run store's manifest, or ``None`` if it has none (or is no run store)."""
    try:
        data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("kind") != "run":
        return None
    status = data.get("status")
    return status if isinstance(status, str) else None


def check_out(out: Path, force: bool) -> None:
    """Refuse, without touching anything, a folder a new run may not write to.

    Raises:
        RunError: If ``out`` holds something and ``force`` is not set, or if it
            is not a result store (never deleted, even with ``force``).
    """
    if not _occupied(out):
        return
    if not force:
        status = _status_of(out)
        if status in ("running", "interrupted"):
            raise RunError(
                f"{out}: 已有一个未完成的模拟运行（状态 {status}）；续算请加 --resume，重新运行请加 --force",
                f"{out}: holds an unfinished run (status {status}); finish it with --resume or start again "
                "with --force")
        raise RunError(f"{out}: 已存在且非空；覆盖请加 --force，或另选 --out",
                       f"{out}: already exists and is not empty; use --force to overwrite it or choose another --out")
    if not out.is_dir() or not (out / "manifest.json").exists():
        raise RunError(f"{out}: 已存在但不是 fiscalsim 结果目录；即使加 --force 也不会删除它",
                       f"{out}: exists but is not a fiscalsim result store; refusing to delete it even with --force")


def prepare_out(out: Path, force: bool) -> None:
    """Refuse to overwrite results unless forced; never delete a folder that is not a result store.

    Call it holding the store's lock: the lock file is kept, everything else of
    a forced store is deleted.
    """
    check_out(out, force)
    if out.is_dir():
        for child in out.iterdir():
            if child.name == LOCK_FILE:
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    out.mkdir(parents=True, exist_ok=True)


def read_run_manifest(out: Path) -> dict[str, Any]:
    """The manifest of the run store to resume.

    Raises:
        RunError: If ``out`` is not a run store or its manifest cannot be read.
    """
    mf = out / "manifest.json"
    if not out.is_dir():
        raise RunError(f"{out}: 不存在或不是目录，无可续算的运行", f"{out}: does not exist or is not a folder; nothing to resume")
    if not mf.is_file():
        raise RunError(f"{out}: 不是 fiscalsim 结果目录（没有 manifest.json），无法续算",
                       f"{out}: not a fiscalsim result store (no manifest.json); nothing to resume")
    try:
        data = json.loads(mf.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunError(f"{mf}: 无法读取（{exc}）", f"{mf}: cannot be read ({exc})") from None
    kind = data.get("kind") if isinstance(data, dict) else None
    if kind != "run":
        raise RunError(f"{mf}: 不是模拟运行的结果（kind 应为 run，实为 {kind!r}）",
                       f"{mf}: not the store of a run (expected kind 'run', found {kind!r})")
    return dict(data)


def _check_resume(old: Mapping[str, Any], loaded: LoadedScenario, opts: RunOptions, plan: UncertaintyPlan) -> None:
    """Refuse to resume a run with a different scenario, seed, replications, engine, block or parameter draws."""
    sc = old.get("scenario") if isinstance(old.get("scenario"), Mapping) else {}
    assert isinstance(sc, Mapping)
    status = old.get("status")
    if status not in ("running", "interrupted", "complete"):
        raise RunError(f"{opts.out}/manifest.json: 状态 {status!r} 无法续算（应为 running、interrupted 或 complete）",
                       f"{opts.out}/manifest.json: status {status!r} cannot be resumed "
                       "(expected running, interrupted or complete)")
    zh: list[str] = []
    en: list[str] = []
    if sc.get("hash") != loaded.hash:
        zh.append(f"情景内容不同（原运行用 {sc.get('file')}，哈希 {str(sc.get('hash'))[:12]}…，现为 {loaded.hash[:12]}…；"
                  "--set 也须相同）")
        en.append(f"the scenario differs (the run used {sc.get('file')}, hash {str(sc.get('hash'))[:12]}..., "
                  f"now {loaded.hash[:12]}...; --set items must match too)")
    for key, now in (("seed", opts.seed), ("reps", opts.reps), ("engine", opts.engine), ("block", opts.block),
                     ("uncertainty", plan.describe()), ("actuals", loaded.actuals)):
        was = old.get(key)
        if was != now:
            if key == "uncertainty":  # the parameter draws: say the mode, not every prior
                was, now = mode_of(was), mode_of(now)
            elif key == "actuals":  # the actuals file (--actuals/--as-of): say the file, its hash and the date
                was, now = actuals_label(was), actuals_label(now)
            zh.append(f"{key} 原为 {was}，现为 {now}")
            en.append(f"{key} was {was}, now {now}")
    if zh:
        raise RunError(f"{opts.out}: 无法续算，与原运行不同：" + "；".join(zh) + "。请用相同的情景和参数，或加 --force 重新运行",
                       f"{opts.out}: cannot resume, this differs from the stopped run: " + "; ".join(en)
                       + ". Use the same scenario and options, or start again with --force")


def reusable_parts(out: Path, old: Mapping[str, Any], blocks: Sequence[tuple[int, int]]) -> list[PartRecord]:
    """The part records of the blocks a resumed run keeps.

    A block is kept when every table has a record for it (in the journal, or in
    the manifest of an interrupted run) whose file is on disk with the recorded
    size and sha256.

    Args:
        out: The store.
        old: Its manifest.
        blocks: The run's blocks as ``(first_rep, last_rep)``.

    Returns:
        The kept records, sorted by table and first replication.
    """
    by_key: dict[tuple[str, int, int], PartRecord] = {}
    listed = old.get("parts")
    candidates = [*(listed if isinstance(listed, list) else []), *read_journal(out)]
    for rec in candidates:
        if not isinstance(rec, dict):
            continue
        try:
            key = (str(rec["table"]), int(rec["first_rep"]), int(rec["last_rep"]))
        except (KeyError, TypeError, ValueError):
            continue
        if key not in by_key and part_is_whole(out, rec):
            by_key[key] = rec
    kept: list[PartRecord] = []
    for first, last in blocks:
        recs = [by_key.get((t, first, last)) for t in TABLES]
        if all(r is not None for r in recs):
            kept.extend(r for r in recs if r is not None)
    return sort_parts(kept)


def manifest(loaded: LoadedScenario, opts: RunOptions, status: str, timings: dict[str, float],
             parts: list[PartRecord] | None = None, plan: UncertaintyPlan | None = None) -> dict[str, Any]:
    """The manifest of a run (``parts``: the part records written so far, sorted by table and first replication).

    ``uncertainty`` says whether parameters were drawn (``fixed_params``), the
    group size, the streams, the posterior and each drawn param's prior.
    """
    plan = plan or build_plan(loaded, fixed=opts.fixed_params, group_size=opts.group_size)
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
        "uncertainty": plan.describe(), "parameter_labels": plan.labels(),
        "version": __version__,
        "versions": versions(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "timings": timings,
        "jurisdictions": {k: {"name": j.name, "name_en": j.name_en, "level": j.level, "parent": j.parent}
                          for k, j in s.jurisdictions.items()},
        "funds": {k: {"name": f.name, "name_en": f.name_en, "owner": f.owner, "level": s.level_of_fund(k),
                      "appropriations_fen": {str(y): v for y, v in sorted(f.appropriations.items())},
                      "year_end": f.year_end, "overclaim": f.overclaim, "budget": f.budget, "source": f.source}
                  for k, f in s.funds.items()},
        "programs": {**{k: {"name": p.name, "name_en": p.name_en, "source": p.source, "city": s.program_city(k),
                            "kind": "grant"} for k, p in s.programs.items()},
                     **{k: {"name": g.name, "name_en": g.name_en, "source": g.source, "kind": "guidance_fund",
                            "city": s.city_of(s.funds[g.fund].owner)} for k, g in s.guidance_funds.items()}},
        "targets": {k: {"name": t.name, "name_en": t.name_en, "metric": t.metric.label(), "threshold": float(t.threshold),
                        "comparison": t.comparison, "unit": t.unit, "deadline": t.deadline.isoformat(),
                        "source": t.source, "city": s.target_city(k)} for k, t in s.targets.items()},
        "inputs": loaded.inputs(),
        "not_modelled": s.not_modelled_list(),
        "overrides": list(opts.sets), **({"actuals": loaded.actuals} if loaded.actuals is not None else {}),
        "parts": sort_parts(parts or []),
    }


def _blocks(reps: int, size: int) -> Iterator[tuple[int, int]]:
    for first in range(0, reps, size):
        yield first, min(first + size, reps)


def _run_blocks(scenario: Scenario, opts: RunOptions, blocks: Sequence[tuple[int, int]],
                plan: UncertaintyPlan) -> Generator[tuple[int, int, int, float, list[PartRecord]], None, None]:
    """Run blocks here or on a process pool, yielding ``(first, last, events, seconds, part records)`` as each ends.

    Closing the generator early (an interruption, an error) kills the pool's
    workers at once instead of waiting for their blocks.
    """
    jobs = opts.jobs or 1
    if jobs <= 1 or len(blocks) <= 1:
        for first, last in blocks:
            ev, dt, recs = run_block(plan, scenario, opts.seed, first, last, opts.reps, opts.engine, opts.out)
            yield first, last, ev, dt, recs
        return
    todo = iter(blocks)
    window = 2 * jobs  # blocks in flight: keeps every worker busy without holding all results
    with process_pool(jobs) as pool:
        try:
            running: dict[cf.Future[tuple[int, float, list[PartRecord]]], tuple[int, int]] = {}
            while True:
                for f, la in itertools.islice(todo, window - len(running)):
                    running[pool.submit(run_block, plan, scenario, opts.seed, f, la, opts.reps, opts.engine,
                                        opts.out)] = (f, la)
                if not running:
                    break
                done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                for fut in done:
                    f, la = running.pop(fut)
                    ev, dt, recs = fut.result()
                    yield f, la, ev, dt, recs
        except BaseException:
            terminate_pool(pool)
            raise


def run(loaded: LoadedScenario, opts: RunOptions, *,
        on_stale_lock: Callable[[StoreLock], None] | None = None) -> RunStore:
    """Run a scenario's replications into ``opts.out`` (or finish a stopped run) and write its summary.

    The store is locked for the whole run (:mod:`simulator.lock`).  SIGINT and
    SIGTERM stop it cleanly: workers are stopped, the manifest says
    ``interrupted``, the finished blocks stay recorded in ``parts.jsonl``, and
    :class:`RunInterrupted` is raised.  With ``opts.resume`` the blocks whose
    recorded part files verify are kept and only the others are run, so the
    summary is the same, byte for byte, as that of an uninterrupted run.

    Args:
        loaded: The scenario.
        opts: How to run.
        on_stale_lock: Called when the store's lock was left by a writer that
            died (the lock is taken over).

    Raises:
        RunError: The output folder may not be written, or the run to resume
            differs from this one (scenario, seed, reps, engine, block).
        RunLocked: Another live process is writing the store.
        RunInterrupted: The run was stopped by a signal.
    """
    if opts.reps < 1:
        raise StoreError(Msg("--reps 至少为 1", "--reps must be at least 1"))
    opts = opts.resolved()
    out = opts.out
    # Refuse before touching the folder (the lock file is made only where we may write); checked again under the lock.
    holder = holder_of(out)
    if holder is not None:
        raise RunLocked(LockHeld(out, holder if holder.pid else None, "run"))
    plan = build_plan(loaded, fixed=opts.fixed_params, group_size=opts.group_size)
    if opts.resume:
        _check_resume(read_run_manifest(out), loaded, opts, plan)
    else:
        check_out(out, opts.force)
    try:
        with store_lock(out, "run") as lock:
            if lock.stale is not None and on_stale_lock is not None:
                on_stale_lock(lock)
            return _run_locked(loaded, opts, plan)
    except LockHeld as exc:
        raise RunLocked(exc) from None


def _run_locked(loaded: LoadedScenario, opts: RunOptions, plan: UncertaintyPlan) -> RunStore:
    """Run (or resume) holding the store's lock (see :func:`run`)."""
    assert opts.block is not None
    out = opts.out
    all_blocks = list(_blocks(opts.reps, opts.block))
    kept: list[PartRecord] = []
    if opts.resume:
        old = read_run_manifest(out)
        _check_resume(old, loaded, opts, plan)
        if old.get("status") == "complete" and (out / "summary.json").exists():
            return RunStore(out)
        kept = reusable_parts(out, old, all_blocks)
        clean_for_resume(out, {str(r["file"]) for r in kept})
        atomic_write_bytes(out / JOURNAL, "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n"
                                                  for r in kept).encode("utf-8"))
    else:
        prepare_out(out, opts.force)
    t0 = time.perf_counter()
    atomic_write_json(out / "manifest.json", manifest(loaded, opts, "running", {}, plan=plan))
    done_blocks = {(int(r["first_rep"]), int(r["last_rep"])) for r in kept}
    blocks = [b for b in all_blocks if b not in done_blocks]
    done_reps = sum(la - f for f, la in done_blocks)
    parts = list(kept)
    events = 0
    busy = 0.0
    scenario = loaded.scenario

    def timings() -> dict[str, float]:
        total = time.perf_counter() - t0
        ran = done_reps - sum(la - f for f, la in done_blocks)
        return {"total_s": round(total, 3), "simulate_s": round(busy, 3),
                "per_rep_s": round(busy / ran, 6) if ran else 0.0, "events": events,
                "events_per_s": round(events / busy, 1) if busy > 0 else 0.0, "jobs": opts.jobs or 1,
                "blocks_reused": len(done_blocks)}

    bar = progress_bar(opts.reps, opts.progress, initial=done_reps, lang=opts.lang)
    with stop_on_signals():
        try:
            with contextlib.closing(_run_blocks(scenario, opts, blocks, plan)) as finished:
                for first, last, ev, dt, recs in finished:
                    append_journal(out, recs)
                    parts.extend(recs)
                    done_reps += last - first
                    events += ev
                    busy += dt
                    bar(last - first)
            bar(0, close=True)
            # the parts just written, checked against the journal
            summary = summarize(RunStore(out, require_complete=False), MetricContext.of(scenario))
            atomic_write_json(out / "summary.json", summary)
            hold_signals()
            atomic_write_json(out / "manifest.json", manifest(loaded, opts, "complete", timings(), parts, plan))
            (out / JOURNAL).unlink(missing_ok=True)  # consolidated in the manifest
        except (RunStop, KeyboardInterrupt) as exc:
            hold_signals()
            bar(0, close=True)
            atomic_write_json(out / "manifest.json", manifest(loaded, opts, "interrupted", timings(), parts, plan))
            signum = exc.signum if isinstance(exc, RunStop) else int(signal.SIGINT)
            raise RunInterrupted(out, signum, done_reps, opts.reps) from None
    return RunStore(out)
