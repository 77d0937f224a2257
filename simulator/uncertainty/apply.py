"""Put drawn values into a frozen scenario along dotted paths, without reloading it.

Loading a scenario (files, merge, params, validation) takes most of a second
for the province; a replication group only changes a few numbers, so the
frozen :class:`~simulator.scenario.Scenario` is copied along each path with
``model_copy(update=...)`` and the value given the type of the one it replaces
(an ``int`` stays an ``int``, a ``Fraction`` a ``Fraction``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import annotated_types
from pydantic import BaseModel

from simulator.merge import split_path
from simulator.scenario import Scenario


def apply_values(scenario: Scenario, values: Mapping[str, float]) -> Scenario:
    """The scenario with each dotted path set to its value.

    Args:
        scenario: The loaded scenario (left unchanged).
        values: ``{"populations.taian.firms.hte_rate": 0.41, ...}``; the paths
            are those of the scenario file (aliases such as ``yield`` accepted).

    Returns:
        A new scenario sharing every untouched node with ``scenario``.

    Raises:
        KeyError: A path names nothing in the scenario.

    >>> from simulator.loader import load_scenario
    >>> s = load_scenario("scenarios/taian.yaml").scenario
    >>> apply_values(s, {"populations.taian.firms.hte_rate": 0.3}).populations["taian"].firms.hte_rate
    0.3
    """
    out: Any = scenario
    for path, value in values.items():
        out = _set(out, split_path(path), value, path)
    assert isinstance(out, Scenario)
    return out


def _set(node: Any, segs: list[str | int], value: Any, path: str) -> Any:
    if not segs:
        return _like(node, value)
    head, rest = segs[0], segs[1:]
    if isinstance(node, BaseModel):
        name = _field(node, str(head), path)
        if not rest:
            value = _clip(type(node).model_fields[name].metadata, value)
        return node.model_copy(update={name: _set(getattr(node, name), rest, value, path)})
    if isinstance(node, Mapping):
        key = next((k for k in node if str(k) == str(head)), None)
        if key is None:
            raise KeyError(path)
        return {**node, key: _set(node[key], rest, value, path)}
    if isinstance(node, list | tuple) and isinstance(head, int) and 0 <= head < len(node):
        items = list(node)
        items[head] = _set(items[head], rest, value, path)
        return type(node)(items)
    raise KeyError(path)


def _field(node: BaseModel, name: str, path: str) -> str:
    fields = type(node).model_fields
    if name in fields:
        return name
    for fname, info in fields.items():
        if info.alias == name:
            return fname
    raise KeyError(path)


def _clip(metadata: list[Any], value: Any) -> Any:
    """``value`` kept within a field's bounds (``ge``/``le``; ``gt``/``lt`` nudged inside), as validation would demand."""
    x = float(value)
    for m in metadata:
        if isinstance(m, annotated_types.Ge):
            x = max(x, float(m.ge))  # type: ignore[arg-type]
        elif isinstance(m, annotated_types.Le):
            x = min(x, float(m.le))  # type: ignore[arg-type]
        elif isinstance(m, annotated_types.Gt) and x <= float(m.gt):  # type: ignore[arg-type]
            x = math.nextafter(float(m.gt), math.inf)  # type: ignore[arg-type]
        elif isinstance(m, annotated_types.Lt) and x >= float(m.lt):  # type: ignore[arg-type]
            x = math.nextafter(float(m.lt), -math.inf)  # type: ignore[arg-type]
    return x


def _like(old: Any, value: Any) -> Any:
    """``value`` with the type of ``old`` (the value it replaces)."""
    if isinstance(old, bool):
        return bool(value)
    if isinstance(old, int):
        return round(float(value))
    if isinstance(old, Fraction):
        return Fraction(float(value)).limit_denominator(10**9)
    if isinstance(old, float):
        return float(value)
    return value


def scenario_path(scenario: Scenario, path: str) -> str:
    """The path as the frozen scenario holds it: a one-item list written as a lone mapping gets its index.

    A scenario file may write ``link: {rate: ..., elasticity: ...}`` for a
    list of one link; the scenario holds ``links[0]``, so the file's path
    ``programs.TA-3.link.elasticity`` is ``programs.TA-3.link.0.elasticity``
    there.  Other paths are returned as they are.

    >>> from simulator.loader import load_scenario
    >>> s = load_scenario("scenarios/taian.yaml").scenario
    >>> scenario_path(s, "programs.TA-3.link.elasticity")
    'programs.TA-3.link.0.elasticity'
    """
    node: Any = scenario
    out: list[str] = []
    for seg in split_path(path):
        if isinstance(node, list | tuple) and not isinstance(seg, int) and len(node) == 1:
            out.append("0")
            node = node[0]
        out.append(str(seg))
        if isinstance(node, BaseModel):
            name = next((f for f, info in type(node).model_fields.items() if str(seg) in (f, info.alias)), None)
            node = getattr(node, name) if name is not None else None
        elif isinstance(node, Mapping):
            node = next((v for k, v in node.items() if str(k) == str(seg)), None)
        elif isinstance(node, list | tuple) and isinstance(seg, int) and 0 <= seg < len(node):
            node = node[seg]
        else:
            node = None
    return ".".join(out)


def value_at(scenario: Scenario, path: str) -> Any:
    """The value at a dotted path of a scenario (aliases such as ``yield`` accepted).

    Raises:
        KeyError: The path names nothing in the scenario.
    """
    node: Any = scenario
    for seg in split_path(path):
        if isinstance(node, BaseModel):
            node = getattr(node, _field(node, str(seg), path))
        elif isinstance(node, Mapping):
            key = next((k for k in node if str(k) == str(seg)), None)
            if key is None:
                raise KeyError(path)
            node = node[key]
        elif isinstance(node, list | tuple) and isinstance(seg, int) and 0 <= seg < len(node):
            node = node[seg]
        else:
            raise KeyError(path)
    return node
