"""The observed history replayed with the fast engine, for any values of the fitted parameters.

The replay starts on 1 January after the first observation (the initial
stock: the scenario's baseline scaled so that this observation holds) and
ends on 31 December of the last observed year.  It keeps the scenario's
behaviour and drops the money of the policy (programs, funds' appropriations,
guidance funds: they did not exist yet) and, when every observed metric counts
firms, the platforms, incubators and indicators (they do not touch firms).

Parameters are given at the scenario's start, where the projection uses them.
With a trend growth ``g`` the engine multiplies firm arrivals and the
HTE-readiness hazard by ``(1 + g) ** k`` in the ``k``-th year after the replay's
start year, so the replay starts from these values divided by
``(1 + g) ** (start year − replay start year)``: at the scenario's start year
the replay's rates are the projection's.

Replications run in ``groups``: group ``g`` draws one set of year factors
(a common yearly shock on the city's hazards, :func:`~simulator.model.yearfx.draw_year_factors`)
from its own stream and runs replications ``g·k … g·k + k − 1``.  The
streams depend only on the seed and the indices, so every proposal of the
sampler sees the same random numbers (common random numbers).
"""

from __future__ import annotations

import copy
import gc
import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from simulator.calibrate.observed import Observation, metric_for
from simulator.engines.fast.engine import simulate_block
from simulator.errors import InputError, Problem
from simulator.i18n import Msg
from simulator.loader import LoadedScenario, split_path
from simulator.model.metrics import MetricContext, metric_series
from simulator.scenario import FirmPopulation, Metric, Population, Scenario, Target

YEARFX_STREAM = 7_300_001
"""Spawn-key tag of the year-factor streams of the replay (``SeedSequence(seed, spawn_key=(tag, group))``)."""

GROWN = ("hte_rate", "arrivals_per_year")
"""Firm fields the trend growth multiplies (see :class:`simulator.scenario.FirmPopulation`)."""


def supports_growth() -> bool:
    """Whether the scenario language has a trend growth of firms."""
    return "growth" in FirmPopulation.model_fields


def supports_year_factors() -> bool:
    """Whether the scenario language has yearly factors on a city's hazards."""
    return "year_factor" in Population.model_fields


SimValues = dict[tuple[str, int], np.ndarray]
"""Simulated year-end values by (metric, year), one per replication."""


