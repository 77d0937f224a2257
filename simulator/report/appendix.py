"""The appendix of a run's PDF report, in the report's language.

The glossary every table and chart uses, the facts of the run, the policy
instruments left out of the model, the amount paid by program and year, and
every input with its source: the yearly (or dated) values of one input share a
row in time order, amounts are in 万元 with two decimals, a source that only
repeats its rationale is shown once.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd
from reportlab.lib.units import cm
from reportlab.platypus import Flowable, KeepTogether

from simulator.money import MoneyFormatError, parse_amount
from simulator.names import LINE_MAX, printable, shorten
from simulator.report import analysis, fmt, nowcast, outcomes
from simulator.report.budget import money_table, program_rows
from simulator.report.fmt import Lang
from simulator.report.i18n import source_kind_label, t
from simulator.report.layout import CONTENT_WIDTH, Cell, Column, Layout
from simulator.report.sections import run_facts, shown_name
from simulator.report.store import RunStore
from simulator.report.texts import GLOSSARY, bt

MONEY_KEYS = frozenset({"appropriations", "commitment", "ticket", "cap", "amount", "base", "low", "mode", "high"})
"""Input keys whose plain numbers are yuan."""

KEY_ZH: dict[str, str] = {
    "appropriations": "预算安排", "population": "常住人口", "commitment": "认缴出资", "ticket": "单笔投资额",
    "trigger": "触发", "dates": "日期", "rule": "奖补规则", "split": "分担", "share": "比例", "start": "开始",
    "end": "结束", "review": "审核", "approval": "批准率", "baseline": "初始数量", "firms": "企业",
    "platforms": "平台", "incubators": "孵化载体", "arrivals_per_year": "每年新增", "exit_rate": "退出率",
    "budget": "纳入财政预算", "distributions": "分配去向",
}
"""Chinese words for the common keys of an input path (the rest are shown as written)."""

WORD_VALUES: dict[str, tuple[str, str]] = {
    "true": ("是", "yes"), "false": ("否", "no"),
    "credit_to_fund": ("记入出资资金", "credited to the fund"), "none": ("不记入", "not credited"),
}
"""Words for the values written as YAML words (a flag, an enum of the funds), in each language."""

_DATED = re.compile(r"^(\d{4}|\d{4}-\d{2}-\d{2}|\d+)$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECTIONS = {"funds": "funds", "programs": "programs", "guidance_funds": "guidance_funds",
             "jurisdictions": "jurisdictions", "targets": "targets", "indicators": "indicators"}


def appendix_section(lay: Layout, store: RunStore) -> list[Flowable]:
    """The appendix: glossary, run facts, instruments not modelled, paid by program, inputs."""
    lang = lay.lang
    story: list[Flowable] = [lay.h1(bt("appendix_heading", lang))]
    story += glossary(lay)
    story += [lay.h2(bt("run_heading", lang)), lay.key_values(run_facts(store, lang))]
    story += not_modelled(lay, store)
    years = analysis.horizon_years(store)
    rows, totals = program_rows(store, lang)
    flow = money_table(lay, bt("col_program", lang), rows, years, totals=totals, as_of=nowcast.as_of_of(store))
    story += [KeepTogether([lay.h2(bt("program_heading", lang)), *flow[:1]]), *flow[1:],
              lay.caption(bt("budget_level_note", lang, reps=fmt.number(analysis.n_reps(store))))]
    story += actuals_rows(lay, store)
    story += inputs(lay, store)
    return story


def actuals_rows(lay: Layout, store: RunStore) -> list[Flowable]:
    """The rows of the actuals file a nowcast run started from, with the file's sha256 (empty otherwise)."""
    lang = lay.lang
    actuals = nowcast.actuals_of(store)
    if actuals is None:
        return []
    cols = [Column(bt("col_line", lang), 1.0 * cm), Column(bt("col_date", lang), 2.1 * cm),
            Column(bt("col_id", lang), 2.3 * cm), Column(bt("col_kind_actual", lang), 2.9 * cm),
            Column(bt("col_input_value", lang), 2.6 * cm, True), Column(bt("col_unit", lang), 1.5 * cm),
            Column(bt("col_note", lang), CONTENT_WIDTH - 12.4 * cm)]
    rows: list[list[Cell]] = [
        [str(r.line), r.date, r.id, bt(f"actual_kind_{r.kind}", lang),
         fmt.money(r.value, lang) if r.kind == "fund" else fmt.smart_number(r.value), r.unit, r.note]
        for r in actuals.rows]
    cond = nowcast.conditioned_text(actuals, lang)
    note = bt("actuals_note", lang, file=actuals.file, sha=actuals.sha256, date=actuals.as_of,
              cond=cond if lang == "zh" else cond[:1].upper() + cond[1:])
    head = lay.h2(bt("actuals_heading", lang, file=actuals.name))
    if not rows:
        return [head, lay.caption(note)]
    return [head, lay.table(cols, rows), lay.caption(note)]


