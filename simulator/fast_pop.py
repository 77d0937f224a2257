"""Firms, platforms and incubators of a block of replications as flat numpy arrays.

Entity ``s`` of block position ``r`` lives at flat index ``r * cap + s``.  Every
entity of the run — the baselines and every arrival, whose times are drawn
before the run — is created at setup with its birth time; nothing can act on
an entity before it arrives, so its first plan is made then.  Each entity
keeps the continuous times of its pending events (the timers of
:mod:`simulator.entities`) and ``t_next``, the earliest of them.  The engine
advances a population to a time ``T`` by letting every entity whose ``t_next``
is before ``T`` take its next event, vectorised over all replications, and
repeating until none is due: an entity takes any number of events, in its
exact order.

Counts change only through dated deltas ``(replication, month, key, ±1)``;
month-end counts are their cumulative sums, so a population may run ahead
of the administrative clock without changing any count.

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
from simulator.fast_rng import RepUniforms, dist_values, exponential
from simulator.records import CountKey
from simulator.scenario import FIRM_STATES, TIERS, Dist, Scenario

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

INF = np.inf
STARTUP, TECH, HTE, EXITED, EMPTY = 0, 1, 2, 3, -1
INCUBATED = 3  # column of the per-city firm key table
ON_CODES = {"hte": 0, "tech_sme": 1, "upgrade": 2}
_NEVER = 1 << 40
CREATE_CHUNK = 8  # replications created at once (bounds the temporaries of Firms.create)
STEP_CHUNK = 60_000  # entity events above which a step is taken a few replications at a time


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
    with np.errstate(divide="ignore"):
        out = np.where(rate > 0, e / np.where(rate > 0, rate, 1.0), INF)
    use = (until > 0) & (mult != 1.0) & (rate > 0)
    if use.any():
        eu, ru, un = e[use], rate[use], until[use]
        hi = ru * mult[use]
        out[use] = np.where(eu <= hi * un, eu / hi, un + (eu - hi * un) / ru)
    return out


def geometric(u: FloatArray, log_p: FloatArray) -> FloatArray:
    """Successes before the first failure, ``P(K >= k) = p ** k``, from uniforms (``log_p = log p``).

    ``p == 1`` (``log_p == 0``) never fails; ``p == 0`` (``log_p == -inf``) fails at once.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.floor(np.log1p(-u) / log_p)
    return np.where(log_p == 0.0, float(_NEVER), np.where(np.isfinite(k), k, 0.0))


