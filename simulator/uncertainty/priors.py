"""Priors of the behaviour parameters: which params are drawn, and from what.

A param is *drawn* when it is a behaviour assumption: it sits in a behaviour
section (:data:`BEHAVIOUR_SECTIONS`, also under ``populations.<city>.`` as in a
file written by ``fiscalsim calibrate``; ``guidance`` only in ``behaviour.yaml``,
where it holds the fund-curve behaviour, not a city's commitments), its value
in force has a source starting ``assumption`` or ``fitted``, and it is numeric.
Policy facts (award rules, fund sizes, commitments) and anything ``reported:``
keep their value.  An explicit ``prior:`` always decides (``family: fixed``
keeps the value).

Without an explicit prior the ``range: [low, high]`` is read as the 5–95 %
interval of:

* a beta, for probabilities and shares strictly inside (0, 1);
* a lognormal, for positive quantities (rates per year, counts, months,
  multipliers, amounts);
* a normal, for quantities whose range reaches below 0;
* a uniform over the range, when an end of it sits on a hard bound (a
  probability range touching 0 or 1, a positive quantity's range starting at
  0), where no 5–95 % reading exists;
* fixed, when the range is degenerate (``[a, a]``) or absent.

Counts, months and years are rounded to whole numbers after drawing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np
from scipy import optimize, stats

from simulator.params import Parameter

BEHAVIOUR_SECTIONS = frozenset({"firms", "platforms", "incubators", "indicators", "review", "effect", "response",
                                "links", "year_effects"})
"""First key segments of the params that may hold behaviour assumptions (any params file)."""
BEHAVIOUR_ONLY_SECTIONS = {"guidance": "behaviour"}
"""Sections that are behaviour only in one params file (stem): the fund-curve params of behaviour.yaml."""
DRAWN_SOURCES = ("assumption", "fitted")
"""Source prefixes of a drawn param's value in force."""
SHARE_UNITS = frozenset({"probability", "share"})
INTEGER_UNITS = frozenset({"count", "months", "month", "years"})
UNIT_BOUNDS: dict[str | None, tuple[float, float]] = {
    "probability": (0.0, 1.0), "share": (0.0, 1.0), "month": (1.0, 12.0), "per_year": (0.0, math.inf),
    "count": (0.0, math.inf), "months": (0.0, math.inf), "years": (1.0, math.inf), "multiplier": (0.0, math.inf),
    "yuan": (0.0, math.inf), "ratio": (0.0, math.inf)}
"""Hard bounds of a unit: a draw outside them (a normal's tail, a month past December) is clipped."""
Z95 = float(stats.norm.ppf(0.95))


@dataclass(frozen=True)
class Prior:
    """A prior distribution of one parameter.

    Attributes:
        family: ``beta``, ``lognormal``, ``normal``, ``uniform`` or ``fixed``.
        args: The family's numbers: ``alpha, beta`` / ``median, sigma`` /
            ``mean, sd`` / ``low, high`` / ``value`` (fixed).
        integer: Whether draws are rounded to whole numbers.
        unit: The param's unit; a draw is clipped to the unit's bounds (:data:`UNIT_BOUNDS`).
        derived: Whether it was derived from ``range:`` (False: written as ``prior:``).
    """

    family: str
    args: tuple[tuple[str, float], ...]
    integer: bool = False
    derived: bool = True
    unit: str | None = None

    def arg(self, name: str) -> float:
        """One of the family's numbers."""
        return dict(self.args)[name]

    def ppf(self, u: float) -> float:
        """The quantile at ``u`` in (0, 1) (rounded for integer params).

        >>> Prior("uniform", (("low", 2.0), ("high", 4.0))).ppf(0.25)
        2.5
        """
        a = dict(self.args)
        if self.family == "beta":
            x = float(stats.beta.ppf(u, a["alpha"], a["beta"]))
        elif self.family == "lognormal":
            x = a["median"] * math.exp(a["sigma"] * float(stats.norm.ppf(u)))
        elif self.family == "normal":
            x = a["mean"] + a["sd"] * float(stats.norm.ppf(u))
        elif self.family == "uniform":
            x = a["low"] + u * (a["high"] - a["low"])
        else:
            x = a["value"]
        lo, hi = UNIT_BOUNDS.get(self.unit, (-math.inf, math.inf))
        x = min(max(x, lo), hi)
        return float(round(x)) if self.integer else x

    def draw(self, rng: np.random.Generator) -> float:
        """One draw (one uniform from ``rng``, inverted: the stream's use does not depend on the family)."""
        return self.ppf(float(rng.random()))

    def describe(self) -> str:
        """A short text, e.g. ``beta(alpha=12.1, beta=6.5)``."""
        inner = ", ".join(f"{k}={v:.4g}" for k, v in self.args)
        return f"{self.family}({inner})" + (" rounded" if self.integer else "")