def glossary(lay: Layout) -> list[Flowable]:
    """The one glossary of the report's terms."""
    lang = lay.lang
    cols = [Column(bt("col_term", lang), 3.4 * cm), Column(bt("col_meaning", lang), CONTENT_WIDTH - 3.4 * cm)]
    rows: list[list[Cell]] = [[zh if lang == "zh" else en, mzh if lang == "zh" else men]
                              for zh, en, mzh, men in GLOSSARY]
    return [lay.h2(bt("glossary_heading", lang)), lay.table(cols, rows)]


def not_modelled(lay: Layout, store: RunStore) -> list[Flowable]:
    """The policy instruments the scenario lists as not modelled (``summary["not_modelled"]``)."""
    lang = lay.lang
    items = store.summary.get("not_modelled")
    if not isinstance(items, list):
        items = store.scenario.get("not_modelled")
    story: list[Flowable] = [lay.h2(bt("not_modelled_heading", lang))]
    entries = [x for x in items or [] if isinstance(x, dict)]
    if not entries:
        return [*story, lay.para(bt("not_modelled_none", lang), "note")]
    cols = [Column(bt("col_id", lang), 1.8 * cm), Column(bt("col_clause", lang), 2.6 * cm),
            Column(bt("col_name", lang), 5.2 * cm), Column(bt("col_reason", lang), CONTENT_WIDTH - 9.6 * cm)]
    rows: list[list[Cell]] = [[str(x.get("id") or ""), str(x.get("clause") or ""),
                               shown_name(x, lang, str(x.get("id") or "")), str(x.get("reason") or "")]
                              for x in entries]
    return [*story, lay.table(cols, rows)]


def value_text(path: str, value: str, lang: Lang) -> str:
    """An input's value for the appendix: money in 万元 with two decimals, numbers without exponents.

    >>> value_text("funds.f.appropriations.2020", "500万元", "zh")
    '500.00万元'
    >>> value_text("funds.f.appropriations.2020", "20000000", "zh")
    '2,000.00万元'
    >>> value_text("x.rate", "5.52e+06", "zh"), value_text("x.rate", "0.06", "zh"), value_text("x.d", "abc", "zh")
    ('5,520,000', '0.06', 'abc')
    >>> value_text("scenario.seed", "20200101", "zh")
    '20200101'
    >>> value_text("funds.g.budget", "false", "zh"), value_text("guidance_funds.G.distributions", "credit_to_fund", "en")
    ('否', 'credited to the fund')

    """
    text = value.strip()
    keys = set(path.split("."))
    if text in WORD_VALUES and keys & {"budget", "distributions"}:
        zh, en = WORD_VALUES[text]
        return zh if lang == "zh" else en
    if text.endswith("元") or (keys & MONEY_KEYS and re.fullmatch(r"[0-9][0-9,]*(\.[0-9]+)?", text)):
        try:
            fen = parse_amount(text)
        except (MoneyFormatError, ValueError):
            return text
        unit = fmt.table_money_unit(lang)
        return f"{fmt.table_money(fen, lang)}{unit}" if lang == "zh" else f"{fmt.table_money(fen, lang)} {unit}"
    if keys & {"seed", "year", "years"}:
        return text  # an identifier or a year, not a quantity
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        return text
    return fmt.smart_number(number) if text.lower() not in ("nan", "inf", "-inf") else text


