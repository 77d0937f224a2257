"""Names in a sweep report: which columns are factors and outputs, and how each is worded.

Output names are worded from their pattern (see :mod:`simulator.report.sweep`)
unless the manifest names them. Factors are named by the manifest when it
names them, else from the swept scenario (:func:`sweep_context`): a factor
that refers to a parameter takes the parameter's own description from
``params/``, a program's or a fund's key path is named after the program or
fund; the path itself is shown next to the name in small type. Targets and
funds take their names from the scenario likewise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.i18n import Msg
from simulator.report import fmt
from simulator.report.fmt import Lang
from simulator.report.i18n import display_name, t
from simulator.report.store import SweepStore

__all__ = [
    "SWEEP_TEXT",
    "factor_bounds",
    "factor_ids",
    "factor_label",
    "factor_options",
    "factor_path",
    "is_categorical",
    "is_probability",
    "money_scale",
    "outcome_label",
    "output_ids",
    "output_kind",
    "output_label",
    "range_text",
    "sweep_context",
]

SWEEP_TEXT: dict[str, Msg] = {
    "no_indices": Msg(
        "（拉丁超立方等设计不计算 Sobol 或 Morris 指数，各因素的影响见上方龙卷风图。）",
        " (A Latin hypercube or grid design gives no Sobol or Morris indices; the tornado charts above "
        "show each factor's effect.)",
    ),
    "spec_file": Msg("扫描规格文件", "Sweep spec file"),
    "other_params": Msg("非扫描因素的行为参数", "Behaviour parameters that are not factors"),
    "other_drawn": Msg("按先验抽取：每组重复模拟一个参数向量，各设计点相同（fixed_params: false）",
                       "drawn from their priors: one vector per replication group, the same at every point "
                       "(fixed_params: false)"),
    "other_fixed": Msg("固定在中心值（fixed_params: true）", "held at their central values (fixed_params: true)"),
    "findings_heading": Msg("主要发现", "Main findings"),
    "cap_findings": Msg(
        "每条为一个目标的达成概率或一项资金的出现缺口概率，及对它影响最大的因素；方向与数字均取自设计点上的平均值（同龙卷风图）。",
        "One line per target's probability of being attained or fund's probability of running short, "
        "with the factor that moves it most; the direction and the figures are the design points' "
        "means (as in the tornado charts).",
    ),
    "cap_factors": Msg(
        "各因素在扫描中的取值范围（下限–上限）；名称下的小字为其在情景文件中的键路径。",
        "The range each factor takes in the sweep (low–high); the small type under a name is its "
        "key path in the scenario.",
    ),
    "constant": Msg(
        "在所有设计点上都不变、未画龙卷风图的输出：{outputs}（各为 {values}）。",
        "Outputs that are the same at every design point and get no tornado chart: {outputs} "
        "({values} respectively).",
    ),
    "cap_colours": Msg(
        "红色表示不利：目标达成概率低、资金出现缺口概率高；拨付金额用蓝色深浅表示多少，不分好坏。",
        " Red is bad: a low probability of attaining a target, a high probability of a fund running "
        "dry; amounts drawn are shaded blue by size, neither good nor bad.",
    ),
}
"""The sweep report's own sentences and labels, in both languages."""

_NOT_DRY = Msg("资金「{x}」不出现缺口", "fund {x} not running short")
_STATS = ("p_attained", "mean", "p5", "p50", "p95")
_TARGET_RE = re.compile(r"^target\.(?P<id>.+)\.(?P<field>attained|value)$")
_FUND_RE = re.compile(r"^fund\.(?P<id>.+)\.(?P<field>[A-Za-z0-9_]+)$")


@dataclass(frozen=True)
class SweepContext:
    """What the swept scenario tells about the names of a sweep's factors and outputs.

    Attributes:
        scenario: the scenario's own block (``id``, ``name``, ``name_en``), empty if unknown.
        entities: ``{"targets" | "funds" | "programs": {id: {"name", "name_en"}}}``.
        factors: ``{factor path: {"name", "name_en"}}`` for the factors it can name.
    """

    scenario: dict[str, str] = field(default_factory=dict)
    entities: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    factors: dict[str, dict[str, str]] = field(default_factory=dict)


