"""The parameter draws of a run: which params, in which groups, from which streams.

Replications come in groups of :attr:`UncertaintyPlan.group_size` (the last one
may be shorter); group ``g`` holds replications ``g·n … (g+1)·n − 1`` and runs
on one scenario: the loaded one with one drawn vector put in
(:func:`~simulator.uncertainty.apply.apply_values`).  Each drawn quantity has
its own stream, ``SeedSequence(seed, spawn_key=(PARAM_STREAM, g, crc32(name)))``,
apart from every replication's event streams (``(rep, key)``, ``rep`` <
:data:`PARAM_STREAM`): replication ``k`` draws the same event numbers whether
parameters are drawn or not, under every variant and sweep point (common
random numbers), and a param's draw does not change when another param is
added, fixed or removed.

A param defined once (``behaviour.firms.hte_rate``) and referred to from
several scenario paths (each city's population) is drawn once per group and
put into every path.  A posterior (interface of ``fiscalsim calibrate``) gives
one row per group for the paths it lists; those paths take the row's values.
Common yearly shocks: the spread ``behaviour.year_effects.sd`` (drawn too, if
it has a prior) feeds :func:`simulator.model.yearfx.draw_year_factors` for each
city, written into ``populations.<city>.year_factor``.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from simulator.errors import InputError, Problem
from simulator.i18n import Msg
from simulator.loader import LoadedScenario
from simulator.params import Parameter
from simulator.scenario import Scenario
from simulator.uncertainty.apply import apply_values, scenario_path, value_at
from simulator.uncertainty.posterior import Posterior, load_posterior
from simulator.uncertainty.priors import Prior, derived_prior, prior_of

PARAM_STREAM = 2_000_003
"""First spawn-key element of the parameter streams: above every replication index (at most 2,000,000)."""
DEFAULT_GROUP_SIZE = 10
"""Replications per parameter draw unless the scenario's ``uncertainty.group_size`` or the run says otherwise."""
YEAR_SD = "behaviour.year_effects.sd"
"""The param holding the spread (log-scale sd) of the common yearly shocks."""
POSTERIOR_ROW = "posterior.row"
"""Name under which a group's posterior row index is stored."""


@dataclass(frozen=True)
class DrawnParam:
    """A param drawn once per group and the scenario paths it feeds.

    Attributes:
        name: The param (``<file stem>.<key>``).
        prior: Its prior.
        central: Its value in force (what ``--fixed-params`` uses).
        paths: Scenario paths that refer to it (posterior paths excluded).
        scales: For each path, scenario units per params unit (100 for an
            amount in yuan held as fen, else 1).
    """

    name: str
    prior: Prior
    central: float
    paths: tuple[str, ...]
    scales: tuple[float, ...]


@dataclass(frozen=True)
class GroupDraw:
    """One group's draw: its replications, the named values stored, and the scenario paths set.

    Attributes:
        group: The group index.
        first: Its first replication.
        last: One past its last replication.
        values: ``{name: value}`` as stored in the ``parameters`` table (params
            by name, ``posterior.row``, ``posterior:<path>``,
            ``year_factor.<city>.<year>``).
        paths: ``{scenario path: value}`` in scenario units.
        year_factor: ``{city: {year: factor}}``.
    """

    group: int
    first: int
    last: int
    values: dict[str, float]
    paths: dict[str, float]
    year_factor: dict[str, dict[int, float]]


