"""Page 1 of a run report: the brief a director reads first.

One table row per target (with a green / amber / red outlook on its chance),
one per fund (appropriated, paid, the chance it runs short and when, arrears
at the end, the money needed), three sentences of findings computed from those
numbers, and one line saying what the bands include. A run with many targets
or funds shows those most at risk and points to the full tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.units import cm
from reportlab.platypus import Flowable

from simulator.report import fmt, nowcast, outcomes
from simulator.report.fmt import Lang
from simulator.report.layout import CONTENT_WIDTH, FRAME_HEIGHT, Cell, Column, Layout
from simulator.report.outcomes import TargetAnswer
from simulator.report.sections import fund_name, scenario_name, target_name
from simulator.report.store import RunStore
from simulator.report.tables import FundRow, fund_rows, needed_level
from simulator.report.texts import bt

LIMITS: tuple[tuple[int, int], ...] = ((12, 10), (10, 8), (8, 7), (7, 6), (6, 5), (5, 4))
"""Target and fund rows on the brief at most, tried in turn until the brief fits on one page
(the most at risk first; the rest are in the targets and funds sections)."""

LIGHT_COLOURS = {"green": colors.HexColor("#cfe8cf"), "amber": colors.HexColor("#f7e3b0"),
                 "red": colors.HexColor("#f2c4c0")}


@dataclass(frozen=True)
class BriefOptions:
    """Report options of the brief.

    Attributes:
        green: a chance at or above this is green.
        amber: a chance at or above this (and below ``green``) is amber; below, red.
    """

    green: float = 0.8
    amber: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 <= self.amber <= self.green <= 1.0:
            raise ValueError(f"outlook thresholds must satisfy 0 <= amber <= green <= 1, got {self.amber}, {self.green}")


def light(p: float | None, options: BriefOptions) -> str | None:
    """The outlook of a chance: ``"green"``, ``"amber"``, ``"red"``, or None without a chance.

    >>> o = BriefOptions()
    >>> light(0.8, o), light(0.79, o), light(0.5, o), light(0.49, o), light(None, o)
    ('green', 'amber', 'amber', 'red', None)
    """
    if p is None:
        return None
    if p >= options.green:
        return "green"
    return "amber" if p >= options.amber else "red"


def marked_name(store: RunStore, a: TargetAnswer, lang: Lang) -> str:
    """A target's name, marked when no instrument moves it (a modelled target only, see :func:`outcomes.not_moved_note`)."""
    name = target_name(store, a.target, lang)
    if outcomes.not_moved_note(a, lang) is None:
        return name
    mark = bt("no_instrument_mark", lang)
    return f"{name}（{mark}）" if lang == "zh" else f"{name} ({mark})"


def bands_line(store: RunStore, lang: Lang) -> str:
    """What the bands include: chance only, or parameters, common shocks and chance."""
    block = store.manifest.get("uncertainty")
    fixed = block.get("fixed_params", True) if isinstance(block, dict) else True
    return bt("bands_chance" if fixed is not False else "bands_full", lang)


def _share(p: float) -> str:
    return fmt.pct(p, 0)


def brief_section(lay: Layout, store: RunStore, options: BriefOptions | None = None) -> list[Flowable]:
    """The brief: targets, funds, three findings and what the bands include, on page 1.

    Args:
        lay: the report layout.
        store: the run store.
        options: outlook thresholds (default 80% and 50%).

    Returns:
        The flowables of the brief.
    """
    opts = options or BriefOptions()
    outcomes.target_answers(store)  # computed once, cached on the store
    fund_rows(store)
    for max_targets, max_funds in LIMITS:
        story = _brief(lay, store, opts, max_targets, max_funds)
        if story_height(story) <= FRAME_HEIGHT:
            break
    return story


def story_height(story: Sequence[Flowable]) -> float:
    """The height the flowables take laid out one under the other, spaces included (points)."""
    total = 0.0
    for f in story:
        total += f.wrap(CONTENT_WIDTH, FRAME_HEIGHT)[1] + f.getSpaceBefore() + f.getSpaceAfter()
    return total


