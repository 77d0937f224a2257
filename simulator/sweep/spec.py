"""Sweep specification: what to vary, how to sample it and what to keep.

A sweep spec is a small YAML file::

    scenario: ../scenarios/city.yaml     # relative to this file, or toy:ishigami
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

import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from simulator.yamlio import load_text

__all__ = [
    "DIST_PARAMS",
    "HASH_EXCLUDED_KEYS",
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
    "scenario_hash",
    "spec_from_mapping",
    "spec_hash",
]

TOY_PREFIX = "toy:"
"""Scenario strings starting with this prefix name a built-in toy model."""

DIST_PARAMS: dict[str, tuple[str, ...]] = {
    "uniform": ("lo", "hi"),
    "triangular": ("lo", "mode", "hi"),
    "normal": ("mean", "sd"),
    "truncnorm": ("mean", "sd", "lo", "hi"),
    "lognormal": ("mu", "sigma"),
    "loguniform": ("lo", "hi"),
}
"""Required parameters of each distribution, in documentation order."""

HASH_EXCLUDED_KEYS: frozenset[str] = frozenset({"block_size", "heatmap"})
"""Spec keys that change neither the design nor the stored results.

They are left out of the spec hash so that a sweep can be resumed with a
different task size or heat-map choice.
"""

_PATH_RE = re.compile(r"^[^\s=:,\[\]]+$")

DesignKind = Literal["grid", "lhs", "sobol", "saltelli", "morris"]
EngineKind = Literal["fast", "des"]
Scalar = StrictBool | StrictInt | StrictFloat | StrictStr


class SweepSpecError(ValueError):
    """A sweep spec (file or command-line options) is invalid.

    Attributes:
        file: The spec file (or ``"--factor"`` style origin) the problem is in.
        key: Dotted key path of the offending entry, ``""`` for the whole file.
        value: The offending value (``None`` when the key is missing).
        expected: What would have been accepted.
    """

    def __init__(self, file: str, key: str, value: object, expected: str) -> None:
        self.file = file
        self.key = key
        self.value = value
        self.expected = expected
        where = f"{file}: {key}" if key else file
        shown = _show_value(value)
        super().__init__(
            f"规格错误 (invalid sweep spec) {where} = {shown}; 应为 (expected): {expected}"
        )


def _show_value(value: object) -> str:
    """Render a value for an error message, keeping it to one short line."""
    if value is _MISSING:
        return "(缺失 missing)"
    text = (
        json.dumps(value, ensure_ascii=False, default=str)
        if not isinstance(value, str)
        else repr(value)
    )
    return text if len(text) <= 120 else text[:117] + "..."


class _Missing:
    """Marker for a key that is absent from the spec."""

    def __repr__(self) -> str:
        return "(missing)"


_MISSING = _Missing()


def _spec_error(key: str, value: object, expected: str) -> PydanticCustomError:
    """Build a pydantic error carrying a ready-made key path and expectation."""
    return PydanticCustomError(
        "sweep_spec",
        "{expected}",
        {"key": key, "value": value, "expected": expected},
    )


class _Strict(BaseModel):
    """Base for spec models: immutable and rejecting unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ValuesFactor(_Strict):
    """A factor taking one of an explicit list of values.

    Attributes:
        values: The options. All strings (categorical, reported by name) or all
            numbers / booleans (discrete).
    """

    values: list[Scalar] = Field(min_length=1)

    kind: ClassVar[str] = "values"

    @model_validator(mode="after")
    def _check_values(self) -> ValuesFactor:
        """Reject mixed strings/numbers, non-finite numbers and duplicates."""
        kinds = {type(v) is str for v in self.values}
        if len(kinds) > 1:
            raise _spec_error(
                "values",
                self.values,
                "全部为名称或全部为数字 (all option names or all numbers, not a mix; "
                "quote numbers meant as names)",
            )
        seen: set[object] = set()
        for i, v in enumerate(self.values):
            if isinstance(v, float) and not math.isfinite(v):
                raise _spec_error(f"values[{i}]", v, "有限数值 (a finite number)")
            marker = (type(v) is bool, v)
            if marker in seen:
                raise _spec_error(f"values[{i}]", v, "不重复的取值 (distinct values)")
            seen.add(marker)
        return self

    @property
    def categorical(self) -> bool:
        """Whether the options are names rather than numbers."""
        return isinstance(self.values[0], str)


