"""The shared model: each ledger and life-cycle rule on a batch of many equals the rule on batches of one.

Both engines call these functions (the SimPy engine with a batch of one
replication, the vectorised engine with a batch of many), so a batch of many
must give, replication by replication, what a batch of one gives.  The layout
tests hold the one-way imports: the model knows neither engine, and neither
engine knows the other.
"""

from __future__ import annotations

import ast
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.model.allocation import allocate, allocate_reps
from simulator.model.ledger import (
    NOT_APPROVED,
    PAID,
    PARTLY_PAID,
    PENDING,
    QUEUED,
    REFUSED,
    FundYears,
    apply_quota,
    claim_states,
    exclusive_group,
    fund_year_rows,
    investments,
    open_year,
    record_group_best,
    tranche_lines,
)
from simulator.model.lifecycle import (
    boosted_wait,
    boosted_wait_one,
    hazard_multiplier,
    indicator_step,
)
from simulator.model.rules import SplitLine
from simulator.scenario import Fund, Indicator, Program

ROOT = Path(__file__).resolve().parents[1] / "simulator"


def _fund(year_end: str) -> Fund:
    return Fund(name="f", owner="x", appropriations={2019: 70, 2020: 100, 2021: 50}, year_end=year_end)


# --------------------------------------------------------------------------- fiscal years


@pytest.mark.parametrize("year_end", ["carry_over", "lapse"])
def test_open_year_first_and_later_years(year_end: str) -> None:
    first = open_year(_fund(year_end), 2020, True, np.zeros(2, dtype=np.int64))
    opening = 7000 if year_end == "carry_over" else 0  # money appropriated before the start stays when carried
    assert first.carried_in.tolist() == [opening, opening]
    assert first.balance.tolist() == [opening + 10000] * 2
    assert first.lapsed.tolist() == [0, 0]
    nxt = open_year(_fund(year_end), 2021, False, np.array([1234, 0]))
    if year_end == "lapse":
        assert nxt.lapsed.tolist() == [1234, 0]
        assert nxt.balance.tolist() == [5000, 5000]
    else:
        assert nxt.lapsed.tolist() == [0, 0]
        assert nxt.carried_in.tolist() == [1234, 0]
        assert nxt.balance.tolist() == [6234, 5000]


def test_open_year_does_not_change_the_balance_passed_in() -> None:
    bal = np.array([500, 600])
    open_year(_fund("lapse"), 2021, False, bal)
    assert bal.tolist() == [500, 600]


# --------------------------------------------------------------------------- claims


def test_claim_states_one_per_claim_in_the_documented_order() -> None:
    n = 7
    pending = np.array([True, False, False, False, False, False, False])
    approved = np.array([True, False, True, True, True, True, True])
    queued = np.array([1, 0, 1, 0, 0, 0, 0])
    refused = np.array([False, False, False, True, True, False, False])
    cut = np.array([False, False, False, False, False, True, False])
    paid = np.array([0, 0, 10, 0, 5, 8, 10])
    requested = np.full(n, 10)
    got = claim_states(pending=pending, approved=approved, queued_lines=queued, refused=refused, cut=cut,
                       paid=paid, requested=requested)
    assert got.tolist() == [PENDING, NOT_APPROVED, QUEUED, REFUSED, PARTLY_PAID, PARTLY_PAID, PAID]


def test_quota_per_replication_equals_the_quota_of_each_alone() -> None:
    rng = np.random.default_rng(0)
    rep = np.sort(rng.integers(0, 5, 60))
    keep = rng.random(60) < 0.7
    left = rng.integers(-1, 8, 5)
    many = apply_quota(keep, rep, left)
    for r in range(5):
        mine = rep == r
        one = apply_quota(keep[mine], np.zeros(int(mine.sum()), dtype=np.int64), left[r:r + 1])
        assert many[mine].tolist() == one.tolist()
        assert int(one.sum()) == min(int(keep[mine].sum()), max(int(left[r]), 0))


