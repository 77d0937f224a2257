"""The report's uncertainty section: what the bands include, the variance split, and a tornado per main target.

One call from the report's assembly (:func:`uncertainty_section`) returns the
flowables.  The split comes from ``summary.json`` (``variance_share``); the
tornado ranks the drawn parameters by the Spearman correlation of each with
the group means of a target's value at its deadline
(:func:`simulator.uncertainty.variance.rank_correlations`), read from the
store's ``parameters`` and ``targets`` tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from reportlab.platypus import Flowable

from simulator.i18n import Lang, t
from simulator.report.charts import wrap
from simulator.report.fmt import DASH
from simulator.report.fonts import mpl_cjk_context
from simulator.report.layout import CONTENT_WIDTH, Column, Layout
from simulator.report.store import RunStore
from simulator.uncertainty.variance import rank_correlations

MAIN_TARGETS = 4
"""Tornado charts drawn: the targets whose parameters' share is largest."""
TOP_PARAMETERS = 8
"""Bars per tornado chart."""


def bands_text(manifest: Mapping[str, Any], lang: Lang) -> str:
    """One sentence saying what the report's bands include (parameters, common yearly shocks, chance; or chance only)."""
    u = manifest.get("uncertainty")
    if not isinstance(u, Mapping) or u.get("fixed_params", True):
        return t("unc_bands_fixed", lang)
    post = u.get("posterior")
    k = len(post.get("paths") or []) if isinstance(post, Mapping) else 0
    source = t("unc_from_posterior", lang, k=k) if k else t("unc_from_priors", lang)
    n = len(u.get("parameters") or []) + k
    return t("unc_bands_drawn", lang, n=n, source=source, group=u.get("group_size", "?"))


def target_correlations(store: RunStore, group_size: int) -> dict[str, dict[str, float]]:
    """``{target: {parameter: Spearman rho}}`` across groups (empty without draws)."""
    params = store.read("parameters", ["group", "name", "value"])
    if params.empty:
        return {}
    wide = params.drop_duplicates(["group", "name"]).pivot(index="group", columns="name", values="value")
    drawn = {str(c): wide[c].to_numpy(dtype=float) for c in wide.columns if not str(c).startswith("posterior.row")}
    values = store.read("targets", ["rep", "target", "value"])
    out: dict[str, dict[str, float]] = {}
    for tid, rows in values.groupby("target", observed=True):
        means = pd.Series(rows["value"].to_numpy(dtype=float)).groupby(rows["rep"].to_numpy() // group_size).mean()
        out[str(tid)] = rank_correlations(drawn, means.reindex(wide.index).to_numpy())
    return out


def tornado_png(rows: Sequence[tuple[str, float]], title: str, axis: str) -> bytes:
    """A horizontal bar per parameter (its rank correlation), the largest on top."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with mpl_cjk_context():
        fig = Figure(figsize=(7.2, 0.9 + 0.36 * max(len(rows), 1)), dpi=150)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        y = np.arange(len(rows))[::-1]
        rho = np.array([r[1] for r in rows], dtype=float)
        ax.barh(y, rho, color=["#1f5fa8" if r >= 0 else "#b5542b" for r in rho], height=0.6)
        ax.axvline(0.0, color="#222222", linewidth=0.8)
        ax.set_xlim(-1.0, 1.0)
        ax.set_yticks(y, [r[0] for r in rows], fontsize=7)
        ax.set_xlabel(axis, fontsize=8)
        ax.set_title(wrap(title, 78), fontsize=10, loc="left")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        return buf.getvalue()


def uncertainty_section(lay: Layout, store: RunStore) -> list[Flowable]:
    """The section: what the bands include, each target's variance split, tornado charts for the main targets."""
    lang = lay.lang
    story: list[Flowable] = [lay.h1(t("unc_heading", lang)), lay.para(bands_text(store.manifest, lang))]
    u = store.manifest.get("uncertainty")
    targets = store.summary.get("targets") or {}
    shares = {tid: e["variance_share"] for tid, e in targets.items()
              if isinstance(e, Mapping) and isinstance(e.get("variance_share"), Mapping)}
    if not isinstance(u, Mapping) or u.get("fixed_params", True) or not shares:
        return story
    cols = [Column(t("unc_col_target", lang), CONTENT_WIDTH * 0.6), Column(t("unc_col_params", lang), CONTENT_WIDTH * 0.2, True),
            Column(t("unc_col_chance", lang), CONTENT_WIDTH * 0.2, True)]
    inputs = {tid for tid, e in targets.items() if isinstance(e, Mapping) and e.get("set_by") == "input"}
    rows = [[_target_label(store, tid, lang), *((DASH, DASH) if tid in inputs else
                                                 (f"{s['parameters']:.0%}", f"{s['chance']:.0%}"))]
            for tid, s in shares.items()]
    story += [lay.table(cols, rows), lay.caption(t("unc_cap_split", lang)), lay.spacer(6)]
    size = int(u.get("group_size") or 1)
    rho = target_correlations(store, size)
    groups = -(-int(store.manifest.get("reps", 0)) // size)
    main = sorted((tid for tid in shares if tid not in inputs), key=lambda tid: -shares[tid]["parameters"])[:MAIN_TARGETS]
    for tid in main:
        top = [(parameter_label(store, name, lang), r) for name, r in
               sorted(rho.get(tid, {}).items(), key=lambda kv: -abs(kv[1]))[:TOP_PARAMETERS]]
        if not top:
            continue
        png = tornado_png(top, t("unc_tornado_title", lang, target=_target_label(store, tid, lang)),
                          t("unc_tornado_axis", lang))
        story.append(lay.chart(png, t("unc_cap_tornado", lang, groups=groups)))
    return story


def parameter_label(store: RunStore, name: str, lang: Lang) -> str:
    """A drawn quantity as the reader knows it: its params description, or a city's yearly shock (else the name).

    The descriptions come from the manifest's ``parameter_labels`` (``中文 (English)``).
    """
    if name.startswith("year_factor.") and name.count(".") == 2:
        _, city, year = name.split(".")
        jur = store.jurisdictions.get(city) or {}
        shown = (jur.get("name_en") if lang == "en" else None) or jur.get("name") or city
        return f"{shown}{year}年共同冲击" if lang == "zh" else f"{shown}: common shock {year}"
    labels = store.manifest.get("parameter_labels")
    text = labels.get(name) if isinstance(labels, Mapping) else None
    if not isinstance(text, str) or not text.strip():
        return name
    zh, sep, en = text.strip().partition(" (")
    label = en.removesuffix(")").strip() if lang == "en" and sep else zh.strip()
    return f"{label}（后验）" if lang == "zh" and name.startswith("posterior:") else (
        f"{label} (posterior)" if name.startswith("posterior:") else label)


def _target_label(store: RunStore, tid: str, lang: Lang) -> str:
    entry = store.targets.get(tid) or {}
    name = entry.get("name_en") if lang == "en" and entry.get("name_en") else entry.get("name")
    return f"{tid} {name}" if name else tid
