"""The sweep report of the shipped Liaocheng sweep, at a small size.

Every target gets its charts, factors are named after their parameters, the
findings say what the design points say, red means bad, and no page is left
mostly empty unless it ends a section.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from simulator.cli import main
from simulator.report.i18n import t
from simulator.report.store import open_sweep
from simulator.report.sweep import box_sentence, build_sweep_report, heatmap_colours
from simulator.report.sweep_findings import FLAT, TAIL, findings
from simulator.report.sweep_labels import factor_label, output_label

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "scenarios" / "sweeps" / "liaocheng-lhs.yaml"
LC6_ZH = "“1+N”体系：5年内认定N个市级创新创业共同体"
HTE_RATE = "populations.liaocheng.firms.hte_rate"


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lhs") / "sweep"
    runner = CliRunner()
    args = ["sweep", str(SPEC), "--out", str(out), "--samples", "16", "--replications", "20", "--serial"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["sweep-summary", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def zh_pdf(sweep_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sweep_report(sweep_dir, tmp_path_factory.mktemp("pdf") / "sweep.pdf")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_every_target_gets_a_tornado_and_a_heat_map(sweep_dir: Path) -> None:
    from simulator.report.sweep import _heatmaps, _tornado_outputs

    sweep = open_sweep(sweep_dir)
    shown, _constant = _tornado_outputs(sweep)
    assert shown[0] == "target.LC-6.attained:p_attained"
    assert _heatmaps(sweep)[0]["output"] == "target.LC-6.attained:p_attained"


def test_every_target_and_readable_names(zh_pdf: Path) -> None:
    pages = [_squash(p.extract_text() or "") for p in PdfReader(zh_pdf).pages]
    text = "".join(pages)
    assert "../liaocheng.yaml" not in text
    assert "聊城产业技术研究院与创新创业共同体财政情景" in pages[0]  # the scenario's name, not its path
    # LC-6 has a tornado chart and a heat map (the chart titles are images: their captions and
    # the findings name it in text)
    assert text.count(f"目标「{LC6_ZH}」达成概率") >= 1
    assert "科技型中小企业达到高企申报条件的年风险率" in pages[0] and HTE_RATE in pages[0]
    assert "筹建主体获认定为市级共同体的年风险率" in pages[0]
    assert "资金「聊城市财政科技资金（共同体补助）」出现缺口概率" in text
    assert "exhausted" not in text  # no raw field names
    # the cover says the parameters that are not factors are drawn (the spec's default), not held fixed
    assert "非扫描因素的行为参数按先验抽取：每组重复模拟一个参数向量，各设计点相同" in pages[0]


def _recomputed(sweep_dir: Path, output: str, factor: str) -> tuple[float, float, str, str]:
    """Mean output at a factor's two ends (and the options there), from points_summary.parquet."""
    pts = pd.read_parquet(sweep_dir / "points_summary.parquet")
    y = pts[output].astype(float)
    if not pd.api.types.is_numeric_dtype(pts[factor]):
        means = y.groupby(pts[factor].astype(str)).mean()
        return float(means.min()), float(means.max()), str(means.idxmin()), str(means.idxmax())
    x = pts[factor].astype(float)
    low = float(y[x <= x.quantile(TAIL)].mean())
    return low, float(y[x >= x.quantile(1 - TAIL)].mean()), "", ""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_stated_direction_matches_the_data(sweep_dir: Path, lang: str) -> None:
    sweep = open_sweep(sweep_dir)
    found = findings(sweep, lang)  # type: ignore[arg-type]
    outputs = [o for o, _e, _s in found]
    assert "target.LC-6.attained:p_attained" in outputs  # every target has a finding
    for output, effect, sentence in found:
        low, high, lo_opt, hi_opt = _recomputed(sweep_dir, output, effect.factor)
        assert effect.low == pytest.approx(low) and effect.high == pytest.approx(high)
        name = factor_label(sweep, effect.factor, lang)  # type: ignore[arg-type]
        what = output_label(sweep, output, lang)  # type: ignore[arg-type]
        assert name in sentence and what in sentence
        if abs(high - low) < FLAT:
            assert ("几乎不变" if lang == "zh" else "hardly moves") in sentence
        elif effect.low_option is not None:
            assert (effect.low_option, effect.high_option) == (lo_opt, hi_opt)
            if lang == "zh":
                assert f"取 {hi_opt} 时{what}最高" in sentence and f"取 {lo_opt} 时最低" in sentence
            else:
                assert f"highest with {name} at {hi_opt}" in sentence
                assert f"lowest at {lo_opt}" in sentence
        else:
            up = high > low
            if lang == "zh":
                assert f"{what}越{'高' if up else '低'}" in sentence
            else:
                assert f"the {'higher' if up else 'lower'} {what}" in sentence


def test_red_is_bad(sweep_dir: Path) -> None:
    def reddish(cmap: str, x: float) -> bool:
        r, g, _b, _a = matplotlib.colormaps[cmap](x)
        return r > 0.6 and g < 0.5

    # a target: low attainment is red, high is not
    target = heatmap_colours("target.LC-6.attained:p_attained")
    assert reddish(target, 0.0) and not reddish(target, 1.0)
    # a fund: a high probability of running dry is red, a low one is not
    dry = heatmap_colours("fund.lc-city-sci.exhausted:p_attained")
    assert reddish(dry, 1.0) and not reddish(dry, 0.0)
    # money drawn is neither: no red anywhere on its scale
    money = heatmap_colours("fund.lc-city-sci.drawn_yuan:mean")
    assert not any(reddish(money, x / 10) for x in range(11))


def test_fund_boxes_are_worded_the_right_way_round(sweep_dir: Path) -> None:
    sweep = open_sweep(sweep_dir)
    fund_boxes = [b for b in sweep.summary["boxes"] if ".exhausted" in str(b["output"])]
    assert fund_boxes
    for box in fund_boxes:
        # PRIM boxes of a yes/no output describe where it is "missed": for a fund, not running dry
        sentence = box_sentence(sweep, box, "zh")
        assert "不出现缺口" in sentence and "未实现" not in sentence
        assert "not running short" in box_sentence(sweep, box, "en")


def _fill(page: object) -> tuple[float, str]:
    """Share of the page's frame used (from its lowest body text), and its top band's text."""
    ys: list[tuple[float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: object, _size: object) -> None:
        y = tm[5] * cm[3] + cm[5]
        if text.strip() and 50 < y < 790:
            ys.append((y, text))

    page.extract_text(visitor_text=visit)  # type: ignore[attr-defined]
    top, bottom = 841.89 - 65.2, 56.7  # the frame inside the margins (A4)
    lowest = min(y for y, _ in ys)
    band = "".join(s for y, s in sorted(ys, reverse=True) if y > top - 40)
    return (top - lowest) / (top - bottom), _squash(band)


def test_no_page_under_a_third_full_unless_it_ends_a_section(zh_pdf: Path) -> None:
    pages = PdfReader(zh_pdf).pages
    fills = [_fill(p) for p in pages]
    headings = [t(k, "zh") for k in ("tornado_heading", "sens_heading", "heatmap_heading", "boxes_heading")]
    for i, (share, _band) in enumerate(fills):
        last = i == len(fills) - 1
        next_starts_section = not last and any(_squash(h) in fills[i + 1][1] for h in headings)
        if not (last or next_starts_section):
            assert share >= 1 / 3, f"page {i + 1} is {share:.0%} full"
