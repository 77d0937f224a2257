"""Guidance funds of a block of replications: calls, the investments they fund, distributions.

The vectorised counterpart of :mod:`simulator.engines.des.guidance`, with the
same rules from :mod:`simulator.model.ledger`: on each call date the year's
distribution is credited to the owner's fund (scaled to the capital actually
paid, :func:`~simulator.model.ledger.credited_distribution`), then the year's
capital is called; a call funds its investments when it is paid, at once or
later from the queue (:func:`~simulator.model.ledger.new_investments`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from simulator.engines.fast.firms import Firms
from simulator.engines.fast.money import ClaimBook, Pools
from simulator.engines.fast.rng import RepUniforms
from simulator.model.ledger import credited_distribution, guidance_paths, new_investments
from simulator.scenario import FIRM_STATES, GuidanceFund, Scenario

IntArray = npt.NDArray[np.int64]


class Host(Protocol):
    """What the guidance funds need from the block they run in."""

    s: Scenario
    R: int
    years: list[int]
    book: ClaimBook
    pools: Pools
    fund_index: dict[str, int]
    pids: list[str]
    pop_cities: list[str]
    firms: Firms
    adm_u: RepUniforms


@dataclass
class _Fund:
    """One guidance fund's paths and calls across the block."""

    g: GuidanceFund
    calls: IntArray  # [R, life]
    distributions: IntArray  # [R, life]
    city: str | None
    ids: list[IntArray] = field(default_factory=list)  # claim ids of its calls, in call order
    invested: list[IntArray] = field(default_factory=list)  # fen of each call already turned into investments


class GuidanceFunds:
    """Every guidance fund of a block."""

    def __init__(self, s: Scenario, setup: list[np.random.Generator]) -> None:
        """Draw each fund's path per replication from the setup generators (in file order)."""
        self.funds: list[_Fund] = []
        for g in s.guidance_funds.values():
            paths = guidance_paths(g, setup)
            self.funds.append(_Fund(g, paths.calls, paths.distributions, s.city_of(s.funds[g.fund].owner)))

    def act(self, b: Host, k: int, step: int, t: float, m: int, yi: int) -> None:
        """Fund year ``step`` of guidance fund ``k``: its distribution credited back, then its capital call."""
        gf = self.funds[k]
        g = gf.g
        f = b.fund_index[g.fund]
        dist = gf.distributions[:, step]
        if dist.any():
            paid, called = self._paid_called(b, gf)
            credit = credited_distribution(g, dist, paid, called)
            if credit.any():
                b.pools.credit(f, credit, m, yi)
                self.invest_paid(b, t)
        amounts = gf.calls[:, step]
        reps = np.flatnonzero(amounts > 0).astype(np.int64)
        if reps.size == 0:
            return
        payer = len(b.pids) + k
        amt = amounts[reps]
        ids = b.book.add(rep=reps, prog=payer, t=np.full(reps.size, t), year=np.full(reps.size, b.years[yi]),
                         pending=False)
        b.book.approved[ids] = True
        b.book.requested[ids] = amt
        gf.ids.append(ids)
        gf.invested.append(np.zeros(ids.size, dtype=np.int64))
        b.pools.pay(f, reps, amt, ids, np.full(reps.size, payer, dtype=np.int64), m, yi)
        self.invest_paid(b, t)

    def _paid_called(self, b: Host, gf: _Fund) -> tuple[IntArray, IntArray]:
        """Capital paid and called so far, per replication."""
        paid = np.zeros(b.R, dtype=np.int64)
        called = np.zeros(b.R, dtype=np.int64)
        for ids in gf.ids:
            np.add.at(paid, b.book.rep[ids], b.book.paid[ids])
            np.add.at(called, b.book.rep[ids], b.book.requested[ids])
        return paid, called

    def invest_paid(self, b: Host, t: float) -> None:
        """Every fund funds the investments of its calls paid since it last looked (firms advanced to ``t``)."""
        for gf in self.funds:
            g = gf.g
            if g.effect is None or gf.city is None or gf.city not in b.pop_cities:
                continue
            reps: list[IntArray] = []
            for j, ids in enumerate(gf.ids):
                now = b.book.paid[ids]
                fresh = now > gf.invested[j]
                if not fresh.any():
                    continue
                n_new = new_investments(g, gf.invested[j][fresh], now[fresh])
                gf.invested[j] = np.maximum(gf.invested[j], now)
                reps.append(np.repeat(b.book.rep[ids[fresh]], n_new))
            rep = np.sort(np.concatenate(reps), kind="stable") if reps else np.empty(0, dtype=np.int64)
            if rep.size == 0:
                continue
            fi = b.firms.sample(rep, b.pop_cities.index(gf.city), FIRM_STATES.index(g.investee_state),
                                b.adm_u.take(rep, presorted=True), t)
            fi = fi[fi >= 0]
            if fi.size:
                b.firms.support(fi, g.effect.on, g.effect.multiplier, g.effect.months, t)

    def any_effect(self) -> bool:
        """Whether a paid call reaches firms (then the firms must be exact at every payment time)."""
        return any(gf.g.effect is not None for gf in self.funds)
