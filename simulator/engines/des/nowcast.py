"""The SimPy engine's side of a nowcast: one correction per observed month, at the month-end record.

:meth:`simulator.engines.des.world.World.snapshots` calls :meth:`DesNowcast.apply`
just before it records a month that has observations; the rules (what is
rescaled, which entities move, their timers) are :mod:`simulator.model.nowcast`'s,
called with a batch of one replication.  Every draw comes from the
replication's own nowcast stream (:attr:`simulator.engines.des.rng.Sub.NOWCAST`),
so a run without actuals never touches it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simulator.engines.des.entities import INF, Firm, Tiered, plan_ready, plan_sme, plan_up
from simulator.engines.des.rng import Buffered, Sub, stream
from simulator.model import nowcast as nw
from simulator.model.lifecycle import REGISTRY_MONTHS, exit_after_move
from simulator.scenario import TIERS

_DOWN = {"hte": "tech_sme", "tech_sme": "startup"}


class DesNowcast:
    """The nowcast of one replication of the SimPy engine."""

    def __init__(self, w: Any, plan: nw.NowcastPlan) -> None:
        """Set up the streams; ``w`` is the replication's :class:`~simulator.engines.des.world.World`."""
        self.w = w  # not typed as World: the world imports this module
        self.plan = plan
        self.months = set(plan.months)
        self.rng = stream(w.seed, w.rep, Sub.NOWCAST)
        self.buf = Buffered(stream(w.seed, w.rep, Sub.NOWCAST, 1), size=256)
        s = w.scenario
        self.payers = list(s.programs) + list(s.guidance_funds)
        self.cities = list(s.populations)

    def apply(self, m: int) -> None:
        """Hold month ``m``'s observations: funds, then counts, then indicators."""
        if m not in self.months:
            return
        for fid, lo, paid, _before in self.plan.fund_intervals(m):
            self._fund(fid, lo, m, paid)
        for hold, level in self.plan.counts_at(m):
            if hold.kind == "firm":
                self._firms(hold, level)
            else:
                self._recognitions(hold, level)
        for ind, value in self.plan.indicators_at(m):
            self.w.ind_value[self.w.ind_ids.index(ind)] = value

    # ------------------------------------------------------------------ funds

    def _fund(self, fid: str, lo: int, m: int, paid: int) -> None:
        w = self.w
        pool = w.pools[fid]
        draws = w.rec.draws
        t, p = m + 1 - lo, len(self.payers)
        old = np.zeros((1, t, p), dtype=np.int64)
        for j in range(t):
            for k, pid in enumerate(self.payers):
                old[0, j, k] = draws.get((lo + j, fid, pool.level, pid), 0)
        fallback = (nw.fund_payers(w.scenario, fid) or [0])[0]
        new = nw.rescale_fund(old, np.array([paid], dtype=np.int64), fallback)
        for j in range(t):
            for k, pid in enumerate(self.payers):
                key = (lo + j, fid, pool.level, pid)
                if new[0, j, k]:
                    draws[key] = int(new[0, j, k])
                elif key in draws:
                    del draws[key]
        years = w.calendar.years
        y_of = np.array([years.index(w.calendar.year_of(lo + j)) for j in range(t)], dtype=np.int64)
        delta = nw.year_delta(old, new, y_of, len(years))
        rows = [pool.year(y) for y in years]
        drawn = np.array([[fy.drawn for fy in rows]], dtype=np.int64)
        lapsed = np.array([[fy.lapsed for fy in rows]], dtype=np.int64)
        carried = np.array([[fy.carried_in for fy in rows]], dtype=np.int64)
        bal = np.array([pool.balance], dtype=np.int64)
        nw.settle_fund(pool.spec.year_end, delta, years.index(w.calendar.year_of(m)), drawn, lapsed, carried, bal)
        for i, fy in enumerate(rows):
            fy.drawn, fy.lapsed, fy.carried_in = int(drawn[0, i]), int(lapsed[0, i]), int(carried[0, i])
        pool.balance = int(bal[0])
        w.log("nowcast", fid, f"paid in months {lo}..{m} held at {paid / 100:.2f} yuan (the model paid "
                              f"{int(old.sum()) / 100:.2f}); balance {pool.balance / 100:.2f}")

    # ------------------------------------------------------------------ firms

    def _firms(self, hold: nw.CountHold, level: int) -> None:
        w = self.w
        cities = [self.cities[i] for i in nw.city_match(hold.city, self.cities)]
        have = sum(w.census.live[w.census.index[(c, "firm", "firm", hold.state)]] for c in cities)
        gap = nw.promotions(have, level)
        w.log("nowcast", hold.target, f"{hold.state} count {have} held at {level}")
        if gap < 0:
            pool = [f for c in cities for f in w.census.firms_by.get(c, {}).get(hold.state, [])]
            for i in nw.choose(self.rng, len(pool), -gap).tolist():
                self._move(pool[i], _DOWN[hold.state])
            return
        below = ["tech_sme", "startup"] if hold.state == "hte" else ["startup"]
        donors = [f.t_expiry - w.env.now for c in cities for f in w.census.firms_by.get(c, {}).get("hte", [])]
        for st in below:
            if gap <= 0:
                break
            pool = [f for c in cities for f in w.census.firms_by.get(c, {}).get(st, [])]
            chosen = [pool[i] for i in nw.choose(self.rng, len(pool), gap).tolist()]
            phases = nw.certificate_phase(np.array(donors, dtype=np.float64), self.rng, len(chosen))
            for f, ph in zip(chosen, phases.tolist(), strict=True):
                self._move(f, hold.state, ph)
            gap -= len(chosen)

    def _move(self, f: Firm, new: str, phase: float = 0.0) -> None:
        """Move a firm to ``new`` without claims, with the timers its life cycle gives it."""
        w = self.w
        now = w.env.now
        pop = w.scenario.populations[f.city].firms
        old_rate = pop.exit_rate_of(f.state) / 12.0
        if new == "hte":
            f.registered_once = True
        w.firm_move(f, new, claims=False)
        new_rate = pop.exit_rate_of(new) / 12.0
        if new_rate != old_rate:
            fresh = self.buf.exponential() if old_rate <= 0 else INF
            f.t_exit = float(exit_after_move(np.array([f.t_exit]), np.array([now]), np.array([old_rate]),
                                             np.array([new_rate]), np.array([fresh]))[0])
        if new == "hte":
            f.t_expiry = now + phase
            f.t_apply = f.t_result = INF
        elif new == "tech_sme":
            f.t_renew = now + REGISTRY_MONTHS
            f.t_result = INF
            plan_ready(w, f, w.firm_rules[f.city], self.buf)
        else:
            f.t_apply = f.t_result = f.t_ready = INF
            plan_sme(w, f, w.firm_rules[f.city], self.buf)
        w.wake(f)

    # ------------------------------------------------------------------ recognitions

    def _recognitions(self, hold: nw.CountHold, level: int) -> None:
        w = self.w
        tier = TIERS[hold.tier]
        cities = [self.cities[i] for i in nw.city_match(hold.city, self.cities)]
        pops = w.scenario.populations
        groups = [(c, typ) for c in cities
                  for typ in (pops[c].platforms if hold.entity == "platform" else pops[c].incubators)
                  if hold.types is None or typ in hold.types]
        keys = [w.census.index[(c, "new_" + hold.entity, typ, tier)] for c, typ in groups]
        have = sum(w.census.live[k] for k in keys)
        gap = nw.promotions(have, level)
        w.log("nowcast", hold.target, f"recognitions at {tier} since the start {have} held at {level}")
        live = [e for c, typ in groups for e in w.census.tiered_by.get((c, typ), [])
                if isinstance(e, Tiered) and e.kind == hold.entity]
        if gap < 0:
            pool = [e for e in live if e.tier == hold.tier and e.new_at == hold.tier]
            chosen = [pool[i] for i in nw.choose(self.rng, len(pool), -gap).tolist()]
            for e in chosen:
                self._shift(e, -1)
            self._counter_only(keys, gap + len(chosen))
        elif gap > 0:
            pool = [e for e in live if e.tier == hold.tier - 1]
            chosen = [pool[i] for i in nw.choose(self.rng, len(pool), gap).tolist()]
            for e in chosen:
                self._shift(e, 1)
            self._counter_only(keys, gap - len(chosen))

    def _shift(self, e: Tiered, step: int) -> None:
        """Put a platform/incubator one tier up (a recognition) or down (one that did not happen), without claims."""
        w = self.w
        w._add((e.city, e.kind, e.type, TIERS[e.tier]), -1)
        if step < 0:
            w._add((e.city, "new_" + e.kind, e.type, TIERS[e.tier]), -1)
        e.tier += step
        w._add((e.city, e.kind, e.type, TIERS[e.tier]), 1)
        if step > 0:
            w._add((e.city, "new_" + e.kind, e.type, TIERS[e.tier]), 1)
            e.new_at = e.tier
        else:
            e.new_at = -1
        plan_up(w, e, w.tiered_rules[(e.city, e.kind, e.type)], self.buf)
        w.wake(e)

    def _counter_only(self, keys: list[int], n: int) -> None:
        """With no entity left to move, the count alone is set (on the first counted group)."""
        if n and keys:
            self.w.census.live[keys[0]] += n
