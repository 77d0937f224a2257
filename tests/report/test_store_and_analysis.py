"""Reading stores and the summaries computed from them, against brute force."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.report import analysis, outcomes
from simulator.report.store import StoreError, open_run, open_sweep, store_kind
from tests.report.conftest import refresh_part_records


def test_reads_partitioned_tables(run_store: Path) -> None:
    store = open_run(run_store)
    assert len(list((run_store / "tables" / "draws").glob("*.parquet"))) == 2
    draws = store.table("draws")
    assert sorted(draws["rep"].unique()) == list(range(50))
    assert store.reps == 50
    assert analysis.n_reps(store) == 50


def test_store_kinds(run_store: Path, sweep_store: Path) -> None:
    assert store_kind(run_store) == "run"
    assert store_kind(sweep_store) == "sweep"


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        (lambda d: shutil.rmtree(d), "not a directory"),
        (lambda d: (d / "manifest.json").unlink(), "manifest.json: file not found"),
        (lambda d: (d / "manifest.json").write_text("{oops", encoding="utf-8"), "not valid JSON"),
        (lambda d: _edit_manifest(d, format=99), "format 99 is not supported"),
        (lambda d: _edit_manifest(d, kind="sweep"), "expected 'run'"),
        (lambda d: _edit_manifest(d, reps="many"), "'reps' has the wrong type"),
        (lambda d: (d / "summary.json").unlink(), "summary.json: file not found"),
    ],
)
def test_bad_run_stores_raise_one_clear_error(
    run_store: Path, tmp_path: Path, damage: object, match: str
) -> None:
    d = tmp_path / "copy"
    shutil.copytree(run_store, d)
    damage(d)  # type: ignore[operator]
    with pytest.raises(StoreError, match=match):
        open_run(d)


def test_missing_column_is_reported(run_store: Path, tmp_path: Path) -> None:
    d = tmp_path / "copy"
    shutil.copytree(run_store, d)
    tdir = d / "tables" / "fund_years"
    for part in tdir.glob("*.parquet"):
        df = pd.read_parquet(part).drop(columns=["drawn_fen"])
        df.to_parquet(part)
    with pytest.raises(StoreError, match=r"fund_years/part-000000\.parquet"):  # rewritten: not as recorded
        open_run(d)
    refresh_part_records(d)  # a store written whole, but without the column
    with pytest.raises(StoreError, match="missing column"):
        open_run(d).table("fund_years")


def test_bad_sweep_store(sweep_store: Path, tmp_path: Path) -> None:
    d = tmp_path / "copy"
    shutil.copytree(sweep_store, d)
    summary = json.loads((d / "summary.json").read_text(encoding="utf-8"))
    summary["boxes"] = [{"output": "x", "factor_ranges": {"a": [1]}}]
    (d / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    with pytest.raises(StoreError, match="factor_ranges"):
        open_sweep(d)


def _edit_manifest(d: Path, **changes: object) -> None:
    m = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    m.update(changes)
    (d / "manifest.json").write_text(json.dumps(m), encoding="utf-8")


def _brute_yearly(store_dir: Path, key: str) -> dict[tuple[int, str], float]:
    """Median over all 50 replications of each year's sum, zero where a replication paid nothing."""
    draws = pd.read_parquet(store_dir / "tables" / "draws")
    draws["year"] = draws["month"].str[:4].astype(int)
    sums: dict[tuple[int, str], dict[int, int]] = {}
    for row in draws.itertuples(index=False):
        cell = sums.setdefault((int(row.year), str(getattr(row, key))), {})
        cell[int(row.rep)] = cell.get(int(row.rep), 0) + int(row.amount_fen)
    return {k: float(np.median([v.get(r, 0) for r in range(50)])) for k, v in sums.items()}


@pytest.mark.parametrize("key", ["level", "program", "fund"])
def test_yearly_median_counts_replications_without_payments_as_zero(
    run_store: Path, key: str
) -> None:
    got = analysis.yearly_draw(open_run(run_store), key)
    expected = _brute_yearly(run_store, key)
    assert len(got) == len(expected)
    for _i, row in got.iterrows():
        assert row["p50"] == pytest.approx(expected[(int(row["year"]), str(row["key"]))])
    assert (got["p5"] <= got["p50"]).all() and (got["p50"] <= got["p95"]).all()


