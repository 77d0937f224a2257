"""PDF report of a run store.

The run report puts the brief on page 1 (targets, funds, findings), then the
targets (a table and a panel each), the funds and the budget-format tables
(means that add up, the money needed), arrears and refusals, prior and
posterior of calibrated parameters, and an appendix (glossary, run facts,
instruments not modelled, inputs with their sources). Every chart and table
is followed by one line defining its figures. The sections are in
:mod:`simulator.report.brief`, :mod:`simulator.report.targets`,
:mod:`simulator.report.budget`, :mod:`simulator.report.cities` and
:mod:`simulator.report.appendix`; see :mod:`simulator.report.compare` for the
comparison of runs and :mod:`simulator.report.sweep` for the sweep report.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.platypus import Flowable, PageBreak

from simulator.report.appendix import appendix_section
from simulator.report.brief import BriefOptions, brief_section
from simulator.report.budget import arrears_section, budget_section
from simulator.report.cities import CityFigures, cities_section, city_figures
from simulator.report.i18n import check_lang, t
from simulator.report.layout import Layout, write_pdf
from simulator.report.posterior import posterior_section
from simulator.report.sections import (
    scenario_name,
    summary_section,
)
from simulator.report.store import open_run
from simulator.report.targets import targets_section
from simulator.report.uncertainty import uncertainty_section

__all__ = [
    "BriefOptions",
    "CityFigures",
    "appendix_section",
    "arrears_section",
    "brief_section",
    "budget_section",
    "build_run_report",
    "cities_section",
    "city_figures",
    "scenario_name",
    "summary_section",
    "targets_section",
]

def build_run_report(
    store_dir: str | Path, out_pdf: str | Path, lang: str = "zh", options: BriefOptions | None = None
) -> Path:
    """Write the PDF report of one run store.

    Page 1 is the brief; then the targets, the funds and budget tables, the
    arrears, the cities side by side (a multi-city run), and the appendix
    (glossary, run facts, instruments not modelled, paid by program, inputs).

    Args:
        store_dir: the run's result store.
        out_pdf: the PDF to write (replaced atomically if it exists).
        lang: ``"zh"`` (default) or ``"en"``.
        options: report options of the brief (outlook thresholds).

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
    story: list[Flowable] = [*brief_section(lay, store, options), PageBreak()]
    story += targets_section(lay, store, options)
    story.append(PageBreak())
    story += budget_section(lay, store)
    story += arrears_section(lay, store)
    cities = cities_section(lay, store)
    if cities:
        story += [PageBreak(), *cities]
    story.append(PageBreak())
    story += [*uncertainty_section(lay, store), PageBreak()]
    story += posterior_section(lay, store)
    story += appendix_section(lay, store)
    name = scenario_name(store, lg)
    return write_pdf(
        story, out_pdf, layout=lay, title=f"{title} · {name}", header_left=name, header_right=title
    )
