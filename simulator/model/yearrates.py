"""Hazards that change by calendar year: exact waiting times and arrival times under them.

A city's arrival and progression hazards are multiplied, during each calendar
year, by the city's ``year_factor`` for that year and — for firm arrivals and
the HTE-readiness hazard — by the trend ``(1 + growth) ** k``, ``k`` the years
since the scenario's start year (:class:`simulator.scenario.Population`).  The
multiplier ``F(t)`` is therefore piecewise constant in model time, with knots
at the new years (``m + 0.0`` of each January).

With ``C(t) = ∫₀ᵗ F`` (piecewise linear), a waiting time under the hazard
``rate × F(t)`` from ``now`` with the Exp(1) draw ``E`` ends when
``rate × (C(t) − C(now)) = E``, i.e. ``t = C⁻¹(C(now) + E / rate)``; a support
boost ``mult`` for ``until`` months (:func:`simulator.model.lifecycle.boosted_wait`)
adds one more piece.  A Poisson process of intensity ``rate × F(t)`` on
``[0, H)`` has ``N ~ Poisson(rate × C(H))`` points at ``C⁻¹(U × C(H))``,
``U`` uniform.  Beyond the last knot the last year's factor holds; a year with
factor 0 has no events.  Both engines call these functions; a table whose
factors are all 1 returns exactly what the constant-hazard code returns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from simulator.model.calendar import Calendar
from simulator.model.lifecycle import boosted_wait
from simulator.scenario import Scenario

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

INF = np.inf


def year_multipliers(years: Sequence[int], year_factor: Mapping[int, float], growth: float) -> list[float]:
    """The multiplier of each calendar year: ``year_factor[y] × (1 + growth) ** (y − years[0])`` (factor 1 if absent).

    >>> year_multipliers([2021, 2022, 2023], {2022: 0.5}, 0.1)
    [1.0, 0.55, 1.2100000000000002]
    """
    first = years[0] if years else 0
    return [float(year_factor.get(y, 1.0)) * (1.0 + growth) ** (y - first) for y in years]


class YearRates:
    """Piecewise-constant multipliers ``F_r(t)`` of hazards, one row ``r`` per (city, with trend or not).

    Attributes:
        knots: Start times of the pieces, ``[0, first January after month 0, ...]`` (months).
        factors: ``[rows, pieces]`` multiplier of each piece.
        cum: ``[rows, pieces]`` ``C_r`` at each knot.
        flat: Every factor is 1 (the constant-hazard code applies unchanged).
    """

    def __init__(self, knots: Sequence[float], factors: FloatArray) -> None:
        """Build the table.

        Args:
            knots: Increasing start times of the pieces, the first 0.
            factors: ``[rows, len(knots)]`` multipliers (>= 0, finite).
        """
        self.knots = np.asarray(knots, dtype=np.float64)
        self.factors = np.asarray(factors, dtype=np.float64).reshape(-1, self.knots.shape[0])
        widths = np.diff(self.knots)
        self.cum = np.zeros_like(self.factors)
        if widths.size:
            self.cum[:, 1:] = np.cumsum(self.factors[:, :-1] * widths, axis=1)
        self.flat = bool((self.factors == 1.0).all())
        self.rows: dict[tuple[str, bool], int] = {}

    @classmethod
    def for_scenario(cls, scenario: Scenario, cal: Calendar) -> YearRates:
        """The table of a scenario: rows ``2 × city`` (year factor) and ``2 × city + 1`` (year factor and trend).

        Cities are those of ``scenario.populations``, in order.
        """
        years = cal.years
        knots = [0.0] + [float(m) for m in cal.january_months() if m > 0]
        rows: list[list[float]] = []
        names: dict[tuple[str, bool], int] = {}
        for city, pop in scenario.populations.items():
            for trend in (False, True):
                names[(city, trend)] = len(rows)
                rows.append(year_multipliers(years, pop.year_factor, pop.firms.growth if trend else 0.0))
        table = cls(knots, np.array(rows, dtype=np.float64).reshape(len(rows), len(knots)))
        table.rows = names
        return table

    def row(self, city: str, trend: bool = False) -> int:
        """The row of a city's hazards, with the firm trend (arrivals, HTE readiness) or without."""
        return self.rows[(city, trend)]

    # ------------------------------------------------------------------ the integral and its inverse

    def cumulative(self, row: IntArray, t: FloatArray) -> FloatArray:
        """``C_row(t)`` for times ``t >= 0`` (``inf`` stays ``inf`` unless the last factor is 0)."""
        k = np.searchsorted(self.knots, t, side="right") - 1
        np.maximum(k, 0, out=k)
        f = self.factors[row, k]
        step = np.zeros(t.shape[0])
        np.multiply(f, t - self.knots[k], out=step, where=f > 0)
        return self.cum[row, k] + step

    def inverse(self, row: IntArray, y: FloatArray) -> FloatArray:
        """The first time ``t`` with ``C_row(t) >= y`` (``inf`` if never)."""
        out = np.empty(y.shape[0])
        first = int(row[0]) if row.shape[0] else 0
        for r in [first] if (row == first).all() else np.unique(row).tolist():
            sel = row == r
            yr = y if r == first and sel.all() else y[sel]
            k = np.searchsorted(self.cum[r], yr, side="right") - 1
            np.maximum(k, 0, out=k)
            f = self.factors[r, k]
            c = self.cum[r, k]
            live = f > 0
            step = np.zeros(yr.shape[0])
            np.divide(yr - c, f, out=step, where=live)
            out[sel] = np.where(live | (yr <= c), self.knots[k] + step, INF)
        return out

    # ------------------------------------------------------------------ waits and arrivals

    def wait(self, row: IntArray, e: FloatArray, now: FloatArray, rate: FloatArray, mult: FloatArray,
             until: FloatArray) -> FloatArray:
        """Waiting times from ``now`` for Exp(1) draws ``e`` under ``rate × F_row(t)``, times ``mult`` for ``until`` months.

        Rates are per month; a zero rate never fires.  With a flat table this
        is :func:`simulator.model.lifecycle.boosted_wait`.
        """
        if self.flat:
            return boosted_wait(e, rate, mult, until)
        live = rate > 0
        c0 = self.cumulative(row, now)
        y = np.full(e.shape[0], INF)
        np.divide(e, rate, out=y, where=live)
        y += c0
        use = (until > 0) & (mult != 1.0) & live
        if use.any():
            ru = rate[use]
            hi = ru * mult[use]
            c1 = self.cumulative(row[use], now[use] + until[use])
            first = hi * (c1 - c0[use])
            eu = e[use]
            with np.errstate(divide="ignore", invalid="ignore"):
                y[use] = np.where(eu <= first, c0[use] + eu / hi, c1 + (eu - first) / ru)
        t = self.inverse(row, y)
        return np.where(live, t - now, INF)

    def wait_one(self, row: int, e: float, now: float, rate: float, mult: float = 1.0, until: float = 0.0) -> float:
        """:meth:`wait` for a batch of one, as a float."""
        return float(self.wait(np.array([row]), np.array([e]), np.array([now]), np.array([rate]), np.array([mult]),
                               np.array([until]))[0])

    def arrival_times(self, row: IntArray, u: FloatArray, horizon: float) -> FloatArray:
        """Arrival times from uniforms ``u`` of a Poisson process with intensity ∝ ``F_row`` on ``[0, horizon)``.

        With a flat table this is ``u × horizon``.
        """
        if self.flat:
            return u * horizon
        total = self.cumulative(row, np.full(u.shape[0], horizon))
        return np.minimum(self.inverse(row, u * total), np.nextafter(horizon, 0.0))

    def mean_count(self, row: int, rate: float, horizon: float) -> float:
        """Expected arrivals on ``[0, horizon)`` at ``rate`` per month: ``rate × C_row(horizon)``."""
        if self.flat:
            return rate * horizon
        return rate * float(self.cumulative(np.array([row]), np.array([horizon]))[0])
