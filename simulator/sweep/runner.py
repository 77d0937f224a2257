"""Run a sweep: design → tasks → executor → streaming store, with resume.

The model a spec names is resolved explicitly (:func:`resolve_model_factory`):
a scenario file runs on the real scenario model
(:mod:`simulator.sweep.scenario_model`); any other model, such as the test
models named ``toy:NAME``, is passed in by the caller as ``factory=``. Nothing
is registered at import time, so ``run_sweep(load_spec(path), out_dir)`` works
in a fresh interpreter.
"""

from __future__ import annotations

import math
import pickle
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from tqdm import tqdm

from simulator.actuals import Actuals, read_actuals
from simulator.i18n import Msg
from simulator.loader import load_scenario
from simulator.sweep.design import Design, build_design
from simulator.sweep.errors import SweepRunError, SweepSetupError
from simulator.sweep.executors import (
    BlockResult,
    ProcessPoolSweepExecutor,
    SerialExecutor,
    SweepExecutor,
    Task,
)
from simulator.sweep.manifest import (
    build_manifest,
    check_store,
    describe_spec_difference,
    new_run_record,
    now,
    open_store,
    stored_outputs,
)
from simulator.sweep.model import ModelFactory, SweepModel, rep_rng
from simulator.sweep.scenario_model import scenario_factory
from simulator.sweep.spec import SweepSpec
from simulator.sweep.store import SweepStore, SweepStoreError

__all__ = [
    "ModelFactory",
    "SweepModel",
    "SweepResult",
    "SweepSetupError",
    "describe_spec_difference",
    "rep_rng",
    "resolve_model_factory",
    "run_sweep",
    "stored_outputs",
]


def resolve_model_factory(spec: SweepSpec) -> ModelFactory:
    """Return the factory of the model a spec names.

    Args:
        spec: The sweep spec.

    Returns:
        The real scenario model for the spec's scenario file and engine.

    Raises:
        SweepSetupError: If the spec names a test model (``toy:...``), whose
            factory only the caller can give, or the scenario file is missing.
    """
    if spec.is_toy:
        raise SweepSetupError(Msg(
            f"示例模型 {spec.scenario!r} 不随 fiscalsim 提供，须由调用方传入其工厂 run_sweep(..., factory=...)",
            f"test model {spec.scenario!r} is not part of fiscalsim: pass its factory, run_sweep(..., factory=...)",
        ))
    path = spec.scenario_path()
    assert path is not None  # not a toy
    actuals = spec_actuals(spec)
    return scenario_factory(path, spec.engine, spec.fixed_params, actuals.nowcast if actuals else None)


def spec_actuals(spec: SweepSpec) -> Actuals | None:
    """The spec's actuals file read and checked against its scenario (None without ``actuals``).

    Raises:
        InputError: Naming the actuals file, the line and the id of each bad row.
    """
    actuals, path = spec.actuals_path(), spec.scenario_path()
    if actuals is None or spec.as_of is None or path is None or not path.is_file():
        return None
    return read_actuals(actuals, load_scenario(path).scenario, spec.as_of, option="as_of", source=spec.source)


@dataclass
class SweepResult:
    """What :func:`run_sweep` did.

    Attributes:
        out_dir: The sweep directory.
        n_points: Points in the design.
        n_computed: Points computed by this call.
        n_skipped: Points already stored (resume).
        elapsed_s: Wall time of this call.
        outputs: Output columns stored for each point.
    """

    out_dir: Path
    n_points: int
    n_computed: int
    n_skipped: int
    elapsed_s: float
    outputs: list[str] = field(default_factory=list)


def _check_picklable(factory: ModelFactory) -> None:
    """Refuse a model factory that cannot travel to worker processes."""
    try:
        pickle.dumps(factory)
    except Exception as exc:
        name = type(factory).__name__
        raise SweepSetupError(Msg(
            f"模型工厂 {name} 无法序列化，不能交给工作进程：{exc}；请使用模块级 dataclass，或加 --serial",
            f"the model factory {name} cannot be pickled for worker processes: {exc}; "
            "use a module-level dataclass, or --serial",
        )) from None


