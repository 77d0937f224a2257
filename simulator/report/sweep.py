"""Sweep report: what moves the answers, and where the risky regions are.

The report reads a sweep store's ``manifest.json``, ``summary.json`` and
``points_summary.parquet`` (see :func:`simulator.report.store.open_sweep`).
Two layouts of ``summary.json`` are understood.

1. The layout ``fiscalsim sweep-summary`` writes (``simulator.sweep.analysis``)::

       {"kind": "sweep-summary", "design": "saltelli", "replications": 100,
        "outputs": {"target.T1.attained": {"type": "bool", "stat": "p_attained"},
                    "fund.F1.drawn_yuan": {"type": "numeric", "stat": "mean"}},
        "sobol": [{"output", "factor", "S1", "S1_conf", "ST", "ST_conf"}] | null,
        "morris": [{"output", "factor", "mu", "mu_star", "sigma", "mu_star_conf"}] | null,
        "prim": {"<bool output>": [{"limits": {"<factor>": {"lo", "hi"} | {"options": [...]}},
                                     "support", "coverage", "density", "n_points"}]},
        "heatmap": {"<stat column>": {"x", "y", "stat", "x_levels", "y_levels", "values"}} | null,
        "notes": ["..."]}

   with the manifest's factors in ``design.factors`` (``path``, ``kind``,
   ``options``) and per-point columns ``<output>:p_attained`` or
   ``<output>:mean`` (plus ``:p5/:p50/:p95``). PRIM boxes describe where a
   yes/no output is *missed* (the report words them so).

2. The report's own layout, for other producers::

       manifest.json: {"kind": "sweep", "name", "name_en", "method", "points", "reps",
                       "factors": {"<factor>": {"name", "name_en", "lo", "hi"}},
                       "outputs": {"<output>": {"name", "name_en",
                                                "kind": "probability" | "money_fen" | "value"}}}
       summary.json:  {"sensitivity": [{"output", "factor", "S1", "S1_conf", "ST", "ST_conf"}
                                       | {"output", "factor", "mu_star", "sigma"}],
                       "boxes": [{"output": "not_attained:<target>" | "attained:<target>"
                                            | "exhausted:<fund>" | "miss:<output>",
                                  "label", "label_en",            # optional wording
                                  "factor_ranges": {"<factor>": [lo, hi]},   # null = open side
                                  "factor_options": {"<factor>": [...]},     # optional
                                  "coverage", "density"}],
                       "heatmap": {"x", "y", "output"} | [...],
                       "per_point": "points_summary.parquet" | [rows]}
       points_summary.parquet: "point", one column per factor, one per output.

Output names are worded from their pattern: ``target.<id>.attained`` and
``p_attained:<id>`` are probabilities of attaining a target,
``fund.<id>.drawn_yuan`` / ``*_fen:<id>`` are money, ``p_exhausted:<id>`` the
probability that a fund runs dry; anything else prints as given unless the
manifest names it.
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
from simulator.report.layout import CONTENT_WIDTH, Cell, Column, Layout, esc, write_pdf
from simulator.report.store import SweepStore, open_sweep
from simulator.report.sweep_findings import TAIL, effects, findings, headline_outputs
from simulator.report.sweep_labels import SWEEP_TEXT as TEXT
from simulator.report.sweep_labels import (
    factor_bounds,
    factor_ids,
    factor_label,
    factor_options,
    factor_path,
    is_categorical,
    is_probability,
    money_scale,
    outcome_label,
    output_ids,
    output_kind,
    output_label,
    range_text,
    sweep_context,
)

__all__ = [
    "TAIL",
    "box_sentence",
    "build_sweep_report",
    "factor_bounds",
    "factor_ids",
    "factor_label",
    "factor_options",
    "heatmap_grid",
    "is_categorical",
    "is_probability",
    "outcome_label",
    "output_ids",
    "output_label",
    "stored_grid",
    "tornado_rows",
]

MAX_TORNADOS = 12
"""Outputs given a tornado chart, at most (every target's probability always gets one)."""

MAX_HEATMAPS = 4
"""Heat maps drawn, at most (targets first, then funds running dry); every target gets one."""

HEATMAP_COLOURS: dict[str, str] = {"target": "RdYlGn", "dry": "RdYlGn_r"}
"""Colour map per output kind, red where the answer is bad: a target missed, a fund run dry.
Other outputs (money drawn) are neither good nor bad and use :data:`NEUTRAL_COLOURS`."""

NEUTRAL_COLOURS = "Blues"

HEATMAP_BINS = 6
"""Bins per axis when a numeric factor takes more distinct values than that."""


# --------------------------------------------------------------------------- computations


def tornado_rows(
    sweep: SweepStore, output: str, lang: Lang
) -> tuple[list[tuple[str, float, float]], float]:
    """Mean output at each factor's low and high end of the design points.

    A numeric factor's ends are its lowest and highest :data:`TAIL` share of
    points; a categorical factor's are its options with the lowest and the
    highest mean output (named in the label). See
    :func:`simulator.report.sweep_findings.effects`.

    Args:
        sweep: the sweep store.
        output: output column.
        lang: language of the factor labels.

    Returns:
        ``([(factor label, mean at low, mean at high)], overall mean)``, rows
        sorted by the size of the swing, largest first.
    """
    rows: list[tuple[str, float, float]] = []
    for e in effects(sweep, output):
        label = factor_label(sweep, e.factor, lang)
        if e.low_option is not None:
            label = f"{label} ({e.low_option} → {e.high_option})"
        rows.append((label, e.low, e.high))
    return rows, float(sweep.points[output].astype(float).mean())


def heatmap_grid(sweep: SweepStore, x: str, y: str, output: str) -> pd.DataFrame:
    """Mean output over a grid of two factors.

    Categorical factors and numeric factors with at most
    :data:`HEATMAP_BINS` distinct values keep their values; other numeric
    factors are cut into equal-width bins over their swept range.

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
        if is_categorical(sweep, f):
            opts = [str(o) for o in factor_options(sweep, f)]
            return pts[f].astype(str), opts
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


def stored_grid(grid: Mapping[str, Any]) -> pd.DataFrame:
    """A heat-map grid as stored by ``sweep-summary`` (levels and values) as a frame.

    >>> g = stored_grid({"x_levels": [1.0, 2.5], "y_levels": ["a"], "values": [[0.5, None]]})
    >>> list(g.columns), list(g.index), g.iloc[0, 0], bool(np.isnan(g.iloc[0, 1]))
    (['1', '2.5'], ['a'], np.float64(0.5), True)
    """
    xs = [fmt.smart_number(v) if isinstance(v, int | float) else str(v) for v in grid["x_levels"]]
    ys = [fmt.smart_number(v) if isinstance(v, int | float) else str(v) for v in grid["y_levels"]]
    values = [[np.nan if v is None else float(v) for v in row] for row in grid["values"]]
    return pd.DataFrame(values, index=ys, columns=xs, dtype=float)


def box_sentence(sweep: SweepStore, box: Mapping[str, Any], lang: Lang) -> str:
    """Describe a scenario-discovery box in one sentence.

    A range open at the bottom (``null``) or starting at the bottom of the
    factor's swept range reads "below hi", one open or ending at the top
    "above lo", others "between"; options read "is a or b".

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
        numeric = f in sweep.points and not is_categorical(sweep, f)
        f_lo, f_hi = factor_bounds(sweep, f) if numeric else (np.nan, np.nan)
        tol = 0.01 * abs(f_hi - f_lo) if np.isfinite(f_hi - f_lo) else 0.0
        at_bottom = lo is None or (np.isfinite(f_lo) and float(lo) <= f_lo + tol)
        at_top = hi is None or (np.isfinite(f_hi) and float(hi) >= f_hi - tol)
        if at_bottom and not at_top:
            conds.append(t("cond_below", lang, f=name, hi=fmt.smart_number(float(hi))))
        elif at_top and not at_bottom:
            conds.append(t("cond_above", lang, f=name, lo=fmt.smart_number(float(lo))))
        elif lo is not None and hi is not None:
            conds.append(
                t(
                    "cond_between",
                    lang,
                    f=name,
                    lo=fmt.smart_number(float(lo)),
                    hi=fmt.smart_number(float(hi)),
                )
            )
    for f, options in dict(box.get("factor_options") or {}).items():
        opts = t("options_join", lang).join(str(o) for o in options)
        conds.append(t("cond_options", lang, f=factor_label(sweep, f, lang), opts=opts))
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


# --------------------------------------------------------------------------- report


def _other_params(m: Mapping[str, Any], lang: Lang) -> str:
    """Whether the behaviour parameters that are not factors were drawn or held fixed (the spec's ``fixed_params``)."""
    spec = m.get("spec")
    fixed = spec.get("fixed_params") if isinstance(spec, Mapping) else None
    if not isinstance(fixed, bool):
        return fmt.DASH
    return TEXT["other_fixed" if fixed else "other_drawn"](lang)


def _sweep_name(sweep: SweepStore, lang: Lang) -> str:
    """The manifest's name, else the swept scenario's, else the spec file's or the folder's name."""
    m = sweep.manifest
    if m.get("name") or m.get("name_en"):
        return display_name(m, lang, sweep.path.name)
    own = sweep_context(sweep).scenario
    if own.get("name"):
        return display_name(own, lang, sweep.path.name)
    spec_file = m.get("spec_file")
    fallback = Path(spec_file).stem if isinstance(spec_file, str) else sweep.path.name
    sc = m.get("scenario")
    named = sc if isinstance(sc, Mapping) and "/" not in str(sc.get("name", "")) else None
    return display_name(named, lang, fallback)


def _cover(lay: Layout, sweep: SweepStore, title: str) -> list[Flowable]:
    lang = lay.lang
    m = sweep.manifest
    raw_sc = m.get("scenario")
    sc: Mapping[str, Any] = raw_sc if isinstance(raw_sc, Mapping) else {}
    raw_design = m.get("design")
    design: Mapping[str, Any] = raw_design if isinstance(raw_design, Mapping) else {}
    method = m.get("method") or design.get("kind")
    points = m.get("points") or design.get("n_points") or len(sweep.points)
    own = sweep_context(sweep).scenario or {
        k: str(v) for k, v in sc.items() if k in ("id", "name", "name_en") and "/" not in str(v)
    }
    scenario = " · ".join(x for x in (str(own.get("id") or ""), display_name(own, lang, "")) if x)
    spec_file = m.get("spec_file")
    pairs: list[tuple[str, Cell]] = [
        (t("report_date", lang), fmt.today(lang)),
        (t("scenario_id", lang), scenario or fmt.DASH),
        (t("sweep_method", lang), str(method or fmt.DASH)),
        (t("sweep_points", lang), f"{fmt.number(len(sweep.points))} / {fmt.number(points)}"),
        (t("reps_per_point", lang), fmt.number(sweep.reps) if sweep.reps else fmt.DASH),
        (t("seed", lang), str(m.get("seed", fmt.DASH))),
        (t("version", lang), str(m.get("version", fmt.DASH))),
        (t("scenario_hash", lang), str(sc.get("hash") or m.get("spec_hash") or fmt.DASH)),
        (TEXT["spec_file"](lang), str(spec_file) if isinstance(spec_file, str) else fmt.DASH),
        (TEXT["other_params"](lang), _other_params(m, lang)),
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
            Column(t("col_factor", lang), 12.0 * cm),
            Column(t("col_range", lang), CONTENT_WIDTH - 12.0 * cm, True),
        ]
        rows: list[list[Cell]] = [
            [_factor_cell(lay, sweep, f), range_text(sweep, f, lang)] for f in factors
        ]
        story += [
            lay.h2(t("factors_heading", lang)),
            lay.table(cols, rows),
            lay.caption(TEXT["cap_factors"](lang)),
        ]
    found = findings(sweep, lang)
    if found:
        story.append(lay.h2(TEXT["findings_heading"](lang)))
        story += [lay.bullet(sentence) for _o, _e, sentence in found]
        story.append(lay.caption(TEXT["cap_findings"](lang)))
    return story


def _factor_cell(lay: Layout, sweep: SweepStore, factor: str) -> Flowable:
    """A factor's name with its key path under it in small type."""
    name = esc(factor_label(sweep, factor, lay.lang))
    path = factor_path(sweep, factor, lay.lang)
    if path:
        name += f'<br/><font size="7" color="#5b6570">{esc(path)}</font>'
    return lay.markup(name, "cell")


_KIND_ORDER = {"target": 0, "dry": 1, "money": 2, "other": 3}


def _rank(output: str) -> int:
    """Targets first, then funds running dry, then money, then the rest."""
    return _KIND_ORDER[output_kind(output)]


def _scaled(sweep: SweepStore, output: str, lang: Lang) -> tuple[bool, float, str, str]:
    """``(is probability, divisor, unit, label with unit)`` of an output."""
    prob = is_probability(sweep, output)
    values = sweep.points[output] if output in sweep.points else pd.Series(dtype=float)
    div, unit = (1.0, "") if prob else money_scale(sweep, output, values, lang)
    label = output_label(sweep, output, lang)
    return prob, div, unit, (f"{label} ({unit})" if unit else label)


def _tornado_outputs(sweep: SweepStore) -> tuple[list[str], list[str]]:
    """Outputs given a tornado chart (every target first), and the constant ones left out."""
    moving, constant = headline_outputs(sweep)
    if not moving:  # a sweep of other outputs: its probabilities, then the rest
        moving = sorted((o for o in output_ids(sweep) if o not in constant), key=_rank)
    targets = [o for o in moving if output_kind(o) == "target"]
    rest = [o for o in moving if o not in targets]
    return targets + rest[: max(MAX_TORNADOS - len(targets), 0)], constant


def _tornado_section(lay: Layout, sweep: SweepStore) -> list[Flowable]:
    lg = lay.lang
    story: list[Flowable] = [lay.h1(t("tornado_heading", lg))]
    categorical = any(is_categorical(sweep, f) for f in factor_ids(sweep))
    shown, constant = _tornado_outputs(sweep)
    for output in shown:
        rows, base = tornado_rows(sweep, output, lg)
        if not rows:
            continue
        prob, div, unit, label = _scaled(sweep, output, lg)
        png = charts.tornado_chart(
            [(n, lo / div, hi / div) for n, lo, hi in rows],
            base=base / div,
            output_label=label,
            lang=lg,
            percent=prob,
        )
        if prob:
            base_text = fmt.pct(base, 1)
        elif unit:
            base_text = f"{fmt.number(base / div, 2)} {unit}"
        else:
            base_text = fmt.smart_number(base)
        caption = t("cap_tornado", lg, base=base_text)
        if categorical:
            caption += t("cap_tornado_cat", lg)
        story.append(lay.chart(png, caption))
    if constant:
        values = [fmt.pct(float(sweep.points[o].astype(float).iloc[0])) for o in constant]
        labels = [output_label(sweep, o, lg) for o in constant]
        story.append(
            lay.para(
                TEXT["constant"].format(
                    outputs="、".join(labels) if lg == "zh" else "; ".join(labels),
                    values=", ".join(values),
                )(lg),
                "note",
            )
        )
    return story


def _sensitivity_section(lay: Layout, sweep: SweepStore) -> list[Flowable]:
    """The Sobol or Morris indices; for a design without them, one note line (no section)."""
    lg = lay.lang
    sens = pd.DataFrame(sweep.summary.get("sensitivity", []))
    if sens.empty or "output" not in sens or "factor" not in sens:
        return [lay.para(t("no_sensitivity", lg) + TEXT["no_indices"](lg), "note")]
    story: list[Flowable] = [PageBreak(), lay.h1(t("sens_heading", lg))]
    sens = sens.assign(_rank=[_rank(str(o)) for o in sens["output"]]).sort_values(
        "_rank", kind="stable"
    )
    sobol = "ST" in sens.columns or "S1" in sens.columns
    for output in dict.fromkeys(sens["output"]):
        sub = sens[sens["output"] == output]
        if sobol:
            sub = sub.sort_values("ST" if "ST" in sub else "S1", ascending=False)
            cols = [
                Column(t("col_factor", lg), 9.0 * cm),
                Column(t("col_s1", lg), 4.0 * cm, True),
                Column(t("col_st", lg), CONTENT_WIDTH - 13.0 * cm, True),
            ]
            rows: list[list[Cell]] = [
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
            rows = [
                [
                    factor_label(sweep, str(r["factor"]), lg),
                    _pm(r.get("mu_star"), r.get("mu_star_conf")),
                    _pm(r.get("sigma"), None),
                ]
                for _i, r in sub.iterrows()
            ]
        story.append(
            KeepTogether([lay.h2(output_label(sweep, str(output), lg)), lay.table(cols, rows)])
        )
    story.append(lay.caption(t("cap_sobol" if sobol else "cap_morris", lg)))
    return story


def _heatmaps(sweep: SweepStore) -> list[dict[str, Any]]:
    """The heat maps to draw: every target's first, then funds running dry, then the rest.

    The summary's heat maps are used when they carry a grid or their columns
    exist; a target the summary has no heat map for gets one over the
    summary's (or else the first two) factors.
    """
    cols = set(sweep.points.columns)
    heats = [
        dict(h)
        for h in sweep.summary.get("heatmap", [])
        if h.get("grid") or {h.get("x"), h.get("y"), h.get("output")} <= cols
    ]
    have = {str(h["output"]) for h in heats}
    factors = factor_ids(sweep)
    x, y = (str(heats[0]["x"]), str(heats[0]["y"])) if heats else [*factors, "", ""][:2]
    if x in cols and y in cols:
        for o in output_ids(sweep):
            if output_kind(o) == "target" and o not in have:
                heats.append({"x": x, "y": y, "output": o, "grid": None})
    heats.sort(key=lambda h: _rank(str(h["output"])))
    targets = [h for h in heats if output_kind(str(h["output"])) == "target"]
    rest = [h for h in heats if output_kind(str(h["output"])) != "target"]
    return targets + rest[: max(MAX_HEATMAPS - len(targets), 0)]


def heatmap_colours(output: str) -> str:
    """The colour map of an output's heat map: red where the answer is bad (:data:`HEATMAP_COLOURS`)."""
    return HEATMAP_COLOURS.get(output_kind(output), NEUTRAL_COLOURS)


def _heatmap_section(lay: Layout, sweep: SweepStore, reps: str) -> list[Flowable]:
    lg = lay.lang
    heats = _heatmaps(sweep)
    if not heats:
        return []
    story: list[Flowable] = [lay.h1(t("heatmap_heading", lg))]
    for h in heats:
        x, y, output = str(h["x"]), str(h["y"]), str(h["output"])
        grid = stored_grid(h["grid"]) if h.get("grid") else heatmap_grid(sweep, x, y, output)
        prob, div, _unit, label = _scaled(sweep, output, lg)
        png = charts.heatmap_chart(
            grid / div,
            x_label=factor_label(sweep, x, lg),
            y_label=factor_label(sweep, y, lg),
            output_label=label,
            lang=lg,
            percent=prob,
            cmap=heatmap_colours(output),
        )
        story.append(lay.chart(png, t("cap_heatmap", lg, reps=reps) + TEXT["cap_colours"](lg)))
    return story


def build_sweep_report(sweep_dir: str | Path, out_pdf: str | Path, lang: str = "zh") -> Path:
    """Write the PDF report of a parameter sweep.

    Contents: cover with the factors swept (named, their paths in small
    type) and the main findings; a tornado chart for every target's
    probability and each fund's probability of running dry; the Sobol or
    Morris indices (a note when the design has none); heat maps of an output
    over two factors, red where the answer is bad; the scenario-discovery
    boxes as sentences, targets first; the summary's notes.

    Args:
        sweep_dir: the sweep store (layouts in this module's docstring).
        out_pdf: the PDF to write (replaced atomically if it exists).
        lang: ``"zh"`` (default) or ``"en"``.

    Returns:
        The path of the PDF.

    Raises:
        StoreError: if the store is missing, malformed or not summarised.
        ValueError: for an unknown language.
    """
    lg = check_lang(lang)
    sweep = open_sweep(sweep_dir, lg)
    lay = Layout(lg)
    title = t("sweep_title", lg)
    reps = fmt.number(sweep.reps) if sweep.reps else fmt.DASH
    story: list[Flowable] = _cover(lay, sweep, title)
    story += _tornado_section(lay, sweep)  # flows on: the findings may fill the cover's page
    story += _sensitivity_section(lay, sweep)
    heat = _heatmap_section(lay, sweep, reps)
    if heat:
        story += [PageBreak(), *heat]
    boxes = [b for b in sweep.summary.get("boxes", []) if isinstance(b, Mapping)]
    boxes.sort(key=lambda b: _rank(str(b.get("output", "")).partition(":")[2]))
    block: list[Flowable] = [lay.h1(t("boxes_heading", lg))]
    if not boxes:
        block.append(lay.para(t("no_boxes", lg)))
    else:
        block += [lay.bullet(box_sentence(sweep, b, lg)) for b in boxes]
        block.append(lay.caption(t("cap_boxes", lg)))
    # a short block moves to the next page whole; a long list still splits
    story.append(KeepTogether(block))
    notes = [str(n) for n in sweep.summary.get("notes") or []]
    if notes:
        story.append(lay.h2(t("notes_heading", lg)))
        story += [lay.bullet(n) for n in notes]
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