def label_of(store: RunStore, path: str, lang: Lang) -> str:
    """An input path as the reader knows it: the name of its fund, program ... then the key."""
    parts = path.split(".")
    if len(parts) >= 2 and parts[0] in _SECTIONS:
        block: dict[str, Any] = store.manifest.get(parts[0]) or {}
        entry = block.get(parts[1]) if isinstance(block, dict) else None
        if entry is None and parts[0] == "guidance_funds":  # listed with the programs
            entry = store.programs.get(parts[1])
        name = shown_name(entry, lang, parts[1]) if isinstance(entry, dict) else parts[1]
        head = f"{parts[1]} {name}" if name != parts[1] and parts[0] in ("programs", "guidance_funds", "targets") else name
        if parts[0] == "indicators":
            head = f"{_SECTION_ZH['indicators'][0 if lang == 'zh' else 1]} {parts[1]}"
        rest = parts[2:]
    elif len(parts) >= 2 and parts[0] == "populations":
        jur = store.jurisdictions.get(parts[1])
        head, rest = shown_name(jur, lang, parts[1]), parts[2:]
    else:
        head, rest = "", parts
    words = [KEY_ZH.get(p, p) if lang == "zh" else p for p in rest]
    return " · ".join(x for x in [head, ".".join(words)] if x)


def _sort_key(member: str) -> tuple[int, Any]:
    if _ISO.match(member):
        return (0, _dt.date.fromisoformat(member))
    return (1, int(member)) if member.isdigit() else (2, member)


def _natural(path: str) -> list[tuple[int, Any]]:
    return [(0, int(p)) if p.isdigit() else (1, p) for p in path.split(".")]


@dataclass(frozen=True)
class InputRow:
    """One row of the inputs table.

    Attributes:
        label: the input(s) as the reader knows them.
        value: the value(s), formatted.
        kind: the kind of source, in the report's language.
        source: the source (a clause, a params key), with the number of its note.
    """

    label: str
    value: str
    kind: str
    source: str


_SECTION_ZH = {"programs": ("项目", "programs"), "guidance_funds": ("引导基金", "guidance funds"),
               "funds": ("资金", "funds"), "jurisdictions": ("辖区", "jurisdictions"),
               "populations": ("城市", "cities"), "targets": ("目标", "targets"),
               "indicators": ("指标", "indicators")}


def _dated(frame: pd.DataFrame, lang: Lang) -> list[tuple[str, str, str, str, str]]:
    """``(path, shown value, kind, source, rationale)``: the dated members of one input merged in time order."""
    groups: dict[tuple[str, str, str, str], list[tuple[str, str]]] = {}
    for r in frame.itertuples(index=False):
        path, value = str(r.path), str(r.value)
        head, _, last = path.rpartition(".")
        member = last if head and _DATED.match(last) else ""
        key = (head if member else path, str(r.source_kind), str(r.source), str(r.rationale))
        groups.setdefault(key, []).append((member, value))
    out = []
    for (base, kind, source, rationale), members in groups.items():
        members = sorted(members, key=lambda m: _sort_key(m[1]) if _ISO.match(m[1]) else _sort_key(m[0]))
        values = [value_text(base, v, lang) for _m, v in members]
        if len(members) == 1:
            path = f"{base}.{members[0][0]}" if members[0][0] else base
            out.append((path, values[0], kind, source, rationale))
            continue
        if all(_ISO.match(v) for _m, v in members):
            shown = ("、" if lang == "zh" else ", ").join(values)
        else:
            shown = ("；" if lang == "zh" else "; ").join(
                f"{m}: {v}" for (m, _v), v in zip(members, values, strict=True))
        out.append((base, shown, kind, source, rationale))
    return out


