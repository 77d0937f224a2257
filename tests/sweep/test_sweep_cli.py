"""The ``sweep`` and ``sweep-summary`` commands: exit codes and messages."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from simulator.sweep import cli
from simulator.sweep.cli import make_sweep_command, sweep_summary
from simulator.sweep.scenario_model import ScenarioFactory
from simulator.sweep.spec import SweepSpec
from tests.langcheck import assert_lang
from tests.sweep.toys import ThresholdFactory, resolve
from tests.sweep.toys import sweep_command as sweep

SPEC: dict[str, Any] = {
    "scenario": "toy:threshold",
    "design": "grid",
    "replications": 4,
    "seed": 2,
    "factors": {"x1": {"range": [0.0, 1.0], "count": 3}, "policy": {"values": ["base", "strict"]}},
}


def _invoke(command: Any, args: list[str], lang: str = "en") -> Result:
    """Run a command as ``fiscalsim --lang LANG`` would (English by default, for the words checked)."""
    return CliRunner().invoke(command, args, catch_exceptions=False, obj={"lang": lang})


def _invoke_error(command: Any, args: list[str]) -> Result:
    """Run a command that is refused without writing anything: one Chinese line by default, one English with en."""
    zh = CliRunner().invoke(command, args, catch_exceptions=False)
    assert zh.exit_code == 2
    line = _one_error_line(zh)
    assert line.startswith("错误：")
    assert_lang(line.removeprefix("错误："), "zh")
    result = _invoke(command, args)
    line = _one_error_line(result)
    assert line.startswith("error: ")
    assert_lang(line, "en")
    return result


def _one_error_line(result: Result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_sweep_then_summary(tmp_path: Path, write_spec: Callable[..., Path]) -> None:
    spec = write_spec(SPEC)
    out = tmp_path / "out"
    result = _invoke(sweep, [str(spec), "--out", str(out), "--serial", "--factor", "x2=0:1:2"])
    assert result.exit_code == 0, result.output
    assert f"fiscalsim sweep-summary {out}" in result.stdout
    assert "12 points, 12 computed" in result.stdout
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["spec"]["factors"]["x2"]["count"] == 2 and manifest["design"]["n_points"] == 12
    summary = _invoke(sweep_summary, [str(out)])
    assert summary.exit_code == 0, summary.output
    assert "target.T1.attained [p_attained]" in summary.stdout
    assert "design: grid; points: 12/12" in summary.stdout and "written:" in summary.stdout
    zh = _invoke(sweep_summary, [str(out)], lang="zh")
    assert zh.exit_code == 0, zh.output
    assert "设计：grid；点：12/12" in zh.stdout and "已写入" in zh.stdout and "written" not in zh.stdout
    assert "design:" not in zh.stdout and " min " not in zh.stdout and " max " not in zh.stdout
    assert (out / "summary.json").is_file() and (out / "points_summary.parquet").is_file()


def test_bad_spec_exits_2_with_one_line(write_spec: Callable[..., Path], tmp_path: Path) -> None:
    spec = write_spec({**SPEC, "design": "grid", "factors": {"x1": {"range": [0.0, 1.0]}}})
    result = _invoke_error(sweep, [str(spec), "--out", str(tmp_path / "out"), "--serial"])
    assert result.exit_code == 2
    line = _one_error_line(result)
    assert str(spec) in line and "factors[x1].count" in line and "grid needs count" in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("extra", "text"),
    [
        (["--factor", "x1"], "PATH=lo:hi"),
        (["--serial", "--jobs", "2"], "mutually exclusive"),
        (["--resume", "--force"], "mutually exclusive"),
    ],
)
def test_bad_options_exit_2(
    write_spec: Callable[..., Path], tmp_path: Path, extra: list[str], text: str
) -> None:
    result = _invoke_error(sweep, [str(write_spec(SPEC)), "--out", str(tmp_path / "out"), *extra])
    assert result.exit_code == 2
    assert text in _one_error_line(result)
    assert "mutually exclusive" not in CliRunner().invoke(sweep, [str(write_spec(SPEC)), "--out", str(tmp_path / "o"),
                                                                 *extra]).stderr


def test_existing_directory_and_spec_mismatch_exit_2(
    write_spec: Callable[..., Path], tmp_path: Path
) -> None:
    spec = write_spec(SPEC)
    out = tmp_path / "out"
    assert _invoke(sweep, [str(spec), "--out", str(out), "--serial"]).exit_code == 0
    again = _invoke_error(sweep, [str(spec), "--out", str(out), "--serial"])
    assert again.exit_code == 2 and "--resume" in _one_error_line(again)
    mismatch = _invoke_error(sweep, [str(spec), "--out", str(out), "--serial", "--resume", "--seed", "3"])
    assert mismatch.exit_code == 2 and "seed: 2 → 3" in _one_error_line(mismatch)
    resumed = _invoke(sweep, [str(spec), "--out", str(out), "--serial", "--resume"])
    assert resumed.exit_code == 0 and "0 computed, 6 already stored" in resumed.stdout


def test_unknown_toy_exits_2(write_spec: Callable[..., Path], tmp_path: Path) -> None:
    result = _invoke_error(
        sweep,
        [
            str(write_spec({**SPEC, "scenario": "toy:nope"})),
            "--out",
            str(tmp_path / "o"),
            "--serial",
        ],
    )
    assert result.exit_code == 2 and "unknown toy model" in _one_error_line(result)
    result = _invoke_error(
        sweep,
        [
            str(write_spec({**SPEC, "scenario": "toy:threshold?speed=1"})),
            "--out",
            str(tmp_path / "o"),
            "--serial",
        ],
    )
    assert result.exit_code == 2 and "'speed'" in _one_error_line(result)


def test_real_scenarios_resolve_to_the_scenario_model(
    write_spec: Callable[..., Path], tmp_path: Path
) -> None:
    (tmp_path / "city.yaml").write_text("id: city\n", encoding="utf-8")
    spec = write_spec({**SPEC, "scenario": "city.yaml", "engine": "des"})
    calls: list[tuple[Path | None, str]] = []

    def spy(s: SweepSpec) -> ThresholdFactory:
        calls.append((s.scenario_path(), s.engine))
        factory = resolve(s)  # the real resolution, without a registry
        assert factory == ScenarioFactory(str((tmp_path / "city.yaml").resolve()), "des")
        return ThresholdFactory()  # run something quick in its place

    ok = _invoke(make_sweep_command(spy), [str(spec), "--out", str(tmp_path / "b"), "--serial"])
    assert ok.exit_code == 0, ok.output
    assert calls == [((tmp_path / "city.yaml").resolve(), "des")]
    gone = write_spec({**SPEC, "scenario": "nowhere.yaml"}, name="gone.yaml")
    result = _invoke_error(sweep, [str(gone), "--out", str(tmp_path / "c"), "--serial"])
    assert result.exit_code == 2 and "scenario file not found" in _one_error_line(result)


def test_toy_specs_need_their_factory(write_spec: Callable[..., Path], tmp_path: Path) -> None:
    """fiscalsim itself knows no toy model: a toy spec is refused with one message."""
    out = tmp_path / "out"
    result = _invoke_error(cli.sweep, [str(write_spec(SPEC)), "--out", str(out), "--serial"])
    assert result.exit_code == 2
    line = _one_error_line(result)
    assert "'toy:threshold'" in line and "factory" in line
    assert not out.exists()


def test_model_failure_exits_1(write_spec: Callable[..., Path], tmp_path: Path) -> None:
    spec = write_spec(
        {**SPEC, "factors": {**SPEC["factors"], "policy": {"values": ["base", "harsh"]}}}
    )
    result = _invoke(sweep, [str(spec), "--out", str(tmp_path / "out"), "--serial"])
    assert result.exit_code == 1
    line = _one_error_line(result)
    assert "unknown policy 'harsh'" in line and "--resume" in line


def test_summary_of_a_non_sweep_directory_exits_2(tmp_path: Path) -> None:
    result = _invoke_error(sweep_summary, [str(tmp_path)])
    assert result.exit_code == 2 and "not a sweep store" in _one_error_line(result)
    result = _invoke_error(sweep_summary, [str(tmp_path / "missing")])
    assert result.exit_code == 2 and "no such directory" in _one_error_line(result)
