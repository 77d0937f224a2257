"""A calibrated posterior sample, as written by ``fiscalsim calibrate`` (read here, never written).

The file (YAML)::

    kind: posterior
    provenance: {data: ..., data_sha256: ..., scenario: ..., method: ..., date: ...}
    parameters:            # scenario paths, in column order
      - {path: populations.taian.firms.hte_rate, prior: {family: lognormal, ...}}
    draws:                 # one row per posterior draw
      - [0.35]

A scenario names it with ``uncertainty: {posterior: <path relative to the
scenario file>}``; each replication group then draws one row (uniformly) for
the paths it lists, and priors for the rest.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from simulator.errors import InputError, Problem
from simulator.i18n import Msg
from simulator.yamlio import KeyPath, YamlDoc, dotted, load_yaml

FORM = "kind: posterior; parameters: [{path: ...}]; draws: [[x, ...], ...]"


@dataclass(frozen=True)
class Posterior:
    """A posterior sample: scenario paths and one row of values per draw.

    Attributes:
        file: The file it was read from.
        sha256: The file's hash (recorded in the run's manifest).
        paths: Scenario paths, in column order.
        draws: ``[n_draws, len(paths)]`` values.
    """

    file: str
    sha256: str
    paths: tuple[str, ...]
    draws: npt.NDArray[np.float64]

    def row(self, rng: np.random.Generator) -> tuple[int, dict[str, float]]:
        """One row drawn uniformly: its index and ``{path: value}``."""
        i = int(rng.integers(len(self.draws)))
        return i, {p: float(v) for p, v in zip(self.paths, self.draws[i], strict=True)}


def _bad(doc: YamlDoc, path: KeyPath, zh: str, en: str, value: Any) -> InputError:
    return InputError(Problem(Msg(zh, en), file=doc.file, line=doc.line_of(path), path=dotted(path) or None,
                              value=value, has_value=True, expected=FORM))


def load_posterior(path: Path) -> Posterior:
    """Read and check a posterior file.

    Raises:
        InputError: The file is missing, not a posterior, or its rows do not
            match its parameters (one problem naming file, line and key).
    """
    doc = load_yaml(path, what="posterior")
    data = doc.data
    if not isinstance(data, dict) or data.get("kind") != "posterior":
        kind = data.get("kind") if isinstance(data, dict) else data
        raise _bad(doc, ("kind",), "不是后验样本文件（kind 应为 posterior）", "not a posterior file (expected kind: posterior)",
                   kind)
    params = data.get("parameters")
    if not isinstance(params, list) or not params:
        raise _bad(doc, ("parameters",), "`parameters` 必须是非空的列表", "`parameters` must be a non-empty list", params)
    paths: list[str] = []
    for i, item in enumerate(params):
        p = item.get("path") if isinstance(item, dict) else None
        if not isinstance(p, str) or not p.strip() or p in paths:
            raise _bad(doc, ("parameters", i), "每个参数需要一个不重复的情景路径 `path`",
                       "each parameter needs a scenario `path`, each once", item)
        paths.append(p)
    rows = data.get("draws")
    if not isinstance(rows, list) or not rows:
        raise _bad(doc, ("draws",), "`draws` 必须是非空的列表", "`draws` must be a non-empty list", rows)
    for i, row in enumerate(rows):
        ok = isinstance(row, list) and len(row) == len(paths) and all(
            isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) for x in row)
        if not ok:
            raise _bad(doc, ("draws", i), f"每行须是 {len(paths)} 个有限的数（每个参数一个）",
                       f"each row must hold {len(paths)} finite numbers (one per parameter)", row)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Posterior(str(path), digest, tuple(paths), np.asarray(rows, dtype=np.float64))
