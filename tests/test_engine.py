"""The SimPy engine: conservation, balances, claim end states, determinism, analytic checks."""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import simpy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.engines.des.fund import Pool, end_states
from simulator.engines.des.world import World, run_replication
from simulator.runner import RunOptions, run
from tests.engine_fixtures import tiny_city_yaml, write_and_load

END_STATES = {"paid", "partly_paid", "queued", "refused", "not_approved", "pending"}


def _run_world(loaded, seed: int, rep: int, watch_balances: bool = True) -> World:  # type: ignore[no-untyped-def]
    env = simpy.Environment()
    w = World(env, loaded.scenario, seed, rep)
    w.setup()
    w._arrears_at_year_end = {}
    env.process(w.year_end_arrears())
    if watch_balances:
        lowest: dict[str, int] = defaultdict(int)
        original = Pool._allocate

        def watched(self: Pool, *args, **kwargs):  # type: ignore[no-untyped-def]
            original(self, *args, **kwargs)
            lowest[self.fid] = min(lowest[self.fid], self.balance)

        Pool._allocate = watched  # type: ignore[method-assign]
        try:
            env.run(until=w.horizon)
        finally:
            Pool._allocate = original  # type: ignore[method-assign]
        assert all(v >= 0 for v in lowest.values()), lowest
    else:
        env.run(until=w.horizon)
    return w


policies = st.sampled_from(["fcfs", "queue", "prorata"])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    budget=st.integers(min_value=0, max_value=400),
    policy=policies,
    year_end=st.sampled_from(["carry_over", "lapse"]),
    applicants=st.floats(min_value=0, max_value=60),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    staged=st.booleans(),
)
def test_conservation_balances_and_end_states(tmp_path: Path, budget: int, policy: str, year_end: str,
                                              applicants: float, seed: int, staged: bool) -> None:
    payment = "[{share: 0.6}, {share: 0.4, after_months: 12}]" if staged else "[{share: 1}]"
    loaded = write_and_load(tmp_path, tiny_city_yaml(budget_wan=budget, overclaim=policy, year_end=year_end,
                                                     applicants=applicants, payment=payment, seed=seed % 1000))
    w = _run_world(loaded, seed, 0)
    res = w.result()
    # Conservation: payments recorded in the ledger equal the funds' draws, per fund and per level.
    by_fund: dict[str, int] = defaultdict(int)
    by_level: dict[str, int] = defaultdict(int)
    for (_m, fund, level, _p), fen in res.draws.items():
        by_fund[fund] += fen
        by_level[level] += fen
    for fid, pool in w.pools.items():
        assert by_fund[fid] == sum(fy.drawn for fy in pool.years.values())
        assert pool.balance >= 0
    levels: dict[str, int] = defaultdict(int)
    for pool in w.pools.values():
        levels[pool.level] += sum(fy.drawn for fy in pool.years.values())
    assert dict(by_level) == {k: v for k, v in levels.items() if v}
    # Payments to claims equal the ledger.
    claims = [c for d in w.desks.values() for c in d.claims] + w.guidance_claims
    assert sum(c.paid_fen for c in claims) == sum(res.draws.values())
    # Every claim ends in exactly one state; the claims table counts each once.
    pending = {c.cid for d in w.desks.values() for c in d.pending}
    states = end_states(claims, pending)
    assert set(states) <= END_STATES
    assert sum(v[0] for v in res.claims.values()) == len(claims)
    for c, s in zip(claims, states, strict=True):
        assert 0 <= c.paid_fen <= c.requested_fen or not c.approved
        if s == "paid":
            assert c.paid_fen == c.requested_fen
        if s in ("not_approved", "pending"):
            assert c.paid_fen == 0
    # Balance arithmetic by fiscal year.
    for (_fid, _y), row in res.fund_years.items():
        assert row["drawn_fen"] <= row["carried_in_fen"] + row["appropriated_fen"] + row["income_fen"]
        assert row["balance_end_fen"] >= 0
    if policy != "queue":
        assert all(pool.arrears() == 0 for fid, pool in w.pools.items() if w.pools[fid].spec.overclaim != "queue")