_CONTEXTS: dict[Path, SweepContext] = {}

_FIELD_NAMES: dict[str, Msg] = {
    "amount": Msg("补助金额（每项）", "award amount (each)"),
    "cap": Msg("上限", "cap"),
    "rate": Msg("标准", "rate"),
    "share": Msg("比例", "share"),
    "ratio": Msg("配套比例", "matching ratio"),
    "quota": Msg("年度名额", "yearly quota"),
}

_DESCRIPTION = re.compile(r"^(?P<zh>.*?)\s*\((?P<en>[^()]*)\)(?:,\s*\w+)?\s*$")
_PARAMS_SOURCE = re.compile(r"^params:\s*(?P<file>[^#]+)#(?P<key>\S+)")


def _scenario_file(sweep: SweepStore) -> Path | None:
    sc = sweep.manifest.get("scenario")
    given = sc.get("file") if isinstance(sc, Mapping) else None
    if isinstance(given, str) and Path(given).is_file():
        return Path(given)
    spec = sweep.manifest.get("spec")
    spec_file = sweep.manifest.get("spec_file")
    rel = spec.get("scenario") if isinstance(spec, Mapping) else None
    if isinstance(rel, str) and isinstance(spec_file, str):
        candidate = Path(spec_file).parent / rel
        if candidate.is_file():
            return candidate
    return None


def _names(entry: Any) -> dict[str, str]:
    name = getattr(entry, "name", None)
    name_en = getattr(entry, "name_en", None)
    out = {"name": name} if isinstance(name, str) and name else {}
    if isinstance(name_en, str) and name_en:
        out["name_en"] = name_en
    return out


def _factor_name(loaded: Any, path: str) -> dict[str, str] | None:
    """A factor's name: its parameter's description, or its program's or fund's name."""
    prov = loaded.provenance.get(path)
    m = _PARAMS_SOURCE.match(prov.source) if prov is not None and prov.kind == "params" else None
    if m:
        param = loaded.params.get(f"{Path(m['file'].strip()).stem}.{m['key']}")
        text = str(getattr(param, "description", "") or "").strip()
        if text:
            d = _DESCRIPTION.match(text)
            if d:
                return {"name": d["zh"], "name_en": d["en"]}
            tail = " ".join(m["key"].split(".")[-2:]).replace("_", " ")
            return {"name": text, "name_en": tail}
    parts = path.split(".")
    sc = loaded.scenario
    if len(parts) > 2 and parts[0] == "programs" and parts[1] in sc.programs:
        what = _FIELD_NAMES.get(parts[-1], Msg(parts[-1], parts[-1]))
        return {"name": f"{parts[1]} {what('zh')}", "name_en": f"{parts[1]} {what('en')}"}
    if (
        len(parts) == 4
        and parts[0] == "funds"
        and parts[2] == "appropriations"
        and parts[1] in sc.funds
    ):
        names = _names(sc.funds[parts[1]])
        zh = f"{names.get('name', parts[1])}：{parts[3]}年拨款"
        en = f"{names.get('name_en', names.get('name', parts[1]))}: appropriation {parts[3]}"
        return {"name": zh, "name_en": en}
    return None


