"""How much money each fund needs: the appropriation per year that keeps P(run dry) at or below a level.

A fund *runs dry* in a replication when, in some month, an approved claim on it
cannot be paid in full from what is left (it is queued, refused or cut pro
rata; the ``exhaustion`` table records the first such month). Whether that
happens depends on the claims, not on what was paid, so the schedule is read
from the **claims** on the fund, year by year and replication by replication,
from the ``fund_years`` table::

    claims(y) = drawn(y) + refused(y) + prorata_cut(y) + arrears_end(y) - arrears_end(y - 1)

(what was paid, plus what was turned away or cut, plus the growth of the queue
of unpaid claims: the claims that fell due in year ``y``, whatever the money).

* A fund that carries its balance over (``carry_over``) never runs dry in a
  replication if, for every year, the appropriations up to that year cover the
  claims up to the end of that year.
* A fund whose balance lapses (``lapse``) never runs dry if each year's
  appropriation covers that year's claims.

The schedule takes, for every year, the same order statistic of those
cumulative (or yearly) claims across replications, the smallest one at which
the share of replications short in *any* year is at most the level (a joint
bound, not one per year); the cumulative amounts are rounded up to the yuan and
turned into a schedule per year. Money is integer fen in, whole yuan out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

LEVEL = 0.10
"""The default level: P(run dry) at most 10%."""

FEN_PER_YUAN = 100

CLAIM_COLUMNS: tuple[str, ...] = ("rep", "fund", "year", "drawn_fen", "refused_fen", "prorata_cut_fen",
                                  "arrears_fen")
"""The ``fund_years`` columns the claims are read from."""


def claims_by_year(rows: pd.DataFrame, years: Sequence[int], reps: Sequence[int] | npt.NDArray[np.int64]
                   ) -> npt.NDArray[np.int64]:
    """The claims that fell due on one fund, by replication and year, in fen.

    Args:
        rows: the fund's ``fund_years`` rows (columns of :data:`CLAIM_COLUMNS`;
            ``fund`` is not used).
        years: the years of the horizon, in order.
        reps: the replication ids, one output row each (missing rows are zeros).

    Returns:
        An int64 array ``[len(reps), len(years)]``.

    >>> df = pd.DataFrame({"rep": [0, 0], "year": [2020, 2021], "drawn_fen": [100, 250],
    ...                    "refused_fen": [0, 0], "prorata_cut_fen": [0, 0], "arrears_fen": [50, 0]})
    >>> claims_by_year(df, [2020, 2021], [0]).tolist()
    [[150, 200]]
    """
    idx = pd.MultiIndex.from_product([list(reps), list(years)], names=["rep", "year"])
    if len(rows):
        keyed = rows.assign(rep=rows["rep"].astype("int64"), year=rows["year"].astype("int64"))
        keyed = keyed.groupby(["rep", "year"])[["drawn_fen", "refused_fen", "prorata_cut_fen",
                                                "arrears_fen"]].sum()
        full = keyed.reindex(idx, fill_value=0)
    else:
        full = pd.DataFrame(0, index=idx, columns=["drawn_fen", "refused_fen", "prorata_cut_fen", "arrears_fen"])
    shape = (len(reps), len(years))
    drawn, refused, cut, arrears = (full[c].to_numpy(dtype=np.int64).reshape(shape)
                                    for c in ("drawn_fen", "refused_fen", "prorata_cut_fen", "arrears_fen"))
    before = np.concatenate([np.zeros((shape[0], 1), dtype=np.int64), arrears[:, :-1]], axis=1)
    return np.asarray(drawn + refused + cut + arrears - before, dtype=np.int64)


def joint_bound(claims: npt.NDArray[np.int64], level: float) -> npt.NDArray[np.int64]:
    """The smallest common order statistic per column that at most ``level`` of the rows exceed anywhere.

    Args:
        claims: ``[replications, years]`` amounts (fen).
        level: the share of replications allowed to exceed in some year.

    Returns:
        One bound per column (fen): for the chosen rank ``k``, the ``k``-th
        smallest value of each column, with the share of rows above the bound
        in at least one column at most ``level``.

    >>> joint_bound(np.array([[1, 5], [2, 6], [3, 7], [4, 100]]), 0.25).tolist()
    [3, 7]
    >>> joint_bound(np.array([[1, 5], [2, 6], [3, 7], [4, 100]]), 0.0).tolist()
    [4, 100]
    """
    n = claims.shape[0]
    if n == 0 or claims.shape[1] == 0:
        return np.zeros(claims.shape[1], dtype=np.int64)
    ordered = np.sort(claims, axis=0)
    allowed = int(np.floor(level * n + 1e-9))

    def short(k: int) -> int:
        return int((claims > ordered[k]).any(axis=1).sum())

    lo, hi = 0, n - 1  # short(n - 1) == 0 <= allowed
    while lo < hi:
        mid = (lo + hi) // 2
        if short(mid) <= allowed:
            hi = mid
        else:
            lo = mid + 1
    return np.asarray(ordered[lo], dtype=np.int64)


def _ceil_yuan(fen: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    return np.asarray(-(-fen // FEN_PER_YUAN), dtype=np.int64)


def schedule(claims: npt.NDArray[np.int64], years: Sequence[int], *, carry_over: bool,
             level: float = LEVEL) -> dict[str, Any]:
    """The appropriation per year that keeps P(run dry) at most ``level``.

    Args:
        claims: ``[replications, years]`` claims falling due per year (fen),
            from :func:`claims_by_year`.
        years: the years of the columns.
        carry_over: whether the fund carries its balance into the next year.
        level: the largest acceptable share of replications that run dry.

    Returns:
        ``{"level": level, "per_year_yuan": {"YEAR": int}, "total_yuan": int}``
        (the ``money_needed`` block of ``summary.json``).

    >>> c = np.array([[100, 100], [100, 300], [200, 100], [150, 150]]) * 100
    >>> schedule(c, [2020, 2021], carry_over=True, level=0.5)
    {'level': 0.5, 'per_year_yuan': {'2020': 150, '2021': 150}, 'total_yuan': 300}
    >>> schedule(c, [2020, 2021], carry_over=True, level=0.25)["per_year_yuan"]
    {'2020': 200, '2021': 200}
    >>> schedule(c, [2020, 2021], carry_over=False, level=0.25)["per_year_yuan"]
    {'2020': 200, '2021': 300}
    """
    if carry_over:
        cumulative = _ceil_yuan(joint_bound(np.cumsum(claims, axis=1), level))
        per_year = np.diff(np.concatenate([[0], cumulative]))
    else:
        per_year = _ceil_yuan(joint_bound(claims, level))
    per = {str(y): int(v) for y, v in zip(years, per_year, strict=True)}
    return {"level": float(level), "per_year_yuan": per, "total_yuan": int(sum(per.values()))}


def money_needed(fund_years: pd.DataFrame, funds: Mapping[str, str], years: Sequence[int],
                 reps: Sequence[int] | npt.NDArray[np.int64], level: float = LEVEL) -> dict[str, dict[str, Any]]:
    """The ``money_needed`` block of every fund.

    Args:
        fund_years: ``fund_years`` rows (columns of :data:`CLAIM_COLUMNS`).
        funds: fund id -> ``year_end`` (``"carry_over"`` or ``"lapse"``).
        years: the years of the horizon.
        reps: the replication ids.
        level: the largest acceptable P(run dry).

    Returns:
        Fund id -> ``{"level", "per_year_yuan", "total_yuan"}``.
    """
    fund_col = fund_years["fund"].astype(str) if len(fund_years) else pd.Series(dtype=str)
    out: dict[str, dict[str, Any]] = {}
    for fid, year_end in funds.items():
        rows = fund_years[(fund_col == fid).to_numpy()] if len(fund_years) else fund_years
        claims = claims_by_year(rows, years, reps)
        out[fid] = schedule(claims, years, carry_over=year_end != "lapse", level=level)
    return out


def add_money_needed(funds_block: dict[str, dict[str, Any]], fund_years: pd.DataFrame, scenario: Any,
                     years: Sequence[int], reps: int, level: float = LEVEL) -> None:
    """Write ``money_needed`` into each fund's block of ``summary.json`` (the summary writer's hook).

    Args:
        funds_block: ``summary["funds"]``, changed in place.
        fund_years: the run's ``fund_years`` table.
        scenario: the run's scenario (its ``funds`` give each fund's ``year_end``).
        years: the years of the horizon.
        reps: the number of replications (ids ``0 .. reps - 1``).
        level: the largest acceptable P(run dry).
    """
    year_end = {fid: str(f.year_end) for fid, f in scenario.funds.items()}
    for fid, block in money_needed(fund_years, year_end, years, np.arange(reps), level).items():
        funds_block.setdefault(fid, {})["money_needed"] = block
