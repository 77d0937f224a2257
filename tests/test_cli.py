"""The command line: help, version, award JSON, explain, run, trace, calibrate (CliRunner and a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator import __version__
from simulator.cli import main
from tests.engine_fixtures import tiny_city_yaml
from tests.langcheck import assert_lang

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "docs" / "examples" / "minimal.yaml"


def invoke(*args: str) -> tuple[int, str, str]:
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    res = CliRunner().invoke(main, list(args), obj={})
    return res.exit_code, res.stdout, res.stderr


def invoke_en(*args: str) -> tuple[int, str, str]:
    """Run the CLI in English, after checking that the default (zh) run fails alike in Chinese."""
    code_zh, _, err_zh = invoke(*args)
    code, out, err = invoke("--lang", "en", *args)
    assert code_zh == code
    if code == 2:
        assert_lang(err_zh, "zh")
        assert_lang(err, "en")
    return code, out, err


def test_version_and_help_of_every_command() -> None:
    code, out, _ = invoke("--version")
    assert code == 0 and __version__ in out
    code, out, _ = invoke("--help")
    assert code == 0
    for name, cmd in main.commands.items():
        code, out, _ = invoke(name, "--help")
        assert code == 0, name
        assert cmd.help and len(cmd.help) > 40, f"{name} needs a helpful --help"


def test_award_json_has_program_total_and_levels() -> None:
    code, out, err = invoke("award", str(MINIMAL), "ZB-4", "--set", "quantity=15000", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["program"] == "ZB-4"
    assert data["total_yuan"] == 1_000_000  # 15,000 m2 x 100 yuan = 150万, capped at 100万元 (ZB-4)
    assert data["by_level"] == {"city": 1_000_000}
    assert any("cap" in step for step in data["trace"])


def test_award_place_exception_and_bad_inputs() -> None:
    code, out, _ = invoke("award", str(MINIMAL), "ZB-10", "--set", "base=40万元", "--set", "place=gaoqing",
                          "--format", "json")
    assert code == 0
    # 高青县: province 50% of 40万 capped at 20万 = 20万; city 30% of the cost instead of 1:1 = 12万.
    assert json.loads(out)["total_yuan"] == 320_000
    code, _, err = invoke_en("award", str(MINIMAL), "ZB-44")
    assert code == 2 and "did you mean 'ZB-4'" in err
    code, _, err = invoke_en("award", str(MINIMAL), "ZB-4", "--set", "quantity=lots")
    assert code == 2 and "quantity" in err and "lots" in err
    code, _, err = invoke_en("award", str(MINIMAL), "ZB-10", "--set", "place=atlantis")
    assert code == 2 and "atlantis" in err
    for bad in ("base=很多", "tier=gold", "colour=red", "quantity"):
        code, _, err = invoke_en("award", str(MINIMAL), "ZB-4", "--set", bad)
        assert code == 2 and "--set" in err


def test_explain_shows_value_source_and_chain() -> None:
    code, out, _ = invoke("explain", str(MINIMAL), "programs.ZB-4.rule.cap")
    assert code == 0
    assert "100万元" in out and "ZB-4" in out and "minimal.yaml:" in out
    code, _, err = invoke_en("explain", str(MINIMAL), "programs.ZB-4.rule.capp")
    assert code == 2 and "did you mean" in err


def test_run_trace_and_refusal_to_overwrite(tmp_path: Path) -> None:
    scen = tmp_path / "tiny.yaml"
    scen.write_text(tiny_city_yaml(), encoding="utf-8")
    out = tmp_path / "run"
    code, stdout, err = invoke("run", str(scen), "--reps", "4", "--out", str(out))
    assert code == 0, err
    assert (out / "summary.json").exists() and "T-HTE" in stdout
    assert "次重复" in stdout and "达成概率" in stdout and "结果已写入" in stdout and "replications" not in stdout
    code, stdout, err = invoke("--lang", "en", "run", str(scen), "--reps", "4", "--out", str(out), "--force")
    assert code == 0, err
    assert "4 replications" in stdout and "P(attained)" in stdout and "Results written to" in stdout
    assert not any(word in stdout for word in ("次重复", "资金:", "目标:", "达成概率", "结果已写入", "生成报告"))
    code, _, err = invoke_en("run", str(scen), "--reps", "4", "--out", str(out))
    assert code == 2 and "--force" in err
    code, stdout, _ = invoke("run", str(scen), "--reps", "4", "--out", str(out), "--force",
                             "--set", "funds.city-fund.overclaim=fcfs")
    assert code == 0
    code, stdout, _ = invoke("trace", str(scen), "--rep", "1", "--only", "review")
    assert code == 0 and "review" in stdout
    csv_out = tmp_path / "trace.csv"
    code, stdout, _ = invoke("trace", str(scen), "--rep", "1", "--out", str(csv_out))
    assert code == 0 and csv_out.read_text(encoding="utf-8").startswith("month,t_months,event,who,detail")


def test_bad_override_is_a_clear_error(tmp_path: Path) -> None:
    scen = tmp_path / "tiny.yaml"
    scen.write_text(tiny_city_yaml(), encoding="utf-8")
    code, _, err = invoke_en("run", str(scen), "--reps", "2", "--out", str(tmp_path / "o"),
                             "--set", "funds.city-fund.overclam=fcfs")
    assert code == 2
    assert "overclam" in err and "did you mean 'overclaim'" in err
    code, _, err = invoke_en("run", str(scen), "--reps", "2", "--out", str(tmp_path / "o"),
                             "--set", "scenario.start=2020-02-30")
    assert code == 2 and "--set scenario.start" in err
    code, _, err = invoke_en("run", str(scen), "--reps", "2", "--out", str(tmp_path / "o"), "--set", "nokey")
    assert code == 2 and "KEY=VALUE" in err
    assert "Traceback" not in err


def test_calibrate_fits_and_writes_params(tmp_path: Path) -> None:
    scen = tmp_path / "cal.yaml"
    scen.write_text("""
