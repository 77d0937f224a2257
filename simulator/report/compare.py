"""The comparison report: what changed between a baseline and its variants, and what it did.

``fiscalsim report BASE VARIANT... --compare`` writes a PDF whose first page
answers "what changed?": the inputs that differ (baseline value → variant
value, with the variant's source) and the ``--set`` values each run recorded,
then one table with the baseline's, the variant's and the difference of every
target's probability of being attained and every fund's mean draw and
probability of running dry, each difference marked when it is within the
Monte Carlo error (estimated from paired replications, see
:mod:`simulator.report.compare_data`). The first store is the baseline; each
further store is a variant compared with it. The same tables can be written to
an inert workbook (``--xlsx``). Later pages hold the probability chart, the
runs' identities (seeds, hashes) and each run's own summary.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from reportlab.lib.units import cm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, PageBreak

from simulator.i18n import Msg
from simulator.report import charts, fmt
from simulator.report.compare_data import (
    Z_95,
    Comparison,
    DiffRow,
    comparisons,
    group_size,
    names_of,
    set_values,
    short_names,
)
from simulator.report.export import inert_frame
from simulator.report.fmt import Lang
from simulator.report.i18n import check_lang, t
from simulator.report.layout import (
    CONTENT_WIDTH,
    Cell,
    Column,
    Layout,
    atomic_output,
    esc,
    write_pdf,
)
from simulator.report.sections import chart_text, scenario_name, shown_name, summary_section
from simulator.report.store import RunStore, open_run

__all__ = ["Comparison", "build_compare_report", "compare_tables", "write_compare_xlsx"]

MAX_CHANGES_SHOWN = 30
"""Changed inputs listed in the PDF per variant (all of them go to the workbook)."""

GOOD = "#1e7b34"
BAD = "#b03a2e"

_T: dict[str, Msg] = {
    "title_pair": Msg("{variant} 对比 {base}", "{variant} against {base}"),
    "role_base": Msg("基准", "Baseline"),
    "role_variant": Msg("方案 {i}", "Variant {i}"),
    "col_role": Msg("角色", "Role"),
    "col_file": Msg("情景文件", "Scenario file"),
    "changes_heading": Msg(
        "改动的输入：{variant}（相对基准）", "Inputs changed: {variant} (against the baseline)"
    ),
    "col_input": Msg("输入（键）", "Input (key)"),
    "col_change": Msg("基准 → 方案", "Baseline → variant"),
    "col_source": Msg("方案取值的来源", "Source of the variant's value"),
    "absent": Msg("（无）", "(none)"),
    "no_changes": Msg(
        "两次运行的输入完全相同：下表的差异只来自随机波动。",
        "The two runs have the same inputs: the differences below are chance alone.",
    ),
    "more_changes": Msg(
        "另有 {n} 项输入不同，完整清单见 --xlsx 导出的工作簿。",
        "{n} more inputs differ; the workbook written with --xlsx lists them all.",
    ),
    "set_line": Msg("{role}的命令行 --set：{values}", "--set of the {role}: {values}"),
    "results_heading": Msg("结果对比：{variant}", "Results compared: {variant}"),
    "col_base": Msg("基准", "Baseline"),
    "col_variant": Msg("方案", "Variant"),
    "col_diff": Msg("差异", "Difference"),
    "col_error": Msg("误差（±）", "MC error (±)"),
    "col_reading": Msg("判读", "Reading"),
    "row_target": Msg("达成概率：{x}", "P(attained): {x}"),
    "row_drawn": Msg("平均累计拨付（{unit}）：{x}", "Mean draw ({unit}): {x}"),
    "row_dry": Msg("出现缺口概率：{x}", "P(runs short): {x}"),
    "row_needed": Msg("所需资金（{unit}）：{x}", "Money needed ({unit}): {x}"),
    "row_needed_level": Msg(
        "所需资金（出现缺口概率≤{level}，{unit}）：{x}",
        "Money needed for P(runs short) ≤ {level} ({unit}): {x}",
    ),
    "pp": Msg("{v} 个百分点", "{v} pp"),
    "set_by_input": Msg("由输入设定", "set by input"),
    "within": Msg("在模拟误差内", "within MC error"),
    "beyond": Msg("超出模拟误差", "beyond MC error"),
    "no_change": Msg("无变化", "no change"),
    "one_side": Msg("仅一方有", "in one run only"),
    "note_paired": Msg(
        "两次运行使用相同的种子（{seed}），第 k 次模拟使用相同的随机数流（共同随机数），"
        "故差异的误差由逐次配对差估计：标准误 = 配对差的标准差 / √n，n 为两次运行共有的模拟次数（此处 {n}）；"
        "概率取每次模拟 0/1 结果的配对差。“误差”列为 ±{z} 倍标准误，差异小于它即“在模拟误差内”，"
        "不能与随机波动区分。拨付为模拟期内拨付总额的平均值；“由输入设定”的目标不是预测，不给概率差。",
        "Both runs used the same seed ({seed}), so replication k of each draws from the same random "
        "streams (common random numbers) and the error of a difference is estimated from the paired "
        "per-replication differences: se = sd(paired differences) / √n, n being the replications both "
        "runs hold (here {n}); for a probability, the paired difference of each replication's 0/1 "
        "outcome. The error column is ±{z} se; a smaller difference is 'within MC error', not "
        "distinguishable from chance. The draw is the mean total over the horizon; a target 'set by "
        "input' is not a forecast and gets no probability difference.",
    ),
    "note_unpaired": Msg(
        "两次运行的种子、引擎、模拟次数或参数分组不同（随机数不逐次配对），差异的误差按两组独立样本估计："
        "标准误 = √(方差₁/n₁ + 方差₂/n₂)。“误差”列为 ±{z} 倍标准误，差异小于它即“在模拟误差内”。"
        "拨付为模拟期内拨付总额的平均值。",
        "The runs differ in seed, engine, replications or parameter groups (no replication-by-replication pairing), so the error of a "
        "difference is that of two independent samples: se = √(var₁/n₁ + var₂/n₂). The error column "
        "is ±{z} se; a smaller difference is 'within MC error'. The draw is the mean total over the horizon.",
    ),
    "note_groups": Msg(
        "行为参数每 {g} 次模拟抽取一组，组内模拟彼此相关，故标准误由各组的平均值（或平均配对差）估计。",
        "Behaviour parameters are drawn once per {g} replications, which are therefore not independent: "
        "the standard error is estimated from the group means (of the values or the paired differences).",
    ),
    "details_heading": Msg("运行信息", "The runs"),
    "col_engine": Msg("引擎", "Engine"),
    "cap_details": Msg(
        "散列值标识情景内容：散列相同即输入完全相同。",
        "The hash identifies the scenario's content: equal hashes mean identical inputs.",
    ),
    "sheet_results": Msg("结果对比", "comparison"),
    "sheet_inputs": Msg("改动的输入", "changed inputs"),
    "x_variant": Msg("方案", "Variant"),
    "x_measure": Msg("指标", "Measure"),
    "x_kind": Msg("类别", "Kind"),
    "x_id": Msg("编号", "Id"),
    "x_base": Msg("基准", "Baseline"),
    "x_value": Msg("方案值", "Variant"),
    "x_diff": Msg("差异", "Difference"),
    "x_se": Msg("标准误", "Standard error"),
    "x_n": Msg("误差所用模拟次数", "Replications behind the error"),
    "x_reading": Msg("判读", "Reading"),
    "x_unit": Msg("单位", "Unit"),
    "x_input": Msg("输入（键）", "Input (key)"),
    "x_base_value": Msg("基准值", "Baseline value"),
    "x_variant_value": Msg("方案值", "Variant value"),
    "x_source": Msg("方案取值的来源", "Source of the variant's value"),
    "x_base_source": Msg("基准取值的来源", "Source of the baseline's value"),
    "unit_share": Msg("比例（0–1）", "share (0–1)"),
}


def _t(key: str, lang: Lang, **kw: object) -> str:
    return _T[key].format(**kw)(lang)


# --------------------------------------------------------------------------- cells


def _item_name(c: Comparison, row: DiffRow, lang: Lang) -> str:
    for s in (c.base, c.variant):
        block = s.targets if row.kind == "target" else s.funds
        if row.key in block:
            return shown_name(block[row.key], lang, row.key)
    return row.key


def row_label(c: Comparison, row: DiffRow, lang: Lang) -> str:
    """The measure's label, e.g. ``达成概率：…`` or ``平均累计拨付（万元）：…``."""
    key = {"target": "row_target", "drawn": "row_drawn", "dry": "row_dry", "needed": "row_needed"}
    level = _needed_level(c, row) if row.kind == "needed" else None
    return _t(
        "row_needed_level" if level is not None else key[row.kind],
        lang,
        x=_item_name(c, row, lang),
        unit=fmt.table_money_unit(lang),
        level=fmt.pct(level),
    )


