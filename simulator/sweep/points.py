"""Per-point statistics of a stored sweep: probabilities of yes/no outputs, means and quantiles of numbers.

Every statistic is over one point's replications; a point file is read one at
a time, so the summary's memory does not grow with the number of replications.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from simulator.sweep.design import FactorInfo
from simulator.sweep.store import SweepStore

__all__ = ["QUANTILES", "point_statistics", "points_summary", "response_column"]

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
