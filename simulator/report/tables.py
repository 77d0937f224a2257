"""Budget-format figures of a run: means that add up, by year, level, fund and program, and the money needed.

Every amount here is a **mean across replications**, computed as the exact
integer sum of the ledger's fen over all replications divided once by the
number of replications, so a table's rows add up to its total and its years
to the horizon total (a median of sums is not a sum of medians; means are).
Funds whose money is not budget money (``budget: false`` in the manifest, e.g.
capital from a state-owned group) are kept apart from the budget totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from simulator.needs import CLAIM_COLUMNS, LEVEL, money_needed
from simulator.report import analysis, outcomes
from simulator.report.i18n import level_sort_key
from simulator.report.store import RunStore


def is_budget(store: RunStore, fund: str) -> bool:
    """Whether a fund's money is budget money (read defensively: absent means yes)."""
    entry = store.funds.get(fund) or {}
    return entry.get("budget", True) is not False


def _yearly_sums(store: RunStore) -> pd.DataFrame:
    """``year, fund, level, program, amount_fen``: the integer sum over all replications."""
    cached = store.memo.get("yearly_sums")
    if isinstance(cached, pd.DataFrame):
        return cached
    yearly = analysis.draw_digest(store).yearly
    if yearly.empty:
        out = pd.DataFrame(columns=["year", "fund", "level", "program", "amount_fen"])
    else:
        g = yearly.groupby(["year", "fund", "level", "program"], observed=True, sort=False)["amount_fen"].sum()
        out = g.reset_index()
        for c in ("fund", "level", "program"):
            out[c] = out[c].astype(str)
        out["year"] = out["year"].astype("int64")
        out["amount_fen"] = out["amount_fen"].astype("int64")
    store.memo["yearly_sums"] = out
    return out


def mean_paid(store: RunStore, by: str, budget_only: bool | None = None) -> pd.DataFrame:
    """Mean yearly amount paid, by ``level``, ``fund`` or ``program`` (rows) and year (columns), in fen.

    Args:
        store: the run store.
        by: ``"level"``, ``"fund"`` or ``"program"``.
        budget_only: True for budget funds only, False for non-budget funds
            only, None for all.

    Returns:
        A frame indexed by key (levels top-down, funds and programs in
        manifest order), one column per year of the horizon, float fen.
    """
    sums = _yearly_sums(store)
    if budget_only is not None and len(sums):
        keep = sums["fund"].map(lambda f: is_budget(store, f)) == budget_only
        sums = sums[keep.to_numpy()]
    years = analysis.horizon_years(store)
    reps = max(analysis.n_reps(store), 1)
    if sums.empty:
        return pd.DataFrame(columns=years, dtype=float)
    wide = sums.groupby([by, "year"])["amount_fen"].sum().unstack("year", fill_value=0)
    wide = wide.reindex(columns=years, fill_value=0)
    order = list(store.funds if by == "fund" else store.programs)
    if by == "level":
        keys = sorted(wide.index, key=level_sort_key)
    else:
        keys = sorted(wide.index, key=lambda k: (order.index(k) if k in order else len(order), k))
    return wide.loc[keys].astype(float) / reps


def appropriations(store: RunStore) -> pd.DataFrame:
    """Appropriations by fund (rows, manifest order) and year of the horizon (columns), in fen."""
    years = analysis.horizon_years(store)
    rows = {fid: [float((f.get("appropriations_fen") or {}).get(str(y), 0)) for y in years]
            for fid, f in store.funds.items()}
    return pd.DataFrame.from_dict(rows, orient="index", columns=years) if rows else pd.DataFrame(columns=years)


def mean_income(store: RunStore) -> pd.DataFrame:
    """Mean guidance-fund distributions credited to each fund (``income_fen``), by fund and year, in fen.

    Only the funds that receive some income, in manifest order; an empty frame
    when none does.
    """
    cached = store.memo.get("mean_income")
    if isinstance(cached, pd.DataFrame):
        return cached
    years = analysis.horizon_years(store)
    fy = store.read("fund_years", ["fund", "year", "income_fen"])
    fy = fy[fy["income_fen"] > 0]
    if fy.empty:
        out = pd.DataFrame(columns=years, dtype=float)
    else:
        fy = fy.assign(fund=fy["fund"].astype(str), year=fy["year"].astype("int64"))
        wide = fy.groupby(["fund", "year"])["income_fen"].sum().unstack("year", fill_value=0)
        wide = wide.reindex(columns=years, fill_value=0)
        order = list(store.funds)
        keys = sorted(wide.index, key=lambda k: (order.index(k) if k in order else len(order), k))
        out = wide.loc[keys].astype(float) / max(analysis.n_reps(store), 1)
    store.memo["mean_income"] = out
    return out


