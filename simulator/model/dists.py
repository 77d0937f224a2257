"""The laws of claim attributes (quantities, base amounts, areas), written once.

:func:`draw_dist` maps a :class:`~simulator.scenario.Dist` to values; *how*
the underlying numbers are generated is the caller's :class:`Source`: the
SimPy engine passes a generator (:class:`GeneratorSource`), the vectorised
engine the inverse transforms of uniforms it has already drawn
(:class:`UniformSource`), so each engine keeps its own streams while the laws
stay one code.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

import numpy as np
import numpy.typing as npt
from scipy import special, stats

from simulator.scenario import Dist, OnCall, OnSchedule

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_TINY = np.finfo(np.float64).tiny


class Source(Protocol):
    """Where the random numbers of ``n`` draws come from."""

    def uniform(self, low: float, high: float, n: int) -> FloatArray:
        """``n`` draws uniform on ``[low, high)``."""

    def triangular(self, low: float, mode: float, high: float, n: int) -> FloatArray:
        """``n`` triangular draws (``high > low``)."""

    def standard_normal(self, n: int) -> FloatArray:
        """``n`` standard normal draws."""

    def poisson(self, lam: float, n: int) -> FloatArray:
        """``n`` Poisson(``lam``) draws."""


def draw_dist(d: Dist | None, n: int, src: Source) -> FloatArray:
    """``n`` values of a distribution (zeros when there is none; ``fixed`` draws nothing)."""
    if d is None or n == 0:
        return np.zeros(n)
    if d.dist == "fixed":
        return np.full(n, float(d.value or 0.0))
    if d.dist == "uniform":
        return src.uniform(float(d.low or 0.0), float(d.high or 0.0), n)
    if d.dist == "triangular":
        lo, mo, hi = float(d.low or 0.0), float(d.mode or 0.0), float(d.high or 0.0)
        return src.triangular(lo, mo, hi, n) if hi > lo else np.full(n, lo)
    if d.dist == "lognormal":
        return float(d.median or 0.0) * np.exp(float(d.sigma or 0.0) * src.standard_normal(n))
    return src.poisson(float(d.mean or 0.0), n)


def dist_needs_draw(d: Dist | None) -> bool:
    """Whether a distribution consumes random numbers (``fixed`` and absent ones do not)."""
    return d is not None and d.dist != "fixed"


def executed_fen(plan_fen: int, execution: Dist | None, n: int, src: Source) -> IntArray:
    """What is spent of a planned amount: ``floor(plan × share)``, the share drawn on [0, 1].

    A budgeted plan (:class:`~simulator.scenario.OnSchedule` with ``plan``) is
    spent as planned or less, never more: the share is clipped to [0, 1] and
    the product floored, so no claim ever asks for more than its plan.  With no
    ``execution`` law the plan is spent in full.

    >>> from simulator.scenario import Dist
    >>> executed_fen(1000, None, 2, UniformSource(np.array([0.3, 0.9]))).tolist()
    [1000, 1000]
    >>> executed_fen(1000, Dist(dist="uniform", low=0.5, high=1), 2, UniformSource(np.array([0.0, 0.999]))).tolist()
    [500, 999]
    """
    if execution is None:
        return np.full(n, plan_fen, dtype=np.int64)
    share = np.clip(draw_dist(execution, n, src), 0.0, 1.0)
    return np.minimum(np.floor(share * float(plan_fen)).astype(np.int64), plan_fen)


def base_needs_draw(trig: OnCall | OnSchedule) -> bool:
    """Whether a trigger's base amounts consume random numbers (its ``base`` law, or a plan's ``execution``)."""
    if isinstance(trig, OnSchedule) and trig.plan is not None:
        return dist_needs_draw(trig.execution)
    return dist_needs_draw(trig.base)


def claim_base_fen(trig: OnCall | OnSchedule, n: int, src: Source, planned_fen: int | None = None) -> IntArray:
    """Base amounts in fen of ``n`` claims of a call or a dated claim.

    Drawn from the trigger's ``base`` law (yuan, rounded to the fen), or, for a
    date of a budgeted plan (``planned_fen`` given), the part of the planned
    amount executed (:func:`executed_fen`).
    """
    if isinstance(trig, OnSchedule) and trig.plan is not None and planned_fen is not None:
        return executed_fen(planned_fen, trig.execution, n, src)
    return np.rint(draw_dist(trig.base, n, src) * 100).astype(np.int64)


def dist_median(d: Dist | None) -> float:
    """A representative value of a distribution (for the application response)."""
    if d is None:
        return 0.0
    if d.dist == "fixed":
        return float(d.value or 0.0)
    if d.dist == "uniform":
        return (float(d.low or 0.0) + float(d.high or 0.0)) / 2
    if d.dist == "triangular":
        return float(d.mode or 0.0)
    if d.dist == "lognormal":
        return float(d.median or 0.0)
    return float(d.mean or 0.0)


class GeneratorSource:
    """Numbers from a numpy generator's own samplers (the SimPy engine)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def uniform(self, low: float, high: float, n: int) -> FloatArray:
        """``n`` draws uniform on ``[low, high)``."""
        return self.rng.uniform(low, high, n)

    def triangular(self, low: float, mode: float, high: float, n: int) -> FloatArray:
        """``n`` triangular draws."""
        return self.rng.triangular(low, mode, high, n)

    def standard_normal(self, n: int) -> FloatArray:
        """``n`` standard normal draws."""
        return self.rng.standard_normal(n)

    def poisson(self, lam: float, n: int) -> FloatArray:
        """``n`` Poisson draws."""
        return self.rng.poisson(lam, n).astype(np.float64)


