"""Random streams: one root seed, independent streams per replication and per subsystem.

``SeedSequence(seed, spawn_key=(rep, k))`` is the k-th child of replication
``rep``'s child of the root, i.e. exactly what ``SeedSequence(seed).spawn``
would hand out, but addressable directly.  A replication's numbers therefore
depend only on (seed, rep) — never on the number of workers, the order of
completion or the design point (common random numbers in sweeps).
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Sub(IntEnum):
    """Subsystems with their own stream inside a replication."""

    FIRMS = 0
    PLATFORMS = 1
    INCUBATORS = 2
    PROGRAMS = 3
    FUNDS = 4
    INDICATORS = 5
    GUIDANCE = 6
    NOWCAST = 7  # holding the history to actual figures (simulator.model.nowcast)


def stream(seed: int, rep: int, sub: Sub | int, extra: int = 0) -> np.random.Generator:
    """The generator of subsystem ``sub`` (and an optional extra index) in replication ``rep``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(rep, int(sub), extra))))


class Buffered:
    """Fast scalar draws from a Generator, taken in blocks (same numbers as block draws).

    A block is held as a list of Python floats: reading one is an index, not a
    numpy scalar conversion.
    """

    __slots__ = ("_exp", "_i", "_j", "_rng", "_size", "_unif")

    def __init__(self, rng: np.random.Generator, size: int = 4096) -> None:
        self._rng = rng
        self._size = size
        self._unif: list[float] = rng.random(size).tolist()
        self._exp: list[float] = rng.standard_exponential(size).tolist()
        self._i = 0
        self._j = 0

    @property
    def rng(self) -> np.random.Generator:
        """The underlying generator (for vector draws)."""
        return self._rng

    def uniform(self) -> float:
        """One U(0,1) draw."""
        i = self._i
        if i >= self._size:
            self._unif = self._rng.random(self._size).tolist()
            i = 0
        self._i = i + 1
        return self._unif[i]

    def exponential(self) -> float:
        """One Exp(1) draw."""
        j = self._j
        if j >= self._size:
            self._exp = self._rng.standard_exponential(self._size).tolist()
            j = 0
        self._j = j + 1
        return self._exp[j]
