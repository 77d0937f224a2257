"""Where every number of a scenario comes from.

After merging, ``{param: ...}`` references and ``{value, source}`` wrappers are
replaced by their values (:func:`resolve_refs`), and every remaining number is
traced to the nearest enclosing ``source`` (:func:`collect_provenance`).  A
number without one is an error: the scenario language has no unsourced inputs.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from simulator.errors import Problem, did_you_mean
from simulator.i18n import Msg, did_you_mean_hint
from simulator.merge import MergeState
from simulator.params import Parameter
from simulator.yamlio import KeyPath, dotted

CLAUSE_RE = re.compile(r"^[A-Z]{2}-T?\d+\b")
SOURCE_FORMS = Msg('条款编号，如 "ZB-4 四(三)2"，或 "assumption: <rationale>"、"reported: <where>"、"fitted: <file>"',
                   'a clause id such as "ZB-4 四(三)2", "assumption: <rationale>", "reported: <where>", "fitted: <file>"')
_UNSOURCED_OK = ("scenario", "uncertainty")


@dataclass(frozen=True)
class Provenance:
    """Where a number came from."""

    kind: str  # clause | params | reported | assumption | fitted | setting
    source: str
    rationale: str = ""


def display_value(value: Any) -> str:
    """A readable text for a raw value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def classify_source(text: str) -> Provenance | None:
    """Classify a source text; None if it is not one of the accepted forms.

    >>> classify_source("ZB-4 四(三)2").kind
    'clause'
    >>> classify_source("assumption: no public figure").rationale
    'no public figure'
    >>> classify_source("somewhere") is None
    True
    """
    t = text.strip()
    for kind in ("assumption", "reported", "fitted", "params"):
        if t.lower().startswith(kind):
            rest = t[len(kind):].lstrip(" :：").strip()
            if kind == "assumption" and not rest:
                return None
            return Provenance(kind, t, rest if kind == "assumption" else "")
    if CLAUSE_RE.match(t):
        return Provenance("clause", t)
    return None


def _walk(node: Any, path: KeyPath = ()) -> Iterator[tuple[KeyPath, Any]]:
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, (*path, i))


def _set(data: dict[str, Any], path: KeyPath, value: Any) -> None:
    node: Any = data
    for seg in path[:-1]:
        node = node[seg]
    node[path[-1]] = value


def resolve_refs(state: MergeState, params: dict[str, Parameter], prov: dict[str, Provenance], problems: list[Problem]) -> None:
    """Replace ``{param: ...}`` references and ``{value, source}`` wrappers by their values, noting the source."""
    start = _scenario_start(state.data)
    replacements: list[tuple[KeyPath, Any, Provenance]] = []
    for path, node in _walk(state.data):
        if not isinstance(node, dict):
            continue
        file, line = state.line(path)
        if "param" in node:
            extra = set(node) - {"param", "at", "note"}
            ref = node["param"]
            if extra or not isinstance(ref, str):
                problems.append(Problem(Msg("参数引用的写法是 {param: <file stem>.<key>}（可加 `at: DATE`）",
                                            "a parameter reference is {param: <file stem>.<key>} (optional `at: DATE`)"),
                                        file=file, line=line, path=dotted(path), value=node, has_value=True,
                                        expected="{param: behaviour.firms.hte_pass}"))
                continue
            if ref not in params:
                hint = did_you_mean(ref, params)
                problems.append(Problem(Msg(f"未知的参数 {ref!r}", f"unknown parameter {ref!r}"), file=file, line=line,
                                        path=dotted(path),
                                        expected=Msg("情景的某个 `params:` 文件中定义的参数",
                                                     "a parameter defined in one of the scenario's `params:` files"),
                                        hint=did_you_mean_hint(hint) if hint else
                                        (Msg("情景没有列出任何参数文件", "the scenario lists no params files")
                                         if not params else None)))
                continue
            when = node.get("at", start)
            if not isinstance(when, date):
                when = start
            dv = params[ref].at(when or date.min)
            replacements.append((path, dv.value, Provenance("params", f"params: {Path(params[ref].file).name}#{params[ref].key}", dv.source)))
        elif "value" in node and "source" in node and set(node) <= {"value", "source", "note"}:
            p = classify_source(str(node["source"]))
            if p is None:
                problems.append(Problem(_bad_source(node["source"]), file=file, line=line, path=dotted((*path, "source")),
                                        value=node["source"], has_value=True, expected=SOURCE_FORMS))
                continue
            replacements.append((path, node["value"], p))
    for path, value, p in replacements:
        _set(state.data, path, copy.deepcopy(value))
        prov[dotted(path)] = p


