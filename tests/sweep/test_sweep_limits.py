"""A sweep's size is known before it runs: counted without building the design, refused beyond the limits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.sweep.design import build_design
from simulator.sweep.limits import (
    MAX_POINTS,
    MAX_REPLICATIONS,
    SweepSize,
    design_points,
    over_limit,
    sweep_size,
)
from simulator.sweep.spec import spec_from_mapping
from tests.langcheck import assert_lang

ROOT = Path(__file__).resolve().parents[2]
LIAOCHENG_SWEEP = ROOT / "scenarios" / "sweeps" / "liaocheng-lhs.yaml"

FACTORS: dict[str, Any] = {
    "a": {"range": [0.0, 1.0], "count": 3},
    "b": {"values": ["x", "y"]},
    "c": {"range": [1, 4], "count": 4},
}
CONTINUOUS: dict[str, Any] = {"a": {"range": [0.0, 1.0]}, "b": {"range": [2.0, 3.0]}, "c": {"range": [5.0, 9.0]}}


@pytest.mark.parametrize(("design", "extra", "factors"), [
    ("grid", {}, FACTORS),
    ("lhs", {"samples": 7}, CONTINUOUS),
    ("sobol", {"samples": 8}, CONTINUOUS),
    ("saltelli", {"samples": 8}, CONTINUOUS),
    ("saltelli", {"samples": 8, "second_order": True}, CONTINUOUS),
    ("morris", {"samples": 4}, CONTINUOUS),
])
def test_counted_points_equal_built_points(design: str, extra: dict[str, Any], factors: dict[str, Any]) -> None:
    spec = spec_from_mapping({"scenario": "toy:ishigami", "design": design, "replications": 3,
                              "seed": 1, "factors": factors, **extra})
    assert design_points(spec) == len(build_design(spec))
    assert sweep_size(spec).replications == 3 * len(build_design(spec))


def test_limits() -> None:
    assert over_limit(SweepSize(MAX_POINTS, MAX_POINTS, "fast")) is None
    assert "too many design points" in (over_limit(SweepSize(MAX_POINTS + 1, MAX_POINTS + 1, "fast")) or "")
    assert "too many replications" in (over_limit(SweepSize(10, MAX_REPLICATIONS + 1, "fast")) or "")


def test_ten_million_points_are_refused_before_anything_runs(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    res = CliRunner().invoke(main, ["sweep", str(LIAOCHENG_SWEEP), "--samples", "10000000", "--out", str(out)],
                             obj={})
    assert res.exit_code == 2
    assert "Traceback" not in res.stderr
    for words in ("10,000,000", "500,000,000", "GB", "--allow-large", "liaocheng-lhs.yaml"):
        assert words in res.stderr, words
    assert_lang(res.stderr, "zh", data=str(LIAOCHENG_SWEEP))
    en = CliRunner().invoke(main, ["--lang", "en", "sweep", str(LIAOCHENG_SWEEP), "--samples", "10000000", "--out",
                                   str(out)], obj={})
    assert en.exit_code == 2 and "too many design points" in en.stderr and "add --allow-large" in en.stderr
    assert_lang(en.stderr, "en", data=str(LIAOCHENG_SWEEP))
    assert not out.exists()


def test_a_large_grid_is_counted_not_built(write_spec: Callable[..., Path], tmp_path: Path) -> None:
    factors = {f"f{i}": {"range": [0.0, 1.0], "count": 100} for i in range(4)}  # 10^8 points
    spec = write_spec({"scenario": str(ROOT / "scenarios" / "liaocheng.yaml"), "design": "grid",
                       "replications": 10, "seed": 1, "factors": factors})
    res = CliRunner().invoke(main, ["sweep", str(spec), "--out", str(tmp_path / "out")], obj={})
    assert res.exit_code == 2 and "100,000,000" in res.stderr
    assert not (tmp_path / "out").exists()