def _needed_level(c: Comparison, row: DiffRow) -> float | None:
    """The P(runs dry) the money needed is computed for, when a summary states it."""
    for s in (c.base, c.variant):
        fund = s.summary.get("funds", {}).get(row.key)
        block = fund.get("money_needed") if isinstance(fund, dict) else None
        level = block.get("level") if isinstance(block, dict) else None
        if isinstance(level, int | float):
            return float(level)
    return None


def _is_prob(row: DiffRow) -> bool:
    return row.kind in ("target", "dry")


def _figure(row: DiffRow, x: float | None, lang: Lang) -> str:
    if x is None:
        return fmt.DASH
    return fmt.pct(x, 1) if _is_prob(row) else fmt.table_money(x, lang)


def _signed(row: DiffRow, x: float, lang: Lang) -> str:
    if x == 0:
        return "0"
    sign = "+" if x > 0 else "−"
    if _is_prob(row):
        return _t("pp", lang, v=f"{sign}{abs(x) * 100:.1f}")
    return sign + fmt.table_money(abs(x), lang)


def _error(row: DiffRow, lang: Lang) -> str:
    if row.se is None or not math.isfinite(row.se):
        return fmt.DASH
    half = Z_95 * row.se
    return f"{half * 100:.1f}" if _is_prob(row) else fmt.table_money(half, lang)


