"""Exact money: parsing amounts, rates and shares.

Money is held as integer fen (分, 1 yuan = 100 fen) everywhere in the model.
Amounts may be written as plain yuan numbers or as strings with a unit:
``"200万元"``, ``"1亿元"``, ``"1.5亿"``, ``"3,000元"``.  Rates carry a unit of
quantity: ``"100元/m2"``.  Shares are fractions held exactly: ``0.3``,
``"30%"``, ``"1/3"``.  Floats never enter the ledger.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from simulator.i18n import Lang, Msg, Text, pick

FEN_PER_YUAN = 100
MAX_AMOUNT_YUAN = 10**12
"""The largest single amount accepted (10000亿元 = 1万亿元, about the whole province's yearly budget).

The ledger holds int64 fen (at most about 9.2e18): at this bound, some 90,000
amounts can be summed (appropriations over years and funds, carry-over, claims)
before a sum could overflow, far more than any scenario holds.
"""
MAX_AMOUNT_FEN = MAX_AMOUNT_YUAN * 100
_UNITS: dict[str, int] = {"": 1, "元": 1, "万": 10_000, "万元": 10_000, "亿": 100_000_000, "亿元": 100_000_000}
_AMOUNT_RE = re.compile(r"^\s*(?P<num>[+-]?[0-9][0-9,]*(?:\.[0-9]+)?)\s*(?P<unit>亿元|万元|亿|万|元)?\s*$")
_RATE_RE = re.compile(
    r"^\s*(?P<num>[0-9][0-9,]*(?:\.[0-9]+)?)\s*(?P<unit>亿元|万元|亿|万|元)\s*/\s*(?P<per>[^\s/]+)\s*$"
)


class MoneyFormatError(ValueError):
    """A value cannot be read as an amount, a rate or a share.

    Attributes:
        value: The value as written.
        expected: The accepted form, in English.
        expected_text: The accepted form in both languages (what the CLI shows).
        suggestion: What the value probably means, in an accepted form (e.g.
            ``"5000万元"`` for ``"5千万"``), or ``None``.
    """

    def __init__(self, value: object, expected: Text, suggestion: str | None = None) -> None:
        self.value = value
        self.expected = str(expected)
        self.expected_text = expected
        self.suggestion = suggestion
        hint = f"; did you mean {suggestion!r}?" if suggestion else ""
        super().__init__(f"cannot read {value!r}; expected {expected}{hint}")

    def localized(self, lang: Lang) -> str:
        """The message in ``lang``."""
        if lang == "en":
            return str(self)
        hint = f"；是否应为 {self.suggestion!r}？" if self.suggestion else ""
        return f"无法读取 {self.value!r}；应为{pick(self.expected_text, lang)}{hint}"


AMOUNT_FORM = Msg('以元为单位的非负金额，如 500000、"50万元"、"1亿元"',
                  'a non-negative amount in yuan, e.g. 500000, "50万元", "1亿元"')
RATE_FORM = Msg('带单位的费率，如 "100元/m2"、"10万元/个"', 'a rate with a unit, e.g. "100元/m2", "10万元/个"')
SHARE_FORM = Msg('0 到 1 之间的比例，如 0.3、"30%"、"1/3"', 'a share between 0 and 1, e.g. 0.3, "30%", "1/3"')
RATIO_FORM = Msg('非负的配比，如 0.2、1、"20%"', 'a non-negative ratio, e.g. 0.2, 1, "20%"')
TWO_DECIMALS = Msg("（至多精确到分，即 2 位小数）", " (at most 2 decimals of a yuan)")


def _decimal_yuan(value: object, expected: Text) -> Decimal:
    if isinstance(value, bool):
        raise MoneyFormatError(value, expected)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise MoneyFormatError(value, expected)
        return Decimal(repr(value))
    if isinstance(value, str):
        m = _AMOUNT_RE.match(value)
        if not m:
            raise MoneyFormatError(value, expected, suggest_amount(value))
        try:
            num = Decimal(m.group("num").replace(",", ""))
        except InvalidOperation as exc:  # pragma: no cover - regex guards this
            raise MoneyFormatError(value, expected) from exc
        return num * _UNITS[m.group("unit") or ""]
    raise MoneyFormatError(value, expected)


def parse_amount(value: object) -> int:
    """Read an amount and return it in integer fen.

    >>> parse_amount("200万元")
    200000000
    >>> parse_amount("1亿元") // FEN_PER_YUAN
    100000000
    >>> parse_amount(1234.5)
    123450
    """
    yuan = _decimal_yuan(value, AMOUNT_FORM)
    fen = yuan * FEN_PER_YUAN
    if fen < 0:
        raise MoneyFormatError(value, AMOUNT_FORM + Msg("（金额不能为负）", " (amounts cannot be negative)"))
    if fen != fen.to_integral_value():
        raise MoneyFormatError(value, AMOUNT_FORM + TWO_DECIMALS)
    if fen > MAX_AMOUNT_FEN:
        raise MoneyFormatError(value, AMOUNT_FORM + Msg("（至多 10000亿元，保证账目合计精确的上限）",
                                                        " (at most 10000亿元, the limit that keeps the ledger's sums exact)"))
    return int(fen)


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "两": 2, "贰": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
              "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
_CN_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG = {"万": 10_000, "亿": 100_000_000}
_LOOSE_RE = re.compile(r"^(?P<num>[0-9]+(?:\.[0-9]+)?)?(?P<units>[十拾百佰千仟万亿]+)$")


def _cn_number(text: str) -> Decimal | None:
    """Value of a number written with Chinese numerals or mixed digits, e.g. 五百万, 5千万, 1千2百万."""
    total = Decimal(0)
    section = Decimal(0)
    digit: Decimal | None = None
    i = 0
    while i < len(text):
        m = re.match(r"[0-9]+(?:\.[0-9]+)?", text[i:])
        if m:
            digit = Decimal(m.group(0))
            i += len(m.group(0))
            continue
        ch = text[i]
        i += 1
        if ch in _CN_DIGITS:
            digit = Decimal(_CN_DIGITS[ch])
        elif ch in _CN_SMALL:
            section += (Decimal(1) if digit is None else digit) * _CN_SMALL[ch]
            digit = None
        elif ch in _CN_BIG:
            section += digit or 0
            total = (total + section) * _CN_BIG[ch] if ch == "亿" else total + section * _CN_BIG[ch]
            section, digit = Decimal(0), None
        else:
            return None
    return total + section + (digit or 0)


def suggest_amount(text: str) -> str | None:
    """An accepted spelling of an amount written the way people write it, or ``None``.

    >>> suggest_amount("5千万")
    '5000万元'
    >>> suggest_amount("五百万元")
    '500万元'
    >>> suggest_amount("¥35,000,000")
    '3500万元'
    >>> suggest_amount("abc") is None
    True
    """
    t = text.strip().replace("，", ",").replace(" ", "")
    t = t.lstrip("¥￥").removeprefix("RMB").removeprefix("CNY").removesuffix("人民币")
    t = t.removesuffix("元").replace(",", "")
    if not t or not any(c.isdigit() or c in _CN_DIGITS or c in _CN_SMALL for c in t):
        return None
    value: Decimal | None
    try:
        value = Decimal(t) if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", t) else _cn_number(t)
    except InvalidOperation:
        return None
    if value is None or value <= 0:
        return None
    fen = value * FEN_PER_YUAN
    if fen != fen.to_integral_value() or fen > MAX_AMOUNT_FEN:
        return None
    return describe_amount(int(fen))


@dataclass(frozen=True)
class Rate:
    """An amount per unit of some quantity, e.g. 100元/m2, held in fen per unit."""

    fen_per_unit: int
    unit: str

    def __str__(self) -> str:
        return f"{Decimal(self.fen_per_unit) / FEN_PER_YUAN:f}元/{self.unit}"


def parse_rate(value: object) -> Rate:
    """Read a rate such as ``"100元/m2"``.

    >>> parse_rate("100元/m2")
    Rate(fen_per_unit=10000, unit='m2')
    >>> parse_rate("0.5万元/个").fen_per_unit
    500000
    """
    if isinstance(value, Rate):
        return value
    if not isinstance(value, str):
        raise MoneyFormatError(value, RATE_FORM)
    m = _RATE_RE.match(value)
    if not m:
        raise MoneyFormatError(value, RATE_FORM)
    fen = Decimal(m.group("num").replace(",", "")) * _UNITS[m.group("unit")] * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise MoneyFormatError(value, RATE_FORM + TWO_DECIMALS)
    return Rate(int(fen), m.group("per"))


def parse_share(value: object) -> Fraction:
    """Read a share in [0, 1] exactly.

    >>> parse_share("30%")
    Fraction(3, 10)
    >>> parse_share(0.5)
    Fraction(1, 2)
    >>> parse_share("1/3")
    Fraction(1, 3)
    """
    frac = parse_ratio(value, SHARE_FORM)
    if not (0 <= frac <= 1):
        raise MoneyFormatError(value, SHARE_FORM)
    return frac


def parse_ratio(value: object, expected: Text = RATIO_FORM) -> Fraction:
    """Read a non-negative ratio exactly (may exceed 1, e.g. a 1.5x match).

    >>> parse_ratio("150%")
    Fraction(3, 2)
    """
    if isinstance(value, Fraction):
        frac = value
    elif isinstance(value, bool):
        raise MoneyFormatError(value, expected)
    elif isinstance(value, int):
        frac = Fraction(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise MoneyFormatError(value, expected)
        frac = Fraction(Decimal(repr(value)))
    elif isinstance(value, str):
        text = value.strip()
        try:
            if text.endswith("%"):
                frac = Fraction(Decimal(text[:-1].strip())) / 100
            elif "/" in text:
                num, den = text.split("/", 1)
                frac = Fraction(int(num.strip()), int(den.strip()))
            else:
                frac = Fraction(Decimal(text))
        except (InvalidOperation, ValueError, ZeroDivisionError) as exc:
            raise MoneyFormatError(value, expected) from exc
    else:
        raise MoneyFormatError(value, expected)
    if frac < 0:
        raise MoneyFormatError(value, expected)
    return frac


def fen_to_yuan(fen: int) -> Decimal:
    """Exact yuan value of an amount in fen.

    >>> fen_to_yuan(123450)
    Decimal('1234.5')
    """
    return (Decimal(fen) / FEN_PER_YUAN).normalize() if fen % FEN_PER_YUAN else Decimal(fen // FEN_PER_YUAN)


def describe_amount(fen: int) -> str:
    """Plain description of an amount for messages and `explain` (not the report).

    >>> describe_amount(200000000)
    '200万元'
    >>> describe_amount(10000000000)
    '1亿元'
    >>> describe_amount(123450)
    '1234.5元'
    """
    yuan = fen_to_yuan(fen)
    if yuan >= 100_000_000:
        return f"{(yuan / 100_000_000).normalize():f}亿元"
    if yuan >= 10_000:
        return f"{(yuan / 10_000).normalize():f}万元"
    return f"{yuan:f}元"
