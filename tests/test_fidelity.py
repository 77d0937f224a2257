"""The city scenarios say what the documents say: each fidelity fix pinned on its numbers.

Targets that count what the document counts (TA-T2, TA-T6, TA-T9, ZB-T1, JN-T2),
baselines taken at the scenario's own start (Tai'an, 2022-12-07), TA-1 over
2020-2022 in the province scenario, rates that are not derived from the target
they project, a source for every fund, and the instruments of the documents
either modelled or listed under ``not_modelled``.  See docs/fidelity.md.
"""

from __future__ import annotations

import json
import re
from datetime import date
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from simulator.engines.des.world import run_replication
from simulator.engines.fast.engine import simulate_block
from simulator.errors import ScenarioError
from simulator.loader import LoadedScenario, load_scenario
from simulator.model.calendar import Calendar
from simulator.model.metrics import MetricContext, metric_series
from simulator.model.records import RepResult
from simulator.runner import RunOptions, run
from simulator.scenario import Fixed, OnCall, OnRecognition, OnSchedule, Scenario, ShareCapped
from tests.engine_fixtures import tiny_city_yaml, write_and_load

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
PARAMS = ROOT / "params"
CITIES = ("jinan", "liaocheng", "taian", "zibo")
WAN = 10_000 * 100  # 1万元 in fen


@cache
def load(name: str) -> LoadedScenario:
    return load_scenario(SCENARIOS / f"{name}.yaml")


def _counts(s: Scenario, city: str, values: dict[tuple[str, str, str], int]) -> RepResult:
    """A one-month replication record whose month-end counts are ``values`` ((kind, type, state) -> n)."""
    ctx = MetricContext.of(s)
    counts = np.zeros((ctx.calendar.n_months, len(ctx.keys)), dtype=np.int32)
    for i, (c, kind, typ, state) in enumerate(ctx.keys):
        if c == city:
            counts[:, i] = values.get((kind, typ, state), 0)
    return RepResult(rep=0, counts=counts,
                     indicators=np.zeros((ctx.calendar.n_months, len(ctx.indicator_ids))),
                     draws={}, fund_years={}, claims={}, exhaustion={},
                     awards=np.zeros((ctx.calendar.n_months, len(ctx.program_ids)), dtype=np.int32))


def _series(s: Scenario, tid: str, res: RepResult) -> float:
    return float(metric_series(MetricContext.of(s), s.targets[tid], s.target_city(tid), res)[-1])


# --------------------------------------------------------------------------- TA-T6: the registry holds HTEs too


def test_ta_t6_counts_registered_tech_smes_and_the_registered_share_of_htes() -> None:
    s = load("taian").scenario
    m = s.targets["TA-T6"].metric
    assert m.count == "firms" and m.state is None
    assert m.states == {"tech_sme": 1.0, "hte": 0.5}
    res = _counts(s, "taian", {("firm", "firm", "tech_sme"): 700, ("firm", "firm", "hte"): 600,
                               ("firm", "firm", "startup"): 999})
    assert _series(s, "TA-T6", res) == 700 + 300


def test_weighted_state_count_is_for_firms_only(tmp_path: Path) -> None:
    text = tiny_city_yaml().replace("metric: {count: firms, state: hte}",
                                    "metric: {count: platforms, states: {hte: 0.5}}")
    with pytest.raises(ScenarioError, match="states"):
        write_and_load(tmp_path, text)


# --------------------------------------------------------------------------- TA-T9: the plan period


def test_ta_t9_counts_over_the_plan_period_and_500_is_reachable_at_the_default_pace() -> None:
    s = load("taian").scenario
    ind = s.indicators["ta-talents"]
    assert (ind.initial, ind.drift) == (100, 100)  # the talents of 2021, then 100 a year
    cal = Calendar(s.scenario.start, s.targets["TA-T9"].deadline)
    decembers = sum(1 for m in range(cal.n_months) if cal.cal_month(m) == 12)
    assert decembers == 4  # 2022, 2023, 2024, 2025
    assert ind.initial + decembers * ind.drift == 500


def test_the_province_scenario_counts_ta_t9_over_the_same_period() -> None:
    s = load("shandong").scenario
    ind = s.indicators["ta-talents"]
    assert ind.initial == 0 and ind.steps == {date(2021, 1, 1): -300}
    cal = Calendar(s.scenario.start, s.targets["TA-T9"].deadline)
    decembers = sum(1 for m in range(cal.n_months) if cal.cal_month(m) == 12)
    assert ind.initial + decembers * ind.drift + sum(ind.steps.values()) == 500


# --------------------------------------------------------------------------- Tai'an baselines at 2022-12-07


