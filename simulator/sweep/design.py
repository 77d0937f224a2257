"""Experimental designs: turn a :class:`~simulator.sweep.spec.SweepSpec` into design points.

* ``grid``: full factorial over each factor's levels (first factor varies slowest).
* ``lhs`` / ``sobol``: scrambled Latin hypercube / Sobol' points from
  :mod:`scipy.stats.qmc`, mapped through each factor's distribution (ppf).
* ``saltelli``: Saltelli cross-sampling from :func:`SALib.sample.sobol.sample`,
  for Sobol' indices.
* ``morris``: Morris trajectories from :func:`SALib.sample.morris.sample`.

Sampled designs draw unit-cube coordinates first (kept in the design table as
``u:<factor>`` columns, which the sensitivity analyses need) and then map each
coordinate to a value: a continuous factor through its distribution's inverse
CDF, a list factor (categorical or discrete) by cutting ``[0, 1)`` into equal
slices, one per option. Categorical options are reported by name.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any, Literal

import numpy as np
import pandas as pd

from simulator.sweep.spec import DistFactor, Factor, RangeFactor, SweepSpec, ValuesFactor

__all__ = [
    "DESIGN_SEED_KEY",
    "UNIT_PREFIX",
    "Design",
    "FactorInfo",
    "build_design",
    "factor_distribution",
    "factor_info",
    "point_id",
    "unit_to_values",
]

UNIT_PREFIX = "u:"
"""Prefix of the unit-cube coordinate columns in the design table."""

DESIGN_SEED_KEY: tuple[int, int] = (0x64657369, 0x676E)
"""Spawn key of the design's random stream.

Two elements long, so it can never coincide with the one-element spawn keys
``SeedSequence(seed).spawn(n)[k]`` that models use for replication ``k``.
"""

ValueKind = Literal["categorical", "discrete", "continuous"]
Dtype = Literal["string", "int64", "float64", "bool"]


def point_id(index: int) -> str:
    """Return the stable id of design point ``index`` (``p000017``).

    Args:
        index: Zero-based position of the point in the design.

    Returns:
        The point id.
    """
    return f"p{index:06d}"


@dataclass(frozen=True)
class FactorInfo:
    """How one factor is represented in the design table.

    Attributes:
        path: The factor's dotted parameter path (column name).
        kind: ``categorical`` (named options), ``discrete`` (numeric levels)
            or ``continuous``.
        dtype: Column type in the design table.
        options: The levels of a categorical or discrete factor.
    """

    path: str
    kind: ValueKind
    dtype: Dtype
    options: tuple[Any, ...] | None = None


def _list_dtype(values: Sequence[Any]) -> Dtype:
    """Pick the column type of a list of option values."""
    if all(isinstance(v, str) for v in values):
        return "string"
    if all(isinstance(v, bool) for v in values):
        return "bool"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "int64"
    return "float64"


def _coerce_options(values: Sequence[Any], dtype: Dtype) -> tuple[Any, ...]:
    """Convert option values to the Python type matching ``dtype``."""
    if dtype == "float64":
        return tuple(float(v) for v in values)
    if dtype == "int64":
        return tuple(int(v) for v in values)
    if dtype == "bool":
        return tuple(bool(v) for v in values)
    return tuple(str(v) for v in values)


def factor_info(path: str, factor: Factor) -> FactorInfo:
    """Describe how a factor appears in the design table.

    Args:
        path: The factor's dotted path.
        factor: Its definition.

    Returns:
        The factor's :class:`FactorInfo`.
    """
    if isinstance(factor, ValuesFactor):
        dtype = _list_dtype(factor.values)
        kind: ValueKind = "categorical" if dtype == "string" else "discrete"
        return FactorInfo(path, kind, dtype, _coerce_options(factor.values, dtype))
    if isinstance(factor, RangeFactor):
        if factor.discrete:
            levels = factor.levels()
            dtype = "int64" if factor.integer else "float64"
            return FactorInfo(path, "discrete", dtype, _coerce_options(levels, dtype))
        return FactorInfo(path, "continuous", "float64")
    return FactorInfo(path, "continuous", "float64")


def factor_distribution(factor: RangeFactor | DistFactor) -> Any:
    """Return the frozen :mod:`scipy.stats` distribution of a continuous factor.

    Args:
        factor: A continuous range (uniform) or a distribution factor.

    Returns:
        A frozen scipy distribution with a ``ppf`` method.
    """
    from scipy import stats  # imported here: workers that only run tasks never need it

    if isinstance(factor, RangeFactor):
        lo, hi = factor.range
        return stats.uniform(loc=lo, scale=hi - lo)
    p = factor.params()
    if factor.dist == "uniform":
        return stats.uniform(loc=p["lo"], scale=p["hi"] - p["lo"])
    if factor.dist == "triangular":
        width = p["hi"] - p["lo"]
        return stats.triang(c=(p["mode"] - p["lo"]) / width, loc=p["lo"], scale=width)
    if factor.dist == "normal":
        return stats.norm(loc=p["mean"], scale=p["sd"])
    if factor.dist == "truncnorm":
        a = (p["lo"] - p["mean"]) / p["sd"]
        b = (p["hi"] - p["mean"]) / p["sd"]
        return stats.truncnorm(a, b, loc=p["mean"], scale=p["sd"])
    if factor.dist == "lognormal":
        return stats.lognorm(s=p["sigma"], scale=math.exp(p["mu"]))
    return stats.loguniform(p["lo"], p["hi"])


def _bounded(dist: Any) -> bool:
    """Whether a distribution's 0 and 1 quantiles are both finite."""
    return bool(np.isfinite(dist.ppf(0.0)) and np.isfinite(dist.ppf(1.0)))


