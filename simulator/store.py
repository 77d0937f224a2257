"""The result store: Parquet tables, manifest.json and summary.json (see docs/store-format.md).

Writers take blocks of :class:`~simulator.model.records.RepResult` and write one part
file per table per block, atomically (temporary file, then ``os.replace``).
The Python API (:class:`RunStore`) returns the tables as pandas DataFrames.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simulator.errors import StoreError as StoreError  # the project's one store error, re-exported
from simulator.i18n import Msg
from simulator.model.calendar import Calendar
from simulator.model.links import target_links
from simulator.model.metrics import MetricContext, evaluate_target, metric_series
from simulator.model.records import RepResult
from simulator.needs import add_money_needed
from simulator.schema import TABLE_NAMES, column_names, whole_yuan
from simulator.schema import TABLES as SCHEMA
from simulator.storeio import PartRecord, atomic_write_bytes, part_file, part_record
from simulator.uncertainty.variance import FIXED_SHARE, variance_share

FORMAT = 1
TABLES = TABLE_NAMES
"""The tables of a run store (defined in :mod:`simulator.schema`)."""


def write_parquet(path: Path, df: pd.DataFrame) -> bytes:
    """Write a DataFrame to Parquet atomically with deterministic bytes.

    Returns:
        The bytes written (for the part's size and hash, without reading the file back).
    """
    table = pa.Table.from_pandas(df, preserve_index=False)
    table = table.replace_schema_metadata(None)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", use_dictionary=True, write_statistics=False,
                   store_schema=False)
    data = sink.getvalue().to_pybytes()
    atomic_write_bytes(path, data)
    return data


def block_frames(ctx: MetricContext, results: Sequence[RepResult],
                 parameters: Sequence[tuple[int, int, int, str, float]] = (),
                 contexts: Sequence[MetricContext] | None = None) -> dict[str, pd.DataFrame]:
    """Turn a block of replications into the store's tables.

    Args:
        ctx: The scenario's metric context.
        results: The block's replications.
        parameters: The ``parameters`` table's rows for the block: ``(group,
            first_rep, last_rep, name, value)`` per drawn value (none without draws).
        contexts: Per replication, the metric context of the scenario it ran on
            (its parameter group's: a target's metric may hold drawn values);
            ``None``: ``ctx`` for all.
    """
    cal = ctx.calendar
    labels = np.array(cal.labels)
    s = ctx.scenario
    rows: dict[str, list[Any]] = {t: [] for t in TABLES}
    rows["parameters"] = list(parameters)
    tids = list(s.targets)
    series_all = np.zeros((len(results), len(tids), cal.n_months), dtype=np.float64)
    for i, r in enumerate(results):
        for (month, fund, level, program), fen in sorted(r.draws.items()):
            rows["draws"].append((r.rep, labels[month], fund, level, program, int(fen)))
        rc = ctx if contexts is None else contexts[i]
        for j, tid in enumerate(tids):
            series = metric_series(rc, rc.scenario.targets[tid], s.target_city(tid), r)
            out = evaluate_target(rc, tid, series)
            series_all[i, j] = series
            rows["targets"].append((r.rep, tid, out.value, out.attained,
                                    None if out.month_attained is None else str(labels[out.month_attained])))
        for (fund, year), fyr in sorted(r.fund_years.items()):
            rows["fund_years"].append((r.rep, fund, year, fyr["appropriated_fen"], fyr["carried_in_fen"],
                                       fyr["drawn_fen"], fyr["lapsed_fen"], fyr["balance_end_fen"],
                                       fyr["arrears_fen"], fyr["refused_fen"], fyr["prorata_cut_fen"],
                                       fyr["income_fen"]))
        for (program, year, state), (n, req, paid) in sorted(r.claims.items()):
            rows["claims"].append((r.rep, program, year, state, n, req, paid))
        for fund in ctx.fund_ids:
            em = r.exhaustion.get(fund)
            rows["exhaustion"].append((r.rep, fund, None if em is None else str(labels[em])))
    # The two large tables are built column-wise (same rows, order and types as row by row).
    reps = np.array([r.rep for r in results], dtype=np.int64)
    columns: dict[str, dict[str, Any]] = {"counts": _counts_columns(ctx, labels, reps, results),
                                          "metrics": _metrics_columns(labels, reps, tids, series_all)}
    frames = {}
    for name in TABLES:
        names = pd.Index(column_names(name))
        df = pd.DataFrame(columns[name] if name in columns else rows[name], columns=names)
        for col in SCHEMA[name]:
            c = col.name
            if col.dtype != "string":
                df[c] = df[c].astype(col.dtype)
            elif col.unit == "YYYY-MM" or df[c].dtype == object:
                df[c] = df[c].astype("string")
        frames[name] = df
    return frames


def _counts_columns(ctx: MetricContext, labels: npt.NDArray[np.str_], reps: npt.NDArray[np.int64],
                    results: Sequence[RepResult]) -> dict[str, Any]:
    """Non-zero month-end counts, by replication, month and key (row-major order)."""
    n_keys = len(ctx.keys)
    if not results or n_keys == 0:
        return {c: [] for c in column_names("counts")}
    counts = np.stack([r.counts for r in results])
    ri, m, k = np.nonzero(counts)
    out: dict[str, Any] = {"rep": reps[ri], "month": _strings(labels.tolist(), m, STRING)}
    for j, col in enumerate(("city", "kind", "type", "state")):
        out[col] = _strings([key[j] for key in ctx.keys], k, STR)
    out["count"] = counts[ri, m, k]
    return out


def _metrics_columns(labels: npt.NDArray[np.str_], reps: npt.NDArray[np.int64], tids: list[str],
                     series: npt.NDArray[np.float64]) -> dict[str, Any]:
    """Month-end metric values, by replication, target and month."""
    n_rep, n_t, n_m = series.shape
    month = np.tile(np.arange(n_m, dtype=np.int64), n_rep * n_t)
    target = np.tile(np.repeat(np.arange(n_t, dtype=np.int64), n_m), n_rep)
    return {"rep": np.repeat(reps, n_t * n_m), "month": _strings(labels.tolist(), month, STRING),
            "target": _strings(tids, target, STR), "value": series.reshape(-1)}


STRING = pd.StringDtype("pyarrow")
"""The ``string`` dtype of the month columns (missing values are ``pd.NA``)."""
STR = pd.StringDtype("pyarrow", na_value=np.nan)
"""pandas' default ``str`` dtype, which the other text columns get when built from Python strings."""