def reading(row: DiffRow, lang: Lang) -> str:
    """How to read the row's difference: within the MC error, beyond it, no change, …."""
    d = row.diff
    if row.kind == "target" and row.set_by_input:
        return _t("set_by_input", lang)
    if d is None:
        return _t("one_side", lang)
    if d == 0 and not row.se:
        return _t("no_change", lang)
    if row.se is None:
        return fmt.DASH
    return _t("within" if row.within_error else "beyond", lang)


def _colour(row: DiffRow) -> str | None:
    """Red for a change for the worse beyond the error, green for the better; none for a draw."""
    d = row.diff
    if d is None or d == 0 or row.se is None or row.within_error or row.set_by_input:
        return None
    if row.kind == "target":
        return GOOD if d > 0 else BAD
    if row.kind == "dry":
        return BAD if d > 0 else GOOD
    return None


# --------------------------------------------------------------------------- PDF sections


def _heading(lay: Layout, text: str) -> list[Flowable]:
    """A sub-heading that may stand above a table split across pages (never last on a page).

    The layout's headings keep with the next flowable, which moves a table
    that does not fit the rest of the page to the next one whole, leaving
    page 1 half empty; here the table splits instead.
    """
    head = lay.h2(text)
    head.keepWithNext = 0
    return [CondPageBreak(3.0 * cm), head]


