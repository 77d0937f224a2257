"""The report's uncertainty section: what the bands include, the variance split, the tornado charts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simulator.loader import load_scenario
from simulator.report.layout import Layout
from simulator.report.store import open_run
from simulator.report.uncertainty import bands_text, target_correlations, uncertainty_section
from simulator.runner import RunOptions, run

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    loaded = load_scenario(ROOT / "scenarios" / "liaocheng.yaml")
    root = tmp_path_factory.mktemp("unc")
    out = {}
    for name, fixed in (("drawn", False), ("fixed", True)):
        run(loaded, RunOptions(reps=40, seed=3, out=root / name, engine="fast", progress=False, group_size=4,
                               fixed_params=fixed))
        out[name] = root / name
    return out


def test_the_report_says_what_the_bands_include(stores: dict[str, Path]) -> None:
    drawn, fixed = open_run(stores["drawn"], "en"), open_run(stores["fixed"], "en")
    text = bands_text(drawn.manifest, "en")
    assert "behaviour parameters" in text and "common yearly shocks" in text and "chance" in text
    assert "one draw per 4 replications" in text
    assert "chance only" in bands_text(fixed.manifest, "en") and "--fixed-params" in bands_text(fixed.manifest, "en")
    assert "偶然性" in bands_text(fixed.manifest, "zh")


def test_the_section_has_the_split_and_tornado_charts(stores: dict[str, Path]) -> None:
    store = open_run(stores["drawn"], "zh")
    story = uncertainty_section(Layout("zh"), store)
    kinds = [type(f).__name__ for f in story]
    assert "Table" in kinds and kinds.count("KeepTogether") >= 1  # the split table and at least one chart
    assert len(uncertainty_section(Layout("zh"), open_run(stores["fixed"], "zh"))) == 2  # heading and the sentence
    rho = target_correlations(store, 4)
    assert set(rho) == set(store.summary["targets"])
    assert all(-1.0 <= r <= 1.0 for per in rho.values() for r in per.values())


def test_tornado_bars_are_named_in_the_report_language(stores: dict[str, Path]) -> None:
    from simulator.report.uncertainty import parameter_label

    store = open_run(stores["drawn"], "zh")
    labels = store.manifest["parameter_labels"]
    assert labels["behaviour.firms.hte_pass"].startswith("高企认定通过率")
    assert parameter_label(store, "behaviour.firms.hte_pass", "zh") == "高企认定通过率"
    assert parameter_label(store, "behaviour.firms.hte_pass", "en") == "share of HTE applications certified"
    assert parameter_label(store, "year_factor.liaocheng.2021", "zh") == "聊城市2021年共同冲击"
    named = [n for n in target_correlations(store, 4)["LC-6"]]
    assert all(parameter_label(store, n, "zh") != n for n in named)  # no raw parameter name on a chart
    assert open_run(stores["fixed"], "zh").manifest["parameter_labels"] == {}


def test_a_target_set_by_an_input_has_no_split_and_no_tornado(stores: dict[str, Path], tmp_path: Path) -> None:
    import json
    import shutil

    from pypdf import PdfReader

    from simulator.report import build_run_report

    d = tmp_path / "store"
    shutil.copytree(stores["drawn"], d)
    summary = json.loads((d / "summary.json").read_text(encoding="utf-8"))
    summary["targets"]["LC-6"]["set_by"] = "input"
    (d / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    text = "".join((p.extract_text() or "") for p in PdfReader(build_run_report(d, tmp_path / "r.pdf")).pages)
    split = re.sub(r"\s+", "", text[text.index("不确定性从何而来"):])
    assert "LC-6“1+N”体系：5年内认定N个市级创新创业共同体——" in split  # no share for a value an input sets
