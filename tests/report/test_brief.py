"""The brief on page 1, the budget-format tables that add up, and no broken number anywhere in the PDF."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from pypdf import PdfReader

from simulator.needs import CLAIM_COLUMNS, money_needed
from simulator.report import build_run_report, export_store
from simulator.report.brief import BriefOptions, light
from simulator.report.export import sheet_name

WAN = 1_000_000  # fen


def _pages(pdf: Path) -> list[str]:
    return [re.sub(r"\s+", "", p.extract_text() or "") for p in PdfReader(pdf).pages]


def _copy(run_store: Path, tmp_path: Path, edit: Callable[[dict[str, Any], dict[str, Any]], None]) -> Path:
    """A copy of the run store with its manifest and summary changed by ``edit``."""
    d = tmp_path / "store"
    shutil.copytree(run_store, d)
    manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    summary = json.loads((d / "summary.json").read_text(encoding="utf-8"))
    edit(manifest, summary)
    (d / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    (d / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def zh_pdf(run_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_run_report(run_store, tmp_path_factory.mktemp("brief") / "zh.pdf")


@pytest.fixture(scope="module")
def en_pdf(run_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_run_report(run_store, tmp_path_factory.mktemp("brief") / "en.pdf", lang="en")


def test_outlook_thresholds() -> None:
    default = BriefOptions()
    assert [light(p, default) for p in (0.95, 0.8, 0.6, 0.5, 0.2)] == ["green", "green", "amber", "amber", "red"]
    strict = BriefOptions(green=0.9, amber=0.7)
    assert [light(p, strict) for p in (0.95, 0.8, 0.6)] == ["green", "amber", "red"]
    with pytest.raises(ValueError):
        BriefOptions(green=0.4, amber=0.6)


def test_page_one_is_the_brief(zh_pdf: Path) -> None:
    page = _pages(zh_pdf)[0]
    assert page.startswith("简报")
    # one row per target: outlook, id, name, threshold, deadline, P(attained), median date
    assert "黄LC-T1市级创新创业共同体数量102022年12月31日78%2022年4月" in page
    assert "黄LC-T2有效高新技术企业数3002022年12月31日56%2022年7月" in page
    # one row per fund: appropriated 5000万 (20+20+10), P(runs short) 8% and 88% (see the store)
    assert "聊城产业技术研究院专项发展资金5,000.00" in page
    assert "县（区）配套资金900.00" in page and "88%2020年12月" in page
    # three findings computed from the numbers, and what the bands include
    assert "2个目标中，0个较有把握（绿），2个存在风险（黄），0个难以达成（红）" in page
    assert "把握最小的是LC-T2「有效高新技术企业数」（达成概率56%）" in page
    assert "1个资金出现缺口的概率超过10%，最高的是「县（区）配套资金」（88%" in page
    assert "区间含义：本报告的概率和区间只反映事件随机性" in page
    assert "第1页/共" in page


def test_brief_in_english(en_pdf: Path) -> None:
    page = _pages(en_pdf)[0]
    assert page.startswith("Brief")
    assert "Of2target(s),0likely(green),2atrisk(amber)and0unlikely(red)" in page
    assert "Whatthebandsinclude:chanceonly" in page
    assert "Fund(s)runningshortwithaprobabilityabove10%:1;" in page
    assert not re.search(r"\b1funds", page)  # no count with a plural it does not agree with
    assert not re.search(r"[\u4e00-\u9fff]", page.replace("聊城", "").replace("县（区）配套资金", ""))


def test_thresholds_are_a_report_option(run_store: Path, tmp_path: Path) -> None:
    out = build_run_report(run_store, tmp_path / "r.pdf", options=BriefOptions(green=0.75, amber=0.6))
    page = _pages(out)[0]
    assert "绿LC-T1" in page and "红LC-T2" in page  # 78% and 56%
    assert "≥75%为绿，60%–75%为黄，<60%为红" in page


def test_set_by_input_and_no_instrument(run_store: Path, tmp_path: Path) -> None:
    def edit(manifest: dict[str, Any], summary: dict[str, Any]) -> None:
        summary["targets"]["LC-T2"].update(set_by="input", moved_by=[])  # an input: never marked as unmoved
        summary["targets"]["LC-T1"].update(set_by="model", moved_by=[])
        manifest["uncertainty"] = {"fixed_params": False, "group_size": 10, "posterior": None}

    out = build_run_report(_copy(run_store, tmp_path, edit), tmp_path / "r.pdf")
    page = _pages(out)[0]
    assert "LC-T2有效高新技术企业数3002022年12月31日由输入设定" in page
    assert "56%" not in page  # no probability for a target set by input
    assert "市级创新创业共同体数量（无政策工具影响）" in page
    assert page.count("无政策工具影响") == 1
    assert "1个目标中" in page and "另有1个目标由输入设定" in page
    assert "行为参数的不确定性、各市逐年的共同冲击和事件随机性" in page


def test_money_needed_from_the_summary_or_the_tables(run_store: Path, tmp_path: Path) -> None:
    # without money_needed in the summary the report computes it from fund_years
    fy = pd.concat([pq.read_table(p).to_pandas() for p in sorted((run_store / "tables" / "fund_years").glob("*.parquet"))])
    years = [2020, 2021, 2022]
    blocks = money_needed(fy[list(CLAIM_COLUMNS)], {"LC-1": "carry_over", "LC-CNTY": "carry_over"}, years,
                          np.arange(50))
    page = _pages(build_run_report(run_store, tmp_path / "a.pdf"))[0]
    for block in blocks.values():
        assert f"{block['total_yuan'] / 10_000:,.2f}" in page

    def edit(_m: dict[str, Any], summary: dict[str, Any]) -> None:
        summary["funds"]["LC-1"]["money_needed"] = {"level": 0.05, "per_year_yuan": {"2020": 12_345_600},
                                                   "total_yuan": 12_345_600}

    page = _pages(build_run_report(_copy(run_store, tmp_path, edit), tmp_path / "b.pdf"))[0]
    assert "1,234.56" in page and "不超过5%" in page


def test_no_raw_float_and_no_broken_digit_group(run_store: Path, tmp_path: Path) -> None:
    def edit(manifest: dict[str, Any], _s: dict[str, Any]) -> None:
        manifest["inputs"].append({"path": "populations.LC.firms.arrivals", "value": "5.52e+06",
                                   "source_kind": "assumption", "source": "assumption: a big number",
                                   "rationale": "a big number"})

    for lang in ("zh", "en"):
        out = build_run_report(_copy(run_store, tmp_path / lang, edit), tmp_path / f"{lang}.pdf", lang=lang)
        text = "\n".join(p.extract_text() or "" for p in PdfReader(out).pages)
        assert not re.search(r"\d[eE][+-]\d", text), lang
        assert not re.search(r"\d,\d{1,2}(?!\d)", text), re.findall(r".{12}\d,\d{1,2}(?!\d).{4}", text)
        assert "5,520,000" in text


def test_appendix_speaks_the_report_language_and_sorts_dates(zh_pdf: Path) -> None:
    pages = _pages(zh_pdf)
    start = next(i for i, p in enumerate(pages) if p.startswith("附录") or "附录术语" in p)
    appendix = "".join(pages[start:])
    for word in ("术语", "预算安排", "出现缺口", "运行信息", "未纳入模型的政策工具", "输入参数及其来源"):
        assert word in appendix, word
    assert "2,000.00万元" in appendix  # 2000万元 a year for LC-1, in 万元 with two decimals


def test_xlsx_budget_tables_add_up_to_the_ledger(run_store: Path, tmp_path: Path) -> None:
    out = export_store(run_store, "xlsx", tmp_path / "b.xlsx")
    draws = pd.concat([pq.read_table(p).to_pandas() for p in sorted((run_store / "tables" / "draws").glob("*.parquet"))])
    draws["year"] = draws["month"].str[:4].astype(int)
    reps = 50
    by_level = draws.groupby(["level", "year"])["amount_fen"].sum() / reps / WAN
    by_year = draws.groupby("year")["amount_fen"].sum() / reps / WAN
    level = pd.read_excel(out, sheet_name=sheet_name("sheet_budget_level", "zh")).set_index("级次")
    names = {"city": "市级", "district": "区级", "zone": "园区"}
    for year in (2020, 2021, 2022):
        col = f"{year}（万元）"
        for lvl, label in names.items():
            assert level.loc[label, col] == pytest.approx(by_level.get((lvl, year), 0.0), abs=1e-6)
        assert level.loc["财政预算合计", col] == pytest.approx(by_year[year], abs=1e-6)
        assert level.loc[list(names.values()), col].sum() == pytest.approx(level.loc["财政预算合计", col], abs=1e-6)
    assert level.loc["财政预算合计", "合计（万元）"] == pytest.approx(draws["amount_fen"].sum() / reps / WAN, abs=1e-6)
    fund = pd.read_excel(out, sheet_name=sheet_name("sheet_budget_fund", "zh"))
    paid = fund[fund["项目"] == "拨付均值"]
    total = paid[paid["资金"] == "财政预算合计"]
    assert paid[paid["资金"] != "财政预算合计"]["2021（万元）"].sum() == pytest.approx(total["2021（万元）"].iloc[0])
    assert total["2021（万元）"].iloc[0] == pytest.approx(by_year[2021], abs=1e-6)
    approp = fund[(fund["项目"] == "预算安排") & (fund["资金编号"] == "LC-1")]
    assert approp["2020（万元）"].iloc[0] == 2000 and approp["合计（万元）"].iloc[0] == 5000
    sheets = pd.read_excel(out, sheet_name=None)
    for key in ("sheet_needed", "sheet_fund_bands", "sheet_target_bands"):
        assert len(sheets[sheet_name(key, "zh")]) > 0, key


def test_outlook_option_of_the_command(run_store: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from simulator.report.cli import EXIT_INPUT, report_command

    runner = CliRunner()
    out = tmp_path / "r.pdf"
    ok = runner.invoke(report_command, [str(run_store), "--out", str(out), "--outlook", "0.75,0.6"])
    assert ok.exit_code == 0, ok.output
    assert "绿LC-T1" in _pages(out)[0]
    for bad in ("0.5,0.8", "x,0.5", "0.8"):
        result = runner.invoke(report_command, [str(run_store), "--out", str(tmp_path / "b.pdf"), "--outlook", bad])
        assert result.exit_code == EXIT_INPUT and "--outlook" in result.output, bad
        assert "Traceback" not in result.output


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_number_never_breaks_inside_a_digit_group(lang: str) -> None:
    from simulator.report.layout import CELL_PADDING, Layout

    lay = Layout(lang)  # type: ignore[arg-type]
    width = 1.2 * 28.35  # narrower than the number
    lines: dict[str, list[str]] = {}
    for text in ("194,701.80", "198,481.20 – 203,100.00"):
        para = lay.cell(text, "cell_num", width)
        para.wrap(width - 2 * CELL_PADDING, 800)
        lines[text] = ["".join(line[1]) for line in para.blPara.lines]
    assert lines["194,701.80"] == ["194,701.80"]  # overflows its cell rather than splitting "194,7/01.80"
    assert lines["198,481.20 – 203,100.00"] == ["198,481.20", "–", "203,100.00"]  # breaks at the spaces only


def test_distributions_credited_to_a_fund_are_shown_in_the_budget_tables(tmp_path: Path) -> None:
    from simulator.loader import load_scenario
    from simulator.report.sheets import budget_fund_sheet
    from simulator.report.store import open_run
    from simulator.runner import RunOptions, run

    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "lc"
    run(load_scenario(root / "scenarios" / "liaocheng.yaml"),
        RunOptions(reps=20, seed=5, out=out, jobs=1, engine="fast", progress=False, fixed_params=True))
    fy = pd.concat(pd.read_parquet(p) for p in sorted((out / "tables" / "fund_years").glob("*.parquet")))
    income = fy.groupby("fund")["income_fen"].sum() / 20
    assert income.get("lc-fund-pool", 0) > 0  # LC-2 credits its distributions to the pool
    sheet = budget_fund_sheet(open_run(out, "zh"), "zh")
    row = sheet[(sheet["资金编号"] == "lc-fund-pool") & (sheet["项目"] == "分配回款均值")]
    assert len(row) == 1
    assert float(row["合计（万元）"].iloc[0]) == pytest.approx(income["lc-fund-pool"] / WAN)
    page_text = "".join(_pages(build_run_report(out, tmp_path / "lc.pdf")))
    assert "聊城市级基金统筹资金（母基金出资）·分配回款均值" in page_text
    assert "分配回款为引导基金分配回出资资金的款项" in page_text


def test_a_non_budget_fund_is_named_so_on_the_brief(run_store: Path, tmp_path: Path) -> None:
    def edit(manifest: dict[str, Any], summary: dict[str, Any]) -> None:
        manifest["funds"]["LC-CNTY"]["budget"] = False

    out = build_run_report(_copy(run_store, tmp_path, edit), tmp_path / "r.pdf")
    page = _pages(out)[0]
    assert "县（区）配套资金（非预算资金）" in page
    assert "聊城产业技术研究院专项发展资金（非预算资金）" not in page
