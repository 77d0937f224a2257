"""The vectorised Monte Carlo engine (``--engine fast``).

:func:`simulate_block` runs a block of replications at once with the scenario
semantics of the SimPy engine (:mod:`simulator.world`) and returns the same
:class:`~simulator.records.RepResult` per replication, so the store, the
metrics and the summaries do not know which engine ran.

Design
------
* **Arrays.**  Firms, and platforms/incubators, live in arrays of length
  ``R * cap`` (``R`` replications of the block; entity ``s`` of replication
  ``r`` at ``r * cap + s``); see :mod:`simulator.fast_pop`.  A firm is one row
  of a ``[R * cap, 15]`` block (timers, state, city, boost, flags), gathered
  and written back whole, because scattered column access costs a cache miss
  per field.  Arrival times are drawn before the run and every entity is
  created at setup with its birth time, so ``cap`` is exactly the largest
  number of entities any replication of the block holds and nothing grows.
  Claims are one growing table (:class:`~simulator.fast_money.ClaimBook`);
  fund balances, queues and fiscal-year records are ``[fund, R(, year)]``
  arrays (:class:`~simulator.fast_money.Pools`); draws are ``[R, month, fund,
  payer]``; counts are dated deltas summed into ``[R, month, key]`` at the end.
* **Time.**  Administrative events (fiscal years, calls, dated claims,
  guidance-fund capital calls, review points, deferred tranches) run one by
  one in the exact order SimPy runs them (:mod:`simulator.fast_plan`), each
  vectorised over the block.  Entities keep the continuous event times of
  the reference engine.  A population is advanced exactly to the time of an
  administrative event that reads or changes its entities (sampling
  applicants or investees, behaviour links); before one that only reads its
  claims it may run ahead (a claim carries its own time, so a review never
  takes one from its future).  Advancing lets every entity whose next event
  is due take it, vectorised, and repeats until none is due — so there is no
  time step: an entity takes any number of events in a month, in its exact
  order.
* **Money.**  Awards, splits and allocation are the shared code:
  :func:`simulator.rules.evaluate_program`, :func:`~simulator.rules.split_award`,
  :func:`~simulator.rules.split_exact` and :func:`simulator.allocation.allocate`
  (called only for the replications whose batch does not fit the balance;
  the others are paid in one vectorised step, which is what ``allocate``
  would do).  Review points and the application response come from
  :mod:`simulator.programs` itself.
* **Randomness.**  Every draw of replication ``rep`` comes from streams
  seeded by ``SeedSequence(seed, spawn_key=(rep, key))``
  (:mod:`simulator.fast_rng`): buffered uniforms for entity events and for
  desks (a replication receives exactly its generator's sequence, in an
  order fixed by its own history), a setup generator (arrival times,
  indicator shocks, yearly quotas, guidance-fund paths) and, for programs with
  case-by-case awards, a generator per program.  A replication's results
  therefore depend only on ``(seed, rep)``: not on the block size, the other
  replications of its block or the number of workers.  The fast engine does
  not reproduce the SimPy engine's numbers draw for draw (its streams are laid
  out differently); the two agree in distribution (``tests/test_equivalence.py``).

Approximations and reformulations (everything else follows the reference engine)
-----------------------------------------------------------------------------
1. **Ties inside one instant.**  Claims submitted at the same model time
   (every HTE result of a month comes at offset 0.8) enter their desk's batch
   ordered by entity slot, where SimPy orders them by internal event ids.  The
   order only decides *which* of equally timed claims a short fund pays first
   under ``fcfs``/``queue`` (not how much is paid when their awards are equal,
   as they are for certification programs) and so which entities a behaviour
   link then reaches; claims at different times keep their time order.
2. **Repeated support of one entity in one batch** re-plans it once; SimPy
   redraws the wait a second time, which has the same law.
3. **Laws, not draws.**  Claim attributes, applicant counts and places are
   drawn by inverse transform from uniforms (same distributions as
   :func:`simulator.programs.draw_dist`); quotas and indicator shocks are drawn
   up front for every year (the same law as drawing them when first needed).
4. **Exact reformulations** that save events (:mod:`simulator.fast_pop`): the
   yearly registry renewals and three-yearly certificate renewals are drawn as
   a geometric number of successes (renewals stay events where a program pays
   on them); the HTE application and its result are one event; times of
   events that would fall after the horizon are stored as "never".

Measured effect: for every shipped scenario the outputs compared (yearly draw
per fund, targets at their deadlines, exhaustion months) pass the two-sample
KS test at a family-wise 1% and the mean criterion (2% plus a sampling-noise
allowance, :mod:`simulator.fast_check`) in ``tests/test_equivalence.py`` and in
``benchmarks/equivalence_full.py`` (500 SimPy against 2,000 fast replications).
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from simulator.calendar import Calendar
from simulator.fast_money import FIRM, NO_ENTITY, STATE_NAMES, TIERED, ClaimBook, Pools
from simulator.fast_plan import Action, Clock, build_plan
from simulator.fast_pop import HTE, TECH, Counts, Firms, PlaceTable, Tiered
from simulator.fast_rng import (
    Key,
    RepUniforms,
    dist_needs_draw,
    dist_values,
    poisson,
    rep_generator,
)
from simulator.guidance import ta_sample_paths, ta_schedule
from simulator.records import RepResult, count_keys
from simulator.rules import (
    Claims,
    Parts,
    evaluate_program,
    split_award,
    split_exact,
    top_up,
    total_award,
)
from simulator.scenario import (
    FIRM_STATES,
    TIERS,
    CaseByCase,
    HigherOf,
    Matching,
    OnCall,
    OnCertification,
    OnConstruction,
    OnRecognition,
    OnSchedule,
    Program,
    Rule,
    Scenario,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

TIER_NAMES = np.array([*TIERS, ""], dtype=np.str_)
NO_TIER = len(TIERS)
EPS = 1e-9


def simulate_block(scenario: Scenario, seed: int, reps: range) -> list[RepResult]:
    """Run replications ``reps`` of ``scenario`` with the vectorised engine.

    Args:
        scenario: A resolved scenario.
        seed: Root seed.
        reps: Replication indices (any range; results depend only on ``(seed, rep)``).

    Returns:
        One :class:`~simulator.records.RepResult` per replication, in order.
    """
    reps_list = list(reps)
    if not reps_list:
        return []
    block = _Block(scenario, seed, reps_list)
    block.run()
    results = block.results()
    # The populations refer back to the block (their claim sink): free the cycle's arrays now,
    # not at the next full garbage collection, so the next block does not stack on top of them.
    del block
    gc.collect()
    return results


# --------------------------------------------------------------------------- rule structure


def _has_random(rule: Rule) -> bool:
    if isinstance(rule, CaseByCase):
        return True
    if isinstance(rule, Matching):
        return _has_random(rule.base) or (rule.match is not None and _has_random(rule.match))
    if isinstance(rule, HigherOf):
        return any(_has_random(r) for r in rule.rules)
    return False


def _part_names(rule: Rule) -> frozenset[str]:
    return frozenset({"base", "match"}) if isinstance(rule, Matching) else frozenset({"total"})


def _per_rep_rule(prog: Program) -> bool:
    """Whether awards must be evaluated one replication at a time (random or shape-changing rules)."""
    if _has_random(prog.rule) or any(_has_random(e.rule) for e in prog.exceptions):
        return True
    return any(_part_names(e.rule) != _part_names(prog.rule) for e in prog.exceptions)


# --------------------------------------------------------------------------- desks


@dataclass
class _Desk:
    """The live desk of one program across a block."""

    index: int
    pid: str
    prog: Program
    city: str | None
    city_code: int  # population index of the city; -1: any city; -2: a city without population
    start: float
    end: float
    quota: IntArray | None
    approved: IntArray
    per_rep: bool
    places: IntArray | None
    sample_groups: list[int]
    firm_claims: bool
    tiered_claims: bool
    pending: list[IntArray] = field(default_factory=list)
    deferred: dict[tuple[float, int], list[tuple[int, IntArray, IntArray, IntArray]]] = field(default_factory=dict)
    gens: list[np.random.Generator] | None = None


class _Block:
    """One block of replications being simulated."""

    def __init__(self, scenario: Scenario, seed: int, reps: Sequence[int]) -> None:
        s = scenario
        self.s = s
        self.seed = seed
        self.reps = list(reps)
        self.R = R = len(self.reps)
        self.cal = cal = Calendar(s.scenario.start, s.scenario.end)
        self.M = M = cal.n_months
        self.horizon = float(M)
        self.years = cal.years
        self.year_of_month = np.array([cal.year_of(m) for m in range(M)], dtype=np.int64)
        self.clock = Clock(cal, self.horizon)
        self.plan = build_plan(s, self.clock)
        self.counts = Counts(R, count_keys(s), M)
        self.places = PlaceTable(s)
        self.place_names = np.array(self.places.names, dtype=np.str_)
        self.ent_u = RepUniforms(seed, self.reps, Key.ENTITIES)
        self.adm_u = RepUniforms(seed, self.reps, Key.DESKS)
        setup = [rep_generator(seed, r, Key.SETUP) for r in self.reps]
        self.book = ClaimBook()
        self.pids = list(s.programs)
        self.gids = list(s.guidance_funds)
        self.pools = Pools(s, R, self.years, M, len(self.pids) + len(self.gids), self.book)
        self.fund_index = {f: i for i, f in enumerate(self.pools.ids)}
        self.group_best: dict[tuple[str, int, int, int, int], int] = {}
        self.pop_cities = list(s.populations)
        self._desks(s)
        self.firms = Firms(s, cal, R, self.ent_u, setup, self.counts, self.places, self, self._per_renewal())
        self.tiered = Tiered(s, cal, R, self.ent_u, setup, self.counts, self.places, self)
        self._triggers()
        self.firms.create()
        self.tiered.create()
        # indicators
        self.ind_ids = list(s.indicators)
        self.ind_specs = [s.indicators[i] for i in self.ind_ids]
        decembers = [m for m in range(M) if cal.cal_month(m) == 12]
        self.decembers = decembers
        self.ind_z = (np.stack([g.standard_normal((len(decembers), len(self.ind_ids))) for g in setup])
                      if self.ind_ids and decembers else np.zeros((R, len(decembers), len(self.ind_ids))))
        # quotas (one draw per replication, desk and year)
        for d in self.desks:
            q = d.prog.quota
            if q is not None:
                lo, hi = q.bounds
                d.quota = np.stack([g.integers(lo, hi + 1, size=len(self.years)) for g in setup]).astype(np.int64)
        # guidance-fund capital calls per replication
        self.g_calls: list[IntArray] = []
        for g in s.guidance_funds.values():
            if g.stochastic.rc_sd > 0 or g.stochastic.growth_sd > 0:
                self.g_calls.append(ta_sample_paths(g.commitment, g.rc, g.life, g.bow, g.growth, g.yield_, setup,
                                                    g.stochastic.rc_sd, g.stochastic.growth_sd).astype(np.int64))
            else:
                row = ta_schedule(g.commitment, g.rc, g.life, g.bow, g.growth, g.yield_).contribution_fen
                self.g_calls.append(np.tile(np.asarray(row, dtype=np.int64), (R, 1)))

    # ------------------------------------------------------------------ wiring

    def _desks(self, s: Scenario) -> None:
        self.desks: list[_Desk] = []
        for i, (pid, prog) in enumerate(s.programs.items()):
            city = s.program_city(pid)
            code = -1 if city is None else (self.pop_cities.index(city) if city in self.pop_cities else -2)
            places = None if prog.places is None else np.array([self.places.index(p) for p in prog.places], dtype=np.int64)
            trig = prog.trigger
            firm_claims = isinstance(trig, OnCertification) or (isinstance(trig, OnCall) and bool(trig.firm_state))
            tiered_claims = isinstance(trig, OnRecognition | OnConstruction) or (
                isinstance(trig, OnCall) and not trig.firm_state and bool(trig.platform_types))
            self.desks.append(_Desk(i, pid, prog, city, code, self.clock.program_start(prog),
                                    self.clock.program_end(prog), None,
                                    np.zeros((self.R, len(self.years)), dtype=np.int64),
                                    _per_rep_rule(prog), places, [], firm_claims, tiered_claims))

    def _per_renewal(self) -> list[bool]:
        out = []
        for ci in range(len(self.pop_cities)):
            out.append(any(isinstance(d.prog.trigger, OnCertification) and d.prog.trigger.state == "hte"
                           and not d.prog.trigger.first_time_only and d.city_code in (-1, ci) for d in self.desks))
        return out

    def _triggers(self) -> None:
        groups = self.tiered.groups
        self.cert_desks: dict[int, list[_Desk]] = {TECH: [], HTE: []}
        self.recog: list[tuple[_Desk, BoolArray, BoolArray]] = []  # desk, groups it covers, tiers it pays
        self.construct: list[tuple[_Desk, BoolArray]] = []
        for d in self.desks:
            trig = d.prog.trigger
            if isinstance(trig, OnCertification):
                self.cert_desks[TECH if trig.state == "tech_sme" else HTE].append(d)
            elif isinstance(trig, OnRecognition):
                gmask = np.array([gr.kind == trig.kind and gr.type in trig.types and d.city_code in (-1, gr.city_index)
                                  for gr in groups] + [False], dtype=bool)
                if gmask.any():
                    self.recog.append((d, gmask, np.array([t in trig.tiers for t in TIERS], dtype=bool)))
            elif isinstance(trig, OnConstruction):
                gmask = np.array([gr.kind == "incubator" and gr.type in trig.types and d.city_code in (-1, gr.city_index)
                                  for gr in groups] + [False], dtype=bool)
                if gmask.any():
                    self.construct.append((d, gmask))
            elif isinstance(trig, OnCall) and trig.platform_types:
                d.sample_groups.extend(g for g, gr in enumerate(groups)
                                       if gr.city == d.city and gr.kind == "platform" and gr.type in trig.platform_types)

    # ------------------------------------------------------------------ claims

    def _submit(self, d: _Desk, rep: IntArray, t: FloatArray, *, ekind: int, ent: IntArray | int, place: IntArray,
                tier: IntArray | int, qty: IntArray | int = 0, base: IntArray | int = 0) -> None:
        if rep.size == 0:
            return
        if d.places is not None:
            ok = np.isin(place, d.places)
            if not ok.all():
                rep, t, place = rep[ok], t[ok], place[ok]
                ent = ent[ok] if isinstance(ent, np.ndarray) else ent
                tier = tier[ok] if isinstance(tier, np.ndarray) else tier
                qty = qty[ok] if isinstance(qty, np.ndarray) else qty
                base = base[ok] if isinstance(base, np.ndarray) else base
                if rep.size == 0:
                    return
        year = self.year_of_month[np.minimum(t.astype(np.int64), self.M - 1)]
        ids = self.book.add(rep=rep, prog=d.index, t=t, year=year, ekind=ekind, ent=ent, place=place, tier=tier,
                            qty=qty, base=base)
        d.pending.append(ids)

    def certified(self, fi: IntArray, state: int, first: BoolArray, t: FloatArray) -> None:
        """Claims of certification programs (as :meth:`simulator.world.World._certified`)."""
        for d in self.cert_desks[state]:
            trig = d.prog.trigger
            assert isinstance(trig, OnCertification)
            ok = (t >= d.start) & (t < d.end)
            if d.city_code != -1:
                ok &= self.firms.city[fi] == d.city_code
            if trig.first_time_only:
                ok &= first
            if ok.any():
                f = fi[ok]
                self._submit(d, f // self.firms.cap, t[ok], ekind=FIRM, ent=f, place=self.firms.place[f], tier=NO_TIER)

    def recognised(self, ti: IntArray, t: FloatArray) -> None:
        """Claims of recognition programs (as :meth:`simulator.world.World._recognised`)."""
        tr = self.tiered
        grp = tr.grp[ti]
        tier = tr.tier[ti]
        for d, gmask, tmask in self.recog:
            ok = gmask[grp] & tmask[tier] & (t >= d.start) & (t < d.end)
            if ok.any():
                e = ti[ok]
                self._submit(d, e // tr.cap, t[ok], ekind=TIERED, ent=e, place=tr.place[e], tier=tier[ok],
                             qty=tr.area[e])

    def constructed(self, ti: IntArray, t: FloatArray) -> None:
        """Claims of construction programs for new incubators."""
        tr = self.tiered
        grp = tr.grp[ti]
        for d, gmask in self.construct:
            ok = gmask[grp] & (t >= d.start) & (t < d.end)
            if ok.any():
                e = ti[ok]
                self._submit(d, e // tr.cap, t[ok], ekind=TIERED, ent=e, place=tr.place[e], tier=tr.tier[e],
                             qty=tr.area[e])

    # ------------------------------------------------------------------ time loop

    def _schedule(self) -> list[tuple[str, int, Action | None]]:
        """Every administrative event in execution order: (``year`` | ``act``, month, action)."""
        out: list[tuple[str, int, Action | None]] = []
        for m in range(self.M):
            if m > 0 and self.cal.cal_month(m) == 1:
                out.append(("year", m, None))
            for a in self.plan.at_call.get(m, []):
                out.append(("act", m, a))
            for a in self.plan.at_review.get(m, []):
                out.append(("act", m, a))
        return out

    def _needs(self, a: Action) -> tuple[int, int]:
        """What an action needs from (firms, platforms): 0 nothing, 1 their claims so far, 2 their exact state."""
        if a.kind == "tranche":
            return 0, 0
        if a.kind == "guidance":
            return (2 if self.s.guidance_funds[self.gids[a.index]].effect is not None else 0), 0
        d = self.desks[a.index]
        trig = d.prog.trigger
        if a.kind == "review":
            level = 2 if d.prog.effect is not None else 1
            return (level if d.firm_claims else 0), (level if d.tiered_claims else 0)
        if isinstance(trig, OnCall) and d.city:
            if trig.firm_state:
                return 2, 0
            if trig.platform_types:
                return 0, 2
        return 0, 0

    def run(self) -> None:
        """Simulate the whole horizon.

        Administrative events run in the reference order.  A population is
        advanced exactly to the time of an event that reads or changes its
        entities; before an event that only reads its claims it may run ahead,
        up to the next event of the first kind (claims carry their own times, so
        a review never takes one from its future).
        """
        events = self._schedule()
        needs = [self._needs(a) if a is not None else (0, 0) for _, _, a in events]
        exact: list[list[float]] = [[], []]
        for (_, _, a), nd in zip(events, needs, strict=True):
            for p in (0, 1):
                if a is not None and nd[p] == 2:
                    exact[p].append(a.time)
        pops = (self.firms, self.tiered)
        self.pools.open_year(0, first=True)
        for (kind, m, a), nd in zip(events, needs, strict=True):
            for p in (0, 1):
                if nd[p] == 2:
                    pops[p].advance(a.time if a is not None else 0.0)
                elif nd[p] == 1 and a is not None and pops[p].clock < a.time:
                    nxt = [x for x in exact[p] if x >= a.time]
                    pops[p].advance(min(nxt) if nxt else self.horizon)
            if kind == "year":
                yi = int(self.year_of_month[m]) - self.years[0]
                self.pools.record_arrears(yi - 1)
                self.pools.open_year(yi, first=False)
                for f in range(len(self.pools.ids)):
                    self.pools.serve_queue(f, m, yi)
            else:
                assert a is not None
                self._act(a, m)
        self.firms.advance(self.horizon)
        self.tiered.advance(self.horizon)
        self.firms.release()

    def _act(self, a: Action, m: int) -> None:
        yi = int(self.year_of_month[m]) - self.years[0]
        if a.kind == "review":
            self._review(self.desks[a.index], a.time, m, yi)
        elif a.kind == "tranche":
            d = self.desks[a.index]
            for f, rep, amt, claim in d.deferred.pop((a.origin, a.step), []):
                self.pools.pay(f, rep, amt, claim, np.full(rep.shape[0], d.index, dtype=np.int64), m, yi)
        elif a.kind == "guidance":
            self._guidance(a.index, a.step, a.time, m, yi)
        else:
            d = self.desks[a.index]
            trig = d.prog.trigger
            if isinstance(trig, OnCall):
                lam = trig.applicants * self.plan.response[d.index]
                n = poisson(self.adm_u.one_each(), lam)
            else:
                assert isinstance(trig, OnSchedule)
                n = np.full(self.R, trig.claims_per_date, dtype=np.int64)
            self._batch(d, n, a.time)

    def _batch(self, d: _Desk, n: IntArray, t: float) -> None:
        """Applicants of a call or a dated claim (as :meth:`simulator.programs.Desk._batch_of`)."""
        rep = np.repeat(np.arange(self.R, dtype=np.int64), n)
        if rep.size == 0:
            return
        trig = d.prog.trigger
        assert isinstance(trig, OnCall | OnSchedule)
        u = self.adm_u
        qu = u.take(rep, presorted=True) if dist_needs_draw(trig.quantity) else np.zeros(rep.size)
        q = np.rint(dist_values(trig.quantity, qu)).astype(np.int64)
        bu = u.take(rep, presorted=True) if dist_needs_draw(trig.base) else np.zeros(rep.size)
        b = np.rint(dist_values(trig.base, bu) * 100).astype(np.int64)
        tier: IntArray | int = NO_TIER
        if isinstance(trig, OnCall) and trig.tier_mix:
            names = list(trig.tier_mix)
            p = np.array([trig.tier_mix[k] for k in names], dtype=float)
            p = p / p.sum() if p.sum() > 0 else np.full(len(names), 1 / len(names))
            cum = np.cumsum(p)
            k = np.minimum(np.searchsorted(cum, u.take(rep, presorted=True) * cum[-1], side="right"), len(names) - 1)
            tier = np.array([TIERS.index(nm) for nm in names], dtype=np.int64)[k]
        times = np.full(rep.size, t)
        if isinstance(trig, OnCall) and trig.firm_state and d.city:
            if d.city_code < 0:
                return
            fi = self.firms.sample(rep, d.city_code, FIRM_STATES.index(trig.firm_state), u.take(rep, presorted=True), t)
            ok = fi >= 0
            fi = fi[ok]
            self._submit(d, rep[ok], times[ok], ekind=FIRM, ent=fi, place=self.firms.place[fi],
                         tier=tier[ok] if isinstance(tier, np.ndarray) else tier, qty=q[ok], base=b[ok])
        elif isinstance(trig, OnCall) and trig.platform_types and d.city:
            ti = self.tiered.sample(rep, d.sample_groups, u.take(rep, presorted=True), t)
            ok = ti >= 0
            ti = ti[ok]
            self._submit(d, rep[ok], times[ok], ekind=TIERED, ent=ti, place=self.tiered.place[ti],
                         tier=tier[ok] if isinstance(tier, np.ndarray) else tier, qty=q[ok], base=b[ok])
        else:
            place = self.places.draw(d.city, u.take(rep, presorted=True))
            self._submit(d, rep, times, ekind=NO_ENTITY, ent=-1, place=place, tier=tier, qty=q, base=b)

    # ------------------------------------------------------------------ review

    def _evaluate(self, d: _Desk, ids: IntArray) -> list[tuple[IntArray, Parts]]:
        """Awards of a batch, as groups of claims whose parts have one shape (positions into ``ids``)."""
        book = self.book
        claims = Claims(book.qty[ids], book.base[ids], TIER_NAMES[book.tier[ids]], self.place_names[book.place[ids]])
        if not d.per_rep:
            return [(np.arange(ids.shape[0]), evaluate_program(d.prog, claims))]
        if d.gens is None:
            d.gens = [rep_generator(self.seed, r, int(Key.RULES) + d.index) for r in self.reps]
        rep = book.rep[ids]
        by_shape: dict[tuple[str, ...], list[tuple[IntArray, Parts]]] = {}
        for r in np.unique(rep).tolist():
            mine = rep == r
            parts = evaluate_program(d.prog, claims.take(mine), d.gens[r])
            by_shape.setdefault(tuple(parts), []).append((np.flatnonzero(mine), parts))
        out: list[tuple[IntArray, Parts]] = []
        for names, pieces in by_shape.items():
            sel = np.concatenate([p[0] for p in pieces])
            out.append((sel, {k: np.concatenate([p[1][k] for p in pieces]) for k in names}))
        return out

    def _review(self, d: _Desk, t: float, m: int, yi: int) -> None:
        """One review point of a desk, every replication (as :meth:`simulator.programs.Desk.review`)."""
        if not d.pending:
            return
        book = self.book
        prog = d.prog
        ids = np.concatenate(d.pending) if len(d.pending) > 1 else d.pending[0]
        ready = book.t[ids] + prog.review.delay_months <= t + EPS
        if not ready.any():
            d.pending = [ids]
            return
        rest = ids[~ready]
        d.pending = [rest] if rest.size else []
        rids = ids[ready]
        rids = rids[np.lexsort((rids, book.t[rids], book.rep[rids]))]
        book.pending[rids] = False
        book.year[rids] = self.years[yi]
        if prog.review.approval < 1.0:
            rids = rids[self.adm_u.take(book.rep[rids], presorted=True) < prog.review.approval]
        if rids.size == 0:
            return
        for sel, parts in self._evaluate(d, rids):
            self._award(d, rids[sel], parts, t, m, yi)

    def _award(self, d: _Desk, bids: IntArray, parts: Parts, t: float, m: int, yi: int) -> None:
        """Groups, quota, awards, split, payments and behaviour links of approved claims ``bids`` (by replication)."""
        book = self.book
        prog = d.prog
        keys: list[tuple[str, int, int, int, int] | None] = []
        if prog.exclusive_group is not None:
            keep, keys = self._exclusive(prog.exclusive_group, bids, parts, int(self.years[yi]))
            if not keep.all():
                bids = bids[keep]
                parts = {k: v[keep] for k, v in parts.items()}
                keys = [k for k, ok in zip(keys, keep.tolist(), strict=True) if ok]
        totals = total_award(parts)
        keep_q = totals > 0
        brep = book.rep[bids]
        if d.quota is not None and keep_q.any():
            # Yearly quota: the first claims in the review order take the places.
            left = np.maximum(d.quota[:, yi] - d.approved[:, yi], 0)
            csum = np.cumsum(keep_q)
            starts = np.flatnonzero(np.r_[True, brep[1:] != brep[:-1]])
            before: IntArray = np.repeat(csum[starts] - keep_q[starts], np.diff(np.r_[starts, brep.shape[0]]))
            keep_q &= (csum - before) <= left[brep]
        if not keep_q.all():
            bids, brep, totals = bids[keep_q], brep[keep_q], totals[keep_q]
            parts = {k: v[keep_q] for k, v in parts.items()}
            if keys:
                keys = [k for k, ok in zip(keys, keep_q.tolist(), strict=True) if ok]
        if bids.size == 0:
            return
        gb = self.group_best
        for i, key in enumerate(keys):
            if key is not None:  # only awards actually approved count for 就高不就低
                gb[key] = max(gb.get(key, 0), gb.get(key, 0) + int(totals[i]))
        np.add.at(d.approved[:, yi], brep, 1)
        book.approved[bids] = True
        book.requested[bids] = totals
        lines = split_award(prog, parts, self.s)
        shares = [tr.share for tr in prog.payment]
        pieces = [split_exact(sl.amount, shares) for sl in lines]
        funds = list(dict.fromkeys(sl.fund for sl in lines))
        for k, tranche in enumerate(prog.payment):
            per_fund: list[tuple[int, IntArray, IntArray, IntArray]] = []
            for fund in funds:
                js = [j for j, sl in enumerate(lines) if sl.fund == fund]
                amt = np.concatenate([pieces[j][k] for j in js])
                rep = np.tile(brep, len(js))
                claim = np.tile(bids, len(js))
                if len(js) > 1:  # per replication: split line first, then claim (the reference order)
                    order = np.argsort(rep, kind="stable")
                    amt, rep, claim = amt[order], rep[order], claim[order]
                pos = amt > 0
                if pos.any():
                    per_fund.append((self.fund_index[fund], rep[pos], amt[pos], claim[pos]))
            if tranche.after_months == 0:
                for f, rep, amt, claim in per_fund:
                    self.pools.pay(f, rep, amt, claim, np.full(rep.shape[0], d.index, dtype=np.int64), m, yi)
            elif t + float(tranche.after_months) >= self.horizon:
                for _f, _rep, _amt, claim in per_fund:  # due after the horizon: still owed, reported as queued
                    np.add.at(book.qlines, claim, 1)
            else:
                d.deferred.setdefault((t, k), []).extend(per_fund)
        if prog.effect is not None:
            hit = bids[(book.paid[bids] > 0) & (book.ekind[bids] >= 0)]
            if hit.size:
                self._support(hit, prog.effect.on, prog.effect.multiplier, prog.effect.months, t)

    def _exclusive(self, group: str, bids: IntArray, parts: Parts,
                   year: int) -> tuple[BoolArray, list[tuple[str, int, int, int, int] | None]]:
        """就高不就低 across the programs of a group, as the reference review: keep mask and group keys; tops up in place."""
        book = self.book
        keep = np.ones(bids.shape[0], dtype=bool)
        keys: list[tuple[str, int, int, int, int] | None] = [None] * bids.shape[0]
        totals = total_award(parts)
        ek, ent, rep = book.ekind[bids], book.ent[bids], book.rep[bids]
        gb = self.group_best
        staged: dict[tuple[str, int, int, int, int], int] = {}
        for i in np.flatnonzero(ek >= 0).tolist():
            key = (group, int(rep[i]), int(ek[i]), int(ent[i]), year)
            best = staged.get(key, gb.get(key, 0))
            amount = int(totals[i])
            if amount <= best:
                keep[i] = False
                continue
            staged[key] = amount
            keys[i] = key
            if best:
                top_up(parts, i, amount, best)
        return keep, keys

    def _support(self, claim_ids: IntArray, on: str, multiplier: float, months: int, now: float) -> None:
        book = self.book
        ek, ent = book.ekind[claim_ids], book.ent[claim_ids]
        fi = ent[ek == FIRM]
        if fi.size:
            self.firms.support(fi, on, multiplier, months, now)
        ti = ent[ek == TIERED]
        if ti.size:
            self.tiered.support(ti, on, multiplier, months, now)

    # ------------------------------------------------------------------ guidance funds & indicators

    def _guidance(self, k: int, step: int, t: float, m: int, yi: int) -> None:
        gid = self.gids[k]
        g = self.s.guidance_funds[gid]
        amounts = self.g_calls[k][:, step]
        reps = np.flatnonzero(amounts > 0).astype(np.int64)
        if reps.size == 0:
            return
        f = self.fund_index[g.fund]
        payer = len(self.pids) + k
        amt = amounts[reps]
        ids = self.book.add(rep=reps, prog=payer, t=np.full(reps.size, t), year=np.full(reps.size, self.years[yi]),
                            pending=False)
        self.book.approved[ids] = True
        self.book.requested[ids] = amt
        self.pools.pay(f, reps, amt, ids, np.full(reps.size, payer, dtype=np.int64), m, yi)
        city = self.s.city_of(self.s.funds[g.fund].owner)
        if g.effect is None or city is None:
            return
        share = Fraction(g.subfunds.local_reinvest)
        n_inv = np.array([(int(p) * share.numerator) // (share.denominator * g.ticket) if g.ticket > 0 else 0
                          for p in self.book.paid[ids].tolist()], dtype=np.int64)
        if not n_inv.any() or city not in self.pop_cities:
            return
        rep = np.repeat(reps, n_inv)
        fi = self.firms.sample(rep, self.pop_cities.index(city), FIRM_STATES.index(g.investee_state),
                               self.adm_u.take(rep, presorted=True), t)
        fi = fi[fi >= 0]
        if fi.size:
            self.firms.support(fi, g.effect.on, g.effect.multiplier, g.effect.months, t)

    def _indicator_snapshots(self) -> FloatArray:
        """Month-end indicator values ``[replication, month, indicator]`` (yearly steps each December)."""
        v = np.tile(np.array([float(x.initial) for x in self.ind_specs], dtype=np.float64), (self.R, 1))
        out = np.zeros((self.R, self.M, len(self.ind_ids)), dtype=np.float64)
        j = 0
        for m in range(self.M):
            if self.ind_ids and j < len(self.decembers) and self.decembers[j] == m:
                z = self.ind_z[:, j, :]
                for k, spec in enumerate(self.ind_specs):
                    if spec.growth != 0 or spec.drift == 0:
                        v[:, k] *= np.maximum(0.0, 1.0 + spec.growth + spec.sd * z[:, k])
                    if spec.drift != 0:
                        v[:, k] += spec.drift + (spec.sd * z[:, k] if spec.growth == 0 else 0.0)
                    if spec.unit == "share":
                        v[:, k] = np.clip(v[:, k], 0.0, 1.0)
                j += 1
            out[:, m, :] = v
        return out

    # ------------------------------------------------------------------ results

    def results(self) -> list[RepResult]:
        """The replications' records (as :meth:`simulator.world.World.result`)."""
        pools, book = self.pools, self.book
        payers = self.pids + self.gids
        last = len(self.years) - 1
        states = book.states()
        n = book.n
        ny = len(self.years)
        code = ((book.rep[:n] * len(payers) + book.prog[:n]) * ny + (book.year[:n] - self.years[0])) * 6 + states
        uniq, inv = np.unique(code, return_inverse=True)
        cnt = np.bincount(inv, minlength=uniq.shape[0])
        req = np.zeros(uniq.shape[0], dtype=np.int64)
        np.add.at(req, inv, book.requested[:n])
        paid = np.zeros(uniq.shape[0], dtype=np.int64)
        np.add.at(paid, inv, book.paid[:n])
        claims_by_rep: list[dict[tuple[str, int, str], list[int]]] = [{} for _ in range(self.R)]
        for c, k, rq, pd in zip(uniq.tolist(), cnt.tolist(), req.tolist(), paid.tolist(), strict=True):
            st = c % 6
            rest = c // 6
            yy = rest % ny
            rest //= ny
            pr = rest % len(payers)
            r = rest // len(payers)
            claims_by_rep[r][(payers[pr], self.years[yy], STATE_NAMES[st])] = [k, rq, pd]
        counts = self.counts.snapshots()
        indicators = self._indicator_snapshots()
        out = []
        events = self.firms.events + self.tiered.events
        for r, rep in enumerate(self.reps):
            draws: dict[tuple[int, str, str, str], int] = {}
            dm, df, dp = np.nonzero(pools.draws[r])
            vals = pools.draws[r][dm, df, dp]
            for mm, ff, pp, v in zip(dm.tolist(), df.tolist(), dp.tolist(), vals.tolist(), strict=True):
                draws[(mm, pools.ids[ff], pools.levels[ff], payers[pp])] = v
            fund_years: dict[tuple[str, int], dict[str, int]] = {}
            for f, fid in enumerate(pools.ids):
                for yi, y in enumerate(self.years):
                    row = {"appropriated_fen": int(pools.appropriated[f, r, yi]),
                           "carried_in_fen": int(pools.carried_in[f, r, yi]),
                           "drawn_fen": int(pools.drawn[f, r, yi]), "lapsed_fen": int(pools.lapsed[f, r, yi]),
                           "refused_fen": int(pools.refused[f, r, yi]), "prorata_cut_fen": int(pools.cut[f, r, yi])}
                    bal = row["carried_in_fen"] + row["appropriated_fen"] - row["drawn_fen"]
                    row["balance_end_fen"] = bal - (row["lapsed_fen"] if yi < last else 0)
                    row["arrears_fen"] = int(pools.arrears_ye[f, r, yi]) if yi < last else int(pools.qamt[f, r])
                    if yi == last:
                        row["balance_end_fen"] = int(pools.balance[f, r])
                    fund_years[(fid, y)] = row
            exhaustion = {fid: (int(pools.exhausted[f, r]) if pools.exhausted[f, r] >= 0 else None)
                          for f, fid in enumerate(pools.ids)}
            awards = np.ascontiguousarray(pools.awards[r, :, : max(len(self.pids), 1)])
            out.append(RepResult(rep=rep, counts=counts[r], indicators=indicators[r], draws=draws,
                                 fund_years=fund_years, claims=claims_by_rep[r], exhaustion=exhaustion,
                                 awards=awards, events=int(events[r])))
        return out
