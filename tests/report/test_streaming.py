"""The report reads tables part by part and gives the numbers whole tables give.

The references below are the summaries written over whole tables (the way
the report computed them before it streamed); the streamed summaries must
equal them exactly, frame for frame.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from simulator.report import analysis, outcomes
from simulator.report.pdf import build_run_report
from simulator.report.store import RunStore, StoreError, concat_compact, open_run
from tests.report.conftest import refresh_part_records

# --------------------------------------------------------------------------- references


def _whole(store_dir: Path, name: str) -> pd.DataFrame:
    df = pd.concat(
        [pd.read_parquet(p) for p in sorted((store_dir / "tables" / name).glob("*.parquet"))],
        ignore_index=True,
    )
    for c in ("rep", "year"):
        if c in df.columns:
            df[c] = df[c].astype("int64")
    return df


def _reps(store_dir: Path) -> np.ndarray:
    ids: set[int] = set()
    for name in ("fund_years", "targets", "exhaustion", "draws"):
        ids.update(int(r) for r in _whole(store_dir, name)["rep"].unique())
    return np.array(sorted(ids), dtype=np.int64)


def _ref_draw_bands(store_dir: Path, store: RunStore, fund: str) -> pd.DataFrame:
    draws = _whole(store_dir, "draws")
    d = draws[draws["fund"] == fund]
    months = analysis.horizon_months(store)
    all_months = sorted(set(months) | set(d["month"]))
    wide = d.groupby(["rep", "month"])["amount_fen"].sum().unstack("month", fill_value=0)
    wide = wide.reindex(pd.Index(_reps(store_dir), name="rep"), fill_value=0)
    wide = wide.reindex(columns=all_months, fill_value=0).cumsum(axis=1)
    return analysis._quantiles(wide, analysis.n_reps(store), analysis.BAND_QUANTILES)


def _ref_metric_bands(store_dir: Path, target: str) -> pd.DataFrame:
    m = _whole(store_dir, "metrics")
    m = m[m["target"] == target]
    wide = m.pivot_table(index="rep", columns="month", values="value", aggfunc="last")
    wide = wide.reindex(columns=sorted(wide.columns))
    return analysis._quantiles(wide, 0, analysis.BAND_QUANTILES)


def _ref_yearly(store_dir: Path, store: RunStore, by: str) -> pd.DataFrame:
    draws = _whole(store_dir, "draws")
    d = draws.assign(year=draws["month"].str.slice(0, 4).astype(int))
    wide = analysis._wide_by_rep(d, ["year", by], "amount_fen", _reps(store_dir))
    keys = sorted(set(d[by]), key=analysis._order_key(store, by)) if by != "level" else None
    if keys is None:
        from simulator.report.i18n import level_sort_key

        keys = sorted(set(d[by]), key=level_sort_key)
    years = sorted(set(analysis.horizon_years(store)) | set(d["year"]))
    wide = wide.reindex(columns=pd.MultiIndex.from_product([years, keys]), fill_value=0)
    q = analysis._quantiles(wide, analysis.n_reps(store), analysis.SUMMARY_QUANTILES)
    q = q.reset_index().rename(columns={"level_0": "year", "level_1": "key"})
    q["_k"] = q["key"].map({k: i for i, k in enumerate(keys)})
    cols = ["year", "key", *analysis.SUMMARY_QUANTILES, "mean"]
    return q.sort_values(["_k", "year"])[cols].reset_index(drop=True)


# --------------------------------------------------------------------------- equality


def test_fan_chart_data_equal_whole_table_figures(run_store: Path) -> None:
    store = open_run(run_store)
    for fund in store.funds:
        got = analysis.cumulative_draw_bands(store, fund)
        pd.testing.assert_frame_equal(got, _ref_draw_bands(run_store, store, fund))
        assert got["p50"].iloc[-1] > 0
    for target in store.targets:
        got = outcomes.metric_bands(store, target)
        pd.testing.assert_frame_equal(got, _ref_metric_bands(run_store, target))
        assert len(got) > 0


@pytest.mark.parametrize("by", ["level", "program", "fund"])
def test_yearly_tables_equal_whole_table_figures(run_store: Path, by: str) -> None:
    store = open_run(run_store)
    got = analysis.yearly_draw(store, by)
    ref = _ref_yearly(run_store, store, by)
    pd.testing.assert_frame_equal(got, ref, check_names=False)


def test_metric_bands_in_several_passes_equal_one_pass(
    run_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = open_run(run_store)
    whole = {t: outcomes.metric_bands(one, t) for t in one.targets}
    assert len(whole) >= 2
    monkeypatch.setattr(outcomes, "METRIC_PASS_BYTES", 1)  # one target per pass
    calls: list[Any] = []
    real = RunStore.parts

    def counting(self: RunStore, name: str, *args: Any, **kw: Any) -> Any:
        if name == "metrics":
            calls.append(args)
        return real(self, name, *args, **kw)

    monkeypatch.setattr(RunStore, "parts", counting)
    split = open_run(run_store)
    for t, bands in whole.items():
        pd.testing.assert_frame_equal(outcomes.metric_bands(split, t), bands)
    assert len(calls) == len(whole), "one pass per target under a tiny budget"


def test_metric_bands_take_the_last_value_and_skip_missing_ones(
    run_store: Path, tmp_path: Path
) -> None:
    d = tmp_path / "copy"
    shutil.copytree(run_store, d)
    target = next(iter(open_run(d).targets))
    # the last two replications of the last part get extra rows: a repeated month
    # (the later row wins), a missing value (skipped, the earlier one stands) and a
    # month past the horizon; the part is then re-recorded so the store verifies
    last = sorted((d / "tables" / "metrics").glob("part-*.parquet"))[-1]
    table = pq.read_table(last)
    r1 = int(pa.compute.max(table["rep"]).as_py())
    r0 = r1 - 1
    extra = pa.table(
        {
            "rep": pa.array([r0, r0, r0, r1, r1, r1], pa.int32()),
            "month": ["2021-01", "2021-01", "2023-02", "2021-01", "2021-01", "2021-02"],
            "target": [target] * 6,
            "value": [1.0e6, 2.0e6, 5.0, 3.0e6, None, 7.0],
        }
    )
    pq.write_table(pa.concat_tables([table, extra.cast(table.schema)]), last)
    refresh_part_records(d)
    got = outcomes.metric_bands(open_run(d), target)
    pd.testing.assert_frame_equal(got, _ref_metric_bands(d, target))
    assert "2023-02" in got.index


def test_summaries_never_hold_a_whole_table(
    run_store: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Every read names its columns; none goes through the whole-table reader."""

    def whole(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("a summary read a whole table")

    monkeypatch.setattr(RunStore, "table", whole)
    reads: list[Any] = []
    real = pq.read_table

    def recording(source: Any, *args: Any, **kw: Any) -> Any:
        reads.append((Path(str(source)).parent.name, kw.get("columns")))
        return real(source, *args, **kw)

    monkeypatch.setattr(pq, "read_table", recording)
    store = open_run(run_store)
    outcomes.fund_answers(store)
    outcomes.target_answers(store)
    for f in store.funds:
        analysis.cumulative_draw_bands(store, f)
    for by in ("level", "program", "fund"):
        analysis.yearly_draw(store, by)
    analysis.yearly_total(store)
    analysis.fund_year_table(store)
    analysis.claims_not_paid(store)
    for t in store.targets:
        outcomes.metric_bands(store, t)
    assert reads and all(cols is not None for _, cols in reads)
    by_table: dict[str, set[str]] = {}
    for table, cols in reads:
        by_table.setdefault(table, set()).update(cols)
    assert "counts" not in by_table
    assert by_table["metrics"] == {"rep", "month", "target", "value"}
    assert "paid_fen" not in by_table["claims"]


def test_draws_are_read_once_per_report(
    run_store: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    reads: list[str] = []
    real = pq.read_table

    def recording(source: Any, *args: Any, **kw: Any) -> Any:
        if Path(str(source)).parent.name == "draws" and "amount_fen" in (kw.get("columns") or []):
            reads.append(str(source))
        return real(source, *args, **kw)

    monkeypatch.setattr(pq, "read_table", recording)
    build_run_report(run_store, tmp_path / "r.pdf", "en")
    parts = sorted((run_store / "tables" / "draws").glob("*.parquet"))
    assert sorted(reads) == sorted(str(p) for p in parts), "the digest is read once, then cached"


# --------------------------------------------------------------------------- reader


def test_parts_read_only_the_asked_columns_compactly(run_store: Path) -> None:
    store = open_run(run_store)
    parts = list(store.parts("draws", ["rep", "fund", "amount_fen"]))
    assert len(parts) == 2
    for p in parts:
        assert list(p.columns) == ["rep", "fund", "amount_fen"]
        assert isinstance(p["fund"].dtype, pd.CategoricalDtype)
        assert p["amount_fen"].dtype == np.int64
    joined = concat_compact(parts, ["rep", "fund", "amount_fen"])
    assert isinstance(joined["fund"].dtype, pd.CategoricalDtype)
    whole = _whole(run_store, "draws")
    assert joined["amount_fen"].sum() == whole["amount_fen"].sum()
    assert list(joined["fund"].astype(str)) == list(whole["fund"])


def test_parts_filter_rows(run_store: Path) -> None:
    store = open_run(run_store)
    got = store.read("claims", ["rep", "state", "n"], filters=[("state", "==", "refused")])
    whole = _whole(run_store, "claims")
    assert len(got) == int((whole["state"] == "refused").sum()) > 0
    assert set(got["state"].astype(str)) == {"refused"}


def test_a_part_missing_a_column_is_named(run_store: Path, tmp_path: Path) -> None:
    d = tmp_path / "copy"
    shutil.copytree(run_store, d)
    part = sorted((d / "tables" / "metrics").glob("*.parquet"))[1]
    pq.write_table(pq.read_table(part).drop(["value"]), part)
    refresh_part_records(d)  # a store that verifies, written by a writer that lost a column
    with pytest.raises(StoreError, match=r"metrics: missing column\(s\) value"):
        outcomes.metric_bands(open_run(d), next(iter(open_run(d).targets)))


def test_an_unreadable_part_is_named(run_store: Path, tmp_path: Path) -> None:
    d = tmp_path / "copy"
    shutil.copytree(run_store, d)
    part = sorted((d / "tables" / "draws").glob("*.parquet"))[0]
    part.write_bytes(b"not parquet")
    with pytest.raises(StoreError, match=part.name):  # refused by verification, before any reading
        analysis.yearly_total(open_run(d))


def test_a_run_without_payments_has_zero_draws(run_store: Path, tmp_path: Path) -> None:
    d = tmp_path / "copy"
    shutil.copytree(run_store, d)
    for part in (d / "tables" / "draws").glob("*.parquet"):  # what the writer stores for no payment
        pq.write_table(pq.read_table(part).slice(0, 0), part)
    refresh_part_records(d)
    store = open_run(d)
    bands = analysis.cumulative_draw_bands(store, next(iter(store.funds)))
    assert list(bands.index) == analysis.horizon_months(store)
    assert (bands.to_numpy() == 0).all()
    assert analysis.yearly_draw(store, "level").empty
    assert (analysis.yearly_total(store)["p50"] == 0).all()


def test_parts_with_a_column_all_missing_join_the_others(run_store: Path, tmp_path: Path) -> None:
    d = tmp_path / "copy"
    shutil.copytree(run_store, d)
    parts = sorted((d / "tables" / "targets").glob("*.parquet"))
    t = pq.read_table(parts[0])
    i = t.schema.get_field_index("date_attained")
    pq.write_table(t.set_column(i, "date_attained", pa.nulls(t.num_rows)), parts[0])
    refresh_part_records(d)
    got = open_run(d).read("targets", ["rep", "date_attained"])
    whole = _whole(run_store, "targets")
    assert isinstance(got["date_attained"].dtype, pd.CategoricalDtype)
    later = whole["rep"] >= int(pq.read_table(parts[1])["rep"][0].as_py())
    assert got["date_attained"].isna().sum() == whole["date_attained"].isna().sum() + int(
        whole.loc[~later, "date_attained"].notna().sum()
    )
    assert list(got.loc[later.to_numpy(), "date_attained"].astype(object).fillna("-")) == list(
        whole.loc[later, "date_attained"].fillna("-")
    )
    assert outcomes.target_answers(open_run(d))
