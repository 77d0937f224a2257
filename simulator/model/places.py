"""Where new entities and claims sit: a place of a city drawn by population share.

Shared by both engines: a city's places (its counties, districts and zones, or
the cities themselves for province-wide draws) weighted by population at the
scenario start, equal weights when a population is missing.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from simulator.scenario import Scenario

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class PlaceTable:
    """Places by population share; a place is an index into :attr:`names` (the jurisdiction ids)."""

    def __init__(self, scenario: Scenario) -> None:
        self._s = scenario
        self.names = list(scenario.jurisdictions)
        self._index = {p: i for i, p in enumerate(self.names)}
        self._cache: dict[str | None, tuple[IntArray, FloatArray]] = {}
        self._lists: dict[str | None, tuple[list[int], list[float]]] = {}

    def table(self, city: str | None) -> tuple[IntArray, FloatArray]:
        """Place indices of a city (``None``: the cities) and their cumulative population weights."""
        if city not in self._cache:
            s = self._s
            places = (s.cities() or list(s.jurisdictions)[:1]) if city is None else s.places_of(city)
            pops = [s.jurisdictions[p].population_at(s.scenario.start) or 0 for p in places]
            w = np.array(pops, dtype=float)
            if w.sum() > 0 and all(x > 0 for x in pops):
                w = w / w.sum()
            else:
                w = np.full(len(places), 1 / len(places))
            self._cache[city] = (np.array([self._index[p] for p in places], dtype=np.int64), np.cumsum(w))
        return self._cache[city]

    def lookup(self, city: str | None) -> tuple[list[int], list[float]]:
        """:meth:`table` as lists, for one draw at a time."""
        if city not in self._lists:
            ids, cum = self.table(city)
            self._lists[city] = (ids.tolist(), cum.tolist())
        return self._lists[city]

    def draw_one(self, city: str | None, u: float) -> int:
        """The place index for one uniform ``u`` (as :meth:`draw`, without arrays)."""
        ids, cum = self.lookup(city)
        i = bisect.bisect_right(cum, u * cum[-1])
        return ids[min(i, len(ids) - 1)]

    def draw(self, city: str | None, u: FloatArray) -> IntArray:
        """Place indices for uniforms ``u``."""
        ids, cum = self.table(city)
        i = np.searchsorted(cum, u * cum[-1], side="right")
        return ids[np.minimum(i, ids.shape[0] - 1)]

    def draw_many(self, cities: Sequence[str], city: IntArray, u: FloatArray) -> IntArray:
        """Places of entities of several cities (``city`` indexes ``cities``) with one search.

        City ``c``'s cumulative population shares, normalised to end at 1, are
        shifted by ``c`` and concatenated; ``c + u`` then falls in city ``c``'s part.
        """
        ids, edges = [], []
        for ci, c in enumerate(cities):
            pid, cum = self.table(c)
            ids.append(pid)
            edges.append(ci + cum / cum[-1])
        flat_ids = np.concatenate(ids)
        table = np.concatenate(edges)
        last = np.cumsum([p.shape[0] for p in ids]) - 1
        i = np.searchsorted(table, city + u, side="right")
        return flat_ids[np.minimum(i, last[city])]

    def index(self, place: str) -> int:
        """Index of a jurisdiction id."""
        return self._index[place]
