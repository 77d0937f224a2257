"""Nowcast: every replication's history held to the actual figures up to the as-of date, in both engines.

The issue's Done-when cases (Liaocheng: lc-city-sci paid to the ends of 2020
and 2021 and LC-6 at the end of 2021; Tai'an: TA-T5 at the end of 2023 and a
2025 that continues from it), the shared rules (apportionment, fund
settlement, which ids are refused) and the claim that a replication still
depends only on ``(seed, rep)``.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from simulator.engines.des.world import run_replication
from simulator.engines.fast import simulate_block
from simulator.loader import load_scenario
from simulator.model import nowcast as nw
from simulator.model.calendar import Calendar
from simulator.model.metrics import MetricContext, metric_series
from simulator.model.records import RepResult
from simulator.runner import RunOptions, run
from simulator.scenario import Nowcast, ObservedLevel, ObservedPaid, Scenario

ROOT = Path(__file__).resolve().parent.parent
LIAOCHENG = ROOT / "scenarios" / "liaocheng.yaml"
TAIAN = ROOT / "scenarios" / "taian.yaml"
SHA = "0" * 64
LC_PAID = {date(2020, 12, 31): 300_000_000, date(2021, 12, 31): 700_000_000}  # fen: 300万元, then 700万元 in all
LC6_2021 = 3


def _nowcast(as_of: date, **kw: object) -> Nowcast:
    return Nowcast(as_of=as_of, file="actuals.csv", sha256=SHA, **kw)  # type: ignore[arg-type]


def _liaocheng_nowcast() -> Nowcast:
    return _nowcast(date(2021, 12, 31),
                    funds={"lc-city-sci": tuple(ObservedPaid(date=d, fen=f) for d, f in LC_PAID.items())},
                    targets={"LC-6": (ObservedLevel(date=date(2021, 12, 31), value=LC6_2021),)})


@pytest.fixture(scope="module")
def liaocheng() -> Scenario:
    return load_scenario(LIAOCHENG).scenario


@pytest.fixture(scope="module")
def taian() -> Scenario:
    return load_scenario(TAIAN).scenario


def _with(s: Scenario, nc: Nowcast) -> Scenario:
    return s.model_copy(update={"nowcast": nc})


def _yearly_draws(res: RepResult, fund: str, cal: Calendar) -> dict[int, int]:
    out: dict[int, int] = {}
    for (m, f, _lvl, _prog), fen in res.draws.items():
        if f == fund:
            out[cal.year_of(m)] = out.get(cal.year_of(m), 0) + fen
    return out


def _level(s: Scenario, tid: str, res: RepResult, when: date) -> float:
    ctx = MetricContext.of(s)
    return float(metric_series(ctx, s.targets[tid], s.target_city(tid), res)[ctx.calendar.month_of(when)])


def _check_liaocheng(s: Scenario, results: list[RepResult]) -> None:
    cal = Calendar(s.scenario.start, s.scenario.end)
    assert s.funds["lc-city-sci"].appropriations and min(s.funds["lc-city-sci"].appropriations) == 2020  # opens at the start
    spec = s.funds["lc-city-sci"]
    for r in results:
        by_year = _yearly_draws(r, "lc-city-sci", cal)
        assert by_year.get(2020, 0) == 300_000_000
        assert by_year.get(2021, 0) == 400_000_000
        rows = {y: r.fund_years[("lc-city-sci", y)] for y in cal.years}
        assert rows[2020]["drawn_fen"] == 300_000_000 and rows[2021]["drawn_fen"] == 400_000_000
        # the fund continues from its actual position: carry-over of what the actuals did not pay
        assert rows[2021]["carried_in_fen"] == spec.appropriations[2020] - 300_000_000
        assert rows[2021]["balance_end_fen"] == spec.appropriations[2020] + spec.appropriations[2021] - 700_000_000
        assert rows[2022]["carried_in_fen"] == rows[2021]["balance_end_fen"]
        assert all(row["balance_end_fen"] >= 0 for row in rows.values())
        total = sum(v for (_m, f, _l, _p), v in r.draws.items() if f == "lc-city-sci")
        assert total == sum(row["drawn_fen"] for row in rows.values())  # conservation: draws = fund-year rows
        assert _level(s, "LC-6", r, date(2021, 12, 31)) == LC6_2021


def test_liaocheng_fast_every_replication_holds_the_actuals(liaocheng: Scenario) -> None:
    s = _with(liaocheng, _liaocheng_nowcast())
    results = simulate_block(s, 7, range(60))
    _check_liaocheng(s, results)
    # without actuals the same replications differ (the check can fail)
    plain = simulate_block(liaocheng, 7, range(60))
    cal = Calendar(liaocheng.scenario.start, liaocheng.scenario.end)
    assert len({_yearly_draws(r, "lc-city-sci", cal).get(2020, 0) for r in plain}) > 1
    assert len({_level(liaocheng, "LC-6", r, date(2021, 12, 31)) for r in plain}) > 1
    # after as-of the model runs on: 2022 and later are not held
    later = {_yearly_draws(r, "lc-city-sci", cal).get(2023, 0) for r in results}
    assert len(later) > 1


def test_liaocheng_simpy_every_replication_holds_the_actuals(liaocheng: Scenario) -> None:
    s = _with(liaocheng, _liaocheng_nowcast())
    _check_liaocheng(s, [run_replication(s, 7, rep) for rep in range(3)])


def test_liaocheng_run_summary_bands_collapse_on_the_actuals(liaocheng: Scenario, tmp_path: Path) -> None:
    """Through the runner (parameters drawn): P5 = P50 = P95 in ``summary.json`` for the observed years."""
    loaded = load_scenario(LIAOCHENG)
    loaded = dataclasses.replace(loaded, scenario=_with(loaded.scenario, _liaocheng_nowcast()))
    out = tmp_path / "run"
    run(loaded, RunOptions(reps=40, seed=5, out=out, engine="fast", progress=False))
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    yearly = summary["funds"]["lc-city-sci"]["yearly_drawn_yuan"]
    for year, yuan in (("2020", 3_000_000), ("2021", 4_000_000)):
        assert yearly[year]["p5"] == yearly[year]["p50"] == yearly[year]["p95"] == yuan
    assert yearly["2023"]["p5"] < yearly["2023"]["p95"]
    lc6 = summary["targets"]["LC-6"]["yearly"]
    assert lc6["2021"]["p5"] == lc6["2021"]["p50"] == lc6["2021"]["p95"] == LC6_2021
    assert lc6["2024"]["p5"] < lc6["2024"]["p95"]


@pytest.mark.parametrize("level", [500, 650])  # below and above the model's own count (about 550)
def test_taian_hte_count_held_and_2025_continues_from_it(taian: Scenario, level: int) -> None:
    when = date(2023, 12, 31)
    s = _with(taian, _nowcast(when, targets={"TA-T5": (ObservedLevel(date=when, value=level),)}))
    held = simulate_block(s, 3, range(60))
    plain = simulate_block(taian, 3, range(60))
    assert {_level(s, "TA-T5", r, when) for r in held} == {level}
    own = np.array([_level(taian, "TA-T5", r, when) for r in plain])
    assert own.min() < own.max()
    end = date(2025, 12, 31)
    v_held = np.array([_level(s, "TA-T5", r, end) for r in held])
    v_plain = np.array([_level(taian, "TA-T5", r, end) for r in plain])
    assert v_held.min() < v_held.max()  # the projection is not degenerate
    # 2025 continues from the held count: its mean moves the way the 2023 count was moved, by a part of
    # that shift (the life cycle pulls back towards the model's own course: moved firms re-apply or lapse)
    shift = level - own.mean()
    moved = v_held.mean() - v_plain.mean()
    assert np.sign(moved) == np.sign(shift) and 0.25 * abs(shift) < abs(moved) < 1.5 * abs(shift)
    for rep in range(2):
        r = run_replication(s, 3, rep)
        assert _level(s, "TA-T5", r, when) == level


def test_promoted_htes_renew_in_plausible_years(taian: Scenario) -> None:
    """New HTEs take certificate phases from the model's own certificates: their expiries spread over the cycle."""
    when = date(2023, 12, 31)
    s = _with(taian, _nowcast(when, targets={"TA-T5": (ObservedLevel(date=when, value=700),)}))
    ctx = MetricContext.of(s)
    m = ctx.calendar.month_of(when)
    held = simulate_block(s, 4, range(20))
    lost = []
    for r in held:
        series = metric_series(ctx, s.targets["TA-T5"], "taian", r)
        lost.append(series[m] - series[m + 12])
    # not all the promoted certificates lapse together in one year (a phase of 0 would renew them at once)
    assert max(lost) < 150


