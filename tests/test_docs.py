"""The scenario-language reference, docs/scenario-language.md, is checked against the code.

Markers in the markdown (an HTML comment on the line before a fenced block):

* ``<!-- example: PATH -->`` before a ```yaml block: the block equals the file PATH
  (relative to the repo root), so the doc cannot drift from the example files.
* ``<!-- model: NAME -->`` before a table: the reference table of the model NAME of
  :mod:`simulator.scenario` (which re-exports the language modules); its first column lists the keys in backticks.  Every field
  of every model (aliases respected) must be listed, and nothing else.
* ``<!-- run -->`` before a ```sh block: each line is a command run from the repo root
  (a leading ``fiscalsim`` becomes ``python -m simulator.cli``); it must exit with 0,
  or with N if the marker is ``<!-- run: exit N -->``.  Arguments starting with ``out/``
  and the text ``{tmp}`` are moved into a temporary folder, so nothing is written to
  the repo.  ``<!-- run -->`` before a ```python block runs the code with this Python.
* ``<!-- output -->`` before a ```text block: the expected output (stdout, then
  stderr) of the run block just above it, compared line by line with trailing spaces
  ignored.  Paths under the repo or the temporary folder are shown relative.
  ``<!-- output: wildcard -->``: ``...`` in a line stands for any text (timings).

Run with ``UPDATE_DOCS=1`` to rewrite the exact (non-wildcard) output blocks from the
actual outputs after a deliberate change; review the diff before keeping it.

Every scenario under docs/examples is also loaded (files under ``params/`` are params
files; files under ``broken/`` must be refused).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import BaseModel

from simulator import scenario as sc
from simulator.errors import ScenarioError
from simulator.loader import load_scenario
from simulator.params import load_params

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "scenario-language.md"
EXAMPLES = ROOT / "docs" / "examples"
NOT_SHOWN = {"docs/examples/minimal.yaml"}  # an older example the reference links to
MARKER = re.compile(r"^<!--\s*(example|model|run|output)\s*(?::\s*(.*?))?\s*-->\s*$")
COMMAND_TIMEOUT = 120


@dataclass
class Block:
    """A fenced block of the doc with the marker before it."""

    marker: str
    arg: str
    lang: str
    body: str
    start: int  # index of the first body line
    end: int  # index of the closing fence


@dataclass
class Table:
    """A reference table: the model it documents and its rows (cells)."""

    model: str
    rows: list[list[str]]
    line: int


def _lines() -> list[str]:
    return DOC.read_text(encoding="utf-8").splitlines()


def parse_doc(lines: list[str]) -> tuple[list[Block], list[Table]]:
    """Find the marked fenced blocks and the marked tables of the doc."""
    blocks: list[Block] = []
    tables: list[Table] = []
    i = 0
    while i < len(lines):
        m = MARKER.match(lines[i].strip())
        if not m:
            i += 1
            continue
        marker, arg = m.group(1), (m.group(2) or "").strip()
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if marker == "model":
            rows = []
            k = j
            while k < len(lines) and lines[k].lstrip().startswith("|"):
                rows.append([c.strip() for c in lines[k].strip().strip("|").split("|")])
                k += 1
            tables.append(Table(arg, rows[2:], i + 1))
            i = k
            continue
        if j >= len(lines) or not lines[j].startswith("```"):
            raise AssertionError(f"{DOC.name}:{i + 1}: <!-- {marker} --> is not followed by a fenced block")
        lang = lines[j][3:].strip()
        k = j + 1
        while k < len(lines) and not lines[k].startswith("```"):
            k += 1
        if k >= len(lines):
            raise AssertionError(f"{DOC.name}:{j + 1}: fenced block never closed")
        blocks.append(Block(marker, arg, lang, "\n".join(lines[j + 1:k]), j + 1, k))
        i = k + 1
    return blocks, tables


BLOCKS, TABLES = parse_doc(_lines())


# --------------------------------------------------------------------------- examples


def _example_files() -> list[Path]:
    return sorted(p for p in EXAMPLES.rglob("*.yaml"))


def test_doc_shows_examples() -> None:
    """The doc has example blocks, and every example file (but the old minimal one) is shown."""
    shown = {b.arg for b in BLOCKS if b.marker == "example"}
    assert shown, "no <!-- example: PATH --> blocks found"
    files = {p.relative_to(ROOT).as_posix() for p in _example_files()}
    assert files - NOT_SHOWN <= shown, f"example files not shown in the doc: {sorted(files - NOT_SHOWN - shown)}"


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.marker == "example"], ids=lambda b: b.arg)
def test_example_block_equals_file(block: Block) -> None:
    """An example shown in the doc is byte for byte the file it names."""
    path = ROOT / block.arg
    assert path.is_file(), f"{DOC.name}:{block.start}: {block.arg} does not exist"
    assert block.lang == "yaml", f"{DOC.name}:{block.start}: example blocks are ```yaml"
    text = path.read_text(encoding="utf-8")
    assert block.body + "\n" == text, (
        f"{DOC.name}:{block.start}: the block differs from {block.arg}; copy the file into the doc"
    )


@pytest.mark.parametrize("path", _example_files(), ids=lambda p: p.relative_to(EXAMPLES).as_posix())
def test_example_file_loads(path: Path) -> None:
    """Scenarios load, params files load, broken scenarios are refused with a clear error."""
    parts = path.relative_to(EXAMPLES).parts
    if "params" in parts[:-1]:
        assert load_params(path)
    elif "broken" in parts[:-1]:
        with pytest.raises(ScenarioError) as err:
            load_scenario(path)
        assert all(p.file and p.path for p in err.value.problems), str(err.value)
    else:
        loaded = load_scenario(path)
        assert loaded.scenario.programs or loaded.scenario.funds


# --------------------------------------------------------------------------- reference tables


# The modules that define the scenario language; simulator.scenario re-exports them all.
LANGUAGE_MODULES = {sc.__name__, "simulator.scenario_base", "simulator.scenario_rules", "simulator.scenario_triggers",
                    "simulator.scenario_pops"}


def _models() -> dict[str, type[BaseModel]]:
    return {
        name: obj
        for name, obj in vars(sc).items()
        if isinstance(obj, type) and issubclass(obj, BaseModel) and obj.__module__ in LANGUAGE_MODULES
    }


def test_the_language_modules_are_all_read() -> None:
    """Every model of the language modules is importable from simulator.scenario (so none escapes the tables)."""
    import importlib

    for module in LANGUAGE_MODULES:
        mod = importlib.import_module(module)
        defined = {n for n, o in vars(mod).items()
                   if isinstance(o, type) and issubclass(o, BaseModel) and o.__module__ == module}
        assert defined, module
        assert defined <= set(_models()), sorted(defined - set(_models()))


def _keys(cls: type[BaseModel]) -> set[str]:
    return {info.alias or name for name, info in cls.model_fields.items()}


def _documented(table: Table) -> list[str]:
    out = []
    for row in table.rows:
        m = re.match(r"^`([^`]+)`", row[0]) if row else None
        assert m, f"{DOC.name}:{table.line}: row {row!r} does not start with a `key`"
        out.append(m.group(1))
    return out


def test_every_model_has_a_table() -> None:
    """Each model of simulator/scenario.py has exactly one reference table."""
    names = [t.model for t in TABLES]
    missing = sorted(set(_models()) - set(names))
    assert not missing, f"models without a <!-- model: NAME --> table: {missing}"
    unknown = sorted(set(names) - set(_models()))
    assert not unknown, f"tables for models that do not exist: {unknown}"
    twice = sorted({n for n in names if names.count(n) > 1})
    assert not twice, f"models with more than one table: {twice}"


@pytest.mark.parametrize("name", sorted(_models()))
def test_every_field_is_documented(name: str) -> None:
    """Every field of the model is a row of its table (`source`/`note` once, under Node)."""
    cls = _models()[name]
    table = next((t for t in TABLES if t.model == name), None)
    if table is None:
        pytest.fail(f"no <!-- model: {name} --> table")
    documented = _documented(table)
    common = _keys(sc.Node) if cls is not sc.Node else set()
    missing = sorted(_keys(cls) - common - set(documented))
    assert not missing, f"{name}: fields missing from the reference (line {table.line}): {missing}"
    extra = sorted(set(documented) - _keys(cls))
    assert not extra, f"{name}: the reference lists keys the model does not have: {extra}"
    dupes = sorted({k for k in documented if documented.count(k) > 1})
    assert not dupes, f"{name}: keys listed twice: {dupes}"
    for row in table.rows:
        assert len(row) >= 4 and all(row[:4]) and row[3] != "...", f"{name}: incomplete row {row!r}"


# --------------------------------------------------------------------------- commands


@dataclass
class Ran:
    """What a run block printed."""

    output: str
    status: int
    expected_status: int


def _argv(command: str, tmp: Path) -> list[str]:
    args = [a.replace("{tmp}", str(tmp)) for a in shlex.split(command)]
    args = [str(tmp / a) if a.startswith("out/") else a for a in args]
    if args[0] == "fiscalsim":
        return [sys.executable, "-m", "simulator.cli", *args[1:]]
    if args[0] == "python":
        return [sys.executable, *args[1:]]
    raise AssertionError(f"only fiscalsim and python commands are run from the doc, not {args[0]!r}")


def _normalise(text: str, tmp: Path) -> str:
    for prefix in (str(tmp) + os.sep, str(ROOT) + os.sep):
        text = text.replace(prefix, "")
    lines = [ln.rstrip() for ln in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def _commands(body: str) -> Iterator[str]:
    pending = ""
    for line in body.splitlines():
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.endswith("\\"):
            pending += text[:-1] + " "
            continue
        yield pending + text
        pending = ""


def _run_block(block: Block, tmp: Path) -> Ran:
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8", NO_COLOR="1")
    expected = int(block.arg.split()[-1]) if block.arg.startswith("exit") else 0
    if block.lang == "python":
        argvs = [[sys.executable, "-c", block.body]]
    else:
        assert block.lang == "sh", f"{DOC.name}:{block.start}: run blocks are ```sh or ```python"
        argvs = [_argv(cmd, tmp) for cmd in _commands(block.body)]
    out, status = [], 0
    for argv in argvs:
        proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8",
                              timeout=COMMAND_TIMEOUT, check=False)
        out.append(proc.stdout + proc.stderr)
        status = proc.returncode
        if status != expected:
            break
    return Ran(_normalise("".join(out), tmp), status, expected)


RUN_BLOCKS = [b for b in BLOCKS if b.marker == "run"]


def _output_of(block: Block) -> Block | None:
    """The output block right after a run block, if there is one."""
    i = BLOCKS.index(block)
    nxt = BLOCKS[i + 1] if i + 1 < len(BLOCKS) else None
    return nxt if nxt is not None and nxt.marker == "output" else None


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Ran]:
    """Run every run block once (two at a time), keyed by the block's first line."""
    def one(block: Block) -> tuple[int, Ran]:
        return block.start, _run_block(block, tmp_path_factory.mktemp("doc-run"))

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(pool.map(one, RUN_BLOCKS))
    if os.environ.get("UPDATE_DOCS"):
        _update_outputs(results)
    return results