def _log(p: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore"):
        return np.log(p)


class Counts:
    """Counts of every count key per replication, as dated deltas; month-end snapshots at the end."""

    def __init__(self, n_reps: int, keys: list[CountKey], n_months: int) -> None:
        self.keys = keys
        self.index = {k: i for i, k in enumerate(keys)}
        self.k = len(keys)
        self.n_reps = n_reps
        self.n_months = n_months
        self._idx: list[IntArray] = []
        self._val: list[IntArray] = []

    def key(self, key: CountKey) -> int:
        """Column of a key (-1 if the scenario does not count it)."""
        return self.index.get(key, -1)

    def add(self, rep: IntArray, month: IntArray, col: IntArray, delta: IntArray | int) -> None:
        """Add ``delta`` to key ``col`` from the end of ``month`` on (columns -1 and months past the horizon are dropped)."""
        ok = (col >= 0) & (month < self.n_months)
        d = np.broadcast_to(np.asarray(delta, dtype=np.int64), rep.shape)
        if not ok.all():
            rep, month, col, d = rep[ok], month[ok], col[ok], d[ok]
        if rep.size:
            self._idx.append((rep * self.n_months + month) * self.k + col)
            self._val.append(np.ascontiguousarray(d))

    def snapshots(self) -> npt.NDArray[np.int32]:
        """Month-end counts ``[replication, month, key]``."""
        size = self.n_reps * self.n_months * self.k
        if self._idx:
            idx = np.concatenate(self._idx)
            val = np.concatenate(self._val)
            flat = np.bincount(idx, weights=val.astype(np.float64), minlength=size)
            delta = np.rint(flat).astype(np.int64)
        else:
            delta = np.zeros(size, dtype=np.int64)
        return np.cumsum(delta.reshape(self.n_reps, self.n_months, self.k), axis=1).astype(np.int32)


class PlaceTable:
    """Places of a city drawn by population share (as :meth:`simulator.world.World.random_place`)."""

    def __init__(self, scenario: Scenario) -> None:
        self._s = scenario
        self.names = list(scenario.jurisdictions)
        self._index = {p: i for i, p in enumerate(self.names)}
        self._cache: dict[str | None, tuple[IntArray, FloatArray]] = {}

    def table(self, city: str | None) -> tuple[IntArray, FloatArray]:
        """Place indices of a city and their cumulative population weights."""
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
        ids, cum = self.table(city)
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
    lam = np.maximum(np.asarray(rates, dtype=np.float64) * horizon, 0.0)
    out = []
    for g in gens:
        n = g.poisson(lam) if lam.size else np.zeros(0, dtype=np.int64)
        group = np.repeat(np.arange(lam.shape[0], dtype=np.int64), n)
        t = g.random(group.shape[0]) * horizon
        order = np.argsort(t, kind="stable")
        out.append((t[order], group[order]))
    return out


def _layout(cap: int, base_group: IntArray, base_state: IntArray, arrivals: list[tuple[FloatArray, IntArray]],
            entry: IntArray) -> tuple[IntArray, IntArray, IntArray, FloatArray, BoolArray]:
    """Flat index, group, state, birth time and "is an arrival" of every entity of a block (by index)."""
    nb = base_group.shape[0]
    fis, grps, sts, ts, arr = [], [], [], [], []
    for r, (t, g) in enumerate(arrivals):
        n = t.shape[0]
        fis.append(r * cap + np.arange(nb + n, dtype=np.int64))
        grps.append(np.concatenate([base_group, g]))
        sts.append(np.concatenate([base_state, entry[g]]))
        ts.append(np.concatenate([np.zeros(nb), t]))
        arr.append(np.concatenate([np.zeros(nb, dtype=bool), np.ones(n, dtype=bool)]))
    return (np.concatenate(fis), np.concatenate(grps), np.concatenate(sts), np.concatenate(ts),
            np.concatenate(arr))


def _sample_rows(mask: BoolArray, cap: int, rep: IntArray, u: FloatArray) -> IntArray:
    """For each request, a uniformly drawn set element of row ``rep`` of ``mask`` (rows of length ``cap``)."""
    if rep.size == 0:
        return np.empty(0, dtype=np.int64)
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return np.full(rep.shape[0], -1, dtype=np.int64)
    n_rows = mask.shape[0] // cap
    bounds = np.searchsorted(idx, np.arange(n_rows + 1, dtype=np.int64) * cap)
    starts, cnt = bounds[:-1], np.diff(bounds)
    n = cnt[rep]
    k = np.minimum(np.floor(u * n).astype(np.int64), np.maximum(n - 1, 0))
    pick = np.minimum(starts[rep] + k, idx.shape[0] - 1)
    return np.where(n > 0, idx[pick], -1)


def _months(t: FloatArray) -> IntArray:
    return t.astype(np.int64)


class _Population:
    """What firms and platforms/incubators share: entities with a next-event time, advanced in steps."""

    R: int
    cap: int
    t_next: FloatArray
    clock: float

    def step(self, idx: IntArray) -> None:
        """Every entity in ``idx`` (sorted, all due) takes its next event."""
        raise NotImplementedError

    def advance(self, until: float) -> None:
        """Let every entity take its events before ``until``, repeating steps until none is due."""
        if until <= self.clock:
            return
        cand = np.flatnonzero(self.t_next < until)
        while cand.size:
            due = self.t_next[cand] < until
            if not due.all():
                cand = cand[due]
                if not cand.size:
                    break
            if cand.size <= STEP_CHUNK:
                self.step(cand)
            else:
                # Large steps go a few whole replications at a time (bounded temporaries).  A
                # replication's entities stay together, so its draws and claims keep their order.
                per = max(1, self.R * STEP_CHUNK // cand.size)
                edges = np.searchsorted(cand, np.arange(0, self.R + per, per) * self.cap)
                for a, b in zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True):
                    if b > a:
                        self.step(cand[a:b])
        self.clock = until


# --------------------------------------------------------------------------- firms

# Columns of a firm's row (times in months; codes stored exactly as floats).
EXIT, SME, LOSS, APPLY, RESULT, EXP, INC, BOOST, BUNTIL, STATE, CITY, BON, REG, CERT, READY = range(15)
NCOL = 15
DEFAULT_ROW = np.array([np.inf] * NCOL)
"""An empty slot's row: timers never, no state, no boost, not incubated."""
DEFAULT_ROW[[REG, CERT, BON, CITY]] = 0.0
DEFAULT_ROW[INC] = -1.0
DEFAULT_ROW[BOOST] = 1.0
DEFAULT_ROW[BUNTIL] = -1.0
DEFAULT_ROW[STATE] = EMPTY


class Firms(_Population):
    """All firms of a block (every city), with the life cycle of :func:`simulator.entities.firm_process`.

    A firm is one row of ``rows`` (array of structs): the due firms of a step
    are gathered with one ``take``, updated as contiguous columns and written
    back — random access into large column arrays would cost a cache miss per
    field.  ``t_next``, ``state``, ``city``, ``place`` and ``t_birth`` are also
    kept as flat arrays for scans and sampling.
    """

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
        self.n_months = M = cal.n_months
        self.sme_rate = np.array([p.sme_rate / 12.0 for p in pops])
        self.log_sme_renewal = _log(np.array([p.sme_renewal for p in pops]))
        self.hte_rate = np.array([p.hte_rate / 12.0 for p in pops])
        self.hte_pass = np.array([p.hte_pass for p in pops])
        self.hte_renewal = np.array([p.hte_renewal for p in pops])
        self.log_hte_renewal = _log(self.hte_renewal)
        self.exit_rate = np.array([p.exit_rate / 12.0 for p in pops])
        self.inc_mult = np.array([p.incubated_multiplier for p in pops])
        self.p_inc = np.array([p.p_incubated for p in pops])
        self.per_renewal = np.array(list(per_renewal), dtype=bool)
        # Application and result times by (city, 2 * month of readiness + ready after the window offset).
        self.apply_tab = np.full((len(pops), 2 * M + 2), INF)
        self.result_tab = np.full((len(pops), 2 * M + 2), INF)
        for ci, p in enumerate(pops):
            for m in range(M):
                for b, x in ((0, float(m)), (1, m + 0.5)):
                    a = cal.next_month_with(p.window_month, x, OFFSET_WINDOW)
                    if a < M:
                        self.apply_tab[ci, 2 * m + b] = a
                        r = cal.next_month_with(p.result_month, a, OFFSET_RESULT)
                        self.result_tab[ci, 2 * m + b] = r if r < M else INF
        nc = len(self.cities)
        self.kf = np.array([[counts.key((c, "firm", "firm", st)) for st in (*FIRM_STATES, "incubated")]
                            for c in self.cities], dtype=np.int64).reshape(nc, 4)
        self.knew = np.array([[counts.key((c, "new_firm", "firm", st)) for st in ("hte", "tech_sme")]
                              for c in self.cities], dtype=np.int64).reshape(nc, 2)
        self._arrivals = draw_arrivals(setup, [p.arrivals_per_year / 12.0 for p in pops], float(M))
        bc: list[int] = []
        bs: list[int] = []
        for ci, p in enumerate(pops):
            for st, n in p.baseline.items():
                bc.extend([ci] * n)
                bs.extend([FIRM_STATES.index(st)] * n)
        self._base_city = np.array(bc, dtype=np.int64)
        self._base_state = np.array(bs, dtype=np.int64)
        self.cap = C = max(int(len(bc) + max((a[0].shape[0] for a in self._arrivals), default=0)), 1)
        n = n_reps * C
        self.rows = np.zeros((0, NCOL))  # made by create()
        self.t_next = np.full(n, INF)
        self.state = np.full(n, EMPTY, dtype=np.int8)
        self.city = np.zeros(n, dtype=np.int64)
        self.place = np.zeros(n, dtype=np.int64)
        self.t_birth = np.full(n, INF)
        self.events = np.zeros(n_reps, dtype=np.int64)
        self.any_boost = False
        self.any_inc = bool((self.p_inc > 0).any())
        self.clock = 0.0

    # ------------------------------------------------------------------ creation

    def create(self) -> None:
        """Create every firm of the block: the baselines at time 0 and every start-up at its arrival time.

        Replications are created :data:`CREATE_CHUNK` at a time in a local
        column block, which bounds the temporaries; each replication's uniforms
        are drawn in one request, so the chunking does not change a number.
        """
        self.rows = np.empty((self.R * self.cap, NCOL))
        for r0 in range(0, self.R, CREATE_CHUNK):
            self._create_reps(r0, min(r0 + CREATE_CHUNK, self.R))

    def _create_reps(self, r0: int, r1: int) -> None:
        """Create the firms of block positions ``r0..r1-1`` (every slot of theirs, empty ones with the defaults)."""
        lo, hi = r0 * self.cap, r1 * self.cap
        g = np.empty((NCOL, hi - lo))
        g[:] = DEFAULT_ROW[:, None]
        fi, city, st, t, arrival = _layout(self.cap, self._base_city, self._base_state, self._arrivals[r0:r1],
                                           np.zeros(max(len(self.cities), 1), dtype=np.int64))
        if fi.size:
            self._fill(g, fi, lo, city, st, t, arrival)
        self.t_next[lo:hi] = self._next_of(g)
        self.rows[lo:hi] = g.T

    def _fill(self, g: FloatArray, li: IntArray, lo: int, city: IntArray, st: IntArray, t: FloatArray,
              arrival: BoolArray) -> None:
        """Set up the firms at local columns ``li`` of ``g`` (global slot ``lo + li``)."""
        fi = li + lo
        rep = fi // self.cap
        self.events += np.bincount(rep[arrival], minlength=self.R)
        g[STATE, li] = st
        g[CITY, li] = city
        self.city[fi] = city
        self.state[fi] = st
        self.t_birth[fi] = t
        u = self.rnd.take(rep, presorted=True, k=5)
        self.place[fi] = _draw_places(self.places, self.cities, city, u[:, 0])
        ex = self.exit_rate[city]
        with np.errstate(divide="ignore"):
            g[EXIT, li] = np.where(ex > 0, t + exponential(u[:, 1]) / np.where(ex > 0, ex, 1.0), INF)
        month = _months(t)
        self.counts.add(rep, month, self.kf[city, st], 1)
        incubated = arrival & (u[:, 2] < self.p_inc[city])
        if incubated.any():
            until = t[incubated] + INCUBATION_MONTHS
            g[INC, li[incubated]] = until
            col = self.kf[city[incubated], INCUBATED]
            self.counts.add(np.concatenate([rep[incubated], rep[incubated]]),
                            np.concatenate([month[incubated], _months(until)]), np.concatenate([col, col]),
                            np.concatenate([np.ones(col.shape[0], dtype=np.int64), -np.ones(col.shape[0], dtype=np.int64)]))
        s0 = st == STARTUP
        if s0.any():
            self._plan_sme(g, li[s0], t[s0], exponential(u[s0, 3]))
        s1 = st == TECH
        if s1.any():
            f1 = li[s1]
            g[REG, f1] = 1.0
            first_due = u[s1, 2] * REGISTRY_MONTHS + t[s1]
            g[LOSS, f1] = first_due + REGISTRY_MONTHS * geometric(u[s1, 3], self.log_sme_renewal[city[s1]])
            self._plan_ready(g, f1, t[s1], exponential(u[s1, 4]))
        s2 = st == HTE
        if s2.any():
            f2 = li[s2]
            g[REG, f2] = 1.0
            g[CERT, f2] = 1.0
            g[EXP, f2] = self._cert_end(city[s2], t[s2] + u[s2, 2] * CERT_MONTHS, u[s2, 3])

    def release(self) -> None:
        """Free the per-firm arrays once the horizon is reached (the counts and event totals stay)."""
        empty = np.zeros(0)
        self.rows = np.zeros((0, NCOL))
        self.t_next = self.t_birth = empty
        self.state = np.zeros(0, dtype=np.int8)
        self.city = self.place = np.zeros(0, dtype=np.int64)

    # ------------------------------------------------------------------ plans (on gathered rows)

    def _mult(self, g: FloatArray, ix: IntArray, now: FloatArray, hazard: int) -> tuple[FloatArray, FloatArray] | None:
        """As :func:`simulator.entities._mult` for local rows ``ix`` (``None``: no multiplier applies)."""
        mult: FloatArray | None = None
        until = np.zeros(0)
        inc = np.zeros(0, dtype=bool)
        if self.any_inc:
            iu = g[INC, ix]
            inc = iu > now
            if inc.any():
                mult = np.where(inc, self.inc_mult[g[CITY, ix].astype(np.int64)], 1.0)
                until = np.where(inc, iu - now, 0.0)
        if self.any_boost:
            bu = g[BUNTIL, ix]
            bo = (g[BON, ix] == hazard) & (bu > now)
            if bo.any():
                if mult is None:
                    mult = np.where(bo, g[BOOST, ix], 1.0)
                    until = np.where(bo, bu - now, 0.0)
                else:
                    mult = np.where(bo, mult * g[BOOST, ix], mult)
                    until = np.where(bo, np.where(inc, np.minimum(until, bu - now), bu - now), until)
        return None if mult is None else (mult, until)

    def _plan_sme(self, g: FloatArray, ix: IntArray, now: FloatArray, e: FloatArray) -> FloatArray:
        rate = self.sme_rate[g[CITY, ix].astype(np.int64)]
        mu = self._mult(g, ix, now, ON_CODES["tech_sme"])
        wait = boosted_wait(e, rate, mu[0], mu[1]) if mu is not None else _plain_wait(e, rate)
        t = now + wait
        g[SME, ix] = t
        return t

    def _plan_ready(self, g: FloatArray, ix: IntArray, now: FloatArray, e: FloatArray) -> FloatArray:
        """Readiness for HTE, its application window and result; returns the result times."""
        c = g[CITY, ix].astype(np.int64)
        rate = self.hte_rate[c]
        mu = self._mult(g, ix, now, ON_CODES["hte"])
        wait = boosted_wait(e, rate, mu[0], mu[1]) if mu is not None else _plain_wait(e, rate)
        ready = now + wait
        g[READY, ix] = ready
        fin = ready < self.n_months
        m0 = np.where(fin, ready, 0.0).astype(np.int64)
        j = 2 * m0 + (ready > m0 + OFFSET_WINDOW)
        g[APPLY, ix] = np.where(fin, self.apply_tab[c, j], INF)
        result = np.where(fin, self.result_tab[c, j], INF)
        g[RESULT, ix] = result
        return result

    def _cert_end(self, c: IntArray, first_due: FloatArray, u: FloatArray) -> FloatArray:
        """Next certificate event: the expiry (per-renewal cities) or the first lost renewal."""
        chain = ~self.per_renewal[c]
        return np.where(chain, first_due + CERT_MONTHS * geometric(u, self.log_hte_renewal[c]), first_due)

    @staticmethod
    def _next_of(g: FloatArray) -> FloatArray:
        """``t_next`` of gathered rows from their state and timers."""
        st = g[STATE]
        own = np.where(st == STARTUP, g[SME],
                       np.where(st == TECH, np.minimum(g[LOSS], g[RESULT]), np.where(st == HTE, g[EXP], INF)))
        alive = (st >= STARTUP) & (st <= HTE)
        return np.where(alive, np.minimum(own, g[EXIT]), INF)

    # ------------------------------------------------------------------ events

    def step(self, fi: IntArray) -> None:
        """Every firm in ``fi`` (sorted, all due) takes its next event."""
        g = np.take(self.rows, fi, axis=0).T.copy()
        t = self.t_next[fi]
        st = g[STATE].astype(np.int64)
        c = g[CITY].astype(np.int64)
        rep = fi // self.cap
        self.events += np.bincount(rep, minlength=self.R)
        month = _months(t)
        u = self.rnd.take(rep, presorted=True, k=3)
        tn = np.full(fi.shape[0], INF)
        ex = g[EXIT] <= t
        s0 = (st == STARTUP) & ~ex
        tech = (st == TECH) & ~ex
        res = tech & (g[RESULT] <= t)
        loss = tech & ~res
        s2 = (st == HTE) & ~ex
        passed = res & (u[:, 0] < self.hte_pass[c])
        failed = res & ~passed
        drop = s2
        if s2.any() and self.per_renewal.any():
            renew = s2 & self.per_renewal[c] & (u[:, 2] < self.hte_renewal[c])
            drop = s2 & ~renew
            if renew.any():
                ir = np.flatnonzero(renew)
                tr = t[ir]
                g[EXP, ir] = tr + CERT_MONTHS
                tn[ir] = np.minimum(tr + CERT_MONTHS, g[EXIT, ir])
                self.sink.certified(fi[ir], HTE, np.zeros(ir.shape[0], dtype=bool), tr)
        into_tech = s0 | drop
        new = np.where(into_tech, TECH, np.where(passed, HTE, np.where(loss, STARTUP, EXITED)))
        moved = ex | into_tech | passed | loss
        mrep, mmon, mc = rep[moved], month[moved], c[moved]
        old_col = self.kf[mc, st[moved]]
        stay = ~ex[moved]
        new_col = self.kf[mc[stay], new[moved][stay]]
        reps = [mrep, mrep[stay]]
        mons = [mmon, mmon[stay]]
        cols = [old_col, new_col]
        vals = [np.full(old_col.shape[0], -1, dtype=np.int64), np.ones(new_col.shape[0], dtype=np.int64)]
        g[STATE, moved] = new[moved]
        # exits
        if ex.any() and self.any_inc:
            ie = np.flatnonzero(ex)
            iu = g[INC, ie]
            inc = iu > t[ie]
            if inc.any():
                ii = ie[inc]
                col = self.kf[c[ii], INCUBATED]
                reps += [rep[ii], rep[ii]]
                mons += [month[ii], _months(iu[inc])]
                cols += [col, col]
                vals += [np.full(col.shape[0], -1, dtype=np.int64), np.ones(col.shape[0], dtype=np.int64)]
                g[INC, ii] = -1.0
        # into the registry: first registrations, claims, renewal chain
        if into_tech.any():
            it = np.flatnonzero(into_tech)
            tt, ct = t[it], c[it]
            first = g[REG, it] == 0.0
            if first.any():
                reps.append(rep[it][first])
                mons.append(month[it][first])
                cols.append(self.knew[ct[first], 1])
                vals.append(np.ones(int(first.sum()), dtype=np.int64))
                g[REG, it] = 1.0
            self.sink.certified(fi[it], TECH, first, tt)
            g[LOSS, it] = tt + REGISTRY_MONTHS * (1.0 + geometric(u[it, 0], self.log_sme_renewal[ct]))
            g[EXP, it] = INF
        ready = into_tech | failed
        if ready.any():
            ir = np.flatnonzero(ready)
            result = self._plan_ready(g, ir, t[ir], exponential(u[ir, 1]))
            tn[ir] = np.minimum(np.minimum(g[LOSS, ir], result), g[EXIT, ir])
        # certified
        if passed.any():
            ip = np.flatnonzero(passed)
            tp, cp = t[ip], c[ip]
            first = g[CERT, ip] == 0.0
            if first.any():
                reps.append(rep[ip][first])
                mons.append(month[ip][first])
                cols.append(self.knew[cp[first], 0])
                vals.append(np.ones(int(first.sum()), dtype=np.int64))
                g[CERT, ip] = 1.0
            self.sink.certified(fi[ip], HTE, first, tp)
            end = self._cert_end(cp, tp + CERT_MONTHS, u[ip, 1])
            g[EXP, ip] = end
            g[APPLY, ip] = INF
            g[RESULT, ip] = INF
            tn[ip] = np.minimum(end, g[EXIT, ip])
        # out of the registry
        if loss.any():
            il = np.flatnonzero(loss)
            g[APPLY, il] = INF
            g[RESULT, il] = INF
            g[LOSS, il] = INF
            sme = self._plan_sme(g, il, t[il], exponential(u[il, 1]))
            tn[il] = np.minimum(sme, g[EXIT, il])
        self.counts.add(np.concatenate(reps), np.concatenate(mons), np.concatenate(cols), np.concatenate(vals))
        self.rows[fi] = np.ascontiguousarray(g.T)
        self.t_next[fi] = tn
        if moved.any():
            self.state[fi[moved]] = new[moved]

    # ------------------------------------------------------------------ behaviour & sampling

    def support(self, fi: IntArray, on: str, multiplier: float, months: int, now: float) -> None:
        """As :meth:`simulator.world.World.support` for firms (the firms must have been advanced to ``now``)."""
        if fi.size == 0:
            return
        fi = np.unique(fi)
        self.any_boost = True
        g = np.take(self.rows, fi, axis=0).T.copy()
        g[BOOST] = multiplier
        g[BUNTIL] = now + months
        st = g[STATE]
        alive = (st >= STARTUP) & (st <= HTE)
        g[BON, alive] = ON_CODES[on]
        if on == "hte":
            ix = np.flatnonzero(alive & (st == TECH) & (g[APPLY] > now) & (g[READY] > now))
            if ix.size:
                self._plan_ready(g, ix, np.full(ix.shape[0], now), exponential(self.rnd.take(fi[ix] // self.cap, presorted=True)))
        elif on == "tech_sme":
            ix = np.flatnonzero(alive & (st == STARTUP))
            if ix.size:
                self._plan_sme(g, ix, np.full(ix.shape[0], now), exponential(self.rnd.take(fi[ix] // self.cap, presorted=True)))
        self.rows[fi] = np.ascontiguousarray(g.T)
        self.t_next[fi] = self._next_of(g)

    def sample(self, rep: IntArray, city: int, state: int, u: FloatArray, now: float) -> IntArray:
        """A uniformly drawn firm of ``city`` in ``state`` at ``now`` for each request (-1 where there is none)."""
        mask = (self.state == state) & (self.city == city) & (self.t_birth <= now)
        return _sample_rows(mask, self.cap, rep, u)


def _draw_places(places: PlaceTable, cities: Sequence[str], city: IntArray, u: FloatArray) -> IntArray:
    """Places of entities of several cities with one search.

    City ``c``'s cumulative population shares, normalised to end at 1, are
    shifted by ``c`` and concatenated; ``c + u`` then falls in city ``c``'s part.
    """
    ids, edges = [], []
    for ci, c in enumerate(cities):
        pid, cum = places.table(c)
        ids.append(pid)
        edges.append(ci + cum / cum[-1])
    flat_ids = np.concatenate(ids)
    table = np.concatenate(edges)
    last = np.cumsum([p.shape[0] for p in ids]) - 1
    i = np.searchsorted(table, city + u, side="right")
    return flat_ids[np.minimum(i, last[city])]


def _plain_wait(e: FloatArray, rate: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore"):
        return np.where(rate > 0, e / np.where(rate > 0, rate, 1.0), INF)


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


class Tiered(_Population):
    """All platforms and incubators of a block, with :func:`simulator.entities.tiered_process`."""

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
        self.clock = 0.0

    def create(self) -> None:
        """Create every platform/incubator: baselines at time 0, arrivals at their times (with their claims)."""
        ti, grp, tier, t, arrival = _layout(self.cap, self._base_group, self._base_tier, self._arrivals,
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
        self.place[ti] = _draw_places(self.places, cities, gcity[grp], u[:, 0])
        for g in np.unique(grp).tolist():
            gr = self.groups[g]
            if gr.area is not None:
                sel = grp == g
                self.area[ti[sel]] = np.rint(dist_values(gr.area, u[sel, 1])).astype(np.int64)
        ex = self.exit_rate[grp]
        self.t_exit[ti] = np.where(ex > 0, t + exponential(u[:, 2]) / np.where(ex > 0, ex, 1.0), INF)
        month = _months(t)
        self.counts.add(rep, month, self.kt[grp, tier], 1)
        self._plan_up(ti, t, exponential(u[:, 3]))
        rec = arrival & (tier > 0)
        if rec.any():
            rr, mr, gr_, tr_ = rep[rec], month[rec], grp[rec], tier[rec]
            self.counts.add(np.concatenate([rr, rr]), np.concatenate([mr, mr]),
                            np.concatenate([self.kn[gr_, tr_], self.ka[gr_, tr_]]), 1)
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

    def step(self, ti: IntArray) -> None:
        """Every entity in ``ti`` (sorted, all due) takes its next event: exit or upgrade."""
        t = self.t_next[ti]
        self.events += np.bincount(ti // self.cap, minlength=self.R)
        ex = self.t_exit[ti] <= t
        if ex.any():
            te = ti[ex]
            self.counts.add(te // self.cap, _months(t[ex]), self.kt[self.grp[te], self.tier[te]], -1)
            self.alive[te] = False
            self.t_next[te] = INF
        tu, tt = ti[~ex], t[~ex]
        if tu.size:
            rep, g = tu // self.cap, self.grp[tu]
            old = self.tier[tu]
            new = old + 1
            mon = _months(tt)
            self.counts.add(np.concatenate([rep, rep, rep]), np.concatenate([mon, mon, mon]),
                            np.concatenate([self.kt[g, old], self.kt[g, new], self.kn[g, new]]),
                            np.concatenate([np.full(rep.shape[0], -1), np.ones(2 * rep.shape[0], dtype=np.int64)]))
            self.tier[tu] = new
            self.sink.recognised(tu, tt)
            self._plan_up(tu, tt, exponential(self.rnd.take(rep, presorted=True)))
            self._set_next(tu)

    def support(self, ti: IntArray, on: str, multiplier: float, months: int, now: float) -> None:
        """As :meth:`simulator.world.World.support` for platforms/incubators (advanced to ``now``)."""
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
        return _sample_rows(mask, self.cap, rep, u)