def _runs_table(lay: Layout, stores: Sequence[RunStore], names: Sequence[str]) -> Flowable:
    lang = lay.lang
    cols = [
        Column(_t("col_role", lang), 1.8 * cm),
        Column(t("col_scenario", lang), 6.6 * cm),
        Column(_t("col_file", lang), CONTENT_WIDTH - 12.0 * cm),
        Column(t("reps", lang), 1.8 * cm, True),
        Column(t("seed", lang), 1.8 * cm, True),
    ]
    rows: list[list[Cell]] = []
    for i, (s, n) in enumerate(zip(stores, names, strict=True)):
        role = _t("role_base", lang) if i == 0 else _t("role_variant", lang, i=i)
        rows.append(
            [
                role,
                n,
                str(s.scenario.get("file") or fmt.DASH),
                fmt.number(s.reps),
                str(s.manifest.get("seed", fmt.DASH)),
            ]
        )
    return lay.table(cols, rows)


def _changes_section(lay: Layout, c: Comparison) -> list[Flowable]:
    lang = lay.lang
    story: list[Flowable] = _heading(lay, _t("changes_heading", lang, variant=c.variant_name))
    if not c.changes:
        story.append(lay.para(_t("no_changes", lang)))
    else:
        cols = [
            Column(_t("col_input", lang), 6.4 * cm),
            Column(_t("col_change", lang), 4.4 * cm),
            Column(_t("col_source", lang), CONTENT_WIDTH - 10.8 * cm),
        ]
        absent = _t("absent", lang)
        rows: list[list[Cell]] = [
            [
                ch.path,
                f"{absent if ch.base is None else ch.base} → {absent if ch.variant is None else ch.variant}",
                ch.source or fmt.DASH,
            ]
            for ch in c.changes[:MAX_CHANGES_SHOWN]
        ]
        story.append(lay.table(cols, rows))
        if len(c.changes) > MAX_CHANGES_SHOWN:
            story.append(
                lay.para(_t("more_changes", lang, n=len(c.changes) - MAX_CHANGES_SHOWN), "note")
            )
    for role, store in (
        (_t("role_base", lang), c.base),
        (_t("role_variant", lang, i=""), c.variant),
    ):
        values = set_values(store)
        if values:
            story.append(
                lay.para(_t("set_line", lang, role=role.strip(), values="; ".join(values)), "note")
            )
    return story


def _results_section(lay: Layout, c: Comparison) -> list[Flowable]:
    lang = lay.lang
    cols = [
        Column(_t("x_measure", lang), 5.6 * cm),
        Column(_t("col_base", lang), 1.9 * cm, True),
        Column(_t("col_variant", lang), 1.9 * cm, True),
        Column(_t("col_diff", lang), 2.6 * cm, True),
        Column(_t("col_error", lang), 2.0 * cm, True),
        Column(_t("col_reading", lang), CONTENT_WIDTH - 14.0 * cm),
    ]
    rows: list[list[Cell]] = []
    for row in c.rows:
        if row.kind == "target" and row.set_by_input:
            diff_text, err_text = fmt.DASH, fmt.DASH
        else:
            diff_text = fmt.DASH if row.diff is None else _signed(row, row.diff, lang)
            err_text = _error(row, lang)
        colour = _colour(row)
        diff_cell: Cell = (
            lay.markup(f'<font color="{colour}">{esc(diff_text)}</font>', "cell_num")
            if colour
            else diff_text
        )
        rows.append(
            [
                row_label(c, row, lang),
                _figure(row, row.base, lang),
                _figure(row, row.variant, lang),
                diff_cell,
                err_text,
                reading(row, lang),
            ]
        )
    n = max((r.n for r in c.rows if r.se is not None), default=0)
    note = (
        _t("note_paired", lang, seed=c.base.manifest.get("seed"), n=fmt.number(n), z=Z_95)
        if c.paired
        else _t("note_unpaired", lang, z=Z_95)
    )
    size = max(group_size(c.base), group_size(c.variant))
    if size:
        note += ("" if lang == "zh" else " ") + _t("note_groups", lang, g=size)
    return [
        *_heading(lay, _t("results_heading", lang, variant=c.variant_name)),
        lay.table(cols, rows),
        lay.caption(note),
    ]


