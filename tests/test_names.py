"""Names and free text: bounded and clean at the edge, inert at the outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.errors import InputError
from simulator.loader import load_scenario
from simulator.names import NAME_MAX, PROSE_MAX, cell_text, check_name, printable, shorten

BASE = Path(__file__).resolve().parent / "badinput" / "support" / "base.yaml"

NAME_PATHS = [
    "scenario.name",
    "scenario.name_en",
    "jurisdictions.zibo.name",
    "jurisdictions.gaoqing.name_en",
    "funds.zb-city.name",
    "funds.zb-city.name_en",
    "programs.ZB-4.name",
    "programs.ZB-4.name_en",
    "targets.ZB-T7.name",
    "targets.ZB-T7.name_en",
]
LINE_PATHS = ["funds.zb-city.source", "programs.ZB-4.source", "scenario.document"]
PROSE_PATHS = ["scenario.description", "programs.ZB-4.note"]


def _problem(overrides: dict[str, object]) -> str:
    with pytest.raises(InputError) as info:
        load_scenario(BASE, overrides=overrides)
    return str(info.value)


def test_base_is_valid() -> None:
    assert load_scenario(BASE).scenario.funds["zb-city"].name == "淄博市科技创新资金"


@pytest.mark.parametrize("path", NAME_PATHS)
def test_names_are_bounded(path: str) -> None:
    ok = load_scenario(BASE, overrides={path: "名" * NAME_MAX})
    assert ok.value_at(path) == "名" * NAME_MAX
    msg = _problem({path: "名" * (NAME_MAX + 1)})
    assert path in msg and "text is too long" in msg and f"at most {NAME_MAX} characters" in msg


@pytest.mark.parametrize("path", NAME_PATHS + LINE_PATHS)
@pytest.mark.parametrize(
    "bad, shown",
    [
        ("资金\x1b]8;;http://x/\x07链接\x1b]8;;\x07", "U+001B ESC at character 3"),
        ("资金\x9b2J", "U+009B CSI at character 3"),
        ("第一行\n第二行", "U+000A line feed at character 4"),
        ("abc\rdef", "U+000D carriage return at character 4"),
        ("ab\u202ecba", "U+202E at character 3"),
        ("\x00", "U+0000 NUL at character 1"),
    ],
)
def test_one_line_texts_refuse_control_characters(path: str, bad: str, shown: str) -> None:
    msg = _problem({path: bad})
    assert path in msg and f"control character {shown}" in msg
    assert "expected one line of text without control characters" in msg
    assert "\x1b" not in msg and "\x9b" not in msg  # the value is quoted escaped


@pytest.mark.parametrize("path", PROSE_PATHS)
def test_prose_keeps_line_breaks_but_not_escapes(path: str) -> None:
    ok = load_scenario(BASE, overrides={path: "第一段\n\t第二段"})
    assert ok.value_at(path) == "第一段\n\t第二段"
    msg = _problem({path: "彩色\x1b[31m文字"})
    assert path in msg and "control character U+001B ESC at character 3" in msg
    msg = _problem({path: "长" * (PROSE_MAX + 1)})
    assert path in msg and f"at most {PROSE_MAX} characters" in msg


def test_check_name_passes_ordinary_names() -> None:
    for name in ("淄博市科技创新资金", "Zibo S&T fund (2021–2025)", '<b>&amp; "聊城" </b>', "=SUM(1)"):
        assert check_name(name) == name


def test_printable_escapes_every_control_character() -> None:
    hostile = "a\x1b]0;title\x07b\x1b[2Jc\x9b31md\x00e\x7ff\u202eg"
    shown = printable(hostile)
    assert all(not (ord(c) < 32 or 0x7F <= ord(c) <= 0x9F) for c in shown)
    assert "\u202e" not in shown
    assert shown == "a\\x1b]0;title\\x07b\\x1b[2Jc\\x9b31md\\x00e\\x7ff\\u202eg"
    assert printable("行一\n行二") == "行一\\n行二"
    assert printable("行一\n\t行二\x1b", multiline=True) == "行一\n\t行二\\x1b"
    assert printable(None) == "" and printable(12) == "12"
    assert printable("聊城 <b>") == "聊城 <b>"


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "@SUM(1)", "+1+1", "-2+3", "\t=1", "\r=1", "-", "+"],
)
def test_cell_text_neutralises_formulas(value: str) -> None:
    assert cell_text(value) == "'" + value


@pytest.mark.parametrize("value", ["-2.5", "+3", "-1e5", "0.5", "聊城", "", "'=x", "a=b", 3, -2.5, None])
def test_cell_text_leaves_numbers_and_plain_text(value: object) -> None:
    assert cell_text(value) == value


def test_shorten() -> None:
    assert shorten("名" * (NAME_MAX + 5)) == "名" * (NAME_MAX - 1) + "…"
    assert len(shorten("名" * (NAME_MAX + 5))) == NAME_MAX
    assert shorten("短") == "短"
