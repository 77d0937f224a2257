"""Every quantitative money rule of POLICY-FACTS.md, pinned on its own numbers.

The expected amounts are the arithmetic of the policy text (e.g. ZB-4: 15,000 m²
× 100元/m² = 150万元, capped at 100万元), written in fen via the helpers below,
never copied from a run of the code.  Where a rule needs a number the documents
do not give (ZB-3's performance share, LC-3's county match ratio, the ZB-14
range, the ZB-10 provincial voucher), the row says so and uses a stated
assumption.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from simulator.loader import LoadedScenario, load_scenario
from simulator.model.rules import (
    Claims,
    by_level,
    evaluate,
    evaluate_program,
    split_award,
    split_exact,
    total_award,
)
from simulator.scenario import Rule

FEN = 1
YUAN = 100 * FEN
WAN = 10_000 * YUAN  # 万元
YI = 100_000_000 * YUAN  # 亿元

RULE = TypeAdapter(Rule)


def rule(spec: Mapping[str, Any]) -> Rule:
    """A rule object from its YAML form."""
    return RULE.validate_python(dict(spec))


def claim(quantity: int = 0, base: int = 0, tier: str = "", place: str = "") -> Claims:
    """A batch of one claim; ``base`` is in fen."""
    return Claims.of(quantity=[quantity], base_fen=[base], tier=[tier], place=[place])


# --------------------------------------------------------------------------- the rules as in the policy

ZB4_NEW = {"kind": "per_unit_capped", "rate": "100元/m2", "cap": "100万元"}
ZB4_REFIT = {"kind": "per_unit_capped", "rate": "50元/m2", "cap": "50万元"}
ZB1 = {"kind": "fixed", "by_tier": {"national": "200万元", "provincial": "50万元"}}
ZB2 = {"kind": "share_capped", "share": 1, "cap": "1000万元"}  # at most 1000万元 of the approved amount
ZB5 = {"kind": "fixed", "by_tier": {"national": "200万元", "provincial": "50万元"}}  # the ceilings
ZB6 = {"kind": "fixed", "by_tier": {"national": "50万元", "provincial": "20万元"}}
ZB7 = {"kind": "fixed", "amount": "50万元"}
ZB8 = {"kind": "matching", "base": {"kind": "fixed", "by_tier": {"provincial": "100万元", "national": "300万元"}},
       "ratio": "20%"}
# ZB-3 pays "by service performance, at most 100万元"; the performance share (50% of the
# service value) is an assumption of this table.  ZB-9 is up to 30% of the service value.
ZB3 = {"kind": "share_capped", "share": "50%", "cap": "100万元"}
ZB9 = {"kind": "share_capped", "share": "30%"}
ZB9_OR_ZB3 = {"kind": "higher_of", "rules": [ZB9, ZB3]}
ZB11 = {"kind": "share_capped", "share": 1, "floor": "1亿元"}  # not less than 1亿元
ZB12 = {"kind": "share_capped", "share": 1, "cap": "5000万元"}  # at most 5000万元
ZB13_DEMO = {"kind": "share_capped", "share": 1, "cap": "200万元"}
ZB13_QUAL = {"kind": "share_capped", "share": 1, "cap": "50万元"}
ZB14 = {"kind": "case_by_case", "low": "500万元", "high": "2000万元"}  # range: a scenario assumption
TA1 = {"kind": "matching", "base": {"kind": "share_capped", "share": 1}, "ratio": 1}  # base = provincial money
LC3_HALF = {"kind": "matching", "base": {"kind": "fixed", "amount": "200万元"}, "ratio": "50%"}  # ratio assumed
LC3_FULL = {"kind": "matching", "base": {"kind": "fixed", "amount": "200万元"}, "ratio": 1}
JN4 = {"kind": "share_capped", "share": 1, "floor": "100万元"}  # not less than 100万元
JN5 = {"kind": "share_capped", "share": "50%", "cap": "100万元"}

# (row id, rule, claim, expected parts in fen)
RULE_ROWS: list[tuple[str, Mapping[str, Any], Claims, dict[str, int]]] = [
    # ZB-4 new build: 100元/m², at most 100万元
    ("ZB-4 new 15000m2 cap binds", ZB4_NEW, claim(quantity=15_000), {"total": 100 * WAN}),
    ("ZB-4 new 5000m2", ZB4_NEW, claim(quantity=5_000), {"total": 5_000 * 100 * YUAN}),
    ("ZB-4 new 10000m2 exactly at cap", ZB4_NEW, claim(quantity=10_000), {"total": 100 * WAN}),
    ("ZB-4 new 1m2", ZB4_NEW, claim(quantity=1), {"total": 100 * YUAN}),
    ("ZB-4 new 0m2", ZB4_NEW, claim(quantity=0), {"total": 0}),
    # ZB-4 extension or refit: 50元/m², at most 50万元
    ("ZB-4 refit 5000m2", ZB4_REFIT, claim(quantity=5_000), {"total": 25 * WAN}),
    ("ZB-4 refit 12000m2 cap binds", ZB4_REFIT, claim(quantity=12_000), {"total": 50 * WAN}),
    # ZB-1 national / provincial platform: 200万元 / 50万元
    ("ZB-1 national", ZB1, claim(tier="national"), {"total": 200 * WAN}),
    ("ZB-1 provincial", ZB1, claim(tier="provincial"), {"total": 50 * WAN}),
    ("ZB-1 municipal gets nothing", ZB1, claim(tier="municipal"), {"total": 0}),
    # ZB-2 alliance upgraded to community: at most 1000万元
    ("ZB-2 1500万 asked -> 1000万", ZB2, claim(base=1_500 * WAN), {"total": 1_000 * WAN}),
    ("ZB-2 600万 asked", ZB2, claim(base=600 * WAN), {"total": 600 * WAN}),
    # ZB-5 national / provincial incubator: at most 200万元 / 50万元
    ("ZB-5 national incubator", ZB5, claim(tier="national"), {"total": 200 * WAN}),
    ("ZB-5 provincial incubator", ZB5, claim(tier="provincial"), {"total": 50 * WAN}),
    # ZB-6 national / provincial maker space: 50万元 / 20万元
    ("ZB-6 national maker space", ZB6, claim(tier="national"), {"total": 50 * WAN}),
    ("ZB-6 provincial maker space", ZB6, claim(tier="provincial"), {"total": 20 * WAN}),
    # ZB-7 demonstration incubator: 50万元 each
    ("ZB-7 demonstration", ZB7, claim(tier="national"), {"total": 50 * WAN}),
    # ZB-8 science park: province 100万元 / 300万元, city adds 20%
    ("ZB-8 provincial park", ZB8, claim(tier="provincial"), {"base": 100 * WAN, "match": 20 * WAN}),
    ("ZB-8 national park", ZB8, claim(tier="national"), {"base": 300 * WAN, "match": 60 * WAN}),
    # ZB-9 (30% of service value) vs ZB-3 (assumed 50% of it, at most 100万元): the higher one
    ("ZB-9|ZB-3 value 100万: ZB-3 higher", ZB9_OR_ZB3, claim(base=100 * WAN), {"total": 50 * WAN}),
    ("ZB-9|ZB-3 value 300万: ZB-3 cap", ZB9_OR_ZB3, claim(base=300 * WAN), {"total": 100 * WAN}),
    ("ZB-9|ZB-3 value 500万: ZB-9 higher", ZB9_OR_ZB3, claim(base=500 * WAN), {"total": 150 * WAN}),
    # ZB-11 whole-institution introduction: not less than 1亿元
    ("ZB-11 8000万 -> 1亿 floor", ZB11, claim(base=8_000 * WAN), {"total": 1 * YI}),
    ("ZB-11 1.5亿 above floor", ZB11, claim(base=15_000 * WAN), {"total": 15_000 * WAN}),
    # ZB-12 R&D headquarters: at most 5000万元
    ("ZB-12 8000万 -> 5000万 cap", ZB12, claim(base=8_000 * WAN), {"total": 5_000 * WAN}),
    ("ZB-12 3000万 under cap", ZB12, claim(base=3_000 * WAN), {"total": 3_000 * WAN}),
    # ZB-13 demonstration national / qualifying tech-transfer institution: at most 200万元 / 50万元
    ("ZB-13 demo 300万 -> 200万", ZB13_DEMO, claim(base=300 * WAN), {"total": 200 * WAN}),
    ("ZB-13 demo 30万 under cap", ZB13_DEMO, claim(base=30 * WAN), {"total": 30 * WAN}),
    ("ZB-13 qualifying 80万 -> 50万", ZB13_QUAL, claim(base=80 * WAN), {"total": 50 * WAN}),
    # ZB-14 case by case: the midpoint of the stated range when no generator is given
    ("ZB-14 midpoint", ZB14, claim(), {"total": (500 + 2_000) * WAN // 2}),
    # TA-1: the city and the zone together match provincial money 1:1
    ("TA-1 province 300万", TA1, claim(base=300 * WAN), {"base": 300 * WAN, "match": 300 * WAN}),
    # LC-3: 200万元 per community from the city; county match at an assumed ratio
    ("LC-3 county match 50%", LC3_HALF, claim(), {"base": 200 * WAN, "match": 100 * WAN}),
    ("LC-3 county match 1:1", LC3_FULL, claim(), {"base": 200 * WAN, "match": 200 * WAN}),
    # JN-4 pilot-scale base: not less than 100万元
    ("JN-4 60万 -> 100万 floor", JN4, claim(base=60 * WAN), {"total": 100 * WAN}),
    ("JN-4 250万 above floor", JN4, claim(base=250 * WAN), {"total": 250 * WAN}),
    # JN-5 international event: 50% of spending, at most 100万元
    ("JN-5 spending 120万", JN5, claim(base=120 * WAN), {"total": 60 * WAN}),
    ("JN-5 spending 200万 exactly at cap", JN5, claim(base=200 * WAN), {"total": 100 * WAN}),
    ("JN-5 spending 300万 cap binds", JN5, claim(base=300 * WAN), {"total": 100 * WAN}),
    ("JN-5 spending 1元 rounds down", JN5, claim(base=1 * YUAN + 1), {"total": 50}),
]


@pytest.mark.parametrize(("spec", "claims", "expected"), [r[1:] for r in RULE_ROWS], ids=[r[0] for r in RULE_ROWS])
def test_rule_table(spec: Mapping[str, Any], claims: Claims, expected: dict[str, int]) -> None:
    parts = evaluate(rule(spec), claims)
    assert {k: int(v[0]) for k, v in parts.items()} == expected
    assert int(total_award(parts)[0]) == sum(expected.values())
    for arr in parts.values():
        assert arr.dtype == np.int64


# --------------------------------------------------------------------------- programs, places and splits

POLICY_YAML = """
scenario: {id: policy-table, name: 政策规则表, start: 2020-01-01, end: 2025-12-31}
jurisdictions:
  shandong: {name: 山东省, level: province}
  zibo: {name: 淄博市, level: city, parent: shandong}
  zhangdian: {name: 张店区, level: district, parent: zibo}
  gaoqing: {name: 高青县, level: county, parent: zibo}
  yiyuan: {name: 沂源县, level: county, parent: zibo}
  taian: {name: 泰安市, level: city, parent: shandong}
  taian-htz: {name: 泰安高新区, level: zone, parent: taian}
  liaocheng: {name: 聊城市, level: city, parent: shandong}
  dongchangfu: {name: 东昌府区, level: district, parent: liaocheng}
