"""Claims and budget pools of a block of replications, vectorised.

Claims live in one growing table (struct of arrays).  A payment is a set of
*lines* (one claim's tranche for one fund) from many replications, ordered
within each replication as the reference engine orders them.  For every
replication whose lines fit its balance, the lines are paid in one vectorised
step; :func:`simulator.model.allocation.allocate_reps` (which the SimPy
engine's pools call with one replication) runs the allocation only for the
replications where they do not fit.  Fiscal years and claim end states are
:mod:`simulator.model.ledger`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from simulator.model.allocation import PAID, PARTLY_PAID, QUEUED, REFUSED, allocate_reps
from simulator.model.ledger import STATE_NAMES, claim_states, open_year
from simulator.scenario import Scenario

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

NO_ENTITY, FIRM, TIERED = -1, 0, 1
__all__ = ["FIRM", "NO_ENTITY", "STATE_NAMES", "TIERED", "ClaimBook", "Pools"]


class ClaimBook:
    """Every claim of a block: columns of a growing table, indexed by claim id."""

    _COLS: ClassVar[dict[str, Any]] = {
        "rep": np.int64, "prog": np.int64, "ekind": np.int64, "ent": np.int64, "place": np.int64,
        "tier": np.int64, "qty": np.int64, "base": np.int64, "t": np.float64, "year": np.int64,
        "approved": np.bool_, "requested": np.int64, "paid": np.int64, "qlines": np.int64,
        "refused": np.bool_, "cut": np.bool_, "awarded": np.bool_, "pending": np.bool_,
    }

    def __init__(self, capacity: int = 4096) -> None:
        self.n = 0
        self._cap = capacity
        self.rep = np.zeros(0, dtype=np.int64)
        self.prog = np.zeros(0, dtype=np.int64)
        self.ekind = np.zeros(0, dtype=np.int64)
        self.ent = np.zeros(0, dtype=np.int64)
        self.place = np.zeros(0, dtype=np.int64)
        self.tier = np.zeros(0, dtype=np.int64)
        self.qty = np.zeros(0, dtype=np.int64)
        self.base = np.zeros(0, dtype=np.int64)
        self.t = np.zeros(0, dtype=np.float64)
        self.year = np.zeros(0, dtype=np.int64)
        self.approved = np.zeros(0, dtype=np.bool_)
        self.requested = np.zeros(0, dtype=np.int64)
        self.paid = np.zeros(0, dtype=np.int64)
        self.qlines = np.zeros(0, dtype=np.int64)
        self.refused = np.zeros(0, dtype=np.bool_)
        self.cut = np.zeros(0, dtype=np.bool_)
        self.awarded = np.zeros(0, dtype=np.bool_)
        self.pending = np.zeros(0, dtype=np.bool_)
        self._grow(capacity)

    def _grow(self, cap: int) -> None:
        for name, dt in self._COLS.items():
            old = getattr(self, name)
            new = np.zeros(cap, dtype=dt)
            new[: old.shape[0]] = old
            setattr(self, name, new)
        self._cap = cap

    def add(self, *, rep: IntArray, prog: int, t: FloatArray, year: IntArray, ekind: IntArray | int = NO_ENTITY,
            ent: IntArray | int = -1, place: IntArray | int = 0, tier: IntArray | int = 4,
            qty: IntArray | int = 0, base: IntArray | int = 0, pending: bool = True) -> IntArray:
        """Append claims (one per element of ``rep``); returns their ids."""
        k = rep.shape[0]
        if self.n + k > self._cap:
            self._grow(max(2 * self._cap, self.n + k))
        ids = np.arange(self.n, self.n + k, dtype=np.int64)
        sl = slice(self.n, self.n + k)
        self.rep[sl] = rep
        self.prog[sl] = prog
        self.t[sl] = t
        self.year[sl] = year
        self.ekind[sl] = ekind
        self.ent[sl] = ent
        self.place[sl] = place
        self.tier[sl] = tier
        self.qty[sl] = qty
        self.base[sl] = base
        self.pending[sl] = pending
        self.n += k
        return ids

    def states(self) -> IntArray:
        """End state of every claim (:func:`simulator.model.ledger.claim_states`, codes into ``STATE_NAMES``)."""
        n = self.n
        return claim_states(pending=self.pending[:n], approved=self.approved[:n], queued_lines=self.qlines[:n],
                            refused=self.refused[:n], cut=self.cut[:n], paid=self.paid[:n],
                            requested=self.requested[:n])


@dataclass
class _Queue:
    """Queued lines of one fund (arrears), in arrival order."""

    rep: list[IntArray] = field(default_factory=list)
    amt: list[IntArray] = field(default_factory=list)
    claim: list[IntArray] = field(default_factory=list)
    prog: list[IntArray] = field(default_factory=list)

    def push(self, rep: IntArray, amt: IntArray, claim: IntArray, prog: IntArray) -> None:
        self.rep.append(rep)
        self.amt.append(amt)
        self.claim.append(claim)
        self.prog.append(prog)

    def pop_all(self) -> tuple[IntArray, IntArray, IntArray, IntArray]:
        """Every queued line, ordered by replication then arrival; the queue is emptied."""
        if not self.rep:
            e = np.empty(0, dtype=np.int64)
            return e, e, e, e
        rep, amt = np.concatenate(self.rep), np.concatenate(self.amt)
        claim, prog = np.concatenate(self.claim), np.concatenate(self.prog)
        self.rep, self.amt, self.claim, self.prog = [], [], [], []
        order = np.argsort(rep, kind="stable")
        return rep[order], amt[order], claim[order], prog[order]


class Pools:
    """The budget pools of every fund for every replication of a block."""

    def __init__(self, scenario: Scenario, n_reps: int, years: list[int], n_months: int, n_payers: int,
                 book: ClaimBook) -> None:
        """Set up balances and records.

        Args:
            scenario: The scenario (funds in file order).
            n_reps: Replications in the block.
            years: Calendar years of the horizon.
            n_months: Months of the horizon.
            n_payers: Programs plus guidance funds (columns of the draw records).
            book: The claims table.
        """
        self.ids = list(scenario.funds)
        self.funds = [scenario.funds[f] for f in self.ids]
        self.levels = [scenario.level_of_fund(f) for f in self.ids]
        self.policy = [f.overclaim for f in self.funds]
        self.years = years
        self.R = n_reps
        nf, ny = len(self.ids), len(years)
        self.book = book
        self.balance = np.zeros((nf, n_reps), dtype=np.int64)
        self.queues = [_Queue() for _ in self.ids]
        self.qlen = np.zeros((nf, n_reps), dtype=np.int64)
        self.qamt = np.zeros((nf, n_reps), dtype=np.int64)
        shape = (nf, n_reps, ny)
        self.appropriated = np.zeros(shape, dtype=np.int64)
        self.carried_in = np.zeros(shape, dtype=np.int64)
        self.drawn = np.zeros(shape, dtype=np.int64)
        self.lapsed = np.zeros(shape, dtype=np.int64)
        self.refused = np.zeros(shape, dtype=np.int64)
        self.cut = np.zeros(shape, dtype=np.int64)
        self.income = np.zeros(shape, dtype=np.int64)
        self.arrears_ye = np.zeros(shape, dtype=np.int64)
        self.exhausted = np.full((nf, n_reps), -1, dtype=np.int64)
        self.n_payers = n_payers
        self.n_months = n_months
        self.draws = np.zeros((n_reps, n_months, nf, max(n_payers, 1)), dtype=np.int64)
        self.awards = np.zeros((n_reps, n_months, max(n_payers, 1)), dtype=np.int32)

    # ------------------------------------------------------------------ fiscal years

    def open_year(self, yi: int, first: bool) -> None:
        """Close the previous year (lapse or carry) and add year ``yi``'s appropriation, every fund.

        The rule is :func:`simulator.model.ledger.open_year`, over the block's replications.
        """
        y = self.years[yi]
        for f, spec in enumerate(self.funds):
            op = open_year(spec, y, first, self.balance[f])
            if not first:
                self.lapsed[f, :, yi - 1] += op.lapsed
            self.carried_in[f, :, yi] = op.carried_in
            self.appropriated[f, :, yi] = op.appropriated
            self.balance[f] = op.balance

    def record_arrears(self, yi: int) -> None:
        """Arrears of every fund at the end of year ``yi``."""
        self.arrears_ye[:, :, yi] = self.qamt

    def serve_queue(self, f: int, m: int, yi: int) -> None:
        """Pay a fund's waiting arrears in order with the money there is."""
        if not self.queues[f].rep:
            return
        rep, amt, claim, prog = self.queues[f].pop_all()
        np.add.at(self.book.qlines, claim, -1)
        self.qlen[f] = 0
        self.qamt[f] = 0
        self._allocate(f, rep, amt, claim, prog, m, yi)

    def credit(self, f: int, amount: IntArray, m: int, yi: int) -> None:
        """Income of fund ``f`` per replication (guidance distributions); waiting arrears are paid from it."""
        if not amount.any():
            return
        self.balance[f] += amount
        self.income[f, :, yi] += amount
        self.serve_queue(f, m, yi)

    # ------------------------------------------------------------------ payments

    def pay(self, f: int, rep: IntArray, amt: IntArray, claim: IntArray, prog: IntArray, m: int, yi: int) -> None:
        """Pay new lines of fund ``f`` (``rep`` sorted; per replication in the order to serve them)."""
        if rep.size == 0:
            return
        if self.policy[f] == "queue":
            busy = self.qlen[f, rep] > 0
            if busy.any():
                # Arrears come first.  The head of a queue did not fit when it was queued and a balance
                # only grows in January or by income, each followed by serving the queue, so nothing behind
                # it can be paid before then: the new lines simply join the queue, exactly as Pool.pay's
                # re-allocation of the whole queue ends.
                self._enqueue(f, rep[busy], amt[busy], claim[busy], prog[busy])
                free = ~busy
                rep, amt, claim, prog = rep[free], amt[free], claim[free], prog[free]
        if rep.size:
            self._allocate(f, rep, amt, claim, prog, m, yi)

    def _enqueue(self, f: int, rep: IntArray, amt: IntArray, claim: IntArray, prog: IntArray) -> None:
        self.queues[f].push(rep, amt, claim, prog)
        np.add.at(self.book.qlines, claim, 1)
        np.add.at(self.qlen[f], rep, 1)
        np.add.at(self.qamt[f], rep, amt)

    def _allocate(self, f: int, rep: IntArray, amt: IntArray, claim: IntArray, prog: IntArray, m: int,
                  yi: int) -> None:
        starts = np.flatnonzero(np.r_[True, rep[1:] != rep[:-1]])
        ureps = rep[starts]
        res = allocate_reps(amt, rep, self.balance[f], self.policy[f])
        paid, outcome = res.paid, res.outcome
        book = self.book
        pos = paid > 0
        if pos.any():
            pc, pr, pp, pv = claim[pos], rep[pos], prog[pos], paid[pos]
            np.add.at(book.paid, pc, pv)
            nf, npay = self.draws.shape[2], self.draws.shape[3]
            np.add.at(self.draws.reshape(-1), ((pr * self.n_months + m) * nf + f) * npay + pp, pv)
            fresh = ~book.awarded[pc]
            if fresh.any():
                fc = np.unique(pc[fresh])
                book.awarded[fc] = True
                npay = self.awards.shape[2]
                np.add.at(self.awards.reshape(-1), (book.rep[fc] * self.n_months + m) * npay + book.prog[fc], 1)
        per_rep = np.add.reduceat(paid, starts)
        self.balance[f, ureps] -= per_rep
        self.drawn[f, ureps, yi] += per_rep
        if (outcome != PAID).any():
            part = outcome == PARTLY_PAID
            if part.any():
                book.cut[claim[part]] = True
                np.add.at(self.cut[f, :, yi], rep[part], amt[part] - paid[part])
            ref = outcome == REFUSED
            if ref.any():
                book.refused[claim[ref]] = True
                np.add.at(self.refused[f, :, yi], rep[ref], amt[ref])
            que = outcome == QUEUED
            if que.any():
                self._enqueue(f, rep[que], amt[que], claim[que], prog[que])
            bad = np.unique(rep[outcome != PAID])
            fresh_ex = bad[self.exhausted[f, bad] < 0]
            self.exhausted[f, fresh_ex] = m
        if (self.balance[f] < 0).any():  # pragma: no cover - allocate guarantees this
            raise AssertionError(f"fund {self.ids[f]} went negative")