def sweep_context(sweep: SweepStore) -> SweepContext:
    """Names from the swept scenario (loaded once per store; empty if it cannot be loaded).

    Args:
        sweep: the sweep store; its manifest names the scenario file (``scenario.file``,
            else the spec's ``scenario`` next to ``spec_file``).

    Returns:
        The scenario's names, its targets', funds' and programs' names, and a
        name for each factor it can name.
    """
    key = sweep.path.resolve()
    if key in _CONTEXTS:
        return _CONTEXTS[key]
    path = _scenario_file(sweep)
    context = SweepContext()
    if path is not None:
        from simulator.loader import load_scenario

        try:
            loaded = load_scenario(path)
        except Exception:  # a scenario changed or removed since the sweep: names stay ids
            loaded = None
        if loaded is not None:
            sc = loaded.scenario
            own = {"id": str(sc.scenario.id or ""), **_names(sc.scenario)}
            entities = {
                kind: {str(k): _names(v) for k, v in getattr(sc, kind).items()}
                for kind in ("targets", "funds", "programs")
            }
            factors: dict[str, dict[str, str]] = {}
            for f in _design_factors(sweep):
                fpath = str(f.get("path"))
                named = _factor_name(loaded, fpath)
                if named:
                    factors[fpath] = named
            context = SweepContext(own, entities, factors)
    _CONTEXTS[key] = context
    return context


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
    """Display name of a factor: the manifest's, else the scenario's (:func:`sweep_context`), else its path."""
    own = _entry(sweep.manifest.get("factors"), factor)
    if own and (own.get("name") or own.get("name_en")):
        return display_name(own, lang, factor)
    return display_name(sweep_context(sweep).factors.get(factor), lang, factor)


def factor_path(sweep: SweepStore, factor: str, lang: Lang) -> str:
    """The factor's key path when its label is a name (shown in small type), else empty."""
    return factor if factor_label(sweep, factor, lang) != factor else ""


def _entity(sweep: SweepStore, kind: str, key: str, lang: Lang) -> str:
    sc = sweep.manifest.get("scenario") or {}
    block = sc.get(kind) if isinstance(sc, Mapping) else None
    own = _entry(block, key)
    if own is None:
        own = sweep_context(sweep).entities.get(kind, {}).get(key)
    return display_name(own, lang, key)


def output_kind(output: str) -> str:
    """What an output measures: ``target`` (P(attained)), ``dry`` (P(fund runs dry)), ``money`` or ``other``.

    >>> output_kind("target.T1.attained:p_attained"), output_kind("fund.F.exhausted:p_attained")
    ('target', 'dry')
    >>> output_kind("p_exhausted:F"), output_kind("fund.F.drawn_yuan:mean"), output_kind("x")
    ('dry', 'money', 'other')
    """
    base, _stat = _split(output)
    m = _TARGET_RE.match(base)
    if (m and m["field"] == "attained") or base.startswith("p_attained:"):
        return "target"
    m = _FUND_RE.match(base)
    if (m and m["field"] == "exhausted") or base.startswith("p_exhausted:"):
        return "dry"
    if (m and m["field"].startswith("drawn")) or base.startswith("drawn"):
        return "money"
    return "other"


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
    ('目标「TA-T5」达成概率', 'P(fund LC-1 runs short)')
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
        if m["field"] == "exhausted":
            return t("out_p_exhausted", lang, x=name)
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
        f = _FUND_RE.match(key)
        if f and f["field"] == "exhausted":  # a fund's "miss" is that it does not run dry
            return _NOT_DRY.format(x=_entity(sweep, "funds", f["id"], lang))(lang)
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
    """A numeric factor's swept range: the manifest's ``lo``/``hi``, the spec's ``range``, else the data's."""
    entry = dict(_entry(sweep.manifest.get("factors"), factor) or {})
    spec = sweep.manifest.get("spec")
    spec_factors = spec.get("factors") if isinstance(spec, Mapping) else None
    declared = _entry(spec_factors, factor) if isinstance(spec_factors, Mapping) else None
    rng = declared.get("range") if declared else None
    if isinstance(rng, list) and len(rng) == 2 and all(isinstance(v, int | float) for v in rng):
        entry.setdefault("lo", rng[0])
        entry.setdefault("hi", rng[1])
    col = sweep.points[factor].astype(float) if factor in sweep.points else pd.Series(dtype=float)
    lo = entry.get("lo", col.min() if len(col) else np.nan)
    hi = entry.get("hi", col.max() if len(col) else np.nan)
    return float(lo), float(hi)


def range_text(sweep: SweepStore, factor: str, lang: Lang) -> str:
    if is_categorical(sweep, factor):
        return t("options_join", lang).join(str(o) for o in factor_options(sweep, factor))
    lo, hi = factor_bounds(sweep, factor)
    return f"{fmt.smart_number(lo)}–{fmt.smart_number(hi)}"
