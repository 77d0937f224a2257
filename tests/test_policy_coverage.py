"""Every money instrument and target of POLICY-FACTS.md is in the city scenarios.

The ids are checked in below so that the test runs from a fresh clone; when the
shared folder sits beside the clone (``../shared/POLICY-FACTS.md``, as in CI),
the checked-in list is also compared with the document, so the two cannot drift
apart. The second half pins the shipped award rules on the numbers of the
documents (``fiscalsim award`` computes the same).
"""

from __future__ import annotations

import re
from datetime import date
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from simulator.loader import LoadedScenario, load_scenario
from simulator.model.rules import Claims, evaluate_program, split_award, total_award
from simulator.scenario import Quota

ROOT = Path(__file__).resolve().parents[1]
FACTS = ROOT.parent / "shared" / "POLICY-FACTS.md"
SCENARIOS = ROOT / "scenarios"

WAN = 10_000 * 100  # 1万元 in fen
YI = 10_000 * WAN  # 1亿元 in fen

# --------------------------------------------------------------------------- the checked-in ids

CITY_OF_PREFIX = {"LC": "liaocheng", "TA": "taian", "JN": "jinan", "ZB": "zibo"}

INSTRUMENTS: dict[str, list[str]] = {
    "LC": [f"LC-{i}" for i in range(1, 7)],
    "TA": [f"TA-{i}" for i in range(1, 6)],
    "JN": [f"JN-{i}" for i in range(1, 7)],
    "ZB": [f"ZB-{i}" for i in range(1, 15)],
}
TARGETS: dict[str, list[str]] = {
    "TA": [f"TA-T{i}" for i in range(1, 11)],
    "JN": [f"JN-T{i}" for i in range(1, 12)],
    "ZB": [f"ZB-T{i}" for i in range(1, 12)],
}
# Instruments with a mechanism and no money: they must be cited as the source
# of some element instead of naming a program.
MECHANISM_ONLY = {"TA-5"}
# Target deadlines: the documents' target years (LC-6: five years from the start).
DEADLINES = {"TA": date(2025, 12, 31), "JN": date(2020, 12, 31), "ZB": date(2022, 12, 31), "LC": date(2024, 12, 31)}

ALL_INSTRUMENTS = [i for ids in INSTRUMENTS.values() for i in ids]
ALL_TARGETS = [t for ids in TARGETS.values() for t in ids]
ID_RE = re.compile(r"^((?:LC|TA|JN|ZB)-T?\d+)(?![0-9])")


def policy_ids(text: str) -> tuple[set[str], set[str]]:
    """Instrument and target ids of POLICY-FACTS.md (the first cell of its table rows).

    >>> policy_ids("| ZB-4 | incubator premises |\\n| TA-T5 | valid HTEs | 800 |\\n| id | x |")
    ({'ZB-4'}, {'TA-T5'})
    """
    ids = set(re.findall(r"^\|\s*((?:LC|TA|JN|ZB)-T?\d+)\s*\|", text, flags=re.M))
    return {i for i in ids if "-T" not in i}, {i for i in ids if "-T" in i}


@cache
def city(cid: str) -> LoadedScenario:
    return load_scenario(SCENARIOS / f"{cid}.yaml")


def prefix(pid: str) -> str:
    return pid.split("-", 1)[0]


def base_id(element_id: str) -> str | None:
    """The POLICY-FACTS id an element is named after (``ZB-13-perf`` -> ``ZB-13``)."""
    m = ID_RE.match(element_id)
    return m.group(1) if m else None


def sources(node: Any) -> list[str]:
    """Every `source` text in a raw scenario tree."""
    out: list[str] = []
    if isinstance(node, dict):
        if isinstance(node.get("source"), str):
            out.append(node["source"])
        for v in node.values():
            out.extend(sources(v))
    elif isinstance(node, list):
        for v in node:
            out.extend(sources(v))
    return out


# --------------------------------------------------------------------------- the list itself


def test_checked_in_list_matches_policy_facts() -> None:
    if not FACTS.exists():
        pytest.skip(f"{FACTS} not found (the shared folder is not beside this clone); "
                    "the checked-in id list is used on its own")
    instruments, targets = policy_ids(FACTS.read_text(encoding="utf-8"))
    assert instruments == set(ALL_INSTRUMENTS), (
        f"POLICY-FACTS.md and this test disagree: only in the document {sorted(instruments - set(ALL_INSTRUMENTS))}, "
        f"only here {sorted(set(ALL_INSTRUMENTS) - instruments)}")
    assert targets == set(ALL_TARGETS), (
        f"only in the document {sorted(targets - set(ALL_TARGETS))}, only here {sorted(set(ALL_TARGETS) - targets)}")


