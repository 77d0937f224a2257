"""Checks across the keys of a validated scenario: references between ids, sums, dates in the horizon.

The schema checks each object alone; these checks look at several at once (a
fund named by a program's split must exist, the shares of a split sum to 1, a
deadline lies inside the horizon).  Each problem names the file and line of
the value it is about.
"""

from __future__ import annotations

import typing
from datetime import date
from fractions import Fraction
from typing import Any

from simulator import scenario as sc
from simulator.errors import Problem, did_you_mean
from simulator.merge import MergeState
from simulator.yamlio import KeyPath, dotted


class _Checker:
    """Collects the cross-key problems of one scenario."""

    def __init__(self, s: sc.Scenario, state: MergeState, problems: list[Problem]) -> None:
        self.s = s
        self.jur = s.jurisdictions
        self.state = state
        self.problems = problems

    def bad(self, path: KeyPath, message: str, value: Any = None, expected: str | None = None,
            choices: typing.Iterable[str] = ()) -> None:
        file, line = self.state.line(path)
        guess = did_you_mean(str(value), choices) if value is not None and choices else None
        self.problems.append(Problem(message, file=file, line=line, path=dotted(path), value=value,
                                     has_value=value is not None, expected=expected,
                                     hint=f"did you mean {guess!r}?" if guess else None))

    def place(self, path: KeyPath, place: str | None, expected: str = "a key of `jurisdictions`") -> None:
        """``place`` must be a jurisdiction."""
        if place is not None and place not in self.jur:
            self.bad(path, "unknown jurisdiction", place, expected, self.jur)

    def in_horizon(self, path: KeyPath, d: date, message: str = "date outside the horizon") -> None:
        """``d`` must lie inside the scenario's horizon."""
        h = self.s.scenario
        if not (h.start <= d <= h.end):
            self.bad(path, message, d.isoformat(), f"a date from {h.start} to {h.end}")

    def types(self, path: KeyPath, kind: str, types: list[str]) -> None:
        """Platform or incubator types named by a trigger or a metric must exist."""
        allowed = sc.PLATFORM_TYPES if kind == "platform" else sc.INCUBATOR_TYPES
        for i, ty in enumerate(types):
            if ty not in allowed:
                self.bad((*path, i), f"unknown {kind} type", ty, ", ".join(allowed), allowed)


def cross_check(s: sc.Scenario, state: MergeState, problems: list[Problem]) -> None:
    """Append a problem for every reference, sum or date that does not hold across keys."""
    c = _Checker(s, state, problems)
    _jurisdictions(c)
    _funds(c)
    for pid, prog in s.programs.items():
        _program(c, ("programs", pid), prog)
    for cid in s.populations:
        c.place(("populations", cid), cid, "a city in `jurisdictions`")
    for iid, ind in s.indicators.items():
        c.place(("indicators", iid, "city"), ind.city, "a city in `jurisdictions`")
    for tid, t in s.targets.items():
        _target(c, ("targets", tid), t)


def _jurisdictions(c: _Checker) -> None:
    for jid, j in c.jur.items():
        c.place(("jurisdictions", jid, "parent"), j.parent)
    for jid in c.jur:  # parent cycles
        seen: list[str] = []
        cur: str | None = jid
        while cur is not None and cur in c.jur:
            if cur in seen:
                c.bad(("jurisdictions", jid, "parent"), f"jurisdiction parents form a cycle: {' -> '.join([*seen, cur])}")
                break
            seen.append(cur)
            cur = c.jur[cur].parent


def _funds(c: _Checker) -> None:
    s = c.s
    for fid, f in s.funds.items():
        c.place(("funds", fid, "owner"), f.owner)
        for year in f.appropriations:
            if year > s.scenario.end.year:
                c.bad(("funds", fid, "appropriations", year), "appropriation year after the horizon", year,
                      f"a year up to {s.scenario.end.year} (earlier years form the opening balance)")
    for gid, g in s.guidance_funds.items():
        if g.fund not in s.funds:
            c.bad(("guidance_funds", gid, "fund"), "unknown fund", g.fund, "a key of `funds`", s.funds)


def _program(c: _Checker, base: KeyPath, prog: sc.Program) -> None:
    _split(c, base, prog)
    paid = sum((t.share for t in prog.payment), Fraction(0))
    if paid != 1:
        c.bad((*base, "payment"), f"payment tranches sum to {float(paid):.4g}", None, "shares that sum to exactly 1")
    c.place((*base, "city"), prog.city, "a city in `jurisdictions`")
    for i, place in enumerate(prog.places or []):
        c.place((*base, "places", i), place)
    for k, exc in enumerate(prog.exceptions):
        for i, place in enumerate(exc.places):
            c.place((*base, "exceptions", k, "places", i), place)
    trig = prog.trigger
    if isinstance(trig, sc.OnRecognition):
        c.types((*base, "trigger", "types"), trig.kind, trig.types)
    for d_name in ("start", "end"):
        d = getattr(prog, d_name)
        if d is not None:
            c.in_horizon((*base, d_name), d)
    if isinstance(trig, sc.OnSchedule):
        for i, d in enumerate(trig.dates):
            c.in_horizon((*base, "trigger", "dates", i), d)


def _split(c: _Checker, base: KeyPath, prog: sc.Program) -> None:
    for i, part in enumerate(prog.split):
        if part.fund not in c.s.funds:
            c.bad((*base, "split", i, "fund"), "unknown fund", part.fund, "a key of `funds`", c.s.funds)
    parts_used = {p.part for p in prog.split}
    for part_name in parts_used:
        total = sum((p.share for p in prog.split if p.part == part_name), Fraction(0))
        if total != 1:
            c.bad((*base, "split"), f"shares of part {part_name!r} sum to {float(total):.4g}", None,
                  "shares that sum to exactly 1 for each part")
    if parts_used != {"total"}:
        if parts_used != {"base", "match"}:
            c.bad((*base, "split"), f"split mixes parts {sorted(parts_used)}", None,
                  "either only `total` parts, or both `base` and `match` parts")
        rules = [prog.rule, *(e.rule for e in prog.exceptions)]
        if not all(isinstance(r, sc.Matching) for r in rules):
            c.bad((*base, "split"), "split names `base`/`match` parts but the rule is not `matching`", None,
                  "part: total, or a matching rule")


def _target(c: _Checker, base: KeyPath, t: sc.Target) -> None:
    s, jur = c.s, c.jur
    c.in_horizon((*base, "deadline"), t.deadline, "deadline outside the horizon")
    c.place((*base, "city"), t.city, "a city in `jurisdictions`")
    m = t.metric
    for attr, pool, label in (("indicator", s.indicators, "indicators"), ("appropriated", s.funds, "funds"),
                              ("drawn", s.funds, "funds"), ("awards", s.programs, "programs"),
                              ("per_10k", jur, "jurisdictions")):
        ref = getattr(m, attr)
        if ref is not None and ref not in pool:
            c.bad((*base, "metric", attr), f"unknown {label[:-1]}", ref, f"a key of `{label}`", pool)
    if m.per_10k is not None and m.per_10k in jur and not jur[m.per_10k].population:
        c.bad((*base, "metric", "per_10k"), "jurisdiction has no population", m.per_10k,
              "a jurisdiction with `population:`")
    kind = m.count or m.new
    if kind in ("platforms", "incubators") and m.types:
        c.types((*base, "metric", "types"), kind[:-1], m.types)
