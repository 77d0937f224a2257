"""Firms, platforms and incubators as SimPy processes.

Each process sleeps until its own next event (a registration, an application
window, a certificate's expiry, an upgrade, an exit); nothing polls.  Hazards
are per year in the scenario and per month here (:class:`FirmRules`,
:class:`TieredRules`: a population's numbers in the clock's units, looked up
once per replication); model time is in months.  A behaviour link (support
money) multiplies a hazard for a while: the waiting time is redrawn from the
moment of support with a piecewise-constant hazard (valid because waits are
memoryless), and the process is interrupted to re-plan.  Arrival and
progression hazards also follow the city's yearly multipliers
(:mod:`simulator.model.yearrates`): a wait is drawn once, exactly, under the
piecewise-constant hazard, so nothing is re-planned at a new year.  The
periods, the combined multiplier and the waits are
:mod:`simulator.model.lifecycle`'s and :mod:`simulator.model.yearrates`', for
one entity at a time (:mod:`simulator.engines.des.hazards`).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any, Protocol

import simpy

from simulator.engines.des.hazards import RateRows, exit_after_move, hazard_multiplier
from simulator.engines.des.rng import Buffered
from simulator.model.calendar import OFFSET_RESULT, OFFSET_WINDOW, Calendar
from simulator.model.lifecycle import CERT_MONTHS, REGISTRY_MONTHS
from simulator.scenario import FIRM_STATES, TIERS, FirmPopulation, TieredPopulation

INF = math.inf
Proc = Generator[simpy.events.Event, Any, None]


@dataclass(frozen=True, slots=True)
class FirmRules:
    """A city's firm population as the clock uses it: its hazards per month and its rows of year multipliers."""

    pop: FirmPopulation
    exit: dict[str, float]  # exit hazard per month, by life-cycle state
    sme: float  # registration hazard per month
    hte: float  # HTE-readiness hazard per month
    row: int  # the city's year multipliers (registration)
    trend_row: int  # the same with the firm trend (arrivals, HTE readiness)

    @classmethod
    def of(cls, pop: FirmPopulation, rates: RateRows, city: str) -> FirmRules:
        """The rules of ``city``'s firms."""
        return cls(pop, {s: pop.exit_rate_of(s) / 12.0 for s in FIRM_STATES}, pop.sme_rate / 12.0, pop.hte_rate / 12.0,
                   rates.row(city), rates.row(city, trend=True))


@dataclass(frozen=True, slots=True)
class TieredRules:
    """A type of platform or incubator of a city as the clock uses it: hazards per month."""

    pop: TieredPopulation
    up: list[float]  # hazard per month of reaching the next tier, by current tier (0 at the top)
    exit: float  # exit hazard per month
    row: int  # the city's year multipliers

    @classmethod
    def of(cls, pop: TieredPopulation, rates: RateRows, city: str) -> TieredRules:
        """The rules of one type of a city's platforms or incubators."""
        up = [pop.upgrade_rate.get(TIERS[k + 1], 0.0) / 12.0 if k + 1 < len(TIERS) else 0.0 for k in range(len(TIERS))]
        return cls(pop, up, pop.exit_rate / 12.0, rates.row(city))


@dataclass(eq=False, slots=True)
class Firm:
    """A firm's state (the process that drives it is :func:`firm_process`)."""

    eid: int
    city: str
    place: str
    state: str  # startup | tech_sme | hte | exited
    incubated_until: float = -1.0
    boost_until: float = -1.0
    boost: float = 1.0
    boost_on: str = "hte"
    t_exit: float = INF
    t_sme: float = INF
    t_renew: float = INF
    t_ready: float = INF
    t_apply: float = INF
    t_result: float = INF
    t_expiry: float = INF
    certified_once: bool = False
    registered_once: bool = False
    proc: simpy.Process | None = None
    slot: int = -1


@dataclass(eq=False, slots=True)
class Tiered:
    """A platform or an incubator."""

    eid: int
    city: str
    place: str
    kind: str  # platform | incubator
    type: str
    tier: int  # index into TIERS
    area_m2: int = 0
    boost_until: float = -1.0
    boost: float = 1.0
    t_exit: float = INF
    t_up: float = INF
    alive: bool = True
    proc: simpy.Process | None = None
    slot: int = -1
    extra: dict[str, float] = field(default_factory=dict)
    new_at: int = -1  # tier of its recognition during the run while it holds that tier (-1: none)


class Life(Protocol):
    """What an entity's process needs from the world it lives in."""

    env: simpy.Environment
    calendar: Calendar
    horizon: float
    rates: RateRows
    events: int

    def firm_move(self, f: Firm, new: str) -> None:
        """Move a firm between states."""

    def firm_renewed(self, f: Firm) -> None:
        """An HTE certificate was renewed."""

    def tiered_exit(self, e: Tiered) -> None:
        """A platform or incubator closes."""

    def tiered_upgrade(self, e: Tiered) -> None:
        """A platform or incubator is recognised at the next tier."""


# --------------------------------------------------------------------------- firms


def plan_sme(w: Life, f: Firm, rules: FirmRules, rnd: Buffered) -> None:
    """Draw when a start-up registers as a tech SME (incubation and support multiply the hazard while they last)."""
    now = w.env._now
    if f.incubated_until <= now and f.boost_until <= now:
        f.t_sme = now + w.rates.wait(rules.row, rnd.exponential(), now, rules.sme)
        return
    mult, until = hazard_multiplier(now, f.incubated_until > now, rules.pop.incubated_multiplier, f.incubated_until,
                                    f.boost_on == "tech_sme" and f.boost_until > now, f.boost, f.boost_until)
    f.t_sme = now + w.rates.wait(rules.row, rnd.exponential(), now, rules.sme, mult, until)


