"""Small-multiple fan charts: one panel per fund or target, two panels a row, drawn as PDF vectors.

A run with 17 funds and 34 targets gets a few pages of panels instead of 51
full-width charts, so the page count no longer grows by a page per fund or
target. A panel is a handful of shapes (two band polygons, the median line, a
step line or a threshold, axis labels) drawn by reportlab straight into the
PDF: no raster image, no matplotlib figure, sharp at any zoom, and cheap to
draw.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, PolyLine, String
from reportlab.lib import colors
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Table, TableStyle

from simulator.report import fmt
from simulator.report.fmt import Lang
from simulator.report.layout import CONTENT_WIDTH, Layout
from simulator.report.nowcast import date_fraction
from simulator.report.palette import (
    ACTUAL,
    APPROP,
    BAND_DARK,
    BAND_LIGHT,
    BLUE,
    GREY,
    THRESHOLD,
    TODAY,
)
from simulator.report.texts import bt

COLUMNS = 2
"""Panels per row."""
PANEL_HEIGHT = 4.6 * cm
"""Height of a panel's drawing (its title is above it)."""
AXIS_GREY = colors.HexColor("#888888")
GRID_GREY = colors.HexColor("#e3e3e3")
LABEL = colors.HexColor("#333333")


@dataclass(frozen=True)
class Panel:
    """One panel of a grid.

    Attributes:
        title: the panel's title (a name and a probability in brackets).
        bands: quantile bands indexed by ``YYYY-MM`` (``p5, p25, p50, p75, p95``).
        steps: ``(YYYY-MM, value)`` of a step line (cumulative appropriations), or empty.
        threshold: a horizontal line (a target's threshold), or None.
        deadline: ``YYYY-MM-DD`` of a vertical line (a target's deadline), or None.
        marker: ``YYYY-MM`` of a triangle on the median line (first month short), or None.
        unit: ``"fen"`` for money, else a target's unit.
        from_zero: start the bands at zero at the start of their first month (cumulative amounts).
        actuals: ``(YYYY-MM-DD, value)`` of actual figures drawn as points (same unit as the bands), or empty.
        as_of: ``YYYY-MM-DD`` of the "today" line of a run started from actual figures, or None.
    """

    title: str
    bands: pd.DataFrame
    steps: Sequence[tuple[str, float]] = ()
    threshold: float | None = None
    deadline: str | None = None
    marker: str | None = None
    unit: str = "fen"
    from_zero: bool = False
    actuals: Sequence[tuple[str, float]] = ()
    as_of: str | None = None


def year_fraction(month: str, end: bool = True) -> float:
    """A ``YYYY-MM`` month as a year with its fraction, at the month's end (or start).

    >>> year_fraction("2020-12"), year_fraction("2021-01", end=False), year_fraction("2020-06")
    (2021.0, 2021.0, 2020.5)
    """
    return int(month[:4]) + (int(month[5:7]) - (0 if end else 1)) / 12


def nice_step(top: float, ticks: int = 4) -> float:
    """A round step for about ``ticks`` gridlines up to ``top``.

    >>> nice_step(1234.0), nice_step(9.0), nice_step(0.0)
    (500.0, 2.5, 1.0)
    """
    if top <= 0 or not math.isfinite(top):
        return 1.0
    raw = top / ticks
    base = 10 ** math.floor(math.log10(raw))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if raw <= m * base:
            return m * base
    return 10 * base  # pragma: no cover - the loop always returns


def tick_text(v: float) -> str:
    """An axis label: thousands separators, no exponent, no trailing zeros.

    >>> tick_text(1500.0), tick_text(2.5), tick_text(0.0), tick_text(1e7)
    ('1,500', '2.5', '0', '10,000,000')
    """
    if v == int(v):
        return f"{int(v):,}"
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def axis_unit(panel: Panel, top: float, lang: Lang) -> tuple[float, str]:
    """The divisor and unit label of a panel's vertical axis."""
    if panel.unit == "fen":
        return fmt.money_axis(top, lang)
    return fmt.metric_axis(panel.unit, top, lang)


