"""Analysis: per-point statistics, Sobol' (Ishigami), Morris, PRIM, heat map, summary files."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulator.sweep.analysis import point_statistics, prim_boxes, sobol_indices, summarise_sweep
from simulator.sweep.design import build_design
from simulator.sweep.executors import SerialExecutor
from simulator.sweep.spec import spec_from_mapping
from simulator.sweep.store import SweepStore
from tests.sweep.toys import IshigamiModel, run_sweep

ISHIGAMI_S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ISHIGAMI_ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


def test_point_statistics() -> None:
    frame = pd.DataFrame(
        {
            "rep": np.arange(20),
            "hit": np.arange(20) % 4 == 0,
            "v": np.arange(20, dtype=float),
            "n": np.arange(20) * 2,
        }
    )
    stats = point_statistics(frame, ["hit", "v", "n"])
    assert stats["n_reps"] == 20
    assert stats["hit:p_attained"] == pytest.approx(0.25)
    assert "hit:mean" not in stats and "v:p_attained" not in stats
    assert stats["v:mean"] == pytest.approx(9.5)
    assert stats["v:p5"] == pytest.approx(np.quantile(np.arange(20.0), 0.05))
    assert stats["v:p50"] == pytest.approx(9.5)
    assert stats["v:p95"] == pytest.approx(np.quantile(np.arange(20.0), 0.95))
    assert stats["n:mean"] == pytest.approx(19.0)
    with_nan = point_statistics({"rep": np.arange(3), "v": np.array([1.0, np.nan, 3.0])}, ["v"])
    assert with_nan["v:mean"] == pytest.approx(2.0)


def test_sobol_indices_of_ishigami(ishigami_factors: dict[str, Any]) -> None:
    spec = spec_from_mapping(
        {
            "scenario": "toy:ishigami",
            "design": "saltelli",
            "samples": 1024,
            "seed": 1,
            "factors": ishigami_factors,
        }
    )
    design = build_design(spec)
    x1, x2, x3 = (design.table[k].to_numpy() for k in ("x1", "x2", "x3"))
    y = np.sin(x1) + 7.0 * np.sin(x2) ** 2 + 0.1 * x3**4 * np.sin(x1)
    model = IshigamiModel()
    for i, (_, values) in enumerate(design.iter_points()):
        if i % 997 == 0:  # the vectorised formula is the toy model's
            assert model.run_block(values, [0], 0)["y"].iloc[0] == pytest.approx(y[i], rel=1e-12)
    table, notes = sobol_indices(
        design.salib_problem(), pd.DataFrame({"y:mean": y}), {"y": False}, seed=1
    )
    assert notes == []
    for row in table.itertuples(index=False):
        assert abs(row.S1 - ISHIGAMI_S1[row.factor]) <= min(0.05, row.S1_conf + 0.01), row
        assert abs(row.ST - ISHIGAMI_ST[row.factor]) <= min(0.05, row.ST_conf + 0.01), row


def test_sweep_summary_end_to_end_sobol(tmp_path: Path, ishigami_factors: dict[str, Any]) -> None:
    spec = spec_from_mapping(
        {
            "scenario": "toy:ishigami",
            "design": "saltelli",
            "samples": 128,
            "seed": 7,
            "factors": ishigami_factors,
        }
    )
    run_sweep(spec, tmp_path / "out", SerialExecutor(), progress=False)
    summary = summarise_sweep(tmp_path / "out")
    assert summary.sobol is not None and len(summary.sobol) == 3
    # Small N: the estimates must fall within their confidence intervals (the precise
    # check is test_sobol_indices_of_ishigami); a mis-ordered store would give noise.
    for row in summary.sobol.itertuples(index=False):
        assert abs(row.S1 - ISHIGAMI_S1[row.factor]) <= row.S1_conf, row
        assert abs(row.ST - ISHIGAMI_ST[row.factor]) <= row.ST_conf, row
        assert row.S1_conf < 0.25 and row.ST_conf < 0.25, row
    data = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert data["design"] == "saltelli" and data["n_points_done"] == 640
    assert {r["factor"] for r in data["sobol"]} == {"x1", "x2", "x3"}
    points = pd.read_parquet(tmp_path / "out" / "points_summary.parquet")
    assert len(points) == 640 and {"point", "x1", "x2", "x3", "n_reps", "y:mean", "y:p50"} <= set(
        points.columns
    )

    # An incomplete saltelli sweep skips the indices and says why.
    store = SweepStore(tmp_path / "out")
    store.point_path("p000005").unlink()
    partial = summarise_sweep(tmp_path / "out", write=False)
    assert partial.sobol is None and any("incomplete" in n for n in partial.notes)


def test_morris_ranks_ishigami_factors(tmp_path: Path, ishigami_factors: dict[str, Any]) -> None:
    factors = {**ishigami_factors, "x4": {"range": [-math.pi, math.pi]}}  # x4 has no effect
    spec = spec_from_mapping(
        {
            "scenario": "toy:ishigami",
            "design": "morris",
            "samples": 40,
            "levels": 4,
            "seed": 1,
            "factors": factors,
        }
    )
    run_sweep(spec, tmp_path / "out", SerialExecutor(), progress=False)
    summary = summarise_sweep(tmp_path / "out")
    assert summary.morris is not None
    m = summary.morris.set_index("factor")
    assert m.loc["x4", "mu_star"] == 0.0 and m["mu_star"].idxmin() == "x4"
    assert (m.loc[["x1", "x2", "x3"], "mu_star"] > 3.0).all()
    # x1 acts in one direction; x3 only through its interaction with x1 (signs cancel).
    assert m.loc["x1", "mu"] / m.loc["x1", "mu_star"] > 0.9
    assert abs(m.loc["x3", "mu"]) < 0.3 * m.loc["x3", "mu_star"]
    assert m["sigma"].idxmax() == "x3"


def test_prim_finds_planted_box_in_sweep(tmp_path: Path) -> None:
    spec = spec_from_mapping(
        {
            "scenario": "toy:threshold?noise=0",  # attained iff x1 > 0.7
            "design": "lhs",
            "samples": 200,
            "seed": 4,
            "heatmap": ["x1", "x2"],
            "factors": {f"x{i}": {"range": [0.0, 1.0]} for i in (1, 2, 3)},
        }
    )
    run_sweep(spec, tmp_path / "out", SerialExecutor(), progress=False)
    summary = summarise_sweep(tmp_path / "out")
    boxes = summary.prim["target.T1.attained"]
    assert len(boxes) == 1
    box = boxes[0]
    assert set(box.limits) == {"x1"}
    assert box.limits["x1"]["lo"] is None and 0.68 <= box.limits["x1"]["hi"] <= 0.7
    assert (
        box.density == 1.0 and box.coverage == 1.0 and box.support == pytest.approx(0.7, abs=0.01)
    )
    assert box.n_points == 140
    data = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert data["prim"]["target.T1.attained"][0]["limits"]["x1"]["hi"] == pytest.approx(
        box.limits["x1"]["hi"]
    )
    assert data["outputs"]["target.T1.attained"]["stat"] == "p_attained"
    assert data["outputs"]["fund.F1.drawn_yuan"]["stat"] == "mean"
    heat = summary.heatmap
    assert heat is not None
    grid = heat["target.T1.attained:p_attained"]
    assert (
        (grid["x"], grid["y"]) == ("x1", "x2")
        and len(grid["x_levels"]) == 8
        and len(grid["y_levels"]) == 8
    )
    rates = np.array(grid["values"], dtype=float)  # empty cells are None -> NaN
    assert np.isnan(rates).sum() < 16
    low, high = rates[:, :5], rates[:, -2:]  # x1 bins entirely below / above 0.7
    assert (low[~np.isnan(low)] == 0.0).all() and (high[~np.isnan(high)] == 1.0).all()


def test_heatmap_of_a_categorical_factor(tmp_path: Path) -> None:
    spec = spec_from_mapping(
        {
            "scenario": "toy:threshold?noise=0",
            "design": "lhs",
            "samples": 90,
            "seed": 2,
            "heatmap": ["x1", "policy"],
            "factors": {
                "x1": {"range": [0.0, 1.0]},
                "policy": {"values": ["base", "strict", "lenient"]},
            },
        }
    )
    run_sweep(spec, tmp_path / "out", SerialExecutor(), progress=False)
    summary = summarise_sweep(tmp_path / "out")
    assert summary.heatmap is not None
    grid = summary.heatmap["target.T1.attained:p_attained"]
    assert grid["y_levels"] == ["base", "strict", "lenient"]
    rates = np.array(grid["values"], dtype=float)
    assert (np.diff(rates, axis=1) >= 0).all()  # more x1, more attainment
    assert rates[1].mean() < rates[0].mean() < rates[2].mean()  # strict < base < lenient


def test_prim_exact_box_with_a_categorical_factor() -> None:
    rng = np.random.default_rng(0)
    n = 600
    frame = pd.DataFrame(
        {
            "x": rng.random(n),
            "z": rng.random(n),
            "kind": rng.choice(np.array(["a", "b", "c"], dtype=object), n),
        }
    )
    missed = ((frame["kind"] == "a") & (frame["x"] < 0.5)).to_numpy(dtype=float)
    boxes = prim_boxes(frame, missed, alpha=0.05, min_support=0.05)
    box = boxes[0]
    assert box.limits["kind"] == {"options": ["a"]}
    assert box.limits["x"]["lo"] is None and 0.45 <= box.limits["x"]["hi"] < 0.5
    assert "z" not in box.limits
    assert box.density == 1.0 and box.coverage == 1.0
    assert prim_boxes(frame, np.zeros(n)) == []
