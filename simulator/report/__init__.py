"""Reports of result stores: PDF (run, comparison, sweep), Excel and CSV exports.

The report layer reads only a result store (``manifest.json``,
``summary.json`` and the Parquet tables, see ``docs/store-format.md``); it
never runs a simulation. Chinese is the default language, English on request.

Public entry points::

    build_run_report(store_dir, out_pdf, lang="zh", options=BriefOptions(green=0.8, amber=0.5))
    build_compare_report([base_dir, variant_dir, ...], out_pdf, lang="zh", xlsx=None)
    build_sweep_report(sweep_dir, out_pdf, lang="zh")
    export_store(store_dir, "xlsx" | "csv", out_path, lang="zh")

Heavy imports (reportlab, matplotlib) happen on first use.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from simulator.report.brief import BriefOptions

__all__ = ["build_compare_report", "build_run_report", "build_sweep_report", "export_store"]


def build_run_report(
    store_dir: str | Path, out_pdf: str | Path, lang: str = "zh", options: BriefOptions | None = None
) -> Path:
    """Write the PDF report of one run store (see :func:`simulator.report.pdf.build_run_report`)."""
    from simulator.report.pdf import build_run_report as build

    return build(store_dir, out_pdf, lang, options)


def build_compare_report(
    store_dirs: Sequence[str | Path],
    out_pdf: str | Path,
    lang: str = "zh",
    xlsx: str | Path | None = None,
) -> Path:
    """Write a comparison PDF, the first run the baseline (see :func:`simulator.report.compare.build_compare_report`)."""
    from simulator.report.compare import build_compare_report as build

    return build(store_dirs, out_pdf, lang, xlsx)


def build_sweep_report(sweep_dir: str | Path, out_pdf: str | Path, lang: str = "zh") -> Path:
    """Write the PDF report of a sweep (see :func:`simulator.report.sweep.build_sweep_report`)."""
    from simulator.report.sweep import build_sweep_report as build

    return build(sweep_dir, out_pdf, lang)


def export_store(store_dir: str | Path, fmt: str, out_path: str | Path, lang: str = "zh") -> Path:
    """Export a run's summary tables (see :func:`simulator.report.export.export_store`)."""
    from simulator.report.export import export_store as export

    return export(store_dir, fmt, out_path, lang)