def _brief(lay: Layout, store: RunStore, opts: BriefOptions, max_targets: int, max_funds: int) -> list[Flowable]:
    lang = lay.lang
    sc = store.scenario
    targets = outcomes.target_answers(store)
    funds = fund_rows(store)
    level = needed_level(store)
    story: list[Flowable] = [
        lay.h1(bt("brief_heading", lang)),
        lay.para(bt("brief_meta", lang, name=scenario_name(store, lang), reps=fmt.number(store.reps),
                    start=fmt.date(sc.get("start"), lang), end=fmt.date(sc.get("end"), lang),
                    date=fmt.today(lang)), "note"),
    ]
    actuals = nowcast.actuals_of(store)
    if actuals:
        story.append(lay.para(nowcast.brief_line(actuals, lang)))
    story += _targets_table(lay, store, targets, opts, max_targets)
    story += _funds_table(lay, store, funds, opts, max_funds)
    story.append(lay.para(bt("brief_note", lang, green=_share(opts.green), amber=_share(opts.amber),
                             reps=fmt.number(store.reps), level=_share(level)), "caption"))
    story.append(lay.h2(bt("brief_findings", lang)))
    for sentence in findings(store, targets, funds, opts, lang):
        story.append(lay.bullet(sentence))
    story.append(lay.para(bands_line(store, lang), "note"))
    return story


def _light_cell(kind: str | None, lang: Lang) -> str:
    return bt(f"light_{kind}", lang) if kind else fmt.DASH


def _targets_table(lay: Layout, store: RunStore, targets: Sequence[TargetAnswer],
                   opts: BriefOptions, max_targets: int) -> list[Flowable]:
    lang = lay.lang
    if not targets:
        return []
    modelled = [a for a in targets if a.set_by != "input"]
    inputs = [a for a in targets if a.set_by == "input"]
    ranked = sorted(modelled, key=lambda a: a.p_attained)
    shown = ranked[:max_targets] if len(targets) > max_targets else ranked + inputs
    order = {a.target: i for i, a in enumerate(targets)}
    if len(targets) <= max_targets:
        shown = sorted(shown, key=lambda a: order[a.target])
    cols = [Column(bt("col_light", lang), 1.4 * cm), Column(bt("col_id", lang), 1.6 * cm),
            Column(bt("col_target", lang), 5.2 * cm), Column(bt("col_threshold", lang), 2.0 * cm, True),
            Column(bt("col_deadline", lang), 2.6 * cm, True), Column(bt("col_p", lang), 1.8 * cm, True),
            Column(bt("col_when", lang), 2.4 * cm, True)]
    rows: list[list[Cell]] = []
    shades: list[tuple[int, int, colors.Color]] = []
    for i, a in enumerate(shown):
        by_input = a.set_by == "input"
        kind = None if by_input else light(a.p_attained, opts)
        if kind:
            shades.append((0, i, LIGHT_COLOURS[kind]))
        rows.append([_light_cell(kind, lang), a.target, marked_name(store, a, lang),
                     fmt.metric_value(a.threshold, a.unit, lang),
                     fmt.date(a.deadline, lang), outcomes.attainment_label(a, lang),
                     fmt.DASH if by_input else fmt.month(a.median_date_attained, lang)])
    story: list[Flowable] = [lay.h2(bt("brief_targets", lang)), lay.table(cols, rows, shades=shades)]
    if len(shown) < len(targets):
        story.append(lay.para(bt("brief_more_targets", lang, n=len(targets) - len(shown)), "caption"))
    return story


