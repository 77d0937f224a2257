"""The loader: extends and deep merge, overrides, params at the start date, provenance, hash."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from simulator.cli import main
from simulator.errors import ScenarioError
from simulator.loader import LoadedScenario, Origin, classify_source, load_scenario, split_path
from simulator.params import load_params
from simulator.yamlio import load_text

ROOT = Path(__file__).resolve().parent.parent
WAN = 10_000 * 100

BASE = """\
# Baseline for the loader tests.
scenario:
  id: loader-base
  name: 装载测试基线
  start: 2020-04-10
  end: 2022-12-31
  seed: 7
params: [params/behaviour.yaml]
jurisdictions:
  shandong: {name: 山东省, level: province}
  zibo:
    name: 淄博市
    level: city
    parent: shandong
    population: {2020-01-01: 4704100}
    source: "reported: Zibo statistical yearbook 2020"
funds:
  zb-city:
    name: 淄博市科技创新资金
    owner: zibo
    appropriations: {2020: "3000万元", 2021: "3000万元"}
    source: "assumption: yearly size not published"
programs:
  ZB-4:
    name: 孵化器场地补助
    source: ZB-4 四(三)2
    trigger: {on: construction, types: [incubator]}
    rule: {kind: per_unit_capped, rate: "100元/m2", cap: "100万元"}
    split: [{fund: zb-city, share: 1}]
populations:
  zibo:
    firms:
      p_incubated: {param: behaviour.firms.p_incubated}
      source: "assumption: illustrative"
    incubators:
      incubator:
        baseline: {none: 20, provincial: 15, national: 5}
        arrivals_per_year: {param: behaviour.incubators.arrivals_per_year}
        exit_rate: {param: behaviour.incubators.exit_rate, at: 2021-06-01}
        upgrade_rate: {provincial: {value: 0.1, source: "fitted: calibration/incubators.csv"}}
        source: "assumption: illustrative"
targets:
  ZB-T7:
    name: 省级以上孵化器和众创空间
    metric: {count: incubators, tier: provincial}
    threshold: 50
    deadline: 2022-12-31
    source: ZB-T7 三
"""

PARAMS = """\
description: Dated values for the loader tests.
incubators:
  arrivals_per_year:
    description: new incubators a year
    values:
      2015-01-01: {value: 3, source: "assumption: early years"}
      2020-01-01: {value: 5, source: "assumption: from 2020"}
      2020-04-11: {value: 9, source: "assumption: one day after the start"}
      2021-01-01: {value: 7, source: "assumption: from 2021"}
  exit_rate:
    values:
      2015-01-01: {value: 0.02, source: "assumption: a"}
      2021-01-01: {value: 0.04, source: "assumption: b"}
      2022-01-01: {value: 0.06, source: "assumption: c"}
firms:
  p_incubated:
    values:
      2019-01-01: {value: 0.1, source: "assumption: before"}
      2020-04-10: {value: 0.2, source: "assumption: on the start date"}
"""

VARIANT = """\
# Variant: a lower ZB-4 cap and one more year of money.
extends: ../base.yaml
scenario: {id: loader-variant, name: 上限下调}
funds:
  zb-city:
    appropriations: {2022: "2000万元"}
overrides:
  programs.ZB-4.rule.cap: "80万元"
