"""Summaries and sensitivity analysis of a stored sweep.

* Per point: the probability of each boolean output (``<output>:p_attained``)
  and the mean and 5/50/95 % quantiles of each numeric one
  (``<output>:mean``, ``:p5``, ``:p50``, ``:p95``), over replications.
* Sobol' indices (S1, ST with confidence intervals) for ``saltelli`` designs,
  via :func:`SALib.analyze.sobol.analyze`.
* Morris μ*, σ for ``morris`` designs, via :func:`SALib.analyze.morris.analyze`.
* A PRIM-style box search for the regions where a target is missed.

Sensitivity analyses use each point's mean over replications (the
probability, for boolean outputs) as the model response.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.i18n import Msg
from simulator.sweep.design import UNIT_PREFIX, FactorInfo
from simulator.sweep.points import QUANTILES, point_statistics, points_summary, response_column
from simulator.sweep.prim import PrimBox, is_numeric_factor, plain, prim_boxes
from simulator.sweep.sensitivity import morris_indices, sobol_indices
from simulator.sweep.store import SweepStore, SweepStoreError

__all__ = [
    "QUANTILES",
    "PrimBox",
    "SweepSummary",
    "heatmap_table",
    "morris_indices",
    "point_statistics",
    "points_summary",
    "prim_boxes",
    "response_column",
    "sobol_indices",
    "summarise_sweep",
]


# --------------------------------------------------------------------------- heat map


def _axis(
    series: pd.Series, bins: int, options: Sequence[Any] | None
) -> tuple[list[Any], np.ndarray]:
    """Return axis labels and each point's index along the axis."""
    values = series.tolist()
    distinct = list(dict.fromkeys(values))
    if options is not None or not is_numeric_factor(series):
        labels = list(options) if options is not None else distinct
        lookup = {v: i for i, v in enumerate(labels)}
        return [plain(v) for v in labels], np.array([lookup[v] for v in values], dtype=np.int64)
    x = series.to_numpy(dtype=float)
    if len(distinct) <= max(bins, 12):
        labels = sorted(set(x.tolist()))
        lookup = {v: i for i, v in enumerate(labels)}
        return labels, np.array([lookup[v] for v in x.tolist()], dtype=np.int64)
    edges = np.unique(np.quantile(x, np.linspace(0.0, 1.0, bins + 1)))
    idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(edges) - 2)
    centres = [float((edges[i] + edges[i + 1]) / 2) for i in range(len(edges) - 1)]
    return centres, idx.astype(np.int64)


def heatmap_table(
    summary: pd.DataFrame,
    x: str,
    y: str,
    column: str,
    *,
    bins: int = 8,
    options: Mapping[str, Sequence[Any]] | None = None,
) -> dict[str, Any]:
    """Average a statistic over the cells of two factors (others averaged out).

    List factors use their options (in spec order); numeric factors with few
    distinct values use them as they are; others are cut into ``bins``
    equal-count bins labelled by their midpoints.

    Args:
        summary: Points summary.
        x: Factor on the horizontal axis.
        y: Factor on the vertical axis.
        column: Statistic column to average (e.g. ``target.T1.attained:p_attained``).
        bins: Bins for continuous factors.
        options: Factor → its options, for list factors.

    Returns:
        ``{"x", "y", "stat", "x_levels", "y_levels", "values"}`` where
        ``values[i][j]`` is the mean for ``y_levels[i]`` and ``x_levels[j]``
        (``None`` for empty cells).
    """
    opts = options or {}
    x_labels, xi = _axis(summary[x], bins, opts.get(x))
    y_labels, yi = _axis(summary[y], bins, opts.get(y))
    stat = summary[column].to_numpy(dtype=float)
    sums = np.zeros((len(y_labels), len(x_labels)))
    counts = np.zeros_like(sums)
    np.add.at(sums, (yi, xi), stat)
    np.add.at(counts, (yi, xi), 1.0)
    values = [
        [float(sums[i, j] / counts[i, j]) if counts[i, j] else None for j in range(len(x_labels))]
        for i in range(len(y_labels))
    ]
    return {
        "x": x,
        "y": y,
        "stat": column,
        "x_levels": x_labels,
        "y_levels": y_labels,
        "values": values,
    }


