"""The actual figures of a nowcast run, as the run report reads and shows them.

A run started from actual figures (``fiscalsim run --actuals FILE --as-of
DATE``) records them in ``manifest.json`` under ``actuals`` (the file as
given, its sha256, the as-of date, one record per row in model units, and
whether the parameter draws were conditioned on them) and the date in
``summary.json`` as ``as_of``. This module reads both, checks that they agree,
and answers what the report needs: the points of one fund or target, whether
a year is actual, partly actual or projected, the yearly amounts paid that
the actuals fix, and the model's figures on the dates of the actuals.

A store without the ``actuals`` key is an ordinary run: :func:`actuals_of`
returns None and the report is unchanged.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from simulator.i18n import Msg
from simulator.report.analysis import cumulative_draw_bands
from simulator.report.fmt import Lang
from simulator.report.outcomes import metric_bands
from simulator.report.store import RunStore, StoreError
from simulator.report.texts import bt

KINDS: tuple[str, ...] = ("fund", "target", "program", "population")
"""What an actuals row observes: a fund's cumulative paid (fen), a target's level, a program's
cumulative claims paid, a population's entity count."""

Phase = Literal["actual", "partial", "projected"]


@dataclass(frozen=True)
class ActualRow:
    """One row of the actuals file, in model units.

    Attributes:
        line: line of the actuals file.
        date: ``YYYY-MM-DD``.
        id: the fund, target, program or population it observes.
        kind: one of :data:`KINDS`.
        value: fen for a fund (cumulative paid), else the observed level.
        unit: the unit as written in the file (may be empty).
        note: the note as written (may be empty).
    """

    line: int
    date: str
    id: str
    kind: str
    value: float
    unit: str
    note: str


@dataclass(frozen=True)
class Actuals:
    """The actual figures a run started from.

    Attributes:
        file: the actuals file as given on the command line.
        sha256: the file's sha256 (hex).
        as_of: ``YYYY-MM-DD``: history up to this date is actual, projection after it.
        rows: the rows, in the order of the file.
        parameters_conditioned: whether the parameter draws were conditioned on the actuals.
    """

    file: str
    sha256: str
    as_of: str
    rows: tuple[ActualRow, ...]
    parameters_conditioned: bool

    @property
    def name(self) -> str:
        """The file's name without its folder.

        >>> Actuals("data/actuals/lc.csv", "0" * 64, "2021-12-31", (), False).name
        'lc.csv'
        """
        return self.file.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]

    def points(self, kind: str, ident: str) -> list[tuple[str, float]]:
        """``(date, value)`` of one fund, target, program or population, in date order."""
        return sorted((r.date, r.value) for r in self.rows if r.kind == kind and r.id == ident)


EXPECTED: dict[str, tuple[str, str]] = {
    "object": ("对象", "an object"),
    "list": ("列表", "a list"),
    "line": ("行号（整数）", "a line number"),
    "value": ("不小于 0 的数", "a number >= 0"),
    "kind": (f"{' / '.join(KINDS)} 之一", f"one of {', '.join(KINDS)}"),
    "id": ("编号", "an id"),
    "text": ("文字", "text"),
    "date": ("日期 YYYY-MM-DD", "a date YYYY-MM-DD"),
    "file": ("文件路径", "the file's path"),
    "sha256": ("64 位十六进制数", "64 hex digits"),
    "bool": ("true 或 false", "true or false"),
}
"""What each field of the manifest's ``actuals`` record must be, in each language."""


def _bad(where: Path, key: str, value: object, expected: str) -> StoreError:
    """The error of one field of the ``actuals`` record: the file, the key, the value found, what was expected."""
    zh, en = EXPECTED[expected]
    return StoreError(Msg(f"{where}：actuals.{key} 应为{zh}（实际为 {value!r}）",
                          f"{where}: actuals.{key} must be {en} (got {value!r})"))