def _strings(values: list[str], codes: npt.NDArray[np.int64], dtype: pd.StringDtype) -> pd.arrays.ArrowStringArray:
    """``values[codes]`` as a pandas string column, without a Python object per row."""
    return pd.arrays.ArrowStringArray(pa.array(values, type=pa.string()).take(pa.array(codes)), dtype=dtype)


"""One part file of a run store: ``table``, ``file`` (relative to the store, ``/``-separated), ``bytes``,
``sha256``, ``first_rep``, ``last_rep`` (exclusive) and ``rows`` (see docs/store-format.md)."""


def write_block(out: Path, first_rep: int, last_rep: int, frames: dict[str, pd.DataFrame]) -> list[PartRecord]:
    """Write one block's tables as part files.

    Args:
        out: The store's folder.
        first_rep: First replication of the block.
        last_rep: One past the block's last replication.
        frames: The block's tables by name.

    Returns:
        The records of the part files written, one per table.
    """
    records = []
    for name, df in frames.items():
        data = write_parquet(out / part_file(name, first_rep), df)
        records.append(part_record(name, first_rep, last_rep, len(df), data))
    return records


class RunStore:
    """Read a run's result store, verified first (see :mod:`simulator.verify`).

    >>> # store = RunStore("out/liaocheng"); store.table("targets").head()

    Args:
        path: The store folder.
        require_complete: False only for the run's own read of the store it is
            still writing (status ``running``, parts from the journal); every
            other reader demands a complete store.

    Raises:
        StoreError: if the store is missing, damaged or incomplete (one message
            naming the store, the file and what is wrong).
    """

    def __init__(self, path: str | Path, *, require_complete: bool = True) -> None:
        from simulator.verify import require_whole

        self.path = Path(path)
        mf = self.path / "manifest.json"
        if not mf.exists():
            raise StoreError(Msg(f"{self.path}：不是结果目录（没有 manifest.json）；请先运行 `fiscalsim run`",
                                 f"{self.path}: not a result store (no manifest.json); run `fiscalsim run` first"))
        require_whole(self.path, require_complete=require_complete)
        self.manifest: dict[str, Any] = json.loads(mf.read_text(encoding="utf-8"))
        sf = self.path / "summary.json"
        self.summary: dict[str, Any] = json.loads(sf.read_text(encoding="utf-8")) if sf.exists() else {}

    def table(self, name: str, filters: list[tuple[str, str, Any]] | None = None,
              categorical: bool = False) -> pd.DataFrame:
        """A table as a DataFrame (all parts, sorted by replication).

        Args:
            name: One of :data:`TABLES`.
            filters: Row filters applied while each part is read, e.g.
                ``[("month", "in", ["2020-12", "2021-12"])]`` (pyarrow's DNF form), so a
                large table is never held whole.
            categorical: Text columns as pandas categoricals (a small integer per
                row instead of a string: what the summary of a large run uses).
        """
        if name not in TABLES:
            raise StoreError(Msg(f"未知的表 {name!r}；应为以下之一：{', '.join(TABLES)}",
                                 f"unknown table {name!r}; expected one of {', '.join(TABLES)}"))
        folder = self.path / "tables" / name
        parts = sorted(folder.glob("part-*.parquet"))
        if not parts:
            raise StoreError(Msg(f"{folder}：没有数据", f"{folder}: no data"))
        if categorical:
            table = pa.concat_tables([pq.read_table(p, filters=filters).unify_dictionaries() for p in parts])
            return table.to_pandas(strings_to_categorical=True)
        return pd.concat([pq.read_table(p, filters=filters).to_pandas() for p in parts], ignore_index=True)


