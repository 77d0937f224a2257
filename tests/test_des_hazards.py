"""The SimPy engine's one-entity hazard rules return exactly what the model's array rules return.

The SimPy engine asks :mod:`simulator.engines.des.hazards` instead of calling
the array rules of :mod:`simulator.model.lifecycle` and
:mod:`simulator.model.yearrates` with a batch of one; its draws and results
stay the same only if every number is the same to the last bit.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.engines.des import hazards
from simulator.model import lifecycle
from simulator.model.yearrates import YearRates

rates = st.one_of(st.just(0.0), st.floats(min_value=1e-4, max_value=5.0))
times = st.floats(min_value=0.0, max_value=120.0)
mults = st.one_of(st.just(1.0), st.floats(min_value=0.05, max_value=10.0))
untils = st.one_of(st.just(0.0), st.floats(min_value=-5.0, max_value=60.0))
exps = st.one_of(st.just(0.0), st.floats(min_value=0.0, max_value=30.0))


def same(a: float, b: float) -> bool:
    """Equal to the last bit (or both not a number)."""
    return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1.0, a) == math.copysign(1.0, b))


def one(x: float) -> np.ndarray:
    return np.array([x], dtype=np.float64)


@settings(max_examples=300, deadline=None)
@given(e=exps, rate=rates, mult=mults, until=untils)
def test_boosted_wait_is_the_array_rule(e: float, rate: float, mult: float, until: float) -> None:
    want = float(lifecycle.boosted_wait(one(e), one(rate), one(mult), one(until))[0])
    assert same(hazards.boosted_wait(e, rate, mult, until), want)


@settings(max_examples=300, deadline=None)
@given(now=times, incubated=st.booleans(), inc_mult=mults, inc_until=times, boosted=st.booleans(), boost=mults,
       boost_until=times)
def test_hazard_multiplier_is_the_array_rule(now: float, incubated: bool, inc_mult: float, inc_until: float,
                                             boosted: bool, boost: float, boost_until: float) -> None:
    m, u = lifecycle.hazard_multiplier(one(now), np.array([incubated]), one(inc_mult), one(inc_until),
                                       np.array([boosted]), one(boost), one(boost_until))
    got = hazards.hazard_multiplier(now, incubated, inc_mult, inc_until, boosted, boost, boost_until)
    assert same(got[0], float(m[0])) and same(got[1], float(u[0]))


@settings(max_examples=300, deadline=None)
@given(t_exit=st.one_of(st.just(math.inf), times), now=times, old=rates, new=rates, fresh=st.one_of(st.just(math.inf), exps))
def test_exit_after_move_is_the_array_rule(t_exit: float, now: float, old: float, new: float, fresh: float) -> None:
    want = float(lifecycle.exit_after_move(one(t_exit), one(now), one(old), one(new), one(fresh))[0])
    assert same(hazards.exit_after_move(t_exit, now, old, new, fresh), want)


factors = st.lists(st.one_of(st.just(0.0), st.just(1.0), st.floats(min_value=0.05, max_value=4.0)), min_size=1,
                   max_size=8)


@settings(max_examples=400, deadline=None)
@given(rows=st.lists(factors, min_size=1, max_size=3), e=exps, now=times, rate=rates, mult=mults, until=untils,
       data=st.data())
def test_year_rate_wait_is_the_array_rule(rows: list[list[float]], e: float, now: float, rate: float, mult: float,
                                          until: float, data: st.DataObject) -> None:
    n = min(len(r) for r in rows)
    table = YearRates([12.0 * k for k in range(n)], np.array([r[:n] for r in rows], dtype=np.float64))
    row = data.draw(st.integers(min_value=0, max_value=len(rows) - 1))
    want = float(table.wait(np.array([row]), one(e), one(now), one(rate), one(mult), one(until))[0])
    scalar = hazards.RateRows(table)
    assert same(scalar.wait(row, e, now, rate, mult, until), want)
    t = data.draw(st.one_of(times, st.just(math.inf)))
    assert same(scalar.cumulative(row, t), float(table.cumulative(np.array([row]), one(t))[0]))
    y = data.draw(st.one_of(st.floats(min_value=0.0, max_value=300.0), st.just(math.inf)))
    assert same(scalar.inverse(row, y), float(table.inverse(np.array([row]), one(y))[0]))


def test_flat_table_takes_the_plain_wait() -> None:
    table = hazards.RateRows(YearRates([0.0, 12.0], np.ones((2, 2))))
    assert table.flat
    assert table.wait(0, 2.0, 5.0, 0.5) == 4.0
    assert table.wait(0, 2.0, 5.0, 0.0) == math.inf
    assert table.wait(0, 2.0, 5.0, 0.5, 2.0, 1.0) == 1.0 + (2.0 - 1.0) / 0.5