def _details_section(
    lay: Layout, stores: Sequence[RunStore], names: Sequence[str]
) -> list[Flowable]:
    lang = lay.lang
    cols = [
        Column("#", 0.7 * cm),
        Column(t("col_scenario", lang), 4.6 * cm),
        Column(_t("col_engine", lang), 1.6 * cm),
        Column(t("horizon", lang), 3.4 * cm),
        Column(t("scenario_hash", lang), CONTENT_WIDTH - 10.3 * cm),
    ]
    rows: list[list[Cell]] = []
    for i, (s, n) in enumerate(zip(stores, names, strict=True), 1):
        sc = s.scenario
        horizon = t(
            "horizon_value",
            lang,
            start=fmt.date(sc.get("start"), lang),
            end=fmt.date(sc.get("end"), lang),
        )
        rows.append(
            [
                str(i),
                f"{n}\n{sc.get('id') or ''}".strip(),
                str(s.manifest.get("engine") or fmt.DASH),
                horizon,
                str(sc.get("hash") or fmt.DASH),
            ]
        )
    return [
        lay.h1(_t("details_heading", lang)),
        lay.table(cols, rows),
        lay.caption(_t("cap_details", lang)),
        lay.para(t("report_date_line", lang, date=fmt.today(lang)), "note"),
    ]


def _chart(lay: Layout, names: Sequence[str], cs: Sequence[Comparison]) -> list[Flowable]:
    """Every target's probability of being attained, one bar per run (baseline first)."""
    lang = lay.lang
    target_rows = [r for r in cs[0].rows if r.kind == "target"] if cs else []
    if not target_rows:
        return []
    values: dict[str, list[float]] = {}
    for i, name in enumerate(names):
        col = chart_text(f"{i + 1}. {name}")
        if i == 0:
            values[col] = [r.base if r.base is not None else math.nan for r in target_rows]
        else:
            by_key = {r.key: r for r in cs[i - 1].rows if r.kind == "target"}
            values[col] = [
                v
                if (rr := by_key.get(r.key)) is not None and (v := rr.variant) is not None
                else math.nan
                for r in target_rows
            ]
    index = [chart_text(_item_name(cs[0], r, lang)) for r in target_rows]
    data = pd.DataFrame(values, index=index)
    return [lay.chart(charts.compare_probability_chart(data, lang), t("cap_compare_chart", lang))]