scenario: {id: cal, name: 校准测试, start: 2020-01-01, end: 2021-12-31, seed: 1}
jurisdictions:
  c: {name: 市, level: city}
params: [rates.yaml]
populations:
  c:
    firms: {baseline: {startup: 300, tech_sme: 150, hte: 50}, arrivals_per_year: 60, sme_rate: 0.3,
            hte_rate: {param: rates.hte_rate}, exit_rate: 0.08, source: "assumption: test"}
""", encoding="utf-8")
    (tmp_path / "rates.yaml").write_text(
        "hte_rate: {unit: per_year, range: [0.05, 0.5], values: {2010-01-01: {value: 0.1, source: 'assumption: test'}}}\n",
        encoding="utf-8")
    obs = tmp_path / "obs.csv"
    obs.write_text("year,metric,value\n2015,firms.hte,50\n2018,firms.hte,110\n2021,firms.hte,170\n", encoding="utf-8")
    out, post = tmp_path / "fit.yaml", tmp_path / "post.yaml"
    args = ["calibrate", str(scen), "--observed", str(obs), "--params", "populations.c.firms.hte_rate", "--out",
            str(out), "--posterior", str(post), "--forms", "constant", "--walkers", "4", "--steps", "3", "--burn", "1",
            "--groups", "1", "--reps", "4", "--check-draws", "3"]
    code, stdout, err = invoke("--lang", "en", *args)
    assert code == 0, err
    assert "validate" in stdout  # 2021 is after the scenario start: checked, never fitted
    assert "posterior predictive check" in stdout and "growth form: constant" in stdout
    assert_lang(stdout, "en")
    code, zh, err = invoke(*args, "--force")
    assert code == 0, err
    assert "检验" in zh and "年份" in zh and "后验" in zh and "validate" not in zh and "posterior ->" not in zh
    from simulator.calibrate import read_posterior
    from simulator.params import load_params

    params = load_params(out)
    param = params["fit.populations.c.firms.hte_rate"]
    assert param.values[0].source.startswith("fitted:")
    assert param.values[0].value == read_posterior(post).medians()["populations.c.firms.hte_rate"]
    row = next(line for line in stdout.splitlines() if line.startswith("2018"))
    p5, p95 = float(row.split()[3]), float(row.split()[5])
    assert p5 <= 110 <= p95 or "OUTSIDE" in row


@pytest.mark.parametrize("args", [["validate", str(MINIMAL)], ["award", str(MINIMAL), "ZB-4", "--set", "quantity=100"]])
def test_real_subprocess(args: list[str]) -> None:
    res = subprocess.run([sys.executable, "-m", "simulator.cli", *args], capture_output=True, text=True, cwd=ROOT,
                         check=False)
    assert res.returncode == 0, res.stderr


def test_real_subprocess_bad_file_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenario: [\n", encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "simulator.cli", "validate", str(bad)], capture_output=True,
                         text=True, check=False)
    assert res.returncode == 2
    assert "bad.yaml:" in res.stderr and "Traceback" not in res.stderr + res.stdout
