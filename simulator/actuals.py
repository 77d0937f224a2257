"""Actuals: the file of actual figures a nowcast starts from, read and checked into a :class:`Nowcast`.

A bureau keeps what has actually happened in a small table, one observation a
row (CSV in UTF-8, with or without a byte-order mark, or the first sheet of an
xlsx workbook)::

    date,id,value,unit,note
    2020-12-31,lc-city-sci,320,万元,paid in 2020
    2021-12-31,lc-city-sci,780,万元,cumulative since the fund opened
    2021-12-31,LC-6,3,,communities recognised

``id`` is a target id (``value``: the observed level of the target's metric,
in the metric's own units: counts as counts, yuan targets as amounts such as
``62.5亿元``, shares as ``0.35`` or ``35%``), a fund id (``value``: the
cumulative amount paid since the fund opened, in yuan or with 万元/亿元, or a
bare number with ``unit`` 元/万元/亿元), a program id (the cumulative number of
claims paid) or a population id (its number of entities).  The Chinese headers
日期, 编号, 数值, 单位, 备注 are accepted too.

:func:`read_actuals` checks every row against the scenario and the as-of date
and turns each problem into a :class:`~simulator.errors.Problem` naming the
file, the line, the id, the bad value and what was expected; then the ids the
model cannot hold to (:func:`simulator.model.nowcast.unsupported`) are
problems too.  :func:`with_actuals` attaches the result to a loaded scenario
(``scenario.nowcast``) together with the record the run's ``manifest.json``
keeps under ``actuals``.

A fund never pays more than it holds (``overclaim: queue`` keeps unpaid claims
waiting, it does not overdraw): a cumulative amount paid above the fund's
appropriations up to that year is an error, and only a warning for a fund that
also receives guidance-fund distributions (income the appropriations do not
show).
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from simulator.errors import InputError, Problem, TextError, did_you_mean
from simulator.i18n import Msg, Text, did_you_mean_hint, one_of
from simulator.loader import LoadedScenario
from simulator.messages import CATALOGUE
from simulator.model.nowcast import unsupported
from simulator.money import MoneyFormatError, describe_amount, parse_amount, parse_share
from simulator.names import LINE_MAX, NAME_MAX, check_name, check_prose
from simulator.scenario import Nowcast, ObservedLevel, ObservedPaid, Scenario

__all__ = ["ActualRow", "Actuals", "Kind", "actuals_label", "as_of_date", "attach_actuals", "check_pair",
           "read_actuals", "with_actuals"]

Kind = Literal["target", "fund", "program", "population"]
KINDS: tuple[Kind, ...] = ("target", "fund", "program", "population")
"""The kinds an id resolves to, in the order they are looked up."""
COLUMNS: dict[str, str] = {"date": "date", "id": "id", "value": "value", "unit": "unit", "note": "note",
                           "日期": "date", "编号": "id", "数值": "value", "单位": "unit", "备注": "note"}
"""Accepted headers (English and Chinese) and the column each one names."""
REQUIRED = ("date", "id", "value")
MONEY_UNITS: dict[str, str] = {"元": "元", "万元": "万元", "亿元": "亿元", "yuan": "元", "万": "万元", "亿": "亿元"}
"""Units of an amount (the ``unit`` column of a fund or a yuan target)."""
MAX_PROBLEMS = 20
"""At most this many problems are listed (the first ones, in file order)."""
_KIND_ZH = {"target": "目标", "fund": "资金", "program": "项目", "population": "群体"}
_AMOUNT_UNIT_RE = re.compile(r"(亿元|万元|亿|万|元)\s*$")


def _m(key: str, **kw: object) -> Msg:
    """A message of the catalogue as a :class:`Msg` pair, its fields filled in."""
    zh, en = CATALOGUE[key]
    return Msg(zh.format(**kw), en.format(**kw))


@dataclass(frozen=True)
class ActualRow:
    """One checked row of an actuals file, its value in model units (fen for a fund)."""

    line: int
    date: date
    id: str
    kind: Kind
    value: int | float
    unit: str = ""
    note: str = ""

    def record(self) -> dict[str, Any]:
        """The row as ``manifest.json`` lists it."""
        return {"line": self.line, "date": self.date.isoformat(), "id": self.id, "kind": self.kind,
                "value": self.value, "unit": self.unit, "note": self.note}


@dataclass(frozen=True)
class Actuals:
    """A read and checked actuals file: the nowcast, its rows, and the warnings to print."""

    nowcast: Nowcast
    rows: tuple[ActualRow, ...]
    warnings: tuple[Problem, ...] = ()

    def record(self) -> dict[str, Any]:
        """The ``actuals`` record of a run's ``manifest.json``.

        >>> from datetime import date
        >>> n = Nowcast(as_of=date(2021, 12, 31), file="a.csv", sha256="0" * 64)
        >>> Actuals(n, ()).record()["as_of"]
        '2021-12-31'
        """
        n = self.nowcast
        return {"file": n.file, "sha256": n.sha256, "as_of": n.as_of.isoformat(),
                "rows": [r.record() for r in sorted(self.rows, key=lambda r: r.line)],
                "parameters_conditioned": False}


def actuals_label(record: object) -> str:
    """A short description of a manifest's ``actuals`` record (for the resume check's message)."""
    if not isinstance(record, Mapping):
        return "none"
    return f"{record.get('file')} (sha256 {str(record.get('sha256'))[:12]}..., as of {record.get('as_of')})"


def with_actuals(loaded: LoadedScenario, actuals: Actuals) -> LoadedScenario:
    """The loaded scenario with ``actuals`` attached: ``scenario.nowcast`` and the manifest record."""
    scenario = loaded.scenario.model_copy(update={"nowcast": actuals.nowcast})
    return dataclasses.replace(loaded, scenario=scenario, actuals=actuals.record())


def check_pair(actuals: object, as_of: object, names: tuple[str, str] = ("--actuals", "--as-of")) -> None:
    """Refuse an actuals file without an as-of date, or the reverse.

    >>> check_pair(None, None)
    >>> try:
    ...     check_pair("a.csv", None)
    ... except InputError as exc:
    ...     print(exc.problems[0].path, exc.problems[0].message)
    --as-of --actuals and --as-of go together
    """
    if (actuals is None) != (as_of is None):
        missing = names[1] if as_of is None else names[0]
        raise InputError(Problem(_m("act_pair"), path=missing, expected=_m("act_pair_form")))


def attach_actuals(loaded: LoadedScenario, path: str | Path, as_of: date | str,
                   option: str = "--as-of") -> tuple[LoadedScenario, tuple[Problem, ...]]:
    """Read an actuals file for ``loaded`` and attach it; also return the warnings to print.

    ``as_of`` may be text (``YYYY-MM-DD``, from the command line; ``option``
    names it in messages).
    """
    when = as_of if isinstance(as_of, date) else as_of_date(as_of, option)
    actuals = read_actuals(path, loaded.scenario, when)
    return with_actuals(loaded, actuals), actuals.warnings


def as_of_date(text: str, option: str = "--as-of") -> date:
    """Read the as-of date of the command line (or a sweep spec).

    >>> as_of_date("2021-12-31")
    datetime.date(2021, 12, 31)
    """
    parsed = _date(text)
    if parsed is None:
        raise InputError(Problem(_m("act_bad_date"), path=option, value=text, has_value=True,
                                 expected=_m("act_date_form")))
    return parsed


# --------------------------------------------------------------------------- reading the cells


def _cells(path: Path, given: str) -> tuple[list[object], list[tuple[int, list[object]]]]:
    """The header and the data rows (with their line numbers) of a CSV or xlsx file; blank rows are left out."""
    if not path.is_file():
        raise InputError(Problem(_m("act_file_missing"), file=given, expected=_m("act_file_form")))
    data = path.read_bytes()
    if path.suffix.lower() in (".xlsx", ".xlsm") or data[:4] == b"PK\x03\x04":
        table = _xlsx_rows(data, given)
    else:
        table = _csv_rows(data, given)
    table = [(line, cells) for line, cells in table if any(_text(c) for c in cells)]
    if not table:
        raise InputError(Problem(_m("act_empty"), file=given, expected=_m("act_file_form")))
    (_, header), *rows = table
    return header, rows


def _csv_rows(data: bytes, given: str) -> list[tuple[int, list[object]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(Problem(_m("act_not_utf8"), file=given, line=line, expected=Msg(
            "UTF-8 编码的 CSV 文件（请另存为 UTF-8，而非 GBK）", "a UTF-8 CSV file (save it as UTF-8, not GBK)"))) from None
    if "\x00" in text:
        raise InputError(Problem(_m("act_binary"), file=given, expected=_m("act_file_form")))
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[object]]] = []
    try:
        for cells in reader:
            rows.append((reader.line_num, list(cells)))
    except csv.Error as exc:
        raise InputError(Problem(Msg(f"CSV 格式有误：{exc}", f"malformed CSV: {exc}"), file=given,
                                 line=reader.line_num, expected=_m("act_file_form"))) from None
    return rows


def _xlsx_rows(data: bytes, given: str) -> list[tuple[int, list[object]]]:
    """The first sheet's cell values (read only; a formula gives the value Excel saved, never evaluated here)."""
    import zipfile

    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise InputError(Problem(_m("act_bad_xlsx", error=type(exc).__name__), file=given,
                                 expected=_m("act_file_form"))) from None
    try:
        sheet = book.worksheets[0]
        return [(i, list(values)) for i, values in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        book.close()


def _text(cell: object) -> str:
    """A cell as text (numbers in plain decimal form, no exponent)."""
    if cell is None:
        return ""
    if isinstance(cell, float) and math.isfinite(cell):
        text = format(Decimal(repr(cell)), "f")
        return text[:-2] if text.endswith(".0") else text
    return str(cell).strip()


def _date(cell: object) -> date | None:
    """A date cell: a date (or midnight datetime) of a workbook, or text YYYY-MM-DD (or YYYY/MM/DD)."""
    if isinstance(cell, datetime):
        return cell.date() if cell.time() == datetime.min.time() else None
    if isinstance(cell, date):
        return cell
    text = _text(cell)
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _columns(header: Sequence[object], given: str) -> dict[str, int]:
    """Which position each column has; a missing, unknown or repeated column is a problem on line 1."""
    where: dict[str, int] = {}
    for i, cell in enumerate(header):
        name = _text(cell)
        key = COLUMNS.get(name.lower(), COLUMNS.get(name))
        if key is None:
            if not name:
                continue
            raise InputError(Problem(_m("act_unknown_column"), file=given, line=1, path=name, value=name,
                                     has_value=True, expected=_m("act_columns"),
                                     hint=did_you_mean_hint(did_you_mean(name.lower(), list(COLUMNS)))))
        if key in where:
            raise InputError(Problem(_m("act_column_twice"), file=given, line=1, path=name, value=name,
                                     has_value=True, expected=_m("act_columns")))
        where[key] = i
    for key in REQUIRED:
        if key not in where:
            raise InputError(Problem(_m("act_missing_column", column=key), file=given, line=1,
                                     value=[_text(c) for c in header], has_value=True, expected=_m("act_columns")))
    return where


# --------------------------------------------------------------------------- checking the rows


class _Bad(Exception):
    """A value refused: the message and the expected form (turned into a Problem by the caller)."""

    def __init__(self, message: Text, expected: Text, hint: Text | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.expected = expected
        self.hint = hint


@dataclass
class _Reader:
    """What the row checks share: the file as given, the scenario, the as-of date and the problems found."""

    given: str
    scenario: Scenario
    as_of: date
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def problem(self, message: Text, line: int | None, rid: str | None, value: object, expected: Text | None,
                hint: Text | None = None, warn: bool = False) -> None:
        """Record a problem (or a warning) of the file."""
        p = Problem(message, file=self.given, line=line, path=rid, value=value, has_value=value is not None,
                    expected=expected, hint=hint)
        (self.warnings if warn else self.problems).append(p)

    def kind_of(self, rid: str, line: int) -> Kind | None:
        """What an id names (targets, funds, programs, populations, in that order); a problem if none or two."""
        s = self.scenario
        tables: tuple[Mapping[str, object], ...] = (s.targets, s.funds, s.programs, s.populations)
        found = [k for k, ids in zip(KINDS, tables, strict=True) if rid in ids]
        if len(found) == 1:
            return found[0]
        if found:
            zh, en = CATALOGUE["act_two_kinds"]
            message = Msg(zh.format(kinds="、".join(_KIND_ZH[k] for k in found)),
                          en.format(kinds=" and a ".join(found)))
            self.problem(message, line, rid, rid, _m("act_one_kind"))
            return None
        known = [*s.targets, *s.funds, *s.programs, *s.populations]
        self.problem(_m("act_unknown_id"), line, rid, rid, _m("act_ids"),
                     did_you_mean_hint(did_you_mean(rid, known)))
        return None


def _row(rd: _Reader, line: int, cells: Sequence[object], cols: Mapping[str, int]) -> ActualRow | None:
    """One row checked: its date, id and value in model units (None after recording its problem)."""
    used = set(cols.values())
    if any(_text(c) for i, c in enumerate(cells) if i not in used):
        rd.problem(_m("act_extra_cells"), line, None, [_text(c) for c in cells], _m("act_columns"))
        return None

    def cell(key: str) -> object:
        i = cols.get(key)
        return cells[i] if i is not None and i < len(cells) else None

    for key in REQUIRED:
        if not _text(cell(key)):
            rd.problem(_m("act_empty_cell", column=key), line, _text(cell("id")) or None, None, _m("act_columns"))
            return None
    rid, unit, note = _text(cell("id")), _text(cell("unit")), _text(cell("note"))
    if not _plain(rd, line, (("id", rid), ("unit", unit), ("note", note))):
        return None
    when = _date(cell("date"))
    if when is None:
        rd.problem(_m("act_bad_date"), line, rid, _text(cell("date")), _m("act_date_form"))
        return None
    start = rd.scenario.scenario.start
    if when > rd.as_of:
        rd.problem(_m("act_after_as_of"), line, rid, when.isoformat(), _m("act_not_after", as_of=rd.as_of))
        return None
    if when < start:
        rd.problem(_m("act_before_start"), line, rid, when.isoformat(), _m("act_not_before", start=start))
        return None
    kind = rd.kind_of(rid, line)
    if kind is None:
        return None
    try:
        value = _value(rd.scenario, kind, rid, cell("value"), unit)
    except _Bad as bad:
        rd.problem(bad.message, line, rid, _text(cell("value")) + (f" {unit}" if unit else ""), bad.expected, bad.hint)
        return None
    return ActualRow(line, when, rid, kind, value, unit, note)


def _plain(rd: _Reader, line: int, texts: Sequence[tuple[str, str]]) -> bool:
    """Whether the text cells are plain text (no control characters, not too long); a problem if not."""
    for column, text in texts:
        try:
            (check_prose if column == "note" else check_name)(text)
            if len(text) > (LINE_MAX if column == "note" else NAME_MAX):
                raise TextError(Msg(f"过长（{len(text)} 个字符）", f"too long ({len(text)} characters)"))
        except TextError as exc:
            rd.problem(exc.msg, line, column, None, None)
            return False
    return True


def _value(s: Scenario, kind: Kind, rid: str, raw: object, unit: str) -> int | float:
    """A row's value in model units: fen for a fund, the metric's level for a target, a count otherwise."""
    if kind == "fund":
        return _amount(raw, unit)
    if kind == "target":
        target = s.targets[rid]
        if target.unit == "yuan":
            return _amount(raw, unit) / 100  # the metric's unit: yuan
        if unit in MONEY_UNITS:
            raise _Bad(_m("act_bad_unit"), Msg(f"{target.unit} 类目标的取值，不带金额单位",
                                               f"a {target.unit} level without a money unit"))
        if target.unit == "share":
            return _share(raw, unit)
        number = _number(raw)
        whole = target.unit == "count" and target.metric.states is None
        return _whole(number) if whole else number
    if unit in MONEY_UNITS:
        raise _Bad(_m("act_bad_unit"), Msg("一个数量（笔数或个数），不带金额单位", "a count, without a money unit"))
    return _whole(_number(raw))


def _number(raw: object) -> float:
    """A finite number at least 0 (thousands separators allowed)."""
    if isinstance(raw, bool):
        raise _Bad(_m("act_not_number"), Msg("一个数", "a number"))
    text = _text(raw).replace(",", "")
    try:
        number = float(Decimal(text))
    except (InvalidOperation, ValueError):
        raise _Bad(_m("act_not_number"), Msg("一个不小于 0 的数", "a number at least 0")) from None
    if not math.isfinite(number):
        raise _Bad(_m("act_not_number"), Msg("一个有限的数", "a finite number"))
    if number < 0:
        raise _Bad(_m("act_negative"), Msg("不小于 0 的数", "a number at least 0"))
    return number


def _whole(number: float) -> int:
    if number != int(number):
        raise _Bad(_m("act_not_integer"), Msg("一个整数（个数）", "a whole number (a count)"))
    return int(number)


def _share(raw: object, unit: str) -> float:
    """A share in [0, 1]: ``0.35``, ``35%``, or ``35`` with unit ``%``."""
    text = _text(raw)
    if unit == "%":
        text = text.rstrip("%") + "%"
    if text.startswith("-"):
        raise _Bad(_m("act_negative"), Msg("0 到 1 之间的比例，如 0.35 或 35%", "a share from 0 to 1, e.g. 0.35 or 35%"))
    try:
        return float(parse_share(text))
    except MoneyFormatError as exc:
        raise _Bad(_m("act_not_number"), exc.expected_text) from None


def _amount(raw: object, unit: str) -> int:
    """An amount in fen: ``7800000``, ``780万元``, or a bare number with unit 元/万元/亿元."""
    text = _text(raw)
    if text.startswith("-"):
        raise _Bad(_m("act_negative"), Msg("不小于 0 的金额", "an amount at least 0"))
    if unit:
        if unit not in MONEY_UNITS:
            raise _Bad(_m("act_bad_unit"), one_of(["元", "万元", "亿元"]))
        written = _AMOUNT_UNIT_RE.search(text)
        if written is None:
            text += MONEY_UNITS[unit]
        elif MONEY_UNITS[written.group(1)] != MONEY_UNITS[unit]:
            raise _Bad(_m("act_unit_twice"), Msg(f"单位只写一处，或两处相同（{unit}）",
                                                 f"the unit written once, or the same twice ({unit})"))
    try:
        return parse_amount(text)
    except MoneyFormatError as exc:
        hint = Msg(f"是否应为 {exc.suggestion!r}？", f"did you mean {exc.suggestion!r}?") if exc.suggestion else None
        raise _Bad(_m("act_bad_amount"), exc.expected_text, hint) from None


def _series_checks(rd: _Reader, rows: Sequence[ActualRow]) -> None:
    """Checks across rows: one value per date and id; cumulative amounts and claims never go down; the budget."""
    first: dict[tuple[date, str], int] = {}
    for r in rows:
        key = (r.date, r.id)
        if key in first:
            rd.problem(_m("act_duplicate"), r.line, r.id, f"{r.date},{r.id}", _m("act_once", line=first[key]))
        first.setdefault(key, r.line)
    by_id: dict[str, list[ActualRow]] = {}
    for r in sorted(rows, key=lambda r: (r.date, r.line)):
        by_id.setdefault(r.id, []).append(r)
    for rid, points in by_id.items():
        kind = points[0].kind
        if kind in ("fund", "program"):
            for before, now in itertools.pairwise(points):
                if now.value < before.value and now.date != before.date:
                    shown = describe_amount(int(before.value)) if kind == "fund" else before.value
                    down, form = ("act_paid_down", "act_paid_form") if kind == "fund" else ("act_claims_down",
                                                                                              "act_claims_form")
                    got = describe_amount(int(now.value)) if kind == "fund" else now.value
                    rd.problem(_m(down), now.line, rid, got, _m(form, line=before.line, before=shown))
        if kind == "fund":
            _budget_check(rd, rid, points)


def _budget_check(rd: _Reader, rid: str, points: Sequence[ActualRow]) -> None:
    """A fund pays at most its appropriations up to the year of the figure (a warning if it has income)."""
    fund = rd.scenario.funds[rid]
    income = any(g.fund == rid and g.distributions == "credit_to_fund" for g in rd.scenario.guidance_funds.values())
    for r in points:
        budget = sum(int(v) for y, v in fund.appropriations.items() if y <= r.date.year)
        if int(r.value) > budget:
            rd.problem(_m("act_over_budget"), r.line, rid, describe_amount(int(r.value)),
                       _m("act_budget_form", year=r.date.year, approp=describe_amount(budget)),
                       _m("act_income_hint") if income else None, warn=income)


# --------------------------------------------------------------------------- the nowcast


def read_actuals(path: str | Path, scenario: Scenario, as_of: date, *, option: str = "--as-of",
                 source: str | None = None) -> Actuals:
    """Read an actuals file and check it against ``scenario`` and ``as_of``.

    Args:
        path: The CSV or xlsx file (named in messages as given).
        scenario: The loaded scenario the figures belong to.
        as_of: The date up to which the figures are actual (within the scenario's horizon).
        option: How messages name the as-of date (``--as-of``, or a sweep spec's ``as_of``).
        source: The file that gave the as-of date (a sweep spec), named by its messages.

    Returns:
        The nowcast, the checked rows and any warnings (printed by the caller; the run goes on).

    Raises:
        InputError: One problem per bad row (at most :data:`MAX_PROBLEMS`), each naming the file, the
            line, the id, the bad value and what was expected; also for ids the model cannot hold to.
    """
    given = str(path)
    h = scenario.scenario
    if not h.start <= as_of <= h.end:
        raise InputError(Problem(_m("act_as_of_outside"), file=source, path=option, value=as_of.isoformat(),
                                 has_value=True, expected=_m("act_within", start=h.start, end=h.end)))
    header, table = _cells(Path(path), given)
    cols = _columns(header, given)
    rd = _Reader(given, scenario, as_of)
    rows = [r for line, cells in table if (r := _row(rd, line, cells, cols)) is not None]
    if not table:
        rd.problem(_m("act_empty"), None, None, None, _m("act_one_row"))
    _series_checks(rd, rows)
    if rd.problems:
        raise InputError(sorted(rd.problems, key=lambda p: p.line or 0)[:MAX_PROBLEMS])
    nowcast = _nowcast(rd, rows, hashlib.sha256(Path(path).read_bytes()).hexdigest())
    lines: dict[str, int] = {}
    for r in rows:  # the first line of each id, named by a problem of the id as a whole
        lines[r.id] = min(lines.get(r.id, r.line), r.line)
    for rid, reason in unsupported(scenario.model_copy(update={"nowcast": nowcast})):
        rd.problem(_m("act_unsupported", reason=reason), lines.get(rid), rid, rid, _m("act_supported"))
    if rd.problems:
        raise InputError(rd.problems[:MAX_PROBLEMS])
    return Actuals(nowcast, tuple(rows), tuple(rd.warnings))


def _nowcast(rd: _Reader, rows: Sequence[ActualRow], sha256: str) -> Nowcast:
    """The :class:`Nowcast` of checked rows (each id's points sorted by date)."""
    funds: dict[str, list[ObservedPaid]] = {}
    levels: dict[Kind, dict[str, list[ObservedLevel]]] = {"target": {}, "program": {}, "population": {}}
    for r in sorted(rows, key=lambda r: (r.date, r.line)):
        if r.kind == "fund":
            funds.setdefault(r.id, []).append(ObservedPaid(date=r.date, fen=int(r.value), line=r.line, note=r.note or None))
        else:
            levels[r.kind].setdefault(r.id, []).append(ObservedLevel(date=r.date, value=float(r.value), line=r.line,
                                                                          note=r.note or None))
    try:
        return Nowcast(as_of=rd.as_of, file=rd.given, sha256=sha256,
                       funds={k: tuple(v) for k, v in funds.items()},
                       targets={k: tuple(v) for k, v in levels["target"].items()},
                       programs={k: tuple(v) for k, v in levels["program"].items()},
                       populations={k: tuple(v) for k, v in levels["population"].items()})
    except ValidationError as exc:  # e.g. a file name with a control character
        err = exc.errors(include_url=False)[0]
        raise InputError(Problem(Msg("实际数无法使用", "the actuals cannot be used"), file=rd.given,
                                 path=".".join(str(x) for x in err["loc"]), value=err.get("input"), has_value=True,
                                 expected=str(err["msg"]))) from None