class RangeFactor(_Strict):
    """A numeric range: evenly spaced levels, or continuous uniform without ``count``.

    Attributes:
        range: ``[lo, hi]`` with ``lo < hi``.
        count: Number of evenly spaced levels, both ends included.
        integer: Levels are integers (``lo..hi`` when ``count`` is absent).
    """

    range: tuple[float, float]
    count: int | None = Field(default=None, ge=2)
    integer: bool = False

    kind: ClassVar[str] = "range"

    @model_validator(mode="after")
    def _check_range(self) -> RangeFactor:
        """Check bounds are finite and ordered, and integer ranges are whole."""
        lo, hi = self.range
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
            raise _spec_error(
                "range", list(self.range), "[lo, hi]，有限且 lo < hi (finite, lo < hi)"
            )
        if self.integer:
            if lo != int(lo) or hi != int(hi):
                raise _spec_error("range", list(self.range), "整数端点 (integer end points)")
            if self.count is not None:
                levels = self.levels()
                if len(set(levels)) != len(levels):
                    raise _spec_error(
                        "count",
                        self.count,
                        f"至多 {int(hi - lo) + 1} 个整数档 (at most {int(hi - lo) + 1} integer levels)",
                    )
        return self

    @property
    def discrete(self) -> bool:
        """Whether the factor takes a finite list of levels."""
        return self.count is not None or self.integer

    def levels(self) -> list[float] | list[int]:
        """Return the finite list of levels (only for discrete ranges).

        Returns:
            The levels in increasing order.

        Raises:
            ValueError: If the range is continuous.
        """
        lo, hi = self.range
        if self.integer:
            if self.count is None:
                return list(range(int(lo), int(hi) + 1))
            step = (hi - lo) / (self.count - 1)
            return [round(lo + i * step) for i in range(self.count)]
        if self.count is None:
            raise ValueError("a continuous range has no finite list of levels")
        step = (hi - lo) / (self.count - 1)
        out = [lo + i * step for i in range(self.count)]
        out[-1] = hi
        return out


class DistFactor(_Strict):
    """A continuous factor drawn from a named distribution.

    Attributes:
        dist: Distribution name (see :data:`DIST_PARAMS`).
        lo: Lower bound (uniform, triangular, truncnorm, loguniform).
        hi: Upper bound (uniform, triangular, truncnorm, loguniform).
        mode: Mode (triangular).
        mean: Mean (normal, truncnorm, before truncation).
        sd: Standard deviation (normal, truncnorm, before truncation).
        mu: Mean of the log (lognormal).
        sigma: Standard deviation of the log (lognormal).
        count: Number of grid levels (grid designs only).
    """

    dist: Literal["uniform", "triangular", "normal", "truncnorm", "lognormal", "loguniform"]
    lo: float | None = None
    hi: float | None = None
    mode: float | None = None
    mean: float | None = None
    sd: float | None = None
    mu: float | None = None
    sigma: float | None = None
    count: int | None = Field(default=None, ge=1)

    kind: ClassVar[str] = "dist"

    @model_validator(mode="after")
    def _check_params(self) -> DistFactor:
        """Check each distribution gets exactly its parameters, with sane values."""
        needed = DIST_PARAMS[self.dist]
        all_params = ("lo", "hi", "mode", "mean", "sd", "mu", "sigma")
        for name in all_params:
            value = getattr(self, name)
            if name in needed and value is None:
                raise _spec_error(
                    name, _MISSING, f"{self.dist} 需要参数 (needs) {', '.join(needed)}"
                )
            if name not in needed and value is not None:
                raise _spec_error(
                    name, value, f"{self.dist} 只接受参数 (takes only) {', '.join(needed)}"
                )
            if value is not None and not math.isfinite(value):
                raise _spec_error(name, value, "有限数值 (a finite number)")
        if "lo" in needed and self.lo is not None and self.hi is not None and self.lo >= self.hi:
            raise _spec_error("hi", self.hi, f"大于 lo={self.lo} (greater than lo)")
        if (
            self.dist == "triangular"
            and self.mode is not None
            and self.lo is not None
            and self.hi is not None
            and not (self.lo <= self.mode <= self.hi)
        ):
            raise _spec_error(
                "mode", self.mode, f"介于 lo 与 hi 之间 (between {self.lo} and {self.hi})"
            )
        if self.sd is not None and self.sd <= 0:
            raise _spec_error("sd", self.sd, "正数 (a positive number)")
        if self.sigma is not None and self.sigma <= 0:
            raise _spec_error("sigma", self.sigma, "正数 (a positive number)")
        if self.dist == "loguniform" and self.lo is not None and self.lo <= 0:
            raise _spec_error("lo", self.lo, "正数 (a positive number, loguniform)")
        return self

    def params(self) -> dict[str, float]:
        """Return the distribution's parameters by name.

        Returns:
            Mapping of parameter name to value, for the parameters this
            distribution takes.
        """
        out: dict[str, float] = {}
        for name in DIST_PARAMS[self.dist]:
            value = getattr(self, name)
            assert value is not None  # guaranteed by the validator
            out[name] = float(value)
        return out


