"""Calibration: fit behaviour parameters to an observed history with scipy.

The history is replayed from the first observation's year: the scenario's
populations (baseline scaled so the first observation holds), no programs, no
guidance funds (the money of the policy did not exist yet), the same
behaviour.  The named parameters are moved by ``scipy.optimize`` to minimise
the squared relative error between the mean simulated metric at each year end
and the observations dated up to the scenario's start.  Later observations are
reported as a validation, never fitted.  Common random numbers (the same
replication seeds at every trial) keep the objective smooth enough for
Nelder–Mead / bounded Brent.
"""

from __future__ import annotations

import copy
import csv
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy import optimize

from simulator.engines.des.world import run_replication
from simulator.errors import InputError, Problem
from simulator.i18n import Msg
from simulator.loader import LoadedScenario, split_path
from simulator.model.calendar import Calendar
from simulator.model.metrics import MetricContext, metric_series
from simulator.scenario import Metric, Scenario, Target


@dataclass(frozen=True)
class Observation:
    """One observed year-end value of a metric."""

    year: int
    metric: str
    value: float
    line: int


@dataclass(frozen=True)
class FitRow:
    """Observed against fitted for one observation."""

    year: int
    metric: str
    observed: float
    mean: float
    p5: float
    p95: float
    used_for: str  # fit | validate | initial stock


@dataclass(frozen=True)
class CalibrationResult:
    """Fitted values, the fit's error and the comparison table."""

    params: dict[str, float]
    bounds: dict[str, tuple[float, float]]
    rows: list[FitRow]
    rmse_fit: float
    rel_error_fit: float
    evaluations: int


FIRST_YEAR, LAST_YEAR = 1980, 2100
"""Observation years accepted by :func:`read_observed` (Shandong's science statistics start in the 1980s)."""


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


def _get(raw: dict[str, Any], path: str) -> Any:
    node: Any = raw
    for seg in split_path(path):
        node = node[int(seg)] if isinstance(node, list) else node[str(seg)]
    return node


