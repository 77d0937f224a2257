"""The funds and budget pages of a run's PDF report: fan-chart panels, budget-format tables, arrears.

The budget tables are in the form a finance bureau budgets in: by year and by
level (province, city, county, zone), by fund, and the money needed, in 万元
with two fixed decimals, from **means** across replications so that they add
up (see :mod:`simulator.report.tables`). Detail per program is in the
appendix; fund accounts line by line are in the xlsx export.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from reportlab.lib.units import cm
from reportlab.platypus import Flowable, KeepTogether

from simulator.report import analysis, fmt, grids, nowcast, outcomes
from simulator.report.i18n import level_label
from simulator.report.layout import CONTENT_WIDTH, Cell, Column, Layout, fits
from simulator.report.sections import chart_text, fund_name, program_name, shown_name, target_name
from simulator.report.store import RunStore
from simulator.report.tables import (
    appropriations,
    is_budget,
    mean_income,
    mean_paid,
    needed,
    needed_level,
    unpaid_means,
)
from simulator.report.texts import bt

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


def money_table(lay: Layout, label_header: str, rows: Sequence[tuple[str, Sequence[float]]], years: Sequence[int],
                *, totals: Sequence[int] = (), as_of: str | None = None) -> list[Flowable]:
    """Tables of amounts (fen) by row and year, with a horizon-total column, in 万元 with two decimals.

    Args:
        lay: the report layout.
        label_header: the header of the label column.
        rows: ``(label, one amount per year)``; a NaN amount (and a total over
            one) prints as a dash.
        years: the years of the columns.
        totals: indexes of rows to shade as totals.
        as_of: the date of a nowcast run's actual figures: each year's header
            then says whether the year is actual, part actual or projected.

    Returns:
        One table per chunk of years (the total column is on the last).
    """
    lang = lay.lang
    out: list[Flowable] = []
    chunks = _year_chunks(years)
    for n, chunk in enumerate(chunks):
        last = n == len(chunks) - 1
        heads = [nowcast.year_heading(y, as_of, lang) for y in chunk] + ([bt("col_year_total", lang)] if last else [])
        num_w = min(1.9 * cm, (CONTENT_WIDTH - 3.6 * cm) / max(len(heads), 1))
        cols = [Column(label_header, CONTENT_WIDTH - num_w * len(heads))]
        cols += [Column(h, num_w, True) for h in heads]
        body: list[list[Cell]] = []
        for label, values in rows:
            by_year = dict(zip(years, values, strict=True))
            cells = [fmt.table_money(by_year[y], lang) for y in chunk]
            if last:
                cells.append(fmt.table_money(sum(values), lang))
            body.append([label, *cells])
        numbers = [str(c) for row in body for c in row[1:]]
        small = not fits(numbers, lay.font, lay.styles["cell_num"].fontSize, num_w)
        out += [lay.table(cols, body, total_rows=totals, small_numbers=small), lay.spacer(4)]
    return out


def _fund_panels(store: RunStore, lang: fmt.Lang) -> list[grids.Panel]:
    panels = []
    actuals = nowcast.actuals_of(store)
    for a in outcomes.fund_answers(store):
        bands = analysis.cumulative_draw_bands(store, a.fund)
        steps = analysis.cumulative_appropriations(store, a.fund)
        marker = a.exhaustion_median if a.p_exhausted > 0 else None
        panels.append(grids.Panel(
            title=f"{chart_text(fund_name(store, a.fund, lang))} ({fmt.prob(a.p_exhausted)})",
            bands=bands, steps=[(str(m), float(v)) for m, v in zip(steps["month"], steps["cum_fen"], strict=True)],
            marker=marker, from_zero=True, actuals=actuals.points("fund", a.fund) if actuals else (),
            as_of=actuals.as_of if actuals else None))
    return panels


def budget_section(lay: Layout, store: RunStore) -> list[Flowable]:
    """Funds and budget: a panel per fund, then the budget tables by level, by fund and the money needed."""
    lang = lay.lang
    reps = fmt.number(analysis.n_reps(store))
    story: list[Flowable] = [lay.h1(bt("funds_heading", lang))]
    story += grids.grid(lay, _fund_panels(store, lang))
    as_of = nowcast.as_of_of(store)
    caption = bt("grid_funds_caption", lang, reps=reps)
    if as_of:
        caption += ("" if lang == "zh" else " ") + bt("grid_nowcast_note", lang, date=as_of)
    story.append(lay.caption(caption))
    levels = level_tables(lay, store)
    head: list[Flowable] = [lay.h1(bt("budget_heading", lang))]
    if as_of:  # what the marks of the year columns mean, kept with the first table
        head.append(lay.para(bt("split_note", lang, date=as_of), "note"))
    story += [KeepTogether([*head, levels[0]]), *levels[1:]]
    story += fund_tables(lay, store)
    story += check_tables(lay, store)
    story += needed_tables(lay, store)
    return story


def level_tables(lay: Layout, store: RunStore) -> list[Flowable]:
    """Mean paid by level and year, budget funds summed to a total, non-budget money apart."""
    lang = lay.lang
    years = analysis.horizon_years(store)
    budget = mean_paid(store, "level", budget_only=True)
    rows: list[tuple[str, Sequence[float]]] = [
        (level_label(str(k), lang, store.jurisdictions), list(budget.loc[k])) for k in budget.index]
    totals = [len(rows)]
    rows.append((bt("row_budget_total", lang), [float(budget[y].sum()) for y in years]))
    other = mean_paid(store, "level", budget_only=False)
    if len(other):
        rows.append((bt("row_non_budget", lang), [float(other[y].sum()) for y in years]))
    flow = money_table(lay, bt("col_level", lang), rows, years, totals=totals, as_of=nowcast.as_of_of(store))
    return [KeepTogether([lay.h2(bt("budget_level_heading", lang)), *flow[:1]]), *flow[1:],
            lay.caption(bt("budget_level_note", lang, reps=fmt.number(analysis.n_reps(store))))]


def fund_tables(lay: Layout, store: RunStore) -> list[Flowable]:
    """Appropriated, mean paid and mean distributions credited by fund and year, with budget totals."""
    lang = lay.lang
    years = analysis.horizon_years(store)
    kinds = {"kind_approp": appropriations(store), "kind_paid": mean_paid(store, "fund")}
    income = mean_income(store)
    if len(income):
        kinds["kind_income"] = income
    rows: list[tuple[str, Sequence[float]]] = []
    ids = [f for f in store.funds if is_budget(store, f)] + [f for f in store.funds if not is_budget(store, f)]
    sums = {kind: [0.0] * len(years) for kind in kinds}
    actuals = nowcast.actuals_of(store)
    observed = {f for f in ids if actuals and actuals.points("fund", f)}
    for fid in ids:
        name = fund_name(store, fid, lang)
        if not is_budget(store, fid):
            name += f"（{bt('row_non_budget', lang)}）" if lang == "zh" else f" ({bt('row_non_budget', lang)})"
        for kind, frame in kinds.items():
            if kind == "kind_income" and fid not in frame.index:
                continue
            values = [float(frame.loc[fid, y]) if fid in frame.index else 0.0 for y in years]
            rows.append((f"{name} · {bt(kind, lang)}", values))
            if is_budget(store, fid):
                sums[kind] = [x + y for x, y in zip(sums[kind], values, strict=True)]
            if kind == "kind_paid" and actuals and fid in observed:  # the facts next to the model's means
                paid = nowcast.paid_by_year(actuals, fid, years, str(store.scenario["start"]))
                rows.append((f"{name} · {bt('kind_actual_paid', lang)}", paid))
    totals = list(range(len(rows), len(rows) + len(kinds)))
    rows += [(f"{bt('row_budget_total', lang)} · {bt(kind, lang)}", values) for kind, values in sums.items()]
    flow = money_table(lay, bt("col_fund", lang), rows, years, totals=totals, as_of=actuals.as_of if actuals else None)
    note = bt("budget_fund_note", lang, reps=fmt.number(analysis.n_reps(store)))
    if len(income):
        note += ("" if lang == "zh" else " ") + bt("budget_income_note", lang)
    if observed:
        note += ("" if lang == "zh" else " ") + bt("budget_actual_note", lang)
    return [KeepTogether([lay.h2(bt("budget_fund_heading", lang)), *flow[:1]]), *flow[1:], lay.caption(note)]


def check_tables(lay: Layout, store: RunStore) -> list[Flowable]:
    """Each actual figure next to the model's on its date (a nowcast run only; empty otherwise)."""
    lang = lay.lang
    actuals = nowcast.actuals_of(store)
    if not actuals or not actuals.rows:
        return []
    cols = [Column(bt("col_date", lang), 2.0 * cm), Column(bt("col_id", lang), 2.2 * cm),
            Column(bt("col_name", lang), CONTENT_WIDTH - 13.1 * cm), Column(bt("col_actual", lang), 2.5 * cm, True),
            Column(bt("col_model_p50", lang), 2.5 * cm, True), Column(bt("col_model_band", lang), 3.9 * cm, True)]
    rows: list[list[Cell]] = []
    for c in nowcast.checks(store, actuals):
        r = c.row
        show = _actual_format(store, r, lang)
        name = _actual_name(store, r, lang)
        m = c.model
        rows.append([r.date, r.id, name, show(r.value), show(m["p50"]) if m else fmt.DASH,
                     f"{show(m['p5'])} – {show(m['p95'])}" if m else fmt.DASH])
    reps = fmt.number(analysis.n_reps(store))
    return [KeepTogether([lay.h2(bt("actuals_check_heading", lang, date=actuals.as_of)), lay.table(cols, rows)]),
            lay.caption(bt("actuals_check_note", lang, reps=reps))]