def _set(raw: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted path in a raw scenario tree."""
    segs = split_path(path)
    node: Any = raw
    for seg in segs[:-1]:
        node = node[int(seg)] if isinstance(node, list) else node[str(seg)]
    if isinstance(node, list):
        node[int(segs[-1])] = value
    else:
        node[str(segs[-1])] = value


def _get(raw: dict[str, Any], path: str) -> Any:
    """Read a dotted path in a raw scenario tree (``KeyError``, ``IndexError`` or ``TypeError`` if absent)."""
    node: Any = raw
    for seg in split_path(path):
        node = node[int(seg)] if isinstance(node, list) else node[str(seg)]
    return node


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Move the objects alive now out of the garbage collector's sight while the replay runs.

    The fast engine collects garbage after every block; with the loaded
    scenario, pydantic and numpy on the heap a collection costs more than a
    small block.  Freezing makes it scan only what the replay allocates.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@dataclass
class Replay:
    """The history of one city, ready to be simulated for any parameter values.

    Attributes:
        loaded: The scenario as loaded.
        city: The city replayed.
        anchor: The first observation (the initial stock).
        fitted: Observations the likelihood uses (after the anchor, up to the scenario's start).
        later: Observations after the scenario's start (shown by the predictive check, never fitted).
        metrics: Each observed metric by name.
        first_year: First calendar year of the replay.
        last_year: Last calendar year of the replay.
        start_year: Calendar year of the scenario's start.
        base: The raw history scenario (without the parameter values of a proposal).
    """

    loaded: LoadedScenario
    city: str
    anchor: Observation
    fitted: list[Observation]
    later: list[Observation]
    metrics: dict[str, Metric]
    first_year: int
    last_year: int
    start_year: int
    base: dict[str, Any]

    @property
    def years(self) -> list[int]:
        """Calendar years of the replay."""
        return list(range(self.first_year, self.last_year + 1))

    @property
    def observations(self) -> list[Observation]:
        """Every observation after the anchor (fitted first, then later ones)."""
        return [*self.fitted, *self.later]

    def scenario(self, values: dict[str, float], growth: float = 0.0,
                 year_factor: dict[int, float] | None = None) -> Scenario:
        """The history scenario for parameter values given at the scenario's start."""
        raw = copy.deepcopy(self.base)
        shrink = (1.0 + growth) ** (self.start_year - self.first_year)
        firms_prefix = f"populations.{self.city}.firms."
        for path, v in values.items():
            grown = path.startswith(firms_prefix) and path[len(firms_prefix):] in GROWN
            _set(raw, path, v / shrink if grown else v)
        firms = raw["populations"][self.city].setdefault("firms", {})
        if growth:
            firms["growth"] = growth
            if f"{firms_prefix}arrivals_per_year" not in values:
                firms["arrivals_per_year"] = float(firms.get("arrivals_per_year", 0.0)) / shrink
        if year_factor:
            raw["populations"][self.city]["year_factor"] = dict(year_factor)
        return Scenario.model_validate(raw)

    def simulate(self, values: dict[str, float], growth: float, spreads: Sequence[float], reps: int,
                 seed: int) -> SimValues:
        """Year-end values of every observed metric, ``reps`` replications in each group.

        Args:
            values: Fitted parameters at the scenario's start, by scenario path.
            growth: Trend growth a year (0 for the constant form).
            spreads: The year-effect spread of each group (its length is the number of groups;
                a spread of 0 draws no year factors).
            reps: Replications per group.
            seed: Root seed of the replications and of the year factors.
        """
        out: dict[tuple[str, int], list[float]] = {(o.metric, o.year): [] for o in self.observations}
        for g, sd in enumerate(spreads):
            factors = self.year_factors(seed, g, sd)
            s = self.scenario(values, growth, factors)
            ctx = MetricContext.of(s)
            cal = ctx.calendar
            targets = {name: Target(name=name, metric=m, threshold=0, deadline=s.scenario.end)
                       for name, m in self.metrics.items()}
            for res in simulate_block(s, seed, range(g * reps, (g + 1) * reps)):
                series = {name: metric_series(ctx, t, self.city, res) for name, t in targets.items()}
                for metric, year in out:
                    month = min(cal.month_of(date(year, 12, 1)), cal.n_months - 1)
                    out[(metric, year)].append(float(series[metric][month]))
        return {k: np.asarray(v) for k, v in out.items()}

    def year_factors(self, seed: int, group: int, sd: float) -> dict[int, float] | None:
        """The year factors of one group (the same normals for every spread: common random numbers)."""
        if sd <= 0 or not supports_year_factors():
            return None
        from simulator.model.yearfx import draw_year_factors

        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(YEARFX_STREAM, group)))
        return draw_year_factors(rng, self.years, sd)

    def model_hash(self, paths: Sequence[str], priors: dict[str, Any]) -> str:
        """A hash of what the calibration depends on: the replayed population without the fitted values, and the priors.

        The scenario file's own hash would change with every calibration (the
        fitted values are part of it), so this one leaves them out.
        """
        pop = copy.deepcopy(self.base["populations"][self.city])
        prefix = f"populations.{self.city}."
        for path in paths:
            segs = split_path(path[len(prefix):]) if path.startswith(prefix) else []
            node: Any = pop
            for seg in segs[:-1]:
                node = node.get(str(seg), {}) if isinstance(node, dict) else {}
            if segs and isinstance(node, dict):
                node.pop(str(segs[-1]), None)
        canon = json.dumps({"population": pop, "start": self.loaded.scenario.scenario.start.isoformat(),
                            "years": [self.first_year, self.last_year], "priors": priors},
                           sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(canon.encode("utf-8")).hexdigest()


def _no_fit(msg: Msg, expected: Msg) -> InputError:
    return InputError(Problem(msg, path="--observed", expected=expected))


def prepare(loaded: LoadedScenario, observed: Sequence[Observation], city: str | None = None) -> Replay:
    """Split the observations (anchor, fitted, later) and build the history scenario.

    Raises:
        InputError: Several cities and no ``city``; fewer than two observations up to the scenario's start.
    """
    s = loaded.scenario
    cities = s.cities()
    city = city or (cities[0] if len(cities) == 1 else None)
    if city is None or city not in cities:
        raise InputError(Problem(Msg("请指定城市", "name the city"), path="--city", value=city, has_value=city is not None,
                                 expected=Msg(f"情景中的城市之一：{', '.join(cities)}", f"one of the scenario's cities: {', '.join(cities)}")))
    start = s.scenario.start
    # A yearly figure is the stock at the end of that year; at month granularity it is usable
    # when December of that year is not after the start month.
    usable = [o for o in observed if date(o.year, 12, 1) <= start.replace(day=1)]
    if not usable:
        raise _no_fit(Msg(f"没有日期不晚于情景开始日（{start}）的观测", f"no observation is dated up to the scenario's start ({start})"),
                      Msg("至少一个不晚于开始日的年末观测", "at least one year-end observation not after the start"))
    anchor = min(usable, key=lambda o: o.year)
    fitted = [o for o in usable if o.year > anchor.year]
    if not fitted:
        raise _no_fit(Msg("只有一个观测不晚于情景开始日", "only one observation is dated up to the scenario's start"),
                      Msg("两个或以上（第一个是回放的初始存量）", "two or more (the first one is the initial stock of the replay)"))
    later = [o for o in observed if o not in usable]
    metrics = {o.metric: metric_for(s, o.metric, city) for o in observed}
    first_year = anchor.year + 1
    last_year = max(o.year for o in observed if o.year >= first_year)
    base = _history_raw(loaded, city, first_year, last_year, anchor, metrics)
    return Replay(loaded, city, anchor, fitted, later, metrics, first_year, last_year, start.year, base)


def _history_raw(loaded: LoadedScenario, city: str, first_year: int, last_year: int, anchor: Observation,
                 metrics: dict[str, Metric]) -> dict[str, Any]:
    """The raw history scenario: no policy money, baseline scaled to the anchor."""
    raw = copy.deepcopy(loaded.raw)
    raw["scenario"] = {**raw["scenario"], "start": date(first_year, 1, 1), "end": date(last_year, 12, 31)}
    raw["programs"] = {}
    raw["guidance_funds"] = {}
    raw["targets"] = {}
    for f in raw.get("funds", {}).values():
        f["appropriations"] = {}
    pops = raw.get("populations", {})
    anchor_metric = metrics[anchor.metric]
    if all(m.count == "firms" for m in metrics.values()):
        raw["indicators"] = {}
        for pop in pops.values():
            pop.pop("platforms", None)
            pop.pop("incubators", None)
    if anchor_metric.count == "firms" and anchor_metric.state and city in pops:
        base = pops[city].setdefault("firms", {}).setdefault("baseline", {})
        current = float(base.get(anchor_metric.state, 0) or 0)
        scale = anchor.value / current if current > 0 else 1.0
        for k in list(base):
            base[k] = round(float(base[k]) * scale)
        base[anchor_metric.state] = round(anchor.value)
    return raw


def check_paths(replay: Replay, paths: Sequence[str]) -> dict[str, float]:
    """Each fitted path's current value (it must be a number in the scenario).

    Raises:
        InputError: A path that does not lead to a number.
    """
    out: dict[str, float] = {}
    for p in paths:
        try:
            v = _get(replay.loaded.raw, p)
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise TypeError(p)
        except (KeyError, IndexError, TypeError, ValueError):
            raise InputError(Problem(Msg("不是情景中的数值", "not a numeric scenario value"), file=replay.loaded.file,
                                     path=p, expected=Msg("指向数值的点分路径，如 populations.taian.firms.hte_rate",
                                                          "a dotted path to a number, e.g. populations.taian.firms.hte_rate"))) from None
        out[p] = float(v)
    return out
