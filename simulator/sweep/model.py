"""What a sweep runs: the model and factory interfaces, and the replication streams.

The sweep talks to the simulation through two small interfaces:

* :class:`SweepModel`: ``run_block(values, reps, seed)`` returns one row per
  replication (column ``rep`` plus outputs). Replication ``k`` must draw its
  random numbers only from ``(seed, k)``, e.g. :func:`rep_rng`, never from the
  design point, so every point sees the same random numbers (common random
  numbers).
* :class:`ModelFactory`: a small picklable, hashable object (typically a frozen
  dataclass) with ``build() -> SweepModel``. It is what travels to worker
  processes and Dask workers; each worker builds the model once and reuses it.

Real scenarios are run by :class:`simulator.sweep.scenario_model.ScenarioFactory`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

__all__ = ["ModelFactory", "SweepModel", "rep_rng"]


@runtime_checkable
class SweepModel(Protocol):
    """A model the sweep can run."""

    def run_block(
        self, values: Mapping[str, object], reps: Sequence[int], seed: int
    ) -> pd.DataFrame:
        """Run replications ``reps`` of one design point.

        Args:
            values: Factor dotted path → value (float, int, bool, or option name).
            reps: Replication indices.
            seed: The sweep's root seed; replication ``k`` uses streams derived
                from ``(seed, k)`` only.

        Returns:
            One row per replication: ``rep`` plus output columns (bool/int/float).
        """
        ...


@runtime_checkable
class ModelFactory(Protocol):
    """A small picklable, hashable recipe for building a model in a worker."""

    def build(self) -> SweepModel:
        """Build the model.

        Returns:
            The model.
        """
        ...


def rep_rng(seed: int, rep: int) -> np.random.Generator:
    """Return replication ``rep``'s generator: ``SeedSequence(seed).spawn(...)[rep]``.

    Args:
        seed: The sweep's root seed.
        rep: The replication index.

    Returns:
        A generator that depends on ``(seed, rep)`` only.
    """
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(rep,)))
