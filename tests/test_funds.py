"""Fund mechanics pinned on their numbers, in both engines.

* LC-1: the research institute's special fund is its budget, spent on a plan
  (a quarter spends its planned amount or less), so it cannot run dry on its
  own plan;
* guidance funds: a capital call that waits for money funds its investments
  when it is paid, and distributions are credited back to the owner's fund;
* JN-3: the state-owned group's capital is not city budget money;
* ZB-10: a voucher and its match never pay more than their share of the cost.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from simulator.engines.des.world import World, run_replication
from simulator.engines.fast.engine import simulate_block
from simulator.engines.fast.firms import Firms
from simulator.loader import LoadedScenario, load_scenario
from simulator.model.dists import UniformSource, executed_fen
from simulator.model.ledger import credited_distribution
from simulator.model.rules import Claims, evaluate, evaluate_program, total_award
from simulator.scenario import Dist, GuidanceFund, Matching, OnSchedule
from tests.engine_fixtures import write_and_load

ROOT = Path(__file__).resolve().parents[1]
WAN = 10_000 * 100  # fen


def _scenario(name: str, **overrides: Any) -> LoadedScenario:
    return load_scenario(ROOT / "scenarios" / f"{name}.yaml", overrides or None)


# --------------------------------------------------------------------------- LC-1


def test_lc1_plan_adds_up_to_the_appropriation() -> None:
    s = _scenario("liaocheng").scenario
    trig = s.programs["LC-1"].trigger
    assert isinstance(trig, OnSchedule) and trig.plan is not None
    fund = s.funds["lc-institute-fund"]
    assert sum(trig.plan) == sum(fund.appropriations.values()) == 5000 * WAN
    for year, amount in fund.appropriations.items():
        assert sum(p for d, p in zip(trig.dates, trig.plan, strict=True) if d.year == year) == amount


@pytest.mark.parametrize("name", ["liaocheng", "shandong"])
def test_lc1_special_fund_never_runs_dry_fast(name: str) -> None:
    loaded = _scenario(name)
    results = simulate_block(loaded.scenario, loaded.scenario.scenario.seed, range(40))
    for r in results:
        assert r.exhaustion["lc-institute-fund"] is None
        drawn = sum(row["drawn_fen"] for (fid, _y), row in r.fund_years.items() if fid == "lc-institute-fund")
        assert 0.7 * 5000 * WAN <= drawn <= 5000 * WAN  # every quarter spends 70-100% of its plan


def test_lc1_special_fund_never_runs_dry_des() -> None:
    loaded = _scenario("liaocheng")
    for rep in range(3):
        r = run_replication(loaded.scenario, loaded.scenario.scenario.seed, rep)
        assert r.exhaustion["lc-institute-fund"] is None


def test_lc1_cut_by_a_fifth_does_run_dry() -> None:
    """The plan is 5000万元: a fund of 4000万元 runs short in most runs (a real risk, not an artefact)."""
    loaded = load_scenario(ROOT / "scenarios" / "variants" / "liaocheng-special-fund-cut20.yaml")
    results = simulate_block(loaded.scenario, loaded.scenario.scenario.seed, range(40))
    dry = sum(r.exhaustion["lc-institute-fund"] is not None for r in results)
    assert dry >= 30


@settings(max_examples=200, deadline=None)
@given(plan=st.integers(min_value=0, max_value=10**13), low=st.floats(0.0, 1.0), width=st.floats(0.0, 1.0),
       u=st.lists(st.floats(0.0, 1.0, exclude_max=True), min_size=1, max_size=20))
def test_a_plan_is_never_overspent(plan: int, low: float, width: float, u: list[float]) -> None:
    high = min(1.0, low + width)
    got = executed_fen(plan, Dist(dist="uniform", low=low, high=high), len(u), UniformSource(np.array(u)))
    assert ((got >= 0) & (got <= plan)).all()
    assert (got >= np.floor(low * plan) - 1).all()


@pytest.mark.parametrize(("extra", "words"), [
    ({"plan": ["1万元"]}, "one per date"),
    ({"plan": ["1万元", "1万元"], "base": {"dist": "fixed", "value": 1}}, "drop `base`"),
    ({"plan": ["1万元", "1万元"], "execution": {"dist": "uniform", "low": 0.5, "high": 1.2}}, "no higher than 1"),
    ({"plan": ["1万元", "1万元"], "execution": {"dist": "lognormal", "median": 0.9, "sigma": 0.1}}, "no higher than 1"),
    ({"execution": {"dist": "fixed", "value": 0.9}}, "needs a `plan`"),
])
def test_bad_plans_are_refused(extra: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        OnSchedule.model_validate({"on": "schedule", "dates": ["2020-03-31", "2020-06-30"], **extra})


def test_plan_dates_in_one_month_are_refused() -> None:
    with pytest.raises(ValidationError, match="one date per month"):
        OnSchedule.model_validate({"on": "schedule", "dates": ["2020-03-01", "2020-03-31"], "plan": [1, 1]})


# --------------------------------------------------------------------------- guidance funds

# Owner fund empty in 2020, 500万元 from 2021.  The fund: 200万元 committed, half of what is
# uncalled each June (100, 50, 25万元), growth 10%, bow 1, life 5, no noise; a 10万元 ticket
# and local reinvestment 1 give floor(call / 10万元) investments per call: 10, 5 and 2.
# Distributions D(t) = (t/5) * NAV(t-1) * 1.1: 2021: 0.4 * 110万 = 44万元;
# NAV(2021) = 110 + 50 - 44 = 116万元, 2022: 0.6 * 127.6万 = 76.56万元.
GUIDANCE_YAML = """
scenario: {id: gtest, name: 引导基金测试, start: 2020-01-01, end: 2022-12-31, seed: 11}
jurisdictions:
  prov: {name: 省, level: province}
  city: {name: 市, level: city, parent: prov, population: {2020-01-01: 1000000}, source: "assumption: test"}
