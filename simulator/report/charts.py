"""Report charts drawn with matplotlib's object API into PNG bytes.

No pyplot state is touched: each function builds its own ``Figure`` on an
Agg canvas inside :func:`simulator.report.fonts.mpl_cjk_context`, so importing
this module changes no global backend and charts can be drawn from any thread.
All titles, axis labels and legends are in the requested language.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from simulator.report import fmt
from simulator.report.fmt import Lang, display_width
from simulator.report.fonts import mpl_cjk_context
from simulator.report.i18n import t
from simulator.report.palette import (
    APPROP,
    BAND_DARK,
    BAND_LIGHT,
    BLUE,
    GREY,
    LEVEL_COLOURS,
    THRESHOLD,
)

DPI = 170
"""Resolution of the PNG charts (sharp on paper at 17 cm wide)."""



def wrap(text: str, width: int = 60, max_lines: int = 2) -> str:
    """Wrap a label for a chart, breaking CJK anywhere and Latin at spaces.

    Args:
        text: the label.
        width: maximum width per line in Latin cells.
        max_lines: lines kept; the last is cut with an ellipsis if needed.

    Returns:
        The label with newlines.

    >>> wrap("abc def ghi", 7)
    'abc def\\nghi'
    >>> wrap("聊城市产业技术研究院", 8, 2)
    '聊城市产\\n业技术…'
    """
    lines: list[str] = []
    current = ""
    for token in _tokens(text):
        if display_width((current + token).rstrip()) <= width or not current:
            current += token
            while display_width(current.rstrip()) > width:  # an over-long Latin token
                cut = _cut(current, width)
                lines.append(current[:cut])
                current = current[cut:]
        else:
            lines.append(current.rstrip())
            current = token.lstrip()
    if current:
        lines.append(current.rstrip())
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and display_width(last + "…") > width:
            last = last[:-1]
        lines = [*lines[: max_lines - 1], last + "…"]
    return "\n".join(lines)


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    word = ""
    for c in text:
        if unicodedata.east_asian_width(c) in ("W", "F"):
            if word:
                out.append(word)
                word = ""
            out.append(c)
        elif c == " ":
            out.append(word + " ")
            word = ""
        else:
            word += c
    if word:
        out.append(word)
    return out


def _cut(text: str, width: int) -> int:
    w = 0
    for i, c in enumerate(text):
        w += display_width(c)
        if w > width:
            return max(i, 1)
    return len(text)


def _figure(width_in: float = 7.2, height_in: float = 3.5) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure(figsize=(width_in, height_in), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Figure) -> bytes:
    """Render a figure to PNG, cropped to its content (titles and outside legends included).

    The crop box is computed from a layout pass that rasterises nothing
    (``draw_without_rendering``), so the figure is rendered once, by ``savefig``;
    the PNG is stored with light compression because the PDF re-compresses it
    anyway.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    fig.draw_without_rendering()
    bbox = fig.get_tightbbox(canvas.get_renderer()).padded(0.08)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches=bbox, pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def _style(ax: object) -> None:
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.spines["left"].set_color("#888888")
    ax.spines["bottom"].set_color("#888888")
    ax.tick_params(labelsize=8, colors="#333333")
    ax.grid(axis="y", color="#e3e3e3", linewidth=0.6)
    ax.set_axisbelow(True)


def _thousands(v: float, _pos: float | None = None) -> str:
    if abs(v) >= 100 or v == int(v):
        return f"{v:,.0f}"
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def _month_end(months: Sequence[str]) -> np.ndarray:
    return np.asarray(pd.PeriodIndex(list(months), freq="M").to_timestamp(how="end").normalize())


def _month_start(months: Sequence[str]) -> np.ndarray:
    return np.asarray(pd.PeriodIndex(list(months), freq="M").to_timestamp(how="start"))


def _date_axis(ax: object, lang: Lang) -> None:
    from matplotlib import dates as mdates
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter(t("year_fmt", lang)))
    ax.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(4, 7, 10)))


def _legend_above(ax: object) -> None:
    """Put the legend in one row between the title and the axes (title needs ``pad``)."""
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    handles, _labels = ax.get_legend_handles_labels()
    ax.legend(
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncol=min(len(handles), 4),
        fontsize=8,
        frameon=False,
        handlelength=1.8,
        columnspacing=1.4,
        borderaxespad=0.2,
    )


def _legend_below(ax: object, offset: float = -0.12) -> None:
    """Put the legend in one row under the axes (below the tick labels)."""
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    handles, _labels = ax.get_legend_handles_labels()
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, offset),
        ncol=min(len(handles), 5),
        fontsize=8,
        frameon=False,
        handlelength=1.8,
        columnspacing=1.4,
    )