def _set(raw: dict[str, Any], path: str, value: Any) -> None:
    segs = split_path(path)
    node: Any = raw
    for seg in segs[:-1]:
        node = node[int(seg)] if isinstance(node, list) else node[str(seg)]
    last = segs[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[str(last)] = value


def history_scenario(loaded: LoadedScenario, first_year: int, last_year: int, city: str,
                     anchor: Observation, anchor_metric: Metric, values: dict[str, float]) -> Scenario:
    """The scenario replayed over the history: no programs, baseline scaled to the first observation."""
    raw = copy.deepcopy(loaded.raw)
    for path, v in values.items():
        _set(raw, path, v)
    raw["scenario"] = {**raw["scenario"], "start": date(first_year, 1, 1), "end": date(last_year, 12, 31)}
    raw["programs"] = {}
    raw["guidance_funds"] = {}
    raw["targets"] = {}
    for f in raw.get("funds", {}).values():
        f["appropriations"] = {}
    pops = raw.get("populations", {})
    if anchor_metric.count == "firms" and anchor_metric.state and city in pops:
        base = pops[city].setdefault("firms", {}).setdefault("baseline", {})
        current = float(base.get(anchor_metric.state, 0) or 0)
        scale = anchor.value / current if current > 0 else 1.0
        for k in list(base):
            base[k] = round(float(base[k]) * scale)
        base[anchor_metric.state] = round(anchor.value)
    return Scenario.model_validate(raw)


def simulate_history(s: Scenario, metrics: dict[str, Metric], years: Sequence[int], reps: int, seed: int,
                     ) -> dict[tuple[str, int], np.ndarray]:
    """Year-end values of each metric in each year over ``reps`` replications."""
    ctx = MetricContext.of(s)
    cal: Calendar = ctx.calendar
    out: dict[tuple[str, int], list[float]] = {(m, y): [] for m in metrics for y in years}
    dummy = {name: Target(name=name, metric=m, threshold=0, deadline=s.scenario.end) for name, m in metrics.items()}
    for r in range(reps):
        res = run_replication(s, seed, r)
        for name, t in dummy.items():
            series = metric_series(ctx, t, None, res)
            for y in years:
                m_idx = min(cal.month_of(date(y, 12, 1)), cal.n_months - 1)
                out[(name, y)].append(float(series[m_idx]))
    return {k: np.asarray(v) for k, v in out.items()}


def _start_and_bounds(loaded: LoadedScenario, param_paths: Sequence[str]) -> tuple[list[float], dict[str, tuple[float, float]]]:
    """Each fitted value's start (its value in the scenario) and bounds (its params range, else /5 to x5)."""
    x0: list[float] = []
    bounds: dict[str, tuple[float, float]] = {}
    for p in param_paths:
        try:
            v = float(_get(loaded.raw, p))
        except (KeyError, IndexError, TypeError, ValueError):
            raise InputError(Problem(Msg("不是情景中的数值", "not a numeric scenario value"), file=loaded.file, path=p,
                                     expected=Msg("指向数值的点分路径，如 populations.taian.firms.hte_rate",
                                                  "a dotted path to a number, e.g. populations.taian.firms.hte_rate"))) from None
        x0.append(v)
        prov = loaded.provenance.get(p)
        rng = None
        if prov is not None and prov.kind == "params":
            key = prov.source.split(":", 1)[1].strip()
            fname, _, pkey = key.partition("#")
            stem = Path(fname).stem
            param = loaded.params.get(f"{stem}.{pkey}")
            rng = param.range if param is not None else None
        lo, hi = rng if rng is not None else (v / 5, v * 5 if v > 0 else 1.0)
        bounds[p] = (float(lo), float(hi))
    return x0, bounds


def calibrate(loaded: LoadedScenario, observed: Sequence[Observation], param_paths: Sequence[str], *,
              reps: int = 20, seed: int = 0, city: str | None = None,
              progress: Callable[[int, float], None] | None = None) -> CalibrationResult:
    """Fit ``param_paths`` (dotted scenario paths) to the observations dated up to the scenario's start."""
    s = loaded.scenario
    cities = s.cities()
    city = city or (cities[0] if len(cities) == 1 else None)
    if city is None:
        raise InputError(Problem(Msg("情景包含多个城市", "the scenario has several cities"), path="--city", expected="--city <id>"))
    start = s.scenario.start
    # A yearly figure is the stock at the end of that year; at month granularity it is usable
    # when December of that year is not after the start month.
    fit_obs = [o for o in observed if date(o.year, 12, 1) <= start.replace(day=1)]
    if not fit_obs:
        raise InputError(Problem(Msg(f"没有日期不晚于情景开始日（{start}）的观测", f"no observation is dated up to the scenario's start ({start})"),
                                 path="--observed",
                                 expected=Msg("至少一个不晚于开始日的年末观测", "at least one year-end observation not after the start")))
    metrics = {o.metric: metric_for(s, o.metric, city) for o in observed}
    x0, bounds = _start_and_bounds(loaded, param_paths)
    anchor = min(fit_obs, key=lambda o: o.year)
    # The first observation is the initial stock: the replay starts on 1 January of the next year.
    first_year = anchor.year + 1
    fit_obs = [o for o in fit_obs if o is not anchor]
    if not fit_obs:
        raise InputError(Problem(Msg("只有一个观测不晚于情景开始日", "only one observation is dated up to the scenario's start"),
                                 path="--observed",
                                 expected=Msg("两个或以上（第一个是回放的初始存量）",
                                              "two or more (the first one is the initial stock of the replay)")))
    fit_years = sorted({o.year for o in observed if o.year >= first_year})
    last_year = max(fit_years)
    evaluations = 0

    def sim(x: Sequence[float]) -> dict[tuple[str, int], np.ndarray]:
        values = {p: float(min(max(v, bounds[p][0]), bounds[p][1])) for p, v in zip(param_paths, x, strict=True)}
        hs = history_scenario(loaded, first_year, last_year, city, anchor, metrics[anchor.metric], values)
        return simulate_history(hs, metrics, fit_years, reps, seed)

    def objective(x: Sequence[float]) -> float:
        nonlocal evaluations
        evaluations += 1
        got = sim(x)
        err = sum(((got[(o.metric, o.year)].mean() - o.value) / max(abs(o.value), 1e-9)) ** 2 for o in fit_obs)
        if progress is not None:
            progress(evaluations, float(err))
        return float(err)

    if len(param_paths) == 1:
        lo, hi = bounds[param_paths[0]]
        res1 = optimize.minimize_scalar(lambda v: objective([v]), bounds=(lo, hi), method="bounded",
                                        options={"xatol": (hi - lo) * 1e-3, "maxiter": 40})
        best = [float(res1.x)]
    else:
        res = optimize.minimize(objective, np.asarray(x0), method="Nelder-Mead",
                                bounds=[bounds[p] for p in param_paths],
                                options={"maxfev": 60 * len(param_paths), "xatol": 1e-3, "fatol": 1e-5})
        best = [float(v) for v in res.x]
    got = sim(best)
    rows = []
    for o in sorted(observed, key=lambda o: (o.metric, o.year)):
        if o is anchor or o.year < first_year:
            rows.append(FitRow(o.year, o.metric, o.value, o.value, o.value, o.value, "initial stock"))
            continue
        vals = got[(o.metric, o.year)]
        rows.append(FitRow(o.year, o.metric, o.value, float(vals.mean()), float(np.quantile(vals, 0.05)),
                           float(np.quantile(vals, 0.95)), "fit" if o in fit_obs else "validate"))
    fit_rows = [r for r in rows if r.used_for == "fit"]
    rmse = float(np.sqrt(np.mean([(r.mean - r.observed) ** 2 for r in fit_rows])))
    rel = float(np.sqrt(np.mean([((r.mean - r.observed) / r.observed) ** 2 for r in fit_rows if r.observed])))
    return CalibrationResult(dict(zip(param_paths, best, strict=True)), bounds, rows, rmse, rel, evaluations)


def params_yaml(result: CalibrationResult, scenario_file: str, observed_file: str, observed: Sequence[Observation],
                reps: int, seed: int, valid_from: date) -> str:
    """The params file holding the fitted values, the fit's error and the observed data as the source."""
    data_text = "; ".join(f"{o.year} {o.metric}={o.value:g}" for o in observed)
    tree: dict[str, Any] = {
        "description": (f"Fitted by `fiscalsim calibrate {scenario_file} --observed {observed_file}`: "
                        f"observed {data_text}. RMSE over fitted points {result.rmse_fit:.3g} "
                        f"({result.rel_error_fit:.2%} relative); {reps} replications, seed {seed}, "
                        f"{result.evaluations} evaluations.")
    }
    for path, value in result.params.items():
        node = tree
        for seg in path.split(".")[:-1]:
            node = node.setdefault(seg, {})
        lo, hi = result.bounds[path]
        node[path.split(".")[-1]] = {
            "description": f"fitted value of {path}",
            "range": [round(lo, 6), round(hi, 6)],
            "values": {valid_from.isoformat(): {
                "value": round(value, 6),
                "source": (f"fitted: {observed_file} ({data_text}); fit RMSE {result.rmse_fit:.3g}, "
                           f"{result.rel_error_fit:.2%} relative; fitted only to observations up to the scenario start"),
            }},
        }
    header = "# Written by `fiscalsim calibrate`; re-run it to refresh. Do not edit by hand.\n"
    return header + yaml.safe_dump(tree, allow_unicode=True, sort_keys=False, width=120)
