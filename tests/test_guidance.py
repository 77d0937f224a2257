"""Tests for the Takahashi–Alexander guidance-fund model and the fund-curve command."""

from __future__ import annotations

import datetime as dt
import doctest
import math
import random
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator import guidance_cli
from simulator.guidance_cli import format_yuan, fund_curve
from simulator.model import guidance
from simulator.model.guidance import (
    GuidanceOverflowError,
    GuidanceParameterError,
    TASchedule,
    capital_calls_by_month,
    distribution_rates,
    ta_sample,
    ta_schedule,
)

YI_FEN = 100_000_000 * 100  # 1亿元 in fen

# Public examples (BEHAVIOUR-SOURCES.md, guidance funds).
EXAMPLE_1 = {"rc": [0.25, 0.333, 0.5], "life": 12, "bow": 2.5, "growth": 0.13, "yield_": 0.0}
EXAMPLE_2 = {
    "rc": [0.40, 0.66, 0.67, 0.40, 1.00],
    "life": 8,
    "bow": 1.5,
    "growth": 0.13,
    "yield_": 0.06,
}


# --------------------------------------------------------------------------- reference


def _round(x: Decimal) -> int:
    return int(x.to_integral_value(rounding=ROUND_HALF_EVEN))


def _rc_at(rc: Sequence[float], t: int) -> Decimal:
    return Decimal(rc[min(t, len(rc)) - 1])


def _rd_at(t: int, life: int, bow: float, yield_: float) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60
        curve = (Decimal(t) / Decimal(life)) ** Decimal(bow) if bow else Decimal(1)
        return max(Decimal(yield_), curve)


def reference_step(
    cc: int,
    pic: int,
    nav_prev: int,
    rc_t: Decimal,
    rd_t: Decimal,
    growth: float,
) -> tuple[int, int, int]:
    """One year of the model, in exact decimals, rounded half to even to a fen."""
    with localcontext() as ctx:
        ctx.prec = 60
        contribution = _round(rc_t * (cc - pic))
        grown = _round(Decimal(nav_prev) * (Decimal(1) + Decimal(growth)))
        distribution = _round(rd_t * grown)
        return contribution, distribution, grown + contribution - distribution


def reference_schedule(
    cc: int, rc: Sequence[float], life: int, bow: float, growth: float, yield_: float
) -> list[tuple[int, int, int]]:
    """Straightforward loop over the published equations, written independently."""
    rows = []
    pic = 0
    nav = 0
    for t in range(1, life + 1):
        c, d, nav = reference_step(
            cc, pic, nav, _rc_at(rc, t), _rd_at(t, life, bow, yield_), growth
        )
        pic += c
        rows.append((c, d, nav))
    return rows


def real_valued_schedule(
    cc: float, rc: Sequence[float], life: int, bow: float, growth: float, yield_: float
) -> list[tuple[float, float, float]]:
    """The equations with no rounding at all (plain floats)."""
    rows = []
    pic = 0.0
    nav = 0.0
    for t in range(1, life + 1):
        rate = rc[min(t, len(rc)) - 1]
        c = rate * (cc - pic)
        d = max(yield_, (t / life) ** bow) * nav * (1 + growth)
        nav = nav * (1 + growth) + c - d
        pic += c
        rows.append((c, d, nav))
    return rows


def _as_rows(s: TASchedule) -> list[tuple[int, int, int]]:
    return list(
        zip(
            s.contribution_fen.tolist(),
            s.distribution_fen.tolist(),
            s.nav_fen.tolist(),
            strict=True,
        )
    )


def assert_matches_reference(cc: int, params: dict[str, object]) -> None:
    s = ta_schedule(cc, **params)  # type: ignore[arg-type]
    ref = reference_schedule(cc, **params)  # type: ignore[arg-type]
    assert len(ref) == s.life
    for year, (got, want) in enumerate(zip(_as_rows(s), ref, strict=True), start=1):
        for name, g, w in zip(("C", "D", "NAV"), got, want, strict=True):
            assert abs(g - w) <= 1, f"year {year} {name}: {g} vs reference {w}"