def _factor_kind(value: Any) -> str | None:
    """Tell which factor model a raw mapping (or model instance) belongs to."""
    if isinstance(value, Mapping):
        present = [k for k in ("values", "range", "dist") if k in value]
        return present[0] if len(present) == 1 else None
    return getattr(value, "kind", None)


Factor = Annotated[
    Annotated[ValuesFactor, Tag("values")]
    | Annotated[RangeFactor, Tag("range")]
    | Annotated[DistFactor, Tag("dist")],
    Discriminator(
        _factor_kind,
        custom_error_type="factor_kind",
        custom_error_message=(
            "含且仅含 values、range、dist 之一的映射 (a mapping with exactly one of "
            "values: [...], range: [lo, hi], dist: NAME)"
        ),
    ),
]
"""A factor definition: one of :class:`ValuesFactor`, :class:`RangeFactor`, :class:`DistFactor`."""


class SweepSpec(_Strict):
    """A validated sweep specification.

    Attributes:
        scenario: Scenario file, relative to the spec file, or ``toy:NAME``.
        engine: Simulation engine, ``fast`` or ``des``.
        design: Experimental design.
        samples: Sample size N (lhs/sobol points, saltelli base samples, morris
            trajectories). Not used by ``grid``.
        replications: Replications per design point.
        seed: Root seed of the sweep (design sampling and the model's streams).
        outputs: Output column names or glob patterns; empty keeps all outputs.
        factors: Factor definitions keyed by dotted parameter path, in order.
        block_size: Replications per task; defaults to all replications of a point.
        heatmap: Two factors to cross in the summary's heat map.
        second_order: Saltelli design also supports second-order indices.
        levels: Number of Morris grid levels (even).
    """

    scenario: str = Field(min_length=1)
    engine: EngineKind = "fast"
    design: DesignKind
    samples: int | None = Field(default=None, ge=1)
    replications: int = Field(default=1, ge=1)
    seed: int = Field(default=0, ge=0, lt=2**63)
    outputs: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    factors: dict[str, Factor] = Field(min_length=1)
    block_size: int | None = Field(default=None, ge=1)
    heatmap: tuple[str, str] | None = None
    second_order: bool = False
    levels: int = Field(default=4, ge=2)

    _base_dir: Path | None = PrivateAttr(default=None)
    _source: str = PrivateAttr(default="<spec>")

    @model_validator(mode="after")
    def _check_spec(self) -> SweepSpec:
        """Cross-field checks: design needs, factor paths, heat map factors."""
        for path in self.factors:
            if (
                not _PATH_RE.match(path)
                or path.startswith(".")
                or path.endswith(".")
                or ".." in path
            ):
                raise _spec_error(
                    f"factors[{path}]",
                    path,
                    "点分参数路径 (a dotted path such as params.behaviour.hte.pass_rate)",
                )
        if self.design == "grid":
            if self.samples is not None:
                raise _spec_error(
                    "samples",
                    self.samples,
                    "网格设计不使用 samples (grid designs take no samples; remove it)",
                )
            for path, factor in self.factors.items():
                if isinstance(factor, RangeFactor) and not factor.discrete:
                    raise _spec_error(
                        f"factors[{path}].count",
                        _MISSING,
                        "网格设计中 range 需要 count (a grid needs count for a range)",
                    )
                if isinstance(factor, DistFactor) and factor.count is None:
                    raise _spec_error(
                        f"factors[{path}].count",
                        _MISSING,
                        "网格设计中 dist 需要 count (a grid needs count for a dist)",
                    )
        else:
            if self.samples is None:
                raise _spec_error(
                    "samples",
                    _MISSING,
                    f"{self.design} 设计需要正整数 samples (a positive integer)",
                )
            if self.design in ("sobol", "saltelli") and self.samples & (self.samples - 1):
                raise _spec_error(
                    "samples", self.samples, "2 的幂 (a power of 2, e.g. 256, 512, 1024)"
                )
            if self.design == "morris" and self.samples < 2:
                raise _spec_error(
                    "samples", self.samples, "至少 2 条轨迹 (at least 2 trajectories)"
                )
        if self.design == "morris" and self.levels % 2:
            raise _spec_error(
                "levels", self.levels, "偶数 (an even number of Morris levels, e.g. 4)"
            )
        if self.heatmap is not None:
            for i, name in enumerate(self.heatmap):
                if name not in self.factors:
                    raise _spec_error(
                        f"heatmap[{i}]",
                        name,
                        f"因子之一 (one of the factors: {', '.join(self.factors)})",
                    )
            if self.heatmap[0] == self.heatmap[1]:
                raise _spec_error(
                    "heatmap[1]", self.heatmap[1], "两个不同的因子 (two different factors)"
                )
        if self.block_size is not None and self.block_size > self.replications:
            raise _spec_error(
                "block_size",
                self.block_size,
                f"不超过 replications={self.replications} (at most replications)",
            )
        return self

    @property
    def is_toy(self) -> bool:
        """Whether the scenario names a built-in toy model."""
        return self.scenario.startswith(TOY_PREFIX)

    @property
    def source(self) -> str:
        """Where the spec came from (file path or ``<spec>``), for messages."""
        return self._source

    @property
    def base_dir(self) -> Path:
        """Directory relative scenario paths are resolved against."""
        return self._base_dir if self._base_dir is not None else Path.cwd()

    def scenario_path(self) -> Path | None:
        """Resolve the scenario file path.

        Returns:
            The absolute scenario path, or ``None`` for toy scenarios.
        """
        if self.is_toy:
            return None
        path = Path(self.scenario).expanduser()
        if not path.is_absolute():
            path = self.base_dir / path
        return path.resolve()

    @property
    def effective_block_size(self) -> int:
        """Replications per task (defaults to all replications of a point)."""
        return self.block_size if self.block_size is not None else self.replications

    def with_origin(self, source: str, base_dir: Path | None) -> SweepSpec:
        """Return this spec tagged with its origin for messages and relative paths.

        Args:
            source: File name (or description) shown in error messages.
            base_dir: Directory that relative scenario paths are relative to.

        Returns:
            ``self``, with the private origin attributes set.
        """
        self._source = source
        self._base_dir = base_dir
        return self


