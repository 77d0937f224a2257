"""The shape of the package: imports go one way between layers, no cycles, modules and functions of readable size.

The layers are those of ``docs/architecture.md``; a module may import only
from its own layer or the layers listed before it.  Every import counts,
including imports inside functions and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "simulator"
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80

LAYERS: list[tuple[str, list[str]]] = [
    ("foundations", ["simulator", "simulator.errors", "simulator.money", "simulator.names", "simulator.i18n",
                     "simulator.versions", "simulator.workers", "simulator.messages"]),
    ("scenario", ["simulator.yamlio", "simulator.scenario_base", "simulator.scenario_rules",
                  "simulator.scenario_triggers", "simulator.scenario_pops", "simulator.scenario_nowcast", "simulator.scenario", "simulator.params", "simulator.merge",
                  "simulator.provenance", "simulator.validation", "simulator.crosscheck", "simulator.loader"]),
    ("model", ["simulator.model"]),
    ("actuals", ["simulator.actuals"]),
    ("engines", ["simulator.engines"]),
    ("uncertainty", ["simulator.uncertainty"]),
    ("results", ["simulator.schema", "simulator.storeio", "simulator.needs", "simulator.store", "simulator.verify", "simulator.lock",
                 "simulator.progress", "simulator.commands", "simulator.runner"]),
    ("calibration", ["simulator.calibrate"]),
    ("sweep", ["simulator.sweep"]),
    ("report", ["simulator.report"]),
    ("cli", ["simulator.cli_support", "simulator.cli", "simulator.paths", "simulator.guidance_cli",
             "simulator.verify_cli", "simulator.award_cli", "simulator.report.cli", "simulator.sweep.cli"]),
]


def module_name(path: Path) -> str:
    """Dotted module name of a file under the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    """Every module of the package."""
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(name: str) -> int:
    """Index of the layer a module belongs to (the longest matching prefix wins; cli modules first)."""
    best, best_len = -1, -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            exact = prefix == "simulator"
            if (name == prefix if exact else (name == prefix or name.startswith(prefix + "."))) and len(prefix) > best_len:
                best, best_len = i, len(prefix)
    return best


def imports_of(path: Path, name: str) -> set[str]:
    """The package modules a module imports (every import statement, wherever it stands)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    known = modules()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("simulator"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if not base.startswith("simulator"):
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in known else base)
    return {m for m in found if m in known and m != name}


def test_every_module_has_a_layer() -> None:
    missing = [m for m in modules() if layer_of(m) < 0]
    assert not missing, f"modules without a layer in tests/test_layout.py: {missing}"


def test_imports_go_one_way_between_layers() -> None:
    wrong = []
    for name, path in modules().items():
        mine = layer_of(name)
        for dep in imports_of(path, name):
            if layer_of(dep) > mine:
                wrong.append(f"{name} ({LAYERS[mine][0]}) imports {dep} ({LAYERS[layer_of(dep)][0]})")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles() -> None:
    graph = {name: imports_of(path, name) for name, path in modules().items()}
    graph = {k: {d for d in v if d != "simulator"} for k, v in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, cycles


def test_modules_and_functions_are_of_readable_size() -> None:
    big = []
    for name, path in modules().items():
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n") + (0 if text.endswith("\n") else 1)
        if lines > MAX_MODULE_LINES:
            big.append(f"{name}: {lines} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    big.append(f"{name}.{node.name}: {n} lines")
    assert not big, "\n".join(big)


def test_the_layer_check_can_fail(tmp_path: Path) -> None:
    """An import from a lower layer is found (the check is not vacuous)."""
    fake = PACKAGE / "model" / "_layout_probe.py"
    fake.write_text("from simulator.report import fmt\n", encoding="utf-8")
    try:
        assert "simulator.report.fmt" in imports_of(fake, "simulator.model._layout_probe")
        assert layer_of("simulator.report.fmt") > layer_of("simulator.model._layout_probe")
    finally:
        fake.unlink()
