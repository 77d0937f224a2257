"""Synthetic likelihood (Wood 2010) sampled with emcee's affine-invariant ensemble.

At each proposal the history is simulated (common random numbers: the same
replication streams and year-factor normals at every proposal), a normal law
is fitted to the simulated values of the fitted observations (a multivariate
normal when there are several, its covariance estimated from the
replications), and the observed values are evaluated under it.  The log
posterior adds the priors (normal in each parameter's sampling coordinate,
see :mod:`simulator.calibrate.priors`).

Two growth forms are fitted and compared: ``constant`` (growth 0) and
``trend`` (growth free, with its prior).  They are weighed by Akaike's
criterion on the synthetic likelihood, ``AIC = 2k − 2 max log L``; the trend
is kept only if it lowers the AIC by more than :data:`AIC_MARGIN` (a clearly
better fit, not a parameter that the data cannot see).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from pydantic import ValidationError

from simulator.calibrate.history import Replay, SimValues
from simulator.calibrate.observed import Observation
from simulator.calibrate.priors import Prior

AIC_MARGIN = 2.0
"""How much lower the trend's AIC must be for the trend to be kept (Burnham and Anderson's "substantial" gap)."""

INIT_FACTOR = 3
"""Prior points scanned per walker to place the walkers (see :func:`initial_walkers`)."""

EMCEE_STREAM = 7_300_002
"""Spawn-key tag of the sampler's own generator (walker starts and moves)."""


@dataclass(frozen=True)
class Settings:
    """How the posterior is sampled.

    Attributes:
        walkers: emcee walkers (at least twice the number of parameters, and even).
        steps: Steps of every walker.
        burn: Steps dropped at the start of every walker.
        groups: Replication groups per proposal (one year-factor draw each).
        reps: Replications per group.
        seed: Root seed (replications, year factors, the sampler).
        check_draws: Posterior draws simulated for the predictive check.
    """

    walkers: int = 8
    steps: int = 24
    burn: int = 8
    groups: int = 6
    reps: int = 4
    seed: int = 0
    check_draws: int = 30

    def as_dict(self) -> dict[str, int]:
        """The settings as written in the posterior file."""
        return {"walkers": self.walkers, "steps": self.steps, "burn": self.burn, "groups": self.groups,
                "reps_per_group": self.reps, "seed": self.seed, "check_draws": self.check_draws}


@dataclass
class FormFit:
    """The posterior sample of one growth form.

    Attributes:
        form: ``constant`` or ``trend``.
        paths: The sampled parameters (scenario paths), in column order.
        draws: ``[n, len(paths)]`` values after burn-in.
        max_loglik: The largest synthetic log likelihood met.
        acceptance: Mean acceptance fraction of the walkers.
        evaluations: Simulations run.
    """

    form: str
    paths: list[str]
    draws: np.ndarray
    max_loglik: float
    acceptance: float
    evaluations: int
    best: dict[str, float] = field(default_factory=dict)

    @property
    def k(self) -> int:
        """Number of free parameters."""
        return len(self.paths)

    @property
    def aic(self) -> float:
        """Akaike's criterion on the synthetic likelihood."""
        return 2 * self.k - 2 * self.max_loglik


def synthetic_loglik(sim: SimValues, observed: Sequence[Observation]) -> float:
    """Log density of the observed values under a normal fitted to the simulated ones.

    A variance floor of a quarter of a unit (half a firm) keeps a proposal that
    simulates the same count in every replication from a zero variance.
    """
    y = np.column_stack([sim[(o.metric, o.year)] for o in observed])
    x = np.array([o.value for o in observed], dtype=float)
    mu = y.mean(axis=0)
    floor = np.maximum(0.25, (1e-4 * np.abs(mu)) ** 2)
    if y.shape[1] == 1 or y.shape[0] <= y.shape[1] + 1:
        var = y.var(axis=0, ddof=1) + floor if y.shape[0] > 1 else floor
        return float(np.sum(-0.5 * (x - mu) ** 2 / var - 0.5 * np.log(2 * math.pi * var)))
    cov = np.atleast_2d(np.cov(y, rowvar=False)) + np.diag(floor)
    sign, logdet = np.linalg.slogdet(cov)
    if sign <= 0:
        return -math.inf
    d = x - mu
    return float(-0.5 * d @ np.linalg.solve(cov, d) - 0.5 * logdet - 0.5 * len(x) * math.log(2 * math.pi))


def spreads_of(prior: Prior | None, groups: int) -> list[float]:
    """The year-effect spread of each group: the prior's quantiles at stratified probabilities (0 without a prior)."""
    if prior is None:
        return [0.0] * groups
    u = (np.arange(groups) + 0.5) / groups
    return [max(0.0, float(v)) for v in prior.ppf(u)]