def _actual_name(store: RunStore, row: nowcast.ActualRow, lang: fmt.Lang) -> str:
    """The name of what an actual figure observes: a fund, target, program, or the city of a population."""
    if row.kind == "fund":
        return fund_name(store, row.id, lang)
    if row.kind == "target":
        return target_name(store, row.id, lang)
    if row.kind == "program":
        return program_name(store, row.id, lang)
    return shown_name(store.jurisdictions.get(row.id), lang, row.id)


def _actual_format(store: RunStore, row: nowcast.ActualRow, lang: fmt.Lang) -> Callable[[float], str]:
    """How an actual figure and the model's next to it print: money for a fund, the target's unit, else a number."""
    if row.kind == "fund":
        return lambda v: fmt.money(v, lang)
    if row.kind == "target":
        unit = str((store.targets.get(row.id) or {}).get("unit") or "")
        return lambda v: fmt.metric_value(v, unit, lang)
    return fmt.smart_number


def needed_tables(lay: Layout, store: RunStore) -> list[Flowable]:
    """The money needed by fund and year, with the budget total."""
    lang = lay.lang
    years = analysis.horizon_years(store)
    need = needed(store)
    level = fmt.pct(needed_level(store), 0)
    rows: list[tuple[str, Sequence[float]]] = []
    total = [0.0] * len(years)
    for fid in store.funds:
        block = need.get(fid)
        if not block:
            continue
        per = block.get("per_year_yuan") or {}
        values = [float(per.get(str(y), 0)) * 100 for y in years]
        rows.append((fund_name(store, fid, lang), values))
        if is_budget(store, fid):
            total = [x + y for x, y in zip(total, values, strict=True)]
    if not rows:
        return []
    rows.append((bt("row_budget_total", lang), total))
    flow = money_table(lay, bt("col_fund", lang), rows, years, totals=[len(rows) - 1], as_of=nowcast.as_of_of(store))
    return [KeepTogether([lay.h2(bt("budget_needed_heading", lang, level=level)), *flow[:1]]), *flow[1:],
            lay.caption(bt("budget_needed_note", lang, level=level))]


