"""Calibration: a posterior sample of behaviour parameters given an observed history.

``fiscalsim calibrate`` replays the history with the fast engine
(:mod:`simulator.calibrate.history`), samples the posterior of the named
parameters by a synthetic likelihood with emcee
(:mod:`simulator.calibrate.sampler`), fits a constant and a trend growth form
and keeps one, checks the posterior predictive distribution against every
observation, and writes the posterior file and a params file of its medians
(:mod:`simulator.calibrate.posterior`).  Priors come from the params'
``range:`` read as 5–95% intervals (:mod:`simulator.calibrate.priors`).

The year-effect spread (``behaviour.year_effects.sd``) is fitted only when
the data can identify it: a spread of yearly shocks needs at least
:data:`MIN_POINTS_FOR_SPREAD` fitted observations after the initial stock
(one or two residuals say nothing about a variance).  Otherwise the replay
keeps its prior: the replication groups take the prior's quantiles as their
spreads, so the likelihood is marginalised over it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from simulator.calibrate.history import (
    Replay,
    check_paths,
    frozen_heap,
    prepare,
    supports_growth,
    supports_year_factors,
)
from simulator.calibrate.observed import (
    FIRST_YEAR,
    LAST_YEAR,
    Observation,
    metric_for,
    read_observed,
)
from simulator.calibrate.posterior import (
    CheckRow,
    Posterior,
    fitted_params_yaml,
    posterior_yaml,
    read_posterior,
    rounded,
)
from simulator.calibrate.priors import Prior, prior_for
from simulator.calibrate.sampler import (
    FormFit,
    Settings,
    choose_form,
    fit_form,
    spreads_of,
    synthetic_loglik,
)
from simulator.errors import InputError, Problem
from simulator.i18n import Msg
from simulator.loader import LoadedScenario
from simulator.versions import versions

__all__ = [
    "FIRST_YEAR", "LAST_YEAR", "CheckRow", "FormFit", "Observation", "Posterior", "Prior", "Settings", "calibrate",
    "fitted_params_yaml", "metric_for", "posterior_yaml", "read_observed", "read_posterior", "synthetic_loglik",
]

SPREAD_PARAM = "behaviour.year_effects.sd"
"""The param of the year-effect spread."""

MIN_POINTS_FOR_SPREAD = 3
"""Fitted observations needed before the year-effect spread is fitted rather than kept at its prior."""

METHOD = ("synthetic likelihood (normal fitted to the simulated observations, Wood 2010), sampled with emcee's "
          "affine-invariant ensemble; fast engine, common random numbers across proposals; priors from params "
          "ranges read as 5-95% intervals (lognormal for rates)")
"""How the posterior was obtained, as written in the file."""

Forms = Sequence[str]


def spread_prior(loaded: LoadedScenario) -> Prior | None:
    """The prior of the year-effect spread, or None when the scenario language or params have none."""
    if not supports_year_factors() or SPREAD_PARAM not in loaded.params:
        return None
    return prior_for(loaded, SPREAD_PARAM)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def calibrate(loaded: LoadedScenario, observed: Sequence[Observation], param_paths: Sequence[str], *,
              observed_file: Path, settings: Settings | None = None, forms: Forms = ("constant", "trend"),
              city: str | None = None, progress: Callable[[int], None] | None = None) -> Posterior:
    """Sample the posterior of ``param_paths`` given the observations up to the scenario's start.

    Args:
        loaded: The scenario.
        observed: The observed history (:func:`read_observed`).
        param_paths: Dotted scenario paths to fit (the growth path is added for the trend form).
        observed_file: The file the observations were read from (hashed into the provenance).
        settings: Sampler settings.
        forms: Growth forms to fit and weigh (``constant``, ``trend``).
        city: The city replayed (default: the only one).
        progress: Called with 1 after each simulation.

    Raises:
        InputError: Bad observations, paths or priors, or a trend asked where the language has no growth.
    """
    settings = settings or Settings()
    replay = prepare(loaded, observed, city)
    check_paths(replay, param_paths)
    growth_path = f"populations.{replay.city}.firms.growth" if supports_growth() else None
    if "trend" in forms and growth_path is None:
        raise InputError(Problem(Msg("情景语言没有企业增长趋势", "the scenario language has no firm growth trend"),
                                 path="--forms", value=",".join(forms), has_value=True, expected="constant"))
    ndim = len(param_paths) + (1 if "trend" in forms else 0)
    if settings.walkers < 2 * ndim:
        raise InputError(Problem(Msg("游走者太少", "too few walkers"), path="--walkers", value=settings.walkers,
                                 has_value=True, expected=Msg(f"至少 {2 * ndim}（参数个数的两倍）",
                                                              f"at least {2 * ndim} (twice the number of parameters)")))
    priors = {p: prior_for(loaded, p) for p in param_paths}
    if growth_path is not None:
        priors[growth_path] = prior_for(loaded, growth_path)
    sd_prior = spread_prior(loaded)
    spreads = spreads_of(sd_prior, settings.groups)
    with frozen_heap():
        fits = {form: fit_form(replay, form, priors, growth_path, spreads, settings, progress) for form in forms}
        form, reason = choose_form(fits)
        chosen = fits[form]
        cols = list(chosen.paths)
        draws = chosen.draws
        if growth_path is not None and growth_path not in cols:
            cols.append(growth_path)
            draws = np.column_stack([draws, np.zeros(len(draws))])
        draws = rounded(draws)
        check = predictive_check(replay, cols, growth_path, draws, spreads, settings, progress)
    all_priors = {p: pr.to_dict() for p, pr in priors.items()}
    if sd_prior is not None:
        all_priors[SPREAD_PARAM] = sd_prior.to_dict()
    provenance = {
        "data": str(observed_file), "data_sha256": _sha256(observed_file), "scenario": loaded.file,
        "scenario_hash": replay.model_hash(cols, all_priors), "method": METHOD, "settings": settings.as_dict(),
        "date": date.today().isoformat(), "versions": versions() | {"emcee": _emcee_version()},
    }
    model = _model_section(replay, fits, form, reason, growth_path, sd_prior)
    return Posterior(provenance, model, cols, [priors[p] for p in cols], draws, check)


def _emcee_version() -> str:
    import emcee

    return str(emcee.__version__)


def _model_section(replay: Replay, fits: dict[str, FormFit], form: str, reason: str, growth_path: str | None,
                   sd_prior: Prior | None) -> dict[str, Any]:
    """What the posterior assumes: the growth form and why, the year effects and how they were treated."""
    n_fit = len(replay.fitted)
    if sd_prior is None:
        year_effects: dict[str, Any] = {"param": SPREAD_PARAM, "treatment": "none: no year-effect spread in the scenario's params"}
    else:
        year_effects = {
            "param": SPREAD_PARAM, "identified": False, "prior": sd_prior.to_dict(),
            "reason": (f"{n_fit} fitted observation(s) after the initial stock; a spread of yearly shocks needs at least "
                       f"{MIN_POINTS_FOR_SPREAD} residuals to be seen, so the data cannot identify it"),
            "treatment": "kept at its prior: each replication group's spread is a prior quantile (likelihood marginalised)",
        }
    return {
        "form": form, "reason": reason, "growth_path": growth_path,
        "growth_meaning": ("trend: arrivals and the HTE-readiness hazard grow by (1 + growth) a year; parameters are "
                           "given at the scenario's start and the replay starts from them divided by "
                           "(1 + growth)^(start year - replay start year); constant: growth 0"),
        "forms": {f: {"parameters": fit.paths, "k": fit.k, "max_loglik": round(fit.max_loglik, 4),
                      "aic": round(fit.aic, 4), "acceptance": round(fit.acceptance, 3), "evaluations": fit.evaluations}
                  for f, fit in fits.items()},
        "replay": {"city": replay.city, "initial_stock": {"year": replay.anchor.year, "metric": replay.anchor.metric,
                                                          "value": replay.anchor.value},
                   "years": [replay.first_year, replay.last_year], "fitted_observations": n_fit},
        "year_effects": year_effects,
    }


def predictive_check(replay: Replay, cols: list[str], growth_path: str | None, draws: np.ndarray,
                     spreads: Sequence[float], settings: Settings, progress: Callable[[int], None] | None = None,
                     ) -> list[CheckRow]:
    """Posterior predictive bands of every observation (fresh replications: seed + 1).

    ``settings.check_draws`` draws, evenly spaced through the sample, are each
    simulated with every replication group; the simulated values are pooled.
    """
    n = min(settings.check_draws, len(draws))
    idx = np.unique(np.linspace(0, len(draws) - 1, n).round().astype(int))
    pooled: dict[tuple[str, int], list[np.ndarray]] = {(o.metric, o.year): [] for o in replay.observations}
    for i in idx:
        values = dict(zip(cols, (float(v) for v in draws[i]), strict=True))
        growth = values.pop(growth_path, 0.0) if growth_path is not None else 0.0
        sim = replay.simulate(values, growth, spreads, settings.reps, settings.seed + 1)
        for k in pooled:
            pooled[k].append(sim[k])
        if progress is not None:
            progress(1)
    a = replay.anchor
    rows = [CheckRow(a.year, a.metric, a.value, a.value, a.value, a.value, None, "initial stock")]
    fitted = set(replay.fitted)
    for o in sorted(replay.observations, key=lambda o: (o.metric, o.year)):
        vals = np.concatenate(pooled[(o.metric, o.year)])
        p5, p50, p95 = (float(v) for v in np.quantile(vals, [0.05, 0.5, 0.95]))
        rows.append(CheckRow(o.year, o.metric, o.value, p5, p50, p95, bool(p5 <= o.value <= p95),
                             "fit" if o in fitted else "validate"))
    return rows
