"""Batch allocation of claims against a fund: properties that hold for every batch and balance."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.model.allocation import (
    OUTCOME_NAMES,
    PAID,
    PARTLY_PAID,
    QUEUED,
    REFUSED,
    Allocation,
    Policy,
    allocate,
)

POLICIES: tuple[Policy, ...] = ("fcfs", "queue", "prorata")
MAX_FEN = 10**13  # 1000亿元: far above any claim, far below int64 overflow when summed

amounts = st.integers(min_value=0, max_value=MAX_FEN)
batches = st.lists(amounts, min_size=0, max_size=40)


@st.composite
def batch_and_balance(draw: st.DrawFn) -> tuple[list[int], int]:
    """A batch and a balance that is sometimes enough, sometimes not, sometimes zero."""
    req = draw(batches)
    total = sum(req)
    available = draw(
        st.one_of(
            st.just(0),
            st.integers(min_value=0, max_value=max(total, 1)),
            st.integers(min_value=total, max_value=total + MAX_FEN),
            st.just(total),
            st.just(max(total - 1, 0)),
        )
    )
    return req, available


def check_common(req: list[int], available: int, alloc: Allocation) -> None:
    paid = alloc.paid.tolist()
    assert len(paid) == len(req) == len(alloc.outcome)  # exactly one outcome per claim
    assert alloc.paid.dtype == np.int64
    for r, p, o in zip(req, paid, alloc.outcome.tolist(), strict=True):
        assert 0 <= p <= r
        assert o in (PAID, PARTLY_PAID, QUEUED, REFUSED)
        if o == PAID:
            assert p == r
        elif o == PARTLY_PAID:
            assert p < r
        else:
            assert p == 0
    assert sum(paid) <= available
    assert alloc.total_paid == sum(paid)


@pytest.mark.parametrize("policy", POLICIES)
@settings(max_examples=150, deadline=None)
@given(case=batch_and_balance())
def test_invariants(policy: Policy, case: tuple[list[int], int]) -> None:
    req, available = case
    alloc = allocate(np.array(req, dtype=np.int64), available, policy)
    check_common(req, available, alloc)
    if sum(req) <= available:
        assert alloc.paid.tolist() == req
        assert (alloc.outcome == PAID).all()


@pytest.mark.parametrize("policy", ["fcfs", "queue"])
@settings(max_examples=150, deadline=None)
@given(case=batch_and_balance())
def test_fcfs_and_queue_pay_a_prefix(policy: Policy, case: tuple[list[int], int]) -> None:
    req, available = case
    alloc = allocate(np.array(req, dtype=np.int64), available, policy)
    outcomes = alloc.outcome.tolist()
    k = next((i for i, o in enumerate(outcomes) if o != PAID), len(req))  # first claim not paid
    # Claims before k are paid in full, in order; from k on none is paid.
    assert alloc.paid.tolist() == req[:k] + [0] * (len(req) - k)
    rest = REFUSED if policy == "fcfs" else QUEUED
    assert outcomes == [PAID] * k + [rest] * (len(req) - k)
    assert PARTLY_PAID not in outcomes
    if k < len(req):
        # The prefix is the longest that fits: the first unpaid claim does not fit on top of it.
        assert sum(req[: k + 1]) > available
    assert sum(req[:k]) <= available


@settings(max_examples=200, deadline=None)
@given(case=batch_and_balance())
def test_prorata_cuts_proportionally(case: tuple[list[int], int]) -> None:
    req, available = case
    alloc = allocate(np.array(req, dtype=np.int64), available, "prorata")
    total = sum(req)
    if total <= available:
        assert alloc.paid.tolist() == req
        return
    for r, p in zip(req, alloc.paid.tolist(), strict=True):
        fair = Fraction(r * available, total)
        assert fair - 1 < p <= fair  # within one fen of req × available / total, never above it
    # Flooring loses less than one fen per claim.
    assert available - len(req) < alloc.total_paid <= available
    assert QUEUED not in alloc.outcome and REFUSED not in alloc.outcome


@pytest.mark.parametrize("policy", POLICIES)
@settings(max_examples=100, deadline=None)
@given(req=batches)
def test_zero_balance_pays_nothing_unless_nothing_is_asked(policy: Policy, req: list[int]) -> None:
    alloc = allocate(np.array(req, dtype=np.int64), 0, policy)
    assert alloc.total_paid == 0
    if sum(req) == 0:
        assert (alloc.outcome == PAID).all()


@pytest.mark.parametrize("policy", POLICIES)
def test_empty_batch(policy: Policy) -> None:
    alloc = allocate(np.array([], dtype=np.int64), 1_000, policy)
    assert alloc.paid.size == 0 and alloc.outcome.size == 0 and alloc.total_paid == 0


# --------------------------------------------------------------------------- worked examples


WAN = 10_000 * 100


@pytest.mark.parametrize(
    ("policy", "paid", "outcomes"),
    [
        # A 100万元 balance against claims of 60万, 50万, 10万 (in that order).
        ("fcfs", [60 * WAN, 0, 0], ["paid", "refused", "refused"]),
        ("queue", [60 * WAN, 0, 0], ["paid", "queued", "queued"]),
        # prorata: each cut to 100/120 of its request, floored to the fen.
        ("prorata", [50 * WAN, 50 * WAN * 5 // 6, 10 * WAN * 5 // 6], ["partly_paid"] * 3),
    ],
)
def test_worked_example(policy: Policy, paid: list[int], outcomes: list[str]) -> None:
    alloc = allocate(np.array([60 * WAN, 50 * WAN, 10 * WAN]), 100 * WAN, policy)
    assert alloc.paid.tolist() == paid
    assert [OUTCOME_NAMES[o] for o in alloc.outcome] == outcomes


@pytest.mark.parametrize(
    ("requested", "available"),
    [([-1, 5], 10), ([5], -1), ([[1, 2]], 10)],
)
def test_bad_arguments_raise_value_error(requested: list[object], available: int) -> None:
    with pytest.raises(ValueError):
        allocate(np.array(requested), available, "fcfs")


def test_unknown_policy_refused_when_it_matters() -> None:
    with pytest.raises(ValueError):
        allocate(np.array([10, 10]), 5, "lifo")  # type: ignore[arg-type]
