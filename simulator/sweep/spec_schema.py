"""The validated sweep spec and its identity (the hash that decides whether a sweep can resume).

See :mod:`simulator.sweep.spec` for the file format and for loading.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, PrivateAttr, model_validator

from simulator.i18n import Msg
from simulator.sweep.errors import MISSING
from simulator.sweep.factors import DistFactor, Factor, RangeFactor, StrictModel, spec_error

__all__ = [
    "HASH_EXCLUDED_KEYS",
    "TOY_PREFIX",
    "DesignKind",
    "EngineKind",
    "SweepSpec",
    "canonical_spec_json",
    "file_sha256",
    "scenario_hash",
    "spec_hash",
]

TOY_PREFIX = "toy:"
"""Scenario strings starting with this prefix name a test model, whose factory the caller passes in."""

HASH_EXCLUDED_KEYS: frozenset[str] = frozenset({"block_size", "heatmap"})
"""Spec keys that change neither the design nor the stored results.

They are left out of the spec hash so that a sweep can be resumed with a
different task size or heat-map choice.
"""

_PATH_RE = re.compile(r"^[^\s=:,\[\]]+$")

DesignKind = Literal["grid", "lhs", "sobol", "saltelli", "morris"]
EngineKind = Literal["fast", "des"]


class SweepSpec(StrictModel):
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
        fixed_params: Keep the behaviour parameters that are not factors at
            their central values (chance only); by default they keep their
            priors, one draw per replication group (docs/uncertainty.md).
        actuals: An actuals file (relative to the spec file) every point
            starts from, as ``fiscalsim run --actuals`` (docs/nowcast.md).
        as_of: The date up to which ``actuals`` holds; given with it.
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
    fixed_params: bool = False
    actuals: str | None = Field(default=None, min_length=1)
    as_of: date | None = None

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
                raise spec_error(
                    f"factors[{path}]",
                    path,
                    Msg("点分参数路径，如 params.behaviour.hte.pass_rate", "a dotted path such as params.behaviour.hte.pass_rate"),
                )
        if self.design == "grid":
            if self.samples is not None:
                raise spec_error(
                    "samples",
                    self.samples,
                    Msg("网格设计不使用 samples，请删除", "grid designs take no samples; remove it"),
                )
            for path, factor in self.factors.items():
                if isinstance(factor, RangeFactor) and not factor.discrete:
                    raise spec_error(
                        f"factors[{path}].count",
                        MISSING,
                        Msg("网格设计中 range 需要 count", "a grid needs count for a range"),
                    )
                if isinstance(factor, DistFactor) and factor.count is None:
                    raise spec_error(
                        f"factors[{path}].count",
                        MISSING,
                        Msg("网格设计中 dist 需要 count", "a grid needs count for a dist"),
                    )
        else:
            if self.samples is None:
                raise spec_error(
                    "samples",
                    MISSING,
                    Msg(f"{self.design} 设计需要正整数 samples", f"a positive integer: {self.design} designs need samples"),
                )
            if self.design in ("sobol", "saltelli") and self.samples & (self.samples - 1):
                raise spec_error(
                    "samples", self.samples, Msg("2 的幂，如 256、512、1024", "a power of 2, e.g. 256, 512, 1024")
                )
            if self.design == "morris" and self.samples < 2:
                raise spec_error("samples", self.samples, Msg("至少 2 条轨迹", "at least 2 trajectories"))
        if self.design == "morris" and self.levels % 2:
            raise spec_error(
                "levels", self.levels, Msg("偶数个 Morris 水平，如 4", "an even number of Morris levels, e.g. 4")
            )
        if self.heatmap is not None:
            for i, name in enumerate(self.heatmap):
                if name not in self.factors:
                    raise spec_error(
                        f"heatmap[{i}]",
                        name,
                        Msg(f"因子之一：{', '.join(self.factors)}", f"one of the factors: {', '.join(self.factors)}"),
                    )
            if self.heatmap[0] == self.heatmap[1]:
                raise spec_error(
                    "heatmap[1]", self.heatmap[1], Msg("两个不同的因子", "two different factors")
                )
        if (self.actuals is None) != (self.as_of is None):
            raise spec_error(
                "as_of" if self.as_of is None else "actuals",
                MISSING,
                Msg("actuals 与 as_of 须同时给出，如 actuals: ../data/actuals/liaocheng-2021.csv 和 as_of: 2021-12-31",
                    "actuals and as_of together, e.g. actuals: ../data/actuals/liaocheng-2021.csv and as_of: 2021-12-31"),
            )
        if self.block_size is not None and self.block_size > self.replications:
            raise spec_error(
                "block_size",
                self.block_size,
                Msg(f"不超过 replications={self.replications}", f"at most replications={self.replications}"),
            )
        return self

    @property
    def is_toy(self) -> bool:
        """Whether the scenario names a test model (``toy:NAME``) rather than a file."""
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

    def actuals_path(self) -> Path | None:
        """The actuals file, resolved against the spec's folder (None without one)."""
        if self.actuals is None:
            return None
        path = Path(self.actuals).expanduser()
        return path if path.is_absolute() else self.base_dir / path

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
        hash (empty when there is no scenario file) and, with ``actuals``,
        the actuals file's hash.
    """
    h = hashlib.sha256()
    h.update(canonical_spec_json(spec).encode("utf-8"))
    h.update(b"\n")
    h.update((scenario_hash(spec) or "").encode("ascii"))
    actuals = spec.actuals_path()
    if actuals is not None:  # the actual figures every point starts from: their content, not just their name
        h.update(b"\nactuals:")
        h.update((file_sha256(actuals) if actuals.is_file() else "").encode("ascii"))
    return h.hexdigest()
