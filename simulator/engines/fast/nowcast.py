"""The vectorised engine's side of a nowcast: one administrative event per observed month.

:class:`~simulator.engines.fast.engine.Block` runs :meth:`FastNowcast.apply` at
``m + OFFSET_NOWCAST`` of every observed month (after every other event of the
month, with the populations advanced exactly to that time); the rules are
:mod:`simulator.model.nowcast`'s, over the block's replications.  Each
replication's draws come from its own nowcast stream
(:attr:`simulator.engines.fast.rng.Key.NOWCAST`), so a run without actuals
never touches it and a replication's result still depends only on ``(seed, rep)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from simulator.engines.fast.firms import (
    APPLY,
    CERT,
    CITY,
    EXIT,
    EXP,
    LOSS,
    REG,
    RESULT,
    STATE,
    Firms,
)
from simulator.engines.fast.pop import HTE, INF, STARTUP, TECH, geometric
from simulator.engines.fast.rng import Key, exponential, rep_generator
from simulator.engines.fast.tiered import Tiered
from simulator.model import nowcast as nw
from simulator.model.lifecycle import REGISTRY_MONTHS, exit_after_move

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_CODE = {"startup": STARTUP, "tech_sme": TECH, "hte": HTE}


class FastNowcast:
    """The nowcast of a block of replications of the vectorised engine."""

    def __init__(self, block: Any, plan: nw.NowcastPlan) -> None:
        """Set up the streams; ``block`` is the :class:`~simulator.engines.fast.engine.Block` (it imports this module)."""
        self.b = block
        self.plan = plan
        self.months = set(plan.months)
        self.gens = [rep_generator(block.seed, r, Key.NOWCAST) for r in block.reps]
        s = block.s
        self.cities = list(s.populations)
        self.fallback = {fid: (nw.fund_payers(s, fid) or [0])[0] for fid in s.funds}

    def counts_held(self) -> bool:
        """Whether some observation moves entities (the populations must then be advanced exactly)."""
        return bool(self.plan.counts)

    def apply(self, m: int, t: float) -> None:
        """Hold month ``m``'s funds and counts (indicators: :meth:`indicators`)."""
        for fid, lo, paid, _before in self.plan.fund_intervals(m):
            self._fund(fid, lo, m, paid)
        for hold, level in self.plan.counts_at(m):
            if hold.kind == "firm":
                self._firms(hold, level, t)
            else:
                self._recognitions(hold, level, m, t)

    def indicators(self, v: FloatArray, m: int) -> None:
        """Set the observed indicators of month ``m`` in ``v`` (``[replications, indicators]``)."""
        if m in self.months:
            for ind, value in self.plan.indicators_at(m):
                v[:, self.b.ind_ids.index(ind)] = value

    # ------------------------------------------------------------------ funds

    def _fund(self, fid: str, lo: int, m: int, paid: int) -> None:
        b = self.b
        pools = b.pools
        f = b.fund_index[fid]
        old = pools.draws[:, lo:m + 1, f, :].copy()
        new = nw.rescale_fund(old, np.full(b.R, paid, dtype=np.int64), self.fallback[fid])
        pools.draws[:, lo:m + 1, f, :] = new
        y0 = b.years[0]
        y_of = b.year_of_month[lo:m + 1] - y0
        delta = nw.year_delta(old, new, y_of, len(b.years))
        nw.settle_fund(pools.funds[f].year_end, delta, int(b.year_of_month[m]) - y0, pools.drawn[f],
                       pools.lapsed[f], pools.carried_in[f], pools.balance[f])

    # ------------------------------------------------------------------ firms

    def _firms(self, hold: nw.CountHold, level: int, t: float) -> None:
        fm: Firms = self.b.firms
        cap = fm.cap
        in_city = np.isin(fm.city, nw.city_match(hold.city, self.cities)) & (fm.t_birth <= t)
        code = _CODE[hold.state]
        below = [TECH, STARTUP] if code == HTE else [STARTUP]
        down = TECH if code == HTE else STARTUP
        moves: dict[int, list[IntArray]] = {}  # by the state the firms leave
        phases: dict[int, list[FloatArray]] = {}
        for r in range(self.b.R):
            sl = slice(r * cap, (r + 1) * cap)
            gen = self.gens[r]
            now = np.flatnonzero((fm.state[sl] == code) & in_city[sl]) + r * cap
            gap = nw.promotions(now.shape[0], level)
            if gap < 0:
                moves.setdefault(code, []).append(now[nw.choose(gen, now.shape[0], -gap)])
                continue
            donors = fm.rows[now, EXP] - t if code == HTE else np.empty(0)
            for st in below:
                if gap <= 0:
                    break
                pool = np.flatnonzero((fm.state[sl] == st) & in_city[sl]) + r * cap
                pick = pool[nw.choose(gen, pool.shape[0], gap)]
                moves.setdefault(st, []).append(pick)
                phases.setdefault(st, []).append(nw.certificate_phase(donors, gen, pick.shape[0]))
                gap -= pick.shape[0]
        for old, parts in moves.items():
            fi = np.concatenate(parts)
            if fi.size:
                self._force(fm, fi, down if old == code else code, t,
                            np.concatenate(phases[old]) if old != code else None)

    def _uniforms(self, fi: IntArray, k: int) -> FloatArray:
        """``k`` uniforms per firm of ``fi`` from its replication's nowcast stream."""
        rep = fi // self.b.firms.cap
        out = np.empty((fi.shape[0], k))
        for r in np.unique(rep).tolist():
            sel = rep == r
            out[sel] = self.gens[r].random((int(sel.sum()), k))
        return out

    def _force(self, fm: Firms, fi: IntArray, new: int, t: float, phase: FloatArray | None) -> None:
        """Move firms ``fi`` to ``new`` at ``t`` without claims, with the timers their life cycle gives them."""
        order = np.argsort(fi, kind="stable")
        fi = fi[order]
        if phase is not None:
            phase = phase[order]
        u = self._uniforms(fi, 3)
        g = np.take(fm.rows, fi, axis=0).T.copy()
        st = g[STATE].astype(np.int64)
        c = g[CITY].astype(np.int64)
        rep = fi // fm.cap
        n = fi.shape[0]
        tt = np.full(n, t)
        month = np.full(n, int(t), dtype=np.int64)
        ones = np.ones(n, dtype=np.int64)
        reps, mons, cols, vals = [rep, rep], [month, month], [fm.kf[c, st], fm.kf[c, new]], [-ones, ones]
        ix = np.arange(n, dtype=np.int64)

        def count_first(first: npt.NDArray[np.bool_], col: int) -> None:
            """Count the firms entering the state for the first time as new (certified or registered)."""
            reps.append(rep[first])
            mons.append(month[first])
            cols.append(fm.knew[c[first], col])
            vals.append(ones[first])

        if new == HTE:
            count_first(g[CERT] == 0.0, 0)
            g[REG] = 1.0
            g[CERT] = 1.0
            assert phase is not None
            g[EXP] = fm._cert_end(c, tt + phase, u[:, 0])
            g[APPLY] = INF
            g[RESULT] = INF
        elif new == TECH:
            count_first(g[REG] == 0.0, 1)
            g[REG] = 1.0
            g[LOSS] = tt + REGISTRY_MONTHS * (1.0 + geometric(u[:, 0], fm.log_sme_renewal[c]))
            g[EXP] = INF
            fm._plan_ready(g, ix, tt, exponential(u[:, 1]))
        else:
            g[APPLY] = INF
            g[RESULT] = INF
            g[LOSS] = INF
            fm._plan_sme(g, ix, tt, exponential(u[:, 1]))
        g[STATE] = new
        old_rate, new_rate = fm.exit_rate[c, st], fm.exit_rate[c, new]
        fresh = np.where(old_rate <= 0, exponential(u[:, 2]), INF)
        g[EXIT] = exit_after_move(g[EXIT], tt, old_rate, new_rate, fresh)
        fm.counts.add(np.concatenate(reps), np.concatenate(mons), np.concatenate(cols), np.concatenate(vals))
        fm.rows[fi] = np.ascontiguousarray(g.T)
        fm.t_next[fi] = fm._next_of(g)
        fm.state[fi] = new

    # ------------------------------------------------------------------ recognitions

    def _recognitions(self, hold: nw.CountHold, level: int, m: int, t: float) -> None:
        tp: Tiered = self.b.tiered
        cap = tp.cap
        cities = {self.cities[i] for i in nw.city_match(hold.city, self.cities)}
        groups = [g for g, gr in enumerate(tp.groups) if gr.city in cities and gr.kind == hold.entity
                  and (hold.types is None or gr.type in hold.types)]
        if not groups:
            return
        cols = tp.kn[np.array(groups), hold.tier]
        have = tp.counts.upto(cols, m)
        ok = np.isin(tp.grp, groups) & tp.alive & (tp.t_birth <= t)
        up: list[IntArray] = []
        down: list[IntArray] = []
        rest = np.zeros(self.b.R, dtype=np.int64)
        for r in range(self.b.R):
            sl = slice(r * cap, (r + 1) * cap)
            gap = nw.promotions(int(have[r]), level)
            if gap < 0:
                pool = np.flatnonzero(ok[sl] & (tp.tier[sl] == hold.tier) & (tp.new_at[sl] == hold.tier)) + r * cap
                pick = pool[nw.choose(self.gens[r], pool.shape[0], -gap)]
                down.append(pick)
                rest[r] = gap + pick.shape[0]
            elif gap > 0:
                pool = np.flatnonzero(ok[sl] & (tp.tier[sl] == hold.tier - 1)) + r * cap
                pick = pool[nw.choose(self.gens[r], pool.shape[0], gap)]
                up.append(pick)
                rest[r] = gap - pick.shape[0]
        for parts, step in ((up, 1), (down, -1)):
            ti = np.sort(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)
            if ti.size:
                self._shift(tp, ti, step, m, t)
        if rest.any():  # no entity left to move: the count alone is set (on the first counted group)
            short = np.flatnonzero(rest)
            tp.counts.add(short, np.full(short.shape[0], m, dtype=np.int64), np.full(short.shape[0], cols[0]),
                          rest[short])

    def _shift(self, tp: Tiered, ti: IntArray, step: int, m: int, t: float) -> None:
        """Platforms/incubators ``ti`` one tier up (a recognition) or down (one that did not happen), without claims."""
        rep, g = ti // tp.cap, tp.grp[ti]
        old = tp.tier[ti]
        new = old + step
        mon = np.full(ti.shape[0], m, dtype=np.int64)
        ones = np.ones(ti.shape[0], dtype=np.int64)
        kn = tp.kn[g, new] if step > 0 else tp.kn[g, old]
        tp.counts.add(np.concatenate([rep, rep, rep]), np.concatenate([mon, mon, mon]),
                      np.concatenate([tp.kt[g, old], tp.kt[g, new], kn]),
                      np.concatenate([-ones, ones, step * ones]))
        tp.tier[ti] = new
        tp.new_at[ti] = new if step > 0 else -1
        u = np.empty(ti.shape[0])
        for r in np.unique(rep).tolist():
            sel = rep == r
            u[sel] = self.gens[r].random(int(sel.sum()))
        tp._plan_up(ti, np.full(ti.shape[0], t), exponential(u))
        tp._set_next(ti)
