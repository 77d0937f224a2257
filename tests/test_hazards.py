"""Hazards by firm state, per-city yearly factors and trend growth: the schema, the draws, both engines."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from scipy import stats

from simulator.engines.des.world import run_replication
from simulator.engines.fast.engine import simulate_block
from simulator.errors import InputError
from simulator.loader import LoadedScenario
from simulator.model.lifecycle import boosted_wait, exit_after_move
from simulator.model.records import RepResult, count_keys
from simulator.model.yearfx import draw_year_factors
from simulator.model.yearrates import YearRates, year_multipliers
from simulator.scenario import FirmExitRates
from tests.engine_fixtures import write_and_load

IntArray = npt.NDArray[np.int64]

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


# --------------------------------------------------------------------------- the piecewise hazard, exactly


def _table() -> YearRates:
    """Knots at 0, 12, 24 months with factors 1, 0.5, 2 (row 0) and 1, 0, 3 (row 1)."""
    return YearRates([0.0, 12.0, 24.0], np.array([[1.0, 0.5, 2.0], [1.0, 0.0, 3.0]]))


def test_wait_inverts_the_integrated_hazard_in_closed_form() -> None:
    tab = _table()
    rate = 0.1  # per month
    # From month 6, row 0: 6 months at 0.1 reach 0.6; 12 at 0.05 reach 1.2; then 0.2 a month.
    e = np.array([0.3, 0.6, 0.9, 1.2, 2.2])
    expected = np.array([3.0, 6.0, 6.0 + 0.3 / 0.05, 18.0, 18.0 + 1.0 / 0.2])
    got = tab.wait(np.zeros(5, dtype=np.int64), e, np.full(5, 6.0), np.full(5, rate), np.ones(5), np.zeros(5))
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    # Row 1: the year with factor 0 is skipped entirely: from month 6, E = 0.9 is reached at 24 + 0.3 / 0.3.
    got1 = tab.wait(np.ones(2, dtype=np.int64), np.array([0.3, 0.9]), np.full(2, 6.0), np.full(2, rate), np.ones(2),
                    np.zeros(2))
    np.testing.assert_allclose(got1, [3.0, 19.0], rtol=1e-12)


def test_wait_combines_the_boost_with_the_year_factors() -> None:
    tab = _table()
    # Row 0 from month 6, rate 0.1, boost x2 for 12 months (to month 18):
    # [6, 12): 0.2 a month -> 1.2; [12, 18): 0.1 a month -> 1.8; [18, 24): 0.05 -> 2.1; then 0.2 a month.
    e = np.array([1.0, 1.5, 2.0, 2.5])
    expected = np.array([5.0, 9.0, 12.0 + 0.2 / 0.05, 18.0 + 0.4 / 0.2])
    got = tab.wait(np.zeros(4, dtype=np.int64), e, np.full(4, 6.0), np.full(4, 0.1), np.full(4, 2.0), np.full(4, 12.0))
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_a_flat_table_gives_exactly_the_constant_hazard_waits() -> None:
    rng = np.random.default_rng(3)
    n = 500
    e, now, rate = rng.exponential(size=n), rng.uniform(0, 30, n), rng.uniform(0, 0.2, n)
    mult, until = rng.uniform(0.5, 3, n), rng.uniform(-5, 20, n)
    rate[:20] = 0.0
    flat = YearRates([0.0, 12.0, 24.0], np.ones((2, 3)))
    assert flat.flat
    assert np.array_equal(flat.wait(np.zeros(n, dtype=np.int64), e, now, rate, mult, until),
                          boosted_wait(e, rate, mult, until))
    # The general path gives the same waits up to rounding.
    general = YearRates([0.0, 12.0, 24.0], np.array([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]))
    np.testing.assert_allclose(general.wait(np.zeros(n, dtype=np.int64), e, now, rate, mult, until),
                               boosted_wait(e, rate, mult, until), rtol=1e-9)


def test_arrival_times_follow_the_piecewise_intensity() -> None:
    tab = _table()
    rng = np.random.default_rng(11)
    u = rng.random(200_000)
    t = tab.arrival_times(np.zeros(u.shape[0], dtype=np.int64), u, 30.0)
    # Row 0 on [0, 30): mass 12, 6 and 12 (6 months at 2): shares 0.4, 0.2, 0.4.
    share = np.histogram(t, bins=[0, 12, 24, 30])[0] / u.shape[0]
    np.testing.assert_allclose(share, [0.4, 0.2, 0.4], atol=0.005)
    assert tab.mean_count(0, 0.5, 30.0) == pytest.approx(0.5 * 30.0)
    t1 = tab.arrival_times(np.ones(u.shape[0], dtype=np.int64), u, 30.0)
    assert not ((t1 >= 12) & (t1 < 24)).any()
    assert t1.max() < 30.0
    assert tab.mean_count(1, 0.5, 30.0) == pytest.approx(0.5 * (12 + 18))


def test_year_multipliers_compound_growth_on_the_year_factor() -> None:
    assert year_multipliers([2021, 2022, 2023], {2022: 2.0}, 0.5) == pytest.approx([1.0, 3.0, 2.25])


def test_exit_after_move_spends_the_rest_of_the_draw_at_the_new_rate() -> None:
    got = exit_after_move(np.array([22.0, 22.0, 22.0, np.inf]), np.full(4, 2.0), np.array([0.1, 0.1, 0.1, 0.0]),
                          np.array([0.2, 0.1, 0.0, 0.5]), np.array([np.nan, np.nan, np.nan, 1.0]))
    np.testing.assert_allclose(got, [12.0, 22.0, np.inf, 4.0])


# --------------------------------------------------------------------------- both engines


def _runs(loaded: LoadedScenario, n_des: int, n_fast: int) -> dict[str, list[RepResult]]:
    s = loaded.scenario
    return {"des": [run_replication(s, 5, r) for r in range(n_des)], "fast": simulate_block(s, 5, range(n_fast))}


def _series(loaded: LoadedScenario, results: list[RepResult], *key: str) -> IntArray:
    """``[replication, month]`` month-end counts of one key."""
    k = count_keys(loaded.scenario).index(("city", *key))  # type: ignore[arg-type]
    return np.array([r.counts[:, k] for r in results], dtype=np.int64)


STOPPED = """
populations:
  city:
    year_factor: {2022: 0.0, 2023: 0.0}
    firms:
      baseline: {startup: 100, tech_sme: 100}
      arrivals_per_year: 100
      sme_rate: 0.5
      hte_rate: 0.6
      sme_renewal: 1.0
      hte_renewal: 1.0
      exit_rate: {startup: 0.2, tech_sme: 0.1, hte: 0.05}
    platforms:
      lab: {baseline: {municipal: 50, provincial: 10}, arrivals_per_year: 20, upgrade_rate: {provincial: 0.3, national: 0.2}, exit_rate: 0.02}
    incubators:
      incubator: {baseline: {municipal: 20}, arrivals_per_year: 10, upgrade_rate: {provincial: 0.3}, exit_rate: 0.02}
    source: "assumption: check"
