"""The PDF reports, read back with pypdf."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.platypus import Paragraph

from simulator.report import build_compare_report, build_run_report, build_sweep_report
from simulator.report.layout import CONTENT_WIDTH, Column, Layout
from simulator.report.store import open_sweep
from simulator.report.sweep import box_sentence

from .conftest import LONG_NAME, MARKUP_NAME


def _text(pdf: Path) -> str:
    return "\n".join(p.extract_text() or "" for p in PdfReader(pdf).pages)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def zh_pdf(run_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_run_report(run_store, tmp_path_factory.mktemp("pdf") / "run-zh.pdf")


@pytest.fixture(scope="module")
def en_pdf(run_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_run_report(run_store, tmp_path_factory.mktemp("pdf") / "run-en.pdf", lang="en")


def test_run_report_has_its_pages(zh_pdf: Path) -> None:
    reader = PdfReader(zh_pdf)
    assert len(reader.pages) >= 5
    assert reader.metadata is not None and "聊城" in str(reader.metadata.title)
    pages = [_squash(p.extract_text() or "") for p in reader.pages]
    assert "简报" in pages[0] and "结论" in pages[0]  # the brief is page 1
    first = {name: next(i for i, p in enumerate(pages) if name in p)
             for name in ("目标达成", "资金与预算", "预算表", "欠款与拒付", "附录", "输入参数及其来源")}
    assert list(first.values()) == sorted(first.values())  # in this order


def test_chinese_text_extracts_back(zh_pdf: Path) -> None:
    text = _squash(_text(zh_pdf))
    for needle in (
        "聊城市产业技术研究院",
        "万元",
        "简报",
        "资金与预算",
        "欠款与拒付",
        "目标达成",
        "术语",
        "输入参数及其来源",
        "第1页/共",
        "有效高新技术企业数",
    ):
        assert needle in text, needle
    # the header carries the scenario name on later pages
    second = _squash(PdfReader(zh_pdf).pages[1].extract_text())
    assert "聊城市产业技术研究院基准情景财政情景模拟报告第2页/共" in second


def test_brief_states_the_answers(zh_pdf: Path) -> None:
    reader = PdfReader(zh_pdf)
    page = _squash(reader.pages[0].extract_text())
    assert "LC-T1" in page and "78%" in page  # LC-T1 attained in 39 of 50 replications
    assert "出现缺口的概率" in page
    targets = _squash(_text(zh_pdf))
    assert "LC-T1LC-6一(三)" in targets  # target id and clause in the targets table


def test_every_font_is_embedded(zh_pdf: Path) -> None:
    seen = 0
    for page in PdfReader(zh_pdf).pages:
        fonts = page["/Resources"]["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            desc = font.get("/FontDescriptor")
            if desc is None:  # composite font: look in the descendant
                desc = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            desc = desc.get_object()
            assert "/FontFile2" in desc, font.get("/BaseFont")
            assert "WenQuanYi" in str(font["/BaseFont"])
            seen += 1
    assert seen > 0


def test_markup_in_names_prints_literally(zh_pdf: Path) -> None:
    text = _squash(_text(zh_pdf))
    assert _squash(MARKUP_NAME) in text
    assert "<script>alert(1)</script>&co" in text


def test_long_names_are_printed_whole(zh_pdf: Path) -> None:
    text = _squash(_text(zh_pdf))
    assert _squash(LONG_NAME) in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_long_names_wrap_inside_their_cell(lang: str) -> None:
    lay = Layout(lang)  # type: ignore[arg-type]
    cols = [Column("name", 4.0 * 28.35), Column("value", CONTENT_WIDTH - 4.0 * 28.35, True)]
    long_token = "x" * 300
    tbl = lay.table(cols, [[LONG_NAME, "1.0"], [long_token, "2.0"], [MARKUP_NAME, "3.0"]])
    width, _height = tbl.wrap(CONTENT_WIDTH, 800)
    assert width <= CONTENT_WIDTH + 0.01
    cell = tbl._cellvalues[1][0]
    cell = cell[0] if isinstance(cell, list | tuple) else cell
    assert isinstance(cell, Paragraph)
    assert len(cell.blPara.lines) > 3  # wrapped, not one overflowing line
    assert cell.width <= 4.0 * 28.35


def test_english_report_has_english_labels(en_pdf: Path) -> None:
    text = _text(en_pdf)
    for needle in (
        "Brief",
        "Funds and budget",
        "Arrears and refusals",
        "Targets",
        "Glossary",
        "Inputs and their sources",
        "Research institute special development fund",
        "CNY",
        "Page 1 of",
    ):
        assert needle in text, needle
    for chinese_label in ("简报", "预算安排", "累计拨付", "第 1 页", "中位数", "概率", "出现缺口", "术语"):
        assert chinese_label not in text, chinese_label


def test_compare_report(run_store: Path, variant_store: Path, tmp_path: Path) -> None:
    out = build_compare_report([run_store, variant_store], tmp_path / "cmp.pdf")
    reader = PdfReader(out)
    assert len(reader.pages) >= 3
    text = _squash(_text(out))
    assert "结果对比" in text and "改动的输入" in text
    assert "聊城申请增加30%" in text and "聊城市产业技术研究院基准情景" in text
    assert "达成概率：有效高新技术企业数" in text


def test_sweep_report(sweep_store: Path, tmp_path: Path) -> None:
    zh = build_sweep_report(sweep_store, tmp_path / "sweep.pdf")
    text = _squash(_text(zh))
    assert "龙卷风图" in text and "全局敏感性指标" in text and "两因素热力图" in text
    assert (
        "当申请率倍数低于0.82且共同体奖励（万元）低于180时，未达成目标「LC-T2」的概率为86%" in text
    )
    assert "<审核>月数&周期" in text  # markup in a factor name, literally
    sweep = open_sweep(sweep_store)
    sentences = [box_sentence(sweep, b, "en") for b in sweep.summary["boxes"]]
    assert sentences[0].startswith(
        "When application rate multiplier is below 0.82 and community award (10k yuan) is below 180, "
        "the probability of missing target LC-T2 is 86%"
    )
    assert "is above 1.1 and <审核>月数 & 周期 is between 2 and 4.5" in sentences[1]


def test_report_is_readable_by_others(zh_pdf: Path) -> None:
    assert zh_pdf.stat().st_mode & 0o044 == 0o044  # not left private like a temp file


def test_report_is_written_atomically(run_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.pdf"
    out.write_bytes(b"old")
    with pytest.raises(ValueError):
        build_run_report(run_store, out, lang="fr")
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.pdf"]


def test_sparse_store_still_reports(run_store: Path, tmp_path: Path) -> None:
    """No payments, no targets, no inputs: every section still renders."""
    import json
    import shutil

    import pyarrow.parquet as pq

    from tests.report.conftest import refresh_part_records

    d = tmp_path / "sparse"
    shutil.copytree(run_store, d)
    for table in ("draws", "claims", "metrics", "targets", "exhaustion"):
        for part in (d / "tables" / table).glob("*.parquet"):  # every part written, none with a row
            pq.write_table(pq.read_table(part).slice(0, 0), part)
    refresh_part_records(d)
    manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    manifest.update(targets={}, inputs=[])
    (d / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    summary = json.loads((d / "summary.json").read_text(encoding="utf-8"))
    summary["targets"] = {}
    (d / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    out = build_run_report(d, tmp_path / "sparse.pdf", lang="en")
    text = _text(out)
    assert "The scenario has no target to forecast." in text
    assert "The result store records no inputs." in text


def test_sweep_report_of_the_sweep_engine_store(engine_sweep_store: Path, tmp_path: Path) -> None:
    """The summary that ``sweep-summary`` writes is read as it is."""
    out = build_sweep_report(engine_sweep_store, tmp_path / "engine-sweep.pdf")
    text = _squash(_text(out))
    assert "目标「T1」达成概率" in text  # target.T1.attained:p_attained, worded
    assert "一阶指数S1" in text  # Sobol table
    assert "未达成目标「T1」的概率为" in text  # PRIM boxes of misses as sentences
    assert "policy为" in text  # a categorical factor in a box
    sweep = open_sweep(engine_sweep_store)
    sentence = box_sentence(sweep, sweep.summary["boxes"][0], "en")
    assert sentence.startswith("When x1 is below ") and "missing target T1" in sentence


def test_unsummarised_sweep_says_what_to_do(engine_sweep_store: Path, tmp_path: Path) -> None:
    import shutil

    from simulator.report.store import StoreError

    d = tmp_path / "raw"
    shutil.copytree(engine_sweep_store, d)
    (d / "summary.json").unlink()
    with pytest.raises(StoreError, match="sweep-summary"):
        build_sweep_report(d, tmp_path / "x.pdf")
