"""The sweep adapter for real scenarios: a design point = scenario overrides; outputs per replication.

A point's factor values are applied as dotted-path overrides through the
loader (so every value is validated and keeps its provenance), then a block of
replications runs on the chosen engine.  Replication ``k`` draws its numbers
from ``(seed, k)`` only, so every design point sees the same random numbers
(common random numbers).  The behaviour parameters that are not factors keep
their priors: each replication group runs on its own drawn vector, from
streams of ``(seed, group)`` (the same at every point), unless the spec says
``fixed_params: true`` (see :mod:`simulator.uncertainty`).

Output columns per replication:

* ``target.<id>.value``, ``target.<id>.attained`` (bool);
* ``fund.<id>.drawn_yuan``, ``fund.<id>.refused_yuan``, ``fund.<id>.arrears_yuan``,
  ``fund.<id>.exhausted`` (bool).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.i18n import Msg
from simulator.loader import load_scenario
from simulator.model.metrics import MetricContext, evaluate_target, metric_series
from simulator.model.records import RepResult
from simulator.runner import engine_available, engine_fn
from simulator.scenario import Nowcast, Scenario
from simulator.sweep.errors import SweepSetupError
from simulator.sweep.model import SweepModel
from simulator.uncertainty.draws import UncertaintyPlan, build_plan, segments

__all__ = ["ScenarioFactory", "ScenarioSweepModel", "outputs_of", "scenario_factory"]


def outputs_of(ctx: MetricContext, results: Sequence[RepResult]) -> pd.DataFrame:
    """One row per replication with the sweep's output columns."""
    s = ctx.scenario
    last_year = ctx.calendar.years[-1]
    rows: list[dict[str, Any]] = []
    for r in results:
        row: dict[str, Any] = {"rep": r.rep}
        for tid in s.targets:
            out = evaluate_target(
                ctx, tid, metric_series(ctx, s.targets[tid], s.target_city(tid), r)
            )
            row[f"target.{tid}.value"] = out.value
            row[f"target.{tid}.attained"] = out.attained
        drawn: dict[str, int] = dict.fromkeys(s.funds, 0)
        for (_m, fund, _lvl, _prog), fen in r.draws.items():
            drawn[fund] += fen
        for fid in s.funds:
            years = [v for (f, _y), v in r.fund_years.items() if f == fid]
            row[f"fund.{fid}.drawn_yuan"] = drawn[fid] / 100
            row[f"fund.{fid}.refused_yuan"] = sum(v["refused_fen"] for v in years) / 100
            row[f"fund.{fid}.arrears_yuan"] = (
                r.fund_years.get((fid, last_year), {}).get("arrears_fen", 0) / 100
            )
            row[f"fund.{fid}.exhausted"] = r.exhaustion.get(fid) is not None
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass
class ScenarioSweepModel:
    """Runs blocks of replications of a scenario at a design point."""

    path: str
    engine: str
    fixed_params: bool = False
    nowcast: Nowcast | None = None
    _cache: dict[tuple[tuple[str, str], ...], tuple[Scenario, UncertaintyPlan]] = field(default_factory=dict)

    def point(self, values: Mapping[str, object]) -> tuple[Scenario, UncertaintyPlan]:
        """The scenario with a point's values applied, and its parameter draws (cached per point)."""
        key = tuple(sorted((k, repr(v)) for k, v in values.items()))
        if key not in self._cache:
            if len(self._cache) > 64:
                self._cache.clear()
            loaded = load_scenario(self.path, overrides=dict(values))
            if self.nowcast is not None:  # every point starts from the same actual figures
                loaded = replace(loaded, scenario=loaded.scenario.model_copy(update={"nowcast": self.nowcast}))
            self._cache[key] = (loaded.scenario, build_plan(loaded, fixed=True if self.fixed_params else None))
        return self._cache[key]

    def scenario_at(self, values: Mapping[str, object]) -> Scenario:
        """The scenario with a point's values applied (cached per point), at central parameter values."""
        return self.point(values)[0]

    def run_block(
        self, values: Mapping[str, object], reps: Sequence[int], seed: int
    ) -> pd.DataFrame:
        """Run replications ``reps`` of one design point (see the sweep's ``SweepModel``)."""
        s, plan = self.point(values)
        run = engine_fn(self.engine)
        reps = list(reps)
        results: list[RepResult] = []
        # Engines take contiguous ranges; split the block where it is not contiguous.
        start = 0
        for i in range(1, len(reps) + 1):
            if i == len(reps) or reps[i] != reps[i - 1] + 1:
                for seg in segments(plan, s, seed, reps[start], reps[i - 1] + 1, reps[i - 1] + 1):
                    results.extend(run(seg.scenario, seed, range(seg.first, seg.last)))
                start = i
        return outputs_of(MetricContext.of(s), results)


@dataclass(frozen=True)
class ScenarioFactory:
    """Picklable recipe for :class:`ScenarioSweepModel` (sent to worker processes)."""

    path: str
    engine: str
    fixed_params: bool = False
    nowcast: Nowcast | None = None

    def build(self) -> SweepModel:
        """Build the model in the worker.

        Returns:
            The scenario model.
        """
        return ScenarioSweepModel(self.path, self.engine, self.fixed_params, self.nowcast)


def scenario_factory(scenario_path: Path, engine: str, fixed_params: bool = False,
                     nowcast: Nowcast | None = None) -> ScenarioFactory:
    """Return the factory that runs a scenario file on an engine.

    Args:
        scenario_path: Absolute path of the scenario file.
        engine: ``fast`` or ``des``.
        fixed_params: Keep the parameters that are not factors at their central values.
        nowcast: The actual figures every point starts from (the spec's ``actuals``), if any.

    Returns:
        The factory (the scenario itself is loaded in each worker, per point).

    Raises:
        SweepSetupError: If the scenario file is missing or the engine unknown.
    """
    if not scenario_path.is_file():
        raise SweepSetupError(Msg(f"情景文件不存在：{scenario_path}", f"scenario file not found: {scenario_path}"))
    if not engine_available(engine):
        raise SweepSetupError(Msg(f"未知的引擎 {engine!r}；应为 fast 或 des", f"unknown engine {engine!r}; expected fast or des"))
    return ScenarioFactory(str(scenario_path), engine, fixed_params, nowcast)