class _Frame:
    """The panel's plot area and its scales."""

    def __init__(self, width: float, height: float, x0: float, x1: float, ymax: float) -> None:
        self.left, self.bottom, self.right, self.top = 30.0, 13.0, 6.0, 4.0
        self.w, self.h = width - self.left - self.right, height - self.bottom - self.top
        self.x0, self.x1, self.ymax = x0, max(x1, x0 + 1e-6), ymax

    def x(self, v: float) -> float:
        return self.left + (v - self.x0) / (self.x1 - self.x0) * self.w

    def y(self, v: float) -> float:
        return self.bottom + min(max(v / self.ymax, 0.0), 1.0) * self.h


def panel_drawing(panel: Panel, width: float, font: str, lang: Lang) -> tuple[Drawing, str]:
    """Draw one panel.

    Args:
        panel: what to draw.
        width: width in points.
        font: the registered font of the labels.
        lang: ``"zh"`` or ``"en"`` (the unit label).

    Returns:
        The drawing and the unit of its vertical axis (empty for plain counts).
    """
    b = panel.bands
    top = max(float(b["p95"].max()) if len(b) else 0.0, max((v for _m, v in panel.steps), default=0.0),
              float(panel.threshold or 0.0), max((v for _d, v in panel.actuals), default=0.0), 0.0)
    div, unit = axis_unit(panel, top, lang)
    step = nice_step(top / div if div else 0.0)
    ymax = max(math.ceil(top / div / step) * step, step)
    months = [str(m) for m in b.index]
    x0 = year_fraction(months[0], end=not panel.from_zero) if months else 0.0
    if panel.steps:
        x0 = min(x0, year_fraction(panel.steps[0][0], end=False))
    x1 = year_fraction(months[-1]) if months else x0 + 1
    fr = _Frame(width, PANEL_HEIGHT, x0, x1, ymax)
    d = Drawing(width, PANEL_HEIGHT)
    d.initialFontName = font  # the renderer's starting font: no standard font enters the PDF
    for i in range(round(ymax / step) + 1):
        y = fr.y(i * step)
        d.add(Line(fr.left, y, fr.left + fr.w, y, strokeColor=GRID_GREY, strokeWidth=0.4))
        d.add(String(fr.left - 2, y - 2.2, tick_text(i * step), fontName=font, fontSize=6, fillColor=LABEL,
                     textAnchor="end"))
    for year in range(math.ceil(x0 - 1e-9), math.floor(x1 + 1e-9) + 1):
        d.add(Line(fr.x(year), fr.bottom, fr.x(year), fr.bottom - 2, strokeColor=AXIS_GREY, strokeWidth=0.5))
        d.add(String(fr.x(year), fr.bottom - 9, str(year), fontName=font, fontSize=6, fillColor=LABEL,
                     textAnchor="middle"))
    if months:
        xs = [year_fraction(m) for m in months]
        q = b.astype(float) / div
        lead = [x0] if panel.from_zero else []
        zero = [0.0] if panel.from_zero else []

        def pts(col: str) -> list[tuple[float, float]]:
            return [(fr.x(x), fr.y(v)) for x, v in zip(lead + xs, zero + list(q[col]), strict=True)]

        for lo, hi, colour in (("p5", "p95", BAND_LIGHT), ("p25", "p75", BAND_DARK)):
            ring = pts(lo) + pts(hi)[::-1]
            d.add(Polygon([c for p in ring for c in p], fillColor=colors.HexColor(colour), strokeColor=None,
                          strokeWidth=0))
        d.add(PolyLine([c for p in pts("p50") for c in p], strokeColor=colors.HexColor(BLUE), strokeWidth=1.1))
        if panel.marker and panel.marker in q.index:
            mx, my = fr.x(year_fraction(panel.marker)), fr.y(float(q.loc[panel.marker, "p50"]))
            d.add(Polygon([mx - 3, my + 6, mx + 3, my + 6, mx, my + 1], fillColor=colors.HexColor(THRESHOLD),
                          strokeColor=None))
    if panel.steps:
        line: list[float] = []
        prev = 0.0
        for m, v in panel.steps:
            x = fr.x(max(year_fraction(m, end=False), x0))
            line += [x, fr.y(prev / div), x, fr.y(v / div)]
            prev = v
        line += [fr.x(x1), fr.y(prev / div)]
        d.add(PolyLine(line, strokeColor=colors.HexColor(APPROP), strokeWidth=1.0))
    if panel.threshold is not None:
        y = fr.y(panel.threshold / div)
        d.add(Line(fr.left, y, fr.left + fr.w, y, strokeColor=colors.HexColor(THRESHOLD), strokeWidth=0.9,
                   strokeDashArray=[3, 2]))
    if panel.deadline:
        x = fr.x(min(max(year_fraction(panel.deadline[:7]), x0), x1))
        d.add(Line(x, fr.bottom, x, fr.bottom + fr.h, strokeColor=colors.HexColor(GREY), strokeWidth=0.8,
                   strokeDashArray=[1, 2]))
    d.add(Line(fr.left, fr.bottom, fr.left + fr.w, fr.bottom, strokeColor=AXIS_GREY, strokeWidth=0.5))
    d.add(Line(fr.left, fr.bottom, fr.left, fr.bottom + fr.h, strokeColor=AXIS_GREY, strokeWidth=0.5))
    _nowcast_marks(d, fr, panel, div, font, lang)
    return d, unit


