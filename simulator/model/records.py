"""What one replication records, and the index of the quantities it counts.

Records are plain arrays and dicts, filled as events happen; summaries and
reports read them, never the live simulation.  Both engines produce the same
:class:`RepResult` so the store, the metrics and the tests see one format.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulator.scenario import FIRM_STATES, TIERS, Scenario

CountKey = tuple[str, str, str, str]  # (city, kind, type, state)


def count_keys(s: Scenario) -> list[CountKey]:
    """Every counted quantity of a scenario, in a fixed order shared by both engines.

    kinds: ``firm`` (state: startup/tech_sme/hte/incubated), ``new_firm`` (state:
    hte = certifications since start), ``platform``/``incubator`` (state: tier),
    ``new_platform``/``new_incubator`` (recognitions at a tier since start, upgrades and
    arrivals alike), ``arrived_platform``/``arrived_incubator`` (new entities that arrived
    directly at a tier, so "new at tier X or higher" = new at X + arrived above X).
    """
    keys: list[CountKey] = []
    for city, pop in s.populations.items():
        for st in (*FIRM_STATES, "incubated"):
            keys.append((city, "firm", "firm", st))
        keys.append((city, "new_firm", "firm", "hte"))
        keys.append((city, "new_firm", "firm", "tech_sme"))
        for kind, group in (("platform", pop.platforms), ("incubator", pop.incubators)):
            for typ in group:
                for tier in TIERS:
                    keys.append((city, kind, typ, tier))
                for tier in TIERS[1:]:
                    keys.append((city, "new_" + kind, typ, tier))
                for tier in TIERS[1:]:
                    keys.append((city, "arrived_" + kind, typ, tier))
    return keys


@dataclass
class RepResult:
    """Everything one replication produced."""

    rep: int
    counts: npt.NDArray[np.int32]  # [months, keys] month-end
    indicators: npt.NDArray[np.float64]  # [months, indicators] month-end
    draws: dict[tuple[int, str, str, str], int]  # (month, fund, level, program) -> fen
    fund_years: dict[tuple[str, int], dict[str, int]]  # (fund, year) -> columns
    claims: dict[tuple[str, int, str], list[int]]  # (program, year, state) -> [n, requested, paid]
    exhaustion: dict[str, int | None]  # fund -> month index
    awards: npt.NDArray[np.int32]  # [months, programs] awards first paid in each month (not cumulative)
    events: int = 0  # model events the SimPy engine handled (arrivals, entity events, calls, reviews, payments, ...)