def _matches(expected: str, actual: str, wildcard: bool) -> bool:
    exp = [ln.rstrip() for ln in expected.splitlines()]
    act = actual.splitlines()
    if len(exp) != len(act):
        return False
    for e, a in zip(exp, act, strict=True):
        if wildcard and "..." in e:
            pattern = ".*".join(re.escape(piece) for piece in e.split("..."))
            if not re.fullmatch(pattern, a):
                return False
        elif e != a:
            return False
    return True


def _update_outputs(results: dict[int, Ran]) -> None:
    lines = _lines()
    for block in reversed(RUN_BLOCKS):
        out = _output_of(block)
        if out is None or out.arg == "wildcard":
            continue
        lines[out.start:out.end] = results[block.start].output.splitlines()
    DOC.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_doc_has_commands() -> None:
    """The doc runs the main commands of the CLI."""
    text = "\n".join(b.body for b in RUN_BLOCKS)
    for command in ("fiscalsim validate", "fiscalsim explain", "fiscalsim award", "fiscalsim run"):
        assert command in text or command.replace("fiscalsim", "fiscalsim --lang en") in text, command


@pytest.mark.parametrize("block", RUN_BLOCKS, ids=lambda b: f"line{b.start}")
def test_command(block: Block, ran: dict[int, Ran]) -> None:
    """A doc command exits as the doc says and prints what the doc shows."""
    result = ran[block.start]
    assert result.status == result.expected_status, (
        f"{DOC.name}:{block.start}: exit status {result.status}, expected {result.expected_status}\n"
        f"{result.output}"
    )
    out = _output_of(block)
    if out is not None:
        assert out.lang == "text", f"{DOC.name}:{out.start}: output blocks are ```text"
        assert _matches(out.body, result.output, out.arg == "wildcard"), (
            f"{DOC.name}:{out.start}: output differs from the doc (UPDATE_DOCS=1 rewrites it)\n"
            f"--- doc\n{out.body}\n--- actual\n{result.output}"
        )


