"""PDF report of a run store.

The run report puts the answers first (a one-page summary), then the budget
pages (fan charts per fund, yearly draw by level, program and fund), arrears
and refusals, one page block per target, and an appendix with every input and
its source. Every chart and table is followed by one line defining its
figures. The sections are in :mod:`simulator.report.sections`,
:mod:`simulator.report.budget` and :mod:`simulator.report.cities`; see
:mod:`simulator.report.compare` for the comparison of runs and
:mod:`simulator.report.sweep` for the sweep report.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.platypus import Flowable, PageBreak

from simulator.report.budget import arrears_section, budget_section
from simulator.report.cities import CityFigures, cities_section, city_figures
from simulator.report.i18n import check_lang, t
from simulator.report.layout import Layout, write_pdf
from simulator.report.posterior import posterior_section
from simulator.report.sections import (
    appendix_section,
    cover_section,
    scenario_name,
    summary_section,
    targets_section,
)
from simulator.report.store import open_run

__all__ = [
    "CityFigures",
    "appendix_section",
    "arrears_section",
    "budget_section",
    "build_run_report",
    "cities_section",
    "city_figures",
    "scenario_name",
    "summary_section",
    "targets_section",
]

def build_run_report(store_dir: str | Path, out_pdf: str | Path, lang: str = "zh") -> Path:
    """Write the PDF report of one run store.

    Args:
        store_dir: the run's result store.
        out_pdf: the PDF to write (replaced atomically if it exists).
        lang: ``"zh"`` (default) or ``"en"``.

    Returns:
        The path of the PDF.

    Raises:
        StoreError: if the store is missing or malformed.
        ValueError: for an unknown language.
    """
    lg = check_lang(lang)
    store = open_run(store_dir, lg)
    lay = Layout(lg)
    title = t("report_title", lg)
    story: list[Flowable] = [*cover_section(lay, store, title), PageBreak()]
    story += summary_section(lay, store)
    story.append(PageBreak())
    cities = cities_section(lay, store)
    if cities:
        story += [*cities, PageBreak()]
    story += budget_section(lay, store)
    story += arrears_section(lay, store)
    story.append(PageBreak())
    story += targets_section(lay, store)
    story.append(PageBreak())
    story += posterior_section(lay, store)
    story += appendix_section(lay, store)
    name = scenario_name(store, lg)
    return write_pdf(
        story, out_pdf, layout=lay, title=f"{title} · {name}", header_left=name, header_right=title
    )
