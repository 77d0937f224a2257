"""The money each fund needs (simulator/needs.py): the schedule and its check by a second run.

The check runs Liaocheng once, reads ``money_needed`` from its summary, runs it
again under another seed with every fund's appropriations set to that schedule
(``--set funds.<id>.appropriations.<year>=...``), and asks that each fund runs
dry in at most the level of the replications, within Monte Carlo error.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulator.needs import claims_by_year, joint_bound, schedule

ROOT = Path(__file__).resolve().parents[1]
LEVEL = 0.10
REPS = 300


def test_claims_count_unmet_claims_once() -> None:
    # 2020: 80 paid, 20 refused, 30 queued; 2021: the 30 queued are paid with 50 new
    rows = pd.DataFrame({"rep": [0, 0], "year": [2020, 2021], "drawn_fen": [80, 80],
                         "refused_fen": [20, 0], "prorata_cut_fen": [0, 0], "arrears_fen": [30, 0]})
    assert claims_by_year(rows, [2020, 2021], [0, 1]).tolist() == [[130, 50], [0, 0]]


def test_joint_bound_covers_all_years_at_once() -> None:
    # each column alone would allow its 9th value; together only 1 row in 10 may exceed
    rng = np.random.default_rng(3)
    claims = rng.integers(0, 1000, size=(1000, 4))
    bound = joint_bound(claims, 0.1)
    ordered = np.sort(claims, axis=0)
    shares = [(claims > ordered[k]).any(axis=1).mean() for k in range(len(claims))]
    first = next(k for k, s in enumerate(shares) if s <= 0.1)  # by brute force
    assert bound.tolist() == ordered[first].tolist()
    assert (claims > bound).any(axis=1).mean() <= 0.1 < shares[first - 1]
    per_column = np.quantile(claims, 0.9, axis=0)
    assert (bound > per_column).all()  # a joint bound is higher than the marginal ones


def test_schedule_is_cumulative_for_carry_over_and_yearly_for_lapse() -> None:
    claims = np.array([[100, 0], [0, 100], [50, 50]]) * 100
    carried = schedule(claims, [2020, 2021], carry_over=True, level=0.0)
    lapsed = schedule(claims, [2020, 2021], carry_over=False, level=0.0)
    assert carried["per_year_yuan"] == {"2020": 100, "2021": 0}  # 100 by the end of 2020 covers every row
    assert lapsed["per_year_yuan"] == {"2020": 100, "2021": 100}
    assert carried["total_yuan"] == 100 and lapsed["total_yuan"] == 200


def test_schedule_rounds_up_to_the_yuan() -> None:
    out = schedule(np.array([[101]]), [2020], carry_over=True, level=0.0)
    assert out == {"level": 0.0, "per_year_yuan": {"2020": 2}, "total_yuan": 2}


def _run(sets: dict[str, Any], seed: int, out: Path) -> dict[str, Any]:
    from simulator.loader import load_scenario
    from simulator.runner import RunOptions, run

    loaded = load_scenario(ROOT / "scenarios" / "liaocheng.yaml", overrides=sets or None,
                           overrides_from="--set {key}={value}")
    # parameters at their central values: the allowance below is the error of independent replications
    # (with a parameter vector drawn per group of replications they are not)
    store = run(loaded, RunOptions(reps=REPS, seed=seed, out=out, engine="fast", progress=False, fixed_params=True))
    return store.summary


@pytest.mark.slow
def test_appropriating_the_money_needed_keeps_p_run_dry_at_the_level(tmp_path: Path) -> None:
    base = _run({}, 20200101, tmp_path / "base")
    funds = base["funds"]
    assert any(f["p_exhausted"] > LEVEL + 0.05 for f in funds.values())  # the shipped budget is short
    sets: dict[str, Any] = {}
    for fid, f in funds.items():
        needed = f["money_needed"]
        assert needed["level"] == LEVEL
        assert needed["total_yuan"] == sum(needed["per_year_yuan"].values())
        for year, yuan in needed["per_year_yuan"].items():
            sets[f"funds.{fid}.appropriations.{year}"] = f"{yuan}元"
    check = _run(sets, 7, tmp_path / "check")
    allowance = 3 * math.sqrt(LEVEL * (1 - LEVEL) / REPS)  # Monte Carlo error of a share at the level
    for fid, f in check["funds"].items():
        assert f["p_exhausted"] <= LEVEL + allowance, (fid, f["p_exhausted"])
