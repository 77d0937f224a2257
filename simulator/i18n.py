"""The one message catalogue of fiscalsim: Chinese by default, English on request.

Every text a user reads (command-line messages and titles, input problems,
report labels) is written here or at its call site once, with both languages:

- :class:`Msg` is one message as a zh/en pair; :func:`pick` chooses the
  language of a :data:`Text` (a ``Msg`` or a plain string, which is data and
  never translated);
- :data:`CATALOGUE` holds the keyed messages of the command line and the
  labels of the reports (chart titles, table headers, captions), looked up
  with :func:`t`; :mod:`simulator.report.i18n` re-exports it for the report.

Names that come from user files (scenario, fund, program, target names) are
data, never translated: the English output uses their ``name_en`` when the
scenario gives one (:func:`display_name`).

``str()`` of a ``Msg`` is its English text, so logs, exceptions raised through
the Python API and tests that match English words keep working; the CLI
renders every message in the language of ``--lang``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeAlias, cast, runtime_checkable

from simulator.messages import CATALOGUE as CATALOGUE  # the one catalogue of messages, re-exported

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

LANGS: tuple[Lang, ...] = ("zh", "en")

def check_lang(lang: str) -> Lang:
    """Validate a language code.

    Args:
        lang: ``"zh"`` or ``"en"``.

    Returns:
        The same code, typed.

    Raises:
        ValueError: for any other code.
    """
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: use 'zh' or 'en'")
    return cast(Lang, lang)


LEVEL_ORDER: tuple[str, ...] = ("province", "city", "county", "district", "zone", "off_budget")
"""Funding levels from the top down, then money outside the budgets (a fund with
``budget: false``, e.g. a state-owned group's capital); unknown levels sort after these."""

_LEVEL_ALIASES: dict[str, str] = {
    "province": "province",
    "provincial": "province",
    "省": "province",
    "city": "city",
    "municipal": "city",
    "市": "city",
    "county": "county",
    "县": "county",
    "district": "district",
    "区": "district",
    "zone": "zone",
    "park": "zone",
    "dev_zone": "zone",
    "development_zone": "zone",
    "hightech_zone": "zone",
    "high_tech_zone": "zone",
    "园区": "zone",
    "off_budget": "off_budget",
    "预算外": "off_budget",
    "非预算资金": "off_budget",
}


def canonical_level(level: str) -> str | None:
    """Map a level code (or alias) to one of :data:`LEVEL_ORDER`, else ``None``.

    >>> canonical_level("Municipal"), canonical_level("park"), canonical_level("LC")
    ('city', 'zone', None)
    """
    return _LEVEL_ALIASES.get(str(level).strip().lower())


def level_sort_key(level: str) -> tuple[int, str]:
    """Sort key putting known levels in hierarchy order, then the rest by name."""
    canon = canonical_level(level)
    return (LEVEL_ORDER.index(canon), "") if canon else (len(LEVEL_ORDER), str(level))


def level_label(
    level: str, lang: Lang = "zh", jurisdictions: Mapping[str, Mapping[str, Any]] | None = None
) -> str:
    """Display label of a funding level.

    Args:
        level: level code from the store (``province``, ``city`` ...) or a
            jurisdiction id.
        lang: ``"zh"`` or ``"en"``.
        jurisdictions: the manifest's jurisdictions, used when ``level`` is
            a jurisdiction id.

    Returns:
        The translated level, the jurisdiction's name, or the code itself.

    >>> level_label("zone"), level_label("province", "en")
    ('园区', 'Province')
    >>> level_label("TA-HTZ", "zh", {"TA-HTZ": {"name": "泰安高新区"}})
    '泰安高新区'
    """
    canon = canonical_level(level)
    if canon:
        return t(f"level_{canon}", lang)
    if jurisdictions and level in jurisdictions:
        return display_name(jurisdictions[level], lang, level)
    return str(level)


def display_name(entry: Mapping[str, Any] | None, lang: Lang, fallback: str) -> str:
    """Name of a manifest entry in the report language.

    Args:
        entry: manifest entry with ``name`` and optionally ``name_en``.
        lang: ``"zh"`` or ``"en"``.
        fallback: returned when the entry has no usable name (usually its id).

    Returns:
        ``name_en`` for English when present, else ``name``, else ``fallback``.

    >>> display_name({"name": "专项资金", "name_en": "Special fund"}, "en", "F1")
    'Special fund'
    >>> display_name({"name": "专项资金"}, "en", "F1")
    '专项资金'
    >>> display_name(None, "zh", "F1")
    'F1'
    """
    if not entry:
        return str(fallback)
    if lang == "en":
        en = entry.get("name_en")
        if isinstance(en, str) and en.strip():
            return en
    name = entry.get("name")
    if isinstance(name, str) and name.strip():
        return name
    return str(fallback)


def source_kind_label(kind: str, lang: Lang = "zh") -> str:
    """Translate an input's ``source_kind``; unknown kinds print as given.

    >>> source_kind_label("assumption"), source_kind_label("clause", "en"), source_kind_label("x")
    ('假设', 'policy clause', 'x')
    """
    key = f"kind_{kind}"
    return t(key, lang) if key in CATALOGUE else str(kind)


def engine_label(engine: str, lang: Lang = "zh") -> str:
    """Describe the engine that produced a run.

    >>> engine_label("des"), engine_label("fast"), engine_label("fast", "en"), engine_label("other")
    ('离散事件引擎（des）', '向量化引擎（fast）', 'vectorised engine (fast)', 'other')
    """
    e = str(engine)
    if e == "des":
        return t("engine_des", lang)
    if e == "fast" or e.startswith("vec") or e in ("numpy", "array"):
        return t("engine_vector", lang, name=e)
    return e


def t(key: str, lang: Lang = "zh", **kwargs: Any) -> str:
    """Look up a message or label and fill in its fields.

    Args:
        key: catalogue key.
        lang: ``"zh"`` or ``"en"``.
        **kwargs: values for the ``{field}`` placeholders.

    Returns:
        The text in the requested language.

    Raises:
        KeyError: for a key that is not in the catalogue.

    >>> t("page", "en", n=2, total=9)
    'Page 2 of 9'
    >>> t("bad_files", "zh", n=1, total=3)
    '1 个文件无效（共 3 个）'
    """
    zh, en = CATALOGUE[key]
    text = en if lang == "en" else zh
    return text.format(**kwargs) if kwargs else text


def level_name(level: str, lang: Lang) -> str:
    """Display name of a funding level."""
    return LEVELS.get(level, {}).get(lang, level)
