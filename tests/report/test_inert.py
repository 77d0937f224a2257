"""Outputs are inert: names from data never become formulas, terminal sequences, or a page-tall cell."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from simulator.cli import main
from simulator.loader import load_scenario
from simulator.report import build_compare_report, build_run_report, export_store
from simulator.runner import RunOptions, run
from tests.report.conftest import build_run_store

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = [
    '=HYPERLINK("http://x.invalid","y")',
    "=cmd|' /C calc'!A0",
    "@SUM(1)",
    "+1+1",
    "-2+3",
]

RATIONALE = "=1+1 a rationale that starts a formula"
EXPECTED = {  # scenario, fund, program and target names in each language, and a rationale
    "zh": [HOSTILE[0], HOSTILE[1], "+1+1", "-2+3", RATIONALE],
    "en": [HOSTILE[1], "@SUM(1)", "-2+3", HOSTILE[0], RATIONALE],
}

SCENARIO = """\
scenario:
  id: hostile
  name: '=HYPERLINK("http://x.invalid","y")'
  name_en: "=cmd|' /C calc'!A0"
  start: 2020-01-01
  end: 2021-12-31
jurisdictions:
  prov: {name: "@SUM(1)", level: province}
  city: {name: "+1+1", name_en: "-2+3", level: city, parent: prov}
funds:
  f-1:
    name: "=cmd|' /C calc'!A0"
    name_en: "@SUM(1)"
    owner: city
    appropriations: {2020: "100万元", 2021: "100万元"}
    source: "assumption: =1+1 a rationale that starts a formula"
programs:
  P-1:
    name: "+1+1"
    name_en: "-2+3"
    source: "assumption: -2+3"
    trigger: {on: schedule, dates: [2020-06-30, 2021-06-30]}
    rule: {kind: fixed, amount: "30万元"}
    split: [{fund: f-1, share: 1}]
targets:
  T-1:
    name: "-2+3"
    name_en: '=HYPERLINK("http://x.invalid","y")'
    metric: {awards: P-1}
    threshold: 1
    deadline: 2021-12-31
    source: "assumption: @SUM(1)"
"""


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run of a scenario whose names all begin like a spreadsheet formula."""
    root = tmp_path_factory.mktemp("hostile")
    path = root / "hostile.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    out = root / "run"
    run(load_scenario(path), RunOptions(reps=3, seed=0, out=out, engine="des", progress=False))
    return out


