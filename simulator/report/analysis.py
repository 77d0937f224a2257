"""Summaries of a run store that the PDF report and the exports share.

Every function reads only the store and returns plain pandas objects in fen
(money) or in the metric's own unit. Quantiles are taken *across
replications*: for each replication the quantity is computed first (a
yearly sum, a cumulative draw), then the 5th ... 95th percentiles of those
per-replication values are reported. Tables that hold only non-zero rows
(``draws``, ``claims``) are filled with zeros for replications that have no
row, so a median is never taken over the replications that happened to pay
only.

Memory does not grow with the size of the tables, only with the number of
replications, by what exact quantiles need. No summary holds a whole table:
each reads the columns it uses (and the rows, by filter), part by part (one
part is a block of replications), and every figure is exact, equal to the
one computed over the whole table:

- ``draws`` is reduced once per store (:func:`draw_digest`) to integer-fen
  sums per replication x fund x month and per replication x year x fund x
  level x program; sums of sums are exact, and the quantiles are then taken
  over one fund's [replications x months] or one year's keys at a time.
- ``metrics`` gives each target one float64 [replications x months] array of
  month-end values (exact: the stored values themselves), a few targets per
  pass so that a pass holds about :data:`~simulator.report.outcomes.METRIC_PASS_BYTES`; only the bands
  are kept.
- ``fund_years``, ``claims`` (unpaid states only), ``targets`` and
  ``exhaustion`` hold a few numbers per replication and are read whole, but
  only their needed columns, strings as categoricals.
- ``counts`` is not read.

No quantile is approximated: there is no streaming sketch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulator.report.i18n import level_sort_key
from simulator.report.store import RunStore, StoreError, concat_compact

BAND_QUANTILES: dict[str, float] = {"p5": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}
"""Quantiles of a fan chart band, by column name."""

SUMMARY_QUANTILES: dict[str, float] = {"p5": 0.05, "p50": 0.5, "p95": 0.95}
"""Quantiles reported in tables, by column name."""


# --------------------------------------------------------------------------- helpers


def month_range(start: str, end: str) -> list[str]:
    """List the months ``YYYY-MM`` from ``start`` to ``end`` inclusive.

    Args:
        start: first date or month (``YYYY-MM`` or ``YYYY-MM-DD``).
        end: last date or month.

    Returns:
        The months in order.

    >>> month_range("2020-11-10", "2021-02-28")
    ['2020-11', '2020-12', '2021-01', '2021-02']
    """
    y0, m0 = int(start[:4]), int(start[5:7])
    y1, m1 = int(end[:4]), int(end[5:7])
    out: list[str] = []
    y, m = y0, m0
    while (y, m) <= (y1, m1):
        out.append(f"{y:04d}-{m:02d}")
        m += 1
        if m > 12:
            y, m = y + 1, 1
    return out


def month_index(ym: str) -> int:
    """Months since year 0 for a ``YYYY-MM`` string (for medians of months).

    >>> month_index("2023-06") - month_index("2022-12")
    6
    """
    return int(ym[:4]) * 12 + int(ym[5:7]) - 1


def month_from_index(i: int) -> str:
    """Inverse of :func:`month_index`.

    >>> month_from_index(month_index("2023-06"))
    '2023-06'
    """
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


def median_month(months: Iterable[str | None]) -> str | None:
    """Median of a set of months (an actual month, never an average).

    Args:
        months: ``YYYY-MM`` strings; missing values are skipped.

    Returns:
        The median month, or ``None`` when there is none.

    >>> median_month(["2023-01", "2023-05", None, "2024-02"])
    '2023-05'
    >>> median_month([None]) is None
    True
    """
    idx = [month_index(str(m)) for m in months if isinstance(m, str) and len(m) >= 7]
    if not idx:
        return None
    return month_from_index(int(np.quantile(np.array(idx), 0.5, method="inverted_cdf")))


def horizon_months(store: RunStore) -> list[str]:
    """Months of the run's horizon, from the manifest's scenario start and end."""
    sc = store.scenario
    return month_range(str(sc["start"]), str(sc["end"]))


def horizon_years(store: RunStore) -> list[int]:
    """Calendar (fiscal) years of the run's horizon."""
    sc = store.scenario
    return list(range(int(str(sc["start"])[:4]), int(str(sc["end"])[:4]) + 1))


