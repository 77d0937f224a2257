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
  pass so that a pass holds about :data:`METRIC_PASS_BYTES`; only the bands
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

from simulator.report.fmt import FEN_PER_YUAN
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


# --------------------------------------------------------------------------- answers


@dataclass(frozen=True)
class FundAnswer:
    """The headline figures of one fund over the whole horizon (money in fen).

    Attributes:
        fund: fund id.
        entry: the manifest's entry for the fund.
        appropriated: total appropriations over the horizon.
        drawn: ``{"p5", "p50", "p95", "mean"}`` of the total draw.
        p_exhausted: share of replications in which the fund ran dry.
        exhaustion_median: median month it ran dry, among those replications.
        arrears_end: ``{"p50", "p95"}`` of arrears at the end of the horizon.
        refused: ``{"p50", "p95"}`` of refusals over the horizon.
    """

    fund: str
    entry: dict[str, Any]
    appropriated: float
    drawn: dict[str, float]
    p_exhausted: float
    exhaustion_median: str | None
    arrears_end: dict[str, float]
    refused: dict[str, float]


def _yuan_q(block: Any, keys: Sequence[str]) -> dict[str, float] | None:
    if not isinstance(block, dict) or not all(k in block for k in keys):
        return None
    return {k: float(block[k]) * FEN_PER_YUAN for k in block if isinstance(block[k], int | float)}


def fund_answers(store: RunStore) -> list[FundAnswer]:
    """Headline figures per fund, from ``summary.json`` with table fallbacks.

    Totals, probabilities and tails come from the summary when it has them;
    the median month of exhaustion is computed from the ``exhaustion`` table
    over the replications in which the fund ran dry (the summary's value is
    used only when the table is empty).

    Returns:
        One answer per fund, in manifest order, then funds only the summary
        or the tables name.
    """
    cached = store.memo.get("fund_answers")
    if isinstance(cached, list):
        return list(cached)
    ex = store.read("exhaustion", ["rep", "fund", "month"])
    for col in ("fund", "month"):
        ex[col] = _strings(ex[col])
    in_tables: set[str] = set()
    for part in store.parts("fund_years", ["fund"]):
        in_tables.update(str(f) for f in part["fund"].dropna().unique())
    total = max(n_reps(store), 1)
    ids = list(store.funds)
    for extra in list(store.summary.get("funds", {})) + sorted(in_tables):
        if extra not in ids:
            ids.append(extra)
    out: list[FundAnswer] = []
    for fid in ids:
        s = store.summary.get("funds", {}).get(fid, {}) or {}
        entry = store.funds.get(fid, {})
        needs_table = any(
            _yuan_q(s.get(k), ks) is None
            for k, ks in (
                ("drawn_yuan", ("p5", "p50", "p95")),
                ("arrears_end_yuan", ("p50", "p95")),
                ("refused_yuan", ("p50", "p95")),
            )
        )
        f_fy = _fund_rows(store, fid) if needs_table else pd.DataFrame()
        per_rep = f_fy.groupby("rep").sum(numeric_only=True) if len(f_fy) else f_fy
        if isinstance(s.get("appropriated_yuan"), int | float):
            approp = float(s["appropriated_yuan"]) * FEN_PER_YUAN
        else:
            approp = float(sum(int(v) for v in (entry.get("appropriations_fen") or {}).values()))
        drawn = _yuan_q(s.get("drawn_yuan"), ("p5", "p50", "p95"))
        if drawn is None:
            drawn = _series_q(
                per_rep["drawn_fen"] if len(per_rep) else pd.Series(dtype=float), total
            )
        f_ex = ex[(ex["fund"] == fid) & ex["month"].notna()]
        if isinstance(s.get("p_exhausted"), int | float):
            p_ex = float(s["p_exhausted"])
        else:
            p_ex = f_ex["rep"].nunique() / total
        ex_med = median_month(f_ex["month"]) if len(f_ex) else s.get("exhaustion_median")
        arrears = _yuan_q(s.get("arrears_end_yuan"), ("p50", "p95"))
        if arrears is None:
            last = f_fy[f_fy["year"] == f_fy["year"].max()] if len(f_fy) else f_fy
            arrears = _series_q(
                last.set_index("rep")["arrears_fen"] if len(last) else pd.Series(dtype=float), total
            )
        refused = _yuan_q(s.get("refused_yuan"), ("p50", "p95"))
        if refused is None:
            refused = _series_q(
                per_rep["refused_fen"] if len(per_rep) else pd.Series(dtype=float), total
            )
        out.append(
            FundAnswer(
                fund=fid,
                entry=dict(entry),
                appropriated=approp,
                drawn=drawn,
                p_exhausted=p_ex,
                exhaustion_median=ex_med if isinstance(ex_med, str) else None,
                arrears_end=arrears,
                refused=refused,
            )
        )
    store.memo["fund_answers"] = out
    return list(out)


