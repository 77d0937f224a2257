"""Program desks: claims arrive, are reviewed in batches, awarded, split and paid.

A desk collects claims from its trigger.  At each review point it takes the
batch whose review delay has passed, draws approvals, and hands the batch to
the shared model (:mod:`simulator.model`): award rules, the no-double-dipping
group, the yearly quota, the exact split across funds and levels, and the
payment tranches; each tranche goes to the funds, which allocate with the
shared batch allocation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import simpy

from simulator.engines.des.entities import Firm, Proc, Tiered
from simulator.engines.des.fund import Claim, Line
from simulator.engines.des.rng import Buffered
from simulator.model.dists import GeneratorSource, claim_base_fen, draw_dist
from simulator.model.ledger import (
    apply_quota,
    due_for_review,
    exclusive_group,
    record_group_best,
    tranche_lines,
)
from simulator.model.rules import Claims, Parts, evaluate_program, split_award, total_award
from simulator.model.view import Clock, call_times, response_factor, review_times, schedule_plan
from simulator.scenario import OnCall, OnSchedule, Program, Scenario

GroupKey = tuple[str, int, int]  # (exclusive group, entity, year)


class Office(Protocol):
    """What a desk needs from the world it works in."""

    env: simpy.Environment
    scenario: Scenario
    clock: Clock
    horizon: float
    trace: list[tuple[float, str, str, str]] | None
    group_best: dict[GroupKey, int]
    events: int

    def log(self, what: str, who: str, detail: str) -> None:
        """Append one event to the trace."""

    def next_cid(self) -> int:
        """A fresh claim id."""

    def year_now(self) -> int:
        """Calendar year of the current time."""

    def random_place(self, city: str | None, rng: np.random.Generator | Buffered) -> str:
        """A place of a city drawn by population share."""

    def sample_firm(self, city: str, state: str, rng: np.random.Generator) -> Firm | None:
        """A random firm of a city in a state."""

    def sample_platform(self, city: str, types: Sequence[str], rng: np.random.Generator) -> Tiered | None:
        """A random live platform of a city among some types."""

    def pay_lines(self, lines: list[Line]) -> None:
        """Send payment lines to their funds."""

    def support(self, eid: int, on: str, multiplier: float, months: int) -> None:
        """Behaviour link: money received multiplies a hazard."""


class Desk:
    """The live desk of one program."""

    def __init__(self, w: Office, pid: str, program: Program, rng: np.random.Generator) -> None:
        self.w = w
        self.pid = pid
        self.program = program
        self.rng = rng
        self.pending: list[Claim] = []
        self.approved_in_year: dict[int, int] = {}
        self.quota_of_year: dict[int, int] = {}
        self.claims: list[Claim] = []
        self.city = w.scenario.program_city(pid)
        self.response = response_factor(program)
        self.plan = schedule_plan(w.clock, program)
        self.opens, self.closes = w.clock.program_start(program), w.clock.program_end(program)

    def takes_claims(self, city: str, t: float) -> bool:
        """Whether the program takes a claim from ``city`` at time ``t`` (its city, its active window)."""
        return (self.city is None or self.city == city) and self.opens <= t < self.closes

    # ------------------------------------------------------------------ intake

    def submit(self, entity: int, place: str, tier: str, quantity: int, base_fen: int) -> None:
        """A new claim arrives now."""
        if self.program.places is not None and place not in self.program.places:
            return
        c = Claim(self.w.next_cid(), self.pid, entity, place, tier, quantity, base_fen, self.w.env.now,
                  year=self.w.year_now())
        self.pending.append(c)
        self.claims.append(c)
        if self.w.trace is not None:
            self.w.log("claim", self.pid, f"claim#{c.cid} entity#{entity}@{place} tier={tier or '-'} "
                       f"quantity={quantity} base={base_fen / 100:.2f}")

    def call_process(self) -> Proc:
        """Yearly calls (``on: call``) or set dates (``on: schedule``)."""
        w, trig = self.w, self.program.trigger
        env = w.env
        for t in call_times(w.clock, self.program):
            yield env.timeout(t - env.now)
            w.events += 1
            if isinstance(trig, OnCall):
                self._batch_of(trig, int(self.rng.poisson(trig.applicants * self.response)))
            elif isinstance(trig, OnSchedule):
                self._batch_of(trig, trig.claims_per_date, self.plan.get(t))

    def _batch_of(self, trig: OnCall | OnSchedule, n: int, planned_fen: int | None = None) -> None:
        if n <= 0:
            return
        src = GeneratorSource(self.rng)
        q = np.rint(draw_dist(trig.quantity, n, src)).astype(np.int64)
        b = claim_base_fen(trig, n, src, planned_fen)
        tiers = [""] * n
        if isinstance(trig, OnCall) and trig.tier_mix:
            names = list(trig.tier_mix)
            p = np.array([trig.tier_mix[k] for k in names], dtype=float)
            p = p / p.sum() if p.sum() > 0 else np.full(len(names), 1 / len(names))
            tiers = [names[i] for i in self.rng.choice(len(names), size=n, p=p)]
        for i in range(n):
            ent, place = -1, ""
            if isinstance(trig, OnCall) and trig.firm_state and self.city:
                picked = self.w.sample_firm(self.city, trig.firm_state, self.rng)
                if picked is None:
                    continue
                ent, place = picked.eid, picked.place
            elif isinstance(trig, OnCall) and trig.platform_types and self.city:
                got = self.w.sample_platform(self.city, trig.platform_types, self.rng)
                if got is None:
                    continue
                ent, place = got.eid, got.place
            else:
                place = self.w.random_place(self.city, self.rng)
            self.submit(ent, place, tiers[i], int(q[i]), int(b[i]))

    # ------------------------------------------------------------------ review

    def review_process(self) -> Proc:
        """Review pending claims in batches at the review points."""
        env = self.w.env
        for t in review_times(self.w.clock, self.program):
            if t >= self.w.horizon:
                return
            yield env.timeout(t - env.now)
            self.review()

    def _quota_left(self, year: int) -> int:
        q = self.program.quota
        if q is None:
            return 1 << 30
        if year not in self.quota_of_year:
            lo, hi = q.bounds
            self.quota_of_year[year] = int(self.rng.integers(lo, hi + 1))
        return self.quota_of_year[year] - self.approved_in_year.get(year, 0)

    def review(self) -> None:
        """One review point: approvals, then awards, group, quota, split and first payments."""
        w, prog = self.w, self.program
        now = w.env.now
        due = due_for_review(np.array([c.t for c in self.pending]), prog.review.delay_months, now).tolist()
        ready = [c for c, ok in zip(self.pending, due, strict=True) if ok]
        if not ready:
            return
        w.events += 1
        self.pending = [c for c, ok in zip(self.pending, due, strict=True) if not ok]
        year = w.year_now()
        approve = self.rng.random(len(ready)) < prog.review.approval
        batch = []
        for c, ok in zip(ready, approve.tolist(), strict=True):
            c.year = year
            if ok:
                batch.append(c)
        if batch:
            self._award(batch, year, len(ready))

    def _award(self, batch: list[Claim], year: int, n_reviewed: int) -> None:
        """Awards of approved claims, the exclusive group and the yearly quota, then payment."""
        w, prog = self.w, self.program
        claims = Claims.of(quantity=[c.quantity for c in batch], base_fen=[c.base_fen for c in batch],
                           tier=[c.tier for c in batch], place=[c.place for c in batch])
        parts = evaluate_program(prog, claims, self.rng)
        keys: list[GroupKey | None] = [None] * len(batch)
        if prog.exclusive_group is not None:
            group = prog.exclusive_group
            keep, keys = exclusive_group([(group, c.entity, year) if c.entity >= 0 else None for c in batch],
                                         parts, w.group_best)
            batch, keys, parts = _take(batch, keys, parts, keep)
        totals = total_award(parts)
        keep_q = apply_quota(totals > 0, np.zeros(len(batch), dtype=np.int64), np.array([self._quota_left(year)]))
        if not keep_q.all():
            batch, keys, parts = _take(batch, keys, parts, keep_q)
            totals = totals[keep_q]
        if not batch:
            return
        record_group_best(w.group_best, keys, totals)
        self.approved_in_year[year] = self.approved_in_year.get(year, 0) + len(batch)
        if w.trace is not None:
            w.log("review", self.pid, f"{n_reviewed} reviewed, {len(batch)} approved, awards "
                  f"{int(totals.sum()) / 100:.2f} yuan")
        for i, c in enumerate(batch):
            c.approved = True
            c.requested_fen = int(totals[i])
        self._pay(batch, parts)
        if prog.effect is not None:
            for c in batch:
                if c.paid_fen > 0 and c.entity >= 0:
                    w.support(c.entity, prog.effect.on, prog.effect.multiplier, prog.effect.months)

    def _pay(self, batch: list[Claim], parts: Parts) -> None:
        """Split the awards across funds and levels, cut them into tranches, pay the first, schedule the rest."""
        w, prog = self.w, self.program
        lines = split_award(prog, parts, w.scenario)
        tranches = tranche_lines(prog, lines, np.zeros(len(batch), dtype=np.int64))
        for tranche, per_fund in zip(prog.payment, tranches, strict=True):
            pay = [Line(batch[j], tl.fund, w.scenario.level_of_fund(tl.fund), amt)
                   for tl in per_fund for j, amt in zip(tl.claim.tolist(), tl.amount.tolist(), strict=True)]
            if tranche.after_months == 0:
                w.pay_lines(pay)
            else:
                w.env.process(self._later(pay, float(tranche.after_months)))

    def _later(self, lines: list[Line], delay: float) -> Proc:
        if self.w.env.now + delay >= self.w.horizon:
            for ln in lines:  # due after the horizon: still owed, reported as queued
                ln.claim.queued_lines += 1
                ln.claim.open_lines += 1
            return
        yield self.w.env.timeout(delay)
        self.w.events += 1
        self.w.pay_lines(lines)


def _take(batch: list[Claim], keys: list[GroupKey | None], parts: Parts,
          keep: np.ndarray) -> tuple[list[Claim], list[GroupKey | None], Parts]:
    """The claims of a batch (with their group keys and award parts) that ``keep`` selects."""
    if keep.all():
        return batch, keys, parts
    flags = keep.tolist()
    return ([c for c, k in zip(batch, flags, strict=True) if k], [g for g, k in zip(keys, flags, strict=True) if k],
            {k: v[keep] for k, v in parts.items()})
