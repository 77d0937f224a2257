"""Load a scenario: YAML -> extends/overrides -> params -> provenance -> typed Scenario.

This is the only place where raw dicts exist.  The result, a
:class:`LoadedScenario`, holds the frozen :class:`~simulator.scenario.Scenario`
plus, for every number in it, where it came from (:class:`Provenance`) and the
chain of files and overrides that produced it (:class:`Origin`).
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import re
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import pydantic

from simulator import scenario as sc
from simulator.errors import InputError, ParamsError, Problem, ScenarioError, did_you_mean
from simulator.money import AMOUNT_FORM, RATE_FORM, SHARE_FORM, MoneyFormatError, describe_amount
from simulator.params import Parameter, load_params
from simulator.yamlio import KeyPath, YamlDoc, dotted, load_yaml

CONTROL_KEYS = ("extends", "params", "overrides")
CLAUSE_RE = re.compile(r"^[A-Z]{2}-T?\d+\b")
SOURCE_FORMS = 'a clause id such as "ZB-4 四(三)2", "assumption: <rationale>", "reported: <where>", "fitted: <file>"'
_UNSOURCED_OK = ("scenario",)


@dataclass(frozen=True)
class Origin:
    """One step that set a value: the file and line, and how (base, extends merge, override, param)."""

    file: str
    line: int | None
    how: str

    def __str__(self) -> str:
        return f"{self.how}: {self.file}" + (f":{self.line}" if self.line else "")


@dataclass(frozen=True)
class Provenance:
    """Where a number came from."""

    kind: str  # clause | params | reported | assumption | fitted | setting
    source: str
    rationale: str = ""


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with its provenance."""

    scenario: sc.Scenario
    file: str
    raw: dict[str, Any]
    provenance: dict[str, Provenance]
    origins: dict[str, tuple[Origin, ...]]
    params: dict[str, Parameter]
    files: tuple[str, ...]
    hash: str = field(default="")

    def value_at(self, path: str) -> Any:
        """The resolved raw value at a dotted path (``KeyError`` if absent)."""
        node: Any = self.raw
        for seg in split_path(path):
            if isinstance(node, list) and isinstance(seg, int) and -len(node) <= seg < len(node):
                node = node[seg]
            elif isinstance(node, dict) and str(seg) in node:
                node = node[str(seg)]
            else:
                raise KeyError(path)
        return node

    def inputs(self) -> list[dict[str, str]]:
        """Every number in the scenario with its value and source (for manifests and appendices)."""
        rows = []
        for path, prov in sorted(self.provenance.items()):
            try:
                value = self.value_at(path)
            except KeyError:  # pragma: no cover - provenance is built from raw
                continue
            rows.append({"path": path, "value": display_value(value), "source_kind": prov.kind,
                         "source": prov.source, "rationale": prov.rationale})
        return rows


