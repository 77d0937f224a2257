"""Calibration: the posterior file, the shipped Tai'an posterior, recovery of a known rate, bad inputs.

The recovery test simulates an observed history from a tiny scenario with a
known HTE-readiness rate and checks that the posterior band holds it and is
narrower than the prior's (a likelihood that did nothing would leave the
prior).  The shipped-file tests hold params/taian-fitted.yaml,
params/taian-posterior.yaml, the observed data and the Tai'an model together.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import yaml

from simulator.calibrate import (
    CheckRow,
    Posterior,
    Prior,
    Settings,
    calibrate,
    fitted_params_yaml,
    posterior_yaml,
    read_observed,
    read_posterior,
    synthetic_loglik,
)
from simulator.calibrate.history import frozen_heap, prepare
from simulator.calibrate.priors import prior_for
from simulator.calibrate.sampler import choose_form, spreads_of
from simulator.errors import InputError
from simulator.loader import load_scenario
from simulator.params import load_params

ROOT = Path(__file__).resolve().parents[1]
TAIAN = ROOT / "scenarios" / "taian.yaml"
OBSERVED = ROOT / "data" / "observed" / "taian_hte.csv"
POSTERIOR = ROOT / "params" / "taian-posterior.yaml"
FITTED = ROOT / "params" / "taian-fitted.yaml"
RECALIBRATE = "fiscalsim calibrate scenarios/taian.yaml --observed data/observed/taian_hte.csv --force"

TINY = """
scenario: {id: cal, name: 校准测试, start: 2020-01-01, end: 2021-12-31, seed: 1}
jurisdictions:
  c: {name: 市, level: city}
params: [params.yaml]
populations:
  c:
    firms: {baseline: {startup: 300, tech_sme: 150, hte: 50}, arrivals_per_year: 60, sme_rate: 0.3,
            hte_rate: {param: params.firms.hte_rate}, exit_rate: 0.08, source: "assumption: test"}
"""
TINY_PARAMS = """
firms:
  hte_rate:
    unit: per_year
    range: [0.1, 0.6]
    values:
      2010-01-01: {value: 0.25, source: "assumption: test"}