def test_taian_starts_from_its_2022_baselines() -> None:
    s = load("taian").scenario
    pop = s.populations["taian"]
    assert pop.platforms["lab"].baseline == {"municipal": 93, "provincial": 6}
    assert pop.platforms["innovation_centre"].baseline == {"municipal": 62, "provincial": 12}
    assert pop.incubators["incubator"].baseline == {"municipal": 4, "provincial": 3, "national": 1}
    assert pop.incubators["maker_space"].baseline == {"municipal": 3, "provincial": 2, "national": 1}
    assert pop.firms.baseline == {"startup": 1560, "tech_sme": 780, "hte": 522}
    assert s.indicators["ta-tech-contracts"].initial == 6_250_000_000  # 40亿 x 1.25^2
    assert s.indicators["ta-hv-patents"].initial == 1140  # 820 x 1.18^2


def test_every_taian_stock_dated_2020_has_a_2022_value() -> None:
    data = yaml.safe_load((PARAMS / "taian.yaml").read_text(encoding="utf-8"))
    stale: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict) and "values" in node:
            dates = {str(d) for d in node["values"]}
            if "2020-07-31" in dates and "2022-12-07" not in dates:
                stale.append(path)
        elif isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{path}.{k}" if path else str(k))

    walk(data, "")
    assert not stale, f"params/taian.yaml: still at the 2020 value when the scenario starts 2022-12-07: {stale}"


# --------------------------------------------------------------------------- TA-T2, ZB-T1: at or above the tier


@pytest.mark.parametrize(("city", "tid"), [("taian", "TA-T2"), ("zibo", "ZB-T1")])
def test_municipal_lab_targets_count_labs_that_moved_up(city: str, tid: str) -> None:
    s = load(city).scenario
    m = s.targets[tid].metric
    assert (m.tier, m.or_higher) == ("municipal", True)
    res = _counts(s, city, {("platform", "lab", "municipal"): 100, ("platform", "lab", "provincial"): 20})
    assert _series(s, tid, res) == 120


def test_zb_t1_baseline_is_the_documents_total_less_the_new() -> None:
    base = load("zibo").scenario.populations["zibo"].platforms["lab"].baseline
    assert base["municipal"] + base["provincial"] == 310 - 130  # ZB-T1 三: new 130, total 310
    assert base["provincial"] == 60 - 20  # ZB-T2 三: new 20, total 60


# --------------------------------------------------------------------------- JN-T2: Laiwu's patents


def test_laiwus_patents_join_jinans_stock_at_the_merger() -> None:
    s = load("jinan").scenario
    assert s.indicators["jn-invention-patents"].steps == {date(2019, 1, 10): 550}
    pop = s.jurisdictions["jinan"].population
    assert pop[date(2019, 1, 1)] > pop[date(2018, 1, 1)]  # the residents joined the same month


def test_both_engines_apply_a_dated_indicator_step(tmp_path: Path) -> None:
    text = tiny_city_yaml(start="2020-04-01").replace(
        'initial: "10亿元", growth: 0.1, sd: 0.05,',
        'initial: "10亿元", growth: 0.1, sd: 0.05, steps: {2021-03-15: "5亿元", 2019-01-01: "1亿元"},')
    s = write_and_load(tmp_path, text).scenario
    k = list(s.indicators).index("turnover")
    march = Calendar(s.scenario.start, s.scenario.end).month_of(date(2021, 3, 1))
    for res in (run_replication(s, 5, 0), simulate_block(s, 5, range(1))[0]):
        v = res.indicators[:, k]
        assert v[0] == pytest.approx(1e9)  # a step before the start is already in `initial`
        assert v[march] - v[march - 1] == pytest.approx(5e8)  # no yearly step between February and March


# --------------------------------------------------------------------------- TA-1 over 2020-2022


def test_ta1_matches_of_2020_to_2022_are_simulated_by_the_province_scenario() -> None:
    city_trigger = load("taian").scenario.programs["TA-1"].trigger
    assert isinstance(city_trigger, OnSchedule)
    assert min(city_trigger.dates) > load("taian").scenario.scenario.start  # the city file cannot hold 2020-2022
    sd = load("shandong").scenario
    prog = sd.programs["TA-1"]
    assert prog.start == date(2020, 7, 31)  # document 000
    assert isinstance(prog.trigger, OnSchedule)
    early = [d for d in prog.trigger.dates if d.year <= 2022]
    assert early == [date(2020, 10, 31), date(2021, 10, 31), date(2022, 10, 31)]
    for fid in ("ta-city-sci", "ta-hz-fund"):
        assert [sd.funds[fid].appropriations[y] for y in (2020, 2021, 2022)] == [600 * WAN] * 3
    header = (SCENARIOS / "taian.yaml").read_text(encoding="utf-8").split("\nscenario:")[0]
    assert "shandong.yaml" in header and "2020" in header  # the city file says where 2020-2022 is simulated