"""


def test_a_year_with_factor_zero_stops_arrivals_and_upgrades_in_both_engines(tmp_path: Path) -> None:
    """Factor 0 in 2022 and 2023: from January 2022 (month 12) no arrival, registration, readiness or upgrade."""
    loaded = write_and_load(tmp_path, HEADER + STOPPED)
    for engine, results in _runs(loaded, 4, 24).items():
        startups = _series(loaded, results, "firm", "firm", "startup")
        new_sme = _series(loaded, results, "new_firm", "firm", "tech_sme")
        new_hte = _series(loaded, results, "new_firm", "firm", "hte")
        hte = _series(loaded, results, "firm", "firm", "hte")
        assert (np.diff(startups[:, :12]) > 0).any(), engine  # arrivals in 2021
        assert (np.diff(startups[:, 11:]) <= 0).all(), engine  # none from 2022
        assert (new_sme[:, 11] > new_sme[:, 0]).all() and (new_sme[:, 11:] == new_sme[:, 11:12]).all(), engine
        # Readiness stops in 2022: firms ready in 2021 still apply in May 2022 and learn in November 2022,
        # but nobody applies in 2023.
        assert (new_hte[:, 22] > 0).all(), engine
        assert (new_hte[:, 22:] == new_hte[:, 22:23]).all() and (np.diff(hte[:, 22:]) <= 0).all(), engine
        for kind, typ, tiers in (("platform", "lab", ("municipal", "provincial", "national")),
                                 ("incubator", "incubator", ("municipal", "provincial"))):
            moved = 0
            for tier in tiers:
                for prefix in ("new_", "arrived_"):
                    s = _series(loaded, results, prefix + kind, typ, tier)
                    assert (s[:, 11:] == s[:, 11:12]).all(), (engine, prefix, kind, tier)
                    moved += int(s[:, 11].sum())
            assert moved > 0, (engine, kind)


def test_growth_and_year_factor_scale_arrivals_as_expected(tmp_path: Path) -> None:
    """120 arrivals a year, growth 0.5, factor 2 in 2022: 120, 120 x 2 x 1.5 = 360 and 120 x 1.5² = 270 a year."""
    text = HEADER + """
