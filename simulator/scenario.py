"""The scenario language: frozen, typed objects validated from YAML.

Dicts stop at the loader (:mod:`simulator.loader`): past it, code reads these
objects only.  Money fields hold integer fen, shares hold exact
:class:`fractions.Fraction` values, probabilities and behavioural rates are
floats.  See ``docs/scenario-language.md`` for the reference of every key.
"""

from __future__ import annotations

import math
from datetime import date
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, model_validator

from simulator.money import Rate, parse_amount, parse_rate, parse_ratio, parse_share
from simulator.names import Name, Prose, SingleLine

# --------------------------------------------------------------------------- types

Money = Annotated[int, BeforeValidator(parse_amount), Field(description="amount in integer fen")]
RateField = Annotated[Rate, BeforeValidator(parse_rate), PlainSerializer(str)]
Share = Annotated[Fraction, BeforeValidator(parse_share), PlainSerializer(str)]
Ratio = Annotated[Fraction, BeforeValidator(parse_ratio), PlainSerializer(str)]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
PerYear = Annotated[float, Field(ge=0.0, description="events per year (a hazard rate)")]
Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]*$", max_length=64)]


def _num_or_amount(value: Any) -> Any:
    """Numbers pass through; strings with a money unit become yuan (float); infinities are refused."""
    if isinstance(value, str) and any(u in value for u in ("元", "万", "亿")):
        return parse_amount(value) / 100
    try:
        if isinstance(value, int | float | str) and not isinstance(value, bool) and not math.isfinite(float(value)):
            raise ValueError("must be a finite number")
    except (TypeError, ValueError) as exc:
        if "finite" in str(exc):
            raise
    return value


Num = Annotated[float, BeforeValidator(_num_or_amount)]

Level = Literal["province", "city", "county", "district", "zone"]
Tier = Literal["none", "municipal", "provincial", "national"]
TIERS: tuple[Tier, ...] = ("none", "municipal", "provincial", "national")
FirmState = Literal["startup", "tech_sme", "hte"]
FIRM_STATES: tuple[FirmState, ...] = ("startup", "tech_sme", "hte")
PLATFORM_TYPES: tuple[str, ...] = (
    "lab",
    "engineering_lab",
    "innovation_centre",
    "enterprise_platform",
    "research_institution",
    "innovation_community",
    "academician_workstation",
    "expert_workstation",
    "tech_transfer_institution",
    "service_platform",
    "science_park",
    "intl_coop_base",
    "alliance",
)
INCUBATOR_TYPES: tuple[str, ...] = ("incubator", "maker_space")
PlatformType = Literal[
    "lab",
    "engineering_lab",
    "innovation_centre",
    "enterprise_platform",
    "research_institution",
    "innovation_community",
    "academician_workstation",
    "expert_workstation",
    "tech_transfer_institution",
    "service_platform",
    "science_park",
    "intl_coop_base",
    "alliance",
]
IncubatorType = Literal["incubator", "maker_space"]


