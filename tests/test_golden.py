"""Every shipped scenario and variant at a fixed seed matches its checked-in summary.

When the model changes on purpose: `make golden`, review `git diff tests/golden`, commit.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.golden import ENGINES, diff, golden_file, reps_of, run_summary, shipped


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("path", shipped(), ids=lambda p: p.stem)
def test_golden_summary(path: Path, engine: str) -> None:
    target = golden_file(engine, path)
    assert target.exists(), f"no {engine} golden summary for {path.name}: run `make golden`"
    expected = json.loads(target.read_text(encoding="utf-8"))
    # one process: a run's numbers do not depend on the number of jobs (tests/test_engine.py,
    # tests/test_uncertainty.py), and a pool would start two interpreters per scenario while the suite's
    # other worker already keeps the second core busy
    problems = diff(expected, run_summary(path, engine, reps=reps_of(engine, path), jobs=1))
    assert not problems, "summary changed (run `make golden` if intended):\n" + "\n".join(problems[:30])


def test_golden_diff_detects_changes() -> None:
    a = {"targets": {"T": {"p_attained": 0.5, "yearly": {"2020": {"p50": 3.0}}}}}
    b = {"targets": {"T": {"p_attained": 0.5, "yearly": {"2020": {"p50": 3.1}}}}}
    assert diff(a, a) == []
    assert diff(a, b) == [".targets.T.yearly.2020.p50: expected 3.0, got 3.1"]