# --------------------------------------------------------------------------- analyst documents

ANALYST_DOCS = (ROOT / "README.md", ROOT / "docs" / "guide-zh.md")
"""Documents for analysts whose ``<!-- run -->`` blocks are run too (same markers as above)."""


def _analyst_blocks() -> list[tuple[str, Block]]:
    out = []
    for path in ANALYST_DOCS:
        blocks, _tables = parse_doc(path.read_text(encoding="utf-8").splitlines())
        out += [(path.relative_to(ROOT).as_posix(), b) for b in blocks if b.marker == "run"]
    return out


ANALYST_BLOCKS = _analyst_blocks()


def test_analyst_docs_cover_the_questions() -> None:
    """README and the guide run the comparison, the common --set idioms and a sweep."""
    text = {name: "\n".join(b.body for n, b in ANALYST_BLOCKS if n == name) for name, _b in ANALYST_BLOCKS}
    readme, guide = text.get("README.md", ""), text.get("docs/guide-zh.md", "")
    for needle in ("--compare", "--set programs.LC-3.rule.base.amount=100万元", "--set funds.",
                   ".appropriations.", "--set populations.", ".arrivals_per_year=", "fiscalsim sweep ",
                   "--xlsx"):
        assert needle in readme, needle
    for needle in ("fiscalsim run", "--set", "--compare", "fiscalsim explain"):
        assert needle in guide, needle


