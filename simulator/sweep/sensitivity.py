"""Sensitivity indices of a sweep: Sobol' (saltelli designs) and Morris (morris designs), via SALib.

Both use each point's mean over replications (the probability, for yes/no
outputs) as the model response; see :func:`simulator.sweep.points.response_column`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from simulator.i18n import Msg
from simulator.sweep.points import response_column

__all__ = ["morris_indices", "sobol_indices"]


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
) -> tuple[pd.DataFrame, list[Msg]]:
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
    notes: list[Msg] = []
    names = list(problem["names"])
    for k, (output, is_bool) in enumerate(outputs.items()):
        y = _responses(summary, output, is_bool)
        if not np.all(np.isfinite(y)):
            notes.append(Msg(f"{output}：存在缺失响应，跳过 Sobol", f"{output}: non-finite responses; Sobol skipped"))
            continue
        if np.std(y) == 0:
            notes.append(Msg(f"{output}：各点响应相同，跳过 Sobol", f"{output}: constant response; Sobol skipped"))
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
) -> tuple[pd.DataFrame, list[Msg]]:
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
    notes: list[Msg] = []
    names = list(problem["names"])
    x = np.asarray(unit, dtype=float)
    for k, (output, is_bool) in enumerate(outputs.items()):
        y = _responses(summary, output, is_bool)
        if not np.all(np.isfinite(y)):
            notes.append(Msg(f"{output}：存在缺失响应，跳过 Morris", f"{output}: non-finite responses; Morris skipped"))
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
