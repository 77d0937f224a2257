"""The headline answers of a run store: each fund's and each target's figures, and the inputs.

The figures behind the brief, the fund and target pages and the exports:
money in fen, quantiles across replications, read part by part as
:mod:`simulator.report.analysis` describes (every figure exact).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulator.report.analysis import (
    BAND_QUANTILES,
    _quantiles,
    _strings,
    horizon_months,
    median_month,
    n_reps,
)
from simulator.report.fmt import FEN_PER_YUAN, Lang, prob
from simulator.report.i18n import t
from simulator.report.store import RunStore


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
        set_by: ``"input"`` when the value is set by an input (an appropriation, an
            indicator held at its stated level), else ``"model"``.
        moved_by: ids of the programs, guidance funds and funds whose money
            moves the target; None for a store written before they were recorded.
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
    set_by: str = "model"
    moved_by: tuple[str, ...] | None = None


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
                set_by="input" if s.get("set_by") == "input" else "model",
                moved_by=tuple(str(x) for x in s["moved_by"]) if isinstance(s.get("moved_by"), list) else None,
            )
        )
    store.memo["target_answers"] = out
    return list(out)


def attainment_label(a: TargetAnswer, lang: Lang) -> str:
    """A target's P(attained) as the report prints it: "由输入设定 / set by input" for a target an input sets.

    >>> from dataclasses import replace
    >>> a = TargetAnswer("T", {}, 1.0, "count", None, 0.25, {}, None, {})
    >>> attainment_label(a, "en"), attainment_label(replace(a, set_by="input"), "en")
    ('25%', 'set by input')
    """
    return t("set_by_input", lang) if a.set_by == "input" else prob(a.p_attained)


def not_moved_note(a: TargetAnswer, lang: Lang) -> str | None:
    """The note for a modelled target that no instrument in the scenario moves, else None.

    >>> from dataclasses import replace
    >>> a = TargetAnswer("T", {}, 1.0, "count", None, 0.25, {}, None, {}, moved_by=())
    >>> not_moved_note(a, "en")
    'No instrument in the scenario moves this target'
    >>> not_moved_note(replace(a, moved_by=("LC-3",)), "en") is None
    True
    """
    if a.set_by == "input" or a.moved_by is None or a.moved_by:
        return None
    return t("not_moved", lang)


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
