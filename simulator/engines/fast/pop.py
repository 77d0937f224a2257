"""Firms, platforms and incubators of a block of replications as flat numpy arrays.

Entity ``s`` of block position ``r`` lives at flat index ``r * cap + s``.  Every
entity of the run — the baselines and every arrival, whose times are drawn
before the run — is created at setup with its birth time; nothing can act on
an entity before it arrives, so its first plan is made then.  Each entity
keeps the continuous times of its pending events (the timers of
:mod:`simulator.engines.des.entities`) and ``t_next``, the earliest of them.  The engine
advances a population to a time ``T`` by letting every entity whose ``t_next``
is before ``T`` take its next event, vectorised over all replications, and
repeating until none is due: an entity takes any number of events, in its
exact order.

Counts change only through dated deltas ``(replication, month, key, ±1)``;
month-end counts are their cumulative sums, so a population may run ahead
of the administrative clock without changing any count.

Two reformulations keep the number of events down without changing any law:

* A tech-SME's yearly registry renewals are Bernoulli(``sme_renewal``) trials
  every 12 months; only the first failure changes anything, so its time
  ``t0 + 12 (K + 1)`` is drawn at once with ``K ~ Geometric``.  The same holds
  for HTE certificates (36 months, ``hte_renewal``) unless a program pays on
  renewals (``first_time_only: false``) in that city, in which case every
  expiry is an event as in the reference engine.
* The HTE application (window month) and its result are one event: the result
  time is fixed when the firm becomes ready; "applied" means ``t_apply <= now``,
  which is what the reference engine's ``t_result < inf`` test means.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from simulator.model.records import CountKey
from simulator.model.yearrates import YearRates

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
S = TypeVar("S", bound=str)

INF = np.inf
STARTUP, TECH, HTE, EXITED, EMPTY = 0, 1, 2, 3, -1
INCUBATED = 3  # column of the per-city firm key table
ON_CODES = {"hte": 0, "tech_sme": 1, "upgrade": 2}
_NEVER = 1 << 40
CREATE_CHUNK = 8  # replications created at once (bounds the temporaries of Firms.create)
STEP_CHUNK = 60_000  # entity events above which a step is taken a few replications at a time

class Sink(Protocol):
    """Where entity events send the claims they trigger."""

    def certified(self, fi: IntArray, state: int, first: BoolArray, t: FloatArray) -> None:
        """Firms ``fi`` were certified (``state`` TECH or HTE) at times ``t``."""

    def recognised(self, ti: IntArray, t: FloatArray) -> None:
        """Platforms/incubators ``ti`` were recognised at their current tier at times ``t``."""

    def constructed(self, ti: IntArray, t: FloatArray) -> None:
        """New incubators ``ti`` built premises at times ``t``."""

# --------------------------------------------------------------------------- shared helpers


def geometric(u: FloatArray, log_p: FloatArray) -> FloatArray:
    """Successes before the first failure, ``P(K >= k) = p ** k``, from uniforms (``log_p = log p``).

    ``p == 1`` (``log_p == 0``) never fails; ``p == 0`` (``log_p == -inf``) fails at once.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.floor(np.log1p(-u) / log_p)
    return np.where(log_p == 0.0, float(_NEVER), np.where(np.isfinite(k), k, 0.0))