def _row(raw: object, i: int, where: Path) -> ActualRow:
    """One row record of the manifest, checked."""
    key = f"rows[{i}]"
    if not isinstance(raw, Mapping):
        raise _bad(where, key, raw, "object")
    line, value, kind, ident = raw.get("line"), raw.get("value"), raw.get("kind"), raw.get("id")
    if not isinstance(line, int) or isinstance(line, bool):
        raise _bad(where, f"{key}.line", line, "line")
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
        raise _bad(where, f"{key}.value", value, "value")
    if kind not in KINDS:
        raise _bad(where, f"{key}.kind", kind, "kind")
    if not isinstance(ident, str) or not ident:
        raise _bad(where, f"{key}.id", ident, "id")
    texts = {k: raw.get(k) or "" for k in ("unit", "note")}
    for k, v in texts.items():
        if not isinstance(v, str):
            raise _bad(where, f"{key}.{k}", v, "text")
    return ActualRow(line=line, date=_iso(raw.get("date"), where, f"{key}.date"), id=ident,
                     kind=str(kind), value=float(value), unit=texts["unit"], note=texts["note"])


def _iso(value: object, where: Path, key: str) -> str:
    """A ``YYYY-MM-DD`` date, checked."""
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise _bad(where, key, value, "date")


def actuals_of(store: RunStore) -> Actuals | None:
    """The actual figures a run started from, or None for an ordinary run (cached on the store).

    Raises:
        StoreError: if the manifest's ``actuals`` record is malformed, a row
            is dated after its as-of date, or ``summary.json``'s ``as_of``
            disagrees with it.
    """
    if "actuals" in store.memo:
        cached = store.memo["actuals"]
        return cached if isinstance(cached, Actuals) else None
    out = _read(store)
    store.memo["actuals"] = out
    return out


def _read(store: RunStore) -> Actuals | None:
    where, swhere = store.path / "manifest.json", store.path / "summary.json"
    raw = store.manifest.get("actuals")
    said = store.summary.get("as_of")
    if raw is None:
        if said is not None:
            raise StoreError(Msg(f"{swhere}：as_of 为 {said!r}，但 manifest.json 没有记录实际数（actuals）",
                                 f"{swhere}: 'as_of' is {said!r} but manifest.json records no actuals"))
        return None
    if not isinstance(raw, Mapping):
        raise StoreError(Msg(f"{where}：actuals 应为对象", f"{where}: 'actuals' must be an object"))
    as_of = _iso(raw.get("as_of"), where, "as_of")
    if said is not None and said != as_of:
        raise StoreError(Msg(f"{swhere}：as_of 为 {said!r}，与 manifest.json 的 actuals.as_of {as_of!r} 不一致",
                             f"{swhere}: 'as_of' is {said!r} but manifest.json's actuals.as_of is {as_of!r}"))
    file, sha, rows_raw = raw.get("file"), raw.get("sha256"), raw.get("rows")
    if not isinstance(file, str) or not file:
        raise _bad(where, "file", file, "file")
    if not isinstance(sha, str) or len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise _bad(where, "sha256", sha, "sha256")
    if not isinstance(rows_raw, list):
        raise _bad(where, "rows", rows_raw, "list")
    rows = tuple(_row(r, i, where) for i, r in enumerate(rows_raw))
    for r in rows:
        if r.date > as_of:
            raise StoreError(Msg(f"{where}：实际数第 {r.line} 行（{r.id}）的日期 {r.date} 晚于截止日 {as_of}",
                                 f"{where}: the actuals row of line {r.line} ({r.id}) is dated {r.date}, "
                                 f"after as_of {as_of}"))
    cond = raw.get("parameters_conditioned", False)
    if not isinstance(cond, bool):
        raise _bad(where, "parameters_conditioned", cond, "bool")
    return Actuals(file=file, sha256=sha, as_of=as_of, rows=rows, parameters_conditioned=cond)


# --------------------------------------------------------------------------- years and dates


def year_phase(year: int, as_of: str) -> Phase:
    """Whether a year is wholly actual, partly actual (it holds the as-of date) or projected.

    >>> [year_phase(y, "2021-12-31") for y in (2020, 2021, 2022)]
    ['actual', 'actual', 'projected']
    >>> [year_phase(y, "2021-06-30") for y in (2020, 2021, 2022)]
    ['actual', 'partial', 'projected']
    """
    d = _dt.date.fromisoformat(as_of)
    if year < d.year or (year == d.year and (d.month, d.day) == (12, 31)):
        return "actual"
    return "partial" if year == d.year else "projected"


