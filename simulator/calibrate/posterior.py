"""The posterior file written by ``fiscalsim calibrate`` and the params file of its medians.

The posterior file (YAML, read by the parameter draws of a run)::

    # Written by `fiscalsim calibrate`; re-run it to refresh. Do not edit by hand.
    kind: posterior
    provenance: {data, data_sha256, scenario, scenario_hash, method, settings, date, versions}
    model: {form, reason, forms: {...}, growth_path, year_effects: {...}}
    parameters:             # scenario paths, in column order, each with its prior
      - {path: populations.taian.firms.hte_rate, prior: {family: lognormal, ...}, posterior: {p5, p50, p95}}
    check:                  # the posterior predictive check, one row per observation
      - {year: 2022, metric: TA-T5, observed: 522, p5: ..., p50: ..., p95: ..., inside: true, used_for: fit}
    draws:                  # one row per posterior draw
      - [0.35, 0.0]

``scenario_hash`` is :meth:`~simulator.calibrate.history.Replay.model_hash`: the
replayed population without the fitted values, and the priors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from simulator.calibrate.priors import Prior
from simulator.errors import InputError, Problem
from simulator.i18n import Msg

HEADER = "# Written by `fiscalsim calibrate`; re-run it to refresh. Do not edit by hand.\n"
"""First line of every file calibration writes."""


@dataclass(frozen=True)
class CheckRow:
    """The posterior predictive band of one observation.

    Attributes:
        year: Year of the observation.
        metric: Its metric.
        observed: The observed value.
        p5: 5% quantile of the posterior predictive distribution.
        p50: Its median.
        p95: Its 95% quantile.
        inside: Whether the observation lies in [p5, p95] (None for the initial stock, fixed by construction).
        used_for: ``fit``, ``validate`` (after the scenario's start) or ``initial stock``.
    """

    year: int
    metric: str
    observed: float
    p5: float
    p50: float
    p95: float
    inside: bool | None
    used_for: str

    def as_dict(self) -> dict[str, Any]:
        """The row as written in the file."""
        return {"year": self.year, "metric": self.metric, "observed": _r(self.observed), "p5": _r(self.p5),
                "p50": _r(self.p50), "p95": _r(self.p95), "inside": self.inside, "used_for": self.used_for}


@dataclass
class Posterior:
    """A posterior sample with its priors, provenance, model choice and predictive check."""

    provenance: dict[str, Any]
    model: dict[str, Any]
    paths: list[str]
    priors: list[Prior]
    draws: np.ndarray
    check: list[CheckRow]

    def column(self, path: str) -> np.ndarray:
        """The draws of one parameter."""
        return self.draws[:, self.paths.index(path)]

    def quantiles(self, path: str) -> tuple[float, float, float]:
        """5%, 50% and 95% quantiles of one parameter's draws."""
        q = np.quantile(self.column(path), [0.05, 0.5, 0.95])
        return float(q[0]), float(q[1]), float(q[2])

    def medians(self) -> dict[str, float]:
        """The median of every parameter (as written to the fitted params file)."""
        return {p: _r(float(np.median(self.column(p)))) for p in self.paths}


def _r(v: float) -> float:
    """A float with 6 significant digits (what the files hold)."""
    return float(f"{v:.6g}") if math.isfinite(v) else v


def posterior_yaml(post: Posterior) -> str:
    """The posterior file's text (draws one row per line)."""
    head: dict[str, Any] = {"kind": "posterior", "provenance": post.provenance, "model": post.model,
                            "parameters": [], "check": [r.as_dict() for r in post.check]}
    for path, prior in zip(post.paths, post.priors, strict=True):
        p5, p50, p95 = post.quantiles(path)
        head["parameters"].append({"path": path, "prior": prior.to_dict(),
                                   "posterior": {"p5": _r(p5), "p50": _r(p50), "p95": _r(p95)}})
    text = HEADER + yaml.safe_dump(head, allow_unicode=True, sort_keys=False, width=120)
    rows = "".join(f"  - [{', '.join(repr(_r(float(v))) for v in row)}]\n" for row in post.draws)
    return text + "draws:\n" + rows


def rounded(draws: np.ndarray) -> np.ndarray:
    """Draws with the precision the file keeps (so medians computed before and after writing agree)."""
    return np.vectorize(_r)(np.asarray(draws, dtype=float)) if draws.size else draws


def _bad(path: Path, key: str, expected: Msg, value: object = None) -> InputError:
    return InputError(Problem(Msg("后验文件有误", "bad posterior file"), file=str(path), path=key, value=value,
                              has_value=value is not None, expected=expected,
                              hint=Msg("请重新运行 fiscalsim calibrate 生成", "re-run fiscalsim calibrate to write it")))


def read_posterior(path: Path) -> Posterior:
    """Read a posterior file written by :func:`posterior_yaml`.

    Raises:
        InputError: The file is missing, not YAML, or lacks a part (naming the key).
    """
    if not path.is_file():
        raise InputError(Problem(Msg("找不到后验文件", "posterior file not found"), file=str(path),
                                 expected=Msg("fiscalsim calibrate 写出的 YAML 文件", "a YAML file written by fiscalsim calibrate")))
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise _bad(path, "", Msg("可读的 YAML", "readable YAML"), type(exc).__name__) from None
    if not isinstance(doc, dict) or doc.get("kind") != "posterior":
        raise _bad(path, "kind", Msg("kind: posterior", "kind: posterior"), doc.get("kind") if isinstance(doc, dict) else doc)
    params = doc.get("parameters")
    if not isinstance(params, list) or not params:
        raise _bad(path, "parameters", Msg("参数列表（path 与 prior）", "a list of parameters (path and prior)"))
    paths, priors = [], []
    for i, p in enumerate(params):
        try:
            paths.append(str(p["path"]))
            priors.append(Prior.from_dict(p["prior"]))
        except (KeyError, TypeError, ValueError):
            raise _bad(path, f"parameters.{i}", Msg("path 与 prior（family, range_p5, range_p95）",
                                                   "a path and a prior (family, range_p5, range_p95)")) from None
    try:
        draws = np.asarray(doc.get("draws"), dtype=float)
    except (TypeError, ValueError):
        raise _bad(path, "draws", Msg("数值行", "rows of numbers")) from None
    if draws.ndim != 2 or draws.shape[0] == 0 or draws.shape[1] != len(paths) or not np.isfinite(draws).all():
        raise _bad(path, "draws", Msg(f"每行 {len(paths)} 个有限数值", f"rows of {len(paths)} finite numbers each"))
    check = []
    for i, row in enumerate(doc.get("check") or []):
        try:
            check.append(CheckRow(int(row["year"]), str(row["metric"]), float(row["observed"]), float(row["p5"]),
                                  float(row["p50"]), float(row["p95"]), row.get("inside"), str(row["used_for"])))
        except (KeyError, TypeError, ValueError):
            raise _bad(path, f"check.{i}", Msg("year, metric, observed, p5, p50, p95, used_for",
                                               "year, metric, observed, p5, p50, p95, used_for")) from None
    prov, model = doc.get("provenance"), doc.get("model")
    return Posterior(dict(prov) if isinstance(prov, dict) else {}, dict(model) if isinstance(model, dict) else {},
                     paths, priors, draws, check)


def fitted_params_yaml(post: Posterior, posterior_file: str, valid_from: date) -> str:
    """The params file holding the posterior medians (for runs with fixed parameters)."""
    prov = post.provenance
    form = post.model.get("form", "?")
    tree: dict[str, Any] = {
        "description": (f"Posterior medians from {posterior_file}, written by `fiscalsim calibrate` "
                        f"({prov.get('method', '')}; data {prov.get('data', '')}; growth form: {form}). "
                        "Runs with --fixed-params use these values; other runs draw from the posterior itself.")
    }
    medians = post.medians()
    for path, prior in zip(post.paths, post.priors, strict=True):
        node = tree
        for seg in path.split(".")[:-1]:
            node = node.setdefault(seg, {})
        p5, _, p95 = post.quantiles(path)
        if path == post.model.get("growth_path") and form == "constant":
            source = (f"fitted: held at 0 by the growth form calibration chose (constant; see model.reason in "
                      f"{posterior_file}); data {prov.get('data', '')}")
        else:
            source = (f"fitted: posterior median, {posterior_file} (90% interval {_r(p5):g} to {_r(p95):g}; "
                      f"data {prov.get('data', '')}; growth form {form})")
        node[path.split(".")[-1]] = {
            "description": f"posterior median of {path}",
            "range": [_r(prior.p5), _r(prior.p95)],
            "values": {valid_from.isoformat(): {"value": medians[path], "source": source}},
        }
    return HEADER + yaml.safe_dump(tree, allow_unicode=True, sort_keys=False, width=120)