class Node(BaseModel):
    """Base of every scenario object: frozen, unknown keys refused.

    Any mapping may carry ``source`` (a clause id such as ``ZB-4 四(三)2``,
    ``assumption: <rationale>``, ``reported: <where>`` or ``fitted: <file>``)
    and a free-text ``note``; numbers below it inherit that source.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    source: SingleLine | None = None
    note: Prose | None = None


# --------------------------------------------------------------------------- header


class Header(Node):
    """Identity and calendar of a scenario."""

    id: Id
    name: Name = Field(min_length=1)
    name_en: Name | None = None
    document: SingleLine | None = None
    start: date
    end: date
    seed: int = Field(default=0, ge=0)
    description: Prose | None = None

    @model_validator(mode="after")
    def _calendar(self) -> Header:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self


# --------------------------------------------------------------------------- jurisdictions & funds


class Jurisdiction(Node):
    """A province, city, county/district or development zone."""

    name: Name
    name_en: Name | None = None
    level: Level
    parent: Id | None = None
    population: dict[date, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)

    def population_at(self, when: date) -> int | None:
        """The population in force at ``when`` (the latest dated value not after it)."""
        dated = sorted(d for d in self.population if d <= when)
        if dated:
            return self.population[dated[-1]]
        return self.population[min(self.population)] if self.population else None


class Fund(Node):
    """A budget pool owned by a jurisdiction."""

    name: Name
    name_en: Name | None = None
    owner: Id
    appropriations: dict[int, Money] = Field(default_factory=dict)
    year_end: Literal["carry_over", "lapse"] = "carry_over"
    overclaim: Literal["fcfs", "queue", "prorata"] = "queue"


class SubFunds(Node):
    """Sub-funds a guidance fund takes stakes in."""

    count: int = Field(default=1, ge=1)
    gov_share: Share = Fraction(1, 4)
    local_reinvest: Ratio = Fraction(1)


class GuidanceStochastic(Node):
    """Noise around the Takahashi–Alexander curve."""

    rc_sd: float = Field(default=0.0, ge=0.0, le=2.0)
    growth_sd: float = Field(default=0.0, ge=0.0, le=2.0)


class GuidanceFund(Node):
    """A government guidance fund (母基金 / angel fund) calling capital from a budget fund."""

    name: Name
    name_en: Name | None = None
    fund: Id
    commitment: Money
    start: date
    call_month: int = Field(default=6, ge=1, le=12)
    life: int = Field(default=10, ge=1, le=30)
    rc: list[Annotated[float, Field(ge=0.0, le=1.0)]] = Field(min_length=1)
    bow: float = Field(default=2.5, gt=0.0)
    growth: float = Field(default=0.08, ge=-0.9, le=2.0)
    yield_: float = Field(default=0.0, ge=0.0, le=1.0, alias="yield")
    stochastic: GuidanceStochastic = Field(default_factory=GuidanceStochastic)
    subfunds: SubFunds = Field(default_factory=SubFunds)
    ticket: Money = Field(default=parse_amount("500万元"))
    investee_state: FirmState = "tech_sme"
    effect: Effect | None = None

    model_config = ConfigDict(populate_by_name=True)


# --------------------------------------------------------------------------- rules


class Fixed(Node):
    """A set amount per claim, optionally by the tier recognised."""

    kind: Literal["fixed"]
    amount: Money | None = None
    by_tier: dict[Tier, Money] | None = None

    @model_validator(mode="after")
    def _one(self) -> Fixed:
        if (self.amount is None) == (self.by_tier is None):
            raise ValueError("give exactly one of `amount` or `by_tier`")
        return self


class PerUnitCapped(Node):
    """rate × quantity, at most cap (ZB-4: 100元/m², at most 100万元)."""

    kind: Literal["per_unit_capped"]
    rate: RateField
    cap: Money | None = None


class ShareCapped(Node):
    """share × the claim's base amount, at most cap (JN-5: 50% of spending, at most 100万元)."""

    kind: Literal["share_capped"]
    share: Share
    cap: Money | None = None
    floor: Money | None = None


class CaseByCase(Node):
    """一事一议: an amount drawn uniformly from a stated range."""

    kind: Literal["case_by_case"]
    low: Money
    high: Money

    @model_validator(mode="after")
    def _range(self) -> CaseByCase:
        if self.high < self.low:
            raise ValueError("`high` must not be below `low`")
        return self


class Matching(Node):
    """Another level's amount (``base``) plus a match: ``ratio`` × base, or a rule of its own."""

    kind: Literal["matching"]
    base: Rule
    ratio: Ratio | None = None
    match: Rule | None = None

    @model_validator(mode="after")
    def _one(self) -> Matching:
        if (self.ratio is None) == (self.match is None):
            raise ValueError("give exactly one of `ratio` or `match`")
        return self


class HigherOf(Node):
    """The highest of several rules (就高不就低 inside one program)."""

    kind: Literal["higher_of"]
    rules: list[Rule] = Field(min_length=2)


Rule = Annotated[
    Fixed | PerUnitCapped | ShareCapped | CaseByCase | Matching | HigherOf,
    Field(discriminator="kind"),
]
RULE_KINDS = ("fixed", "per_unit_capped", "share_capped", "case_by_case", "matching", "higher_of")