def test_readme_lists_every_sweep_spec_key() -> None:
    """The README's sweep-spec table has a row for every key of the spec."""
    from simulator.sweep.spec_schema import SweepSpec

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `([a-z_]+)` \|", readme, flags=re.M))
    missing = sorted(set(SweepSpec.model_fields) - rows)
    assert not missing, f"sweep-spec keys missing from the README table: {missing}"


@pytest.fixture(scope="module")
def analyst_ran(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int], Ran]:
    """Run every run block of the analyst documents once (two at a time)."""
    def one(item: tuple[str, Block]) -> tuple[tuple[str, int], Ran]:
        doc, block = item
        return (doc, block.start), _run_block(block, tmp_path_factory.mktemp("analyst-run"))

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(one, ANALYST_BLOCKS))


@pytest.mark.parametrize(("doc", "block"), ANALYST_BLOCKS, ids=lambda x: x if isinstance(x, str) else f"line{x.start}")
def test_analyst_command(doc: str, block: Block, analyst_ran: dict[tuple[str, int], Ran]) -> None:
    """Every command of the analyst documents exits as the document says."""
    result = analyst_ran[(doc, block.start)]
    assert result.status == result.expected_status, (
        f"{doc}:{block.start}: exit status {result.status}, expected {result.expected_status}\n{result.output}"
    )