def test_exclusive_group_keeps_the_higher_award_and_pays_the_difference() -> None:
    best: dict[tuple[str, int], int] = {("g", 1): 300}
    parts = {"total": np.array([200, 500, 400, 100])}
    keys: list[tuple[str, int] | None] = [("g", 1), ("g", 1), ("g", 2), None]
    keep, kept_keys = exclusive_group(keys, parts, best)
    assert keep.tolist() == [False, True, True, True]  # 200 is not above the 300 already awarded
    assert parts["total"].tolist()[1:] == [200, 400, 100]  # 500 pays the 200 above the 300
    assert best == {("g", 1): 300}  # read, not written
    record_group_best(best, [k for k, ok in zip(kept_keys, keep.tolist(), strict=True) if ok],
                      parts["total"][keep])
    assert best == {("g", 1): 500, ("g", 2): 400}


# --------------------------------------------------------------------------- payments


def _program(payment: list[dict[str, object]]) -> Program:
    return Program.model_validate({
        "name": "p", "trigger": {"on": "call", "month": 3, "applicants": 1},
        "rule": {"kind": "fixed", "amount": "1万元"},
        "split": [{"fund": "a", "share": 1}], "payment": payment})


def test_tranche_lines_add_up_and_batch_of_many_equals_batches_of_one() -> None:
    prog = _program([{"share": "1/3"}, {"share": "2/3", "after_months": 12}])
    rep = np.array([0, 0, 1, 2, 2, 2])
    lines = [SplitLine("a", "city", np.array([101, 7, 0, 50, 3, 9])),
             SplitLine("b", "province", np.array([10, 20, 30, 40, 50, 60])),
             SplitLine("a", "zone", np.array([1, 2, 3, 4, 5, 6]))]
    many = tranche_lines(prog, lines, rep)
    total = sum(int(tl.amount.sum()) for per in many for tl in per)
    assert total == sum(int(sl.amount.sum()) for sl in lines)
    for tranche in many:
        assert [tl.fund for tl in tranche] == ["a", "b"]
        for tl in tranche:
            assert (tl.amount > 0).all() and (np.diff(tl.rep) >= 0).all()
    for r in range(3):
        mine = np.flatnonzero(rep == r)
        one = tranche_lines(prog, [SplitLine(sl.fund, sl.level, sl.amount[mine]) for sl in lines],
                            np.zeros(mine.shape[0], dtype=np.int64))
        for k in range(2):
            by_fund = {tl.fund: tl for tl in one[k]}
            for tl_many in many[k]:
                sel = tl_many.rep == r
                if not sel.any():
                    assert tl_many.fund not in by_fund
                    continue
                tl_one = by_fund[tl_many.fund]
                assert tl_many.amount[sel].tolist() == tl_one.amount.tolist()
                assert mine[tl_one.claim].tolist() == tl_many.claim[sel].tolist()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 500)), min_size=1, max_size=30),
       st.lists(st.integers(0, 800), min_size=4, max_size=4), st.sampled_from(["fcfs", "queue", "prorata"]))
def test_allocate_reps_equals_allocate_per_replication(lines: list[tuple[int, int]], avail: list[int],
                                                       policy: str) -> None:
    lines.sort(key=lambda x: x[0])
    rep = np.array([r for r, _ in lines], dtype=np.int64)
    req = np.array([a for _, a in lines], dtype=np.int64)
    got = allocate_reps(req, rep, np.array(avail, dtype=np.int64), policy)  # type: ignore[arg-type]
    for r in range(4):
        mine = rep == r
        if mine.any():
            want = allocate(req[mine], avail[r], policy)  # type: ignore[arg-type]
            assert got.paid[mine].tolist() == want.paid.tolist()
            assert got.outcome[mine].tolist() == want.outcome.tolist()


def test_investments_are_exact() -> None:
    # floor(paid x share / ticket) in integers: 1,000,000 x 3/10 / 100,000 = 3 exactly; 999,999 gives 2.
    assert investments(np.array([1_000_000, 999_999]), Fraction(3, 10), 100_000).tolist() == [3, 2]
    assert investments(np.array([1_000_000]), Fraction(1), 0).tolist() == [0]


