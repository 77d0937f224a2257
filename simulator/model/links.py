"""Behaviour links from money to outcomes, shared by both engines.

A program's ``link:`` says which rates follow its money: each linked rate is
multiplied by ``(amount / reference) ** elasticity``, where ``amount`` is the
program's award for a representative claim under the scenario's current rule
(so ``--set`` or a sweep factor on the award moves it) or the total
appropriation of the funds it draws on, and ``reference`` is the amount as the
policy writes it.  :func:`apply_links` turns a scenario into one whose rates
carry the links; both engines call it at their entry, after any parameter
draws, and a scenario is marked so that the links are applied once only.

The static side, for the summary: :func:`target_links` tells, per target,
which programs, guidance funds and funds move it (through a link or through an
``effect:`` on a rate its metric counts) and whether its value is set by an
input rather than by the model.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Literal

from simulator.model.dists import dist_median
from simulator.model.rules import Claims, evaluate_program, total_award
from simulator.scenario import (
    TIERS,
    Link,
    Metric,
    OnCall,
    OnCertification,
    OnConstruction,
    OnRecognition,
    Program,
    Scenario,
    link_rate_segments,
)

RateKey = tuple[str, ...]
"""A rate an instrument's money reaches: ``("firm", city, rate)``,
``("tiered", city, group, type, rate)`` (rate ``arrivals_per_year`` or
``upgrade_rate.<tier>``) or ``("indicator", id)``."""

FIRM_RATES_BY_STATE: dict[str, tuple[str, ...]] = {
    "startup": ("arrivals_per_year", "sme_rate"),
    "tech_sme": ("arrivals_per_year", "sme_rate", "hte_rate"),
    "hte": ("arrivals_per_year", "sme_rate", "hte_rate"),
    "incubated": ("arrivals_per_year",),
}
"""The firm rates that change how many firms are in a state (a state's inflows and those before them)."""

SetBy = Literal["model", "input"]

# --------------------------------------------------------------------------- the arithmetic


def representative_claims(scenario: Scenario, pid: str, link: Link) -> Claims:
    """The one claim whose award stands for a program's award in a link.

    Quantity: the link's ``quantity``, else the trigger's representative
    quantity (the premises of the first incubator type for a construction
    trigger); base: the trigger's representative base; tier: the link's
    ``tier``, else the first tier a recognition trigger pays, else provincial;
    no place (the main rule).
    """
    trig = scenario.programs[pid].trigger
    quantity = link.quantity
    if quantity is None:
        if isinstance(trig, OnConstruction):
            city = scenario.program_city(pid)
            pop = scenario.populations.get(city) if city else None
            inc = pop.incubators.get(trig.types[0]) if pop and trig.types else None
            quantity = dist_median(inc.area_m2) if inc is not None else 0.0
        else:
            quantity = dist_median(getattr(trig, "quantity", None))
    base = dist_median(getattr(trig, "base", None))
    tier = link.tier or (trig.tiers[0] if isinstance(trig, OnRecognition) else "provincial")
    return Claims.of(quantity=[round(quantity)], base_fen=[round(base * 100)], tier=[tier], place=[""])


def link_amount(scenario: Scenario, pid: str, link: Link) -> int:
    """The amount in fen a link of program ``pid`` compares with its reference (see :class:`~simulator.scenario.Link`)."""
    program = scenario.programs[pid]
    if link.basis == "funding":
        funds = dict.fromkeys(part.fund for part in program.split)
        return sum(sum(scenario.funds[f].appropriations.values()) for f in funds if f in scenario.funds)
    parts = evaluate_program(program, representative_claims(scenario, pid, link))
    if link.part != "total" and link.part in parts:
        return int(parts[link.part][0])
    return int(total_award(parts)[0])


def link_factor(scenario: Scenario, pid: str, link: Link) -> float:
    """``(amount / reference) ** elasticity``; no money at all gives 0 (1 when the elasticity is 0).

    >>> from simulator.scenario import Link
    >>> link = Link(rate="indicators.x.growth", reference="200万元", elasticity=0.5)
    >>> round(factor_of(100_0000_00, link), 4), factor_of(0, link)
    (0.7071, 0.0)
    """
    return factor_of(link_amount(scenario, pid, link), link)


def factor_of(amount_fen: int, link: Link) -> float:
    """The factor of a link for an amount in fen (see :func:`link_factor`)."""
    if link.elasticity == 0:
        return 1.0
    if amount_fen <= 0:
        return 0.0
    return float((amount_fen / link.reference) ** link.elasticity)


def rate_factors(scenario: Scenario) -> dict[str, float]:
    """The product of the link factors on each linked rate path, in scenario order."""
    out: dict[str, float] = {}
    for pid, prog in scenario.programs.items():
        for link in prog.links:
            f = link_factor(scenario, pid, link)
            for path in link.rates:
                out[path] = out.get(path, 1.0) * f
    return out


def _scaled(node: Any, segs: Sequence[str], factor: float) -> Any:
    """A copy of ``node`` with the number at ``segs`` multiplied by ``factor`` (models and mappings)."""
    if not segs:
        return float(node) * factor
    head, rest = segs[0], segs[1:]
    if isinstance(node, dict):
        out = dict(node)
        out[head] = _scaled(node[head], rest, factor)
        return out
    return node.model_copy(update={head: _scaled(getattr(node, head), rest, factor)})


def apply_links(scenario: Scenario) -> Scenario:
    """The scenario with every linked rate multiplied by its link factor (pure; applied once only).

    A scenario that already carries its links is returned as it is, so the
    engines may call this at their entry whatever they were given.
    """
    if scenario.links_applied:
        return scenario
    update: dict[str, Any] = {"populations": scenario.populations, "indicators": scenario.indicators}
    for path, factor in rate_factors(scenario).items():
        segs = link_rate_segments(path)
        if segs is None or factor == 1.0:
            continue
        update[segs[0]] = _scaled(update[segs[0]], segs[1:], factor)
    return scenario.with_links_applied(update)


# --------------------------------------------------------------------------- which instruments move a target


def _key_of_path(path: str) -> RateKey | None:
    segs = link_rate_segments(path)
    if segs is None:
        return None
    if segs[0] == "indicators":
        return ("indicator", segs[1])
    if segs[2] == "firms":
        return ("firm", segs[1], segs[3])
    return ("tiered", segs[1], segs[2], segs[3], ".".join(segs[4:]))


def _upgrades_above(tiers: Sequence[str]) -> list[str]:
    """``upgrade_rate.<tier>`` of the tiers right above each of ``tiers``."""
    out = []
    for tier in tiers:
        i = TIERS.index(tier)
        if i + 1 < len(TIERS):
            out.append(f"upgrade_rate.{TIERS[i + 1]}")
    return out


def _program_effect_keys(scenario: Scenario, pid: str, prog: Program) -> Iterator[RateKey]:
    """The rates an ``effect:`` of a program acts on (only on the entities it pays)."""
    eff, trig = prog.effect, prog.trigger
    city = scenario.program_city(pid)
    if eff is None or city is None:
        return
    if eff.on in ("hte", "tech_sme"):
        pays_firms = isinstance(trig, OnCertification) or (isinstance(trig, OnCall) and trig.firm_state)
        if pays_firms:
            yield ("firm", city, "hte_rate" if eff.on == "hte" else "sme_rate")
        return
    every_upgrade = [f"upgrade_rate.{t}" for t in TIERS[1:]]
    if isinstance(trig, OnRecognition):
        for typ in trig.types:
            for rate in _upgrades_above(trig.tiers):
                yield ("tiered", city, trig.kind + "s", typ, rate)
    elif isinstance(trig, OnConstruction):
        for typ in trig.types:
            for rate in every_upgrade:
                yield ("tiered", city, "incubators", typ, rate)
    elif isinstance(trig, OnCall) and trig.platform_types:
        for typ in trig.platform_types:
            for rate in every_upgrade:
                yield ("tiered", city, "platforms", typ, rate)


def instrument_reach(scenario: Scenario) -> dict[str, set[RateKey]]:
    """For each program, guidance fund and fund whose money moves a rate: the rates it reaches.

    Ids in scenario order (programs, guidance funds, funds); a fund appears
    when a funding link counts its appropriation.
    """
    reach: dict[str, set[RateKey]] = {}
    funds: dict[str, set[RateKey]] = {}
    for pid, prog in scenario.programs.items():
        keys = set(_program_effect_keys(scenario, pid, prog))
        for link in prog.links:
            if link.elasticity == 0:
                continue
            linked = {k for k in map(_key_of_path, link.rates) if k is not None}
            keys |= linked
            if link.basis == "funding":
                for part in prog.split:
                    funds.setdefault(part.fund, set()).update(linked)
        if keys:
            reach[pid] = keys
    for gid, g in scenario.guidance_funds.items():
        city = scenario.city_of(scenario.funds[g.fund].owner) if g.fund in scenario.funds else None
        if g.effect is not None and g.effect.on in ("hte", "tech_sme") and city is not None:
            reach[gid] = {("firm", city, "hte_rate" if g.effect.on == "hte" else "sme_rate")}
    for fid in scenario.funds:
        if fid in funds:
            reach[fid] = funds[fid]
    return reach


def _band(metric: Metric) -> list[int]:
    """Indices in :data:`TIERS` of the tiers a platform or incubator metric counts."""
    if metric.tier is None:
        return list(range(1, len(TIERS)))
    i = TIERS.index(metric.tier)
    return list(range(i, len(TIERS))) if metric.or_higher else [i]


def metric_counts(metric: Metric, city: str | None, key: RateKey) -> bool:
    """Whether a change of the rate ``key`` changes the metric (of a city, or of all when None)."""
    if key[0] == "indicator":
        return metric.indicator == key[1]
    if city is not None and key[1] != city:
        return False
    noun = metric.count or metric.new
    if key[0] == "firm":
        if noun != "firms":
            return False
        state = "incubated" if metric.incubated else (metric.state or ("hte" if metric.new else None))
        rates = FIRM_RATES_BY_STATE[state] if state else FIRM_RATES_BY_STATE["hte"]
        return key[2] in rates
    _, _, group, typ, rate = key
    if noun != group or (metric.types and typ not in metric.types):
        return False
    if not rate.startswith("upgrade_rate."):
        return True
    to = TIERS.index(rate.split(".", 1)[1])
    band = _band(metric)
    # A stock changes with the upgrades into it, out of it and into the tier below it;
    # a flow of recognitions at its lowest tier only with upgrades up to that tier.
    return to <= max(band) + 1 if metric.count else to <= min(band)


def set_by(scenario: Scenario, tid: str, reach: dict[str, set[RateKey]] | None = None) -> SetBy:
    """``"input"`` when a target's value is set by an input, not by the model, else ``"model"``.

    Two metric kinds are inputs: an appropriation (``appropriated:``, the money
    the scenario budgets), and an indicator held at its stated level (no
    ``growth`` and no ``drift``, only noise) that no link moves.
    """
    m = scenario.targets[tid].metric
    if m.appropriated:
        return "input"
    ind = scenario.indicators.get(m.indicator) if m.indicator else None
    if ind is not None and ind.growth == 0 and ind.drift == 0:
        reach = instrument_reach(scenario) if reach is None else reach
        linked = any(("indicator", m.indicator) in keys for keys in reach.values())
        return "model" if linked else "input"
    return "model"


def moved_by(scenario: Scenario, tid: str, reach: dict[str, set[RateKey]] | None = None) -> list[str]:
    """The program, guidance-fund and fund ids whose money reaches a target, in scenario order.

    Through a link or an effect on a rate the target's metric counts; for an
    ``awards:`` metric the program itself, for a ``drawn:`` metric the
    programs and guidance funds that draw on the fund.
    """
    t = scenario.targets[tid]
    m = t.metric
    if m.awards:
        return [m.awards]
    if m.drawn:
        return [pid for pid, p in scenario.programs.items() if any(s.fund == m.drawn for s in p.split)] + \
            [gid for gid, g in scenario.guidance_funds.items() if g.fund == m.drawn]
    if m.appropriated:
        return []
    city = scenario.target_city(tid)
    reach = instrument_reach(scenario) if reach is None else reach
    return [iid for iid, keys in reach.items() if any(metric_counts(m, city, k) for k in keys)]


def target_links(scenario: Scenario) -> dict[str, dict[str, Any]]:
    """``{"moved_by": [...], "set_by": ...}`` for every target (what summary.json records)."""
    reach = instrument_reach(scenario)
    return {tid: {"moved_by": moved_by(scenario, tid, reach), "set_by": set_by(scenario, tid, reach)}
            for tid in scenario.targets}
