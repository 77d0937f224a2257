"""A budget pool during a replication: balance, appropriations, year end, arrears.

The pool never goes negative: every payment goes through
:func:`simulator.model.allocation.allocate_reps` (a batch of one replication).  Each payment request is a *line*
(one claim's tranche for one fund); its outcome is recorded on the claim.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from simulator.engines.des.recorder import Recorder
from simulator.model.allocation import PAID, PARTLY_PAID, QUEUED, REFUSED, allocate_reps
from simulator.model.ledger import STATE_NAMES, claim_states, open_year
from simulator.scenario import Fund


@dataclass(eq=False, slots=True)
class Claim:
    """An application under a program, from claim to its end state."""

    cid: int
    program: str
    entity: int
    place: str
    tier: str
    quantity: int
    base_fen: int
    t: float
    year: int = 0
    approved: bool = False
    requested_fen: int = 0
    paid_fen: int = 0
    open_lines: int = 0
    queued_lines: int = 0
    refused: bool = False
    cut: bool = False


@dataclass(eq=False, slots=True)
class Line:
    """One payment request against one fund."""

    claim: Claim
    fund: str
    level: str
    amount: int


@dataclass
class FundYear:
    """Money of one fund in one fiscal year (for the ``fund_years`` table)."""

    appropriated: int = 0
    carried_in: int = 0
    drawn: int = 0
    lapsed: int = 0
    refused: int = 0
    prorata_cut: int = 0
    income: int = 0


@dataclass(eq=False)
class Pool:
    """The live state of one fund."""

    fid: str
    spec: Fund
    level: str
    recorder: Recorder
    balance: int = 0
    queue: deque[Line] = field(default_factory=deque)
    years: dict[int, FundYear] = field(default_factory=dict)
    exhausted_month: int | None = None

    def year(self, y: int) -> FundYear:
        """The fiscal-year record, created on first use."""
        if y not in self.years:
            self.years[y] = FundYear()
        return self.years[y]

    def open_year(self, y: int, first: bool) -> None:
        """Close the previous year (lapse or carry, :func:`simulator.model.ledger.open_year`) and open ``y``."""
        op = open_year(self.spec, y, first, np.array([self.balance], dtype=np.int64))
        if not first:
            self.year(y - 1).lapsed += int(op.lapsed[0])
        cur = self.year(y)
        cur.carried_in = int(op.carried_in[0])
        cur.appropriated = op.appropriated
        self.balance = int(op.balance[0])

    def credit(self, amount: int, now: float, month: int, y: int) -> None:
        """Income (a guidance fund's distribution): the balance grows and waiting arrears are paid from it."""
        if amount <= 0:
            return
        self.balance += amount
        self.year(y).income += amount
        self.serve_queue(now, month, y)

    def pay(self, lines: list[Line], now: float, month: int, y: int) -> None:
        """Allocate a batch of new lines (after any arrears already waiting)."""
        if not lines:
            return
        if self.queue and self.spec.overclaim == "queue":
            # Arrears come first: new lines join the back of the queue.
            for line in lines:
                line.claim.open_lines += 1
            self.queue.extend(lines)
            for line in lines:
                line.claim.queued_lines += 1
            self.serve_queue(now, month, y)
            return
        for line in lines:
            line.claim.open_lines += 1
        self._allocate(lines, now, month, y, from_queue=False)

    def serve_queue(self, now: float, month: int, y: int) -> None:
        """Pay waiting arrears in order with the money there is."""
        if not self.queue:
            return
        lines = list(self.queue)
        self.queue.clear()
        for line in lines:
            line.claim.queued_lines -= 1
        self._allocate(lines, now, month, y, from_queue=True)

    def _allocate(self, lines: list[Line], now: float, month: int, y: int, from_queue: bool) -> None:
        req = np.fromiter((ln.amount for ln in lines), dtype=np.int64, count=len(lines))
        res = allocate_reps(req, np.zeros(req.shape[0], dtype=np.int64), np.array([self.balance]), self.spec.overclaim)
        fy = self.year(y)
        paid_total = 0
        for line, paid, outcome in zip(lines, res.paid.tolist(), res.outcome.tolist(), strict=True):
            claim = line.claim
            if paid:
                paid_total += paid
                claim.paid_fen += paid
                self.recorder.draw(month, self.fid, self.level, claim.program, paid, claim.cid)
            if outcome == PAID:
                claim.open_lines -= 1
            elif outcome == PARTLY_PAID:
                claim.open_lines -= 1
                claim.cut = True
                fy.prorata_cut += line.amount - paid
            elif outcome == REFUSED:
                claim.open_lines -= 1
                claim.refused = True
                fy.refused += line.amount
            elif outcome == QUEUED:
                claim.queued_lines += 1
                self.queue.append(line)
        self.balance -= paid_total
        fy.drawn += paid_total
        if self.balance < 0:  # pragma: no cover - allocate guarantees this
            raise AssertionError(f"fund {self.fid} went negative")
        if (res.outcome != PAID).any() and self.exhausted_month is None:
            self.exhausted_month = month

    def arrears(self) -> int:
        """Fen approved but waiting in the queue."""
        return sum(line.amount for line in self.queue)


def end_states(claims: Sequence[Claim], pending: set[int]) -> list[str]:
    """The one end state of each claim at the horizon (:func:`simulator.model.ledger.claim_states`).

    Args:
        claims: Claims of a replication.
        pending: Ids of the claims still waiting for review.
    """
    if not claims:
        return []
    codes = claim_states(
        pending=np.array([c.cid in pending for c in claims], dtype=bool),
        approved=np.array([c.approved for c in claims], dtype=bool),
        queued_lines=np.array([c.queued_lines for c in claims], dtype=np.int64),
        refused=np.array([c.refused for c in claims], dtype=bool),
        cut=np.array([c.cut for c in claims], dtype=bool),
        paid=np.array([c.paid_fen for c in claims], dtype=np.int64),
        requested=np.array([c.requested_fen for c in claims], dtype=np.int64),
    )
    return [STATE_NAMES[k] for k in codes.tolist()]
