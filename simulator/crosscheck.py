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
from simulator.i18n import Msg, did_you_mean_hint
from simulator.merge import MergeState
from simulator.yamlio import KeyPath, dotted

_OUTSIDE = Msg("日期不在模拟期内", "date outside the horizon")
_A_CITY = Msg("`jurisdictions` 中的城市", "a city in `jurisdictions`")
_UNKNOWN_FUND = Msg("未知的资金", "unknown fund")
_UNKNOWN: dict[str, Msg] = {
    "indicators": Msg("未知的指标", "unknown indicator"),
    "funds": _UNKNOWN_FUND,
    "programs": Msg("未知的项目", "unknown program"),
    "jurisdictions": Msg("未知的地区", "unknown jurisdiction"),
}


def _key_of(label: str) -> Msg:
    return Msg(f"`{label}` 中的键", f"a key of `{label}`")


class _Checker:
    """Collects the cross-key problems of one scenario."""

    def __init__(self, s: sc.Scenario, state: MergeState, problems: list[Problem]) -> None:
        self.s = s
        self.jur = s.jurisdictions
        self.state = state
        self.problems = problems

    def bad(self, path: KeyPath, message: Msg, value: Any = None, expected: Msg | None = None,
            choices: typing.Iterable[str] = ()) -> None:
        file, line = self.state.line(path)
        guess = did_you_mean(str(value), choices) if value is not None and choices else None
        self.problems.append(Problem(message, file=file, line=line, path=dotted(path), value=value,
                                     has_value=value is not None, expected=expected,
                                     hint=did_you_mean_hint(guess)))

    def place(self, path: KeyPath, place: str | None, expected: Msg | None = None) -> None:
        """``place`` must be a jurisdiction."""
        if place is not None and place not in self.jur:
            self.bad(path, Msg("未知的地区", "unknown jurisdiction"), place, expected or _key_of("jurisdictions"),
                     self.jur)

    def in_horizon(self, path: KeyPath, d: date, message: Msg = _OUTSIDE) -> None:
        """``d`` must lie inside the scenario's horizon."""
        h = self.s.scenario
        if not (h.start <= d <= h.end):
            self.bad(path, message, d.isoformat(), Msg(f"{h.start} 至 {h.end} 之间的日期", f"a date from {h.start} to {h.end}"))

    def types(self, path: KeyPath, kind: str, types: list[str]) -> None:
        """Platform or incubator types named by a trigger or a metric must exist."""
        allowed = sc.PLATFORM_TYPES if kind == "platform" else sc.INCUBATOR_TYPES
        for i, ty in enumerate(types):
            if ty not in allowed:
                kind_zh = {"platform": "平台", "incubator": "孵化器"}.get(kind, kind)
                listed = ", ".join(allowed)
                self.bad((*path, i), Msg(f"未知的{kind_zh}类型", f"unknown {kind} type"), ty, Msg(listed, listed), allowed)


def cross_check(s: sc.Scenario, state: MergeState, problems: list[Problem]) -> None:
    """Append a problem for every reference, sum or date that does not hold across keys."""
    c = _Checker(s, state, problems)
    _jurisdictions(c)
    _funds(c)
    for pid, prog in s.programs.items():
        _program(c, ("programs", pid), prog)
    for cid in s.populations:
        c.place(("populations", cid), cid, _A_CITY)
    for iid, ind in s.indicators.items():
        c.place(("indicators", iid, "city"), ind.city, _A_CITY)
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
                chain = " -> ".join([*seen, cur])
                c.bad(("jurisdictions", jid, "parent"), Msg(f"地区的上级形成循环：{chain}",
                                                            f"jurisdiction parents form a cycle: {chain}"))
                break
            seen.append(cur)
            cur = c.jur[cur].parent


def _funds(c: _Checker) -> None:
    s = c.s
    for fid, f in s.funds.items():
        c.place(("funds", fid, "owner"), f.owner)
        for year in f.appropriations:
            if year > s.scenario.end.year:
                last = s.scenario.end.year
                c.bad(("funds", fid, "appropriations", year), Msg("预算年度晚于模拟期", "appropriation year after the horizon"),
                      year, Msg(f"不晚于 {last} 的年度（更早的年度构成期初余额）",
                                f"a year up to {last} (earlier years form the opening balance)"))
    for gid, g in s.guidance_funds.items():
        if g.fund not in s.funds:
            c.bad(("guidance_funds", gid, "fund"), _UNKNOWN_FUND, g.fund, _key_of("funds"), s.funds)


