"""PRIM-style scenario discovery: boxes of the factor space where a target is missed.

See :func:`prim_boxes` for the algorithm (peeling, pasting, covering).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["PrimBox", "is_numeric_factor", "plain", "prim_boxes"]


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


def is_numeric_factor(series: pd.Series) -> bool:
    """Whether PRIM should treat a factor column as ordered numbers."""
    return bool(
        pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)
    )


def plain(value: object) -> object:
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
            out[col.name] = {"options": [plain(v) for v in sorted(limit, key=str)]}
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
        if is_numeric_factor(factors[c])
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
