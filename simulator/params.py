"""Parameter files: dated values with sources, in the OpenFisca manner.

A params file is a tree of mappings.  A *parameter* is a mapping with a
``values`` key holding dated values, each with its source::

    firms:
      hte_pass:
        description: 高企认定通过率 (share of applications certified)
        unit: probability
        range: [0.5, 0.85]          # plausible range, used by sweeps
        values:
          2016-01-01: {value: 0.65, source: "assumption: no public figure; middle of 60-75%"}

A scenario refers to it as ``{param: behaviour.firms.hte_pass}`` where
``behaviour`` is the file's stem; the value in force at the scenario's start
date is used (or at ``at:`` if given).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from simulator.errors import ParamsError, Problem, did_you_mean
from simulator.i18n import Msg, did_you_mean_hint, one_of
from simulator.yamlio import KeyPath, YamlDoc, dotted, load_yaml

PARAM_KEYS = {"description", "unit", "range", "values", "note", "reference", "prior"}

PRIOR_ARGS: dict[str, tuple[str, ...]] = {
    "beta": ("alpha", "beta"),
    "lognormal": ("median", "sigma"),
    "normal": ("mean", "sd"),
    "uniform": ("low", "high"),
    "fixed": (),
}
"""The families of an explicit ``prior:`` and the numbers each needs (see docs/uncertainty.md)."""


@dataclass(frozen=True)
class DatedValue:
    """One dated value of a parameter."""

    start: date
    value: Any
    source: str
    line: int | None


@dataclass(frozen=True)
class PriorSpec:
    """An explicit prior of a parameter, as written (``prior: {family: beta, alpha: 4, beta: 2}``).

    Attributes:
        family: ``beta``, ``lognormal``, ``normal``, ``uniform`` or ``fixed``.
        args: The family's numbers (see :data:`PRIOR_ARGS`).
        line: Line of the ``prior:`` key.
    """

    family: str
    args: dict[str, float]
    line: int | None


@dataclass(frozen=True)
class Parameter:
    """A parameter: its key, dated values, plausible range, prior (if written) and description."""

    file: str
    key: str
    description: str
    unit: str | None
    range: tuple[float, float] | None
    values: tuple[DatedValue, ...]
    line: int | None
    prior: PriorSpec | None = None

    def at(self, when: date) -> DatedValue:
        """The value in force at ``when`` (the earliest one if ``when`` precedes them all)."""
        chosen = self.values[0]
        for dv in self.values:
            if dv.start <= when:
                chosen = dv
        return chosen


def _parse_date(raw: object) -> date | None:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        return None


def load_params(path: Path) -> dict[str, Parameter]:
    """Read one params file into ``{"<stem>.<dotted key>": Parameter}``."""
    doc = load_yaml(path, what="params")
    problems: list[Problem] = []
    out: dict[str, Parameter] = {}
    stem = path.stem
    _walk(doc, doc.data, (), stem, out, problems)
    if problems:
        raise ParamsError(problems)
    if not out:
        raise ParamsError(Problem(Msg("没有任何参数（带 `values:` 的映射）", "holds no parameter (a mapping with `values:`)"),
                                  file=doc.file, expected=Msg("至少一个参数", "at least one parameter")))
    return out


def _walk(doc: YamlDoc, node: Any, path: KeyPath, stem: str, out: dict[str, Parameter], problems: list[Problem]) -> None:
    if not isinstance(node, dict):
        if path and path[-1] in ("description", "note", "source"):
            return
        problems.append(Problem(Msg("此处应为映射或参数", "expected a mapping or a parameter"), file=doc.file,
                                line=doc.line_of(path), path=dotted(path), value=node, has_value=True,
                                expected=Msg("参数：{description, unit, range, values: {DATE: {value, source}}}",
                                             "a parameter: {description, unit, range, values: {DATE: {value, source}}}")))
        return
    if "values" in node:
        param = _parameter(doc, node, path, stem, problems)
        if param is not None:
            out[f"{stem}.{dotted(path)}"] = param
        return
    for key, value in node.items():
        if key in ("description", "note") and not path:
            continue
        _walk(doc, value, (*path, key), stem, out, problems)


def _parameter(doc: YamlDoc, node: dict[str, Any], path: KeyPath, stem: str, problems: list[Problem]) -> Parameter | None:
    ok = True
    for key in node:
        if key not in PARAM_KEYS:
            hint = did_you_mean(key, PARAM_KEYS)
            problems.append(Problem(Msg(f"参数中有未知的键 {key!r}", f"unknown key {key!r} in a parameter"), file=doc.file,
                                    line=doc.line_of((*path, key)), path=dotted((*path, key)),
                                    expected=one_of(sorted(PARAM_KEYS)), hint=did_you_mean_hint(hint)))
            ok = False
    values = node.get("values")
    dated: list[DatedValue] = []
    if not isinstance(values, dict) or not values:
        problems.append(Problem(Msg("`values` 必须把日期映射到 {value, source}", "`values` must map dates to {value, source}"),
                                file=doc.file,
                                line=doc.line_of((*path, "values")), path=dotted((*path, "values")),
                                value=values, has_value=True, expected="{2020-01-01: {value: 0.6, source: ...}}"))
        return None
    for raw_date, entry in values.items():
        vpath = (*path, "values", raw_date)
        when = _parse_date(raw_date)
        if when is None:
            problems.append(Problem(Msg("不是日期", "not a date"), file=doc.file, line=doc.line_of(vpath), path=dotted(vpath),
                                    value=raw_date, has_value=True, expected="YYYY-MM-DD"))
            ok = False
            continue
        if not isinstance(entry, dict) or "value" not in entry or "source" not in entry:
            problems.append(Problem(Msg("每个带日期的取值都需要 `value` 和 `source`", "each dated value needs `value` and `source`"),
                                    file=doc.file,
                                    line=doc.line_of(vpath), path=dotted(vpath), value=entry, has_value=True,
                                    expected="{value: ..., source: ...}"))
            ok = False
            continue
        extra = set(entry) - {"value", "source", "note"}
        if extra:
            guess = did_you_mean(sorted(extra)[0], ("value", "source", "note"))
            extras = sorted(extra)
            problems.append(Problem(Msg(f"未知的键 {extras}", f"unknown key(s) {extras}"), file=doc.file,
                                    line=doc.line_of(vpath), path=dotted(vpath), expected=one_of(["value", "source", "note"]),
                                    hint=did_you_mean_hint(guess)))
            ok = False
        src = entry["source"]
        if not isinstance(src, str) or not src.strip():
            problems.append(Problem(Msg("`source` 必须是非空文本", "`source` must be a non-empty text"), file=doc.file,
                                    line=doc.line_of((*vpath, "source")), path=dotted((*vpath, "source")),
                                    value=src, has_value=True,
                                    expected=Msg('条款编号，或 "reported: ..."、"assumption: <rationale>"、"fitted: ..."',
                                                 'a clause id, "reported: ...", "assumption: <rationale>" or "fitted: ..."')))
            ok = False
            continue
        dated.append(DatedValue(when, entry["value"], src.strip(), doc.line_of(vpath)))
    rng = node.get("range")
    prange: tuple[float, float] | None = None
    if rng is not None:
        if (not isinstance(rng, list) or len(rng) != 2 or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in rng)
                or rng[0] > rng[1]):
            problems.append(Problem(Msg("`range` 必须是 [low, high] 两个数且 low <= high",
                                        "`range` must be [low, high] numbers with low <= high"), file=doc.file,
                                    line=doc.line_of((*path, "range")), path=dotted((*path, "range")),
                                    value=rng, has_value=True, expected="[low, high]"))
            ok = False
        else:
            prange = (float(rng[0]), float(rng[1]))
    prior = _prior(doc, node.get("prior"), path, problems) if "prior" in node else None
    if not ok or not dated or ("prior" in node and prior is None):
        return None
    dated.sort(key=lambda d: d.start)
    return Parameter(
        file=doc.file,
        key=dotted(path),
        description=str(node.get("description", "")),
        unit=str(node["unit"]) if node.get("unit") is not None else None,
        range=prange,
        values=tuple(dated),
        line=doc.line_of(path),
        prior=prior,
    )


def _prior(doc: YamlDoc, raw: Any, path: KeyPath, problems: list[Problem]) -> PriorSpec | None:
    """Parse and check an explicit ``prior:`` (None, with a problem recorded, if it is malformed)."""
    where = (*path, "prior")
    forms = "{family: beta, alpha: 4, beta: 2} | {family: lognormal, median: 0.3, sigma: 0.4} | " \
            "{family: normal, mean: 0, sd: 1} | {family: uniform, low: 0, high: 1} | {family: fixed}"

    def bad(zh: str, en: str, value: Any, at: KeyPath = where) -> None:
        problems.append(Problem(Msg(zh, en), file=doc.file, line=doc.line_of(at), path=dotted(at), value=value,
                                has_value=True, expected=forms))

    if not isinstance(raw, dict) or raw.get("family") not in PRIOR_ARGS:
        family = raw.get("family") if isinstance(raw, dict) else raw
        bad("`prior` 必须写明 family：beta、lognormal、normal、uniform 或 fixed",
            "`prior` needs a family: beta, lognormal, normal, uniform or fixed", family)
        return None
    family = str(raw["family"])
    need = PRIOR_ARGS[family]
    extra = sorted(set(raw) - {"family", *need})
    missing = [k for k in need if k not in raw]
    if extra or missing:
        bad(f"{family} 先验需要且只接受 {list(need)}（多余 {extra}，缺少 {missing}）",
            f"a {family} prior takes exactly {list(need)} (extra {extra}, missing {missing})", raw)
        return None
    args: dict[str, float] = {}
    for k in need:
        v = raw[k]
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            bad(f"先验的 {k} 必须是有限的数", f"the prior's {k} must be a finite number", v, (*where, k))
            return None
        args[k] = float(v)
    positive = {"alpha", "beta", "median"}
    for k in need:
        if (k in positive and args[k] <= 0) or (k in ("sigma", "sd") and args[k] < 0):
            bad(f"先验的 {k} 必须为{'正' if k in positive else '非负'}数", f"the prior's {k} must be "
                f"{'positive' if k in positive else 'at least 0'}", raw[k], (*where, k))
            return None
    if family == "uniform" and args["low"] > args["high"]:
        bad("均匀先验需要 low <= high", "a uniform prior needs low <= high", raw)
        return None
    return PriorSpec(family, args, doc.line_of(where))
