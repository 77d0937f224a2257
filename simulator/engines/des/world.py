"""The discrete-event world of one replication, on a SimPy Environment passed in.

:func:`run_replication` is pure: ``(scenario, seed, rep) -> RepResult``.  The
world wires entities (:mod:`simulator.engines.des.entities`), program desks
(:mod:`simulator.engines.des.programs`), budget pools (:mod:`simulator.engines.des.fund`) and
guidance funds together, keeps the live counts (:mod:`simulator.engines.des.census`),
and records what happens (:mod:`simulator.engines.des.recorder`,
:mod:`simulator.model.records`).  The rules are the shared model's
(:mod:`simulator.model`), called with a batch of one replication; the hazard
rules, asked once per entity event, in their one-entity form
(:mod:`simulator.engines.des.hazards`, the same numbers).  This package adds
only the clock.
"""

from __future__ import annotations

import gc
import math
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import simpy

from simulator.engines.des.census import Census
from simulator.engines.des.entities import (
    Firm,
    FirmRules,
    Proc,
    Tiered,
    TieredRules,
    firm_next,
    firm_process,
    plan_ready,
    plan_sme,
    plan_up,
    tiered_process,
)
from simulator.engines.des.fund import Claim, Line, Pool, end_states
from simulator.engines.des.guidance import GuidanceDesk
from simulator.engines.des.hazards import RateRows
from simulator.engines.des.nowcast import DesNowcast
from simulator.engines.des.programs import Desk, GroupKey
from simulator.engines.des.recorder import Recorder
from simulator.engines.des.rng import Buffered, Sub, stream
from simulator.model.calendar import OFFSET_INDICATOR, Calendar
from simulator.model.dists import GeneratorSource, draw_dist
from simulator.model.ledger import FundYears, fund_year_rows
from simulator.model.lifecycle import (
    CERT_MONTHS,
    INCUBATION_MONTHS,
    REGISTRY_MONTHS,
    apply_indicator_jump,
    indicator_jumps,
    indicator_step,
)
from simulator.model.links import apply_links
from simulator.model.nowcast import plan_of as nowcast_plan
from simulator.model.places import PlaceTable
from simulator.model.records import RepResult, count_keys
from simulator.model.view import Clock
from simulator.model.yearrates import YearRates
from simulator.scenario import (
    TIERS,
    OnCertification,
    OnConstruction,
    OnRecognition,
    Scenario,
)

INF = math.inf


