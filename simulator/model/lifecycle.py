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
    with np.errstate(divide="ignore"):
        out = np.where(rate > 0, e / np.where(rate > 0, rate, 1.0), INF)
    use = (until > 0) & (mult != 1.0) & (rate > 0)
    if use.any():
        eu, ru, un = e[use], rate[use], until[use]
        hi = ru * mult[use]
        out[use] = np.where(eu <= hi * un, eu / hi, un + (eu - hi * un) / ru)
    return out


def boosted_wait_one(e: float, rate: float, mult: float, until: float) -> float:
    """:func:`boosted_wait` for a batch of one, as a float."""
    return float(boosted_wait(np.array([e]), np.array([rate]), np.array([mult]), np.array([until]))[0])


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
