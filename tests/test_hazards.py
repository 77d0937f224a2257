"""Hazards by firm state, per-city yearly factors and trend growth: the schema, the draws, both engines."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from simulator.errors import InputError
from simulator.model.yearfx import draw_year_factors
from simulator.scenario import FirmExitRates
from tests.engine_fixtures import write_and_load

HEADER = """
scenario: {id: hz, name: 风险率检验, start: 2021-01-01, end: 2023-12-31, seed: 9}
jurisdictions:
  city: {name: 市, level: city}
targets:
  T: {name: 企业数, metric: {count: firms, state: startup}, threshold: 1, deadline: 2023-12-31, source: "assumption: check"}
"""


def _population(firms: str, extra: str = "") -> str:
    return HEADER + f"""
populations:
  city:
    firms: {firms}
{extra}"""


# --------------------------------------------------------------------------- schema


def test_exit_rate_is_a_number_or_a_mapping_by_state(tmp_path: Path) -> None:
    one = write_and_load(tmp_path, _population('{baseline: {startup: 5}, exit_rate: 0.07, source: "assumption: t"}'),
                         "one.yaml").scenario.populations["city"].firms
    assert [one.exit_rate_of(s) for s in ("startup", "tech_sme", "hte")] == [0.07, 0.07, 0.07]
    by = write_and_load(tmp_path, _population(
        '{baseline: {startup: 5}, exit_rate: {startup: 0.2, tech_sme: 0.08, hte: 0.03}, source: "assumption: t"}'),
        "by.yaml").scenario.populations["city"].firms
    assert isinstance(by.exit_rate, FirmExitRates)
    assert [by.exit_rate_of(s) for s in ("startup", "tech_sme", "hte")] == [0.2, 0.08, 0.03]
    assert by.growth == 0.0


def test_defaults_keep_todays_behaviour(tmp_path: Path) -> None:
    pop = write_and_load(tmp_path, _population('{baseline: {startup: 5}, source: "assumption: t"}')).scenario.populations["city"]
    assert pop.year_factor == {}
    assert pop.firms.growth == 0.0
    assert pop.firms.exit_rate == FirmExitRates(startup=0.05, tech_sme=0.05, hte=0.05)


def test_year_factor_and_growth_load(tmp_path: Path) -> None:
    text = _population('{baseline: {startup: 5}, growth: 0.1, source: "assumption: t"}',
                       '    year_factor: {2023: 0.5, 2022: 1.4}\n    source: "assumption: t"\n')
    pop = write_and_load(tmp_path, text).scenario.populations["city"]
    assert pop.year_factor == {2022: 1.4, 2023: 0.5}
    assert list(pop.year_factor) == [2022, 2023]
    assert pop.firms.growth == 0.1


@pytest.mark.parametrize(("firms", "extra", "words"), [
    ('{exit_rate: {startup: 0.2, tech_sme: 0.1}, source: "assumption: t"}', "", ["hte"]),
    ('{exit_rate: {startup: 0.2, tech_sme: 0.1, hte: 0.1, exited: 0.1}, source: "assumption: t"}', "", ["exited"]),
    ('{exit_rate: {startup: -0.2, tech_sme: 0.1, hte: 0.1}, source: "assumption: t"}', "", ["startup"]),
    ('{exit_rate: -0.1, source: "assumption: t"}', "", ["exit_rate", "-0.1"]),
    ('{exit_rate: fast, source: "assumption: t"}', "", ["exit_rate", "fast"]),
    ('{growth: -1.0, source: "assumption: t"}', "", ["growth"]),
    ('{growth: 3, source: "assumption: t"}', "", ["growth"]),
    ('{source: "assumption: t"}', '    year_factor: {2022: -0.5}\n    source: "assumption: t"\n', ["year_factor", "2022"]),
    ('{source: "assumption: t"}', '    year_factor: {1800: 1.0}\n    source: "assumption: t"\n', ["year_factor", "1800"]),
    ('{source: "assumption: t"}', '    year_factor: {2022: .inf}\n    source: "assumption: t"\n', ["year_factor"]),
])
def test_bad_hazard_fields_are_refused_by_name(tmp_path: Path, firms: str, extra: str, words: list[str]) -> None:
    with pytest.raises(InputError) as err:
        write_and_load(tmp_path, _population(firms, extra))
    text = str(err.value)
    for w in words:
        assert w in text, text


# --------------------------------------------------------------------------- yearly factors


def test_year_factors_are_mean_one_lognormal_with_the_given_log_sd() -> None:
    rng = np.random.default_rng(2024)
    years = list(range(2000, 2030))
    draws = np.array([list(draw_year_factors(rng, years, 0.15).values()) for _ in range(4000)])
    logs = np.log(draws)
    n = draws.size
    # Mean one: exp(0.15 z - 0.15^2/2) has mean 1 and sd sqrt(exp(0.0225) - 1) = 0.1509.
    sd = math.sqrt(math.exp(0.15**2) - 1.0)
    assert abs(draws.mean() - 1.0) < 4 * sd / math.sqrt(n)
    assert abs(logs.std() - 0.15) < 0.002
    assert abs(logs.mean() + 0.15**2 / 2) < 4 * 0.15 / math.sqrt(n)


def test_year_factors_one_per_year_reproducible_and_one_without_spread() -> None:
    a = draw_year_factors(np.random.default_rng(7), [2023, 2024, 2025], 0.2)
    b = draw_year_factors(np.random.default_rng(7), [2023, 2024, 2025], 0.2)
    assert a == b and list(a) == [2023, 2024, 2025]
    z = np.random.default_rng(7).standard_normal(3)
    assert a[2024] == pytest.approx(math.exp(0.2 * z[1] - 0.02))
    assert draw_year_factors(np.random.default_rng(7), [2023, 2024], 0.0) == {2023: 1.0, 2024: 1.0}


@pytest.mark.parametrize("sd", [-0.1, math.nan, math.inf])
def test_year_factors_refuse_a_bad_spread(sd: float) -> None:
    with pytest.raises(ValueError, match="sd"):
        draw_year_factors(np.random.default_rng(0), [2023], sd)
