"""Priors of the calibrated parameters, read from the params' ``range:`` as a 5–95% interval.

Every prior is a normal law in the coordinate the sampler moves in:

* ``lognormal`` for rates, multipliers and spreads (positive quantities whose
  range starts above 0): the sampler moves ``log(value)``; the median is the
  geometric middle of the range, ``sigma = ln(hi / lo) / (2 · 1.645)``;
* ``normal`` for quantities that may be 0 or negative (a trend growth), or a
  spread whose range starts at 0 (then truncated at ``lower = 0``): the
  sampler moves the value itself; the mean is the middle of the range,
  ``sd = (hi − lo) / (2 · 1.645)``.

Where a prior comes from (:func:`prior_for`): the range of the params entry
the scenario refers to at that path, unless that entry was itself written by
calibration (a ``fitted:`` source would make the prior circular); then the
shared behaviour entry ``behaviour.<group>.<name>``; then
:data:`DEFAULT_PRIORS`, each with its stated rationale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import stats

from simulator.errors import InputError, Problem
from simulator.i18n import Msg
from simulator.loader import LoadedScenario
from simulator.uncertainty.draws import param_of_source

Z95 = float(stats.norm.ppf(0.95))
"""The 95% quantile of the standard normal (1.645): a range is read as ``mean ± Z95 · sd``."""

Family = Literal["lognormal", "normal"]


@dataclass(frozen=True)
class Prior:
    """A prior law, given by its 5% and 95% quantiles (before any truncation).

    Attributes:
        family: ``lognormal`` (the sampler moves the log) or ``normal``.
        p5: The 5% quantile.
        p95: The 95% quantile.
        source: Where the range comes from (a params entry or a stated assumption).
        lower: A truncation point of a normal prior (values below have no mass), or None.
    """

    family: Family
    p5: float
    p95: float
    source: str
    lower: float | None = None

    @property
    def loc(self) -> float:
        """Centre of the normal law in the sampling coordinate."""
        if self.family == "lognormal":
            return 0.5 * (math.log(self.p5) + math.log(self.p95))
        return 0.5 * (self.p5 + self.p95)

    @property
    def scale(self) -> float:
        """Standard deviation of the normal law in the sampling coordinate."""
        if self.family == "lognormal":
            return (math.log(self.p95) - math.log(self.p5)) / (2 * Z95)
        return (self.p95 - self.p5) / (2 * Z95)

    def to_value(self, x: float) -> float:
        """The parameter value at sampling coordinate ``x``."""
        return math.exp(x) if self.family == "lognormal" else float(x)

    def to_coord(self, value: float) -> float:
        """The sampling coordinate of a parameter value."""
        return math.log(value) if self.family == "lognormal" else float(value)

    def logpdf(self, x: float) -> float:
        """Log density in the sampling coordinate (up to a constant; ``-inf`` outside the support)."""
        if self.lower is not None and self.to_value(x) < self.lower:
            return -math.inf
        z = (x - self.loc) / self.scale
        return -0.5 * z * z

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Quantiles of the value at probabilities ``u`` (truncation included)."""
        u = np.asarray(u, dtype=float)
        if self.lower is not None:
            lo = stats.norm.cdf((self.to_coord(self.lower) - self.loc) / self.scale)
            u = lo + u * (1.0 - lo)
        x = self.loc + self.scale * stats.norm.ppf(u)
        return np.exp(x) if self.family == "lognormal" else x

    def quantiles(self) -> tuple[float, float, float]:
        """The 5%, 50% and 95% quantiles of the value (truncation included)."""
        q = self.ppf(np.array([0.05, 0.5, 0.95]))
        return float(q[0]), float(q[1]), float(q[2])

    def to_dict(self) -> dict[str, Any]:
        """The prior as written in the posterior file."""
        p5, p50, p95 = self.quantiles()
        out: dict[str, Any] = {"family": self.family, "range_p5": _r(self.p5), "range_p95": _r(self.p95)}
        if self.family == "lognormal":
            out.update(median=_r(math.exp(self.loc)), sigma=_r(self.scale))
        else:
            out.update(mean=_r(self.loc), sd=_r(self.scale))
        if self.lower is not None:
            out["lower"] = _r(self.lower)
        out.update(p5=_r(p5), p50=_r(p50), p95=_r(p95), source=self.source)
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Prior:
        """Read a prior written by :meth:`to_dict` (``KeyError``/``ValueError``/``TypeError`` if malformed)."""
        family = d["family"]
        if family not in ("lognormal", "normal"):
            raise ValueError(f"unknown prior family {family!r}")
        lower = d.get("lower")
        return cls(family, float(d["range_p5"]), float(d["range_p95"]), str(d.get("source", "")),
                   None if lower is None else float(lower))


def _r(v: float) -> float:
    """A float rounded for the file (6 significant digits)."""
    return float(f"{v:.6g}")


GROWTH_PRIOR = Prior("normal", -0.05, 0.15, (
    "assumption (calibration default): a trend of arrivals and HTE readiness between -5% and +15% a year "
    "(5-95%); China's valid HTEs grew 20-33% a year in 2017-2022 and Shandong's 26-39% (BEHAVIOUR-SOURCES), "
    "most of it the growth of the stock itself, not of the rates"))
"""The prior of a trend growth when no params entry gives its range."""

DEFAULT_PRIORS: dict[str, Prior] = {"growth": GROWTH_PRIOR}
"""Priors by the last segment of a path, used when no params entry gives a range."""

def _param_of(loaded: LoadedScenario, path: str) -> tuple[str, Any] | None:
    """The params entry (key, Parameter) the scenario refers to at ``path``, unless calibration wrote it."""
    prov = loaded.provenance.get(path)
    name = param_of_source(prov.source) if prov is not None and prov.kind == "params" else None
    if name is None:
        return None
    param = loaded.params.get(name)
    if param is None or any(dv.source.startswith("fitted") for dv in param.values):
        return None
    return name, param


def prior_for(loaded: LoadedScenario, path: str) -> Prior:
    """The prior of a scenario path (see the module's docstring for where it comes from).

    Raises:
        InputError: No params entry gives a range and there is no default prior for the path.
    """
    segs = path.split(".")
    candidates = []
    own = _param_of(loaded, path)
    if own is not None:
        candidates.append(own)
    shared = f"behaviour.{'.'.join(segs[-2:])}" if len(segs) >= 2 else ""
    if shared in loaded.params:
        candidates.append((shared, loaded.params[shared]))
    if path in loaded.params:
        candidates.append((path, loaded.params[path]))
    for name, param in candidates:
        if param.range is None:
            continue
        lo, hi = (float(v) for v in param.range)
        source = f"params {name} range [{lo:g}, {hi:g}] read as 5-95%"
        if lo > 0 and hi > lo:
            return Prior("lognormal", lo, hi, source)
        if hi > lo:
            lower = 0.0 if lo >= 0 else None
            return Prior("normal", lo, hi, source, lower)
    if segs[-1] in DEFAULT_PRIORS:
        return DEFAULT_PRIORS[segs[-1]]
    raise InputError(Problem(Msg("参数没有可作先验的取值范围", "no range to read a prior from"), file=loaded.file, path=path,
                             expected=Msg("情景引用的参数文件条目带有 range:（读作 5%–95% 区间）",
                                          "a params entry with a range: (read as a 5-95% interval) referred to by the scenario")))
