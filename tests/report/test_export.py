"""Excel and CSV exports."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from simulator.report import analysis, export_store
from simulator.report.export import ExportError
from simulator.report.store import open_run


@pytest.fixture(scope="module")
def xlsx(run_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_store(run_store, "xlsx", tmp_path_factory.mktemp("xlsx") / "out.xlsx")


def test_xlsx_has_chinese_sheets_and_headers(xlsx: Path) -> None:
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert list(sheets) == [
        "说明",
        "按级次年度拨付",
        "按资金年度收支",
        "按项目年度拨付",
        "目标达成概率",
        "资金缺口",
        "假设与来源",
        "预算表_按级次",
        "预算表_按资金",
        "所需资金",
        "图表数据_资金",
        "图表数据_目标",
    ]
    level = sheets["按级次年度拨付"]
    assert list(level.columns) == [
        "年度",
        "级次",
        "P5（万元）",
        "中位数（万元）",
        "P95（万元）",
        "均值（万元）",
    ]
    assert set(level["级次"]) == {"市级", "区级", "园区"}
    assert "达成概率" in sheets["目标达成概率"].columns
    assert '<b>&amp; "聊城" </b>' in set(sheets["按项目年度拨付"]["项目"])


def test_xlsx_money_is_in_wan(xlsx: Path, run_store: Path) -> None:
    level = pd.read_excel(xlsx, sheet_name="按级次年度拨付")
    expected = analysis.yearly_draw(open_run(run_store), "level")
    row = level[(level["年度"] == 2021) & (level["级次"] == "市级")].iloc[0]
    exp = expected[(expected["year"] == 2021) & (expected["key"] == "city")].iloc[0]
    assert row["中位数（万元）"] == pytest.approx(exp["p50"] / 1_000_000)
    exhaustion = pd.read_excel(xlsx, sheet_name="资金缺口")
    assert exhaustion.loc[exhaustion["资金编号"] == "LC-1", "预算安排（万元）"].iloc[0] == 5000


def test_xlsx_formats_and_widths(xlsx: Path) -> None:
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["目标达成概率"]
    headers = [c.value for c in ws[1]]
    col = headers.index("达成概率") + 1
    assert ws.cell(row=2, column=col).number_format == "0.0%"
    level = wb["按级次年度拨付"]
    assert level.cell(row=2, column=4).number_format == "#,##0.00"
    assert level.freeze_panes == "A2"
    inputs = wb["假设与来源"]
    assert all(inputs.column_dimensions[c].width >= 8 for c in "ABCDE")
    assert inputs.column_dimensions["E"].width > 20


def test_english_headers(run_store: Path, tmp_path: Path) -> None:
    out = export_store(run_store, "xlsx", tmp_path / "en.xlsx", lang="en")
    sheets = pd.read_excel(out, sheet_name=None)
    assert "Draw by level" in sheets
    assert "Median (CNY 10k)" in sheets["Draw by level"].columns


def test_csv_folder_is_excel_friendly(run_store: Path, tmp_path: Path) -> None:
    out = export_store(run_store, "csv", tmp_path / "csv")
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [
            "about.csv",
            "draw_by_level.csv",
            "fund_accounts.csv",
            "draw_by_program.csv",
            "targets.csv",
            "fund_exhaustion.csv",
            "inputs.csv",
            "budget_by_level.csv",
            "budget_by_fund.csv",
            "money_needed.csv",
            "chart_funds.csv",
            "chart_targets.csv",
        ]
    )
    for p in out.iterdir():
        assert p.read_bytes().startswith(b"\xef\xbb\xbf"), p.name
    df = pd.read_csv(out / "draw_by_level.csv", encoding="utf-8-sig")
    assert "中位数（万元）" in df.columns
    # replacing an earlier export works
    export_store(run_store, "csv", out, lang="en")
    assert (
        "Median (CNY 10k)" in pd.read_csv(out / "draw_by_level.csv", encoding="utf-8-sig").columns
    )


def test_csv_never_replaces_a_foreign_folder(run_store: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(ExportError, match="not replaced"):
        export_store(run_store, "csv", folder)
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_unknown_format(run_store: Path, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="unknown export format"):
        export_store(run_store, "ods", tmp_path / "x.ods")
