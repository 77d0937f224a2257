"""Sweep specification: what to vary, how to sample it and what to keep.

A sweep spec is a small YAML file::

    scenario: ../scenarios/city.yaml     # relative to this file
    engine: fast                         # fast (vectorised, default) | des (SimPy reference)
    design: lhs                          # grid | lhs | sobol | saltelli | morris
    samples: 256                         # N (not used by grid)
    replications: 100
    seed: 20240101
    outputs: ["target.*.attained", "fund.LC-1.drawn_yuan"]
    factors:
      programs.ZB-4.rule.cap: {range: [500000, 2000000]}
      params.behaviour.hte.pass_rate: {dist: triangular, lo: 0.2, mode: 0.35, hi: 0.5}
      params.policy.mode: {values: [strict, lenient]}
    heatmap: [programs.ZB-4.rule.cap, params.behaviour.hte.pass_rate]

``scenario: toy:NAME[?option=value]`` names a test model instead of a file;
such a spec runs only when the caller passes the model's factory to
:func:`simulator.sweep.runner.run_sweep`.

Factors come in three kinds:

* ``{values: [...]}``: an explicit list. Strings make a categorical factor whose
  options are reported by name; numbers or booleans make a discrete factor.
* ``{range: [lo, hi], count: n}``: ``n`` evenly spaced levels (both ends
  included). Without ``count`` the range is a continuous uniform factor, which
  sampled designs can use but a grid cannot. ``integer: true`` makes the levels
  the integers ``lo..hi`` (or ``count`` rounded, evenly spaced integers).
* ``{dist: NAME, ...}``: a continuous distribution, one of ``uniform`` (lo, hi),
  ``triangular`` (lo, mode, hi), ``normal`` (mean, sd), ``truncnorm``
  (mean, sd, lo, hi), ``lognormal`` (mu, sigma of the underlying normal) and
  ``loguniform`` (lo, hi). A grid uses ``count`` levels at the mid-quantiles
  ``(i + 0.5) / count``.

Every validation problem is reported as one :class:`SweepSpecError` naming the
file, the key path, the offending value and what was expected.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from simulator.i18n import Msg, Text
from simulator.sweep.errors import MISSING, SweepSpecError
from simulator.sweep.factors import (
    DIST_PARAMS,
    FACTOR_KIND,
    DistFactor,
    Factor,
    RangeFactor,
    ValuesFactor,
)
from simulator.sweep.spec_schema import (
    HASH_EXCLUDED_KEYS,
    TOY_PREFIX,
    SweepSpec,
    canonical_spec_json,
    file_sha256,
    scenario_hash,
    spec_hash,
)
from simulator.yamlio import load_text

__all__ = [
    "DIST_PARAMS",
    "HASH_EXCLUDED_KEYS",
    "TOY_PREFIX",
    "DistFactor",
    "Factor",
    "RangeFactor",
    "SweepSpec",
    "SweepSpecError",
    "ValuesFactor",
    "apply_overrides",
    "canonical_spec_json",
    "file_sha256",
    "load_spec",
    "parse_factor_option",
    "read_spec_mapping",
    "scenario_hash",
    "spec_from_mapping",
    "spec_hash",
]


# --------------------------------------------------------------------------- loading


def _format_loc(loc: Sequence[int | str]) -> str:
    """Render a pydantic location tuple as a readable key path."""
    parts = list(loc)
    # Drop the union tag pydantic inserts after a factor's name.
    if len(parts) >= 3 and parts[0] == "factors" and parts[2] in ("values", "range", "dist"):
        del parts[2]
    out = ""
    for i, part in enumerate(parts):
        if isinstance(part, int) or (i == 1 and parts[0] == "factors"):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


_PLAIN_ZH: dict[str, str] = {
    "int_parsing": "整数", "int_type": "整数", "int_from_float": "整数",
    "float_parsing": "数字", "float_type": "数字", "finite_number": "有限数值",
    "bool_parsing": "true 或 false", "bool_type": "true 或 false",
    "string_type": "文本", "dict_type": "映射", "model_type": "映射", "list_type": "列表",
    "greater_than": "更大的数", "greater_than_equal": "更大的数", "less_than": "更小的数",
    "less_than_equal": "更小的数",
}
"""Chinese words for pydantic's common errors (the English keeps pydantic's own words)."""


def _expected_from_error(err: Mapping[str, Any], model_fields: Sequence[str]) -> Text:
    """Turn a pydantic error entry into an 'expected ...' phrase."""
    kind = err["type"]
    msg = str(err["msg"])
    if kind == "missing":
        return Msg("必填项", "a required key")
    if kind == "extra_forbidden":
        known = ", ".join(model_fields)
        return Msg(f"已知的键之一（此键未知）：{known}", f"unknown key; a known key: {known}")
    if kind == "factor_kind":
        return FACTOR_KIND
    if kind == "literal_error":
        allowed = msg.removeprefix("Input should be ")
        return Msg(f"以下之一：{allowed.replace(' or ', ', ')}", allowed)
    en = msg
    for prefix in ("Input should be ", "Value error, "):
        if msg.startswith(prefix):
            en = msg.removeprefix(prefix)
    zh = _PLAIN_ZH.get(kind)
    if zh is None:
        return en
    bound = next((str(v) for k, v in (err.get("ctx") or {}).items() if k in ("gt", "ge", "lt", "le")), None)
    if bound is not None:
        zh = {"gt": f"大于 {bound} 的数", "ge": f"不小于 {bound} 的数", "lt": f"小于 {bound} 的数",
              "le": f"不大于 {bound} 的数"}[next(k for k in (err.get("ctx") or {}) if k in ("gt", "ge", "lt", "le"))]
    return Msg(zh, en)


def _fields_for_loc(loc: Sequence[int | str]) -> list[str]:
    """List the known keys at the mapping that contains ``loc``'s last key."""
    parts = list(loc)
    if len(parts) >= 3 and parts[0] == "factors" and parts[2] in ("values", "range", "dist"):
        models: dict[str, type[BaseModel]] = {
            "values": ValuesFactor,
            "range": RangeFactor,
            "dist": DistFactor,
        }
        return list(models[str(parts[2])].model_fields)
    return list(SweepSpec.model_fields)