@pytest.fixture(scope="module")
def legacy_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store written before names were validated: tabs, CRs and escapes at the start of names."""
    root = build_run_store(tmp_path_factory.mktemp("legacy") / "run", name="\t=1+1", name_en="\r=2+2")
    manifest_path = root / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for i, fund in enumerate(manifest["funds"].values()):
        fund["name"] = fund["name_en"] = ["\t=SUM(A1)", "\r@x"][i % 2]
    for program in manifest["programs"].values():
        program["name"] = program["name_en"] = "-1+\x1b]0;x\x07"
    for target in manifest["targets"].values():
        target["name"] = target["name_en"] = "+A1"
    manifest["inputs"][0]["source"] = "=2+5"
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return root


def _unsafe(value: str) -> bool:
    if not value.startswith(FORMULA_START):
        return False
    try:
        float(value)
    except ValueError:
        return True
    return False


def _check_xlsx(path: Path, expect_names: list[str]) -> None:
    wb = openpyxl.load_workbook(path)
    strings: set[str] = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not _unsafe(cell.value), (ws.title, cell.coordinate, cell.value)
                    strings.add(cell.value)
    for name in expect_names:  # the names are there, as text with a leading apostrophe
        assert "'" + name in strings, name


def _check_csv(folder: Path, expect_names: list[str]) -> None:
    strings: set[str] = set()
    files = sorted(folder.glob("*.csv"))
    assert len(files) == 12
    for path in files:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                for value in row:
                    assert not _unsafe(value), (path.name, value)
                    strings.add(value)
    for name in expect_names:
        assert "'" + name in strings, name


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_xlsx_of_a_hostile_run_holds_no_formula(hostile_run: Path, tmp_path: Path, lang: str) -> None:
    out = export_store(hostile_run, "xlsx", tmp_path / "out.xlsx", lang=lang)
    _check_xlsx(out, EXPECTED[lang])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_csv_of_a_hostile_run_holds_no_formula(hostile_run: Path, tmp_path: Path, lang: str) -> None:
    out = export_store(hostile_run, "csv", tmp_path / "csv", lang=lang)
    _check_csv(out, EXPECTED[lang])


def test_numbers_stay_numbers(hostile_run: Path, tmp_path: Path) -> None:
    out = export_store(hostile_run, "xlsx", tmp_path / "out.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb["资金缺口"]
    headers = [c.value for c in ws[1]]
    approp = ws.cell(row=2, column=headers.index("预算安排（万元）") + 1)
    assert approp.data_type == "n" and approp.value == 200
    folder = export_store(hostile_run, "csv", tmp_path / "csv")
    with (folder / "fund_exhaustion.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert float(rows[0]["预算安排（万元）"]) == 200.0


def test_exports_of_a_legacy_store_hold_no_formula(legacy_store: Path, tmp_path: Path) -> None:
    escaped = "-1+\\x1b]0;x\\x07"  # control characters are shown as escapes (openpyxl refuses them raw)
    _check_xlsx(export_store(legacy_store, "xlsx", tmp_path / "out.xlsx"), ["\t=1+1", "\t=SUM(A1)", "+A1", escaped])
    _check_xlsx(export_store(legacy_store, "xlsx", tmp_path / "en.xlsx", lang="en"), ["+A1", escaped])
    _check_csv(export_store(legacy_store, "csv", tmp_path / "csv"), ["\t=1+1", "=2+5", escaped])


# --------------------------------------------------------------------------- console


def test_run_summary_escapes_control_characters(tmp_path: Path) -> None:
    """Names from a store reach the terminal escaped (the run summary prints the target names)."""
    from simulator.cli import print_summary

    manifest = {"scenario": {"name": "情景\x1b]0;owned\x07"}, "reps": 1, "seed": 0, "timings": {},
                "targets": {"T": {"unit": "count"}}}
    summary = {"funds": {"f\x1b[2J": {"p_exhausted": 0.0, "exhaustion_median": None, "appropriated_yuan": 1.0,
                                      "drawn_yuan": {"p50": 0.0}}},
               "targets": {"T": {"p_attained": 0.5, "p50": 1.0, "threshold": 2.0, "name": "目标\x9b31m"}}}
    import click

    @click.command()
    def show() -> None:
        print_summary(summary, manifest, "zh")

    result = CliRunner().invoke(show)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x9b" not in result.output and "\x07" not in result.output
    assert "情景\\x1b]0;owned\\x07" in result.output and "目标\\x9b31m" in result.output


def _scenario_with(tmp_path: Path, **fields: str) -> Path:
    text = (Path(__file__).resolve().parents[1] / "badinput" / "support" / "base.yaml").read_text(encoding="utf-8")
    for old, new in fields.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_explain_and_award_escape_control_characters(tmp_path: Path) -> None:
    """Notes may hold line breaks; whatever the CLI prints from data holds no raw control character."""
    path = _scenario_with(
        tmp_path,
        **{"    source: ZB-4 四(三)2\n": "    source: ZB-4 四(三)2\n    note: \"行一\\n行二\\t尾\"\n"},
    )
    for args in (["explain", str(path)], ["explain", str(path), "programs.ZB-4.note"],
                 ["award", str(path), "ZB-4", "--set", "quantity=100"],
                 ["award", str(path), "ZB-4", "--set", "quantity=100", "--format", "json"],
                 ["trace", str(path), "--only", "fiscal-year"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, (args, result.output)
        assert not any(ord(c) < 32 and c != "\n" for c in result.output), (args, result.output)
    result = CliRunner().invoke(main, ["explain", str(path), "programs.ZB-4.note"])
    assert "行一\\n行二\\t尾" in result.output


def test_errors_quote_values_escaped(tmp_path: Path) -> None:
    path = _scenario_with(tmp_path, **{"    name: 淄博市科技创新资金\n": '    name: "资金\\e]0;owned\\a"\n'})
    for args in (["validate", str(path)], ["explain", str(path)],
                 ["award", str(path), "ZB-4", "--set", "place=\x1b[2J"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert "\x1b" not in result.output and "\x07" not in result.output, (args, result.output)
    good = _scenario_with(tmp_path)
    result = CliRunner().invoke(main, ["award", str(good), "ZB-4", "--set", "place=\x1b[2J"])
    assert result.exit_code == 2 and "\x1b" not in result.output and "\\x1b[2J" in result.output
    result = CliRunner().invoke(main, ["explain", str(good), "funds.\x1b[2J"])
    assert result.exit_code == 2 and "\x1b" not in result.output, result.output


# --------------------------------------------------------------------------- PDF

LONG = "超长名称" * 1250  # 5,000 characters
LONG_EN = ("An extraordinarily long name " * 173)[:5000]


@pytest.fixture(scope="module")
def long_name_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store written before validation: 5,000-character names everywhere, control characters too."""
    root = build_run_store(tmp_path_factory.mktemp("long") / "run", name=LONG, name_en=LONG_EN, reps=8)
    manifest_path = root / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for block in ("funds", "programs", "targets", "jurisdictions"):
        for entry in manifest[block].values():
            entry["name"], entry["name_en"] = LONG + "\x1b[2J", LONG_EN
            if "source" in entry:
                entry["source"] = LONG
    for row in manifest["inputs"]:
        row["source"] = row["rationale"] = LONG
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return root


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_with_5000_character_names(long_name_store: Path, tmp_path: Path, lang: str) -> None:
    out = build_run_report(long_name_store, tmp_path / f"long-{lang}.pdf", lang=lang)
    reader = PdfReader(out)
    assert len(reader.pages) < 60
    text = "".join(page.extract_text() for page in reader.pages)
    assert "\x1b" not in text
    assert "…" in text  # names were cut, not dropped