def test_fund_year_rows_reconstruct_balances_and_arrears() -> None:
    fy = FundYears(appropriated=np.array([100, 50]), carried_in=np.array([0, 30]), drawn=np.array([70, 60]),
                   lapsed=np.array([0, 0]), refused=np.array([5, 0]), cut=np.array([0, 1]),
                   arrears_year_end=np.array([12, 0]), arrears_end=9, balance_end=20)
    rows = fund_year_rows([2020, 2021], fy)
    assert rows[2020]["balance_end_fen"] == 30 and rows[2020]["arrears_fen"] == 12
    assert rows[2021]["balance_end_fen"] == 20 and rows[2021]["arrears_fen"] == 9
    assert rows[2020]["refused_fen"] == 5 and rows[2021]["prorata_cut_fen"] == 1


# --------------------------------------------------------------------------- life cycle


def test_hazard_multiplier_overlap_takes_the_shorter_period() -> None:
    now = np.zeros(4)
    inc = np.array([True, False, True, False])
    bo = np.array([False, True, True, False])
    mult, until = hazard_multiplier(now, inc, np.full(4, 1.5), np.full(4, 6.0), bo, np.full(4, 2.0), np.full(4, 12.0))
    assert mult.tolist() == [1.5, 2.0, 3.0, 1.0]
    assert until.tolist() == [6.0, 12.0, 6.0, 0.0]


def test_boosted_wait_batch_of_one_equals_the_batch() -> None:
    rng = np.random.default_rng(3)
    e, rate = rng.exponential(size=50), rng.choice([0.0, 0.02], size=50)
    mult, until = rng.choice([1.0, 2.0], size=50), rng.choice([0.0, 12.0], size=50)
    many = boosted_wait(e, rate, mult, until)
    one = [boosted_wait_one(a, b, c, d) for a, b, c, d in zip(e, rate, mult, until, strict=True)]
    assert many.tolist() == one


def test_indicator_step_batch_rows_are_independent_and_shares_stay_in_range() -> None:
    specs = [Indicator(city="c", initial=100, growth=0.1, sd=0.2), Indicator(city="c", unit="share", initial=0.5,
                                                                             drift=0.3, sd=1.0)]
    z = np.array([[1.0, 2.0], [-10.0, -5.0]])
    many = indicator_step(np.array([[100.0, 0.5], [100.0, 0.5]]), specs, z)
    for i in range(2):
        one = indicator_step(np.array([[100.0, 0.5]]), specs, z[i:i + 1])
        assert many[i].tolist() == one[0].tolist()
    assert many[0].tolist() == pytest.approx([130.0, 1.0])
    assert many[1].tolist() == [0.0, 0.0]


# --------------------------------------------------------------------------- layout


def _imports(folder: Path) -> set[str]:
    out: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                out.add(node.module)
            elif isinstance(node, ast.Import):
                out.update(a.name for a in node.names)
    return out


def test_imports_go_one_way() -> None:
    model = _imports(ROOT / "model")
    assert not any(m.startswith("simulator.engines") or m == "simpy" for m in model)
    fast = _imports(ROOT / "engines" / "fast")
    assert not any(m.startswith("simulator.engines.des") or m == "simpy" for m in fast)
    des = _imports(ROOT / "engines" / "des")
    assert not any(m.startswith("simulator.engines.fast") for m in des)


def test_one_place_draw_equals_the_batch_draw(tmp_path: Path) -> None:
    from simulator.model.places import PlaceTable
    from tests.engine_fixtures import tiny_city_yaml, write_and_load

    table = PlaceTable(write_and_load(tmp_path, tiny_city_yaml()).scenario)
    u = np.random.default_rng(9).random(2000)
    batch = table.draw("city", u)
    assert [table.draw_one("city", float(x)) for x in u] == batch.tolist()
    names = [table.names[i] for i in batch.tolist()]
    assert 0.5 < names.count("east") / len(names) < 0.7  # population 600,000 of 1,000,000