def _program(c: _Checker, base: KeyPath, prog: sc.Program) -> None:
    _split(c, base, prog)
    paid = sum((t.share for t in prog.payment), Fraction(0))
    if paid != 1:
        c.bad((*base, "payment"), Msg(f"各期支付比例之和为 {float(paid):.4g}", f"payment tranches sum to {float(paid):.4g}"),
              None, Msg("合计恰好为 1 的比例", "shares that sum to exactly 1"))
    c.place((*base, "city"), prog.city, _A_CITY)
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
    _links(c, base, prog)


def _links(c: _Checker, base: KeyPath, prog: sc.Program) -> None:
    """A link's rates must exist in the scenario; ``part: base/match`` needs a matching rule."""
    for k, link in enumerate(prog.links):
        one = not isinstance(sc.node_at(c.state.data, [str(x) for x in (*base, "link")]), list)
        at: KeyPath = (*base, "link") if one else (*base, "link", k)
        for i, path in enumerate(link.rates):
            segs = sc.link_rate_segments(path)
            if segs is not None and not isinstance(sc.node_at(c.s, segs), int | float):
                where = (*at, "rate") if isinstance(link.rate, str) else (*at, "rate", i)
                c.bad(where, Msg("关联的比率在情景中不存在", "the linked rate does not exist in the scenario"), path,
                      Msg("情景中给出的比率（城市、类型、级别或指标须存在）",
                          "a rate the scenario sets (its city, type, tier or indicator must exist)"))
        if link.part != "total" and (link.basis != "award" or not isinstance(prog.rule, sc.Matching)):
            c.bad((*at, "part"), Msg("`part` 只适用于配套规则（kind: matching）的奖补额",
                                     "`part` applies to the award of a matching rule (kind: matching)"), link.part,
                  Msg("total", "total"))


def _split(c: _Checker, base: KeyPath, prog: sc.Program) -> None:
    for i, part in enumerate(prog.split):
        if part.fund not in c.s.funds:
            c.bad((*base, "split", i, "fund"), _UNKNOWN_FUND, part.fund, _key_of("funds"), c.s.funds)
    parts_used = {p.part for p in prog.split}
    for part_name in parts_used:
        total = sum((p.share for p in prog.split if p.part == part_name), Fraction(0))
        if total != 1:
            c.bad((*base, "split"), Msg(f"部分 {part_name!r} 的份额之和为 {float(total):.4g}",
                                        f"shares of part {part_name!r} sum to {float(total):.4g}"), None,
                  Msg("每个部分的份额之和恰好为 1", "shares that sum to exactly 1 for each part"))
    if parts_used != {"total"}:
        if parts_used != {"base", "match"}:
            mixed = sorted(parts_used)
            c.bad((*base, "split"), Msg(f"分摊混用了部分 {mixed}", f"split mixes parts {mixed}"), None,
                  Msg("要么只有 `total` 部分，要么同时有 `base` 和 `match` 部分",
                      "either only `total` parts, or both `base` and `match` parts"))
        rules = [prog.rule, *(e.rule for e in prog.exceptions)]
        if not all(isinstance(r, sc.Matching) for r in rules):
            c.bad((*base, "split"), Msg("分摊列出了 `base`/`match` 部分，但规则不是 `matching`",
                                        "split names `base`/`match` parts but the rule is not `matching`"), None,
                  Msg("part: total，或 matching 规则", "part: total, or a matching rule"))


def _target(c: _Checker, base: KeyPath, t: sc.Target) -> None:
    s, jur = c.s, c.jur
    c.in_horizon((*base, "deadline"), t.deadline, Msg("截止日期不在模拟期内", "deadline outside the horizon"))
    c.place((*base, "city"), t.city, _A_CITY)
    m = t.metric
    for attr, pool, label in (("indicator", s.indicators, "indicators"), ("appropriated", s.funds, "funds"),
                              ("drawn", s.funds, "funds"), ("awards", s.programs, "programs"),
                              ("per_10k", jur, "jurisdictions")):
        ref = getattr(m, attr)
        if ref is not None and ref not in pool:
            c.bad((*base, "metric", attr), _UNKNOWN[label], ref, _key_of(label), pool)
    if m.per_10k is not None and m.per_10k in jur and not jur[m.per_10k].population:
        c.bad((*base, "metric", "per_10k"), Msg("该地区没有人口数据", "jurisdiction has no population"), m.per_10k,
              Msg("有 `population:` 的地区", "a jurisdiction with `population:`"))
    kind = m.count or m.new
    if kind in ("platforms", "incubators") and m.types:
        c.types((*base, "metric", "types"), kind[:-1], m.types)
