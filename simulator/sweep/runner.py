"""Run a sweep: design → tasks → executor → streaming store, with resume.

The sweep talks to the simulation through two small interfaces:

* :class:`SweepModel`: ``run_block(values, reps, seed)`` returns one row per
  replication (column ``rep`` plus outputs). Replication ``k`` must draw its
  random numbers only from ``(seed, k)``, e.g.
  ``numpy.random.SeedSequence(seed, spawn_key=(k,))``, never from the design
  point, so every point sees the same random numbers (common random numbers).
* :class:`ModelFactory`: a small picklable, hashable object (typically a frozen
  dataclass) with ``build() -> SweepModel``. It is what travels to worker
  processes and Dask workers; each worker builds the model once and reuses it.

Real scenarios get their factory from :data:`MODEL_FACTORIES` (key
``"scenario"``), filled in by the engine adapter. ``scenario: toy:ishigami``
and ``scenario: toy:threshold`` select the built-in toys, with options as a
query string, e.g. ``toy:threshold?noise=0.05&sleep=0.01``.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import pickle
import platform
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable
from urllib.parse import parse_qsl

import numpy as np
import pandas as pd
from tqdm import tqdm

import simulator
from simulator.sweep.design import Design, build_design
from simulator.sweep.executors import (
    BlockResult,
    ProcessPoolSweepExecutor,
    SerialExecutor,
    SweepExecutor,
    SweepRunError,
    SweepSetupError,
    Task,
)
from simulator.sweep.spec import (
    TOY_PREFIX,
    SweepSpec,
    canonical_spec_json,
    scenario_hash,
    spec_hash,
)
from simulator.sweep.store import (
    FORMAT,
    STORE_KIND,
    SweepStore,
    SweepStoreError,
    parquet_bytes,
)

__all__ = [
    "MODEL_FACTORIES",
    "IshigamiFactory",
    "IshigamiModel",
    "ModelFactory",
    "SweepModel",
    "SweepResult",
    "SweepSetupError",
    "ThresholdFactory",
    "ThresholdModel",
    "default_model_factory",
    "package_versions",
    "rep_rng",
    "resolve_model_factory",
    "run_sweep",
    "toy_factory",
]


# --------------------------------------------------------------------------- interfaces


@runtime_checkable
class SweepModel(Protocol):
    """A model the sweep can run."""

    def run_block(
        self, values: Mapping[str, object], reps: Sequence[int], seed: int
    ) -> pd.DataFrame:
        """Run replications ``reps`` of one design point.

        Args:
            values: Factor dotted path → value (float, int, bool, or option name).
            reps: Replication indices.
            seed: The sweep's root seed; replication ``k`` uses streams derived
                from ``(seed, k)`` only.

        Returns:
            One row per replication: ``rep`` plus output columns (bool/int/float).
        """
        ...


@runtime_checkable
class ModelFactory(Protocol):
    """A small picklable, hashable recipe for building a model in a worker."""

    def build(self) -> SweepModel:
        """Build the model.

        Returns:
            The model.
        """
        ...


MODEL_FACTORIES: dict[str, Callable[[Path, str], ModelFactory]] = {}
"""Registry of model-factory constructors.

