"""The report and export commands."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner

from simulator.report.cli import EXIT_INPUT, export_command, register, report_command


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def test_help_has_an_example(runner: CliRunner) -> None:
    for cmd in (report_command, export_command):
        result = runner.invoke(cmd, ["--help"])
        assert result.exit_code == 0
        assert "Examples" in result.output and "fiscalsim " in result.output


def test_report_refuses_to_overwrite_without_force(
    runner: CliRunner, run_store: Path, tmp_path: Path
) -> None:
    out = tmp_path / "r.pdf"
    out.write_bytes(b"keep")
    result = runner.invoke(report_command, [str(run_store), "--out", str(out)])
    assert result.exit_code == EXIT_INPUT
    assert "--force" in result.output
    assert out.read_bytes() == b"keep"
    # a one-column comparison is the quickest report to build
    result = runner.invoke(
        report_command, [str(run_store), "--compare", "--out", str(out), "--force", "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    assert "Report written" in result.output


@pytest.mark.parametrize("kind", ["missing", "broken"])
def test_bad_store_exits_2_without_traceback(
    runner: CliRunner, bad_store: Path, tmp_path: Path, kind: str
) -> None:
    target = bad_store if kind == "broken" else tmp_path / "nowhere"
    out = tmp_path / "r.pdf"
    for cmd, args in (
        (report_command, [str(target), "--out", str(out)]),
        (export_command, [str(target), "--out", str(tmp_path / "x.xlsx")]),
    ):
        result = runner.invoke(cmd, args)
        assert result.exit_code == EXIT_INPUT
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        lines = [x for x in result.output.splitlines() if x.strip()]
        assert len(lines) == 1
        assert str(target) in lines[0]
    assert not out.exists()


def test_store_with_wrong_shapes_is_a_clean_error(
    runner: CliRunner, run_store: Path, tmp_path: Path
) -> None:
    import shutil

    d = tmp_path / "odd"
    shutil.copytree(run_store, d)
    (d / "summary.json").write_text(
        '{"reps": 50, "targets": {"LC-T1": "high"}, "funds": {}}', encoding="utf-8"
    )
    result = runner.invoke(report_command, [str(d), "--out", str(tmp_path / "o.pdf")])
    assert result.exit_code == EXIT_INPUT
    assert "Traceback" not in result.output
    assert str(d) in result.output


def test_sweep_cannot_be_compared(
    runner: CliRunner, sweep_store: Path, run_store: Path, tmp_path: Path
) -> None:
    result = runner.invoke(
        report_command, [str(run_store), str(sweep_store), "--out", str(tmp_path / "o.pdf")]
    )
    assert result.exit_code == EXIT_INPUT
    assert "sweep" in result.output or "扫描" in result.output


def test_export_command(
    runner: CliRunner, run_store: Path, sweep_store: Path, tmp_path: Path
) -> None:
    out = tmp_path / "t.xlsx"
    result = runner.invoke(export_command, [str(run_store), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists()
    again = runner.invoke(export_command, [str(run_store), "--out", str(out)])
    assert again.exit_code == EXIT_INPUT and "--force" in again.output
    forced = runner.invoke(export_command, [str(run_store), "--out", str(out), "--force"])
    assert forced.exit_code == 0
    csv_dir = tmp_path / "csv"
    result = runner.invoke(
        export_command, [str(run_store), "--format", "csv", "--out", str(csv_dir)]
    )
    assert result.exit_code == 0 and (csv_dir / "targets.csv").exists()
    sweep = runner.invoke(export_command, [str(sweep_store), "--out", str(tmp_path / "s.xlsx")])
    assert sweep.exit_code == EXIT_INPUT


def test_language_of_the_main_group_is_used(
    runner: CliRunner, run_store: Path, tmp_path: Path
) -> None:
    @click.group()
    @click.option("--lang", default="zh")
    @click.pass_context
    def main(ctx: click.Context, lang: str) -> None:
        ctx.obj = {"lang": lang}

    register(main)
    assert {"report", "export"} <= set(main.commands)
    result = runner.invoke(
        main, ["--lang", "en", "export", str(run_store), "--out", str(tmp_path / "s.xlsx")]
    )
    assert result.exit_code == 0, result.output
    assert "Exported" in result.output
    assert "Draw by level" in pd.ExcelFile(tmp_path / "s.xlsx").sheet_names
