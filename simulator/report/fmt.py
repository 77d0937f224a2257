"""Display formatting for reports: money, dates, percentages, counts.

Money arrives as integer fen (分) from the store, or as yuan from
``summary.json``; it is formatted only here. Conventions:

* Chinese: ``1,234.5万元`` below 1亿元, ``1.25亿元`` from 1亿元 up.
* English: ``CNY 12.35m`` below one billion yuan, ``CNY 1.25bn`` from there.
* Tables print bare numbers in one unit per table (万元 in Chinese, million
  yuan in English) and state the unit in the caption or header.

All functions are pure.
"""

from __future__ import annotations

import datetime as _dt
import math
import unicodedata
from typing import Literal

Lang = Literal["zh", "en"]

FEN_PER_YUAN = 100
FEN_PER_WAN = 1_000_000  # 1万元 = 10,000 yuan
FEN_PER_YI = 10_000_000_000  # 1亿元 = 100,000,000 yuan
FEN_PER_MILLION = 100_000_000  # 1 million yuan
FEN_PER_BILLION = 100_000_000_000  # 1 billion yuan

DASH = "—"
"""Shown where a value does not exist (no event, missing data)."""

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _is_missing(x: object) -> bool:
    if x is None:
        return True
    try:
        return bool(isinstance(x, float) and math.isnan(x))
    except TypeError:  # pragma: no cover - defensive
        return False


def yuan_to_fen(yuan: float) -> float:
    """Convert yuan to fen.

    Args:
        yuan: amount in yuan.

    Returns:
        The amount in fen (not rounded: quantiles may be fractional).

    >>> yuan_to_fen(12.5)
    1250.0
    """
    return float(yuan) * FEN_PER_YUAN


def money(fen: float | None, lang: Lang = "zh") -> str:
    """Format an amount of fen for a sentence.

    Args:
        fen: amount in fen; ``None`` or NaN gives a dash.
        lang: ``"zh"`` or ``"en"``.

    Returns:
        The amount with its unit.

    >>> money(12_345_000_000)
    '1.23亿元'
    >>> money(9_999_000_000), money(9_999_990_000)
    ('9,999.0万元', '1.00亿元')
    >>> money(1_234_500_000)
    '1,234.5万元'
    >>> money(0)
    '0.0万元'
    >>> money(-50_000_000)
    '-50.0万元'
    >>> money(1_235_000_000, "en")
    'CNY 12.35m'
    >>> money(125_000_000_000, "en")
    'CNY 1.25bn'
    >>> money(None)
    '—'
    """
    if _is_missing(fen):
        return DASH
    v = float(fen)  # type: ignore[arg-type]
    # the unit is chosen on the rounded figure, so 9,999.99万 prints as 1.00亿元
    if lang == "en":
        if abs(round(v / FEN_PER_MILLION, 2)) >= 1000:
            return f"CNY {v / FEN_PER_BILLION:,.2f}bn"
        return f"CNY {v / FEN_PER_MILLION:,.2f}m"
    if abs(round(v / FEN_PER_WAN, 1)) >= 10_000:
        return f"{v / FEN_PER_YI:,.2f}亿元"
    return f"{v / FEN_PER_WAN:,.1f}万元"


def money_yuan(yuan: float | None, lang: Lang = "zh") -> str:
    """Format an amount of yuan (as found in ``summary.json``) for a sentence.

    Args:
        yuan: amount in yuan; ``None`` or NaN gives a dash.
        lang: ``"zh"`` or ``"en"``.

    Returns:
        The amount with its unit.

    >>> money_yuan(50_000_000)
    '5,000.0万元'
    >>> money_yuan(100_000_000)
    '1.00亿元'
    >>> money_yuan(50_000_000, "en")
    'CNY 50.00m'
    """
    if _is_missing(yuan):
        return DASH
    return money(yuan_to_fen(yuan), lang)  # type: ignore[arg-type]


def table_money_unit(lang: Lang = "zh") -> str:
    """Unit of the bare numbers that :func:`table_money` prints.

    >>> table_money_unit("zh"), table_money_unit("en")
    ('万元', 'CNY m')
    """
    return "CNY m" if lang == "en" else "万元"