def _digest(folder: Path) -> dict[str, str]:
    out = {}
    for p in [*sorted(folder.rglob("*.parquet")), folder / "summary.json"]:
        out[str(p.relative_to(folder))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.mark.parametrize("engine", ["des", "fast"])
def test_same_seed_same_bytes_other_seed_differs_and_jobs_do_not_matter(tmp_path: Path, engine: str) -> None:
    loaded = write_and_load(tmp_path, tiny_city_yaml())
    a = run(loaded, RunOptions(reps=30, seed=11, out=tmp_path / "a", progress=False, block=10, engine=engine))
    b = run(loaded, RunOptions(reps=30, seed=11, out=tmp_path / "b", progress=False, block=10, engine=engine))
    c = run(loaded, RunOptions(reps=30, seed=11, out=tmp_path / "c", jobs=2, progress=False, block=10, engine=engine))
    d = run(loaded, RunOptions(reps=30, seed=12, out=tmp_path / "d", progress=False, block=10, engine=engine))
    assert c.manifest["engine"] == engine
    assert _digest(a.path) == _digest(b.path)
    assert _digest(a.path) == _digest(c.path)
    da, dd = _digest(a.path), _digest(d.path)
    assert da.keys() == dd.keys()
    assert da != dd
    assert a.table("draws").equals(c.table("draws"))
    assert not a.table("draws").equals(d.table("draws"))


def test_existing_output_is_not_overwritten(tmp_path: Path) -> None:
    from simulator.store import StoreError

    loaded = write_and_load(tmp_path, tiny_city_yaml())
    out = tmp_path / "r"
    run(loaded, RunOptions(reps=2, seed=1, out=out, progress=False))
    with pytest.raises(StoreError, match="--force"):
        run(loaded, RunOptions(reps=2, seed=1, out=out, progress=False))
    other = tmp_path / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("x")
    with pytest.raises(StoreError, match="not a fiscalsim result store"):
        run(loaded, RunOptions(reps=2, seed=1, out=other, force=True, progress=False))
    assert (other / "keep.txt").exists()
    run(loaded, RunOptions(reps=2, seed=1, out=out, force=True, progress=False))


ANALYTIC = """
scenario: {id: poisson, name: 泊松检验, start: 2021-01-01, end: 2023-12-31, seed: 5}
jurisdictions:
  city: {name: 市, level: city}
funds:
  f: {name: 资金, owner: city, appropriations: {2021: "100亿元", 2022: "100亿元", 2023: "100亿元"},
      source: "assumption: no budget limit"}
programs:
  P:
    name: 固定奖励
    trigger: {on: call, month: 3, applicants: 30}
    rule: {kind: fixed, amount: "10万元"}
    split: [{fund: f}]
    review: {every: month, delay_months: 0, approval: 0.8}
    source: "assumption: analytic check"
"""


def test_poisson_fixed_award_mean_draw_matches_theory(tmp_path: Path) -> None:
    """Poisson(30) applicants a year, approval 0.8, fixed 10万元, 3 years: E[draw] = 3 * 30 * 0.8 * 10万元."""
    loaded = write_and_load(tmp_path, ANALYTIC, "poisson.yaml")
    n = 400
    totals = np.array([sum(run_replication(loaded.scenario, 5, r).draws.values()) / 100 for r in range(n)])
    expected = 3 * 30 * 0.8 * 100_000
    # Var of a compound Poisson total = rate * E[X^2] = 90 * 0.8 * (1e5)^2 (thinned Poisson).
    sd_theory = math.sqrt(90 * 0.8) * 100_000
    half = 3.29 * totals.std(ddof=1) / math.sqrt(n)  # 99.9% confidence interval of the mean
    assert abs(totals.mean() - expected) < half, (totals.mean(), expected, half)
    assert 0.8 * sd_theory < totals.std(ddof=1) < 1.2 * sd_theory


def test_firm_stock_without_flows_decays_at_exit_rate(tmp_path: Path) -> None:
    """With only exits (rate 0.2/yr), E[firms alive after 3 years] = N * exp(-0.6)."""
    text = """
scenario: {id: decay, name: 退出检验, start: 2021-01-01, end: 2023-12-31, seed: 9}
jurisdictions:
  city: {name: 市, level: city}
populations:
  city:
    firms: {baseline: {startup: 500}, sme_rate: 0, exit_rate: 0.2, source: "assumption: analytic check"}
targets:
  T: {name: 企业数, metric: {count: firms, state: startup}, threshold: 1, deadline: 2023-12-31, source: "assumption: check"}
"""
    loaded = write_and_load(tmp_path, text, "decay.yaml")
    vals = []
    for r in range(60):
        res = run_replication(loaded.scenario, 9, r)
        vals.append(res.counts[-1].sum())
    arr = np.array(vals, dtype=float)
    expected = 500 * math.exp(-0.2 * 3)
    half = 3.29 * arr.std(ddof=1) / math.sqrt(len(arr))
    assert abs(arr.mean() - expected) < half + 1.0


def test_support_does_not_postpone_a_firm_already_ready(tmp_path: Path) -> None:
    """A tech SME ready for HTE and waiting for its window keeps its application date when money
    arrives; one not yet ready has its readiness redrawn under the boosted hazard."""
    loaded = write_and_load(tmp_path, tiny_city_yaml())
    env = simpy.Environment()
    w = World(env, loaded.scenario, 1, 0)
    w.setup()
    env.run(until=5.0)  # mid-replication: firms are planned
    smes = [e for e in w.entities.values() if getattr(e, "state", None) == "tech_sme" and e.t_result == float("inf")]
    ready = [f for f in smes if f.t_ready <= env.now < f.t_apply]
    waiting = [f for f in smes if f.t_ready > env.now]
    assert ready and waiting, "the fixture has firms in both situations"
    before_ready = [(f.t_ready, f.t_apply) for f in ready]
    before_waiting = [f.t_ready for f in waiting]
    for f in ready + waiting:
        w.support(f.eid, "hte", 2.0, 12)
    assert [(f.t_ready, f.t_apply) for f in ready] == before_ready
    assert all(f.boost == 2.0 for f in ready)
    assert [f.t_ready for f in waiting] != before_waiting


def test_jobs_default_uses_every_cpu_only_for_runs_large_enough() -> None:
    from simulator.runner import AUTO_JOBS_BLOCKS, auto_jobs

    assert auto_jobs("fast", 1000, 50, cpus=2) == 2
    assert auto_jobs("fast", 50 * (AUTO_JOBS_BLOCKS["fast"] - 1), 50, cpus=2) == 1  # too few blocks to repay workers
    assert auto_jobs("fast", 50 * AUTO_JOBS_BLOCKS["fast"], 50, cpus=8) == AUTO_JOBS_BLOCKS["fast"]  # no idle workers
    assert auto_jobs("des", 26, 25, cpus=2) == 2
    assert auto_jobs("des", 25, 25, cpus=2) == 1
    assert auto_jobs("fast", 1000, 50, cpus=1) == 1
    auto = RunOptions(reps=1000, seed=1, out=Path("unused"), jobs=None, engine="fast").resolved()
    assert auto.jobs == auto_jobs("fast", 1000, 50)
    assert RunOptions(reps=1000, seed=1, out=Path("unused"), jobs=1, engine="fast").resolved().jobs == 1
