"""A guidance fund during a replication: its capital calls, the investments they fund, its distributions.

Each fund year, on the fund's call date, the guidance fund first pays its
owner the year's distribution (credited to the owner's budget fund as income,
:func:`simulator.model.ledger.credited_distribution`), then calls the year's
capital from it.  A call is a claim on the owner's fund like any other: it is
paid at once or, when the fund cannot pay it, waits in the queue.  The local
investments a call funds (and their behaviour effect on the investees) happen
when the call is actually paid, whenever that is
(:func:`simulator.model.ledger.new_investments`): :meth:`GuidanceDesk.invest_paid`
runs after every payment that may reach a call.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import simpy

from simulator.engines.des.entities import Firm, Proc
from simulator.engines.des.fund import Claim, Line, Pool
from simulator.engines.des.rng import Sub, stream
from simulator.model.ledger import credited_distribution, guidance_paths, new_investments
from simulator.model.view import Clock, guidance_times
from simulator.scenario import GuidanceFund, Scenario


class Owner(Protocol):
    """What a guidance fund needs from the world it works in."""

    env: simpy.Environment
    scenario: Scenario
    clock: Clock
    seed: int
    rep: int
    pools: dict[str, Pool]
    events: int

    def log(self, what: str, who: str, detail: str) -> None:
        """Append one event to the trace."""

    def next_cid(self) -> int:
        """A fresh claim id."""

    def year_now(self) -> int:
        """Calendar year of the current time."""

    def month_now(self) -> int:
        """Month index of the current time."""

    def sample_firm(self, city: str, state: str, rng: np.random.Generator) -> Firm | None:
        """A random firm of a city in a state."""

    def support(self, eid: int, on: str, multiplier: float, months: int) -> None:
        """Behaviour link: money received multiplies a hazard."""

    def invest_all(self) -> None:
        """Let every guidance fund fund the investments of its calls paid since it last looked."""


class GuidanceDesk:
    """The live state of one guidance fund."""

    def __init__(self, w: Owner, gid: str, g: GuidanceFund, k: int) -> None:
        self.w, self.gid, self.g = w, gid, g
        self.rng = stream(w.seed, w.rep, Sub.GUIDANCE, k)
        paths = guidance_paths(g, [self.rng])
        self.calls, self.distributions = paths.calls[0], paths.distributions[0]
        self.pool = w.pools[g.fund]
        self.city = w.scenario.city_of(w.scenario.funds[g.fund].owner)
        self.claims: list[Claim] = []
        self.invested: dict[int, int] = {}  # claim id -> fen of it already turned into investments

    def process(self) -> Proc:
        """Each fund year: the distribution credited back, then the capital call."""
        w, g, pool = self.w, self.g, self.pool
        env = w.env
        times = guidance_times(w.clock, g.start, g.call_month, len(self.calls))
        for j, t in enumerate(times):
            yield env.timeout(t - env.now)
            w.events += 1
            m, y = w.month_now(), w.year_now()
            if self.distributions[j] > 0:
                paid = sum(c.paid_fen for c in self.claims)
                called = sum(c.requested_fen for c in self.claims)
                credit = credited_distribution(g, self.distributions[j:j + 1], np.array([paid]), np.array([called]))
                if credit[0] > 0:
                    pool.credit(int(credit[0]), env.now, m, y)
                    w.log("distribution", self.gid, f"{int(credit[0]) / 100:.2f} yuan credited to {g.fund}")
                    w.invest_all()
            amount = int(self.calls[j])
            if amount <= 0:
                continue
            c = Claim(w.next_cid(), self.gid, -1, "", "", 0, 0, env.now, year=y, approved=True, requested_fen=amount)
            self.claims.append(c)
            self.invested[c.cid] = 0
            pool.pay([Line(c, g.fund, pool.level, amount)], env.now, m, y)
            self.invest_paid()

    def invest_paid(self) -> None:
        """Fund the investments of every call paid since the last look (none while a call waits)."""
        g, w = self.g, self.w
        if g.effect is None or self.city is None:
            return
        for c in self.claims:
            before = self.invested[c.cid]
            if c.paid_fen <= before:
                continue
            self.invested[c.cid] = c.paid_fen
            n_inv = int(new_investments(g, np.array([before]), np.array([c.paid_fen]))[0])
            for _ in range(n_inv):
                f = w.sample_firm(self.city, g.investee_state, self.rng)
                if f is not None:
                    w.support(f.eid, g.effect.on, g.effect.multiplier, g.effect.months)