def unit_to_values(
    info: FactorInfo, factor: Factor, u: np.ndarray, *, morris_levels: int | None = None
) -> np.ndarray:
    """Map unit-cube coordinates of one factor to its values.

    Args:
        info: The factor's description.
        factor: Its definition.
        u: Coordinates in ``[0, 1]``.
        morris_levels: For Morris designs, the number of grid levels. Levels of
            a distribution with unbounded support are then placed at the
            mid-quantiles ``(i + 0.5) / levels`` instead of the (infinite) 0 and
            1 quantiles.

    Returns:
        The values: an object array of option values for list factors, a float
        array for continuous ones.
    """
    u = np.asarray(u, dtype=float)
    if info.options is not None:
        k = len(info.options)
        idx = np.minimum(np.floor(u * k).astype(np.int64), k - 1)
        idx = np.maximum(idx, 0)
        return np.array([info.options[i] for i in idx], dtype=object)
    assert isinstance(factor, RangeFactor | DistFactor)
    dist = factor_distribution(factor)
    if morris_levels is not None and not _bounded(dist):
        q = (np.rint(u * (morris_levels - 1)) + 0.5) / morris_levels
    else:
        q = np.clip(u, 0.0, 1.0)
        if not _bounded(dist):
            q = np.clip(q, 1e-12, 1.0 - 1e-12)
    return np.asarray(dist.ppf(q), dtype=float)


def _grid_levels(info: FactorInfo, factor: Factor) -> list[Any]:
    """Return the levels a grid design uses for a factor."""
    if info.options is not None:
        return list(info.options)
    assert isinstance(factor, DistFactor) and factor.count is not None  # checked by the spec
    dist = factor_distribution(factor)
    q = (np.arange(factor.count) + 0.5) / factor.count
    return [float(v) for v in dist.ppf(q)]


