"""Per-replication random streams for the vectorised engine (:mod:`simulator.engines.fast.engine`).

Every random quantity of replication ``rep`` comes from generators seeded with
``SeedSequence(seed, spawn_key=(rep, key))`` (``key`` >= 100, so these
streams never coincide with the SimPy engine's ``(rep, sub, extra)`` streams).
Hot-path draws are taken from :class:`RepUniforms`: one row of buffered
``U(0, 1)`` numbers per replication, handed out with one vectorised gather for
a whole batch of requests that may belong to many replications.  The numbers a
replication receives are exactly ``Generator.random()``'s sequence for its own
stream, consumed in an order that depends only on that replication's own
history, so a replication's results never depend on which other replications
share its block.  Non-uniform draws are inverse transforms of those uniforms.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_TINY = np.finfo(np.float64).tiny

class Key(IntEnum):
    """Stream keys of one replication (the second element of the spawn key)."""

    ENTITIES = 100  # firms, platforms, incubators: waits, pass/renewal draws, places, areas
    DESKS = 101  # applicants, claim attributes, approvals, sampled applicants/investees
    SETUP = 102  # arrival times, indicator shocks, quotas, guidance-fund paths
    RULES = 103  # + program index: case-by-case award draws
    NOWCAST = 104  # holding the history to actual figures (simulator.model.nowcast)


def rep_generator(seed: int, rep: int, key: int) -> np.random.Generator:
    """The generator of stream ``key`` of replication ``rep``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(rep, int(key)))))


class RepUniforms:
    """Buffered ``U(0, 1)`` streams, one per replication of a block, drawn in vectorised batches.

    Attributes:
        size: Numbers buffered per replication.
    """

    def __init__(self, seed: int, reps: Sequence[int], key: int, size: int = 32768) -> None:
        """Create the streams of ``reps`` (positions 0..len(reps)-1 in the block).

        Args:
            seed: Root seed of the run.
            reps: Replication indices of the block.
            key: Stream key (see :class:`Key`).
            size: Initial buffer length per replication (does not change the numbers drawn).
        """
        self._gens = [rep_generator(seed, r, key) for r in reps]
        self.size = size
        self._buf = np.stack([g.random(size) for g in self._gens]) if self._gens else np.zeros((0, size))
        self._flat = self._buf.reshape(-1)
        self._cur = np.zeros(len(self._gens), dtype=np.int64)

    @property
    def n(self) -> int:
        """Number of replications."""
        return len(self._gens)

    def _refill(self, rows: list[int]) -> None:
        """Move the unread numbers of ``rows`` to the front and top them up from their generators.

        Every row always holds the next unread numbers of its replication's
        generator, in order, so refilling never changes a number drawn.
        """
        for r in rows:
            rest = self._buf[r, self._cur[r]:].copy()
            self._buf[r, : rest.shape[0]] = rest
            self._buf[r, rest.shape[0]:] = self._gens[r].random(self.size - rest.shape[0])
            self._cur[r] = 0

    def _take_large(self, rep: IntArray, per: IntArray, k: int, presorted: bool) -> FloatArray:
        """A request larger than a buffer row: each replication's numbers straight from its stream."""
        n = rep.shape[0]
        flat = np.empty(n * k, dtype=np.float64)
        pos = 0
        for r in range(self.n):
            c = int(per[r]) * k
            if c == 0:
                continue
            rest = self._buf[r, self._cur[r]:]
            if c <= rest.shape[0]:
                flat[pos:pos + c] = rest[:c]
                self._cur[r] += c
            else:
                flat[pos:pos + rest.shape[0]] = rest
                flat[pos + rest.shape[0]:pos + c] = self._gens[r].random(c - rest.shape[0])
                self._buf[r] = self._gens[r].random(self.size)
                self._cur[r] = 0
            pos += c
        grouped = flat if k == 1 else flat.reshape(n, k)
        if presorted:
            return grouped
        order = np.argsort(rep, kind="stable")
        out = np.empty_like(grouped)
        out[order] = grouped
        return out

    def take(self, rep: IntArray, presorted: bool = False, k: int = 1) -> FloatArray:
        """``k`` uniforms per element of ``rep`` (the block position of the replication asking).

        Elements of one replication receive that replication's next numbers in
        the order they appear in ``rep`` (``k`` consecutive numbers each).

        Args:
            rep: Block positions, any order.
            presorted: ``rep`` is known to be non-decreasing (saves a sort).
            k: Numbers per element.

        Returns:
            ``U(0, 1)`` numbers, shape ``[n]`` when ``k == 1`` else ``[n, k]``.
        """
        n = rep.shape[0]
        if n == 0:
            return np.empty(0 if k == 1 else (0, k), dtype=np.float64)
        per = np.bincount(rep, minlength=self.n)
        counts = per * k
        over = self._cur + counts > self.size
        if over.any():
            if int(counts.max()) > self.size:
                return self._take_large(rep, per, k, presorted)
            self._refill(np.flatnonzero(over).tolist())
        starts = np.cumsum(per) - per
        off = np.arange(self.n, dtype=np.int64) * self.size + self._cur - k * starts
        if presorted:
            pos = off[rep] + k * np.arange(n, dtype=np.int64)
        else:
            order = np.argsort(rep, kind="stable")
            seq = np.empty(n, dtype=np.int64)
            seq[order] = np.arange(n, dtype=np.int64)
            pos = off[rep] + k * seq
        self._cur += counts
        return self._flat[pos] if k == 1 else self._flat[pos[:, None] + np.arange(k)]

    def one_each(self) -> FloatArray:
        """One uniform for every replication of the block (position order)."""
        return self.take(np.arange(self.n, dtype=np.int64), presorted=True)


# --------------------------------------------------------------------------- transforms


def exponential(u: FloatArray) -> FloatArray:
    """Exp(1) draws from uniforms."""
    return -np.log1p(-u)


def geometric_successes(u: FloatArray, p: FloatArray | float) -> IntArray:
    """Number of successes before the first failure, success probability ``p``.

    ``P(K >= k) = p ** k``; ``p == 1`` gives a huge count (never fails).
    """
    p_arr = np.broadcast_to(np.asarray(p, dtype=np.float64), u.shape)
    out = np.zeros(u.shape, dtype=np.int64)
    mid = (p_arr > 0.0) & (p_arr < 1.0)
    if mid.any():
        one_minus = np.maximum(1.0 - u[mid], _TINY)  # in (0, 1]
        out[mid] = np.floor(np.log(one_minus) / np.log(p_arr[mid])).astype(np.int64)
    out[p_arr >= 1.0] = 1 << 40
    return out


def uniform_int(u: FloatArray, low: int, high: int) -> IntArray:
    """Integers uniform on ``[low, high]`` from uniforms."""
    k = np.floor(u * (high - low + 1)).astype(np.int64)
    return low + np.minimum(k, high - low)