The engine adapter registers ``MODEL_FACTORIES["scenario"] = make`` where
``make(scenario_path, engine)`` returns a :class:`ModelFactory`.
"""


def default_model_factory(scenario_path: Path, engine: str) -> ModelFactory:
    """Return the factory for a real scenario via :data:`MODEL_FACTORIES`.

    Args:
        scenario_path: Absolute path of the scenario file.
        engine: ``fast`` or ``des``.

    Returns:
        The registered constructor's factory.

    Raises:
        SweepSetupError: If the scenario file is missing or no constructor is registered.
    """
    if not scenario_path.is_file():
        raise SweepSetupError(f"情景文件不存在 (scenario file not found): {scenario_path}")
    make = MODEL_FACTORIES.get("scenario")
    if make is None:
        raise SweepSetupError(
            "尚未注册情景模型适配器 (no model adapter registered for real scenarios: "
            "set simulator.sweep.runner.MODEL_FACTORIES['scenario']); "
            "可用 scenario: toy:ishigami / toy:threshold (toys are available)"
        )
    return make(scenario_path, engine)


def resolve_model_factory(spec: SweepSpec) -> ModelFactory:
    """Pick the model factory a spec asks for.

    Args:
        spec: The sweep spec.

    Returns:
        A toy factory for ``toy:...`` scenarios, otherwise :func:`default_model_factory`.

    Raises:
        SweepSetupError: If the toy or the adapter cannot be found.
    """
    if spec.is_toy:
        return toy_factory(spec.scenario)
    path = spec.scenario_path()
    assert path is not None
    return default_model_factory(path, spec.engine)


# --------------------------------------------------------------------------- toys


def rep_rng(seed: int, rep: int) -> np.random.Generator:
    """Return replication ``rep``'s generator: ``SeedSequence(seed).spawn(...)[rep]``.

    Args:
        seed: The sweep's root seed.
        rep: The replication index.

    Returns:
        A generator that depends on ``(seed, rep)`` only.
    """
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(rep,)))


def _check_factors(
    values: Mapping[str, object], required: Sequence[str], allowed: Callable[[str], bool]
) -> None:
    """Raise a clear error if a toy gets missing or unknown factors."""
    missing = [n for n in required if n not in values]
    if missing:
        raise KeyError(f"toy model needs factor(s) {', '.join(missing)}")
    unknown = [n for n in values if n not in required and not allowed(n)]
    if unknown:
        raise KeyError(f"toy model does not know factor(s) {', '.join(unknown)}")


def _inert_factor(name: str) -> bool:
    """Whether a toy accepts ``name`` as an extra factor without effect (``x4``, ``x5``, ...)."""
    return name[:1] == "x" and name[1:].isdigit()


@dataclass(frozen=True)
class IshigamiModel:
    """Ishigami function ``sin x1 + a sin² x2 + b x3⁴ sin x1``, optionally noisy.

    Factors ``x1``, ``x2``, ``x3`` (usually uniform on [-π, π]), plus any
    number of inert factors ``x4``, ``x5``, ... that have no effect. With ``a=7``,
    ``b=0.1`` the first-order Sobol' indices are 0.3139, 0.4424, 0 and the
    total ones 0.5576, 0.4424, 0.2437.

    Attributes:
        a: Coefficient of ``sin² x2``.
        b: Coefficient of ``x3⁴ sin x1``.
        noise: Standard deviation of additive noise per replication.
        sleep: Seconds to sleep per block (for tests of interruption).
    """

    a: float = 7.0
    b: float = 0.1
    noise: float = 0.0
    sleep: float = 0.0

    def run_block(
        self, values: Mapping[str, object], reps: Sequence[int], seed: int
    ) -> pd.DataFrame:
        """Evaluate the function for each replication (see :class:`SweepModel`)."""
        _check_factors(values, ("x1", "x2", "x3"), _inert_factor)
        x1, x2, x3 = (float(values[k]) for k in ("x1", "x2", "x3"))  # type: ignore[arg-type]
        y = math.sin(x1) + self.a * math.sin(x2) ** 2 + self.b * x3**4 * math.sin(x1)
        if self.sleep:
            time.sleep(self.sleep)
        ys = [
            y + (self.noise * rep_rng(seed, r).standard_normal() if self.noise else 0.0)
            for r in reps
        ]
        return pd.DataFrame({"rep": list(reps), "y": np.asarray(ys, dtype=float)})


@dataclass(frozen=True)
class IshigamiFactory:
    """Factory of :class:`IshigamiModel` (see there for the attributes)."""

    a: float = 7.0
    b: float = 0.1
    noise: float = 0.0
    sleep: float = 0.0

    def build(self) -> IshigamiModel:
        """Build the model.

        Returns:
            The Ishigami model.
        """
        return IshigamiModel(self.a, self.b, self.noise, self.sleep)


_THRESHOLD_POLICY_SHIFT = {"base": 0.0, "strict": 0.1, "lenient": -0.1}


@dataclass(frozen=True)
class ThresholdModel:
    """A noisy target: attained iff ``x1 + noise·ε > threshold (+ policy shift)``.

    Factors: ``x1`` (required), optional ``policy`` (``base``, ``strict``
    raising the threshold by 0.1, ``lenient`` lowering it by 0.1) and any
    number of inert factors ``x2``, ``x3``, ... Outputs mimic the engine's:
    ``target.T1.value`` (float), ``target.T1.attained`` (bool) and
    ``fund.F1.drawn_yuan`` (int).

    Attributes:
        threshold: The target threshold.
        noise: Standard deviation of the replication noise ε.
        sleep: Seconds to sleep per block (for tests of interruption).
    """

    threshold: float = 0.7
    noise: float = 0.1
    sleep: float = 0.0

    def run_block(
        self, values: Mapping[str, object], reps: Sequence[int], seed: int
    ) -> pd.DataFrame:
        """Simulate each replication (see :class:`SweepModel`)."""
        _check_factors(values, ("x1",), lambda n: n == "policy" or _inert_factor(n))
        x1 = float(values["x1"])  # type: ignore[arg-type]
        policy = str(values.get("policy", "base"))
        if policy not in _THRESHOLD_POLICY_SHIFT:
            raise ValueError(
                f"unknown policy {policy!r}; expected one of {', '.join(_THRESHOLD_POLICY_SHIFT)}"
            )
        threshold = self.threshold + _THRESHOLD_POLICY_SHIFT[policy]
        if self.sleep:
            time.sleep(self.sleep)
        value = np.empty(len(reps))
        drawn = np.empty(len(reps), dtype=np.int64)
        for i, r in enumerate(reps):
            eps, u = rep_rng(seed, r).standard_normal(2)
            value[i] = x1 + self.noise * eps
            drawn[i] = round(1_000_000 * max(0.0, x1) * (1.0 + 0.1 * float(u)))
        return pd.DataFrame(
            {
                "rep": np.asarray(list(reps), dtype=np.int64),
                "target.T1.value": value,
                "target.T1.attained": value > threshold,
                "fund.F1.drawn_yuan": drawn,
            }
        )


@dataclass(frozen=True)
class ThresholdFactory:
    """Factory of :class:`ThresholdModel` (see there for the attributes)."""

    threshold: float = 0.7
    noise: float = 0.1
    sleep: float = 0.0

    def build(self) -> ThresholdModel:
        """Build the model.

        Returns:
            The threshold model.
        """
        return ThresholdModel(self.threshold, self.noise, self.sleep)


_TOYS: dict[str, type[IshigamiFactory] | type[ThresholdFactory]] = {
    "ishigami": IshigamiFactory,
    "threshold": ThresholdFactory,
}


def toy_factory(scenario: str) -> ModelFactory:
    """Build a toy factory from ``toy:NAME[?option=value&...]``.

    Args:
        scenario: The scenario string.

    Returns:
        The toy's factory.

    Raises:
        SweepSetupError: If the toy or an option is unknown or not a number.
    """
    body = scenario.removeprefix(TOY_PREFIX)
    name, _, query = body.partition("?")
    cls = _TOYS.get(name)
    if cls is None:
        raise SweepSetupError(
            f"未知的示例模型 (unknown toy model) {name!r}; 可选 (choose) {', '.join(_TOYS)}"
        )
    known = set(cls.__dataclass_fields__)
    options: dict[str, float] = {}
    for key, raw in parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)):
        if key not in known:
            raise SweepSetupError(
                f"示例模型 {name} 没有选项 (toy has no option) {key!r}; 可选 (choose) {', '.join(sorted(known))}"
            )
        try:
            options[key] = float(raw)
        except ValueError:
            raise SweepSetupError(
                f"示例模型选项 {key}={raw!r} 应为数字 (toy option must be a number)"
            ) from None
    return cls(**options)


# --------------------------------------------------------------------------- running


def package_versions() -> dict[str, str]:
    """Return the versions of Python and the packages that shape the results.

    Returns:
        Mapping of package name to version (``"-"`` when not installed).
    """
    out = {"python": platform.python_version(), "fiscalsim": simulator.__version__}
    for dist in ("numpy", "scipy", "pandas", "pyarrow", "SALib", "dask", "distributed"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = "-"
    return out


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
        raise SweepSetupError(
            f"模型工厂无法序列化 (the model factory {type(factory).__name__} cannot be pickled for "
            f"worker processes: {exc}; use a module-level dataclass, or --serial)"
        ) from None


def _now() -> str:
    """Return the current UTC time in ISO format (seconds)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _design_manifest(design: Design) -> dict[str, Any]:
    """Describe the design (factors and table) for the manifest."""
    table = design.table
    return {
        "kind": design.kind,
        "n_points": len(design),
        "factors": [
            {
                "path": f.path,
                "kind": f.kind,
                "dtype": f.dtype,
                "options": list(f.options) if f.options is not None else None,
            }
            for f in design.factors
        ],
        "columns": [str(c) for c in table.columns],
        "rows": [
            [_json_scalar(v) for v in row] for row in table.itertuples(index=False, name=None)
        ],
    }