"""


@dataclass(frozen=True)
class Files:
    base: Path
    variant: Path
    params: Path


def line_of(path: Path, needle: str) -> int:
    """1-based line of the first line of ``path`` containing ``needle``."""
    for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in text:
            return i
    raise AssertionError(f"{needle!r} not in {path}")


@pytest.fixture
def files(tmp_path: Path) -> Files:
    (tmp_path / "params").mkdir()
    (tmp_path / "variants").mkdir()
    base = tmp_path / "base.yaml"
    base.write_text(BASE, encoding="utf-8")
    params = tmp_path / "params" / "behaviour.yaml"
    params.write_text(PARAMS, encoding="utf-8")
    variant = tmp_path / "variants" / "cap-cut.yaml"
    variant.write_text(VARIANT, encoding="utf-8")
    return Files(base, variant, params)


# --------------------------------------------------------------------------- extends, merge, overrides


def test_variant_merges_deeply_and_overrides(files: Files) -> None:
    loaded = load_scenario(files.variant)
    s = loaded.scenario
    assert s.scenario.id == "loader-variant"
    assert s.scenario.name == "上限下调"
    assert s.scenario.start == date(2020, 4, 10)  # kept from the baseline
    assert s.scenario.seed == 7
    zb4 = s.programs["ZB-4"].rule
    assert zb4.kind == "per_unit_capped"
    assert zb4.cap == 80 * WAN  # the override
    assert zb4.rate.fen_per_unit == 100 * 100  # the baseline's rate, untouched
    # The variant's appropriations are merged into the baseline's, key by key.
    assert s.funds["zb-city"].appropriations == {2020: 3000 * WAN, 2021: 3000 * WAN, 2022: 2000 * WAN}
    assert s.funds["zb-city"].owner == "zibo"
    assert loaded.files == (str(files.variant), str(files.base.resolve()))


def test_baseline_is_unchanged_by_its_variant(files: Files) -> None:
    load_scenario(files.variant)
    base = load_scenario(files.base)
    assert base.scenario.programs["ZB-4"].rule.cap == 100 * WAN
    assert set(base.scenario.funds["zb-city"].appropriations) == {2020, 2021}


def test_origins_show_the_chain(files: Files) -> None:
    loaded = load_scenario(files.variant)
    chain = loaded.origins["programs.ZB-4.rule.cap"]
    assert chain == (
        Origin(str(files.base.resolve()), line_of(files.base, "rule:"), "base"),
        Origin(str(files.variant), line_of(files.variant, "programs.ZB-4.rule.cap"), "override"),
    )
    merged = loaded.origins["funds.zb-city.appropriations.2022"]
    assert merged[-1] == Origin(str(files.variant), line_of(files.variant, "2022"), "extends-merge")
    assert loaded.origins["funds.zb-city.appropriations.2020"][-1].how == "base"


# A second base: a program and a fund of its own, a rival cap for ZB-4 set by its own override,
# and its own params file.
PART = """\
# A part for the list-form extends tests.
params: [params/extra.yaml]
funds:
  zb-city:
    appropriations: {2021: "1000万元", 2022: "500万元"}
  zb-voucher:
    name: 创新券资金
    owner: zibo
    appropriations: {2021: {param: extra.voucher_budget}}
programs:
  ZB-4:
    rule: {kind: per_unit_capped, rate: "90元/m2", cap: "90万元", source: ZB-4 四(三)2}
overrides:
  funds.zb-city.appropriations.2021: {value: "1200万元", source: "assumption: part override"}
"""

EXTRA = """\
voucher_budget:
  description: voucher budget
  values:
    2015-01-01: {value: "800万元", source: "assumption: illustrative"}
