"""The summary section of a PDF report (used side by side by the comparison report) and the run's facts.

Also the naming helpers every section uses: names are shown in the report's
language, at most :data:`simulator.names.NAME_MAX` characters (a store written
before names were bounded may hold longer ones), control characters escaped.
The brief is in :mod:`simulator.report.brief`, the targets pages in
:mod:`simulator.report.targets`, the budget and arrears pages in
:mod:`simulator.report.budget`, the cities page in
:mod:`simulator.report.cities`, the appendix in :mod:`simulator.report.appendix`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from reportlab.lib.units import cm
from reportlab.platypus import Flowable

from simulator.names import LINE_MAX, NAME_MAX, printable, shorten
from simulator.report import analysis, fmt, outcomes
from simulator.report.fmt import Lang
from simulator.report.i18n import display_name, engine_label, t
from simulator.report.layout import Cell, Column, Layout
from simulator.report.outcomes import FundAnswer, TargetAnswer
from simulator.report.store import RunStore

# --------------------------------------------------------------------------- naming helpers


def shown_name(entry: Mapping[str, Any] | None, lang: Lang, fallback: str) -> str:
    """A manifest entry's name as the report shows it: in its language, at most :data:`NAME_MAX` characters.

    Stores written before names were bounded may hold longer names; they are
    cut with an ellipsis. Control characters are shown as escapes.

    >>> name = shown_name({"name": "资金" * 200}, "zh", "F")
    >>> len(name), name[-2:]
    (300, '资…')
    """
    return shorten(printable(display_name(entry, lang, fallback)), NAME_MAX)


def chart_text(text: str) -> str:
    r"""Text for a chart: a ``$`` prints as a dollar sign, never starting mathtext.

    >>> chart_text("$x^2$ fund")
    '\\$x^2\\$ fund'
    """
    return text.replace("$", r"\$")


def scenario_name(store: RunStore, lang: Lang) -> str:
    """Display name of a run's scenario (its id if it has no name)."""
    sc = store.scenario
    return shown_name(sc, lang, str(sc.get("id") or store.path.name))


def fund_name(store: RunStore, fund: str, lang: Lang) -> str:
    """Display name of a fund (its id if it has no name)."""
    return shown_name(store.funds.get(fund), lang, fund)


def program_name(store: RunStore, program: str, lang: Lang) -> str:
    """Display name of a program (its id if it has no name)."""
    return shown_name(store.programs.get(program), lang, program)


def target_name(store: RunStore, target: str, lang: Lang) -> str:
    """Display name of a target (its id if it has no name)."""
    return shown_name(store.targets.get(target), lang, target)


SHORT_SOURCE = 24
"""Longest source text quoted after a target id in a sentence (longer ones are on the target page)."""


def clause(ans: TargetAnswer, short: bool = False) -> str:
    """The target id and its source clause, e.g. ``TA-T5 · 001 10``.

    Args:
        ans: the target.
        short: leave out a source longer than :data:`SHORT_SOURCE` characters.

    Returns:
        The id, with the source when it is known (and short enough).
    """
    source = shorten(printable(ans.entry.get("source") or "").strip(), LINE_MAX)
    if source and source != ans.target and not (short and len(source) > SHORT_SOURCE):
        return f"{ans.target} · {source}"
    return ans.target


def value_range(lo: float | None, hi: float | None, f: object) -> str:
    """Two values formatted by ``f``, joined by a dash."""
    return f"{f(lo)}–{f(hi)}"  # type: ignore[operator]


def execution_rate(ans: FundAnswer) -> float | None:
    """The median draw as a share of the appropriation (None without appropriation)."""
    if not ans.appropriated:
        return None
    return ans.drawn.get("p50", math.nan) / ans.appropriated


def sep(lang: Lang) -> str:
    """What goes between two sentences: nothing after '。', a space after '.'."""
    return " " if lang == "en" else ""


# --------------------------------------------------------------------------- sections