# --------------------------------------------------------------------------- deterministic


@pytest.mark.parametrize("params", [EXAMPLE_1, EXAMPLE_2], ids=["example1", "example2"])
@pytest.mark.parametrize("cc", [YI_FEN, 5000 * 10_000 * 100, 123_456_789_01, 1, 0])
def test_schedule_matches_independent_reference(cc: int, params: dict[str, object]) -> None:
    assert_matches_reference(cc, params)


@pytest.mark.parametrize(
    "params",
    [
        {"rc": [0.5], "life": 2, "bow": 1.0, "growth": 0.0, "yield_": 0.0},
        {"rc": [0.1, 0.2, 0.3, 0.4], "life": 10, "bow": 0.0, "growth": 0.5, "yield_": 0.0},
        {"rc": [1.0], "life": 1, "bow": 3.0, "growth": 0.13, "yield_": 1.0},
        {"rc": [0.3], "life": 30, "bow": 4.0, "growth": -0.2, "yield_": 0.05},
        {"rc": [0.0, 0.0, 0.7], "life": 15, "bow": 2.0, "growth": 0.25, "yield_": 0.1},
    ],
)
def test_more_shapes_match_reference(params: dict[str, object]) -> None:
    assert_matches_reference(YI_FEN + 7, params)


def test_public_example_1() -> None:
    s = ta_schedule(YI_FEN, **EXAMPLE_1)  # type: ignore[arg-type]
    c = s.contribution_fen.tolist()
    assert s.year.tolist() == list(range(1, 13))
    assert c[0] == YI_FEN // 4
    assert c[1] == round(0.333 * (YI_FEN - c[0]))
    for t in range(2, 12):  # RC = 0.5 from year 3 on: half of what is left
        assert c[t] == round(0.5 * (YI_FEN - sum(c[:t])))
    assert s.distribution_fen[0] == 0  # nothing to distribute yet
    assert s.nav_fen[-1] == s.contribution_fen[-1]  # RD(L) = 1 pays out the grown NAV
    assert s.total_contribution_fen < YI_FEN  # a 50% rate never calls it all
    # left uncalled: CC * (1 - 0.25) * (1 - 0.333) * 0.5^10, within the rounding
    assert abs(s.total_contribution_fen - (YI_FEN - YI_FEN * 0.75 * 0.667 * 0.5**10)) <= 12
    # the distributions pay back more than was put in at G = 13%
    assert s.total_distribution_fen > s.total_contribution_fen
    # NAV peaks in the middle of the life, then runs down
    peak = int(np.argmax(s.nav_fen))
    assert 3 <= peak <= 6
    # the accounting identity holds exactly every year
    assert_identity(s, 0.13)
    # csv values quoted in the report
    assert c[:8] == [
        2_500_000_000,
        2_497_500_000,
        2_501_250_000,
        1_250_625_000,
        625_312_500,
        312_656_250,
        156_328_125,
        78_164_062,  # 78,164,062.5 rounds half to even
    ]


def test_public_example_2() -> None:
    s = ta_schedule(YI_FEN, **EXAMPLE_2)  # type: ignore[arg-type]
    c = s.contribution_fen.tolist()
    assert c[0] == round(0.40 * YI_FEN)
    assert c[4] == YI_FEN - sum(c[:4])  # RC = 100% in year 5 calls the rest
    assert c[5:] == [0, 0, 0]  # the last rate (100%) repeats on nothing left
    assert s.total_contribution_fen == YI_FEN
    assert s.nav_fen[-1] == 0  # all paid out in the last year
    assert_identity(s, 0.13)


def assert_identity(s: TASchedule, growth: float) -> None:
    nav_prev = 0
    for c, d, nav in _as_rows(s):
        assert nav == round(nav_prev * (1 + growth)) + c - d
        nav_prev = nav


