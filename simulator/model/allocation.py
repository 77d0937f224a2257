"""Batch allocation of approved claims against a fund's balance.

A pure function shared by both engines: given the amounts requested by a batch
of approved claims (in the order the policy serves them) and what the fund
has, decide what each claim is paid and what becomes of the rest.

Over-claim policies:

* ``fcfs``: pay whole claims in order; from the first that does not fit, refuse
  it and every later one.
* ``queue``: pay whole claims in order; from the first that does not fit, the
  rest wait (arrears) for the next money, keeping their order.
* ``prorata``: if the batch does not fit, every claim is cut in the same
  proportion (floored to the fen); the cut is final.

>>> import numpy as np
>>> r = allocate(np.array([60, 50, 10]), 100, "fcfs")
>>> r.paid.tolist(), [OUTCOME_NAMES[o] for o in r.outcome]
([60, 0, 0], ['paid', 'refused', 'refused'])
>>> allocate(np.array([60, 50, 10]), 100, "prorata").paid.tolist()
[50, 41, 8]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

PAID, PARTLY_PAID, QUEUED, REFUSED = 0, 1, 2, 3
OUTCOME_NAMES = ("paid", "partly_paid", "queued", "refused")
Policy = Literal["fcfs", "queue", "prorata"]


@dataclass(frozen=True)
class Allocation:
    """What a batch received: ``paid`` fen per claim and an outcome code per claim."""

    paid: npt.NDArray[np.int64]
    outcome: npt.NDArray[np.int8]

    @property
    def total_paid(self) -> int:
        """Sum paid over the batch (never more than was available)."""
        return int(self.paid.sum())


def allocate(requested: npt.ArrayLike, available: int, policy: Policy) -> Allocation:
    """Allocate ``available`` fen to ``requested`` claims under ``policy`` (see module doc).

    Guarantees: ``0 <= paid <= requested`` element-wise, ``sum(paid) <= available``,
    and each claim gets exactly one outcome.
    """
    req = np.asarray(requested, dtype=np.int64)
    if req.ndim != 1:
        raise ValueError("requested must be a 1-d array of fen")
    if (req < 0).any():
        raise ValueError("requested amounts must not be negative")
    if available < 0:
        raise ValueError("available must not be negative")
    n = req.shape[0]
    paid = np.zeros(n, dtype=np.int64)
    outcome = np.full(n, PAID, dtype=np.int8)
    if n == 0:
        return Allocation(paid, outcome)
    total = int(req.sum())
    if total <= available:
        return Allocation(req.copy(), outcome)
    if policy == "prorata":
        # floor(req * available / total) in exact integers.
        cut = [(int(r) * available) // total for r in req]
        paid = np.asarray(cut, dtype=np.int64)
        outcome[paid < req] = PARTLY_PAID
        return Allocation(paid, outcome)
    csum = np.cumsum(req)
    fits = csum <= available
    k = int(np.argmin(fits)) if not fits.all() else n  # first claim that does not fit
    paid[:k] = req[:k]
    outcome[k:] = REFUSED if policy == "fcfs" else QUEUED
    if policy not in ("fcfs", "queue"):
        raise ValueError(f"unknown over-claim policy {policy!r}")
    return Allocation(paid, outcome)


def allocate_reps(requested: npt.NDArray[np.int64], rep: npt.NDArray[np.int64], available: npt.NDArray[np.int64],
                  policy: Policy) -> Allocation:
    """:func:`allocate` for a batch of lines from one or many replications, each against its own balance.

    ``rep`` gives each line's replication (lines of one replication together,
    in the order the policy serves them) and ``available[rep]`` its balance.
    A replication whose lines fit is paid in full (what :func:`allocate` does);
    :func:`allocate` itself runs only for those that do not fit.

    >>> a = allocate_reps(np.array([60, 50, 10, 5]), np.array([0, 0, 1, 1]), np.array([100, 100]), "fcfs")
    >>> a.paid.tolist(), [OUTCOME_NAMES[o] for o in a.outcome]
    ([60, 0, 10, 5], ['paid', 'refused', 'paid', 'paid'])
    """
    n = requested.shape[0]
    outcome = np.full(n, PAID, dtype=np.int8)
    if n == 0:
        return Allocation(requested.copy(), outcome)
    starts = np.flatnonzero(np.r_[True, rep[1:] != rep[:-1]])
    ureps = rep[starts]
    fits = np.add.reduceat(requested, starts) <= available[ureps]
    if fits.all():
        return Allocation(requested, outcome)
    paid = requested.copy()
    ends = np.r_[starts[1:], n]
    for j in np.flatnonzero(~fits).tolist():
        sl = slice(int(starts[j]), int(ends[j]))
        res = allocate(requested[sl], int(available[ureps[j]]), policy)
        paid[sl] = res.paid
        outcome[sl] = res.outcome
    return Allocation(paid, outcome)
