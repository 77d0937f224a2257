"""Holding each replication's history to the actual figures of a nowcast (shared by both engines).

See :class:`simulator.scenario.Nowcast` for what the figures are and
:mod:`simulator.actuals` for how they are read.  Both engines call the
functions here, over a batch of one (SimPy) or many (vectorised) replications,
at one administrative event per observed month, just before that month's
month-end records are taken (time ``m + OFFSET_NOWCAST``): every payment and
every entity event of the month has happened by then.  The model's clock
resolves months, so an observation dated inside a month holds at that
month's end.

* **Funds.**  At an observation of fund ``f`` (cumulative paid ``A_k`` since
  it opened), the payments the replication booked in the months since the
  previous observation of ``f`` (or since the start) are rescaled so that they
  sum to ``A_k - A_{k-1}`` exactly: :func:`apportion` (largest remainder,
  proportional to the model's own (month, payer) cells, so its timing and payer
  shares are kept) or, when the model paid nothing there, spread evenly over
  the interval's months on the fund's first payer.  :func:`settle_fund` then
  moves the difference through the fund's fiscal-year rows (drawn, lapse,
  carry-over) and its balance, so that the run continues from the fund's
  actual position.  Claims keep the model's own account (which were approved,
  paid, queued or refused, and what each was paid): the claims table is the
  model's story of individual claims, the ledger holds the actual totals.
  A fund that opened before the scenario's start has no model months before
  it: the first observation's amount is booked in the months from the start,
  so the fund's position (balance) is right but a payment made before the
  start shows in the first observed interval.
  Claims queued by the model stay queued and are served, as always, at the
  next fiscal year or income; a correction never pays or refuses a claim.
* **Counts** (:class:`CountHold`): valid HTEs or registered tech SMEs of a city
  (``count: firms, state: ...``) and recognitions at one tier since the start
  (``new: platforms|incubators, or_higher: false``).  Too many: that many
  counted entities, drawn at random from the replication's nowcast stream, move
  one step down the life cycle (an HTE whose certificate lapses becomes a tech
  SME, a tech SME that leaves the registry a start-up, a recognition that did
  not happen puts the entity back one tier).  Too few: entities of the state
  below are promoted (tech SMEs, then start-ups, into HTE; start-ups into the
  registry; the tier below into the recognised tier), with the timers the life
  cycle gives them: an HTE's certificate phase is that of a valid certificate
  of the same replication and city drawn at random (:func:`certificate_phase`),
  so renewals fall where the model's own certificates fall.  Moves made by the
  nowcast trigger no claims (what was paid is in the funds' actual figures).
* **Indicators**: the indicator is set to the observed level (divided back by
  the population where the metric is per 10,000 residents).

Parameter draws are not conditioned on the actuals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from simulator.model.calendar import Calendar
from simulator.model.lifecycle import CERT_MONTHS
from simulator.scenario import TIERS, Scenario

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

OFFSET_NOWCAST = 1.0 - 1e-7
"""Offset of the nowcast's event in its month: after every event of the month, at the month-end record."""

__all__ = [
    "OFFSET_NOWCAST",
    "CountHold",
    "FundHold",
    "IndicatorHold",
    "NowcastPlan",
    "apportion",
    "certificate_phase",
    "choose",
    "plan_of",
    "rescale_fund",
    "settle_fund",
    "unsupported",
]


# --------------------------------------------------------------------------- what is held


@dataclass(frozen=True)
class FundHold:
    """A fund's observed cumulative amounts paid, as (month index, fen) sorted by month."""

    fund: str
    points: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class CountHold:
    """A count of entities held to observed levels.

    Attributes:
        target: Target id.
        kind: ``firm`` (firms in ``state``) or ``new`` (recognitions at ``tier`` since the start).
        city: City counted (``None``: every city).
        state: Firm state counted (``hte`` or ``tech_sme``).
        entity: ``platform`` or ``incubator`` (kind ``new``).
        types: Types counted (``None``: every type).
        tier: Tier index into :data:`simulator.scenario.TIERS` (kind ``new``).
        points: (month index, level) sorted by month.
    """

    target: str
    kind: Literal["firm", "new"]
    city: str | None
    state: str
    entity: str
    types: tuple[str, ...] | None
    tier: int
    points: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class IndicatorHold:
    """An indicator set to observed values, as (month index, indicator value) sorted by month."""

    target: str
    indicator: str
    points: tuple[tuple[int, float], ...]


