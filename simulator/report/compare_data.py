"""The figures of a comparison: what changed between two runs, and by how much.

Two run stores are compared as *baseline* and *variant*:

- :func:`changed_inputs` lists every input whose value differs between the
  two manifests (the scenarios' resolved inputs, each with its source), and
  :func:`set_values` the ``--set`` overrides each run recorded;
- :func:`difference_rows` gives, for every target's probability of being
  attained and every fund's drawn amount and probability of running dry, the
  baseline and variant figures, their difference and its Monte Carlo
  standard error.

The error of a difference is estimated from the **paired** per-replication
differences when both runs used the same seed (common random numbers:
replication *k* of both runs draws from the same streams), so that what the
two runs share cancels: ``se = sd(d) / sqrt(n)`` with ``d_k = x_k(variant) -
x_k(baseline)`` over the replications both runs hold (for a probability,
``x_k`` is the 0/1 indicator). Runs with different seeds (or engines,
replication counts or parameter groups) are taken as independent and get the
unpaired error ``sqrt(var_b / n_b + var_v / n_v)``.

When a run draws its behaviour parameters (one vector per group of
replications, see :mod:`simulator.uncertainty`), the replications of a group
are not independent: the error is then estimated from the group means (of the
paired differences, or of each run's values), ``n`` being the number of groups.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from simulator.report.fmt import Lang
from simulator.report.sections import scenario_name
from simulator.report.store import RunStore

__all__ = [
    "Z_95",
    "Comparison",
    "DiffRow",
    "InputChange",
    "changed_inputs",
    "comparisons",
    "difference_rows",
    "group_size",
    "names_of",
    "paired",
    "set_values",
    "short_names",
]

Z_95 = 1.96
"""A difference smaller than ``Z_95`` standard errors is within the Monte Carlo error."""

RowKind = Literal["target", "drawn", "dry", "needed"]


@dataclass(frozen=True)
class InputChange:
    """One input whose value differs between the baseline and a variant.

    Attributes:
        path: the input's key path, e.g. ``programs.LC-3.rule.base.amount``.
        base: the baseline's value as written (``None``: not an input of the baseline).
        variant: the variant's value (``None``: not an input of the variant).
        source: where the variant's value comes from (the baseline's for a removed input).
        base_source: where the baseline's value comes from (empty if none).
    """

    path: str
    base: str | None
    variant: str | None
    source: str
    base_source: str


def _inputs_by_path(store: RunStore) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for item in store.inputs:
        path = item.get("path")
        if isinstance(path, str) and path:
            out[path] = item
    return out


def _value(item: Mapping[str, Any] | None) -> str | None:
    if item is None:
        return None
    value = item.get("value")
    return None if value is None else str(value)


def changed_inputs(base: RunStore, variant: RunStore) -> list[InputChange]:
    """The inputs whose values differ, in the variant's order, then those only the baseline has.

    Args:
        base: the baseline run.
        variant: the variant run.

    Returns:
        One entry per changed key path (a run's seed counts as an input when
        the manifest lists it).
    """
    b, v = _inputs_by_path(base), _inputs_by_path(variant)
    out: list[InputChange] = []
    for path in [*v, *(p for p in b if p not in v)]:
        bi, vi = b.get(path), v.get(path)
        if _value(bi) == _value(vi):
            continue
        shown = vi if vi is not None else bi
        out.append(
            InputChange(
                path=path,
                base=_value(bi),
                variant=_value(vi),
                source=str((shown or {}).get("source") or ""),
                base_source=str((bi or {}).get("source") or ""),
            )
        )
    return out


def set_values(store: RunStore) -> list[str]:
    """The ``--set KEY=VALUE`` overrides a run recorded in its manifest."""
    raw = store.manifest.get("overrides") or []
    return [str(x) for x in raw] if isinstance(raw, list) else []


def group_size(store: RunStore) -> int:
    """Replications per parameter draw of a run (0 when parameters are fixed or the manifest does not say)."""
    u = store.manifest.get("uncertainty")
    if not isinstance(u, Mapping) or u.get("fixed_params") is not False:
        return 0
    size = u.get("group_size")
    return int(size) if isinstance(size, int) and size > 1 else 0


def paired(base: RunStore, variant: RunStore) -> bool:
    """Whether two runs share their random numbers replication by replication, so differences pair.

    Same seed and engine, the same replications (the difference of the two
    means is then the mean of the paired differences) and the same parameter
    groups.
    """
    bm, vm = base.manifest, variant.manifest
    return (
        bm.get("seed") is not None
        and bm.get("seed") == vm.get("seed")
        and bm.get("engine") == vm.get("engine")
        and base.reps == variant.reps
        and group_size(base) == group_size(variant)
    )


@dataclass(frozen=True)
class DiffRow:
    """One measure of the comparison table.

    Attributes:
        kind: ``target`` (P(attained)), ``drawn`` (mean draw, fen), ``dry``
            (P(runs dry)) or ``needed`` (money needed, fen; no error).
        key: the target or fund id.
        base: the baseline's figure (``None`` if the run does not have it).
        variant: the variant's figure.
        se: standard error of the difference (``None`` if it cannot be estimated).
        n: replications the error is estimated from (pairs, or both runs' total).
        set_by_input: the target's value is set by an input, not by the model.
    """

    kind: RowKind
    key: str
    base: float | None
    variant: float | None
    se: float | None
    n: int
    set_by_input: bool = False

    @property
    def diff(self) -> float | None:
        """Variant minus baseline (``None`` if either is missing)."""
        if self.base is None or self.variant is None:
            return None
        return self.variant - self.base

    @property
    def within_error(self) -> bool:
        """The difference is smaller than :data:`Z_95` standard errors (a zero difference of zero error is not)."""
        d = self.diff
        if d is None or self.se is None or not math.isfinite(self.se):
            return False
        if self.se == 0.0:
            return False
        return abs(d) < Z_95 * self.se


# --------------------------------------------------------------------------- per replication


def _rep_index(store: RunStore) -> pd.Index:
    return pd.RangeIndex(store.reps, name="rep")


def target_indicators(store: RunStore) -> dict[str, pd.Series]:
    """Per target, the 0/1 indicator of being attained, indexed by replication."""
    out: dict[str, list[pd.DataFrame]] = {}
    for part in store.parts("targets", ["rep", "target", "attained"]):
        for tid, rows in part.groupby("target", observed=True):
            out.setdefault(str(tid), []).append(rows[["rep", "attained"]])
    return {
        tid: pd.concat(frames).set_index("rep")["attained"].astype(float).sort_index()
        for tid, frames in out.items()
    }


def fund_draws(store: RunStore) -> dict[str, pd.Series]:
    """Per fund, the total draw over the horizon in fen, indexed by replication (0 if none)."""
    sums: dict[str, list[pd.Series]] = {}
    for part in store.parts("fund_years", ["rep", "fund", "drawn_fen"]):
        grouped = part.groupby(["fund", "rep"], observed=True)["drawn_fen"].sum()
        for fid in grouped.index.get_level_values("fund").unique():
            sums.setdefault(str(fid), []).append(grouped.xs(fid, level="fund"))
    index = _rep_index(store)
    return {
        fid: pd.concat(parts).groupby(level=0).sum().reindex(index, fill_value=0).astype(float)
        for fid, parts in sums.items()
    }


def fund_dry(store: RunStore) -> dict[str, pd.Series]:
    """Per fund, the 0/1 indicator of running dry, indexed by replication."""
    hits: dict[str, set[int]] = {}
    for part in store.parts("exhaustion", ["rep", "fund", "month"]):
        for fid in part["fund"].dropna().unique():
            hits.setdefault(str(fid), set())
        dry = part[part["month"].notna()]
        for fid, rows in dry.groupby("fund", observed=True):
            hits.setdefault(str(fid), set()).update(int(r) for r in rows["rep"])
    index = _rep_index(store)
    return {
        fid: pd.Series(index.isin(sorted(reps)).astype(float), index=index)
        for fid, reps in hits.items()
    }


def _clustered(s: pd.Series, size: int) -> np.ndarray:
    """The values, or their means by parameter group of ``size`` replications (0: no groups)."""
    if size > 0:
        s = s.groupby(np.asarray(s.index, dtype=np.int64) // size).mean()
    return s.to_numpy(float)


def _se(b: pd.Series | None, v: pd.Series | None, pair: bool,
        sizes: tuple[int, int] = (0, 0)) -> tuple[float | None, int]:
    """Standard error of mean(v) - mean(b), and the replications behind it (``sizes``: each run's group size)."""
    if b is None or v is None or len(b) == 0 or len(v) == 0:
        return None, 0
    if pair:
        common = b.index.intersection(v.index)
        d = _clustered(v.loc[common].astype(float) - b.loc[common].astype(float), sizes[0])
        if len(d) >= 2:
            return float(np.std(d, ddof=1) / math.sqrt(len(d))), len(common)
        return None, len(common)
    xb, xv = _clustered(b.astype(float), sizes[0]), _clustered(v.astype(float), sizes[1])
    if len(xb) < 2 or len(xv) < 2:
        return None, len(b) + len(v)
    var = float(np.var(xb, ddof=1)) / len(xb) + float(np.var(xv, ddof=1)) / len(xv)
    return math.sqrt(var), len(b) + len(v)


def _mean(s: pd.Series | None) -> float | None:
    return float(s.mean()) if s is not None and len(s) else None


def _set_by_input(store: RunStore, tid: str) -> bool:
    entry = store.summary.get("targets", {}).get(tid)
    return isinstance(entry, Mapping) and entry.get("set_by") == "input"


def _needed_fen(store: RunStore, fid: str) -> float | None:
    entry = store.summary.get("funds", {}).get(fid)
    block = entry.get("money_needed") if isinstance(entry, Mapping) else None
    total = block.get("total_yuan") if isinstance(block, Mapping) else None
    return float(total) * 100 if isinstance(total, int | float) else None


def _ordered(*blocks: Mapping[str, Any]) -> list[str]:
    return list(dict.fromkeys(str(k) for block in blocks for k in block))


def difference_rows(base: RunStore, variant: RunStore) -> list[DiffRow]:
    """Every target's P(attained), then each fund's mean draw, P(runs dry) and money needed.

    Args:
        base: the baseline run.
        variant: the variant run.

    Returns:
        The rows, targets in the baseline's order (then the variant's own),
        funds likewise; a fund's money-needed row only when a summary has it.
    """
    pair = paired(base, variant)
    sizes = (group_size(base), group_size(variant))
    rows: list[DiffRow] = []
    bt, vt = target_indicators(base), target_indicators(variant)
    for tid in _ordered(base.targets, bt, variant.targets, vt):
        se, n = _se(bt.get(tid), vt.get(tid), pair, sizes)
        rows.append(
            DiffRow(
                "target",
                tid,
                _mean(bt.get(tid)),
                _mean(vt.get(tid)),
                se,
                n,
                set_by_input=_set_by_input(base, tid) or _set_by_input(variant, tid),
            )
        )
    bd, vd = fund_draws(base), fund_draws(variant)
    bx, vx = fund_dry(base), fund_dry(variant)
    per_fund: tuple[tuple[RowKind, dict[str, pd.Series], dict[str, pd.Series]], ...] = (
        ("drawn", bd, vd),
        ("dry", bx, vx),
    )
    for fid in _ordered(base.funds, bd, variant.funds, vd):
        for kind, b, v in per_fund:
            se, n = _se(b.get(fid), v.get(fid), pair, sizes)
            rows.append(DiffRow(kind, fid, _mean(b.get(fid)), _mean(v.get(fid)), se, n))
        nb, nv = _needed_fen(base, fid), _needed_fen(variant, fid)
        if nb is not None or nv is not None:
            rows.append(DiffRow("needed", fid, nb, nv, None, 0))
    return rows


# --------------------------------------------------------------------------- comparisons


@dataclass(frozen=True)
class Comparison:
    """A baseline and one variant, with what changed and the figures compared.

    Attributes:
        base: the baseline run.
        variant: the variant run.
        base_name: the baseline's display name.
        variant_name: the variant's display name.
        changes: the inputs whose values differ.
        rows: the measures compared.
        paired: whether the errors come from paired replications.
    """

    base: RunStore
    variant: RunStore
    base_name: str
    variant_name: str
    changes: list[InputChange]
    rows: list[DiffRow]
    paired: bool


def names_of(stores: Sequence[RunStore], lang: Lang) -> list[str]:
    """Scenario names, told apart by the store folder when two are the same."""
    names = [scenario_name(s, lang) for s in stores]
    if len(set(names)) < len(names):  # the same scenario with other settings: tell by the folder
        names = [f"{n} ({s.path.name})" for n, s in zip(names, stores, strict=True)]
    return names


def short_names(stores: Sequence[RunStore], lang: Lang) -> list[str]:
    """Scenario names, or the store folders' names when the scenarios are the same."""
    names = [scenario_name(s, lang) for s in stores]
    if len(set(names)) < len(names):
        return [s.path.name for s in stores]
    return names


def comparisons(stores: Sequence[RunStore], lang: Lang) -> list[Comparison]:
    """The first store against each of the others.

    Args:
        stores: the opened runs, baseline first.
        lang: language of the names.

    Returns:
        One comparison per variant (none for a single store).
    """
    names = short_names(stores, lang)
    base = stores[0]
    return [
        Comparison(
            base=base,
            variant=v,
            base_name=names[0],
            variant_name=names[i],
            changes=changed_inputs(base, v),
            rows=difference_rows(base, v),
            paired=paired(base, v),
        )
        for i, v in enumerate(stores[1:], 1)
    ]
