"""The scenario language: populations of firms, platforms and incubators, and aggregate indicators.

Part of the scenario language (see :mod:`simulator.scenario`, which re-exports
every name): each city's entities with their baselines, arrivals and
life-cycle hazards, exit rates by firm state, yearly multipliers and trend
growth, and the aggregate yearly indicators.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator

from simulator.errors import TextError
from simulator.i18n import Msg
from simulator.names import Name
from simulator.scenario_base import (
    FIRM_STATES,
    FirmState,
    Id,
    IncubatorType,
    Node,
    Num,
    PerYear,
    PlatformType,
    Probability,
    Tier,
)
from simulator.scenario_triggers import Dist

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "MAX_GROWTH",
    "MAX_YEAR_FACTOR",
    "ExitRate",
    "FirmExitRates",
    "FirmPopulation",
    "Indicator",
    "Population",
    "TieredPopulation",
    "YearFactor",
]

FIRST_YEAR, LAST_YEAR = 1980, 2100
"""The calendar years a scenario may use."""


# --------------------------------------------------------------------------- populations


class FirmExitRates(Node):
    """Exit hazards of firms by life-cycle state (per year)."""

    startup: PerYear
    tech_sme: PerYear
    hte: PerYear

    def of(self, state: str) -> float:
        """The exit hazard of a firm in ``state`` (one of :data:`FIRM_STATES`)."""
        if state not in FIRM_STATES:
            raise KeyError(state)
        return float(getattr(self, state))


def _exit_rates(value: Any) -> Any:
    """One number is the exit hazard of every state; a mapping gives one per state (validated as such)."""
    if isinstance(value, dict | FirmExitRates):
        return value
    try:
        rate = float(value)
    except (TypeError, ValueError):
        rate = math.nan
    if isinstance(value, bool) or not math.isfinite(rate) or rate < 0:
        raise TextError(Msg(f"须为每年风险率（>= 0 的数）或按状态的映射 {{startup, tech_sme, hte}}（实际为 {value!r}）",
                            f"must be a hazard per year (a number >= 0) or a mapping by state "
                            f"{{startup, tech_sme, hte}} (got {value!r})"))
    return {"startup": rate, "tech_sme": rate, "hte": rate}


ExitRate = Annotated[FirmExitRates, BeforeValidator(_exit_rates)]
"""A firm exit hazard: one number for every state, or ``{startup, tech_sme, hte}``."""


MAX_GROWTH = 1.0
"""The largest trend growth a firm population may have (+100% a year)."""
MAX_YEAR_FACTOR = 10.0
"""The largest yearly multiplier on a city's hazards."""


class FirmPopulation(Node):
    """Firms of one city: baseline stock, arrivals and life-cycle hazards (per year).

    ``exit_rate`` is one hazard for every state or one per state
    (:class:`FirmExitRates`).  ``growth`` is a trend: firm arrivals and the
    HTE-readiness hazard are multiplied by ``(1 + growth) ** k`` during the
    ``k``-th calendar year after the scenario's start year (``k = 0`` in the
    start year), on top of the city's ``year_factor``.
    """

    baseline: dict[FirmState, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    arrivals_per_year: PerYear = 0.0
    p_incubated: Probability = 0.0
    sme_rate: PerYear = 0.3
    sme_renewal: Probability = 0.85
    hte_rate: PerYear = 0.1
    hte_pass: Probability = 0.65
    hte_renewal: Probability = 0.75
    exit_rate: ExitRate = FirmExitRates(startup=0.05, tech_sme=0.05, hte=0.05)
    growth: float = Field(default=0.0, gt=-1.0, le=MAX_GROWTH, allow_inf_nan=False,
                          description="trend growth a year of arrivals and the HTE-readiness hazard")
    incubated_multiplier: float = Field(default=1.0, gt=0.0, le=10.0)
    window_month: int = Field(default=5, ge=1, le=12)
    result_month: int = Field(default=11, ge=1, le=12)

    def exit_rate_of(self, state: str) -> float:
        """The exit hazard (per year) of a firm in ``state``.

        A plain number where the mapping belongs (a copy of a scenario updated
        without validation) counts for every state.
        """
        rate: object = self.exit_rate
        if isinstance(rate, int | float):
            return float(rate)
        return self.exit_rate.of(state)


class TieredPopulation(Node):
    """Platforms or incubators of one type: baseline by tier, arrivals, upgrade hazards."""

    baseline: dict[Tier, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    arrivals_per_year: PerYear = 0.0
    entry_tier: Tier = "municipal"
    upgrade_rate: dict[Tier, PerYear] = Field(
        default_factory=dict, description="hazard per year of reaching this tier from the one below"
    )
    exit_rate: PerYear = 0.0
    area_m2: Dist | None = None


YearFactor = Annotated[float, Field(ge=0.0, le=MAX_YEAR_FACTOR, allow_inf_nan=False)]


class Population(Node):
    """All entities of one city.

    ``year_factor`` maps a calendar year to a multiplier on every arrival and
    progression hazard of the city during that year (firm arrivals, start-up
    → tech SME, tech SME → HTE readiness, platform and incubator arrivals and
    tier upgrades); a year not listed has factor 1.  Exits, renewals and pass
    rates are not scaled.
    """

    firms: FirmPopulation = Field(default_factory=FirmPopulation)
    platforms: dict[PlatformType, TieredPopulation] = Field(default_factory=dict)
    incubators: dict[IncubatorType, TieredPopulation] = Field(default_factory=dict)
    year_factor: dict[int, YearFactor] = Field(default_factory=dict)

    @field_validator("year_factor")
    @classmethod
    def _years(cls, value: dict[int, float]) -> dict[int, float]:
        """Calendar years only, held in order."""
        for year in value:
            if not FIRST_YEAR <= year <= LAST_YEAR:
                raise TextError(Msg(f"年份须在 {FIRST_YEAR}-{LAST_YEAR} 之间（实际为 {year}）",
                                    f"years must lie in {FIRST_YEAR}-{LAST_YEAR} (got {year})"))
        return dict(sorted(value.items()))


class Indicator(Node):
    """An aggregate yearly quantity (contract turnover, patents, a share of output)."""

    city: Id
    name: Name | None = None
    unit: Literal["yuan", "count", "share"] = "count"
    initial: Num
    growth: float = Field(default=0.0, ge=-0.9, le=5.0, description="mean yearly growth (multiplicative)")
    drift: float = Field(default=0.0, description="mean yearly change (additive)")
    sd: float = Field(default=0.0, ge=0.0, le=5.0, description="sd of the yearly change")
    steps: dict[date, Num] = Field(
        default_factory=dict,
        description="dated additions to the value (a merger, a reclassification), applied at the start of "
                    "the date's month; steps before the scenario's start month are already in `initial`",
    )