def log_prob(p: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore"):
        return np.log(p)

class Counts:
    """Counts of every count key per replication, as dated deltas; month-end snapshots at the end."""

    def __init__(self, n_reps: int, keys: list[CountKey], n_months: int) -> None:
        self.keys = keys
        self.index = {k: i for i, k in enumerate(keys)}
        self.k = len(keys)
        self.n_reps = n_reps
        self.n_months = n_months
        self._idx: list[IntArray] = []
        self._val: list[IntArray] = []

    def key(self, key: CountKey) -> int:
        """Column of a key (-1 if the scenario does not count it)."""
        return self.index.get(key, -1)

    def add(self, rep: IntArray, month: IntArray, col: IntArray, delta: IntArray | int) -> None:
        """Add ``delta`` to key ``col`` from the end of ``month`` on (columns -1 and months past the horizon are dropped)."""
        ok = (col >= 0) & (month < self.n_months)
        d = np.broadcast_to(np.asarray(delta, dtype=np.int64), rep.shape)
        if not ok.all():
            rep, month, col, d = rep[ok], month[ok], col[ok], d[ok]
        if rep.size:
            self._idx.append((rep * self.n_months + month) * self.k + col)
            self._val.append(np.ascontiguousarray(d))

    def upto(self, cols: IntArray, month: int) -> IntArray:
        """Per replication, the sum of keys ``cols`` at the end of ``month`` (from the deltas so far)."""
        out = np.zeros(self.n_reps, dtype=np.int64)
        if not self._idx:
            return out
        idx, val = np.concatenate(self._idx), np.concatenate(self._val)
        col, rest = idx % self.k, idx // self.k
        sel = np.isin(col, cols) & (rest % self.n_months <= month)
        np.add.at(out, rest[sel] // self.n_months, val[sel])
        return out

    def snapshots(self) -> npt.NDArray[np.int32]:
        """Month-end counts ``[replication, month, key]``."""
        size = self.n_reps * self.n_months * self.k
        if self._idx:
            idx = np.concatenate(self._idx)
            val = np.concatenate(self._val)
            flat = np.bincount(idx, weights=val.astype(np.float64), minlength=size)
            delta = np.rint(flat).astype(np.int64)
        else:
            delta = np.zeros(size, dtype=np.int64)
        return np.cumsum(delta.reshape(self.n_reps, self.n_months, self.k), axis=1).astype(np.int32)

def draw_arrivals(gens: Sequence[np.random.Generator], rates: Sequence[float], horizon: float,
                  table: YearRates, rows: Sequence[int]) -> list[tuple[FloatArray, IntArray]]:
    """Poisson arrival times on ``[0, horizon)`` per replication: ``(times, group)`` sorted by time.

    The intensity of group ``i`` is ``rates[i]`` times the yearly multipliers
    of ``rows[i]`` of ``table`` (:meth:`simulator.model.yearrates.YearRates.arrival_times`).

    Args:
        gens: One setup generator per replication.
        rates: Arrival rate per month of each group.
        horizon: Months simulated.
        table: The yearly multipliers of the scenario.
        rows: The row of ``table`` of each group.
    """
    lam = np.array([table.mean_count(r, max(float(rate), 0.0), horizon) for r, rate in zip(rows, rates, strict=True)],
                   dtype=np.float64)
    row_of = np.asarray(rows, dtype=np.int64)
    out = []
    for g in gens:
        n = g.poisson(lam) if lam.size else np.zeros(0, dtype=np.int64)
        group = np.repeat(np.arange(lam.shape[0], dtype=np.int64), n)
        t = table.arrival_times(row_of[group], g.random(group.shape[0]), horizon)
        order = np.argsort(t, kind="stable")
        out.append((t[order], group[order]))
    return out


def baselines(tables: Sequence[Mapping[S, int]], names: Sequence[S]) -> tuple[IntArray, IntArray]:
    """Group and state of every baseline entity: ``tables[g][state] = count`` (state an index into ``names``)."""
    group: list[int] = []
    state: list[int] = []
    for g, table in enumerate(tables):
        for name, n in table.items():
            group.extend([g] * n)
            state.extend([names.index(name)] * n)
    return np.array(group, dtype=np.int64), np.array(state, dtype=np.int64)


def capacity(n_base: int, arrivals: list[tuple[FloatArray, IntArray]]) -> int:
    """Slots per replication: the baseline plus the most arrivals any replication of the block has."""
    return max(int(n_base + max((a[0].shape[0] for a in arrivals), default=0)), 1)


def layout(cap: int, base_group: IntArray, base_state: IntArray, arrivals: list[tuple[FloatArray, IntArray]],
            entry: IntArray) -> tuple[IntArray, IntArray, IntArray, FloatArray, BoolArray]:
    """Flat index, group, state, birth time and "is an arrival" of every entity of a block (by index)."""
    nb = base_group.shape[0]
    fis, grps, sts, ts, arr = [], [], [], [], []
    for r, (t, g) in enumerate(arrivals):
        n = t.shape[0]
        fis.append(r * cap + np.arange(nb + n, dtype=np.int64))
        grps.append(np.concatenate([base_group, g]))
        sts.append(np.concatenate([base_state, entry[g]]))
        ts.append(np.concatenate([np.zeros(nb), t]))
        arr.append(np.concatenate([np.zeros(nb, dtype=bool), np.ones(n, dtype=bool)]))
    return (np.concatenate(fis), np.concatenate(grps), np.concatenate(sts), np.concatenate(ts),
            np.concatenate(arr))


def sample_rows(mask: BoolArray, cap: int, rep: IntArray, u: FloatArray) -> IntArray:
    """For each request, a uniformly drawn set element of row ``rep`` of ``mask`` (rows of length ``cap``)."""
    if rep.size == 0:
        return np.empty(0, dtype=np.int64)
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return np.full(rep.shape[0], -1, dtype=np.int64)
    n_rows = mask.shape[0] // cap
    bounds = np.searchsorted(idx, np.arange(n_rows + 1, dtype=np.int64) * cap)
    starts, cnt = bounds[:-1], np.diff(bounds)
    n = cnt[rep]
    k = np.minimum(np.floor(u * n).astype(np.int64), np.maximum(n - 1, 0))
    pick = np.minimum(starts[rep] + k, idx.shape[0] - 1)
    return np.where(n > 0, idx[pick], -1)


def months_of(t: FloatArray) -> IntArray:
    return t.astype(np.int64)


class Population:
    """What firms and platforms/incubators share: entities with a next-event time, advanced in steps."""

    R: int
    cap: int
    t_next: FloatArray
    clock: float

    def step(self, idx: IntArray) -> None:
        """Every entity in ``idx`` (sorted, all due) takes its next event."""
        raise NotImplementedError

    def advance(self, until: float) -> None:
        """Let every entity take its events before ``until``, repeating steps until none is due."""
        if until <= self.clock:
            return
        cand = np.flatnonzero(self.t_next < until)
        while cand.size:
            due = self.t_next[cand] < until
            if not due.all():
                cand = cand[due]
                if not cand.size:
                    break
            if cand.size <= STEP_CHUNK:
                self.step(cand)
            else:
                # Large steps go a few whole replications at a time (bounded temporaries).  A
                # replication's entities stay together, so its draws and claims keep their order.
                per = max(1, self.R * STEP_CHUNK // cand.size)
                edges = np.searchsorted(cand, np.arange(0, self.R + per, per) * self.cap)
                for a, b in zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True):
                    if b > a:
                        self.step(cand[a:b])
        self.clock = until

def plain_wait(e: FloatArray, rate: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore"):
        return np.where(rate > 0, e / np.where(rate > 0, rate, 1.0), INF)
