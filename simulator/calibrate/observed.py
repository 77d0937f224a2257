"""Observed histories for calibration: ``year,metric,value`` CSV files, checked row by row.

A yearly figure is the stock (or flow) at the end of that year.  Every problem
is one :class:`~simulator.errors.InputError` naming the file, the line and what
was expected.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.errors import InputError, Problem
from simulator.i18n import Msg
from simulator.scenario import FIRST_YEAR, LAST_YEAR, Metric, Scenario


@dataclass(frozen=True)
class Observation:
    """One observed year-end value of a metric."""

    year: int
    metric: str
    value: float
    line: int


# Observation years accepted by read_observed: the calendar years a scenario may use.


def read_observed(path: Path) -> list[Observation]:
    """Read ``year,metric,value`` rows (a header line is required).

    Every value must be a finite, non-negative number, every year a whole year
    from :data:`FIRST_YEAR` to :data:`LAST_YEAR`, and each (year, metric) may
    appear once: two values for the same year are a conflict to resolve in the
    file, never averaged here.

    Raises:
        InputError: Naming the file, the line and what was expected.
    """
    if not path.exists() or path.is_dir():
        raise InputError(Problem(Msg("找不到观测数据文件", "observed file not found"), file=str(path),
                                 expected=Msg("含 year,metric,value 列的 CSV 文件", "a CSV file with year,metric,value")))
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise InputError(Problem(Msg("不是 UTF-8 文本", "not UTF-8 text"), file=str(path), line=line,
                                 expected=Msg("UTF-8 编码的 CSV 文件（请另存为 UTF-8，而非 GBK）",
                                              "a UTF-8 CSV file (save it as UTF-8, not GBK)"))) from None
    if "\x00" in text:
        raise InputError(Problem(Msg("是二进制文件", "binary file"), file=str(path),
                                 expected=Msg("含 year,metric,value 列的 UTF-8 CSV 文件", "a UTF-8 CSV file with year,metric,value")))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None or [f.strip() for f in reader.fieldnames] != ["year", "metric", "value"]:
        raise InputError(Problem(Msg("表头有误", "bad header"), file=str(path), line=1, value=reader.fieldnames, has_value=True,
                                 expected="year,metric,value"))
    rows: list[Observation] = []
    seen: dict[tuple[int, str], int] = {}
    for i, row in enumerate(reader, start=2):
        obs = _observation(path, i, row)
        key = (obs.year, obs.metric)
        if key in seen:
            raise InputError(Problem(Msg("同一年份和指标出现两次", "the same year and metric twice"), file=str(path), line=i,
                                     value=f"{obs.year},{obs.metric}", has_value=True,
                                     expected=Msg(f"每个年份和指标一个取值（首次出现在第 {seen[key]} 行）",
                                                  f"one value per year and metric (first given on line {seen[key]})")))
        seen[key] = i
        rows.append(obs)
    if not rows:
        raise InputError(Problem(Msg("没有观测数据", "no observations"), file=str(path), expected=Msg("至少一行", "at least one row")))
    return rows


def _observation(path: Path, line: int, row: dict[str, Any]) -> Observation:
    """One checked row of an observed-history file."""
    try:
        year, metric, value = int(str(row["year"]).strip()), str(row["metric"]).strip(), float(row["value"])
    except (TypeError, ValueError, AttributeError):
        raise InputError(Problem(Msg("数据行有误", "bad row"), file=str(path), line=line, value=row, has_value=True,
                                 expected=Msg("整数年份、指标名和一个数", "an integer year, a metric name and a number"))) from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InputError(Problem(Msg("年份不合理", "implausible year"), file=str(path), line=line, path="year", value=year,
                                 has_value=True, expected=Msg(f"{FIRST_YEAR} 至 {LAST_YEAR} 之间的年份",
                                                              f"a year from {FIRST_YEAR} to {LAST_YEAR}")))
    if not metric:
        raise InputError(Problem(Msg("指标为空", "empty metric"), file=str(path), line=line, path="metric",
                                 expected=Msg("指标名，如 hte", "a metric name, e.g. hte")))
    if not math.isfinite(value) or value < 0:
        raise InputError(Problem(Msg("取值有误", "bad value"), file=str(path), line=line, path="value", value=row["value"],
                                 has_value=True, expected=Msg("不小于 0 的有限数（数量或金额）",
                                                              "a finite number at least 0 (a count or an amount)")))
    return Observation(year, metric, value, line)


def metric_for(s: Scenario, name: str, city: str) -> Metric:
    """A metric by name: a target id of the scenario, ``firms.<state>`` or ``platforms.<type>.<tier>``."""
    if name in s.targets:
        return s.targets[name].metric
    parts = name.split(".")
    if parts[0] == "firms" and len(parts) == 2 and parts[1] in ("startup", "tech_sme", "hte"):
        return Metric(count="firms", state=parts[1])
    if parts[0] in ("platforms", "incubators") and len(parts) == 3:
        return Metric(count=parts[0], types=[parts[1]], tier=parts[2], or_higher=False)
    raise InputError(Problem(Msg("未知的指标", "unknown metric"), path="metric", value=name, has_value=True,
                             expected=Msg("情景的目标编号、firms.<state> 或 platforms.<type>.<tier>",
                                          "a target id of the scenario, firms.<state> or platforms.<type>.<tier>")))
