"""Page layout for the PDF reports: styles, tables, charts, header and footer.

All text that may come from user files goes through :func:`esc` (or through
:meth:`Layout.para`, which escapes) before it reaches a reportlab
``Paragraph``, so names such as ``<b>&amp;</b>`` print literally and control
characters print as escapes. Table cells are paragraphs, so long names wrap
inside their column instead of running over the page; a cell never grows
taller than half a page (:data:`MAX_CELL_HEIGHT`): longer text is cut.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from simulator.names import printable
from simulator.report.fmt import Lang
from simulator.report.fonts import register_pdf_font
from simulator.report.i18n import t

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 2.0 * cm
MARGIN_TOP = 2.3 * cm
MARGIN_BOTTOM = 2.0 * cm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
MAX_CHART_HEIGHT = 11.5 * cm
FRAME_HEIGHT = PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
MAX_CELL_HEIGHT = FRAME_HEIGHT / 2
"""Tallest table cell: longer text is cut (with an ellipsis), so no row outgrows a page."""
CELL_PADDING = 3.5
"""Left and right padding of a table cell, in points."""

INK = colors.HexColor("#1d2733")
ACCENT = colors.HexColor("#1f3b5f")
MUTED = colors.HexColor("#5b6570")
RULE = colors.HexColor("#c9d2dc")
ZEBRA = colors.HexColor("#f4f7fa")
TOTAL_BG = colors.HexColor("#e6edf5")

Cell: TypeAlias = str | Flowable
"""A table cell: raw text (escaped and wrapped for you) or a ready flowable."""


def esc(text: object) -> str:
    """Escape text for a reportlab paragraph so that it prints literally.

    Args:
        text: any value; ``None`` becomes an empty string.

    Returns:
        The text with ``&``, ``<`` and ``>`` escaped, line breaks kept and
        control characters shown as escapes (:func:`simulator.names.printable`).

    >>> esc('<b>&amp; "聊城" </b>')
    '&lt;b&gt;&amp;amp; "聊城" &lt;/b&gt;'
    >>> esc("资金\\x1b[2J")
    '资金\\\\x1b[2J'
    """
    if text is None:
        return ""
    return escape(printable(text, multiline=True)).replace("\n", "<br/>")


@dataclass(frozen=True)
class Column:
    """A table column.

    Attributes:
        header: header text (raw, escaped when drawn).
        width: width in points.
        numeric: right-align the column.
    """

    header: str
    width: float
    numeric: bool = False


def _text_styles(base: ParagraphStyle) -> dict[str, ParagraphStyle]:
    """Styles of running text: body, bullets, titles, headings, captions, notes."""
    return {
        "body": base,
        "bullet": ParagraphStyle(
            "bullet", parent=base, leftIndent=12, bulletIndent=2, spaceAfter=3
        ),
        "title": ParagraphStyle(
            "title", parent=base, fontSize=24, leading=32, textColor=ACCENT, spaceAfter=10
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=13, leading=19, textColor=MUTED, spaceAfter=6
        ),
        "kicker": ParagraphStyle(
            "kicker", parent=base, fontSize=12, leading=16, textColor=MUTED, spaceAfter=8
        ),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            fontSize=16,
            leading=22,
            textColor=ACCENT,
            spaceBefore=16,
            spaceAfter=8,
            keepWithNext=1,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontSize=12,
            leading=17,
            textColor=ACCENT,
            spaceBefore=10,
            spaceAfter=4,
            keepWithNext=1,
        ),
        "caption": ParagraphStyle(
            "caption",
            parent=base,
            fontSize=7.5,
            leading=10.5,
            textColor=MUTED,
            spaceBefore=3,
            spaceAfter=10,
        ),
        "note": ParagraphStyle("note", parent=base, fontSize=8.5, leading=13, textColor=MUTED),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
        "panel_title": ParagraphStyle("panel_title", parent=base, fontSize=7.5, leading=9.5, textColor=ACCENT),
    }


def _table_styles(base: ParagraphStyle) -> dict[str, ParagraphStyle]:
    """Styles of table cells and headers."""
    # cells wrap Latin text at spaces (ids, sources) and split long runs of
    # Chinese where they reach the edge
    return {
        "cell": ParagraphStyle(
            "cell", parent=base, fontSize=8, leading=10.5, alignment=TA_LEFT, wordWrap=None
        ),
        # numbers never break inside (a digit group split over two lines reads as two numbers)
        "cell_num": ParagraphStyle(
            "cell_num", parent=base, fontSize=8, leading=10.5, alignment=TA_RIGHT, wordWrap=None,
            splitLongWords=0,
        ),
        "cell_num_small": ParagraphStyle(
            "cell_num_small", parent=base, fontSize=6.5, leading=9, alignment=TA_RIGHT, wordWrap=None,
            splitLongWords=0,
        ),
        "head": ParagraphStyle(
            "head",
            parent=base,
            fontSize=8,
            leading=10.5,
            textColor=colors.white,
            alignment=TA_LEFT,
            wordWrap=None,
        ),
        "head_num": ParagraphStyle(
            "head_num",
            parent=base,
            fontSize=8,
            leading=10.5,
            textColor=colors.white,
            alignment=TA_RIGHT,
            wordWrap=None,
        ),
    }


class Layout:
    """Styles and flowable builders for one report in one language."""

    def __init__(self, lang: Lang) -> None:
        """Create the styles.

        Args:
            lang: ``"zh"`` or ``"en"``; Chinese text wraps between any two
                characters, English at spaces (over-long words are split).
        """
        self.lang: Lang = lang
        self.font = register_pdf_font()
        wrap = "CJK" if lang == "zh" else None
        base = ParagraphStyle(
            "base",
            fontName=self.font,
            bulletFontName=self.font,
            fontSize=9.5,
            leading=14.5,
            textColor=INK,
            wordWrap=wrap,
            splitLongWords=1,
        )
        self.styles: dict[str, ParagraphStyle] = {**_text_styles(base), **_table_styles(base)}

    # ------------------------------------------------------------------ text

    def para(self, text: object, style: str = "body") -> Paragraph:
        """A paragraph of raw text (escaped).

        Args:
            text: the text; markup characters print literally.
            style: a key of :attr:`styles`.

        Returns:
            The paragraph.
        """
        return Paragraph(esc(text), self.styles[style])

    def markup(self, markup: str, style: str = "body", bullet: str | None = None) -> Paragraph:
        """A paragraph of trusted markup (the caller escaped every user value).

        Args:
            markup: reportlab paragraph markup.
            style: a key of :attr:`styles`.
            bullet: bullet text, e.g. ``"•"``.

        Returns:
            The paragraph.
        """
        return Paragraph(markup, self.styles[style], bulletText=bullet)

    def bullet(self, text: str) -> Paragraph:
        """A bullet point of raw text (escaped)."""
        return self.markup(esc(text), "bullet", bullet="•")

    def h1(self, text: str) -> Paragraph:
        """A section heading (raw text)."""
        return self.para(text, "h1")

    def h2(self, text: str) -> Paragraph:
        """A sub-section heading (raw text)."""
        return self.para(text, "h2")

    def caption(self, text: str) -> Paragraph:
        """The one-line definition under a chart or table (raw text)."""
        return self.para(text, "caption")

    # ------------------------------------------------------------------ tables

    def cell(self, text: object, style: str, width: float) -> Paragraph:
        """A table cell of raw text (escaped), cut with an ellipsis if taller than :data:`MAX_CELL_HEIGHT`.

        Args:
            text: the text; markup characters print literally.
            style: a key of :attr:`styles`.
            width: the column width in points (padding included).

        Returns:
            The paragraph, at most :data:`MAX_CELL_HEIGHT` tall in its column.
        """
        st = self.styles[style]
        avail = max(width - 2 * CELL_PADDING, 1.0)
        para = Paragraph(esc(text), st)
        raw = "" if text is None else str(text)
        # the most lines the text can take (every character as wide as the font is tall, plus one
        # line per break and per line end); a short text is not laid out twice
        most = len(raw) * st.fontSize / avail + 2 * (raw.count("\n") + 1)
        if most * st.leading <= MAX_CELL_HEIGHT or para.wrap(avail, FRAME_HEIGHT)[1] <= MAX_CELL_HEIGHT:
            return para
        full = "" if text is None else str(text)
        lo, hi = 0, len(full)
        while lo < hi:  # the longest prefix that fits, by bisection
            mid = (lo + hi + 1) // 2
            if Paragraph(esc(full[:mid] + "…"), st).wrap(avail, FRAME_HEIGHT)[1] <= MAX_CELL_HEIGHT:
                lo = mid
            else:
                hi = mid - 1
        return Paragraph(esc(full[:lo] + "…"), st)

    def table(
        self,
        columns: Sequence[Column],
        rows: Sequence[Sequence[Cell]],
        *,
        total_rows: Sequence[int] = (),
        repeat_header: bool = True,
        shades: Sequence[tuple[int, int, colors.Color]] = (),
        small_numbers: bool = False,
    ) -> Table:
        """A zebra-striped table whose cells wrap.

        Args:
            columns: column headers, widths and alignment.
            rows: cell values (raw text is escaped and wrapped).
            total_rows: indexes (into ``rows``) of rows to shade as totals.
            repeat_header: repeat the header row after a page break.
            shades: ``(column, row, colour)`` backgrounds of single cells
                (``row`` indexes ``rows``), e.g. an outlook mark.
            small_numbers: numbers in a smaller font (wide amounts in narrow columns).

        Returns:
            The table.
        """
        head = [self.cell(c.header, "head_num" if c.numeric else "head", c.width) for c in columns]
        body: list[list[Flowable]] = []
        for row in rows:
            cells: list[Flowable] = []
            for c, value in zip(columns, row, strict=True):
                if isinstance(value, Flowable):
                    cells.append(value)
                else:
                    num = "cell_num_small" if small_numbers else "cell_num"
                    cells.append(self.cell(value, num if c.numeric else "cell", c.width))
            body.append(cells)
        tbl = Table(
            [head, *body],
            colWidths=[c.width for c in columns],
            repeatRows=1 if repeat_header else 0,
        )
        cmds: list[tuple[Any, ...]] = [
            ("FONTNAME", (0, 0), (-1, -1), self.font),
            ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ]
        if len(body) > 1:
            cmds.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]))
        for i in total_rows:
            cmds.append(("BACKGROUND", (0, i + 1), (-1, i + 1), TOTAL_BG))
            cmds.append(("LINEABOVE", (0, i + 1), (-1, i + 1), 0.6, ACCENT))
        for at_col, at_row, colour in shades:
            cmds.append(("BACKGROUND", (at_col, at_row + 1), (at_col, at_row + 1), colour))
        tbl.setStyle(TableStyle(cmds))
        tbl.hAlign = "LEFT"
        return tbl

    def key_values(self, pairs: Sequence[tuple[str, Cell]], key_width: float = 4.6 * cm) -> Table:
        """A two-column table of labels and values without a header.

        Args:
            pairs: ``(label, value)``; raw text is escaped.
            key_width: width of the label column.

        Returns:
            The table.
        """
        value_width = CONTENT_WIDTH - key_width
        rows = [
            [
                self.cell(k, "note", key_width),
                v if isinstance(v, Flowable) else self.cell(v, "body", value_width),
            ]
            for k, v in pairs
        ]
        tbl = Table(rows, colWidths=[key_width, CONTENT_WIDTH - key_width])
        tbl.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), self.font),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                    ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        return tbl

    # ------------------------------------------------------------------ charts

    def chart(
        self, png: bytes, caption: str, width: float = CONTENT_WIDTH, max_height: float = MAX_CHART_HEIGHT
    ) -> KeepTogether:
        """A chart with its definition line, kept on one page.

        Args:
            png: the chart image.
            caption: the definition of its figures (raw text; none if empty).
            width: drawn width in points (reduced if the chart would be too tall).
            max_height: the tallest the chart may be drawn (a grid of panels may take most of a page).

        Returns:
            The chart and caption as one block.
        """
        w_px, h_px = ImageReader(io.BytesIO(png)).getSize()
        height = width * h_px / w_px
        if height > max_height:
            width, height = width * max_height / height, max_height
        img = Image(io.BytesIO(png), width=width, height=height)
        return KeepTogether([img, self.caption(caption)] if caption else [img])

    def spacer(self, height: float) -> Spacer:
        """Vertical space in points."""
        return Spacer(1, height)


def fit_text(text: str, font: str, size: float, width: float) -> str:
    """Cut a single line of text to a width, ending with an ellipsis if cut.

    Args:
        text: the text (drawn on the canvas, so no escaping is involved).
        font: registered font name.
        size: font size.
        width: available width in points.

    Returns:
        The text, shortened if needed.
    """
    text = " ".join(str(text).split())
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _canvas_class(header_left: str, header_right: str, lang: Lang, font: str) -> type[Canvas]:
    """A canvas that draws the header and 'page n of N' once the page count is known."""

    class _NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._saved_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # reportlab's name
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._saved_pages)
            for state in self._saved_pages:
                self.__dict__.update(state)
                self._decorate(total)
                Canvas.showPage(self)
            Canvas.save(self)

        def _decorate(self, total: int) -> None:
            page = self.getPageNumber()
            self.saveState()
            self.setFillColor(MUTED)
            self.setStrokeColor(RULE)
            if page > 1:
                y = PAGE_HEIGHT - MARGIN_TOP + 0.8 * cm
                right = fit_text(header_right, font, 8, CONTENT_WIDTH * 0.35)
                right_w = stringWidth(right, font, 8)
                left = fit_text(header_left, font, 8, CONTENT_WIDTH - right_w - 0.8 * cm)
                self.setFont(font, 8)
                self.drawString(MARGIN_X, y, left)
                self.drawRightString(PAGE_WIDTH - MARGIN_X, y, right)
                self.setLineWidth(0.5)
                self.line(MARGIN_X, y - 0.2 * cm, PAGE_WIDTH - MARGIN_X, y - 0.2 * cm)
            self.setFont(font, 8)
            self.drawCentredString(
                PAGE_WIDTH / 2, MARGIN_BOTTOM - 0.9 * cm, t("page", lang, n=page, total=total)
            )
            self.restoreState()

    return _NumberedCanvas


def current_umask() -> int:
    """The process's file-creation mask (read without changing it for long)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_output(out: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``out`` and move it into place on success.

    Args:
        out: final path.

    Yields:
        The temporary path to write.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes it private
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_pdf(
    flowables: Sequence[Flowable],
    out_pdf: str | Path,
    *,
    layout: Layout,
    title: str,
    header_left: str,
    header_right: str,
) -> Path:
    """Lay out flowables on A4 pages with header and page numbers, atomically.

    Args:
        flowables: the story.
        out_pdf: output path (replaced atomically).
        layout: the report's layout (language and font).
        title: PDF document title (metadata).
        header_left: text at the top left of every page but the first.
        header_right: text at the top right of every page but the first.

    Returns:
        The output path.
    """
    out = Path(out_pdf)
    with atomic_output(out) as tmp:
        doc = SimpleDocTemplate(
            str(tmp),
            pagesize=A4,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=title,
            author="fiscalsim",
            creator="fiscalsim",
            subject=header_left,
            initialFontName=layout.font,
            lang="zh-CN" if layout.lang == "zh" else "en",
        )
        doc.build(
            list(flowables),
            canvasmaker=_canvas_class(header_left, header_right, layout.lang, layout.font),
        )
    return out


def fits(texts: Sequence[str], font: str, size: float, width: float) -> bool:
    """Whether every text fits on one line of a table cell ``width`` wide (padding included)."""
    return all(stringWidth(x, font, size) <= width - 2 * CELL_PADDING for x in texts)
