"""Export a run's summary tables to Excel or to a folder of CSV files.

The tables are those of the PDF report, as numbers: money in 万元 (the unit
is in each header), probabilities as shares from 0 to 1 (shown as percent in
Excel), months as ``YYYY-MM``. Headers and sheet names are Chinese by default.
CSV files are UTF-8 with a byte-order mark so that Excel opens them with the
right encoding.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from simulator.i18n import Msg, Text, pick
from simulator.names import cell_text, printable
from simulator.report import analysis, fmt, nowcast, outcomes
from simulator.report.fmt import Lang, display_width
from simulator.report.i18n import (
    check_lang,
    display_name,
    engine_label,
    level_label,
    source_kind_label,
    t,
)
from simulator.report.layout import atomic_output, current_umask
from simulator.report.sheets import SHEETS, actuals_sheet
from simulator.report.store import RunStore, open_run
from simulator.report.texts import TEXT, bt

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

FORMATS = ("xlsx", "csv")

CSV_NAMES: dict[str, str] = {
    "sheet_about": "about",
    "sheet_level": "draw_by_level",
    "sheet_fund": "fund_accounts",
    "sheet_program": "draw_by_program",
    "sheet_targets": "targets",
    "sheet_exhaustion": "fund_exhaustion",
    "sheet_inputs": "inputs",
    "sheet_budget_level": "budget_by_level",
    "sheet_budget_fund": "budget_by_fund",
    "sheet_needed": "money_needed",
    "sheet_fund_bands": "chart_funds",
    "sheet_target_bands": "chart_targets",
    "sheet_actuals": "actuals",
}
"""File stem of each table in a CSV export (ASCII, stable across languages)."""

MONEY_FORMAT = "#,##0.00"
PROB_FORMAT = "0.0%"


class ExportError(Exception):
    """The export cannot be written (bad format, or an output that must not be replaced).

    ``str()`` is English; :meth:`localized` gives the message in the chosen language.
    """

    def __init__(self, message: Text) -> None:
        self.text = message
        super().__init__(str(message))

    def localized(self, lang: Lang) -> str:
        """The message in ``lang``."""
        return pick(self.text, lang)


def _money(label: str, lang: Lang) -> str:
    return t("money_header", lang, label=label)


def _wan(x: object) -> float:
    return fmt.fen_to_wan(x)  # type: ignore[arg-type]


def export_tables(store: RunStore, lang: Lang = "zh") -> dict[str, pd.DataFrame]:
    """Build the export tables of a run.

    Args:
        store: the run store.
        lang: language of headers and labels.

    Returns:
        Tables by catalogue key of their sheet name (``sheet_level`` ...), in
        sheet order: the summaries, then the budget-format tables (means that
        add up) and the data behind every chart of the PDF. Money columns are 万元; probability columns are 0–1. Text
        is as in the store: the writers make it inert (:func:`inert_frame`).
    """
    tables = {
        "sheet_about": _about_table(store, lang),
        "sheet_level": _level_table(store, lang),
        "sheet_fund": _fund_table(store, lang),
        "sheet_program": _program_table(store, lang),
        "sheet_targets": _targets_table(store, lang),
        "sheet_exhaustion": _exhaustion_table(store, lang),
        "sheet_inputs": _inputs_table(store, lang),
    }
    tables.update({key: build(store, lang) for key, build in SHEETS.items()})
    if nowcast.actuals_of(store) is not None:
        tables["sheet_actuals"] = actuals_sheet(store, lang)
    return tables


def sheet_name(key: str, lang: Lang) -> str:
    """The name of a sheet (at most 31 characters, as Excel allows)."""
    return (bt(key, lang) if key in TEXT else t(key, lang))[:31]


_QUANTILES = [("p5", "col_p5"), ("p50", "col_p50"), ("p95", "col_p95"), ("mean", "col_mean")]


def _about_table(store: RunStore, lang: Lang) -> pd.DataFrame:
    sc = store.scenario
    m = store.manifest
    name = display_name(sc, lang, str(sc.get("id") or store.path.name))
    about = [
        (t("col_scenario", lang), name),
        (t("scenario_id", lang), sc.get("id") or ""),
        (t("scenario_file", lang), sc.get("file") or ""),
        (t("scenario_hash", lang), sc.get("hash") or ""),
        (t("horizon", lang), f"{sc.get('start')} – {sc.get('end')}"),
        (t("seed", lang), m.get("seed", "")),
        (t("reps", lang), analysis.n_reps(store)),
        (t("engine", lang), engine_label(str(m.get("engine", "")), lang)),
        (t("version", lang), m.get("version", "")),
        (t("created", lang), m.get("created", "")),
        (t("report_date", lang), fmt.today(lang)),
        (t("definitions", lang), t("def_medians", lang)),
    ]
    actuals = nowcast.actuals_of(store)
    if actuals is not None:
        about += [(bt("about_actuals_file", lang), actuals.file), (bt("about_actuals_sha", lang), actuals.sha256),
                  (bt("about_as_of", lang), actuals.as_of),
                  (bt("about_conditioned", lang), nowcast.conditioned_text(actuals, lang))]
    return pd.DataFrame(
        [(k, "" if v is None else str(v)) for k, v in about],
        columns=[t("col_item", lang), t("col_content", lang)],
    )


def _level_table(store: RunStore, lang: Lang) -> pd.DataFrame:
    lv = analysis.yearly_draw(store, "level")
    return pd.DataFrame(
        {
            t("col_year", lang): lv["year"].astype(int),
            t("col_level", lang): [level_label(k, lang, store.jurisdictions) for k in lv["key"]],
            **{_money(t(k, lang), lang): lv[c].map(_wan) for c, k in _QUANTILES},
        }
    )


_FUND_COLUMNS: list[tuple[str, str]] = [
    ("appropriated_fen", "col_appropriated"),
    ("carried_in_fen", "col_carried_in"),
    ("drawn_fen", "col_drawn"),
    ("drawn_p5", "col_drawn"),
    ("drawn_p95", "col_drawn"),
    ("lapsed_fen", "col_lapsed"),
    ("balance_end_fen", "col_balance_end"),
    ("arrears_fen", "col_arrears_year"),
    ("arrears_p95", "col_arrears_year"),
    ("refused_fen", "col_refused_year"),
    ("refused_p95", "col_refused_year"),
    ("prorata_cut_fen", "col_prorata"),
]


def _fund_table(store: RunStore, lang: Lang) -> pd.DataFrame:
    fy = analysis.fund_year_table(store)
    fund_frame = {
        t("col_fund_id", lang): fy["fund"].astype(str) if len(fy) else pd.Series(dtype=str),
        t("col_fund", lang): [display_name(store.funds.get(f), lang, f) for f in fy["fund"]],
        t("col_year", lang): fy["year"].astype(int) if len(fy) else pd.Series(dtype=int),
    }
    for col, key in _FUND_COLUMNS:
        stat = (
            "P5" if col.endswith("_p5") else "P95" if col.endswith("_p95") else t("col_p50", lang)
        )
        fund_frame[_money(f"{t(key, lang)} {stat}", lang)] = (
            fy[col].map(_wan) if len(fy) else pd.Series(dtype=float)
        )
    fund_frame[t("col_p_any", lang).replace("\n", "")] = (
        fy["p_any_unpaid"] if len(fy) else pd.Series(dtype=float)
    )
    return pd.DataFrame(fund_frame)


def _program_table(store: RunStore, lang: Lang) -> pd.DataFrame:
    pg = analysis.yearly_draw(store, "program")
    return pd.DataFrame(
        {
            t("col_year", lang): pg["year"].astype(int),
            t("col_program_id", lang): pg["key"].astype(str),
            t("col_program", lang): [
                display_name(store.programs.get(k), lang, k) for k in pg["key"]
            ],
            **{_money(t(k, lang), lang): pg[c].map(_wan) for c, k in _QUANTILES},
        }
    )


def _targets_table(store: RunStore, lang: Lang) -> pd.DataFrame:
    value_head = t("col_value_deadline", lang).splitlines()[0]
    tgt_rows = []
    for a in outcomes.target_answers(store):
        tgt_rows.append(
            {
                t("col_target_id", lang): a.target,
                t("col_target", lang): display_name(a.entry, lang, a.target),
                t("col_clause", lang): str(a.entry.get("source") or ""),
                t("col_threshold", lang): a.threshold,
                t("col_unit", lang): a.unit,
                t("col_deadline", lang): a.deadline or "",
                t("col_p_attained", lang): a.p_attained,
                f"{value_head} P5": a.value.get("p5"),
                f"{value_head} {t('col_p50', lang)}": a.value.get("p50"),
                f"{value_head} P95": a.value.get("p95"),
                t("col_date_attained", lang).replace("\n", ""): a.median_date_attained or "",
            }
        )
    return pd.DataFrame(tgt_rows)


def _exhaustion_table(store: RunStore, lang: Lang) -> pd.DataFrame:
    p50 = t("col_p50", lang)
    drawn, arrears, refused = (
        t("col_drawn", lang), t("col_arrears_end", lang), t("col_refused_total", lang)
    )
    ex_rows = []
    for f in outcomes.fund_answers(store):
        ex_rows.append(
            {
                t("col_fund_id", lang): f.fund,
                t("col_fund", lang): display_name(f.entry, lang, f.fund),
                _money(t("col_appropriated", lang), lang): _wan(f.appropriated),
                _money(f"{drawn} P5", lang): _wan(f.drawn.get("p5")),
                _money(f"{drawn} {p50}", lang): _wan(f.drawn.get("p50")),
                _money(f"{drawn} P95", lang): _wan(f.drawn.get("p95")),
                t("col_p_exhausted", lang): f.p_exhausted,
                t("col_exhaustion_month", lang).replace("\n", ""): f.exhaustion_median or "",
                _money(f"{arrears} {p50}", lang): _wan(f.arrears_end.get("p50")),
                _money(f"{arrears} P95", lang): _wan(f.arrears_end.get("p95")),
                _money(f"{refused} {p50}", lang): _wan(f.refused.get("p50")),
                _money(f"{refused} P95", lang): _wan(f.refused.get("p95")),
            }
        )
    return pd.DataFrame(ex_rows)


def _inputs_table(store: RunStore, lang: Lang) -> pd.DataFrame:
    inp = outcomes.inputs_frame(store)
    return pd.DataFrame(
        {
            t("col_path", lang): inp["path"],
            t("col_value", lang): inp["value"],
            t("col_source_kind", lang): [source_kind_label(k, lang) for k in inp["source_kind"]],
            t("col_source", lang): inp["source"],
            t("col_rationale", lang): inp["rationale"],
        }
    )


def inert_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of a table whose text cells and headers cannot run as spreadsheet formulas.

    Args:
        df: an export table.

    Returns:
        The table with control characters in text shown as escapes and every
        text that could start a formula (see :func:`simulator.names.cell_text`)
        prefixed with an apostrophe; numbers are untouched.
    """
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or isinstance(out[col].dtype, pd.StringDtype):
            out[col] = out[col].map(_inert_cell)
    out.columns = [_inert_cell(c) for c in out.columns]
    return out


