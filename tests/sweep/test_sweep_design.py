"""Design generation: grid, lhs, sobol, saltelli, morris, categorical options by name."""

from __future__ import annotations

from collections import Counter
from itertools import product
from typing import Any

import numpy as np
import pytest
from scipy import stats

from simulator.sweep.design import UNIT_PREFIX, build_design, point_id
from simulator.sweep.spec import spec_from_mapping


def _spec(design: str, factors: dict[str, Any], **extra: Any) -> Any:
    return spec_from_mapping(
        {"scenario": "toy:threshold", "design": design, "factors": factors, **extra}
    )


def test_point_ids_are_stable_and_padded() -> None:
    assert point_id(0) == "p000000"
    assert point_id(17) == "p000017"
    assert point_id(1_234_567) == "p1234567"


def test_grid_is_full_factorial_in_order() -> None:
    spec = _spec(
        "grid",
        {
            "a": {"range": [0, 1], "count": 3},
            "policy": {"values": ["base", "strict"]},
            "n": {"range": [1, 3], "integer": True},
            "z": {"dist": "normal", "mean": 10, "sd": 2, "count": 2},
        },
    )
    design = build_design(spec)
    z_levels = [float(v) for v in stats.norm(10, 2).ppf([0.25, 0.75])]
    expected = list(product([0.0, 0.5, 1.0], ["base", "strict"], [1, 2, 3], z_levels))
    assert len(design) == 36
    got = [tuple(values.values()) for _, values in design.iter_points()]
    assert got == expected
    assert design.point_ids[:3] == ["p000000", "p000001", "p000002"]
    assert design.unit is None
    assert design.table["n"].dtype == np.int64
    assert all(isinstance(v, str) for v in design.table["policy"])
    values = dict(design.iter_points())["p000004"]
    assert (
        isinstance(values["n"], int)
        and isinstance(values["policy"], str)
        and isinstance(values["a"], float)
    )


def test_lhs_is_stratified_seeded_and_mapped_through_ppf() -> None:
    factors = {
        "u": {"range": [2.0, 4.0]},
        "z": {"dist": "normal", "mean": 1.0, "sd": 0.5},
        "t": {"dist": "triangular", "lo": 0, "mode": 0.2, "hi": 1},
    }
    design = build_design(_spec("lhs", factors, samples=50, seed=1))
    unit = design.unit
    assert unit is not None and unit.shape == (50, 3)
    for j in range(3):
        # One sample in each of the 50 equal strata of every dimension.
        assert sorted(np.floor(unit[:, j] * 50).astype(int).tolist()) == list(range(50))
    np.testing.assert_allclose(design.table["u"], 2.0 + 2.0 * unit[:, 0])
    np.testing.assert_allclose(design.table["z"], stats.norm(1.0, 0.5).ppf(unit[:, 1]))
    np.testing.assert_allclose(design.table["t"], stats.triang(0.2).ppf(unit[:, 2]))
    again = build_design(_spec("lhs", factors, samples=50, seed=1))
    other = build_design(_spec("lhs", factors, samples=50, seed=2))
    assert again.table.equals(design.table)
    assert not other.table.equals(design.table)


def test_sobol_design_is_balanced() -> None:
    design = build_design(
        _spec("sobol", {"a": {"range": [0, 1]}, "b": {"range": [0, 1]}}, samples=64, seed=5)
    )
    unit = design.unit
    assert unit is not None and unit.shape == (64, 2)
    for j in range(2):
        # A scrambled Sobol' net of 2^6 points puts one point in each 1/64 slice.
        assert sorted(np.floor(unit[:, j] * 64).astype(int).tolist()) == list(range(64))


def test_categorical_options_reported_by_name_in_sampled_designs() -> None:
    spec = _spec(
        "lhs",
        {"x1": {"range": [0, 1]}, "policy": {"values": ["base", "strict", "lenient"]}},
        samples=300,
        seed=9,
    )
    design = build_design(spec)
    counts = Counter(design.table["policy"])
    assert set(counts) == {"base", "strict", "lenient"}
    assert all(c == 100 for c in counts.values())  # LHS strata split evenly over three options
    unit = design.table[UNIT_PREFIX + "policy"].to_numpy()
    expected = np.array(["base", "strict", "lenient"], dtype=object)[np.floor(unit * 3).astype(int)]
    assert design.table["policy"].tolist() == expected.tolist()
    numeric = build_design(_spec("lhs", {"k": {"values": [1, 5, 10]}}, samples=30, seed=1))
    assert set(numeric.table["k"]) == {1, 5, 10} and numeric.table["k"].dtype == np.int64


@pytest.mark.parametrize(("second_order", "rows_per_base"), [(False, 5), (True, 8)])
def test_saltelli_size(second_order: bool, rows_per_base: int) -> None:
    factors = {f"x{i}": {"range": [0, 1]} for i in (1, 2, 3)}
    design = build_design(_spec("saltelli", factors, samples=16, seed=3, second_order=second_order))
    assert len(design) == 16 * rows_per_base
    unit = design.unit
    assert unit is not None
    # Rows 1..3 of each block differ from the first row in exactly one factor.
    for k in range(1, 4):
        assert int((unit[k] != unit[0]).sum()) == 1


def test_morris_trajectories_move_one_factor_per_step() -> None:
    factors = {
        "a": {"range": [0, 1]},
        "b": {"dist": "normal", "mean": 0, "sd": 1},
        "c": {"values": ["x", "y"]},
    }
    design = build_design(_spec("morris", factors, samples=6, seed=4, levels=4))
    unit = design.unit
    assert unit is not None and unit.shape == (6 * 4, 3)
    for t in range(6):
        steps = np.diff(unit[t * 4 : (t + 1) * 4], axis=0)
        assert ((steps != 0).sum(axis=1) == 1).all()
    # Unbounded distributions use mid-quantiles instead of infinite end points.
    assert np.isfinite(design.table["b"]).all()
    assert set(np.round(design.table["b"], 6)) <= set(
        np.round(stats.norm.ppf((np.arange(4) + 0.5) / 4), 6)
    )
    assert set(design.table["c"]) <= {"x", "y"}
