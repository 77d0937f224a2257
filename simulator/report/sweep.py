"""Sweep report: what moves the answers, and where the risky regions are.

Expected sweep store (to be reconciled with ``simulator/sweep``)::

    SWEEP_DIR/
      manifest.json
        {"format": 1, "kind": "sweep",
         "name": "...", "name_en": "...",                 # optional; else scenario name
         "scenario": {"id", "name", "name_en", "hash"},   # the base scenario (optional)
         "method": "sobol" | "morris" | "lhs" | "grid", "points": 64, "reps": 200,
         "seed": 1, "version": "0.1.0", "created": "...",
         "factors": {"<factor>": {"name", "name_en", "lo", "hi", "unit"}},   # all optional
         "outputs": {"<output>": {"name", "name_en", "kind": "probability" | "money_fen" | "value"}}}
      summary.json
        {"sensitivity": [{"output", "factor", "S1", "S1_conf", "ST", "ST_conf"}      # Sobol
                         | {"output", "factor", "mu_star", "sigma", "mu_star_conf"?}],  # Morris
         "boxes": [{"output": "not_attained:<target>" | "attained:<target>" | "exhausted:<fund>" | any,
                    "label": "...", "label_en": "...",          # optional wording of the outcome
                    "factor_ranges": {"<factor>": [lo, hi]}, "coverage": 0.7, "density": 0.9}],
         "heatmap": {"x": "<factor>", "y": "<factor>", "output": "<output>"}   # or a list of them
         "per_point": "points_summary.parquet"}   # optional: a file name, or the rows inline
      points_summary.parquet
        one row per design point: "point" (int), one float column per factor (named as
        the factor), one float column per output (named as the output).

Output names: ``p_attained:<target>``, ``p_exhausted:<fund>`` (probabilities),
``*_fen:<fund>`` (money in fen, e.g. ``drawn_p50_fen:LC-1``); other names are
shown as given unless the manifest names them. A factor or output missing from
the manifest is shown by its id.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from reportlab.lib.units import cm
from reportlab.platypus import Flowable, KeepTogether, PageBreak

from simulator.report import charts, fmt
from simulator.report.fmt import Lang
from simulator.report.i18n import check_lang, display_name, t
from simulator.report.layout import CONTENT_WIDTH, Cell, Column, Layout, write_pdf
from simulator.report.store import SweepStore, open_sweep

MAX_TORNADOS = 6
"""Outputs given a tornado chart, at most."""

TAIL = 0.2
"""Share of design points counted as 'low' or 'high' for a factor in a tornado."""

HEATMAP_BINS = 6
"""Bins per axis when a factor takes more distinct values than that."""


def _entry(block: Any, key: str) -> Mapping[str, Any] | None:
    if isinstance(block, Mapping):
        v = block.get(key)
        return v if isinstance(v, Mapping) else None
    if isinstance(block, list):
        for item in block:
            if isinstance(item, Mapping) and item.get("id") == key:
                return item
    return None


def factor_ids(sweep: SweepStore) -> list[str]:
    """Factor ids: the manifest's, else every non-output, non-``point`` column.

    Returns:
        Factor ids present in the per-point table, in manifest order.
    """
    declared = sweep.manifest.get("factors")
    if isinstance(declared, Mapping):
        ids = list(declared)
    elif isinstance(declared, list):
        ids = [str(f.get("id") if isinstance(f, Mapping) else f) for f in declared]
    else:
        sens = {str(r.get("factor")) for r in sweep.summary.get("sensitivity", [])}
        ids = [c for c in sweep.points.columns if c in sens]
    return [f for f in ids if f in sweep.points.columns]


def output_ids(sweep: SweepStore) -> list[str]:
    """Numeric output columns of the per-point table (not factors, not ``point``)."""
    factors = set(factor_ids(sweep))
    return [
        c
        for c in sweep.points.columns
        if c not in factors and c != "point" and pd.api.types.is_numeric_dtype(sweep.points[c])
    ]


def factor_label(sweep: SweepStore, factor: str, lang: Lang) -> str:
    """Display name of a factor (its id if the manifest does not name it)."""
    return display_name(_entry(sweep.manifest.get("factors"), factor), lang, factor)


def _scenario_entity_name(sweep: SweepStore, kind: str, key: str, lang: Lang) -> str:
    sc = sweep.manifest.get("scenario") or {}
    block = sc.get(kind) if isinstance(sc, Mapping) else None
    return display_name(_entry(block, key), lang, key)


def output_label(sweep: SweepStore, output: str, lang: Lang) -> str:
    """Display name of an output, from the manifest or from its name pattern.

    >>> s = SweepStore(Path("."), {"outputs": {}}, {}, pd.DataFrame())
    >>> output_label(s, "p_attained:TA-T5", "zh"), output_label(s, "p_exhausted:LC-1", "en")
    ('目标「TA-T5」达成概率', 'P(fund LC-1 runs dry)')
    """
    entry = _entry(sweep.manifest.get("outputs"), output)
    if entry:
        return display_name(entry, lang, output)
    kind, _, key = output.partition(":")
    if key:
        if kind == "p_attained":
            return t("out_p_attained", lang, x=_scenario_entity_name(sweep, "targets", key, lang))
        if kind == "p_exhausted":
            return t("out_p_exhausted", lang, x=_scenario_entity_name(sweep, "funds", key, lang))
        if kind.startswith("drawn") and kind.endswith("_fen"):
            return t("out_drawn", lang, x=_scenario_entity_name(sweep, "funds", key, lang))
    return output


def outcome_label(sweep: SweepStore, box: Mapping[str, Any], lang: Lang) -> str:
    """Wording of the outcome a scenario-discovery box is about."""
    own = box.get("label_en" if lang == "en" else "label") or box.get("label")
    if isinstance(own, str) and own.strip():
        return own
    output = str(box.get("output", ""))
    kind, _, key = output.partition(":")
    if kind == "not_attained":
        return t("out_not_attained", lang, x=_scenario_entity_name(sweep, "targets", key, lang))
    if kind == "attained":
        return t("out_attained", lang, x=_scenario_entity_name(sweep, "targets", key, lang))
    if kind == "exhausted":
        return t("out_exhausted", lang, x=_scenario_entity_name(sweep, "funds", key, lang))
    return output_label(sweep, output, lang)


def is_probability(sweep: SweepStore, output: str) -> bool:
    """Whether an output is a probability (0–1)."""
    entry = _entry(sweep.manifest.get("outputs"), output)
    if entry and entry.get("kind"):
        return entry.get("kind") == "probability"
    return output.startswith("p_")


def _money_scale(
    sweep: SweepStore, output: str, values: pd.Series, lang: Lang
) -> tuple[float, str]:
    entry = _entry(sweep.manifest.get("outputs"), output)
    money = (entry or {}).get("kind") == "money_fen" or output.split(":")[0].endswith("_fen")
    if not money:
        return 1.0, ""
    return fmt.money_axis(float(values.abs().max()) if len(values) else 0.0, lang)


def factor_bounds(sweep: SweepStore, factor: str) -> tuple[float, float]:
    """The factor's swept range: the manifest's ``lo``/``hi``, else the data's min/max."""
    entry = _entry(sweep.manifest.get("factors"), factor) or {}
    col = sweep.points[factor].astype(float) if factor in sweep.points else pd.Series(dtype=float)
    lo = entry.get("lo", col.min() if len(col) else np.nan)
    hi = entry.get("hi", col.max() if len(col) else np.nan)
    return float(lo), float(hi)


