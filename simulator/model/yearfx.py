"""Common yearly shocks: one multiplier per calendar year on a city's rates.

A certification drive or a strict review year moves every firm of a city at
once; such shocks do not average out over many firms.  A scenario holds them
as ``populations.<city>.year_factor`` (a factor for each calendar year, see
:class:`simulator.scenario.Population`); this module draws them as mean-one
lognormal factors, ``exp(sd · z − sd² / 2)`` with ``z ~ N(0, 1)``, so a shock
scales the rates without changing their expected value.  The spread ``sd`` is
the parameter ``behaviour.year_effects.sd`` (params/behaviour.yaml).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def draw_year_factors(rng: np.random.Generator, years: Sequence[int], sd: float) -> dict[int, float]:
    """One mean-one lognormal factor per year: ``exp(sd · z − sd² / 2)``, ``z ~ N(0, 1)`` drawn in year order.

    Args:
        rng: The generator to draw from (one normal per year, in the order of ``years``).
        years: Calendar years, each at most once.
        sd: Log-scale standard deviation (0 gives factor 1 every year, drawing nothing new in effect).

    Returns:
        ``{year: factor}`` for every year of ``years``.

    Raises:
        ValueError: ``sd`` is negative or not finite, or a year repeats.

    >>> draw_year_factors(np.random.default_rng(0), [2023, 2024], 0.0)
    {2023: 1.0, 2024: 1.0}
    """
    if not (math.isfinite(sd) and sd >= 0.0):
        raise ValueError(f"sd must be a finite number >= 0 (got {sd})")
    if len(set(years)) != len(years):
        raise ValueError(f"years must not repeat (got {list(years)})")
    z = rng.standard_normal(len(years))
    factors = np.exp(sd * z - 0.5 * sd * sd)
    return {int(y): float(f) for y, f in zip(years, factors, strict=True)}
