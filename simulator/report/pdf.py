"""PDF reports of run stores: a single run, and several runs side by side.

The run report puts the answers first (a one-page summary), then the budget
pages (fan charts per fund, yearly draw by level, program and fund), arrears
and refusals, one page block per target, and an appendix with every input and
its source. Every chart and table is followed by one line defining its
figures. See :mod:`simulator.report.sweep` for the sweep report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from reportlab.lib.units import cm
from reportlab.platypus import Flowable, KeepTogether, PageBreak

from simulator.report import analysis, charts, fmt
from simulator.report.analysis import FundAnswer, TargetAnswer
from simulator.report.fmt import Lang
from simulator.report.i18n import (
    check_lang,
    display_name,
    engine_label,
    level_label,
    level_sort_key,
    source_kind_label,
    t,
)
from simulator.report.layout import CONTENT_WIDTH, Cell, Column, Layout, write_pdf
from simulator.report.store import RunStore, open_run

YEARS_PER_TABLE = 8
"""Year columns per table at most; longer horizons are split into balanced tables."""

RUNS_PER_TABLE = 4
"""Scenario columns per comparison table before it is split."""


# --------------------------------------------------------------------------- naming helpers


def scenario_name(store: RunStore, lang: Lang) -> str:
    """Display name of a run's scenario (its id if it has no name)."""
    sc = store.scenario
    return display_name(sc, lang, str(sc.get("id") or store.path.name))


def _fund_name(store: RunStore, fund: str, lang: Lang) -> str:
    return display_name(store.funds.get(fund), lang, fund)


def _program_name(store: RunStore, program: str, lang: Lang) -> str:
    return display_name(store.programs.get(program), lang, program)


def _target_name(store: RunStore, target: str, lang: Lang) -> str:
    return display_name(store.targets.get(target), lang, target)


SHORT_SOURCE = 24
"""Longest source text quoted after a target id in a sentence (longer ones are on the target page)."""


def _clause(ans: TargetAnswer, short: bool = False) -> str:
    """The target id and its source clause, e.g. ``TA-T5 · 001 10``.

    Args:
        ans: the target.
        short: leave out a source longer than :data:`SHORT_SOURCE` characters.

    Returns:
        The id, with the source when it is known (and short enough).
    """
    source = str(ans.entry.get("source") or "").strip()
    if source and source != ans.target and not (short and len(source) > SHORT_SOURCE):
        return f"{ans.target} · {source}"
    return ans.target


def _range(lo: float | None, hi: float | None, f: object) -> str:
    return f"{f(lo)}–{f(hi)}"  # type: ignore[operator]


def _execution_rate(ans: FundAnswer) -> float | None:
    if not ans.appropriated:
        return None
    return ans.drawn.get("p50", math.nan) / ans.appropriated


# --------------------------------------------------------------------------- sections


def _cover(lay: Layout, store: RunStore, title: str) -> list[Flowable]:
    lang = lay.lang
    sc = store.scenario
    m = store.manifest
    other = display_name(sc, "zh" if lang == "en" else "en", "")
    name = scenario_name(store, lang)
    timings = m.get("timings") or {}
    versions = m.get("versions") or {}
    runtime = fmt.DASH
    if isinstance(timings.get("total_s"), int | float):
        per = timings.get("per_rep_s")
        runtime = t(
            "runtime_value",
            lang,
            total=fmt.number(timings["total_s"], 1),
            per=fmt.smart_number(per) if isinstance(per, int | float) else fmt.DASH,
        )
    pairs: list[tuple[str, Cell]] = [
        (t("report_date", lang), fmt.today(lang)),
        (t("scenario_id", lang), str(sc.get("id") or fmt.DASH)),
        (t("scenario_file", lang), str(sc.get("file") or fmt.DASH)),
        (
            t("horizon", lang),
            t(
                "horizon_value",
                lang,
                start=fmt.date(sc.get("start"), lang),
                end=fmt.date(sc.get("end"), lang),
            ),
        ),
        (t("seed", lang), str(m.get("seed", fmt.DASH))),
        (t("reps", lang), fmt.number(store.reps)),
        (t("engine", lang), engine_label(str(m.get("engine", fmt.DASH)), lang)),
        (t("version", lang), str(m.get("version", fmt.DASH))),
        (t("scenario_hash", lang), str(sc.get("hash") or fmt.DASH)),
        (t("created", lang), str(m.get("created") or fmt.DASH)),
        (t("runtime", lang), runtime),
        (t("software", lang), ", ".join(f"{k} {v}" for k, v in versions.items()) or fmt.DASH),
        (t("store_dir", lang), str(store.path.resolve())),
    ]
    story: list[Flowable] = [
        lay.spacer(3.5 * cm),
        lay.para(title, "kicker"),
        lay.para(name, "title"),
    ]
    if other and other != name:
        story.append(lay.para(other, "subtitle"))
    story += [lay.spacer(0.8 * cm), lay.key_values(pairs), lay.spacer(0.8 * cm)]
    story.append(lay.para(t("cover_note", lang, reps=fmt.number(store.reps)), "note"))
    return story