def _fund_rows(store: RunStore, fund: str) -> pd.DataFrame:
    """The ``fund_years`` rows of one fund: ``rep, year, drawn_fen, refused_fen, arrears_fen``."""
    cols = ["rep", "year", "drawn_fen", "refused_fen", "arrears_fen"]
    rows = store.read("fund_years", cols, filters=[("fund", "==", fund)])
    for c in ("rep", "year"):
        rows[c] = rows[c].astype("int64")
    return rows


def _series_q(values: pd.Series, total: int) -> dict[str, float]:
    arr = values.to_numpy(dtype=float)
    if len(arr) < total:
        arr = np.concatenate([arr, np.zeros(total - len(arr))])
    if len(arr) == 0:
        return {"p5": 0.0, "p50": 0.0, "p95": 0.0, "mean": 0.0}
    q = np.quantile(arr, [0.05, 0.5, 0.95])
    return {"p5": float(q[0]), "p50": float(q[1]), "p95": float(q[2]), "mean": float(arr.mean())}


@dataclass(frozen=True)
class TargetAnswer:
    """The headline figures of one target.

    Attributes:
        target: target id.
        entry: the manifest's entry (name, threshold, unit, deadline, source).
        threshold: the threshold value.
        unit: the metric's unit.
        deadline: ISO date.
        p_attained: share of replications at or above the threshold at the deadline.
        value: ``{"p5", "p50", "p95"}`` of the value at the deadline.
        median_date_attained: median first month reached, among replications that reach it.
        yearly: ``{year: {"p5", "p50", "p95"}}`` from the summary.
    """

    target: str
    entry: dict[str, Any]
    threshold: float | None
    unit: str
    deadline: str | None
    p_attained: float
    value: dict[str, float]
    median_date_attained: str | None
    yearly: dict[str, dict[str, float]]


def target_answers(store: RunStore) -> list[TargetAnswer]:
    """Headline figures per target, from ``summary.json`` with table fallbacks.

    Returns:
        One answer per target, in manifest order, then targets only the
        summary or the tables name.
    """
    cached = store.memo.get("target_answers")
    if isinstance(cached, list):
        return list(cached)
    tt = store.read("targets", ["rep", "target", "value", "attained", "date_attained"])
    for col in ("target", "date_attained"):
        tt[col] = _strings(tt[col])
    total = max(n_reps(store), 1)
    ids = list(store.targets)
    for extra in list(store.summary.get("targets", {})) + sorted(set(tt["target"].dropna())):
        if extra not in ids:
            ids.append(extra)
    out: list[TargetAnswer] = []
    for tid in ids:
        s = store.summary.get("targets", {}).get(tid, {}) or {}
        entry = dict(store.targets.get(tid, {}))
        rows = tt[tt["target"] == tid]
        if isinstance(s.get("p_attained"), int | float):
            p = float(s["p_attained"])
        else:
            p = float(rows["attained"].astype(bool).sum()) / total if len(rows) else 0.0
        if all(isinstance(s.get(k), int | float) for k in ("p5", "p50", "p95")):
            value = {k: float(s[k]) for k in ("p5", "p50", "p95")}
        else:
            value = _series_q(rows["value"].astype(float), 0) if len(rows) else {}
        dates = rows["date_attained"].dropna() if len(rows) else pd.Series(dtype=object)
        med = median_month(dates) if len(dates) else s.get("median_date_attained")
        threshold = entry.get("threshold", s.get("threshold"))
        yearly_raw = s.get("yearly") or {}
        yearly = {
            str(y): {
                k: float(v[k]) for k in ("p5", "p50", "p95") if isinstance(v.get(k), int | float)
            }
            for y, v in sorted(yearly_raw.items())
            if isinstance(v, dict)
        }
        out.append(
            TargetAnswer(
                target=tid,
                entry=entry,
                threshold=float(threshold) if isinstance(threshold, int | float) else None,
                unit=str(entry.get("unit") or ""),
                deadline=entry.get("deadline") or s.get("deadline"),
                p_attained=p,
                value=value,
                median_date_attained=med if isinstance(med, str) else None,
                yearly=yearly,
            )
        )
    store.memo["target_answers"] = out
    return list(out)