# --------------------------------------------------------------------------- loading


class _SpecLoader(yaml.SafeLoader):
    """Safe YAML loader that reads ``1e6`` as a number and rejects duplicate keys.

    PyYAML follows YAML 1.1, where ``1e6`` (no dot) is a string; in a sweep spec
    that would silently turn a money amount into a category name.
    """


_SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def _construct_mapping_no_duplicates(
    loader: yaml.SafeLoader, node: yaml.MappingNode
) -> dict[Any, Any]:
    """Build a mapping, refusing keys that occur twice."""
    loader.flatten_mapping(node)
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (line {mark.line + 1})", mark
            )
        out[key] = loader.construct_object(value_node, deep=True)
    return out


_SpecLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping_no_duplicates
)


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


def _expected_from_error(err: Mapping[str, Any], model_fields: Sequence[str]) -> str:
    """Turn a pydantic error entry into an 'expected ...' phrase."""
    kind = err["type"]
    msg = str(err["msg"])
    if kind == "missing":
        return "必填项 (a required key)"
    if kind == "extra_forbidden":
        return f"已知的键之一，此键未知 (unknown key; a known key: {', '.join(model_fields)})"
    if kind == "literal_error":
        return msg.removeprefix("Input should be ")
    for prefix in ("Input should be ", "Value error, "):
        if msg.startswith(prefix):
            return msg.removeprefix(prefix)
    return msg


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
        return SweepSpecError(source, key, ctx.get("value"), str(ctx.get("expected", err["msg"])))
    value: object = _MISSING if err["type"] == "missing" else err.get("input")
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
        raise SweepSpecError(source, "", data, "一个 YAML 映射 (a YAML mapping of spec keys)")
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
            source, "", str(path), "一个存在的规格文件 (an existing spec file)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SweepSpecError(
            source, "", str(path), f"可读的 UTF-8 文本文件 (a readable UTF-8 file: {exc})"
        ) from None
    try:
        data = load_text(text, exponent_floats=True)  # the project's safe YAML reader (simulator.yamlio)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "?"
        problem = getattr(exc, "problem", None) or str(exc)
        raise SweepSpecError(source, f"({where})", problem, "合法的 YAML (valid YAML)") from None
    if not isinstance(data, dict):
        raise SweepSpecError(source, "", data, "一个 YAML 映射 (a YAML mapping of spec keys)")
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
    expected = "PATH=lo:hi、PATH=lo:hi:count 或 PATH=a,b,c (one of these forms)"
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
            raise SweepSpecError(source, path, rhs, "lo、hi 为数值 (numeric lo:hi)")
        definition: dict[str, Any] = {"range": [nums[0], nums[1]]}
        if len(nums) == 3:
            if not isinstance(nums[2], int):
                raise SweepSpecError(
                    source, path, rhs, "count 为整数 (an integer count in lo:hi:count)"
                )
            definition["count"] = nums[2]
        return path, definition
    tokens = [t for t in rhs.split(",")]
    if any(not t.strip() for t in tokens):
        raise SweepSpecError(
            source, path, rhs, "逗号分隔的非空取值 (comma-separated non-empty values)"
        )
    values = [_parse_scalar(t) for t in tokens]
    if any(isinstance(v, str) for v in values):
        values = [t.strip() for t in tokens]
    return path, {"values": values}