def _iter_tasks(
    design: Design, todo: set[str], spec: SweepSpec, factory: ModelFactory
) -> Iterator[Task]:
    """Yield the tasks of the points still to do, in design order."""
    block = spec.effective_block_size
    outputs = tuple(spec.outputs)
    for pid, values in design.iter_points():
        if pid not in todo:
            continue
        for start in range(0, spec.replications, block):
            yield Task(
                pid,
                values,
                range(start, min(start + block, spec.replications)),
                spec.seed,
                outputs,
                factory,
            )


def _assemble(blocks: list[BlockResult]) -> pd.DataFrame:
    """Concatenate a point's blocks in replication order."""
    blocks = sorted(blocks, key=lambda b: b.first_rep)
    columns = list(blocks[0].frame.columns)
    for b in blocks[1:]:
        if list(b.frame.columns) != columns:
            raise SweepRunError(Msg(f"点 {b.point} 的各块输出列不一致",
                                    f"blocks of point {b.point} returned different columns"))
    frame = (
        pd.concat([b.frame for b in blocks], ignore_index=True)
        if len(blocks) > 1
        else blocks[0].frame
    )
    return frame.reset_index(drop=True)


def _schema_of(frame: pd.DataFrame) -> list[list[str]]:
    """Describe a point frame's columns and dtypes."""
    return [[str(c), str(t)] for c, t in frame.dtypes.items()]


def run_sweep(
    spec: SweepSpec,
    out_dir: str | Path,
    executor: SweepExecutor | None = None,
    *,
    resume: bool = False,
    force: bool = False,
    progress: bool | Literal["always"] = True,
    factory: ModelFactory | None = None,
    lang: str = "zh",
) -> SweepResult:
    """Run (or resume) a sweep, streaming each finished point to ``out_dir``.

    Args:
        spec: The sweep spec.
        out_dir: The sweep directory. It must be absent or empty unless
            ``resume`` (continue a sweep with the same spec hash) or ``force``
            (wipe an existing sweep store first).
        executor: Where tasks run; defaults to a process pool with one worker
            per CPU. Started and closed here unless already started.
        resume: Skip points already stored.
        force: Wipe an existing sweep store and start over.
        progress: Show a progress bar on stderr when it is a terminal
            (``"always"``: even when it is not; False: never).
        factory: Model factory; defaults to :func:`resolve_model_factory`.
        lang: Language of the progress bar (``zh`` or ``en``).

    Returns:
        A :class:`SweepResult`.

    Raises:
        SweepStoreError: If the directory cannot be used as asked.
        SweepSetupError: If the model cannot be set up.
        SweepRunError: If a task fails (finished points stay stored).
    """
    t_start = time.perf_counter()
    if resume and force:
        raise SweepStoreError(Msg("--resume 与 --force 不能同时使用", "--resume and --force are mutually exclusive"))
    model_factory = factory if factory is not None else resolve_model_factory(spec)
    design = build_design(spec)
    store = SweepStore(out_dir)
    executor = executor if executor is not None else ProcessPoolSweepExecutor()
    if not isinstance(executor, SerialExecutor):
        _check_picklable(model_factory)
    run_record = new_run_record(executor)
    manifest = build_manifest(spec, design, run_record)
    # Refuse before touching the directory (the lock file is only made in places we may write to);
    # the check is repeated under the lock.
    check_store(store, spec, design, manifest["spec_hash"], resume=resume, force=force)
    run = _Run(spec, store, design, executor, model_factory, manifest, run_record, t_start)
    with store.locked():
        return _run_locked(run, resume=resume, force=force, progress=progress, lang=lang)


@dataclass
class _Run:
    """What one call of :func:`run_sweep` works with."""

    spec: SweepSpec
    store: SweepStore
    design: Design
    executor: SweepExecutor
    factory: ModelFactory
    manifest: dict[str, Any]
    run_record: dict[str, Any]
    t_start: float


