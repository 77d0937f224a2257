"""The bundled CJK font and the charts."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pandas as pd

from simulator.report import analysis, charts, outcomes
from simulator.report.fonts import (
    MPL_FAMILY,
    font_path,
    mpl_cjk_context,
    register_mpl_font,
    register_pdf_font,
)
from simulator.report.store import open_run

PNG = b"\x89PNG\r\n\x1a\n"


def test_font_comes_from_the_pip_package() -> None:
    path = font_path()
    assert path.is_file() and path.suffix == ".ttc"
    assert "paperang_p2_fonts_cjk" in str(path)
    assert register_pdf_font() == register_pdf_font()
    assert register_mpl_font() == MPL_FAMILY


def test_matplotlib_context_is_temporary() -> None:
    before = (
        list(matplotlib.rcParams["font.sans-serif"]),
        matplotlib.rcParams["axes.unicode_minus"],
    )
    with mpl_cjk_context():
        assert matplotlib.rcParams["font.sans-serif"][0] == MPL_FAMILY
        assert matplotlib.rcParams["axes.unicode_minus"] is False
    after = (
        list(matplotlib.rcParams["font.sans-serif"]),
        matplotlib.rcParams["axes.unicode_minus"],
    )
    assert before == after


def test_charts_render_png(run_store: Path) -> None:
    store = open_run(run_store)
    backend = matplotlib.get_backend()
    fan = charts.fund_fan_chart(
        analysis.cumulative_draw_bands(store, "LC-1"),
        analysis.cumulative_appropriations(store, "LC-1"),
        "专项发展资金",
        "zh",
        start_month="2020-04",
    )
    target = charts.target_fan_chart(
        outcomes.metric_bands(store, "LC-T2"),
        target_name="有效高新技术企业数",
        threshold=300.0,
        deadline="2022-12-31",
        p_attained=0.56,
        unit="count",
        lang="en",
    )
    bars = charts.yearly_bars(
        analysis.yearly_draw(store, "level"), {"city": "市级", "zone": "园区"}, "zh"
    )
    tornado = charts.tornado_chart(
        [("申请率", 0.4, 0.9), ("奖励", 0.6, 0.7)], base=0.65, output_label="概率", percent=True
    )
    grid = pd.DataFrame([[0.1, float("nan")], [0.5, 0.9]], index=["lo", "hi"], columns=["a", "b"])
    heat = charts.heatmap_chart(grid, x_label="x", y_label="y", output_label="p")
    comp = charts.compare_probability_chart(
        pd.DataFrame({"A": [0.2, 0.8], "B": [0.3, float("nan")]}, index=["t1", "t2"])
    )
    for png in (fan, target, bars, tornado, heat, comp):
        assert png.startswith(PNG) and len(png) > 5_000
    assert matplotlib.get_backend() == backend