def test_checked_in_list_is_well_formed() -> None:
    assert len(ALL_INSTRUMENTS) == len(set(ALL_INSTRUMENTS)) == 31
    assert len(ALL_TARGETS) == len(set(ALL_TARGETS)) == 32
    assert set(ALL_INSTRUMENTS) >= MECHANISM_ONLY


# --------------------------------------------------------------------------- coverage


@pytest.mark.parametrize("iid", ALL_INSTRUMENTS)
def test_instrument_is_modelled_in_its_city(iid: str) -> None:
    loaded = city(CITY_OF_PREFIX[prefix(iid)])
    s = loaded.scenario
    if iid in MECHANISM_ONLY:
        cited = [src for src in sources(loaded.raw) if src.startswith(iid + " ")]
        assert cited, f"{iid} is a mechanism: some element of {loaded.file} must cite it as its source"
        return
    named = set(s.programs) | set(s.guidance_funds) | set(s.targets)
    assert iid in named, f"{iid} is neither a program, a guidance fund nor a target of {loaded.file}"


@pytest.mark.parametrize("tid", ALL_TARGETS)
def test_target_is_a_target_with_its_clause_and_deadline(tid: str) -> None:
    s = city(CITY_OF_PREFIX[prefix(tid)]).scenario
    assert tid in s.targets, f"target {tid} missing"
    t = s.targets[tid]
    assert t.source and t.source.startswith(tid + " "), f"{tid}: source {t.source!r} should start with its id and clause"
    assert t.deadline == DEADLINES[prefix(tid)]
    assert t.city == CITY_OF_PREFIX[prefix(tid)]


def test_lc6_is_an_assumption_sourced_target() -> None:
    t = city("liaocheng").scenario.targets["LC-6"]
    assert t.source and t.source.startswith("assumption:") and "LC-6" in t.source
    assert t.metric.new == "platforms" and t.metric.types == ["innovation_community"] and t.metric.tier == "municipal"
    assert t.deadline == DEADLINES["LC"]


@pytest.mark.parametrize("cid", sorted(CITY_OF_PREFIX.values()))
def test_elements_named_after_an_id_cite_it(cid: str) -> None:
    """A program or guidance fund named after a POLICY-FACTS id has that id's clause as its source."""
    s = city(cid).scenario
    for eid, element in [*s.programs.items(), *s.guidance_funds.items()]:
        bid = base_id(eid)
        assert bid is not None, f"{cid}: {eid} is not named after a POLICY-FACTS id"
        assert CITY_OF_PREFIX[prefix(bid)] == cid, f"{eid} belongs to another city"
        assert element.source and element.source.startswith(bid + " "), f"{eid}: source {element.source!r}"


@pytest.mark.parametrize("cid", sorted(CITY_OF_PREFIX.values()))
def test_programs_open_on_the_document_date(cid: str) -> None:
    s = city(cid).scenario
    late = {"TA-2", "TA-3", "TA-4"}  # document 001 of 2022-12-07
    for pid, prog in s.programs.items():
        expected = date(2022, 12, 7) if base_id(pid) in late else s.scenario.start
        assert prog.start == expected, f"{pid} opens {prog.start}, expected {expected}"
        assert prog.city == cid


def test_province_scenario_holds_every_city_id() -> None:
    sd = city("shandong").scenario
    for cid in CITY_OF_PREFIX.values():
        s = city(cid).scenario
        for section in ("programs", "guidance_funds", "targets"):
            missing = set(getattr(s, section)) - set(getattr(sd, section))
            assert not missing, f"shandong.yaml lacks {section} {sorted(missing)} of {cid}.yaml"
        for tid in s.targets:
            assert sd.targets[tid].city == cid


# --------------------------------------------------------------------------- structure the documents impose


def test_zb9_and_zb3_are_one_or_the_other() -> None:
    p = city("zibo").scenario.programs
    assert p["ZB-9"].exclusive_group is not None
    assert p["ZB-9"].exclusive_group == p["ZB-3"].exclusive_group
    assert set(p["ZB-9"].trigger.platform_types or []) & set(p["ZB-3"].trigger.platform_types or [])  # type: ignore[union-attr]