# --------------------------------------------------------------------------- rates not derived from their targets

TARGET_ID = re.compile(r"\b(?:TA|JN|ZB)-T\d+\b|\bLC-6\b")
DERIVED = re.compile(r"\bpace\b|\bimplies\b|\bneeds\b|asks for|\breaches\b|gives about")
RATE_UNITS = {"per_year", "rate"}


def _rate_sources(node: Any, path: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if isinstance(node, dict) and "values" in node:
        if node.get("unit") in RATE_UNITS:
            out.extend((path, str(v.get("source", ""))) for v in node["values"].values())
    elif isinstance(node, dict):
        for k, v in node.items():
            out.extend(_rate_sources(v, f"{path}.{k}" if path else str(k)))
    return out


@pytest.mark.parametrize("name", ["behaviour", "jinan", "liaocheng", "shandong", "taian", "zibo"])
def test_no_rate_is_derived_from_the_target_it_projects(name: str) -> None:
    data = yaml.safe_load((PARAMS / f"{name}.yaml").read_text(encoding="utf-8"))
    derived = [(p, src) for p, src in _rate_sources(data) if TARGET_ID.search(src) and DERIVED.search(src)]
    assert not derived, f"params/{name}.yaml: rates sourced from the targets they project: {derived}"


def test_replaced_rates_have_their_new_values() -> None:
    ta, zb = load("taian").scenario, load("zibo").scenario
    assert ta.populations["taian"].platforms["lab"].arrivals_per_year == 8
    assert ta.populations["taian"].platforms["innovation_centre"].arrivals_per_year == 6
    assert zb.populations["zibo"].platforms["lab"].arrivals_per_year == 18
    assert zb.populations["zibo"].platforms["innovation_community"].upgrade_rate == {"municipal": 0.12,
                                                                                      "provincial": 0.05}
    lc = load("liaocheng").scenario.populations["liaocheng"].platforms["innovation_community"]
    assert lc.upgrade_rate["municipal"] == 0.12


# --------------------------------------------------------------------------- funds have sources


@pytest.mark.parametrize("name", [*CITIES, "shandong"])
def test_every_fund_says_where_its_size_comes_from(name: str) -> None:
    s = load(name).scenario
    bare = [fid for fid, f in s.funds.items() if not f.source]
    assert not bare, f"{name}.yaml: funds without a source: {bare}"


# --------------------------------------------------------------------------- instruments modelled or listed


def test_zibo_general_rd_institution_subsidy_and_loan_risk_compensation_are_programs() -> None:
    s = load("zibo").scenario
    general = s.programs["ZB-14-general"]
    assert general.source == "ZB-14 四(二)4"
    assert isinstance(general.trigger, OnRecognition) and general.trigger.types == ["research_institution"]
    assert isinstance(general.rule, Fixed) and general.rule.amount == 50 * WAN
    loan = s.programs["ZB-15"]
    assert loan.source is not None and loan.source.startswith("ZB-15 四(三)4")
    assert isinstance(loan.trigger, OnCall) and isinstance(loan.rule, ShareCapped)
    assert loan.rule.share == Fraction(2, 5)
    assert {p.fund: p.share for p in loan.split} == {"sd-loan-risk-zb": Fraction(1, 2), "zb-loan-risk": Fraction(1, 2)}
    assert s.funds["zb-loan-risk"].appropriations == {2020: 1000 * WAN}


@pytest.mark.parametrize(("name", "iid", "clause"), [("zibo", "ZB-venture", "四(三)4"),
                                                     ("liaocheng", "LC-zone-coinvest", "二"),
                                                     ("jinan", "JN-sdiit-fund", "三(五)2")])
def test_instruments_left_out_are_listed_with_a_reason(name: str, iid: str, clause: str) -> None:
    nm = load(name).scenario.not_modelled
    assert nm[iid].clause == clause and nm[iid].reason
    assert iid in load("shandong").scenario.not_modelled  # extends: composes the lists


def test_not_modelled_reaches_manifest_and_summary_in_list_form(tmp_path: Path) -> None:
    text = tiny_city_yaml() + ('not_modelled: [{id: X-1, clause: "四(三)4", name: 风险补助, '
                               'reason: "no amount in the document"}]\n')
    loaded = write_and_load(tmp_path, text)
    expected = [{"id": "X-1", "clause": "四(三)4", "name": "风险补助", "name_en": None,
                 "reason": "no amount in the document"}]
    assert loaded.scenario.not_modelled_list() == expected
    out = tmp_path / "out"
    run(loaded, RunOptions(reps=2, seed=1, out=out, progress=False, engine="fast"))
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["not_modelled"] == expected
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["not_modelled"] == expected
