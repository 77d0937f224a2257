"""What makes a program receive claims, and how they are reviewed and answered.

Triggers (``on:``), the distributions of a claim's quantity or base amount,
review, yearly quotas, and the behaviour links between money and outcomes
(``response``, ``effect``).  See ``docs/scenario-language.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, model_validator

from simulator.errors import TextError
from simulator.i18n import Msg
from simulator.scenario_base import (
    HIGH_BELOW_LOW,
    INCUBATOR_TYPES,
    TIERS,
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


LINK_FIRM_RATES = ("arrivals_per_year", "sme_rate", "hte_rate")
"""Firm-population rates a link may scale (``populations.<city>.firms.<rate>``)."""
LINK_INDICATOR_TRENDS = ("growth", "drift")
"""Indicator trends a link may scale (``indicators.<id>.<trend>``)."""


def link_rate_segments(path: str) -> tuple[str, ...] | None:
    """The segments of a rate path a link may scale, or None if the path has another shape.

    The shapes: ``populations.<city>.firms.<rate>`` (a rate of :data:`LINK_FIRM_RATES`),
    ``populations.<city>.(platforms|incubators).<type>.arrivals_per_year``,
    ``populations.<city>.(platforms|incubators).<type>.upgrade_rate.<tier>`` and
    ``indicators.<id>.(growth|drift)``.  Whether the city, type, tier or indicator
    exists is checked against the scenario (:mod:`simulator.crosscheck`).

    >>> link_rate_segments("populations.liaocheng.platforms.innovation_community.upgrade_rate.municipal")
    ('populations', 'liaocheng', 'platforms', 'innovation_community', 'upgrade_rate', 'municipal')
    >>> link_rate_segments("populations.liaocheng.firms.hte_pass") is None
    True
    """
    segs = tuple(path.split("."))
    if len(segs) == 3 and segs[0] == "indicators" and segs[2] in LINK_INDICATOR_TRENDS:
        return segs
    if len(segs) < 4 or segs[0] != "populations" or not all(segs):
        return None
    if segs[2] == "firms":
        return segs if len(segs) == 4 and segs[3] in LINK_FIRM_RATES else None
    if segs[2] not in ("platforms", "incubators"):
        return None
    if len(segs) == 5 and segs[4] == "arrivals_per_year":
        return segs
    if len(segs) == 6 and segs[4] == "upgrade_rate" and segs[5] in TIERS[1:]:
        return segs
    return None


def node_at(root: Any, segs: Sequence[str]) -> Any:
    """The value at key path ``segs`` below ``root`` (models and mappings), or None if a key is missing.

    >>> node_at({"a": {"b": 2.0}}, ["a", "b"])
    2.0
    """
    node = root
    for seg in segs:
        if isinstance(node, BaseModel):
            node = getattr(node, seg, None)
        elif isinstance(node, dict):
            node = node.get(seg)
        else:
            return None
        if node is None:
            return None
    return node


class Link(Node):
    """Behaviour link: rates follow the money, each multiplied by ``(amount / reference) ** elasticity``.

    ``amount`` is the program's award for a representative claim under the
    scenario's current rule (``basis: award``), or the total appropriation of
    the funds its split names (``basis: funding``); ``reference`` is the
    amount as the policy writes it, at which the rates are as stated.
    """

    rate: str | list[str]
    reference: Money = Field(gt=0)
    elasticity: float = Field(ge=0.0, le=3.0)
    basis: Literal["award", "funding"] = "award"
    part: Literal["total", "base", "match"] = "total"
    tier: Tier | None = None
    quantity: Num | None = Field(default=None, ge=0)

    @property
    def rates(self) -> list[str]:
        """The rate paths this link scales."""
        return [self.rate] if isinstance(self.rate, str) else list(self.rate)

    @model_validator(mode="after")
    def _paths(self) -> Link:
        if not self.rates:
            raise TextError(Msg("`rate` 至少给出一个比率路径", "`rate` needs at least one rate path"))
        for path in self.rates:
            if link_rate_segments(path) is None:
                raise TextError(Msg(
                    f"`rate` {path!r} 不是可关联的比率；应为 populations.<城市>.firms.(arrivals_per_year|sme_rate|"
                    "hte_rate)、populations.<城市>.(platforms|incubators).<类型>.(arrivals_per_year|"
                    "upgrade_rate.<级别>) 或 indicators.<指标>.(growth|drift)",
                    f"`rate` {path!r} is not a rate a link can scale; expected populations.<city>.firms."
                    "(arrivals_per_year|sme_rate|hte_rate), populations.<city>.(platforms|incubators).<type>."
                    "(arrivals_per_year|upgrade_rate.<tier>) or indicators.<id>.(growth|drift)"))
        return self