def test_zb7_quota_is_three_to_five() -> None:
    q = city("zibo").scenario.programs["ZB-7"].quota
    assert isinstance(q, Quota) and q.bounds == (3, 5)


def test_zb10_exception_counties_are_under_zibo() -> None:
    s = city("zibo").scenario
    (exc,) = s.programs["ZB-10"].exceptions
    assert sorted(exc.places) == ["gaoqing", "yiyuan"]
    assert {s.jurisdictions[p].name for p in exc.places} == {"高青县", "沂源县"}
    assert all(s.jurisdictions[p].level == "county" and s.city_of(p) == "zibo" for p in exc.places)


def test_ta1_split_province_city_zone() -> None:
    s = city("taian").scenario
    parts = {(sp.part, s.level_of_fund(sp.fund), sp.share) for sp in s.programs["TA-1"].split}
    assert parts == {("base", "province", 1), ("match", "city", Fraction(1, 2)), ("match", "zone", Fraction(1, 2))}
    zone = next(sp.fund for sp in s.programs["TA-1"].split if s.level_of_fund(sp.fund) == "zone")
    assert s.jurisdictions[s.funds[zone].owner].name == "泰安高新技术产业开发区"


@pytest.mark.parametrize("cid", sorted(CITY_OF_PREFIX.values()))
def test_places_have_populations_and_partition_the_city(cid: str) -> None:
    s = city(cid).scenario
    total = s.jurisdictions[cid].population_at(date(2020, 11, 1))
    places = s.places_of(cid)
    assert len(places) >= 7  # counties and districts (and a high-tech zone where one pays)
    pops = [s.jurisdictions[p].population_at(s.scenario.start) for p in places]
    assert all(p and p > 0 for p in pops), "every place needs a population (the engine places entities by it)"
    if cid != "jinan":  # Jinan's places are the 2018 city; Laiwu joined in 2019
        assert sum(pops) == total


def test_lc1_special_fund_is_5000wan_over_three_years() -> None:
    f = city("liaocheng").scenario.funds["lc-institute-fund"]
    assert sorted(f.appropriations) == [2020, 2021, 2022]
    assert sum(f.appropriations.values()) == 5000 * WAN


def test_lc2_mother_fund_is_one_yi() -> None:
    g = city("liaocheng").scenario.guidance_funds["LC-2"]
    assert g.commitment == YI
    assert g.subfunds.count >= 1


def test_jn2_special_fund_reaches_one_yi_in_2020() -> None:
    s = city("jinan").scenario
    assert s.funds["jn-transfer-fund"].appropriations[2020] == YI
    assert s.targets["JN-T7"].metric.appropriated == "jn-transfer-fund"


def test_jn1_government_part_within_the_one_yi_fund() -> None:
    g = city("jinan").scenario.guidance_funds["JN-1"]
    assert 0 < g.commitment <= YI


# --------------------------------------------------------------------------- award rules on the documents' numbers


def award(cid: str, pid: str, **claim: Any) -> tuple[int, dict[str, int]]:
    """Total award and amount by funding level for one claim."""
    s = city(cid).scenario
    prog = s.programs[pid]
    c = Claims.of(quantity=[claim.get("quantity", 0)], base_fen=[claim.get("base", 0)],
                  tier=[claim.get("tier", "")], place=[claim.get("place", "")])
    parts = evaluate_program(prog, c)
    levels: dict[str, int] = {}
    for line in split_award(prog, parts, s):
        levels[line.level] = levels.get(line.level, 0) + int(line.amount[0])
    return int(total_award(parts)[0]), levels