def rep_ids(store: RunStore) -> np.ndarray:
    """Replication ids seen in the store's per-replication tables.

    Args:
        store: the run store.

    Returns:
        Sorted unique ids from ``fund_years``, ``targets``, ``exhaustion``
        and ``draws``.
    """
    cached = store.memo.get("rep_ids")
    if isinstance(cached, np.ndarray):
        return cached
    seen: list[np.ndarray] = [np.empty(0, dtype=np.int64)]
    for name in ("fund_years", "targets", "exhaustion", "draws"):
        for part in store.parts(name, ["rep"]):
            seen.append(np.unique(part["rep"].to_numpy()).astype(np.int64))
    out = np.unique(np.concatenate(seen))
    store.memo["rep_ids"] = out
    return out


def n_reps(store: RunStore) -> int:
    """Number of replications: the manifest's count, or more if the tables hold more."""
    return max(store.reps, len(rep_ids(store)))


def _quantiles(
    wide: pd.DataFrame, reps: int, qs: dict[str, float], method: str = "linear"
) -> pd.DataFrame:
    """Quantiles down the rows of a replication × key frame, zero-padding to ``reps`` rows.

    ``method`` is numpy's quantile method: ``linear`` (the default, as in
    pandas) for amounts, ``inverted_cdf`` for counts, so that a median number
    of claims is a number some replication actually had.
    """
    arr = wide.to_numpy(dtype=float)
    if arr.shape[0] < reps:
        arr = np.vstack([arr, np.zeros((reps - arr.shape[0], arr.shape[1]))])
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        return pd.DataFrame(index=wide.columns, columns=[*qs, "mean"], dtype=float)
    with np.errstate(all="ignore"):
        q = np.nanquantile(arr, list(qs.values()), axis=0, method=method)  # type: ignore[call-overload]
        mean = np.nanmean(arr, axis=0)
    out = pd.DataFrame(q.T, index=wide.columns, columns=list(qs))
    out["mean"] = mean
    return out


def _wide_by_rep(
    df: pd.DataFrame, keys: Sequence[str], value: str, reps: np.ndarray
) -> pd.DataFrame:
    """Sum ``value`` by replication and ``keys``; one row per replication id, zeros filled."""
    if df.empty:
        return pd.DataFrame(index=pd.Index(reps, name="rep"))
    g = df.groupby(["rep", *keys], observed=True, sort=True)[value].sum()
    wide = g.unstack(list(range(1, len(keys) + 1)), fill_value=0)
    return wide.reindex(pd.Index(reps, name="rep"), fill_value=0)


def _strings(values: pd.Series) -> pd.Series:
    """A (categorical) string column as Python strings, missing values as ``None``."""
    return values.astype("object").where(values.notna(), None)


# --------------------------------------------------------------------------- draws, part by part


@dataclass(frozen=True)
class DrawDigest:
    """The ``draws`` table reduced part by part to what the summaries use.

    Both frames hold exact integer sums in fen (a sum of sums over one
    replication is the sum), with string columns categorical; rows where the
    sum is over no payment do not exist, as in ``draws`` itself.

    Attributes:
        monthly: ``rep, fund, month, amount_fen``: the draw per replication,
            fund and month (levels and programs summed).
        yearly: ``rep, year, fund, level, program, amount_fen``: the draw per
            replication, year, fund, level and program (months summed).
    """

    monthly: pd.DataFrame
    yearly: pd.DataFrame


_MONTHLY_KEYS = ["rep", "fund", "month"]
_YEARLY_KEYS = ["rep", "year", "fund", "level", "program"]


def draw_digest(store: RunStore) -> DrawDigest:
    """Reduce the ``draws`` table part by part (cached on the store).

    Each part (a block of replications) is read with the columns the
    summaries need, summed by replication and month or year, and freed before
    the next is read; only the sums are kept.

    Args:
        store: the run store.

    Returns:
        The digest.

    Raises:
        StoreError: if a part cannot be read, lacks a column or has a row
            without a month.
    """
    cached = store.memo.get("draw_digest")
    if isinstance(cached, DrawDigest):
        return cached
    monthly: list[pd.DataFrame] = []
    yearly: list[pd.DataFrame] = []
    for part in store.parts("draws", ["rep", "month", "fund", "level", "program", "amount_fen"]):
        month = part["month"].cat
        if (month.codes < 0).any():
            raise StoreError(f"{store.path / 'tables' / 'draws'}: a row has no month")
        year_of = np.array([int(str(m)[:4]) for m in month.categories], dtype=np.int64)
        part["year"] = year_of[month.codes.to_numpy()]
        monthly.append(_sum_by(part, _MONTHLY_KEYS))
        yearly.append(_sum_by(part, _YEARLY_KEYS))
    digest = DrawDigest(
        monthly=concat_compact(monthly, [*_MONTHLY_KEYS, "amount_fen"]),
        yearly=concat_compact(yearly, [*_YEARLY_KEYS, "amount_fen"]),
    )
    store.memo["draw_digest"] = digest
    return digest


