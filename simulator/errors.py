"""The project's own error types.

Every problem with user input is raised as an :class:`InputError` (a
``ValueError`` subclass) that knows the file, the line, the key path, the bad
value and what was expected.  The CLI prints ``str(error)`` and exits with
status 2; no traceback ever reaches the user.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """Return the closest of ``choices`` to ``word``, if any is close.

    >>> did_you_mean("approprations", ["appropriations", "owner"])
    'appropriations'
    """
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file."""

    message: str
    file: str | None = None
    line: int | None = None
    path: str | None = None
    value: object = field(default=None)
    has_value: bool = False
    expected: str | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        parts = [where + ":"]
        if self.path:
            parts.append(f"{self.path}:")
        parts.append(self.message)
        text = " ".join(parts)
        if self.has_value:
            text += f" (got {_short(self.value)})"
        if self.expected:
            text += f"; expected {self.expected}"
        if self.hint:
            text += f". {self.hint}"
        return text


class InputError(ValueError):
    """One or more problems in user input (scenario, params, sweep spec)."""

    def __init__(self, problems: Sequence[Problem] | Problem) -> None:
        self.problems: tuple[Problem, ...] = (
            (problems,) if isinstance(problems, Problem) else tuple(problems)
        )
        super().__init__("\n".join(str(p) for p in self.problems))


class ScenarioError(InputError):
    """A scenario file (or a file it extends or refers to) is invalid."""


class ParamsError(InputError):
    """A params file is invalid."""


class StoreError(ValueError):
    """A result store (run or sweep) is missing, damaged, incomplete or would be overwritten.

    The message names the store, the file and what is wrong; the CLI prints it
    and exits with status 2.
    """