AWARDS = [
    # city, program, claim, total, by level
    ("zibo", "ZB-1", {"tier": "national"}, 200 * WAN, {"city": 200 * WAN}),
    ("zibo", "ZB-1", {"tier": "provincial"}, 50 * WAN, {"city": 50 * WAN}),
    ("zibo", "ZB-3", {"base": 2000 * WAN}, 100 * WAN, {"city": 100 * WAN}),
    ("zibo", "ZB-4", {"quantity": 15000}, 100 * WAN, {"city": 100 * WAN}),
    ("zibo", "ZB-4", {"quantity": 5000}, 50 * WAN, {"city": 50 * WAN}),
    ("zibo", "ZB-4-refit", {"quantity": 15000}, 50 * WAN, {"city": 50 * WAN}),
    ("zibo", "ZB-4-refit", {"quantity": 6000}, 30 * WAN, {"city": 30 * WAN}),
    ("zibo", "ZB-5", {"tier": "national"}, 200 * WAN, {"city": 200 * WAN}),
    ("zibo", "ZB-5", {"tier": "provincial"}, 50 * WAN, {"city": 50 * WAN}),
    ("zibo", "ZB-6", {"tier": "national"}, 50 * WAN, {"city": 50 * WAN}),
    ("zibo", "ZB-6", {"tier": "provincial"}, 20 * WAN, {"city": 20 * WAN}),
    ("zibo", "ZB-7", {}, 50 * WAN, {"city": 50 * WAN}),
    ("zibo", "ZB-8", {"tier": "provincial"}, 120 * WAN, {"province": 100 * WAN, "city": 20 * WAN}),
    ("zibo", "ZB-8", {"tier": "national"}, 360 * WAN, {"province": 300 * WAN, "city": 60 * WAN}),
    ("zibo", "ZB-9", {"base": 300 * WAN}, 90 * WAN, {"city": 90 * WAN}),
    # 1:1 would pay the whole 40万元 cost; voucher and match together stop at 80% of it (cap_share)
    ("zibo", "ZB-10", {"base": 40 * WAN, "place": "zhangdian"}, 32 * WAN, {"province": 20 * WAN, "city": 12 * WAN}),
    ("zibo", "ZB-10", {"base": 10 * WAN, "place": "zhangdian"}, 8 * WAN, {"province": 5 * WAN, "city": 3 * WAN}),
    ("zibo", "ZB-10", {"base": 40 * WAN, "place": "gaoqing"}, 32 * WAN, {"province": 20 * WAN, "city": 12 * WAN}),
    ("zibo", "ZB-10", {"base": 40 * WAN, "place": "yiyuan"}, 32 * WAN, {"province": 20 * WAN, "city": 12 * WAN}),
    ("zibo", "ZB-13", {"tier": "national"}, 200 * WAN, {"city": 200 * WAN}),
    ("jinan", "JN-4", {}, 100 * WAN, {"city": 100 * WAN}),
    ("jinan", "JN-5", {"base": 300 * WAN}, 100 * WAN, {"city": 100 * WAN}),
    ("jinan", "JN-5", {"base": 120 * WAN}, 60 * WAN, {"city": 60 * WAN}),
    ("taian", "TA-1", {"base": 1000 * WAN}, 2000 * WAN, {"province": 1000 * WAN, "city": 500 * WAN, "zone": 500 * WAN}),
]


@pytest.mark.parametrize(("cid", "pid", "claim", "total", "levels"), AWARDS,
                         ids=[f"{a[1]}-{i}" for i, a in enumerate(AWARDS)])
def test_award_on_the_documents_numbers(cid: str, pid: str, claim: dict[str, Any], total: int,
                                        levels: dict[str, int]) -> None:
    got_total, got_levels = award(cid, pid, **claim)
    assert got_total == total
    assert {k: v for k, v in got_levels.items() if v} == levels


def test_lc3_city_pays_200wan_and_counties_match() -> None:
    s = city("liaocheng").scenario
    prog = s.programs["LC-3"]
    total, levels = award("liaocheng", "LC-3", tier="municipal")
    assert levels["city"] == 200 * WAN
    assert levels["county"] == total - 200 * WAN > 0
    assert prog.trigger.types == ["innovation_community"] and prog.trigger.tiers == ["municipal"]  # type: ignore[union-attr]


@pytest.mark.parametrize(("pid", "low", "high"), [
    ("ZB-2", None, 1000 * WAN), ("ZB-11", YI, None), ("ZB-12", None, 5000 * WAN), ("ZB-13-perf", None, 50 * WAN),
])
def test_case_by_case_ranges_respect_the_document(pid: str, low: int | None, high: int | None) -> None:
    rule = city("zibo").scenario.programs[pid].rule
    assert rule.kind == "case_by_case"
    if low is not None:
        assert rule.low == low  # type: ignore[union-attr]  # 不低于
    if high is not None:
        assert rule.high == high  # type: ignore[union-attr]  # 最高
