"""The budget-format tables and the data behind every chart, as export sheets.

Money is in 万元 as unrounded numbers (fen / 1,000,000: a spreadsheet sums them
to the ledger's totals); the budget tables are means across replications, so
their rows add up to their totals (see :mod:`simulator.report.tables`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from simulator.i18n import display_name
from simulator.report import analysis, fmt, nowcast, outcomes
from simulator.report.fmt import Lang
from simulator.report.i18n import level_label, t
from simulator.report.store import RunStore
from simulator.report.tables import appropriations, is_budget, mean_income, mean_paid, needed
from simulator.report.texts import bt


def _money(label: str, lang: Lang) -> str:
    return t("money_header", lang, label=label)


def _wan(fen: float) -> float:
    return float(fen) / fmt.FEN_PER_WAN


def _year_columns(values: Sequence[float], years: Sequence[int], lang: Lang) -> dict[str, float]:
    out = {_money(str(y), lang): _wan(v) for y, v in zip(years, values, strict=True)}
    out[_money(bt("col_year_total", lang), lang)] = _wan(sum(values))
    return out


def budget_level_sheet(store: RunStore, lang: Lang) -> pd.DataFrame:
    """Mean paid by level and year (万元), the budget total, and non-budget money apart."""
    years = analysis.horizon_years(store)
    budget = mean_paid(store, "level", budget_only=True)
    rows = [{bt("col_level_name", lang): level_label(str(k), lang, store.jurisdictions),
             **_year_columns(list(budget.loc[k]), years, lang)} for k in budget.index]
    rows.append({bt("col_level_name", lang): bt("row_budget_total", lang),
                 **_year_columns([float(budget[y].sum()) for y in years], years, lang)})
    other = mean_paid(store, "level", budget_only=False)
    if len(other):
        rows.append({bt("col_level_name", lang): bt("row_non_budget", lang),
                     **_year_columns([float(other[y].sum()) for y in years], years, lang)})
    return pd.DataFrame(rows)


def budget_fund_sheet(store: RunStore, lang: Lang) -> pd.DataFrame:
    """Appropriated, mean paid and mean distributions credited by fund and year (万元), with the budget totals."""
    years = analysis.horizon_years(store)
    kinds = {"kind_approp": appropriations(store), "kind_paid": mean_paid(store, "fund")}
    income = mean_income(store)
    if len(income):
        kinds["kind_income"] = income
    rows = []
    sums = {kind: [0.0] * len(years) for kind in kinds}
    for fid, entry in store.funds.items():
        for kind, frame in kinds.items():
            if kind == "kind_income" and fid not in frame.index:
                continue
            values = [float(frame.loc[fid, y]) if fid in frame.index else 0.0 for y in years]
            rows.append({bt("col_fund_id", lang): fid, bt("col_fund", lang): display_name(entry, lang, fid),
                         bt("col_item", lang): bt(kind, lang), **_year_columns(values, years, lang)})
            if is_budget(store, fid):
                sums[kind] = [x + y for x, y in zip(sums[kind], values, strict=True)]
    for kind, values in sums.items():
        rows.append({bt("col_fund_id", lang): "", bt("col_fund", lang): bt("row_budget_total", lang),
                     bt("col_item", lang): bt(kind, lang), **_year_columns(values, years, lang)})
    return pd.DataFrame(rows)


def needed_sheet(store: RunStore, lang: Lang) -> pd.DataFrame:
    """The money needed by fund and year (万元) and its level."""
    years = analysis.horizon_years(store)
    rows = []
    for fid, block in needed(store).items():
        per = block.get("per_year_yuan") or {}
        values = [float(per.get(str(y), 0)) * fmt.FEN_PER_YUAN for y in years]
        rows.append({bt("col_fund_id", lang): fid,
                     bt("col_fund", lang): display_name(store.funds.get(fid), lang, fid),
                     **_year_columns(values, years, lang),
                     bt("col_level_of_needed", lang): float(block.get("level", 0.0))})
    return pd.DataFrame(rows)


_BANDS = ("p5", "p25", "p50", "p75", "p95")


def fund_bands_sheet(store: RunStore, lang: Lang) -> pd.DataFrame:
    """The data of the fund panels: cumulative paid quantiles and appropriations by month (万元)."""
    frames = []
    for a in outcomes.fund_answers(store):
        bands = analysis.cumulative_draw_bands(store, a.fund)
        steps = analysis.cumulative_appropriations(store, a.fund)
        cum = steps.set_index("month")["cum_fen"].reindex(bands.index).ffill().fillna(0.0)
        frame = pd.DataFrame({bt("col_fund_id", lang): a.fund, bt("col_month", lang): list(bands.index),
                              **{_money(k.upper(), lang): bands[k].map(_wan).to_numpy() for k in _BANDS},
                              _money(bt("col_cum_approp", lang), lang): cum.map(_wan).to_numpy()})
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def target_bands_sheet(store: RunStore, lang: Lang) -> pd.DataFrame:
    """The data of the target panels: month-end quantiles of each target's metric (its own unit)."""
    frames = []
    for a in outcomes.target_answers(store):
        bands = outcomes.metric_bands(store, a.target)
        frames.append(pd.DataFrame({bt("col_target_id", lang): a.target, bt("col_month", lang): list(bands.index),
                                    t("col_unit", lang): a.unit,
                                    **{k.upper(): bands[k].to_numpy(dtype=float) for k in _BANDS}}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _actual_unit(store: RunStore, row: nowcast.ActualRow, lang: Lang) -> str:
    """The unit of an actual figure in the sheet: 万元 for a fund, the target's unit, else none (a count)."""
    if row.kind == "fund":
        return t("money_header", lang, label="").strip("（）() ")
    if row.kind == "target":
        return str((store.targets.get(row.id) or {}).get("unit") or "")
    return ""


def actuals_sheet(store: RunStore, lang: Lang) -> pd.DataFrame:
    """The actual figures of a nowcast run and the model's on their dates (funds in 万元); empty for an ordinary run."""
    actuals = nowcast.actuals_of(store)
    if actuals is None:
        return pd.DataFrame()
    rows = []
    for c in nowcast.checks(store, actuals):
        r = c.row
        scale = fmt.FEN_PER_WAN if r.kind == "fund" else 1.0
        unit = _actual_unit(store, r, lang)
        model = {k: (c.model[k] / scale if c.model else float("nan")) for k in ("p5", "p50", "p95")}
        rows.append({bt("col_line", lang): r.line, bt("col_date", lang): r.date, bt("col_id", lang): r.id,
                     bt("col_kind_actual", lang): bt(f"actual_kind_{r.kind}", lang),
                     bt("col_actual", lang): r.value / scale, bt("col_unit", lang): unit,
                     bt("col_model_p5", lang): model["p5"], bt("col_model_p50", lang): model["p50"],
                     bt("col_model_p95", lang): model["p95"], bt("col_unit_file", lang): r.unit,
                     bt("col_note", lang): r.note})
    return pd.DataFrame(rows)


SHEETS = {
    "sheet_budget_level": budget_level_sheet,
    "sheet_budget_fund": budget_fund_sheet,
    "sheet_needed": needed_sheet,
    "sheet_fund_bands": fund_bands_sheet,
    "sheet_target_bands": target_bands_sheet,
}
"""The sheets of this module by the key of their name (in :mod:`simulator.report.texts`)."""