def summary_section(lay: Layout, store: RunStore, heading: str | None = None) -> list[Flowable]:
    """The answers-first summary of one run.

    Args:
        lay: the report layout.
        store: the run store.
        heading: section heading (default: "summary of findings").

    Returns:
        The flowables of the section.
    """
    lang = lay.lang
    reps = analysis.n_reps(store)
    sc = store.scenario
    funds = analysis.fund_answers(store)
    targets = analysis.target_answers(store)
    story: list[Flowable] = [lay.h1(heading or t("summary_heading", lang))]
    story.append(
        lay.para(
            t(
                "summary_intro",
                lang,
                reps=fmt.number(reps),
                seed=store.manifest.get("seed", fmt.DASH),
                start=fmt.date(sc.get("start"), lang),
                end=fmt.date(sc.get("end"), lang),
            )
        )
    )
    story.append(lay.spacer(4))
    for a in targets:
        text = t(
            "target_sentence",
            lang,
            target=_target_name(store, a.target, lang),
            clause=_clause(a, short=True),
            deadline=fmt.date(a.deadline, lang),
            threshold=fmt.metric_value(a.threshold, a.unit, lang),
            p=fmt.prob(a.p_attained),
            p50=fmt.metric_value(a.value.get("p50"), a.unit, lang),
            p5=fmt.metric_value(a.value.get("p5"), a.unit, lang),
            p95=fmt.metric_value(a.value.get("p95"), a.unit, lang),
        )
        story.append(lay.bullet(text))

    for f in funds:
        rate = _execution_rate(f)
        text = t(
            "fund_sentence",
            lang,
            fund=_fund_name(store, f.fund, lang),
            p50=fmt.money(f.drawn.get("p50"), lang),
            p5=fmt.money(f.drawn.get("p5"), lang),
            p95=fmt.money(f.drawn.get("p95"), lang),
            approp=fmt.money(f.appropriated, lang),
            rate=fmt.pct(rate) if rate is not None else fmt.DASH,
        )
        if f.p_exhausted > 0:
            text += _sep(lang) + t(
                "exhaust_yes",
                lang,
                p=fmt.prob(f.p_exhausted),
                month=fmt.month(f.exhaustion_median, lang),
            )
        else:
            text += _sep(lang) + t("exhaust_no", lang)
        # the typical case only: tails are in the table below
        if f.arrears_end.get("p50", 0.0) > 0 or f.refused.get("p50", 0.0) > 0:
            text += _sep(lang) + t(
                "arrears_sentence",
                lang,
                a50=fmt.money(f.arrears_end.get("p50"), lang),
                a95=fmt.money(f.arrears_end.get("p95"), lang),
                r50=fmt.money(f.refused.get("p50"), lang),
                r95=fmt.money(f.refused.get("p95"), lang),
            )
        story.append(lay.bullet(text))
    unit = fmt.table_money_unit(lang)
    if targets:
        cols = [
            Column(t("col_target", lang), 4.1 * cm),
            Column(t("col_target_id", lang), 1.6 * cm),
            Column(t("col_threshold", lang), 1.6 * cm, True),
            Column(t("col_deadline", lang), 2.5 * cm, True),
            Column(t("col_p_attained", lang), 1.7 * cm, True),
            Column(t("col_value_deadline", lang), 3.3 * cm, True),
            Column(t("col_date_attained", lang), 2.2 * cm, True),
        ]
        rows: list[list[Cell]] = []
        for a in targets:
            v = a.value
            rows.append(
                [
                    _target_name(store, a.target, lang),
                    a.target,
                    fmt.metric_value(a.threshold, a.unit, lang),
                    fmt.date(a.deadline, lang),
                    fmt.prob(a.p_attained),
                    f"{fmt.metric_value(v.get('p50'), a.unit, lang)} "
                    f"({fmt.metric_value(v.get('p5'), a.unit, lang)}–{fmt.metric_value(v.get('p95'), a.unit, lang)})",
                    fmt.month(a.median_date_attained, lang),
                ]
            )
        story += [
            lay.h2(t("targets_table_heading", lang)),
            lay.table(cols, rows),
            lay.caption(t("cap_targets_table", lang, reps=fmt.number(reps))),
        ]
    if funds:
        cols = [
            Column(t("col_fund", lang), 3.0 * cm),
            Column(t("col_appropriated", lang), 2.0 * cm, True),
            Column(t("col_drawn_p50", lang), 1.9 * cm, True),
            Column(t("col_drawn_range", lang), 2.4 * cm, True),
            Column(t("col_p_exhausted", lang), 1.7 * cm, True),
            Column(t("col_exhaustion_month", lang), 1.8 * cm, True),
            Column(t("col_arrears", lang), 2.1 * cm, True),
            Column(t("col_refused", lang), 2.1 * cm, True),
        ]
        rows = []
        for f in funds:
            rows.append(
                [
                    _fund_name(store, f.fund, lang),
                    fmt.table_money(f.appropriated, lang),
                    fmt.table_money(f.drawn.get("p50"), lang),
                    _range(
                        f.drawn.get("p5"), f.drawn.get("p95"), lambda v: fmt.table_money(v, lang)
                    ),
                    fmt.prob(f.p_exhausted),
                    fmt.month(f.exhaustion_median, lang) if f.p_exhausted > 0 else fmt.DASH,
                    f"{fmt.table_money(f.arrears_end.get('p50'), lang)} ({fmt.table_money(f.arrears_end.get('p95'), lang)})",
                    f"{fmt.table_money(f.refused.get('p50'), lang)} ({fmt.table_money(f.refused.get('p95'), lang)})",
                ]
            )
        story += [
            lay.h2(t("funds_table_heading", lang)),
            lay.table(cols, rows),
            lay.caption(t("cap_funds_table", lang, reps=fmt.number(reps), unit=unit)),
        ]
    return story


