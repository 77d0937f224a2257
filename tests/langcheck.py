"""Checks that a message speaks one language: Chinese words in zh mode, none in en mode.

Data stays as written in both modes: names and values (quoted, or after
``got``/``实际为``), and amounts with their units (``5千万``, ``100000000000亿元``).
What is left once the data is taken out is the message template, which must
be Chinese with ``--lang zh`` and free of CJK characters with ``--lang en``.
"""

from __future__ import annotations

import re

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
_DATA = [
    re.compile(r"\(got .*?\)(?=[;.]|$)"),        # the bad value, en
    re.compile(r"（实际为 .*?）(?=[；。]|$)"),     # the bad value, zh
    re.compile(r"'[^']*'"),                      # quoted names and values
    re.compile(r'"[^"]*"'),
    re.compile(r"\[[^\]]*\]"),                   # lists of values
    re.compile(r"\{[^}]*\}"),                    # mappings of values
    re.compile(r"[-+]?\d[\d,.]*\s*[十百千万亿]*[元万亿]*(?:/\S+)?"),  # amounts with their units
]


def template(line: str) -> str:
    """``line`` without its data: what the message's own words are."""
    for pattern in _DATA:
        line = pattern.sub(" ", line)
    return line


def is_chinese(line: str) -> bool:
    """The message's own words (data removed) hold Chinese characters."""
    return bool(CJK.search(template(line)))


def is_english(line: str) -> bool:
    """The message's own words (data removed) hold no CJK character."""
    return not CJK.search(template(line))


def assert_lang(text: str, lang: str, data: str = "") -> None:
    """Every non-empty line of ``text`` speaks ``lang`` (``data``: words of the input to ignore)."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert lines, "no message"
    for line in lines:
        if data:
            line = line.replace(data, " ")
        if lang == "zh":
            assert is_chinese(line), f"not Chinese: {line}"
        else:
            assert is_english(line), f"CJK in an English message: {line} (template: {template(line)})"
