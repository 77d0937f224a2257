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
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.sweep.design import UNIT_PREFIX, FactorInfo
from simulator.sweep.store import SweepStore, SweepStoreError

__all__ = [
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

QUANTILES: tuple[tuple[str, float], ...] = (("p5", 0.05), ("p50", 0.5), ("p95", 0.95))
"""Quantile columns of numeric outputs."""


# --------------------------------------------------------------------------- per point


def point_statistics(
    frame: Mapping[str, Any] | pd.DataFrame, outputs: Sequence[str]
) -> dict[str, float]:
    """Summarise one point's replications.

    Args:
        frame: The point's stored columns (``rep`` + outputs), as a frame or a
            mapping of column name to array.
        outputs: The outputs to summarise.

    Returns:
        ``n_reps`` plus ``<output>:p_attained`` for boolean outputs and
        ``<output>:mean``/``:p5``/``:p50``/``:p95`` for numeric ones (NaN
        replications ignored).
    """
    out: dict[str, float] = {"n_reps": float(len(np.asarray(frame["rep"])))}
    for name in outputs:
        col = np.asarray(frame[name])
        if col.dtype == np.bool_:
            out[f"{name}:p_attained"] = float(col.mean()) if len(col) else math.nan
            continue
        values = col.astype(float)
        finite = values[~np.isnan(values)]
        if finite.size == 0:
            out[f"{name}:mean"] = math.nan
            for label, _ in QUANTILES:
                out[f"{name}:{label}"] = math.nan
            continue
        out[f"{name}:mean"] = float(finite.mean())
        qs = np.quantile(finite, [q for _, q in QUANTILES])
        for (label, _), v in zip(QUANTILES, qs, strict=True):
            out[f"{name}:{label}"] = float(v)
    return out


def response_column(output: str, is_bool: bool) -> str:
    """Return the points-summary column used as the response of an output.

    Args:
        output: The output name.
        is_bool: Whether the output is boolean.

    Returns:
        ``<output>:p_attained`` for booleans, ``<output>:mean`` otherwise.
    """
    return f"{output}:p_attained" if is_bool else f"{output}:mean"


def points_summary(
    store: SweepStore, design: pd.DataFrame, factors: Sequence[FactorInfo], outputs: Sequence[str]
) -> pd.DataFrame:
    """Summarise every stored point, reading one point file at a time.

    Args:
        store: The sweep store.
        design: The design table (``point`` + factor columns).
        factors: The factors, in design order.
        outputs: The outputs to summarise.

    Returns:
        One row per stored point, in design order: ``point``, the factor
        values, ``n_reps`` and the statistics of :func:`point_statistics`.
    """
    ids = [str(p) for p in design["point"]]
    position = {pid: i for i, pid in enumerate(ids)}
    factor_values = {f.path: design[f.path].tolist() for f in factors}
    rows: list[dict[str, Any]] = []
    for pid, columns in store.iter_point_arrays(ids):
        i = position[pid]
        row: dict[str, Any] = {"point": pid}
        for f in factors:
            row[f.path] = factor_values[f.path][i]
        row.update(point_statistics(columns, outputs))
        rows.append(row)
    out = (
        pd.DataFrame(rows) if rows else pd.DataFrame(columns=["point", *(f.path for f in factors)])
    )
    if "n_reps" in out.columns:
        out["n_reps"] = out["n_reps"].astype(np.int64)
    for f in factors:
        if f.dtype == "string":
            out[f.path] = out[f.path].astype(object)
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- sensitivity


def _analysis_seed(seed: int, tag: int) -> int:
    """Derive a non-zero 32-bit seed for SALib's bootstrap (it ignores seed 0)."""
    value = int(np.random.SeedSequence(seed, spawn_key=(0x616E, tag)).generate_state(1)[0])
    return value or 1


def _responses(summary: pd.DataFrame, output: str, is_bool: bool) -> np.ndarray:
    """Return an output's per-point response vector."""
    return summary[response_column(output, is_bool)].to_numpy(dtype=float)


def sobol_indices(
    problem: Mapping[str, Any],
    summary: pd.DataFrame,
    outputs: Mapping[str, bool],
    *,
    second_order: bool = False,
    seed: int = 0,
    num_resamples: int = 100,
    conf_level: float = 0.95,
) -> tuple[pd.DataFrame, list[str]]:
    """Compute first-order and total Sobol' indices from a saltelli design.

    Args:
        problem: SALib problem of the design (unit bounds, factor names).
        summary: Points summary with every point of the design, in design order.
        outputs: Output name → whether it is boolean.
        second_order: Whether the design was drawn with second-order cross samples.
        seed: The sweep seed (makes the bootstrap intervals reproducible).
        num_resamples: Bootstrap resamples for the confidence intervals.
        conf_level: Confidence level of the intervals.

    Returns:
        ``(table, notes)``: one row per output and factor with ``S1``,
        ``S1_conf``, ``ST``, ``ST_conf``; notes on outputs that were skipped.
    """
    from SALib.analyze import sobol as salib_sobol

    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    names = list(problem["names"])
    for k, (output, is_bool) in enumerate(outputs.items()):
        y = _responses(summary, output, is_bool)
        if not np.all(np.isfinite(y)):
            notes.append(
                f"{output}: 存在缺失响应，跳过 Sobol (non-finite responses; Sobol skipped)"
            )
            continue
        if np.std(y) == 0:
            notes.append(f"{output}: 各点响应相同，跳过 Sobol (constant response; Sobol skipped)")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            si = salib_sobol.analyze(
                dict(problem),
                y,
                calc_second_order=second_order,
                num_resamples=num_resamples,
                conf_level=conf_level,
                print_to_console=False,
                seed=_analysis_seed(seed, k),
            )
        for j, name in enumerate(names):
            rows.append(
                {
                    "output": output,
                    "factor": name,
                    "S1": float(si["S1"][j]),
                    "S1_conf": float(si["S1_conf"][j]),
                    "ST": float(si["ST"][j]),
                    "ST_conf": float(si["ST_conf"][j]),
                }
            )
    return pd.DataFrame(rows, columns=["output", "factor", "S1", "S1_conf", "ST", "ST_conf"]), notes


def morris_indices(
    problem: Mapping[str, Any],
    unit: np.ndarray,
    summary: pd.DataFrame,
    outputs: Mapping[str, bool],
    *,
    levels: int = 4,
    seed: int = 0,
    num_resamples: int = 100,
    conf_level: float = 0.95,
) -> tuple[pd.DataFrame, list[str]]:
    """Compute Morris elementary-effect statistics from a morris design.

    Effects are per unit of each factor's quantile scale (the unit-cube
    coordinates), so factors with different units are comparable.

    Args:
        problem: SALib problem of the design (unit bounds, factor names).
        unit: Unit-cube coordinates of every point, in design order.
        summary: Points summary with every point, in design order.
        outputs: Output name → whether it is boolean.
        levels: Number of Morris levels used by the design.
        seed: The sweep seed (makes the bootstrap intervals reproducible).
        num_resamples: Bootstrap resamples for the μ* interval.
        conf_level: Confidence level of the interval.

    Returns:
        ``(table, notes)``: one row per output and factor with ``mu``,
        ``mu_star``, ``sigma``, ``mu_star_conf``.
    """
    from SALib.analyze import morris as salib_morris

    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    names = list(problem["names"])
    x = np.asarray(unit, dtype=float)
    for k, (output, is_bool) in enumerate(outputs.items()):
        y = _responses(summary, output, is_bool)
        if not np.all(np.isfinite(y)):
            notes.append(
                f"{output}: 存在缺失响应，跳过 Morris (non-finite responses; Morris skipped)"
            )
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            si = salib_morris.analyze(
                dict(problem),
                x,
                y,
                num_resamples=num_resamples,
                conf_level=conf_level,
                print_to_console=False,
                num_levels=levels,
                seed=_analysis_seed(seed, k),
            )
        for j, name in enumerate(names):
            rows.append(
                {
                    "output": output,
                    "factor": name,
                    "mu": float(si["mu"][j]),
                    "mu_star": float(si["mu_star"][j]),
                    "sigma": float(si["sigma"][j]),
                    "mu_star_conf": float(si["mu_star_conf"][j]),
                }
            )
    return pd.DataFrame(
        rows, columns=["output", "factor", "mu", "mu_star", "sigma", "mu_star_conf"]
    ), notes


# --------------------------------------------------------------------------- PRIM


@dataclass(frozen=True)
class PrimBox:
    """A box of the factor space where the outcome of interest is concentrated.

    Attributes:
        limits: Restricted factors only: numeric ones as ``{"lo": .., "hi": ..}``
            (``None`` on an unrestricted side), list factors as
            ``{"options": [...]}``.
        support: Share of all points inside the box.
        coverage: Share of the total outcome mass (e.g. of all misses) inside the box.
        density: Mean outcome inside the box (e.g. the miss rate).
        n_points: Points inside the box.
    """

    limits: dict[str, dict[str, Any]]
    support: float
    coverage: float
    density: float
    n_points: int

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready mapping.

        Returns:
            The box's fields.
        """
        return {
            "limits": self.limits,
            "support": self.support,
            "coverage": self.coverage,
            "density": self.density,
            "n_points": self.n_points,
        }


def _is_numeric(series: pd.Series) -> bool:
    """Whether PRIM should treat a factor column as ordered numbers."""
    return bool(
        pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)
    )


def _plain(value: object) -> object:
    """Convert numpy scalars to plain Python values."""
    return value.item() if isinstance(value, np.generic) else value


@dataclass(frozen=True)
class _Column:
    """One factor as PRIM sees it."""

    name: str
    x: np.ndarray
    numeric: bool


_MAX_PASTES = 1000
"""Upper bound on pasting steps per box."""

Limits = dict[str, tuple[float, float] | frozenset[object]]
"""A box: numeric factor → (lo, hi) inclusive; list factor → allowed options."""


def _satisfies(column: _Column, limit: tuple[float, float] | frozenset[object]) -> np.ndarray:
    """Mask of the points that meet one factor's limit."""
    if isinstance(limit, tuple):
        return (column.x >= limit[0]) & (column.x <= limit[1])
    return pd.Series(column.x).isin(list(limit)).to_numpy(dtype=bool)


def _box_mask(
    columns: Sequence[_Column], limits: Limits, domain: np.ndarray, skip: str | None = None
) -> np.ndarray:
    """Mask of the points of ``domain`` inside the box (ignoring factor ``skip``)."""
    mask = domain.copy()
    for col in columns:
        if col.name in limits and col.name != skip:
            mask &= _satisfies(col, limits[col.name])
    return mask


def _full_limits(columns: Sequence[_Column], domain: np.ndarray) -> Limits:
    """The box holding every point of ``domain``."""
    limits: Limits = {}
    for col in columns:
        xs = col.x[domain]
        limits[col.name] = (
            (float(xs.min()), float(xs.max())) if col.numeric else frozenset(xs.tolist())
        )
    return limits


def _peels(
    columns: Sequence[_Column], limits: Limits, mask: np.ndarray, alpha: float
) -> Iterator[Limits]:
    """Yield the boxes one peel smaller than ``limits``."""
    n_in = int(mask.sum())
    for col in columns:
        xs = col.x[mask]
        limit = limits[col.name]
        if isinstance(limit, tuple):
            lo_q = float(np.quantile(xs, alpha, method="lower"))
            hi_q = float(np.quantile(xs, 1.0 - alpha, method="higher"))
            above = xs[xs > lo_q]
            if 0 < int((xs <= lo_q).sum()) < n_in and above.size:
                yield {**limits, col.name: (float(above.min()), limit[1])}
            below = xs[xs < hi_q]
            if 0 < int((xs >= hi_q).sum()) < n_in and below.size:
                yield {**limits, col.name: (limit[0], float(below.max()))}
        else:
            present = frozenset(xs.tolist())
            if len(present) > 1:
                for option in sorted(present, key=str):
                    yield {**limits, col.name: present - {option}}


def _pastes(
    columns: Sequence[_Column], limits: Limits, mask: np.ndarray, domain: np.ndarray, alpha: float
) -> Iterator[Limits]:
    """Yield the boxes one paste (re-expansion) larger than ``limits``.

    Each side of a numeric factor is pasted by an ``alpha`` share of the box's
    points and by a single point, so a box can grow back up to a sharp edge.
    """
    steps = sorted({1, max(1, math.ceil(alpha * int(mask.sum())))})
    for col in columns:
        limit = limits[col.name]
        others = _box_mask(columns, limits, domain, skip=col.name)
        if isinstance(limit, tuple):
            xs = col.x[others]
            outside_hi = np.sort(xs[xs > limit[1]])
            outside_lo = np.sort(xs[xs < limit[0]])[::-1]
            for step in steps:
                if outside_hi.size:
                    yield {
                        **limits,
                        col.name: (limit[0], float(outside_hi[min(step, outside_hi.size) - 1])),
                    }
                if outside_lo.size:
                    yield {
                        **limits,
                        col.name: (float(outside_lo[min(step, outside_lo.size) - 1]), limit[1]),
                    }
        else:
            missing = frozenset(col.x[others].tolist()) - limit
            for option in sorted(missing, key=str):
                yield {**limits, col.name: limit | {option}}


def _best(
    columns: Sequence[_Column],
    y: np.ndarray,
    domain: np.ndarray,
    candidates: Iterator[Limits],
    min_points: int,
) -> tuple[float, int, Limits, np.ndarray] | None:
    """Pick the candidate box with the highest density (ties: more points)."""
    best: tuple[float, int, Limits, np.ndarray] | None = None
    for limits in candidates:
        mask = _box_mask(columns, limits, domain)
        n = int(mask.sum())
        if n < min_points:
            continue
        density = float(y[mask].mean())
        if (
            best is None
            or density > best[0] + 1e-12
            or (abs(density - best[0]) <= 1e-12 and n > best[1])
        ):
            best = (density, n, limits, mask)
    return best


def _find_box(
    columns: Sequence[_Column],
    y: np.ndarray,
    domain: np.ndarray,
    *,
    alpha: float,
    min_points: int,
    tol: float,
) -> tuple[Limits, np.ndarray]:
    """Peel, choose a box on the trajectory, then paste; return its limits and mask."""
    limits = _full_limits(columns, domain)
    mask = domain.copy()
    trajectory: list[tuple[float, Limits, np.ndarray]] = [(float(y[mask].mean()), limits, mask)]
    while True:
        best = _best(columns, y, domain, _peels(columns, limits, mask, alpha), min_points)
        if best is None or best[0] < trajectory[-1][0] - 1e-12:
            break
        _, _, limits, mask = best
        trajectory.append((best[0], limits, mask))
    top = max(d for d, _, _ in trajectory)
    density, limits, mask = next(t for t in trajectory if t[0] >= top - tol)
    for _ in range(_MAX_PASTES):
        best = _best(columns, y, domain, _pastes(columns, limits, mask, domain, alpha), min_points)
        if best is None or best[0] < density - 1e-12 or best[1] <= int(mask.sum()):
            break
        density, _, limits, mask = best
    return limits, mask


def _describe_limits(
    columns: Sequence[_Column], limits: Limits, domain: np.ndarray
) -> dict[str, dict[str, Any]]:
    """Report the factors a box restricts, relative to the points of ``domain``."""
    full = _full_limits(columns, domain)
    out: dict[str, dict[str, Any]] = {}
    for col in columns:
        limit, ref = limits[col.name], full[col.name]
        if isinstance(limit, tuple) and isinstance(ref, tuple):
            lo_r, hi_r = limit[0] > ref[0], limit[1] < ref[1]
            if lo_r or hi_r:
                out[col.name] = {"lo": limit[0] if lo_r else None, "hi": limit[1] if hi_r else None}
        elif isinstance(limit, frozenset) and limit != ref:
            out[col.name] = {"options": [_plain(v) for v in sorted(limit, key=str)]}
    return out


def prim_boxes(
    factors: pd.DataFrame,
    y: np.ndarray,
    *,
    alpha: float = 0.05,
    min_support: float = 0.1,
    max_boxes: int = 3,
    tol: float = 0.01,
) -> list[PrimBox]:
    """Find boxes where ``y`` (e.g. the miss rate of a target) is concentrated.

    Peeling: starting from all points, repeatedly cut off the ``alpha`` share
    of points at the low or high end of one numeric factor (or one option of a
    list factor), choosing the cut that most raises the mean of ``y`` in the
    box, until the box would hold less than ``min_support`` of the points or
    no cut keeps the mean from falling. The box kept is the largest one of the
    peeling trajectory whose density is within ``tol`` of the best; it is then
    pasted (re-expanded in ``alpha`` steps) while the density does not fall.
    Covering: the points of a found box are set aside and the search repeats
    on the rest, up to ``max_boxes`` boxes, while a box stays denser than the
    overall mean.

    Args:
        factors: One column per factor, one row per point.
        y: Outcome per point in [0, 1] (e.g. ``1 - p_attained``).
        alpha: Share of points peeled (or pasted) per step.
        min_support: Smallest box, as a share of all points.
        max_boxes: Most boxes to report.
        tol: Density tolerance when choosing a box on the trajectory.

    Returns:
        The boxes found, best first (none when ``y`` is all zero or the first
        box would be the whole space).
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    if n == 0 or len(factors) != n or factors.shape[1] == 0:
        return []
    columns = [
        _Column(str(c), factors[c].to_numpy(dtype=float), True)
        if _is_numeric(factors[c])
        else _Column(str(c), factors[c].to_numpy(dtype=object), False)
        for c in factors.columns
    ]
    total = float(y.sum())
    overall = total / n
    min_points = max(1, math.ceil(min_support * n))
    boxes: list[PrimBox] = []
    remaining = np.ones(n, dtype=bool)
    while len(boxes) < max_boxes and total > 0:
        if int(remaining.sum()) < min_points or float(y[remaining].sum()) <= 0:
            break
        limits, box = _find_box(columns, y, remaining, alpha=alpha, min_points=min_points, tol=tol)
        density = float(y[box].mean())
        if density <= overall + 1e-12 or int(box.sum()) == int(remaining.sum()):
            break
        boxes.append(
            PrimBox(
                limits=_describe_limits(columns, limits, remaining),
                support=float(box.sum()) / n,
                coverage=float(y[box].sum()) / total,
                density=density,
                n_points=int(box.sum()),
            )
        )
        remaining = remaining & ~box
    return boxes


# --------------------------------------------------------------------------- heat map


def _axis(
    series: pd.Series, bins: int, options: Sequence[Any] | None
) -> tuple[list[Any], np.ndarray]:
    """Return axis labels and each point's index along the axis."""
    values = series.tolist()
    distinct = list(dict.fromkeys(values))
    if options is not None or not _is_numeric(series):
        labels = list(options) if options is not None else distinct
        lookup = {v: i for i, v in enumerate(labels)}
        return [_plain(v) for v in labels], np.array([lookup[v] for v in values], dtype=np.int64)
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
    value = _plain(value)
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
        notes: Remarks on what was skipped and why.
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
    notes: list[str] = field(default_factory=list)
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
            "notes": list(self.notes),
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
        raise SweepStoreError(f"{store.root} 不是扫描结果目录 (not a sweep store)")
    if write:  # a summary is written only for a whole sweep (complete, every point file as recorded)
        from simulator.verify import require_whole

        require_whole(out_dir)
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
        result.notes.append("尚无已完成的点 (no completed points yet)")
    complete = len(summary_table) == len(design) and len(design) > 0
    problem = {
        "num_vars": len(factors),
        "names": [f.path for f in factors],
        "bounds": [[0.0, 1.0]] * len(factors),
    }
    seed = int(manifest.get("seed") or 0)
    if result.design in ("saltelli", "morris") and outputs:
        if not complete:
            result.notes.append(
                f"扫描未完成 ({len(summary_table)}/{len(design)})，跳过敏感性分析 "
                "(sweep incomplete: sensitivity analysis needs every point)"
            )
        elif result.design == "saltelli":
            result.sobol, notes = sobol_indices(
                problem,
                summary_table,
                outputs,
                second_order=bool(spec.get("second_order", False)),
                seed=seed,
            )
            result.notes.extend(notes)
        else:
            unit = design[[UNIT_PREFIX + f.path for f in factors]].to_numpy(dtype=float)
            result.morris, notes = morris_indices(
                problem, unit, summary_table, outputs, levels=int(spec.get("levels", 4)), seed=seed
            )
            result.notes.extend(notes)
    factor_frame = (
        summary_table[[f.path for f in factors]] if len(summary_table) else pd.DataFrame()
    )
    for name, is_bool in outputs.items():
        if not is_bool:
            continue
        missed = 1.0 - summary_table[response_column(name, True)].to_numpy(dtype=float)
        result.prim[name] = prim_boxes(
            factor_frame, missed, alpha=prim_alpha, min_support=prim_min_support
        )
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
