"""All firms of a block of replications, as rows of one float array (see :mod:`simulator.engines.fast.pop`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from simulator.engines.fast.pop import (
    CREATE_CHUNK,
    EMPTY,
    EXITED,
    HTE,
    INCUBATED,
    INF,
    ON_CODES,
    STARTUP,
    TECH,
    Counts,
    Population,
    Sink,
    baselines,
    capacity,
    draw_arrivals,
    geometric,
    layout,
    log_prob,
    months_of,
    plain_wait,
    sample_rows,
)
from simulator.engines.fast.rng import RepUniforms, exponential
from simulator.model.calendar import OFFSET_RESULT, OFFSET_WINDOW, Calendar
from simulator.model.lifecycle import (
    CERT_MONTHS,
    INCUBATION_MONTHS,
    REGISTRY_MONTHS,
    boosted_wait,
    exit_after_move,
    hazard_multiplier,
)
from simulator.model.places import PlaceTable
from simulator.model.yearrates import YearRates
from simulator.scenario import FIRM_STATES, Scenario

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

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

class Firms(Population):
    """All firms of a block (every city), with the life cycle of :func:`simulator.engines.des.entities.firm_process`.

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
        self.log_sme_renewal = log_prob(np.array([p.sme_renewal for p in pops]))
        self.hte_rate = np.array([p.hte_rate / 12.0 for p in pops])
        self.hte_pass = np.array([p.hte_pass for p in pops])
        self.hte_renewal = np.array([p.hte_renewal for p in pops])
        self.log_hte_renewal = log_prob(self.hte_renewal)
        self.exit_rate = np.array([[p.exit_rate_of(st) / 12.0 for st in FIRM_STATES] for p in pops]).reshape(-1, 3)
        self.exit_varies = bool((self.exit_rate != self.exit_rate[:, :1]).any())
        self.exit_fresh = bool(((self.exit_rate == 0) & (self.exit_rate.max(axis=1, initial=0.0)[:, None] > 0)).any())
        self.rates = YearRates.for_scenario(scenario, cal)
        self.row_plain = np.array([self.rates.row(c) for c in self.cities], dtype=np.int64)
        self.row_trend = np.array([self.rates.row(c, trend=True) for c in self.cities], dtype=np.int64)
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
        self._arrivals = draw_arrivals(setup, [p.arrivals_per_year / 12.0 for p in pops], float(M), self.rates,
                                       self.row_trend.tolist())
        self._base_city, self._base_state = baselines([p.baseline for p in pops], FIRM_STATES)
        self.cap = C = capacity(self._base_city.shape[0], self._arrivals)
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
        fi, city, st, t, arrival = layout(self.cap, self._base_city, self._base_state, self._arrivals[r0:r1],
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
        self.place[fi] = self.places.draw_many(self.cities, city, u[:, 0])
        ex = self.exit_rate[city, st]
        with np.errstate(divide="ignore"):
            g[EXIT, li] = np.where(ex > 0, t + exponential(u[:, 1]) / np.where(ex > 0, ex, 1.0), INF)
        month = months_of(t)
        self.counts.add(rep, month, self.kf[city, st], 1)
        incubated = arrival & (u[:, 2] < self.p_inc[city])
        if incubated.any():
            until = t[incubated] + INCUBATION_MONTHS
            g[INC, li[incubated]] = until
            col = self.kf[city[incubated], INCUBATED]
            self.counts.add(np.concatenate([rep[incubated], rep[incubated]]),
                            np.concatenate([month[incubated], months_of(until)]), np.concatenate([col, col]),
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
        """:func:`simulator.model.lifecycle.hazard_multiplier` for local rows ``ix`` (``None``: none applies)."""
        inc = g[INC, ix] > now if self.any_inc else np.zeros(ix.shape[0], dtype=bool)
        bo = ((g[BON, ix] == hazard) & (g[BUNTIL, ix] > now)) if self.any_boost else np.zeros(ix.shape[0], dtype=bool)
        if not (inc.any() or bo.any()):
            return None
        return hazard_multiplier(now, inc, self.inc_mult[g[CITY, ix].astype(np.int64)], g[INC, ix],
                                 bo, g[BOOST, ix], g[BUNTIL, ix])

    def _wait(self, row: IntArray, e: FloatArray, now: FloatArray, rate: FloatArray,
              mu: tuple[FloatArray, FloatArray] | None) -> FloatArray:
        """Waiting times under ``rate`` times the multiplier ``mu`` and the yearly multipliers of ``row``."""
        if self.rates.flat:
            return boosted_wait(e, rate, mu[0], mu[1]) if mu is not None else plain_wait(e, rate)
        if mu is None:
            mu = np.ones(e.shape[0]), np.zeros(e.shape[0])
        return self.rates.wait(row, e, now, rate, mu[0], mu[1])

    def _plan_sme(self, g: FloatArray, ix: IntArray, now: FloatArray, e: FloatArray) -> FloatArray:
        c = g[CITY, ix].astype(np.int64)
        mu = self._mult(g, ix, now, ON_CODES["tech_sme"])
        t = now + self._wait(self.row_plain[c], e, now, self.sme_rate[c], mu)
        g[SME, ix] = t
        return t

    def _plan_ready(self, g: FloatArray, ix: IntArray, now: FloatArray, e: FloatArray) -> FloatArray:
        """Readiness for HTE, its application window and result; returns the result times."""
        c = g[CITY, ix].astype(np.int64)
        mu = self._mult(g, ix, now, ON_CODES["hte"])
        ready = now + self._wait(self.row_trend[c], e, now, self.hte_rate[c], mu)
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
        month = months_of(t)
        u = self.rnd.take(rep, presorted=True, k=4 if self.exit_fresh else 3)
        tn = np.full(fi.shape[0], INF)
        ex = g[EXIT] <= t
        s0 = (st == STARTUP) & ~ex
        tech = (st == TECH) & ~ex
        res = tech & (g[RESULT] <= t)
        loss = tech & ~res
        s2 = (st == HTE) & ~ex
        passed = res & (u[:, 0] < self.hte_pass[c])
        failed = res & ~passed
        drop = self._renewals(g, fi, t, c, u[:, 2], s2, tn) if s2.any() and self.per_renewal.any() else s2
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
        if self.exit_varies:
            self._retime_exits(g, np.flatnonzero(moved & ~ex), st, new, c, t, u)
        # exits
        if ex.any() and self.any_inc:
            ie = np.flatnonzero(ex)
            iu = g[INC, ie]
            inc = iu > t[ie]
            if inc.any():
                ii = ie[inc]
                col = self.kf[c[ii], INCUBATED]
                reps += [rep[ii], rep[ii]]
                mons += [month[ii], months_of(iu[inc])]
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
        if passed.any():
            self._certify(g, fi, t, c, u[:, 1], np.flatnonzero(passed), tn, (reps, mons, cols, vals))
        if loss.any():  # out of the registry
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

    def _retime_exits(self, g: FloatArray, ix: IntArray, old: IntArray, new: IntArray, c: IntArray, t: FloatArray,
                      u: FloatArray) -> None:
        """Exit times of the firms at local rows ``ix`` that moved from ``old`` to ``new`` at ``t``.

        :func:`simulator.model.lifecycle.exit_after_move`; the fourth uniform
        of a step is drawn (and read) only where some state's exit hazard is 0.
        """
        if ix.size == 0:
            return
        ci = c[ix]
        fresh = exponential(u[ix, 3]) if self.exit_fresh else np.full(ix.shape[0], INF)
        g[EXIT, ix] = exit_after_move(g[EXIT, ix], t[ix], self.exit_rate[ci, old[ix]], self.exit_rate[ci, new[ix]],
                                      fresh)

    def _renewals(self, g: FloatArray, fi: IntArray, t: FloatArray, c: IntArray, u: FloatArray, s2: BoolArray,
                  tn: FloatArray) -> BoolArray:
        """Certificate expiries where a program pays on renewals: renewed ones claim again; returns those dropped."""
        renew = s2 & self.per_renewal[c] & (u < self.hte_renewal[c])
        if renew.any():
            ir = np.flatnonzero(renew)
            tr = t[ir]
            g[EXP, ir] = tr + CERT_MONTHS
            tn[ir] = np.minimum(tr + CERT_MONTHS, g[EXIT, ir])
            self.sink.certified(fi[ir], HTE, np.zeros(ir.shape[0], dtype=bool), tr)
        return s2 & ~renew

    def _certify(self, g: FloatArray, fi: IntArray, t: FloatArray, c: IntArray, u: FloatArray, ip: IntArray,
                 tn: FloatArray, deltas: tuple[list[IntArray], list[IntArray], list[IntArray], list[IntArray]]) -> None:
        """Firms at local rows ``ip`` passed HTE review: first certifications counted, claims, certificate end."""
        reps, mons, cols, vals = deltas
        tp, cp = t[ip], c[ip]
        first = g[CERT, ip] == 0.0
        if first.any():
            reps.append((fi[ip] // self.cap)[first])
            mons.append(months_of(tp)[first])
            cols.append(self.knew[cp[first], 0])
            vals.append(np.ones(int(first.sum()), dtype=np.int64))
            g[CERT, ip] = 1.0
        self.sink.certified(fi[ip], HTE, first, tp)
        end = self._cert_end(cp, tp + CERT_MONTHS, u[ip])
        g[EXP, ip] = end
        g[APPLY, ip] = INF
        g[RESULT, ip] = INF
        tn[ip] = np.minimum(end, g[EXIT, ip])

    # ------------------------------------------------------------------ behaviour & sampling

    def support(self, fi: IntArray, on: str, multiplier: float, months: int, now: float) -> None:
        """As :meth:`simulator.engines.des.world.World.support` for firms (the firms must have been advanced to ``now``)."""
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
        return sample_rows(mask, self.cap, rep, u)
