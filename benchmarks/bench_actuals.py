"""Benchmark of reading and checking an actuals file (``run --actuals``): milliseconds per file.

Usage: python benchmarks/bench_actuals.py [--rows N] [--repeat K]

Reads the shipped Liaocheng example (CSV and xlsx, 3 rows) K times, then a
generated CSV of N rows (a fund's cumulative amount paid, a target's level and
a program's claims every day from 2020-01-01), checked against
scenarios/liaocheng.yaml; the figures printed are measured in this run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator.actuals import read_actuals  # noqa: E402
from simulator.loader import load_scenario  # noqa: E402

AS_OF = date(2021, 12, 31)


def per_read(path: Path, repeat: int) -> float:
    """Milliseconds per read of ``path`` (the mean of ``repeat`` reads)."""
    scenario = load_scenario(ROOT / "scenarios" / "liaocheng.yaml").scenario
    t0 = time.perf_counter()
    for _ in range(repeat):
        read_actuals(path, scenario, AS_OF)
    return (time.perf_counter() - t0) / repeat * 1000


def generated(folder: Path, rows: int) -> Path:
    """A CSV of about ``rows`` rows, three ids a day from 2020-01-01 (up to the as-of date)."""
    lines = ["date,id,value"]
    days = min(rows // 3, (AS_OF - date(2020, 1, 1)).days + 1)
    for i in range(days):
        d = date(2020, 1, 1) + timedelta(days=i)
        lines += [f"{d},lc-city-sci,{i * 1000}", f"{d},LC-6,{i // 100}", f"{d},LC-3,{i // 50}"]
    path = folder / "actuals.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=2100)
    ap.add_argument("--repeat", type=int, default=50)
    args = ap.parse_args()
    for name in ("liaocheng-2021.csv", "liaocheng-2021.xlsx"):
        print(f"{name:<24} {per_read(ROOT / 'data' / 'actuals' / name, args.repeat):8.2f} ms per read")
    with tempfile.TemporaryDirectory() as tmp:
        path = generated(Path(tmp), args.rows)
        n = len(path.read_text(encoding="utf-8").splitlines()) - 1
        print(f"{f'generated, {n} rows':<24} {per_read(path, 3):8.2f} ms per read")


if __name__ == "__main__":
    main()