def needed(store: RunStore) -> dict[str, dict[str, Any]]:
    """Each fund's ``money_needed`` block: from ``summary.json``, else computed from ``fund_years``.

    Returns:
        Fund id -> ``{"level", "per_year_yuan", "total_yuan"}``.
    """
    cached = store.memo.get("money_needed")
    if isinstance(cached, dict):
        return cached
    summary = store.summary.get("funds") or {}
    out: dict[str, dict[str, Any]] = {}
    missing = []
    for fid in store.funds:
        block = (summary.get(fid) or {}).get("money_needed")
        if isinstance(block, dict) and isinstance(block.get("per_year_yuan"), dict):
            out[fid] = block
        else:
            missing.append(fid)
    if missing:
        fy = store.read("fund_years", list(CLAIM_COLUMNS), filters=[("fund", "in", missing)])
        year_end = {fid: str(store.funds[fid].get("year_end") or "carry_over") for fid in missing}
        out.update(money_needed(fy, year_end, analysis.horizon_years(store), analysis.rep_ids(store), LEVEL))
    store.memo["money_needed"] = out
    return out


def needed_level(store: RunStore) -> float:
    """The level of the money needed (the first fund's, else the default)."""
    for block in needed(store).values():
        if isinstance(block.get("level"), int | float):
            return float(block["level"])
    return LEVEL


@dataclass(frozen=True)
class FundRow:
    """One fund's line in the brief and the funds table (money in fen, means across replications).

    Attributes:
        fund: fund id.
        appropriated: appropriations over the horizon.
        paid_mean: mean amount paid over the horizon.
        p_short: share of replications in which it runs short.
        short_month: median first month short, among those replications.
        arrears_mean: mean arrears at the end of the horizon.
        needed: money needed over the horizon (None if unknown).
        budget: whether it is budget money.
    """

    fund: str
    appropriated: float
    paid_mean: float
    p_short: float
    short_month: str | None
    arrears_mean: float
    needed: float | None
    budget: bool


def fund_rows(store: RunStore) -> list[FundRow]:
    """The funds' lines, in manifest order (cached on the store)."""
    cached = store.memo.get("fund_rows")
    if isinstance(cached, list):
        return list(cached)
    answers = {a.fund: a for a in outcomes.fund_answers(store)}
    by_fund = mean_paid(store, "fund")
    need = needed(store)
    out = []
    for fid, a in answers.items():
        block = need.get(fid)
        total = float(block["total_yuan"]) * 100 if block and "total_yuan" in block else None
        paid = float(by_fund.loc[fid].sum()) if fid in by_fund.index else 0.0
        out.append(FundRow(fid, a.appropriated, paid, a.p_exhausted, a.exhaustion_median,
                           float(a.arrears_end.get("mean", a.arrears_end.get("p50", 0.0))), total,
                           is_budget(store, fid)))
    store.memo["fund_rows"] = out
    return list(out)


def unpaid_means(store: RunStore) -> pd.DataFrame:
    """Per fund and year: means of arrears at year end, refusals and pro-rata cuts, and P(any unpaid).

    Returns:
        Columns ``fund, year, arrears_fen, refused_fen, prorata_cut_fen, p_unpaid``
        for the fund-years where some replication has an unpaid claim; funds in
        manifest order.
    """
    cols = ["fund", "year", "arrears_fen", "refused_fen", "prorata_cut_fen"]
    fy = store.read("fund_years", cols)
    if fy.empty:
        return pd.DataFrame(columns=[*cols, "p_unpaid"])
    fy["fund"] = fy["fund"].astype(str)
    fy["year"] = fy["year"].astype("int64")
    reps = max(analysis.n_reps(store), 1)
    unpaid = (fy["arrears_fen"] > 0) | (fy["refused_fen"] > 0) | (fy["prorata_cut_fen"] > 0)
    g = fy.assign(unpaid=unpaid).groupby(["fund", "year"])
    out = (g[["arrears_fen", "refused_fen", "prorata_cut_fen"]].sum().astype(float) / reps)
    out["p_unpaid"] = g["unpaid"].sum() / reps
    out = out[out["p_unpaid"] > 0].reset_index()
    order = list(store.funds)
    out["_k"] = out["fund"].map(lambda f: order.index(f) if f in order else len(order))
    return out.sort_values(["_k", "year"]).drop(columns="_k").reset_index(drop=True)