# --------------------------------------------------------------------------- hashing


def canonical_spec_json(spec: SweepSpec, *, for_hash: bool = True) -> str:
    """Serialise a spec to canonical JSON (sorted keys, no spaces).

    Args:
        spec: The spec.
        for_hash: Leave out :data:`HASH_EXCLUDED_KEYS`.

    Returns:
        The canonical JSON text.
    """
    exclude = set(HASH_EXCLUDED_KEYS) if for_hash else set()
    data = spec.model_dump(mode="json", exclude=exclude)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def file_sha256(path: Path) -> str:
    """Return the hex SHA-256 of a file's bytes.

    Args:
        path: The file.

    Returns:
        The hex digest.
    """
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def scenario_hash(spec: SweepSpec) -> str | None:
    """Hash the scenario file's content, if there is one.

    Args:
        spec: The spec.

    Returns:
        The hex SHA-256 of the scenario file, or ``None`` for toys and
        scenario paths that do not exist.
    """
    path = spec.scenario_path()
    if path is None or not path.is_file():
        return None
    return file_sha256(path)


def spec_hash(spec: SweepSpec) -> str:
    """Hash what determines a sweep's results: the spec and the scenario content.

    Args:
        spec: The spec.

    Returns:
        Hex SHA-256 of the canonical spec JSON followed by the scenario file
        hash (empty when there is no scenario file).
    """
    h = hashlib.sha256()
    h.update(canonical_spec_json(spec).encode("utf-8"))
    h.update(b"\n")
    h.update((scenario_hash(spec) or "").encode("ascii"))
    return h.hexdigest()
