"""The Python API on its own: a real scenario sweeps in a fresh interpreter, no command line imported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from tests.sweep.toys import ROOT, subprocess_env

SHIPPED_SPEC = ROOT / "scenarios" / "sweeps" / "liaocheng-lhs.yaml"

CLI_MODULES = ("simulator.cli", "simulator.sweep.cli", "simulator.report.cli")

SNIPPET = """
import json, sys
from simulator.sweep import load_spec, run_sweep

spec = load_spec(sys.argv[1], samples=2, replications=3)
result = run_sweep(spec, sys.argv[2], progress=False)
print(json.dumps({
    "points": result.n_points,
    "computed": result.n_computed,
    "outputs": result.outputs,
    "cli_modules": sorted(m for m in sys.argv[3].split(",") if m in sys.modules),
}))
"""


def test_shipped_spec_runs_from_a_fresh_interpreter(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    proc = subprocess.run(
        [sys.executable, "-c", SNIPPET, str(SHIPPED_SPEC), str(out), ",".join(CLI_MODULES)],
        cwd=tmp_path,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["cli_modules"] == []
    assert (report["points"], report["computed"]) == (2, 2)
    assert "target.LC-6.attained" in report["outputs"]
    assert "fund.lc-city-sci.drawn_yuan" in report["outputs"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["runs"][-1]["status"] == "complete"
    assert manifest["scenario"]["file"] == str((ROOT / "scenarios" / "liaocheng.yaml").resolve())
    parts = sorted((out / "points").glob("point=*/part-0.parquet"))
    assert len(parts) == 2
    for part in parts:
        frame = pd.read_parquet(part)
        assert frame["rep"].tolist() == [0, 1, 2]
        assert frame["target.LC-6.attained"].dtype == bool
