"""Small scenario builders for engine tests (written as YAML, loaded through the real loader)."""

from __future__ import annotations

from pathlib import Path

from simulator.loader import LoadedScenario, load_scenario


def tiny_city_yaml(
    *,
    budget_wan: int = 300,
    year_end: str = "carry_over",
    overclaim: str = "queue",
    applicants: float = 20.0,
    award_wan: int = 10,
    firms: int = 200,
    hte: int = 40,
    labs: int = 30,
    approval: float = 0.9,
    quota: str = "null",
    payment: str = "[{share: 0.6}, {share: 0.4, after_months: 12}]",
    start: str = "2020-04-01",
    end: str = "2022-12-31",
    seed: int = 3,
) -> str:
    """A one-city scenario exercising every trigger and both fund kinds."""
    return f"""
scenario: {{id: tiny, name: 测试城市, start: {start}, end: {end}, seed: {seed}}}
jurisdictions:
  prov: {{name: 省, level: province}}
  city: {{name: 市, level: city, parent: prov, population: {{2020-01-01: 1000000}}, source: "assumption: test"}}
  east: {{name: 东县, level: county, parent: city, population: {{2020-01-01: 600000}}, source: "assumption: test"}}
  west: {{name: 西县, level: county, parent: city, population: {{2020-01-01: 400000}}, source: "assumption: test"}}
funds:
  city-fund:
    name: 市资金
    owner: city
    appropriations: {{2020: "{budget_wan}万元", 2021: "{budget_wan}万元", 2022: "{budget_wan}万元"}}
    year_end: {year_end}
    overclaim: {overclaim}
    source: "assumption: test"
  prov-fund:
    name: 省资金
    owner: prov
    appropriations: {{2020: "{budget_wan // 2}万元", 2021: "{budget_wan // 2}万元", 2022: "{budget_wan // 2}万元"}}
    year_end: lapse
    overclaim: prorata
    source: "assumption: test"
  east-fund:
    name: 县资金
    owner: east
    appropriations: {{2020: "100万元", 2021: "100万元", 2022: "100万元"}}
    year_end: carry_over
    overclaim: fcfs
    source: "assumption: test"
guidance_funds:
  G-1:
    name: 母基金
    fund: city-fund
    commitment: "200万元"
    start: 2020-06-01
    rc: [0.4, 0.3, 0.3]
    life: 5
    source: "assumption: test"
    effect: {{on: hte, multiplier: 2.0, months: 24}}
programs:
  P-CALL:
    name: 创新券
    trigger: {{on: call, month: 5, applicants: {applicants}, base: {{dist: uniform, low: "1万元", high: "30万元"}}}}
    rule: {{kind: matching, base: {{kind: share_capped, share: "50%", cap: "{award_wan}万元"}}, ratio: 1}}
    exceptions:
      - places: [west]
        rule: {{kind: matching, base: {{kind: share_capped, share: "50%", cap: "{award_wan}万元"}}, match: {{kind: share_capped, share: "30%"}}}}
    split: [{{fund: prov-fund, part: base}}, {{fund: city-fund, part: match}}]
    review: {{every: quarter, delay_months: 2, approval: {approval}}}
    payment: {payment}
    quota: {quota}
    source: "assumption: test"
  P-LAB:
    name: 实验室认定奖励
    trigger: {{on: recognition, kind: platform, types: [lab], tiers: [provincial, national]}}
    rule: {{kind: fixed, by_tier: {{provincial: "50万元", national: "200万元"}}}}
    split: [{{fund: city-fund, share: 0.5}}, {{fund: east-fund, share: 0.5}}]
    review: {{every: year, month: 11, delay_months: 1}}
    effect: {{on: upgrade, multiplier: 1.5, months: 24}}
    exclusive_group: lab-awards
    source: "assumption: test"
  P-HTE:
    name: 高企奖励
    trigger: {{on: certification, state: hte}}
    rule: {{kind: fixed, amount: "5万元"}}
    split: [{{fund: city-fund}}]
    review: {{every: month, delay_months: 0}}
    source: "assumption: test"
  P-SVC:
    name: 仪器共享
    trigger: {{on: call, month: 9, applicants: 5, platform_types: [lab], base: {{dist: uniform, low: "10万元", high: "100万元"}}}}
    rule: {{kind: share_capped, share: "30%", cap: "100万元"}}
    split: [{{fund: city-fund}}]
    review: {{every: year, month: 11, delay_months: 1}}
    exclusive_group: lab-awards
    source: "assumption: test"
populations:
  city:
    firms:
      baseline: {{startup: {firms}, tech_sme: {firms // 2}, hte: {hte}}}
      arrivals_per_year: 60
      p_incubated: 0.3
      incubated_multiplier: 1.5
      sme_rate: 0.3
      hte_rate: 0.25
      exit_rate: 0.08
      source: "assumption: test"
    platforms:
      lab:
        baseline: {{municipal: {labs}, provincial: 5}}
        arrivals_per_year: 5
        upgrade_rate: {{provincial: 0.2, national: 0.05}}
        exit_rate: 0.02
        source: "assumption: test"
indicators:
  turnover: {{city: city, unit: yuan, initial: "10亿元", growth: 0.1, sd: 0.05, source: "assumption: test"}}
targets:
  T-HTE: {{name: 高企数量, metric: {{count: firms, state: hte}}, threshold: 60, deadline: 2022-12-31, source: "assumption: test"}}
  T-LAB: {{name: 省级以上实验室, metric: {{count: platforms, types: [lab], tier: provincial}}, threshold: 12, deadline: 2022-12-31, source: "assumption: test"}}
  T-TURN: {{name: 技术合同成交额, metric: {{indicator: turnover}}, threshold: 1300000000, deadline: 2022-12-31, unit: yuan, source: "assumption: test"}}
  T-PAT: {{name: 每万人成交额, metric: {{indicator: turnover, per_10k: city}}, threshold: 12000, deadline: 2022-12-31, source: "assumption: test"}}
  T-DRAWN: {{name: 市资金支出, metric: {{drawn: city-fund}}, threshold: 3000000, deadline: 2022-12-31, unit: yuan, source: "assumption: test"}}
"""


def write_and_load(tmp: Path, text: str, name: str = "tiny.yaml") -> LoadedScenario:
    """Write a scenario to ``tmp`` and load it through the real loader."""
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return load_scenario(path)