NOWCAST_FONT_SIZE = 5.5
"""Size of the labels of the actual figures and the today line."""


def _nowcast_marks(d: Drawing, fr: _Frame, panel: Panel, div: float, font: str, lang: Lang) -> None:
    """The today line (labelled with its date), the actual figures as points, and their legend entry."""
    size = NOWCAST_FONT_SIZE
    if panel.as_of:
        x = fr.x(min(max(date_fraction(panel.as_of), fr.x0), fr.x1))
        d.add(Line(x, fr.bottom, x, fr.bottom + fr.h, strokeColor=colors.HexColor(TODAY), strokeWidth=0.9))
        label = bt("today_label", lang, date=panel.as_of)
        right = x + 2 + stringWidth(label, font, size) <= fr.left + fr.w
        d.add(String(x + 2 if right else x - 2, fr.bottom + 2, label, fontName=font, fontSize=size,
                     fillColor=colors.HexColor(TODAY), textAnchor="start" if right else "end"))
    if not panel.actuals:
        return
    dot = colors.HexColor(ACTUAL)
    for when, value in panel.actuals:
        x = fr.x(min(max(date_fraction(when), fr.x0), fr.x1))
        d.add(Circle(x, fr.y(value / div), 2.1, fillColor=dot, strokeColor=colors.white, strokeWidth=0.5))
    lx, ly = fr.left + 5, fr.bottom + fr.h - 4
    d.add(Circle(lx, ly + 1.8, 2.1, fillColor=dot, strokeColor=colors.white, strokeWidth=0.5))
    d.add(String(lx + 4, ly, bt("legend_actual", lang), fontName=font, fontSize=size, fillColor=LABEL))


def grid(lay: Layout, panels: Sequence[Panel]) -> list[Flowable]:
    """Panels two a row, each under its title (with the unit of its axis), as tables that split by row.

    Args:
        lay: the report layout (language and font).
        panels: the panels, in order.

    Returns:
        One table (empty list for no panel).
    """
    if not panels:
        return []
    width = CONTENT_WIDTH / COLUMNS
    cells: list[list[Flowable]] = []
    for panel in panels:
        drawing, unit = panel_drawing(panel, width - 6, lay.font, lay.lang)
        title = f"{panel.title} · {unit}" if unit else panel.title
        cells.append([lay.para(title, "panel_title"), drawing])
    rows = [cells[i : i + COLUMNS] for i in range(0, len(cells), COLUMNS)]
    if len(rows[-1]) < COLUMNS:
        rows[-1] = rows[-1] + [[lay.spacer(1)]] * (COLUMNS - len(rows[-1]))
    table = Table(rows, colWidths=[width] * COLUMNS)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), lay.font), ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 2),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 2), ("TOPPADDING", (0, 0), (-1, -1), 4),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
    table.hAlign = "LEFT"
    return [table]
