"""CJK font for reports: WenQuanYi Micro Hei from the ``paperang-p2-fonts-cjk`` package.

The font file ships inside a pip package that is a declared dependency, so a
fresh install has it without any system font. It is a TrueType collection
(glyf outlines), which reportlab can embed and subset and matplotlib can draw.

Both registrations are idempotent and cheap after the first call.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import threading
from collections.abc import Iterator
from pathlib import Path

from simulator.i18n import Lang, Msg

FONT_PACKAGE = "paperang_p2_fonts_cjk"
"""Import name of the package that ships the font file."""

FONT_FILE = "fonts/wqy-microhei.ttc"
"""Path of the collection inside the package."""

PDF_FONT_NAME = "WenQuanYiMicroHei"
"""Name under which the font is registered with reportlab."""

MPL_FAMILY = "WenQuanYi Micro Hei"
"""Family name matplotlib reads from the font file."""

_lock = threading.Lock()
_resource_stack = contextlib.ExitStack()
_font_path: Path | None = None
_pdf_registered = False
_mpl_registered = False


class FontNotFoundError(RuntimeError):
    """Raised when the CJK font package is not installed or is incomplete (``str()`` is English)."""

    def __init__(self, message: Msg) -> None:
        self.text = message
        super().__init__(message.en)

    def localized(self, lang: Lang) -> str:
        """The message in ``lang``."""
        return self.text(lang)


def font_path() -> Path:
    """Return the file system path of the bundled CJK font collection.

    Returns:
        Path to ``wqy-microhei.ttc`` inside the installed font package.

    Raises:
        FontNotFoundError: if the package or the file is missing.
    """
    global _font_path
    with _lock:
        if _font_path is not None:
            return _font_path
        try:
            resource = importlib.resources.files(FONT_PACKAGE).joinpath(FONT_FILE)
        except ModuleNotFoundError as exc:
            raise FontNotFoundError(Msg(
                f"未安装中文字体包 '{FONT_PACKAGE}'；安装：pip install paperang-p2-fonts-cjk",
                f"the CJK font package '{FONT_PACKAGE}' is not installed; "
                "install it with: pip install paperang-p2-fonts-cjk",
            )) from exc
        if not resource.is_file():
            raise FontNotFoundError(Msg(f"字体包 {FONT_PACKAGE} 中缺少字体文件 {FONT_FILE}",
                                        f"font file {FONT_FILE} is missing from package {FONT_PACKAGE}"))
        # as_file gives a real path even if the package were zipped; the stack
        # keeps any temporary copy alive for the life of the process.
        _font_path = Path(_resource_stack.enter_context(importlib.resources.as_file(resource)))
        return _font_path


def register_pdf_font() -> str:
    """Register the CJK font with reportlab (embedded, subset) and return its name.

    The same face is registered as the bold and italic members of its family
    so that ``<b>`` or ``<i>`` in a paragraph never falls back to a Latin-only
    base-14 font.

    Returns:
        The reportlab font name to use in styles and on the canvas.
    """
    global _pdf_registered
    path = font_path()
    with _lock:
        if not _pdf_registered:
            from reportlab.lib.fonts import addMapping
            from reportlab.pdfbase import pdfmetrics
            from reportlab.pdfbase.ttfonts import TTFont

            pdfmetrics.registerFont(TTFont(PDF_FONT_NAME, str(path), subfontIndex=0))
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(PDF_FONT_NAME, bold, italic, PDF_FONT_NAME)
            _pdf_registered = True
    return PDF_FONT_NAME


def register_mpl_font() -> str:
    """Add the CJK font to matplotlib's font manager and return its family name.

    Returns:
        The family name to put in ``rcParams["font.family"]``.
    """
    global _mpl_registered
    path = font_path()
    with _lock:
        if not _mpl_registered:
            from matplotlib import font_manager

            font_manager.fontManager.addfont(str(path))
            _mpl_registered = True
    return MPL_FAMILY


@contextlib.contextmanager
def mpl_cjk_context() -> Iterator[None]:
    """Context in which matplotlib draws text with the CJK font.

    Sets ``font.family`` to the CJK face (DejaVu Sans as fallback) and turns
    off the Unicode minus sign, only for the duration of the block; global
    ``rcParams`` are left as they were.

    Yields:
        Nothing; draw and save figures inside the block.
    """
    import matplotlib

    family = register_mpl_font()
    with matplotlib.rc_context(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [family, "DejaVu Sans"],
            "axes.unicode_minus": False,
        }
    ):
        yield
