"""Sweep spec loading, validation messages, command-line overrides and hashing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from simulator.sweep.spec import (
    DistFactor,
    RangeFactor,
    SweepSpecError,
    ValuesFactor,
    load_spec,
    parse_factor_option,
    spec_from_mapping,
    spec_hash,
)
from tests.langcheck import assert_lang

BASE: dict[str, Any] = {
    "scenario": "toy:threshold",
    "design": "lhs",
    "samples": 16,
    "replications": 5,
    "seed": 3,
    "factors": {"x1": {"range": [0.0, 1.0]}},
}


def test_full_spec_loads_every_factor_kind(write_spec: Callable[..., Path], tmp_path: Path) -> None:
    (tmp_path / "scen").mkdir()
    (tmp_path / "scen" / "city.yaml").write_text("id: city\n", encoding="utf-8")
    path = write_spec(
        """
scenario: scen/city.yaml
engine: des
design: lhs
samples: 64
replications: 20
seed: 20240101
outputs: ["target.*.attained", fund.LC-1.drawn_yuan]
block_size: 5
heatmap: [programs.ZB-4.rule.cap, params.behaviour.hte.pass_rate]
factors:
  programs.ZB-4.rule.cap: {range: [5e5, 2e6]}
  params.behaviour.hte.pass_rate: {dist: triangular, lo: 0.2, mode: 0.35, hi: 0.5}
  params.policy.mode: {values: [strict, lenient]}
  params.firms.count: {range: [1, 5], integer: true}
  params.a: {dist: normal, mean: 0, sd: 1}
  params.b: {dist: truncnorm, mean: 0, sd: 1, lo: -1, hi: 2}
  params.c: {dist: lognormal, mu: 0, sigma: 0.5}
  params.d: {dist: loguniform, lo: 1e-3, hi: 1}
  params.e: {dist: uniform, lo: 0, hi: 1}
