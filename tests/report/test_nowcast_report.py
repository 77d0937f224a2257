"""The run report of a run started from actual figures (a nowcast): points, the as-of line, split years, the brief's line.

The store is the synthetic run store with the runner's ``actuals`` record
added (:mod:`tests.report.nowcast_store`): actuals up to 2021-06-30, so 2020
is actual, 2021 part actual and 2022 projected.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader
from reportlab.graphics.shapes import Circle, Line, PolyLine, String

from simulator.errors import StoreError
from simulator.report import build_run_report, export_store, grids, nowcast
from simulator.report.analysis import cumulative_draw_bands
from simulator.report.nowcast import ActualRow, Actuals, actuals_of, paid_by_year, year_phase
from simulator.report.outcomes import metric_bands
from simulator.report.palette import ACTUAL, TODAY
from simulator.report.store import open_run
from simulator.report.texts import TEXT
from simulator.storeio import atomic_write_json

from .conftest import build_run_store
from .nowcast_store import add_actuals

WAN = 1_000_000  # fen per 万元
AS_OF = "2021-06-30"
ROWS = [
    ("2020-12-31", "LC-1", "fund", 1500 * WAN, "万元", "年度决算"),
    ("2021-06-30", "LC-1", "fund", 2350 * WAN, "万元", "半年快报"),
    ("2021-06-30", "LC-T1", "target", 5.0, "个", "认定名单"),
    ("2021-06-30", "LC-3", "program", 4.0, "", ""),
]
NEW_KEYS = [k for k in TEXT if k.startswith(("brief_actuals", "phase_", "legend_actual", "today_label", "grid_nowcast",
                                               "split_note", "kind_actual", "budget_actual", "actuals_", "actual_kind"))]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pages(pdf: Path) -> list[str]:
    return [_squash(p.extract_text() or "") for p in PdfReader(pdf).pages]


@pytest.fixture(scope="module")
def nowcast_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("nowcast")
    store = build_run_store(root / "liaocheng-nowcast")
    add_actuals(store, root / "lc-actuals.csv", AS_OF, ROWS)
    return store


@pytest.fixture(scope="module")
def record(nowcast_store: Path) -> dict[str, object]:
    manifest = json.loads((nowcast_store / "manifest.json").read_text(encoding="utf-8"))
    out: dict[str, object] = manifest["actuals"]
    return out


@pytest.fixture(scope="module")
def zh_pdf(nowcast_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_run_report(nowcast_store, tmp_path_factory.mktemp("pdf") / "nowcast-zh.pdf")


@pytest.fixture(scope="module")
def en_pdf(nowcast_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_run_report(nowcast_store, tmp_path_factory.mktemp("pdf") / "nowcast-en.pdf", lang="en")


# --------------------------------------------------------------------------- reading the record


def test_the_record_is_read_as_written(nowcast_store: Path, record: dict[str, object]) -> None:
    a = actuals_of(open_run(nowcast_store))
    assert a is not None
    assert (a.as_of, a.sha256, a.file, a.name) == (AS_OF, record["sha256"], record["file"], "lc-actuals.csv")
    assert a.parameters_conditioned is False
    assert [(r.line, r.date, r.id, r.kind, r.value) for r in a.rows] == [
        (i, d, ident, kind, float(v)) for i, (d, ident, kind, v, _u, _n) in enumerate(ROWS, start=2)]
    assert a.points("fund", "LC-1") == [("2020-12-31", 1500.0 * WAN), ("2021-06-30", 2350.0 * WAN)]
    assert a.points("fund", "LC-CNTY") == []


def test_an_ordinary_run_has_no_actuals(run_store: Path) -> None:
    assert actuals_of(open_run(run_store)) is None


def _broken(nowcast_store: Path, tmp_path: Path, manifest_change: dict[str, object] | None = None,
            summary_as_of: object = AS_OF, drop_actuals: bool = False) -> Path:
    store = tmp_path / "store"
    shutil.copytree(nowcast_store, store)
    manifest = json.loads((store / "manifest.json").read_text(encoding="utf-8"))
    summary = json.loads((store / "summary.json").read_text(encoding="utf-8"))
    if drop_actuals:
        del manifest["actuals"]
    else:
        manifest["actuals"].update(manifest_change or {})
    summary["as_of"] = summary_as_of
    atomic_write_json(store / "manifest.json", manifest)
    atomic_write_json(store / "summary.json", summary)
    return store


@pytest.mark.parametrize(("change", "as_of", "drop", "words"), [
    ({}, "2021-12-31", False, ["summary.json", "2021-12-31", AS_OF]),
    ({}, AS_OF, True, ["summary.json", "no actuals"]),
    ({"sha256": "abc"}, AS_OF, False, ["manifest.json", "actuals.sha256", "'abc'", "64 hex"]),
    ({"as_of": "2021-13-01"}, "2021-13-01", False, ["manifest.json", "actuals.as_of", "YYYY-MM-DD"]),
    ({"as_of": "2021-03-31"}, "2021-03-31", False, ["manifest.json", "line 3", "LC-1", "after as_of 2021-03-31"]),
    ({"rows": [{"line": 2, "date": "2020-12-31", "id": "LC-1", "kind": "fund", "value": -1}]}, AS_OF, False,
     ["manifest.json", "rows[0].value", "-1"]),
    ({"rows": [{"line": 2, "date": "2020-12-31", "id": "LC-1", "kind": "budget", "value": 1}]}, AS_OF, False,
     ["manifest.json", "rows[0].kind", "'budget'", "fund, target, program, population"]),
    ({"parameters_conditioned": "no"}, AS_OF, False, ["manifest.json", "parameters_conditioned", "'no'"]),
])
def test_a_malformed_record_is_refused_naming_file_and_key(
    nowcast_store: Path, tmp_path: Path, change: dict[str, object], as_of: str, drop: bool, words: list[str]
) -> None:
    store = _broken(nowcast_store, tmp_path, change, as_of, drop)
    with pytest.raises(StoreError) as err:
        build_run_report(store, tmp_path / "out.pdf", lang="en")
    text = err.value.localized("en")
    for w in words:
        assert w in text, (w, text)
    assert str(store) in err.value.localized("zh")
    assert not (tmp_path / "out.pdf").exists()


# --------------------------------------------------------------------------- years and amounts


def test_years_split_at_the_as_of_date() -> None:
    assert [year_phase(y, "2021-06-30") for y in (2020, 2021, 2022)] == ["actual", "partial", "projected"]
    assert [year_phase(y, "2021-12-31") for y in (2021, 2022)] == ["actual", "projected"]
    assert [year_phase(y, "2021-01-01") for y in (2020, 2021)] == ["actual", "partial"]


def test_paid_by_year_is_fixed_only_where_the_actuals_fix_it() -> None:
    rows = (ActualRow(2, "2020-12-31", "F", "fund", 100.0, "", ""), ActualRow(3, "2022-12-31", "F", "fund", 700.0, "", ""),
            ActualRow(4, "2023-06-30", "F", "fund", 750.0, "", ""))
    a = Actuals("f.csv", "0" * 64, "2023-06-30", rows, False)
    got = paid_by_year(a, "F", [2020, 2021, 2022, 2023, 2024], "2020-01-01")
    # 2021 ends unobserved, so neither 2021 nor 2022 is fixed; 2023 runs to the as-of date
    assert got[0] == 100.0 and math.isnan(got[1]) and math.isnan(got[2]) and got[3] == 50.0 and math.isnan(got[4])


def test_checks_put_the_model_on_the_dates_of_the_actuals(nowcast_store: Path) -> None:
    store = open_run(nowcast_store)
    a = actuals_of(store)
    assert a is not None
    got = {(c.row.id, c.row.date): c.model for c in nowcast.checks(store, a)}
    fund = cumulative_draw_bands(store, "LC-1")
    target = metric_bands(store, "LC-T1")
    assert got[("LC-1", "2020-12-31")] == {k: float(fund.loc["2020-12", k]) for k in ("p5", "p50", "p95", "mean")}
    assert got[("LC-1", "2021-06-30")] == {k: float(fund.loc["2021-06", k]) for k in ("p5", "p50", "p95", "mean")}
    assert got[("LC-T1", "2021-06-30")] == {k: float(target.loc["2021-06", k]) for k in ("p5", "p50", "p95", "mean")}
    assert got[("LC-3", "2021-06-30")] is None  # programs' claims are not stored by date


# --------------------------------------------------------------------------- the panels


def _panel(**kw: object) -> grids.Panel:
    months = [f"2021-{m:02d}" for m in range(1, 13)]
    values = [float(m) for m in range(1, 13)]
    bands = pd.DataFrame({q: values for q in ("p5", "p25", "p50", "p75", "p95")}, index=months)
    return grids.Panel(title="T", bands=bands, unit="count", **kw)  # type: ignore[arg-type]


def _shapes(panel: grids.Panel, lang: str = "zh") -> list[object]:
    drawing, _unit = grids.panel_drawing(panel, 240.0, "Helvetica", lang)  # type: ignore[arg-type]
    return list(drawing.contents)


def _colour(shape: object, attr: str) -> str:
    c = getattr(shape, attr, None)
    return c.hexval().lower().replace("0x", "#") if c is not None else ""


def test_a_panel_draws_actuals_on_the_median_and_the_as_of_line() -> None:
    # the actual figure equals the median at the end of June: its point sits on the median line's vertex
    shapes = _shapes(_panel(actuals=[("2021-06-30", 6.0), ("2021-03-31", 3.0)], as_of="2021-06-30"))
    median = next(s for s in shapes if isinstance(s, PolyLine))
    vertices = list(zip(median.points[::2], median.points[1::2], strict=True))
    dots = [s for s in shapes if isinstance(s, Circle)]
    assert all(_colour(d, "fillColor") == ACTUAL.lower() for d in dots)
    assert len(dots) == 3  # two figures and the legend's mark
    on_line = sorted(c for d in dots[:2] for c in (d.cx, d.cy))
    assert on_line == pytest.approx(sorted([*vertices[2], *vertices[5]]))
    today = [s for s in shapes if isinstance(s, Line) and _colour(s, "strokeColor") == TODAY.lower()]
    assert len(today) == 1 and today[0].x1 == pytest.approx(vertices[5][0])  # at the end of June
    texts = [s.text for s in shapes if isinstance(s, String)]
    assert "截至 2021-06-30" in texts and "实际数" in texts
    assert {"as of 2021-06-30", "actual"} <= {s.text for s in _shapes(
        _panel(actuals=[("2021-06-30", 6.0)], as_of="2021-06-30"), "en") if isinstance(s, String)}


def test_a_panel_without_actuals_is_unchanged() -> None:
    plain = _shapes(_panel())
    assert not any(isinstance(s, Circle) for s in plain)
    assert not any(isinstance(s, Line) and _colour(s, "strokeColor") == TODAY.lower() for s in plain)
    line_only = _shapes(_panel(as_of="2021-06-30"))
    assert len(line_only) == len(plain) + 2  # the line and its label, no point, no legend
    assert not any(isinstance(s, Circle) for s in line_only)


def test_a_point_above_the_bands_raises_the_axis() -> None:
    shapes = _shapes(_panel(actuals=[("2021-06-30", 40.0)], as_of="2021-06-30"))
    labels = [s.text for s in shapes if isinstance(s, String)]
    assert "40" in labels  # the axis reaches the actual figure (bands stop at 12)


# --------------------------------------------------------------------------- the PDF


def test_page_one_says_the_run_starts_from_the_actuals(zh_pdf: Path, en_pdf: Path, record: dict[str, object]) -> None:
    sha = str(record["sha256"])
    zh = _pages(zh_pdf)[0]
    assert _squash(f"基于截至 {AS_OF} 的实际数（文件 lc-actuals.csv，sha256 {sha[:12]}）；参数抽样未按实际数校准") in zh
    en = _pages(en_pdf)[0]
    assert _squash(f"Based on actuals up to {AS_OF} (file lc-actuals.csv, sha256 {sha[:12]}); parameter draws are "
                   "not conditioned on the actuals") in en


def test_tables_split_each_year_into_actual_and_projected(zh_pdf: Path, en_pdf: Path) -> None:
    zh = "".join(_pages(zh_pdf))
    # every year-column table: 2020 actual, 2021 part actual, 2022 projected
    assert zh.count("2020实际2021部分实际2022预测") >= 4  # by level, by fund, money needed, by program
    assert "实际拨付" in zh and "实际数与模拟对照（截至2021-06-30）" in zh
    en = "".join(_pages(en_pdf))
    assert en.count("2020actual2021partactual2022projected") >= 4
    assert "Actualpaid" in en


def test_fund_table_shows_the_actual_paid_next_to_the_model(zh_pdf: Path) -> None:
    text = "".join(_pages(zh_pdf))
    # LC-1 paid 1,500.00万 in 2020 and 850.00万 up to 2021-06-30; 2022 is not fixed by the actuals
    assert "实际拨付1,500.00850.00—" in text


def test_charts_and_appendix_of_a_nowcast_run(zh_pdf: Path, record: dict[str, object]) -> None:
    pages = _pages(zh_pdf)
    text = "".join(pages)
    assert "绿色圆点为实际数" in text and "截至2021-06-30" in text
    appendix = text[text.index("实际数（lc-actuals.csv）"):]
    assert str(record["sha256"]) in appendix  # the whole hash, with the file
    assert "2020-12-31LC-1资金累计拨付1,500.0万元万元年度决算" in appendix
    assert "2021-06-30LC-T1目标指标值5个认定名单" in appendix


def test_a_report_without_actuals_has_none_of_it(run_store: Path, tmp_path: Path) -> None:
    for lang in ("zh", "en"):
        text = "".join(_pages(build_run_report(run_store, tmp_path / f"plain-{lang}.pdf", lang=lang)))
        for key in NEW_KEYS:
            words = TEXT[key][0 if lang == "zh" else 1].split("{")[0]
            if len(words) >= (4 if lang == "zh" else 10):  # long enough to be this label, not a common word
                assert _squash(words) not in text, (lang, key)
        assert "2020实际" not in text and "2020actual" not in text


# --------------------------------------------------------------------------- the exports


def test_exports_carry_the_actuals_and_the_model_on_their_dates(nowcast_store: Path, run_store: Path,
                                                                 record: dict[str, object], tmp_path: Path) -> None:
    from openpyxl import load_workbook

    xlsx = export_store(nowcast_store, "xlsx", tmp_path / "nowcast.xlsx")
    wb = load_workbook(xlsx)
    assert "实际数" in wb.sheetnames
    rows = list(wb["实际数"].iter_rows(values_only=True))
    head, body = rows[0], rows[1:]
    got = [dict(zip(head, r, strict=True)) for r in body]
    assert [(g["行"], g["日期"], g["编号"], g["实际数"], g["单位"]) for g in got] == [
        (2, "2020-12-31", "LC-1", 1500, "万元"), (3, "2021-06-30", "LC-1", 2350, "万元"),
        (4, "2021-06-30", "LC-T1", 5, "count"), (5, "2021-06-30", "LC-3", 4, None)]
    fund = cumulative_draw_bands(open_run(nowcast_store), "LC-1")
    assert got[0]["模拟中位数"] == pytest.approx(float(fund.loc["2020-12", "p50"]) / WAN)
    about = {r[0]: r[1] for r in wb["说明"].iter_rows(values_only=True)}
    assert about["实际数文件 sha256"] == record["sha256"] and about["实际数截止日"] == AS_OF
    csv_dir = export_store(nowcast_store, "csv", tmp_path / "nowcast-csv", lang="en")
    assert "LC-T1" in (csv_dir / "actuals.csv").read_text(encoding="utf-8-sig")
    plain = export_store(run_store, "csv", tmp_path / "plain-csv", lang="en")
    assert not (plain / "actuals.csv").exists()


def test_the_examples_of_the_module_hold() -> None:
    import doctest

    result = doctest.testmod(nowcast)
    assert result.attempted >= 8 and result.failed == 0
