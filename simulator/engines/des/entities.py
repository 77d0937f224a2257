"""Firms, platforms and incubators as SimPy processes.

Each process sleeps until its own next event (a registration, an application
window, a certificate's expiry, an upgrade, an exit); nothing polls.  Hazards
are per year; model time is in months.  A behaviour link (support money)
multiplies a hazard for a while: the waiting time is redrawn from the moment
of support with a piecewise-constant hazard (valid because waits are
memoryless), and the process is interrupted to re-plan.  Arrival and
progression hazards also follow the city's yearly multipliers
(:mod:`simulator.model.yearrates`): a wait is drawn once, exactly, under the
piecewise-constant hazard, so nothing is re-planned at a new year.  The
periods, the combined multiplier and the waits are
:mod:`simulator.model.lifecycle`'s and :mod:`simulator.model.yearrates`'.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import simpy

from simulator.engines.des.rng import Buffered
from simulator.model.calendar import OFFSET_RESULT, OFFSET_WINDOW, Calendar
from simulator.model.lifecycle import (
    CERT_MONTHS,
    REGISTRY_MONTHS,
    exit_after_move,
    hazard_multiplier,
)
from simulator.model.yearrates import YearRates
from simulator.scenario import TIERS, FirmPopulation, TieredPopulation

INF = math.inf
Proc = Generator[simpy.events.Event, Any, None]


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
    rates: YearRates

    def firm_move(self, f: Firm, new: str) -> None:
        """Move a firm between states."""

    def firm_renewed(self, f: Firm) -> None:
        """An HTE certificate was renewed."""

    def tiered_exit(self, e: Tiered) -> None:
        """A platform or incubator closes."""

    def tiered_upgrade(self, e: Tiered) -> None:
        """A platform or incubator is recognised at the next tier."""


# --------------------------------------------------------------------------- firms


def _mult(f: Firm, now: float, pop: FirmPopulation, hazard: str) -> tuple[float, float]:
    """Combined multiplier on the ``hazard`` (tech_sme or hte) and how long it lasts from now.

    The rule is :func:`simulator.model.lifecycle.hazard_multiplier`, for a batch of one.
    """
    mult, until = hazard_multiplier(
        np.array([now]), np.array([f.incubated_until > now]), np.array([pop.incubated_multiplier]),
        np.array([f.incubated_until]), np.array([f.boost_on == hazard and f.boost_until > now]),
        np.array([f.boost]), np.array([f.boost_until]))
    return float(mult[0]), float(until[0])


def hazard_wait(rates: YearRates, row: int, e: float, now: float, rate: float, mult: float = 1.0,
                until: float = 0.0) -> float:
    """Waiting time for the Exp(1) draw ``e`` under ``rate`` (per month) times the yearly multipliers of ``row``.

    :meth:`simulator.model.yearrates.YearRates.wait` for a batch of one; a flat
    table without a boost takes the plain ``e / rate`` (the same number).
    """
    if rates.flat and (until <= 0 or mult == 1.0):
        return e / rate if rate > 0 else INF
    return rates.wait_one(row, e, now, rate, mult, until)


def plan_sme(w: Life, f: Firm, pop: FirmPopulation, rnd: Buffered) -> None:
    """Draw when a start-up registers as a tech SME."""
    now = w.env._now
    rate = pop.sme_rate / 12.0
    row = w.rates.row(f.city)
    if f.incubated_until <= now and f.boost_until <= now:
        f.t_sme = now + hazard_wait(w.rates, row, rnd.exponential(), now, rate)
        return
    mult, until = _mult(f, now, pop, "tech_sme")
    f.t_sme = now + hazard_wait(w.rates, row, rnd.exponential(), now, rate, mult, until)


def plan_ready(w: Life, f: Firm, pop: FirmPopulation, rnd: Buffered) -> None:
    """Draw when a tech SME is ready to apply for HTE (its hazard follows the trend), and its application time."""
    now = w.env._now
    rate = pop.hte_rate / 12.0
    row = w.rates.row(f.city, trend=True)
    if f.incubated_until <= now and f.boost_until <= now:
        f.t_ready = now + hazard_wait(w.rates, row, rnd.exponential(), now, rate)
    else:
        mult, until = _mult(f, now, pop, "hte")
        f.t_ready = now + hazard_wait(w.rates, row, rnd.exponential(), now, rate, mult, until)
    f.t_apply = w.calendar.next_month_with(pop.window_month, f.t_ready, OFFSET_WINDOW) if f.t_ready < INF else INF


def move(w: Life, f: Firm, new: str, pop: FirmPopulation, rnd: Buffered) -> None:
    """Move a live firm to state ``new`` and re-time its exit if the exit hazard of ``new`` differs.

    The rule is :func:`simulator.model.lifecycle.exit_after_move`, for a batch
    of one; a fresh Exp(1) is drawn only when the old state's exit hazard was 0.
    """
    old_rate = pop.exit_rate_of(f.state) / 12.0
    w.firm_move(f, new)
    new_rate = pop.exit_rate_of(new) / 12.0
    if new_rate != old_rate:
        fresh = rnd.exponential() if old_rate <= 0 else INF
        f.t_exit = float(exit_after_move(np.array([f.t_exit]), np.array([w.env._now]), np.array([old_rate]),
                                         np.array([new_rate]), np.array([fresh]))[0])


def firm_next(f: Firm) -> float:
    """Time of the firm's next own event."""
    if f.state == "startup":
        t_next = f.t_sme
    elif f.state == "tech_sme":
        t_next = min(f.t_renew, f.t_apply, f.t_result)
    else:
        t_next = f.t_expiry
    return min(f.t_exit, t_next)