def _bad_source(src: object) -> Msg:
    if str(src).strip().lower().startswith("assumption"):
        return Msg("假设需要写明理由", "an assumption needs its rationale")
    return Msg("无法识别的来源", "unrecognised source")


def _scenario_start(data: dict[str, Any]) -> date | None:
    header = data.get("scenario")
    if isinstance(header, dict):
        s = header.get("start")
        if isinstance(s, date):
            return s
        try:
            return date.fromisoformat(str(s))
        except ValueError:
            return None
    return None


def _is_number_like(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and bool(re.match(r"^\s*[0-9][0-9,.]*\s*(亿元|万元|亿|万|元|%)", value))


def collect_provenance(state: MergeState, prov: dict[str, Provenance], problems: list[Problem]) -> None:
    """Give every remaining number the source of its nearest enclosing mapping (or report it has none)."""
    def visit(node: Any, path: KeyPath, inherited: Provenance | None) -> None:
        if isinstance(node, dict):
            here = inherited
            src = node.get("source")
            if isinstance(src, str):
                p = classify_source(src)
                if p is None:
                    file, line = state.line((*path, "source"))
                    problems.append(Problem(_bad_source(src), file=file, line=line, path=dotted((*path, "source")),
                                            value=src, has_value=True, expected=SOURCE_FORMS))
                    here = Provenance("unrecognised", src)  # reported once, not again for each number below
                else:
                    here = p
            for k, v in node.items():
                if k in ("source", "note", "name", "name_en", "description", "document"):
                    continue
                visit(v, (*path, k), here)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                visit(v, (*path, i), inherited)
        elif _is_number_like(node) or isinstance(node, date):
            _number(state, node, path, inherited, prov, problems)

    visit(state.data, (), None)


def _number(state: MergeState, node: Any, path: KeyPath, inherited: Provenance | None,
            prov: dict[str, Provenance], problems: list[Problem]) -> None:
    """The provenance of one number (or date) of the merged tree."""
    key = dotted(path)
    if key in prov:
        return
    chain = state.origins.get(path, [])
    if chain and chain[-1].how == "override" and path and path[0] not in _UNSOURCED_OK:
        # A variant's number is the variant's choice, not the baseline's clause.
        where = chain[-1].file + (f":{chain[-1].line}" if chain[-1].line else "")
        prov[key] = Provenance("assumption", f"assumption: set by an override ({where})",
                               f"set by an override ({where})")
    elif path and path[0] in _UNSOURCED_OK:
        prov[key] = Provenance("setting", "scenario setting")
    elif inherited is not None:
        prov[key] = inherited
    elif isinstance(node, date) or (len(path) >= 2 and isinstance(path[-1], str) and _is_date_key(path[-1])):
        prov[key] = Provenance("setting", "date")
    else:
        file, line = state.line(path)
        problems.append(Problem(Msg("这个数字没有来源", "this number has no source"), file=file, line=line, path=key,
                                value=node, has_value=True,
                                expected=Msg("在它或其所在映射上写 `source:`（", "a `source:` on it or on an enclosing mapping (")
                                + SOURCE_FORMS + Msg("）", ")")))


def _is_date_key(key: str) -> bool:
    return key in ("start", "end", "deadline", "month", "call_month", "window_month", "result_month", "after_months",
                   "delay_months", "months", "life", "dates", "every")
