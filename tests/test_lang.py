"""One language per mode: every message is written once in both languages and printed in the chosen one.

``--lang zh`` (the default) prints Chinese, ``--lang en`` English; names,
values and amounts are data and print as they are in both.  The bad-input
corpus, ``--set``, calibrate and sweep errors are walked in both languages in
their own test files (test_badinput, test_cli, test_cli_limits,
sweep/test_sweep_*); this file holds the pieces and the result-store errors.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.errors import InputError, Problem, StoreError, TextError
from simulator.i18n import CATALOGUE, Msg, did_you_mean_hint, localized, one_of, pick, t
from simulator.money import MoneyFormatError, parse_amount
from tests.engine_fixtures import tiny_city_yaml
from tests.langcheck import assert_lang, is_chinese, is_english

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "docs" / "examples" / "minimal.yaml"


def test_a_message_picks_its_language() -> None:
    m = Msg("未知的键 'x'", "unknown key 'x'")
    assert pick(m, "zh") == "未知的键 'x'" and pick(m, "en") == "unknown key 'x'"
    assert str(m) == "unknown key 'x'"  # the Python API and logs read English
    assert pick("zibo", "zh") == "zibo"  # a plain string is data
    assert (m + "!")("zh") == "未知的键 'x'!"
    assert Msg("{n} 个", "{n} of them").format(n=3) == Msg("3 个", "3 of them")
    assert "unknown" in m and "未知" in m and "nowhere" not in m
    assert did_you_mean_hint(None) is None
    assert one_of(["a", "b"]) == Msg("以下之一：a, b", "one of a, b")


def test_a_problem_renders_in_either_language() -> None:
    p = Problem(Msg("金额有误", "bad amount"), file="s.yaml", line=3, path="funds.f.cap", value="5千万",
                has_value=True, expected=Msg("非负金额", "a non-negative amount"), hint=did_you_mean_hint("5000万元"))
    en, zh = p.render("en"), p.render("zh")
    assert en == ("s.yaml:3: funds.f.cap: bad amount (got '5千万'); expected a non-negative amount. "
                  "did you mean '5000万元'?")
    assert zh == "s.yaml:3: funds.f.cap: 金额有误（实际为 '5千万'）；应为非负金额。是否应为 '5000万元'？"
    assert str(p) == en
    assert is_english(en) and is_chinese(zh)
    err = InputError([p, Problem("plain data", file="t.yaml")])
    assert str(err) == en + "\nt.yaml: plain data"
    assert localized(err, "zh").splitlines()[0] == zh


def test_errors_with_both_languages_are_localized() -> None:
    assert localized(TextError(Msg("必须为正", "must be positive")), "zh") == "必须为正"
    store = StoreError(Msg("不是结果目录", "not a result store"))
    assert str(store) == "not a result store" and localized(store, "zh") == "不是结果目录"
    assert localized(StoreError("out/x: data"), "zh") == "out/x: data"
    with pytest.raises(MoneyFormatError) as info:
        parse_amount("很多万元")
    assert "non-negative amount" in info.value.expected  # English through the API
    assert is_chinese(localized(info.value, "zh")) and is_english(localized(info.value, "en"))
    assert localized(ValueError("x"), "zh") == "x"


def test_the_catalogue_serves_the_command_line_and_the_report() -> None:
    from simulator.report import i18n as report_i18n

    assert report_i18n.CATALOGUE is CATALOGUE and report_i18n.t is t
    assert t("valid", "zh") == "有效" and t("valid", "en") == "valid"
    assert t("summary_heading", "en") == "Summary of findings"
    for key, (zh, en) in CATALOGUE.items():
        assert is_chinese(zh) or not any(c.isalpha() and c.isascii() for c in zh) or zh == en, key
        assert is_english(en.replace("万元", "").replace("亿元", "")), key  # the units' own names are data


def _both(*args: str) -> tuple[str, str]:
    """Run a command refused with exit 2 in Chinese and in English; return the two stderr texts."""
    zh = CliRunner().invoke(main, list(args), obj={})
    en = CliRunner().invoke(main, ["--lang", "en", *args], obj={})
    assert zh.exit_code == 2 and en.exit_code == 2, (zh.output, en.output)
    assert "Traceback" not in zh.output + en.output
    return zh.stderr, en.stderr


def test_store_errors_in_both_languages(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    zh, en = _both("run", str(MINIMAL), "--reps", "2", "--out", str(empty), "--resume")
    assert "不是 fiscalsim 结果目录" in zh and "not a fiscalsim result store" in en
    assert_lang(zh, "zh", data=str(empty))
    assert_lang(en, "en", data=str(empty))
    zh, en = _both("verify", str(tmp_path / "nowhere"))
    assert "不是目录" in zh and "not a directory" in en
    zh, en = _both("verify", str(empty))
    assert_lang(zh, "zh", data=str(empty))
    assert_lang(en, "en", data=str(empty))
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("keep me", encoding="utf-8")
    zh, en = _both("run", str(MINIMAL), "--reps", "2", "--out", str(taken))
    assert "--force" in zh and "--force" in en
    assert_lang(zh, "zh", data=str(taken))
    assert_lang(en, "en", data=str(taken))
    zh, en = _both("run", str(MINIMAL), "--reps", "2", "--out", str(taken), "--resume", "--force")
    assert_lang(zh, "zh")
    assert_lang(en, "en")


def test_a_finished_run_store_refuses_to_be_overwritten_in_both_languages(tmp_path: Path) -> None:
    scen = tmp_path / "tiny.yaml"
    scen.write_text(tiny_city_yaml(), encoding="utf-8")
    out = tmp_path / "run"
    res = CliRunner().invoke(main, ["--lang", "en", "run", str(scen), "--reps", "2", "--out", str(out)], obj={})
    assert res.exit_code == 0, res.output
    zh, en = _both("run", str(scen), "--reps", "2", "--out", str(out))
    assert_lang(zh, "zh", data=str(out))
    assert_lang(en, "en", data=str(out))
    zh, en = _both("sweep-summary", str(out))
    assert zh.startswith("错误：") and en.startswith("error: ")
    assert_lang(zh.removeprefix("错误："), "zh", data=str(out))
    assert_lang(en, "en", data=str(out))
