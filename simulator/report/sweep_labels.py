"""Names in a sweep report: which columns are factors and outputs, and how each is worded.

Output names are worded from their pattern (see :mod:`simulator.report.sweep`)
unless the manifest names them; factors by the manifest's name or their path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from simulator.report import fmt
from simulator.report.fmt import Lang
from simulator.report.i18n import display_name, t
from simulator.report.store import SweepStore

__all__ = [
    "factor_bounds",
    "factor_ids",
    "factor_label",
    "factor_options",
    "is_categorical",
    "is_probability",
    "money_scale",
    "outcome_label",
    "output_ids",
    "output_label",
    "range_text",
]

_STATS = ("p_attained", "mean", "p5", "p50", "p95")
_TARGET_RE = re.compile(r"^target\.(?P<id>.+)\.(?P<field>attained|value)$")
_FUND_RE = re.compile(r"^fund\.(?P<id>.+)\.(?P<field>[A-Za-z0-9_]+)$")


def _entry(block: Any, key: str) -> Mapping[str, Any] | None:
    if isinstance(block, Mapping):
        v = block.get(key)
        return v if isinstance(v, Mapping) else None
    if isinstance(block, list):
        for item in block:
            if isinstance(item, Mapping) and key in (item.get("id"), item.get("path")):
                return item
    return None


def _design_factors(sweep: SweepStore) -> list[Mapping[str, Any]]:
    design = sweep.manifest.get("design")
    factors = design.get("factors") if isinstance(design, Mapping) else None
    return [f for f in factors if isinstance(f, Mapping)] if isinstance(factors, list) else []


def factor_ids(sweep: SweepStore) -> list[str]:
    """Factor ids present in the per-point table, in the manifest's order.

    Taken from the manifest's ``factors`` (object or list), else from
    ``design.factors``, else from the sensitivity rows, else every column
    that is not an output.
    """
    declared = sweep.manifest.get("factors")
    if isinstance(declared, Mapping):
        ids = [str(k) for k in declared]
    elif isinstance(declared, list):
        ids = [
            str(f.get("id") or f.get("path")) if isinstance(f, Mapping) else str(f)
            for f in declared
        ]
    elif _design_factors(sweep):
        ids = [str(f.get("path")) for f in _design_factors(sweep)]
    else:
        sens = {str(r.get("factor")) for r in sweep.summary.get("sensitivity", [])}
        ids = [str(c) for c in sweep.points.columns if c in sens]
        if not ids:
            outs = set(output_ids(sweep, factors=[]))
            ids = [
                str(c)
                for c in sweep.points.columns
                if c not in outs and c not in ("point", "n_reps")
            ]
    return [f for f in ids if f in sweep.points.columns]


def output_ids(sweep: SweepStore, factors: list[str] | None = None) -> list[str]:
    """Response columns of the per-point table (one per output).

    Args:
        sweep: the sweep store.
        factors: factor ids to leave out (default: :func:`factor_ids`).

    Returns:
        The summary's ``outputs`` when it lists them, else every numeric
        column that is not a factor, ``point``, ``n_reps`` or a quantile
        (``:p5``, ``:p50``, ``:p95``) of another output.
    """
    listed = [str(o) for o in sweep.summary.get("outputs") or [] if str(o) in sweep.points.columns]
    if listed:
        return listed
    skip = set(factor_ids(sweep) if factors is None else factors) | {"point", "n_reps"}
    return [
        str(c)
        for c in sweep.points.columns
        if c not in skip
        and pd.api.types.is_numeric_dtype(sweep.points[c])
        and not str(c).endswith((":p5", ":p50", ":p95"))
    ]


def is_categorical(sweep: SweepStore, factor: str) -> bool:
    """Whether a factor takes named options rather than numbers."""
    return not pd.api.types.is_numeric_dtype(sweep.points[factor])


def factor_options(sweep: SweepStore, factor: str) -> list[Any]:
    """Options of a categorical factor, in the manifest's order when it gives one."""
    entry = (
        _entry(_design_factors(sweep), factor)
        or _entry(sweep.manifest.get("factors"), factor)
        or {}
    )
    declared = entry.get("options") if isinstance(entry, Mapping) else None
    seen = list(dict.fromkeys(sweep.points[factor].dropna().tolist()))
    if isinstance(declared, list):
        return [o for o in declared if o in seen] + [o for o in seen if o not in declared]
    return seen


def factor_label(sweep: SweepStore, factor: str, lang: Lang) -> str:
    """Display name of a factor (its id if the manifest does not name it)."""
    return display_name(_entry(sweep.manifest.get("factors"), factor), lang, factor)


def _entity(sweep: SweepStore, kind: str, key: str, lang: Lang) -> str:
    sc = sweep.manifest.get("scenario") or {}
    block = sc.get(kind) if isinstance(sc, Mapping) else None
    return display_name(_entry(block, key), lang, key)


def _split(output: str) -> tuple[str, str]:
    """``"target.T1.attained:p_attained"`` -> ``("target.T1.attained", "p_attained")``."""
    base, sep, stat = output.rpartition(":")
    if sep and stat in _STATS:
        return base, stat
    return output, ""


