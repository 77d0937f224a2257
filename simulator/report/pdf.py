"""PDF reports of run stores: a single run, and several runs side by side.

The run report puts the answers first (a one-page summary), then the budget
pages (fan charts per fund, yearly draw by level, program and fund), arrears
and refusals, one page block per target, and an appendix with every input and
its source. Every chart and table is followed by one line defining its
figures. The sections are in :mod:`simulator.report.sections`,
:mod:`simulator.report.budget` and :mod:`simulator.report.cities`; see
:mod:`simulator.report.sweep` for the sweep report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from reportlab.lib.units import cm
from reportlab.platypus import Flowable, PageBreak

from simulator.report import charts, fmt, outcomes
from simulator.report.budget import arrears_section, budget_section
from simulator.report.cities import CityFigures, cities_section, city_figures
from simulator.report.i18n import check_lang, t
from simulator.report.layout import CONTENT_WIDTH, Cell, Column, Layout, write_pdf
from simulator.report.sections import (
    appendix_section,
    chart_text,
    cover_section,
    scenario_name,
    shown_name,
    summary_section,
    targets_section,
)
from simulator.report.store import RunStore, open_run
from simulator.report.uncertainty import uncertainty_section

__all__ = [
    "CityFigures",
    "appendix_section",
    "arrears_section",
    "budget_section",
    "build_compare_report",
    "build_run_report",
    "cities_section",
    "city_figures",
    "scenario_name",
    "summary_section",
    "targets_section",
]

RUNS_PER_TABLE = 4
"""Scenario columns per comparison table before it is split."""


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
    story += [*uncertainty_section(lay, store), PageBreak()]
    story += appendix_section(lay, store)
    name = scenario_name(store, lg)
    return write_pdf(
        story, out_pdf, layout=lay, title=f"{title} · {name}", header_left=name, header_right=title
    )


def build_compare_report(
    store_dirs: Sequence[str | Path], out_pdf: str | Path, lang: str = "zh"
) -> Path:
    """Write a PDF comparing several runs (cities or policy variants) side by side.

    Args:
        store_dirs: run stores, in the order of the columns.
        out_pdf: the PDF to write (replaced atomically if it exists).
        lang: ``"zh"`` (default) or ``"en"``.

    Returns:
        The path of the PDF.

    Raises:
        StoreError: if a store is missing or malformed.
        ValueError: for an unknown language or an empty list of stores.
    """
    lg = check_lang(lang)
    if not store_dirs:
        raise ValueError("give at least one run store to compare")
    stores = [open_run(d, lg) for d in store_dirs]
    lay = Layout(lg)
    title = t("compare_title", lg)
    names = [scenario_name(s, lg) for s in stores]
    # disambiguate identical names by their directory
    if len(set(names)) < len(names):
        names = [f"{n} ({s.path.name})" for n, s in zip(names, stores, strict=True)]

    story: list[Flowable] = [lay.spacer(3.5 * cm), lay.para(title, "title"), lay.spacer(0.5 * cm)]
    story.append(lay.h2(t("runs_heading", lg)))
    run_cols = [
        Column("#", 0.7 * cm),
        Column(t("col_scenario", lg), 5.0 * cm),
        Column(t("reps", lg), 1.9 * cm, True),
        Column(t("seed", lg), 1.5 * cm, True),
        Column(t("horizon", lg), 3.6 * cm),
        Column(t("scenario_hash", lg), CONTENT_WIDTH - 12.7 * cm),
    ]
    run_rows: list[list[Cell]] = []
    for i, s in enumerate(stores, 1):
        sc = s.scenario
        run_rows.append(
            [
                str(i),
                f"{names[i - 1]}\n{sc.get('id') or ''}".strip(),
                fmt.number(s.reps),
                str(s.manifest.get("seed", fmt.DASH)),
                t(
                    "horizon_value",
                    lg,
                    start=fmt.date(sc.get("start"), lg),
                    end=fmt.date(sc.get("end"), lg),
                ),
                str(sc.get("hash") or fmt.DASH),
            ]
        )
    story += [lay.table(run_cols, run_rows), lay.caption(t("cap_runs", lg)), lay.spacer(0.3 * cm)]
    story.append(lay.para(t("report_date_line", lg, date=fmt.today(lg)), "note"))
    story.append(PageBreak())
    story += _compare_section(lay, stores, names)
    for s, n in zip(stores, names, strict=True):
        story.append(PageBreak())
        story += summary_section(lay, s, heading=n)
    return write_pdf(
        story, out_pdf, layout=lay, title=title, header_left=" / ".join(names), header_right=title
    )


def _compare_section(
    lay: Layout, stores: Sequence[RunStore], names: Sequence[str]
) -> list[Flowable]:
    lang = lay.lang
    unit = fmt.table_money_unit(lang)
    fund_answers = [{a.fund: a for a in outcomes.fund_answers(s)} for s in stores]
    target_answers = [{a.target: a for a in outcomes.target_answers(s)} for s in stores]
    target_ids = list(dict.fromkeys(k for d in target_answers for k in d))
    fund_ids = list(dict.fromkeys(k for d in fund_answers for k in d))

    def first_name(kind: str, key: str) -> str:
        for s in stores:
            block = s.targets if kind == "target" else s.funds
            if key in block:
                return shown_name(block[key], lang, key)
        return key

    measures: list[tuple[str, list[str]]] = []
    measures.append((t("row_reps", lang), [fmt.number(s.reps) for s in stores]))
    for tid in target_ids:
        measures.append(
            (
                t("row_p_attained", lang, target=first_name("target", tid)),
                [fmt.prob(d[tid].p_attained) if tid in d else fmt.DASH for d in target_answers],
            )
        )
    for fid in fund_ids:
        name = first_name("fund", fid)
        measures.append(
            (
                t("row_drawn", lang, fund=name, unit=unit),
                [
                    fmt.table_money(d[fid].drawn.get("p50"), lang) if fid in d else fmt.DASH
                    for d in fund_answers
                ],
            )
        )
        measures.append(
            (
                t("row_exhausted", lang, fund=name),
                [fmt.prob(d[fid].p_exhausted) if fid in d else fmt.DASH for d in fund_answers],
            )
        )
    story: list[Flowable] = [lay.h1(t("compare_heading", lang))]
    for start in range(0, len(stores), RUNS_PER_TABLE):
        idx = list(range(start, min(start + RUNS_PER_TABLE, len(stores))))
        label_w = 5.6 * cm
        w = (CONTENT_WIDTH - label_w) / len(idx)
        cols = [Column(t("col_measure", lang), label_w)] + [
            Column(f"{i + 1}. {names[i]}", w, True) for i in idx
        ]
        rows: list[list[Cell]] = [[label] + [vals[i] for i in idx] for label, vals in measures]
        story += [lay.table(cols, rows), lay.spacer(4)]
    story.append(lay.caption(t("cap_compare", lang)))
    if target_ids:
        data = pd.DataFrame(
            {
                chart_text(f"{i + 1}. {n}"): [
                    d[tid].p_attained if tid in d else math.nan for tid in target_ids
                ]
                for i, (n, d) in enumerate(zip(names, target_answers, strict=True))
            },
            index=[chart_text(first_name("target", tid)) for tid in target_ids],
        )
        story.append(
            lay.chart(charts.compare_probability_chart(data, lang), t("cap_compare_chart", lang))
        )
    return story