def build_compare_report(
    store_dirs: Sequence[str | Path],
    out_pdf: str | Path,
    lang: str = "zh",
    xlsx: str | Path | None = None,
) -> Path:
    """Write the PDF comparing a baseline (the first store) with one or more variants.

    Args:
        store_dirs: run stores, the baseline first.
        out_pdf: the PDF to write (replaced atomically if it exists).
        lang: ``"zh"`` (default) or ``"en"``.
        xlsx: also write the comparison tables to this workbook (replaced atomically).

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
    names = names_of(stores, lg)
    cs = comparisons(stores, lg)
    lay = Layout(lg)
    title = t("compare_title", lg)
    short = short_names(stores, lg)
    headline = (
        _t("title_pair", lg, variant=" / ".join(short[1:]), base=short[0]) if cs else short[0]
    )
    common = {scenario_name(s, lg) for s in stores}
    story: list[Flowable] = [lay.para(title, "kicker"), lay.para(headline, "title")]
    if len(common) == 1:
        story.append(lay.para(common.pop(), "subtitle"))
    story.append(_runs_table(lay, stores, names))
    for c in cs:
        story += _changes_section(lay, c)
        story += _results_section(lay, c)
    story.append(CondPageBreak(10.0 * cm))  # the chart follows a table note that spills over
    story += _chart(lay, short, cs)
    story.append(KeepTogether(_details_section(lay, stores, names)))
    for s, n in zip(stores, names, strict=True):
        story.append(PageBreak())
        story += summary_section(lay, s, heading=n)
    if xlsx is not None:
        write_compare_xlsx(cs, xlsx, lg)
    return write_pdf(
        story,
        out_pdf,
        layout=lay,
        title=f"{title} · {headline}",
        header_left=headline,
        header_right=title,
    )


# --------------------------------------------------------------------------- workbook


def _number(row: DiffRow, x: float | None) -> float:
    if x is None or not math.isfinite(x):
        return math.nan
    return x if _is_prob(row) else fmt.fen_to_wan(x)


def compare_tables(cs: Sequence[Comparison], lang: Lang) -> dict[str, pd.DataFrame]:
    """The comparison as two tables: the measures compared, and the changed inputs.

    Args:
        cs: the comparisons (baseline against each variant).
        lang: language of headers and labels.

    Returns:
        ``{"results": ..., "inputs": ...}``: probabilities as shares (0–1),
        money in 万元 (numbers), the standard error of each difference.
    """
    res: list[dict[str, object]] = []
    inp: list[dict[str, object]] = []
    unit_money = fmt.table_money_unit(lang) if lang == "zh" else "CNY 10k"
    for c in cs:
        for row in c.rows:
            se = (
                row.se
                if row.se is not None and not (row.kind == "target" and row.set_by_input)
                else None
            )
            diff = None if row.kind == "target" and row.set_by_input else row.diff
            res.append(
                {
                    _t("x_variant", lang): c.variant_name,
                    _t("x_kind", lang): row.kind,
                    _t("x_id", lang): row.key,
                    _t("x_measure", lang): row_label(c, row, lang),
                    _t("x_unit", lang): _t("unit_share", lang) if _is_prob(row) else unit_money,
                    _t("x_base", lang): _number(row, row.base),
                    _t("x_value", lang): _number(row, row.variant),
                    _t("x_diff", lang): _number(row, diff),
                    _t("x_se", lang): _number(row, se),
                    _t("x_n", lang): row.n,
                    _t("x_reading", lang): reading(row, lang),
                }
            )
        for ch in c.changes:
            inp.append(
                {
                    _t("x_variant", lang): c.variant_name,
                    _t("x_input", lang): ch.path,
                    _t("x_base_value", lang): ch.base
                    if ch.base is not None
                    else _t("absent", lang),
                    _t("x_variant_value", lang): ch.variant
                    if ch.variant is not None
                    else _t("absent", lang),
                    _t("x_source", lang): ch.source,
                    _t("x_base_source", lang): ch.base_source,
                }
            )
    return {"results": pd.DataFrame(res), "inputs": pd.DataFrame(inp)}


def write_compare_xlsx(cs: Sequence[Comparison], out: str | Path, lang: Lang) -> Path:
    """Write the comparison tables to a workbook whose cells are values, never formulas.

    Args:
        cs: the comparisons.
        out: the workbook (replaced atomically).
        lang: language of headers and labels.

    Returns:
        The workbook's path.
    """
    from openpyxl.styles import Font, PatternFill

    tables = compare_tables(cs, lang)
    path = Path(out)
    with atomic_output(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for key, sheet_key in (("results", "sheet_results"), ("inputs", "sheet_inputs")):
            sheet = _t(sheet_key, lang)[:31]
            inert_frame(tables[key]).to_excel(writer, sheet_name=sheet, index=False)
            ws = writer.sheets[sheet]
            for line in ws.iter_rows():
                for cell in line:
                    if cell.data_type == "f":  # inert_frame leaves none; make sure of it
                        cell.data_type = "s"
            ws.freeze_panes = "A2"
            for cell in ws[1]:
                cell.font = Font(bold=True, color="FFFFFF")
                cell.fill = PatternFill("solid", fgColor="1F3B5F")
            for j, col in enumerate(tables[key].columns, start=1):
                width = max([len(str(col))] + [len(str(v)) for v in tables[key][col].tolist()]) + 2
                ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = min(
                    max(width, 8), 60
                )
    return path
