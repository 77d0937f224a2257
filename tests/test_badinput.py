"""Bad-input corpus: every broken file gets one clear message, exit status 2, no traceback.

Each fixture under ``tests/badinput/`` (and ``tests/badinput/params/``, checked
as params files) carries its expectation in its first line::

    # expect: programs.ZB-4.rule.cap | bad amount | -5万元 | :23:

Every pipe-separated fragment must appear in the error output with
``--lang en``; with the default ``--lang zh`` the same error is in Chinese
(its file, line and key path unchanged).  Files that
cannot hold a comment (an empty file, a directory) have a sidecar
``<name>.expect`` instead.  ``tests/badinput/support/`` holds valid files the
fixtures extend or refer to; they are not fixtures.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.errors import InputError
from simulator.loader import load_scenario
from simulator.params import load_params
from tests.langcheck import assert_lang, is_chinese

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = HERE / "badinput"
EXPECT_PREFIX = "# expect:"
EXIT_INPUT = 2


def fixtures() -> list[Path]:
    """Every fixture of the corpus (files and directories named *.yaml, support/ excluded)."""
    found = sorted(CORPUS.glob("*.yaml")) + sorted((CORPUS / "params").glob("*.yaml"))
    return [p for p in found if "support" not in p.relative_to(CORPUS).parts]


def expectations(path: Path) -> list[str]:
    """The fragments the error for ``path`` must contain."""
    sidecar = path.with_name(path.name + ".expect")
    if sidecar.exists():
        text = sidecar.read_text(encoding="utf-8").strip()
    else:
        first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8", errors="replace")
        assert first.startswith(EXPECT_PREFIX), f"{path.name}: first line must be '{EXPECT_PREFIX} ...'"
        text = first[len(EXPECT_PREFIX):]
    fragments = [f.strip() for f in text.split("|")]
    assert fragments and all(fragments), f"{path.name}: empty expectation"
    return fragments


FIXTURES = fixtures()
IDS = [str(p.relative_to(CORPUS)) for p in FIXTURES]


def test_corpus_is_large_and_well_formed() -> None:
    assert len(FIXTURES) >= 40
    for path in FIXTURES:
        assert expectations(path)
    # Every sidecar belongs to a fixture.
    for sidecar in CORPUS.glob("*.expect"):
        assert sidecar.with_suffix("").exists(), sidecar.name


@pytest.mark.parametrize("path", FIXTURES, ids=IDS)
def test_fixture_message(path: Path) -> None:
    """`fiscalsim --lang en validate` refuses the fixture with every expected fragment and the file name."""
    result = CliRunner().invoke(main, ["--lang", "en", "validate", str(path)])
    assert result.exit_code == EXIT_INPUT, (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    err = result.stderr
    missing = [frag for frag in expectations(path) if frag not in err]
    assert not missing, f"{path.name}: missing {missing} in:\n{err}"
    assert str(path) in err, f"the message does not name the file:\n{err}"
    assert "Traceback" not in result.output
    assert_lang(err, "en", data=str(path))


def _place_fragments(path: Path) -> list[str]:
    """The fragments that are places, not words: the line (``:23:``) and the key path (first fragment, no spaces)."""
    frags = expectations(path)
    out = [f for f in frags if f.startswith(":") and f.endswith(":")]
    if " " not in frags[0] and "`" not in frags[0] and not frags[0].startswith(":"):
        out.append(frags[0])
    return out


@pytest.mark.parametrize("path", FIXTURES, ids=IDS)
def test_fixture_message_zh(path: Path) -> None:
    """By default (zh) the same error is Chinese, at the same file, line and key path."""
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == EXIT_INPUT, (result.exit_code, result.output, result.exception)
    err = result.stderr
    first = err.splitlines()[0]
    assert first.startswith(str(path.parent)), err
    assert is_chinese(first.replace(str(path), " ")), f"the first line is not Chinese:\n{err}"
    assert_lang(err, "zh", data=str(path))
    missing = [frag for frag in _place_fragments(path) if frag not in err]
    assert not missing, f"{path.name}: missing {missing} in:\n{err}"
    english = CliRunner().invoke(main, ["--lang", "en", "validate", str(path)]).stderr
    assert err != english


@pytest.mark.parametrize("path", FIXTURES, ids=IDS)
def test_every_problem_names_a_file(path: Path) -> None:
    """Through the Python API too: an InputError whose every problem knows its file."""
    loader = load_params if path.parent.name == "params" else load_scenario
    with pytest.raises(InputError) as info:
        loader(path)
    assert info.value.problems
    for problem in info.value.problems:
        assert problem.file, problem
        assert problem.message
        assert "Traceback" not in str(problem)
        assert "Input should be" not in str(problem), f"raw pydantic text: {problem}"


def _run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator.cli", *args],
        capture_output=True, text=True, cwd=ROOT, timeout=timeout, check=False,
    )


def test_real_subprocess_whole_corpus() -> None:
    """One real process validates the whole corpus: exit 2, no traceback, every file refused."""
    proc = _run_cli("--lang", "en", "validate", *(str(p) for p in FIXTURES))
    assert proc.returncode == EXIT_INPUT, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    for path in FIXTURES:
        assert str(path) in proc.stderr, f"{path.name} not reported"
        assert str(path) not in proc.stdout, f"{path.name} reported valid"
    # The os.system tag was never constructed: its command never ran.
    assert "PWNED" not in proc.stdout


def test_real_subprocess_per_file_messages() -> None:
    """In a real process, each file's own message line carries its fragments."""
    paths = [CORPUS / n for n in ("unsafe_tag_os_system.yaml", "binary.yaml", "not_utf8.yaml")]
    proc = _run_cli("--lang", "en", "validate", *(str(p) for p in paths))
    assert proc.returncode == EXIT_INPUT
    assert "Traceback" not in proc.stderr + proc.stdout
    for path in paths:
        lines = [ln for ln in proc.stderr.splitlines() if ln.startswith(str(path))]
        assert len(lines) == 1, proc.stderr
        missing = [frag for frag in expectations(path) if frag not in lines[0]]
        assert not missing, (path.name, missing, lines[0])
    assert "PWNED" not in proc.stdout