def tornado_rows(
    sweep: SweepStore, output: str, lang: Lang
) -> tuple[list[tuple[str, float, float]], float]:
    """Mean output at each factor's low and high tail of the design points.

    Args:
        sweep: the sweep store.
        output: output column.
        lang: language of the factor labels.

    Returns:
        ``([(factor label, mean at low, mean at high)], overall mean)``, rows
        sorted by the size of the swing, largest first.
    """
    pts = sweep.points
    y = pts[output].astype(float)
    rows: list[tuple[float, tuple[str, float, float]]] = []
    for f in factor_ids(sweep):
        x = pts[f].astype(float)
        lo_cut, hi_cut = x.quantile(TAIL), x.quantile(1 - TAIL)
        low = float(y[x <= lo_cut].mean())
        high = float(y[x >= hi_cut].mean())
        if np.isfinite(low) and np.isfinite(high):
            rows.append((abs(high - low), (factor_label(sweep, f, lang), low, high)))
    rows.sort(key=lambda r: -r[0])
    return [r[1] for r in rows], float(y.mean())


def heatmap_grid(sweep: SweepStore, x: str, y: str, output: str) -> pd.DataFrame:
    """Mean output over a grid of two factors.

    Factors with at most :data:`HEATMAP_BINS` distinct values keep them;
    others are cut into equal-width bins over their swept range.

    Args:
        sweep: the sweep store.
        x: factor on the horizontal axis.
        y: factor on the vertical axis.
        output: output column.

    Returns:
        Frame of means: index = y labels (low to high), columns = x labels.
    """
    pts = sweep.points

    def binned(f: str) -> tuple[pd.Series, list[str]]:
        v = pts[f].astype(float)
        uniq = sorted(v.dropna().unique())
        if len(uniq) <= HEATMAP_BINS:
            labels = [fmt.smart_number(u) for u in uniq]
            return v.map(dict(zip(uniq, labels, strict=True))), labels
        lo, hi = factor_bounds(sweep, f)
        lo, hi = min(lo, float(v.min())), max(hi, float(v.max()))
        edges = np.linspace(lo, hi, HEATMAP_BINS + 1)
        labels = [
            f"{fmt.smart_number(round(a, 3))}–{fmt.smart_number(round(b, 3))}"
            for a, b in itertools.pairwise(edges)
        ]
        cat = pd.cut(v, edges, labels=labels, include_lowest=True)
        return cat.astype(object), labels

    xb, xl = binned(x)
    yb, yl = binned(y)
    df = pd.DataFrame({"x": xb, "y": yb, "v": pts[output].astype(float)})
    grid = df.groupby(["y", "x"])["v"].mean().unstack("x")
    return grid.reindex(index=yl, columns=xl)


