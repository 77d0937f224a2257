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
    """Claims on set dates (e.g. yearly instalments of a special fund's uses)."""

    on: Literal["schedule"]
    dates: list[date] = Field(min_length=1)
    claims_per_date: int = Field(default=1, ge=1)
    base: Dist | None = None
    quantity: Dist | None = None


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
