"""The sweep store's manifest, and the decision how to open a store (fresh, wipe or resume).

Nothing here runs a model: :func:`check_store` refuses an output directory
that cannot be used as asked before anything is written, :func:`open_store`
prepares it, and :func:`build_manifest` describes the sweep (spec, hashes,
seed, versions, design) for ``manifest.json``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np

import simulator
from simulator.i18n import Msg
from simulator.sweep.design import Design
from simulator.sweep.executors import SweepExecutor
from simulator.sweep.spec import SweepSpec, canonical_spec_json, scenario_hash, spec_hash
from simulator.sweep.store import (
    FORMAT,
    STORE_KIND,
    SweepStore,
    SweepStoreError,
)
from simulator.sweep.tables import parquet_bytes
from simulator.versions import versions

__all__ = [
    "build_manifest",
    "check_store",
    "describe_spec_difference",
    "design_manifest",
    "new_run_record",
    "now",
    "open_store",
    "stored_outputs",
]


def now() -> str:
    """Return the current UTC time in ISO format (seconds)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def design_manifest(design: Design) -> dict[str, Any]:
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


def describe_spec_difference(stored: Mapping[str, Any], spec: SweepSpec) -> Msg:
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
        a, b = old.get(key, "(none)"), new.get(key, "(none)")
        if a != b:
            parts.append(
                f"{key}: {json.dumps(a, ensure_ascii=False)} → {json.dumps(b, ensure_ascii=False)}"
            )
    old_scn = (stored.get("scenario") or {}).get("hash")
    new_scn = scenario_hash(spec)
    text = Msg("; ".join(parts[:5]), "; ".join(parts[:5]))
    if old_scn != new_scn:
        change = f"{str(old_scn)[:12]} → {str(new_scn)[:12]}"
        text = text + (Msg("; ", "; ") if parts else "") + Msg(f"情景文件内容：{change}", f"scenario file content: {change}")
    if not parts and old_scn == new_scn:
        return Msg("规格哈希不同", "spec hash differs")
    if len(parts) > 5:
        text = text + Msg(f"（另有 {len(parts) - 5} 处）", f" (+{len(parts) - 5} more)")
    return text


def check_store(
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
            raise SweepStoreError(Msg(
                f"{store.root} 非空且不是扫描结果目录，拒绝删除；请换一个 --out",
                f"{store.root} is not empty and is not a sweep store: refusing to wipe it; choose another --out",
            ))
        return "wipe", None, set()
    if not resume:
        raise SweepStoreError(Msg(
            f"输出目录 {store.root} 已存在且非空；用 --resume 续算或 --force 覆盖",
            f"{store.root} exists and is not empty; use --resume to continue or --force to overwrite",
        ))
    old = store.read_manifest()
    if old.get("kind") != STORE_KIND:
        raise SweepStoreError(Msg(f"{store.root} 不是扫描结果目录", f"{store.root} is not a sweep store"))
    if old.get("spec_hash") != new_hash:
        diff = describe_spec_difference(old, spec)
        raise SweepStoreError(Msg(
            f"无法续算 {store.root}：规格与已存结果不同：{diff.zh}；用 --force 重算",
            f"cannot resume {store.root}: the spec differs from the stored one: {diff.en}; use --force to start over",
        ))
    if store.design_path.is_file() and store.design_path.read_bytes() != parquet_bytes(
        design.table
    ):
        raise SweepStoreError(Msg(
            f"无法续算 {store.root}：生成的设计表与 design.parquet 不同（例如升级了程序库之后）；用 --force 重算",
            f"cannot resume {store.root}: the generated design differs from design.parquet, e.g. after a "
            "library upgrade; use --force",
        ))
    return "resume", old, store.completed_points() & set(design.point_ids)


def open_store(
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


def new_run_record(executor: SweepExecutor) -> dict[str, Any]:
    """Start the manifest's record of this call (status ``running``).

    Args:
        executor: Where the tasks run.

    Returns:
        The run record, updated in place as the sweep goes on.
    """
    return {
        "started": now(),
        "finished": None,
        "status": "running",
        "executor": executor.describe(),
        "points_computed": 0,
        "argv": list(sys.argv),
    }


def build_manifest(spec: SweepSpec, design: Design, run_record: dict[str, Any]) -> dict[str, Any]:
    """Describe a sweep for ``manifest.json``.

    Args:
        spec: The sweep spec.
        design: Its design.
        run_record: The record of this call (see :func:`new_run_record`).

    Returns:
        The manifest (``outputs`` is filled in when the first point is stored).
    """
    scenario_path = spec.scenario_path()
    return {
        "format": FORMAT,
        "kind": STORE_KIND,
        "version": simulator.__version__,
        "created": now(),
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
        "versions": versions(),
        "runs": [run_record],
        "timings": {"total_s": 0.0, "points": {}},
        "design": design_manifest(design),
    }


def stored_outputs(manifest: Mapping[str, Any]) -> list[str]:
    """Return the output columns recorded in a manifest.

    Args:
        manifest: A sweep manifest.

    Returns:
        Output column names (without ``rep``).
    """
    schema = manifest.get("outputs") or []
    return [str(c) for c, _ in schema if c != "rep"]
