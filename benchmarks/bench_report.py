"""Time the PDF report of a result store and count its pages.

Usage::

    python benchmarks/bench_report.py STORE_DIR [--lang zh|en] [--out FILE.pdf] [--repeat N]

The store may be a run or a sweep store (read from its manifest). Prints one
line per repetition and a summary line with the best time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark.

    Args:
        argv: command-line arguments (default: ``sys.argv[1:]``).

    Returns:
        Process exit status.
    """
    parser = argparse.ArgumentParser(description="Time the PDF report of a result store.")
    parser.add_argument("store", type=Path, help="run or sweep store directory")
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    parser.add_argument(
        "--out", type=Path, default=None, help="PDF to write (default: a temporary file)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="number of timed builds")
    args = parser.parse_args(argv)

    from pypdf import PdfReader

    from simulator.report.store import StoreError, store_kind

    try:
        kind = store_kind(args.store)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if kind == "sweep":
        from simulator.report.sweep import build_sweep_report as build
    else:
        from simulator.report.pdf import build_run_report as build

    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "report.pdf"
        times: list[float] = []
        for i in range(max(args.repeat, 1)):
            t0 = time.perf_counter()
            build(args.store, out, args.lang)
            times.append(time.perf_counter() - t0)
            print(f"build {i + 1}: {times[-1]:.2f} s")
        pages = len(PdfReader(out).pages)
        size_kb = out.stat().st_size / 1024
    print(
        f"{kind} report of {args.store} ({args.lang}): best {min(times):.2f} s, {pages} pages, {size_kb:.0f} KiB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
