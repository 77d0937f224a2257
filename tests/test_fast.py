"""The vectorised engine (``--engine fast``): determinism, exactness of its parts, bookkeeping, the store."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import simpy
from click.testing import CliRunner
from scipy import stats

from simulator.cli import main
from simulator.engines.fast.engine import Block, simulate_block
from simulator.engines.fast.firms import APPLY, CITY, INC, NCOL, READY, STATE, Firms
from simulator.engines.fast.money import STATE_NAMES, Pools
from simulator.engines.fast.plan import build_plan
from simulator.engines.fast.pop import CREATE_CHUNK, TECH, geometric
from simulator.engines.fast.rng import Key, RepUniforms, rep_generator
from simulator.model.calendar import Calendar
from simulator.model.dists import GeneratorSource, dist_values, draw_dist, poisson
from simulator.model.lifecycle import boosted_wait
from simulator.model.records import RepResult
from simulator.model.view import Clock, review_times
from simulator.scenario import Dist, OnCall, OnSchedule
from simulator.store import TABLES, RunStore
from tests.engine_fixtures import tiny_city_yaml, write_and_load


def _same(a: RepResult, b: RepResult) -> bool:
    return (a.rep == b.rep and np.array_equal(a.counts, b.counts) and np.array_equal(a.indicators, b.indicators)
            and a.draws == b.draws and a.fund_years == b.fund_years and a.claims == b.claims
            and a.exhaustion == b.exhaustion and np.array_equal(a.awards, b.awards))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return write_and_load(tmp_path_factory.mktemp("tiny"), tiny_city_yaml(budget_wan=150, quota="{per_year: [2, 4]}"))


# --------------------------------------------------------------------------- determinism


def test_same_seed_same_results_other_seed_differs(tiny) -> None:  # type: ignore[no-untyped-def]
    a = simulate_block(tiny.scenario, 5, range(8))
    b = simulate_block(tiny.scenario, 5, range(8))
    c = simulate_block(tiny.scenario, 6, range(8))
    assert all(_same(x, y) for x, y in zip(a, b, strict=True))
    assert not all(_same(x, y) for x, y in zip(a, c, strict=True))


def test_replication_depends_only_on_seed_and_index(tiny) -> None:  # type: ignore[no-untyped-def]
    whole = simulate_block(tiny.scenario, 9, range(0, 7))
    part = simulate_block(tiny.scenario, 9, range(4, 7))
    single = simulate_block(tiny.scenario, 9, range(5, 6))
    assert all(_same(x, y) for x, y in zip(whole[4:], part, strict=True))
    assert _same(whole[5], single[0])
    assert not _same(whole[4], whole[5])


def test_blocks_larger_than_a_creation_chunk_give_the_same_replications(tiny) -> None:  # type: ignore[no-untyped-def]
    n = CREATE_CHUNK + 4
    whole = simulate_block(tiny.scenario, 4, range(n))
    tail = simulate_block(tiny.scenario, 4, range(CREATE_CHUNK - 1, n))
    assert all(_same(x, y) for x, y in zip(whole[CREATE_CHUNK - 1:], tail, strict=True))


def test_support_does_not_postpone_a_firm_already_ready(tiny) -> None:  # type: ignore[no-untyped-def]
    """As the SimPy engine: a ready tech SME waiting for its window keeps its application date."""
    block = Block(tiny.scenario, 1, [0, 1, 2])
    firms = block.firms
    firms.advance(5.0)
    g = firms.rows.T
    tech = (g[STATE] == TECH) & (g[APPLY] > 5.0)
    ready = np.flatnonzero(tech & (g[READY] <= 5.0))
    waiting = np.flatnonzero(tech & (g[READY] > 5.0))
    assert ready.size and waiting.size, "the fixture has firms in both situations"
    before = firms.rows[ready].copy()
    before_waiting = g[READY, waiting].copy()
    firms.support(np.concatenate([ready, waiting]), "hte", 2.0, 12, 5.0)
    g = firms.rows.T
    assert np.array_equal(g[APPLY, ready], before[:, APPLY]) and np.array_equal(g[READY, ready], before[:, READY])
    assert not np.array_equal(g[READY, waiting], before_waiting)


def test_rep_uniforms_are_exactly_each_replications_stream() -> None:
    reps = [3, 8, 21]
    u = RepUniforms(13, reps, Key.ENTITIES, size=50)
    got: dict[int, list[float]] = defaultdict(list)
    rng = np.random.default_rng(0)
    for _ in range(400):
        n, k = int(rng.integers(0, 120)), int(rng.integers(1, 5))
        pos = rng.integers(0, len(reps), n)
        presorted = bool(rng.integers(0, 2))
        if presorted:
            pos = np.sort(pos)
        out = u.take(pos, presorted=presorted, k=k)
        for i, p in enumerate(pos.tolist()):
            got[p].extend(np.atleast_1d(out[i]).tolist())
    for p, r in enumerate(reps):
        want = rep_generator(13, r, Key.ENTITIES).random(len(got[p]))
        assert np.array_equal(want, np.asarray(got[p]))


# --------------------------------------------------------------------------- bookkeeping


def test_conservation_balances_and_one_end_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for policy, year_end in (("queue", "carry_over"), ("fcfs", "lapse"), ("prorata", "carry_over")):
        loaded = write_and_load(tmp_path, tiny_city_yaml(budget_wan=60, overclaim=policy, year_end=year_end,
                                                         applicants=40), f"{policy}.yaml")
        s = loaded.scenario
        lowest: dict[str, int] = defaultdict(int)
        original = Pools._allocate

        def watched(self: Pools, f: int, *args, _orig=original, _low=lowest) -> None:  # type: ignore[no-untyped-def]
            _orig(self, f, *args)
            _low[self.ids[f]] = min(_low[self.ids[f]], int(self.balance[f].min()))

        monkeypatch.setattr(Pools, "_allocate", watched)
        block = Block(s, 3, list(range(12)))
        block.run()
        results = block.results()
        monkeypatch.setattr(Pools, "_allocate", original)
        assert all(v >= 0 for v in lowest.values()), lowest
        assert (block.pools.balance >= 0).all()
        # every claim is in exactly one end state, and the claims table counts each once
        states = block.book.states()
        assert states.shape[0] == block.book.n and set(np.unique(states).tolist()) <= set(range(len(STATE_NAMES)))
        assert sum(v[0] for r in results for v in r.claims.values()) == block.book.n
        for r in results:
            by_fund: dict[tuple[str, str], int] = defaultdict(int)
            by_payer: dict[str, int] = defaultdict(int)
            for (_m, fund, level, payer), fen in r.draws.items():
                by_fund[(fund, level)] += fen
                by_payer[payer] += fen
            for fid in s.funds:
                drawn = sum(r.fund_years[(fid, y)]["drawn_fen"] for y in Calendar(s.scenario.start, s.scenario.end).years)
                assert drawn == by_fund.get((fid, s.level_of_fund(fid)), 0)
                for row in (r.fund_years[(fid, y)] for y in Calendar(s.scenario.start, s.scenario.end).years):
                    assert row["balance_end_fen"] >= 0 and row["arrears_fen"] >= 0
            paid: dict[str, int] = defaultdict(int)
            for (payer, _y, _st), (_n, _req, pd) in r.claims.items():
                paid[payer] += pd
            for payer in set(paid) | set(by_payer):
                assert paid.get(payer, 0) == by_payer.get(payer, 0), payer
            for (_payer, _y, st), (_n, req, pd) in r.claims.items():
                assert st in STATE_NAMES
                if st == "paid":
                    assert pd == req
                if st in ("not_approved", "pending"):
                    assert pd == 0


# --------------------------------------------------------------------------- vectorised pieces against the reference


def test_boosted_wait_integrates_the_piecewise_hazard_to_the_draw() -> None:
    """The wait w solves H(w) = e, H the integrated hazard: rate x mult for ``until`` months, then rate."""
    rng = np.random.default_rng(1)
    e = rng.exponential(size=500)
    rate = rng.choice([0.0, 0.01, 0.05], size=500)
    mult = rng.choice([1.0, 0.5, 2.0, 3.0], size=500)
    until = rng.choice([0.0, 6.0, 24.0], size=500)
    got = boosted_wait(e, rate, mult, until)
    assert np.all(np.isinf(got[rate == 0]))
    live = rate > 0
    w, r, mu, un = got[live], rate[live], mult[live], until[live]
    hazard = r * mu * np.minimum(w, un) + r * np.maximum(w - un, 0.0)
    assert np.allclose(hazard, e[live], rtol=1e-12)


def test_window_and_result_tables_match_the_calendar(tiny) -> None:  # type: ignore[no-untyped-def]
    s = tiny.scenario
    block = Block(s, 1, [0])
    f: Firms = block.firms
    cal = block.cal
    pop = s.populations["city"].firms
    g = np.zeros((NCOL, 400))
    g[CITY] = 0
    g[INC] = -1.0  # not incubated
    wait = np.random.default_rng(2).exponential(size=400) * 30
    now = np.random.default_rng(3).uniform(0, cal.n_months, 400)
    result = f._plan_ready(g, np.arange(400), now, wait * f.hte_rate[0])  # Exp(1) draw e gives wait e / rate
    for i in range(400):
        apply = cal.next_month_with(pop.window_month, now[i] + wait[i], 0.2)
        res = cal.next_month_with(pop.result_month, apply, 0.8)
        if apply < cal.n_months:
            assert g[APPLY, i] == pytest.approx(apply, abs=1e-9)
        if res < cal.n_months:
            assert result[i] == pytest.approx(res, abs=1e-9)
        else:
            assert result[i] == np.inf


def test_inverse_transform_draws_follow_the_reference_laws() -> None:
    rng = np.random.default_rng(4)
    u = rng.random(20_000)
    dists = [Dist(dist="uniform", low=1.0, high=30.0), Dist(dist="triangular", low=1.0, mode=4.0, high=10.0),
             Dist(dist="lognormal", median=10.0, sigma=0.5), Dist(dist="poisson", mean=7.5)]
    for d in dists:
        ours = dist_values(d, u)
        ref = draw_dist(d, 20_000, GeneratorSource(np.random.default_rng(5)))
        assert stats.ks_2samp(ours, ref).pvalue > 1e-3, d.dist
    lam = 3.7
    counts = np.bincount(np.minimum(poisson(u, lam), 11), minlength=12)
    expected = stats.poisson.pmf(np.arange(12), lam)
    expected[-1] = stats.poisson.sf(10, lam)
    assert stats.chisquare(counts, expected * u.shape[0]).pvalue > 1e-3
    k = geometric(u, np.log(np.full(u.shape, 0.75)))
    assert abs(k.mean() - 0.75 / 0.25) < 0.1


# --------------------------------------------------------------------------- administrative order


def test_admin_order_replays_simpy_scheduling(tiny) -> None:  # type: ignore[no-untyped-def]
    """The plan lists calls, reviews and deferred tranches exactly in the order SimPy runs them."""
    s = tiny.scenario
    cal = Calendar(s.scenario.start, s.scenario.end)
    clock = Clock(cal, float(cal.n_months))
    plan = build_plan(s, clock)
    env = simpy.Environment()
    seen: list[tuple[str, int, float]] = []

    def calls(i: int, prog):  # type: ignore[no-untyped-def]
        trig = prog.trigger
        if isinstance(trig, OnCall):
            t = cal.next_month_with(trig.month, clock.program_start(prog), 0.1)
            while t <= min(clock.program_end(prog), clock.horizon):
                yield env.timeout(t - env.now)
                seen.append(("call", i, env.now))
                t = cal.next_month_with(trig.month, t + 1.0, 0.1)
        elif isinstance(trig, OnSchedule):
            for t in sorted(cal.month_of(d) + 0.1 for d in trig.dates):
                if t < env.now or t >= clock.horizon:
                    continue
                yield env.timeout(t - env.now)
                seen.append(("schedule", i, env.now))

    def later(i: int, delay: float):  # type: ignore[no-untyped-def]
        if env.now + delay >= clock.horizon:
            return
        yield env.timeout(delay)
        seen.append(("tranche", i, env.now))

    def reviews(i: int, prog):  # type: ignore[no-untyped-def]
        for t in review_times(clock, prog):
            if t >= clock.horizon:
                return
            yield env.timeout(t - env.now)
            seen.append(("review", i, env.now))
            for tr in prog.payment:
                if tr.after_months > 0:
                    env.process(later(i, float(tr.after_months)))

    for i, prog in enumerate(s.programs.values()):
        env.process(calls(i, prog))
        env.process(reviews(i, prog))
    env.run(until=clock.horizon)
    ours = []
    for m in range(cal.n_months):
        for a in plan.at_call.get(m, []) + plan.at_review.get(m, []):
            if a.kind != "guidance":
                ours.append((a.kind, a.index, a.time))
    assert ours == seen


# --------------------------------------------------------------------------- the store


def test_cli_fast_engine_writes_the_same_store_as_des(tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(tiny_city_yaml(), encoding="utf-8")
    runner = CliRunner()
    for engine in ("des", "fast"):
        res = runner.invoke(main, ["run", str(path), "--reps", "6", "--out", str(tmp_path / engine),
                                   "--engine", engine])
        assert res.exit_code == 0, res.output
    des, fast = RunStore(tmp_path / "des"), RunStore(tmp_path / "fast")
    assert fast.manifest["engine"] == "fast" and fast.manifest["reps"] == 6
    for name in TABLES:
        a, b = des.table(name), fast.table(name)
        assert list(a.columns) == list(b.columns), name
        assert [str(t) for t in a.dtypes] == [str(t) for t in b.dtypes], name
        if name == "parameters":  # a row per group and drawn value (no rep column): the same draws in both engines
            assert a.equals(b) and set(zip(b["first_rep"], b["last_rep"], strict=True)) <= {(0, 6)}
            continue
        assert sorted(b["rep"].unique().tolist()) == list(range(6)), name
    assert set(fast.summary) == set(des.summary)
    assert set(fast.summary["funds"]) == set(des.summary["funds"])
