"""The ledger rules both engines share, over a batch of one or many replications.

Fiscal years (opening, lapse, carry-over), the end state of a claim, yearly
quotas, no-double-dipping (exclusive) groups, staged payments (tranche lines),
guidance funds' capital calls, the investments they fund and the distributions
they credit back, and the fund-year rows of the results.  Arrays index claims or replications; a batch of one replication is
just arrays of length one.  Nothing here knows about SimPy or time.

>>> import numpy as np
>>> apply_quota(np.array([True, True, True, True]), np.array([0, 0, 1, 1]), np.array([1, 5])).tolist()
[True, False, True, True]
"""

from __future__ import annotations

from collections.abc import Hashable, MutableMapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from simulator.model.guidance import ta_sample_paths, ta_schedule
from simulator.model.rules import Parts, SplitLine, split_exact, top_up, total_award
from simulator.scenario import Fund, GuidanceFund, Program

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
K = TypeVar("K", bound=Hashable)

# --------------------------------------------------------------------------- fiscal years


@dataclass(frozen=True)
class YearOpening:
    """A fund's new fiscal year, per replication of the batch.

    Attributes:
        lapsed: What lapsed at the end of the previous year (zeros for the first year or carry-over).
        carried_in: Balance brought into the year.
        appropriated: The year's appropriation.
        balance: Balance after the appropriation.
    """

    lapsed: IntArray
    carried_in: IntArray
    appropriated: int
    balance: IntArray


def open_year(spec: Fund, year: int, first: bool, balance: IntArray) -> YearOpening:
    """Close the previous year (lapse or carry over) and add ``year``'s appropriation.

    In the first simulated year, money appropriated before it is still there
    when the fund carries over (the opening balance); a lapsing fund starts
    with the first year's appropriation only.

    >>> from simulator.scenario import Fund
    >>> f = Fund(name="x", owner="x", appropriations={2023: 100, 2024: 50}, year_end="lapse")  # yuan
    >>> o = open_year(f, 2024, False, np.array([3000, 0]))  # fen left at the end of 2023
    >>> o.lapsed.tolist(), o.carried_in.tolist(), o.balance.tolist()
    ([3000, 0], [0, 0], [5000, 5000])
    """
    bal = np.asarray(balance, dtype=np.int64).copy()
    lapsed = np.zeros_like(bal)
    if not first and spec.year_end == "lapse":
        lapsed = bal
        bal = np.zeros_like(bal)
    if first and spec.year_end == "carry_over":
        bal += sum(int(v) for yy, v in spec.appropriations.items() if yy < year)
    carried_in = bal.copy()
    amount = int(spec.appropriations.get(year, 0))
    return YearOpening(lapsed, carried_in, amount, bal + amount)


# --------------------------------------------------------------------------- claims

STATE_NAMES = ("pending", "not_approved", "queued", "refused", "partly_paid", "paid")
PENDING, NOT_APPROVED, QUEUED, REFUSED, PARTLY_PAID, PAID = range(6)


def claim_states(*, pending: BoolArray, approved: BoolArray, queued_lines: IntArray, refused: BoolArray,
                 cut: BoolArray, paid: IntArray, requested: IntArray) -> IntArray:
    """The one end state of each claim at the horizon (codes into :data:`STATE_NAMES`).

    A claim still waiting for review is ``pending``; one reviewed and not
    approved ``not_approved``; an approved claim with a line still waiting
    (arrears, or a tranche due after the horizon) is ``queued``; one refused
    with nothing paid ``refused``; one refused, cut or paid less than awarded
    ``partly_paid``; else ``paid``.

    >>> z, o = np.zeros(2, dtype=bool), np.ones(2, dtype=bool)
    >>> codes = claim_states(pending=z, approved=o, queued_lines=np.array([0, 1]), refused=z, cut=z,
    ...                      paid=np.array([5, 0]), requested=np.array([5, 5]))
    >>> [STATE_NAMES[c] for c in codes]
    ['paid', 'queued']
    """
    out = np.full(paid.shape[0], PAID, dtype=np.int64)
    out[refused | cut | (paid < requested)] = PARTLY_PAID
    out[refused & (paid == 0)] = REFUSED
    out[queued_lines > 0] = QUEUED
    out[~approved] = NOT_APPROVED
    out[pending] = PENDING
    return out


def due_for_review(t: npt.NDArray[np.float64], delay_months: float, now: float) -> BoolArray:
    """Claims made at times ``t`` whose review delay has passed at review point ``now``.

    >>> due_for_review(np.array([0.3, 1.2]), 1, 1.5).tolist()
    [True, False]
    """
    return t + delay_months <= now + 1e-9


