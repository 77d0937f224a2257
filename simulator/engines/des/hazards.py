"""The model's hazard rules for one entity at a time, in plain floats.

The SimPy engine asks these questions once per event, for one firm or
platform.  The rules are :mod:`simulator.model.lifecycle`'s and
:mod:`simulator.model.yearrates`' array functions; called with a batch of one
they cost tens of microseconds of numpy set-up each, more than the rest of an
event together.  The functions here are the same arithmetic on Python floats,
operation for operation, so they return the same IEEE numbers as the array
rules (``tests/test_des_hazards.py`` holds them equal on random and edge
inputs): the engine's draws and results do not depend on which form is called.
A change to an array rule is a change here too.
"""

from __future__ import annotations

import bisect
import math

from simulator.model.yearrates import YearRates

INF = math.inf


def _div(a: float, b: float) -> float:
    """``a / b`` as numpy divides float64 (``x / 0`` is ``±inf``, ``0 / 0`` is ``nan``), without a warning."""
    if b != 0.0:
        return a / b
    if a != a or a == 0.0:
        return math.nan
    return math.copysign(INF, a) * math.copysign(1.0, b)


def boosted_wait(e: float, rate: float, mult: float, until: float) -> float:
    """:func:`simulator.model.lifecycle.boosted_wait` for one Exp(1) draw ``e``.

    >>> boosted_wait(1.0, 0.1, 1.0, 0.0), boosted_wait(1.0, 0.1, 2.0, 100.0)
    (10.0, 5.0)
    """
    if not rate > 0:
        return INF
    if until > 0 and mult != 1.0:
        hi = rate * mult
        first = hi * until
        return _div(e, hi) if e <= first else until + (e - first) / rate
    return e / rate


def hazard_multiplier(now: float, incubated: bool, inc_mult: float, inc_until: float, boosted: bool, boost: float,
                      boost_until: float) -> tuple[float, float]:
    """:func:`simulator.model.lifecycle.hazard_multiplier` for one firm.

    >>> hazard_multiplier(0.0, True, 1.5, 6.0, True, 2.0, 12.0)
    (3.0, 6.0)
    """
    mult = inc_mult if incubated else 1.0
    until = inc_until - now if incubated else 0.0
    if boosted:
        mult = mult * boost
        until = min(until, boost_until - now) if incubated else boost_until - now
    return mult, until


def exit_after_move(t_exit: float, now: float, old_rate: float, new_rate: float, e_fresh: float) -> float:
    """:func:`simulator.model.lifecycle.exit_after_move` for one firm.

    >>> exit_after_move(13.0, 1.0, 0.1, 0.05, 9.9), exit_after_move(13.0, 1.0, 0.0, 0.2, 2.0)
    (25.0, 11.0)
    """
    if old_rate == new_rate:
        return t_exit
    left = (t_exit - now) * old_rate if old_rate > 0 else e_fresh
    return now + left / new_rate if new_rate > 0 else INF


class RateRows:
    """:class:`~simulator.model.yearrates.YearRates` read one row at a time, as lists."""

    __slots__ = ("cum", "factors", "flat", "knots", "table")

    def __init__(self, table: YearRates) -> None:
        self.table = table
        self.flat = table.flat
        self.knots: list[float] = table.knots.tolist()
        self.factors: list[list[float]] = table.factors.tolist()
        self.cum: list[list[float]] = table.cum.tolist()

    def row(self, city: str, trend: bool = False) -> int:
        """The row of a city's hazards (:meth:`YearRates.row`)."""
        return self.table.row(city, trend)

    def cumulative(self, row: int, t: float) -> float:
        """:meth:`YearRates.cumulative` at one time."""
        k = max(bisect.bisect_right(self.knots, t) - 1, 0)
        f = self.factors[row][k]
        return self.cum[row][k] + (f * (t - self.knots[k]) if f > 0 else 0.0)

    def inverse(self, row: int, y: float) -> float:
        """:meth:`YearRates.inverse` at one value."""
        cum = self.cum[row]
        k = max(bisect.bisect_right(cum, y) - 1, 0)
        f = self.factors[row][k]
        c = cum[k]
        live = f > 0
        if live or y <= c:
            return self.knots[k] + ((y - c) / f if live else 0.0)
        return INF

    def wait(self, row: int, e: float, now: float, rate: float, mult: float = 1.0, until: float = 0.0) -> float:
        """:meth:`YearRates.wait` for one Exp(1) draw ``e`` from ``now``; a flat table takes :func:`boosted_wait`."""
        if self.flat:
            if until > 0 and mult != 1.0:
                return boosted_wait(e, rate, mult, until)
            return e / rate if rate > 0 else INF  # boosted_wait without a boost
        if not rate > 0:
            return INF
        c0 = self.cumulative(row, now)
        y = e / rate + c0
        if until > 0 and mult != 1.0:
            hi = rate * mult
            c1 = self.cumulative(row, now + until)
            first = hi * (c1 - c0)
            y = c0 + _div(e, hi) if e <= first else c1 + (e - first) / rate
        return self.inverse(row, y) - now