def is_behaviour(param: Parameter, stem: str, when: date) -> bool:
    """Whether a param is a behaviour assumption (see the module docstring); explicit priors aside."""
    parts = param.key.split(".")
    section = parts[2] if parts[0] == "populations" and len(parts) > 3 else parts[0]
    if section not in BEHAVIOUR_SECTIONS and BEHAVIOUR_ONLY_SECTIONS.get(section) != stem:
        return False
    value = param.at(when)
    if isinstance(value.value, bool) or not isinstance(value.value, int | float):
        return False
    return value.source.lower().startswith(DRAWN_SOURCES)


def prior_of(param: Parameter, stem: str, when: date) -> Prior | None:
    """The prior a param is drawn from, or None when it keeps its value.

    Args:
        param: The param.
        stem: Its file's stem (``behaviour``, ``taian`` …).
        when: The scenario's start date (selects the value in force).
    """
    integer = param.unit in INTEGER_UNITS
    if param.prior is not None:
        spec = param.prior
        if spec.family == "fixed":
            return None
        return Prior(spec.family, tuple(spec.args.items()), integer, derived=False, unit=param.unit)
    if not is_behaviour(param, stem, when) or param.range is None:
        return None
    low, high = param.range
    if low == high:
        return None
    return derived_prior(low, high, param.unit, integer)


def derived_prior(low: float, high: float, unit: str | None, integer: bool = False) -> Prior:
    """The prior whose 5 % and 95 % quantiles are ``low`` and ``high`` (see the module docstring).

    >>> derived_prior(0.2, 0.6, "per_year").describe()
    'lognormal(median=0.3464, sigma=0.334)'
    >>> derived_prior(0.0, 0.08, "per_year").family
    'uniform'
    """
    if unit in SHARE_UNITS and 0.0 < low < high < 1.0:
        a, b = _beta_from_quantiles(low, high)
        return Prior("beta", (("alpha", a), ("beta", b)), integer, unit=unit)
    if unit in SHARE_UNITS or low == 0.0:
        return Prior("uniform", (("low", low), ("high", high)), integer, unit=unit)
    if low > 0.0:
        sigma = (math.log(high) - math.log(low)) / (2 * Z95)
        return Prior("lognormal", (("median", math.sqrt(low * high)), ("sigma", sigma)), integer, unit=unit)
    return Prior("normal", (("mean", (low + high) / 2), ("sd", (high - low) / (2 * Z95))), integer, unit=unit)


@lru_cache(maxsize=256)
def _beta_from_quantiles(low: float, high: float) -> tuple[float, float]:
    """Beta shape parameters with ``ppf(0.05) = low`` and ``ppf(0.95) = high`` (solved on the log scale)."""
    mid = (low + high) / 2
    sd = (high - low) / (2 * Z95)
    k0 = max(mid * (1 - mid) / (sd * sd) - 1, 1.0)

    def gap(x: np.ndarray) -> list[float]:
        a, b = math.exp(x[0]), math.exp(x[1])
        return [float(stats.beta.ppf(0.05, a, b)) - low, float(stats.beta.ppf(0.95, a, b)) - high]

    sol = optimize.fsolve(gap, [math.log(mid * k0), math.log((1 - mid) * k0)], full_output=True, xtol=1e-10)
    a, b = math.exp(sol[0][0]), math.exp(sol[0][1])
    return float(a), float(b)