"""


def _list_files(files: Files, extends: str, own: str = "") -> Path:
    (files.base.parent / "part.yaml").write_text(PART, encoding="utf-8")
    (files.base.parent / "params" / "extra.yaml").write_text(EXTRA, encoding="utf-8")
    composed = files.base.parent / "composed.yaml"
    composed.write_text(f"extends: {extends}\nscenario: {{id: composed}}\n{own}", encoding="utf-8")
    return composed


def test_extends_list_merges_bases_in_order_then_own_keys_then_overrides(files: Files) -> None:
    own = ('funds:\n  zb-city:\n    appropriations: {2022: "700万元"}\n'
           'overrides:\n  programs.ZB-4.rule.cap: "85万元"\n')
    loaded = load_scenario(_list_files(files, "[base.yaml, part.yaml]", own))
    s = loaded.scenario
    assert s.scenario.id == "composed" and s.scenario.start == date(2020, 4, 10)
    # Later bases win key by key; the part's own override was applied to the part before the merge.
    assert s.funds["zb-city"].appropriations == {2020: 3000 * WAN, 2021: 1200 * WAN, 2022: 700 * WAN}
    assert s.funds["zb-city"].owner == "zibo"
    assert list(s.funds) == ["zb-city", "zb-voucher"]  # keys a later base adds come after
    assert s.funds["zb-voucher"].appropriations == {2021: 800 * WAN}  # from the part's params file
    rule = s.programs["ZB-4"].rule
    assert rule.rate.fen_per_unit == 90 * 100  # the part's rule replaced the base's whole
    assert rule.cap == 85 * WAN  # the file's own override comes last
    assert loaded.provenance["funds.zb-city.appropriations.2021"].source == "assumption: part override"
    assert loaded.provenance["funds.zb-voucher.appropriations.2021"].kind == "params"
    part = files.base.parent / "part.yaml"
    assert loaded.files == (str(files.base.parent / "composed.yaml"), str(files.base.resolve()), str(part.resolve()))
    chain = loaded.origins["funds.zb-city.appropriations.2021"]
    assert [o.how for o in chain] == ["base", "base", "override"]  # each base, then the part's override
    assert chain[0].file == str(files.base.resolve()) and chain[-1].file == str(part.resolve())


def test_extends_list_order_decides(files: Files) -> None:
    loaded = load_scenario(_list_files(files, "[part.yaml, base.yaml]"))
    s = loaded.scenario
    assert s.programs["ZB-4"].rule.cap == 100 * WAN  # the base, listed last, wins
    # The base's 2021 amount wins over the part's overridden one; the part's 2022 stays.
    assert s.funds["zb-city"].appropriations == {2021: 3000 * WAN, 2022: 500 * WAN, 2020: 3000 * WAN}
    assert loaded.provenance["funds.zb-city.appropriations.2021"].kind == "assumption"
    assert loaded.provenance["funds.zb-city.appropriations.2021"].source == "assumption: yearly size not published"


def test_extends_one_path_equals_a_list_of_one(files: Files) -> None:
    one = load_scenario(_list_files(files, "base.yaml"))
    listed = load_scenario(_list_files(files, "[base.yaml]"))
    assert one.scenario == listed.scenario and one.hash == listed.hash and one.origins == listed.origins


def test_a_base_override_does_not_reach_into_another_base(files: Files) -> None:
    """Each base is resolved alone: an override in one base cannot name what only another base holds."""
    (files.base.parent / "reach.yaml").write_text(
        'funds:\n  zb-other: {name: 其他, owner: zibo}\noverrides:\n  programs.ZB-4.rule.cap: "1万元"\n',
        encoding="utf-8")
    with pytest.raises(ScenarioError, match="override path does not exist: no 'programs' under the top level"):
        load_scenario(_list_files(files, "[base.yaml, reach.yaml]"))


def test_a_file_may_be_listed_twice(files: Files) -> None:
    """Listed again, a base is merged again: its values win over those in between, its keys keep their place."""
    loaded = load_scenario(_list_files(files, "[part.yaml, base.yaml, part.yaml]"))
    s = loaded.scenario
    assert s.programs["ZB-4"].rule.cap == 90 * WAN
    assert s.funds["zb-city"].appropriations == {2020: 3000 * WAN, 2021: 1200 * WAN, 2022: 500 * WAN}
    assert list(s.funds) == ["zb-city", "zb-voucher"]


def test_explain_prints_value_source_and_chain(files: Files) -> None:
    result = CliRunner().invoke(main, ["--lang", "en", "explain", str(files.variant), "programs.ZB-4.rule.cap"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "programs.ZB-4.rule.cap = 80万元" in out
    # A variant's number is the variant's assumption, never the baseline's clause.
    assert "[assumption] assumption: set by an override (" in out
    assert "[clause] ZB-4" not in out
    base_step = f"base: {files.base.resolve()}:{line_of(files.base, 'rule:')}"
    override_step = f"override: {files.variant}:{line_of(files.variant, 'programs.ZB-4.rule.cap')}"
    assert base_step in out and override_step in out
    assert out.index(base_step) < out.index(override_step)


def test_explain_without_key_lists_every_number(files: Files) -> None:
    result = CliRunner().invoke(main, ["explain", str(files.variant)])
    assert result.exit_code == 0, result.output
    assert "programs.ZB-4.rule.cap = 80万元" in result.output
    assert "funds.zb-city.appropriations.2022 = 2000万元" in result.output


def test_explain_unknown_key_suggests(files: Files) -> None:
    result = CliRunner().invoke(main, ["explain", str(files.variant), "programs.ZB-4.rule.capp"])
    assert result.exit_code == 2
    assert "programs.ZB-4.rule.cap" in result.stderr


def test_merge_replaces_a_rule_whole(files: Files) -> None:
    """A variant that gives a new rule replaces it: no leftover keys of the old kind."""
    other = files.variant.with_name("fixed.yaml")
    other.write_text(
        'extends: ../base.yaml\nprograms:\n  ZB-4:\n    rule: {kind: fixed, amount: "30万元"}\n', encoding="utf-8"
    )
    rule = load_scenario(other).scenario.programs["ZB-4"].rule
    assert rule.kind == "fixed"
    assert rule.amount == 30 * WAN


def test_extra_overrides_apply_last(files: Files) -> None:
    loaded = load_scenario(files.variant, overrides={"programs.ZB-4.rule.cap": "60万元"})
    assert loaded.scenario.programs["ZB-4"].rule.cap == 60 * WAN
    last = loaded.origins["programs.ZB-4.rule.cap"][-1]
    assert last.how == "override" and last.line is None
    base = load_scenario(files.base, overrides={"programs.ZB-4.rule.cap": "70万元", "scenario.seed": 11})
    assert base.scenario.programs["ZB-4"].rule.cap == 70 * WAN
    assert base.scenario.scenario.seed == 11


def test_extra_override_list_index(files: Files) -> None:
    loaded = load_scenario(files.base, overrides={"programs.ZB-4.split.0.share": "100%"})
    assert loaded.scenario.programs["ZB-4"].split[0].share == 1


def test_extra_override_bad_path_suggests(files: Files) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(files.base, overrides={"programs.ZB4.rule.cap": "60万元"})
    text = str(info.value)
    assert "override path does not exist" in text and "did you mean 'ZB-4'?" in text
    assert str(files.base) in text


def test_extra_override_bad_value_is_reported(files: Files) -> None:
    with pytest.raises(ScenarioError, match="bad amount"):
        load_scenario(files.base, overrides={"programs.ZB-4.rule.cap": "-1万元"})


# --------------------------------------------------------------------------- params


def test_params_resolve_at_start_date(files: Files) -> None:
    """The value in force at the start: the latest dated value not after it."""
    inc = load_scenario(files.base).scenario.populations["zibo"].incubators["incubator"]
    assert inc.arrivals_per_year == 5  # 2020-01-01 <= start 2020-04-10 < 2020-04-11
    assert inc.exit_rate == 0.04  # `at: 2021-06-01` picks the 2021 value


def test_param_dated_on_the_start_day_applies(files: Files) -> None:
    firms = load_scenario(files.base).scenario.populations["zibo"].firms
    assert firms.p_incubated == 0.2


def test_params_follow_the_start_date_of_a_variant(files: Files) -> None:
    later = files.variant.with_name("later.yaml")
    later.write_text("extends: ../base.yaml\nscenario: {start: 2021-03-01}\n", encoding="utf-8")
    inc = load_scenario(later).scenario.populations["zibo"].incubators["incubator"]
    assert inc.arrivals_per_year == 7


def test_parameter_at(files: Files) -> None:
    param = load_params(files.params)["behaviour.incubators.arrivals_per_year"]
    assert param.at(date(2010, 1, 1)).value == 3  # before every value: the earliest
    assert param.at(date(2020, 4, 10)).value == 5
    assert param.at(date(2020, 4, 11)).value == 9
    assert param.at(date(2030, 1, 1)).value == 7
    assert param.line == line_of(files.params, "arrivals_per_year")


# --------------------------------------------------------------------------- provenance


@pytest.mark.parametrize(
    ("path", "kind", "source_part", "rationale"),
    [
        ("programs.ZB-4.rule.cap", "clause", "ZB-4 四(三)2", ""),
        ("programs.ZB-4.rule.rate", "clause", "ZB-4 四(三)2", ""),
        ("targets.ZB-T7.threshold", "clause", "ZB-T7 三", ""),
        ("funds.zb-city.appropriations.2020", "assumption", "assumption: yearly size not published",
         "yearly size not published"),
        ("jurisdictions.zibo.population.2020-01-01", "reported", "reported: Zibo statistical yearbook 2020", ""),
        ("populations.zibo.incubators.incubator.arrivals_per_year", "params",
         "behaviour.yaml#incubators.arrivals_per_year", "assumption: from 2020"),
        ("populations.zibo.incubators.incubator.upgrade_rate.provincial", "fitted",
         "fitted: calibration/incubators.csv", ""),
        ("populations.zibo.incubators.incubator.baseline.national", "assumption", "assumption: illustrative",
         "illustrative"),
        ("scenario.seed", "setting", "", ""),
        ("scenario.start", "setting", "", ""),
    ],
)
def test_provenance_kinds(files: Files, path: str, kind: str, source_part: str, rationale: str) -> None:
    prov = load_scenario(files.base).provenance[path]
    assert prov.kind == kind
    assert source_part in prov.source
    assert prov.rationale == rationale


def test_every_number_has_a_provenance(files: Files) -> None:
    loaded = load_scenario(files.variant)
    rows = {row["path"]: row for row in loaded.inputs()}
    assert rows["programs.ZB-4.rule.cap"]["value"] == "80万元"
    assert rows["funds.zb-city.appropriations.2022"]["source_kind"] == "assumption"
    assert rows["populations.zibo.incubators.incubator.arrivals_per_year"]["value"] == "5"
    assert all(row["source_kind"] for row in rows.values())


@pytest.mark.parametrize(
    ("text", "kind", "rationale"),
    [
        ("ZB-4 四(三)2", "clause", ""),
        ("ZB-T7 三", "clause", ""),
        ("TA-1 000 三(三)", "clause", ""),
        ("LC-3", "clause", ""),
        ("assumption: no public figure", "assumption", "no public figure"),
        ("assumption：全角冒号", "assumption", "全角冒号"),
        ("reported: Zibo yearbook", "reported", ""),
        ("fitted: calibration.csv", "fitted", ""),
        ("params: behaviour.yaml#x", "params", ""),
    ],
)
def test_classify_source(text: str, kind: str, rationale: str) -> None:
    prov = classify_source(text)
    assert prov is not None
    assert prov.kind == kind
    assert prov.rationale == rationale


@pytest.mark.parametrize("text", ["somewhere", "assumption", "assumption:  ", "zb-4 lower case", "", "4-ZB"])
def test_classify_source_refuses(text: str) -> None:
    assert classify_source(text) is None


# --------------------------------------------------------------------------- the YAML reader for other files


def test_load_text_reads_exponents_and_keeps_keys_as_text() -> None:
    assert load_text("cap: 1e6\non: 1\n", exponent_floats=True) == {"cap": 1_000_000.0, "on": 1}
    assert load_text("cap: 1e6\n") == {"cap": "1e6"}  # PyYAML's YAML 1.1 reading, as for scenarios
    assert load_text("") is None
    assert load_text("- a\n- 2\n") == ["a", 2]


@pytest.mark.parametrize(("text", "words", "line"), [
    ("a: &x 1\nb: *x\n", "anchors and aliases", 1),
    ("a: 1\nb: !!python/object:os.system x\n", "unsupported YAML tag", 2),
    ("a: 1\nb: 2\na: 3\n", "duplicate key 'a' (first at line 1)", 3),
    ("a: [1, 2}\n", "expected ',' or ']'", 1),
])
def test_load_text_refuses_with_a_marked_yaml_error(text: str, words: str, line: int) -> None:
    with pytest.raises(yaml.MarkedYAMLError) as err:
        load_text(text)
    assert words in str(err.value)
    assert err.value.problem_mark is not None and err.value.problem_mark.line + 1 == line


# --------------------------------------------------------------------------- hash, paths


def test_hash_ignores_comments_but_not_values(files: Files) -> None:
    h0 = load_scenario(files.base).hash
    assert h0 == load_scenario(files.base).hash
    commented = files.base.with_name("commented.yaml")
    commented.write_text(
        BASE.replace("# Baseline for the loader tests.", "# A different comment.\n# And another.")
        .replace('cap: "100万元"}', 'cap: "100万元"}  # the cap binds above 10,000 m2'),
        encoding="utf-8",
    )
    assert load_scenario(commented).hash == h0
    changed = files.base.with_name("changed.yaml")
    changed.write_text(BASE.replace('cap: "100万元"', 'cap: "90万元"'), encoding="utf-8")
    assert load_scenario(changed).hash != h0
    assert load_scenario(files.base, overrides={"scenario.seed": 8}).hash != h0


def test_hash_changes_with_a_params_value(files: Files) -> None:
    h0 = load_scenario(files.base).hash
    files.params.write_text(PARAMS.replace("{value: 5,", "{value: 6,"), encoding="utf-8")
    assert load_scenario(files.base).hash != h0


def test_value_at(files: Files) -> None:
    loaded = load_scenario(files.variant)
    assert loaded.value_at("programs.ZB-4.rule.cap") == "80万元"
    assert loaded.value_at("programs.ZB-4.split.0.fund") == "zb-city"
    with pytest.raises(KeyError):
        loaded.value_at("programs.ZB-5")


@pytest.mark.parametrize(
    ("path", "parts"),
    [
        ("programs.ZB-4.rule.cap", ["programs", "ZB-4", "rule", "cap"]),
        ("programs.ZB-4.split.0.share", ["programs", "ZB-4", "split", 0, "share"]),
        ("funds.zb-city.appropriations.2020", ["funds", "zb-city", "appropriations", 2020]),
    ],
)
def test_split_path(path: str, parts: list[str | int]) -> None:
    assert split_path(path) == parts


@pytest.mark.parametrize("path", ["", "a..b", ".a", "a."])
def test_split_path_refuses(path: str) -> None:
    with pytest.raises(ValueError):
        split_path(path)


def test_shipped_example_loads(tmp_path: Path) -> None:
    example = ROOT / "docs" / "examples" / "minimal.yaml"
    loaded = load_scenario(example)
    assert loaded.scenario.programs["ZB-4"].rule.cap == 100 * WAN
    # A copy elsewhere (with its params beside it) hashes the same: the hash is of content, not place.
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "params").mkdir()
    shutil.copy(ROOT / "params" / "behaviour.yaml", tmp_path / "params" / "behaviour.yaml")
    copy = tmp_path / "a" / "b" / "minimal.yaml"
    shutil.copy(example, copy)
    assert load_scenario(copy).hash == loaded.hash


def test_loaded_scenario_is_frozen(files: Files) -> None:
    loaded: LoadedScenario = load_scenario(files.base)
    with pytest.raises(ValueError):
        loaded.scenario.programs["ZB-4"].name = "changed"  # type: ignore[misc]
