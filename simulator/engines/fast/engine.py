"""The vectorised Monte Carlo engine (``--engine fast``).

:func:`simulate_block` runs a block of replications at once with the scenario
semantics of the SimPy engine (:mod:`simulator.engines.des`) and returns the same
:class:`~simulator.model.records.RepResult` per replication, so the store, the
metrics and the summaries do not know which engine ran.

Design
------
* **Arrays.**  Firms, and platforms/incubators, live in arrays of length
  ``R * cap`` (``R`` replications of the block; entity ``s`` of replication
  ``r`` at ``r * cap + s``); see :mod:`simulator.engines.fast.pop`,
  :mod:`~simulator.engines.fast.firms` and :mod:`~simulator.engines.fast.tiered`.  A firm is one row
  of a ``[R * cap, 15]`` block (timers, state, city, boost, flags), gathered
  and written back whole, because scattered column access costs a cache miss
  per field.  Arrival times are drawn before the run and every entity is
  created at setup with its birth time, so ``cap`` is exactly the largest
  number of entities any replication of the block holds and nothing grows.
  Claims are one growing table (:class:`~simulator.engines.fast.money.ClaimBook`);
  fund balances, queues and fiscal-year records are ``[fund, R(, year)]``
  arrays (:class:`~simulator.engines.fast.money.Pools`); draws are ``[R, month, fund,
  payer]``; counts are dated deltas summed into ``[R, month, key]`` at the end.
* **Time.**  Administrative events (fiscal years, calls, dated claims,
  guidance-fund capital calls, review points, deferred tranches) run one by
  one in the exact order SimPy runs them (:mod:`simulator.engines.fast.plan`), each
  vectorised over the block.  Entities keep the continuous event times of
  the reference engine.  A population is advanced exactly to the time of an
  administrative event that reads or changes its entities (sampling
  applicants or investees, behaviour links); before one that only reads its
  claims it may run ahead (a claim carries its own time, so a review never
  takes one from its future).  Advancing lets every entity whose next event
  is due take it, vectorised, and repeats until none is due — so there is no
  time step: an entity takes any number of events in a month, in its exact
  order.
* **Money and rules.**  Everything but the clock is the shared model
  (:mod:`simulator.model`), called with a batch of many replications where
  the SimPy engine calls it with a batch of one: award rules and splits
  (:mod:`simulator.model.rules`), allocation
  (:func:`simulator.model.allocation.allocate_reps`), fiscal years, claim end
  states, quotas, exclusive groups, tranche lines, guidance-fund calls,
  investments and distributions, and fund-year rows
  (:mod:`simulator.model.ledger`), boosted waits and indicator
  steps (:mod:`simulator.model.lifecycle`), places
  (:mod:`simulator.model.places`), the laws of claim attributes
  (:mod:`simulator.model.dists`), and the timetable and application response
  (:mod:`simulator.model.view`).
* **Randomness.**  Every draw of replication ``rep`` comes from streams
  seeded by ``SeedSequence(seed, spawn_key=(rep, key))``
  (:mod:`simulator.engines.fast.rng`): buffered uniforms for entity events and for
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
   drawn by inverse transform from uniforms (:class:`simulator.model.dists.UniformSource`,
   the same laws as the SimPy engine's generator draws); quotas and indicator shocks are drawn
   up front for every year (the same law as drawing them when first needed).
4. **Exact reformulations** that save events (:mod:`simulator.engines.fast.pop`): the
   yearly registry renewals and three-yearly certificate renewals are drawn as
   a geometric number of successes (renewals stay events where a program pays
   on them); the HTE application and its result are one event; times of
   events that would fall after the horizon are stored as "never".

Measured effect: for every shipped scenario the outputs compared (yearly draw
per fund, targets at their deadlines, exhaustion months) pass the two-sample
KS test at a family-wise 1% and the mean criterion (2% plus a sampling-noise
allowance, :mod:`simulator.engines.compare`) in ``tests/test_equivalence.py`` and in
``benchmarks/equivalence_full.py`` (500 SimPy against 2,000 fast replications).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from simulator.engines.fast.desks import BoolArray, Desk, DeskWork, GroupKey, per_rep_rule
from simulator.engines.fast.firms import Firms
from simulator.engines.fast.guidance import GuidanceFunds
from simulator.engines.fast.money import STATE_NAMES, ClaimBook, Pools
from simulator.engines.fast.nowcast import FastNowcast
from simulator.engines.fast.plan import Action, build_plan
from simulator.engines.fast.pop import HTE, TECH, Counts
from simulator.engines.fast.rng import Key, RepUniforms, rep_generator
from simulator.engines.fast.tiered import Tiered
from simulator.model.calendar import Calendar
from simulator.model.dists import poisson
from simulator.model.ledger import FundYears, fund_year_rows
from simulator.model.lifecycle import apply_indicator_jump, indicator_jumps, indicator_step
from simulator.model.links import apply_links
from simulator.model.nowcast import OFFSET_NOWCAST
from simulator.model.nowcast import plan_of as nowcast_plan
from simulator.model.places import PlaceTable
from simulator.model.records import RepResult, count_keys
from simulator.model.view import Clock
from simulator.scenario import (
    TIERS,
    OnCall,
    OnCertification,
    OnConstruction,
    OnRecognition,
    OnSchedule,
    Scenario,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def simulate_block(scenario: Scenario, seed: int, reps: range) -> list[RepResult]:
    """Run replications ``reps`` of ``scenario`` with the vectorised engine.

    Args:
        scenario: A resolved scenario.
        seed: Root seed.
        reps: Replication indices (any range; results depend only on ``(seed, rep)``).

    Returns:
        One :class:`~simulator.model.records.RepResult` per replication, in order.
    """
    reps_list = list(reps)
    if not reps_list:
        return []
    block = Block(scenario, seed, reps_list)
    block.run()
    results = block.results()
    # The populations refer back to the block (their claim sink): break that cycle so that reference
    # counting frees the block's arrays now (a full garbage collection here cost more than a small block).
    block.close()
    del block
    return results


class Block(DeskWork):
    """One block of replications being simulated."""

    def __init__(self, scenario: Scenario, seed: int, reps: Sequence[int]) -> None:
        s = apply_links(scenario)  # the behaviour links, once (after any parameter draws)
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
        self.group_best: dict[GroupKey, int] = {}
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
        # guidance-fund paths (calls and distributions) per replication
        self.guidance = GuidanceFunds(s, setup)
        plan = nowcast_plan(s, cal)
        self.nowcast = FastNowcast(self, plan) if plan is not None else None

    def close(self) -> None:
        """Drop every reference of the block and its populations (they refer back to it as their claim sink)."""
        for part in (self.firms, self.tiered, self.guidance, self):
            part.__dict__.clear()

    # ------------------------------------------------------------------ wiring

    def _desks(self, s: Scenario) -> None:
        self.desks: list[Desk] = []
        for i, (pid, prog) in enumerate(s.programs.items()):
            city = s.program_city(pid)
            code = -1 if city is None else (self.pop_cities.index(city) if city in self.pop_cities else -2)
            places = None if prog.places is None else np.array([self.places.index(p) for p in prog.places], dtype=np.int64)
            trig = prog.trigger
            firm_claims = isinstance(trig, OnCertification) or (isinstance(trig, OnCall) and bool(trig.firm_state))
            tiered_claims = isinstance(trig, OnRecognition | OnConstruction) or (
                isinstance(trig, OnCall) and not trig.firm_state and bool(trig.platform_types))
            self.desks.append(Desk(i, pid, prog, city, code, self.clock.program_start(prog),
                                    self.clock.program_end(prog), None,
                                    np.zeros((self.R, len(self.years)), dtype=np.int64),
                                    per_rep_rule(prog), places, [], firm_claims, tiered_claims))

    def _per_renewal(self) -> list[bool]:
        out = []
        for ci in range(len(self.pop_cities)):
            out.append(any(isinstance(d.prog.trigger, OnCertification) and d.prog.trigger.state == "hte"
                           and not d.prog.trigger.first_time_only and d.city_code in (-1, ci) for d in self.desks))
        return out

    def _triggers(self) -> None:
        groups = self.tiered.groups
        self.cert_desks: dict[int, list[Desk]] = {TECH: [], HTE: []}
        self.recog: list[tuple[Desk, BoolArray, BoolArray]] = []  # desk, groups it covers, tiers it pays
        self.construct: list[tuple[Desk, BoolArray]] = []
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
            if self.nowcast is not None and m in self.nowcast.months:
                out.append(("nowcast", m, None))  # after every other event of the month
        return out

    def _needs(self, a: Action) -> tuple[int, int]:
        """What an action needs from (firms, platforms): 0 nothing, 1 their claims so far, 2 their exact state."""
        if a.kind == "tranche":
            return 0, 0
        if a.kind == "guidance":
            return (2 if self.guidance.any_effect() else 0), 0
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
        # A new fiscal year may pay capital calls that waited, whose investments reach firms.
        year_needs = (2 if self.guidance.any_effect() else 0), 0
        nowcast_needs = (2, 2) if self.nowcast is not None and self.nowcast.counts_held() else (0, 0)
        needs = [self._needs(a) if a is not None else nowcast_needs if k == "nowcast" else year_needs
                 for k, _, a in events]
        times = [a.time if a is not None else m + OFFSET_NOWCAST if k == "nowcast" else float(m)
                 for k, m, a in events]
        exact: list[list[float]] = [[], []]
        for t, nd in zip(times, needs, strict=True):
            for p in (0, 1):
                if nd[p] == 2:
                    exact[p].append(t)
        pops = (self.firms, self.tiered)
        self.pools.open_year(0, first=True)
        for (kind, m, a), nd, t in zip(events, needs, times, strict=True):
            for p in (0, 1):
                if nd[p] == 2:
                    pops[p].advance(t)
                elif nd[p] == 1 and pops[p].clock < t:
                    nxt = [x for x in exact[p] if x >= t]
                    pops[p].advance(min(nxt) if nxt else self.horizon)
            if kind == "nowcast":
                assert self.nowcast is not None
                self.nowcast.apply(m, t)
            elif kind == "year":
                yi = int(self.year_of_month[m]) - self.years[0]
                self.pools.record_arrears(yi - 1)
                self.pools.open_year(yi, first=False)
                for f in range(len(self.pools.ids)):
                    self.pools.serve_queue(f, m, yi)
                self.guidance.invest_paid(self, t)  # calls that waited for this year's money invest now
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
            self.guidance.act(self, a.index, a.step, a.time, m, yi)
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

    # ------------------------------------------------------------------ indicators

    def _indicator_snapshots(self) -> FloatArray:
        """Month-end indicator values ``[replication, month, indicator]`` (yearly steps each December)."""
        v = np.tile(np.array([float(x.initial) for x in self.ind_specs], dtype=np.float64), (self.R, 1))
        out = np.zeros((self.R, self.M, len(self.ind_ids)), dtype=np.float64)
        j = 0
        jumps = indicator_jumps(self.ind_specs, self.cal)
        for m in range(self.M):
            if m in jumps:
                apply_indicator_jump(v, self.ind_specs, jumps[m])
            if self.ind_ids and j < len(self.decembers) and self.decembers[j] == m:
                indicator_step(v, self.ind_specs, self.ind_z[:, j, :])
                j += 1
            if self.nowcast is not None:
                self.nowcast.indicators(v, m)
            out[:, m, :] = v
        return out

    # ------------------------------------------------------------------ results

    def results(self) -> list[RepResult]:
        """The replications' records (as :meth:`simulator.engines.des.world.World.result`)."""
        pools, book = self.pools, self.book
        payers = self.pids + self.gids
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
                flows = FundYears(appropriated=pools.appropriated[f, r], carried_in=pools.carried_in[f, r],
                                  drawn=pools.drawn[f, r], lapsed=pools.lapsed[f, r], refused=pools.refused[f, r],
                                  cut=pools.cut[f, r], income=pools.income[f, r], arrears_year_end=pools.arrears_ye[f, r],
                                  arrears_end=int(pools.qamt[f, r]), balance_end=int(pools.balance[f, r]))
                for y, row in fund_year_rows(self.years, flows).items():
                    fund_years[(fid, y)] = row
            exhaustion = {fid: (int(pools.exhausted[f, r]) if pools.exhausted[f, r] >= 0 else None)
                          for f, fid in enumerate(pools.ids)}
            awards = np.ascontiguousarray(pools.awards[r, :, : max(len(self.pids), 1)])
            out.append(RepResult(rep=rep, counts=counts[r], indicators=indicators[r], draws=draws,
                                 fund_years=fund_years, claims=claims_by_rep[r], exhaustion=exhaustion,
                                 awards=awards, events=int(events[r])))
        return out

