"""What the SimPy engine records as one replication runs: month-end counts, draws, first awards.

The records are the shared :class:`~simulator.model.records.RepResult` format's
raw material (:meth:`simulator.engines.des.world.World.result` assembles it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from simulator.model.records import CountKey


@dataclass
class Recorder:
    """Collects a replication's records as it runs (the DES side)."""

    n_months: int
    keys: list[CountKey]
    programs: list[str]
    draws: dict[tuple[int, str, str, str], int] = field(default_factory=lambda: defaultdict(int))
    snap: npt.NDArray[np.int32] = field(init=False)
    award_month: npt.NDArray[np.int32] = field(init=False)
    key_index: dict[CountKey, int] = field(init=False)
    program_index: dict[str, int] = field(init=False)
    awarded: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.key_index = {k: i for i, k in enumerate(self.keys)}
        self.program_index = {p: i for i, p in enumerate(self.programs)}
        self.snap = np.zeros((self.n_months, len(self.keys)), dtype=np.int32)
        self.award_month = np.zeros((self.n_months, max(len(self.programs), 1)), dtype=np.int32)

    def draw(self, month: int, fund: str, level: str, program: str, fen: int, cid: int | None) -> None:
        """Record a payment."""
        if 0 <= month < self.n_months:
            self.draws[(month, fund, level, program)] += fen
            if cid is not None and cid not in self.awarded and program in self.program_index:
                self.awarded.add(cid)
                self.award_month[month, self.program_index[program]] += 1
