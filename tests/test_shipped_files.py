"""Every shipped scenario, variant and params file loads, validates and cites its sources.

Also: the province scenario composes the four city files (and resolves to the
scenario pinned below), and each variant changes what its name says and
nothing it does not name.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.loader import LoadedScenario, classify_source, load_scenario
from simulator.params import Parameter, load_params
from simulator.yamlio import load_yaml

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
VARIANTS = sorted((ROOT / "scenarios" / "variants").glob("*.yaml"))
PARAMS = sorted(p for p in (ROOT / "params").glob("*.yaml") if not p.name.endswith("-posterior.yaml"))  # posteriors: test_calibrate.py
CITIES = ("jinan", "liaocheng", "zibo", "taian")
SOURCE_KINDS = {"clause", "assumption", "reported", "fitted"}


@cache
def loaded(path: Path) -> LoadedScenario:
    return load_scenario(path)


@cache
def params_of(path: Path) -> dict[str, Parameter]:
    return load_params(path)


@cache
def raw(path: Path) -> dict[str, Any]:
    """The YAML as written (before extends, params and overrides)."""
    data = load_yaml(path).data
    assert isinstance(data, dict)
    return data


def kind_of(source: str | None) -> str | None:
    prov = classify_source(source) if source else None
    return prov.kind if prov else None


# --------------------------------------------------------------------------- the file set


def test_the_expected_files_are_shipped() -> None:
    assert {p.stem for p in SCENARIOS} >= {*CITIES, "shandong"}
    assert {p.stem for p in VARIANTS} >= {
        "liaocheng-special-fund-cut20", "liaocheng-mother-fund-403030", "zibo-no-demonstration",
        "taian-hte-subsidy-x2", "shandong-province-pool-half"}
    assert {p.stem for p in PARAMS} >= {"behaviour", *CITIES, "shandong"}


def test_scenario_ids_are_unique() -> None:
    ids = [loaded(p).scenario.scenario.id for p in SCENARIOS + VARIANTS]
    assert len(ids) == len(set(ids)), ids


# --------------------------------------------------------------------------- scenarios and variants


@pytest.mark.parametrize("path", SCENARIOS + VARIANTS, ids=lambda p: p.stem)
def test_scenario_loads_and_validates(path: Path) -> None:
    s = loaded(path).scenario
    assert s.programs and s.funds and s.jurisdictions


@pytest.mark.parametrize("path", SCENARIOS + VARIANTS, ids=lambda p: p.stem)
def test_every_program_fund_and_target_has_a_source(path: Path) -> None:
    s = loaded(path).scenario
    for section in ("programs", "guidance_funds", "targets"):
        for eid, element in getattr(s, section).items():
            assert kind_of(element.source) in SOURCE_KINDS, f"{section}.{eid}: source {element.source!r}"
    for fid, fund in s.funds.items():
        prov = loaded(path).provenance
        for year in fund.appropriations:
            assert prov[f"funds.{fid}.appropriations.{year}"].kind in SOURCE_KINDS | {"params"}


@pytest.mark.parametrize("path", SCENARIOS + VARIANTS, ids=lambda p: p.stem)
def test_every_number_has_a_named_source(path: Path) -> None:
    """Numbers outside the header trace to a clause, a report, a fit, an assumption or a params file."""
    for key, prov in loaded(path).provenance.items():
        if key.startswith("scenario."):
            continue
        assert prov.kind in SOURCE_KINDS | {"params", "setting"}, (key, prov)
        if prov.kind == "params":  # the params value's own source must be a proper one too
            assert kind_of(prov.rationale) in SOURCE_KINDS, (key, prov.rationale)


def test_cli_validates_everything() -> None:
    files = [str(p) for p in SCENARIOS + VARIANTS + PARAMS]
    result = CliRunner().invoke(main, ["validate", *files])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("path", VARIANTS, ids=lambda p: p.stem)
def test_variant_is_a_small_change_to_a_shipped_scenario(path: Path) -> None:
    data = raw(path)
    assert set(data) <= {"extends", "scenario", "overrides"}
    parent = (path.parent / data["extends"]).resolve()
    assert parent in {p.resolve() for p in SCENARIOS}
    assert set(data["scenario"]) >= {"id", "name"}
    assert data["scenario"]["id"] == path.stem
    assert 1 <= len(data["overrides"]) <= 4


# --------------------------------------------------------------------------- params


ALL_PARAMS = [(path, key) for path in PARAMS for key in params_of(path)]


@pytest.mark.parametrize(("path", "key"), ALL_PARAMS, ids=[k for _, k in ALL_PARAMS])
def test_parameter_has_a_range_a_description_and_sources(path: Path, key: str) -> None:
    p = params_of(path)[key]
    assert p.description, f"{key}: no description"
    assert p.range is not None, f"{key}: no range for sweeps"
    for dv in p.values:
        assert kind_of(dv.source) in SOURCE_KINDS, f"{key} @ {dv.start}: source {dv.source!r}"
    latest = p.values[-1].value
    if isinstance(latest, int | float) and not isinstance(latest, bool):
        lo, hi = p.range
        assert lo <= latest <= hi, f"{key}: {latest} outside its range {p.range}"


def test_behaviour_parameters_all_have_ranges_and_sources() -> None:
    params = params_of(ROOT / "params" / "behaviour.yaml")
    assert "behaviour.incubators.arrivals_per_year" in params  # the original parameter is kept
    for key, p in params.items():
        assert p.range is not None and p.range[0] <= p.range[1], key
        assert all(dv.source for dv in p.values), key


def test_back_cast_values_exist_where_the_province_scenario_starts_earlier() -> None:
    """Stocks at a city's start (baselines, initial indicator levels) also have a value for 2018-06-01."""
    start = loaded(ROOT / "scenarios" / "shandong.yaml").scenario.scenario.start
    stocks = {"startup", "tech_sme", "hte", "none", "municipal", "provincial", "national"}
    checked = 0
    # The date each city's instruments open in shandong.yaml: the city scenario's start, except
    # Tai'an, whose city scenario starts at document 001 (2022-12-07) while the province
    # scenario opens Tai'an at document 000 (2020-07-31).
    opens = {"taian": date(2020, 7, 31)}
    for cid in ("liaocheng", "zibo", "taian"):
        city_start = opens.get(cid) or loaded(ROOT / "scenarios" / f"{cid}.yaml").scenario.scenario.start
        for key, p in params_of(ROOT / "params" / f"{cid}.yaml").items():
            last = key.rsplit(".", 1)[-1]
            if (last in stocks or last.endswith("_initial")) and any(dv.start == city_start for dv in p.values):
                assert any(dv.start == start for dv in p.values), f"{key} has no back-cast to {start}"
                checked += 1
    assert checked > 40