def _inert_cell(value: object) -> object:
    """Control characters shown as escapes (a spreadsheet refuses them), then no formula."""
    return cell_text(printable(value, multiline=True)) if isinstance(value, str) else value


def _is_prob_header(header: str, lang: Lang) -> bool:
    return header in {
        t("col_p_attained", lang),
        t("col_p_exhausted", lang),
        t("col_p_any", lang).replace("\n", ""),
    }


def _write_xlsx(tables: dict[str, pd.DataFrame], out: Path, lang: Lang) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    money_tag = t("money_header", lang, label="")
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for key, table in tables.items():
            sheet = sheet_name(key, lang)
            df = inert_frame(table)
            df.to_excel(writer, sheet_name=sheet, index=False)
            ws = writer.sheets[sheet]
            _no_formulas(ws)
            ws.freeze_panes = "A2"
            head_fill = PatternFill("solid", fgColor="1F3B5F")
            for j, col in enumerate(df.columns, start=1):
                cell = ws.cell(row=1, column=j)
                cell.font = Font(bold=True, color="FFFFFF")
                cell.fill = head_fill
                cell.alignment = Alignment(wrap_text=True, vertical="center")
                header = str(col)
                number_format = None
                if header.endswith(money_tag):
                    number_format = MONEY_FORMAT
                elif _is_prob_header(header, lang):
                    number_format = PROB_FORMAT
                if number_format:
                    for row in range(2, len(df) + 2):
                        ws.cell(row=row, column=j).number_format = number_format
                values = [header] + [_shown(v, number_format) for v in df[col].tolist()]
                width = min(max(display_width(v) for v in values) + 2, 60)
                letter = ws.cell(row=1, column=j).column_letter
                ws.column_dimensions[letter].width = max(width, 8)
                if width >= 60:
                    for row in range(2, len(df) + 2):
                        ws.cell(row=row, column=j).alignment = Alignment(
                            wrap_text=True, vertical="top"
                        )


