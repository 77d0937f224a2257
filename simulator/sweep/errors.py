"""The sweep's errors: a bad spec, a sweep that cannot start, a task that failed.

They live apart from the modules that raise them so that every sweep module
(spec, model, executors, runner) can use them without importing the others.
"""

from __future__ import annotations

import json

from simulator.i18n import Lang, Text, pick

__all__ = ["MISSING", "SweepRunError", "SweepSetupError", "SweepSpecError"]


class SweepSpecError(ValueError):
    """A sweep spec (file or command-line options) is invalid.

    ``str()`` is English; :meth:`localized` says it in the language of ``--lang``.

    Attributes:
        file: The spec file (or ``"--factor"`` style origin) the problem is in.
        key: Dotted key path of the offending entry, ``""`` for the whole file.
        value: The offending value (``None`` when the key is missing).
        expected: What would have been accepted, in English.
        expected_text: The same in both languages.
    """

    def __init__(self, file: str, key: str, value: object, expected: Text) -> None:
        self.file = file
        self.key = key
        self.value = value
        self.expected = str(expected)
        self.expected_text = expected
        super().__init__(self.localized("en"))

    def localized(self, lang: Lang) -> str:
        """The message in ``lang``: file, key, value and the accepted form."""
        where = f"{self.file}: {self.key}" if self.key else self.file
        shown = _show_value(self.value, lang)
        if lang == "zh":
            return f"规格错误：{where} = {shown}；应为{pick(self.expected_text, lang)}"
        return f"invalid sweep spec: {where} = {shown}; expected {pick(self.expected_text, lang)}"


def _show_value(value: object, lang: Lang = "en") -> str:
    """Render a value for an error message, keeping it to one short line."""
    if value is MISSING:
        return "（缺失）" if lang == "zh" else "(missing)"
    text = (
        json.dumps(value, ensure_ascii=False, default=str)
        if not isinstance(value, str)
        else repr(value)
    )
    return text if len(text) <= 120 else text[:117] + "..."


class _Missing:
    """Marker for a key that is absent from the spec."""

    def __repr__(self) -> str:
        return "(missing)"


MISSING = _Missing()
"""Marker for a key that is absent from the spec (shown as ``(missing)``, ``（缺失）`` in Chinese)."""


class _TextRuntimeError(RuntimeError):
    """A runtime error whose message may be written in both languages (``str()`` is English)."""

    def __init__(self, message: Text) -> None:
        self.text = message
        super().__init__(str(message))

    def localized(self, lang: Lang) -> str:
        """The message in ``lang``."""
        return pick(self.text, lang)


class SweepRunError(_TextRuntimeError):
    """A task failed (model error, worker crash, lost cluster)."""


class SweepSetupError(_TextRuntimeError):
    """The sweep cannot start: a toy model without a factory, a missing scenario, no scheduler."""
