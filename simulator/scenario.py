"""The scenario language: frozen, typed objects validated from YAML.

Dicts stop at the loader (:mod:`simulator.loader`): past it, code reads these
objects only.  Money fields hold integer fen, shares hold exact
:class:`fractions.Fraction` values, probabilities and behavioural rates are
floats.  See ``docs/scenario-language.md`` for the reference of every key.

The objects are grouped by noun: value types and :class:`Node` in
:mod:`simulator.scenario_base`, award rules and splits in
:mod:`simulator.scenario_rules`, triggers, review and behaviour links in
:mod:`simulator.scenario_triggers`, populations and indicators in :mod:`simulator.scenario_pops`, and the rest here.  Every name is
importable from this module.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from simulator.errors import TextError
from simulator.i18n import Msg
from simulator.money import parse_amount
from simulator.names import Name, Prose, SingleLine
from simulator.scenario_base import (
    FIRM_STATES,
    INCUBATOR_TYPES,
    PLATFORM_TYPES,
    TIERS,
    FirmState,
    Id,
    IncubatorType,
    Level,
    Money,
    Node,
    Num,
    PerYear,
    PlatformType,
    Probability,
    RateField,
    Ratio,
    Share,
    Tier,
)
from simulator.scenario_nowcast import Nowcast, ObservedLevel, ObservedPaid
from simulator.scenario_pops import (
    FIRST_YEAR,
    LAST_YEAR,
    ExitRate,
    FirmExitRates,
    FirmPopulation,
    Indicator,
    Population,
    TieredPopulation,
    YearFactor,
)
from simulator.scenario_rules import (
    RULE_KINDS,
    CaseByCase,
    Fixed,
    HigherOf,
    Matching,
    PerUnitCapped,
    PlaceException,
    Rule,
    ShareCapped,
    SplitPart,
    Tranche,
)
from simulator.scenario_triggers import (
    LINK_FIRM_RATES,
    LINK_INDICATOR_TRENDS,
    Dist,
    Effect,
    Link,
    OnCall,
    OnCertification,
    OnConstruction,
    OnRecognition,
    OnSchedule,
    Quota,
    Response,
    Review,
    Trigger,
    link_rate_segments,
    node_at,
)

# Every name of the language, wherever it is defined (see the module docstring).
__all__ = [
    "FIRM_STATES",
    "INCUBATOR_TYPES",
    "LINK_FIRM_RATES",
    "LINK_INDICATOR_TRENDS",
    "OFF_BUDGET",
    "PLATFORM_TYPES",
    "RULE_KINDS",
    "TIERS",
    "CaseByCase",
    "Dist",
    "Effect",
    "ExitRate",
    "FirmExitRates",
    "FirmPopulation",
    "FirmState",
    "Fixed",
    "Fund",
    "GuidanceFund",
    "GuidanceStochastic",
    "Header",
    "HigherOf",
    "Id",
    "IncubatorType",
    "Indicator",
    "Jurisdiction",
    "Level",
    "Link",
    "Matching",
    "Metric",
    "Money",
    "Node",
    "NotModelled",
    "Nowcast",
    "Num",
    "ObservedLevel",
    "ObservedPaid",
    "OnCall",
    "OnCertification",
    "OnConstruction",
    "OnRecognition",
    "OnSchedule",
    "PerUnitCapped",
    "PerYear",
    "PlaceException",
    "PlatformType",
    "Population",
    "Probability",
    "Program",
    "Quota",
    "RateField",
    "Ratio",
    "Response",
    "Review",
    "Rule",
    "Scenario",
    "Share",
    "ShareCapped",
    "SplitPart",
    "SubFunds",
    "Target",
    "Tier",
    "TieredPopulation",
    "Tranche",
    "Trigger",
    "YearFactor",
    "link_rate_segments",
    "node_at",
]

# --------------------------------------------------------------------------- header


MAX_HORIZON_YEARS = 30
"""The longest span of a scenario (the policies modelled run 3 to 8 years; the engines hold monthly state)."""
"""Years a scenario may start and end in."""


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
            raise TextError(Msg(f"结束日期 end {self.end} 必须晚于开始日期 start {self.start}",
                                f"end {self.end} must be after start {self.start}"))
        return self

    @field_validator("start", "end")
    @classmethod
    def _plausible_year(cls, value: date) -> date:
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise TextError(Msg(f"须在 {FIRST_YEAR}-{LAST_YEAR} 年之间（实际为 {value}）",
                                f"must lie in the years {FIRST_YEAR}-{LAST_YEAR} (got {value})"))
        return value

    @field_validator("end")
    @classmethod
    def _horizon(cls, end: date, info: ValidationInfo) -> date:
        start = info.data.get("start")
        if isinstance(start, date) and (end.year - start.year) >= MAX_HORIZON_YEARS:
            raise TextError(Msg(f"情景最长 {MAX_HORIZON_YEARS} 年（实际为 {start} 至 {end}）",
                                f"a scenario spans at most {MAX_HORIZON_YEARS} years (got {start} to {end})"))
        return end


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


OFF_BUDGET = "off_budget"
"""The funding level of money outside the government budgets (a fund with ``budget: false``)."""


class Fund(Node):
    """A budget pool owned by a jurisdiction.

    ``budget: false`` marks money that is not the owner's budget, such as the
    capital of a state-owned group (JN-3): it is paid and accounted like any
    fund, but its draws are booked at the level ``off_budget``, apart from the
    city's (or county's) budget.
    """

    name: Name
    name_en: Name | None = None
    owner: Id
    appropriations: dict[int, Money] = Field(default_factory=dict)
    year_end: Literal["carry_over", "lapse"] = "carry_over"
    overclaim: Literal["fcfs", "queue", "prorata"] = "queue"
    budget: bool = Field(default=True, description="false: not government budget money (e.g. a state-owned group's)")

    @field_validator("appropriations")
    @classmethod
    def _by_year(cls, value: dict[int, int]) -> dict[int, int]:
        """Hold the years in calendar order, whatever order the merged files gave them in."""
        return dict(sorted(value.items()))


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
    distributions: Literal["credit_to_fund", "none"] = Field(
        default="credit_to_fund",
        description="credit_to_fund: what the fund pays back (capital and returns) is income of `fund`; "
        "none: it leaves the modelled budget (e.g. reinvested or kept by a manager)",
    )

    model_config = ConfigDict(populate_by_name=True)


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
    link: list[Link] = Field(default_factory=list)

    @field_validator("link", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        """``link:`` may be one mapping or a list of them."""
        return [value] if isinstance(value, dict) else value

    @property
    def links(self) -> list[Link]:
        """The behaviour links of this program."""
        return list(self.link)

    @model_validator(mode="after")
    def _response_on_calls(self) -> Program:
        if self.response is not None and not isinstance(self.trigger, OnCall):
            raise TextError(Msg("`response`（申请数随奖补额变化）只适用于 `on: call` 触发",
                                "`response` (applications respond to the award) applies to `on: call` triggers only"))
        return self


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
    states: dict[FirmState, Annotated[float, Field(ge=0.0, le=1.0)]] | None = Field(
        default=None, description="firms counted with a weight per state (e.g. the registered share of HTEs)"
    )
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
            got = ", ".join(chosen)
            raise TextError(Msg("count、new、indicator、appropriated、drawn、awards 须恰好给出一个"
                                + (f"（实际为 {got}）" if chosen else ""),
                                "give exactly one of count, new, indicator, appropriated, drawn, awards"
                                + (f" (got {got})" if chosen else "")))
        if self.new == "firms" and self.state not in (None, "hte", "tech_sme"):
            raise TextError(Msg("`new: firms` 统计首次认定：state 必须为 hte 或 tech_sme",
                                "`new: firms` counts first certifications: state must be hte or tech_sme"))
        if self.states is not None and (self.count != "firms" or self.state is not None or self.incubated):
            raise TextError(Msg("`states`（按状态加权计数）只适用于 `count: firms`，且不能与 state、incubated 同用",
                                "`states` (a weighted count by state) applies to `count: firms` only, "
                                "and not together with `state` or `incubated`"))
        if self.yearly and self.count:
            raise TextError(Msg("`yearly: true` 适用于流量（new、indicator、drawn、awards），不适用于 `count:` 存量",
                                "`yearly: true` applies to flows (new, indicator, drawn, awards), not to `count:` stocks"))
        return self

    def label(self) -> str:
        """A short machine-readable description used in manifests."""
        parts = [f"{k}={v}" for k, v in self.model_dump(exclude_none=True, exclude={"source", "note"}).items()
                 if not (k == "or_higher" and v is True) and not (k == "yearly" and v is False)]
        return ",".join(parts)


class Target(Node):
    """A target: a metric, a threshold and a deadline, with its clause.

    Every metric (a count, a flow, an amount, a share, a rate per 10,000
    residents) is at least 0, so a threshold below 0 could never fail: it is
    refused.
    """

    name: Name
    name_en: Name | None = None
    city: Id | None = None
    metric: Metric
    threshold: Annotated[Num, Field(ge=0)]
    comparison: Literal[">=", "<="] = ">="
    deadline: date
    unit: Literal["count", "yuan", "share", "per_10k"] = "count"


# --------------------------------------------------------------------------- scenario


class NotModelled(Node):
    """An instrument of the documents that the scenario does not model, and why (keyed by its id)."""

    clause: SingleLine
    name: Name
    name_en: Name | None = None
    reason: SingleLine


class Uncertainty(Node):
    """How a run draws its parameters (docs/uncertainty.md): the posterior file, the group size, or none at all."""

    posterior: SingleLine | None = Field(default=None, description="posterior sample, relative to the scenario file")
    group_size: int | None = Field(default=None, ge=1, le=10_000, description="replications per parameter draw")
    fixed_params: bool = Field(default=False, description="central values, no yearly shocks: chance only")


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
    _links_applied: bool = PrivateAttr(default=False)

    not_modelled: dict[Id, NotModelled] = Field(
        default_factory=dict,
        description="instruments of the documents left out, keyed by id (a mapping, so that `extends:` composes them)",
    )

    @field_validator("not_modelled", mode="before")
    @classmethod
    def _listed(cls, value: object) -> object:
        """Accept the list form ``[{id, clause, name, reason}, ...]`` as well as a mapping keyed by id."""
        if isinstance(value, list) and all(isinstance(x, dict) and "id" in x for x in value):
            return {x["id"]: {k: v for k, v in x.items() if k != "id"} for x in value}
        return value

    def not_modelled_list(self) -> list[dict[str, str | None]]:
        """The instruments left out, as the list written into manifest.json and summary.json."""
        return [{"id": k, "clause": v.clause, "name": v.name, "name_en": v.name_en, "reason": v.reason}
                for k, v in self.not_modelled.items()]

    uncertainty: Uncertainty = Field(default_factory=Uncertainty)
    nowcast: Nowcast | None = Field(
        default=None,
        description="actual figures the run starts from; set by --actuals/--as-of, never written in a scenario file",
    )

    # ------------------------------------------------------------------ helpers

    @property
    def links_applied(self) -> bool:
        """Whether the rates already carry the behaviour links (:func:`simulator.model.links.apply_links`)."""
        return self._links_applied

    def with_links_applied(self, update: dict[str, Any]) -> Scenario:
        """A copy with the fields in ``update`` replaced, marked as carrying its behaviour links."""
        new = self.model_copy(update=update)
        new._links_applied = True
        return new

    def level_of_fund(self, fund_id: str) -> str:
        """The funding level (province/city/county/district/zone) that owns a fund; ``off_budget`` if not budget money."""
        fund = self.funds[fund_id]
        return self.jurisdictions[fund.owner].level if fund.budget else OFF_BUDGET

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
Program.model_rebuild()
Scenario.model_rebuild()