def output_label(sweep: SweepStore, output: str, lang: Lang) -> str:
    """Display name of an output, from the manifest or from its name pattern.

    >>> from pathlib import Path
    >>> s = SweepStore(Path("."), {"outputs": {}}, {}, pd.DataFrame())
    >>> output_label(s, "p_attained:TA-T5", "zh"), output_label(s, "p_exhausted:LC-1", "en")
    ('目标「TA-T5」达成概率', 'P(fund LC-1 runs dry)')
    >>> output_label(s, "target.T1.attained:p_attained", "zh")
    '目标「T1」达成概率'
    >>> output_label(s, "fund.F1.drawn_yuan:mean", "en")
    'Draw of fund F1 (mean)'
    """
    entry = _entry(sweep.manifest.get("outputs"), output)
    if entry:
        return display_name(entry, lang, output)
    base, stat = _split(output)
    stat_text = (
        t("stat_suffix", lang, stat=t(f"stat_{stat}", lang))
        if stat not in ("", "p_attained")
        else ""
    )
    m = _TARGET_RE.match(base)
    if m:
        name = _entity(sweep, "targets", m["id"], lang)
        if m["field"] == "attained":
            return t("out_p_attained", lang, x=name)
        return t("out_target_value", lang, x=name) + stat_text
    m = _FUND_RE.match(base)
    if m:
        name = _entity(sweep, "funds", m["id"], lang)
        if m["field"].startswith("drawn"):
            return t("out_fund_drawn", lang, x=name) + stat_text
        return t("out_fund_field", lang, x=name, field=m["field"]) + stat_text
    kind, _, key = base.partition(":")
    if key:
        if kind == "p_attained":
            return t("out_p_attained", lang, x=_entity(sweep, "targets", key, lang))
        if kind == "p_exhausted":
            return t("out_p_exhausted", lang, x=_entity(sweep, "funds", key, lang))
        if kind.startswith("drawn") and kind.endswith("_fen"):
            return t("out_drawn", lang, x=_entity(sweep, "funds", key, lang))
    return output


def outcome_label(sweep: SweepStore, box: Mapping[str, Any], lang: Lang) -> str:
    """Wording of the outcome a scenario-discovery box is about."""
    own = box.get("label_en" if lang == "en" else "label") or box.get("label")
    if isinstance(own, str) and own.strip():
        return own
    output = str(box.get("output", ""))
    kind, _, key = output.partition(":")
    if kind == "miss":
        m = _TARGET_RE.match(key)
        if m and m["field"] == "attained":
            return t("out_not_attained", lang, x=_entity(sweep, "targets", m["id"], lang))
        return t("out_miss", lang, x=output_label(sweep, key, lang))
    if kind == "not_attained":
        return t("out_not_attained", lang, x=_entity(sweep, "targets", key, lang))
    if kind == "attained":
        return t("out_attained", lang, x=_entity(sweep, "targets", key, lang))
    if kind == "exhausted":
        return t("out_exhausted", lang, x=_entity(sweep, "funds", key, lang))
    return output_label(sweep, output, lang)


def is_probability(sweep: SweepStore, output: str) -> bool:
    """Whether an output is a probability (0–1).

    >>> from pathlib import Path
    >>> s = SweepStore(Path("."), {}, {}, pd.DataFrame())
    >>> is_probability(s, "target.T1.attained:p_attained"), is_probability(s, "x:mean")
    (True, False)
    """
    entry = _entry(sweep.manifest.get("outputs"), output)
    if entry and entry.get("kind"):
        return entry.get("kind") == "probability"
    base, stat = _split(output)
    return stat == "p_attained" or base.startswith("p_")


def money_scale(sweep: SweepStore, output: str, values: pd.Series, lang: Lang) -> tuple[float, str]:
    """Divisor and unit for an output's values (``(1, "")`` if it is not money)."""
    entry = _entry(sweep.manifest.get("outputs"), output)
    base, _stat = _split(output)
    field = base.split(":")[0] if ":" in base else base
    per_fen = 0.0
    if (entry or {}).get("kind") == "money_fen" or field.endswith("_fen"):
        per_fen = 1.0
    elif field.endswith("_yuan"):
        per_fen = 100.0
    if not per_fen:
        return 1.0, ""
    top = float(values.abs().max()) * per_fen if len(values) else 0.0
    div, unit = fmt.money_axis(top, lang)
    return div / per_fen, unit


def factor_bounds(sweep: SweepStore, factor: str) -> tuple[float, float]:
    """A numeric factor's swept range: the manifest's ``lo``/``hi``, else the data's."""
    entry = _entry(sweep.manifest.get("factors"), factor) or {}
    col = sweep.points[factor].astype(float) if factor in sweep.points else pd.Series(dtype=float)
    lo = entry.get("lo", col.min() if len(col) else np.nan)
    hi = entry.get("hi", col.max() if len(col) else np.nan)
    return float(lo), float(hi)


def range_text(sweep: SweepStore, factor: str, lang: Lang) -> str:
    if is_categorical(sweep, factor):
        return t("options_join", lang).join(str(o) for o in factor_options(sweep, factor))
    lo, hi = factor_bounds(sweep, factor)
    return f"{fmt.smart_number(lo)}–{fmt.smart_number(hi)}"
