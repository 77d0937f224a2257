"""Golden summaries: every shipped scenario and variant at a fixed seed, against a checked-in summary.

Two sets: ``golden/fast`` (the vectorised engine, 100 replications) and
``golden/des`` (the SimPy reference engine, 10 replications, 4 for the
province scenario and its variant, whose replications cost some 2.5 s each):
enough to pin every draw, cheap enough for the suite.  Both run at central
parameter values (``--fixed-params``): they pin the engines; the parameter
draws are pinned in tests/test_uncertainty.py.  The engines agree in distribution, not draw for draw, so each has its
own set; ``tests/test_equivalence.py`` holds them together.

Regenerate after an intended model change (and review the diff before committing it):

    make golden            # or: .venv/bin/python -m tests.golden --regenerate

The check itself runs in the test suite (tests/test_golden.py).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
SEED = 20240601
REPS = {"fast": 100, "des": 10}
LARGE_DES_REPS = 4
"""SimPy replications of the province scenario and its variants (4 cities, 31 programs)."""
ENGINES = ("fast", "des")


def shipped() -> list[Path]:
    """Every shipped scenario and variant."""
    return sorted((ROOT / "scenarios").glob("*.yaml")) + sorted((ROOT / "scenarios" / "variants").glob("*.yaml"))


def golden_name(path: Path) -> str:
    """File name of a scenario's golden summary."""
    rel = path.relative_to(ROOT / "scenarios")
    return str(rel.with_suffix("")).replace("/", "__") + ".json"


def golden_file(engine: str, path: Path) -> Path:
    """Where a scenario's golden summary for an engine lives."""
    return GOLDEN / engine / golden_name(path)


def run_summary(path: Path, engine: str, reps: int | None = None, seed: int = SEED, jobs: int = 2) -> dict[str, Any]:
    """Run a scenario and return its summary.json content."""
    from simulator.loader import load_scenario
    from simulator.runner import RunOptions, run

    loaded = load_scenario(path)
    with tempfile.TemporaryDirectory() as tmp:
        # the engines' numbers at central parameter values (chance only), as the goldens were made
        store = run(loaded, RunOptions(reps=reps or REPS[engine], seed=seed, out=Path(tmp) / "run", jobs=jobs,
                                       engine=engine, progress=False, fixed_params=True))
        return store.summary


def reps_of(engine: str, path: Path) -> int:
    """Replications of a scenario's golden summary."""
    if engine == "des" and golden_name(path).replace("variants__", "").startswith("shandong"):
        return LARGE_DES_REPS
    return REPS[engine]


def diff(expected: Any, got: Any, path: str = "", rel: float = 1e-9) -> list[str]:
    """Differences between two summaries (numbers compared with a relative tolerance)."""
    out: list[str] = []
    if isinstance(expected, dict) and isinstance(got, dict):
        for k in sorted(set(expected) | set(got)):
            if k not in got:
                out.append(f"{path}.{k}: missing")
            elif k not in expected:
                out.append(f"{path}.{k}: unexpected")
            else:
                out.extend(diff(expected[k], got[k], f"{path}.{k}", rel))
    elif isinstance(expected, int | float) and isinstance(got, int | float) and not isinstance(expected, bool):
        if not math.isclose(float(expected), float(got), rel_tol=rel, abs_tol=1e-9):
            out.append(f"{path}: expected {expected!r}, got {got!r}")
    elif expected != got:
        out.append(f"{path}: expected {expected!r}, got {got!r}")
    return out


def main(argv: list[str] | None = None) -> int:
    """Regenerate (or check) the golden summaries."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--regenerate", action="store_true", help="write the summaries instead of checking them")
    ap.add_argument("--engine", choices=ENGINES, action="append", help="only this engine (repeatable; default both)")
    ap.add_argument("only", nargs="*", help="scenario files (default: all shipped)")
    args = ap.parse_args(argv)
    paths = [Path(p).resolve() for p in args.only] or shipped()
    bad = 0
    for engine in args.engine or ENGINES:
        (GOLDEN / engine).mkdir(parents=True, exist_ok=True)
        for path in paths:
            bad += _one(engine, path, args.regenerate)
    return 1 if bad else 0


def _one(engine: str, path: Path, regenerate: bool) -> int:
    """Regenerate or check one golden summary; 1 if it differs."""
    got = run_summary(path, engine, reps=reps_of(engine, path))
    target = golden_file(engine, path)
    if regenerate:
        target.write_text(json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {target.relative_to(ROOT)}")
        return 0
    problems = diff(json.loads(target.read_text(encoding="utf-8")), got)
    print(f"{engine} {path.name}: {'OK' if not problems else f'{len(problems)} differences'}")
    for p in problems[:20]:
        print("   ", p)
    return int(bool(problems))


if __name__ == "__main__":
    sys.exit(main())
