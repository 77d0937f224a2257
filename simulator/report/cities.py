"""The cities page of a multi-city run's PDF report: each city's targets and money side by side."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.platypus import Flowable

from simulator.report import fmt, outcomes
from simulator.report.layout import CONTENT_WIDTH, Cell, Column, Layout
from simulator.report.sections import shown_name
from simulator.report.store import RunStore

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

    answers = outcomes.target_answers(store)
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
        shown_name(jur[f.city], lang, f.city),
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