def apply_quota(keep: BoolArray, rep: IntArray, left: IntArray) -> BoolArray:
    """Yearly quota: in each replication the first kept claims, in review order, take the places left.

    Args:
        keep: Claims still in the batch (approved, with an award).
        rep: Replication of each claim (claims of one replication together, in review order).
        left: Places left this year, per replication (indexed by ``rep``).
    """
    if keep.shape[0] == 0:
        return keep
    csum = np.cumsum(keep)
    starts = np.flatnonzero(np.r_[True, rep[1:] != rep[:-1]])
    before: IntArray = np.repeat(csum[starts] - keep[starts], np.diff(np.r_[starts, rep.shape[0]]))
    return keep & ((csum - before) <= np.maximum(left, 0)[rep])


def exclusive_group(keys: Sequence[K | None], parts: Parts,
                    best: MutableMapping[K, int]) -> tuple[BoolArray, list[K | None]]:
    """就高不就低 inside an exclusive group: keep mask and group keys of a batch; tops ``parts`` up in place.

    ``keys`` names each claim's (group, entity, year) in the engine's terms
    (``None``: the claim has no entity and the group does not apply).  A claim
    whose award is not above what its entity already has in the group
    (approved earlier, or earlier in this batch) is dropped; a higher one is
    paid only the difference.  ``best`` is read, not written: what counts is
    recorded by :func:`record_group_best` once the quota has been applied.
    """
    n = len(keys)
    keep = np.ones(n, dtype=bool)
    out: list[K | None] = [None] * n
    totals = total_award(parts)
    staged: dict[K, int] = {}
    for i, key in enumerate(keys):
        if key is None:
            continue
        have = staged.get(key, best.get(key, 0))
        amount = int(totals[i])
        if amount <= have:
            keep[i] = False  # the higher award already went to this entity
            continue
        staged[key] = amount
        out[i] = key
        if have:
            top_up(parts, i, amount, have)  # pay only the difference to the higher award
    return keep, out


def record_group_best(best: MutableMapping[K, int], keys: Sequence[K | None], totals: IntArray) -> None:
    """Count the awards actually approved (after the quota) towards their entities' group best."""
    for i, key in enumerate(keys):
        if key is not None:
            best[key] = max(best.get(key, 0), best.get(key, 0) + int(totals[i]))


# --------------------------------------------------------------------------- payments


@dataclass(frozen=True)
class TrancheLine:
    """Payment lines of one tranche for one fund: per replication, split line first, then claim.

    Attributes:
        fund: Fund id.
        rep: Replication of each line (non-decreasing).
        amount: Fen asked (all positive).
        claim: Position of each line's claim in the approved batch.
    """

    fund: str
    rep: IntArray
    amount: IntArray
    claim: IntArray


def tranche_lines(program: Program, lines: Sequence[SplitLine], rep: IntArray) -> list[list[TrancheLine]]:
    """Staged payments: each split line cut exactly into the program's tranches, grouped per tranche and fund.

    Args:
        program: The program (its payment plan).
        lines: The batch's split lines (:func:`simulator.model.rules.split_award`).
        rep: Replication of each claim of the batch (non-decreasing).

    Returns:
        Per tranche, the funds' lines in the order the funds first appear in the split.
    """
    shares = [tr.share for tr in program.payment]
    pieces = [split_exact(sl.amount, shares) for sl in lines]
    funds = list(dict.fromkeys(sl.fund for sl in lines))
    pos = np.arange(rep.shape[0], dtype=np.int64)
    out: list[list[TrancheLine]] = []
    for k in range(len(shares)):
        per_fund: list[TrancheLine] = []
        for fund in funds:
            js = [j for j, sl in enumerate(lines) if sl.fund == fund]
            amt = np.concatenate([pieces[j][k] for j in js])
            r = np.tile(rep, len(js))
            claim = np.tile(pos, len(js))
            if len(js) > 1:  # per replication: split line first, then claim
                order = np.argsort(r, kind="stable")
                amt, r, claim = amt[order], r[order], claim[order]
            ok = amt > 0
            if ok.any():
                per_fund.append(TrancheLine(fund, r[ok], amt[ok], claim[ok]))
        out.append(per_fund)
    return out


@dataclass(frozen=True)
class GuidancePaths:
    """A guidance fund's yearly flows in fen, ``[replications, life]``: one drawn path per replication.

    Attributes:
        calls: Capital called from the owner's fund in each fund year.
        distributions: Paid back to the owner in each fund year (the commitment is the
            owner's own capital, so the path's distributions are the owner's share).
    """

    calls: IntArray
    distributions: IntArray


def guidance_paths(g: GuidanceFund, gens: Sequence[np.random.Generator]) -> GuidancePaths:
    """A guidance fund's calls and distributions, one path per generator.

    Drawn around the Takahashi–Alexander curve when the fund has spreads
    (each row as ``ta_sample(..., gens[i], n=1, ...)``), else the curve itself.
    """
    if g.stochastic.rc_sd > 0 or g.stochastic.growth_sd > 0:
        paths = ta_sample_paths(g.commitment, g.rc, g.life, g.bow, g.growth, g.yield_, gens,
                                g.stochastic.rc_sd, g.stochastic.growth_sd)
        return GuidancePaths(paths.contribution_fen.astype(np.int64), paths.distribution_fen.astype(np.int64))
    curve = ta_schedule(g.commitment, g.rc, g.life, g.bow, g.growth, g.yield_)
    n = len(gens)
    return GuidancePaths(np.tile(np.asarray(curve.contribution_fen, dtype=np.int64), (n, 1)),
                         np.tile(np.asarray(curve.distribution_fen, dtype=np.int64), (n, 1)))


