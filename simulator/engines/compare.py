"""Distributional comparison of the fast engine with the SimPy engine.

Used by ``tests/test_equivalence.py`` (small samples) and
``benchmarks/equivalence_full.py`` (large samples).  For every scenario the
outputs compared are, per replication:

* ``drawn/<fund>/<year>``: what each fund paid in each calendar year (yuan);
* ``target/<id>``: each target's metric at its deadline;
* ``exhaustion/<fund>``: the month index a fund first failed to pay an
  approved claim in full, ``horizon + 1`` when it never did.

Each output passes when

* the two-sample Kolmogorov–Smirnov test does not reject equality of the
  distributions at family-wise level ``alpha`` (Holm's step-down correction
  over the outputs of the scenario: with ~50 outputs an uncorrected 1% test
  would fail a correct engine about 40% of the time), and
* the means agree within 2%: ``|mean_fast - mean_des| <= 0.02 * max(|mean_des|, floor)
  + z * se``, where ``se`` is the standard error of the difference of the two
  sample means and ``z`` the Bonferroni-corrected two-sided normal quantile at
  the same family-wise level.  The noise allowance ``z * se`` is needed
  because a finite sample cannot pin a mean to 2% when the output's
  coefficient of variation is large (with 150 and 400 replications ``se`` is
  about 0.1 standard deviations); the check still fails whenever the
  engines' means differ by more than 2% plus sampling noise.  The ``floor``
  keeps the relative criterion meaningful near zero, where a relative
  difference says nothing a budget office cares about (a fund paying 3 yuan
  instead of 5 in a year it is not used): money outputs use 5% of the fund's
  mean yearly appropriation (at least 10,000 yuan), targets 5% of their
  threshold (at least 1), exhaustion months 12 months.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from simulator.engines.fast.engine import simulate_block
from simulator.model.calendar import Calendar
from simulator.model.metrics import MetricContext, evaluate_target, metric_series
from simulator.model.records import RepResult
from simulator.scenario import Scenario
from simulator.workers import process_pool

FloatArray = npt.NDArray[np.float64]
REL_TOL = 0.02


@dataclass(frozen=True)
class Output:
    """One compared output: its samples under each engine and its floor."""

    name: str
    des: FloatArray
    fast: FloatArray
    floor: float


@dataclass(frozen=True)
class Verdict:
    """The comparison of one output."""

    name: str
    ks_p: float
    mean_des: float
    mean_fast: float
    rel_diff: float
    allowance: float
    ks_ok: bool
    mean_ok: bool

    @property
    def ok(self) -> bool:
        """Both criteria hold."""
        return self.ks_ok and self.mean_ok


def outputs(scenario: Scenario, results: Sequence[RepResult]) -> dict[str, FloatArray]:
    """The compared outputs of a list of replications (one value per replication each)."""
    ctx = MetricContext.of(scenario)
    cal: Calendar = ctx.calendar
    out: dict[str, list[float]] = {}
    for r in results:
        for fid in scenario.funds:
            for y in cal.years:
                out.setdefault(f"drawn/{fid}/{y}", []).append(r.fund_years[(fid, y)]["drawn_fen"] / 100)
            m = r.exhaustion.get(fid)
            out.setdefault(f"exhaustion/{fid}", []).append(float(cal.n_months + 1 if m is None else m))
        for tid, t in scenario.targets.items():
            series = metric_series(ctx, t, scenario.target_city(tid), r)
            out.setdefault(f"target/{tid}", []).append(evaluate_target(ctx, tid, series).value)
    return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}


def floors(scenario: Scenario) -> dict[str, float]:
    """The absolute floor of each output's relative tolerance (see the module docstring)."""
    cal = Calendar(scenario.scenario.start, scenario.scenario.end)
    out: dict[str, float] = {}
    for fid, f in scenario.funds.items():
        approp = [f.appropriations.get(y, 0) / 100 for y in cal.years]
        scale = max(0.05 * float(np.mean(approp)), 10_000.0)
        for y in cal.years:
            out[f"drawn/{fid}/{y}"] = scale
        out[f"exhaustion/{fid}"] = 12.0
    for tid, t in scenario.targets.items():
        out[f"target/{tid}"] = max(0.05 * abs(float(t.threshold)), 1.0)
    return out