class UniformSource:
    """Numbers as inverse transforms of given ``U(0, 1)`` draws, one uniform per value (the vectorised engine)."""

    def __init__(self, u: FloatArray) -> None:
        self.u = u

    def uniform(self, low: float, high: float, n: int) -> FloatArray:
        """Uniform on ``[low, high)``."""
        return low + self.u[:n] * (high - low)

    def triangular(self, low: float, mode: float, high: float, n: int) -> FloatArray:
        """Triangular by its inverse distribution function."""
        u = self.u[:n]
        c = (mode - low) / (high - low)
        left = low + np.sqrt(u * (high - low) * (mode - low))
        right = high - np.sqrt((1.0 - u) * (high - low) * (high - mode))
        return np.where(u < c, left, right)

    def standard_normal(self, n: int) -> FloatArray:
        """Standard normal by its inverse distribution function."""
        return normal(self.u[:n])

    def poisson(self, lam: float, n: int) -> FloatArray:
        """Poisson by inverting its distribution function."""
        return poisson(self.u[:n], lam).astype(np.float64)


def dist_values(d: Dist | None, u: FloatArray) -> FloatArray:
    """Values of a distribution from uniforms ``u`` (one per value; ignored for ``fixed``)."""
    return draw_dist(d, int(u.shape[0]), UniformSource(u))


def normal(u: FloatArray) -> FloatArray:
    """Standard normal draws from uniforms."""
    return np.asarray(special.ndtri(np.clip(u, _TINY, 1.0 - 1e-16)), dtype=np.float64)


@lru_cache(maxsize=256)
def _poisson_cdf(lam: float) -> FloatArray:
    k_max = int(lam + 12.0 * np.sqrt(lam) + 40.0)
    return np.asarray(stats.poisson.cdf(np.arange(k_max + 1), lam), dtype=np.float64)


def poisson(u: FloatArray, lam: float) -> IntArray:
    """Poisson(``lam``) draws from uniforms by inverting the CDF."""
    if lam <= 0.0:
        return np.zeros(u.shape, dtype=np.int64)
    cdf = _poisson_cdf(float(lam))
    k = np.searchsorted(cdf, u, side="right")
    return np.minimum(k, cdf.shape[0] - 1).astype(np.int64)