def test_rounding_does_not_drift_from_real_valued_equations() -> None:
    for params in (EXAMPLE_1, EXAMPLE_2):
        s = ta_schedule(YI_FEN, **params)  # type: ignore[arg-type]
        real = real_valued_schedule(float(YI_FEN), **params)  # type: ignore[arg-type]
        for year, (got, want) in enumerate(zip(_as_rows(s), real, strict=True), start=1):
            for g, w in zip(got, want, strict=True):
                assert abs(g - w) <= 2 * year, (year, g, w)


def test_last_rate_repeats() -> None:
    one = ta_schedule(YI_FEN, [0.3], 9, 2.0, 0.1, 0.0)
    many = ta_schedule(YI_FEN, [0.3] * 9, 9, 2.0, 0.1, 0.0)
    assert one.contribution_fen.tolist() == many.contribution_fen.tolist()
    assert one.nav_fen.tolist() == many.nav_fen.tolist()
    two = ta_schedule(YI_FEN, [0.2, 0.4], 6, 2.0, 0.1, 0.0)
    paid = two.paid_in_fen.tolist()
    for t in range(1, 6):
        assert two.contribution_fen[t] == round(0.4 * (YI_FEN - paid[t - 1]))


def test_yield_floor() -> None:
    life, bow, floor = 10, 3.0, 0.2
    rd = distribution_rates(life, bow, floor)
    assert rd.tolist() == [max(floor, (t / life) ** bow) for t in range(1, life + 1)]
    assert rd[0] == floor and rd[4] == floor and rd[5] > floor and rd[-1] == 1.0
    with_floor = ta_schedule(YI_FEN, [0.3], life, bow, 0.1, floor)
    without = ta_schedule(YI_FEN, [0.3], life, bow, 0.1, 0.0)
    nav_prev = with_floor.nav_fen.tolist()
    for t in range(1, 5):  # years 2..5: the floor, not the curve, sets the rate
        grown = round(nav_prev[t - 1] * 1.1)
        assert with_floor.distribution_fen[t] == round(floor * grown)
    assert with_floor.distribution_fen[1] > without.distribution_fen[1]
    # a floor of 1 pays out everything every year
    all_out = ta_schedule(YI_FEN, [0.3], life, bow, 0.1, 1.0)
    assert all_out.nav_fen.tolist() == all_out.contribution_fen.tolist()


def test_contributions_never_exceed_commitment() -> None:
    for rc in ([1.0], [0.999999], [0.9, 1.0], [0.5]):
        for cc in (0, 1, 3, 99, YI_FEN, guidance.MAX_COMMITMENT_FEN):
            s = ta_schedule(cc, rc, 12, 1.0, 0.0, 0.0)
            assert s.total_contribution_fen <= cc
            assert int(s.paid_in_fen.max()) <= cc
    assert ta_schedule(YI_FEN, [1.0], 3, 1.0, 0.0, 0.0).contribution_fen.tolist() == [
        YI_FEN,
        0,
        0,
    ]


def test_schedule_arrays_are_int64_and_read_only() -> None:
    s = ta_schedule(YI_FEN, **EXAMPLE_1)  # type: ignore[arg-type]
    for arr in (s.year, s.contribution_fen, s.distribution_fen, s.nav_fen):
        assert arr.dtype == np.int64
        with pytest.raises(ValueError):
            arr[0] = 1
    with pytest.raises(AttributeError):
        s.commitment_fen = 5  # type: ignore[misc]
    assert s.net_flow_fen.tolist() == (s.distribution_fen - s.contribution_fen).tolist()
    mine = np.array([1, 2], dtype=np.int64)
    built = TASchedule(5, np.array([1, 2]), mine, mine, mine)
    assert mine.flags.writeable  # the caller's array is copied, not frozen in place
    mine[0] = 9
    assert built.contribution_fen.tolist() == [1, 2]
    with pytest.raises(ValueError, match="1-D"):
        TASchedule(5, np.array([1, 2]), mine, mine, np.array([1]))