# --------------------------------------------------------------------------- the province scenario composes the cities


PROVINCE = ROOT / "scenarios" / "shandong.yaml"
PROVINCE_PART = ROOT / "scenarios" / "shandong" / "province.yaml"

# sha256 of the resolved province scenario: its typed objects (model_dump, key order
# included), every input with its source, the scenario hash and the params read.
# Generated from the 1,869-line shandong.yaml that copied the four city files,
# just before it was replaced by the composed file; the composed file must
# resolve to exactly the same scenario. Only the origins (the file and line
# that set each value) differ: they now point into the city files.
# Re-pinned after the faithful-scenarios and honest-uncertainty changes (new
# fields, Tai'an baselines at 2022-12, links, exits by state, the posterior):
# the pin still catches any unintended change to the resolved scenario.
# Re-pinned when the scenario gained its (empty) `nowcast` field; the hash is unchanged.
PROVINCE_DIGEST = "22b63cd43b7c6041d70bbe1bb759f9c84a45611fec0203b60891e90f4b6b3b35"
PROVINCE_HASH = "9dad071fb2021ee037872055d8ff74bdf4e34decd2a105ca9225bb37815c41e7"


def resolved_digest(loaded_scenario: LoadedScenario) -> str:
    doc = {"scenario": loaded_scenario.scenario.model_dump(mode="json"), "inputs": loaded_scenario.inputs(),
           "hash": loaded_scenario.hash, "params": list(loaded_scenario.params)}
    return hashlib.sha256(json.dumps(doc, ensure_ascii=False).encode("utf-8")).hexdigest()


def test_province_scenario_resolves_as_pinned() -> None:
    got = loaded(PROVINCE)
    assert got.hash == PROVINCE_HASH
    assert resolved_digest(got) == PROVINCE_DIGEST


def test_pinned_digest_sees_a_change(tmp_path: Path) -> None:
    """The digest moves when one number of one city moves (so the pin above can fail)."""
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    shutil.copytree(ROOT / "params", tmp_path / "params")
    zibo = tmp_path / "scenarios" / "zibo.yaml"
    text = zibo.read_text(encoding="utf-8")
    assert 'rate: "100元/m2"' in text
    zibo.write_text(text.replace('rate: "100元/m2"', 'rate: "101元/m2"', 1), encoding="utf-8")
    assert resolved_digest(load_scenario(tmp_path / "scenarios" / "shandong.yaml")) != PROVINCE_DIGEST