def test_indicator_held_and_per_10k_inverted(taian: Scenario) -> None:
    when = date(2023, 12, 31)
    s = _with(taian, _nowcast(when, targets={"TA-T7": (ObservedLevel(date=when, value=12.5),)}))
    assert "TA-T7" not in dict(nw.unsupported(s))
    for r in [*simulate_block(s, 1, range(5)), run_replication(s, 1, 0)]:
        assert _level(s, "TA-T7", r, when) == pytest.approx(12.5, rel=1e-9)


def test_a_fund_the_model_did_not_use_is_spread_evenly(liaocheng: Scenario) -> None:
    when = date(2020, 2, 29)  # the first review comes later: the model has paid nothing yet
    s = _with(liaocheng, _nowcast(when, funds={"lc-city-sci": (ObservedPaid(date=when, fen=1_000_001),)}))
    for r in [*simulate_block(s, 2, range(4)), run_replication(s, 2, 0)]:
        months = {m: v for (m, f, _l, _p), v in r.draws.items() if f == "lc-city-sci" and m <= 1}
        assert sorted(months.values()) == [500_000, 500_001]


def test_results_depend_only_on_seed_and_rep(liaocheng: Scenario) -> None:
    s = _with(liaocheng, _liaocheng_nowcast())
    whole = simulate_block(s, 9, range(6))
    part = simulate_block(s, 9, range(4, 6))
    for a, b in zip(whole[4:], part, strict=True):
        assert np.array_equal(a.counts, b.counts)
        assert a.draws == b.draws


