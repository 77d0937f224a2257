"""Sweeps of a real scenario: overrides per point, common random numbers, summary."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from simulator.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _spec(tmp: Path, factors: str, samples: int = 4, reps: int = 3, engine: str = "fast",
          fixed_params: bool = False, name: str = "spec.yaml") -> Path:
    spec = tmp / name
    spec.write_text(f"""
scenario: {ROOT / "docs" / "examples" / "minimal.yaml"}
fixed_params: {str(fixed_params).lower()}
engine: {engine}
design: lhs
samples: {samples}
replications: {reps}
seed: 11
outputs: ["target.*", "fund.*"]
factors:
{factors}
""", encoding="utf-8")
    return spec


def _points(out: Path) -> pd.DataFrame:
    frames = []
    for part in sorted((out / "points").glob("point=*/part-0.parquet")):
        df = pd.read_parquet(part)
        df["point"] = part.parent.name.removeprefix("point=")
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("engine", ["fast", "des"])
def test_common_random_numbers_across_points(tmp_path: Path, engine: str) -> None:
    """A factor that only moves a target's threshold leaves every replication's money unchanged (both engines)."""
    spec = _spec(tmp_path, "  targets.ZB-T7.threshold: {range: [10, 60]}", engine=engine)
    out = tmp_path / "sweep"
    res = CliRunner().invoke(main, ["sweep", str(spec), "--out", str(out), "--serial"], obj={})
    assert res.exit_code == 0, res.output
    df = _points(out)
    assert df["point"].nunique() == 4
    drawn = df.pivot(index="rep", columns="point", values="fund.zb-city.drawn_yuan")
    assert (drawn.nunique(axis=1) == 1).all(), "same replication, same random numbers at every point"
    assert drawn.iloc[:, 0].nunique() > 1, "different replications differ"
    values = df.pivot(index="rep", columns="point", values="target.ZB-T7.value")
    assert (values.nunique(axis=1) == 1).all()


def test_award_factor_moves_the_draw_and_summary_runs(tmp_path: Path) -> None:
    spec = _spec(tmp_path, '  programs.ZB-4.rule.cap: {values: ["50万元", "100万元", "200万元"]}', samples=3)
    out = tmp_path / "sweep"
    runner = CliRunner()
    res = runner.invoke(main, ["sweep", str(spec), "--out", str(out), "--serial"], obj={})
    assert res.exit_code == 0, res.output
    design = pd.read_parquet(out / "design.parquet")
    assert set(design["programs.ZB-4.rule.cap"]) == {"50万元", "100万元", "200万元"}  # reported by name
    df = _points(out).merge(design[["point", "programs.ZB-4.rule.cap"]], on="point", how="left")
    assert df["programs.ZB-4.rule.cap"].notna().all()
    means = df.groupby("programs.ZB-4.rule.cap")["fund.zb-city.drawn_yuan"].mean()
    assert means["50万元"] <= means["100万元"] <= means["200万元"]
    assert means["50万元"] < means["200万元"]
    res = runner.invoke(main, ["sweep-summary", str(out)], obj={})
    assert res.exit_code == 0, res.output
    assert (out / "summary.json").exists()


def test_parameters_are_drawn_unless_the_spec_fixes_them(tmp_path: Path) -> None:
    """Without ``fixed_params`` each replication group draws its parameters (the same draw at every point)."""
    frames = {}
    for fixed in (False, True):
        spec = _spec(tmp_path, "  targets.ZB-T7.threshold: {range: [10, 60]}", samples=2, reps=30,
                     fixed_params=fixed, name=f"spec-{fixed}.yaml")
        out = tmp_path / f"sweep-{fixed}"
        res = CliRunner().invoke(main, ["sweep", str(spec), "--out", str(out), "--serial"], obj={})
        assert res.exit_code == 0, res.output
        frames[fixed] = _points(out)
    drawn, fixed_df = frames[False], frames[True]
    per_point = drawn.pivot(index="rep", columns="point", values="fund.zb-city.drawn_yuan")
    assert (per_point.nunique(axis=1) == 1).all(), "common random numbers, parameters included"
    a = drawn[drawn["point"] == drawn["point"].iloc[0]].set_index("rep")["fund.zb-city.drawn_yuan"]
    b = fixed_df[fixed_df["point"] == fixed_df["point"].iloc[0]].set_index("rep")["fund.zb-city.drawn_yuan"]
    assert (a != b).mean() > 0.5, "drawn parameters change most replications"
