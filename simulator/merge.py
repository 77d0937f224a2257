"""Merging scenario files: deep merge, overrides, and where every value came from.

A scenario is built in layers: the files it ``extends`` (each resolved in
turn), its own keys, its ``overrides``.  :class:`MergeState` holds the tree
being built and, for every key path, the chain of steps (:class:`Origin`) that
set it, so that ``explain`` can show the merge and errors can name the file and
line of the value they are about.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.errors import InputError, Problem, did_you_mean
from simulator.i18n import Msg, did_you_mean_hint
from simulator.yamlio import KeyPath, YamlDoc, dotted


@dataclass(frozen=True)
class Origin:
    """One step that set a value: the file and line, and how (base, extends merge, override, param)."""

    file: str
    line: int | None
    how: str

    def __str__(self) -> str:
        return f"{self.how}: {self.file}" + (f":{self.line}" if self.line else "")


@dataclass
class MergeState:
    """The tree being merged, with the origins of every key path, the params files and the files read."""

    data: dict[str, Any] = field(default_factory=dict)
    origins: dict[KeyPath, list[Origin]] = field(default_factory=dict)
    param_files: list[tuple[Path, str, int | None]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def line(self, path: KeyPath) -> tuple[str | None, int | None]:
        """File and line of the last step that set ``path`` (or its nearest ancestor)."""
        p = tuple(path)
        while True:
            if self.origins.get(p):
                o = self.origins[p][-1]
                return o.file, o.line
            if not p:
                return None, None
            p = p[:-1]


def split_path(path: str) -> list[str | int]:
    """Split a dotted path; purely numeric segments are list indices.

    >>> split_path("programs.ZB-4.split.0.share")
    ['programs', 'ZB-4', 'split', 0, 'share']
    """
    if not path or any(not seg for seg in path.split(".")):
        raise ValueError(f"bad key path {path!r}")
    return [int(s) if s.isdigit() else s for s in path.split(".")]


def is_leafish(value: dict[str, Any]) -> bool:
    """Mappings that stand for one value and are replaced whole (refs, rules, triggers, metrics)."""
    return bool({"param", "kind", "on", "dist"} & set(value)) or ("value" in value and "source" in value)


def _drop_origins(state: MergeState, path: KeyPath) -> None:
    n = len(path)
    for k in [k for k in state.origins if len(k) > n and k[:n] == path]:
        del state.origins[k]


def _parent_of(state: MergeState, path: KeyPath) -> Any:
    parent: Any = state.data
    for seg in path[:-1]:
        parent = parent[seg]
    return parent


def _record(state: MergeState, path: KeyPath, value: Any, origin: Origin) -> None:
    """Record one origin for a value and all its descendants."""
    state.origins.setdefault(path, []).append(origin)
    if isinstance(value, dict):
        for k, v in value.items():
            _record(state, (*path, k), v, origin)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _record(state, (*path, i), v, origin)


def _record_doc(state: MergeState, path: KeyPath, value: Any, doc: YamlDoc, how: str) -> None:
    """Record, for a value and all its descendants, the line in ``doc`` that wrote it."""
    state.origins.setdefault(path, []).append(Origin(doc.file, doc.line_of(path), how))
    if isinstance(value, dict):
        for k, v in value.items():
            _record_doc(state, (*path, k), v, doc, how)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _record_doc(state, (*path, i), v, doc, how)


def _copy_origins(state: MergeState, path: KeyPath, value: Any, base: MergeState) -> None:
    """Carry the origins a resolved base holds for a value and its descendants."""
    state.origins.setdefault(path, []).extend(base.origins.get(path, ()))
    if isinstance(value, dict):
        for k, v in value.items():
            _copy_origins(state, (*path, k), v, base)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _copy_origins(state, (*path, i), v, base)


def merge_value(state: MergeState, path: KeyPath, value: Any, doc: YamlDoc, how: str) -> None:
    """Deep-merge ``value`` from ``doc`` at ``path``: mappings merge key by key; anything else replaces."""
    parent = _parent_of(state, path)
    last = path[-1]
    existing = parent.get(last) if isinstance(parent, dict) else None
    if isinstance(existing, dict) and isinstance(value, dict) and not is_leafish(value):
        state.origins.setdefault(path, []).append(Origin(doc.file, doc.line_of(path), how))
        for k, v in value.items():
            merge_value(state, (*path, k), v, doc, how)
        return
    _drop_origins(state, path)
    parent[last] = copy.deepcopy(value)
    _record_doc(state, path, value, doc, how)


def merge_base(state: MergeState, base: MergeState) -> None:
    """Deep-merge a resolved base (a file named by ``extends``) into ``state``, keeping its origins.

    The rules are those of :func:`merge_value`; the base's params files and files read are appended.
    """
    for k, v in base.data.items():
        _merge_resolved(state, (k,), v, base)
    state.param_files.extend(base.param_files)
    state.files.extend(base.files)


def _merge_resolved(state: MergeState, path: KeyPath, value: Any, base: MergeState) -> None:
    parent = _parent_of(state, path)
    last = path[-1]
    existing = parent.get(last) if isinstance(parent, dict) else None
    if isinstance(existing, dict) and isinstance(value, dict) and not is_leafish(value):
        state.origins.setdefault(path, []).extend(base.origins.get(path, ()))
        for k, v in value.items():
            _merge_resolved(state, (*path, k), v, base)
        return
    _drop_origins(state, path)
    parent[last] = copy.deepcopy(value)
    _copy_origins(state, path, value, base)


def apply_override(state: MergeState, key: str, value: Any, origin: Origin) -> None:
    """Set the value at a dotted key path; every segment but the last must exist."""
    try:
        segs = split_path(key)
    except ValueError:
        raise InputError(Problem(Msg("overrides 中的键路径有误", "bad key path in overrides"), file=origin.file,
                                 line=origin.line, path="overrides", value=key, has_value=True,
                                 expected=Msg("以点分隔的路径，如 programs.ZB-4.rule.cap",
                                              "a dotted path such as programs.ZB-4.rule.cap"))) from None
    node: Any = state.data
    walked: list[str | int] = []
    for seg in segs[:-1]:
        if isinstance(node, dict) and str(seg) in node:
            node = node[str(seg)]
            seg = str(seg)  # a numeric segment names a mapping key, which YAML keys hold as text
        elif isinstance(node, list) and isinstance(seg, int) and seg < len(node):
            node = node[seg]
        else:
            choices = list(node) if isinstance(node, dict) else []
            hint = did_you_mean(str(seg), [str(c) for c in choices])
            under = dotted(tuple(walked))
            raise InputError(Problem(Msg(f"覆盖路径不存在：{under or '顶层'}下没有 {seg!r}",
                                         f"override path does not exist: no {seg!r} under {under or 'the top level'}"),
                                     file=origin.file, line=origin.line, path=key,
                                     expected=Msg("情景中存在的键路径（见 `fiscalsim explain`）",
                                                  "a key path that exists in the scenario (see `fiscalsim explain`)"),
                                     hint=did_you_mean_hint(hint)))
        walked.append(seg)
    last = segs[-1]
    full: KeyPath = (*walked, str(last) if isinstance(node, dict) else last)
    if isinstance(node, dict):
        node[str(last)] = copy.deepcopy(value)
    elif isinstance(node, list) and isinstance(last, int) and last < len(node):
        node[last] = copy.deepcopy(value)
    else:
        raise InputError(Problem(Msg("覆盖路径不存在", "override path does not exist"), file=origin.file,
                                 line=origin.line, path=key,
                                 expected=Msg("情景中存在的键路径", "a key path that exists in the scenario")))
    _drop_origins(state, full)
    _record(state, full, value, origin)
