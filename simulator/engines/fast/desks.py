"""Program desks of the vectorised engine: claims arrive, are reviewed and paid, every replication at once.

The review of a batch follows :meth:`simulator.engines.des.programs.Desk.review`
and calls the same model: award rules (:mod:`simulator.model.rules`), the
no-double-dipping group, the yearly quota and the payment tranches
(:mod:`simulator.model.ledger`).  :class:`DeskWork` is the part of a block
that does this; :class:`simulator.engines.fast.engine.Block` provides its
state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from simulator.engines.fast.firms import Firms
from simulator.engines.fast.money import FIRM, NO_ENTITY, TIERED, ClaimBook, Pools
from simulator.engines.fast.plan import Plan
from simulator.engines.fast.rng import Key, RepUniforms, rep_generator
from simulator.engines.fast.tiered import Tiered
from simulator.model.dists import (
    UniformSource,
    base_needs_draw,
    claim_base_fen,
    dist_needs_draw,
    dist_values,
)
from simulator.model.ledger import (
    apply_quota,
    due_for_review,
    exclusive_group,
    record_group_best,
    tranche_lines,
)
from simulator.model.places import PlaceTable
from simulator.model.rules import Claims, Parts, evaluate_program, split_award, total_award
from simulator.model.view import Clock, schedule_plan
from simulator.scenario import (
    FIRM_STATES,
    TIERS,
    CaseByCase,
    HigherOf,
    Matching,
    OnCall,
    OnCertification,
    OnSchedule,
    Program,
    Rule,
    Scenario,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

TIER_NAMES = np.array([*TIERS, ""], dtype=np.str_)
NO_TIER = len(TIERS)
GroupKey = tuple[str, int, int, int, int]  # (exclusive group, replication, entity kind, entity, year)
PayRows = list[tuple[int, IntArray, IntArray, IntArray]]  # (fund index, replication, fen, claim id) per fund

# --------------------------------------------------------------------------- rule structure


def _has_random(rule: Rule) -> bool:
    if isinstance(rule, CaseByCase):
        return True
    if isinstance(rule, Matching):
        return _has_random(rule.base) or (rule.match is not None and _has_random(rule.match))
    if isinstance(rule, HigherOf):
        return any(_has_random(r) for r in rule.rules)
    return False


def _part_names(rule: Rule) -> frozenset[str]:
    return frozenset({"base", "match"}) if isinstance(rule, Matching) else frozenset({"total"})


def per_rep_rule(prog: Program) -> bool:
    """Whether awards must be evaluated one replication at a time (random or shape-changing rules)."""
    if _has_random(prog.rule) or any(_has_random(e.rule) for e in prog.exceptions):
        return True
    return any(_part_names(e.rule) != _part_names(prog.rule) for e in prog.exceptions)

# --------------------------------------------------------------------------- desks


@dataclass
class Desk:
    """The live desk of one program across a block."""

    index: int
    pid: str
    prog: Program
    city: str | None
    city_code: int  # population index of the city; -1: any city; -2: a city without population
    start: float
    end: float
    quota: IntArray | None
    approved: IntArray
    per_rep: bool
    places: IntArray | None
    sample_groups: list[int]
    firm_claims: bool
    tiered_claims: bool
    pending: list[IntArray] = field(default_factory=list)
    deferred: dict[tuple[float, int], PayRows] = field(default_factory=dict)
    gens: list[np.random.Generator] | None = None



class DeskWork:
    """Claims, reviews, awards and payments of a block (the state is the block's)."""

    s: Scenario
    seed: int
    reps: list[int]
    R: int
    M: int
    horizon: float
    years: list[int]
    year_of_month: IntArray
    clock: Clock
    plan: Plan
    places: PlaceTable
    place_names: npt.NDArray[np.str_]
    adm_u: RepUniforms
    book: ClaimBook
    pools: Pools
    fund_index: dict[str, int]
    group_best: dict[GroupKey, int]
    desks: list[Desk]
    cert_desks: dict[int, list[Desk]]
    recog: list[tuple[Desk, BoolArray, BoolArray]]
    construct: list[tuple[Desk, BoolArray]]
    firms: Firms
    tiered: Tiered

    # ------------------------------------------------------------------ claims

    def _submit(self, d: Desk, rep: IntArray, t: FloatArray, *, ekind: int, ent: IntArray | int, place: IntArray,
                tier: IntArray | int, qty: IntArray | int = 0, base: IntArray | int = 0) -> None:
        if rep.size == 0:
            return
        if d.places is not None:
            ok = np.isin(place, d.places)
            if not ok.all():
                rep, t, place = rep[ok], t[ok], place[ok]
                ent = ent[ok] if isinstance(ent, np.ndarray) else ent
                tier = tier[ok] if isinstance(tier, np.ndarray) else tier
                qty = qty[ok] if isinstance(qty, np.ndarray) else qty
                base = base[ok] if isinstance(base, np.ndarray) else base
                if rep.size == 0:
                    return
        year = self.year_of_month[np.minimum(t.astype(np.int64), self.M - 1)]
        ids = self.book.add(rep=rep, prog=d.index, t=t, year=year, ekind=ekind, ent=ent, place=place, tier=tier,
                            qty=qty, base=base)
        d.pending.append(ids)

    def certified(self, fi: IntArray, state: int, first: BoolArray, t: FloatArray) -> None:
        """Claims of certification programs (as :meth:`simulator.engines.des.world.World._certified`)."""
        for d in self.cert_desks[state]:
            trig = d.prog.trigger
            assert isinstance(trig, OnCertification)
            ok = (t >= d.start) & (t < d.end)
            if d.city_code != -1:
                ok &= self.firms.city[fi] == d.city_code
            if trig.first_time_only:
                ok &= first
            if ok.any():
                f = fi[ok]
                self._submit(d, f // self.firms.cap, t[ok], ekind=FIRM, ent=f, place=self.firms.place[f], tier=NO_TIER)

    def recognised(self, ti: IntArray, t: FloatArray) -> None:
        """Claims of recognition programs (as :meth:`simulator.engines.des.world.World._recognised`)."""
        tr = self.tiered
        grp = tr.grp[ti]
        tier = tr.tier[ti]
        for d, gmask, tmask in self.recog:
            ok = gmask[grp] & tmask[tier] & (t >= d.start) & (t < d.end)
            if ok.any():
                e = ti[ok]
                self._submit(d, e // tr.cap, t[ok], ekind=TIERED, ent=e, place=tr.place[e], tier=tier[ok],
                             qty=tr.area[e])

    def constructed(self, ti: IntArray, t: FloatArray) -> None:
        """Claims of construction programs for new incubators."""
        tr = self.tiered
        grp = tr.grp[ti]
        for d, gmask in self.construct:
            ok = gmask[grp] & (t >= d.start) & (t < d.end)
            if ok.any():
                e = ti[ok]
                self._submit(d, e // tr.cap, t[ok], ekind=TIERED, ent=e, place=tr.place[e], tier=tr.tier[e],
                             qty=tr.area[e])

    def _batch(self, d: Desk, n: IntArray, t: float) -> None:
        """Applicants of a call or a dated claim (as :meth:`simulator.engines.des.programs.Desk._batch_of`)."""
        rep = np.repeat(np.arange(self.R, dtype=np.int64), n)
        if rep.size == 0:
            return
        trig = d.prog.trigger
        assert isinstance(trig, OnCall | OnSchedule)
        u = self.adm_u
        qu = u.take(rep, presorted=True) if dist_needs_draw(trig.quantity) else np.zeros(rep.size)
        q = np.rint(dist_values(trig.quantity, qu)).astype(np.int64)
        bu = u.take(rep, presorted=True) if base_needs_draw(trig) else np.zeros(rep.size)
        planned = schedule_plan(self.clock, d.prog).get(t) if isinstance(trig, OnSchedule) else None
        b = claim_base_fen(trig, rep.size, UniformSource(bu), planned)
        tier: IntArray | int = NO_TIER
        if isinstance(trig, OnCall) and trig.tier_mix:
            names = list(trig.tier_mix)
            p = np.array([trig.tier_mix[k] for k in names], dtype=float)
            p = p / p.sum() if p.sum() > 0 else np.full(len(names), 1 / len(names))
            cum = np.cumsum(p)
            k = np.minimum(np.searchsorted(cum, u.take(rep, presorted=True) * cum[-1], side="right"), len(names) - 1)
            tier = np.array([TIERS.index(nm) for nm in names], dtype=np.int64)[k]
        times = np.full(rep.size, t)
        if isinstance(trig, OnCall) and trig.firm_state and d.city:
            if d.city_code < 0:
                return
            fi = self.firms.sample(rep, d.city_code, FIRM_STATES.index(trig.firm_state), u.take(rep, presorted=True), t)
            ok = fi >= 0
            fi = fi[ok]
            self._submit(d, rep[ok], times[ok], ekind=FIRM, ent=fi, place=self.firms.place[fi],
                         tier=tier[ok] if isinstance(tier, np.ndarray) else tier, qty=q[ok], base=b[ok])
        elif isinstance(trig, OnCall) and trig.platform_types and d.city:
            ti = self.tiered.sample(rep, d.sample_groups, u.take(rep, presorted=True), t)
            ok = ti >= 0
            ti = ti[ok]
            self._submit(d, rep[ok], times[ok], ekind=TIERED, ent=ti, place=self.tiered.place[ti],
                         tier=tier[ok] if isinstance(tier, np.ndarray) else tier, qty=q[ok], base=b[ok])
        else:
            place = self.places.draw(d.city, u.take(rep, presorted=True))
            self._submit(d, rep, times, ekind=NO_ENTITY, ent=-1, place=place, tier=tier, qty=q, base=b)

    # ------------------------------------------------------------------ review

    def _evaluate(self, d: Desk, ids: IntArray) -> list[tuple[IntArray, Parts]]:
        """Awards of a batch, as groups of claims whose parts have one shape (positions into ``ids``)."""
        book = self.book
        claims = Claims(book.qty[ids], book.base[ids], TIER_NAMES[book.tier[ids]], self.place_names[book.place[ids]])
        if not d.per_rep:
            return [(np.arange(ids.shape[0]), evaluate_program(d.prog, claims))]
        if d.gens is None:
            d.gens = [rep_generator(self.seed, r, int(Key.RULES) + d.index) for r in self.reps]
        rep = book.rep[ids]
        by_shape: dict[tuple[str, ...], list[tuple[IntArray, Parts]]] = {}
        for r in np.unique(rep).tolist():
            mine = rep == r
            parts = evaluate_program(d.prog, claims.take(mine), d.gens[r])
            by_shape.setdefault(tuple(parts), []).append((np.flatnonzero(mine), parts))
        out: list[tuple[IntArray, Parts]] = []
        for names, pieces in by_shape.items():
            sel = np.concatenate([p[0] for p in pieces])
            out.append((sel, {k: np.concatenate([p[1][k] for p in pieces]) for k in names}))
        return out

    def _review(self, d: Desk, t: float, m: int, yi: int) -> None:
        """One review point of a desk, every replication (as :meth:`simulator.engines.des.programs.Desk.review`)."""
        if not d.pending:
            return
        book = self.book
        prog = d.prog
        ids = np.concatenate(d.pending) if len(d.pending) > 1 else d.pending[0]
        ready = due_for_review(book.t[ids], prog.review.delay_months, t)
        if not ready.any():
            d.pending = [ids]
            return
        rest = ids[~ready]
        d.pending = [rest] if rest.size else []
        rids = ids[ready]
        rids = rids[np.lexsort((rids, book.t[rids], book.rep[rids]))]
        book.pending[rids] = False
        book.year[rids] = self.years[yi]
        if prog.review.approval < 1.0:
            rids = rids[self.adm_u.take(book.rep[rids], presorted=True) < prog.review.approval]
        if rids.size == 0:
            return
        for sel, parts in self._evaluate(d, rids):
            self._award(d, rids[sel], parts, t, m, yi)


    def _award(self, d: Desk, bids: IntArray, parts: Parts, t: float, m: int, yi: int) -> None:
        """Groups, quota and awards of approved claims ``bids`` (by replication), then payment and behaviour links."""
        book = self.book
        prog = d.prog
        brep = book.rep[bids]
        keys: list[GroupKey | None] = [None] * bids.shape[0]
        if prog.exclusive_group is not None:
            group, year = prog.exclusive_group, int(self.years[yi])
            ek, ent = book.ekind[bids].tolist(), book.ent[bids].tolist()
            gkeys: list[GroupKey | None] = [(group, r, k, e, year) if k >= 0 else None
                                            for r, k, e in zip(brep.tolist(), ek, ent, strict=True)]
            keep, keys = exclusive_group(gkeys, parts, self.group_best)
            if not keep.all():
                bids, brep = bids[keep], brep[keep]
                parts = {k: v[keep] for k, v in parts.items()}
                keys = [k for k, ok in zip(keys, keep.tolist(), strict=True) if ok]
        totals = total_award(parts)
        keep_q = totals > 0
        if d.quota is not None and keep_q.any():
            keep_q = apply_quota(keep_q, brep, d.quota[:, yi] - d.approved[:, yi])
        if not keep_q.all():
            bids, brep, totals = bids[keep_q], brep[keep_q], totals[keep_q]
            parts = {k: v[keep_q] for k, v in parts.items()}
            keys = [k for k, ok in zip(keys, keep_q.tolist(), strict=True) if ok]
        if bids.size == 0:
            return
        record_group_best(self.group_best, keys, totals)
        np.add.at(d.approved[:, yi], brep, 1)
        book.approved[bids] = True
        book.requested[bids] = totals
        self._pay(d, bids, brep, parts, t, m, yi)
        if prog.effect is not None:
            hit = bids[(book.paid[bids] > 0) & (book.ekind[bids] >= 0)]
            if hit.size:
                self._support(hit, prog.effect.on, prog.effect.multiplier, prog.effect.months, t)

    def _pay(self, d: Desk, bids: IntArray, brep: IntArray, parts: Parts, t: float, m: int, yi: int) -> None:
        """Split the awards, cut them into tranches, pay the first, defer the rest (as the reference desk)."""
        prog = d.prog
        tranches = tranche_lines(prog, split_award(prog, parts, self.s), brep)
        for k, (tranche, per_fund) in enumerate(zip(prog.payment, tranches, strict=True)):
            rows: PayRows = [(self.fund_index[tl.fund], tl.rep, tl.amount, bids[tl.claim]) for tl in per_fund]
            if tranche.after_months == 0:
                for f, rep, amt, claim in rows:
                    self.pools.pay(f, rep, amt, claim, np.full(rep.shape[0], d.index, dtype=np.int64), m, yi)
            elif t + float(tranche.after_months) >= self.horizon:
                for _f, _rep, _amt, claim in rows:  # due after the horizon: still owed, reported as queued
                    np.add.at(self.book.qlines, claim, 1)
            else:
                d.deferred.setdefault((t, k), []).extend(rows)

    def _support(self, claim_ids: IntArray, on: str, multiplier: float, months: int, now: float) -> None:
        book = self.book
        ek, ent = book.ekind[claim_ids], book.ent[claim_ids]
        fi = ent[ek == FIRM]
        if fi.size:
            self.firms.support(fi, on, multiplier, months, now)
        ti = ent[ek == TIERED]
        if ti.size:
            self.tiered.support(ti, on, multiplier, months, now)