class PlaceException(Node):
    """A different rule for claims from some places (ZB-10: 高青县, 沂源县)."""

    places: list[Id] = Field(min_length=1)
    rule: Rule


class SplitPart(Node):
    """Which fund pays which share of which part of the award."""

    fund: Id
    share: Share = Fraction(1)
    part: Literal["total", "base", "match"] = "total"


class Tranche(Node):
    """One instalment of a staged payment (e.g. 60% now, 40% after a check)."""

    share: Share
    after_months: int = Field(default=0, ge=0, le=120)


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
            raise ValueError(f"distribution {self.dist!r} needs {', '.join(missing)}")
        for k in ("value", "low", "high", "mode", "median", "mean"):
            v = getattr(self, k)
            if v is not None and v < 0:
                raise ValueError(f"`{k}` must not be negative")
        if self.low is not None and self.high is not None and self.high < self.low:
            raise ValueError("`high` must not be below `low`")
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
            raise ValueError("quota must be N >= 0 or [low, high] with 0 <= low <= high")
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


class Program(Node):
    """A money instrument of a policy (e.g. ZB-4)."""

    name: Name
    name_en: Name | None = None
    city: Id | None = None
    start: date | None = None
    end: date | None = None
    trigger: Trigger
    places: list[Id] | None = None
    rule: Rule
    exceptions: list[PlaceException] = Field(default_factory=list)
    split: list[SplitPart] = Field(min_length=1)
    payment: list[Tranche] = Field(default_factory=lambda: [Tranche(share=Fraction(1))])
    review: Review = Field(default_factory=Review)
    quota: Quota | None = None
    exclusive_group: Id | None = None
    response: Response | None = None
    effect: Effect | None = None

    @model_validator(mode="after")
    def _response_on_calls(self) -> Program:
        if self.response is not None and not isinstance(self.trigger, OnCall):
            raise ValueError("`response` (applications respond to the award) applies to `on: call` triggers only")
        return self


# --------------------------------------------------------------------------- populations


