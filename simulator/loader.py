"""Load a scenario: YAML -> extends/overrides -> params -> provenance -> typed Scenario.

This is the only place where raw dicts exist.  The result, a
:class:`LoadedScenario`, holds the frozen :class:`~simulator.scenario.Scenario`
plus, for every number in it, where it came from (:class:`Provenance`) and the
chain of files and overrides that produced it (:class:`Origin`).

The steps live in their own modules: :mod:`simulator.merge` (extends, deep
merge, overrides), :mod:`simulator.provenance` (params references, sources),
:mod:`simulator.validation` (the schema, in plain words) and
:mod:`simulator.crosscheck` (references and sums across keys).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator import scenario as sc
from simulator.crosscheck import cross_check
from simulator.errors import InputError, ParamsError, Problem, ScenarioError
from simulator.i18n import Msg
from simulator.merge import MergeState, Origin, apply_override, merge_base, merge_value, split_path
from simulator.money import describe_amount
from simulator.params import Parameter, load_params
from simulator.provenance import (
    SOURCE_FORMS,
    Provenance,
    classify_source,
    collect_provenance,
    display_value,
    resolve_refs,
)
from simulator.validation import validate
from simulator.yamlio import KeyPath, YamlDoc, dotted, load_yaml

__all__ = [
    "CONTROL_KEYS",
    "SOURCE_FORMS",
    "LoadedScenario",
    "Origin",
    "Provenance",
    "amount_text",
    "classify_source",
    "display_value",
    "load_scenario",
    "split_path",
]

CONTROL_KEYS = ("extends", "params", "overrides")
EXTENDS_FORM = Msg("相对路径，如 ../zibo.yaml", "a relative path such as ../zibo.yaml")
EXTENDS_NOT_A_PATH = Msg("`extends` 必须是情景文件的路径", "`extends` must be a path to a scenario file")


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
    actuals: dict[str, Any] | None = field(default=None)
    """The manifest record of the actuals file ``scenario.nowcast`` was read from (:mod:`simulator.actuals`)."""

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


# --------------------------------------------------------------------------- public API


OVERRIDES_FROM = "{file} (command line / sweep)"
"""Default place named by problems in ``overrides`` given to :func:`load_scenario`."""


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None,
                  overrides_from: str = OVERRIDES_FROM) -> LoadedScenario:
    """Load, merge, resolve and validate a scenario file.

    Args:
        path: the scenario YAML.
        overrides: extra ``{dotted.path: value}`` applied last (sweeps use this).
        overrides_from: where the overrides came from, as problems will name it:
            a template with ``{file}``, ``{key}`` and ``{value}``, e.g.
            ``"--set {key}={value}"`` for the command line.

    Raises:
        ScenarioError: with one :class:`~simulator.errors.Problem` per problem found.
    """
    p = Path(path)
    try:
        state = _load_into(p, stack=())
    except ParamsError:
        raise
    except InputError as exc:
        raise ScenarioError(_named(exc.problems, p)) from None
    if overrides:
        try:
            for key, value in overrides.items():
                origin = overrides_from.format(file=p, key=key, value=value)
                apply_override(state, key, value, Origin(origin, None, "override"))
        except InputError as exc:
            raise ScenarioError(_named(exc.problems, p)) from None
    problems: list[Problem] = []
    if "nowcast" in state.data:  # set only by --actuals/--as-of (simulator.actuals), never by a file or --set
        file, line = state.line(("nowcast",))
        problems.append(Problem(Msg("情景文件中不能写 `nowcast`", "`nowcast` cannot be written in a scenario"),
                                file=file, line=line, path="nowcast",
                                expected=Msg("由 fiscalsim run --actuals FILE --as-of DATE 给出的实际数",
                                             "actual figures given by fiscalsim run --actuals FILE --as-of DATE")))
        raise ScenarioError(_named(problems, p))
    params = _load_params(state, problems)
    if problems:
        raise ScenarioError(_named(problems, p))
    prov: dict[str, Provenance] = {}
    resolve_refs(state, params, prov, problems)
    if problems:
        raise ScenarioError(_named(problems, p))
    scenario = validate(state, problems)
    if scenario is None:
        raise ScenarioError(_named(problems, p))
    cross_check(scenario, state, problems)
    collect_provenance(state, prov, problems)
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


def amount_text(fen: int) -> str:
    """Display helper re-exported for `explain`."""
    return describe_amount(fen)


def _named(problems: typing.Sequence[Problem], path: Path) -> list[Problem]:
    """Problems whose place is unknown (e.g. a missing top-level key) get the scenario file."""
    return [pr if pr.file else dataclasses.replace(pr, file=str(path)) for pr in problems]


# --------------------------------------------------------------------------- one file and its bases


def _cycle(chain: list[str], file: str, line: int | None = None, path: str = "extends", **kw: Any) -> InputError:
    shown = " -> ".join(chain)
    return InputError(Problem(Msg(f"`extends` 形成循环：{shown}", f"`extends` forms a cycle: {shown}"), file=file,
                              line=line, path=path,
                              expected=Msg("以一个基准情景结束的情景链", "a chain of scenarios that ends in a baseline"),
                              **kw))


def _load_into(path: Path, stack: tuple[str, ...]) -> MergeState:
    """Resolve one file: its bases in list order, then its own keys, then its ``overrides``."""
    key = str(path.resolve()) if path.exists() else str(path)
    if key in stack:
        raise _cycle([*stack, key], str(path))
    doc = load_yaml(path)
    state = MergeState(files=[str(path)])
    data = doc.data
    how = "base"
    if "extends" in data:
        for base_path in _bases(path, doc, (*stack, key)):
            merge_base(state, _load_into(base_path, (*stack, key)))
        how = "extends-merge"
    _own_params(path, doc, state)
    for k, v in data.items():
        if k not in CONTROL_KEYS:
            merge_value(state, (k,), v, doc, how)
    _own_overrides(doc, state)
    return state


def _bases(path: Path, doc: YamlDoc, stack: tuple[str, ...]) -> list[Path]:
    """The files named by ``extends`` (one path or a list of paths), checked to exist and not to loop."""
    raw = doc.data["extends"]
    line = doc.line_of(("extends",))
    if isinstance(raw, list) and raw:
        items: list[tuple[Any, KeyPath]] = [(item, ("extends", i)) for i, item in enumerate(raw)]
    elif isinstance(raw, str):
        items = [(raw, ("extends",))]
    else:
        raise InputError(Problem(EXTENDS_NOT_A_PATH, file=doc.file, line=line,
                                 path="extends", value=raw, has_value=True,
                                 expected=EXTENDS_FORM + Msg("，或这类路径的列表", ", or a list of such paths")))
    out = []
    for parent, where in items:
        at = doc.line_of(where)
        if not isinstance(parent, str) or not parent.strip():
            raise InputError(Problem(EXTENDS_NOT_A_PATH, file=doc.file, line=at,
                                     path=dotted(where), value=parent, has_value=True, expected=EXTENDS_FORM))
        ppath = (path.parent / parent).resolve()
        if str(ppath) in stack:
            raise _cycle([*stack, str(ppath)], doc.file, at, dotted(where), value=parent, has_value=True)
        if not ppath.exists():
            raise InputError(Problem(Msg(f"`extends` 指向的文件不存在：{ppath}",
                                         f"`extends` names a file that does not exist: {ppath}"), file=doc.file,
                                     line=at, path=dotted(where), value=parent, has_value=True,
                                     expected=Msg("已存在的情景文件", "an existing scenario file")))
        out.append(ppath)
    return out


def _own_params(path: Path, doc: YamlDoc, state: MergeState) -> None:
    raw_params = doc.data.get("params", [])
    if raw_params is None:
        return
    if not isinstance(raw_params, list) or not all(isinstance(x, str) for x in raw_params):
        raise InputError(Problem(Msg("`params` 必须是参数文件路径的列表", "`params` must be a list of params file paths"),
                                 file=doc.file,
                                 line=doc.line_of(("params",)), path="params", value=raw_params,
                                 has_value=True, expected="[../params/behaviour.yaml, ...]"))
    for i, rel in enumerate(raw_params):
        state.param_files.append(((path.parent / rel).resolve(), doc.file, doc.line_of(("params", i))))


def _own_overrides(doc: YamlDoc, state: MergeState) -> None:
    ovr = doc.data.get("overrides")
    if ovr is None:
        return
    if not isinstance(ovr, dict):
        raise InputError(Problem(Msg("`overrides` 必须把以点分隔的键路径映射到取值",
                                     "`overrides` must map dotted key paths to values"), file=doc.file,
                                 line=doc.line_of(("overrides",)), path="overrides", value=ovr, has_value=True,
                                 expected='{"programs.ZB-4.rule.cap": "80万元"}'))
    for okey, oval in ovr.items():
        apply_override(state, str(okey), oval, Origin(doc.file, doc.line_of(("overrides", okey)), "override"))


def _load_params(state: MergeState, problems: list[Problem]) -> dict[str, Parameter]:
    params: dict[str, Parameter] = {}
    seen: set[Path] = set()
    for path, file, line in state.param_files:
        if path in seen:
            continue
        seen.add(path)
        if not path.exists():
            problems.append(Problem(Msg(f"找不到参数文件：{path}", f"params file not found: {path}"), file=file,
                                    line=line, path="params",
                                    expected=Msg("已存在的 params/*.yaml 文件", "an existing params/*.yaml file")))
            continue
        try:
            params.update(load_params(path))
        except InputError as exc:
            problems.extend(exc.problems)
    return params
