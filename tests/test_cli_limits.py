"""Limits and hostile input on the command line: one clear line and exit 2, never a traceback.

Each case here was a raw traceback, a silent truncation or a nonsense result
before: amounts beyond exact int64 arithmetic, claim quantities that are
negative, fractional or infinite, impossible dates in ``--set``, observed
histories with NaN, negative, conflicting or implausible rows, and output paths
that are folders or cannot be written.  Unexpected errors (bugs) print one line
that says where the full trace was saved and exit with status 1.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.money import MAX_AMOUNT_FEN, MoneyFormatError, parse_amount, suggest_amount
from tests.langcheck import assert_lang

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "docs" / "examples" / "minimal.yaml"
TAIAN = ROOT / "scenarios" / "taian.yaml"
OBSERVED = ROOT / "data" / "observed" / "taian_hte.csv"


def invoke(*args: str, check_lang: bool = True) -> tuple[int, str, str]:
    """Run the CLI in-process in English; returns (exit code, stdout, stderr).

    A refusal (exit 2) is first made in the default language, where it must be
    Chinese, then in English, where it must hold no Chinese but data.
    """
    zh = CliRunner().invoke(main, list(args), obj={})
    res = CliRunner().invoke(main, ["--lang", "en", *args], obj={})
    if check_lang and res.exit_code == 2:
        assert zh.exit_code == 2, zh.output
        assert_lang(zh.stderr, "zh")
        assert_lang(res.stderr, "en")
    return res.exit_code, res.stdout, res.stderr


def assert_one_clean_line(code: int, err: str, *fragments: str) -> None:
    """Exit 2, no traceback, and every fragment in the message."""
    assert code == 2, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


# ----------------------------------------------------------------------------- amounts


def test_amount_limit_is_exact_and_refuses_beyond() -> None:
    assert parse_amount("10000亿元") == MAX_AMOUNT_FEN
    with pytest.raises(MoneyFormatError, match="at most 10000亿元"):
        parse_amount("10000.01亿元")
    with pytest.raises(MoneyFormatError, match="at most 10000亿元"):
        parse_amount(10**13)
    # the bound leaves room to sum tens of thousands of maximal amounts in int64 fen
    assert MAX_AMOUNT_FEN * 90_000 < 2**63 - 1


@pytest.mark.parametrize(("text", "meant"), [
    ("5千万", "5000万元"), ("五百万元", "500万元"), ("¥35,000,000", "3500万元"), ("3亿5千万", "3.5亿元"),
    ("两千万元", "2000万元"), ("1.5千万", "1500万元"), ("￥200", "200元"),
])
def test_amounts_as_people_write_them_get_a_suggestion(text: str, meant: str) -> None:
    assert suggest_amount(text) == meant
    with pytest.raises(MoneyFormatError) as info:
        parse_amount(text)
    assert info.value.suggestion == meant
    assert f"did you mean '{meant}'" in str(info.value)
    assert parse_amount(meant) > 0  # the suggestion itself is accepted


@pytest.mark.parametrize("text", ["很多", "abc", "-5千万", "万", "1万亿亿"])
def test_no_suggestion_for_what_is_not_an_amount(text: str) -> None:
    assert suggest_amount(text) is None or parse_amount(suggest_amount(text) or "0") >= 0


# ----------------------------------------------------------------------------- award


@pytest.mark.parametrize("quantity", ["-5", "1.7", "1e309", "nan", "inf", "1e10", "abc"])
def test_award_refuses_quantities_that_are_not_whole_counts(quantity: str) -> None:
    code, _, err = invoke("award", str(MINIMAL), "ZB-4", "--set", f"quantity={quantity}")
    assert_one_clean_line(code, err, "--set quantity", quantity, "whole number")


def test_award_accepts_whole_quantities_written_as_numbers() -> None:
    for quantity in ("15000", "1.5e4", "15,000"):
        code, out, err = invoke("award", str(MINIMAL), "ZB-4", "--set", f"quantity={quantity}", "--format", "json")
        assert code == 0, err
        assert '"total_yuan": 1000000' in out


def test_award_base_beyond_limit_and_suggestion() -> None:
    code, _, err = invoke("award", str(MINIMAL), "ZB-4", "--set", "base=10000000000000亿元")
    assert_one_clean_line(code, err, "--set base", "at most 10000亿元")
    code, _, err = invoke("award", str(MINIMAL), "ZB-4", "--set", "base=五十万")
    assert_one_clean_line(code, err, "--set base", "did you mean '50万元'")


# ----------------------------------------------------------------------------- --set and dates


def test_impossible_date_in_set_names_the_key(tmp_path: Path) -> None:
    code, _, err = invoke("run", str(MINIMAL), "--reps", "2", "--set", "scenario.start=2020-02-30",
                          "--out", str(tmp_path / "out"))
    assert_one_clean_line(code, err, "--set scenario.start=2020-02-30", "not a date")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("item", "words"), [
    ("programs.ZB-4.rule.cap=abc", ["--set programs.ZB-4.rule.cap=abc:", "bad amount"]),
    ("programs.ZB-4.rule.capp=5", ["--set programs.ZB-4.rule.capp=5:", "did you mean 'cap'"]),
    ("programs.ZB-4.rule.cap=5千万", ["--set programs.ZB-4.rule.cap=5千万:", "did you mean '5000万元'"]),
])
def test_set_errors_name_the_set_item_not_the_scenario_file(tmp_path: Path, item: str, words: list[str]) -> None:
    code, _, err = invoke("run", str(MINIMAL), "--reps", "2", "--set", item, "--out", str(tmp_path / "out"))
    assert_one_clean_line(code, err, *words)
    assert "minimal.yaml" not in err
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------- calibrate


BAD_OBSERVED = {
    "nan": (b"year,metric,value\n2012,TA-T5,nan\n", [":2:", "finite number"]),
    "inf": (b"year,metric,value\n2012,TA-T5,inf\n", [":2:", "finite number"]),
    "negative": (b"year,metric,value\n2012,TA-T5,-5\n", [":2:", "at least 0"]),
    "conflict": (b"year,metric,value\n2012,TA-T5,77\n2012,TA-T5,80\n", [":3:", "same year and metric twice",
                                                                        "line 2"]),
    "year0": (b"year,metric,value\n0,TA-T5,77\n", [":2:", "implausible year", "1980"]),
    "year99999": (b"year,metric,value\n99999,TA-T5,77\n", [":2:", "implausible year"]),
    "year1800": (b"year,metric,value\n1800,TA-T5,77\n2022,TA-T5,522\n", [":2:", "implausible year"]),
    "gbk": ("year,metric,value\n2012,高新,77\n".encode("gbk"), [":2:", "UTF-8"]),
    "binary": (bytes(range(256)) * 4, ["UTF-8"]),
    "nul": (b"year,metric,value\n2012,TA-T5,77\x00\n", ["binary"]),
}


@pytest.mark.parametrize("case", sorted(BAD_OBSERVED))
def test_calibrate_refuses_bad_observations(tmp_path: Path, case: str) -> None:
    data, fragments = BAD_OBSERVED[case]
    obs = tmp_path / "obs.csv"
    obs.write_bytes(data)
    out = tmp_path / "fit.yaml"
    code, _, err = invoke("calibrate", str(TAIAN), "--observed", str(obs), "--params",
                          "populations.taian.firms.hte_rate", "--out", str(out))
    assert_one_clean_line(code, err, str(obs), *fragments)
    assert not out.exists()


@pytest.mark.parametrize(("params", "fragment"), [("", "no parameter to fit"), (" , ", "no parameter to fit"),
                                                  ("populations.taian.firms.hte_rate,populations.taian.firms.hte_rate",
                                                   "the same parameter twice")])
def test_calibrate_refuses_bad_params(tmp_path: Path, params: str, fragment: str) -> None:
    code, _, err = invoke("calibrate", str(TAIAN), "--observed", str(OBSERVED), "--params", params,
                          "--out", str(tmp_path / "fit.yaml"))
    assert_one_clean_line(code, err, "--params", fragment)


def test_calibrate_out_must_be_a_writable_file(tmp_path: Path) -> None:
    args = ["calibrate", str(TAIAN), "--observed", str(OBSERVED), "--params", "populations.taian.firms.hte_rate"]
    code, _, err = invoke(*args, "--out", str(tmp_path), "--force")
    assert_one_clean_line(code, err, "--out", "is a folder")
    code, _, err = invoke(*args, "--out", "/proc/fiscalsim-fit.yaml", "--force")
    assert_one_clean_line(code, err, "--out", "cannot be written")
    existing = tmp_path / "fit.yaml"
    existing.write_text("keep me", encoding="utf-8")
    code, _, err = invoke(*args, "--out", str(existing))
    assert_one_clean_line(code, err, "--out", "already exists", "--force")
    assert existing.read_text(encoding="utf-8") == "keep me"


# ----------------------------------------------------------------------------- the top-level handler


def test_unexpected_error_is_one_line_with_a_saved_trace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("something unforeseen")

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr("simulator.cli.load_scenario", boom)
    for lang, words in (("zh", "内部错误"), ("en", "internal error")):
        res = CliRunner().invoke(main, ["--lang", lang, "validate", str(MINIMAL)], obj={})
        assert res.exit_code == 1
        assert "Traceback" not in res.stderr
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0] and "something unforeseen" in lines[0]
    saved = list((tmp_path / "fiscalsim").glob("crash-*.txt"))
    assert saved and "Traceback" in saved[0].read_text(encoding="utf-8")
    assert "something unforeseen" in saved[0].read_text(encoding="utf-8")


def test_project_error_escaping_a_command_is_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulator.store import StoreError

    def refuse(*_: object, **__: object) -> None:
        raise StoreError("out/x: the store is damaged")

    monkeypatch.setattr("simulator.cli.load_scenario", refuse)
    code, _, err = invoke("validate", str(MINIMAL), check_lang=False)  # the message is the test's own text
    assert_one_clean_line(code, err, "out/x: the store is damaged")
    assert len(err.strip().splitlines()) == 1


def test_fund_curve_huge_growth_is_refused_without_a_numpy_warning() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning from numpy would now fail the command
        code, _, err = invoke("fund-curve", "--commitment", "1亿元", "--rc", "0.25,0.333,0.5", "--life", "12",
                              "--bow", "2.5", "--growth", "1e308")
    assert_one_clean_line(code, err, "--growth", "too large")
    assert "RuntimeWarning" not in err


# ----------------------------------------------------------------------------- output paths and horizons


@pytest.mark.parametrize(("out", "words"), [("/proc/fiscalsim-run", ["/proc/fiscalsim-run:", "cannot be written"]),
                                            ("/etc/hostname", ["/etc/hostname:", "is a file"])])
def test_run_out_is_checked_before_any_work(out: str, words: list[str]) -> None:
    code, _, err = invoke("run", str(MINIMAL), "--reps", "2", "--out", out)
    assert_one_clean_line(code, err, "--out", *words)


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("store") / "minimal"
    res = CliRunner().invoke(main, ["run", str(MINIMAL), "--reps", "2", "--out", str(out)], obj={})
    assert res.exit_code == 0, res.stderr
    return out


def test_export_out_is_checked(small_store: Path, tmp_path: Path) -> None:
    code, _, err = invoke("export", str(small_store), "--format", "xlsx", "--out", str(tmp_path), "--force")
    assert_one_clean_line(code, err, "--out", "is a folder")
    afile = tmp_path / "afile"
    afile.write_text("keep", encoding="utf-8")
    code, _, err = invoke("export", str(small_store), "--format", "csv", "--out", str(afile), "--force")
    assert_one_clean_line(code, err, "--out", "is a file")
    assert afile.read_text(encoding="utf-8") == "keep"


@pytest.mark.parametrize(("item", "words"), [
    ("scenario.end=9999-12-31", ["--set scenario.end=9999-12-31", "1980-2100"]),
    ("scenario.end=2060-12-31", ["--set scenario.end=2060-12-31", "at most 30 years"]),
    ("targets.ZB-T7.threshold=-5", ["--set targets.ZB-T7.threshold=-5", "at least 0"]),
])
def test_horizon_and_threshold_limits(tmp_path: Path, item: str, words: list[str]) -> None:
    code, _, err = invoke("run", str(MINIMAL), "--reps", "2", "--set", item, "--out", str(tmp_path / "o"))
    assert_one_clean_line(code, err, *words)
    assert not (tmp_path / "o").exists()


# ----------------------------------------------------------------------------- click's own usage errors


@pytest.mark.parametrize(("args", "words"), [
    (["run"], ["缺少参数 'SCENARIO'"]),
    (["run", str(MINIMAL)], ["缺少选项 '--out'"]),
    (["rnu"], ["没有命令 'rnu'", "run"]),
    (["run", str(MINIMAL), "--out", "o", "--reps", "0"], ["'--reps' 的取值无效"]),
    (["run", str(MINIMAL), "--out", "o", "--bogus"], ["没有选项 '--bogus'"]),
])
def test_usage_errors_follow_the_language(args: list[str], words: list[str]) -> None:
    res = CliRunner().invoke(main, args, obj={})
    assert res.exit_code == 2
    first = res.stderr.strip().splitlines()[0]
    assert first.startswith("错误：")
    for w in words:
        assert w in first, (w, first)
    assert "--help" in res.stderr
    en = CliRunner().invoke(main, ["--lang", "en", *args], obj={})
    assert en.exit_code == 2
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in en.stderr), en.stderr