def _funds_table(lay: Layout, store: RunStore, funds: Sequence[FundRow], opts: BriefOptions,
                 max_funds: int) -> list[Flowable]:
    lang = lay.lang
    if not funds:
        return []
    shown = list(funds)
    if len(funds) > max_funds:
        shown = sorted(funds, key=lambda f: -f.p_short)[:max_funds]
    cols = [Column(bt("col_light", lang), 1.4 * cm), Column(bt("col_fund", lang), 3.85 * cm),
            Column(bt("col_approp", lang), 2.1 * cm, True), Column(bt("col_paid_mean", lang), 1.8 * cm, True),
            Column(bt("col_p_short", lang), 1.5 * cm, True), Column(bt("col_short_when", lang), 1.9 * cm, True),
            Column(bt("col_arrears_mean", lang), 2.3 * cm, True), Column(bt("col_needed", lang), 2.15 * cm, True)]
    rows: list[list[Cell]] = []
    shades: list[tuple[int, int, colors.Color]] = []
    for i, f in enumerate(shown):
        kind = light(1.0 - f.p_short, opts)
        if kind:
            shades.append((0, i, LIGHT_COLOURS[kind]))
        name = fund_name(store, f.fund, lang)
        if not f.budget:  # named as the budget tables name it: not a budget line
            name += f"（{bt('row_non_budget', lang)}）" if lang == "zh" else f" ({bt('row_non_budget', lang)})"
        rows.append([_light_cell(kind, lang), name, fmt.table_money(f.appropriated, lang),
                     fmt.table_money(f.paid_mean, lang), fmt.prob(f.p_short),
                     fmt.month(f.short_month, lang) if f.p_short > 0 else fmt.DASH,
                     fmt.table_money(f.arrears_mean, lang), fmt.table_money(f.needed, lang)])
    story: list[Flowable] = [lay.h2(bt("brief_funds", lang)), lay.table(cols, rows, shades=shades)]
    if len(shown) < len(funds):
        story.append(lay.para(bt("brief_more_funds", lang, n=len(funds) - len(shown)), "caption"))
    return story


def findings(store: RunStore, targets: Sequence[TargetAnswer], funds: Sequence[FundRow],
             opts: BriefOptions, lang: Lang) -> list[str]:
    """Three sentences computed from the numbers: targets, funds running short, money needed."""
    out: list[str] = []
    modelled = [a for a in targets if a.set_by != "input"]
    n_input = len(targets) - len(modelled)
    if modelled:
        kinds = [light(a.p_attained, opts) for a in modelled]
        text = bt("find_targets", lang, n=len(modelled), g=kinds.count("green"), a=kinds.count("amber"),
                  r=kinds.count("red"))
        worst = min(modelled, key=lambda a: a.p_attained)
        text += bt("find_targets_worst", lang, name=target_name(store, worst.target, lang), tid=worst.target,
                   p=fmt.prob(worst.p_attained))
        if n_input:
            text += (" " if lang == "en" else "") + bt("find_targets_input", lang, n=n_input)
        out.append(text)
    else:
        out.append(bt("find_no_targets", lang))
    level = needed_level(store)
    short = [f for f in funds if f.p_short > level]
    if short:
        worst_f = max(short, key=lambda f: f.p_short)
        out.append(bt("find_funds_short", lang, k=len(short), level=_share(level),
                      name=fund_name(store, worst_f.fund, lang), p=fmt.prob(worst_f.p_short),
                      month=fmt.month(worst_f.short_month, lang)))
    else:
        out.append(bt("find_funds_ok", lang, level=_share(level)))
    known = [f for f in funds if f.needed is not None and f.budget]
    if known:
        out.append(_money_sentence(store, known, level, lang))
    return out


def _money_sentence(store: RunStore, known: Sequence[FundRow], level: float, lang: Lang) -> str:
    """Which funds need more money to keep P(runs short) at the level, which could do with less, in all."""
    gaps = [(f, (f.needed or 0.0) - f.appropriated) for f in known]
    more = [(f, g) for f, g in gaps if g > 0]
    less = [(f, g) for f, g in gaps if g < 0]
    join = "；" if lang == "zh" else "; "
    parts: list[str] = []
    if more:
        top, gap = max(more, key=lambda x: x[1])
        parts.append(bt("find_money_more", lang, level=_share(level), k=len(more),
                        x=fmt.money(sum(g for _f, g in more), lang), name=fund_name(store, top.fund, lang),
                        y=fmt.money(gap, lang)))
    else:
        parts.append(bt("find_money_none", lang, level=_share(level)))
    if less:
        parts.append(bt("find_money_less", lang, k=len(less), x=fmt.money(-sum(g for _f, g in less), lang)))
    total = bt("find_money_total", lang, needed=fmt.money(sum(f.needed or 0.0 for f in known), lang),
               approp=fmt.money(sum(f.appropriated for f in known), lang))
    return join.join(parts) + ("；" if lang == "zh" else "; ") + total
