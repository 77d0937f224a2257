"""Life-cycle rules shared by both engines: periods, boosted waiting times, indicator steps.

Hazards are per year in the scenario and per month here; model time is in
months.  A behaviour link (support money, incubation) multiplies a hazard for
a while: the waiting time is drawn from the moment of support with a
piecewise-constant hazard (valid because waits are memoryless).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from simulator.scenario import Indicator

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

INF = np.inf
CERT_MONTHS = 36.0
"""An HTE certificate's validity."""
REGISTRY_MONTHS = 12.0
"""A tech-SME registration's validity (renewed yearly)."""
INCUBATION_MONTHS = 48.0
"""How long a start-up stays in an incubator."""


def boosted_wait(e: FloatArray, rate: FloatArray, mult: FloatArray, until: FloatArray) -> FloatArray:
    """Waiting times for Exp(1) draws ``e`` under hazard ``rate × mult`` for ``until`` months, then ``rate``.

    Rates are per month; a zero rate never fires.

    >>> boosted_wait(np.array([1.0, 1.0]), np.array([0.1, 0.1]), np.array([1.0, 2.0]), np.array([0.0, 100.0])).round(6)
    array([10.,  5.])
    """
    live = rate > 0
    out = np.full(e.shape, INF)
    np.divide(e, rate, out=out, where=live)
    use = (until > 0) & (mult != 1.0) & live
    if use.any():
        eu, ru, un = e[use], rate[use], until[use]
        hi = ru * mult[use]
        out[use] = np.where(eu <= hi * un, eu / hi, un + (eu - hi * un) / ru)
    return out


def hazard_multiplier(now: FloatArray, incubated: BoolArray, inc_mult: FloatArray, inc_until: FloatArray,
                      boosted: BoolArray, boost: FloatArray, boost_until: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Combined multiplier on a firm's hazard and how long it lasts from ``now``.

    Incubation multiplies the hazard until the firm leaves the incubator;
    support money (``boosted``: a boost on this hazard still running) until
    its boost ends.  When both overlap, both multipliers apply for the
    shorter of the two periods (a conservative simplification).

    >>> one = np.ones(1, dtype=bool)
    >>> hazard_multiplier(np.zeros(1), one, np.full(1, 1.5), np.full(1, 6.0), one, np.full(1, 2.0), np.full(1, 12.0))
    (array([3.]), array([6.]))
    """
    mult = np.where(incubated, inc_mult, 1.0)
    until = np.where(incubated, inc_until - now, 0.0)
    mult = np.where(boosted, mult * boost, mult)
    until = np.where(boosted, np.where(incubated, np.minimum(until, boost_until - now), boost_until - now), until)
    return mult, until


def boosted_wait_one(e: float, rate: float, mult: float, until: float) -> float:
    """:func:`boosted_wait` for a batch of one, as a float."""
    return float(boosted_wait(np.array([e]), np.array([rate]), np.array([mult]), np.array([until]))[0])


def exit_after_move(t_exit: FloatArray, now: FloatArray, old_rate: FloatArray, new_rate: FloatArray,
                    e_fresh: FloatArray) -> FloatArray:
    """Exit times of firms that change state at ``now``, when the exit hazard depends on the state.

    The exit clock is memoryless: what is left of a firm's Exp(1) draw at
    ``now`` is ``(t_exit − now) × old_rate`` and is spent at the new rate.
    Where the old rate was 0 nothing is left to rescale and the fresh Exp(1)
    draw ``e_fresh`` is used (it is read nowhere else).  Equal rates keep
    ``t_exit``; rates are per month.

    >>> exit_after_move(np.array([13.0, 13.0, 9.0]), np.full(3, 1.0), np.array([0.1, 0.0, 0.2]),
    ...                 np.array([0.05, 0.2, 0.2]), np.array([9.9, 2.0, 9.9]))
    array([25., 11.,  9.])
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        left = np.where(old_rate > 0, (t_exit - now) * old_rate, e_fresh)
        moved = np.where(new_rate > 0, now + left / np.where(new_rate > 0, new_rate, 1.0), INF)
    return np.where(old_rate == new_rate, t_exit, moved)


def indicator_step(values: FloatArray, specs: Sequence[Indicator], z: FloatArray) -> FloatArray:
    """One yearly step of the aggregate indicators, in place: ``values`` and shocks ``z`` are ``[batch, indicator]``.

    Growth multiplies (never below zero), drift adds; the shock scales the
    growth, or the drift when there is no growth; shares stay in ``[0, 1]``.
    """
    for k, spec in enumerate(specs):
        if spec.growth != 0 or spec.drift == 0:
            values[:, k] *= np.maximum(0.0, 1.0 + spec.growth + spec.sd * z[:, k])
        if spec.drift != 0:
            values[:, k] += spec.drift + (spec.sd * z[:, k] if spec.growth == 0 else 0.0)
        if spec.unit == "share":
            values[:, k] = np.clip(values[:, k], 0.0, 1.0)
    return values