funds:
  sd-prov: {name: 省级资金, owner: shandong, source: "assumption: provincial money, size not modelled"}
  zb-city: {name: 淄博市科技创新资金, owner: zibo, source: "assumption: size not modelled"}
  ta-city: {name: 泰安市科技创新发展资金, owner: taian, source: "TA-1 000 三(三)"}
  ta-htz: {name: 泰安高新区资金, owner: taian-htz, source: "TA-1 000 三(三)"}
  lc-city: {name: 聊城市财政, owner: liaocheng, source: "LC-3 三(二)"}
  lc-county: {name: 东昌府区财政, owner: dongchangfu, source: "assumption: county match ratio not stated"}
programs:
  ZB-8:
    name: 大学科技园
    source: ZB-8 四(三)2
    trigger: {on: recognition, kind: platform, types: [science_park], tiers: [provincial, national]}
    rule:
      kind: matching
      base: {kind: fixed, by_tier: {provincial: "100万元", national: "300万元"}}
      ratio: "20%"
    split:
      - {fund: sd-prov, part: base}
      - {fund: zb-city, part: match}
  ZB-10:
    name: 创新券
    source: ZB-10 四(三)3
    trigger: {on: call, applicants: 40, base: {dist: fixed, value: "10万元"}}
    rule:
      kind: matching
      base: {kind: share_capped, share: "50%", cap: "20万元", source: "assumption: provincial voucher 50% of cost, at most 20万元"}
      ratio: 1
    exceptions:
      - places: [gaoqing, yiyuan]
        rule:
          kind: matching
          base: {kind: share_capped, share: "50%", cap: "20万元", source: "assumption: as above"}
          match: {kind: share_capped, share: "30%"}
    split:
      - {fund: sd-prov, part: base}
      - {fund: zb-city, part: match}
  TA-1:
    name: 省智慧康养创新创业共同体配套
    source: TA-1 000 三(三)
    trigger: {on: schedule, dates: [2021-01-01]}
    rule: {kind: matching, base: {kind: share_capped, share: 1}, ratio: 1}
    split:
      - {fund: sd-prov, part: base}
      - {fund: ta-city, part: match, share: 0.5}
      - {fund: ta-htz, part: match, share: 0.5}
  LC-3:
    name: 市级创新创业共同体建设补助
    source: LC-3 三(二)
    trigger: {on: schedule, dates: [2021-01-01]}
    rule:
      kind: matching
      base: {kind: fixed, amount: "200万元"}
      ratio: {value: "50%", source: "assumption: county match ratio not stated; half of the city's award"}
    split:
      - {fund: lc-city, part: base}
      - {fund: lc-county, part: match}