def run_facts(store: RunStore, lang: Lang) -> list[tuple[str, Cell]]:
    """The facts of a run: scenario, horizon, seed, replications, engine, versions, timing, folder."""
    sc = store.scenario
    m = store.manifest
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
    return [
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
    funds = outcomes.fund_answers(store)
    targets = outcomes.target_answers(store)
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
    story += [lay.bullet(text) for text in target_sentences(store, targets, lang)]
    story += [lay.bullet(text) for text in fund_sentences(store, funds, lang)]
    story += _summary_targets_table(lay, store, targets, reps)
    story += _summary_funds_table(lay, store, funds, reps)
    return story


def target_sentences(store: RunStore, targets: Sequence[TargetAnswer], lang: Lang) -> list[str]:
    """One sentence per target: the chance of reaching it and the value at its deadline."""
    out: list[str] = []
    for a in targets:
        text = t(
            "target_sentence_input" if a.set_by == "input" else "target_sentence",
            lang,
            target=target_name(store, a.target, lang),
            clause=clause(a, short=True),
            deadline=fmt.date(a.deadline, lang),
            threshold=fmt.metric_value(a.threshold, a.unit, lang),
            p=fmt.prob(a.p_attained),
            p50=fmt.metric_value(a.value.get("p50"), a.unit, lang),
            p5=fmt.metric_value(a.value.get("p5"), a.unit, lang),
            p95=fmt.metric_value(a.value.get("p95"), a.unit, lang),
        )
        note = outcomes.not_moved_note(a, lang)
        out.append(text + (sep(lang) + note + t("full_stop", lang) if note else ""))
    return out


def fund_sentences(store: RunStore, funds: Sequence[FundAnswer], lang: Lang) -> list[str]:
    """One sentence per fund: what is drawn, whether it runs dry, what is left unpaid."""
    out: list[str] = []
    for f in funds:
        rate = execution_rate(f)
        text = t(
            "fund_sentence",
            lang,
            fund=fund_name(store, f.fund, lang),
            p50=fmt.money(f.drawn.get("p50"), lang),
            p5=fmt.money(f.drawn.get("p5"), lang),
            p95=fmt.money(f.drawn.get("p95"), lang),
            approp=fmt.money(f.appropriated, lang),
            rate=fmt.pct(rate) if rate is not None else fmt.DASH,
        )
        if f.p_exhausted > 0:
            text += sep(lang) + t(
                "exhaust_yes",
                lang,
                p=fmt.prob(f.p_exhausted),
                month=fmt.month(f.exhaustion_median, lang),
            )
        else:
            text += sep(lang) + t("exhaust_no", lang)
        # the typical case only: tails are in the table below
        if f.arrears_end.get("p50", 0.0) > 0 or f.refused.get("p50", 0.0) > 0:
            text += sep(lang) + t(
                "arrears_sentence",
                lang,
                a50=fmt.money(f.arrears_end.get("p50"), lang),
                a95=fmt.money(f.arrears_end.get("p95"), lang),
                r50=fmt.money(f.refused.get("p50"), lang),
                r95=fmt.money(f.refused.get("p95"), lang),
            )
        out.append(text)
    return out


def _summary_targets_table(
    lay: Layout, store: RunStore, targets: Sequence[TargetAnswer], reps: int
) -> list[Flowable]:
    lang = lay.lang
    if not targets:
        return []
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
                target_name(store, a.target, lang),
                a.target,
                fmt.metric_value(a.threshold, a.unit, lang),
                fmt.date(a.deadline, lang),
                outcomes.attainment_label(a, lang),
                f"{fmt.metric_value(v.get('p50'), a.unit, lang)} "
                f"({fmt.metric_value(v.get('p5'), a.unit, lang)}–{fmt.metric_value(v.get('p95'), a.unit, lang)})",
                fmt.month(a.median_date_attained, lang),
            ]
        )
    return [
        lay.h2(t("targets_table_heading", lang)),
        lay.table(cols, rows),
        lay.caption(t("cap_targets_table", lang, reps=fmt.number(reps))),
    ]


def _summary_funds_table(
    lay: Layout, store: RunStore, funds: Sequence[FundAnswer], reps: int
) -> list[Flowable]:
    lang = lay.lang
    if not funds:
        return []
    unit = fmt.table_money_unit(lang)
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
                fund_name(store, f.fund, lang),
                fmt.table_money(f.appropriated, lang),
                fmt.table_money(f.drawn.get("p50"), lang),
                value_range(
                    f.drawn.get("p5"), f.drawn.get("p95"), lambda v: fmt.table_money(v, lang)
                ),
                fmt.prob(f.p_exhausted),
                fmt.month(f.exhaustion_median, lang) if f.p_exhausted > 0 else fmt.DASH,
                f"{fmt.table_money(f.arrears_end.get('p50'), lang)} ({fmt.table_money(f.arrears_end.get('p95'), lang)})",
                f"{fmt.table_money(f.refused.get('p50'), lang)} ({fmt.table_money(f.refused.get('p95'), lang)})",
            ]
        )
    return [
        lay.h2(t("funds_table_heading", lang)),
        lay.table(cols, rows),
        lay.caption(t("cap_funds_table", lang, reps=fmt.number(reps), unit=unit)),
    ]