def box_sentence(sweep: SweepStore, box: Mapping[str, Any], lang: Lang) -> str:
    """Describe a scenario-discovery box in one sentence.

    A range that starts at the bottom of the factor's swept range reads
    "below hi", one that ends at the top "above lo", others "between".

    Args:
        sweep: the sweep store.
        box: one entry of the summary's ``boxes``.
        lang: ``"zh"`` or ``"en"``.

    Returns:
        The sentence.
    """
    conds: list[str] = []
    for f, (lo, hi) in dict(box.get("factor_ranges") or {}).items():
        name = factor_label(sweep, f, lang)
        f_lo, f_hi = factor_bounds(sweep, f) if f in sweep.points else (np.nan, np.nan)
        tol = 0.01 * abs(f_hi - f_lo) if np.isfinite(f_hi - f_lo) else 0.0
        at_bottom = np.isfinite(f_lo) and float(lo) <= f_lo + tol
        at_top = np.isfinite(f_hi) and float(hi) >= f_hi - tol
        if at_bottom and not at_top:
            conds.append(t("cond_below", lang, f=name, hi=fmt.smart_number(float(hi))))
        elif at_top and not at_bottom:
            conds.append(t("cond_above", lang, f=name, lo=fmt.smart_number(float(lo))))
        else:
            conds.append(
                t(
                    "cond_between",
                    lang,
                    f=name,
                    lo=fmt.smart_number(float(lo)),
                    hi=fmt.smart_number(float(hi)),
                )
            )
    density = box.get("density")
    coverage = box.get("coverage")
    return t(
        "box_sentence",
        lang,
        conds=t("cond_join", lang).join(conds) or fmt.DASH,
        outcome=outcome_label(sweep, box, lang),
        density=fmt.prob(float(density)) if isinstance(density, int | float) else fmt.DASH,
        coverage=fmt.prob(float(coverage)) if isinstance(coverage, int | float) else fmt.DASH,
    )


def _sweep_name(sweep: SweepStore, lang: Lang) -> str:
    m = sweep.manifest
    if m.get("name") or m.get("name_en"):
        return display_name(m, lang, sweep.path.name)
    sc = m.get("scenario")
    return display_name(sc if isinstance(sc, Mapping) else None, lang, sweep.path.name)