def arrears_section(lay: Layout, store: RunStore) -> list[Flowable]:
    """Arrears, refusals and pro-rata cuts by fund and year (means), only where they occur."""
    lang = lay.lang
    story: list[Flowable] = [lay.h1(bt("arrears_heading", lang))]
    un = unpaid_means(store)
    if un.empty:
        return [*story, lay.para(bt("arrears_none", lang))]
    as_of = nowcast.as_of_of(store)
    wide = 0.8 * cm if as_of else 0.0  # room for the year's "actual / part actual / projected"
    cols = [Column(bt("col_fund", lang), 6.2 * cm - wide), Column(bt("col_year", lang), 1.4 * cm + wide),
            Column(bt("col_arrears", lang), 2.4 * cm, True), Column(bt("col_refused", lang), 2.3 * cm, True),
            Column(bt("col_cut", lang), 2.3 * cm, True), Column(bt("col_p_unpaid", lang), 2.4 * cm, True)]
    rows: list[list[Cell]] = [[fund_name(store, str(r.fund), lang), nowcast.year_heading(int(r.year), as_of, lang),
                               fmt.table_money(r.arrears_fen, lang), fmt.table_money(r.refused_fen, lang),
                               fmt.table_money(r.prorata_cut_fen, lang), fmt.prob(r.p_unpaid)]
                              for r in un.itertuples()]
    return [*story, lay.table(cols, rows),
            lay.caption(bt("arrears_note", lang, reps=fmt.number(analysis.n_reps(store))))]


def program_rows(store: RunStore, lang: fmt.Lang) -> tuple[list[tuple[str, Sequence[float]]], list[int]]:
    """Mean paid by program and year, with the total row (for the appendix)."""
    years = analysis.horizon_years(store)
    paid = mean_paid(store, "program")
    rows: list[tuple[str, Sequence[float]]] = [
        (f"{k} {program_name(store, str(k), lang)}", list(paid.loc[k])) for k in paid.index]
    rows.append((bt("row_total", lang), [float(paid[y].sum()) if len(paid) else 0.0 for y in years]))
    return rows, [len(rows) - 1]