def compare(scenario: Scenario, des: Sequence[RepResult], fast: Sequence[RepResult], alpha: float = 0.01) -> list[Verdict]:
    """Compare the engines' outputs for one scenario (see the module docstring for the criteria)."""
    a, b = outputs(scenario, des), outputs(scenario, fast)
    fl = floors(scenario)
    items = [Output(k, a[k], b[k], fl[k]) for k in a]
    k = len(items)
    pvals = []
    for it in items:
        if np.ptp(np.concatenate([it.des, it.fast])) == 0:
            pvals.append(1.0)
        else:
            pvals.append(float(stats.ks_2samp(it.des, it.fast).pvalue))
    # Holm's step-down: the i-th smallest p-value is compared with alpha / (k - i)
    order = np.argsort(pvals)
    ks_ok = [True] * k
    for rank, i in enumerate(order.tolist()):
        if pvals[i] <= alpha / (k - rank):
            ks_ok[i] = False
        else:
            break
    z = float(stats.norm.ppf(1 - alpha / (2 * max(k, 1))))
    verdicts = []
    for i, it in enumerate(items):
        md, mf = float(it.des.mean()), float(it.fast.mean())
        se = math.sqrt(it.des.var(ddof=1) / it.des.size + it.fast.var(ddof=1) / it.fast.size) \
            if it.des.size > 1 and it.fast.size > 1 else 0.0
        scale = max(abs(md), it.floor)
        allowance = REL_TOL * scale + z * se
        verdicts.append(Verdict(it.name, pvals[i], md, mf, (mf - md) / scale, allowance / scale, ks_ok[i],
                                abs(mf - md) <= allowance))
    return verdicts


def table(verdicts: Sequence[Verdict]) -> str:
    """A fixed-width text table of verdicts."""
    head = f"{'output':<46} {'KS p':>8} {'mean DES':>16} {'mean fast':>16} {'rel.diff':>9} {'allow':>7}  result"
    rows = [head, "-" * len(head)]
    for v in verdicts:
        flag = "pass" if v.ok else ("FAIL(ks)" if not v.ks_ok else "FAIL(mean)")
        rows.append(f"{v.name[:46]:<46} {v.ks_p:8.3f} {v.mean_des:16.2f} {v.mean_fast:16.2f} "
                    f"{100 * v.rel_diff:8.2f}% {100 * v.allowance:6.2f}%  {flag}")
    return "\n".join(rows)


def _des_block(scenario: Scenario, seed: int, first: int, last: int) -> list[RepResult]:
    from simulator.engines.des.world import run_replication

    return [run_replication(scenario, seed, r) for r in range(first, last)]


def run_both(scenario: Scenario, seed: int, n_des: int, n_fast: int, jobs: int = 2,
             block: int = 25) -> tuple[list[RepResult], list[RepResult]]:
    """Replications ``0..n-1`` of both engines; the SimPy ones on ``jobs`` processes while the fast ones run here."""
    chunks = [(a, min(a + block, n_des)) for a in range(0, n_des, block)]
    if jobs <= 1:
        des = [r for a, b in chunks for r in _des_block(scenario, seed, a, b)]
        fast = [r for a in range(0, n_fast, block) for r in simulate_block(scenario, seed, range(a, min(a + block, n_fast)))]
        return des, fast
    with process_pool(jobs) as pool:  # spawn-started workers that die with this process
        futures = [pool.submit(_des_block, scenario, seed, a, b) for a, b in chunks]
        fast = [r for a in range(0, n_fast, block) for r in simulate_block(scenario, seed, range(a, min(a + block, n_fast)))]
        des = [r for fut in futures for r in fut.result()]
    return des, fast
