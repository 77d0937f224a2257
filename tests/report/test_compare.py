"""The comparison report answers "what changed?": the inputs, and every figure's difference.

Two real Liaocheng runs at a small size: the baseline, and the same scenario
with LC-3's award cut to 100万元 on the command line. Both use the scenario's
seed, so replication k of each draws the same random numbers and the
differences pair.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from pypdf import PdfReader

from simulator.cli import main
from simulator.report.compare import build_compare_report, reading, row_label, write_compare_xlsx
from simulator.report.compare_data import (
    Comparison,
    DiffRow,
    InputChange,
    changed_inputs,
    difference_rows,
    group_size,
    paired,
    set_values,
)
from simulator.report.store import open_run

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "liaocheng.yaml"
CUT = "programs.LC-3.rule.base.amount=100万元"
REPS = 20


def _run(out: Path, *extra: str) -> None:
    args = ["run", str(SCENARIO), "--reps", str(REPS), "--out", str(out), *extra]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("cmp")
    base, cut = root / "baseline", root / "lc3-100"
    _run(base)
    _run(cut, "--set", CUT)
    return base, cut


def _pages(pdf: Path, first: int, last: int) -> str:
    pages = PdfReader(pdf).pages[first - 1 : last]
    return re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in pages))


def test_cut_award_is_named_in_the_first_three_pages(runs: tuple[Path, Path], tmp_path: Path) -> None:
    base, cut = runs
    out, xlsx = tmp_path / "c.pdf", tmp_path / "c.xlsx"
    result = CliRunner().invoke(
        main, ["report", str(base), str(cut), "--compare", "--out", str(out), "--xlsx", str(xlsx)]
    )
    assert result.exit_code == 0, result.output
    text = _pages(out, 1, 3)
    assert "LC-3" in text and "100万元" in text
    assert "programs.LC-3.rule.base.amount" in text and "200万元→100万元" in text
    assert "结果对比" in text and "配对差" in text  # the table, and how its error is estimated
    assert xlsx.is_file()


def test_english_comparison(runs: tuple[Path, Path], tmp_path: Path) -> None:
    out = build_compare_report(list(runs), tmp_path / "en.pdf", lang="en")
    text = _pages(out, 1, 3)
    for needle in ("Inputschanged", "Resultscompared", "pairedper-replicationdifferences"):
        assert needle in text, needle
    assert "100万元" in text and "LC-3" in text


def test_changed_inputs_are_the_set_value(runs: tuple[Path, Path]) -> None:
    b, v = (open_run(p) for p in runs)
    changes = changed_inputs(b, v)
    assert [(c.path, c.base, c.variant) for c in changes] == [
        ("programs.LC-3.rule.base.amount", "200万元", "100万元")
    ]
    assert "--set" in changes[0].source and "LC-3" in changes[0].base_source
    assert set_values(v) == [CUT] and set_values(b) == []
    assert changed_inputs(b, b) == []


def _per_rep(store: Path, table: str) -> pd.DataFrame:
    return pd.concat(pd.read_parquet(p) for p in sorted((store / "tables" / table).glob("*.parquet")))


def _grouped_se(d: pd.Series, size: int) -> float:
    """The error of a mean of paired differences, from the means of the parameter groups."""
    g = d.groupby(np.asarray(d.index, dtype=np.int64) // size).mean().to_numpy(float)
    return float(g.std(ddof=1) / math.sqrt(len(g)))


def test_paired_errors_match_a_direct_computation(runs: tuple[Path, Path]) -> None:
    base, cut = runs
    b, v = open_run(base), open_run(cut)
    assert paired(b, v)
    size = group_size(b)
    assert size == 10  # parameters drawn once per 10 replications: 2 groups of 20
    rows = {(r.kind, r.key): r for r in difference_rows(b, v)}
    # independent figures straight from the Parquet parts
    fy_b = _per_rep(base, "fund_years").groupby(["fund", "rep"])["drawn_fen"].sum()
    fy_v = _per_rep(cut, "fund_years").groupby(["fund", "rep"])["drawn_fen"].sum()
    d = (fy_v["lc-city-sci"] - fy_b["lc-city-sci"]).astype(float)
    row = rows[("drawn", "lc-city-sci")]
    assert row.n == REPS
    assert row.base == pytest.approx(fy_b["lc-city-sci"].mean())
    assert row.diff == pytest.approx(d.mean())
    assert row.se == pytest.approx(_grouped_se(d, size))
    assert row.diff is not None and row.diff < 0  # half the award, less drawn
    ex_b, ex_v = _per_rep(base, "exhaustion"), _per_rep(cut, "exhaustion")
    dry = [
        e[e["fund"] == "lc-city-sci"].set_index("rep")["month"].notna().sort_index().astype(float)
        for e in (ex_b, ex_v)
    ]
    dd = dry[1] - dry[0]
    row = rows[("dry", "lc-city-sci")]
    assert row.diff == pytest.approx(dd.mean())
    assert row.se == pytest.approx(_grouped_se(dd, size))
    tg_b = _per_rep(base, "targets").set_index(["target", "rep"])["attained"].astype(float)
    tg_v = _per_rep(cut, "targets").set_index(["target", "rep"])["attained"].astype(float)
    row = rows[("target", "LC-6")]
    assert row.base == pytest.approx(tg_b["LC-6"].mean())
    assert row.variant == pytest.approx(tg_v["LC-6"].mean())
    assert row.se == pytest.approx(_grouped_se(tg_v["LC-6"] - tg_b["LC-6"], size))


def test_runs_of_different_lengths_do_not_pair(runs: tuple[Path, Path], tmp_path: Path) -> None:
    base, _cut = runs
    short = tmp_path / "short"
    _run(short, "--reps", "10", "--fixed-params", "--set", CUT)
    b, v = open_run(base), open_run(short)
    assert not paired(b, v)  # the mean over 20 replications minus the mean over 10 is no paired difference
    row = next(r for r in difference_rows(b, v) if r.kind == "drawn" and r.key == "lc-city-sci")
    fy_b = _per_rep(base, "fund_years").groupby(["fund", "rep"])["drawn_fen"].sum()["lc-city-sci"].astype(float)
    fy_v = _per_rep(short, "fund_years").groupby(["fund", "rep"])["drawn_fen"].sum()["lc-city-sci"].astype(float)
    gb = fy_b.groupby(fy_b.index // 10).mean().to_numpy()  # the baseline's two parameter groups
    xv = fy_v.to_numpy()  # fixed parameters: ten independent replications
    assert row.se == pytest.approx(math.sqrt(gb.var(ddof=1) / 2 + xv.var(ddof=1) / 10))


def test_unpaired_runs_use_the_independent_error(run_store: Path, variant_store: Path) -> None:
    b, v = open_run(run_store), open_run(variant_store)
    assert not paired(b, v)  # the synthetic stores have seeds 1 and 2
    row = next(r for r in difference_rows(b, v) if r.kind == "target")
    tb = _per_rep(run_store, "targets")
    tv = _per_rep(variant_store, "targets")
    xb = tb[tb["target"] == row.key]["attained"].astype(float).to_numpy()
    xv = tv[tv["target"] == row.key]["attained"].astype(float).to_numpy()
    expected = math.sqrt(xb.var(ddof=1) / len(xb) + xv.var(ddof=1) / len(xv))
    assert row.se == pytest.approx(expected)
    assert row.n == len(xb) + len(xv)


def test_workbook_holds_the_table(runs: tuple[Path, Path], tmp_path: Path) -> None:
    base = runs[0]
    xlsx = tmp_path / "c.xlsx"
    build_compare_report(list(runs), tmp_path / "c.pdf", xlsx=xlsx)
    ws = load_workbook(xlsx)["结果对比"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, [c.value for c in r], strict=True)) for r in ws.iter_rows(min_row=2)]
    drawn = next(r for r in rows if r["类别"] == "drawn" and r["编号"] == "lc-city-sci")
    summary = json.loads((base / "summary.json").read_text(encoding="utf-8"))
    mean_wan = summary["funds"]["lc-city-sci"]["drawn_yuan"]["mean"] / 10_000
    assert drawn["基准"] == pytest.approx(mean_wan, abs=0.01)
    assert drawn["差异"] < 0 and drawn["标准误"] > 0
    target = next(r for r in rows if r["编号"] == "LC-6")
    assert target["基准"] == pytest.approx(summary["targets"]["LC-6"]["p_attained"])
    inputs = load_workbook(xlsx)["改动的输入"]
    assert [c.value for c in inputs[2]][1:4] == ["programs.LC-3.rule.base.amount", "200万元", "100万元"]


def test_workbook_cells_are_inert(runs: tuple[Path, Path], tmp_path: Path) -> None:
    b, v = (open_run(p) for p in runs)
    evil = InputChange("=HYPERLINK(\"http://x.invalid\",\"y\")", "@SUM(1)", "+1+1", "-2+3", "")
    c = Comparison(b, v, "=cmd|' /C calc'!A0", "v", [evil], [], True)
    out = write_compare_xlsx([c], tmp_path / "evil.xlsx", "en")
    for ws in load_workbook(out).worksheets:
        for line in ws.iter_rows():
            for cell in line:
                assert cell.data_type != "f"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@")), cell.value


def test_reading_of_a_row() -> None:
    row = DiffRow("target", "T", 0.5, 0.6, 0.1, 100)
    assert reading(row, "zh") == "在模拟误差内"  # 0.1 < 1.96 x 0.1
    assert reading(DiffRow("target", "T", 0.5, 0.9, 0.1, 100), "en") == "beyond MC error"
    assert reading(DiffRow("target", "T", 0.5, 0.5, 0.0, 100), "zh") == "无变化"
    assert reading(DiffRow("target", "T", 1.0, 1.0, 0.0, 100, set_by_input=True), "zh") == "由输入设定"
    assert reading(DiffRow("dry", "F", None, 0.2, None, 0), "en") == "in one run only"


def test_xlsx_needs_a_comparison(run_store: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main, ["report", str(run_store), "--out", str(tmp_path / "r.pdf"), "--xlsx", str(tmp_path / "x.xlsx")]
    )
    assert result.exit_code == 2 and "--xlsx" in result.output and "Traceback" not in result.output
    result = runner.invoke(
        main,
        ["--lang", "en", "report", str(run_store), "--compare", "--out", str(tmp_path / "r.pdf"),
         "--xlsx", str(tmp_path / "x.csv")],
    )
    assert result.exit_code == 2 and ".xlsx" in result.output
    assert not (tmp_path / "r.pdf").exists()


def test_summary_interfaces_money_needed_and_set_by_input(tmp_path: Path) -> None:
    """A fund's money needed is compared when a summary has it; a target set by an input gets no difference."""
    from simulator.report.store import RunStore

    def store(total: int, set_by: str) -> RunStore:
        manifest = {"reps": 0, "seed": 1, "engine": "fast", "funds": {"F": {"name": "资金"}},
                    "targets": {"T": {"name": "目标"}}}
        summary = {
            "funds": {"F": {"money_needed": {"level": 0.1, "per_year_yuan": {}, "total_yuan": total}}},
            "targets": {"T": {"set_by": set_by}},
        }
        return RunStore(path=tmp_path, manifest=manifest, summary=summary)

    rows = {(r.kind, r.key): r for r in difference_rows(store(5_000_000, "model"), store(3_000_000, "input"))}
    needed = rows[("needed", "F")]
    assert (needed.base, needed.variant, needed.diff) == (500_000_000, 300_000_000, -200_000_000)  # fen
    assert rows[("target", "T")].set_by_input
    b, v = store(5_000_000, "model"), store(3_000_000, "input")
    c = Comparison(b, v, "b", "v", [], list(rows.values()), True)
    assert row_label(c, needed, "zh") == "所需资金（出现缺口概率≤10%，万元）：资金"
    assert reading(rows[("target", "T")], "en") == "set by input"