def _convert_validation_error(
    exc: ValidationError, source: str, data: Mapping[str, Any]
) -> SweepSpecError:
    """Convert the first pydantic error into a :class:`SweepSpecError`."""
    err = exc.errors(include_url=False)[0]
    loc = tuple(err["loc"])
    if err["type"] == "sweep_spec":
        ctx = err.get("ctx", {})
        inner = str(ctx.get("key", ""))
        prefix = _format_loc(loc)
        if prefix and inner and not inner.startswith("factors"):
            key = f"{prefix}.{inner}"
        else:
            key = inner or prefix
        expected = ctx.get("expected", err["msg"])
        return SweepSpecError(source, key, ctx.get("value"), expected if isinstance(expected, Msg) else str(expected))
    value: object = MISSING if err["type"] == "missing" else err.get("input")
    if err["type"] == "extra_forbidden":
        return SweepSpecError(
            source, _format_loc(loc), value, _expected_from_error(err, _fields_for_loc(loc))
        )
    return SweepSpecError(
        source, _format_loc(loc), value, _expected_from_error(err, list(SweepSpec.model_fields))
    )


def spec_from_mapping(
    data: Mapping[str, Any], *, source: str = "<spec>", base_dir: Path | None = None
) -> SweepSpec:
    """Validate a plain mapping (as read from YAML) into a :class:`SweepSpec`.

    Args:
        data: The raw spec mapping.
        source: Name of the origin, used in error messages.
        base_dir: Directory relative scenario paths are resolved against.

    Returns:
        The validated spec.

    Raises:
        SweepSpecError: If anything is invalid (first problem only).
    """
    if not isinstance(data, Mapping):
        raise SweepSpecError(source, "", data, Msg("一个 YAML 映射", "a YAML mapping of spec keys"))
    try:
        spec = SweepSpec.model_validate(dict(data))
    except ValidationError as exc:
        raise _convert_validation_error(exc, source, data) from None
    return spec.with_origin(source, base_dir)