def test_alias_bomb_refused_fast_without_expansion() -> None:
    path = CORPUS / "alias_bomb.yaml"
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="anchors and aliases"):
        load_scenario(path)
    assert time.perf_counter() - t0 < 10.0  # expanding the bomb would take hours and gigabytes; a busy machine is not
    # A real process, interpreter start-up included, is still quick.
    t0 = time.perf_counter()
    proc = _run_cli("validate", str(path), timeout=30)
    assert time.perf_counter() - t0 < 15.0
    assert proc.returncode == EXIT_INPUT
    assert "锚点和别名" in proc.stderr


def test_missing_scenario_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    result = CliRunner().invoke(main, ["--lang", "en", "validate", str(missing)])
    assert result.exit_code == EXIT_INPUT
    assert str(missing) in result.stderr and "not found" in result.stderr
    result = CliRunner().invoke(main, ["validate", str(missing)])
    assert result.exit_code == EXIT_INPUT
    assert str(missing) in result.stderr and "找不到情景文件" in result.stderr


def test_valid_support_files_pass() -> None:
    """The corpus's support files are valid, so each fixture fails for its own reason only."""
    result = CliRunner().invoke(main, ["validate", str(CORPUS / "support" / "base.yaml")])
    assert result.exit_code == 0, result.output
    assert load_params(CORPUS / "support" / "behaviour.yaml")


def test_mixed_valid_and_invalid_exit_2() -> None:
    good = CORPUS / "support" / "base.yaml"
    bad = CORPUS / "negative_amount.yaml"
    result = CliRunner().invoke(main, ["validate", str(good), str(bad)])
    assert result.exit_code == EXIT_INPUT
    assert str(good) in result.stdout
    assert str(bad) in result.stderr
