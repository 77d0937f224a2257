"""Factor definitions of a sweep spec: an explicit list, a range, or a distribution.

See :mod:`simulator.sweep.spec` for the spec format. Each model is immutable
and rejects unknown keys; a problem is raised as a pydantic error carrying the
key path and what was expected, which :func:`simulator.sweep.spec.spec_from_mapping`
turns into one :class:`~simulator.sweep.errors.SweepSpecError`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    model_validator,
)
from pydantic_core import PydanticCustomError

from simulator.i18n import Msg, Text
from simulator.sweep.errors import MISSING

__all__ = [
    "DIST_PARAMS",
    "DistFactor",
    "Factor",
    "RangeFactor",
    "Scalar",
    "StrictModel",
    "ValuesFactor",
    "spec_error",
]

DIST_PARAMS: dict[str, tuple[str, ...]] = {
    "uniform": ("lo", "hi"),
    "triangular": ("lo", "mode", "hi"),
    "normal": ("mean", "sd"),
    "truncnorm": ("mean", "sd", "lo", "hi"),
    "lognormal": ("mu", "sigma"),
    "loguniform": ("lo", "hi"),
}
"""Required parameters of each distribution, in documentation order."""

Scalar = StrictBool | StrictInt | StrictFloat | StrictStr


def spec_error(key: str, value: object, expected: Text) -> PydanticCustomError:
    """Build a pydantic error carrying a ready-made key path and expectation."""
    return PydanticCustomError(
        "sweep_spec",
        "{expected}",
        {"key": key, "value": value, "expected": expected},
    )


class StrictModel(BaseModel):
    """Base for spec models: immutable and rejecting unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ValuesFactor(StrictModel):
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
            raise spec_error(
                "values",
                self.values,
                Msg("全部为名称或全部为数字，不可混用（作名称用的数字请加引号）",
                    "all option names or all numbers, not a mix; quote numbers meant as names"),
            )
        seen: set[object] = set()
        for i, v in enumerate(self.values):
            if isinstance(v, float) and not math.isfinite(v):
                raise spec_error(f"values[{i}]", v, Msg("有限数值", "a finite number"))
            marker = (type(v) is bool, v)
            if marker in seen:
                raise spec_error(f"values[{i}]", v, Msg("不重复的取值", "distinct values"))
            seen.add(marker)
        return self

    @property
    def categorical(self) -> bool:
        """Whether the options are names rather than numbers."""
        return isinstance(self.values[0], str)


class RangeFactor(StrictModel):
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
            raise spec_error(
                "range", list(self.range), Msg("[lo, hi]，有限且 lo < hi", "[lo, hi], finite, lo < hi")
            )
        if self.integer:
            if lo != int(lo) or hi != int(hi):
                raise spec_error("range", list(self.range), Msg("整数端点", "integer end points"))
            if self.count is not None:
                levels = self.levels()
                if len(set(levels)) != len(levels):
                    raise spec_error(
                        "count",
                        self.count,
                        Msg(f"至多 {int(hi - lo) + 1} 个整数档", f"at most {int(hi - lo) + 1} integer levels"),
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


class DistFactor(StrictModel):
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
                raise spec_error(name, MISSING, Msg(f"{self.dist} 需要参数 {', '.join(needed)}", f"{self.dist} needs {', '.join(needed)}"))
            if name not in needed and value is not None:
                raise spec_error(
                    name, value, Msg(f"{self.dist} 只接受参数 {', '.join(needed)}", f"{self.dist} takes only {', '.join(needed)}")
                )
            if value is not None and not math.isfinite(value):
                raise spec_error(name, value, Msg("有限数值", "a finite number"))
        if "lo" in needed and self.lo is not None and self.hi is not None and self.lo >= self.hi:
            raise spec_error("hi", self.hi, Msg(f"大于 lo={self.lo}", f"greater than lo={self.lo}"))
        if (
            self.dist == "triangular"
            and self.mode is not None
            and self.lo is not None
            and self.hi is not None
            and not (self.lo <= self.mode <= self.hi)
        ):
            raise spec_error(
                "mode", self.mode, Msg(f"介于 {self.lo} 与 {self.hi} 之间", f"between {self.lo} and {self.hi}")
            )
        if self.sd is not None and self.sd <= 0:
            raise spec_error("sd", self.sd, Msg("正数", "a positive number"))
        if self.sigma is not None and self.sigma <= 0:
            raise spec_error("sigma", self.sigma, Msg("正数", "a positive number"))
        if self.dist == "loguniform" and self.lo is not None and self.lo <= 0:
            raise spec_error("lo", self.lo, Msg("正数（loguniform）", "a positive number, loguniform"))
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


FACTOR_KIND = Msg("含且仅含 values、range、dist 之一的映射",
                  "a mapping with exactly one of values: [...], range: [lo, hi], dist: NAME")
"""What a factor definition must be (the message of a factor that is none of the three kinds)."""

Factor = Annotated[
    Annotated[ValuesFactor, Tag("values")]
    | Annotated[RangeFactor, Tag("range")]
    | Annotated[DistFactor, Tag("dist")],
    Discriminator(
        _factor_kind,
        custom_error_type="factor_kind",
        custom_error_message=FACTOR_KIND.en,
    ),
]
"""A factor definition: one of :class:`ValuesFactor`, :class:`RangeFactor`, :class:`DistFactor`."""