def _sep(lang: Lang) -> str:
    """What goes between two sentences: nothing after '。', a space after '.'."""
    return " " if lang == "en" else ""


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
    fund_ids = [f.fund for f in analysis.fund_answers(store)]
    for fid in fund_ids:
        png = charts.fund_fan_chart(
            analysis.cumulative_draw_bands(store, fid),
            analysis.cumulative_appropriations(store, fid),
            _fund_name(store, fid, lang),
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
    program_labels = {k: _program_name(store, k, lang) for k in dict.fromkeys(by_program["key"])}
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
            block = [lay.para(_fund_name(store, fid, lang), "body"), lay.table(cols, rows)]
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
                    _fund_name(store, str(r["fund"]), lang),
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
            _program_name(store, str(r["program"]), lang),
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


def targets_section(lay: Layout, store: RunStore) -> list[Flowable]:
    """One block per target: the facts, the fan chart, the year-end quantiles."""
    lang = lay.lang
    reps = fmt.number(analysis.n_reps(store))
    story: list[Flowable] = [lay.h1(t("targets_heading", lang))]
    for i, a in enumerate(analysis.target_answers(store)):
        if i:
            story.append(PageBreak())
        name = _target_name(store, a.target, lang)
        story.append(lay.h2(name))
        v = a.value
        text = t(
            "target_detail",
            lang,
            threshold=fmt.metric_value(a.threshold, a.unit, lang),
            deadline=fmt.date(a.deadline, lang),
            clause=_clause(a),
            p=fmt.prob(a.p_attained),
            p50=fmt.metric_value(v.get("p50"), a.unit, lang),
            p5=fmt.metric_value(v.get("p5"), a.unit, lang),
            p95=fmt.metric_value(v.get("p95"), a.unit, lang),
        )
        if a.median_date_attained:
            text += _sep(lang) + t(
                "attained_median", lang, month=fmt.month(a.median_date_attained, lang)
            )
        else:
            text += _sep(lang) + t("never_attained", lang)
        story.append(lay.para(text))
        story.append(lay.spacer(4))
        bands = analysis.metric_bands(store, a.target)
        png = charts.target_fan_chart(
            bands,
            target_name=name,
            threshold=a.threshold,
            deadline=a.deadline,
            p_attained=a.p_attained,
            unit=a.unit,
            lang=lang,
        )
        story.append(lay.chart(png, t("cap_target_fan", lang, reps=reps)))
        if a.yearly:
            cols = [
                Column(t("col_year", lang), 4.0 * cm),
                Column(t("col_p5", lang), 3.0 * cm, True),
                Column(t("col_p50", lang), 3.0 * cm, True),
                Column(t("col_p95", lang), 3.0 * cm, True),
            ]
            rows: list[list[Cell]] = [
                [y] + [fmt.metric_value(q.get(k), a.unit, lang) for k in ("p5", "p50", "p95")]
                for y, q in a.yearly.items()
            ]
            story += [
                lay.para(t("target_yearly_heading", lang), "body"),
                lay.table(cols, rows),
                lay.caption(t("cap_target_yearly", lang, reps=reps)),
            ]
    return story


def appendix_section(lay: Layout, store: RunStore) -> list[Flowable]:
    """Every input of the scenario with its value and source."""
    lang = lay.lang
    story: list[Flowable] = [lay.h1(t("appendix_heading", lang))]
    inputs = analysis.inputs_frame(store)
    if inputs.empty:
        story.append(lay.para(t("no_inputs", lang)))
        return story
    cols = [
        Column(t("col_path", lang), 4.5 * cm),
        Column(t("col_value", lang), 2.4 * cm),
        Column(t("col_source_kind", lang), 2.0 * cm),
        Column(t("col_source", lang), 3.2 * cm),
        Column(t("col_rationale", lang), CONTENT_WIDTH - 12.1 * cm),
    ]
    rows: list[list[Cell]] = [
        [
            r["path"],
            r["value"],
            source_kind_label(r["source_kind"], lang),
            r["source"],
            r["rationale"],
        ]
        for _i, r in inputs.iterrows()
    ]
    story += [lay.table(cols, rows), lay.caption(t("cap_appendix", lang))]
    return story


# --------------------------------------------------------------------------- builders


_CITY_TEXT = {
    "zh": {
        "heading": "各市对比",
        "city": "城市",
        "targets": "目标数",
        "likely": "达成概率≥50%的目标",
        "mean_p": "平均达成概率",
        "appropriated": "市县资金预算（{unit}）",
        "drawn": "市县资金拨付中位数（{unit}）",
        "province": "省级资金拨付中位数（{unit}）",
        "caption": "各市目标单独评估；市县资金为该市及其所属县（市、区）、园区所有资金之和；省级资金为省级资金池支付给该市项目的部分。"
                   "拨付额为 {reps} 次重复模拟中各次模拟期内合计值的中位数（先求和再取中位数）。",
    },
    "en": {
        "heading": "Cities side by side",
        "city": "City",
        "targets": "Targets",
        "likely": "Targets with P(attained) >= 50%",
        "mean_p": "Mean P(attained)",
        "appropriated": "City and county funds, appropriated ({unit})",
        "drawn": "City and county funds, median drawn ({unit})",
        "province": "Provincial money to the city's programs, median ({unit})",
        "caption": "Each city's targets are evaluated on their own. City and county funds: every fund owned by the city, "
                   "its counties, districts and zones. Provincial money: what provincial funds paid to the city's programs. "
                   "Draws are the median across {reps} replications of each replication's total over the horizon "
                   "(summed first, then the median).",
    },
}


@dataclass(frozen=True)
class CityFigures:
    """One city's line on the cities page of a multi-city run (money in fen)."""

    city: str
    targets: int
    likely: int  # targets attained in at least half of the replications
    assessed: int  # targets with a probability
    mean_p: float | None
    appropriated_fen: int  # every appropriation of the funds the city (or a place in it) owns
    drawn_median_fen: float  # median over replications of the total drawn from those funds
    province_median_fen: float  # median over replications of province money paid by the city's programs


def city_figures(store: RunStore) -> list[CityFigures]:
    """The cities of a run and their figures (empty for a single-city run)."""
    jur = store.jurisdictions
    cities = [k for k, j in jur.items() if j.get("level") == "city"]
    if len(cities) < 2:
        return []

    def city_of(jid: str | None) -> str | None:
        seen: set[str] = set()
        while jid is not None and jid in jur and jid not in seen:
            seen.add(jid)
            if jur[jid].get("level") == "city":
                return jid
            jid = jur[jid].get("parent")
        return None

    answers = analysis.target_answers(store)
    fy = store.table("fund_years", ["rep", "fund", "drawn_fen"])
    dr = store.table("draws", ["rep", "level", "program", "amount_fen"], [("level", "==", "province")])
    reps = max(store.reps, 1)
    prog_city = {pid: p.get("city") for pid, p in store.programs.items()}
    out: list[CityFigures] = []
    for c in cities:
        mine = [a for a in answers if store.targets.get(a.target, {}).get("city") == c]
        funds = [fid for fid, f in store.funds.items() if city_of(f.get("owner")) == c]
        approp = sum(sum(int(v) for v in store.funds[f].get("appropriations_fen", {}).values()) for f in funds)
        sub = fy[fy["fund"].isin(funds)] if len(fy) else fy
        per_rep = sub.groupby("rep")["drawn_fen"].sum().reindex(range(reps), fill_value=0) if len(sub) else None
        drawn = float(per_rep.median()) if per_rep is not None else 0.0
        progs = [pid for pid, pc in prog_city.items() if pc == c]
        psub = dr[(dr["level"] == "province") & (dr["program"].isin(progs))] if len(dr) else dr
        prov = (float(psub.groupby("rep")["amount_fen"].sum().reindex(range(reps), fill_value=0).median())
                if len(psub) else 0.0)
        ps = [a.p_attained for a in mine if a.p_attained is not None]
        out.append(CityFigures(c, len(mine), sum(1 for p in ps if p >= 0.5), len(ps),
                               sum(ps) / len(ps) if ps else None, approp, drawn, prov))
    return out


def cities_section(lay: Layout, store: RunStore) -> list[Flowable]:
    """A page with the cities of a multi-city run side by side (empty for one city)."""
    lang = lay.lang
    figures = city_figures(store)
    if not figures:
        return []
    text = _CITY_TEXT[lang]
    unit = fmt.table_money_unit(lang)
    jur = store.jurisdictions
    rows: list[list[Cell]] = [[
        display_name(jur[f.city], lang, f.city),
        fmt.number(f.targets),
        f"{f.likely} / {f.assessed}",
        fmt.prob(f.mean_p) if f.mean_p is not None else fmt.DASH,
        fmt.table_money(f.appropriated_fen, lang),
        fmt.table_money(f.drawn_median_fen, lang),
        fmt.table_money(f.province_median_fen, lang),
    ] for f in figures]
    w = CONTENT_WIDTH
    cols = [
        Column(text["city"], 0.14 * w),
        Column(text["targets"], 0.09 * w, True),
        Column(text["likely"], 0.14 * w, True),
        Column(text["mean_p"], 0.12 * w, True),
        Column(text["appropriated"].format(unit=unit), 0.17 * w, True),
        Column(text["drawn"].format(unit=unit), 0.17 * w, True),
        Column(text["province"].format(unit=unit), 0.17 * w, True),
    ]
    return [lay.h1(text["heading"]), lay.table(cols, rows),
            lay.caption(text["caption"].format(reps=fmt.number(store.reps)))]


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
    store = open_run(store_dir)
    lay = Layout(lg)
    title = t("report_title", lg)
    story: list[Flowable] = [*_cover(lay, store, title), PageBreak()]
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
    stores = [open_run(d) for d in store_dirs]
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
    fund_answers = [{a.fund: a for a in analysis.fund_answers(s)} for s in stores]
    target_answers = [{a.target: a for a in analysis.target_answers(s)} for s in stores]
    target_ids = list(dict.fromkeys(k for d in target_answers for k in d))
    fund_ids = list(dict.fromkeys(k for d in fund_answers for k in d))

    def first_name(kind: str, key: str) -> str:
        for s in stores:
            block = s.targets if kind == "target" else s.funds
            if key in block:
                return display_name(block[key], lang, key)
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
                f"{i + 1}. {n}": [d[tid].p_attained if tid in d else math.nan for tid in target_ids]
                for i, (n, d) in enumerate(zip(names, target_answers, strict=True))
            },
            index=[first_name("target", tid) for tid in target_ids],
        )
        story.append(
            lay.chart(charts.compare_probability_chart(data, lang), t("cap_compare_chart", lang))
        )
    return story
