"""Holding each replication's history to the actual figures of a nowcast (shared by both engines).

See :class:`simulator.scenario.Nowcast` for what the figures are and
:mod:`simulator.actuals` for how they are read.
"""

from __future__ import annotations

from simulator.scenario import Scenario


def unsupported(scenario: Scenario) -> list[tuple[str, str]]:
    """The ids of ``scenario.nowcast`` that the engines cannot hold to, each with the reason (English).

    Called by the actuals reader before anything runs, so that such an id is a
    clear input error rather than a figure silently ignored.
    """
    return []