@pytest.mark.parametrize(
    ("kwargs", "param", "fragment"),
    [
        ({"commitment_fen": -1}, "commitment_fen", "between 0 and"),
        ({"commitment_fen": 1.5}, "commitment_fen", "whole number"),
        ({"commitment_fen": True}, "commitment_fen", "whole number"),
        ({"commitment_fen": 2**53 + 1}, "commitment_fen", "between 0 and"),
        ({"rc": []}, "rc", "at least one"),
        ({"rc": "0.5"}, "rc", "sequence"),
        ({"rc": [0.2, 1.2]}, "rc", "rate 2 must be between 0 and 1"),
        ({"rc": [-0.1]}, "rc", "rate 1 must be between 0 and 1"),
        ({"rc": [math.nan]}, "rc", "rate 1"),
        ({"rc": [0.1] * 13}, "rc", "13 rates but the fund lives only 12 years"),
        ({"life": 0}, "life", "between 1 and"),
        ({"life": 2.0}, "life", "whole number"),
        ({"bow": -0.5}, "bow", ">= 0"),
        ({"bow": math.inf}, "bow", "finite"),
        ({"growth": -1.5}, "growth", ">= -1"),
        ({"growth": "0.13"}, "growth", "must be a number"),
        ({"yield_": 1.01}, "yield_", "between 0 and 1"),
        ({"yield_": -0.01}, "yield_", "between 0 and 1"),
    ],
)
def test_invalid_parameters(kwargs: dict[str, object], param: str, fragment: str) -> None:
    args: dict[str, object] = {"commitment_fen": YI_FEN, **EXAMPLE_1}
    args.update(kwargs)
    with pytest.raises(GuidanceParameterError) as info:
        ta_schedule(**args)  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError)
    assert info.value.param == param
    assert fragment in str(info.value)
    assert param in str(info.value)


def test_overflow_is_reported() -> None:
    with pytest.raises(GuidanceOverflowError, match=r"year \d+ exceeds 2\*\*53 fen"):
        ta_schedule(YI_FEN, [0.5], 200, 1.0, 50.0, 0.0)
    with pytest.raises(GuidanceOverflowError):  # a full commitment that then grows
        ta_schedule(guidance.MAX_COMMITMENT_FEN, [1.0], 3, 2.0, 0.01, 0.0)
    rng = np.random.default_rng(0)
    with pytest.raises(GuidanceOverflowError):
        ta_sample(YI_FEN, [0.5], 100, 3.0, 1.0, 0.0, rng, 4, 0.1, 0.1)
    assert issubclass(GuidanceOverflowError, ValueError)


def test_numpy_scalars_are_accepted() -> None:
    s = ta_schedule(np.int64(YI_FEN), np.array([0.25, 0.5]), np.int32(5), np.float64(2.0), 0.1, 0)  # type: ignore[arg-type]
    assert s.life == 5


# --------------------------------------------------------------------------- properties

_rates = st.lists(st.floats(0.0, 1.0, allow_subnormal=False), min_size=1, max_size=8)


@st.composite
def _params(draw: st.DrawFn, growth: st.SearchStrategy[float]) -> dict[str, object]:
    rc = draw(_rates)
    life = draw(st.integers(len(rc), 40))
    g = draw(growth)
    # keep NAV <= CC * (1 + G)^L within 2**53 fen, where amounts are exact
    ceiling = int(guidance.MAX_COMMITMENT_FEN / max(1.0, 1.0 + g) ** life) - 1000
    cc = draw(st.one_of(st.integers(0, 10**12), st.integers(0, guidance.MAX_COMMITMENT_FEN)))
    return {
        "commitment_fen": max(0, min(cc, ceiling)),
        "rc": rc,
        "life": life,
        "bow": draw(st.floats(0.0, 8.0)),
        "growth": g,
        "yield_": draw(st.floats(0.0, 1.0)),
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_params(st.floats(0.0, 1.0)))
def test_property_nonnegative_and_within_commitment(p: dict[str, object]) -> None:
    s = ta_schedule(**p)  # type: ignore[arg-type]
    cc = p["commitment_fen"]
    assert isinstance(cc, int)
    assert (s.nav_fen >= 0).all()
    assert (s.contribution_fen >= 0).all()
    assert (s.distribution_fen >= 0).all()
    assert s.total_contribution_fen <= cc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_params(st.floats(-1.0, 1.0)))