def _bands(ax: object, x: np.ndarray, bands: pd.DataFrame, div: float, lang: Lang) -> None:
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    b = bands.astype(float) / div
    ax.fill_between(
        x, b["p5"], b["p95"], color=BAND_LIGHT, linewidth=0, label=t("legend_p5_95", lang)
    )
    ax.fill_between(
        x, b["p25"], b["p75"], color=BAND_DARK, linewidth=0, label=t("legend_p25_75", lang)
    )
    ax.plot(x, b["p50"], color=BLUE, linewidth=1.8, label=t("legend_median", lang))


def fund_fan_chart(
    bands: pd.DataFrame,
    appropriations: pd.DataFrame,
    fund_name: str,
    lang: Lang = "zh",
    *,
    start_month: str | None = None,
) -> bytes:
    """Fan chart of a fund's cumulative draw against cumulative appropriations.

    Args:
        bands: quantile bands indexed by ``YYYY-MM`` (columns ``p5 .. p95``, fen),
            as from :func:`simulator.report.analysis.cumulative_draw_bands`.
        appropriations: ``month, cum_fen`` steps, as from
            :func:`simulator.report.analysis.cumulative_appropriations`.
        fund_name: display name of the fund.
        lang: ``"zh"`` or ``"en"``.
        start_month: first month of the horizon (the curve starts at zero there).

    Returns:
        The chart as PNG bytes.
    """
    with mpl_cjk_context():
        fig = _figure()
        ax = fig.add_subplot(1, 1, 1)
        _style(ax)
        months = list(bands.index)
        top = max(
            float(bands["p95"].max()) if len(bands) else 0.0,
            float(appropriations["cum_fen"].max()) if len(appropriations) else 0.0,
        )
        div, unit = fmt.money_axis(top, lang)
        if months:
            first = start_month or months[0]
            x = np.concatenate([_month_start([first]), _month_end(months)])
            zero = pd.DataFrame([dict.fromkeys(bands.columns, 0.0)], index=["_"])
            _bands(ax, x, pd.concat([zero, bands]), div, lang)
            if len(appropriations):
                ax_x = np.concatenate([_month_start(list(appropriations["month"])), x[-1:]])
                ys = list(appropriations["cum_fen"].astype(float) / div)
                ax.step(
                    ax_x,
                    [*ys, ys[-1]],
                    where="post",
                    color=APPROP,
                    linewidth=1.6,
                    label=t("legend_approp", lang),
                )
            ax.set_xlim(x[0], x[-1])
        ax.set_ylim(bottom=0)
        _date_axis(ax, lang)
        ax.yaxis.set_major_formatter(_thousands)
        ax.set_ylabel(t("axis_cum", lang, unit=unit), fontsize=9)
        ax.set_title(wrap(t("fan_title", lang, fund=fund_name), 78), fontsize=11, loc="left")
        _legend_below(ax)
        return _png(fig)


def target_fan_chart(
    bands: pd.DataFrame,
    *,
    target_name: str,
    threshold: float | None,
    deadline: str | None,
    p_attained: float,
    unit: str = "",
    lang: Lang = "zh",
) -> bytes:
    """Fan chart of a target's metric with the threshold and deadline marked.

    Args:
        bands: quantile bands indexed by ``YYYY-MM`` (columns ``p5 .. p95``), as
            from :func:`simulator.report.outcomes.metric_bands`.
        target_name: display name of the target.
        threshold: the target value (horizontal dashed line).
        deadline: ISO date of the deadline (vertical line).
        p_attained: probability of attaining it, shown in the title.
        unit: the metric's unit (see :func:`simulator.report.fmt.metric_axis`).
        lang: ``"zh"`` or ``"en"``.

    Returns:
        The chart as PNG bytes.
    """
    with mpl_cjk_context():
        fig = _figure()
        ax = fig.add_subplot(1, 1, 1)
        _style(ax)
        top = max(float(bands["p95"].max()) if len(bands) else 0.0, float(threshold or 0.0))
        div, unit_label = fmt.metric_axis(unit, top, lang)
        if len(bands):
            x = _month_end(list(bands.index))
            _bands(ax, x, bands, div, lang)
        if threshold is not None:
            ax.axhline(
                threshold / div,
                color=THRESHOLD,
                linestyle="--",
                linewidth=1.3,
                label=t("legend_threshold", lang, v=fmt.metric_value(threshold, unit, lang)),
            )
        if deadline:
            from matplotlib.dates import date2num

            d = float(date2num(pd.Timestamp(str(deadline)[:10])))
            ax.axvline(
                d, color=GREY, linestyle=":", linewidth=1.3, label=t("legend_deadline", lang)
            )
        _date_axis(ax, lang)
        ax.yaxis.set_major_formatter(_thousands)
        ylabel = (
            t("axis_metric_unit", lang, unit=unit_label) if unit_label else t("axis_metric", lang)
        )
        ax.set_ylabel(ylabel, fontsize=9)
        title = t("target_fan_title", lang, target=target_name, p=fmt.prob(p_attained))
        ax.set_title(wrap(title, 78), fontsize=11, loc="left")
        _legend_below(ax)
        return _png(fig)