def table_money(fen: float | None, lang: Lang = "zh") -> str:
    """Format fen as a bare number for a table cell (unit stated elsewhere).

    Args:
        fen: amount in fen; ``None`` or NaN gives a dash.
        lang: ``"zh"`` (万元) or ``"en"`` (million yuan), two fixed decimals.

    Returns:
        The number with thousands separators.

    >>> table_money(1_234_500_000)
    '1,234.50'
    >>> table_money(1_234_500_000, "en")
    '12.35'
    >>> table_money(float("nan"))
    '—'
    """
    if _is_missing(fen):
        return DASH
    v = float(fen)  # type: ignore[arg-type]
    if lang == "en":
        return f"{v / FEN_PER_MILLION:,.2f}"
    return f"{v / FEN_PER_WAN:,.2f}"


def fen_to_wan(fen: float | None) -> float:
    """Convert fen to 万元 as a number for spreadsheets (exact to the fen).

    >>> fen_to_wan(1_234_567_891)
    1234.567891
    >>> import math; math.isnan(fen_to_wan(None))
    True
    """
    if _is_missing(fen):
        return float("nan")
    return round(float(fen) / FEN_PER_WAN, 6)  # type: ignore[arg-type]


def money_axis(max_fen: float, lang: Lang = "zh") -> tuple[float, str]:
    """Choose a divisor and unit label for a chart axis showing fen.

    Args:
        max_fen: the largest absolute amount on the axis.
        lang: ``"zh"`` or ``"en"``.

    Returns:
        ``(fen per axis unit, unit label)``.

    >>> money_axis(5e9)
    (1000000.0, '万元')
    >>> money_axis(2e10)
    (10000000000.0, '亿元')
    >>> money_axis(5e9, "en")
    (100000000.0, 'CNY m')
    >>> money_axis(2e11, "en")
    (100000000000.0, 'CNY bn')
    """
    m = abs(float(max_fen)) if not _is_missing(max_fen) else 0.0
    if lang == "en":
        if m >= FEN_PER_BILLION:
            return float(FEN_PER_BILLION), "CNY bn"
        return float(FEN_PER_MILLION), "CNY m"
    if m >= FEN_PER_YI:
        return float(FEN_PER_YI), "亿元"
    return float(FEN_PER_WAN), "万元"


def month(ym: str | None, lang: Lang = "zh") -> str:
    """Format a ``YYYY-MM`` month.

    Args:
        ym: month string as stored (a longer ISO date is accepted and cut).
        lang: ``"zh"`` or ``"en"``.

    Returns:
        ``2023年6月`` or ``Jun 2023``; a dash for a missing month.

    >>> month("2023-06")
    '2023年6月'
    >>> month("2023-06", "en")
    'Jun 2023'
    >>> month(None)
    '—'
    """
    if _is_missing(ym) or not ym:
        return DASH
    year, mon = int(str(ym)[:4]), int(str(ym)[5:7])
    if lang == "en":
        return f"{_MONTHS_EN[mon - 1]} {year}"
    return f"{year}年{mon}月"


def date(iso: str | _dt.date | None, lang: Lang = "zh") -> str:
    """Format a date.

    Args:
        iso: ``YYYY-MM-DD`` string or a date.
        lang: ``"zh"`` or ``"en"``.

    Returns:
        ``2025年12月31日`` or ``31 Dec 2025``; a dash when missing.

    >>> date("2025-12-31")
    '2025年12月31日'
    >>> date("2025-12-31", "en")
    '31 Dec 2025'
    >>> date(None, "en")
    '—'
    """
    if _is_missing(iso) or iso == "":
        return DASH
    d = iso if isinstance(iso, _dt.date) else _dt.date.fromisoformat(str(iso)[:10])
    if lang == "en":
        return f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"
    return f"{d.year}年{d.month}月{d.day}日"


def pct(p: float | None, digits: int = 0) -> str:
    """Format a share as a percentage.

    Args:
        p: share between 0 and 1; ``None`` or NaN gives a dash.
        digits: decimals to show.

    Returns:
        The percentage.

    >>> pct(0.4236)
    '42%'
    >>> pct(0.4236, 1)
    '42.4%'
    >>> pct(None)
    '—'
    """
    if _is_missing(p):
        return DASH
    return f"{float(p) * 100:.{digits}f}%"  # type: ignore[arg-type]


def prob(p: float | None) -> str:
    """Format a probability, never rounding a possible event to 0% or 100%.

    Args:
        p: probability between 0 and 1.

    Returns:
        Whole percent; ``<1%`` / ``>99%`` for rare but present outcomes.

    >>> prob(0.42), prob(0.0), prob(0.003), prob(1.0), prob(0.998)
    ('42%', '0%', '<1%', '100%', '>99%')
    """
    if _is_missing(p):
        return DASH
    v = float(p)  # type: ignore[arg-type]
    if 0.0 < v < 0.005:
        return "<1%"
    if 0.995 <= v < 1.0:
        return ">99%"
    return f"{v * 100:.0f}%"