@dataclass(frozen=True)
class NowcastPlan:
    """What a nowcast holds, in month indices of the scenario's calendar."""

    funds: tuple[FundHold, ...]
    counts: tuple[CountHold, ...]
    indicators: tuple[IndicatorHold, ...]

    @property
    def months(self) -> list[int]:
        """Every month with an observation, in order."""
        ms = {m for h in self.funds for m, _ in h.points} | {m for c in self.counts for m, _ in c.points}
        ms |= {m for i in self.indicators for m, _ in i.points}
        return sorted(ms)

    def fund_intervals(self, month: int) -> list[tuple[str, int, int, int]]:
        """Funds observed in ``month``: (fund, first month of the interval, fen to pay in it, fen before it)."""
        out = []
        for h in self.funds:
            prev_m, prev_fen = -1, 0
            for m, fen in h.points:
                if m == month:
                    out.append((h.fund, prev_m + 1, fen - prev_fen, prev_fen))
                prev_m, prev_fen = m, fen
        return out

    def counts_at(self, month: int) -> list[tuple[CountHold, int]]:
        """Counts observed in ``month`` with their levels."""
        return [(c, lv) for c in self.counts for m, lv in c.points if m == month]

    def indicators_at(self, month: int) -> list[tuple[str, float]]:
        """Indicators observed in ``month`` with their values."""
        return [(i.indicator, v) for i in self.indicators for m, v in i.points if m == month]


def _count_reason(scenario: Scenario, tid: str) -> str | None:
    """Why a target's metric cannot be held exactly (``None``: it can)."""
    t = scenario.targets[tid]
    m = t.metric
    if m.yearly:
        return "a metric counted within each year cannot be held to a level; give the count's level"
    if m.count == "firms":
        if m.states is not None:
            return "a weighted mix of firm states cannot be held exactly by moving whole firms"
        if m.incubated:
            return "incubated firms are not held by the nowcast"
        if m.state not in ("hte", "tech_sme"):
            return "only counts of valid HTEs or registered tech SMEs are held (state hte or tech_sme)"
        if m.per_10k:
            return "a firm count per 10,000 residents is not held; give the count"
        return None
    if m.new in ("platforms", "incubators"):
        if m.tier is None or (m.or_higher and m.tier != TIERS[-1]):
            return "only recognitions at one tier (or_higher: false) are held"
        if m.per_10k:
            return "a count per 10,000 residents is not held; give the count"
        return None
    if m.indicator:
        return None
    if m.count:
        return "counts of platforms or incubators in a tier are not held; give recognitions (new:) or a fund"
    if m.new:
        return "counts of newly certified firms are not held; give the count of valid HTEs"
    if m.drawn:
        return f"amounts drawn are held through the fund: give the fund id {m.drawn} with the cumulative amount paid"
    if m.appropriated:
        return "appropriations are inputs of the scenario, not figures a run can be held to"
    return "awards counts are not held; give the cumulative amount paid from the program's fund"


def unsupported(scenario: Scenario) -> list[tuple[str, str]]:
    """The ids of ``scenario.nowcast`` that the engines cannot hold to, each with the reason (English).

    Called by the actuals reader before anything runs, so that such an id is a
    clear input error rather than a figure silently ignored.
    """
    nc = scenario.nowcast
    if nc is None:
        return []
    out: list[tuple[str, str]] = []
    for fid in nc.funds:
        if fid in scenario.funds and not fund_payers(scenario, fid):
            out.append((fid, "no program or guidance fund of the scenario pays from this fund, so the model "
                             "has no payments to hold to its actual amount"))
    for tid in nc.targets:
        if tid in scenario.targets:
            reason = _count_reason(scenario, tid)
            if reason is not None:
                out.append((tid, reason))
    for pid in nc.programs:
        out.append((pid, "claims paid by a program are not held; give the cumulative amount paid from its fund"))
    for pop in nc.populations:
        out.append((pop, "entity counts of a population are not held; give a target's count (e.g. valid HTEs)"))
    return out