def _json_scalar(value: object) -> object:
    """Convert a table cell to a JSON scalar."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _flatten(data: object, prefix: str = "") -> dict[str, object]:
    """Flatten nested mappings into dotted keys (lists stay values)."""
    if isinstance(data, Mapping):
        out: dict[str, object] = {}
        for key, value in data.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: data}


def describe_spec_difference(stored: Mapping[str, Any], spec: SweepSpec) -> str:
    """Explain how a stored spec differs from a new one (hash-relevant keys only).

    Args:
        stored: The ``manifest.json`` of the existing store.
        spec: The new spec.

    Returns:
        A one-line description of the first few differences.
    """
    old = _flatten(stored.get("spec_for_hash") or {})
    new = _flatten(json.loads(canonical_spec_json(spec)))
    parts = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key, "(无 none)"), new.get(key, "(无 none)")
        if a != b:
            parts.append(
                f"{key}: {json.dumps(a, ensure_ascii=False)} → {json.dumps(b, ensure_ascii=False)}"
            )
    old_scn = (stored.get("scenario") or {}).get("hash")
    new_scn = scenario_hash(spec)
    if old_scn != new_scn:
        parts.append(
            f"情景文件内容 (scenario file content): {str(old_scn)[:12]} → {str(new_scn)[:12]}"
        )
    if not parts:
        return "规格哈希不同 (spec hash differs)"
    more = f" (+{len(parts) - 5} more)" if len(parts) > 5 else ""
    return "; ".join(parts[:5]) + more


def _check_store(
    store: SweepStore, spec: SweepSpec, design: Design, new_hash: str, *, resume: bool, force: bool
) -> tuple[str, dict[str, Any] | None, set[str]]:
    """Decide how to open the store, refusing before anything is written.

    Returns:
        ``(mode, old manifest, stored points)`` with mode ``fresh``, ``wipe`` or ``resume``.
    """
    if not store.is_nonempty():
        return "fresh", None, set()
    if force:
        if not store.is_sweep_store():
            raise SweepStoreError(
                f"{store.root} 非空且不是扫描结果目录，拒绝删除 (is not empty and is not a sweep "
                "store: refusing to wipe it; choose another --out)"
            )
        return "wipe", None, set()
    if not resume:
        raise SweepStoreError(
            f"输出目录已存在且非空 ({store.root} exists and is not empty); "
            "用 --resume 续算或 --force 覆盖 (use --resume to continue or --force to overwrite)"
        )
    old = store.read_manifest()
    if old.get("kind") != STORE_KIND:
        raise SweepStoreError(f"{store.root} 不是扫描结果目录 (not a sweep store)")
    if old.get("spec_hash") != new_hash:
        raise SweepStoreError(
            f"无法续算：规格与已存结果不同 (cannot resume {store.root}: the spec differs from the "
            f"stored one: {describe_spec_difference(old, spec)}); 用 --force 重算 (use --force to start over)"
        )
    if store.design_path.is_file() and store.design_path.read_bytes() != parquet_bytes(
        design.table
    ):
        raise SweepStoreError(
            f"无法续算：设计表与已存的不同 (cannot resume {store.root}: the generated design differs "
            "from design.parquet, e.g. after a library upgrade); 用 --force 重算 (use --force)"
        )
    return "resume", old, store.completed_points() & set(design.point_ids)


def _open_store(
    store: SweepStore,
    mode: str,
    old: Mapping[str, Any] | None,
    manifest: dict[str, Any],
    design: Design,
) -> None:
    """Create, wipe or reopen the store and write the manifest and design."""
    if mode == "wipe":
        store.wipe()
    if mode == "resume" and old is not None:
        store.clean_temporary()
        manifest["created"] = old.get("created", manifest["created"])
        manifest["runs"] = list(old.get("runs", [])) + manifest["runs"]
        manifest["timings"]["points"] = dict((old.get("timings") or {}).get("points", {}))
        manifest["outputs"] = old.get("outputs")
    store.root.mkdir(parents=True, exist_ok=True)
    store.write_manifest(manifest)
    if not store.design_path.is_file():
        store.write_frame("design.parquet", design.table)


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
            raise SweepRunError(
                f"点 {b.point} 的各块输出列不一致 (blocks of point {b.point} returned different columns)"
            )
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

    Returns:
        A :class:`SweepResult`.

    Raises:
        SweepStoreError: If the directory cannot be used as asked.
        SweepSetupError: If the model cannot be set up.
        SweepRunError: If a task fails (finished points stay stored).
    """
    t_start = time.perf_counter()
    if resume and force:
        raise SweepStoreError(
            "--resume 与 --force 不能同时使用 (--resume and --force are mutually exclusive)"
        )
    model_factory = factory if factory is not None else resolve_model_factory(spec)
    design = build_design(spec)
    store = SweepStore(out_dir)
    executor = executor if executor is not None else ProcessPoolSweepExecutor()
    if not isinstance(executor, SerialExecutor):
        _check_picklable(model_factory)
    run_record: dict[str, Any] = {
        "started": _now(),
        "finished": None,
        "status": "running",
        "executor": executor.describe(),
        "points_computed": 0,
        "argv": list(sys.argv),
    }
    scenario_path = spec.scenario_path()
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "kind": STORE_KIND,
        "version": simulator.__version__,
        "created": _now(),
        "spec": spec.model_dump(mode="json"),
        "spec_for_hash": json.loads(canonical_spec_json(spec)),
        "spec_file": spec.source,
        "spec_hash": spec_hash(spec),
        "scenario": {
            "name": spec.scenario,
            "file": str(scenario_path) if scenario_path is not None else None,
            "hash": scenario_hash(spec),
        },
        "seed": spec.seed,
        "engine": spec.engine,
        "replications": spec.replications,
        "block_size": spec.effective_block_size,
        "outputs": None,
        "versions": package_versions(),
        "runs": [run_record],
        "timings": {"total_s": 0.0, "points": {}},
        "design": _design_manifest(design),
    }
    # Refuse before touching the directory (the lock file is only made in places we may write to);
    # the check is repeated under the lock.
    _check_store(store, spec, design, manifest["spec_hash"], resume=resume, force=force)
    with store.locked():
        return _run_locked(
            spec,
            store,
            design,
            executor,
            model_factory,
            manifest,
            run_record,
            resume=resume,
            force=force,
            progress=progress,
            t_start=t_start,
        )