def yearly_bars(
    yearly: pd.DataFrame,
    labels: Mapping[str, str],
    lang: Lang = "zh",
    *,
    title: str | None = None,
) -> bytes:
    """Grouped bars of the yearly draw by key (level), with P5–P95 whiskers.

    Args:
        yearly: ``year, key, p5, p50, p95`` in fen, as from
            :func:`simulator.report.analysis.yearly_draw`.
        labels: display label per key, in legend order.
        lang: ``"zh"`` or ``"en"``.
        title: chart title (default: yearly draw by funding level).

    Returns:
        The chart as PNG bytes.
    """
    with mpl_cjk_context():
        fig = _figure(7.2, 3.3)
        ax = fig.add_subplot(1, 1, 1)
        _style(ax)
        years = sorted(int(y) for y in set(yearly["year"])) if len(yearly) else []
        keys = [k for k in labels if k in set(yearly["key"])] if len(yearly) else []
        div, unit = fmt.money_axis(float(yearly["p95"].max()) if len(yearly) else 0.0, lang)
        width = 0.8 / max(len(keys), 1)
        base = np.arange(len(years), dtype=float)
        for i, key in enumerate(keys):
            sub = yearly[yearly["key"] == key].set_index("year").reindex(years).fillna(0.0)
            med = sub["p50"].to_numpy(float) / div
            lo = np.clip(med - sub["p5"].to_numpy(float) / div, 0, None)
            hi = np.clip(sub["p95"].to_numpy(float) / div - med, 0, None)
            ax.bar(
                base + (i - (len(keys) - 1) / 2) * width,
                med,
                width * 0.92,
                color=LEVEL_COLOURS[i % len(LEVEL_COLOURS)],
                label=wrap(labels[key], 30, 1),
                yerr=np.vstack([lo, hi]),
                error_kw={"elinewidth": 0.8, "capsize": 2, "ecolor": "#333333"},
            )
        ax.set_xticks(base, [str(y) for y in years])
        ax.set_xlabel(t("axis_year", lang), fontsize=9)
        ax.yaxis.set_major_formatter(_thousands)
        ax.set_ylabel(t("axis_yearly", lang, unit=unit), fontsize=9)
        ax.set_title(title or t("bars_title", lang), fontsize=11, loc="left")
        if keys:
            ax.legend(fontsize=8, frameon=False, ncol=min(len(keys), 5), loc="upper left")
            ax.set_ylim(top=ax.get_ylim()[1] * 1.15)
        return _png(fig)


def tornado_chart(
    rows: Sequence[tuple[str, float, float]],
    *,
    base: float,
    output_label: str,
    lang: Lang = "zh",
    percent: bool = False,
) -> bytes:
    """Tornado chart: the output when each factor is low or high.

    Args:
        rows: ``(factor label, output at low factor, output at high factor)``;
            drawn in the given order from the top.
        base: output over all design points (the vertical line).
        output_label: display name of the output (axis label and title).
        lang: ``"zh"`` or ``"en"``.
        percent: format the axis as percentages (for probabilities).

    Returns:
        The chart as PNG bytes.
    """
    with mpl_cjk_context():
        fig = _figure(7.2, 0.9 + 0.42 * max(len(rows), 1))
        ax = fig.add_subplot(1, 1, 1)
        _style(ax)
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", color="#e3e3e3", linewidth=0.6)
        y = np.arange(len(rows))[::-1]
        lows = np.array([r[1] for r in rows], dtype=float)
        highs = np.array([r[2] for r in rows], dtype=float)
        ax.barh(
            y, lows - base, left=base, color=BAND_DARK, height=0.6, label=t("tornado_low", lang)
        )
        ax.barh(y, highs - base, left=base, color=BLUE, height=0.6, label=t("tornado_high", lang))
        ax.axvline(base, color="#222222", linewidth=1.0)
        ax.set_yticks(y, [wrap(r[0], 26, 2) for r in rows])
        if percent:
            ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))
        else:
            ax.xaxis.set_major_formatter(_thousands)
        ax.set_xlabel(wrap(output_label, 80, 1), fontsize=9)
        ax.set_title(
            wrap(t("tornado_title", lang, output=output_label), 78), fontsize=11, loc="left", pad=22
        )
        _legend_above(ax)
        return _png(fig)


