"""The project's own error types.

Every problem with user input is raised as an :class:`InputError` (a
``ValueError`` subclass) that knows the file, the line, the key path, the bad
value and what was expected.  The CLI prints it in the language of
``--lang`` (``localized(lang)``) and exits with status 2; no traceback ever
reaches the user.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from simulator.i18n import Lang, Msg, Text, pick


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
    """One problem found in an input file.

    ``message``, ``expected`` and ``hint`` are :class:`~simulator.i18n.Msg`
    pairs (written once, in both languages) or plain strings (data);
    :meth:`render` says the problem in one language, ``str()`` in English.
    """

    message: Text
    file: str | None = None
    line: int | None = None
    path: str | None = None
    value: object = field(default=None)
    has_value: bool = False
    expected: Text | None = None
    hint: Text | None = None

    def render(self, lang: Lang = "en") -> str:
        """The problem on one line, in ``lang``: where, key path, message, value, expected form, hint."""
        zh = lang == "zh"
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        parts = [where + ":"]
        if self.path:
            parts.append(f"{self.path}:")
        parts.append(pick(self.message, lang))
        text = " ".join(parts)
        if self.has_value:
            text += f"（实际为 {_short(self.value)}）" if zh else f" (got {_short(self.value)})"
        if self.expected:
            text += f"；应为{pick(self.expected, lang)}" if zh else f"; expected {pick(self.expected, lang)}"
        if self.hint:
            text += f"。{pick(self.hint, lang)}" if zh else f". {pick(self.hint, lang)}"
        return text

    def __str__(self) -> str:
        return self.render("en")


class InputError(ValueError):
    """One or more problems in user input (scenario, params, sweep spec).

    ``str()`` is English (one line per problem); :meth:`localized` gives the
    lines in the language the user chose.
    """

    def __init__(self, problems: Sequence[Problem] | Problem) -> None:
        self.problems: tuple[Problem, ...] = (
            (problems,) if isinstance(problems, Problem) else tuple(problems)
        )
        super().__init__("\n".join(str(p) for p in self.problems))

    def localized(self, lang: Lang) -> str:
        """Every problem, one per line, in ``lang``."""
        return "\n".join(p.render(lang) for p in self.problems)


class TextError(ValueError):
    """A check inside the schema failed; its message is written in both languages.

    Raised by model validators; the loader turns it into a :class:`Problem`
    whose message is :attr:`msg`. ``str()`` is English.
    """

    def __init__(self, msg: Msg) -> None:
        self.msg = msg
        super().__init__(msg.en)

    def localized(self, lang: Lang) -> str:
        """The message in ``lang``."""
        return self.msg(lang)


class ScenarioError(InputError):
    """A scenario file (or a file it extends or refers to) is invalid."""


class ParamsError(InputError):
    """A params file is invalid."""


class StoreError(ValueError):
    """A result store (run or sweep) is missing, damaged, incomplete or would be overwritten.

    The message names the store, the file and what is wrong; the CLI prints it
    (in the language of ``--lang`` when it is a :class:`~simulator.i18n.Msg`)
    and exits with status 2.
    """

    def __init__(self, message: Text) -> None:
        self.text = message
        super().__init__(str(message))

    def localized(self, lang: Lang) -> str:
        """The message in ``lang``."""
        return pick(self.text, lang)