def test_property_each_year_follows_the_equations(p: dict[str, object]) -> None:
    """Every year, from the schedule's own previous state, within 1 fen of the equations."""
    s = ta_schedule(**p)  # type: ignore[arg-type]
    cc, rc, life = p["commitment_fen"], p["rc"], p["life"]
    bow, growth, yield_ = p["bow"], p["growth"], p["yield_"]
    assert isinstance(cc, int) and isinstance(rc, list) and isinstance(life, int)
    assert isinstance(bow, float) and isinstance(growth, float) and isinstance(yield_, float)
    pic = 0
    nav_prev = 0
    for t, (c, d, nav) in enumerate(_as_rows(s), start=1):
        want_c, want_d, _ = reference_step(
            cc, pic, nav_prev, _rc_at(rc, t), _rd_at(t, life, bow, yield_), growth
        )
        assert abs(c - want_c) <= 1
        assert abs(d - want_d) <= 1
        grown = nav - c + d
        assert abs(grown - nav_prev * (Decimal(1) + Decimal(growth))) <= 1
        assert nav >= 0  # holds for any G >= -1
        pic += c
        nav_prev = nav
    assert pic <= cc


# --------------------------------------------------------------------------- stochastic


def _sample(seed: int, n: int = 2000, **over: float) -> guidance.TASample:
    kw = {"rc_sd": 0.1, "growth_sd": 0.25, **over}
    return ta_sample(
        YI_FEN,
        EXAMPLE_1["rc"],  # type: ignore[arg-type]
        12,
        2.5,
        0.13,
        0.0,
        np.random.default_rng(seed),
        n,
        **kw,
    )


def test_sample_shapes_and_bounds() -> None:
    s = _sample(1, n=500)
    assert s.n == 500
    for arr in (s.contribution_fen, s.distribution_fen, s.nav_fen):
        assert arr.shape == (500, 12) and arr.dtype == np.int64
    assert (s.contribution_fen.sum(axis=1) <= YI_FEN).all()
    assert (s.contribution_fen >= 0).all() and (s.distribution_fen >= 0).all()
    assert (s.nav_fen >= 0).all()
    assert s.year.tolist() == list(range(1, 13))
    path = s.path(3)
    assert path.contribution_fen.tolist() == s.contribution_fen[3].tolist()


@pytest.mark.parametrize("rc_sd", [0.1, 0.9])  # 0.9 exercises the spread cap
def test_sample_mean_is_the_deterministic_curve(rc_sd: float) -> None:
    n = 20_000
    s = _sample(2024, n=n, rc_sd=rc_sd)
    det = ta_schedule(YI_FEN, **EXAMPLE_1)  # type: ignore[arg-type]
    for sample, curve in (
        (s.contribution_fen, det.contribution_fen),
        (s.distribution_fen, det.distribution_fen),
        (s.nav_fen, det.nav_fen),
    ):
        x = sample.astype(np.float64)
        mean = x.mean(axis=0)
        half_width = 4.5 * x.std(axis=0, ddof=1) / math.sqrt(n) + 12  # + rounding, fen
        assert (np.abs(mean - curve) <= half_width).all(), (mean - curve) / half_width
    # and it is not degenerate: the paths do spread
    assert s.nav_fen[:, 5].std() > 0.05 * det.nav_fen[5]


def test_sample_without_spread_is_the_schedule() -> None:
    s = _sample(5, n=3, rc_sd=0.0, growth_sd=0.0)
    det = ta_schedule(YI_FEN, **EXAMPLE_1)  # type: ignore[arg-type]
    for i in range(3):
        assert s.contribution_fen[i].tolist() == det.contribution_fen.tolist()
        assert s.distribution_fen[i].tolist() == det.distribution_fen.tolist()
        assert s.nav_fen[i].tolist() == det.nav_fen.tolist()