def test_province_scenario_is_composed_not_copied() -> None:
    assert len(PROVINCE.read_text(encoding="utf-8").splitlines()) <= 300
    own = raw(PROVINCE)
    bases = [Path(b).name for b in own["extends"]]
    assert [b for b in bases if b != "province.yaml"] == [f"{c}.yaml" for c in CITIES]
    # The province file restates no city object: only later budget years, TA-1's earlier start and
    # the dated step that starts TA-T9's count at the plan period (the province scenario starts earlier).
    assert set(own["programs"]) == {"TA-1"} and set(own["programs"]["TA-1"]) == {"start", "trigger"}
    assert all(set(f) == {"appropriations"} for f in own["funds"].values())
    assert set(own.get("indicators") or {}) <= {"ta-talents"}
    assert all(set(i) == {"steps"} for i in (own.get("indicators") or {}).values())
    assert set(own) <= {"extends", "scenario", "funds", "programs", "indicators"}
    part = raw(PROVINCE_PART)
    assert list(part["jurisdictions"]) == ["shandong"] and list(part["funds"]) == ["shandong-pool"]
    assert all(pid.startswith("SD-") for pid in part["programs"])
    # Every object of every city file is in the province scenario, in the city file's order.
    s = loaded(PROVINCE).scenario
    for cid in CITIES:
        city = raw(ROOT / "scenarios" / f"{cid}.yaml")
        for section in ("jurisdictions", "funds", "guidance_funds", "programs", "populations", "indicators", "targets"):
            ids = list(city.get(section) or {})
            got = [k for k in getattr(s, section) if k in ids]
            assert got == ids, (cid, section)


def test_province_pool_is_the_provincial_money_of_the_cities() -> None:
    s = loaded(ROOT / "scenarios" / "shandong.yaml").scenario
    pool = s.funds["shandong-pool"]
    assert s.jurisdictions[pool.owner].level == "province"
    assert s.scenario.start == date(2018, 6, 1) and s.scenario.end == date(2025, 12, 31)
    paid_by_pool = {pid for pid, prog in s.programs.items() if any(sp.fund == "shandong-pool" for sp in prog.split)}
    assert {"TA-1", "ZB-8", "ZB-10"} <= paid_by_pool
    assert any(pid.startswith("SD-") for pid in paid_by_pool)
    for pid in ("TA-1", "ZB-8", "ZB-10"):
        base = [sp for sp in s.programs[pid].split if sp.part == "base"]
        assert [sp.fund for sp in base] == ["shandong-pool"], pid
    for cid in CITIES:
        assert s.populations[cid], cid
    for tid, t in s.targets.items():
        assert t.city in CITIES, tid


# --------------------------------------------------------------------------- each variant does what it says


def _pair(variant: str, base: str) -> tuple[Any, Any]:
    return (loaded(ROOT / "scenarios" / "variants" / f"{variant}.yaml").scenario,
            loaded(ROOT / "scenarios" / f"{base}.yaml").scenario)


def test_liaocheng_special_fund_cut20() -> None:
    v, b = _pair("liaocheng-special-fund-cut20", "liaocheng")
    vf, bf = v.funds["lc-institute-fund"], b.funds["lc-institute-fund"]
    assert set(vf.appropriations) == set(bf.appropriations)
    for year, amount in bf.appropriations.items():
        assert vf.appropriations[year] == amount * 4 // 5
    assert v.programs == b.programs and v.guidance_funds == b.guidance_funds


def test_liaocheng_mother_fund_403030() -> None:
    v, b = _pair("liaocheng-mother-fund-403030", "liaocheng")
    assert v.guidance_funds["LC-2"].rc == [0.4, 0.3, 0.3]
    assert b.guidance_funds["LC-2"].rc != v.guidance_funds["LC-2"].rc
    assert v.guidance_funds["LC-2"].commitment == b.guidance_funds["LC-2"].commitment
    assert v.funds == b.funds


def test_zibo_no_demonstration() -> None:
    v, b = _pair("zibo-no-demonstration", "zibo")
    assert v.programs["ZB-7"].quota.bounds == (0, 0)
    assert b.programs["ZB-7"].quota.bounds == (3, 5)
    assert {k: p for k, p in v.programs.items() if k != "ZB-7"} == {k: p for k, p in b.programs.items() if k != "ZB-7"}


def test_taian_hte_subsidy_x2() -> None:
    v, b = _pair("taian-hte-subsidy-x2", "taian")
    for pid in ("TA-3", "TA-3-top50"):
        assert v.programs[pid].rule.amount == 2 * b.programs[pid].rule.amount, pid
    assert v.funds == b.funds


def test_shandong_province_pool_half() -> None:
    v, b = _pair("shandong-province-pool-half", "shandong")
    vp, bp = v.funds["shandong-pool"].appropriations, b.funds["shandong-pool"].appropriations
    assert set(vp) == set(bp)
    for year, amount in bp.items():
        assert Fraction(vp[year], amount) == Fraction(1, 2), year
    assert {k: f for k, f in v.funds.items() if k != "shandong-pool"} == {
        k: f for k, f in b.funds.items() if k != "shandong-pool"}
