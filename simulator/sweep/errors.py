"""The sweep's errors: a bad spec, a sweep that cannot start, a task that failed.

They live apart from the modules that raise them so that every sweep module
(spec, model, executors, runner) can use them without importing the others.
"""

from __future__ import annotations

import json

__all__ = ["MISSING", "SweepRunError", "SweepSetupError", "SweepSpecError"]


class SweepSpecError(ValueError):
    """A sweep spec (file or command-line options) is invalid.

    Attributes:
        file: The spec file (or ``"--factor"`` style origin) the problem is in.
        key: Dotted key path of the offending entry, ``""`` for the whole file.
        value: The offending value (``None`` when the key is missing).
        expected: What would have been accepted.
    """

    def __init__(self, file: str, key: str, value: object, expected: str) -> None:
        self.file = file
        self.key = key
        self.value = value
        self.expected = expected
        where = f"{file}: {key}" if key else file
        shown = _show_value(value)
        super().__init__(
            f"规格错误 (invalid sweep spec) {where} = {shown}; 应为 (expected): {expected}"
        )


def _show_value(value: object) -> str:
    """Render a value for an error message, keeping it to one short line."""
    if value is MISSING:
        return "(缺失 missing)"
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
"""Marker for a key that is absent from the spec (shown as ``(缺失 missing)``)."""


class SweepRunError(RuntimeError):
    """A task failed (model error, worker crash, lost cluster)."""


class SweepSetupError(RuntimeError):
    """The sweep cannot start: a toy model without a factory, a missing scenario, no scheduler."""
