"""The building blocks of the scenario language: value types and the base of every object.

Money fields hold integer fen, shares and ratios exact :class:`fractions.Fraction`
values, probabilities and behavioural rates floats.  Every scenario object derives
from :class:`Node`: frozen, unknown keys refused, with an optional ``source`` and
``note``.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from simulator.errors import TextError
from simulator.i18n import Msg
from simulator.money import Rate, parse_amount, parse_rate, parse_ratio, parse_share
from simulator.names import Prose, SingleLine

# --------------------------------------------------------------------------- types

Money = Annotated[int, BeforeValidator(parse_amount), Field(description="amount in integer fen")]
RateField = Annotated[Rate, BeforeValidator(parse_rate), PlainSerializer(str)]
Share = Annotated[Fraction, BeforeValidator(parse_share), PlainSerializer(str)]
Ratio = Annotated[Fraction, BeforeValidator(parse_ratio), PlainSerializer(str)]
Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
PerYear = Annotated[float, Field(ge=0.0, allow_inf_nan=False, description="events per year (a hazard rate)")]
Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]*$", max_length=64)]


def _num_or_amount(value: Any) -> Any:
    """Numbers pass through; strings with a money unit become yuan (float); infinities are refused."""
    if isinstance(value, str) and any(u in value for u in ("元", "万", "亿")):
        return parse_amount(value) / 100
    try:
        if isinstance(value, int | float | str) and not isinstance(value, bool) and not math.isfinite(float(value)):
            raise TextError(Msg("必须是有限的数", "must be a finite number"))
    except TextError:
        raise
    except (TypeError, ValueError):
        pass
    return value


HIGH_BELOW_LOW = Msg("`high` 不能小于 `low`", "`high` must not be below `low`")

Num = Annotated[float, BeforeValidator(_num_or_amount)]

Level = Literal["province", "city", "county", "district", "zone"]
Tier = Literal["none", "municipal", "provincial", "national"]
TIERS: tuple[Tier, ...] = get_args(Tier)
FirmState = Literal["startup", "tech_sme", "hte"]
FIRM_STATES: tuple[FirmState, ...] = get_args(FirmState)
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
PLATFORM_TYPES: tuple[str, ...] = get_args(PlatformType)
IncubatorType = Literal["incubator", "maker_space"]
INCUBATOR_TYPES: tuple[str, ...] = get_args(IncubatorType)


class Node(BaseModel):
    """Base of every scenario object: frozen, unknown keys refused.

    Any mapping may carry ``source`` (a clause id such as ``ZB-4 四(三)2``,
    ``assumption: <rationale>``, ``reported: <where>`` or ``fitted: <file>``)
    and a free-text ``note``; numbers below it inherit that source.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    source: SingleLine | None = None
    note: Prose | None = None