def firm_process(w: Life, f: Firm, pop: FirmPopulation, rnd: Buffered) -> Proc:
    """The life of one firm.

    The process ends as soon as its next event lies past the horizon; support
    arriving later re-plans the firm and starts a new process if needed
    (:meth:`simulator.engines.des.world.World.wake`), so no process sleeps through the horizon.
    """
    env = w.env
    timeout = env.timeout
    horizon = w.horizon
    while True:
        now = env._now
        state = f.state
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
            continue
        now = t
        if t == f.t_exit:
            w.firm_move(f, "exited")
            return
        if f.state == "startup":
            move(w, f, "tech_sme", pop, rnd)
            f.t_renew = now + REGISTRY_MONTHS
            plan_ready(w, f, pop, rnd)
            f.t_result = INF
        elif f.state == "tech_sme":
            if t == f.t_result:
                f.t_result = INF
                if rnd.uniform() < pop.hte_pass:
                    move(w, f, "hte", pop, rnd)
                    f.t_expiry = now + CERT_MONTHS
                else:
                    plan_ready(w, f, pop, rnd)
            elif t == f.t_apply:
                f.t_apply = INF
                f.t_result = w.calendar.next_month_with(pop.result_month, now, OFFSET_RESULT)
            else:  # yearly registry renewal
                if rnd.uniform() < pop.sme_renewal:
                    f.t_renew = now + REGISTRY_MONTHS
                else:
                    move(w, f, "startup", pop, rnd)
                    f.t_apply = f.t_result = f.t_ready = INF
                    plan_sme(w, f, pop, rnd)
        else:  # hte certificate expiry
            if rnd.uniform() < pop.hte_renewal:
                f.t_expiry = now + CERT_MONTHS
                w.firm_renewed(f)
            else:
                move(w, f, "tech_sme", pop, rnd)
                f.t_renew = now + REGISTRY_MONTHS
                plan_ready(w, f, pop, rnd)


# --------------------------------------------------------------------------- platforms & incubators


def plan_up(w: Life, e: Tiered, pop: TieredPopulation, rnd: Buffered) -> None:
    """Draw the time of the next tier upgrade."""
    now = w.env.now
    if e.tier + 1 >= len(TIERS):
        e.t_up = INF
        return
    rate = pop.upgrade_rate.get(TIERS[e.tier + 1], 0.0) / 12.0
    boost_for = max(e.boost_until - now, 0.0)
    e.t_up = now + hazard_wait(w.rates, w.rates.row(e.city), rnd.exponential(), now, rate,
                               e.boost if boost_for > 0 else 1.0, boost_for)


def tiered_process(w: Life, e: Tiered, pop: TieredPopulation, rnd: Buffered) -> Proc:
    """The life of one platform or incubator."""
    env = w.env
    horizon = w.horizon
    while True:
        now = env.now
        t = min(e.t_exit, e.t_up)
        if t >= horizon:
            e.proc = None
            return
        try:
            yield env.timeout(t - now if t > now else 0.0)
        except simpy.Interrupt:
            continue
        if t == e.t_exit:
            w.tiered_exit(e)
            return
        w.tiered_upgrade(e)
        plan_up(w, e, pop, rnd)