def read_spec_mapping(path: Path) -> dict[str, Any]:
    """Read a spec file into a plain mapping.

    Args:
        path: The YAML file.

    Returns:
        The parsed mapping.

    Raises:
        SweepSpecError: If the file cannot be read or is not a YAML mapping.
    """
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SweepSpecError(
            source, "", str(path), Msg("已存在的规格文件", "an existing spec file")
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SweepSpecError(
            source, "", str(path), Msg(f"可读的 UTF-8 文本文件（{exc}）", f"a readable UTF-8 file: {exc}")
        ) from None
    try:
        data = load_text(text, exponent_floats=True)  # the project's safe YAML reader (simulator.yamlio)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "?"
        problem = getattr(exc, "problem", None) or str(exc)
        raise SweepSpecError(source, f"({where})", problem, Msg("合法的 YAML", "valid YAML")) from None
    if not isinstance(data, dict):
        raise SweepSpecError(source, "", data, Msg("一个 YAML 映射", "a YAML mapping of spec keys"))
    return data


def load_spec(
    path: str | Path,
    *,
    engine: str | None = None,
    factors: Sequence[str] = (),
    replications: int | None = None,
    samples: int | None = None,
    seed: int | None = None,
) -> SweepSpec:
    """Load a spec file, optionally overriding keys as the command line does.

    Args:
        path: The YAML spec file.
        engine: Override ``engine``.
        factors: ``PATH=lo:hi[:count]`` or ``PATH=a,b,c`` strings adding or
            replacing factors (see :func:`parse_factor_option`).
        replications: Override ``replications``.
        samples: Override ``samples``.
        seed: Override ``seed``.

    Returns:
        The validated spec; relative scenario paths resolve against the spec's directory.

    Raises:
        SweepSpecError: If the file or an override is invalid.
    """
    p = Path(path)
    data = read_spec_mapping(p)
    data = apply_overrides(
        data, engine=engine, factors=factors, replications=replications, samples=samples, seed=seed
    )
    return spec_from_mapping(data, source=str(p), base_dir=p.resolve().parent)


def apply_overrides(
    data: Mapping[str, Any],
    *,
    engine: str | None = None,
    factors: Sequence[str] = (),
    replications: int | None = None,
    samples: int | None = None,
    seed: int | None = None,
) -> dict[str, Any]:
    """Apply command-line style overrides to a raw spec mapping.

    Args:
        data: The raw spec mapping (left unchanged).
        engine: Replacement ``engine``.
        factors: ``--factor`` strings; each adds a factor or replaces one with
            the same path (keeping its position).
        replications: Replacement ``replications``.
        samples: Replacement ``samples``.
        seed: Replacement ``seed``.

    Returns:
        A new mapping with the overrides applied.

    Raises:
        SweepSpecError: If a ``--factor`` string cannot be parsed.
    """
    out = dict(data)
    for key, value in (
        ("engine", engine),
        ("replications", replications),
        ("samples", samples),
        ("seed", seed),
    ):
        if value is not None:
            out[key] = value
    if factors:
        existing = out.get("factors")
        merged: dict[str, Any] = dict(existing) if isinstance(existing, Mapping) else {}
        for text in factors:
            path, definition = parse_factor_option(text)
            merged[path] = definition
        out["factors"] = merged
    return out


def _parse_scalar(token: str) -> int | float | str:
    """Read a command-line token as an int, a float or else a name."""
    token = token.strip()
    try:
        return int(token)
    except ValueError:
        pass
    try:
        value = float(token)
    except ValueError:
        return token
    return value if math.isfinite(value) else token


def parse_factor_option(text: str) -> tuple[str, dict[str, Any]]:
    """Parse one ``--factor`` option into a factor path and raw definition.

    Accepted forms: ``PATH=lo:hi`` (continuous range), ``PATH=lo:hi:count``
    (evenly spaced levels) and ``PATH=a,b,c`` (a list; names make a
    categorical factor). A single value ``PATH=a`` fixes the factor.

    Args:
        text: The option value.

    Returns:
        ``(path, definition)`` where ``definition`` is a raw factor mapping.

    Raises:
        SweepSpecError: If the text does not have one of the accepted forms.
    """
    source = "--factor"
    expected = Msg("PATH=lo:hi、PATH=lo:hi:count 或 PATH=a,b,c", "PATH=lo:hi, PATH=lo:hi:count or PATH=a,b,c")
    if "=" not in text:
        raise SweepSpecError(source, "", text, expected)
    path, _, rhs = text.partition("=")
    path = path.strip()
    rhs = rhs.strip()
    if not path or not rhs:
        raise SweepSpecError(source, path, text, expected)
    if ":" in rhs:
        parts = rhs.split(":")
        if len(parts) not in (2, 3):
            raise SweepSpecError(source, path, rhs, expected)
        nums = [_parse_scalar(p) for p in parts]
        if any(isinstance(n, str) for n in nums[:2]):
            raise SweepSpecError(source, path, rhs, Msg("lo、hi 为数值", "numeric lo:hi"))
        definition: dict[str, Any] = {"range": [nums[0], nums[1]]}
        if len(nums) == 3:
            if not isinstance(nums[2], int):
                raise SweepSpecError(
                    source, path, rhs, Msg("count 为整数", "an integer count in lo:hi:count")
                )
            definition["count"] = nums[2]
        return path, definition
    tokens = [t for t in rhs.split(",")]
    if any(not t.strip() for t in tokens):
        raise SweepSpecError(
            source, path, rhs, Msg("逗号分隔的非空取值", "comma-separated non-empty values")
        )
    values = [_parse_scalar(t) for t in tokens]
    if any(isinstance(v, str) for v in values):
        values = [t.strip() for t in tokens]
    return path, {"values": values}