def _sum_by(part: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Sum ``amount_fen`` of one part by ``keys`` (missing keys kept as a group)."""
    g = part.groupby(keys, observed=True, sort=False, dropna=False)["amount_fen"].sum()
    return g.reset_index()


# --------------------------------------------------------------------------- budget


def cumulative_draw_bands(store: RunStore, fund: str) -> pd.DataFrame:
    """Quantile bands of a fund's cumulative draw at each month end.

    Args:
        store: the run store.
        fund: fund id.

    Returns:
        Frame indexed by month (``YYYY-MM``, whole horizon) with columns
        ``p5, p25, p50, p75, p95, mean`` in fen.
    """
    monthly = draw_digest(store).monthly
    months = horizon_months(store)
    d = monthly[monthly["fund"] == fund]
    d = d.assign(month=_strings(d["month"]))
    extra = sorted(set(d["month"].dropna()) - set(months))
    all_months = sorted(set(months) | set(extra))
    wide = _wide_by_rep(d, ["month"], "amount_fen", rep_ids(store))
    wide = wide.reindex(columns=all_months, fill_value=0).cumsum(axis=1)
    return _quantiles(wide, n_reps(store), BAND_QUANTILES)


def cumulative_appropriations(store: RunStore, fund: str) -> pd.DataFrame:
    """Cumulative appropriations of a fund as a step function.

    Each year's appropriation becomes available in January of that year, or
    in the first month of the horizon if that is later.

    Args:
        store: the run store.
        fund: fund id.

    Returns:
        Frame with columns ``month`` (``YYYY-MM``, the month the step takes
        effect) and ``cum_fen``, in time order.
    """
    approp = store.funds.get(fund, {}).get("appropriations_fen") or {}
    first = horizon_months(store)[0]
    rows: list[tuple[str, int]] = []
    total = 0
    for year in sorted(approp, key=lambda y: int(y)):
        total += int(approp[year])
        m = max(f"{int(year):04d}-01", first)
        if rows and rows[-1][0] == m:
            rows[-1] = (m, total)
        else:
            rows.append((m, total))
    return pd.DataFrame(rows, columns=["month", "cum_fen"])


def yearly_draw(store: RunStore, by: str) -> pd.DataFrame:
    """Quantiles across replications of the yearly draw by level, program or fund.

    Args:
        store: the run store.
        by: ``"level"``, ``"program"`` or ``"fund"``.

    Returns:
        Frame with columns ``year, key, p5, p50, p95, mean`` (fen), one row
        per year of the horizon and key that ever draws; keys ordered (levels
        top-down), then years.
    """
    if by not in ("level", "program", "fund"):
        raise ValueError(f"by must be level, program or fund, not {by!r}")
    yearly = draw_digest(store).yearly
    cols = ["year", "key", *SUMMARY_QUANTILES, "mean"]
    if yearly.empty:
        return pd.DataFrame(columns=cols)
    d = pd.DataFrame({"rep": yearly["rep"], "year": yearly["year"], by: _strings(yearly[by])})
    d["amount_fen"] = yearly["amount_fen"]
    wide = _wide_by_rep(d, ["year", by], "amount_fen", rep_ids(store))
    keys = sorted(set(d[by]), key=level_sort_key if by == "level" else _order_key(store, by))
    years = sorted(set(horizon_years(store)) | set(d["year"]))
    full = pd.MultiIndex.from_product([years, keys], names=["year", by])
    wide = wide.reindex(columns=full, fill_value=0)
    q = _quantiles(wide, n_reps(store), SUMMARY_QUANTILES).reset_index()
    q = q.rename(columns={by: "key"})
    q["_k"] = q["key"].map({k: i for i, k in enumerate(keys)})
    return q.sort_values(["_k", "year"])[cols].reset_index(drop=True)


def yearly_total(store: RunStore) -> pd.DataFrame:
    """Quantiles across replications of the total yearly draw (all funds).

    Returns:
        Frame with columns ``year, p5, p50, p95, mean`` (fen).
    """
    yearly = draw_digest(store).yearly
    years = horizon_years(store)
    if yearly.empty:
        z = pd.DataFrame({"year": years})
        for c in (*SUMMARY_QUANTILES, "mean"):
            z[c] = 0.0
        return z
    d = yearly[["rep", "year", "amount_fen"]]
    wide = _wide_by_rep(d, ["year"], "amount_fen", rep_ids(store))
    wide = wide.reindex(columns=sorted(set(years) | set(d["year"])), fill_value=0)
    q = _quantiles(wide, n_reps(store), SUMMARY_QUANTILES)
    q.index.name = "year"
    return q.reset_index()


def _order_key(store: RunStore, by: str) -> Any:
    order = list(store.programs if by == "program" else store.funds)

    def key(k: str) -> tuple[int, str]:
        return (order.index(k), "") if k in order else (len(order), str(k))

    return key


FUND_YEAR_FIELDS: tuple[str, ...] = (
    "appropriated_fen",
    "carried_in_fen",
    "drawn_fen",
    "lapsed_fen",
    "balance_end_fen",
    "arrears_fen",
    "refused_fen",
    "prorata_cut_fen",
)


def fund_year_table(store: RunStore) -> pd.DataFrame:
    """Per fund and year: medians of every account line, and tail figures.

    Returns:
        Frame with columns ``fund, year``, the median of each field of
        :data:`FUND_YEAR_FIELDS` (same names), ``drawn_p5, drawn_p95,
        arrears_p95, refused_p95, prorata_p95`` and ``p_any_unpaid`` (share of
        replications with arrears or refusals that year). Funds in manifest
        order.
    """
    fy = store.read("fund_years", ["fund", "year", *FUND_YEAR_FIELDS])
    if fy.empty:
        return pd.DataFrame(columns=["fund", "year", *FUND_YEAR_FIELDS])
    fy["fund"] = _strings(fy["fund"])
    fy["year"] = fy["year"].astype("int64")
    g = fy.groupby(["fund", "year"], sort=True)
    # one column at a time: a median over all columns at once copies the whole table
    med = pd.DataFrame({f: g[f].median() for f in FUND_YEAR_FIELDS})
    tail = pd.DataFrame(
        {
            "drawn_p5": g["drawn_fen"].quantile(0.05),
            "drawn_p95": g["drawn_fen"].quantile(0.95),
            "arrears_p95": g["arrears_fen"].quantile(0.95),
            "refused_p95": g["refused_fen"].quantile(0.95),
            "prorata_p95": g["prorata_cut_fen"].quantile(0.95),
        }
    )
    unpaid = (fy["arrears_fen"] > 0) | (fy["refused_fen"] > 0)
    p_any = unpaid.groupby([fy["fund"], fy["year"]]).sum() / max(n_reps(store), 1)
    out = med.join(tail).join(p_any.rename("p_any_unpaid")).reset_index()
    out["_k"] = out["fund"].map(_order_key(store, "fund"))
    return out.sort_values(["_k", "year"]).drop(columns="_k").reset_index(drop=True)


def claims_not_paid(store: RunStore) -> pd.DataFrame:
    """Claims queued, refused or partly paid, by program and year.

    Returns:
        Frame with columns ``program, year`` and, for each state ``queued``,
        ``refused`` and ``partly_paid``: ``n_<state>_p50``, ``n_<state>_p95``,
        ``amt_<state>_p50``, ``amt_<state>_p95`` (requested fen). Only
        program-years where one of these states occurs in some replication.
    """
    states = ("queued", "refused", "partly_paid")
    base_cols = ["program", "year"]
    c = store.read(
        "claims",
        ["rep", "program", "year", "state", "n", "requested_fen"],
        filters=[("state", "in", list(states))],
    )
    if c.empty:
        return pd.DataFrame(columns=base_cols)
    for col in ("program", "state"):
        c[col] = _strings(c[col])
    c["year"] = c["year"].astype("int64")
    reps = rep_ids(store)
    total = n_reps(store)
    frames: list[pd.DataFrame] = []
    for value, prefix in (("n", "n"), ("requested_fen", "amt")):
        wide = _wide_by_rep(c, ["program", "year", "state"], value, reps)
        method = "inverted_cdf" if prefix == "n" else "linear"
        q = _quantiles(wide, total, {"p50": 0.5, "p95": 0.95}, method).drop(columns="mean")
        q = q.unstack("state")
        q.columns = [f"{prefix}_{state}_{stat}" for stat, state in q.columns]
        frames.append(q)
    out = pd.concat(frames, axis=1).fillna(0.0).reset_index()
    for s in states:
        for p in ("n", "amt"):
            for stat in ("p50", "p95"):
                col = f"{p}_{s}_{stat}"
                if col not in out.columns:
                    out[col] = 0.0
    out["_k"] = out["program"].map(_order_key(store, "program"))
    return out.sort_values(["_k", "year"]).drop(columns="_k").reset_index(drop=True)