funds:
  g-pool:
    name: 基金出资
    owner: city
    appropriations: {2021: "500万元"}
    overclaim: queue
    source: "assumption: test"
guidance_funds:
  G-1:
    name: 母基金
    fund: g-pool
    commitment: "200万元"
    start: 2020-06-01
    rc: [0.5]
    life: 5
    bow: 1.0
    growth: 0.1
    yield: 0.0
    ticket: "10万元"
    subfunds: {count: 1, local_reinvest: 1}
    investee_state: tech_sme
    effect: {on: hte, multiplier: 2.0, months: 24}
    DISTRIBUTIONS
    source: "assumption: test"
populations:
  city:
    firms:
      baseline: {tech_sme: 300}
      hte_rate: 0.05
      exit_rate: 0.01
      source: "assumption: test"
"""


def _guidance(tmp_path: Path, distributions: str = "credit_to_fund") -> LoadedScenario:
    text = GUIDANCE_YAML.replace("DISTRIBUTIONS", f"distributions: {distributions}")
    return write_and_load(tmp_path, text, "gtest.yaml")


def test_waiting_call_invests_when_paid_des(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = _guidance(tmp_path)
    seen: list[float] = []
    original = World.support

    def spy(self: World, eid: int, on: str, multiplier: float, months: int) -> None:
        seen.append(float(self.env.now))
        original(self, eid, on, multiplier, months)

    monkeypatch.setattr(World, "support", spy)
    env = simpy.Environment()
    w = World(env, loaded.scenario, 11, 0)
    w.setup()
    w._arrears_at_year_end = {}
    env.process(w.year_end_arrears())
    env.run(until=w.horizon)
    assert [c.requested_fen for c in w.guidance_claims] == [100 * WAN, 50 * WAN, 25 * WAN]
    assert all(c.paid_fen == c.requested_fen for c in w.guidance_claims)
    assert len(seen) == 17
    assert seen[:10] == [12.0] * 10  # the 2020 call waited for January 2021 and invests then
    assert all(t > 12.0 for t in seen[10:])
    res = w.result()
    assert [res.fund_years[("g-pool", y)]["income_fen"] for y in (2020, 2021, 2022)] == [0, 44 * WAN, 7656 * WAN // 100]
    assert res.fund_years[("g-pool", 2022)]["balance_end_fen"] == (500 - 175 + 44) * WAN + 7656 * WAN // 100
    assert res.exhaustion["g-pool"] == 5  # June 2020: the first call waits


def test_waiting_call_invests_when_paid_fast(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = _guidance(tmp_path)
    seen: list[tuple[float, int]] = []
    original = Firms.support

    def spy(self: Firms, fi: Any, on: str, multiplier: float, months: int, now: float) -> None:
        seen.append((now, int(fi.size)))
        original(self, fi, on, multiplier, months, now)

    monkeypatch.setattr(Firms, "support", spy)
    results = simulate_block(loaded.scenario, 11, range(3))
    assert sum(n for _t, n in seen) == 17 * 3
    assert sum(n for t, n in seen if t == 12.0) == 10 * 3
    for r in results:
        assert [r.fund_years[("g-pool", y)]["income_fen"] for y in (2020, 2021, 2022)] == [0, 44 * WAN, 7656 * WAN // 100]
        assert r.claims[("G-1", 2020, "paid")][2] == 100 * WAN


def test_distributions_none_keeps_returns_out_of_the_fund(tmp_path: Path) -> None:
    loaded = _guidance(tmp_path, "none")
    (r,) = simulate_block(loaded.scenario, 11, range(1))
    assert all(r.fund_years[("g-pool", y)]["income_fen"] == 0 for y in (2020, 2021, 2022))
    assert r.fund_years[("g-pool", 2022)]["balance_end_fen"] == (500 - 175) * WAN


def test_distribution_is_scaled_to_the_capital_paid() -> None:
    g = GuidanceFund(name="x", fund="f", commitment=10**6, start="2020-01-01", rc=[0.5])
    got = credited_distribution(g, np.array([1000, 1000, 1000, 7]), np.array([30, 10, 0, 3]), np.array([30, 40, 20, 3]))
    assert got.tolist() == [1000, 250, 0, 7]


# --------------------------------------------------------------------------- JN-3


def test_jn3_group_capital_is_not_city_budget() -> None:
    loaded = _scenario("jinan")
    s = loaded.scenario
    assert s.level_of_fund("jn-industry-group") == "off_budget"
    assert s.level_of_fund("jn-angel-capital") == "city"
    (r,) = simulate_block(s, s.scenario.seed, range(1))
    jn3 = {level for (_m, _f, level, prog) in r.draws if prog == "JN-3"}
    assert jn3 == {"off_budget"}
    city = sum(v for (_m, _f, level, _p), v in r.draws.items() if level == "city")
    jn3_total = sum(v for (_m, _f, _l, prog), v in r.draws.items() if prog == "JN-3")
    assert jn3_total > 5 * 10**8 * 100  # billions of yuan of group money, kept out of the city's draw
    assert city < 3 * 10**8 * 100


# --------------------------------------------------------------------------- ZB-10 vouchers

shares = st.fractions(min_value=0, max_value=1, max_denominator=1000)


@settings(max_examples=300, deadline=None)
@given(cost=st.lists(st.integers(min_value=0, max_value=10**11), min_size=1, max_size=20),
       share=shares, cap=st.integers(min_value=0, max_value=10**10), ratio=st.fractions(0, 3, max_denominator=100),
       cap_share=shares)
def test_matching_never_pays_more_than_its_share(cost: list[int], share: Fraction, cap: int, ratio: Fraction,
                                                 cap_share: Fraction) -> None:
    rule = Matching.model_validate({"kind": "matching", "ratio": ratio, "cap_share": cap_share,
                                    "base": {"kind": "share_capped", "share": share, "cap": cap}})
    parts = evaluate(rule, Claims.of(base_fen=cost))
    limit = np.array([c * cap_share.numerator // cap_share.denominator for c in cost])
    assert (parts["base"] >= 0).all() and (parts["match"] >= 0).all()
    assert (parts["base"] + parts["match"] <= limit).all()
    plain = evaluate(rule.model_copy(update={"cap_share": None}), Claims.of(base_fen=cost))
    assert (parts["base"] + parts["match"] == np.minimum(plain["base"] + plain["match"], limit)).all()


@pytest.mark.parametrize("voucher_share", [0.3, 0.5, 0.6])
def test_zb10_voucher_never_pays_80pct_of_cost_or_more(voucher_share: float) -> None:
    s = _scenario("zibo", **{"programs.ZB-10.rule.base.share": voucher_share,
                             "programs.ZB-10.exceptions.0.rule.base.share": voucher_share}).scenario
    rng = np.random.default_rng(5)
    cost = rng.integers(0, 200 * WAN, size=400)
    place = rng.choice(["zhangdian", "gaoqing", "yiyuan", "linzi"], size=400)
    total = total_award(evaluate_program(s.programs["ZB-10"], Claims.of(base_fen=cost.tolist(), place=place.tolist())))
    assert (total <= cost * 8 // 10).all()
    assert (total[cost > 0] < cost[cost > 0]).all()