def test_sample_same_seed_same_output() -> None:
    a, b, c = _sample(42), _sample(42), _sample(43)
    assert np.array_equal(a.nav_fen, b.nav_fen)
    assert np.array_equal(a.contribution_fen, b.contribution_fen)
    assert np.array_equal(a.distribution_fen, b.distribution_fen)
    assert not np.array_equal(a.nav_fen, c.nav_fen)


def test_sample_uses_only_the_generator() -> None:
    np.random.seed(0)
    random.seed(0)
    before_np, before_py = np.random.get_state()[1].copy(), random.getstate()  # type: ignore[index]
    _sample(7, n=50)
    assert np.array_equal(np.random.get_state()[1], before_np)  # type: ignore[index]
    assert random.getstate() == before_py


def test_sample_rates_of_zero_and_one_stay_fixed() -> None:
    s = ta_sample(YI_FEN, [1.0], 4, 1.0, 0.1, 0.0, np.random.default_rng(3), 100, 0.3, 0.1)
    assert (s.contribution_fen[:, 0] == YI_FEN).all()
    s = ta_sample(YI_FEN, [0.0], 4, 1.0, 0.1, 0.0, np.random.default_rng(3), 100, 0.3, 0.1)
    assert (s.contribution_fen == 0).all()


@pytest.mark.parametrize(
    ("over", "param"),
    [
        ({"n": 0}, "n"),
        ({"rc_sd": -0.1}, "rc_sd"),
        ({"growth_sd": math.nan}, "growth_sd"),
        ({"rng": 42}, "rng"),
        ({"life": 0}, "life"),
    ],
)
def test_sample_invalid_parameters(over: dict[str, object], param: str) -> None:
    kw: dict[str, object] = {
        "commitment_fen": YI_FEN,
        **EXAMPLE_1,
        "rng": np.random.default_rng(0),
        "n": 10,
        "rc_sd": 0.1,
        "growth_sd": 0.1,
    }
    kw.update(over)
    with pytest.raises(GuidanceParameterError) as info:
        ta_sample(**kw)  # type: ignore[arg-type]
    assert info.value.param == param


# --------------------------------------------------------------------------- dating


def test_capital_calls_by_month() -> None:
    s = ta_schedule(YI_FEN, **EXAMPLE_2)  # type: ignore[arg-type]
    calls = capital_calls_by_month(s, 2025)
    assert [d for d, _ in calls] == [dt.date(y, 6, 1) for y in range(2025, 2030)]
    assert sum(fen for _, fen in calls) == s.total_contribution_fen == YI_FEN
    assert all(isinstance(fen, int) for _, fen in calls)
    later = capital_calls_by_month(s, 2030, month=12, day=31)
    assert later[0] == (dt.date(2030, 12, 31), int(s.contribution_fen[0]))


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"month": 13}, "month"),
        ({"month": 0}, "month"),
        ({"day": 29, "month": 2}, "day"),
        ({"day": 31, "month": 4}, "day"),
        ({"start_year": 9995}, "start_year"),
    ],
)
def test_capital_calls_bad_dates(kwargs: dict[str, int], param: str) -> None:
    s = ta_schedule(YI_FEN, **EXAMPLE_2)  # type: ignore[arg-type]
    args = {"start_year": 2025, **kwargs}
    with pytest.raises(GuidanceParameterError) as info:
        capital_calls_by_month(s, **args)
    assert info.value.param == param


# --------------------------------------------------------------------------- CLI

EXAMPLE_1_ARGS = [
    "--commitment",
    "1亿元",
    "--rc",
    "0.25,0.333,0.5",
    "--life",
    "12",
    "--bow",
    "2.5",
    "--growth",
    "0.13",
    "--yield",
    "0",
]


