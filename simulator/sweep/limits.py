"""The size of a sweep, known before anything runs, and the default limits on it.

A design's number of points follows from the spec alone (grid: the product of
the factors' levels; lhs/sobol: ``samples``; saltelli: ``samples x (D + 2)``,
or ``x (2D + 2)`` with second-order indices; morris: ``samples x (D + 1)``), so
a sweep far beyond a workstation is refused in milliseconds, with an estimate,
instead of failing after minutes with a memory error.  ``--allow-large`` goes
past the default limits on purpose.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simulator.i18n import Msg
from simulator.sweep.design import factor_info
from simulator.sweep.factors import DistFactor, RangeFactor
from simulator.sweep.spec import SweepSpec

MAX_POINTS = 100_000
"""Default limit on design points (the design table and manifest stay a few tens of MB)."""
MAX_REPLICATIONS = 2_000_000
"""Default limit on points x replications (about a day of the fast engine on two cores)."""
SECONDS_PER_REPLICATION = {"fast": 0.012, "des": 0.14}
"""Rough cost of one replication per core, measured on the Liaocheng scenario (larger scenarios cost more)."""
BYTES_PER_REPLICATION = 200
"""Rough stored size of one replication's outputs in a point file (compressed Parquet)."""


@dataclass(frozen=True)
class SweepSize:
    """How large a sweep is: points, replications, and rough time and disk."""

    points: int
    replications: int
    engine: str

    def hours(self, cores: int) -> float:
        """Rough wall time in hours on ``cores`` cores."""
        return self.replications * SECONDS_PER_REPLICATION.get(self.engine, 0.14) / max(cores, 1) / 3600

    @property
    def disk_bytes(self) -> int:
        """Rough size of the stored results."""
        return self.replications * BYTES_PER_REPLICATION

    def describe(self, cores: int) -> Msg:
        """One line with the estimate, in both languages."""
        gb = self.disk_bytes / 1e9
        h = self.hours(cores)
        return Msg(f"规模：{self.points:,} 个设计点 × 每点重复 = {self.replications:,} 次模拟，"
                   f"约 {h:,.1f} 小时（{cores} 核，按聊城情景实测速度），约 {gb:,.2f} GB",
                   f"size: {self.points:,} points, {self.replications:,} replications, about {h:,.1f} h on "
                   f"{cores} cores at the Liaocheng rate, about {gb:,.2f} GB")


def design_points(spec: SweepSpec) -> int:
    """Number of points the spec's design has, computed without building it.

    Args:
        spec: The sweep spec.

    Returns:
        The number of design points.
    """
    d = len(spec.factors)
    if spec.design == "grid":
        sizes = []
        for path, factor in spec.factors.items():
            info = factor_info(path, factor)
            if info.options is not None:
                sizes.append(len(info.options))
            else:
                assert isinstance(factor, RangeFactor | DistFactor) and factor.count is not None  # checked by the spec
                sizes.append(factor.count)
        return math.prod(sizes)
    n = spec.samples or 0
    if spec.design == "saltelli":
        return n * (2 * d + 2 if spec.second_order else d + 2)
    if spec.design == "morris":
        return n * (d + 1)
    return n


def sweep_size(spec: SweepSpec) -> SweepSize:
    """The size of a sweep: its points, and points x replications."""
    points = design_points(spec)
    return SweepSize(points, points * spec.replications, spec.engine)


def over_limit(size: SweepSize) -> Msg | None:
    """Why a sweep is over the default limits (in both languages), or ``None``."""
    if size.points > MAX_POINTS:
        return Msg(f"设计点过多：{size.points:,} 个，默认上限 {MAX_POINTS:,}",
                   f"too many design points: {size.points:,}, default limit {MAX_POINTS:,}")
    if size.replications > MAX_REPLICATIONS:
        return Msg(f"模拟次数过多：{size.replications:,} 次，默认上限 {MAX_REPLICATIONS:,}",
                   f"too many replications: {size.replications:,}, default limit {MAX_REPLICATIONS:,}")
    return None