def grouped_inputs(store: RunStore, lang: Lang) -> tuple[list[InputRow], list[str]]:
    """The inputs as table rows, and the notes (rationales) the rows refer to by number.

    The dated members of one input share a row (in time order); the same key
    with the same value and source for several programs, funds or cities
    shares a row naming them; each rationale is written once, as a note.

    Returns:
        ``(rows, notes)``; note ``n`` is ``notes[n - 1]``.
    """
    merged: dict[tuple[str, str, str, str, str, str], list[str]] = {}
    for path, shown, kind, source, rationale in _dated(outcomes.inputs_frame(store), lang):
        parts = path.split(".")
        if len(parts) > 2 and parts[0] in _SECTION_ZH:
            key = (parts[0], ".".join(parts[2:]), shown, kind, source, rationale)
            merged.setdefault(key, []).append(parts[1])
        else:
            merged.setdefault(("", path, shown, kind, source, rationale), []).append("")
    notes: dict[str, int] = {}
    rows: list[tuple[list[tuple[int, Any]], InputRow]] = []
    for (section, tail, shown, kind, source, rationale), ids in merged.items():
        if not section or len(ids) == 1:
            path = f"{section}.{ids[0]}.{tail}" if section else tail
            label = label_of(store, path, lang)
        else:
            head = _SECTION_ZH[section][0 if lang == "zh" else 1]
            words = ".".join(KEY_ZH.get(p, p) if lang == "zh" else p for p in tail.split("."))
            label = f"{head} {('、' if lang == 'zh' else ', ').join(ids)} · {words}"
            path = f"{section}.{ids[0]}.{tail}"
        src, why = _split_source(source, rationale)
        if lang == "zh" and src.startswith("params: "):
            src = "参数文件 " + src[len("params: "):]
        if why:
            number = notes.setdefault(why, len(notes) + 1)
            src = f"{src} [{number}]".strip()
        rows.append((_natural(path), InputRow(label, shown, source_kind_label(kind, lang), src)))
    rows.sort(key=lambda r: r[0])
    return [r for _k, r in rows], list(notes)


def _split_source(source: str, rationale: str) -> tuple[str, str]:
    """The source to show inline (short), and the rationale to write once as a note."""
    src = shorten(printable(source).strip(), LINE_MAX)
    why = shorten(printable(rationale).strip(), LINE_MAX)
    for prefix in ("assumption:", "reported:"):
        if src.startswith(prefix) and (not why or src[len(prefix):].strip() == why):
            return "", src[len(prefix):].strip()  # the kind of source is in its own column
    return src, why


def inputs(lay: Layout, store: RunStore) -> list[Flowable]:
    """Every input with its value and source, grouped, then the notes."""
    lang = lay.lang
    rows, notes = grouped_inputs(store, lang)
    story: list[Flowable] = [lay.h2(bt("inputs_heading", lang))]
    if not rows:
        return [*story, lay.para(t("no_inputs", lang), "note")]
    cols = [Column(bt("col_input", lang), 5.8 * cm), Column(bt("col_input_value", lang), 4.4 * cm),
            Column(bt("col_kind", lang), 1.6 * cm), Column(bt("col_source", lang), CONTENT_WIDTH - 11.8 * cm)]
    story += [lay.table(cols, [[r.label, r.value, r.kind, r.source] for r in rows]),
              lay.caption(bt("inputs_note", lang))]
    if notes:
        ncols = [Column("#", 1.0 * cm), Column(bt("col_meaning", lang), CONTENT_WIDTH - 1.0 * cm)]
        story += [lay.h2(bt("notes_heading", lang)),
                  lay.table(ncols, [[str(i), text] for i, text in enumerate(notes, 1)])]
    return story