# --------------------------------------------------------------------------- whole sweep


def _frame_records(frame: pd.DataFrame | None) -> list[dict[str, Any]] | None:
    """Convert a result table to JSON-ready records (NaN → None)."""
    if frame is None:
        return None
    records: list[dict[str, Any]] = []
    for row in frame.to_dict(orient="records"):
        records.append({str(k): _json_value(v) for k, v in row.items()})
    return records


def _json_value(value: object) -> object:
    """Convert a cell to a JSON value (NaN and infinities → None)."""
    value = plain(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass
class SweepSummary:
    """Everything ``sweep-summary`` computes.

    Attributes:
        points: Per-point statistics (see :func:`points_summary`).
        outputs: Output name → whether it is boolean.
        design: Design kind.
        n_points: Points in the design.
        sobol: Sobol' indices (saltelli designs).
        morris: Morris statistics (morris designs).
        prim: Boolean output → boxes where it is missed.
        heatmap: Heat maps keyed by statistic column, when the spec asks for one.
        notes: Remarks on what was skipped and why, in both languages.
        meta: Spec hash, seed, replications and versions from the manifest.
    """

    points: pd.DataFrame
    outputs: dict[str, bool]
    design: str
    n_points: int
    sobol: pd.DataFrame | None = None
    morris: pd.DataFrame | None = None
    prim: dict[str, list[PrimBox]] = field(default_factory=dict)
    heatmap: dict[str, dict[str, Any]] | None = None
    notes: list[Msg] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def output_overview(self) -> dict[str, dict[str, Any]]:
        """Summarise each output's response across points.

        Returns:
            Output → ``{"type", "stat", "min", "mean", "max"}`` of its response.
        """
        out: dict[str, dict[str, Any]] = {}
        for name, is_bool in self.outputs.items():
            col = response_column(name, is_bool)
            values = self.points[col].to_numpy(dtype=float) if col in self.points else np.array([])
            finite = values[np.isfinite(values)]
            out[name] = {
                "type": "bool" if is_bool else "numeric",
                "stat": col.split(":", 1)[1],
                "min": float(finite.min()) if finite.size else None,
                "mean": float(finite.mean()) if finite.size else None,
                "max": float(finite.max()) if finite.size else None,
            }
        return out

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form written to ``summary.json``.

        Returns:
            The summary mapping.
        """
        return {
            "format": 1,
            "kind": "sweep-summary",
            **self.meta,
            "design": self.design,
            "n_points": self.n_points,
            "n_points_done": len(self.points),
            "outputs": self.output_overview(),
            "sobol": _frame_records(self.sobol),
            "morris": _frame_records(self.morris),
            "prim": {k: [b.to_dict() for b in v] for k, v in self.prim.items()},
            "heatmap": self.heatmap,
            "notes": [f"{n.zh} ({n.en})" for n in self.notes],
            "notes_i18n": [{"zh": n.zh, "en": n.en} for n in self.notes],
        }


def _factor_infos(manifest: Mapping[str, Any]) -> list[FactorInfo]:
    """Rebuild the factor descriptions stored in a manifest."""
    out = []
    for f in manifest["design"]["factors"]:
        options = tuple(f["options"]) if f.get("options") is not None else None
        out.append(FactorInfo(f["path"], f["kind"], f["dtype"], options))
    return out


def summarise_sweep(
    out_dir: str | Path,
    *,
    write: bool = True,
    prim_alpha: float = 0.05,
    prim_min_support: float = 0.1,
) -> SweepSummary:
    """Summarise a stored sweep and (by default) write the summary files.

    Writes ``DIR/points_summary.parquet`` and ``DIR/summary.json``.

    Args:
        out_dir: The sweep directory.
        write: Write the summary files.
        prim_alpha: PRIM peeling share per step.
        prim_min_support: PRIM smallest box (share of points).

    Returns:
        The summary.

    Raises:
        SweepStoreError: If the directory is not a sweep store.
    """
    store = SweepStore(out_dir)
    manifest = store.read_manifest()
    if manifest.get("kind") != "sweep":
        raise SweepStoreError(Msg(f"{store.root} 不是扫描结果目录", f"{store.root} is not a sweep store"))
    if write:  # a summary is written only for a whole sweep (complete, every point file as recorded)
        from simulator.sweep.verify import require_whole_sweep

        require_whole_sweep(out_dir)
    spec = manifest["spec"]
    factors = _factor_infos(manifest)
    design = store.read_frame("design.parquet")
    schema = manifest.get("outputs") or []
    outputs = {str(name): dtype == "bool" for name, dtype in schema if name != "rep"}
    summary_table = points_summary(store, design, factors, list(outputs))
    result = SweepSummary(
        points=summary_table,
        outputs=outputs,
        design=str(manifest["design"]["kind"]),
        n_points=len(design),
        meta={
            "spec_hash": manifest.get("spec_hash"),
            "scenario": (manifest.get("scenario") or {}).get("name"),
            "seed": manifest.get("seed"),
            "replications": manifest.get("replications"),
            "versions": manifest.get("versions"),
        },
    )
    if not outputs:
        result.notes.append(Msg("尚无已完成的点", "no completed points yet"))
    if result.design in ("saltelli", "morris") and outputs:
        _add_sensitivity(result, design, factors, spec, seed=int(manifest.get("seed") or 0))
    _add_prim(result, factors, alpha=prim_alpha, min_support=prim_min_support)
    heat = spec.get("heatmap")
    if heat and len(summary_table):
        options = {f.path: list(f.options) for f in factors if f.options is not None}
        result.heatmap = {
            response_column(name, is_bool): heatmap_table(
                summary_table, heat[0], heat[1], response_column(name, is_bool), options=options
            )
            for name, is_bool in outputs.items()
        }
    if write:
        store.write_frame("points_summary.parquet", summary_table)
        store.write_json("summary.json", result.to_dict())
    return result


def _add_sensitivity(
    result: SweepSummary,
    design: pd.DataFrame,
    factors: Sequence[FactorInfo],
    spec: Mapping[str, Any],
    *,
    seed: int,
) -> None:
    """Add the Sobol' or Morris indices of a complete saltelli or morris sweep (else a note)."""
    summary_table, outputs = result.points, result.outputs
    if not (len(summary_table) == len(design) and len(design) > 0):
        done = f"{len(summary_table)}/{len(design)}"
        result.notes.append(Msg(f"扫描未完成（{done}），跳过敏感性分析",
                                f"sweep incomplete ({done}): sensitivity analysis needs every point"))
        return
    problem = {
        "num_vars": len(factors),
        "names": [f.path for f in factors],
        "bounds": [[0.0, 1.0]] * len(factors),
    }
    if result.design == "saltelli":
        result.sobol, notes = sobol_indices(
            problem,
            summary_table,
            outputs,
            second_order=bool(spec.get("second_order", False)),
            seed=seed,
        )
    else:
        unit = design[[UNIT_PREFIX + f.path for f in factors]].to_numpy(dtype=float)
        result.morris, notes = morris_indices(
            problem, unit, summary_table, outputs, levels=int(spec.get("levels", 4)), seed=seed
        )
    result.notes.extend(notes)


def _add_prim(
    result: SweepSummary, factors: Sequence[FactorInfo], *, alpha: float, min_support: float
) -> None:
    """Add the PRIM boxes where each yes/no output is missed."""
    summary_table = result.points
    factor_frame = (
        summary_table[[f.path for f in factors]] if len(summary_table) else pd.DataFrame()
    )
    for name, is_bool in result.outputs.items():
        if not is_bool:
            continue
        missed = 1.0 - summary_table[response_column(name, True)].to_numpy(dtype=float)
        result.prim[name] = prim_boxes(factor_frame, missed, alpha=alpha, min_support=min_support)
