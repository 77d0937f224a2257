"""The budget pages of a run's PDF report: fan charts, yearly draws, fund accounts, arrears.

Every chart and table is followed by one line defining its figures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
from reportlab.lib.units import cm
from reportlab.platypus import Flowable, KeepTogether

from simulator.report import analysis, charts, fmt, outcomes
from simulator.report.i18n import level_label, level_sort_key, t
from simulator.report.layout import CONTENT_WIDTH, Cell, Column, Layout
from simulator.report.sections import chart_text, fund_name, program_name
from simulator.report.store import RunStore

YEARS_PER_TABLE = 8
"""Year columns per table at most; longer horizons are split into balanced tables."""


def _year_chunks(years: Sequence[int]) -> list[list[int]]:
    """Split years into tables of at most :data:`YEARS_PER_TABLE`, as even as possible.

    >>> [len(c) for c in _year_chunks(range(2018, 2028))]
    [5, 5]
    """
    ys = list(years)
    if not ys:
        return [[]]
    n = math.ceil(len(ys) / YEARS_PER_TABLE)
    size = math.ceil(len(ys) / n)
    return [ys[i : i + size] for i in range(0, len(ys), size)]


def _yearly_table(
    lay: Layout,
    label_header: str,
    yearly: pd.DataFrame,
    labels: dict[str, str],
    total: pd.DataFrame | None,
) -> list[Flowable]:
    """Tables of medians, one row per key, one column per year (split every 7 years)."""
    lang = lay.lang
    years = sorted(
        int(y) for y in set(yearly["year"]) | (set(total["year"]) if total is not None else set())
    )
    out: list[Flowable] = []
    for chunk in _year_chunks(years):
        num_w = min(2.6 * cm, (CONTENT_WIDTH - 4.2 * cm) / max(len(chunk), 1))
        label_w = CONTENT_WIDTH - num_w * len(chunk)
        cols = [Column(label_header, label_w)] + [Column(str(y), num_w, True) for y in chunk]
        rows: list[list[Cell]] = []
        for key, label in labels.items():
            sub = yearly[yearly["key"] == key].set_index("year")["p50"]
            rows.append([label] + [fmt.table_money(sub.get(y, 0.0), lang) for y in chunk])
        totals: list[int] = []
        if total is not None:
            sub = total.set_index("year")["p50"]
            totals.append(len(rows))
            rows.append(
                [t("col_total", lang)] + [fmt.table_money(sub.get(y, 0.0), lang) for y in chunk]
            )
        out.append(lay.table(cols, rows, total_rows=totals))
        out.append(lay.spacer(4))
    return out


def _headed(heading: Flowable, flowables: list[Flowable]) -> list[Flowable]:
    """Keep a heading on the same page as the first flowable under it."""
    if not flowables:
        return [heading]
    return [KeepTogether([heading, flowables[0]]), *flowables[1:]]


def budget_section(lay: Layout, store: RunStore) -> list[Flowable]:
    """Budget pages: fan chart per fund, yearly draw by level, program and fund."""
    lang = lay.lang
    reps = fmt.number(analysis.n_reps(store))
    unit = fmt.table_money_unit(lang)
    start = analysis.horizon_months(store)[0]
    story: list[Flowable] = [lay.h1(t("budget_heading", lang))]
    fund_ids = [f.fund for f in outcomes.fund_answers(store)]
    for fid in fund_ids:
        png = charts.fund_fan_chart(
            analysis.cumulative_draw_bands(store, fid),
            analysis.cumulative_appropriations(store, fid),
            chart_text(fund_name(store, fid, lang)),
            lang,
            start_month=start,
        )
        story.append(lay.chart(png, t("cap_fan", lang, reps=reps)))

    by_level = analysis.yearly_draw(store, "level")
    level_labels = {
        k: level_label(k, lang, store.jurisdictions)
        for k in sorted(set(by_level["key"]), key=level_sort_key)
    }
    total = analysis.yearly_total(store)
    if len(by_level):
        story.append(
            lay.chart(
                charts.yearly_bars(by_level, level_labels, lang), t("cap_bars", lang, reps=reps)
            )
        )
    story += _headed(
        lay.h2(t("table_level_heading", lang)),
        _yearly_table(lay, t("col_level", lang), by_level, level_labels, total),
    )
    story.append(lay.caption(t("cap_yearly_median", lang, reps=reps, unit=unit)))

    by_program = analysis.yearly_draw(store, "program")
    program_labels = {k: program_name(store, k, lang) for k in dict.fromkeys(by_program["key"])}
    story += _headed(
        lay.h2(t("table_program_heading", lang)),
        _yearly_table(lay, t("col_program", lang), by_program, program_labels, total),
    )
    story.append(lay.caption(t("cap_yearly_median", lang, reps=reps, unit=unit)))

    fy = analysis.fund_year_table(store)
    if len(fy):
        heading: Flowable | None = lay.h2(t("table_fund_year_heading", lang))
        fields = [
            ("appropriated_fen", "col_appropriated"),
            ("carried_in_fen", "col_carried_in"),
            ("drawn_fen", "col_drawn"),
            ("lapsed_fen", "col_lapsed"),
            ("balance_end_fen", "col_balance_end"),
            ("arrears_fen", "col_arrears_year"),
            ("refused_fen", "col_refused_year"),
            ("prorata_cut_fen", "col_prorata"),
        ]
        year_w = 1.3 * cm
        num_w = (CONTENT_WIDTH - year_w) / len(fields)
        cols = [Column(t("col_year", lang), year_w)] + [
            Column(t(k, lang), num_w, True) for _f, k in fields
        ]
        for fid in dict.fromkeys(fy["fund"]):
            sub = fy[fy["fund"] == fid]
            rows: list[list[Cell]] = [
                [str(int(r["year"]))] + [fmt.table_money(r[f], lang) for f, _k in fields]
                for _i, r in sub.iterrows()
            ]
            block = [lay.para(fund_name(store, fid, lang), "body"), lay.table(cols, rows)]
            story.append(KeepTogether([heading, *block] if heading else block))
            heading = None
            story.append(lay.spacer(6))
        story.append(lay.caption(t("cap_fund_year", lang, reps=reps, unit=unit)))
    return story


def arrears_section(lay: Layout, store: RunStore) -> list[Flowable]:
    """Arrears and refusals by fund and year, and claims not paid in full by program."""
    lang = lay.lang
    reps = fmt.number(analysis.n_reps(store))
    unit = fmt.table_money_unit(lang)
    story: list[Flowable] = [lay.h1(t("arrears_heading", lang))]
    fy = analysis.fund_year_table(store)
    if len(fy):
        cols = [
            Column(t("col_fund", lang), 4.4 * cm),
            Column(t("col_year", lang), 1.1 * cm),
            Column(t("col_arrears_p50", lang), 1.9 * cm, True),
            Column(t("col_arrears_p95", lang), 1.9 * cm, True),
            Column(t("col_refused_p50", lang), 1.9 * cm, True),
            Column(t("col_refused_p95", lang), 1.9 * cm, True),
            Column(t("col_prorata_p50", lang), 1.9 * cm, True),
            Column(t("col_p_any", lang), 2.0 * cm, True),
        ]
        rows: list[list[Cell]] = []
        for _i, r in fy.iterrows():
            rows.append(
                [
                    fund_name(store, str(r["fund"]), lang),
                    str(int(r["year"])),
                    fmt.table_money(r["arrears_fen"], lang),
                    fmt.table_money(r["arrears_p95"], lang),
                    fmt.table_money(r["refused_fen"], lang),
                    fmt.table_money(r["refused_p95"], lang),
                    fmt.table_money(r["prorata_cut_fen"], lang),
                    fmt.prob(r["p_any_unpaid"]),
                ]
            )
        story += [lay.table(cols, rows), lay.caption(t("cap_arrears", lang, reps=reps, unit=unit))]
    claims_heading = lay.h2(t("claims_heading", lang))
    cl = analysis.claims_not_paid(store)
    if cl.empty:
        story += [claims_heading, lay.para(t("none_in_any", lang))]
        return story
    cols = [
        Column(t("col_program", lang), 4.4 * cm),
        Column(t("col_year", lang), 1.2 * cm),
        Column(t("col_n_queued", lang), 2.2 * cm, True),
        Column(t("col_amt_queued", lang), 2.3 * cm, True),
        Column(t("col_n_refused", lang), 2.2 * cm, True),
        Column(t("col_amt_refused", lang), 2.3 * cm, True),
        Column(t("col_n_partly", lang), 2.4 * cm, True),
    ]

    def pair(r: pd.Series, kind: str, state: str, money: bool) -> str:
        f50, f95 = r[f"{kind}_{state}_p50"], r[f"{kind}_{state}_p95"]
        if money:
            return f"{fmt.table_money(f50, lang)} ({fmt.table_money(f95, lang)})"
        return f"{fmt.smart_number(f50)} ({fmt.smart_number(f95)})"

    rows = [
        [
            program_name(store, str(r["program"]), lang),
            str(int(r["year"])),
            pair(r, "n", "queued", False),
            pair(r, "amt", "queued", True),
            pair(r, "n", "refused", False),
            pair(r, "amt", "refused", True),
            pair(r, "n", "partly_paid", False),
        ]
        for _i, r in cl.iterrows()
    ]
    story += _headed(
        claims_heading,
        [lay.table(cols, rows), lay.caption(t("cap_claims", lang, reps=reps, unit=unit))],
    )
    return story
