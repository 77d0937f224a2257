"""Golden summaries: every shipped scenario and variant at a fixed seed, against a checked-in summary.

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
REPS = 200
SEED = 20240601
ENGINE = "des"


def shipped() -> list[Path]:
    """Every shipped scenario and variant."""
    return sorted((ROOT / "scenarios").glob("*.yaml")) + sorted((ROOT / "scenarios" / "variants").glob("*.yaml"))


def golden_name(path: Path) -> str:
    """File name of a scenario's golden summary."""
    rel = path.relative_to(ROOT / "scenarios")
    return str(rel.with_suffix("")).replace("/", "__") + ".json"


def run_summary(path: Path, reps: int = REPS, seed: int = SEED, engine: str = ENGINE, jobs: int = 2) -> dict[str, Any]:
    """Run a scenario and return its summary.json content."""
    from simulator.loader import load_scenario
    from simulator.runner import RunOptions, run

    loaded = load_scenario(path)
    with tempfile.TemporaryDirectory() as tmp:
        store = run(loaded, RunOptions(reps=reps, seed=seed, out=Path(tmp) / "run", jobs=jobs, engine=engine,
                                       progress=False))
        return store.summary


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
    ap.add_argument("only", nargs="*", help="scenario files (default: all shipped)")
    args = ap.parse_args(argv)
    paths = [Path(p).resolve() for p in args.only] or shipped()
    GOLDEN.mkdir(exist_ok=True)
    bad = 0
    for path in paths:
        got = run_summary(path)
        target = GOLDEN / golden_name(path)
        if args.regenerate:
            target.write_text(json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
            print(f"wrote {target.relative_to(ROOT)}")
        else:
            problems = diff(json.loads(target.read_text(encoding="utf-8")), got)
            bad += bool(problems)
            print(f"{path.name}: {'OK' if not problems else f'{len(problems)} differences'}")
            for p in problems[:20]:
                print("   ", p)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
