"""All platforms and incubators of a block of replications (see :mod:`simulator.engines.fast.pop`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulator.engines.fast.pop import (
    INF,
    Counts,
    Population,
    Sink,
    baselines,
    capacity,
    draw_arrivals,
    layout,
    months_of,
    sample_rows,
)
from simulator.engines.fast.rng import RepUniforms, exponential
from simulator.model.calendar import Calendar
from simulator.model.dists import dist_values
from simulator.model.places import PlaceTable
from simulator.model.yearrates import YearRates
from simulator.scenario import TIERS, Dist, Scenario

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Group:
    """Platforms or incubators of one type in one city."""

    city: str
    city_index: int
    kind: str  # platform | incubator
    type: str
    area: Dist | None


def tiered_groups(scenario: Scenario) -> list[Group]:
    """The platform/incubator groups of a scenario in a fixed order."""
    out = []
    for ci, (city, pop) in enumerate(scenario.populations.items()):
        for kind, table in (("platform", pop.platforms), ("incubator", pop.incubators)):
            for typ, tp in table.items():
                out.append(Group(city, ci, kind, typ, tp.area_m2))
    return out


class Tiered(Population):
    """All platforms and incubators of a block, with :func:`simulator.engines.des.entities.tiered_process`."""

    def __init__(self, scenario: Scenario, cal: Calendar, n_reps: int, rnd: RepUniforms, setup: Sequence[np.random.Generator],
                 counts: Counts, places: PlaceTable, sink: Sink) -> None:
        """Set up the arrays and draw the arrival times (arguments as for :class:`Firms`)."""
        self.cal, self.R, self.rnd, self.counts, self.places, self.sink = cal, n_reps, rnd, counts, places, sink
        self.groups = tiered_groups(scenario)
        specs = [(scenario.populations[g.city].platforms if g.kind == "platform"
                  else scenario.populations[g.city].incubators)[g.type] for g in self.groups]  # type: ignore[index]
        ng = len(self.groups)
        self.up_rate = np.array([[tp.upgrade_rate.get(TIERS[k + 1], 0.0) / 12.0 if k + 1 < len(TIERS) else 0.0
                                  for k in range(len(TIERS))] for tp in specs], dtype=np.float64).reshape(ng, len(TIERS))
        self.exit_rate = np.array([tp.exit_rate / 12.0 for tp in specs], dtype=np.float64)
        self.entry = np.array([TIERS.index(tp.entry_tier) for tp in specs], dtype=np.int64)
        self.is_incubator = np.array([g.kind == "incubator" for g in self.groups], dtype=bool)
        self.kt = np.array([[counts.key((g.city, g.kind, g.type, tier)) for tier in TIERS] for g in self.groups],
                           dtype=np.int64).reshape(ng, len(TIERS))
        self.kn = np.array([[counts.key((g.city, "new_" + g.kind, g.type, tier)) if tier != "none" else -1
                             for tier in TIERS] for g in self.groups], dtype=np.int64).reshape(ng, len(TIERS))
        self.ka = np.array([[counts.key((g.city, "arrived_" + g.kind, g.type, tier)) if tier != "none" else -1
                             for tier in TIERS] for g in self.groups], dtype=np.int64).reshape(ng, len(TIERS))
        self.rates = YearRates.for_scenario(scenario, cal)
        self.row = np.array([self.rates.row(g.city) for g in self.groups], dtype=np.int64)
        self._arrivals = draw_arrivals(setup, [tp.arrivals_per_year / 12.0 for tp in specs], float(cal.n_months),
                                       self.rates, self.row.tolist())
        self._base_group, self._base_tier = baselines([tp.baseline for tp in specs], TIERS)
        self.cap = C = capacity(self._base_group.shape[0], self._arrivals)
        n = n_reps * C
        self.grp = np.full(n, -1, dtype=np.int64)
        self.tier = np.zeros(n, dtype=np.int64)
        self.alive = np.zeros(n, dtype=bool)
        self.place = np.zeros(n, dtype=np.int64)
        self.area = np.zeros(n, dtype=np.int64)
        self.t_birth = np.full(n, INF)
        self.boost = np.ones(n)
        self.boost_until = np.full(n, -1.0)
        self.t_exit = np.full(n, INF)
        self.t_up = np.full(n, INF)
        self.t_next = np.full(n, INF)
        self.new_at = np.full(n, -1, dtype=np.int64)  # tier of its recognition during the run while it holds it
        self.events = np.zeros(n_reps, dtype=np.int64)
        self.clock = 0.0

    def create(self) -> None:
        """Create every platform/incubator: baselines at time 0, arrivals at their times (with their claims)."""
        ti, grp, tier, t, arrival = layout(self.cap, self._base_group, self._base_tier, self._arrivals,
                                            self.entry if self.entry.size else np.zeros(1, dtype=np.int64))
        if ti.size == 0:
            return
        rep = ti // self.cap
        self.events += np.bincount(rep[arrival], minlength=self.R)
        self.grp[ti] = grp
        self.tier[ti] = tier
        self.alive[ti] = True
        self.t_birth[ti] = t
        u = self.rnd.take(rep, presorted=True, k=4)
        cities = sorted({g.city for g in self.groups})
        gcity = np.array([cities.index(g.city) for g in self.groups], dtype=np.int64)
        self.place[ti] = self.places.draw_many(cities, gcity[grp], u[:, 0])
        for g in np.unique(grp).tolist():
            gr = self.groups[g]
            if gr.area is not None:
                sel = grp == g
                self.area[ti[sel]] = np.rint(dist_values(gr.area, u[sel, 1])).astype(np.int64)
        ex = self.exit_rate[grp]
        self.t_exit[ti] = np.where(ex > 0, t + exponential(u[:, 2]) / np.where(ex > 0, ex, 1.0), INF)
        month = months_of(t)
        self.counts.add(rep, month, self.kt[grp, tier], 1)
        self._plan_up(ti, t, exponential(u[:, 3]))
        rec = arrival & (tier > 0)
        if rec.any():
            rr, mr, gr_, tr_ = rep[rec], month[rec], grp[rec], tier[rec]
            self.counts.add(np.concatenate([rr, rr]), np.concatenate([mr, mr]),
                            np.concatenate([self.kn[gr_, tr_], self.ka[gr_, tr_]]), 1)
            self.new_at[ti[rec]] = tr_
            self.sink.recognised(ti[rec], t[rec])
        inc = arrival & self.is_incubator[grp]
        if inc.any():
            self.sink.constructed(ti[inc], t[inc])
        self._set_next(ti)

    def _plan_up(self, ti: IntArray, now: FloatArray, e: FloatArray) -> None:
        rate = self.up_rate[self.grp[ti], self.tier[ti]]
        boost_for = np.maximum(self.boost_until[ti] - now, 0.0)
        mult = np.where(boost_for > 0, self.boost[ti], 1.0)
        self.t_up[ti] = now + self.rates.wait(self.row[self.grp[ti]], e, now, rate, mult, boost_for)

    def _set_next(self, ti: IntArray) -> None:
        self.t_next[ti] = np.where(self.alive[ti], np.minimum(self.t_exit[ti], self.t_up[ti]), INF)

    def step(self, ti: IntArray) -> None:
        """Every entity in ``ti`` (sorted, all due) takes its next event: exit or upgrade."""
        t = self.t_next[ti]
        self.events += np.bincount(ti // self.cap, minlength=self.R)
        ex = self.t_exit[ti] <= t
        if ex.any():
            te = ti[ex]
            self.counts.add(te // self.cap, months_of(t[ex]), self.kt[self.grp[te], self.tier[te]], -1)
            self.alive[te] = False
            self.t_next[te] = INF
        tu, tt = ti[~ex], t[~ex]
        if tu.size:
            rep, g = tu // self.cap, self.grp[tu]
            old = self.tier[tu]
            new = old + 1
            mon = months_of(tt)
            self.counts.add(np.concatenate([rep, rep, rep]), np.concatenate([mon, mon, mon]),
                            np.concatenate([self.kt[g, old], self.kt[g, new], self.kn[g, new]]),
                            np.concatenate([np.full(rep.shape[0], -1), np.ones(2 * rep.shape[0], dtype=np.int64)]))
            self.tier[tu] = new
            self.new_at[tu] = new
            self.sink.recognised(tu, tt)
            self._plan_up(tu, tt, exponential(self.rnd.take(rep, presorted=True)))
            self._set_next(tu)

    def support(self, ti: IntArray, on: str, multiplier: float, months: int, now: float) -> None:
        """As :meth:`simulator.engines.des.world.World.support` for platforms/incubators (advanced to ``now``)."""
        if ti.size == 0:
            return
        ti = np.unique(ti)
        self.boost[ti] = multiplier
        self.boost_until[ti] = now + months
        if on != "upgrade":
            return
        sel = ti[self.alive[ti]]
        if sel.size:
            self._plan_up(sel, np.full(sel.shape[0], now), exponential(self.rnd.take(sel // self.cap, presorted=True)))
            self._set_next(sel)

    def sample(self, rep: IntArray, groups: Sequence[int], u: FloatArray, now: float) -> IntArray:
        """A uniformly drawn live entity among ``groups`` at ``now`` for each request (-1 where there is none)."""
        if not groups:
            return np.full(rep.shape[0], -1, dtype=np.int64)
        mask = np.isin(self.grp, np.asarray(groups, dtype=np.int64)) & self.alive & (self.t_birth <= now)
        return sample_rows(mask, self.cap, rep, u)