METRIC_PASS_BYTES = 32 * 2**20
"""Budget of one pass over ``metrics``: the [replications x months] arrays held at once.

Bands are computed for as many targets in one pass as fit in it (all of them
for a few hundred replications; a handful at 10,000), so memory does not grow
with the number of targets and grows with replications only by one series.
"""


def metric_bands(store: RunStore, target: str) -> pd.DataFrame:
    """Quantile bands of a target's metric at each month end.

    The ``metrics`` table is read part by part, only the rows of the targets
    being computed; each target's month-end values become one exact
    [replications x months] float64 array, of which the quantiles are taken
    over all replications. Bands are cached on the store; targets are
    computed in groups (this one, then the next ones of the manifest) sized
    so that a pass holds about :data:`METRIC_PASS_BYTES` of arrays (reckoned
    on the horizon's months), and at least one target.

    Args:
        store: the run store.
        target: target id.

    Returns:
        Frame indexed by month with columns ``p5, p25, p50, p75, p95, mean``
        (replications without a value for a month are left out of it; months
        without any value are left out).

    Raises:
        StoreError: if a part cannot be read or lacks a column.
    """
    cache: dict[str, pd.DataFrame] = store.memo.setdefault("metric_bands", {})
    if target not in cache:
        per_target = max(n_reps(store), 1) * max(len(horizon_months(store)), 1) * 8
        room = max(1, METRIC_PASS_BYTES // per_target)
        later = [t for t in store.targets if t != target and t not in cache]
        group = [target, *later[: room - 1]]
        cache.update(_metric_pass(store, group))
    return cache[target].copy()


def _metric_pass(store: RunStore, targets: Sequence[str]) -> dict[str, pd.DataFrame]:
    """One pass over ``metrics``: the bands of ``targets``.

    For every target, each part contributes a block of [its replications x
    months] holding the last non-missing value of each replication and month
    (as ``pivot_table(aggfunc="last")`` would); the blocks are stacked in
    replication order once the pass is over.
    """
    col_of: dict[str, int] = {m: i for i, m in enumerate(horizon_months(store))}
    blocks: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {t: [] for t in targets}
    filters = [("target", "in", list(targets))]
    for part in store.parts("metrics", ["rep", "month", "target", "value"], filters):
        part = part[part["value"].notna() & part["month"].notna()]
        if part.empty:
            continue
        months = part["month"].cat
        month_cols = np.array([col_of.setdefault(str(m), len(col_of)) for m in months.categories])
        cols = month_cols[months.codes.to_numpy()]
        width = len(col_of)
        tcat = part["target"].cat
        tcodes = tcat.codes.to_numpy()
        reps = part["rep"].to_numpy()
        values = part["value"].to_numpy(dtype=float)
        for code, tid in enumerate(tcat.categories):
            sel = np.flatnonzero(tcodes == code)
            if not len(sel):
                continue
            ids, rows = np.unique(reps[sel], return_inverse=True)
            cell = rows * width + cols[sel]
            # the last row of each (replication, month) wins, as in pivot_table's "last"
            _, last = np.unique(cell[::-1], return_index=True)
            last = len(cell) - 1 - last
            block = np.full((len(ids), width), np.nan)
            block.flat[cell[last]] = values[sel][last]
            blocks[str(tid)].append((ids, block))
    months_in_order = sorted(col_of, key=col_of.__getitem__)
    out: dict[str, pd.DataFrame] = {}
    for tid in targets:
        found = blocks.pop(tid)
        if not found:
            out[tid] = pd.DataFrame(columns=[*BAND_QUANTILES, "mean"])
            continue
        width = len(col_of)
        ids = np.concatenate([i for i, _ in found])
        arr = np.full((len(ids), width), np.nan)
        row = 0
        for i, block in found:
            arr[row : row + len(i), : block.shape[1]] = block
            row += len(i)
        del found
        arr = arr[np.argsort(ids, kind="stable")]
        keep = [c for c in sorted(months_in_order) if not np.isnan(arr[:, col_of[c]]).all()]
        wide = pd.DataFrame(arr[:, [col_of[c] for c in keep]], columns=pd.Index(keep, name="month"))
        del arr
        out[tid] = _quantiles(wide, 0, BAND_QUANTILES)
    return out


def inputs_frame(store: RunStore) -> pd.DataFrame:
    """The manifest's inputs as a frame.

    Returns:
        Columns ``path, value, source_kind, source, rationale`` (strings).
    """
    cols = ["path", "value", "source_kind", "source", "rationale"]
    rows = [{c: ("" if x.get(c) is None else str(x.get(c))) for c in cols} for x in store.inputs]
    return pd.DataFrame(rows, columns=cols)