"""


def _posterior() -> Posterior:
    """A small posterior with known numbers."""
    priors = [Prior("lognormal", 0.2, 0.6, "params behaviour.firms.hte_rate"), Prior("normal", -0.05, 0.15, "default")]
    draws = np.array([[0.31, 0.0], [0.35, 0.01], [0.4, 0.02], [0.33, -0.01], [0.37, 0.03]])
    check = [CheckRow(2012, "TA-T5", 77, 77, 77, 77, None, "initial stock"),
             CheckRow(2022, "TA-T5", 522, 400, 510, 600, True, "fit")]
    return Posterior({"data": "x.csv", "data_sha256": "0" * 64, "date": "2026-01-01"}, {"form": "trend", "reason": "r"},
                     ["populations.taian.firms.hte_rate", "populations.taian.firms.growth"], priors, draws, check)


# ----------------------------------------------------------------------------- the file


def test_posterior_file_round_trips(tmp_path: Path) -> None:
    post = _posterior()
    path = tmp_path / "post.yaml"
    path.write_text(posterior_yaml(post), encoding="utf-8")
    back = read_posterior(path)
    assert back.paths == post.paths
    assert back.priors == post.priors
    assert np.array_equal(back.draws, post.draws)
    assert back.check == post.check
    assert back.model == post.model and back.provenance == post.provenance
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert doc["kind"] == "posterior"
    assert doc["parameters"][0]["posterior"] == {"p5": pytest.approx(0.314), "p50": 0.35, "p95": pytest.approx(0.394)}
    assert doc["parameters"][0]["prior"]["p5"] == pytest.approx(0.2) and doc["parameters"][0]["prior"]["p95"] == pytest.approx(0.6)


def test_fitted_params_hold_the_medians(tmp_path: Path) -> None:
    post = _posterior()
    path = tmp_path / "fit.yaml"
    path.write_text(fitted_params_yaml(post, "post.yaml", date(2012, 1, 1)), encoding="utf-8")
    params = load_params(path)
    rate = params["fit.populations.taian.firms.hte_rate"]
    assert rate.values[0].value == 0.35 and rate.values[0].source.startswith("fitted:")
    assert params["fit.populations.taian.firms.growth"].values[0].value == 0.01
    assert rate.range == (0.2, 0.6)


@pytest.mark.parametrize(("text", "key"), [
    ("kind: run\n", "kind"),
    ("kind: posterior\nparameters: []\n", "parameters"),
    ("kind: posterior\nparameters: [{path: a}]\ndraws: [[1]]\n", "parameters.0"),
    ("kind: posterior\nparameters: [{path: a, prior: {family: lognormal, range_p5: 0.1, range_p95: 1}}]\n"
     "draws: [[1, 2]]\n", "draws"),
    ("kind: posterior\nparameters: [{path: a, prior: {family: lognormal, range_p5: 0.1, range_p95: 1}}]\n"
     "draws: [[.nan]]\n", "draws"),
    ("kind: [\n", ""),
])
def test_bad_posterior_files_are_refused(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "post.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_posterior(path)
    msg = str(exc.value)
    assert str(path) in msg and key in msg and "fiscalsim calibrate" in msg


# ----------------------------------------------------------------------------- the pieces


def test_priors_read_ranges_as_5_to_95_percent() -> None:
    loaded = load_scenario(TAIAN)
    rate = prior_for(loaded, "populations.taian.firms.hte_rate")
    # taian-fitted.yaml was written by calibration: the prior comes from the shared behaviour entry.
    assert rate.family == "lognormal" and (rate.p5, rate.p95) == (0.2, 0.6)
    assert rate.quantiles() == pytest.approx((0.2, np.sqrt(0.2 * 0.6), 0.6))
    growth = prior_for(loaded, "populations.taian.firms.growth")
    # behaviour.firms.growth, range [-0.07, 0.21]: a normal (growth may be negative), not truncated.
    assert growth.family == "normal" and growth.quantiles() == pytest.approx((-0.07, 0.07, 0.21))
    assert growth.logpdf(growth.to_coord(0.07)) == pytest.approx(0.0, abs=1e-12)
    assert growth.logpdf(growth.to_coord(0.21)) == pytest.approx(-0.5 * 1.6449**2, rel=1e-4)
    spread = prior_for(loaded, "behaviour.year_effects.sd")
    assert spread.family == "lognormal" and spread.quantiles() == pytest.approx((0.05, np.sqrt(0.05 * 0.3), 0.3))


def test_synthetic_loglik_is_the_normal_density_of_the_simulations() -> None:
    obs = read_observed(OBSERVED)[1:]
    sim = {("TA-T5", 2022): np.array([500.0, 520.0, 540.0])}
    # mean 520, variance 400 (+ a floor of 0.25): log N(522; 520, 400.25)
    expected = -0.5 * 4 / 400.25 - 0.5 * np.log(2 * np.pi * 400.25)
    assert synthetic_loglik(sim, obs) == pytest.approx(expected)


def test_spreads_are_prior_quantiles_and_forms_need_a_clear_gain() -> None:
    prior = Prior("lognormal", 0.05, 0.3, "test")
    spreads = spreads_of(prior, 4)
    assert spreads == pytest.approx(list(prior.ppf(np.array([0.125, 0.375, 0.625, 0.875]))))
    assert spreads_of(None, 3) == [0.0, 0.0, 0.0]

    class Fit:
        def __init__(self, aic: float) -> None:
            self.aic = aic

    assert choose_form({"constant": Fit(10.0), "trend": Fit(8.5)})[0] == "constant"  # type: ignore[dict-item]
    assert choose_form({"constant": Fit(10.0), "trend": Fit(7.5)})[0] == "trend"  # type: ignore[dict-item]


# ----------------------------------------------------------------------------- recovery of a known rate


def test_calibration_recovers_a_known_rate(tmp_path: Path) -> None:
    (tmp_path / "params.yaml").write_text(TINY_PARAMS, encoding="utf-8")
    scen = tmp_path / "cal.yaml"
    scen.write_text(TINY, encoding="utf-8")
    loaded = load_scenario(scen)
    true_rate = 0.3
    seed_obs = tmp_path / "seed.csv"
    seed_obs.write_text("year,metric,value\n2012,firms.hte,50\n2016,firms.hte,1\n2019,firms.hte,1\n", encoding="utf-8")
    replay = prepare(loaded, read_observed(seed_obs))
    with frozen_heap():
        truth = replay.simulate({"populations.c.firms.hte_rate": true_rate}, 0.0, [0.0], 1, 987)
    lines = ["year,metric,value", "2012,firms.hte,50"]
    lines += [f"{y},firms.hte,{truth[('firms.hte', y)][0]:g}" for y in (2016, 2019)]
    obs = tmp_path / "obs.csv"
    obs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = Settings(walkers=6, steps=12, burn=4, groups=2, reps=6, seed=3, check_draws=8)
    post = calibrate(loaded, read_observed(obs), ["populations.c.firms.hte_rate"], observed_file=obs,
                     settings=settings, forms=("constant",))
    p5, _, p95 = post.quantiles("populations.c.firms.hte_rate")
    prior5, _, prior95 = post.priors[0].quantiles()
    assert p5 <= true_rate <= p95
    assert (p95 - p5) < 0.6 * (prior95 - prior5)
    assert [r.inside for r in post.check if r.used_for == "fit"] == [True, True]
    assert post.provenance["data_sha256"] == hashlib.sha256(obs.read_bytes()).hexdigest()
    assert post.model["form"] == "constant" and post.paths[-1] == "populations.c.firms.growth"
    assert np.all(post.column("populations.c.firms.growth") == 0.0)


# ----------------------------------------------------------------------------- bad observed files


@pytest.mark.parametrize(("text", "fragment"), [
    ("year,metric,value\n2025,TA-T5,800\n", "no observation is dated up to the scenario's start"),
    ("year,metric,value\n2022,TA-T5,522\n", "only one observation"),
    ("year,metric,value\n2012,TA-T5,77\n2022,hte,522\n", "unknown metric"),
    ("year;metric;value\n2012;TA-T5;77\n", "bad header"),
    ("year,metric,value\n2012,TA-T5,seventy\n", "bad row"),
])
def test_bad_observed_files_get_one_clear_error(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "obs.csv"
    path.write_text(text, encoding="utf-8")
    loaded = load_scenario(TAIAN)
    with pytest.raises(InputError) as exc:
        calibrate(loaded, read_observed(path), ["populations.taian.firms.hte_rate"], observed_file=path)
    assert fragment in str(exc.value)


def test_burn_in_must_be_shorter_than_the_run(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from simulator.cli import main

    res = CliRunner().invoke(main, ["--lang", "en", "calibrate", str(TAIAN), "--observed", str(OBSERVED), "--steps", "5",
                                    "--burn", "5", "--out", str(tmp_path / "f.yaml"), "--posterior", str(tmp_path / "p.yaml")])
    assert res.exit_code == 2 and "--burn" in res.output and "less than --steps (5)" in res.output
    assert "Traceback" not in res.output and not (tmp_path / "p.yaml").exists()


def test_walkers_must_be_twice_the_parameters() -> None:
    loaded = load_scenario(TAIAN)
    paths = ["populations.taian.firms.hte_rate", "populations.taian.firms.sme_rate"]
    with pytest.raises(InputError) as exc:
        calibrate(loaded, read_observed(OBSERVED), paths, observed_file=OBSERVED, settings=Settings(walkers=4))
    assert "--walkers" in str(exc.value) and "at least 6" in str(exc.value)


def test_missing_observed_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        read_observed(tmp_path / "none.csv")
    assert "none.csv" in str(exc.value) and "not found" in str(exc.value)


def test_a_path_that_is_not_a_number_is_refused() -> None:
    loaded = load_scenario(TAIAN)
    obs = read_observed(OBSERVED)
    with pytest.raises(InputError) as exc:
        calibrate(loaded, obs, ["populations.taian.firms.nope"], observed_file=OBSERVED)
    assert "populations.taian.firms.nope" in str(exc.value) and "numeric" in str(exc.value)


# ----------------------------------------------------------------------------- the shipped files


def test_shipped_fitted_values_are_the_posterior_medians() -> None:
    post = read_posterior(POSTERIOR)
    params = load_params(FITTED)
    for path, median in post.medians().items():
        entry = params[f"taian-fitted.{path}"]
        assert entry.values[-1].value == pytest.approx(median, rel=1e-6), (
            f"{FITTED.name} does not hold the posterior median of {path}; re-run `{RECALIBRATE}`")


def test_shipped_posterior_matches_the_data_and_the_model() -> None:
    post = read_posterior(POSTERIOR)
    assert post.provenance["data_sha256"] == hashlib.sha256(OBSERVED.read_bytes()).hexdigest(), (
        f"{OBSERVED.name} changed since the posterior was sampled; re-run `{RECALIBRATE}`")
    loaded = load_scenario(TAIAN)
    replay = prepare(loaded, read_observed(OBSERVED))
    priors = {p["path"]: p["prior"] for p in yaml.safe_load(POSTERIOR.read_text(encoding="utf-8"))["parameters"]}
    spread = post.model.get("year_effects", {}).get("prior")
    if spread is not None:
        priors[post.model["year_effects"]["param"]] = spread
    assert replay.model_hash(post.paths, priors) == post.provenance["scenario_hash"], (
        "the Tai'an model (its replayed population, exit and arrival rates, or the priors) changed since the "
        f"posterior was sampled; re-run `{RECALIBRATE}`")


def test_shipped_posterior_passes_its_predictive_check() -> None:
    post = read_posterior(POSTERIOR)
    fitted = [r for r in post.check if r.used_for == "fit"]
    assert [(r.year, r.metric) for r in fitted] == [(2022, "TA-T5")]
    for r in fitted:
        assert r.inside is True and r.p5 <= r.observed <= r.p95
    assert post.model["form"] in ("constant", "trend") and post.model["reason"]
    assert len(post.draws) >= 100