def _no_formulas(ws: Worksheet) -> None:
    """Keep every cell of a sheet a value: no text written from data is ever a formula.

    openpyxl makes a formula of any text that begins with ``=``; after
    :func:`inert_frame` none should, and this makes sure of it.
    """
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def _shown(value: object, number_format: str | None) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if number_format == MONEY_FORMAT and isinstance(value, int | float):
        return f"{value:,.2f}"
    if number_format == PROB_FORMAT and isinstance(value, int | float):
        return f"{value * 100:.1f}%"
    return str(value)


def _write_csv_dir(tables: dict[str, pd.DataFrame], out: Path) -> None:
    for key, df in tables.items():
        inert_frame(df).to_csv(out / f"{CSV_NAMES[key]}.csv", index=False, encoding="utf-8-sig")


def _replace_dir(out: Path, fill: Callable[[Path], None]) -> None:
    """Write a directory next to ``out`` and swap it in (refusing to replace a foreign folder)."""
    if out.exists():
        if not out.is_dir():
            raise ExportError(Msg(f"{out}：已存在且不是目录", f"{out}: exists and is not a directory"))
        foreign = [p.name for p in out.iterdir() if p.suffix != ".csv" or p.is_dir()]
        if foreign:
            shown = ", ".join(sorted(foreign)[:3])
            raise ExportError(Msg(f"{out}：未替换：其中有不属于 CSV 导出的文件（{shown}）",
                                  f"{out}: not replaced: it holds files that are not a CSV export ({shown})"))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        fill(tmp)
        os.chmod(tmp, 0o777 & ~current_umask())  # mkdtemp makes it private
        for f in tmp.iterdir():
            os.chmod(f, 0o666 & ~current_umask())
        if out.exists():
            old = out.with_name(f".{out.name}.old.{os.getpid()}")
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def export_store(store_dir: str | Path, fmt: str, out_path: str | Path, lang: str = "zh") -> Path:
    """Export a run's summary tables.

    Args:
        store_dir: the run's result store.
        fmt: ``"xlsx"`` (one workbook, one sheet per table) or ``"csv"`` (a
            folder of UTF-8-BOM CSV files).
        out_path: the workbook or folder to write; an existing one is
            replaced atomically (a folder only if it holds nothing but CSV files).
        lang: ``"zh"`` (default) or ``"en"`` for headers and labels.

    Returns:
        The path written.

    Raises:
        StoreError: if the store is missing or malformed.
        ExportError: if the format is unknown or the output must not be replaced.
        ValueError: for an unknown language.
    """
    lg = check_lang(lang)
    if fmt not in FORMATS:
        raise ExportError(Msg(f"未知的导出格式 {fmt!r}：请用 xlsx 或 csv", f"unknown export format {fmt!r}: use xlsx or csv"))
    store = open_run(store_dir, lg)
    tables = export_tables(store, lg)
    out = Path(out_path)
    if fmt == "xlsx":
        with atomic_output(out) as tmp:
            _write_xlsx(tables, tmp, lg)
    else:
        _replace_dir(out, lambda d: _write_csv_dir(tables, d))
    return out