def plan_ready(w: Life, f: Firm, rules: FirmRules, rnd: Buffered) -> None:
    """Draw when a tech SME is ready to apply for HTE (its hazard follows the trend), and its application time."""
    now = w.env._now
    if f.incubated_until <= now and f.boost_until <= now:
        f.t_ready = now + w.rates.wait(rules.trend_row, rnd.exponential(), now, rules.hte)
    else:
        mult, until = hazard_multiplier(now, f.incubated_until > now, rules.pop.incubated_multiplier,
                                        f.incubated_until, f.boost_on == "hte" and f.boost_until > now, f.boost,
                                        f.boost_until)
        f.t_ready = now + w.rates.wait(rules.trend_row, rnd.exponential(), now, rules.hte, mult, until)
    f.t_apply = (w.calendar.next_month_with(rules.pop.window_month, f.t_ready, OFFSET_WINDOW)
                 if f.t_ready < INF else INF)


def move(w: Life, f: Firm, new: str, rules: FirmRules, rnd: Buffered) -> None:
    """Move a live firm to state ``new`` and re-time its exit if the exit hazard of ``new`` differs.

    The rule is :func:`simulator.model.lifecycle.exit_after_move`; a fresh
    Exp(1) is drawn only when the old state's exit hazard was 0.
    """
    old_rate = rules.exit[f.state]
    w.firm_move(f, new)
    new_rate = rules.exit[new]
    if new_rate != old_rate:
        fresh = rnd.exponential() if old_rate <= 0 else INF
        f.t_exit = exit_after_move(f.t_exit, w.env._now, old_rate, new_rate, fresh)


def firm_next(f: Firm) -> float:
    """Time of the firm's next own event."""
    if f.state == "startup":
        t_next = f.t_sme
    elif f.state == "tech_sme":
        t_next = min(f.t_renew, f.t_apply, f.t_result)
    else:
        t_next = f.t_expiry
    return min(f.t_exit, t_next)


def firm_process(w: Life, f: Firm, rules: FirmRules, rnd: Buffered) -> Proc:
    """The life of one firm.

    The process ends as soon as its next event lies past the horizon; support
    arriving later re-plans the firm and starts a new process if needed
    (:meth:`simulator.engines.des.world.World.wake`), so no process sleeps through the horizon.
    """
    env = w.env
    timeout = env.timeout
    horizon = w.horizon
    pop = rules.pop
    while True:
        now = env._now
        state = f.state  # the next event: firm_next(f), spelt out on this hot path
        if state == "startup":
            t = f.t_sme
        elif state == "tech_sme":
            t = min(f.t_renew, f.t_apply, f.t_result)
        else:
            t = f.t_expiry
        if f.t_exit < t:
            t = f.t_exit
        if t >= horizon:
            f.proc = None
            return
        try:
            yield timeout(t - now if t > now else 0.0)
        except simpy.Interrupt:
            continue  # re-planned by support money: not an event of its own
        w.events += 1
        now = t
        if t == f.t_exit:
            w.firm_move(f, "exited")
            return
        if state == "startup":
            move(w, f, "tech_sme", rules, rnd)
            f.t_renew = now + REGISTRY_MONTHS
            plan_ready(w, f, rules, rnd)
            f.t_result = INF
        elif state == "tech_sme":
            if t == f.t_result:
                f.t_result = INF
                if rnd.uniform() < pop.hte_pass:
                    move(w, f, "hte", rules, rnd)
                    f.t_expiry = now + CERT_MONTHS
                else:
                    plan_ready(w, f, rules, rnd)
            elif t == f.t_apply:
                f.t_apply = INF
                f.t_result = w.calendar.next_month_with(pop.result_month, now, OFFSET_RESULT)
            else:  # yearly registry renewal
                if rnd.uniform() < pop.sme_renewal:
                    f.t_renew = now + REGISTRY_MONTHS
                else:
                    move(w, f, "startup", rules, rnd)
                    f.t_apply = f.t_result = f.t_ready = INF
                    plan_sme(w, f, rules, rnd)
        else:  # hte certificate expiry
            if rnd.uniform() < pop.hte_renewal:
                f.t_expiry = now + CERT_MONTHS
                w.firm_renewed(f)
            else:
                move(w, f, "tech_sme", rules, rnd)
                f.t_renew = now + REGISTRY_MONTHS
                plan_ready(w, f, rules, rnd)


# --------------------------------------------------------------------------- platforms & incubators


def plan_up(w: Life, e: Tiered, rules: TieredRules, rnd: Buffered) -> None:
    """Draw the time of the next tier upgrade."""
    now = w.env._now
    if e.tier + 1 >= len(TIERS):
        e.t_up = INF
        return
    boost_for = max(e.boost_until - now, 0.0)
    e.t_up = now + w.rates.wait(rules.row, rnd.exponential(), now, rules.up[e.tier], e.boost if boost_for > 0 else 1.0,
                                boost_for)


def tiered_process(w: Life, e: Tiered, rules: TieredRules, rnd: Buffered) -> Proc:
    """The life of one platform or incubator."""
    env = w.env
    horizon = w.horizon
    while True:
        now = env._now
        t = min(e.t_exit, e.t_up)
        if t >= horizon:
            e.proc = None
            return
        try:
            yield env.timeout(t - now if t > now else 0.0)
        except simpy.Interrupt:
            continue
        w.events += 1
        if t == e.t_exit:
            w.tiered_exit(e)
            return
        w.tiered_upgrade(e)
        plan_up(w, e, rules, rnd)