"""
    )
    spec = load_spec(path)
    assert spec.engine == "des"
    assert spec.scenario_path() == (tmp_path / "scen" / "city.yaml").resolve()
    assert spec.effective_block_size == 5
    cap = spec.factors["programs.ZB-4.rule.cap"]
    # YAML 1.1 would read 5e5 as a string; the spec loader reads it as a number.
    assert isinstance(cap, RangeFactor) and cap.range == (500000.0, 2000000.0)
    mode = spec.factors["params.policy.mode"]
    assert (
        isinstance(mode, ValuesFactor) and mode.categorical and mode.values == ["strict", "lenient"]
    )
    tri = spec.factors["params.behaviour.hte.pass_rate"]
    assert isinstance(tri, DistFactor) and tri.params() == {"lo": 0.2, "mode": 0.35, "hi": 0.5}
    count = spec.factors["params.firms.count"]
    assert isinstance(count, RangeFactor) and count.levels() == [1, 2, 3, 4, 5]
    assert list(spec.factors) == [
        "programs.ZB-4.rule.cap",
        "params.behaviour.hte.pass_rate",
        "params.policy.mode",
        "params.firms.count",
        "params.a",
        "params.b",
        "params.c",
        "params.d",
        "params.e",
    ]


BAD_SPECS: list[tuple[str, str, object, str]] = [
    # (yaml, key path, bad value, text in the expectation)
    ("design: lhs\nsamples: 4\nfactors: {x1: {range: [0, 1]}}\n", "scenario", None, "required"),
    (
        "scenario: toy:threshold\ndesign: cube\nsamples: 4\nfactors: {x1: {range: [0, 1]}}\n",
        "design",
        "cube",
        "'grid'",
    ),
    (
        "scenario: toy:threshold\ndesign: lhs\nfactors: {x1: {range: [0, 1]}}\n",
        "samples",
        None,
        "positive integer",
    ),
    (
        "scenario: toy:threshold\ndesign: sobol\nsamples: 100\nfactors: {x1: {range: [0, 1]}}\n",
        "samples",
        100,
        "power of 2",
    ),
    (
        "scenario: toy:threshold\ndesign: grid\nfactors: {x1: {range: [0, 1]}}\n",
        "factors[x1].count",
        None,
        "grid needs count",
    ),
    (
        "scenario: toy:threshold\ndesign: lhs\nsamples: 4\nfactors: {x1: {range: [1, 0]}}\n",
        "factors[x1].range",
        [1.0, 0.0],
        "lo < hi",
    ),
    (
        "scenario: toy:threshold\ndesign: lhs\nsamples: 4\nfactors: {x1: {range: [0, abc]}}\n",
        "factors[x1].range[1]",
        "abc",
        "number",
    ),
    (
        "scenario: toy:threshold\ndesign: lhs\nsamples: 4\nfactors: {x1: {dist: gauss, mean: 0, sd: 1}}\n",
        "factors[x1].dist",
        "gauss",
        "'normal'",
    ),
    (
        "scenario: toy:threshold\ndesign: lhs\nsamples: 4\nfactors: {x1: {dist: normal, mean: 0}}\n",
        "factors[x1].sd",
        None,
        "needs",
    ),
    (
        "scenario: toy:threshold\ndesign: lhs\nsamples: 4\nfactors: {x1: {dist: normal, mean: 0, sd: -1}}\n",
        "factors[x1].sd",
        -1.0,
        "positive",
    ),
    (
        "scenario: toy:threshold\ndesign: lhs\nsamples: 4\nfactors: {x1: {dist: uniform, lo: 0, hi: 1, mode: 0.5}}\n",
        "factors[x1].mode",
        0.5,
        "takes only",
    ),
    (
        "scenario: toy:threshold\ndesign: lhs\nsamples: 4\nfactors: {x1: {range: [0, 1], cnt: 3}}\n",
        "factors[x1].cnt",
        3,
        "known key",
    ),
    (
        "scenario: toy:threshold\ndesign: lhs\nsamples: 4\nfactors: {x1: {values: [1, b]}}\n",
        "factors[x1].values",
        [1, "b"],
        "not a mix",
    ),
    (
        "scenario: toy:threshold\ndesign: lhs\nsamples: 4\nfactors: {x1: {values: [a, a]}}\n",
        "factors[x1].values[1]",
        "a",
        "distinct",
    ),
    (
        "scenario: toy:threshold\ndesign: lhs\nsamples: 4\nfactors: {x1: 7}\n",
        "factors[x1]",
        7,
        "exactly one of",
    ),
    (
        "scenario: toy:threshold\ndesign: lhs\nsamples: 4\nfactors: {x1: {range: [0, 1]}}\nrepliactions: 3\n",
        "repliactions",
        3,
        "known key",
    ),
    (
        "scenario: toy:threshold\ndesign: lhs\nsamples: 4\nfactors: {x1: {range: [0, 1]}}\nheatmap: [x1, x9]\n",
        "heatmap[1]",
        "x9",
        "one of the factors",
    ),
    (
        "scenario: toy:threshold\ndesign: lhs\nsamples: 4\nreplications: 0\nfactors: {x1: {range: [0, 1]}}\n",
        "replications",
        0,
        "greater than or equal to 1",
    ),
    (
        "scenario: toy:threshold\ndesign: morris\nsamples: 4\nlevels: 3\nfactors: {x1: {range: [0, 1]}}\n",
        "levels",
        3,
        "even",
    ),
]


@pytest.mark.parametrize(
    ("text", "key", "value", "expected"), BAD_SPECS, ids=[b[1] + "=" + str(b[2]) for b in BAD_SPECS]
)
def test_bad_spec_names_file_key_value_and_expectation(
    write_spec: Callable[..., Path], text: str, key: str, value: object, expected: str
) -> None:
    path = write_spec(text)
    with pytest.raises(SweepSpecError) as info:
        load_spec(path)
    err = info.value
    assert err.file == str(path)
    assert err.key == key
    if value is not None:
        assert err.value == value
    assert expected in err.expected
    message = str(err)
    assert str(path) in message and key in message and "\n" not in message


@pytest.mark.parametrize(
    ("text", "key", "value", "expected"), BAD_SPECS, ids=[b[1] + "=" + str(b[2]) for b in BAD_SPECS]
)
def test_bad_spec_message_in_one_language(
    write_spec: Callable[..., Path], text: str, key: str, value: object, expected: str
) -> None:
    """Chinese (the default) or English, never both on one line; the key and value are the same."""
    path = write_spec(text)
    with pytest.raises(SweepSpecError) as info:
        load_spec(path)
    zh, en = info.value.localized("zh"), info.value.localized("en")
    assert zh.startswith("规格错误：") and en.startswith("invalid sweep spec: ")
    assert key in zh and key in en and expected in en and en == str(info.value)
    assert_lang(zh, "zh", data=str(path))
    assert_lang(en, "en", data=str(path))


def test_yaml_problems_are_spec_errors(write_spec: Callable[..., Path], tmp_path: Path) -> None:
    with pytest.raises(SweepSpecError, match="duplicate key 'seed'"):
        load_spec(write_spec("scenario: toy:x\nseed: 1\nseed: 2\n"))
    with pytest.raises(SweepSpecError, match=r"line 2, column 15"):
        load_spec(write_spec("scenario: toy:x\nfactors: [1, 2}\nseed: 3\n"))
    with pytest.raises(SweepSpecError, match="mapping"):
        load_spec(write_spec("- just\n- a list\n"))
    with pytest.raises(SweepSpecError, match="existing spec file"):
        load_spec(tmp_path / "nope.yaml")


def test_factor_options_build_the_same_spec_as_yaml(write_spec: Callable[..., Path]) -> None:
    from_yaml = load_spec(
        write_spec(
            {
                **BASE,
                "factors": {
                    "x1": {"range": [0.0, 1.0]},
                    "x2": {"range": [2, 4], "count": 3},
                    "policy": {"values": ["base", "strict"]},
                    "x3": {"values": [1, 2.5]},
                },
            },
            name="full.yaml",
        )
    )
    from_options = load_spec(
        write_spec({**BASE, "factors": {"x1": {"range": [0.0, 0.5]}}}, name="base.yaml"),
        factors=["x1=0:1", "x2=2:4:3", "policy=base,strict", "x3=1,2.5"],
    )
    assert from_options.model_dump() == from_yaml.model_dump()
    assert list(from_options.factors) == list(from_yaml.factors)
    assert spec_hash(from_options) == spec_hash(from_yaml)


def test_overrides_replace_scalar_keys(write_spec: Callable[..., Path]) -> None:
    spec = load_spec(write_spec(BASE), engine="des", replications=9, samples=32, seed=77)
    assert (spec.engine, spec.replications, spec.samples, spec.seed) == ("des", 9, 32, 77)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a.b=0:1", ("a.b", {"range": [0, 1]})),
        ("a.b=0.5:1e6:4", ("a.b", {"range": [0.5, 1e6], "count": 4})),
        ("a.b=x,y", ("a.b", {"values": ["x", "y"]})),
        ("a.b=1,2,3", ("a.b", {"values": [1, 2, 3]})),
        ("a.b=1,x", ("a.b", {"values": ["1", "x"]})),
        ("a.b=7", ("a.b", {"values": [7]})),
    ],
)
def test_parse_factor_option(text: str, expected: tuple[str, dict[str, Any]]) -> None:
    assert parse_factor_option(text) == expected


@pytest.mark.parametrize(
    "text", ["a.b", "a.b=", "=1,2", "a.b=0:x", "a.b=1:2:3:4", "a.b=1,,2", "a.b=0:1:2.5"]
)
def test_parse_factor_option_rejects(text: str) -> None:
    with pytest.raises(SweepSpecError) as info:
        parse_factor_option(text)
    assert info.value.file == "--factor"


def test_hash_ignores_execution_keys_but_not_results_keys(tmp_path: Path) -> None:
    base = spec_from_mapping(BASE)
    assert spec_hash(spec_from_mapping({**BASE, "block_size": 2})) == spec_hash(base)
    assert spec_hash(spec_from_mapping({**BASE, "heatmap": None})) == spec_hash(base)
    assert spec_hash(spec_from_mapping({**BASE, "seed": 4})) != spec_hash(base)
    assert spec_hash(spec_from_mapping({**BASE, "outputs": ["target.*"]})) != spec_hash(base)


def test_hash_covers_scenario_file_content(tmp_path: Path) -> None:
    scenario = tmp_path / "city.yaml"
    scenario.write_text("a: 1\n", encoding="utf-8")
    data = {**BASE, "scenario": "city.yaml"}
    first = spec_hash(spec_from_mapping(data, base_dir=tmp_path))
    assert spec_hash(spec_from_mapping(data, base_dir=tmp_path)) == first
    scenario.write_text("a: 2\n", encoding="utf-8")
    assert spec_hash(spec_from_mapping(data, base_dir=tmp_path)) != first