class World:
    """All live state of one replication.

    ``events`` counts the model's events as they happen: an arrival, a firm's
    or a platform's own event (a registration, an application, a result, a
    renewal, an expiry, an upgrade, an exit), a graduation, a call for
    applications, a review that decides claims, a tranche falling due, a new
    fiscal year, a guidance fund's yearly call, an indicator step.  A process
    starting or ending, an interrupt that only re-plans, a review point with
    nothing to review and a month-end record are not model events.
    """

    def __init__(self, env: simpy.Environment, scenario: Scenario, seed: int, rep: int) -> None:
        scenario = apply_links(scenario)  # the behaviour links, once (after any parameter draws)
        self.env = env
        self.scenario = scenario
        self.calendar = Calendar(scenario.scenario.start, scenario.scenario.end)
        self.horizon = float(self.calendar.n_months)
        self.clock = Clock(self.calendar, self.horizon)
        self.rates = RateRows(YearRates.for_scenario(scenario, self.calendar))
        self.seed, self.rep = seed, rep
        self.events = 0
        self.trace: list[tuple[float, str, str, str]] | None = None
        self._cid = 0
        self._eid = 0
        self.keys = count_keys(scenario)
        self.rec = Recorder(self.calendar.n_months, self.keys, list(scenario.programs))
        self.census = Census(self.keys, list(scenario.populations))
        self.entities: dict[int, Firm | Tiered] = {}
        self.firm_rules = {c: FirmRules.of(p.firms, self.rates, c) for c, p in scenario.populations.items()}
        self.tiered_rules: dict[tuple[str, str, str], TieredRules] = {
            (c, kind, typ): TieredRules.of(tp, self.rates, c)
            for c, p in scenario.populations.items()
            for kind, group in (("platform", p.platforms), ("incubator", p.incubators))
            for typ, tp in group.items()}
        self.group_best: dict[GroupKey, int] = {}
        self.pools = {fid: Pool(fid, f, scenario.level_of_fund(fid), self.rec) for fid, f in scenario.funds.items()}
        self.r_firms = Buffered(stream(seed, rep, Sub.FIRMS))
        self.r_tiered = Buffered(stream(seed, rep, Sub.PLATFORMS))
        self.r_inc = Buffered(stream(seed, rep, Sub.INCUBATORS))
        self.r_place = Buffered(stream(seed, rep, Sub.FIRMS, 1))
        self.r_ind = stream(seed, rep, Sub.INDICATORS)
        self.desks = {
            pid: Desk(self, pid, p, stream(seed, rep, Sub.PROGRAMS, i))
            for i, (pid, p) in enumerate(scenario.programs.items())
        }
        self.ind_ids = list(scenario.indicators)
        self.ind_value = np.array([float(scenario.indicators[i].initial) for i in self.ind_ids], dtype=np.float64)
        self.ind_snap = np.zeros((self.calendar.n_months, len(self.ind_ids)), dtype=np.float64)
        self.guidance_desks = [GuidanceDesk(self, gid, g, k) for k, (gid, g) in enumerate(scenario.guidance_funds.items())]
        self.places = PlaceTable(scenario)
        plan = nowcast_plan(scenario, self.calendar)
        self.nowcast = DesNowcast(self, plan) if plan is not None else None
        self._recog: dict[tuple[str, str], list[Desk]] = {}
        self._construct: dict[str, list[Desk]] = {}
        self._cert: dict[str, list[Desk]] = {}
        for desk in self.desks.values():
            trig = desk.program.trigger
            if isinstance(trig, OnRecognition):
                for typ in trig.types:
                    self._recog.setdefault((trig.kind, typ), []).append(desk)
            elif isinstance(trig, OnConstruction):
                for typ in trig.types:
                    self._construct.setdefault(typ, []).append(desk)
            elif isinstance(trig, OnCertification):
                self._cert.setdefault(trig.state, []).append(desk)

    # ------------------------------------------------------------------ calendar helpers

    def year_now(self) -> int:
        """Calendar year of the current time."""
        return self.calendar.year_of(min(int(self.env.now), self.calendar.n_months - 1))

    def month_now(self) -> int:
        """Month index of the current time."""
        return min(int(self.env.now), self.calendar.n_months - 1)

    def next_cid(self) -> int:
        """A fresh claim id."""
        self._cid += 1
        return self._cid

    def _new_eid(self) -> int:
        self._eid += 1
        return self._eid

    def random_place(self, city: str | None, rng: np.random.Generator | Buffered) -> str:
        """A place in ``city`` drawn by population share (:class:`~simulator.model.places.PlaceTable`)."""
        ids, _ = self.places.lookup(city)
        if len(ids) == 1:
            return self.places.names[ids[0]]
        u = rng.uniform() if isinstance(rng, Buffered) else float(rng.random())
        return self.places.names[self.places.draw_one(city, u)]

    # ------------------------------------------------------------------ counts, moves & triggers

    def _add(self, key: tuple[str, str, str, str], d: int) -> None:
        self.census.add(key, d)

    def log(self, what: str, who: str, detail: str) -> None:
        """Append one event to the trace (only when tracing)."""
        if self.trace is not None:
            self.trace.append((self.env.now, what, who, detail))

    def firm_move(self, f: Firm, new: str, claims: bool = True) -> None:
        """Move a firm between states, keeping counts, indexes and triggers (``claims``: certifications claim)."""
        old = f.state
        if self.trace is not None:
            self.log("firm", f"firm#{f.eid}@{f.place}", f"{old} -> {new}")
        self.census.firm_leaves(f)
        f.state = new
        if new == "exited":
            if f.incubated_until > self.env.now:
                self._add((f.city, "firm", "firm", "incubated"), -1)
                f.incubated_until = -1.0
            return
        self.census.firm_enters(f)
        if new == "hte":
            first = not f.certified_once
            f.certified_once = True
            if first:
                self._add((f.city, "new_firm", "firm", "hte"), 1)
            if claims:
                self._certified(f, "hte", first)
        elif new == "tech_sme":
            first = not f.registered_once
            f.registered_once = True
            if first:
                self._add((f.city, "new_firm", "firm", "tech_sme"), 1)
            if claims:
                self._certified(f, "tech_sme", first)

    def firm_renewed(self, f: Firm) -> None:
        """An HTE certificate was renewed (a certification that is not the first)."""
        self._certified(f, "hte", False)

    def _certified(self, f: Firm, state: str, first: bool) -> None:
        for desk in self._cert.get(state, ()):
            trig = desk.program.trigger
            assert isinstance(trig, OnCertification)
            if (trig.first_time_only and not first) or not desk.takes_claims(f.city, self.env.now):
                continue
            desk.submit(f.eid, f.place, "", 0, 0)

    def sample_firm(self, city: str, state: str, rng: np.random.Generator) -> Firm | None:
        """A random firm of a city in a state (None if there is none)."""
        return self.census.sample_firm(city, state, rng)

    def sample_platform(self, city: str, types: Sequence[str], rng: np.random.Generator) -> Tiered | None:
        """A random live platform of a city among some types."""
        return self.census.sample_platform(city, types, rng)

    def tiered_exit(self, e: Tiered) -> None:
        """A platform or incubator closes."""
        e.alive = False
        if self.trace is not None:
            self.log(e.kind, f"{e.type}#{e.eid}@{e.place}", "exit")
        self._add((e.city, e.kind, e.type, TIERS[e.tier]), -1)
        self.census.tiered_leaves(e)

    def tiered_upgrade(self, e: Tiered) -> None:
        """A platform or incubator is recognised at the next tier."""
        self._add((e.city, e.kind, e.type, TIERS[e.tier]), -1)
        if self.trace is not None:
            self.log(e.kind, f"{e.type}#{e.eid}@{e.place}", f"{TIERS[e.tier]} -> {TIERS[e.tier + 1]}")
        e.tier += 1
        self._add((e.city, e.kind, e.type, TIERS[e.tier]), 1)
        self._recognised(e)

    def _recognised(self, e: Tiered, arrival: bool = False) -> None:
        tier = TIERS[e.tier]
        e.new_at = e.tier
        self._add((e.city, "new_" + e.kind, e.type, tier), 1)
        if arrival:
            self._add((e.city, "arrived_" + e.kind, e.type, tier), 1)
        for desk in self._recog.get((e.kind, e.type), ()):
            trig = desk.program.trigger
            assert isinstance(trig, OnRecognition)
            if tier in trig.tiers and desk.takes_claims(e.city, self.env.now):
                desk.submit(e.eid, e.place, tier, e.area_m2, 0)

    def support(self, eid: int, on: str, multiplier: float, months: int) -> None:
        """Behaviour link: money received multiplies a hazard for ``months``."""
        e = self.entities.get(eid)
        if e is None:
            return
        now = self.env.now
        e.boost, e.boost_until = multiplier, now + months
        if isinstance(e, Firm):
            if e.state == "exited":
                return
            e.boost_on = on
            rules = self.firm_rules[e.city]
            if on == "hte" and e.state == "tech_sme" and e.t_result == INF and e.t_ready > now:
                # Not yet ready: redraw readiness under the boosted hazard (memoryless).  A firm
                # already ready and waiting for its window keeps its application date.
                plan_ready(self, e, rules, self.r_firms)
            elif on == "tech_sme" and e.state == "startup":
                plan_sme(self, e, rules, self.r_firms)
            else:
                return
        else:
            if not e.alive or on != "upgrade":
                return
            plan_up(self, e, self.tiered_rules[(e.city, e.kind, e.type)], self.r_tiered)
        self.wake(e)

    def wake(self, e: Firm | Tiered) -> None:
        """Make an entity re-plan: interrupt its process, or start one if it had none."""
        if e.proc is not None and e.proc.is_alive:
            if e.proc is not self.env.active_process:
                e.proc.interrupt()
            return
        if isinstance(e, Firm):
            if firm_next(e) < self.horizon:
                e.proc = self.env.process(firm_process(self, e, self.firm_rules[e.city], self.r_firms))
        elif min(e.t_exit, e.t_up) < self.horizon:
            rnd = self.r_tiered if e.kind == "platform" else self.r_inc
            e.proc = self.env.process(tiered_process(self, e, self.tiered_rules[(e.city, e.kind, e.type)], rnd))

    # ------------------------------------------------------------------ money

    def pay_lines(self, lines: list[Line]) -> None:
        """Send payment lines to their funds (grouped per fund, in split order)."""
        by_fund: dict[str, list[Line]] = {}
        for ln in lines:
            by_fund.setdefault(ln.fund, []).append(ln)
        m, y = self.month_now(), self.year_now()
        for fid, group in by_fund.items():
            pool = self.pools[fid]
            before = pool.balance
            pool.pay(group, self.env.now, m, y)
            if self.trace is not None:
                asked = sum(ln.amount for ln in group)
                self.log("payment", fid, f"{len(group)} line(s) asked {asked / 100:.2f} yuan, paid "
                         f"{(before - pool.balance) / 100:.2f}; balance {pool.balance / 100:.2f}; queued {len(pool.queue)}")

    # ------------------------------------------------------------------ creation

    def add_firm(self, city: str, state: str, incubated: bool, baseline: bool) -> Firm:
        """Create a firm and start its process."""
        now = self.env.now
        rnd = self.r_firms
        rules = self.firm_rules[city]
        place = self.random_place(city, self.r_place)
        f = Firm(self._new_eid(), city, place, state)
        self.entities[f.eid] = f
        exit_rate = rules.exit[state]
        f.t_exit = now + (rnd.exponential() / exit_rate if exit_rate > 0 else INF)
        if incubated:
            f.incubated_until = now + INCUBATION_MONTHS
            self._add((city, "firm", "firm", "incubated"), 1)
            if f.incubated_until < self.horizon:  # a graduation past the horizon never happens
                grad = self.env.timeout(INCUBATION_MONTHS)
                grad.callbacks.append(self._graduation_callback(f))
        if state == "startup":
            plan_sme(self, f, rules, rnd)
        elif state == "tech_sme":
            f.registered_once = True
            f.t_renew = now + (rnd.uniform() * REGISTRY_MONTHS if baseline else REGISTRY_MONTHS)
            plan_ready(self, f, rules, rnd)
        else:
            f.certified_once = f.registered_once = True
            f.t_expiry = now + rnd.uniform() * CERT_MONTHS
        self.census.firm_enters(f)
        if firm_next(f) < self.horizon:
            f.proc = self.env.process(firm_process(self, f, rules, rnd))
        return f

    def _graduation_callback(self, f: Firm) -> Callable[[simpy.events.Event], None]:
        def done(_ev: simpy.events.Event) -> None:
            self._graduate(f)

        return done

    def _graduate(self, f: Firm) -> None:
        if f.state != "exited" and f.incubated_until > 0 and f.incubated_until <= self.env.now + 1e-9:
            self.events += 1
            self._add((f.city, "firm", "firm", "incubated"), -1)
            f.incubated_until = -1.0

    def add_tiered(self, city: str, kind: str, typ: str, tier: int, rnd: Buffered, baseline: bool) -> Tiered:
        """Create a platform or incubator and start its process."""
        now = self.env.now
        rules = self.tiered_rules[(city, kind, typ)]
        pop = rules.pop
        e = Tiered(self._new_eid(), city, self.random_place(city, self.r_place), kind, typ, tier)
        self.entities[e.eid] = e
        if pop.area_m2 is not None:
            e.area_m2 = round(float(draw_dist(pop.area_m2, 1, GeneratorSource(rnd.rng))[0]))
        e.t_exit = now + (rnd.exponential() / rules.exit if rules.exit > 0 else INF)
        self._add((city, kind, typ, TIERS[tier]), 1)
        self.census.tiered_enters(e)
        plan_up(self, e, rules, rnd)
        if not baseline:
            if tier > 0:
                self._recognised(e, arrival=True)
            if kind == "incubator":
                for desk in self._construct.get(typ, ()):
                    if desk.takes_claims(city, now):
                        desk.submit(e.eid, e.place, TIERS[tier], e.area_m2, 0)
        if min(e.t_exit, e.t_up) < self.horizon:
            e.proc = self.env.process(tiered_process(self, e, rules, rnd))
        return e

    # ------------------------------------------------------------------ processes

    def firm_arrivals(self, city: str) -> Proc:
        """New start-ups arrive as a Poisson process."""
        pop = self.firm_rules[city].pop
        rate = pop.arrivals_per_year / 12.0
        if rate <= 0:
            return
        rnd = self.r_firms
        row = self.rates.row(city, trend=True)
        while True:
            dt = self.rates.wait(row, rnd.exponential(), self.env.now, rate)
            if self.env.now + dt >= self.horizon:
                return
            yield self.env.timeout(dt)
            self.events += 1
            self.add_firm(city, "startup", rnd.uniform() < pop.p_incubated, baseline=False)

    def tiered_arrivals(self, city: str, kind: str, typ: str, rnd: Buffered) -> Proc:
        """New platforms or incubators arrive as a Poisson process at their entry tier."""
        rules = self.tiered_rules[(city, kind, typ)]
        rate = rules.pop.arrivals_per_year / 12.0
        if rate <= 0:
            return
        tier = TIERS.index(rules.pop.entry_tier)
        while True:
            dt = self.rates.wait(rules.row, rnd.exponential(), self.env.now, rate)
            if self.env.now + dt >= self.horizon:
                return
            yield self.env.timeout(dt)
            self.events += 1
            self.add_tiered(city, kind, typ, tier, rnd, baseline=False)

    def fiscal_years(self) -> Proc:
        """Open each fiscal year: year end of the last, new appropriation, arrears first."""
        first_year = self.calendar.year_of(0)
        for pool in self.pools.values():
            pool.open_year(first_year, first=True)
        for m in self.calendar.january_months():
            if m == 0:
                continue
            yield self.env.timeout(m - self.env.now)
            self.events += 1
            y = self.calendar.year_of(m)
            for fid, pool in self.pools.items():
                pool.open_year(y, first=False)
                pool.serve_queue(self.env.now, m, y)
                self.log("fiscal-year", fid, f"{y}: appropriation {pool.year(y).appropriated / 100:.2f}, "
                         f"carried in {pool.year(y).carried_in / 100:.2f}, balance {pool.balance / 100:.2f}")
            self.invest_all()  # capital calls that waited for this year's money fund their investments now

    def snapshots(self) -> Proc:
        """Month-end snapshots of counts and indicators."""
        for m in range(self.calendar.n_months):
            yield self.env.timeout(m + 1 - 1e-7 - self.env.now)
            if self.nowcast is not None:
                self.nowcast.apply(m)  # the actual figures of this month, before it is recorded
            self.rec.snap[m] = self.census.live
            self.ind_snap[m] = self.ind_value

    def indicators(self) -> Proc:
        """Yearly steps of the aggregate indicators (each December)."""
        if not self.ind_ids:
            return
        specs = [self.scenario.indicators[i] for i in self.ind_ids]
        t = self.calendar.next_month_with(12, 0.0, OFFSET_INDICATOR)
        while t < self.horizon:
            yield self.env.timeout(t - self.env.now)
            self.events += 1
            z = self.r_ind.standard_normal(len(specs))
            indicator_step(self.ind_value[None, :], specs, z[None, :])
            t += 12.0

    def dated_steps(self) -> Proc:
        """Dated steps of the aggregate indicators (a merger), at the start of their month."""
        specs = [self.scenario.indicators[i] for i in self.ind_ids]
        for m, add in indicator_jumps(specs, self.calendar).items():
            yield self.env.timeout(m - self.env.now)
            self.events += 1
            apply_indicator_jump(self.ind_value[None, :], specs, add)

    @property
    def guidance_claims(self) -> list[Claim]:
        """The capital calls of every guidance fund, in fund then call order."""
        return [c for gd in self.guidance_desks for c in gd.claims]

    def invest_all(self) -> None:
        """Every guidance fund funds the investments of its calls paid since it last looked."""
        for gd in self.guidance_desks:
            gd.invest_paid()

    # ------------------------------------------------------------------ run

    def setup(self) -> None:
        """Create the baselines and start every process."""
        env = self.env
        for city, pop in self.scenario.populations.items():
            for state, n in pop.firms.baseline.items():
                for _ in range(n):
                    self.add_firm(city, state, incubated=False, baseline=True)
            env.process(self.firm_arrivals(city))
            for kind, group, rnd in (("platform", pop.platforms, self.r_tiered), ("incubator", pop.incubators, self.r_inc)):
                for typ, tpop in group.items():
                    for tier_name, n in tpop.baseline.items():
                        for _ in range(n):
                            self.add_tiered(city, kind, typ, TIERS.index(tier_name), rnd, baseline=True)
                    env.process(self.tiered_arrivals(city, kind, typ, rnd))
        env.process(self.fiscal_years())
        for desk in self.desks.values():
            env.process(desk.call_process())
            env.process(desk.review_process())
        for gd in self.guidance_desks:
            env.process(gd.process())
        env.process(self.indicators())
        env.process(self.dated_steps())
        env.process(self.snapshots())

    def result(self) -> RepResult:
        """Collect the replication's records after the run."""
        years = self.calendar.years
        fund_years: dict[tuple[str, int], dict[str, int]] = {}
        for fid, pool in self.pools.items():
            fys = [pool.year(y) for y in years]
            flows = FundYears(
                appropriated=np.array([fy.appropriated for fy in fys], dtype=np.int64),
                carried_in=np.array([fy.carried_in for fy in fys], dtype=np.int64),
                drawn=np.array([fy.drawn for fy in fys], dtype=np.int64),
                lapsed=np.array([fy.lapsed for fy in fys], dtype=np.int64),
                refused=np.array([fy.refused for fy in fys], dtype=np.int64),
                cut=np.array([fy.prorata_cut for fy in fys], dtype=np.int64),
                income=np.array([fy.income for fy in fys], dtype=np.int64),
                arrears_year_end=np.array([self._arrears_at_year_end.get((fid, y), 0) for y in years], dtype=np.int64),
                arrears_end=pool.arrears(), balance_end=pool.balance)
            for y, row in fund_year_rows(years, flows).items():
                fund_years[(fid, y)] = row
        claims: dict[tuple[str, int, str], list[int]] = {}
        pending_ids = {c.cid for d in self.desks.values() for c in d.pending}
        all_claims = [c for d in self.desks.values() for c in d.claims] + self.guidance_claims
        for c, state in zip(all_claims, end_states(all_claims, pending_ids), strict=True):
            acc = claims.setdefault((c.program, c.year, state), [0, 0, 0])
            acc[0] += 1
            acc[1] += c.requested_fen
            acc[2] += c.paid_fen
        return RepResult(
            rep=self.rep,
            counts=self.rec.snap,
            indicators=self.ind_snap,
            draws=dict(self.rec.draws),
            fund_years=fund_years,
            claims=claims,
            exhaustion={fid: p.exhausted_month for fid, p in self.pools.items()},
            awards=self.rec.award_month,
            events=self.events,
        )

    _arrears_at_year_end: dict[tuple[str, int], int]

    def year_end_arrears(self) -> Proc:
        """Record each fund's arrears just before each new fiscal year."""
        self._arrears_at_year_end = {}
        for m in self.calendar.january_months():
            if m == 0:
                continue
            yield self.env.timeout(m - 1e-6 - self.env.now)
            y = self.calendar.year_of(m) - 1
            for fid, pool in self.pools.items():
                self._arrears_at_year_end[(fid, y)] = pool.arrears()


class _CollectorPause:
    """Holds the cyclic garbage collector off while at least one replication runs (in any thread).

    A replication allocates hundreds of thousands of short-lived events and
    generators, all freed by reference counting; the collector, triggered by
    the allocations, would walk the live entities again and again to find
    almost nothing (about a quarter of the run time).  Whatever cycles a
    replication leaves are collected once the collector runs again: it resumes
    when the last running replication ends, and only if it was on before the
    first began.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._was_enabled = False

    @contextmanager
    def during(self) -> Iterator[None]:
        """The collector is off inside the ``with`` block."""
        with self._lock:
            if self._running == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if self._running == 0 and self._was_enabled:
                    gc.enable()


_COLLECTOR = _CollectorPause()


def run_replication(scenario: Scenario, seed: int, rep: int,
                    trace: list[tuple[float, str, str, str]] | None = None) -> RepResult:
    """Run one replication of the SimPy engine (pass a list as ``trace`` to record every event)."""
    with _COLLECTOR.during():
        env = simpy.Environment()
        w = World(env, scenario, seed, rep)
        w.trace = trace
        w.setup()
        w._arrears_at_year_end = {}
        env.process(w.year_end_arrears())
        env.run(until=w.horizon)
        return w.result()
