"""Money parsing: amounts, rates and shares, held exactly (integer fen, Fractions)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.money import (
    FEN_PER_YUAN,
    MAX_AMOUNT_FEN,
    MoneyFormatError,
    Rate,
    describe_amount,
    fen_to_yuan,
    parse_amount,
    parse_rate,
    parse_ratio,
    parse_share,
)

YUAN = 100
WAN = 10_000 * YUAN
YI = 100_000_000 * YUAN

VALID_AMOUNTS: list[tuple[object, int]] = [
    ("200万元", 200 * WAN),  # ZB-1
    ("50万元", 50 * WAN),
    ("1亿元", YI),  # ZB-11, LC-2, JN-1
    ("5000万元", 5_000 * WAN),  # LC-1, ZB-12
    ("120亿元", 120 * YI),  # TA-T8, JN-T1
    ("1.5亿", 150_000_000 * YUAN),
    ("100万", 100 * WAN),
    ("3,000元", 3_000 * YUAN),
    ("1,234.56元", 123_456),
    ("0.01元", 1),
    ("0.5万元", 5_000 * YUAN),
    ("  20万元  ", 20 * WAN),
    ("20 万元", 20 * WAN),
    ("+7元", 7 * YUAN),
    ("0", 0),
    ("1234", 1_234 * YUAN),
    (0, 0),
    (500_000, 50 * WAN),
    (1234.5, 123_450),
    (0.1, 10),
    (0.01, 1),
    (10**12, 10**14),
]

INVALID_AMOUNTS: list[object] = [
    "-5万元",  # negative
    -1,
    -0.01,
    "很多万元",  # words
    "",
    "   ",
    "万元",  # unit without number
    "5千元",  # unit not accepted
    "50万元元",
    "1e5",
    "1/2",
    "1.001元",  # finer than a fen
    0.001,
    "0.0001万元元",
    "5 5万元",
    "五十万元",
    True,
    False,
    None,
    [1],
    {"value": 1},
    float("nan"),
    float("inf"),
    float("-inf"),
]


@pytest.mark.parametrize(("text", "fen"), VALID_AMOUNTS, ids=[repr(v) for v, _ in VALID_AMOUNTS])
def test_parse_amount_valid(text: object, fen: int) -> None:
    got = parse_amount(text)
    assert got == fen
    assert type(got) is int


@pytest.mark.parametrize("value", INVALID_AMOUNTS, ids=[repr(v) for v in INVALID_AMOUNTS])
def test_parse_amount_invalid(value: object) -> None:
    with pytest.raises(MoneyFormatError) as info:
        parse_amount(value)
    assert isinstance(info.value, ValueError)  # the project's errors are ValueErrors
    assert info.value.value is value or info.value.value == value or value != value
    assert "amount" in info.value.expected


def test_negative_amount_says_why() -> None:
    with pytest.raises(MoneyFormatError, match="cannot be negative"):
        parse_amount("-5万元")


def test_sub_fen_amount_says_why() -> None:
    with pytest.raises(MoneyFormatError, match="2 decimals"):
        parse_amount("1.001元")


VALID_RATES: list[tuple[object, Rate]] = [
    ("100元/m2", Rate(100 * YUAN, "m2")),  # ZB-4 new build
    ("50元/m2", Rate(50 * YUAN, "m2")),  # ZB-4 refit
    ("100元/m²", Rate(100 * YUAN, "m²")),
    ("0.5万元/个", Rate(5_000 * YUAN, "个")),
    ("10万元/个", Rate(10 * WAN, "个")),
    ("1亿元/家", Rate(YI, "家")),
    (" 100 元 / m2 ", Rate(100 * YUAN, "m2")),
    ("0.01元/m2", Rate(1, "m2")),
    (Rate(7, "m2"), Rate(7, "m2")),
]

INVALID_RATES: list[object] = [
    100,  # no unit
    "100",
    "100元",  # no quantity unit
    "100/m2",  # no money unit
    "元/m2",
    "-5元/m2",
    "100元/m2/年",
    "100元/",
    "0.001元/m2",  # finer than a fen
    "很多元/m2",
    None,
    1.5,
]


@pytest.mark.parametrize(("text", "rate"), VALID_RATES, ids=[repr(v) for v, _ in VALID_RATES])
def test_parse_rate_valid(text: object, rate: Rate) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize("value", INVALID_RATES, ids=[repr(v) for v in INVALID_RATES])
def test_parse_rate_invalid(value: object) -> None:
    with pytest.raises(MoneyFormatError) as info:
        parse_rate(value)
    assert "rate" in info.value.expected


def test_rate_display() -> None:
    assert str(parse_rate("100元/m2")) == "100元/m2"
    assert str(parse_rate("0.5万元/个")) == "5000元/个"


VALID_SHARES: list[tuple[object, Fraction]] = [
    (0.3, Fraction(3, 10)),  # ZB-9
    ("30%", Fraction(3, 10)),
    ("20%", Fraction(1, 5)),  # ZB-8
    ("50%", Fraction(1, 2)),  # JN-5, TA-1
    (0.5, Fraction(1, 2)),
    ("0.5", Fraction(1, 2)),
    ("1/3", Fraction(1, 3)),
    (" 2 / 3 ", Fraction(2, 3)),
    ("12.5%", Fraction(1, 8)),
    (0.1, Fraction(1, 10)),  # exactly one tenth, not the binary float
    (1, Fraction(1)),
    (0, Fraction(0)),
    ("100%", Fraction(1)),
    ("0%", Fraction(0)),
    (Fraction(1, 7), Fraction(1, 7)),
]

INVALID_SHARES: list[object] = [
    1.5,
    "150%",
    2,
    "3/2",
    -0.1,
    "-10%",
    "abc",
    "五成",
    "1/0",
    "",
    "%",
    True,
    None,
    [0.5],
    float("nan"),
    float("inf"),
]


@pytest.mark.parametrize(("text", "share"), VALID_SHARES, ids=[repr(v) for v, _ in VALID_SHARES])
def test_parse_share_valid(text: object, share: Fraction) -> None:
    got = parse_share(text)
    assert got == share
    assert isinstance(got, Fraction)


@pytest.mark.parametrize("value", INVALID_SHARES, ids=[repr(v) for v in INVALID_SHARES])
def test_parse_share_invalid(value: object) -> None:
    with pytest.raises(MoneyFormatError) as info:
        parse_share(value)
    assert "share" in info.value.expected


@pytest.mark.parametrize(
    ("text", "ratio"),
    [("150%", Fraction(3, 2)), (2, Fraction(2)), ("1", Fraction(1)), ("20%", Fraction(1, 5)), (0, Fraction(0))],
)
def test_parse_ratio_may_exceed_one(text: object, ratio: Fraction) -> None:
    assert parse_ratio(text) == ratio


@pytest.mark.parametrize("value", [-1, "-20%", "x", True, None, "1/0"])
def test_parse_ratio_invalid(value: object) -> None:
    with pytest.raises(MoneyFormatError):
        parse_ratio(value)


# --------------------------------------------------------------------------- exactness


def test_no_float_drift_in_fen() -> None:
    """A thousand 0.1元 payments are exactly 100元 in fen (in floats they are not)."""
    dime = parse_amount("0.1元")
    assert dime == 10
    total = 0
    for _ in range(1000):
        total += dime
    assert total == parse_amount("100元") == 100 * FEN_PER_YUAN
    float_total = 0.0
    for _ in range(1000):
        float_total += 0.1
    assert float_total != 100.0  # the drift that integer fen avoid


def test_shares_sum_exactly() -> None:
    """Three thirds make exactly one; ten tenths too."""
    assert sum([parse_share("1/3")] * 3, Fraction(0)) == 1
    assert sum([parse_share(0.1)] * 10, Fraction(0)) == 1
    assert parse_share("50%") + parse_share(0.5) == 1


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (200 * WAN, "200万元"),
        (YI, "1亿元"),
        (150_000_000 * YUAN, "1.5亿元"),
        (123_450, "1234.5元"),
        (1, "0.01元"),
        (0, "0元"),
        (5_000 * WAN, "5000万元"),
    ],
)
def test_describe_amount(fen: int, text: str) -> None:
    assert describe_amount(fen) == text


def test_fen_to_yuan_exact() -> None:
    assert fen_to_yuan(123_450) == Decimal("1234.5")
    assert fen_to_yuan(1) == Decimal("0.01")
    assert fen_to_yuan(100 * WAN) == Decimal(1_000_000)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=MAX_AMOUNT_FEN))
def test_describe_then_parse_round_trips(fen: int) -> None:
    assert parse_amount(describe_amount(fen)) == fen


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=MAX_AMOUNT_FEN + 1, max_value=10**20))
def test_amounts_beyond_the_limit_are_refused(fen: int) -> None:
    with pytest.raises(MoneyFormatError, match="at most 10000亿元"):
        parse_amount(describe_amount(fen))


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(["元", "万元", "亿元"]))
def test_integer_amounts_with_units(n: int, unit: str) -> None:
    scale = {"元": YUAN, "万元": WAN, "亿元": YI}[unit]
    if n * scale > MAX_AMOUNT_FEN:
        with pytest.raises(MoneyFormatError, match="at most 10000亿元"):
            parse_amount(f"{n}{unit}")
        n %= MAX_AMOUNT_FEN // scale + 1  # and the same digits within the limit are read exactly
    assert parse_amount(f"{n}{unit}") == n * scale
    assert parse_amount(f"{n:,}{unit}") == n * scale