def credited_distribution(g: GuidanceFund, distribution: IntArray, paid: IntArray, called: IntArray) -> IntArray:
    """What a year's distribution credits back to the owner's fund, per replication, in fen.

    The path's distribution assumes every call so far was paid when made; a
    fund whose calls wait has invested only what was paid, so it returns that
    share: ``floor(distribution × paid / called)``, exactly (``paid`` and
    ``called`` are the capital paid and called before the distribution).
    Nothing is credited when the scenario keeps the returns out of the fund
    (``distributions: none``).

    >>> from simulator.scenario import GuidanceFund
    >>> g = GuidanceFund(name="x", fund="f", commitment=100, start="2020-01-01", rc=[0.5])
    >>> credited_distribution(g, np.array([900, 900, 5]), np.array([10, 5, 0]), np.array([10, 10, 0])).tolist()
    [900, 450, 0]
    """
    if g.distributions == "none":
        return np.zeros(distribution.shape[0], dtype=np.int64)
    out = np.zeros(distribution.shape[0], dtype=np.int64)
    for i, (d, p, c) in enumerate(zip(distribution.tolist(), paid.tolist(), called.tolist(), strict=True)):
        if c > 0 and d > 0:
            out[i] = d * min(p, c) // c
    return out


def investments(paid: IntArray, local_reinvest: Fraction, ticket: int) -> IntArray:
    """Local investments a guidance fund's paid capital calls fund: ``floor(paid × share / ticket)``, exactly.

    >>> investments(np.array([1000, 999]), Fraction(1, 2), 100).tolist()
    [5, 4]
    """
    share = Fraction(local_reinvest)
    if ticket <= 0:
        return np.zeros(paid.shape[0], dtype=np.int64)
    return np.array([(int(p) * share.numerator) // (share.denominator * ticket) for p in paid.tolist()],
                    dtype=np.int64)


def new_investments(g: GuidanceFund, paid_before: IntArray, paid_now: IntArray) -> IntArray:
    """Investments a capital call funds when (more of) it is paid: those of ``paid_now`` less those of ``paid_before``.

    A call that waits in the queue funds nothing until it is paid; when it is,
    it funds exactly what it would have funded had it been paid at once.

    >>> from simulator.scenario import GuidanceFund
    >>> g = GuidanceFund(name="x", fund="f", commitment=100, start="2020-01-01", rc=[0.5], ticket=1)
    >>> new_investments(g, np.array([0, 0]), np.array([0, 300])).tolist()
    [0, 3]
    """
    share = g.subfunds.local_reinvest
    return investments(paid_now, share, g.ticket) - investments(paid_before, share, g.ticket)


# --------------------------------------------------------------------------- fund-year rows


@dataclass(frozen=True)
class FundYears:
    """One fund's flows by year in one replication (arrays over the years of the horizon).

    Attributes:
        appropriated, carried_in, drawn, lapsed, refused, cut: Flows per year.
        income: Guidance-fund distributions credited back per year (none: zeros).
        arrears_year_end: Arrears at the end of each year before the last.
        arrears_end: Arrears at the horizon.
        balance_end: Balance at the horizon.
    """

    appropriated: IntArray
    carried_in: IntArray
    drawn: IntArray
    lapsed: IntArray
    refused: IntArray
    cut: IntArray
    arrears_year_end: IntArray
    arrears_end: int
    balance_end: int
    income: IntArray | None = None


def fund_year_rows(years: Sequence[int], fy: FundYears) -> dict[int, dict[str, int]]:
    """The ``fund_years`` rows of one fund: flows, balance and arrears at each year end.

    Year-end balances are reconstructed from the flows; the last year's
    balance and arrears are those at the horizon.
    """
    last = len(years) - 1
    out: dict[int, dict[str, int]] = {}
    for yi, y in enumerate(years):
        row = {"appropriated_fen": int(fy.appropriated[yi]), "carried_in_fen": int(fy.carried_in[yi]),
               "drawn_fen": int(fy.drawn[yi]), "lapsed_fen": int(fy.lapsed[yi]),
               "refused_fen": int(fy.refused[yi]), "prorata_cut_fen": int(fy.cut[yi]),
               "income_fen": int(fy.income[yi]) if fy.income is not None else 0}
        bal = row["carried_in_fen"] + row["appropriated_fen"] + row["income_fen"] - row["drawn_fen"]
        row["balance_end_fen"] = bal - (row["lapsed_fen"] if yi < last else 0)
        row["arrears_fen"] = int(fy.arrears_year_end[yi]) if yi < last else int(fy.arrears_end)
        if yi == last:
            row["balance_end_fen"] = int(fy.balance_end)
        out[y] = row
    return out
