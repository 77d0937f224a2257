"""Award rules, and how an award is split across funds and paid in tranches.

A rule is a pure description of the amount a claim receives (``kind:`` picks
one); :mod:`simulator.model.rules` computes it.  See ``docs/scenario-language.md``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Annotated, Literal

from pydantic import Field, model_validator

from simulator.errors import TextError
from simulator.i18n import Msg
from simulator.scenario_base import HIGH_BELOW_LOW, Id, Money, Node, RateField, Ratio, Share, Tier

# --------------------------------------------------------------------------- rules


class Fixed(Node):
    """A set amount per claim, optionally by the tier recognised."""

    kind: Literal["fixed"]
    amount: Money | None = None
    by_tier: dict[Tier, Money] | None = None

    @model_validator(mode="after")
    def _one(self) -> Fixed:
        if (self.amount is None) == (self.by_tier is None):
            raise TextError(Msg("`amount` 与 `by_tier` 须恰好给出一个", "give exactly one of `amount` or `by_tier`"))
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
            raise TextError(HIGH_BELOW_LOW)
        return self


class Matching(Node):
    """Another level's amount (``base``) plus a match: ``ratio`` × base, or a rule of its own.

    ``cap_share`` bounds the whole award (base and match together) by that
    share of the claim's base amount, the cost (ZB-10: a voucher and its match
    never pay more than a share of the service's cost): the match is cut first,
    the base only if it alone exceeds the bound.
    """

    kind: Literal["matching"]
    base: Rule
    ratio: Ratio | None = None
    match: Rule | None = None
    cap_share: Share | None = None

    @model_validator(mode="after")
    def _one(self) -> Matching:
        if (self.ratio is None) == (self.match is None):
            raise TextError(Msg("`ratio` 与 `match` 须恰好给出一个", "give exactly one of `ratio` or `match`"))
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


Matching.model_rebuild()
HigherOf.model_rebuild()
PlaceException.model_rebuild()
