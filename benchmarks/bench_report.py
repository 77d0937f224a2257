"""Time the PDF report of a result store, count its pages, and measure its peak memory.

Usage::

    python benchmarks/bench_report.py STORE_DIR [--lang zh|en] [--out FILE.pdf] [--repeat N]
    python benchmarks/bench_report.py --memory STORE_DIR [STORE_DIR ...] [--export xlsx|csv]

The first form builds the report in this process and prints one line per
repetition and a summary line with the best time. The store may be a run or a
sweep store (read from its manifest).

The second form (``--memory``) runs ``fiscalsim report`` (or ``fiscalsim
export`` with ``--export``) on each store in a fresh process and prints its
wall time and its peak resident memory: the peak of the memory summed over
the process and any children, sampled every 20 ms with psutil, and the
largest single process's ``ru_maxrss`` as the kernel reports it. With two or
more stores it also prints the ratio of the last store's peak to the first's
(memory should not grow with the number of replications). Make the stores
first, e.g.::

    fiscalsim run scenarios/shandong.yaml --reps 200 --jobs 2 --out /tmp/rm/sd200
    fiscalsim run scenarios/shandong.yaml --reps 2000 --jobs 2 --out /tmp/rm/sd2000
    python benchmarks/bench_report.py --memory /tmp/rm/sd200 /tmp/rm/sd2000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = """
import resource, sys
sys.path.insert(0, {root!r})
sys.argv = ["fiscalsim", *{args!r}]
from simulator.cli import main
try:
    main()
finally:
    print("MAXRSS", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def peak_memory(args: list[str]) -> tuple[int, int, float]:
    """Run ``fiscalsim ARGS`` in a fresh process; return its memory peaks and wall seconds.

    Args:
        args: the command line after ``fiscalsim``.

    Returns:
        ``(tree_peak_bytes, maxrss_bytes, seconds)``: the sampled peak of the
        resident memory summed over the process tree, the kernel's peak of the
        main process, and the wall time.
    """
    import psutil

    code = _CHILD.format(root=str(ROOT), args=args)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    ps = psutil.Process(proc.pid)
    total = 0
    while proc.poll() is None:
        try:
            tree = [ps, *ps.children(recursive=True)]
            total = max(total, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.02)
    seconds = time.perf_counter() - t0
    _, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"fiscalsim {' '.join(args)} failed with status {proc.returncode}:\n{err}")
    maxrss = 0
    for line in err.splitlines():
        if line.startswith("MAXRSS "):
            maxrss = int(line.split()[1]) * 1024  # Linux reports KiB
    return max(total, maxrss), maxrss, seconds


def _reps(store: Path) -> int:
    try:
        manifest = json.loads((store / "manifest.json").read_text(encoding="utf-8"))
        return int(manifest.get("reps") or 0)
    except (OSError, ValueError):
        return 0


def memory(stores: list[Path], export: str | None, lang: str) -> int:
    """Print wall time and peak memory of a report (or export) of each store.

    Args:
        stores: run stores, e.g. of 200, 1,000 and 2,000 replications.
        export: ``None`` for the PDF report, else ``"xlsx"`` or ``"csv"``.
        lang: ``"zh"`` or ``"en"``.

    Returns:
        Process exit status.
    """
    peaks: list[int] = []
    what = f"export {export}" if export else "report"
    with tempfile.TemporaryDirectory() as tmp:
        for i, store in enumerate(stores):
            suffix = f".{export}" if export == "xlsx" else ("" if export else ".pdf")
            out = Path(tmp) / f"out{i}{suffix}"
            if export:
                args = ["export", str(store), "--format", export, "--out", str(out), "--lang", lang]
            else:
                args = ["report", str(store), "--out", str(out), "--lang", lang]
            tree, maxrss, secs = peak_memory(args)
            peaks.append(tree)
            print(
                f"{what} of {store} ({_reps(store):,} replications): {secs:.1f} s, "
                f"peak {tree / 2**20:,.0f} MiB (process tree), max RSS {maxrss / 2**20:,.0f} MiB",
                flush=True,
            )
    if len(peaks) >= 2 and peaks[0]:
        print(f"peak ratio {stores[-1].name} / {stores[0].name}: {peaks[-1] / peaks[0]:.2f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark.

    Args:
        argv: command-line arguments (default: ``sys.argv[1:]``).

    Returns:
        Process exit status.
    """
    parser = argparse.ArgumentParser(description="Time the PDF report of a result store.")
    parser.add_argument("store", type=Path, nargs="+", help="run or sweep store directory")
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    parser.add_argument(
        "--out", type=Path, default=None, help="PDF to write (default: a temporary file)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="number of timed builds")
    parser.add_argument(
        "--memory",
        action="store_true",
        help="run each store's report in a fresh process; print wall time and peak memory",
    )
    parser.add_argument(
        "--export",
        choices=["xlsx", "csv"],
        default=None,
        help="with --memory: measure `fiscalsim export` instead of `report`",
    )
    args = parser.parse_args(argv)
    if args.memory:
        return memory(list(args.store), args.export, args.lang)
    if len(args.store) != 1:
        parser.error("give one store (or several with --memory)")
    store_dir: Path = args.store[0]

    from pypdf import PdfReader

    from simulator.report.store import StoreError, store_kind

    try:
        kind = store_kind(store_dir)
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
            build(store_dir, out, args.lang)
            times.append(time.perf_counter() - t0)
            print(f"build {i + 1}: {times[-1]:.2f} s")
        pages = len(PdfReader(out).pages)
        size_kb = out.stat().st_size / 1024
    print(
        f"{kind} report of {store_dir} ({args.lang}): best {min(times):.2f} s, {pages} pages, "
        f"{size_kb:.0f} KiB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