class FirmPopulation(Node):
    """Firms of one city: baseline stock, arrivals and life-cycle hazards (per year)."""

    baseline: dict[FirmState, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    arrivals_per_year: PerYear = 0.0
    p_incubated: Probability = 0.0
    sme_rate: PerYear = 0.3
    sme_renewal: Probability = 0.85
    hte_rate: PerYear = 0.1
    hte_pass: Probability = 0.65
    hte_renewal: Probability = 0.75
    exit_rate: PerYear = 0.05
    incubated_multiplier: float = Field(default=1.0, gt=0.0, le=10.0)
    window_month: int = Field(default=5, ge=1, le=12)
    result_month: int = Field(default=11, ge=1, le=12)


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


class Population(Node):
    """All entities of one city."""

    firms: FirmPopulation = Field(default_factory=FirmPopulation)
    platforms: dict[PlatformType, TieredPopulation] = Field(default_factory=dict)
    incubators: dict[IncubatorType, TieredPopulation] = Field(default_factory=dict)


class Indicator(Node):
    """An aggregate yearly quantity (contract turnover, patents, a share of output)."""

    city: Id
    name: Name | None = None
    unit: Literal["yuan", "count", "share"] = "count"
    initial: Num
    growth: float = Field(default=0.0, ge=-0.9, le=5.0, description="mean yearly growth (multiplicative)")
    drift: float = Field(default=0.0, description="mean yearly change (additive)")
    sd: float = Field(default=0.0, ge=0.0, le=5.0, description="sd of the yearly change")


# --------------------------------------------------------------------------- targets


class Metric(Node):
    """What a target measures; give exactly one of count/new/indicator/appropriated/drawn/awards."""

    count: Literal["firms", "platforms", "incubators"] | None = None
    new: Literal["platforms", "incubators", "firms"] | None = None
    indicator: Id | None = None
    appropriated: Id | None = None
    drawn: Id | None = None
    awards: Id | None = None
    state: FirmState | None = None
    incubated: bool | None = None
    types: list[str] | None = None
    tier: Tier | None = None
    or_higher: bool = True
    per_10k: Id | None = None
    yearly: bool = Field(default=False, description="count within each calendar year only")

    @model_validator(mode="after")
    def _one(self) -> Metric:
        chosen = [
            k for k in ("count", "new", "indicator", "appropriated", "drawn", "awards") if getattr(self, k)
        ]
        if len(chosen) != 1:
            raise ValueError(
                "give exactly one of count, new, indicator, appropriated, drawn, awards"
                + (f" (got {', '.join(chosen)})" if chosen else "")
            )
        if self.new == "firms" and self.state not in (None, "hte", "tech_sme"):
            raise ValueError("`new: firms` counts first certifications: state must be hte or tech_sme")
        if self.yearly and self.count:
            raise ValueError("`yearly: true` applies to flows (new, indicator, drawn, awards), not to `count:` stocks")
        return self

    def label(self) -> str:
        """A short machine-readable description used in manifests."""
        parts = [f"{k}={v}" for k, v in self.model_dump(exclude_none=True, exclude={"source", "note"}).items()
                 if not (k == "or_higher" and v is True) and not (k == "yearly" and v is False)]
        return ",".join(parts)


class Target(Node):
    """A target: a metric, a threshold and a deadline, with its clause."""

    name: Name
    name_en: Name | None = None
    city: Id | None = None
    metric: Metric
    threshold: Num
    comparison: Literal[">=", "<="] = ">="
    deadline: date
    unit: Literal["count", "yuan", "share", "per_10k"] = "count"


# --------------------------------------------------------------------------- scenario


class Scenario(Node):
    """A whole scenario: header, jurisdictions, funds, programs, populations, targets."""

    scenario: Header
    jurisdictions: dict[Id, Jurisdiction] = Field(min_length=1)
    funds: dict[Id, Fund] = Field(default_factory=dict)
    guidance_funds: dict[Id, GuidanceFund] = Field(default_factory=dict)
    programs: dict[Id, Program] = Field(default_factory=dict)
    populations: dict[Id, Population] = Field(default_factory=dict)
    indicators: dict[Id, Indicator] = Field(default_factory=dict)
    targets: dict[Id, Target] = Field(default_factory=dict)

    # ------------------------------------------------------------------ helpers

    def level_of_fund(self, fund_id: str) -> str:
        """The funding level (province/city/county/district/zone) that owns a fund."""
        return self.jurisdictions[self.funds[fund_id].owner].level

    def city_of(self, jurisdiction_id: str) -> str | None:
        """The city a jurisdiction belongs to (itself if it is a city)."""
        seen: set[str] = set()
        j: str | None = jurisdiction_id
        while j is not None and j not in seen:
            seen.add(j)
            node = self.jurisdictions.get(j)
            if node is None:
                return None
            if node.level == "city":
                return j
            j = node.parent
        return None

    def places_of(self, city: str) -> list[str]:
        """Counties, districts and zones under a city (the city itself if it has none)."""
        kids = [k for k, j in self.jurisdictions.items() if j.parent == city and j.level != "province"]
        return kids or [city]

    def program_city(self, program_id: str) -> str | None:
        """The city a program belongs to: its ``city`` or the owner of its first city-level fund."""
        prog = self.programs[program_id]
        if prog.city:
            return prog.city
        for part in prog.split:
            c = self.city_of(self.funds[part.fund].owner)
            if c:
                return c
        cities = self.cities()
        return cities[0] if len(cities) == 1 else None

    def target_city(self, target_id: str) -> str | None:
        """The city whose target this is."""
        t = self.targets[target_id]
        if t.city:
            return t.city
        cities = self.cities()
        return cities[0] if len(cities) == 1 else None

    def cities(self) -> list[str]:
        """Ids of the city-level jurisdictions, in file order."""
        return [k for k, j in self.jurisdictions.items() if j.level == "city"]


GuidanceFund.model_rebuild()
Matching.model_rebuild()
HigherOf.model_rebuild()
PlaceException.model_rebuild()
Program.model_rebuild()
Scenario.model_rebuild()
