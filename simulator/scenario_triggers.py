"""What makes a program receive claims, and how they are reviewed and answered.

Triggers (``on:``), the distributions of a claim's quantity or base amount,
review, yearly quotas, and the behaviour links between money and outcomes
(``response``, ``effect``).  See ``docs/scenario-language.md``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, model_validator

from simulator.errors import TextError
from simulator.i18n import Msg
from simulator.scenario_base import (
    HIGH_BELOW_LOW,
    INCUBATOR_TYPES,
    FirmState,
    IncubatorType,
    Money,
    Node,
    Num,
    PerYear,
    PlatformType,
    Probability,
    Tier,
)

# --------------------------------------------------------------------------- programs


class Dist(Node):
    """A distribution for a claim's quantity or base amount (amount strings are yuan)."""

    dist: Literal["fixed", "uniform", "triangular", "lognormal", "poisson"]
    value: Num | None = None
    low: Num | None = None
    high: Num | None = None
    mode: Num | None = None
    median: Num | None = None
    sigma: float | None = Field(default=None, gt=0)
    mean: Num | None = None

    @model_validator(mode="after")
    def _params(self) -> Dist:
        need = {
            "fixed": ("value",),
            "uniform": ("low", "high"),
            "triangular": ("low", "mode", "high"),
            "lognormal": ("median", "sigma"),
            "poisson": ("mean",),
        }[self.dist]
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            need_keys = ", ".join(missing)
            raise TextError(Msg(f"分布 {self.dist!r} 需要 {need_keys}", f"distribution {self.dist!r} needs {need_keys}"))
        for k in ("value", "low", "high", "mode", "median", "mean"):
            v = getattr(self, k)
            if v is not None and v < 0:
                raise TextError(Msg(f"`{k}` 不能为负", f"`{k}` must not be negative"))
        if self.low is not None and self.high is not None and self.high < self.low:
            raise TextError(HIGH_BELOW_LOW)
        return self


class OnRecognition(Node):
    """A claim when an entity is recognised at a tier (platforms, incubators)."""

    on: Literal["recognition"]
    kind: Literal["platform", "incubator"]
    types: list[str] = Field(min_length=1)
    tiers: list[Tier] = Field(min_length=1)


class OnConstruction(Node):
    """A claim when an incubator or maker space builds premises (quantity = area in m²)."""

    on: Literal["construction"]
    types: list[IncubatorType] = Field(default_factory=lambda: list(INCUBATOR_TYPES))  # type: ignore[arg-type]


class OnCertification(Node):
    """A claim when a firm is certified (high-tech enterprise or tech-SME registry)."""

    on: Literal["certification"]
    state: Literal["tech_sme", "hte"] = "hte"
    first_time_only: bool = True


class OnCall(Node):
    """A yearly call for applications; applicants arrive as a Poisson number per year."""

    on: Literal["call"]
    month: int = Field(default=3, ge=1, le=12)
    applicants: PerYear
    quantity: Dist | None = None
    base: Dist | None = None
    tier_mix: dict[Tier, Probability] | None = None
    firm_state: FirmState | None = Field(default=None, description="draw applicants among firms in this state")
    platform_types: list[PlatformType] | None = Field(
        default=None, description="draw applicants among platforms of these types (so 就高不就低 groups can bite)"
    )


class OnSchedule(Node):
    """Claims on set dates (e.g. yearly instalments of a special fund's uses).

    With ``plan`` the dates are a budgeted spending plan (LC-1): one amount per
    date, and each date's claim is that amount times the share of it actually
    executed (``execution``, a law on [0, 1]; all of it when absent).  A plan
    is spent as planned or less, never more: what is not spent stays in the
    fund (carried over or lapsed by the fund's ``year_end``).
    """

    on: Literal["schedule"]
    dates: list[date] = Field(min_length=1)
    claims_per_date: int = Field(default=1, ge=1)
    base: Dist | None = None
    quantity: Dist | None = None
    plan: list[Money] | None = Field(default=None, description="planned amount of each date, in date order")
    execution: Dist | None = Field(default=None, description="share of a date's planned amount spent, on [0, 1]")

    @model_validator(mode="after")
    def _plan(self) -> OnSchedule:
        if self.plan is None:
            if self.execution is not None:
                raise TextError(Msg("`execution`（计划执行比例）需要同时给出 `plan`",
                                    "`execution` (the share of the plan spent) needs a `plan`"))
            return self
        if len(self.plan) != len(self.dates):
            raise TextError(Msg(f"`plan` 有 {len(self.plan)} 个金额，`dates` 有 {len(self.dates)} 个日期：须一一对应",
                                f"`plan` has {len(self.plan)} amounts for {len(self.dates)} `dates`: give one per date"))
        if self.base is not None or self.claims_per_date != 1:
            raise TextError(Msg("有 `plan` 时每个日期恰好一笔支出，金额来自计划：不要再给 `base` 或 `claims_per_date`",
                                "with a `plan` each date has one claim of the planned amount: drop `base` and "
                                "`claims_per_date`"))
        months = [(d.year, d.month) for d in self.dates]
        if len(set(months)) != len(months):
            raise TextError(Msg("有 `plan` 时每个月至多一个日期", "with a `plan`, at most one date per month"))
        ex = self.execution
        if ex is not None and (ex.dist in ("lognormal", "poisson")
                               or max(v for v in (ex.value, ex.high, 0.0) if v is not None) > 1):
            raise TextError(Msg("`execution` 是计划金额中实际支出的比例：须为 fixed、uniform 或 triangular，且不超过 1",
                                "`execution` is the share of the planned amount spent: a fixed, uniform or "
                                "triangular law no higher than 1"))
        return self


Trigger = Annotated[
    OnRecognition | OnConstruction | OnCertification | OnCall | OnSchedule,
    Field(discriminator="on"),
]


class Review(Node):
    """How claims are reviewed: in batches at review points, after a delay."""

    every: Literal["month", "quarter", "year"] = "quarter"
    month: int = Field(default=12, ge=1, le=12, description="review month when every=year")
    delay_months: int = Field(default=3, ge=0, le=36)
    approval: Probability = 1.0


class Quota(Node):
    """At most N approvals a year; N drawn uniformly from [low, high] each year (ZB-7: 3–5)."""

    per_year: int | tuple[int, int]

    @property
    def bounds(self) -> tuple[int, int]:
        """(low, high) of the yearly quota."""
        if isinstance(self.per_year, int):
            return (self.per_year, self.per_year)
        return self.per_year

    @model_validator(mode="after")
    def _valid(self) -> Quota:
        lo, hi = self.bounds
        if lo < 0 or hi < lo:
            raise TextError(Msg("名额必须为 N >= 0，或 [low, high] 且 0 <= low <= high",
                                "quota must be N >= 0 or [low, high] with 0 <= low <= high"))
        return self


class Response(Node):
    """Behaviour link: applications scale with (award / reference) ** elasticity."""

    elasticity: float = Field(default=0.0, ge=-3.0, le=3.0)
    reference: Money


class Effect(Node):
    """Behaviour link: receiving money multiplies a hazard for some months."""

    on: Literal["hte", "tech_sme", "upgrade"]
    multiplier: float = Field(gt=0.0, le=20.0)
    months: int = Field(default=24, ge=1, le=240)