@dataclass(frozen=True)
class UncertaintyPlan:
    """What a run draws (nothing with ``fixed``), in groups of ``group_size``."""

    fixed: bool
    group_size: int
    params: tuple[DrawnParam, ...]
    year_sd: tuple[Prior | None, float] | None
    cities: tuple[str, ...]
    years: tuple[int, ...]
    posterior: Posterior | None
    descriptions: tuple[tuple[str, str], ...] = ()
    """``(name, description)`` of the drawn params and posterior paths, as their params entries describe them."""

    def groups(self, reps: int) -> Iterator[tuple[int, int, int]]:
        """``(group, first, last)`` for ``reps`` replications."""
        n = self.group_size
        for g, first in enumerate(range(0, reps, n)):
            yield g, first, min(first + n, reps)

    def group_of(self, rep: int) -> int:
        """The group of a replication."""
        return rep // self.group_size

    def draw(self, seed: int, group: int, reps: int) -> GroupDraw:
        """Group ``group``'s draw (deterministic in ``seed`` and ``group``)."""
        first = group * self.group_size
        last = min(first + self.group_size, reps)
        values: dict[str, float] = {}
        paths: dict[str, float] = {}
        factors: dict[str, dict[int, float]] = {}
        if self.fixed:
            return GroupDraw(group, first, last, values, paths, factors)
        for p in self.params:
            x = p.prior.draw(stream(seed, group, p.name))
            values[p.name] = x
            paths.update({path: x * scale for path, scale in zip(p.paths, p.scales, strict=True)})
        if self.posterior is not None:
            i, row = self.posterior.row(stream(seed, group, POSTERIOR_ROW))
            values[POSTERIOR_ROW] = float(i)
            values.update({f"posterior:{k}": v for k, v in row.items()})
            paths.update(row)
        if self.year_sd is not None and self.cities:
            from simulator.model.yearfx import draw_year_factors

            prior, central = self.year_sd
            sd = prior.draw(stream(seed, group, YEAR_SD)) if prior is not None else central
            if prior is not None:
                values[YEAR_SD] = sd
            for city in self.cities:
                factors[city] = draw_year_factors(stream(seed, group, f"year_factor.{city}"), self.years, max(sd, 0.0))
                values.update({f"year_factor.{city}.{y}": f for y, f in factors[city].items()})
        return GroupDraw(group, first, last, values, paths, factors)

    def scenario_for(self, base: Scenario, draw: GroupDraw) -> Scenario:
        """The scenario a group runs on (``base`` itself when nothing is drawn)."""
        if not draw.paths and not draw.year_factor:
            return base
        s = apply_values(base, draw.paths)
        if draw.year_factor:
            pops = {c: pop.model_copy(update={"year_factor": draw.year_factor[c]}) if c in draw.year_factor else pop
                    for c, pop in s.populations.items()}
            s = s.model_copy(update={"populations": pops})
        return s

    def labels(self) -> dict[str, str]:
        """The manifest's ``parameter_labels``: each drawn quantity's description (for the report's charts)."""
        return {} if self.fixed else dict(self.descriptions)

    def describe(self) -> dict[str, Any]:
        """The manifest's ``uncertainty`` entry (what ``run --resume`` compares, and what the report says)."""
        return {
            "fixed_params": self.fixed,
            "group_size": self.group_size,
            "stream": f"SeedSequence(seed, spawn_key=({PARAM_STREAM}, group, crc32(name)))",
            "posterior": None if self.posterior is None else {"file": self.posterior.file,
                                                              "sha256": self.posterior.sha256,
                                                              "paths": list(self.posterior.paths),
                                                              "rows": len(self.posterior.draws)},
            "parameters": [] if self.fixed else [
                {"name": p.name, "prior": p.prior.describe(), "central": p.central, "paths": list(p.paths)}
                for p in self.params],
            "year_effects": None if self.fixed or self.year_sd is None else {
                "sd": self.year_sd[1] if self.year_sd[0] is None else self.year_sd[0].describe(),
                "cities": list(self.cities), "years": list(self.years)},
        }


def mode_of(described: object) -> str:
    """A short text of a manifest's ``uncertainty`` entry (for messages).

    >>> mode_of({"fixed_params": False, "group_size": 10, "posterior": None, "parameters": [{}, {}]})
    'fixed_params=False, group_size=10, 2 parameters, posterior=None'
    """
    if not isinstance(described, Mapping):
        return "none"
    post = described.get("posterior")
    where = post.get("file") if isinstance(post, Mapping) else None
    return (f"fixed_params={described.get('fixed_params')}, group_size={described.get('group_size')}, "
            f"{len(described.get('parameters') or [])} parameters, posterior={where}")


def stream(seed: int, group: int, name: str) -> np.random.Generator:
    """The generator of one drawn quantity of one group."""
    key = (PARAM_STREAM, group, zlib.crc32(name.encode("utf-8")))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def param_of_source(source: str) -> str | None:
    """The param name (``<stem>.<key>``) of a provenance source ``params: <file>#<key>``.

    >>> param_of_source("params: behaviour.yaml#firms.hte_rate")
    'behaviour.firms.hte_rate'
    """
    if not source.startswith("params:") or "#" not in source:
        return None
    file, key = source[len("params:"):].strip().rsplit("#", 1)
    return f"{Path(file).stem}.{key}"


def build_plan(loaded: LoadedScenario, *, fixed: bool | None = None, group_size: int | None = None) -> UncertaintyPlan:
    """The draws of a run of ``loaded``.

    Args:
        loaded: The scenario.
        fixed: ``--fixed-params`` (None: the scenario's ``uncertainty.fixed_params``).
        group_size: Replications per draw (None: the scenario's, else :data:`DEFAULT_GROUP_SIZE`).

    Raises:
        InputError: The posterior file is missing or malformed, or lists a path
            the scenario does not have.
    """
    s = loaded.scenario
    u = s.uncertainty
    is_fixed = u.fixed_params if fixed is None else fixed
    size = group_size or u.group_size or DEFAULT_GROUP_SIZE
    start = s.scenario.start
    posterior = _posterior(loaded) if u.posterior and not is_fixed else None
    taken = set(posterior.paths) if posterior else set()
    by_param: dict[str, list[tuple[str, float]]] = {}
    for path, prov in sorted(loaded.provenance.items()):
        name = param_of_source(prov.source) if prov.kind == "params" else None
        if name is None or name not in loaded.params or path in taken:
            continue
        scale = _scale(loaded, s, path)
        if scale is not None:
            by_param.setdefault(name, []).append((scenario_path(s, path), scale))
    params = []
    for name, where in sorted(by_param.items()):
        param = loaded.params[name]
        prior = prior_of(param, name.split(".", 1)[0], start)
        if prior is not None:
            params.append(DrawnParam(name, prior, float(param.at(start).value), tuple(p for p, _ in where),
                                     tuple(k for _, k in where)))
    return UncertaintyPlan(fixed=is_fixed, group_size=size, params=tuple(params), year_sd=_year_sd(loaded.params, start),
                           cities=tuple(sorted(s.populations)) if _has_year_factor(s) else (),
                           years=tuple(range(start.year, s.scenario.end.year + 1)), posterior=posterior,
                           descriptions=_descriptions(loaded, [p.name for p in params], posterior))


