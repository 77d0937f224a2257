"""Program desks: claims arrive, are reviewed in batches, awarded, split and paid.

A desk collects claims from its trigger.  At each review point it takes the
batch whose review delay has passed, draws approvals, applies the yearly quota
and the no-double-dipping group, computes awards for the whole batch with the
shared rule functions, splits them exactly across funds and levels, and sends
each tranche to the funds, which allocate with the shared batch allocation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulator.calendar import OFFSET_CALL, OFFSET_REVIEW
from simulator.entities import Proc
from simulator.fund import Claim, Line
from simulator.rules import Claims, evaluate_program, split_award, split_exact, top_up, total_award
from simulator.scenario import Dist, OnCall, OnSchedule, Program

if TYPE_CHECKING:  # pragma: no cover
    from simulator.world import World


def draw_dist(d: Dist | None, rng: np.random.Generator, n: int) -> np.ndarray:
    """Draw ``n`` values of a distribution (zeros when there is none)."""
    if d is None or n == 0:
        return np.zeros(n)
    if d.dist == "fixed":
        return np.full(n, float(d.value or 0.0))
    if d.dist == "uniform":
        return rng.uniform(float(d.low or 0.0), float(d.high or 0.0), n)
    if d.dist == "triangular":
        lo, mo, hi = float(d.low or 0.0), float(d.mode or 0.0), float(d.high or 0.0)
        return rng.triangular(lo, mo, hi, n) if hi > lo else np.full(n, lo)
    if d.dist == "lognormal":
        return float(d.median or 0.0) * np.exp(float(d.sigma or 0.0) * rng.standard_normal(n))
    return rng.poisson(float(d.mean or 0.0), n).astype(np.float64)


def dist_median(d: Dist | None) -> float:
    """A representative value of a distribution (for the application response)."""
    if d is None:
        return 0.0
    if d.dist == "fixed":
        return float(d.value or 0.0)
    if d.dist == "uniform":
        return (float(d.low or 0.0) + float(d.high or 0.0)) / 2
    if d.dist == "triangular":
        return float(d.mode or 0.0)
    if d.dist == "lognormal":
        return float(d.median or 0.0)
    return float(d.mean or 0.0)


def review_times(w: World, program: Program) -> list[float]:
    """All review points of a program inside its active window."""
    cal = w.calendar
    rv = program.review
    first = w.program_start(program)
    last = w.program_end(program)
    out = []
    for m in range(cal.n_months):
        cm = cal.cal_month(m)
        if rv.every == "quarter" and cm not in (3, 6, 9, 12):
            continue
        if rv.every == "year" and cm != rv.month:
            continue
        t = m + OFFSET_REVIEW
        if first <= t <= last + rv.delay_months + 12:
            out.append(t)
    return out


def response_factor(program: Program, w: World) -> float:
    """Behaviour link: applications scale with (representative award / reference) ** elasticity."""
    if program.response is None or program.response.elasticity == 0:
        return 1.0
    trig = program.trigger
    q = dist_median(getattr(trig, "quantity", None))
    b = dist_median(getattr(trig, "base", None))
    claims = Claims.of(quantity=[round(q)], base_fen=[round(b * 100)], tier=["provincial"], place=[""])
    award = int(total_award(evaluate_program(program, claims))[0])
    ref = program.response.reference
    if award <= 0 or ref <= 0:
        return 1.0
    return float((award / ref) ** program.response.elasticity)


class Desk:
    """The live desk of one program."""

    def __init__(self, w: World, pid: str, program: Program, rng: np.random.Generator) -> None:
        self.w = w
        self.pid = pid
        self.program = program
        self.rng = rng
        self.pending: list[Claim] = []
        self.approved_in_year: dict[int, int] = {}
        self.quota_of_year: dict[int, int] = {}
        self.claims: list[Claim] = []
        self.city = w.scenario.program_city(pid)
        self.response = response_factor(program, w)

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
        if isinstance(trig, OnCall):
            t = w.calendar.next_month_with(trig.month, w.program_start(self.program), OFFSET_CALL)
            while t <= min(w.program_end(self.program), w.horizon):
                yield env.timeout(t - env.now)
                n = int(self.rng.poisson(trig.applicants * self.response))
                self._batch_of(trig, n)
                t = w.calendar.next_month_with(trig.month, t + 1.0, OFFSET_CALL)
        elif isinstance(trig, OnSchedule):
            times = sorted(w.calendar.month_of(d) + OFFSET_CALL for d in trig.dates)
            for t in times:
                if t < env.now or t >= w.horizon:
                    continue
                yield env.timeout(t - env.now)
                self._batch_of(trig, trig.claims_per_date)

    def _batch_of(self, trig: OnCall | OnSchedule, n: int) -> None:
        if n <= 0:
            return
        q = np.rint(draw_dist(trig.quantity, self.rng, n)).astype(np.int64)
        b = np.rint(draw_dist(trig.base, self.rng, n) * 100).astype(np.int64)
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
        for t in review_times(self.w, self.program):
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
        """One review point: approvals, quota, groups, awards, split, first payments."""
        w, prog = self.w, self.program
        now = w.env.now
        ready = [c for c in self.pending if c.t + prog.review.delay_months <= now + 1e-9]
        if not ready:
            return
        self.pending = [c for c in self.pending if c.t + prog.review.delay_months > now + 1e-9]
        year = w.year_now()
        approve = self.rng.random(len(ready)) < prog.review.approval
        batch = []
        for c, ok in zip(ready, approve.tolist(), strict=True):
            c.year = year
            if ok:
                batch.append(c)
        if not batch:
            return
        claims = Claims.of(quantity=[c.quantity for c in batch], base_fen=[c.base_fen for c in batch],
                           tier=[c.tier for c in batch], place=[c.place for c in batch])
        parts = evaluate_program(prog, claims, self.rng)
        totals = total_award(parts)
        group_keys: list[tuple[str, int, int] | None] = [None] * len(batch)
        if prog.exclusive_group is not None:
            keep = np.ones(len(batch), dtype=bool)
            staged: dict[tuple[str, int, int], int] = {}
            for i, c in enumerate(batch):
                if c.entity < 0:
                    continue
                key = (prog.exclusive_group, c.entity, year)
                best = staged.get(key, w.group_best.get(key, 0))
                amount = int(totals[i])
                if amount <= best:
                    keep[i] = False  # 就高不就低: the higher award already went to this entity
                    continue
                staged[key] = amount
                group_keys[i] = key
                if best:
                    top_up(parts, i, amount, best)  # pay only the difference to the higher award
            if not keep.all():
                batch = [c for c, k in zip(batch, keep.tolist(), strict=True) if k]
                group_keys = [g for g, k in zip(group_keys, keep.tolist(), strict=True) if k]
                parts = {k: v[keep] for k, v in parts.items()}
            totals = total_award(parts)
        keep_q = totals > 0
        left = self._quota_left(year)
        if left < int(keep_q.sum()):
            # Yearly quota: the first claims in the review order take the places.
            ranks = np.cumsum(keep_q)
            keep_q &= ranks <= max(left, 0)
        if not keep_q.all():
            batch = [c for c, k in zip(batch, keep_q.tolist(), strict=True) if k]
            group_keys = [g for g, k in zip(group_keys, keep_q.tolist(), strict=True) if k]
            parts = {k: v[keep_q] for k, v in parts.items()}
            totals = totals[keep_q]
        if not batch:
            return
        for i, gkey in enumerate(group_keys):
            if gkey is not None:  # only awards actually approved count for 就高不就低
                w.group_best[gkey] = max(w.group_best.get(gkey, 0), w.group_best.get(gkey, 0) + int(totals[i]))
        self.approved_in_year[year] = self.approved_in_year.get(year, 0) + len(batch)
        if w.trace is not None:
            w.log("review", self.pid, f"{len(ready)} reviewed, {len(batch)} approved, awards "
                  f"{int(totals.sum()) / 100:.2f} yuan")
        lines = split_award(prog, parts, w.scenario)
        for i, c in enumerate(batch):
            c.approved = True
            c.requested_fen = int(totals[i])
        shares = [t.share for t in prog.payment]
        # tranche amounts per split line, exactly
        tranche_lines: list[list[Line]] = [[] for _ in prog.payment]
        for sl in lines:
            pieces = split_exact(sl.amount, shares)
            for k, piece in enumerate(pieces):
                for i, c in enumerate(batch):
                    amt = int(piece[i])
                    if amt > 0:
                        tranche_lines[k].append(Line(c, sl.fund, sl.level, amt))
        for k, tranche in enumerate(prog.payment):
            if tranche.after_months == 0:
                w.pay_lines(tranche_lines[k])
            else:
                w.env.process(self._later(tranche_lines[k], float(tranche.after_months)))
        if prog.effect is not None:
            for c in batch:
                if c.paid_fen > 0 and c.entity >= 0:
                    w.support(c.entity, prog.effect.on, prog.effect.multiplier, prog.effect.months)

    def _later(self, lines: list[Line], delay: float) -> Proc:
        if self.w.env.now + delay >= self.w.horizon:
            for ln in lines:  # due after the horizon: still owed, reported as queued
                ln.claim.queued_lines += 1
                ln.claim.open_lines += 1
            return
        yield self.w.env.timeout(delay)
        self.w.pay_lines(lines)


def claim_state(c: Claim) -> str:
    """The one end state of a claim at the horizon."""
    if not c.approved:
        return "pending" if c.year == -1 else "not_approved"
    if c.queued_lines > 0:
        return "queued"
    if c.refused and c.paid_fen == 0:
        return "refused"
    if c.refused or c.cut or c.paid_fen < c.requested_fen:
        return "partly_paid"
    return "paid"


