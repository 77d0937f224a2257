"""How much of an output's spread comes from the parameters, and which ones.

The variance split (``variance_share`` in summary.json) is the one-way
random-effects ANOVA over the replication groups: every group shares one
parameter vector (and its common yearly shocks), its replications differ only
by chance.  With ``G`` groups of sizes ``n_g`` (``N`` replications), group
means ``ȳ_g`` and grand mean ``ȳ``::

    MSB = Σ n_g (ȳ_g − ȳ)² / (G − 1)          MSW = Σ_g Σ_i (y_gi − ȳ_g)² / (N − G)
    n0  = (N − Σ n_g² / N) / (G − 1)           (the small-sample size of an unbalanced design)
    σ²_parameters = max(0, (MSB − MSW) / n0)    σ²_chance = MSW
    parameters = σ²_parameters / (σ²_parameters + σ²_chance), clipped to [0, 1]

The group-mean variance ``MSB/n0`` overstates the parameters' part by the
chance in each group mean (``MSW/n0``); subtracting it is the correction.  An
output that never varies, a run with one group, or one without parameter draws
(``--fixed-params``) gets ``parameters: 0``.

The tornado chart ranks the drawn parameters by the Spearman correlation of
each with the group means of an output.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
from scipy import stats


def variance_share(values: npt.ArrayLike, groups: npt.ArrayLike) -> dict[str, float]:
    """The split of ``values``' variance between the groups (parameters) and within them (chance).

    Args:
        values: One output per replication.
        groups: The group of each replication.

    Returns:
        ``{"parameters": x, "chance": 1 - x}``, rounded to 4 decimals.

    >>> variance_share([1.0, 1.0, 5.0, 5.0], [0, 0, 1, 1])
    {'parameters': 1.0, 'chance': 0.0}
    >>> variance_share([1.0, 2.0, 1.0, 2.0], [0, 0, 1, 1])
    {'parameters': 0.0, 'chance': 1.0}
    """
    y = np.asarray(values, dtype=np.float64)
    g = np.asarray(groups)
    _, codes, sizes = np.unique(g, return_inverse=True, return_counts=True)
    n, k = y.size, sizes.size
    if k < 2 or n <= k:
        return _share(0.0)
    means = np.bincount(codes, weights=y) / sizes
    grand = y.mean()
    msb = float(np.sum(sizes * (means - grand) ** 2) / (k - 1))
    msw = float(np.sum((y - means[codes]) ** 2) / (n - k))
    n0 = (n - float(np.sum(sizes.astype(np.float64) ** 2)) / n) / (k - 1)
    between = max(0.0, (msb - msw) / n0)
    total = between + msw
    return _share(between / total if total > 0 else 0.0)


def _share(x: float) -> dict[str, float]:
    x = round(min(max(x, 0.0), 1.0), 4)
    return {"parameters": x, "chance": round(1.0 - x, 4)}


FIXED_SHARE = {"parameters": 0.0, "chance": 1.0}
"""The split of a run without parameter draws."""


def rank_correlations(drawn: Mapping[str, npt.ArrayLike], output: npt.ArrayLike) -> dict[str, float]:
    """Spearman correlation of each drawn quantity with an output, across groups (constant ones left out).

    Args:
        drawn: ``{name: one value per group}``.
        output: The output's mean per group, in the same order.

    >>> rank_correlations({"a": [1, 2, 3], "b": [3, 2, 1], "c": [1, 1, 1]}, [10, 20, 30])
    {'a': 1.0, 'b': -1.0}
    """
    y = np.asarray(output, dtype=np.float64)
    out: dict[str, float] = {}
    if y.size < 3 or np.ptp(y) == 0:
        return out
    for name, xs in drawn.items():
        x = np.asarray(xs, dtype=np.float64)
        if np.ptp(x) == 0:
            continue
        rho = float(stats.spearmanr(x, y).statistic)
        if np.isfinite(rho):
            out[name] = round(rho, 4)
    return out