def test_unsupported_ids_are_named_with_a_reason(taian: Scenario) -> None:
    when = date(2023, 12, 31)
    lv = (ObservedLevel(date=when, value=5),)
    s = _with(taian, _nowcast(when, targets={"TA-T5": lv, "TA-T6": lv, "TA-T1": lv, "TA-T7": lv},
                              programs={"TA-3": lv}, populations={"taian": lv}))
    found = dict(nw.unsupported(s))
    assert set(found) == {"TA-T6", "TA-T1", "TA-3", "taian"}
    assert "weighted" in found["TA-T6"]
    assert all(reason and reason.isascii() for reason in found.values())
    assert nw.unsupported(taian) == []


# --------------------------------------------------------------------------- shared rules


def test_apportion_is_exact_non_negative_and_proportional() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        r, n = int(rng.integers(1, 5)), int(rng.integers(1, 12))
        w = rng.integers(0, 10**int(rng.integers(1, 15)), size=(r, n)) * (rng.random((r, n)) < 0.7)
        total = rng.integers(0, 10**14, size=r)
        out = nw.apportion(total, w)
        assert (out.sum(axis=1) == total).all()
        assert (out >= 0).all()
        for i in range(r):
            if w[i].sum() == 0:
                assert out[i].max() - out[i].min() <= 1  # spread evenly
                continue
            assert (out[i][w[i] == 0] == 0).all()
            exact = [int(total[i]) * int(x) / int(w[i].sum()) for x in w[i]]
            assert all(abs(o - e) < 1.0 + 1e-6 * e for o, e in zip(out[i].tolist(), exact, strict=True))


def test_rescale_keeps_payer_shares() -> None:
    block = np.array([[[600, 200], [300, 100], [0, 0]]], dtype=np.int64)  # payer 0 has 75%
    new = nw.rescale_fund(block, np.array([1_000_003]), 0)
    assert int(new.sum()) == 1_000_003
    share = new[0, :, 0].sum() / new.sum()
    assert abs(share - 0.75) < 1e-5
    assert (new[0, 2] == 0).all()  # a month the model did not pay stays unpaid


def test_settle_a_lapsing_fund() -> None:
    drawn = np.array([[50, 30]], dtype=np.int64)
    lapsed = np.array([[50, 0]], dtype=np.int64)
    carried = np.zeros((1, 2), dtype=np.int64)
    balance = np.array([70], dtype=np.int64)
    nw.settle_fund("lapse", np.array([[20, -10]]), 1, drawn, lapsed, carried, balance)
    assert drawn.tolist() == [[70, 20]] and lapsed.tolist() == [[30, 0]] and balance.tolist() == [80]


def test_a_fund_nothing_pays_from_is_refused(liaocheng: Scenario) -> None:
    from simulator.scenario import Fund

    spare = Fund(name="x", owner="liaocheng", appropriations={2020: 100}, year_end="lapse")
    when = date(2020, 12, 31)
    s = liaocheng.model_copy(update={"funds": {**liaocheng.funds, "spare": spare}})
    s = _with(s, _nowcast(when, funds={"spare": (ObservedPaid(date=when, fen=50),),
                                       "lc-city-sci": (ObservedPaid(date=when, fen=50),)}))
    assert [fid for fid, _ in nw.unsupported(s)] == ["spare"]


def test_the_simpy_trace_shows_the_corrections(liaocheng: Scenario) -> None:
    s = _with(liaocheng, _liaocheng_nowcast())
    trace: list[tuple[float, str, str, str]] = []
    run_replication(s, 7, 0, trace=trace)
    rows = [row for row in trace if row[1] == "nowcast"]
    assert [who for _t, _w, who, _d in rows] == ["lc-city-sci", "lc-city-sci", "LC-6"]
    assert "held at 3000000.00 yuan" in rows[0][3] and rows[0][0] == pytest.approx(12 - 1e-7)