def heatmap_chart(
    grid: pd.DataFrame,
    *,
    x_label: str,
    y_label: str,
    output_label: str,
    lang: Lang = "zh",
    percent: bool = True,
    cmap: str = "RdYlGn",
) -> bytes:
    """Heat map of an output over two factors.

    Args:
        grid: mean output per cell; index = y bin labels (bottom to top),
            columns = x bin labels (left to right); NaN for empty cells.
        x_label: display name of the x factor.
        y_label: display name of the y factor.
        output_label: display name of the output (title and colour bar).
        lang: ``"zh"`` or ``"en"``.
        percent: values are probabilities (0–1 colour scale, % labels).
        cmap: matplotlib colour map (``RdYlGn``: high is green; ``RdYlGn_r``
            for an output where high is bad).

    Returns:
        The chart as PNG bytes.
    """
    with mpl_cjk_context():
        fig = _figure(7.2, 4.6)
        ax = fig.add_subplot(1, 1, 1)
        values = grid.to_numpy(dtype=float)
        masked = np.ma.masked_invalid(values)
        mesh = ax.imshow(
            masked,
            origin="lower",
            aspect="auto",
            cmap=cmap,
            vmin=0.0 if percent else None,
            vmax=1.0 if percent else None,
        )
        ax.set_xticks(
            np.arange(grid.shape[1]),
            [str(c) for c in grid.columns],
            fontsize=7,
            rotation=30,
            ha="right",
        )
        ax.set_yticks(np.arange(grid.shape[0]), [str(i) for i in grid.index], fontsize=7)
        finite = values[np.isfinite(values)]
        mid = (float(np.nanmin(finite)) + float(np.nanmax(finite))) / 2 if finite.size else 0.0
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                text = f"{v * 100:.0f}%" if percent else _thousands(v)
                dark = (
                    (abs(v - 0.5) > 0.3) if percent else abs(v - mid) > 0.3 * (np.ptp(finite) or 1)
                )
                ax.text(
                    j,
                    i,
                    text,
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if dark else "#222222",
                )
        ax.set_xlabel(wrap(x_label, 80, 1), fontsize=9)
        ax.set_ylabel(wrap(y_label, 40, 2), fontsize=9)
        ax.set_title(
            wrap(t("heatmap_title", lang, output=output_label), 78), fontsize=11, loc="left"
        )
        cbar = fig.colorbar(mesh, ax=ax, fraction=0.04, pad=0.02)
        cbar.ax.tick_params(labelsize=7)
        if percent:
            cbar.ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        return _png(fig)


def compare_probability_chart(data: pd.DataFrame, lang: Lang = "zh") -> bytes:
    """Horizontal grouped bars of target probabilities, one colour per scenario.

    Args:
        data: probabilities; index = target labels (top to bottom), columns =
            scenario labels; NaN where a scenario lacks the target.
        lang: ``"zh"`` or ``"en"``.

    Returns:
        The chart as PNG bytes.
    """
    with mpl_cjk_context():
        n_t, n_s = data.shape
        fig = _figure(7.2, 1.0 + 0.28 * max(n_t * n_s, 2) + 0.2 * n_s)
        ax = fig.add_subplot(1, 1, 1)
        _style(ax)
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", color="#e3e3e3", linewidth=0.6)
        height = 0.8 / max(n_s, 1)
        y = np.arange(n_t)[::-1].astype(float)
        for j, col in enumerate(data.columns):
            vals = data[col].to_numpy(dtype=float)
            pos = y + ((n_s - 1) / 2 - j) * height
            ax.barh(
                pos,
                np.nan_to_num(vals),
                height * 0.9,
                color=LEVEL_COLOURS[j % len(LEVEL_COLOURS)],
                label=wrap(str(col), 40, 1),
            )
            for p, v in zip(pos, vals, strict=True):
                if np.isfinite(v):
                    ax.text(min(v, 1.0) + 0.01, p, fmt.prob(v), va="center", fontsize=7)
        ax.set_yticks(y, [wrap(str(i), 24, 2) for i in data.index])
        ax.set_xlim(0, 1.12)
        ax.xaxis.set_major_formatter(lambda v, _p: f"{v * 100:.0f}%" if v <= 1.0 else "")
        ax.set_xlabel(t("axis_probability", lang), fontsize=9)
        ax.set_title(
            t("compare_chart_title", lang), fontsize=11, loc="left", pad=22 + 12 * ((n_s - 1) // 4)
        )
        _legend_above(ax)
        return _png(fig)
