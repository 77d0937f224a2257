"""Guidance-fund cash flows: the Takahashi–Alexander model.

A guidance fund (or a sub-fund it backs) is committed a sum ``CC`` and calls it
in over the years; it distributes back a growing share of its net asset value
(NAV) as it ages.  Takahashi & Alexander ("Illiquid Alternative Asset Fund
Modeling", Yale Investments Office, 2002) describe this with yearly steps
``t = 1..L``::

    C(t)   = RC(t) * (CC - PIC(t))              capital called in year t
    D(t)   = RD(t) * NAV(t-1) * (1 + G)         distributed in year t
    RD(t)  = max(Y, (t / L) ** B)
    NAV(t) = NAV(t-1) * (1 + G) + C(t) - D(t),  NAV(0) = 0

``PIC(t)`` is the capital paid in before year ``t``.  ``RC(t)`` is the t-th
contribution rate given; the last rate repeats for later years.

Money is integer fen (1 yuan = 100 fen).  Each year is computed from the
integer state of the year before, in this order, and every result is rounded
half to even to a whole fen:

1. ``C(t) = round(RC(t) * (CC - PIC(t)))``, never more than ``CC - PIC(t)``;
   ``PIC(t + 1) = PIC(t) + C(t)`` is an exact integer sum, so the calls never
   add up to more than the commitment.
2. ``grown = round(NAV(t-1) * (1 + G))``.
3. ``D(t) = round(RD(t) * grown)``, never more than ``grown``.
4. ``NAV(t) = grown + C(t) - D(t)``, exact.

``round`` is half to even (``numpy.rint``) of the product taken in float64.
Every amount is kept at or below 2**53 fen (about 90 trillion yuan), where
float64 holds whole fen exactly: larger commitments are refused and a NAV that
grows past it raises :class:`GuidanceOverflowError`.  Within that range each
rounded flow is within one fen of the exactly rounded value of the formula on
the previous (rounded) state, and equal to it except near a half-fen tie.  The
integer bookkeeping is exact whatever the rounding: the three flows of a year
reconcile to the fen and the paid-in total never exceeds the commitment.

:func:`ta_sample` draws paths around the curve (random contribution rates
and growth), :func:`capital_calls_by_month` turns yearly calls into dated
payment requests.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import NoReturn

import numpy as np
from numpy.typing import NDArray

__all__ = ["MAX_COMMITMENT_FEN", "GuidanceOverflowError", "GuidanceParameterError", "TASample", "TASchedule",
           "capital_calls_by_month", "distribution_rates", "ta_sample", "ta_sample_paths", "ta_schedule"]

MAX_COMMITMENT_FEN = 2**53
"""Largest commitment accepted, in fen (amounts up to here are exact in float64)."""

_MAX_LIFE = 200
_MAX_EXACT = float(2**53)
_MIN_BETA_CONCENTRATION = 1.0

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


class GuidanceParameterError(ValueError):
    """A parameter of the Takahashi–Alexander model is invalid.

    Attributes:
        param: Name of the offending parameter (``"rc"``, ``"life"``, ...).
        value: The value that was refused.
        reason: What is wrong with it, without the parameter name.
    """

    def __init__(self, param: str, value: object, message: str) -> None:
        self.param = param
        self.value = value
        self.reason = message
        super().__init__(f"{param}: {message} (got {value!r})")


class GuidanceOverflowError(ValueError):
    """The fund's NAV grew past 2**53 fen, beyond which fen are not held exactly."""


# --------------------------------------------------------------------------- validation