def number(x: float | None, digits: int = 0) -> str:
    """Format a plain number with thousands separators.

    >>> number(1234567)
    '1,234,567'
    >>> number(3.14159, 2)
    '3.14'
    >>> number(float("nan"))
    '—'
    """
    if _is_missing(x):
        return DASH
    return f"{float(x):,.{digits}f}"  # type: ignore[arg-type]


def smart_number(x: float | None) -> str:
    """Format a number with as many decimals as its size calls for.

    Integers print without decimals, others with up to three significant
    decimals.

    >>> smart_number(800.0), smart_number(3.6), smart_number(0.125), smart_number(12345.678)
    ('800', '3.6', '0.125', '12,345.68')
    >>> smart_number(0.0000123)
    '0.0000123'
    """
    if _is_missing(x):
        return DASH
    v = float(x)  # type: ignore[arg-type]
    if v == int(v) and abs(v) < 1e15:
        return f"{int(v):,}"
    if abs(v) >= 100:
        return f"{v:,.2f}"
    s = f"{v:.3g}" if abs(v) < 1 else f"{v:,.3f}".rstrip("0").rstrip(".")
    if "e" in s:  # never an exponent: 0.0000123 stays a decimal
        s = f"{v:.8f}".rstrip("0").rstrip(".")
    return s


def metric_value(x: float | None, unit: str | None, lang: Lang = "zh") -> str:
    """Format a target metric's value according to its unit.

    Known units: ``count``, ``fen``, ``yuan``, ``ratio`` / ``share``,
    ``percent``, ``per_10k``. Anything else prints the number followed by
    the unit as given.

    >>> metric_value(812.0, "count"), metric_value(19.55, "count"), metric_value(1234.4, "count")
    ('812', '19.6', '1,234')
    >>> metric_value(1.2e10, "fen")
    '1.20亿元'
    >>> metric_value(0.48, "share")
    '48.0%'
    >>> metric_value(3.64, "per_10k")
    '3.64 / 万人'
    >>> metric_value(3.64, "per_10k", "en")
    '3.64 per 10,000 residents'
    >>> metric_value(7.0, "labs")
    '7 labs'
    """
    if _is_missing(x):
        return DASH
    v = float(x)  # type: ignore[arg-type]
    u = (unit or "").strip()
    if u in ("", "count"):
        if v == int(v) or abs(v) >= 100:
            return number(v, 0)
        return f"{v:,.1f}"
    if u == "fen":
        return money(v, lang)
    if u == "yuan":
        return money_yuan(v, lang)
    if u in ("ratio", "share"):
        return pct(v, 1)
    if u == "percent":
        return f"{v:.1f}%"
    if u == "per_10k":
        return f"{v:,.2f} / 万人" if lang == "zh" else f"{v:,.2f} per 10,000 residents"
    return f"{smart_number(v)} {u}"


def metric_axis(unit: str | None, max_value: float, lang: Lang = "zh") -> tuple[float, str]:
    """Choose a divisor and axis label for a target metric.

    Args:
        unit: the target's unit.
        max_value: the largest value on the axis (in the metric's unit).
        lang: ``"zh"`` or ``"en"``.

    Returns:
        ``(divisor, unit label)``; the label may be empty for plain counts.

    >>> metric_axis("fen", 2e10)
    (10000000000.0, '亿元')
    >>> metric_axis("yuan", 5e7, "en")
    (1000000.0, 'CNY m')
    >>> metric_axis("count", 900)
    (1.0, '')
    """
    u = (unit or "").strip()
    if u == "fen":
        return money_axis(max_value, lang)
    if u == "yuan":
        div, label = money_axis(max_value * FEN_PER_YUAN, lang)
        return div / FEN_PER_YUAN, label
    if u in ("ratio", "share"):
        return 0.01, "%"
    if u == "percent":
        return 1.0, "%"
    if u == "per_10k":
        return 1.0, "每万人" if lang == "zh" else "per 10,000 residents"
    if u == "count":
        return 1.0, ""
    return 1.0, u


def today(lang: Lang = "zh", now: _dt.date | None = None) -> str:
    """Format today's date (or ``now``) for a cover page.

    >>> today("zh", _dt.date(2026, 1, 5))
    '2026年1月5日'
    """
    return date(now or _dt.date.today(), lang)


def display_width(text: str) -> int:
    """Width of a string in Latin character cells (CJK and full-width count 2).

    >>> display_width("ab聊城")
    6
    """
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)