populations:
  city:
    year_factor: {2022: 2.0}
    firms: {arrivals_per_year: 120, growth: 0.5, sme_rate: 0, exit_rate: 0}
    source: "assumption: check"
"""
    loaded = write_and_load(tmp_path, text)
    for engine, results in _runs(loaded, 60, 400).items():
        startups = _series(loaded, results, "firm", "firm", "startup").astype(float)
        yearly = np.diff(np.concatenate([np.zeros((startups.shape[0], 1)), startups[:, [11, 23, 35]]], axis=1))
        for k, expected in enumerate((120.0, 360.0, 270.0)):
            got = yearly[:, k]
            half = 4.0 * math.sqrt(expected / got.shape[0])  # Poisson counts
            assert abs(got.mean() - expected) < half, (engine, k, got.mean(), expected, half)
            dof = got.shape[0] - 1  # Poisson: variance = mean; 99.9% band of the sample variance
            assert stats.chi2.ppf(0.0005, dof) / dof < got.var(ddof=1) / expected < stats.chi2.ppf(0.9995, dof) / dof, (
                engine, k, got.var(ddof=1))


@pytest.mark.parametrize("hte_exit", [0.05, 0.0])
def test_exit_by_state_moves_with_the_firm(tmp_path: Path, hte_exit: float) -> None:
    """1,000 baseline HTEs whose certificates lapse (renewal 0) at a uniform time S in 36 months.

    Exit 0.3 a year as a tech SME, ``hte_exit`` as an HTE: E[HTEs at month-end m] = 1000 (1 − (m+1)/36)
    exp(−hte_exit (m+1)/12); E[firms alive at 36] = 1000 E[exp(−(hte_exit S + 0.3 (36 − S)) / 12)].
    """
    text = HEADER + f"""
populations:
  city:
    firms:
      baseline: {{hte: 1000}}
      hte_rate: 0
      hte_renewal: 0
      sme_renewal: 1.0
      exit_rate: {{startup: 0.9, tech_sme: 0.3, hte: {hte_exit}}}
    source: "assumption: check"
"""
    loaded = write_and_load(tmp_path, text)
    a = (0.3 - hte_exit) / 12.0
    alive_36 = 1000.0 * math.exp(-0.9) * (math.exp(36 * a) - 1.0) / (a * 36)
    hte_17 = 1000.0 * (1 - 18 / 36) * math.exp(-hte_exit * 18 / 12)
    for engine, results in _runs(loaded, 30, 200).items():
        hte = _series(loaded, results, "firm", "firm", "hte").astype(float)
        alive = hte + _series(loaded, results, "firm", "firm", "tech_sme")
        for got, expected in ((hte[:, 17], hte_17), (alive[:, 35], alive_36)):
            half = 4.0 * got.std(ddof=1) / math.sqrt(got.shape[0]) + 0.5
            assert abs(got.mean() - expected) < half, (engine, got.mean(), expected, half)


def test_year_factors_written_into_a_copy_of_the_scenario_reach_both_engines(tmp_path: Path) -> None:
    """As the parameter draws do: year factors (and a plain exit number) set on a copy, without reloading."""
    loaded = write_and_load(tmp_path, HEADER + STOPPED.replace("    year_factor: {2022: 0.0, 2023: 0.0}\n", ""))
    s = loaded.scenario
    pop = s.populations["city"]
    years = list(range(2021, 2024))
    firms = pop.firms.model_copy(update={"exit_rate": 0.1})
    assert firms.exit_rate_of("hte") == 0.1
    stopped = pop.model_copy(update={"year_factor": dict.fromkeys(years, 0.0), "firms": firms})
    copy = s.model_copy(update={"populations": {"city": stopped}})
    assert s.populations["city"].year_factor == {}
    for results in ([run_replication(copy, 5, 0)], simulate_block(copy, 5, range(4))):
        startups = _series(loaded, results, "firm", "firm", "startup")
        assert (np.diff(startups) <= 0).all()
    moving = _series(loaded, simulate_block(s, 5, range(4)), "firm", "firm", "startup")
    assert (np.diff(moving) > 0).any()
