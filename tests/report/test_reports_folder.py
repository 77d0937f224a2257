"""Reports go to reports/<store folder name>.pdf by default; the folder's README is tracked, its PDFs are not."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.report.cli import EXIT_INPUT, default_report_path, report_command

ROOT = Path(__file__).resolve().parents[2]


def test_default_path_is_named_after_the_store_folders() -> None:
    assert default_report_path([Path("out/liaocheng")]) == Path("reports/liaocheng.pdf")
    assert default_report_path([Path("out/liaocheng/")]) == Path("reports/liaocheng.pdf")
    assert default_report_path([Path("a/taian"), Path("b/zibo")]) == Path(
        "reports/taian-vs-zibo.pdf"
    )


def test_report_without_out_writes_into_reports(
    run_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "stores" / "liaocheng"
    shutil.copytree(run_store, store)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    runner = CliRunner()
    # a one-column comparison is the quickest report to build
    args = [str(store), "--compare", "--lang", "en"]
    first = runner.invoke(report_command, args)
    assert first.exit_code == 0, first.output
    pdf = work / "reports" / "liaocheng.pdf"  # the folder did not exist: it is created
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "reports/liaocheng.pdf" in first.output
    pdf.write_bytes(b"keep")
    again = runner.invoke(report_command, args)
    assert again.exit_code == EXIT_INPUT
    assert "--force" in again.output and pdf.read_bytes() == b"keep"
    forced = runner.invoke(report_command, [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    assert pdf.read_bytes().startswith(b"%PDF")


def test_bad_store_without_out_leaves_no_reports_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(report_command, [str(tmp_path / "nowhere")])
    assert result.exit_code == EXIT_INPUT
    assert "Traceback" not in result.output
    assert not (tmp_path / "reports").exists()


def test_reports_folder_is_shipped_and_its_outputs_are_ignored() -> None:
    readme = ROOT / "reports" / "README.md"
    text = readme.read_text(encoding="utf-8")
    assert "reports/liaocheng.pdf" in text and "报告" in text
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")

    def ignored(path: str) -> bool:
        proc = subprocess.run(
            ["git", "check-ignore", "-q", "--no-index", path], cwd=ROOT, check=False
        )
        return proc.returncode == 0

    assert ignored("reports/liaocheng.pdf") and ignored("reports/liaocheng.xlsx")
    assert not ignored("reports/README.md")