"""


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory) -> LoadedScenario:
    path: Path = tmp_path_factory.mktemp("policy") / "policy.yaml"
    path.write_text(POLICY_YAML, encoding="utf-8")
    return load_scenario(path)


# ZB-10: city matches the provincial voucher 1:1; in 高青县 and 沂源县 it pays 30% of the actual
# cost instead.  The provincial voucher (50% of cost, at most 20万元) is an assumption.
ZB10_ROWS = [
    ("zhangdian cost 10万", "zhangdian", 10 * WAN, {"base": 5 * WAN, "match": 5 * WAN}),
    ("gaoqing cost 10万: 30% of cost", "gaoqing", 10 * WAN, {"base": 5 * WAN, "match": 3 * WAN}),
    ("yiyuan cost 10万: 30% of cost", "yiyuan", 10 * WAN, {"base": 5 * WAN, "match": 3 * WAN}),
    ("zhangdian cost 60万: voucher capped", "zhangdian", 60 * WAN, {"base": 20 * WAN, "match": 20 * WAN}),
    ("gaoqing cost 60万", "gaoqing", 60 * WAN, {"base": 20 * WAN, "match": 18 * WAN}),
    ("no place cost 10万", "", 10 * WAN, {"base": 5 * WAN, "match": 5 * WAN}),
]


@pytest.mark.parametrize(("place", "cost", "expected"), [r[1:] for r in ZB10_ROWS], ids=[r[0] for r in ZB10_ROWS])
def test_zb10_place_exception(policy: LoadedScenario, place: str, cost: int, expected: dict[str, int]) -> None:
    parts = evaluate_program(policy.scenario.programs["ZB-10"], claim(base=cost, place=place))
    assert {k: int(v[0]) for k, v in parts.items()} == expected


# (row id, program, claim, expected amount by level in fen)
SPLIT_ROWS: list[tuple[str, str, Claims, dict[str, int]]] = [
    ("ZB-8 provincial park", "ZB-8", claim(tier="provincial"), {"province": 100 * WAN, "city": 20 * WAN}),
    ("ZB-8 national park", "ZB-8", claim(tier="national"), {"province": 300 * WAN, "city": 60 * WAN}),
    # TA-1: province X, city X/2, zone X/2
    ("TA-1 X=300万", "TA-1", claim(base=300 * WAN), {"province": 300 * WAN, "city": 150 * WAN, "zone": 150 * WAN}),
    ("TA-1 X=1000万", "TA-1", claim(base=1_000 * WAN), {"province": 1_000 * WAN, "city": 500 * WAN, "zone": 500 * WAN}),
    ("LC-3 city 200万 + county 50%", "LC-3", claim(), {"city": 200 * WAN, "district": 100 * WAN}),
    ("ZB-10 gaoqing voucher", "ZB-10", claim(base=10 * WAN, place="gaoqing"), {"province": 5 * WAN, "city": 3 * WAN}),
]


@pytest.mark.parametrize(("program", "claims", "expected"), [r[1:] for r in SPLIT_ROWS], ids=[r[0] for r in SPLIT_ROWS])
def test_split_by_level(policy: LoadedScenario, program: str, claims: Claims, expected: dict[str, int]) -> None:
    prog = policy.scenario.programs[program]
    parts = evaluate_program(prog, claims)
    lines = split_award(prog, parts, policy.scenario)
    assert dict(by_level(lines)) == expected
    assert sum(int(line.amount.sum()) for line in lines) == int(total_award(parts).sum())


def test_ta1_odd_fen_split_is_exact(policy: LoadedScenario) -> None:
    """An odd provincial amount: the city and the zone differ by one fen, nothing is lost."""
    prog = policy.scenario.programs["TA-1"]
    x = 300 * WAN + 1
    lines = split_award(prog, evaluate_program(prog, claim(base=x)), policy.scenario)
    levels = by_level(lines)
    assert levels["province"] == x
    assert levels["city"] + levels["zone"] == x
    assert abs(levels["city"] - levels["zone"]) == 1


def test_table_size() -> None:
    assert len(RULE_ROWS) + len(ZB10_ROWS) + len(SPLIT_ROWS) >= 30


# --------------------------------------------------------------------------- case by case


def test_zb14_draws_within_range_in_whole_yuan() -> None:
    r = rule(ZB14)
    amounts = evaluate(r, Claims.of(quantity=[0] * 10_000), np.random.default_rng(20240501))["total"]
    assert amounts.min() >= 500 * WAN and amounts.max() <= 2_000 * WAN
    assert (amounts % YUAN == 0).all()
    assert len(np.unique(amounts)) > 1000  # drawn, not constant
    assert abs(float(amounts.mean()) - 1_250 * WAN) < 0.02 * 1_250 * WAN


def test_case_by_case_degenerate_range() -> None:
    r = rule({"kind": "case_by_case", "low": "300万元", "high": "300万元"})
    out = evaluate(r, Claims.of(quantity=[0] * 50), np.random.default_rng(1))["total"]
    assert (out == 300 * WAN).all()


def test_case_by_case_same_seed_same_draws() -> None:
    r = rule(ZB14)
    batch = Claims.of(quantity=[0] * 100)
    a = evaluate(r, batch, np.random.default_rng(7))["total"]
    b = evaluate(r, batch, np.random.default_rng(7))["total"]
    c = evaluate(r, batch, np.random.default_rng(8))["total"]
    assert (a == b).all() and not (a == c).all()


# --------------------------------------------------------------------------- vectorisation

N_VECTOR = 10_000
TIER_CHOICES = np.array(["", "none", "municipal", "provincial", "national"])
PLACE_CHOICES = np.array(["", "zhangdian", "gaoqing", "yiyuan"])


def random_claims(seed: int, n: int = N_VECTOR) -> Claims:
    rng = np.random.default_rng(seed)
    return Claims(
        quantity=rng.integers(0, 30_000, size=n, dtype=np.int64),
        base_fen=rng.integers(0, 3 * YI, size=n, dtype=np.int64),
        tier=rng.choice(TIER_CHOICES, size=n),
        place=rng.choice(PLACE_CHOICES, size=n),
    )


def one(claims: Claims, i: int) -> Claims:
    return claim(int(claims.quantity[i]), int(claims.base_fen[i]), str(claims.tier[i]), str(claims.place[i]))


VECTOR_RULES = {
    "ZB-4": ZB4_NEW,
    "ZB-1": ZB1,
    "ZB-8": ZB8,
    "ZB-9|ZB-3": ZB9_OR_ZB3,
    "ZB-11": ZB11,
    "JN-5": JN5,
    "TA-1": TA1,
}


@pytest.mark.parametrize("name", list(VECTOR_RULES))
def test_vector_equals_elementwise(name: str) -> None:
    r = rule(VECTOR_RULES[name])
    claims = random_claims(seed=len(name))
    batch = evaluate(r, claims)
    for key, arr in batch.items():
        assert arr.shape == (N_VECTOR,), key
    for i in range(N_VECTOR):
        single = evaluate(r, one(claims, i))
        for key, arr in batch.items():
            assert int(arr[i]) == int(single[key][0]), (name, i, key)


def test_vector_program_with_exceptions_equals_elementwise(policy: LoadedScenario) -> None:
    prog = policy.scenario.programs["ZB-10"]
    claims = random_claims(seed=10)
    batch = evaluate_program(prog, claims)
    for i in range(N_VECTOR):
        single = evaluate_program(prog, one(claims, i))
        for key, arr in batch.items():
            assert int(arr[i]) == int(single[key][0]), (i, key)


def test_vector_matches_policy_arithmetic() -> None:
    """Batch results against the policy formulas written out in plain integers."""
    claims = random_claims(seed=4)
    zb4 = evaluate(rule(ZB4_NEW), claims)["total"]
    jn5 = evaluate(rule(JN5), claims)["total"]
    zb9 = evaluate(rule(ZB9_OR_ZB3), claims)["total"]
    for i in range(N_VECTOR):
        q, b = int(claims.quantity[i]), int(claims.base_fen[i])
        assert int(zb4[i]) == min(q * 100 * YUAN, 100 * WAN)
        assert int(jn5[i]) == min(b // 2, 100 * WAN)
        assert int(zb9[i]) == max(b * 3 // 10, min(b // 2, 100 * WAN))


# --------------------------------------------------------------------------- exact splits


@st.composite
def share_lists(draw: st.DrawFn) -> list[Fraction]:
    weights = draw(st.lists(st.integers(min_value=0, max_value=1_000), min_size=1, max_size=8))
    if sum(weights) == 0:
        weights[0] = 1
    total = sum(weights)
    return [Fraction(w, total) for w in weights]


@settings(max_examples=150, deadline=None)
@given(
    amounts=st.lists(st.integers(min_value=0, max_value=10**16), min_size=1, max_size=20),
    shares=share_lists(),
)
def test_split_exact_pieces_sum_to_total(amounts: list[int], shares: list[Fraction]) -> None:
    arr = np.array(amounts, dtype=np.int64)
    pieces = split_exact(arr, shares)
    assert len(pieces) == len(shares)
    total = np.zeros_like(arr)
    for piece, share in zip(pieces, shares, strict=True):
        assert (piece >= 0).all()
        for a, p in zip(amounts, piece.tolist(), strict=True):
            assert abs(Fraction(p) - a * share) < len(shares)  # floored, plus at most the leftover fen
        total = total + piece
    assert total.tolist() == amounts


@settings(max_examples=200, deadline=None)
@given(x=st.integers(min_value=0, max_value=10**14))
def test_ta1_split_conserves_every_fen(policy: LoadedScenario, x: int) -> None:
    prog = policy.scenario.programs["TA-1"]
    parts = evaluate_program(prog, claim(base=x))
    levels = by_level(split_award(prog, parts, policy.scenario))
    assert levels["province"] == x
    assert levels["city"] + levels["zone"] == x
    assert abs(levels["city"] - levels["zone"]) <= 1
    assert sum(levels.values()) == int(total_award(parts)[0]) == 2 * x