def year_heading(year: int, as_of: str | None, lang: Lang) -> str:
    """A year column's header: the year, and under it whether the year is actual, part actual or projected.

    >>> year_heading(2021, "2021-06-30", "zh"), year_heading(2022, "2021-06-30", "en"), year_heading(2022, None, "en")
    ('2021\\n部分实际', '2022\\nprojected', '2022')
    """
    if as_of is None:
        return str(year)
    return f"{year}\n{bt(f'phase_{year_phase(year, as_of)}', lang)}"


def conditioned_text(actuals: Actuals, lang: Lang) -> str:
    """Whether the parameter draws were conditioned on the actuals, as a clause."""
    return bt("params_conditioned" if actuals.parameters_conditioned else "params_not_conditioned", lang)


def brief_line(actuals: Actuals, lang: Lang) -> str:
    """The brief's line: the actuals' date, file and sha256 prefix, and whether the parameters were conditioned.

    >>> a = Actuals("data/actuals/lc.csv", "0123456789ab" + "f" * 52, "2021-12-31", (), False)
    >>> brief_line(a, "zh")
    '基于截至 2021-12-31 的实际数（文件 lc.csv，sha256 0123456789ab）；参数抽样未按实际数校准'
    """
    return bt("brief_actuals", lang, date=actuals.as_of, file=actuals.name, sha=actuals.sha256[:12],
              cond=conditioned_text(actuals, lang))


def as_of_of(store: RunStore) -> str | None:
    """The as-of date of a nowcast run, or None for an ordinary run."""
    a = actuals_of(store)
    return a.as_of if a else None


def date_fraction(iso: str) -> float:
    """A date as a year with its fraction, a month end falling where the report's month ends fall.

    >>> date_fraction("2020-12-31"), date_fraction("2021-06-30"), date_fraction("2021-01-15") - 2021 < 1 / 12
    (2021.0, 2021.5, True)
    """
    d = _dt.date.fromisoformat(iso[:10])
    days = calendar.monthrange(d.year, d.month)[1]
    return d.year + (d.month - 1 + d.day / days) / 12


def year_end(year: int) -> str:
    """The last day of a year, ``YYYY-12-31``."""
    return f"{year:04d}-12-31"


def paid_by_year(actuals: Actuals, fund: str, years: Sequence[int], start: str) -> list[float]:
    """The amount a fund paid in each year (fen) as the actuals fix it, NaN where they do not.

    A year's amount is fixed when its cumulative paid is observed at the year's
    end (or, for the year holding the as-of date, at that date) and at the
    previous year's end, or when the year is the first of the horizon (the
    cumulative paid starts at zero on the start date).

    >>> a = Actuals("f", "0" * 64, "2021-06-30", (ActualRow(2, "2020-12-31", "F", "fund", 500.0, "", ""),
    ...     ActualRow(3, "2021-06-30", "F", "fund", 800.0, "", "")), False)
    >>> paid_by_year(a, "F", [2020, 2021, 2022], "2020-04-10")
    [500.0, 300.0, nan]
    """
    at = dict(actuals.points("fund", fund))
    first = int(start[:4])
    out: list[float] = []
    for y in years:
        end = min(year_end(y), actuals.as_of)
        before = 0.0 if y == first else at.get(year_end(y - 1))
        if y > int(actuals.as_of[:4]) or end not in at or before is None:
            out.append(math.nan)
        else:
            out.append(at[end] - before)
    return out


# --------------------------------------------------------------------------- the model on the dates of the actuals


@dataclass(frozen=True)
class Check:
    """An actuals row next to the model's figure on its date.

    Attributes:
        row: the actuals row.
        model: ``p5, p50, p95, mean`` of the model at the end of the row's month
            (fen for a fund's cumulative paid, else the metric), or None when the
            store holds no such series (a program or population, or an id the
            run does not know).
    """

    row: ActualRow
    model: dict[str, float] | None


def checks(store: RunStore, actuals: Actuals) -> list[Check]:
    """Every row of the actuals, in file order, with the model's figure on its date where the store has it."""
    out: list[Check] = []
    for r in actuals.rows:
        month = r.date[:7]
        bands: Any = None
        if r.kind == "fund" and r.id in store.funds:
            bands = cumulative_draw_bands(store, r.id)
        elif r.kind == "target" and r.id in store.targets:
            bands = metric_bands(store, r.id)
        model = None
        if bands is not None and month in bands.index:
            model = {k: float(bands.loc[month, k]) for k in ("p5", "p50", "p95", "mean")}
        out.append(Check(r, model))
    return out