def _run_locked(
    spec: SweepSpec,
    store: SweepStore,
    design: Design,
    executor: SweepExecutor,
    model_factory: ModelFactory,
    manifest: dict[str, Any],
    run_record: dict[str, Any],
    *,
    resume: bool,
    force: bool,
    progress: bool | Literal["always"],
    t_start: float,
) -> SweepResult:
    """Run the sweep while holding the store's lock (see :func:`run_sweep`)."""
    mode, old, done = _check_store(
        store, spec, design, manifest["spec_hash"], resume=resume, force=force
    )
    todo = set(design.point_ids) - done
    # Start the executor before writing anything, so an unreachable cluster leaves no trace.
    started_here = bool(todo) and not executor.started
    if started_here:
        executor.start()
    try:
        _open_store(store, mode, old, manifest, design)
    except BaseException:
        if started_here:
            executor.close()
        raise
    timings: dict[str, float] = manifest["timings"]["points"]
    prior_total = float(sum(r.get("elapsed_s", 0.0) for r in manifest["runs"][:-1]))
    expected_schema: list[list[str]] | None = manifest.get("outputs")
    n_blocks = math.ceil(spec.replications / spec.effective_block_size)

    show = progress == "always" or (progress is True and sys.stderr.isatty())
    bar = tqdm(
        total=len(design),
        initial=len(done),
        unit="点",
        desc="扫描 sweep",
        file=sys.stderr,
        disable=not show,
        dynamic_ncols=True,
        smoothing=0.1,
    )
    pending: dict[str, list[BlockResult]] = {}
    computed = 0
    last_flush = time.monotonic()
    flush_every = 10.0

    def flush(status: str) -> None:
        nonlocal last_flush, flush_every
        run_record["status"] = status
        run_record["points_computed"] = computed
        run_record["elapsed_s"] = round(time.perf_counter() - t_start, 3)
        if status != "running":
            run_record["finished"] = _now()
        manifest["timings"]["total_s"] = round(prior_total + run_record["elapsed_s"], 3)
        t0 = time.monotonic()
        store.write_manifest(manifest)
        last_flush = time.monotonic()
        # Keep rewriting the manifest cheap relative to the work done.
        flush_every = max(10.0, 50.0 * (last_flush - t0))

    status = "failed"
    try:
        if todo:
            tasks = _iter_tasks(design, todo, spec, model_factory)
            for result in executor.run(tasks):
                blocks = pending.setdefault(result.point, [])
                blocks.append(result)
                if len(blocks) < n_blocks:
                    continue
                frame = _assemble(pending.pop(result.point))
                schema = _schema_of(frame)
                if expected_schema is None:
                    expected_schema = schema
                    manifest["outputs"] = schema
                elif schema != expected_schema:
                    raise SweepRunError(
                        f"点 {result.point} 的输出列与之前的点不同 (point {result.point} returned "
                        f"columns {schema} but earlier points returned {expected_schema})"
                    )
                store.write_point(result.point, frame)
                timings[result.point] = round(sum(b.elapsed_s for b in blocks), 6)
                computed += 1
                bar.update(1)
                if time.monotonic() - last_flush >= flush_every:
                    flush("running")
        status = "complete"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    except Exception as exc:
        run_record["error"] = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        bar.close()
        if started_here and executor.started:
            executor.close()
        flush(status)
    return SweepResult(
        out_dir=store.root,
        n_points=len(design),
        n_computed=computed,
        n_skipped=len(done),
        elapsed_s=time.perf_counter() - t_start,
        outputs=[c for c, _ in (expected_schema or []) if c != "rep"],
    )


def stored_outputs(manifest: Mapping[str, Any]) -> list[str]:
    """Return the output columns recorded in a manifest.

    Args:
        manifest: A sweep manifest.

    Returns:
        Output column names (without ``rep``).
    """
    schema = manifest.get("outputs") or []
    return [str(c) for c, _ in schema if c != "rep"]
