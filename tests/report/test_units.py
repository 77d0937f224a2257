"""Pure helpers: formatting, labels, wrapping, escaping; their doctests run here too."""

from __future__ import annotations

import doctest
import importlib
import math

import pytest

from simulator.report import fmt
from simulator.report.charts import display_width, wrap
from simulator.report.i18n import CATALOGUE, check_lang, level_label, level_sort_key, t
from simulator.report.layout import esc

DOCTEST_MODULES = [
    "simulator.report.fmt",
    "simulator.report.i18n",
    "simulator.i18n",
    "simulator.report.analysis",
    "simulator.report.charts",
    "simulator.report.layout",
    "simulator.report.sweep",
    "simulator.report.sweep_labels",
    "simulator.report.appendix",
]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_off_budget_level_uses_the_budget_tables_term(lang: str) -> None:
    from simulator.report.texts import bt

    assert level_label("off_budget", lang).startswith(bt("row_non_budget", lang))  # one term in sheets and tables
    assert level_sort_key("非预算资金") == level_sort_key("off_budget")


def test_appendix_words_for_flags_and_distributions() -> None:
    from simulator.report.appendix import value_text

    assert value_text("funds.jn-industry-group.budget", "false", "zh") == "否"
    assert value_text("funds.jn-industry-group.budget", "true", "en") == "yes"
    assert value_text("guidance_funds.JN-1.distributions", "credit_to_fund", "zh") == "记入出资资金"
    assert value_text("programs.P.trigger.on", "none", "zh") == "none"  # other words stay as written


@pytest.mark.parametrize("name", DOCTEST_MODULES)
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


@pytest.mark.parametrize(
    ("fen", "zh", "en"),
    [
        (0, "0.0万元", "CNY 0.00m"),
        (1_234_500_000, "1,234.5万元", "CNY 12.35m"),
        (9_999_000_000, "9,999.0万元", "CNY 99.99m"),
        (9_999_990_000, "1.00亿元", "CNY 100.00m"),
        (99_999_999_999, "10.00亿元", "CNY 1.00bn"),
        (10_000_000_000, "1.00亿元", "CNY 100.00m"),
        (125_000_000_000, "12.50亿元", "CNY 1.25bn"),
        (-2_500_000_000, "-2,500.0万元", "CNY -25.00m"),
    ],
)
def test_money_switches_unit_at_one_yi(fen: int, zh: str, en: str) -> None:
    assert fmt.money(fen, "zh") == zh
    assert fmt.money(fen, "en") == en


def test_money_missing_values_are_dashes() -> None:
    assert fmt.money(None) == fmt.DASH
    assert fmt.money(math.nan, "en") == fmt.DASH
    assert fmt.table_money(None) == fmt.DASH
    assert math.isnan(fmt.fen_to_wan(math.nan))


def test_fen_to_wan_is_exact_to_the_fen() -> None:
    assert fmt.fen_to_wan(1) == 0.000001
    assert fmt.fen_to_wan(123_456_789_012) == 123456.789012


def test_dates_and_months() -> None:
    assert fmt.month("2023-06") == "2023年6月"
    assert fmt.month("2023-12", "en") == "Dec 2023"
    assert fmt.date("2025-01-05") == "2025年1月5日"
    assert fmt.date("2025-01-05", "en") == "5 Jan 2025"


def test_probability_never_rounds_a_possible_event_away() -> None:
    assert fmt.prob(0.001) == "<1%"
    assert fmt.prob(0.999) == ">99%"
    assert fmt.prob(0.5) == "50%"


def test_catalogue_is_complete_in_both_languages() -> None:
    for key, (zh, en) in CATALOGUE.items():
        assert zh.strip() and en.strip(), key
        # the same placeholders in both languages
        assert sorted(_fields(zh)) == sorted(_fields(en)), key


def _fields(text: str) -> list[str]:
    import string

    return [f for _lit, f, _spec, _conv in string.Formatter().parse(text) if f]


def test_translation_and_language_check() -> None:
    assert t("summary_heading", "zh") == "结论摘要"
    assert t("summary_heading", "en") == "Summary of findings"
    with pytest.raises(ValueError, match="unknown language"):
        check_lang("fr")


def test_levels_sorted_top_down_and_translated() -> None:
    levels = ["zone", "city", "UNKNOWN", "province", "district", "county"]
    assert sorted(levels, key=level_sort_key) == [
        "province",
        "city",
        "county",
        "district",
        "zone",
        "UNKNOWN",
    ]
    assert [level_label(x) for x in ("province", "city", "county", "district", "zone")] == [
        "省级",
        "市级",
        "县级",
        "区级",
        "园区",
    ]
    assert level_label("zone", "en") == "Zone"


def test_escape_keeps_markup_literal() -> None:
    assert esc("<b>&amp;</b>") == "&lt;b&gt;&amp;amp;&lt;/b&gt;"
    assert esc(None) == ""


def test_wrap_limits_width_and_lines() -> None:
    text = "聊城市产业技术研究院" * 10
    out = wrap(text, 20, 3)
    lines = out.split("\n")
    assert len(lines) == 3
    assert all(display_width(x) <= 20 for x in lines)
    assert lines[-1].endswith("…")
    assert wrap("short", 20) == "short"
