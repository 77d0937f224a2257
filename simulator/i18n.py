"""The one message catalogue of fiscalsim: Chinese by default, English on request.

Every text a user reads (command-line messages and titles, input problems,
report labels) is written here or at its call site once, with both languages:

- :class:`Msg` is one message as a zh/en pair; :func:`pick` chooses the
  language of a :data:`Text` (a ``Msg`` or a plain string, which is data and
  never translated);
- :data:`MESSAGES` holds the command line's keyed messages (:func:`t`);
- :data:`CATALOGUE` holds the reports' labels (:func:`simulator.report.i18n.t`).

``str()`` of a ``Msg`` is its English text, so logs, exceptions raised through
the Python API and tests that match English words keep working; the CLI
renders every message in the language of ``--lang``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol, TypeAlias, runtime_checkable

Lang = Literal["zh", "en"]


@dataclass(frozen=True)
class Msg:
    """One message written in both languages.

    >>> m = Msg("未知的键", "unknown key")
    >>> m("zh"), m("en"), str(m)
    ('未知的键', 'unknown key', 'unknown key')
    """

    zh: str
    en: str

    def __call__(self, lang: Lang) -> str:
        """The message in ``lang``."""
        return self.zh if lang == "zh" else self.en

    def __str__(self) -> str:
        return self.en

    def __contains__(self, word: str) -> bool:
        """Whether ``word`` is in the message, in either language."""
        return word in self.zh or word in self.en

    def __add__(self, other: Text) -> Msg:
        """Join two texts (a plain string is the same in both languages)."""
        if isinstance(other, Msg):
            return Msg(self.zh + other.zh, self.en + other.en)
        return Msg(self.zh + other, self.en + other)

    def format(self, **kw: object) -> Msg:
        """Both languages with ``{name}`` fields filled in."""
        return Msg(self.zh.format(**kw), self.en.format(**kw))


Text: TypeAlias = "str | Msg"
"""A user-facing text: a :class:`Msg` pair, or a plain string (data, shown as is)."""


def pick(text: Text, lang: Lang) -> str:
    """The text in ``lang`` (a plain string is returned as is).

    >>> pick(Msg("有效", "valid"), "zh"), pick("zibo", "zh")
    ('有效', 'zibo')
    """
    return text(lang) if isinstance(text, Msg) else text


@runtime_checkable
class Localized(Protocol):
    """An error that can say itself in either language (the CLI prints ``localized(lang)``)."""

    def localized(self, lang: Lang) -> str:
        """The message in ``lang``."""
        ...


def localized(exc: BaseException, lang: Lang) -> str:
    """The message of ``exc`` in ``lang`` when it knows both languages, else ``str(exc)``."""
    if isinstance(exc, Localized):
        return exc.localized(lang)
    return str(exc)


def did_you_mean_hint(guess: str | None) -> Msg | None:
    """The "did you mean …?" hint for a close match (None without one)."""
    if guess is None:
        return None
    return Msg(f"是否应为 {guess!r}？", f"did you mean {guess!r}?")


def one_of(choices: Iterable[object]) -> Msg:
    """The expected form "one of a, b, c" in both languages (the choices are data)."""
    listed = ", ".join(str(c) for c in choices)
    return Msg(f"以下之一：{listed}", f"one of {listed}")


LEVELS: dict[str, dict[str, str]] = {
    "province": {"zh": "省", "en": "province"},
    "city": {"zh": "市", "en": "city"},
    "county": {"zh": "县", "en": "county"},
    "district": {"zh": "区", "en": "district"},
    "zone": {"zh": "园区", "en": "zone"},
}

MESSAGES: dict[str, dict[str, str]] = {
    "valid": {"zh": "有效", "en": "valid"},
    "invalid": {"zh": "无效", "en": "invalid"},
    "problems": {"zh": "发现 {n} 个问题", "en": "{n} problem(s) found"},
    "bad_files": {"zh": "{n} 个文件无效（共 {total} 个）", "en": "{n} of {total} file(s) invalid"},
    "all_valid": {"zh": "全部 {n} 个文件有效", "en": "all {n} file(s) valid"},
    "program": {"zh": "项目", "en": "program"},
    "rule_trace": {"zh": "计算过程", "en": "rule trace"},
    "total": {"zh": "合计", "en": "total"},
    "by_level": {"zh": "按出资层级", "en": "by funding level"},
    "by_fund": {"zh": "按资金", "en": "by fund"},
    "claim": {"zh": "申请情况", "en": "claim"},
    "value": {"zh": "取值", "en": "value"},
    "source": {"zh": "来源", "en": "source"},
    "chain": {"zh": "形成过程", "en": "how it was set"},
    "error": {"zh": "错误", "en": "error"},
    "internal_error": {"zh": "内部错误（这是 fiscalsim 的缺陷，请报告）：{error}；完整记录已保存到 {where}",
                       "en": "internal error (a bug in fiscalsim, please report it): {error}; full trace saved to {where}"},
}


def t(key: str, lang: Lang, **kw: object) -> str:
    """Translate a message key."""
    return MESSAGES[key][lang].format(**kw)


def level_name(level: str, lang: Lang) -> str:
    """Display name of a funding level."""
    return LEVELS.get(level, {}).get(lang, level)