def test_cli_csv_example_1() -> None:
    result = CliRunner().invoke(fund_curve, [*EXAMPLE_1_ARGS, "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "year,contribution,distribution,nav"
    assert lines[1] == "1,25000000,0,25000000"
    assert lines[2] == "2,24975000,320361.51,52904638.49"
    assert lines[8] == "8,781640.62,35782360.06,63603869.98"
    assert len(lines) == 13
    det = ta_schedule(YI_FEN, **EXAMPLE_1)  # type: ignore[arg-type]
    for line, c, d, nav in zip(
        lines[1:], det.contribution_fen, det.distribution_fen, det.nav_fen, strict=True
    ):
        cells = line.split(",")
        assert [Decimal(x) * 100 for x in cells[1:]] == [int(c), int(d), int(nav)]


@pytest.mark.parametrize("amount", ["1亿元", "1亿", "10000万元", "10000万", "100000000"])
def test_cli_amount_forms(amount: str) -> None:
    args = list(EXAMPLE_1_ARGS)
    args[1] = amount
    result = CliRunner().invoke(fund_curve, [*args, "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == "1,25000000,0,25000000"


def test_cli_table_example_1() -> None:
    result = CliRunner().invoke(fund_curve, EXAMPLE_1_ARGS, obj={"lang": "en"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["year", "contribution", "distribution", "nav"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].split() == ["1", "25,000,000", "0", "25,000,000"]
    assert lines[-1].split() == ["total", "99,951,147.47", "187,985,094.05"]
    assert len(lines) == 12 + 4
    # aligned: every row as wide as the header, right-aligned columns
    assert {len(line) for line in lines[:-1]} == {len(lines[0])}


def test_cli_table_in_chinese_by_default() -> None:
    import unicodedata

    result = CliRunner().invoke(fund_curve, EXAMPLE_1_ARGS)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["年份", "出资", "分配", "净值"]
    assert lines[2].split() == ["1", "25,000,000", "0", "25,000,000"]
    assert lines[-1].split() == ["合计", "99,951,147.47", "187,985,094.05"]

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)

    # aligned on a terminal: a Chinese character takes two columns
    assert {width(line) for line in lines[:-1]} == {width(lines[0])}


def test_cli_percentages_and_default_yield() -> None:
    args = ["--commitment", "5000万元", "--rc", "25%,33.3%,50%", "--life", "12"]
    result = CliRunner().invoke(fund_curve, [*args, "--bow", "2.5", "--growth", "13%"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[2].split()[1] == "12,500,000"


@pytest.mark.parametrize(
    ("option", "bad"),
    [
        ("--commitment", "1亿美元"),
        ("--commitment", "-5"),
        ("--rc", "0.25,1.5"),
        ("--rc", "0.25,abc"),
        ("--life", "twelve"),
        ("--life", "0"),
        ("--bow", "-1"),
        ("--growth", "fast"),
        ("--growth", "-2"),
        ("--yield", "150%"),
    ],
)
def test_cli_bad_value(option: str, bad: str) -> None:
    args = list(EXAMPLE_1_ARGS)
    args[args.index(option) + 1] = bad
    result = CliRunner().invoke(fund_curve, args)
    assert result.exit_code == 2
    assert result.stdout == ""
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert option in message and bad in message
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_cli_help_explains_symbols() -> None:
    result = CliRunner().invoke(fund_curve, ["--help"])
    assert result.exit_code == 0
    text = result.stdout
    for symbol in ("CC", "RC", "L ", "B ", "G ", "Y ", "PIC"):
        assert symbol in text
    for option in ("--commitment", "--rc", "--life", "--bow", "--growth", "--yield", "--format"):
        assert option in text
    assert "0.25,0.333,0.5" in text and "--life 12" in text and "--bow 2.5" in text
    assert "--growth 0.13" in text and "--yield 0" in text


def test_format_yuan() -> None:
    assert format_yuan(0) == "0"
    assert format_yuan(100) == "1"
    assert format_yuan(101) == "1.01"
    assert format_yuan(150) == "1.50"
    assert format_yuan(-250) == "-2.50"


# --------------------------------------------------------------------------- docs


@pytest.mark.parametrize("module", [guidance, guidance_cli])
def test_doctests(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.attempted > 0
    assert result.failed == 0