def _check_int(name: str, value: object, low: int, high: int, unit: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise GuidanceParameterError(name, value, "must be a whole number")
    number = int(value)
    if not low <= number <= high:
        raise GuidanceParameterError(name, value, f"must be between {low} and {high}{unit}")
    return number


def _check_real(
    name: str,
    value: object,
    low: float,
    high: float = math.inf,
    *,
    low_open: bool = False,
    what: str | None = None,
) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise GuidanceParameterError(name, value, "must be a number")
    number = float(value)
    if not math.isfinite(number):
        raise GuidanceParameterError(name, value, "must be a finite number")
    too_low = number <= low if low_open else number < low
    if too_low or number > high:
        if what is None:
            bound = f"> {low:g}" if low_open else f">= {low:g}"
            what = bound if high == math.inf else f"between {low:g} and {high:g}"
        raise GuidanceParameterError(name, value, f"must be {what}")
    return number


def _check_rates(rc: Sequence[float], life: int) -> list[float]:
    if isinstance(rc, str | bytes) or not isinstance(rc, Sequence | np.ndarray):
        raise GuidanceParameterError("rc", rc, "must be a sequence of contribution rates")
    rates = list(rc)
    if not rates:
        raise GuidanceParameterError("rc", rc, "needs at least one contribution rate")
    if len(rates) > life:
        raise GuidanceParameterError(
            "rc", rc, f"has {len(rates)} rates but the fund lives only {life} years"
        )
    checked = []
    for i, rate in enumerate(rates, start=1):
        try:
            checked.append(_check_real("rc", rate, 0.0, 1.0))
        except GuidanceParameterError:
            raise GuidanceParameterError("rc", rate, f"rate {i} must be between 0 and 1") from None
    return checked


@dataclass(frozen=True)
class _Params:
    commitment_fen: int
    rates: list[float]
    life: int
    bow: float
    growth: float
    yield_: float


def _check_params(
    commitment_fen: int,
    rc: Sequence[float],
    life: int,
    bow: float,
    growth: float,
    yield_: float,
) -> _Params:
    commitment = _check_int(
        "commitment_fen", commitment_fen, 0, MAX_COMMITMENT_FEN, " fen (about 90 trillion yuan)"
    )
    life_ = _check_int("life", life, 1, _MAX_LIFE)
    return _Params(
        commitment_fen=commitment,
        rates=_check_rates(rc, life_),
        life=life_,
        bow=_check_real("bow", bow, 0.0),
        growth=_check_real("growth", growth, -1.0),
        yield_=_check_real("yield_", yield_, 0.0, 1.0),
    )


def _rate_curve(rates: list[float], life: int) -> FloatArray:
    """RC(1..L): the rates given, the last one repeated."""
    return np.array(rates + [rates[-1]] * (life - len(rates)), dtype=np.float64)


def distribution_rates(life: int, bow: float, yield_: float) -> FloatArray:
    """The distribution rates ``RD(t) = max(Y, (t/L)^B)`` for ``t = 1..L``.

    Args:
        life: Fund life ``L`` in years, at least 1.
        bow: Bow ``B`` >= 0; the larger, the later the fund distributes.
        yield_: Yield floor ``Y`` in [0, 1], the least share of NAV paid out a year.

    Returns:
        A float64 array of length ``L``; the last rate is always 1.

    Raises:
        GuidanceParameterError: A parameter is out of range.

    Example:
        >>> distribution_rates(4, 2.0, 0.1).tolist()
        [0.1, 0.25, 0.5625, 1.0]
    """
    life_ = _check_int("life", life, 1, _MAX_LIFE)
    bow_ = _check_real("bow", bow, 0.0)
    floor = _check_real("yield_", yield_, 0.0, 1.0)
    return np.array([max(floor, (t / life_) ** bow_) for t in range(1, life_ + 1)])


# --------------------------------------------------------------------------- core


def _simulate(
    commitment_fen: int, rates: FloatArray, factors: FloatArray, rd: FloatArray
) -> tuple[IntArray, IntArray, IntArray]:
    """Run the rounded recursion on ``n`` paths at once (arrays of shape [n, L])."""
    n, life = rates.shape
    contributions = np.zeros((n, life), dtype=np.int64)
    distributions = np.zeros((n, life), dtype=np.int64)
    navs = np.zeros((n, life), dtype=np.int64)
    paid_in = np.zeros(n, dtype=np.int64)
    nav = np.zeros(n, dtype=np.int64)
    for t in range(life):
        remaining = commitment_fen - paid_in
        call = np.rint(rates[:, t] * remaining.astype(np.float64)).astype(np.int64)
        call = np.minimum(call, remaining)
        grown_float = np.rint(nav.astype(np.float64) * factors[:, t])
        if not np.all(grown_float <= _MAX_EXACT):
            _overflow(t + 1)
        grown = grown_float.astype(np.int64)
        paid_out = np.rint(rd[t] * grown.astype(np.float64)).astype(np.int64)
        paid_out = np.minimum(paid_out, grown)
        nav = grown + call - paid_out
        if not np.all(nav <= MAX_COMMITMENT_FEN):
            _overflow(t + 1)
        paid_in = paid_in + call
        contributions[:, t] = call
        distributions[:, t] = paid_out
        navs[:, t] = nav
    return contributions, distributions, navs


def _overflow(year: int) -> NoReturn:
    raise GuidanceOverflowError(
        f"NAV in year {year} exceeds 2**53 fen (about 90 trillion yuan), the largest amount "
        "held exactly; growth or life is too large"
    )


def _frozen(array: NDArray[np.int64]) -> IntArray:
    """A read-only int64 array: shared if already read-only, else a private copy."""
    if isinstance(array, np.ndarray) and array.dtype == np.int64 and not array.flags.writeable:
        return array
    out = np.array(array, dtype=np.int64)
    out.setflags(write=False)
    return out


# --------------------------------------------------------------------------- deterministic


@dataclass(frozen=True, eq=False)
class TASchedule:
    """Yearly cash flows of one fund, in integer fen (read-only int64 arrays).

    Attributes:
        commitment_fen: Committed capital ``CC``.
        year: Fund years ``1..L``.
        contribution_fen: Capital called in each year, ``C(t)``.
        distribution_fen: Paid back to the investors in each year, ``D(t)``.
        nav_fen: Net asset value at the end of each year, ``NAV(t)``.
    """

    commitment_fen: int
    year: IntArray
    contribution_fen: IntArray
    distribution_fen: IntArray
    nav_fen: IntArray

    def __post_init__(self) -> None:
        arrays = ("year", "contribution_fen", "distribution_fen", "nav_fen")
        for name in arrays:
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        shapes = {getattr(self, name).shape for name in arrays}
        if len(shapes) != 1 or len(self.year.shape) != 1:
            raise ValueError(f"TASchedule arrays must be 1-D of one length, got {shapes}")

    @property
    def life(self) -> int:
        """Fund life ``L`` in years."""
        return int(self.year.shape[0])

    @property
    def paid_in_fen(self) -> IntArray:
        """Capital paid in by the end of each year (cumulative contributions)."""
        return np.cumsum(self.contribution_fen)

    @property
    def total_contribution_fen(self) -> int:
        """All capital called over the life; never more than the commitment."""
        return int(self.contribution_fen.sum())

    @property
    def total_distribution_fen(self) -> int:
        """All money paid back over the life."""
        return int(self.distribution_fen.sum())

    @property
    def net_flow_fen(self) -> IntArray:
        """Distribution minus contribution per year, from the investors' side."""
        return self.distribution_fen - self.contribution_fen


def ta_schedule(
    commitment_fen: int,
    rc: Sequence[float],
    life: int,
    bow: float,
    growth: float,
    yield_: float,
) -> TASchedule:
    """The deterministic Takahashi–Alexander curve in integer fen.

    See the module docstring for the equations and the rounding rule.

    Args:
        commitment_fen: Committed capital ``CC`` in fen, 0..2**53.
        rc: Contribution rates ``RC(1), RC(2), ...``, each in [0, 1]; the last
            repeats until year ``L``.  At most ``L`` rates.
        life: Fund life ``L`` in years, 1..200.
        bow: Bow ``B`` >= 0 of the distribution curve ``(t/L)^B``.
        growth: Yearly NAV growth ``G`` >= -1 (0.13 for 13%).
        yield_: Yield floor ``Y`` in [0, 1]: the least share of the grown NAV
            paid out in any year.

    Returns:
        The yearly contributions, distributions and NAV.

    Raises:
        GuidanceParameterError: A parameter is missing, of the wrong type or
            out of range; ``.param`` names it.
        GuidanceOverflowError: The NAV grows past 2**53 fen.

    Example:
        >>> s = ta_schedule(100_000_000_00, [0.25, 0.333, 0.5], 12, 2.5, 0.13, 0.0)
        >>> s.contribution_fen[:4].tolist()
        [2500000000, 2497500000, 2501250000, 1250625000]
        >>> s.total_contribution_fen <= s.commitment_fen
        True
        >>> int(s.nav_fen[-1]) == int(s.contribution_fen[-1])  # RD(L) = 1
        True
    """
    p = _check_params(commitment_fen, rc, life, bow, growth, yield_)
    rates = _rate_curve(p.rates, p.life)[np.newaxis, :]
    factors = np.full((1, p.life), 1.0 + p.growth)
    rd = distribution_rates(p.life, p.bow, p.yield_)
    c, d, nav = _simulate(p.commitment_fen, rates, factors, rd)
    return TASchedule(
        commitment_fen=p.commitment_fen,
        year=np.arange(1, p.life + 1, dtype=np.int64),
        contribution_fen=c[0],
        distribution_fen=d[0],
        nav_fen=nav[0],
    )


# --------------------------------------------------------------------------- stochastic


@dataclass(frozen=True, eq=False)
class TASample:
    """``n`` simulated paths of one fund, int64 fen arrays of shape ``[n, L]``.

    Attributes:
        commitment_fen: Committed capital ``CC``.
        year: Fund years ``1..L`` (shape ``[L]``).
        contribution_fen: Capital called, one row per path.
        distribution_fen: Paid back, one row per path.
        nav_fen: NAV at each year end, one row per path.
    """

    commitment_fen: int
    year: IntArray
    contribution_fen: IntArray
    distribution_fen: IntArray
    nav_fen: IntArray

    def __post_init__(self) -> None:
        for name in ("year", "contribution_fen", "distribution_fen", "nav_fen"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    @property
    def n(self) -> int:
        """Number of paths."""
        return int(self.contribution_fen.shape[0])

    def path(self, i: int) -> TASchedule:
        """Path ``i`` as a :class:`TASchedule`."""
        return TASchedule(
            commitment_fen=self.commitment_fen,
            year=self.year,
            contribution_fen=self.contribution_fen[i],
            distribution_fen=self.distribution_fen[i],
            nav_fen=self.nav_fen[i],
        )


def _draw_rates(curve: FloatArray, rc_sd: float, n: int, rng: np.random.Generator) -> FloatArray:
    """Beta draws with mean ``curve[t]`` and sd ``rc_sd`` (capped), shape [n, L]."""
    life = curve.shape[0]
    if rc_sd == 0.0:
        return np.broadcast_to(curve, (n, life)).copy()
    spread = curve * (1.0 - curve)
    random = spread > 0.0  # rates of exactly 0 or 1 stay fixed
    concentration = np.where(random, spread / rc_sd**2 - 1.0, 1.0)
    concentration = np.maximum(concentration, _MIN_BETA_CONCENTRATION)
    a = np.where(random, curve * concentration, 1.0)
    b = np.where(random, (1.0 - curve) * concentration, 1.0)
    draws = rng.beta(a, b, size=(n, life))
    return np.where(random, draws, curve)


def _draw_growth(
    growth: float, growth_sd: float, n: int, life: int, rng: np.random.Generator
) -> FloatArray:
    """Lognormal growth factors ``1 + G(t)`` with mean ``1 + growth``, shape [n, L]."""
    base = 1.0 + growth
    if growth_sd == 0.0 or base == 0.0:
        return np.full((n, life), base)
    sigma2 = math.log1p((growth_sd / base) ** 2)
    z = rng.standard_normal((n, life))
    return base * np.exp(math.sqrt(sigma2) * z - sigma2 / 2.0)


def ta_sample(
    commitment_fen: int,
    rc: Sequence[float],
    life: int,
    bow: float,
    growth: float,
    yield_: float,
    rng: np.random.Generator,
    n: int,
    rc_sd: float,
    growth_sd: float,
) -> TASample:
    """Draw ``n`` random paths around the Takahashi–Alexander curve.

    Each path and year draws, independently:

    * the contribution rate from a Beta distribution with mean ``RC(t)`` and
      standard deviation ``rc_sd``, so it stays in [0, 1].  A Beta with mean
      ``m`` cannot have a spread near ``sqrt(m(1-m))``; the spread is capped at
      ``sqrt(m(1-m)/2)`` (concentration >= 1).  Rates of exactly 0 or 1 stay
      fixed.
    * the growth factor ``1 + G(t)`` from a lognormal distribution with mean
      ``1 + G`` and standard deviation ``growth_sd``, so NAV never turns
      negative.

    The recursion and its rounding are those of :func:`ta_schedule`.  As the
    model is linear in the rates and the growth factors, and the draws are
    independent, the expected contributions, distributions and NAV equal the
    deterministic curve (up to rounding).  With both spreads 0 every path is
    exactly :func:`ta_schedule`.  Only ``rng`` supplies randomness.

    Args:
        commitment_fen: Committed capital ``CC`` in fen.
        rc: Contribution rates, as for :func:`ta_schedule`.
        life: Fund life ``L`` in years.
        bow: Bow ``B`` >= 0.
        growth: Mean yearly growth ``G`` >= -1.
        yield_: Yield floor ``Y`` in [0, 1].
        rng: Source of randomness.
        n: Number of paths, >= 1.
        rc_sd: Standard deviation of each year's contribution rate, >= 0.
        growth_sd: Standard deviation of each year's growth ``G(t)``, >= 0.

    Returns:
        The paths, int64 fen arrays of shape ``[n, L]``.

    Raises:
        GuidanceParameterError: A parameter is invalid; ``.param`` names it.
        GuidanceOverflowError: A path's NAV grows past 2**53 fen.

    Example:
        >>> rng = np.random.default_rng(7)
        >>> s = ta_sample(10**10, [0.25, 0.333, 0.5], 12, 2.5, 0.13, 0.0, rng,
        ...               n=1000, rc_sd=0.1, growth_sd=0.2)
        >>> s.nav_fen.shape
        (1000, 12)
        >>> bool((s.contribution_fen.sum(axis=1) <= 10**10).all())
        True
    """
    p = _check_params(commitment_fen, rc, life, bow, growth, yield_)
    if not isinstance(rng, np.random.Generator):
        raise GuidanceParameterError("rng", rng, "must be a numpy.random.Generator")
    n_ = _check_int("n", n, 1, 10**9)
    rc_sd_ = _check_real("rc_sd", rc_sd, 0.0)
    growth_sd_ = _check_real("growth_sd", growth_sd, 0.0)
    rates = _draw_rates(_rate_curve(p.rates, p.life), rc_sd_, n_, rng)
    factors = _draw_growth(p.growth, growth_sd_, n_, p.life, rng)
    rd = distribution_rates(p.life, p.bow, p.yield_)
    c, d, nav = _simulate(p.commitment_fen, rates, factors, rd)
    for fresh in (c, d, nav):
        fresh.setflags(write=False)  # handed over without a copy
    return TASample(
        commitment_fen=p.commitment_fen,
        year=np.arange(1, p.life + 1, dtype=np.int64),
        contribution_fen=c,
        distribution_fen=d,
        nav_fen=nav,
    )


def ta_sample_paths(
    commitment_fen: int,
    rc: Sequence[float],
    life: int,
    bow: float,
    growth: float,
    yield_: float,
    rngs: Sequence[np.random.Generator],
    rc_sd: float,
    growth_sd: float,
) -> TASample:
    """One random path per generator, ``[len(rngs), L]`` fen (calls, distributions, NAV).

    Row ``i`` equals ``ta_sample(..., rngs[i], n=1, ...)``'s only path (each
    generator makes the same draws in the same order); the recursion runs once
    for all rows.  Used by both engines, whose replications each have their
    own generator.

    Example:
        >>> gens = [np.random.default_rng(k) for k in range(3)]
        >>> rows = ta_sample_paths(10**9, [0.3], 8, 2.0, 0.1, 0.0, gens, 0.1, 0.2)
        >>> one = ta_sample(10**9, [0.3], 8, 2.0, 0.1, 0.0, np.random.default_rng(2), 1, 0.1, 0.2)
        >>> bool((rows.contribution_fen[2] == one.contribution_fen[0]).all())
        True
    """
    p = _check_params(commitment_fen, rc, life, bow, growth, yield_)
    rc_sd_ = _check_real("rc_sd", rc_sd, 0.0)
    growth_sd_ = _check_real("growth_sd", growth_sd, 0.0)
    curve = _rate_curve(p.rates, p.life)
    rates = np.empty((len(rngs), p.life))
    factors = np.empty((len(rngs), p.life))
    for i, rng in enumerate(rngs):
        rates[i] = _draw_rates(curve, rc_sd_, 1, rng)[0]
        factors[i] = _draw_growth(p.growth, growth_sd_, 1, p.life, rng)[0]
    c, d, nav = _simulate(p.commitment_fen, rates, factors, distribution_rates(p.life, p.bow, p.yield_))
    return TASample(commitment_fen=p.commitment_fen, year=np.arange(1, p.life + 1, dtype=np.int64),
                    contribution_fen=c, distribution_fen=d, nav_fen=nav)


# --------------------------------------------------------------------------- dating


def capital_calls_by_month(
    schedule: TASchedule, start_year: int, month: int = 6, day: int = 1
) -> list[tuple[dt.date, int]]:
    """Date the yearly capital calls as payment requests.

    Fund year ``t`` is calendar year ``start_year + t - 1``; its call is
    requested on ``day``/``month`` of that year.  Years with no call are left
    out.

    Args:
        schedule: A deterministic schedule (or one path of a sample).
        start_year: Calendar year of fund year 1.
        month: Month of the request, 1..12 (default June).
        day: Day of the month (default the 1st); must exist in that month
            every year (29 February is refused).

    Returns:
        ``(date, fen)`` pairs in date order.

    Raises:
        GuidanceParameterError: ``start_year``, ``month`` or ``day`` is invalid.

    Example:
        >>> s = ta_schedule(1_000_000, [0.5], 2, 1.0, 0.0, 0.0)
        >>> capital_calls_by_month(s, 2025, month=3)
        [(datetime.date(2025, 3, 1), 500000), (datetime.date(2026, 3, 1), 250000)]
    """
    if not isinstance(schedule, TASchedule):
        raise GuidanceParameterError("schedule", schedule, "must be a TASchedule")
    first = _check_int("start_year", start_year, dt.MINYEAR, dt.MAXYEAR - schedule.life + 1)
    month_ = _check_int("month", month, 1, 12)
    day_ = _check_int("day", day, 1, 31)
    try:
        dt.date(2001, month_, day_)  # a non-leap year: the day must exist every year
    except ValueError:
        raise GuidanceParameterError(
            "day", day, f"does not exist in month {month_} of every year"
        ) from None
    return [
        (dt.date(first + int(t) - 1, month_, day_), int(fen))
        for t, fen in zip(schedule.year, schedule.contribution_fen, strict=True)
        if fen > 0
    ]