# --------------------------------------------------------------------------- summary


def _yuan_q(fen: np.ndarray) -> dict[str, int]:
    """Quantiles and mean of fen amounts, as whole yuan (the one rule: :func:`simulator.schema.whole_yuan`)."""
    return {k: whole_yuan(v) for k, v in _q(fen).items()}


def _q(values: np.ndarray) -> dict[str, float]:
    if values.size == 0:
        return {"p5": 0.0, "p50": 0.0, "p95": 0.0, "mean": 0.0}
    p5, p25, p50, p75, p95 = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95])
    return {"p5": float(p5), "p25": float(p25), "p50": float(p50), "p75": float(p75), "p95": float(p95),
            "mean": float(values.mean())}


def _median_label(labels: pd.Series) -> str | None:
    vals = sorted(x for x in labels.dropna().tolist())
    if not vals:
        return None
    return str(vals[(len(vals) - 1) // 2])


def _splitter(manifest: dict[str, Any]) -> Any:
    """The variance split of a run: by parameter group, or chance only without draws (see :mod:`simulator.uncertainty`)."""
    u = manifest.get("uncertainty")
    size = int(u.get("group_size") or 0) if isinstance(u, dict) and not u.get("fixed_params", True) else 0

    def split(values: np.ndarray, reps: np.ndarray) -> dict[str, float]:
        if size < 1:
            return dict(FIXED_SHARE)
        return variance_share(values, np.asarray(reps, dtype=np.int64) // size)

    return split


def _fund_shares(split: Any, per_rep: pd.DataFrame, last: pd.DataFrame, e: pd.DataFrame) -> dict[str, dict[str, float]]:
    """The variance split of each fund output: ``drawn``, ``refused``, ``prorata_cut`` (``*_yuan`` totals), ``arrears_end``, ``exhausted``."""
    reps = per_rep.index.to_numpy()
    return {
        "drawn": split(per_rep["drawn_fen"].to_numpy(dtype=float), reps),
        "refused": split(per_rep["refused_fen"].to_numpy(dtype=float), reps),
        "prorata_cut": split(per_rep["prorata_cut_fen"].to_numpy(dtype=float), reps),
        "arrears_end": split(last["arrears_fen"].to_numpy(dtype=float), last.index.to_numpy()),
        "exhausted": split(e["month"].notna().to_numpy(dtype=float), e["rep"].to_numpy()),
    }


def summarize(store: RunStore, ctx: MetricContext) -> dict[str, Any]:
    """Compute summary.json from the stored tables."""
    s = ctx.scenario
    reps = int(store.manifest["reps"])
    split = _splitter(store.manifest)
    out: dict[str, Any] = {"reps": reps, "targets": {}, "funds": {}, "programs": {}, "levels": {},
                           "not_modelled": s.not_modelled_list(),
                           "as_of": s.nowcast.as_of.isoformat() if s.nowcast is not None else None}
    out["targets"] = _summarize_targets(store, ctx, split)
    out["funds"] = _summarize_funds(store, ctx, split, reps)
    out["programs"], out["levels"] = _summarize_draws(store, ctx, reps)
    return out


def _summarize_targets(store: RunStore, ctx: MetricContext, split: Any) -> dict[str, Any]:
    """Each target's quantiles, P(attained), year-end bands, links and variance split."""
    s = ctx.scenario
    cal: Calendar = ctx.calendar
    targets: dict[str, Any] = {}
    tg = store.table("targets", categorical=True)
    year_end_labels = {y: cal.label(min(cal.month_of(cal.start.replace(year=y, month=12, day=1)), cal.n_months - 1))
                       for y in cal.years}
    # only year ends are summarised: read just those rows of the (large) metrics table
    mt = store.table("metrics", filters=[("month", "in", sorted(set(year_end_labels.values())))], categorical=True)
    tg_by = dict(tuple(tg.groupby("target", sort=False)))
    mt_by = dict(tuple(mt.groupby("target", sort=False)))
    empty_tg, empty_mt = tg.iloc[0:0], mt.iloc[0:0]
    links = target_links(s)
    for tid, t in s.targets.items():
        rows = tg_by.get(tid, empty_tg)
        q = _q(rows["value"].to_numpy(dtype=float))
        yearly = {}
        yearly_share = {}
        sub = mt_by.get(tid, empty_mt)
        for y, lab in year_end_labels.items():
            if cal.month_of(t.deadline) < cal.month_of(cal.start.replace(year=y, month=1, day=1)):
                continue
            at = sub[sub["month"] == lab]
            vals = at["value"].to_numpy(dtype=float)
            qq = _q(vals)
            yearly[str(y)] = {"p5": qq["p5"], "p50": qq["p50"], "p95": qq["p95"]}
            yearly_share[str(y)] = split(vals, at["rep"].to_numpy())
        targets[tid] = {
            "name": t.name, "city": s.target_city(tid), "threshold": float(t.threshold),
            "comparison": t.comparison, "deadline": t.deadline.isoformat(), "source": t.source,
            "p_attained": float(rows["attained"].mean()) if len(rows) else 0.0,
            "p5": q["p5"], "p50": q["p50"], "p95": q["p95"], "mean": q["mean"],
            "median_date_attained": _median_label(rows["date_attained"]),
            "yearly": yearly,
            **links[tid],
            "variance_share": split(rows["value"].to_numpy(dtype=float), rows["rep"].to_numpy()),
            "yearly_variance_share": yearly_share,
        }
    return targets


def _summarize_funds(store: RunStore, ctx: MetricContext, split: Any, reps: int) -> dict[str, Any]:
    """Each fund's draws, refusals, income, arrears, exhaustion, variance split and money needed."""
    s = ctx.scenario
    cal: Calendar = ctx.calendar
    funds: dict[str, Any] = {}
    fy = store.table("fund_years", categorical=True)
    ex = store.table("exhaustion", categorical=True)
    horizon_years = set(cal.years)
    fy_by, ex_by = dict(tuple(fy.groupby("fund", sort=False))), dict(tuple(ex.groupby("fund", sort=False)))
    for fid, f in s.funds.items():
        rows = fy_by.get(fid, fy.iloc[0:0])
        per_rep = rows.groupby("rep")[["drawn_fen", "refused_fen", "prorata_cut_fen", "income_fen"]].sum()
        last = rows[rows["year"] == max(cal.years)].set_index("rep")
        e = ex_by.get(fid, ex.iloc[0:0])
        appropriated = sum(v for y, v in f.appropriations.items() if y in horizon_years)
        yearly_drawn: dict[str, dict[str, int]] = {}
        for y in cal.years:
            yy = rows[rows["year"] == y]["drawn_fen"].to_numpy(dtype=float)
            yearly_drawn[str(y)] = _yuan_q(yy)
        funds[fid] = {
            "name": f.name, "level": s.level_of_fund(fid), "budget": f.budget,
            "appropriated_yuan": whole_yuan(appropriated),
            "drawn_yuan": _yuan_q(per_rep["drawn_fen"].to_numpy(dtype=float)),
            "refused_yuan": _yuan_q(per_rep["refused_fen"].to_numpy(dtype=float)),
            "prorata_cut_yuan": _yuan_q(per_rep["prorata_cut_fen"].to_numpy(dtype=float)),
            "income_yuan": _yuan_q(per_rep["income_fen"].to_numpy(dtype=float)),
            "arrears_end_yuan": _yuan_q(last["arrears_fen"].to_numpy(dtype=float)),
            "p_exhausted": float(e["month"].notna().mean()) if len(e) else 0.0,
            "exhaustion_median": _median_label(e["month"]),
            "yearly_drawn_yuan": yearly_drawn,
            "variance_share": _fund_shares(split, per_rep, last, e),
        }
    add_money_needed(funds, fy, s, list(cal.years), reps)
    return funds


def _summarize_draws(store: RunStore, ctx: MetricContext, reps: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """What each program paid, and what each funding level paid a year."""
    s = ctx.scenario
    cal: Calendar = ctx.calendar
    programs: dict[str, Any] = {}
    levels: dict[str, Any] = {}
    dr = store.table("draws", categorical=True)
    month_years = np.array([int(str(c)[:4]) for c in dr["month"].cat.categories], dtype=np.int64)
    dr = dr.assign(year=month_years[dr["month"].cat.codes.to_numpy()])
    dr_by = dict(tuple(dr.groupby("program", sort=False)))
    for pid in [*s.programs, *s.guidance_funds]:
        rows = dr_by.get(pid, dr.iloc[0:0])
        totals = rows.groupby("rep")["amount_fen"].sum().reindex(range(reps), fill_value=0).to_numpy(dtype=float)
        name = s.programs[pid].name if pid in s.programs else s.guidance_funds[pid].name
        programs[pid] = {"name": name, "drawn_yuan": _yuan_q(totals)}
    for lvl, rows in sorted(dict(tuple(dr.groupby("level", sort=False))).items()):
        per = rows.groupby(["rep", "year"])["amount_fen"].sum().unstack(fill_value=0).reindex(range(reps), fill_value=0)
        levels[lvl] = {str(y): _yuan_q(per[y].to_numpy(dtype=float)) if y in per else _yuan_q(np.zeros(reps))
                              for y in cal.years}
    return programs, levels