def _cover(lay: Layout, sweep: SweepStore, title: str) -> list[Flowable]:
    lang = lay.lang
    m = sweep.manifest
    raw_sc = m.get("scenario")
    sc: Mapping[str, Any] = raw_sc if isinstance(raw_sc, Mapping) else {}
    pairs: list[tuple[str, Cell]] = [
        (t("report_date", lang), fmt.today(lang)),
        (
            t("scenario_id", lang),
            " · ".join(x for x in (str(sc.get("id") or ""), display_name(sc, lang, "")) if x)
            or fmt.DASH,
        ),
        (t("sweep_method", lang), str(m.get("method") or fmt.DASH)),
        (t("sweep_points", lang), fmt.number(m.get("points") or len(sweep.points))),
        (t("reps_per_point", lang), fmt.number(sweep.reps) if sweep.reps else fmt.DASH),
        (t("seed", lang), str(m.get("seed", fmt.DASH))),
        (t("version", lang), str(m.get("version", fmt.DASH))),
        (t("scenario_hash", lang), str(sc.get("hash") or fmt.DASH)),
        (t("created", lang), str(m.get("created") or fmt.DASH)),
        (t("store_dir", lang), str(sweep.path.resolve())),
    ]
    story: list[Flowable] = [
        lay.spacer(3.0 * cm),
        lay.para(title, "kicker"),
        lay.para(_sweep_name(sweep, lang), "title"),
        lay.spacer(0.6 * cm),
        lay.key_values(pairs),
    ]
    factors = factor_ids(sweep)
    if factors:
        cols = [
            Column(t("col_factor", lang), 6.0 * cm),
            Column(t("col_path", lang), 7.0 * cm),
            Column(t("col_range", lang), CONTENT_WIDTH - 13.0 * cm, True),
        ]
        rows: list[list[Cell]] = []
        for f in factors:
            lo, hi = factor_bounds(sweep, f)
            rows.append(
                [factor_label(sweep, f, lang), f, f"{fmt.smart_number(lo)}–{fmt.smart_number(hi)}"]
            )
        story += [lay.h2(t("factors_heading", lang)), lay.table(cols, rows)]
    return story


def _ordered_outputs(sweep: SweepStore) -> list[str]:
    outputs = output_ids(sweep)
    first: list[str] = []
    heat = sweep.summary.get("heatmap")
    for h in [heat] if isinstance(heat, Mapping) else (heat or []):
        first.append(str(h.get("output")))
    first += [str(r.get("output")) for r in sweep.summary.get("sensitivity", [])]
    ordered = [o for o in dict.fromkeys(first) if o in outputs]
    return ordered + [o for o in outputs if o not in ordered]


