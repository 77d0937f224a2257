"""Who is where in one replication: the live count of every count key, and the entities to pick from.

The counts are what the month-end snapshot records (:class:`~simulator.model.records.RepResult`
``counts``); the lists hold the live firms of each (city, state) and the live
platforms and incubators of each (city, type), so that a program or a guidance
fund can pick one at random (a firm for a call, an investee).  An entity knows
its place in its list (``slot``), so it leaves in constant time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from simulator.engines.des.entities import Firm, Tiered
from simulator.model.records import CountKey
from simulator.scenario import FIRM_STATES


class Census:
    """Live counts by key and live entities by (city, state or type)."""

    def __init__(self, keys: Sequence[CountKey], cities: Sequence[str]) -> None:
        self.index = {k: i for i, k in enumerate(keys)}
        self.live: list[int] = [0] * len(keys)
        self.firm_slot: dict[str, dict[str, int]] = {
            c: {s: self.index.get((c, "firm", "firm", s), -1) for s in FIRM_STATES} for c in cities}
        self.firms_by: dict[str, dict[str, list[Firm]]] = {c: {s: [] for s in FIRM_STATES} for c in cities}
        self.tiered_by: dict[tuple[str, str], list[Tiered]] = {}

    def add(self, key: CountKey, d: int) -> None:
        """Change the count of ``key`` by ``d`` (a key nobody counts is ignored)."""
        i = self.index.get(key)
        if i is not None:
            self.live[i] += d

    def firm_enters(self, f: Firm) -> None:
        """A firm is counted and listed in its state."""
        i = self.firm_slot[f.city][f.state]
        if i >= 0:
            self.live[i] += 1
        lst = self.firms_by[f.city][f.state]
        f.slot = len(lst)
        lst.append(f)

    def firm_leaves(self, f: Firm) -> None:
        """A firm leaves its state's count and list."""
        i = self.firm_slot[f.city][f.state]
        if i >= 0:
            self.live[i] -= 1
        _remove(self.firms_by[f.city][f.state], f)

    def tiered_enters(self, e: Tiered) -> None:
        """A platform or incubator is listed under its type."""
        _insert(self.tiered_by.setdefault((e.city, e.type), []), e)

    def tiered_leaves(self, e: Tiered) -> None:
        """A platform or incubator leaves its type's list."""
        _remove(self.tiered_by[(e.city, e.type)], e)

    def sample_firm(self, city: str, state: str, rng: np.random.Generator) -> Firm | None:
        """A random firm of a city in a state (None if there is none)."""
        lst = self.firms_by.get(city, {}).get(state)
        if not lst:
            return None
        return lst[int(rng.integers(len(lst)))]

    def sample_platform(self, city: str, types: Sequence[str], rng: np.random.Generator) -> Tiered | None:
        """A random live platform of a city among some types."""
        pools = [self.tiered_by.get((city, t), []) for t in types]
        total = sum(len(p) for p in pools)
        if total == 0:
            return None
        k = int(rng.integers(total))
        for p in pools:
            if k < len(p):
                return p[k]
            k -= len(p)
        return None  # pragma: no cover


def _insert(lst: list[Any], e: Firm | Tiered) -> None:
    e.slot = len(lst)
    lst.append(e)


def _remove(lst: list[Any], e: Firm | Tiered) -> None:
    last = lst.pop()
    if last is not e:
        lst[e.slot] = last
        last.slot = e.slot
    e.slot = -1