def plan_of(scenario: Scenario, cal: Calendar) -> NowcastPlan | None:
    """The nowcast of ``scenario`` in month indices (``None`` when the scenario has none or holds nothing).

    Ids that :func:`unsupported` lists are left out (the actuals reader refuses them first).
    """
    nc = scenario.nowcast
    if nc is None:
        return None
    skip = {i for i, _ in unsupported(scenario)}
    n = cal.n_months

    def month(d: object) -> int:
        return cal.month_of(d)  # type: ignore[arg-type]

    funds = tuple(FundHold(fid, tuple((month(p.date), int(p.fen)) for p in pts if 0 <= month(p.date) < n))
                  for fid, pts in nc.funds.items() if fid in scenario.funds and fid not in skip)
    counts: list[CountHold] = []
    indicators: list[IndicatorHold] = []
    for tid, pts in nc.targets.items():
        if tid in skip or tid not in scenario.targets:
            continue
        t = scenario.targets[tid]
        m = t.metric
        city = t.city
        if m.indicator:
            vals = []
            for p in pts:
                k = month(p.date)
                if not 0 <= k < n:
                    continue
                v = float(p.value)
                if m.per_10k:
                    pop = scenario.jurisdictions[m.per_10k].population_at(p.date.replace(day=1)) or 0
                    v = v * float(pop) / 10_000
                vals.append((k, v))
            indicators.append(IndicatorHold(tid, m.indicator, tuple(vals)))
            continue
        levels = tuple((month(p.date), round(float(p.value))) for p in pts if 0 <= month(p.date) < n)
        if m.count == "firms":
            counts.append(CountHold(tid, "firm", city, str(m.state), "firm", None, 0, levels))
        else:
            entity = "platform" if m.new == "platforms" else "incubator"
            counts.append(CountHold(tid, "new", city, "", entity, tuple(m.types) if m.types else None,
                                    TIERS.index(m.tier) if m.tier else 1, levels))
    plan = NowcastPlan(tuple(f for f in funds if f.points), tuple(c for c in counts if c.points),
                       tuple(i for i in indicators if i.points))
    return plan if plan.months else None


def fund_payers(scenario: Scenario, fund: str) -> list[int]:
    """Payer columns (programs, then guidance funds, in file order) that draw on ``fund``."""
    out = [i for i, p in enumerate(scenario.programs.values()) if any(sp.fund == fund for sp in p.split)]
    n = len(scenario.programs)
    out += [n + k for k, g in enumerate(scenario.guidance_funds.values()) if g.fund == fund]
    return out


# --------------------------------------------------------------------------- funds


