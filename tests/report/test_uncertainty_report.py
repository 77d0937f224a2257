"""The report's uncertainty section: what the bands include, the variance split, the tornado charts."""

from __future__ import annotations

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
