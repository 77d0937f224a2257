"""Names and free text from data: bounded and clean at the edge, inert at the outputs.

A scenario's names (of the scenario, jurisdictions, funds, programs,
indicators and targets) and its free text (sources, notes, descriptions) are
printed in terminals, PDF reports and spreadsheets. At the edge they are
validated (:data:`Name`, :data:`SingleLine`, :data:`Prose`): a name is at most
:data:`NAME_MAX` characters on one line, and no text holds a control
character (C0, DEL, C1: ESC among them), a Unicode line or paragraph
separator, or a bidirectional override. At the outputs, text that was never
validated (a store written before these limits, a file name, a key typed on
the command line) goes through :func:`printable` before a terminal or a PDF
sees it, and through :func:`cell_text` before a spreadsheet cell gets it.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

from simulator.errors import TextError
from simulator.i18n import Msg

NAME_MAX = 300
"""Longest name, in characters (the longest shipped name has 104; English names of long Chinese program titles run past 200)."""

LINE_MAX = 1000
"""Longest one-line text (a ``source`` clause or rationale, a document title)."""

PROSE_MAX = 4000
"""Longest multi-line text (a ``note`` or ``description``)."""

_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")
_UNSAFE_PROSE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")

_CHAR_NAMES = {"\x1b": "ESC", "\n": "line feed", "\r": "carriage return", "\t": "tab", "\x00": "NUL",
               "\x07": "BEL", "\x08": "backspace", "\x7f": "DEL", "\x9b": "CSI", "\x9d": "OSC"}


def _describe(ch: str) -> str:
    name = _CHAR_NAMES.get(ch)
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")


def _check(text: str, unsafe: re.Pattern[str], what: Msg) -> str:
    found = unsafe.search(text)
    if found:
        char, at = _describe(found.group()), found.start() + 1
        raise TextError(Msg(f"第 {at} 个字符是控制字符 {char}；应为{what.zh}",
                            f"control character {char} at character {at}; expected {what.en}"))
    return text


def check_name(text: str) -> str:
    """Refuse a name holding a control character (a newline included).

    Args:
        text: the name (its length is bounded by :data:`Name` itself).

    Returns:
        ``text`` unchanged.

    Raises:
        ValueError: naming the character, its position and the expected form.

    >>> check_name("淄博市科技创新资金")
    '淄博市科技创新资金'
    >>> check_name("fund\\x1b]0;x\\x07")
    Traceback (most recent call last):
    ...
    ValueError: control character U+001B ESC at character 5; expected one line of text without control characters
    """
    return _check(text, _UNSAFE, Msg("不含控制字符的单行文本", "one line of text without control characters"))


def check_prose(text: str) -> str:
    """Refuse free text holding a control character other than a line feed or a tab.

    Args:
        text: the text.

    Returns:
        ``text`` unchanged.

    Raises:
        ValueError: naming the character, its position and the expected form.
    """
    return _check(text, _UNSAFE_PROSE, Msg("不含控制字符的文本（可换行、可用制表符）",
                                           "text without control characters (line breaks and tabs allowed)"))


Name = Annotated[str, Field(max_length=NAME_MAX), AfterValidator(check_name)]
"""A name: one line, at most :data:`NAME_MAX` characters, no control character."""

SingleLine = Annotated[str, Field(max_length=LINE_MAX), AfterValidator(check_name)]
"""One line of free text (a source, a document title), at most :data:`LINE_MAX` characters."""

Prose = Annotated[str, Field(max_length=PROSE_MAX), AfterValidator(check_prose)]
"""Free text on several lines (a note, a description), at most :data:`PROSE_MAX` characters."""


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object, multiline: bool = False) -> str:
    """Text from data made safe for a terminal or a PDF: control characters shown as escapes.

    Nothing is dropped: an ESC becomes the four characters ``\\x1b``, so an
    OSC or CSI sequence prints as text and never acts on the terminal.

    Args:
        text: any value (``None`` becomes ``""``).
        multiline: keep line feeds and tabs (for prose); otherwise they are
            escaped too, so one value stays on one line.

    Returns:
        The text with every unsafe character escaped.

    >>> printable("资金\\x1b]8;;http://x\\x07")
    '资金\\\\x1b]8;;http://x\\\\x07'
    >>> printable("a\\nb"), printable("a\\nb", multiline=True)
    ('a\\\\nb', 'a\\nb')
    """
    if text is None:
        return ""
    s = str(text)
    pattern = _UNSAFE_PROSE if multiline else _UNSAFE
    if not pattern.search(s):
        return s
    if not multiline:
        s = s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return pattern.sub(_escape, s)


def shorten(text: str, limit: int = NAME_MAX) -> str:
    """Cut a text to ``limit`` characters, ending with an ellipsis if cut.

    >>> shorten("abcdef", 4)
    'abc…'
    """
    return text if len(text) <= limit else text[: limit - 1] + "…"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def cell_text(value: object) -> object:
    """A spreadsheet cell value that cannot run as a formula.

    Text that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return and is not a plain number gets a leading apostrophe, as the OWASP
    guidance on CSV injection asks; every other value is returned as it is
    (numbers, negative ones included, stay numbers).

    Args:
        value: a cell value.

    Returns:
        The value, neutralised if it is dangerous text.

    >>> cell_text('=HYPERLINK("http://x","y")')
    '\\'=HYPERLINK("http://x","y")'
    >>> cell_text("-2+3"), cell_text("-2.5"), cell_text(-2.5), cell_text("聊城")
    ("'-2+3", '-2.5', -2.5, '聊城')
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value
