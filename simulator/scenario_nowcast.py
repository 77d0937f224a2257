"""The scenario language: a nowcast, the actual figures a projection starts from.

A nowcast is not written in a scenario file: ``fiscalsim run --actuals FILE
--as-of DATE`` (and the sweep keys ``actuals`` / ``as_of``) read an actuals
file (:mod:`simulator.actuals`) and attach the result to the loaded scenario
as :attr:`simulator.scenario.Scenario.nowcast`.  Both engines then hold every
replication's history to these figures up to :attr:`Nowcast.as_of`
(:mod:`simulator.model.nowcast`) and run as usual after it.

Values are already in model units: cumulative amounts paid in integer fen,
counts and metric levels as numbers.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field

from simulator.names import SingleLine
from simulator.scenario_base import Id, Node

__all__ = ["Nowcast", "ObservedLevel", "ObservedPaid"]


class ObservedPaid(Node):
    """The cumulative amount a fund has paid since it opened, up to and including ``date``."""

    date: date
    fen: Annotated[int, Field(ge=0)]
    line: int | None = Field(default=None, description="line of the actuals file (for messages)")


class ObservedLevel(Node):
    """An observed level on ``date``: a target's metric, a program's claims paid (cumulative), or a population's entities."""

    date: date
    value: Annotated[float, Field(ge=0)]
    line: int | None = Field(default=None, description="line of the actuals file (for messages)")


class Nowcast(Node):
    """The actual figures up to ``as_of`` that every replication's history equals.

    Each mapping is keyed by the id the actuals file names; its points are
    sorted by date, at most one per date, none after ``as_of``.
    """

    as_of: date
    file: SingleLine = Field(description="the actuals file as given on the command line")
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    funds: dict[Id, tuple[ObservedPaid, ...]] = Field(default_factory=dict)
    targets: dict[Id, tuple[ObservedLevel, ...]] = Field(default_factory=dict)
    programs: dict[Id, tuple[ObservedLevel, ...]] = Field(default_factory=dict)
    populations: dict[Id, tuple[ObservedLevel, ...]] = Field(default_factory=dict)