def apportion(total: IntArray, weights: IntArray) -> IntArray:
    """Split ``total[r]`` fen over the cells of row ``r`` of ``weights`` in proportion, exactly.

    Largest-remainder apportionment in integers: every share is the floor of
    its exact quota or one more, the shares sum to the total, and a cell of
    weight 0 gets nothing.  A row whose weights are all 0 is spread evenly
    over its cells.

    >>> apportion(np.array([10, 7]), np.array([[1, 1, 1], [0, 0, 0]])).tolist()
    [[4, 3, 3], [3, 2, 2]]
    """
    w = np.asarray(weights, dtype=np.int64)
    tot = np.asarray(total, dtype=np.int64)
    if w.ndim != 2 or tot.shape[0] != w.shape[0]:
        raise ValueError("weights must be [replications, cells] and total [replications]")
    if (w < 0).any() or (tot < 0).any():
        raise ValueError("apportion needs non-negative weights and totals")
    if w.shape[1] == 0:
        return w.copy()
    w = np.where(w.sum(axis=1, keepdims=True) > 0, w, 1)
    s = w.sum(axis=1)
    # exact products (fen times fen may pass 2**63): Python integers
    prod = w.astype(object) * tot.astype(object)[:, None]
    q = (prod // s.astype(object)[:, None]).astype(np.int64)
    rem = (prod % s.astype(object)[:, None]).astype(np.int64)
    left = tot - q.sum(axis=1)
    order = np.argsort(-rem, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(w.shape[1], dtype=np.int64)[None, :].repeat(w.shape[0], 0), axis=1)
    return q + (rank < left[:, None]).astype(np.int64)


def rescale_fund(block: IntArray, paid: IntArray, fallback: int) -> IntArray:
    """The interval's payments, ``[replications, months, payers]``, rescaled to sum to ``paid[r]`` exactly.

    Proportional to the model's own cells (:func:`apportion`); a replication
    that paid nothing in the interval gets ``paid`` spread evenly over the
    months on payer column ``fallback``.

    >>> b = np.array([[[30, 10], [0, 0]], [[0, 0], [0, 0]]])
    >>> rescale_fund(b, np.array([8, 5]), 1).tolist()
    [[[6, 2], [0, 0]], [[0, 2], [0, 3]]]
    """
    b = np.asarray(block, dtype=np.int64)
    r, t, p = b.shape
    flat = b.reshape(r, t * p).copy()
    empty = flat.sum(axis=1) == 0
    if empty.any():
        even = np.zeros((int(empty.sum()), t, p), dtype=np.int64)
        even[:, :, fallback] = 1
        flat[empty] = even.reshape(-1, t * p)
    return apportion(np.asarray(paid, dtype=np.int64), flat).reshape(r, t, p)


def settle_fund(year_end: str, delta: IntArray, cur: int, drawn: IntArray, lapsed: IntArray,
                carried_in: IntArray, balance: IntArray) -> None:
    """Move a correction of a fund's payments through its fiscal-year rows and balance, in place.

    Args:
        year_end: ``lapse`` or ``carry_over``.
        delta: ``[replications, years]`` change of the amount drawn in each year (years after ``cur`` are 0).
        cur: Index of the fiscal year now open.
        drawn, lapsed, carried_in: ``[replications, years]`` rows of the fund.
        balance: ``[replications]`` balance now.

    A closed year of a lapsing fund lapses what it no longer paid (or less);
    a carry-over fund carries the difference into every year opened since.
    A balance the actual payments would take below zero stays at zero (the
    actuals reader warns when a fund paid more than it had).

    >>> dr, la, ci, bal = np.array([[5, 3]]), np.zeros((1, 2), np.int64), np.array([[0, 5]]), np.array([7])
    >>> settle_fund("carry_over", np.array([[-2, 1]]), 1, dr, la, ci, bal)
    >>> dr.tolist(), ci.tolist(), bal.tolist()
    ([[3, 4]], [[0, 7]], [8])
    """
    d = np.asarray(delta, dtype=np.int64)
    drawn += d
    if cur > 0:
        if year_end == "lapse":
            lapsed[:, :cur] -= d[:, :cur]
        else:
            carried_in[:, 1:cur + 1] -= np.cumsum(d[:, :cur], axis=1)
    if year_end == "lapse":
        balance -= d[:, cur]
    else:
        balance -= d[:, :cur + 1].sum(axis=1)
    np.maximum(balance, 0, out=balance)


def year_delta(old: IntArray, new: IntArray, year_index: IntArray, n_years: int) -> IntArray:
    """``[replications, years]`` change of the amount drawn, from old and new ``[replications, months, payers]``."""
    per_month = (new - old).sum(axis=2)
    out = np.zeros((per_month.shape[0], n_years), dtype=np.int64)
    for j, yi in enumerate(np.asarray(year_index).tolist()):
        out[:, yi] += per_month[:, j]
    return out


# --------------------------------------------------------------------------- entities


def choose(rng: np.random.Generator, n: int, k: int) -> IntArray:
    """``k`` distinct positions of ``n`` candidates, drawn uniformly (all of them when ``k >= n``)."""
    if k <= 0 or n <= 0:
        return np.empty(0, dtype=np.int64)
    if k >= n:
        return np.arange(n, dtype=np.int64)
    return np.sort(rng.choice(n, size=k, replace=False)).astype(np.int64)


def certificate_phase(donors: FloatArray, rng: np.random.Generator, k: int) -> FloatArray:
    """Months to the next certificate expiry of ``k`` newly valid HTEs.

    Each copies the phase of a valid certificate drawn at random from
    ``donors`` (their months to the next expiry; a time to a later loss of the
    certificate is folded back into its 36-month cycle); without a donor the
    phase is uniform over the cycle, as for the baseline.
    """
    d = np.asarray(donors, dtype=np.float64)
    d = d[np.isfinite(d) & (d > 0)]
    if d.size == 0:
        return rng.random(k) * CERT_MONTHS
    pick = d[rng.integers(0, d.size, size=k)]
    phase = np.mod(pick, CERT_MONTHS)
    return np.where(phase > 0, phase, float(CERT_MONTHS))


def promotions(have: int, want: int) -> int:
    """Entities to move up (positive) or down (negative) to turn ``have`` into ``want``."""
    return int(want) - int(have)


def city_match(city: str | None, cities: Sequence[str]) -> list[int]:
    """Indices of ``cities`` a count covers."""
    return [i for i, c in enumerate(cities) if city is None or c == city]
