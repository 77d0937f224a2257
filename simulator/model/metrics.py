"""Target metrics from a replication's records — shared by both engines.

A metric's monthly series is computed from month-end counts, indicators,
cumulative draws/appropriations and awards; a target is then its value at the
deadline, whether it was attained, and the first month it was attained.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from simulator.model.calendar import Calendar
from simulator.model.records import RepResult, count_keys
from simulator.scenario import TIERS, Scenario, Target

Series = npt.NDArray[np.float64]


@dataclass(frozen=True)
class MetricContext:
    """What metrics need besides one replication's records."""

    scenario: Scenario
    calendar: Calendar
    keys: list[tuple[str, str, str, str]]
    indicator_ids: list[str]
    fund_ids: list[str]
    program_ids: list[str]
    columns: dict[int, tuple[Target, str | None, list[int], dict[int, float]]] = field(
        default_factory=dict, compare=False, repr=False)
    """Cache of :func:`_count_columns` by target (the target kept, so that its id stays its own)."""
    populations: dict[str, Series] = field(default_factory=dict, compare=False, repr=False)
    """Cache of each jurisdiction's population at every month (the ``per_10k`` metrics)."""

    @classmethod
    def of(cls, s: Scenario) -> MetricContext:
        """Build the context of a scenario."""
        return cls(s, Calendar(s.scenario.start, s.scenario.end), count_keys(s), list(s.indicators),
                   list(s.funds), list(s.programs))

    def cumulative_appropriation(self, fund: str) -> Series:
        """Cumulative appropriation of a fund at each month end (appropriated from January)."""
        f = self.scenario.funds[fund]
        out = np.zeros(self.calendar.n_months)
        first_year = self.calendar.start.year
        for year, fen in f.appropriations.items():
            if year < first_year and f.year_end != "carry_over":
                continue  # lapsed before the start
            m = max(self.calendar.month_of(self.calendar.start.replace(year=year, month=1, day=1)), 0)
            if m < self.calendar.n_months:
                out[m:] += fen / 100
        return out


def _tiers_from(tier: str | None, or_higher: bool) -> list[str]:
    if tier is None:
        return list(TIERS[1:])
    i = TIERS.index(tier)
    return list(TIERS[i:]) if or_higher else [tier]


def metric_series(ctx: MetricContext, target: Target, city: str | None, res: RepResult) -> Series:
    """The monthly series of a target's metric in one replication."""
    m = target.metric
    n = ctx.calendar.n_months
    if m.count or m.new:
        cols, weights = _count_columns(ctx, target, city)
        if weights:  # a weighted count (e.g. tech SMEs plus the registered share of HTEs)
            w = np.array([weights[i] for i in cols], dtype=np.float64)
            series = res.counts[:, cols].astype(np.float64) @ w
        else:
            series = res.counts[:, cols].sum(axis=1).astype(np.float64) if cols else np.zeros(n)
    elif m.indicator:
        series = res.indicators[:, ctx.indicator_ids.index(m.indicator)].astype(np.float64)
    elif m.appropriated:
        series = ctx.cumulative_appropriation(m.appropriated)
    elif m.drawn:
        series = np.zeros(n)
        for (month, fund, _lvl, _prog), fen in res.draws.items():
            if fund == m.drawn:
                series[month] += fen / 100
        series = np.cumsum(series)
    else:
        assert m.awards is not None
        series = np.cumsum(res.awards[:, ctx.program_ids.index(m.awards)]).astype(np.float64)
    if m.yearly and (m.count is None):
        series = _per_year(ctx.calendar, series)
    if m.per_10k:
        pops = ctx.populations.get(m.per_10k)
        if pops is None:
            j = ctx.scenario.jurisdictions[m.per_10k]
            pops = np.array([j.population_at(_month_date(ctx.calendar, k)) or 0 for k in range(n)], dtype=np.float64)
            ctx.populations[m.per_10k] = pops
        with np.errstate(divide="ignore", invalid="ignore"):
            series = np.where(pops > 0, series / pops * 10_000, 0.0)
    return series


def _count_columns(ctx: MetricContext, target: Target, city: str | None) -> tuple[list[int], dict[int, float]]:
    """The count keys a count metric sums (and their weights, if weighted); computed once per context and target."""
    hit = ctx.columns.get(id(target))
    if hit is not None and hit[0] is target and hit[1] == city:
        return hit[2], hit[3]
    m = target.metric
    noun = m.count or m.new
    kind = {"firms": "firm", "platforms": "platform", "incubators": "incubator"}[str(noun)]
    if m.new:
        kind = "new_" + kind
    cols: list[int] = []
    weights: dict[int, float] = {}
    by_state: dict[str, float] = {str(k): v for k, v in (m.states or {}).items()}
    for i, (c, k, typ, state) in enumerate(ctx.keys):
        if k != kind or (city is not None and c != city):
            continue
        if kind == "firm" and m.states is not None:
            if by_state.get(state, 0.0) > 0:
                cols.append(i)
                weights[i] = by_state[state]
        elif kind in ("firm", "new_firm"):
            want = "incubated" if m.incubated else (m.state or ("hte" if kind == "new_firm" else None))
            if (want is None and state in ("startup", "tech_sme", "hte")) or state == want:
                cols.append(i)
        elif kind.startswith("new_"):
            # New at tier X or higher = recognised at X (upgrade or arrival) + arrived directly above X;
            # an upgrade from X to X+1 is not a new entity of the band.
            if m.types and typ not in m.types:
                continue
            band = _tiers_from(m.tier, m.or_higher)
            if state == band[0]:
                cols.append(i)
        else:
            if m.types and typ not in m.types:
                continue
            if state in _tiers_from(m.tier, m.or_higher):
                cols.append(i)
    if m.new and kind != "new_firm":
        band = _tiers_from(m.tier, m.or_higher)
        arrived = "arrived_" + kind[len("new_"):]
        for i, (c, k, typ, state) in enumerate(ctx.keys):
            if k == arrived and (city is None or c == city) and (not m.types or typ in m.types) \
                    and state in band[1:]:
                cols.append(i)
    ctx.columns[id(target)] = (target, city, cols, weights)
    return cols, weights


def _month_date(cal: Calendar, m: int):  # type: ignore[no-untyped-def]
    from datetime import date

    return date(cal.year_of(m), cal.cal_month(m), 1)


def _per_year(cal: Calendar, cumulative: Series) -> Series:
    """Turn a cumulative series into within-calendar-year amounts."""
    out = cumulative.copy()
    for m in range(len(out)):
        if cal.cal_month(m) != 1 and m > 0:
            continue
        base = cumulative[m - 1] if m > 0 else 0.0
        end = m + 1
        while end < len(out) and cal.cal_month(end) != 1:
            end += 1
        out[m:end] = cumulative[m:end] - base
    return out


@dataclass(frozen=True)
class TargetOutcome:
    """A target in one replication."""

    value: float
    attained: bool
    month_attained: int | None


def evaluate_target(ctx: MetricContext, tid: str, series: Series) -> TargetOutcome:
    """Value at the deadline, attainment, first month attained (up to the deadline)."""
    t = ctx.scenario.targets[tid]
    dm = min(max(ctx.calendar.month_of(t.deadline), 0), ctx.calendar.n_months - 1)
    upto = series[: dm + 1]
    ok = upto >= t.threshold if t.comparison == ">=" else upto <= t.threshold
    value = float(series[dm])
    attained = bool(ok[-1])
    first = int(np.argmax(ok)) if ok.any() else None
    return TargetOutcome(value, attained, first)
