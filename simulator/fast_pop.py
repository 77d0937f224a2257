"""Firms, platforms and incubators of a block of replications as flat numpy arrays.

Entity ``s`` of block position ``r`` lives at flat index ``r * cap + s``.  Each
entity keeps the continuous times of its pending events (exactly the timers of
:mod:`simulator.entities`) and ``t_next``, the earliest of them.  The engine
asks for the entities whose ``t_next`` falls before a time and lets them take
their next event, vectorised over all replications; it repeats until none is
due, so an entity may take any number of events inside a month.

Two reformulations keep the number of events down without changing any law:

* A tech-SME's yearly registry renewals are Bernoulli(``sme_renewal``) trials
  every 12 months; only the first failure changes anything, so its time
  ``t0 + 12 (K + 1)`` is drawn at once with ``K ~ Geometric``.  The same holds
  for HTE certificates (36 months, ``hte_renewal``) unless a program pays on
  renewals (``first_time_only: false``) in that city, in which case every
  expiry is an event as in the reference engine.
* The HTE application (window month) and its result are one event: the result
  time is fixed when the firm becomes ready; "applied" means ``t_apply <= now``,
  which is what the reference engine's ``t_result < inf`` test means.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from simulator.calendar import OFFSET_RESULT, OFFSET_WINDOW, Calendar
from simulator.entities import CERT_MONTHS, INCUBATION_MONTHS, REGISTRY_MONTHS
from simulator.fast_rng import RepUniforms, dist_needs_draw, dist_values, exponential, geometric_successes
from simulator.records import CountKey
from simulator.scenario import FIRM_STATES, TIERS, Dist, Scenario

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

INF = np.inf
STARTUP, TECH, HTE, EXITED, EMPTY = 0, 1, 2, 3, -1
INCUBATED = 3  # column of the per-city firm key table
ON_CODES = {"hte": 0, "tech_sme": 1, "upgrade": 2}


class Sink(Protocol):
    """Where entity events send the claims they trigger."""

    def certified(self, fi: IntArray, state: int, first: BoolArray, t: FloatArray) -> None:
        """Firms ``fi`` were certified (``state`` TECH or HTE) at times ``t``."""

    def recognised(self, ti: IntArray, t: FloatArray) -> None:
        """Platforms/incubators ``ti`` were recognised at their current tier at times ``t``."""

    def constructed(self, ti: IntArray, t: FloatArray) -> None:
        """New incubators ``ti`` built premises at times ``t``."""


# --------------------------------------------------------------------------- shared helpers


def boosted_wait(e: FloatArray, rate: FloatArray, mult: FloatArray, until: FloatArray) -> FloatArray:
    """Vectorised :func:`simulator.entities.boosted_wait` (rates per month)."""
    out = np.full(e.shape, INF)
    pos = rate > 0
    use = pos & (until > 0) & (mult != 1.0)
    plain = pos & ~use
    out[plain] = e[plain] / rate[plain]
    if use.any():
        eu, ru, un = e[use], rate[use], until[use]
        hi = ru * mult[use]
        out[use] = np.where(eu <= hi * un, eu / hi, un + (eu - hi * un) / ru)
    return out


def next_at(cal: Calendar, cal_month: IntArray, after: FloatArray, offset: float) -> FloatArray:
    """Vectorised :meth:`simulator.calendar.Calendar.next_month_with` (``inf`` stays ``inf``)."""
    fin = np.isfinite(after)
    a = np.where(fin, after, 0.0)
    m0 = np.maximum(np.floor(a), 0.0)
    cm0 = (cal.start.month - 1 + m0) % 12
    m = m0 + (cal_month - 1 - cm0) % 12
    m = np.where(m + offset < a, m + 12.0, m)
    return np.where(fin, m + offset, INF)


class Counts:
    """Counts of every count key per replication: live changes, scheduled changes, month-end snapshots.

    Changes known in advance (births, the end of incubation) are scheduled in
    the month they happen; event-driven changes go to ``live`` at once.  Only
    month-end values are ever observed, so the snapshot of month ``m`` is
    ``live`` after adding everything scheduled up to ``m``.
    """

    def __init__(self, n_reps: int, keys: list[CountKey], n_months: int) -> None:
        self.keys = keys
        self.index = {k: i for i, k in enumerate(keys)}
        self.k = len(keys)
        self.n_months = n_months
        self.live = np.zeros((n_reps, self.k), dtype=np.int64)
        self._flat = self.live.reshape(-1)
        self.sched = np.zeros((n_reps, n_months + 1, self.k), dtype=np.int64)
        self._sflat = self.sched.reshape(-1)
        self.snap = np.zeros((n_reps, n_months, self.k), dtype=np.int32)

    def key(self, key: CountKey) -> int:
        """Column of a key (-1 if the scenario does not count it)."""
        return self.index.get(key, -1)

    def add(self, rep: IntArray, col: IntArray, delta: IntArray | int) -> None:
        """Add ``delta`` to ``live[rep, col]`` element-wise (repeats add up; columns -1 are ignored)."""
        ok = col >= 0
        if not ok.all():
            rep, col = rep[ok], col[ok]
            if isinstance(delta, np.ndarray):
                delta = delta[ok]
        if rep.size:
            np.add.at(self._flat, rep * self.k + col, delta)

    def schedule(self, rep: IntArray, month: IntArray, col: IntArray, delta: IntArray | int) -> None:
        """Add ``delta`` to key ``col`` at the end of ``month`` (months past the horizon are dropped)."""
        ok = (col >= 0) & (month < self.n_months)
        if not ok.all():
            rep, month, col = rep[ok], month[ok], col[ok]
            if isinstance(delta, np.ndarray):
                delta = delta[ok]
        if rep.size:
            np.add.at(self._sflat, (rep * (self.n_months + 1) + month) * self.k + col, delta)

    def snapshot(self, m: int) -> None:
        """Month-end snapshot of month ``m``."""
        self.live += self.sched[:, m, :]
        self.snap[:, m, :] = self.live


class PlaceTable:
    """Places of a city drawn by population share (as :meth:`simulator.world.World.random_place`)."""

    def __init__(self, scenario: Scenario) -> None:
        self._s = scenario
        self.names = list(scenario.jurisdictions)
        self._index = {p: i for i, p in enumerate(self.names)}
        self._cache: dict[str | None, tuple[IntArray, FloatArray]] = {}

    def _table(self, city: str | None) -> tuple[IntArray, FloatArray]:
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

    def draw(self, city: str | None, u: FloatArray) -> IntArray:
        """Place indices for uniforms ``u``."""
        ids, cum = self._table(city)
        i = np.searchsorted(cum, u * cum[-1], side="right")
        return ids[np.minimum(i, ids.shape[0] - 1)]

    def index(self, place: str) -> int:
        """Index of a jurisdiction id."""
        return self._index[place]


def draw_arrivals(gens: Sequence[np.random.Generator], rates: Sequence[float],
                  horizon: float) -> list[tuple[FloatArray, IntArray]]:
    """Poisson arrival times on ``[0, horizon)`` per replication: ``(times, group)`` sorted by time.

    Args:
        gens: One setup generator per replication.
        rates: Arrival rate per month of each group.
        horizon: Months simulated.
    """
    lam = np.asarray(rates, dtype=np.float64) * horizon
    out = []
    for g in gens:
        n = g.poisson(np.maximum(lam, 0.0)) if lam.size else np.zeros(0, dtype=np.int64)
        group = np.repeat(np.arange(lam.shape[0], dtype=np.int64), n)
        t = g.random(group.shape[0]) * horizon
        order = np.argsort(t, kind="stable")
        out.append((t[order], group[order]))
    return out


def _layout(n_reps: int, cap: int, base_group: IntArray, base_state: IntArray,
            arrivals: list[tuple[FloatArray, IntArray]], entry: IntArray) -> tuple[IntArray, IntArray, IntArray, FloatArray, BoolArray]:
    """Flat index, group, state, birth time and "is an arrival" of every entity of a block (sorted by index)."""
    nb = base_group.shape[0]
    fis, grps, sts, ts, arr = [], [], [], [], []
    for r, (t, g) in enumerate(arrivals):
        n = t.shape[0]
        fis.append(r * cap + np.arange(nb + n, dtype=np.int64))
        grps.append(np.concatenate([base_group, g]))
        sts.append(np.concatenate([base_state, entry[g]]))
        ts.append(np.concatenate([np.zeros(nb), t]))
        arr.append(np.r_[np.zeros(nb, dtype=bool), np.ones(n, dtype=bool)])
    del n_reps
    return (np.concatenate(fis), np.concatenate(grps), np.concatenate(sts), np.concatenate(ts),
            np.concatenate(arr))


# --------------------------------------------------------------------------- firms


class Firms:
    """All firms of a block (every city), with the life cycle of :func:`simulator.entities.firm_process`."""

    def __init__(self, scenario: Scenario, cal: Calendar, n_reps: int, rnd: RepUniforms, setup: Sequence[np.random.Generator],
                 counts: Counts, places: PlaceTable, sink: Sink, per_renewal: Sequence[bool]) -> None:
        """Set up the arrays and draw the arrival times (entities are made by :meth:`create`).

        Args:
            scenario: The scenario.
            cal: Its calendar.
            n_reps: Replications in the block.
            rnd: Entity uniforms.
            setup: Per-replication setup generators (arrival times).
            counts: Counts.
            places: Place table.
            sink: Claim triggers.
            per_renewal: Per city: HTE renewals are events of their own (a program pays on them).
        """
        self.cal, self.R, self.rnd, self.counts, self.places, self.sink = cal, n_reps, rnd, counts, places, sink
        self.cities = list(scenario.populations)
        pops = [scenario.populations[c].firms for c in self.cities]
        self.n_months = cal.n_months
        self.sme_rate = np.array([p.sme_rate / 12.0 for p in pops])
        self.sme_renewal = np.array([p.sme_renewal for p in pops])
        self.hte_rate = np.array([p.hte_rate / 12.0 for p in pops])
        self.hte_pass = np.array([p.hte_pass for p in pops])
        self.hte_renewal = np.array([p.hte_renewal for p in pops])
        self.exit_rate = np.array([p.exit_rate / 12.0 for p in pops])
        self.inc_mult = np.array([p.incubated_multiplier for p in pops])
        self.p_inc = np.array([p.p_incubated for p in pops])
        self.window = np.array([p.window_month for p in pops], dtype=np.int64)
        self.result = np.array([p.result_month for p in pops], dtype=np.int64)
        self.per_renewal = np.array(list(per_renewal), dtype=bool)
        nc = len(self.cities)
        self.kf = np.array([[counts.key((c, "firm", "firm", st)) for st in (*FIRM_STATES, "incubated")]
                            for c in self.cities], dtype=np.int64).reshape(nc, 4)
        self.knew = np.array([[counts.key((c, "new_firm", "firm", st)) for st in ("hte", "tech_sme")]
                              for c in self.cities], dtype=np.int64).reshape(nc, 2)
        self._arrivals = draw_arrivals(setup, [p.arrivals_per_year / 12.0 for p in pops], float(cal.n_months))
        bc: list[int] = []
        bs: list[int] = []
        for ci, p in enumerate(pops):
            for st, n in p.baseline.items():
                bc.extend([ci] * n)
                bs.extend([FIRM_STATES.index(st)] * n)  # type: ignore[arg-type]
        self._base_city = np.array(bc, dtype=np.int64)
        self._base_state = np.array(bs, dtype=np.int64)
        self.cap = C = max(int(len(bc) + max((a[0].shape[0] for a in self._arrivals), default=0)), 1)
        n = n_reps * C
        self.city = np.zeros(n, dtype=np.int64)
        self.state = np.full(n, EMPTY, dtype=np.int64)
        self.place = np.zeros(n, dtype=np.int64)
        self.t_birth = np.full(n, INF)
        self.inc_until = np.full(n, -1.0)
        self.boost = np.ones(n)
        self.boost_until = np.full(n, -1.0)
        self.boost_on = np.zeros(n, dtype=np.int64)
        self.t_exit = np.full(n, INF)
        self.t_sme = np.full(n, INF)
        self.t_loss = np.full(n, INF)
        self.t_apply = np.full(n, INF)
        self.t_result = np.full(n, INF)
        self.t_exp = np.full(n, INF)
        self.t_next = np.full(n, INF)
        self.reg_once = np.zeros(n, dtype=bool)
        self.cert_once = np.zeros(n, dtype=bool)
        self.events = np.zeros(n_reps, dtype=np.int64)
        self.any_boost = False

    # ------------------------------------------------------------------ creation

    def create(self) -> None:
        """Create every firm of the block: the baselines at time 0 and every start-up at its arrival time.

        Nothing can act on a firm before it arrives, so its first plan is made
        here; its count is scheduled for the month it arrives.
        """
        fi, city, st, t, arrival = _layout(self.R, self.cap, self._base_city, self._base_state,
                                            self._arrivals, np.zeros(max(len(self.cities), 1), dtype=np.int64))
        if fi.size == 0:
            return
        rep = fi // self.cap
        self.events += np.bincount(rep[arrival], minlength=self.R)
        self.city[fi] = city
        self.state[fi] = st
        self.t_birth[fi] = t
        u = self.rnd.take(rep, presorted=True, k=5)
        for ci in np.unique(city).tolist():
            sel = city == ci
            self.place[fi[sel]] = self.places.draw(self.cities[ci], u[sel, 0])
        ex = self.exit_rate[city]
        with np.errstate(divide="ignore"):
            self.t_exit[fi] = np.where(ex > 0, t + exponential(u[:, 1]) / np.where(ex > 0, ex, 1.0), INF)
        month = np.floor(t).astype(np.int64)
        self.counts.schedule(rep, month, self.kf[city, st], 1)
        incubated = arrival & (u[:, 2] < self.p_inc[city])
        if incubated.any():
            inc = fi[incubated]
            until = t[incubated] + INCUBATION_MONTHS
            self.inc_until[inc] = until
            col = self.kf[city[incubated], INCUBATED]
            self.counts.schedule(rep[incubated], month[incubated], col, 1)
            self.counts.schedule(rep[incubated], np.floor(until).astype(np.int64), col, -1)
        s0 = st == STARTUP
        if s0.any():
            f0 = fi[s0]
            self._plan_sme(f0, t[s0], exponential(u[s0, 3]))
        s1 = st == TECH
        if s1.any():
            f1 = fi[s1]
            self.reg_once[f1] = True
            first_due = u[s1, 2] * REGISTRY_MONTHS + t[s1]
            self.t_loss[f1] = first_due + REGISTRY_MONTHS * geometric_successes(u[s1, 3], self.sme_renewal[city[s1]])
            self._plan_ready(f1, t[s1], exponential(u[s1, 4]))
        s2 = st == HTE
        if s2.any():
            f2 = fi[s2]
            self.reg_once[f2] = True
            self.cert_once[f2] = True
            self._cert_end(f2, t[s2] + u[s2, 2] * CERT_MONTHS, u[s2, 3])
        self.set_next(fi)

    # ------------------------------------------------------------------ plans

    def _mult(self, fi: IntArray, now: FloatArray, hazard: int) -> tuple[FloatArray, FloatArray]:
        """As :func:`simulator.entities._mult`: combined multiplier and how long it lasts."""
        iu = self.inc_until[fi]
        inc = iu > now
        mult = np.where(inc, self.inc_mult[self.city[fi]], 1.0)
        until = np.where(inc, iu - now, 0.0)
        if self.any_boost:
            bu = self.boost_until[fi]
            bo = (self.boost_on[fi] == hazard) & (bu > now)
            if bo.any():
                mult = np.where(bo, mult * self.boost[fi], mult)
                until = np.where(bo, np.where(inc, np.minimum(until, bu - now), bu - now), until)
        return mult, until

    def _plan_sme(self, fi: IntArray, now: FloatArray, e: FloatArray) -> None:
        mult, until = self._mult(fi, now, ON_CODES["tech_sme"])
        self.t_sme[fi] = now + boosted_wait(e, self.sme_rate[self.city[fi]], mult, until)

    def _plan_ready(self, fi: IntArray, now: FloatArray, e: FloatArray) -> FloatArray:
        """Readiness for HTE, its application window and result; returns the result times."""
        c = self.city[fi]
        mult, until = self._mult(fi, now, ON_CODES["hte"])
        ready = now + boosted_wait(e, self.hte_rate[c], mult, until)
        apply = next_at(self.cal, self.window[c], ready, OFFSET_WINDOW)
        result = next_at(self.cal, self.result[c], apply, OFFSET_RESULT)
        self.t_apply[fi] = apply
        self.t_result[fi] = result
        return result

    def _cert_end(self, fi: IntArray, first_due: FloatArray, u: FloatArray) -> FloatArray:
        """Next certificate event: the expiry (per-renewal cities) or the first lost renewal."""
        c = self.city[fi]
        chain = ~self.per_renewal[c]
        k = geometric_successes(u, self.hte_renewal[c])
        t = np.where(chain, first_due + CERT_MONTHS * k, first_due)
        self.t_exp[fi] = t
        return t

    def set_next(self, fi: IntArray) -> None:
        """Recompute ``t_next`` of ``fi`` from its state and timers."""
        st = self.state[fi]
        own = np.where(st == STARTUP, self.t_sme[fi],
                       np.where(st == TECH, np.minimum(self.t_loss[fi], self.t_result[fi]),
                                np.where(st == HTE, self.t_exp[fi], INF)))
        alive = (st >= STARTUP) & (st <= HTE)
        self.t_next[fi] = np.where(alive, np.minimum(own, self.t_exit[fi]), INF)

    # ------------------------------------------------------------------ events

    def due(self, before: float) -> IntArray:
        """Flat indices of firms with an event before ``before`` (sorted)."""
        return np.flatnonzero(self.t_next < before)

    def step(self, fi: IntArray) -> None:
        """Every firm in ``fi`` (sorted, all due) takes its next event."""
        t = self.t_next[fi]
        st = self.state[fi]
        self.events += np.bincount(fi // self.cap, minlength=self.R)
        is_exit = self.t_exit[fi] <= t
        if is_exit.any():
            self._exit(fi[is_exit], t[is_exit], st[is_exit])
            keep = ~is_exit
            fi, t, st = fi[keep], t[keep], st[keep]
        s0 = st == STARTUP
        if s0.any():
            self._register(fi[s0], t[s0])
        tech = st == TECH
        if tech.any():
            res = tech & (self.t_result[fi] <= t)
            if res.any():
                self._result(fi[res], t[res])
            loss = tech & ~res
            if loss.any():
                self._loss(fi[loss], t[loss])
        s2 = st == HTE
        if s2.any():
            self._expiry(fi[s2], t[s2])

    def _exit(self, fi: IntArray, t: FloatArray, st: IntArray) -> None:
        rep, c = fi // self.cap, self.city[fi]
        self.counts.add(rep, self.kf[c, st], -1)
        iu = self.inc_until[fi]
        inc = iu > t
        if inc.any():
            col = self.kf[c[inc], INCUBATED]
            self.counts.add(rep[inc], col, -1)
            self.counts.schedule(rep[inc], np.floor(iu[inc]).astype(np.int64), col, 1)  # no graduation then
            self.inc_until[fi[inc]] = -1.0
        self.state[fi] = EXITED
        self.t_next[fi] = INF

    def _to_tech(self, fi: IntArray, t: FloatArray, rep: IntArray, c: IntArray, old: int, u: FloatArray) -> None:
        """A move into the registry: counts, first registrations, claims, renewals, HTE readiness."""
        self.counts.add(np.r_[rep, rep], np.r_[self.kf[c, old], self.kf[c, TECH]],
                        np.r_[np.full(rep.shape[0], -1), np.ones(rep.shape[0], dtype=np.int64)])
        self.state[fi] = TECH
        first = ~self.reg_once[fi]
        if first.any():
            self.counts.add(rep[first], self.knew[c[first], 1], 1)
            self.reg_once[fi[first]] = True
        self.sink.certified(fi, TECH, first, t)
        loss = t + REGISTRY_MONTHS * (1 + geometric_successes(u[:, 0], self.sme_renewal[c]))
        self.t_loss[fi] = loss
        result = self._plan_ready(fi, t, exponential(u[:, 1]))
        self.t_next[fi] = np.minimum(np.minimum(loss, result), self.t_exit[fi])

    def _register(self, fi: IntArray, t: FloatArray) -> None:
        rep = fi // self.cap
        self._to_tech(fi, t, rep, self.city[fi], STARTUP, self.rnd.take(rep, presorted=True, k=2))

    def _result(self, fi: IntArray, t: FloatArray) -> None:
        rep = fi // self.cap
        c = self.city[fi]
        u = self.rnd.take(rep, presorted=True, k=2)
        passed = u[:, 0] < self.hte_pass[c]
        if passed.any():
            ok, tp, rp, cp = fi[passed], t[passed], rep[passed], c[passed]
            self.counts.add(np.r_[rp, rp], np.r_[self.kf[cp, TECH], self.kf[cp, HTE]],
                            np.r_[np.full(rp.shape[0], -1), np.ones(rp.shape[0], dtype=np.int64)])
            self.state[ok] = HTE
            first = ~self.cert_once[ok]
            if first.any():
                self.counts.add(rp[first], self.knew[cp[first], 0], 1)
                self.cert_once[ok[first]] = True
            self.sink.certified(ok, HTE, first, tp)
            end = self._cert_end(ok, tp + CERT_MONTHS, u[passed, 1])
            self.t_apply[ok] = INF
            self.t_result[ok] = INF
            self.t_next[ok] = np.minimum(end, self.t_exit[ok])
        failed = ~passed
        if failed.any():
            bad = fi[failed]
            result = self._plan_ready(bad, t[failed], exponential(u[failed, 1]))
            self.t_next[bad] = np.minimum(np.minimum(self.t_loss[bad], result), self.t_exit[bad])

    def _loss(self, fi: IntArray, t: FloatArray) -> None:
        rep, c = fi // self.cap, self.city[fi]
        self.counts.add(np.r_[rep, rep], np.r_[self.kf[c, TECH], self.kf[c, STARTUP]],
                        np.r_[np.full(rep.shape[0], -1), np.ones(rep.shape[0], dtype=np.int64)])
        self.state[fi] = STARTUP
        self.t_apply[fi] = INF
        self.t_result[fi] = INF
        self.t_loss[fi] = INF
        self._plan_sme(fi, t, exponential(self.rnd.take(rep, presorted=True)))
        self.t_next[fi] = np.minimum(self.t_sme[fi], self.t_exit[fi])

    def _expiry(self, fi: IntArray, t: FloatArray) -> None:
        rep, c = fi // self.cap, self.city[fi]
        u = self.rnd.take(rep, presorted=True, k=3)
        drop = ~self.per_renewal[c] | (u[:, 2] >= self.hte_renewal[c])
        renew = ~drop
        if renew.any():
            fr, tr = fi[renew], t[renew]
            self.t_exp[fr] = tr + CERT_MONTHS
            self.t_next[fr] = np.minimum(tr + CERT_MONTHS, self.t_exit[fr])
            self.sink.certified(fr, HTE, np.zeros(fr.shape[0], dtype=bool), tr)
        if drop.any():
            fd = fi[drop]
            self.t_exp[fd] = INF
            self._to_tech(fd, t[drop], rep[drop], c[drop], HTE, u[drop, :2])

    # ------------------------------------------------------------------ behaviour & sampling

    def support(self, fi: IntArray, on: str, multiplier: float, months: int, now: float) -> IntArray:
        """As :meth:`simulator.world.World.support` for firms; returns those re-planned."""
        if fi.size == 0:
            return fi
        fi = np.unique(fi)
        self.any_boost = True
        self.boost[fi] = multiplier
        self.boost_until[fi] = now + months
        st = self.state[fi]
        alive = fi[(st >= STARTUP) & (st <= HTE)]
        self.boost_on[alive] = ON_CODES[on]
        st = self.state[alive]
        if on == "hte":
            sel = alive[(st == TECH) & (self.t_apply[alive] > now)]
            if sel.size:
                self._plan_ready(sel, np.full(sel.shape[0], now), exponential(self.rnd.take(sel // self.cap, presorted=True)))
        elif on == "tech_sme":
            sel = alive[st == STARTUP]
            if sel.size:
                self._plan_sme(sel, np.full(sel.shape[0], now), exponential(self.rnd.take(sel // self.cap, presorted=True)))
        else:
            return np.empty(0, dtype=np.int64)
        self.set_next(sel)
        return sel

    def sample(self, rep: IntArray, city: int, state: int, u: FloatArray, now: float) -> IntArray:
        """A uniformly drawn firm of ``city`` in ``state`` for each request (-1 where there is none)."""
        mask = (self.state == state) & (self.city == city) & (self.t_birth <= now)
        return _sample_rows(mask, self.cap, rep, u)


def _sample_rows(mask: BoolArray, cap: int, rep: IntArray, u: FloatArray) -> IntArray:
    """For each request, a uniformly drawn set element of row ``rep`` of ``mask`` (rows of length ``cap``)."""
    if rep.size == 0:
        return np.empty(0, dtype=np.int64)
    idx = np.flatnonzero(mask)
    n_rows = mask.shape[0] // cap
    bounds = np.searchsorted(idx, np.arange(n_rows + 1, dtype=np.int64) * cap)
    starts, cnt = bounds[:-1], np.diff(bounds)
    n = cnt[rep]
    k = np.minimum(np.floor(u * n).astype(np.int64), np.maximum(n - 1, 0))
    pick = np.minimum(starts[rep] + k, max(idx.shape[0] - 1, 0))
    return np.where(n > 0, idx[pick] if idx.size else -1, -1)


# --------------------------------------------------------------------------- platforms & incubators


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


class Tiered:
    """All platforms and incubators of a block, with :func:`simulator.entities.tiered_process`."""

    def __init__(self, scenario: Scenario, cal: Calendar, n_reps: int, rnd: RepUniforms, setup: Sequence[np.random.Generator],
                 counts: Counts, places: PlaceTable, sink: Sink) -> None:
        """Set up the arrays and draw the arrival times (arguments as for :class:`Firms`)."""
        self.cal, self.R, self.rnd, self.counts, self.places, self.sink = cal, n_reps, rnd, counts, places, sink
        self.groups = tiered_groups(scenario)
        specs = [(scenario.populations[g.city].platforms if g.kind == "platform"
                  else scenario.populations[g.city].incubators)[g.type] for g in self.groups]  # type: ignore[index]
        ng = len(self.groups)
        self.up_rate = np.array([[tp.upgrade_rate.get(TIERS[k + 1], 0.0) / 12.0 if k + 1 < len(TIERS) else 0.0  # type: ignore[call-overload]
                                  for k in range(len(TIERS))] for tp in specs], dtype=np.float64).reshape(ng, len(TIERS))
        self.exit_rate = np.array([tp.exit_rate / 12.0 for tp in specs], dtype=np.float64)
        self.entry = np.array([TIERS.index(tp.entry_tier) for tp in specs], dtype=np.int64)
        self.is_incubator = np.array([g.kind == "incubator" for g in self.groups], dtype=bool)
        self.city_of_group = np.array([g.city_index for g in self.groups], dtype=np.int64)
        self.kt = np.array([[counts.key((g.city, g.kind, g.type, tier)) for tier in TIERS] for g in self.groups],
                           dtype=np.int64).reshape(ng, len(TIERS))
        self.kn = np.array([[counts.key((g.city, "new_" + g.kind, g.type, tier)) if tier != "none" else -1
                             for tier in TIERS] for g in self.groups], dtype=np.int64).reshape(ng, len(TIERS))
        self._arrivals = draw_arrivals(setup, [tp.arrivals_per_year / 12.0 for tp in specs], float(cal.n_months))
        bg: list[int] = []
        bt: list[int] = []
        for g, tp in enumerate(specs):
            for tier_name, n in tp.baseline.items():
                bg.extend([g] * n)
                bt.extend([TIERS.index(tier_name)] * n)
        self._base_group = np.array(bg, dtype=np.int64)
        self._base_tier = np.array(bt, dtype=np.int64)
        self.cap = C = max(int(len(bg) + max((a[0].shape[0] for a in self._arrivals), default=0)), 1)
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
        self.events = np.zeros(n_reps, dtype=np.int64)

    def create(self) -> None:
        """Create every platform/incubator: baselines at time 0, arrivals at their times (with their claims)."""
        ti, grp, tier, t, arrival = _layout(self.R, self.cap, self._base_group, self._base_tier, self._arrivals,
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
        for g in np.unique(grp).tolist():
            sel = grp == g
            gr = self.groups[g]
            self.place[ti[sel]] = self.places.draw(gr.city, u[sel, 0])
            if gr.area is not None:
                self.area[ti[sel]] = np.rint(dist_values(gr.area, u[sel, 1])).astype(np.int64)
        ex = self.exit_rate[grp]
        self.t_exit[ti] = np.where(ex > 0, t + exponential(u[:, 2]) / np.where(ex > 0, ex, 1.0), INF)
        month = np.floor(t).astype(np.int64)
        self.counts.schedule(rep, month, self.kt[grp, tier], 1)
        self._plan_up(ti, t, exponential(u[:, 3]))
        rec = arrival & (tier > 0)
        if rec.any():
            self.counts.schedule(rep[rec], month[rec], self.kn[grp[rec], tier[rec]], 1)
            self.sink.recognised(ti[rec], t[rec])
        inc = arrival & self.is_incubator[grp]
        if inc.any():
            self.sink.constructed(ti[inc], t[inc])
        self._set_next(ti)

    def _plan_up(self, ti: IntArray, now: FloatArray, e: FloatArray) -> None:
        rate = self.up_rate[self.grp[ti], self.tier[ti]]
        boost_for = np.maximum(self.boost_until[ti] - now, 0.0)
        mult = np.where(boost_for > 0, self.boost[ti], 1.0)
        self.t_up[ti] = now + boosted_wait(e, rate, mult, boost_for)

    def _set_next(self, ti: IntArray) -> None:
        self.t_next[ti] = np.where(self.alive[ti], np.minimum(self.t_exit[ti], self.t_up[ti]), INF)

    def due(self, before: float) -> IntArray:
        """Flat indices with an event before ``before`` (sorted)."""
        return np.flatnonzero(self.t_next < before)

    def step(self, ti: IntArray) -> None:
        """Every entity in ``ti`` (sorted, all due) takes its next event: exit or upgrade."""
        t = self.t_next[ti]
        self.events += np.bincount(ti // self.cap, minlength=self.R)
        ex = self.t_exit[ti] <= t
        if ex.any():
            te = ti[ex]
            self.counts.add(te // self.cap, self.kt[self.grp[te], self.tier[te]], -1)
            self.alive[te] = False
            self.t_next[te] = INF
        tu, tt = ti[~ex], t[~ex]
        if tu.size:
            rep, g = tu // self.cap, self.grp[tu]
            old = self.tier[tu]
            new = old + 1
            self.counts.add(np.r_[rep, rep, rep], np.r_[self.kt[g, old], self.kt[g, new], self.kn[g, new]],
                            np.r_[np.full(rep.shape[0], -1), np.ones(2 * rep.shape[0], dtype=np.int64)])
            self.tier[tu] = new
            self.sink.recognised(tu, tt)
            self._plan_up(tu, tt, exponential(self.rnd.take(rep, presorted=True)))
            self._set_next(tu)

    def support(self, ti: IntArray, on: str, multiplier: float, months: int, now: float) -> IntArray:
        """As :meth:`simulator.world.World.support` for platforms/incubators; returns those re-planned."""
        if ti.size == 0:
            return ti
        ti = np.unique(ti)
        self.boost[ti] = multiplier
        self.boost_until[ti] = now + months
        if on != "upgrade":
            return np.empty(0, dtype=np.int64)
        sel = ti[self.alive[ti]]
        if sel.size:
            self._plan_up(sel, np.full(sel.shape[0], now), exponential(self.rnd.take(sel // self.cap, presorted=True)))
            self._set_next(sel)
        return sel

    def sample(self, rep: IntArray, groups: Sequence[int], u: FloatArray, now: float) -> IntArray:
        """A uniformly drawn live entity among ``groups`` for each request (-1 where there is none)."""
        if not groups:
            return np.full(rep.shape[0], -1, dtype=np.int64)
        mask = np.isin(self.grp, np.asarray(groups, dtype=np.int64)) & self.alive & (self.t_birth <= now)
        return _sample_rows(mask, self.cap, rep, u)