def build_sweep_report(sweep_dir: str | Path, out_pdf: str | Path, lang: str = "zh") -> Path:
    """Write the PDF report of a parameter sweep.

    Contents: cover with the factors swept; a tornado chart per output; the
    Sobol or Morris indices; heat maps of an output over two factors; the
    scenario-discovery boxes as sentences.

    Args:
        sweep_dir: the sweep store (layout in this module's docstring).
        out_pdf: the PDF to write (replaced atomically if it exists).
        lang: ``"zh"`` (default) or ``"en"``.

    Returns:
        The path of the PDF.

    Raises:
        StoreError: if the store is missing or malformed.
        ValueError: for an unknown language.
    """
    lg = check_lang(lang)
    sweep = open_sweep(sweep_dir)
    lay = Layout(lg)
    title = t("sweep_title", lg)
    story: list[Flowable] = [*_cover(lay, sweep, title), PageBreak()]
    reps = fmt.number(sweep.reps) if sweep.reps else fmt.DASH

    # tornado charts
    story.append(lay.h1(t("tornado_heading", lg)))
    for output in _ordered_outputs(sweep)[:MAX_TORNADOS]:
        rows, base = tornado_rows(sweep, output, lg)
        if not rows:
            continue
        prob = is_probability(sweep, output)
        div, unit = (1.0, "") if prob else _money_scale(sweep, output, sweep.points[output], lg)
        label = output_label(sweep, output, lg)
        axis_label = f"{label} ({unit})" if unit else label
        png = charts.tornado_chart(
            [(n, lo / div, hi / div) for n, lo, hi in rows],
            base=base / div,
            output_label=axis_label,
            lang=lg,
            percent=prob,
        )
        base_text = (
            fmt.pct(base, 1) if prob else (fmt.money(base, lg) if unit else fmt.smart_number(base))
        )
        story.append(lay.chart(png, t("cap_tornado", lg, base=base_text)))

    # sensitivity indices
    story.append(PageBreak())
    story.append(lay.h1(t("sens_heading", lg)))
    sens = pd.DataFrame(sweep.summary.get("sensitivity", []))
    if sens.empty or "output" not in sens or "factor" not in sens:
        story.append(lay.para(t("no_sensitivity", lg)))
    else:
        sobol = "ST" in sens.columns or "S1" in sens.columns
        for output in dict.fromkeys(sens["output"]):
            sub = sens[sens["output"] == output]
            story.append(lay.h2(output_label(sweep, str(output), lg)))
            if sobol:
                sub = sub.sort_values("ST" if "ST" in sub else "S1", ascending=False)
                cols = [
                    Column(t("col_factor", lg), 9.0 * cm),
                    Column(t("col_s1", lg), 4.0 * cm, True),
                    Column(t("col_st", lg), CONTENT_WIDTH - 13.0 * cm, True),
                ]
                rows_s: list[list[Cell]] = [
                    [
                        factor_label(sweep, str(r["factor"]), lg),
                        _pm(r.get("S1"), r.get("S1_conf")),
                        _pm(r.get("ST"), r.get("ST_conf")),
                    ]
                    for _i, r in sub.iterrows()
                ]
            else:
                sub = sub.sort_values("mu_star", ascending=False) if "mu_star" in sub else sub
                cols = [
                    Column(t("col_factor", lg), 9.0 * cm),
                    Column(t("col_mu_star", lg), 4.0 * cm, True),
                    Column(t("col_sigma", lg), CONTENT_WIDTH - 13.0 * cm, True),
                ]
                rows_s = [
                    [
                        factor_label(sweep, str(r["factor"]), lg),
                        _pm(r.get("mu_star"), r.get("mu_star_conf")),
                        _pm(r.get("sigma"), None),
                    ]
                    for _i, r in sub.iterrows()
                ]
            story.append(lay.table(cols, rows_s))
        story.append(lay.caption(t("cap_sobol" if sobol else "cap_morris", lg)))

    # heat maps
    heat = sweep.summary.get("heatmap")
    heats = [heat] if isinstance(heat, Mapping) else list(heat or [])
    heats = [
        h for h in heats if {h.get("x"), h.get("y"), h.get("output")} <= set(sweep.points.columns)
    ]
    if heats:
        story.append(lay.h1(t("heatmap_heading", lg)))
        for h in heats:
            x, y, output = str(h["x"]), str(h["y"]), str(h["output"])
            grid = heatmap_grid(sweep, x, y, output)
            prob = is_probability(sweep, output)
            div, unit = (1.0, "") if prob else _money_scale(sweep, output, sweep.points[output], lg)
            label = output_label(sweep, output, lg)
            png = charts.heatmap_chart(
                grid / div,
                x_label=factor_label(sweep, x, lg),
                y_label=factor_label(sweep, y, lg),
                output_label=f"{label} ({unit})" if unit else label,
                lang=lg,
                percent=prob,
            )
            story.append(lay.chart(png, t("cap_heatmap", lg, reps=reps)))

    # scenario discovery
    boxes = [b for b in sweep.summary.get("boxes", []) if isinstance(b, Mapping)]
    block: list[Flowable] = [lay.h1(t("boxes_heading", lg))]
    if not boxes:
        block.append(lay.para(t("no_boxes", lg)))
    else:
        block += [lay.bullet(box_sentence(sweep, b, lg)) for b in boxes]
        block.append(lay.caption(t("cap_boxes", lg)))
    # short blocks move to the next page whole; long lists still split
    story.append(KeepTogether(block))
    name = _sweep_name(sweep, lg)
    return write_pdf(
        story, out_pdf, layout=lay, title=f"{title} · {name}", header_left=name, header_right=title
    )


def _pm(value: Any, conf: Any) -> str:
    """``0.62 ± 0.05`` (or just the value)."""
    if not isinstance(value, int | float) or not np.isfinite(value):
        return fmt.DASH
    text = f"{value:.2f}"
    if isinstance(conf, int | float) and np.isfinite(conf):
        text += f" ± {conf:.2f}"
    return text