def _design_rng(seed: int) -> np.random.Generator:
    """Return the design's own random generator for a sweep seed."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=DESIGN_SEED_KEY))


def _unit_sample(spec: SweepSpec, d: int) -> np.ndarray:
    """Draw the unit-cube sample of a sampled design."""
    from scipy.stats import qmc

    assert spec.samples is not None  # checked by the spec
    rng = _design_rng(spec.seed)
    problem = {"num_vars": d, "names": list(spec.factors), "bounds": [[0.0, 1.0]] * d}
    if spec.design == "lhs":
        return qmc.LatinHypercube(d=d, scramble=True, rng=rng).random(spec.samples)
    if spec.design == "sobol":
        return qmc.Sobol(d=d, scramble=True, rng=rng).random_base2(int(math.log2(spec.samples)))
    if spec.design == "saltelli":
        from SALib.sample import sobol as salib_sobol

        with warnings.catch_warnings():
            # SALib still passes scipy's older ``seed=`` keyword to qmc.Sobol.
            warnings.simplefilter("ignore", DeprecationWarning)
            return np.asarray(
                salib_sobol.sample(
                    problem,
                    spec.samples,
                    calc_second_order=spec.second_order,
                    scramble=True,
                    seed=rng,
                ),
                dtype=float,
            )
    from SALib.sample import morris as salib_morris

    return np.asarray(
        salib_morris.sample(problem, spec.samples, num_levels=spec.levels, seed=rng), dtype=float
    )


@dataclass(frozen=True)
class Design:
    """A concrete design: the points of a sweep.

    Attributes:
        kind: Design name (``grid``, ``lhs``, ``sobol``, ``saltelli``, ``morris``).
        factors: Factor descriptions, in spec order.
        table: One row per point: ``point`` id then one column per factor
            (categorical options by name), then ``u:<factor>`` unit coordinates
            for sampled designs.
    """

    kind: str
    factors: tuple[FactorInfo, ...]
    table: pd.DataFrame

    def __len__(self) -> int:
        """Return the number of points."""
        return len(self.table)

    @property
    def factor_paths(self) -> list[str]:
        """The factor column names, in spec order."""
        return [f.path for f in self.factors]

    @property
    def point_ids(self) -> list[str]:
        """The point ids, in design order."""
        return [str(p) for p in self.table["point"]]

    @property
    def unit(self) -> np.ndarray | None:
        """The unit-cube coordinates (points × factors), or ``None`` for grids."""
        cols = [UNIT_PREFIX + p for p in self.factor_paths]
        if not all(c in self.table.columns for c in cols):
            return None
        return self.table[cols].to_numpy(dtype=float)

    def salib_problem(self) -> dict[str, Any]:
        """Return the SALib problem matching the unit-cube sample.

        Returns:
            ``{"num_vars", "names", "bounds"}`` with unit bounds.
        """
        return {
            "num_vars": len(self.factors),
            "names": self.factor_paths,
            "bounds": [[0.0, 1.0]] * len(self.factors),
        }

    def iter_points(self) -> Iterator[tuple[str, dict[str, object]]]:
        """Yield ``(point id, values)`` in design order, with plain Python values.

        Yields:
            The point id and a mapping of factor path to value.
        """
        columns = [self.table[f.path].tolist() for f in self.factors]
        for i, pid in enumerate(self.table["point"].tolist()):
            yield (
                str(pid),
                {f.path: _plain(f, col[i]) for f, col in zip(self.factors, columns, strict=True)},
            )


def _plain(info: FactorInfo, value: Any) -> object:
    """Convert a table cell to the plain Python type of its factor."""
    if info.dtype == "string":
        return str(value)
    if info.dtype == "bool":
        return bool(value)
    if info.dtype == "int64":
        return int(value)
    return float(value)


def _column(info: FactorInfo, values: Sequence[Any] | np.ndarray) -> pd.Series:
    """Build a typed design-table column."""
    if info.dtype == "string":
        return pd.Series([str(v) for v in values], dtype=object)
    if info.dtype == "bool":
        return pd.Series(np.asarray(values, dtype=bool))
    if info.dtype == "int64":
        return pd.Series(np.asarray(values, dtype=np.int64))
    return pd.Series(np.asarray(values, dtype=np.float64))


def build_design(spec: SweepSpec) -> Design:
    """Generate the design points of a spec.

    The result depends only on the spec (and the library versions), never on
    how or where the sweep runs.

    Args:
        spec: The sweep spec.

    Returns:
        The design.
    """
    infos = tuple(factor_info(path, f) for path, f in spec.factors.items())
    factors = list(spec.factors.values())
    data: dict[str, pd.Series] = {}
    if spec.design == "grid":
        levels = [_grid_levels(info, f) for info, f in zip(infos, factors, strict=True)]
        rows = list(product(*levels))
        n = len(rows)
        for j, info in enumerate(infos):
            data[info.path] = _column(info, [r[j] for r in rows])
    else:
        unit = _unit_sample(spec, len(infos))
        n = unit.shape[0]
        morris_levels = spec.levels if spec.design == "morris" else None
        for j, (info, f) in enumerate(zip(infos, factors, strict=True)):
            data[info.path] = _column(
                info, unit_to_values(info, f, unit[:, j], morris_levels=morris_levels)
            )
        for j, info in enumerate(infos):
            data[UNIT_PREFIX + info.path] = pd.Series(unit[:, j].astype(np.float64))
    table = pd.DataFrame(
        {"point": pd.Series([point_id(i) for i in range(n)], dtype=object), **data}
    )
    return Design(spec.design, infos, table)