def fit_form(replay: Replay, form: str, priors: dict[str, Prior], growth_path: str | None, spreads: Sequence[float],
             settings: Settings, progress: Callable[[int], None] | None = None) -> FormFit:
    """Sample the posterior of one growth form with emcee.

    Args:
        replay: The history to simulate.
        form: ``constant`` (growth 0) or ``trend`` (growth sampled, ``growth_path`` must name it).
        priors: Prior of every sampled path (the growth path included for the trend).
        growth_path: Scenario path of the growth, or None.
        spreads: Year-effect spread of each replication group.
        settings: Walkers, steps, replications, seed.
        progress: Called with 1 after each simulation.
    """
    import emcee

    paths = [p for p in priors if p != growth_path]
    if form == "trend" and growth_path is not None:
        paths.append(growth_path)
    ps = [priors[p] for p in paths]
    ndim = len(paths)
    best: dict[str, float] = {}
    state = {"n": 0, "best": -math.inf}

    def log_prob(x: np.ndarray) -> tuple[float, float]:
        if progress is not None:
            progress(1)
        lp = sum(pr.logpdf(float(xi)) for pr, xi in zip(ps, x, strict=True))
        if not math.isfinite(lp):
            return -math.inf, -math.inf
        values = {p: pr.to_value(float(xi)) for p, pr, xi in zip(paths, ps, x, strict=True)}
        growth = values.pop(growth_path, 0.0) if growth_path is not None else 0.0
        if growth <= -1.0 or any(v < 0 for v in values.values()):
            return -math.inf, -math.inf
        try:
            sim = replay.simulate(values, growth, spreads, settings.reps, settings.seed)
        except ValidationError:  # outside what the scenario language accepts (a probability above 1, ...)
            return -math.inf, -math.inf
        ll = synthetic_loglik(sim, replay.fitted)
        state["n"] += 1
        if ll > state["best"]:
            state["best"] = ll
            best.clear()
            best.update({p: pr.to_value(float(xi)) for p, pr, xi in zip(paths, ps, x, strict=True)})
        return lp + ll, ll

    seq = np.random.SeedSequence(settings.seed, spawn_key=(EMCEE_STREAM, 0 if form == "constant" else 1))
    rs = np.random.RandomState(np.random.MT19937(seq))
    start = initial_walkers(log_prob, ps, settings, rs)
    sampler = emcee.EnsembleSampler(settings.walkers, ndim, log_prob)
    sampler.random_state = rs.get_state()
    sampler.run_mcmc(start, settings.steps, progress=False)
    chain = sampler.get_chain(discard=settings.burn, flat=True)
    draws = np.column_stack([np.vectorize(ps[j].to_value)(chain[:, j]) for j in range(ndim)])
    return FormFit(form, paths, draws, float(state["best"]), float(np.mean(sampler.acceptance_fraction)),
                   int(state["n"]), dict(best))


def initial_walkers(log_prob: Callable[[np.ndarray], tuple[float, float]], ps: Sequence[Prior], settings: Settings,
                    rs: np.random.RandomState) -> np.ndarray:
    """Walkers' starting points: a rough posterior from a stratified scan of the prior.

    ``INIT_FACTOR × walkers`` points of a Latin hypercube over the prior's
    2–98% are evaluated; the walkers are drawn from them with weights
    proportional to their posterior density (sampling-importance resampling)
    and jittered by half the weighted spread, so the ensemble starts where
    the posterior is instead of spending its steps contracting from the prior.
    """
    ndim, n = len(ps), INIT_FACTOR * settings.walkers
    u = (np.arange(n)[:, None] + rs.uniform(size=(n, ndim))) / n
    for j in range(ndim):
        u[:, j] = u[rs.permutation(n), j]
    cand = np.column_stack([np.vectorize(ps[j].to_coord)(ps[j].ppf(0.02 + 0.96 * u[:, j])) for j in range(ndim)])
    lp = np.array([log_prob(c)[0] for c in cand])
    ok = np.isfinite(lp)
    if not ok.any():
        return cand[: settings.walkers]
    w = np.where(ok, np.exp(lp - lp[ok].max()), 0.0)
    w /= w.sum()
    mean = w @ cand
    spread = np.sqrt(np.maximum(w @ (cand - mean) ** 2, (1e-3 * np.array([p.scale for p in ps])) ** 2))
    picks = rs.choice(n, size=settings.walkers, p=w)
    return cand[picks] + 0.5 * spread * rs.standard_normal((settings.walkers, ndim))


def evaluations(settings: Settings, forms: int) -> int:
    """Simulations a calibration runs: per form the prior scan and the walkers' steps, then the check."""
    return forms * settings.walkers * (INIT_FACTOR + settings.steps + 1) + settings.check_draws


def choose_form(fits: dict[str, FormFit]) -> tuple[str, str]:
    """The form the posterior uses and why (see :data:`AIC_MARGIN`)."""
    if len(fits) == 1:
        (form,) = fits
        return form, f"only the {form} form was fitted"
    c, t = fits["constant"], fits["trend"]
    gap = c.aic - t.aic
    if gap > AIC_MARGIN:
        return "trend", (f"the trend lowers the AIC on the synthetic likelihood by {gap:.2f} (> {AIC_MARGIN:g}): "
                         "the data ask for a trend")
    return "constant", (f"the trend changes the AIC on the synthetic likelihood by {-gap:+.2f} (a gain of at most "
                        f"{AIC_MARGIN:g} is not enough): the data do not distinguish a trend from a constant, so the "
                        "simpler form is kept")