def display_value(value: Any) -> str:
    """A readable text for a raw value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def split_path(path: str) -> list[str | int]:
    """Split a dotted path; purely numeric segments are list indices.

    >>> split_path("programs.ZB-4.split.0.share")
    ['programs', 'ZB-4', 'split', 0, 'share']
    """
    if not path or any(not seg for seg in path.split(".")):
        raise ValueError(f"bad key path {path!r}")
    return [int(s) if s.isdigit() else s for s in path.split(".")]


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


# --------------------------------------------------------------------------- public API


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> LoadedScenario:
    """Load, merge, resolve and validate a scenario file.

    Args:
        path: the scenario YAML.
        overrides: extra ``{dotted.path: value}`` applied last (sweeps use this).

    Raises:
        ScenarioError: with one :class:`~simulator.errors.Problem` per problem found.
    """
    p = Path(path)
    state = _Merge()
    try:
        _load_into(p, state, stack=())
    except ParamsError:
        raise
    except InputError as exc:
        raise ScenarioError(_named(exc.problems, p)) from None
    if overrides:
        try:
            for key, value in overrides.items():
                _apply_override(state, key, value, Origin(f"{p} (command line / sweep)", None, "override"), str(p))
        except InputError as exc:
            raise ScenarioError(_named(exc.problems, p)) from None
    problems: list[Problem] = []
    params = _load_params(state, problems)
    if problems:
        raise ScenarioError(_named(problems, p))
    prov: dict[str, Provenance] = {}
    _resolve_refs(state, params, prov, problems)
    if problems:
        raise ScenarioError(_named(problems, p))
    scenario = _validate(state, problems)
    if scenario is None:
        raise ScenarioError(_named(problems, p))
    _cross_check(scenario, state, problems)
    _collect_provenance(state, prov, problems)
    if problems:
        raise ScenarioError(_named(problems, p))
    canon = json.dumps(state.data, sort_keys=True, ensure_ascii=False, default=display_value)
    digest = hashlib.sha256(canon.encode("utf-8")).hexdigest()
    return LoadedScenario(
        scenario=scenario,
        file=str(p),
        raw=state.data,
        provenance=prov,
        origins={dotted(k): tuple(v) for k, v in state.origins.items()},
        params=params,
        files=tuple(state.files),
        hash=digest,
    )


def _named(problems: typing.Sequence[Problem], path: Path) -> list[Problem]:
    """Problems whose place is unknown (e.g. a missing top-level key) get the scenario file."""
    return [pr if pr.file else dataclasses.replace(pr, file=str(path)) for pr in problems]


# --------------------------------------------------------------------------- merging


@dataclass
class _Merge:
    data: dict[str, Any] = field(default_factory=dict)
    origins: dict[KeyPath, list[Origin]] = field(default_factory=dict)
    param_files: list[tuple[Path, str, int | None]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def line(self, path: KeyPath) -> tuple[str | None, int | None]:
        p = tuple(path)
        while True:
            if self.origins.get(p):
                o = self.origins[p][-1]
                return o.file, o.line
            if not p:
                return None, None
            p = p[:-1]


def _load_into(path: Path, state: _Merge, stack: tuple[str, ...]) -> None:
    key = str(path.resolve()) if path.exists() else str(path)
    if key in stack:
        chain = " -> ".join([*stack, key])
        raise InputError(Problem(f"`extends` forms a cycle: {chain}", file=str(path), path="extends",
                                 expected="a chain of scenarios that ends in a baseline"))
    doc = load_yaml(path)
    state.files.append(str(path))
    data = doc.data
    if "extends" in data:
        parent = data["extends"]
        if not isinstance(parent, str) or not parent.strip():
            raise InputError(Problem("`extends` must be a path to a scenario file", file=doc.file,
                                     line=doc.line_of(("extends",)), path="extends", value=parent, has_value=True,
                                     expected="a relative path such as ../zibo.yaml"))
        ppath = (path.parent / parent).resolve()
        if str(ppath) in (*stack, key):
            chain = " -> ".join([*stack, key, str(ppath)])
            raise InputError(Problem(f"`extends` forms a cycle: {chain}", file=doc.file,
                                     line=doc.line_of(("extends",)), path="extends", value=parent,
                                     has_value=True, expected="a chain of scenarios that ends in a baseline"))
        if not ppath.exists():
            raise InputError(Problem(f"`extends` names a file that does not exist: {ppath}", file=doc.file,
                                     line=doc.line_of(("extends",)), path="extends", value=parent, has_value=True,
                                     expected="an existing scenario file"))
        _load_into(ppath, state, (*stack, key))
        how = "extends-merge"
    else:
        how = "base"
    raw_params = data.get("params", [])
    if raw_params is not None:
        if not isinstance(raw_params, list) or not all(isinstance(x, str) for x in raw_params):
            raise InputError(Problem("`params` must be a list of params file paths", file=doc.file,
                                     line=doc.line_of(("params",)), path="params", value=raw_params,
                                     has_value=True, expected="[../params/behaviour.yaml, ...]"))
        for i, rel in enumerate(raw_params):
            state.param_files.append(((path.parent / rel).resolve(), doc.file, doc.line_of(("params", i))))
    for k, v in data.items():
        if k in CONTROL_KEYS:
            continue
        _merge_value(state, (k,), v, doc, how)
    ovr = data.get("overrides")
    if ovr is not None:
        if not isinstance(ovr, dict):
            raise InputError(Problem("`overrides` must map dotted key paths to values", file=doc.file,
                                     line=doc.line_of(("overrides",)), path="overrides", value=ovr, has_value=True,
                                     expected='{"programs.ZB-4.rule.cap": "80万元"}'))
        for okey, oval in ovr.items():
            _apply_override(state, str(okey), oval, Origin(doc.file, doc.line_of(("overrides", okey)), "override"),
                            doc.file)


def _record(state: _Merge, path: KeyPath, value: Any, doc: YamlDoc | None, origin: Origin | None, src_path: KeyPath) -> None:
    """Record origins for a value and all its descendants."""
    o = origin or Origin(doc.file if doc else "?", doc.line_of(src_path) if doc else None, "base")
    state.origins.setdefault(path, []).append(o)
    if isinstance(value, dict):
        for k, v in value.items():
            _record(state, (*path, k), v, doc, None if doc else origin, (*src_path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _record(state, (*path, i), v, doc, None if doc else origin, (*src_path, i))


def _record_doc(state: _Merge, path: KeyPath, value: Any, doc: YamlDoc, how: str) -> None:
    state.origins.setdefault(path, []).append(Origin(doc.file, doc.line_of(path), how))
    if isinstance(value, dict):
        for k, v in value.items():
            _record_doc(state, (*path, k), v, doc, how)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _record_doc(state, (*path, i), v, doc, how)


def _merge_value(state: _Merge, path: KeyPath, value: Any, doc: YamlDoc, how: str) -> None:
    """Deep-merge ``value`` at ``path``: mappings merge key by key; anything else replaces."""
    parent: Any = state.data
    for seg in path[:-1]:
        parent = parent[seg]
    last = path[-1]
    existing = parent.get(last) if isinstance(parent, dict) else None
    if isinstance(existing, dict) and isinstance(value, dict) and not _is_leafish(value):
        state.origins.setdefault(path, []).append(Origin(doc.file, doc.line_of(path), how))
        for k, v in value.items():
            _merge_value(state, (*path, k), v, doc, how)
        return
    _drop_origins(state, path)
    parent[last] = copy.deepcopy(value)
    _record_doc(state, path, value, doc, how)


def _is_leafish(value: dict[str, Any]) -> bool:
    """Mappings that stand for one value and are replaced whole (refs, rules, triggers, metrics)."""
    return bool({"param", "kind", "on", "dist"} & set(value)) or ("value" in value and "source" in value)


def _drop_origins(state: _Merge, path: KeyPath) -> None:
    n = len(path)
    for k in [k for k in state.origins if len(k) > n and k[:n] == path]:
        del state.origins[k]


def _apply_override(state: _Merge, key: str, value: Any, origin: Origin, file: str) -> None:
    try:
        segs = split_path(key)
    except ValueError:
        raise InputError(Problem("bad key path in overrides", file=origin.file, line=origin.line, path="overrides",
                                 value=key, has_value=True, expected="a dotted path such as programs.ZB-4.rule.cap")) from None
    node: Any = state.data
    walked: list[str | int] = []
    for seg in segs[:-1]:
        if isinstance(node, dict) and str(seg) in node:
            node = node[str(seg)]
        elif isinstance(node, list) and isinstance(seg, int) and seg < len(node):
            node = node[seg]
        else:
            choices = list(node) if isinstance(node, dict) else []
            hint = did_you_mean(str(seg), [str(c) for c in choices])
            raise InputError(Problem(f"override path does not exist: no {seg!r} under {dotted(tuple(walked)) or 'the top level'}",
                                     file=origin.file, line=origin.line, path=key,
                                     expected="a key path that exists in the scenario (see `fiscalsim explain`)",
                                     hint=f"did you mean {hint!r}?" if hint else None))
        walked.append(seg)
    last = segs[-1]
    full: KeyPath = tuple(str(s) if not isinstance(s, int) else s for s in segs)
    if isinstance(node, dict):
        node[str(last)] = copy.deepcopy(value)
    elif isinstance(node, list) and isinstance(last, int) and last < len(node):
        node[last] = copy.deepcopy(value)
    else:
        raise InputError(Problem("override path does not exist", file=origin.file, line=origin.line, path=key,
                                 expected="a key path that exists in the scenario"))
    _drop_origins(state, full)
    _record(state, full, value, None, origin, full)


# --------------------------------------------------------------------------- params & provenance


def _load_params(state: _Merge, problems: list[Problem]) -> dict[str, Parameter]:
    params: dict[str, Parameter] = {}
    seen: set[Path] = set()
    for path, file, line in state.param_files:
        if path in seen:
            continue
        seen.add(path)
        if not path.exists():
            problems.append(Problem(f"params file not found: {path}", file=file, line=line, path="params",
                                    expected="an existing params/*.yaml file"))
            continue
        try:
            params.update(load_params(path))
        except InputError as exc:
            problems.extend(exc.problems)
    return params


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


def _resolve_refs(state: _Merge, params: dict[str, Parameter], prov: dict[str, Provenance], problems: list[Problem]) -> None:
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
                problems.append(Problem("a parameter reference is {param: <file stem>.<key>} (optional `at: DATE`)",
                                        file=file, line=line, path=dotted(path), value=node, has_value=True,
                                        expected="{param: behaviour.firms.hte_pass}"))
                continue
            if ref not in params:
                hint = did_you_mean(ref, params)
                problems.append(Problem(f"unknown parameter {ref!r}", file=file, line=line, path=dotted(path),
                                        expected="a parameter defined in one of the scenario's `params:` files",
                                        hint=f"did you mean {hint!r}?" if hint else
                                        ("the scenario lists no params files" if not params else None)))
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


def _bad_source(src: object) -> str:
    if str(src).strip().lower().startswith("assumption"):
        return "an assumption needs its rationale"
    return "unrecognised source"


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


def _collect_provenance(state: _Merge, prov: dict[str, Provenance], problems: list[Problem]) -> None:
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
                problems.append(Problem("this number has no source", file=file, line=line, path=key, value=node,
                                        has_value=True, expected="a `source:` on it or on an enclosing mapping ("
                                        + SOURCE_FORMS + ")"))

    visit(state.data, (), None)


def _is_date_key(key: str) -> bool:
    return key in ("start", "end", "deadline", "month", "call_month", "window_month", "result_month", "after_months",
                   "delay_months", "months", "life", "dates", "every")


# --------------------------------------------------------------------------- validation


_FIELD_VOCAB: set[str] = set()
for _name in dir(sc):
    _obj = getattr(sc, _name)
    if isinstance(_obj, type) and issubclass(_obj, pydantic.BaseModel):
        for _fname, _finfo in _obj.model_fields.items():
            _FIELD_VOCAB.add(_finfo.alias or _fname)


def _model_at(loc: tuple[Any, ...]) -> type[pydantic.BaseModel] | None:
    """The schema model that validates the mapping at a pydantic error location (None if unclear)."""
    tp: Any = sc.Scenario
    for elem in loc:
        while typing.get_origin(tp) is typing.Annotated:
            tp = typing.get_args(tp)[0]
        if typing.get_origin(tp) in (typing.Union, types.UnionType):
            members = [m for m in typing.get_args(tp) if m is not type(None)]
            tagged = [m for m in members if isinstance(m, type) and issubclass(m, pydantic.BaseModel)
                      and any(elem in typing.get_args(f.annotation) for f in m.model_fields.values())]
            if tagged:  # a union tag in the location picks the member
                tp = tagged[0]
                continue
            if len(members) != 1:
                return None
            tp = members[0]
        if isinstance(tp, type) and issubclass(tp, pydantic.BaseModel):
            fields = {f.alias or name: f for name, f in tp.model_fields.items()}
            if elem not in fields:
                return None
            tp = fields[elem].annotation
        elif typing.get_origin(tp) in (dict, list):
            tp = typing.get_args(tp)[-1]
        else:
            return None
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        members = [m for m in typing.get_args(tp) if m is not type(None)]
        tp = members[0] if len(members) == 1 else None
    return tp if isinstance(tp, type) and issubclass(tp, pydantic.BaseModel) else None


def _raw_path(data: Any, loc: tuple[Any, ...]) -> KeyPath:
    """Map a pydantic error location onto the raw tree, skipping union tags."""
    out: list[str | int] = []
    node = data
    for elem in loc:
        if isinstance(node, dict) and str(elem) in node:
            node = node[str(elem)]
            out.append(str(elem))
        elif isinstance(node, list) and isinstance(elem, int) and 0 <= elem < len(node):
            node = node[elem]
            out.append(elem)
        elif elem == "[key]":
            continue  # pydantic's marker for an error in a mapping key: the path already ends at it
        elif isinstance(node, dict) and isinstance(elem, str) and elem not in sc.RULE_KINDS and elem not in (
            "recognition", "construction", "certification", "call", "schedule", "function-after", "function-before"
        ) and not elem.startswith(("tagged-union", "json-or-python", "lax-or-strict", "int", "tuple")):
            out.append(elem)  # a missing or unknown key: keep it in the path
            node = None
        # else: a union tag or an internal step; skip it
    return tuple(out)


def _union_tags(union: Any, key: str) -> tuple[str, ...]:
    """The tags of a discriminated union of models (``kind`` of rules, ``on`` of triggers)."""
    try:
        members = typing.get_args(typing.get_args(union)[0])
        return tuple(t for m in members for t in typing.get_args(m.model_fields[key].annotation))
    except (AttributeError, IndexError, KeyError, TypeError):  # pragma: no cover - schema changed shape
        return ()


_UNION_TAGS: dict[str, tuple[str, ...]] = {"kind": _union_tags(sc.Rule, "kind"), "on": _union_tags(sc.Trigger, "on")}
ID_FORM = "letters, digits, '-' or '_', starting with a letter or digit, at most 64 characters"


def _num(x: Any) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _plain(kind: str, ctx: dict[str, Any], msg: str) -> tuple[str, str | None]:
    """A plain message and expected form for a pydantic error type (the raw text if unknown)."""
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "not a whole number", "a whole number"
    if kind in ("float_parsing", "float_type", "finite_number"):
        return "not a number", "a number"
    if kind in ("bool_parsing", "bool_type"):
        return "not true or false", "true or false"
    if kind.startswith(("date_", "datetime_")):
        return "not a date", "a date YYYY-MM-DD"
    bounds = {"greater_than_equal": ("ge", "must be at least"), "greater_than": ("gt", "must be greater than"),
              "less_than_equal": ("le", "must be at most"), "less_than": ("lt", "must be less than")}
    if kind in bounds and bounds[kind][0] in ctx:
        return f"{bounds[kind][1]} {_num(ctx[bounds[kind][0]])}", None
    if kind == "literal_error":
        return "not one of the allowed values", f"one of {ctx.get('expected', '')}"
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        return f"needs at least {n} item{'s' if n != 1 else ''}", None
    if kind == "too_long":
        return f"has too many items ({ctx.get('actual_length', '?')})", f"at most {ctx.get('max_length', '?')}"
    if kind in ("list_type", "tuple_type"):
        return "not a list", "a list such as [a, b]"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "not a mapping", "key: value pairs"
    if kind == "string_type":
        return "not a text", "a text"
    if kind == "string_pattern_mismatch":
        return "not a valid id", ID_FORM
    if kind == "string_too_short":
        return "must not be empty", "a non-empty text"
    if kind == "string_too_long":
        return "text is too long", f"at most {ctx.get('max_length', '?')} characters"
    return msg, None


def _node_at(data: Any, path: KeyPath) -> Any:
    node = data
    for seg in path:
        if isinstance(node, dict) and str(seg) in node:
            node = node[str(seg)]
        elif isinstance(node, list) and isinstance(seg, int) and 0 <= seg < len(node):
            node = node[seg]
        else:
            return None
    return node


def _validate(state: _Merge, problems: list[Problem]) -> sc.Scenario | None:
    try:
        return sc.Scenario.model_validate(state.data)
    except pydantic.ValidationError as exc:
        seen: set[tuple[KeyPath, str]] = set()
        for err in exc.errors(include_url=False):
            path = _raw_path(state.data, err["loc"])
            msg = str(err["msg"])
            kind = err["type"]
            hint = None
            expected = None
            value: Any = err.get("input")
            has_value = True
            if kind == "extra_forbidden":
                key = str(path[-1]) if path else "?"
                msg = f"unknown key {key!r}"
                model = _model_at(tuple(err["loc"][:-1]))
                allowed = sorted((f.alias or n for n, f in model.model_fields.items()) if model else [],
                                 key=lambda k: k in ("source", "note"))  # the model's own keys first
                guess = did_you_mean(key, allowed or (_FIELD_VOCAB - {key}))
                hint = f"did you mean {guess!r}?" if guess else None
                has_value = False
                expected = ("one of " + ", ".join(allowed)) if allowed else "a key listed in docs/scenario-language.md"
            elif kind == "missing":
                msg = "missing required key"
                has_value = False
            elif kind == "union_tag_invalid" or kind == "union_tag_not_found":
                ctx = err.get("ctx") or {}
                disc = str(ctx.get("discriminator", "")).strip("'")
                tags = _UNION_TAGS.get(disc, ())
                expected = "one of " + (", ".join(tags) if tags else str(ctx.get("expected_tags", "")))
                if kind == "union_tag_invalid":
                    msg = f"unknown `{disc or 'kind'}:` value"
                    value = ctx.get("tag", value)
                    guess = did_you_mean(str(value), tags)
                    hint = f"did you mean {guess!r}?" if guess else None
                else:
                    msg = f"missing `{disc}:` key" if disc else "needs a `kind:`/`on:` key"
                    keys = value if isinstance(value, dict) else {}
                    near = [str(k) for k in keys if disc and did_you_mean(str(k), [disc])]
                    hint = f"did you mean {disc!r} instead of {near[0]!r}?" if near else None
            else:
                ctx = err.get("ctx") or {}
                cause = ctx.get("error")
                if isinstance(cause, MoneyFormatError):
                    msg = ("bad share" if cause.expected.startswith(SHARE_FORM) else
                           "bad rate" if cause.expected.startswith(RATE_FORM) else
                           "bad amount" if cause.expected.startswith(AMOUNT_FORM) else
                           "bad ratio" if "ratio" in cause.expected else "bad value")
                    expected = cause.expected
                    value = cause.value
                    hint = f"did you mean {cause.suggestion!r}?" if cause.suggestion else None
                elif msg.startswith("Value error, "):
                    msg = msg[len("Value error, "):]
                    if "(got " in msg:
                        has_value = False
                elif err["loc"] and err["loc"][-1] == "[key]":
                    plain, expected = _plain(kind, ctx, msg)
                    msg = f"bad key: {plain}"
                    value = path[-1] if path else value
                else:
                    msg, expected = _plain(kind, ctx, msg)
                    if kind == "literal_error":
                        guess = did_you_mean(str(value), re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
                        hint = f"did you mean {guess!r}?" if guess else None
            if isinstance(value, dict | list):
                has_value = has_value and len(repr(value)) < 80
            sig = (path, msg)
            if sig in seen:
                continue
            seen.add(sig)
            file, line = state.line(path)
            node = _node_at(state.data, path)
            if kind == "value_error" and isinstance(node, dict):
                # A check across keys (end after start, high above low): point at the first key it names.
                named = [w for w in re.findall(r"[A-Za-z_]+", msg) if w in node]
                if named:
                    file, line = state.line((*path, named[0]))
            problems.append(Problem(msg, file=file, line=line, path=dotted(path) or None, value=value,
                                    has_value=has_value, expected=expected, hint=hint))
        return None


def _cross_check(s: sc.Scenario, state: _Merge, problems: list[Problem]) -> None:
    def bad(path: KeyPath, message: str, value: Any = None, expected: str | None = None, choices: typing.Iterable[str] = ()) -> None:
        file, line = state.line(path)
        guess = did_you_mean(str(value), choices) if value is not None and choices else None
        problems.append(Problem(message, file=file, line=line, path=dotted(path), value=value,
                                has_value=value is not None, expected=expected,
                                hint=f"did you mean {guess!r}?" if guess else None))

    jur = s.jurisdictions
    for jid, j in jur.items():
        if j.parent is not None and j.parent not in jur:
            bad(("jurisdictions", jid, "parent"), "unknown jurisdiction", j.parent, "a key of `jurisdictions`", jur)
    for jid in jur:  # parent cycles
        seen: list[str] = []
        cur: str | None = jid
        while cur is not None and cur in jur:
            if cur in seen:
                bad(("jurisdictions", jid, "parent"), f"jurisdiction parents form a cycle: {' -> '.join([*seen, cur])}")
                break
            seen.append(cur)
            cur = jur[cur].parent
    for fid, f in s.funds.items():
        if f.owner not in jur:
            bad(("funds", fid, "owner"), "unknown jurisdiction", f.owner, "a key of `jurisdictions`", jur)
        for year in f.appropriations:
            if year > s.scenario.end.year:
                bad(("funds", fid, "appropriations", year), "appropriation year after the horizon", year,
                    f"a year up to {s.scenario.end.year} (earlier years form the opening balance)")
    for gid, g in s.guidance_funds.items():
        if g.fund not in s.funds:
            bad(("guidance_funds", gid, "fund"), "unknown fund", g.fund, "a key of `funds`", s.funds)
    for pid, prog in s.programs.items():
        base = ("programs", pid)
        for i, part in enumerate(prog.split):
            if part.fund not in s.funds:
                bad((*base, "split", i, "fund"), "unknown fund", part.fund, "a key of `funds`", s.funds)
        parts_used = {p.part for p in prog.split}
        for part_name in parts_used:
            total = sum((p.share for p in prog.split if p.part == part_name), Fraction(0))
            if total != 1:
                bad((*base, "split"), f"shares of part {part_name!r} sum to {float(total):.4g}", None,
                    "shares that sum to exactly 1 for each part")
        if parts_used != {"total"}:
            if parts_used != {"base", "match"}:
                bad((*base, "split"), f"split mixes parts {sorted(parts_used)}", None,
                    "either only `total` parts, or both `base` and `match` parts")
            rules = [prog.rule, *(e.rule for e in prog.exceptions)]
            if not all(isinstance(r, sc.Matching) for r in rules):
                bad((*base, "split"), "split names `base`/`match` parts but the rule is not `matching`", None,
                    "part: total, or a matching rule")
        paid = sum((t.share for t in prog.payment), Fraction(0))
        if paid != 1:
            bad((*base, "payment"), f"payment tranches sum to {float(paid):.4g}", None, "shares that sum to exactly 1")
        if prog.city is not None and prog.city not in jur:
            bad((*base, "city"), "unknown jurisdiction", prog.city, "a city in `jurisdictions`", jur)
        for key, places in (("places", prog.places or []),):
            for i, place in enumerate(places):
                if place not in jur:
                    bad((*base, key, i), "unknown jurisdiction", place, "a key of `jurisdictions`", jur)
        for k, exc in enumerate(prog.exceptions):
            for i, place in enumerate(exc.places):
                if place not in jur:
                    bad((*base, "exceptions", k, "places", i), "unknown jurisdiction", place, "a key of `jurisdictions`", jur)
        trig = prog.trigger
        if isinstance(trig, sc.OnRecognition):
            allowed = sc.PLATFORM_TYPES if trig.kind == "platform" else sc.INCUBATOR_TYPES
            for i, ty in enumerate(trig.types):
                if ty not in allowed:
                    bad((*base, "trigger", "types", i), f"unknown {trig.kind} type", ty, ", ".join(allowed), allowed)
        for d_name in ("start", "end"):
            d = getattr(prog, d_name)
            if d is not None and not (s.scenario.start <= d <= s.scenario.end):
                bad((*base, d_name), "date outside the horizon", d.isoformat(),
                    f"a date from {s.scenario.start} to {s.scenario.end}")
        if isinstance(trig, sc.OnSchedule):
            for i, d in enumerate(trig.dates):
                if not (s.scenario.start <= d <= s.scenario.end):
                    bad((*base, "trigger", "dates", i), "date outside the horizon", d.isoformat(),
                        f"a date from {s.scenario.start} to {s.scenario.end}")
    for cid in s.populations:
        if cid not in jur:
            bad(("populations", cid), "unknown jurisdiction", cid, "a city in `jurisdictions`", jur)
    for iid, ind in s.indicators.items():
        if ind.city not in jur:
            bad(("indicators", iid, "city"), "unknown jurisdiction", ind.city, "a city in `jurisdictions`", jur)
    for tid, t in s.targets.items():
        base = ("targets", tid)
        if not (s.scenario.start <= t.deadline <= s.scenario.end):
            bad((*base, "deadline"), "deadline outside the horizon", t.deadline.isoformat(),
                f"a date from {s.scenario.start} to {s.scenario.end}")
        if t.city is not None and t.city not in jur:
            bad((*base, "city"), "unknown jurisdiction", t.city, "a city in `jurisdictions`", jur)
        m = t.metric
        for attr, pool, label in (("indicator", s.indicators, "indicators"), ("appropriated", s.funds, "funds"),
                                  ("drawn", s.funds, "funds"), ("awards", s.programs, "programs"),
                                  ("per_10k", jur, "jurisdictions")):
            ref = getattr(m, attr)
            if ref is not None and ref not in pool:
                bad((*base, "metric", attr), f"unknown {label[:-1]}", ref, f"a key of `{label}`", pool)
        if m.per_10k is not None and m.per_10k in jur and not jur[m.per_10k].population:
            bad((*base, "metric", "per_10k"), "jurisdiction has no population", m.per_10k,
                "a jurisdiction with `population:`")
        kind = m.count or m.new
        if kind in ("platforms", "incubators") and m.types:
            allowed = sc.PLATFORM_TYPES if kind == "platforms" else sc.INCUBATOR_TYPES
            for i, ty in enumerate(m.types):
                if ty not in allowed:
                    bad((*base, "metric", "types", i), f"unknown {kind[:-1]} type", ty, ", ".join(allowed), allowed)


def amount_text(fen: int) -> str:
    """Display helper re-exported for `explain`."""
    return describe_amount(fen)