def _descriptions(loaded: LoadedScenario, names: list[str], posterior: Posterior | None) -> tuple[tuple[str, str], ...]:
    """The params' descriptions of the drawn names, and of the posterior's paths (``posterior:<path>``)."""
    out = [(n, loaded.params[n].description) for n in names if loaded.params[n].description]
    if YEAR_SD in loaded.params and loaded.params[YEAR_SD].description:
        out.append((YEAR_SD, loaded.params[YEAR_SD].description))
    for path in posterior.paths if posterior else ():
        prov = loaded.provenance.get(path)
        name = param_of_source(prov.source) if prov is not None and prov.kind == "params" else None
        if name in loaded.params and loaded.params[name].description:
            out.append((f"posterior:{path}", loaded.params[name].description))
    return tuple(out)


def _scale(loaded: LoadedScenario, s: Scenario, path: str) -> float | None:
    """Scenario units per params unit at ``path`` (None if the value there is not a number)."""
    try:
        raw = loaded.value_at(path)
        now = value_at(s, scenario_path(s, path))
    except KeyError:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or isinstance(now, bool):
        return None
    try:
        now_f = float(now)
    except (TypeError, ValueError):
        return None
    return now_f / float(raw) if raw else 1.0


def _year_sd(params: Mapping[str, Parameter], start: date) -> tuple[Prior | None, float] | None:
    """The prior (None: fixed) and central value of the yearly shocks' spread (None: no such param).

    The spread is itself a behaviour parameter: it is drawn from its written
    prior or, failing one, from its ``range:`` whatever its source says, since
    its value only summarises the public series its range spans.
    """
    param = params.get(YEAR_SD)
    if param is None:
        return None
    prior = prior_of(param, "behaviour", start)
    if prior is None and param.prior is None and param.range is not None and param.range[0] < param.range[1]:
        prior = derived_prior(*param.range, param.unit)
    return prior, float(param.at(start).value)


def _has_year_factor(s: Scenario) -> bool:
    from simulator.scenario import Population

    return "year_factor" in Population.model_fields and bool(s.populations)


def _posterior(loaded: LoadedScenario) -> Posterior:
    """The posterior the scenario names, its path relative to the file that named it, checked against the scenario."""
    rel = loaded.scenario.uncertainty.posterior
    assert rel is not None
    origin = loaded.origins.get("uncertainty.posterior") or loaded.origins.get("uncertainty") or ()
    base = Path(origin[-1].file if origin else loaded.file).parent
    path = (base / rel).resolve()  # the manifest records it: a path that holds wherever the report is made
    if not path.is_file():
        line = origin[-1].line if origin else None
        raise InputError(Problem(Msg("找不到后验样本文件", "posterior file not found"), file=origin[-1].file if origin else
                                 loaded.file, line=line, path="uncertainty.posterior", value=rel, has_value=True,
                                 expected=Msg("相对于情景文件的已存在文件（由 fiscalsim calibrate 写出）",
                                              "an existing file relative to the scenario (written by fiscalsim calibrate)")))
    post = load_posterior(path)
    for p in post.paths:
        try:
            value_at(loaded.scenario, p)
        except KeyError:
            raise InputError(Problem(Msg("后验样本中的路径在情景中不存在", "a path of the posterior is not in the scenario"),
                                     file=str(path), path="parameters", value=p, has_value=True,
                                     expected=Msg("情景中的数值路径，如 populations.taian.firms.hte_rate",
                                                  "a numeric path of the scenario, e.g. populations.taian.firms.hte_rate")
                                     )) from None
    return post


@dataclass(frozen=True)
class Segment:
    """Replications ``first..last-1`` of one group, with the scenario they run on and the group's draw."""

    scenario: Scenario
    first: int
    last: int
    draw: GroupDraw


def segments(plan: UncertaintyPlan, base: Scenario, seed: int, first: int, last: int, reps: int) -> list[Segment]:
    """The parts of a block of replications that run on one scenario each (the whole block without draws).

    The results do not depend on how the replications are cut into blocks: a
    replication's numbers depend only on its index and its group's scenario.
    """
    if plan.fixed:
        return [Segment(base, first, last, GroupDraw(-1, first, last, {}, {}, {}))]
    out = []
    for g in range(plan.group_of(first), plan.group_of(last - 1) + 1):
        draw = plan.draw(seed, g, reps)
        out.append(Segment(plan.scenario_for(base, draw), max(first, draw.first), min(last, draw.last), draw))
    return out