def test_compare_pdf_with_5000_character_names(long_name_store: Path, run_store: Path, tmp_path: Path) -> None:
    out = build_compare_report([long_name_store, run_store], tmp_path / "cmp.pdf", lang="en")
    assert len(PdfReader(out).pages) < 40


def test_table_cells_are_cut_to_half_a_page() -> None:
    from simulator.report.layout import MAX_CELL_HEIGHT, Layout

    for lang in ("zh", "en"):
        lay = Layout(lang)  # type: ignore[arg-type]
        for text in (LONG, LONG_EN, "短名称"):
            cell = lay.cell(text, "cell", 3.0 * 28.35)
            _w, h = cell.wrap(3.0 * 28.35 - 7, 10_000)
            assert h <= MAX_CELL_HEIGHT
            assert cell.text.endswith("…") == (len(text) > 100)


def test_dollar_signs_in_names_do_not_start_chart_math(tmp_path: Path) -> None:
    """Matplotlib reads $...$ as mathtext; a name like $\\frac{x$ must print, not crash the report."""
    text = SCENARIO.replace("name: \"=cmd|' /C calc'!A0\"\n    name_en: \"@SUM(1)\"",
                            'name: "资金 $\\\\frac{x$ 10$"\n    name_en: "fund $\\\\frac{x$ 10$"')
    text = text.replace('name: "-2+3"\n    name_en: \'=HYPERLINK("http://x.invalid","y")\'',
                        'name: "目标 $x^{$"\n    name_en: "target $x^{$"')
    assert "frac" in text and "x^{" in text
    path = tmp_path / "dollar.yaml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "run"
    run(load_scenario(path), RunOptions(reps=2, seed=0, out=out, engine="des", progress=False))
    for lang in ("zh", "en"):
        pdf = build_run_report(out, tmp_path / f"{lang}.pdf", lang=lang)
        assert "$\\frac{x$" in "".join(p.extract_text() for p in PdfReader(pdf).pages)
    build_compare_report([out, out], tmp_path / "cmp.pdf", lang="en")