class _ManifestLog:
    """Rewrites the manifest as the sweep goes on, keeping that cheap relative to the work."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.prior_total = float(sum(r.get("elapsed_s", 0.0) for r in run.manifest["runs"][:-1]))
        self.last_flush = time.monotonic()
        self.flush_every = 10.0

    def due(self) -> bool:
        """Whether it is time for a ``running`` flush."""
        return time.monotonic() - self.last_flush >= self.flush_every

    def flush(self, status: str, computed: int) -> None:
        """Record the status and timings, then write the manifest."""
        record, manifest = self.run.run_record, self.run.manifest
        record["status"] = status
        record["points_computed"] = computed
        record["elapsed_s"] = round(time.perf_counter() - self.run.t_start, 3)
        if status != "running":
            record["finished"] = now()
        manifest["timings"]["total_s"] = round(self.prior_total + record["elapsed_s"], 3)
        t0 = time.monotonic()
        self.run.store.write_manifest(manifest)
        self.last_flush = time.monotonic()
        # Keep rewriting the manifest cheap relative to the work done.
        self.flush_every = max(10.0, 50.0 * (self.last_flush - t0))


class _PointWriter:
    """Collects a point's blocks and stores the point once all have arrived."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.n_blocks = math.ceil(run.spec.replications / run.spec.effective_block_size)
        self.timings: dict[str, float] = run.manifest["timings"]["points"]
        self.expected_schema: list[list[str]] | None = run.manifest.get("outputs")
        self.pending: dict[str, list[BlockResult]] = {}
        self.computed = 0

    def add(self, result: BlockResult) -> bool:
        """Take one block; return whether it completed (and stored) its point."""
        blocks = self.pending.setdefault(result.point, [])
        blocks.append(result)
        if len(blocks) < self.n_blocks:
            return False
        frame = _assemble(self.pending.pop(result.point))
        schema = _schema_of(frame)
        if self.expected_schema is None:
            self.expected_schema = schema
            self.run.manifest["outputs"] = schema
        elif schema != self.expected_schema:
            raise SweepRunError(Msg(
                f"点 {result.point} 的输出列 {schema} 与之前的点 {self.expected_schema} 不同",
                f"point {result.point} returned columns {schema} but earlier points returned {self.expected_schema}",
            ))
        self.run.store.write_point(result.point, frame)
        self.timings[result.point] = round(sum(b.elapsed_s for b in blocks), 6)
        self.computed += 1
        return True


def _progress_bar(total: int, initial: int, progress: bool | Literal["always"], lang: str = "zh") -> tqdm[Any]:
    """The points progress bar on stderr, labelled in ``lang`` (disabled unless asked for or on a terminal)."""
    show = progress == "always" or (progress is True and sys.stderr.isatty())
    return tqdm(
        total=total,
        initial=initial,
        unit="点" if lang == "zh" else "point",
        desc="扫描" if lang == "zh" else "sweep",
        file=sys.stderr,
        disable=not show,
        dynamic_ncols=True,
        smoothing=0.1,
    )


def _run_locked(
    run: _Run, *, resume: bool, force: bool, progress: bool | Literal["always"], lang: str = "zh"
) -> SweepResult:
    """Run the sweep while holding the store's lock (see :func:`run_sweep`)."""
    store, design, executor = run.store, run.design, run.executor
    mode, old, done = check_store(
        store, run.spec, design, run.manifest["spec_hash"], resume=resume, force=force
    )
    todo = set(design.point_ids) - done
    # Start the executor before writing anything, so an unreachable cluster leaves no trace.
    started_here = bool(todo) and not executor.started
    if started_here:
        executor.start()
    try:
        open_store(store, mode, old, run.manifest, design)
    except BaseException:
        if started_here:
            executor.close()
        raise
    log = _ManifestLog(run)
    writer = _PointWriter(run)
    bar = _progress_bar(len(design), len(done), progress, lang)
    status = "failed"
    try:
        if todo:
            for result in executor.run(_iter_tasks(design, todo, run.spec, run.factory)):
                if writer.add(result):
                    bar.update(1)
                    if log.due():
                        log.flush("running", writer.computed)
        status = "complete"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    except Exception as exc:
        run.run_record["error"] = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        bar.close()
        if started_here and executor.started:
            executor.close()
        log.flush(status, writer.computed)
    return SweepResult(
        out_dir=store.root,
        n_points=len(design),
        n_computed=writer.computed,
        n_skipped=len(done),
        elapsed_s=time.perf_counter() - run.t_start,
        outputs=[c for c, _ in (writer.expected_schema or []) if c != "rep"],
    )
