"""The targets pages of a run's PDF report: the full table of targets, then a panel per target.

One table row per target (outlook, chance, value at the deadline, date
attained), then fan-chart panels six to a figure; targets set by an input get
no probability and no panel. Year-end quantiles per target are in the xlsx
export.
"""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.units import cm
from reportlab.platypus import Flowable

from simulator.report import analysis, fmt, grids, nowcast, outcomes
from simulator.report.brief import (
    LIGHT_COLOURS,
    BriefOptions,
    light,
    marked_name,
)
from simulator.report.layout import Cell, Column, Layout
from simulator.report.sections import chart_text, clause
from simulator.report.store import RunStore
from simulator.report.texts import bt


def targets_section(lay: Layout, store: RunStore, options: BriefOptions | None = None) -> list[Flowable]:
    """Every target in one table, then its fan-chart panel."""
    opts = options or BriefOptions()
    lang = lay.lang
    answers = outcomes.target_answers(store)
    story: list[Flowable] = [lay.h1(bt("targets_heading", lang))]
    if not answers:
        return [*story, lay.para(bt("find_no_targets", lang))]
    cols = [Column(bt("col_light", lang), 1.4 * cm), Column(bt("col_id", lang), 1.6 * cm),
            Column(bt("col_target", lang), 3.8 * cm), Column(bt("col_threshold", lang), 1.9 * cm, True),
            Column(bt("col_deadline", lang), 2.4 * cm, True), Column(bt("col_p", lang), 1.8 * cm, True),
            Column(bt("col_value", lang), 2.3 * cm, True), Column(bt("col_when", lang), 1.8 * cm, True)]
    rows: list[list[Cell]] = []
    shades: list[tuple[int, int, colors.Color]] = []
    panels: list[grids.Panel] = []
    actuals = nowcast.actuals_of(store)
    for i, a in enumerate(answers):
        by_input = a.set_by == "input"
        kind = None if by_input else light(a.p_attained, opts)
        if kind:
            shades.append((0, i, LIGHT_COLOURS[kind]))
        name = marked_name(store, a, lang)
        v = a.value
        value = (f"{fmt.metric_value(v.get('p50'), a.unit, lang)}\n"
                 f"({fmt.metric_value(v.get('p5'), a.unit, lang)} – {fmt.metric_value(v.get('p95'), a.unit, lang)})")
        source = clause(a, short=True)
        if source.startswith(f"{a.target} · {a.target}"):  # a source that starts with the id names it once
            source = source[len(a.target) + 3 :]
        rows.append([bt(f"light_{kind}", lang) if kind else fmt.DASH, source.replace(" · ", "\n", 1), name,
                     fmt.metric_value(a.threshold, a.unit, lang), fmt.date(a.deadline, lang),
                     outcomes.attainment_label(a, lang),
                     fmt.DASH if by_input else value,
                     fmt.DASH if by_input else fmt.month(a.median_date_attained, lang)])
        if not by_input:
            panels.append(grids.Panel(title=f"{a.target} {chart_text(name)} ({fmt.prob(a.p_attained)})",
                                      bands=outcomes.metric_bands(store, a.target), threshold=a.threshold,
                                      deadline=a.deadline, unit=a.unit or "count",
                                      actuals=actuals.points("target", a.target) if actuals else (),
                                      as_of=actuals.as_of if actuals else None))
    reps = fmt.number(analysis.n_reps(store))
    story += [lay.table(cols, rows, shades=shades), lay.caption(bt("targets_table_caption", lang, reps=reps))]
    if panels:
        caption = bt("grid_targets_caption", lang, reps=reps)
        if actuals:
            caption += ("" if lang == "zh" else " ") + bt("grid_nowcast_note", lang, date=actuals.as_of)
        story += [*grids.grid(lay, panels), lay.caption(caption)]
    return story