def test_levels_come_top_down(run_store: Path) -> None:
    got = analysis.yearly_draw(open_run(run_store), "level")
    assert list(dict.fromkeys(got["key"])) == ["city", "district", "zone"]


def test_cumulative_bands_are_monotone_and_match_the_summary(run_store: Path) -> None:
    store = open_run(run_store)
    summary = json.loads((run_store / "summary.json").read_text(encoding="utf-8"))
    for fund in ("LC-1", "LC-CNTY"):
        bands = analysis.cumulative_draw_bands(store, fund)
        assert list(bands.index) == analysis.horizon_months(store)
        assert (bands.diff().dropna() >= -1e-6).all().all()
        cols = ["p5", "p25", "p50", "p75", "p95"]
        assert (bands[cols].diff(axis=1).dropna(axis=1) >= -1e-6).all().all()
        assert bands["p50"].iloc[-1] == pytest.approx(
            summary["funds"][fund]["drawn_yuan"]["p50"] * 100
        )


def test_appropriation_steps(run_store: Path) -> None:
    steps = analysis.cumulative_appropriations(open_run(run_store), "LC-1")
    assert list(steps["month"]) == ["2020-04", "2021-01", "2022-01"]
    assert list(steps["cum_fen"]) == [2_000_000_000, 4_000_000_000, 5_000_000_000]


def test_fund_and_target_answers(run_store: Path) -> None:
    store = open_run(run_store)
    summary = json.loads((run_store / "summary.json").read_text(encoding="utf-8"))
    funds = {f.fund: f for f in outcomes.fund_answers(store)}
    assert list(funds) == ["LC-1", "LC-CNTY"]
    for fid, f in funds.items():
        s = summary["funds"][fid]
        assert f.appropriated == pytest.approx(s["appropriated_yuan"] * 100)
        assert f.p_exhausted == pytest.approx(s["p_exhausted"])
        assert f.exhaustion_median == s["exhaustion_median"]
    targets = {a.target: a for a in outcomes.target_answers(store)}
    for tid, a in targets.items():
        s = summary["targets"][tid]
        assert a.p_attained == pytest.approx(s["p_attained"])
        assert a.median_date_attained == s["median_date_attained"]
        bands = outcomes.metric_bands(store, tid)
        assert bands["p50"].iloc[-1] == pytest.approx(s["p50"])


def test_answers_fall_back_to_tables_without_summary_figures(
    run_store: Path, tmp_path: Path
) -> None:
    d = tmp_path / "copy"
    shutil.copytree(run_store, d)
    full = json.loads((d / "summary.json").read_text(encoding="utf-8"))
    bare = {"reps": 50, "targets": {k: {} for k in full["targets"]}, "funds": {k: {} for k in full["funds"]}}
    (d / "summary.json").write_text(json.dumps(bare), encoding="utf-8")
    store = open_run(d)
    for f in outcomes.fund_answers(store):
        s = full["funds"][f.fund]
        assert f.drawn["p50"] == pytest.approx(s["drawn_yuan"]["p50"] * 100)
        assert f.p_exhausted == pytest.approx(s["p_exhausted"])
        assert f.refused["p95"] == pytest.approx(s["refused_yuan"]["p95"] * 100)
    for a in outcomes.target_answers(store):
        assert a.p_attained == pytest.approx(full["targets"][a.target]["p_attained"])


def test_claims_not_paid_lists_only_what_happens(run_store: Path) -> None:
    cl = analysis.claims_not_paid(open_run(run_store))
    assert not cl.empty
    assert set(cl["program"]) <= {"LC-3", "ZB-4X", "LONG"}
    # counts are actual replication values (no 0.5 claims)
    for col in [c for c in cl.columns if c.startswith("n_")]:
        assert (cl[col] == cl[col].round()).all()


def test_month_helpers() -> None:
    assert analysis.month_range("2020-12-15", "2021-01-01") == ["2020-12", "2021-01"]
    assert analysis.median_month(["2021-03", "2020-01"]) == "2020-01"
    assert analysis.median_month([]) is None
