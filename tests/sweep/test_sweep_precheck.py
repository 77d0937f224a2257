"""A factor the scenario refuses is found before the sweep runs or writes anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.sweep.errors import SweepSpecError
from simulator.sweep.precheck import check_factors
from simulator.sweep.spec import load_spec
from tests.langcheck import assert_lang

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "scenarios" / "sweeps" / "liaocheng-lhs.yaml"


def test_the_shipped_sweep_passes() -> None:
    check_factors(load_spec(SPEC))


@pytest.mark.parametrize(("factor", "words"), [
    ("populations.liaocheng.firms.hte_ratee=0.1:0.5", ["factors.populations.liaocheng.firms.hte_ratee",
                                                       "did you mean 'hte_rate'"]),
    ("programs.LC-3.rule.base.amount=abc,100万元", ["factors.programs.LC-3.rule.base.amount", "'abc'",
                                                    "bad amount"]),
    ("programs.LC-99.rule.base.amount=100万元,200万元", ["factors.programs.LC-99.rule.base.amount",
                                                        "does not exist"]),
])
def test_bad_factor_is_refused_before_anything_is_written(tmp_path: Path, factor: str, words: list[str]) -> None:
    out = tmp_path / "sweep"
    args = ["sweep", str(SPEC), "--factor", factor, "--samples", "4", "--replications", "2", "--out", str(out)]
    res = CliRunner().invoke(main, ["--lang", "en", *args], obj={})
    assert res.exit_code == 2, res.stderr
    assert "Traceback" not in res.stderr and "--resume" not in res.stderr
    for w in [*words, "liaocheng-lhs.yaml"]:
        assert w in res.stderr, (w, res.stderr)
    assert_lang(res.stderr, "en", data=str(SPEC))
    zh = CliRunner().invoke(main, args, obj={})
    assert zh.exit_code == 2 and words[0] in zh.stderr and "规格错误" in zh.stderr
    assert_lang(zh.stderr, "zh", data=str(SPEC))
    assert not out.exists()


def test_precheck_raises_a_spec_error_naming_the_factor() -> None:
    spec = load_spec(SPEC, factors=("populations.liaocheng.firms.nope=0.1:0.5",))
    with pytest.raises(SweepSpecError) as info:
        check_factors(spec)
    assert info.value.key == "factors.populations.liaocheng.firms.nope"
