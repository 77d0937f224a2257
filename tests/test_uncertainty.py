"""Parameter priors, draws per replication group, the posterior, and the variance split (docs/uncertainty.md)."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from simulator.errors import InputError
from simulator.loader import load_scenario
from simulator.params import load_params
from simulator.runner import RunError, RunOptions, run
from simulator.store import RunStore
from simulator.uncertainty.apply import apply_values, value_at
from simulator.uncertainty.draws import PARAM_STREAM, DrawnParam, build_plan, segments
from simulator.uncertainty.priors import Prior, derived_prior, prior_of
from simulator.uncertainty.variance import rank_correlations, variance_share

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
START = date(2020, 7, 31)


@pytest.fixture(scope="module")
def behaviour() -> dict:
    return load_params(ROOT / "params" / "behaviour.yaml")


@pytest.fixture(scope="module")
def taian() -> object:
    return load_scenario(ROOT / "scenarios" / "taian.yaml")


# --------------------------------------------------------------------------- priors


@pytest.mark.parametrize(("low", "high", "unit", "family"), [
    (0.6, 0.75, "probability", "beta"), (0.1, 0.4, "share", "beta"), (0.2, 0.6, "per_year", "lognormal"),
    (24, 72, "months", "lognormal"), (-0.1, 0.1, "rate", "normal")])
def test_a_range_is_read_as_the_5_to_95_percent_interval(low: float, high: float, unit: str, family: str) -> None:
    p = derived_prior(low, high, unit)
    assert p.family == family
    assert p.ppf(0.05) == pytest.approx(low, abs=1e-6)
    assert p.ppf(0.95) == pytest.approx(high, abs=1e-6)
    if family == "beta":
        a, b = p.arg("alpha"), p.arg("beta")
        assert stats.beta.ppf([0.05, 0.95], a, b) == pytest.approx([low, high], abs=1e-6)


def test_a_range_on_a_hard_bound_is_uniform_and_draws_stay_in_bounds() -> None:
    assert derived_prior(0.0, 0.08, "per_year").family == "uniform"
    assert derived_prior(0.9, 1.0, "probability").family == "uniform"
    p = Prior("normal", (("mean", 0.5), ("sd", 1.0)), unit="probability")
    assert p.ppf(0.001) == 0.0 and p.ppf(0.999) == 1.0
    month = Prior("lognormal", (("median", 6.0), ("sigma", 1.0)), integer=True, unit="month")
    assert month.ppf(0.999) == 12.0 and month.ppf(0.4) == round(month.ppf(0.4))


def test_behaviour_assumptions_are_drawn_and_policy_facts_are_not(behaviour: dict, taian: object) -> None:
    def drawn(name: str, params: dict) -> bool:
        return prior_of(params[name], name.split(".", 1)[0], START) is not None

    assert drawn("behaviour.firms.hte_pass", behaviour)  # assumption, probability -> beta
    assert prior_of(behaviour["behaviour.firms.hte_pass"], "behaviour", START).family == "beta"  # type: ignore[union-attr]
    assert drawn("behaviour.guidance.growth", behaviour)  # fund-curve behaviour, assumption
    assert not drawn("behaviour.guidance.rc_1", behaviour)  # reported
    assert not drawn("behaviour.firms.hte_certificate_years", behaviour)  # reported, degenerate range
    assert not drawn("behaviour.incubators.graduation_share", behaviour)  # reported
    params = taian.params  # type: ignore[attr-defined]
    assert drawn("taian.firms.arrivals_per_year", params)
    assert not drawn("taian.firms.hte", params)  # reported count
    assert not drawn("taian.guidance.ta2_commitment", params)  # a city's commitment: policy, not behaviour
    assert not any(drawn(k, params) for k in params if k.startswith("taian.programs."))
    assert drawn("taian-fitted.populations.taian.firms.hte_rate", params)  # fitted, under populations.<city>.firms
    assert prior_of(params["taian.firms.tech_sme"], "taian", START).integer  # type: ignore[union-attr]


def test_an_explicit_prior_decides(tmp_path: Path) -> None:
    f = tmp_path / "b.yaml"
    f.write_text("firms:\n  hte_rate:\n    unit: per_year\n    range: [0.2, 0.6]\n"
                 "    prior: {family: uniform, low: 0.3, high: 0.4}\n"
                 "    values: {2015-01-01: {value: 0.35, source: 'reported: somewhere'}}\n"
                 "  hte_pass:\n    unit: probability\n    range: [0.6, 0.7]\n    prior: {family: fixed}\n"
                 "    values: {2015-01-01: {value: 0.65, source: 'assumption: a guess'}}\n", encoding="utf-8")
    params = load_params(f)
    p = prior_of(params["b.firms.hte_rate"], "b", START)
    assert p is not None and p.family == "uniform" and not p.derived and p.ppf(0.5) == pytest.approx(0.35)
    assert prior_of(params["b.firms.hte_pass"], "b", START) is None


@pytest.mark.parametrize(("prior", "words"), [
    ("{family: gamma, shape: 2}", ["prior", "family", "gamma"]),
    ("{family: beta, alpha: 2}", ["prior", "beta", "missing ['beta']"]),
    ("{family: lognormal, median: 0.3, sigma: -1}", ["prior.sigma", "at least 0", "-1"]),
    ("{family: uniform, low: 2, high: 1}", ["low <= high"]),
    ("{family: normal, mean: .nan, sd: 1}", ["prior.mean", "finite"]),
])
def test_a_bad_prior_gets_one_clear_message(tmp_path: Path, prior: str, words: list[str]) -> None:
    f = tmp_path / "b.yaml"
    f.write_text("firms:\n  hte_rate:\n    unit: per_year\n    prior: " + prior + "\n"
                 "    values: {2015-01-01: {value: 0.35, source: 'assumption: x'}}\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_params(f)
    text = str(exc.value)
    assert f"{f}:4" in text and "firms.hte_rate.prior" in text
    for w in words:
        assert w in text


# --------------------------------------------------------------------------- applying a vector


def test_values_go_into_the_frozen_scenario_along_dotted_paths(taian: object) -> None:
    s = taian.scenario  # type: ignore[attr-defined]
    new = apply_values(s, {"populations.taian.firms.hte_rate": 0.3, "guidance_funds.TA-2.rc.1": 0.5,
                           "guidance_funds.TA-2.yield": 0.02, "populations.taian.firms.baseline.tech_sme": 700.6,
                           "guidance_funds.TA-2.call_month": 14.0})
    assert new.populations["taian"].firms.hte_rate == 0.3
    assert new.guidance_funds["TA-2"].rc[1] == 0.5 and new.guidance_funds["TA-2"].yield_ == 0.02
    assert new.populations["taian"].firms.baseline["tech_sme"] == 701  # an int stays an int
    assert new.guidance_funds["TA-2"].call_month == 12  # kept within the field's bounds
    assert s.populations["taian"].firms.hte_rate != 0.3  # the loaded scenario is unchanged
    assert new.programs is s.programs  # untouched nodes are shared
    assert value_at(new, "guidance_funds.TA-2.rc.1") == 0.5
    with pytest.raises(KeyError):
        apply_values(s, {"populations.taian.firms.no_such_rate": 1.0})


def test_one_param_feeding_several_paths_is_drawn_once(taian: object) -> None:
    plan = build_plan(taian)  # type: ignore[arg-type]
    delay = next(p for p in plan.params if p.name == "behaviour.review.delay_months")
    assert len(delay.paths) == 4
    ticket = next(p for p in plan.params if p.name == "behaviour.guidance.ticket")
    assert set(ticket.scales) == {100.0}  # yuan in params, fen in the scenario
    for g in range(5):
        draw = plan.draw(7, g, 100)
        s = plan.scenario_for(taian.scenario, draw)  # type: ignore[attr-defined]
        got = {value_at(s, p) for p in delay.paths}
        assert got == {int(draw.values[delay.name])}
        assert s.guidance_funds["TA-2"].ticket == round(draw.values[ticket.name] * 100)
    assert plan.draw(7, 3, 100) == plan.draw(7, 3, 100)
    assert plan.draw(7, 3, 100).values != plan.draw(7, 4, 100).values
    assert plan.draw(7, 3, 100).values != plan.draw(8, 3, 100).values
    assert PARAM_STREAM > 2_000_000  # above every replication index: never an event stream


def test_link_elasticities_written_as_one_mapping_are_drawn_and_reach_the_links(taian: object) -> None:
    from simulator.model.links import rate_factors

    plan = build_plan(taian)  # type: ignore[arg-type]
    el = next((p for p in plan.params if p.name == "behaviour.links.certification_elasticity"), None)
    assert el is not None and el.paths == ("programs.TA-3.link.0.elasticity",)
    factors = set()
    for g in range(4):
        draw = plan.draw(7, g, 100)
        s = plan.scenario_for(taian.scenario, draw)  # type: ignore[attr-defined]
        assert s.programs["TA-3"].links[0].elasticity == pytest.approx(draw.values[el.name])
        s = apply_values(s, {"programs.TA-3.rule.amount": 20_0000_00})  # twice the reference award
        factors.add(rate_factors(s)["populations.taian.firms.hte_rate"])
    assert len(factors) == 4  # the link factor follows each group's drawn elasticity


def test_fixed_params_draw_nothing(taian: object) -> None:
    plan = build_plan(taian, fixed=True)  # type: ignore[arg-type]
    segs = segments(plan, taian.scenario, 1, 0, 50, 50)  # type: ignore[attr-defined]
    assert len(segs) == 1 and segs[0].scenario is taian.scenario and not segs[0].draw.values  # type: ignore[attr-defined]


def test_blocks_are_cut_at_group_boundaries(taian: object) -> None:
    plan = build_plan(taian, group_size=4)  # type: ignore[arg-type]
    segs = segments(plan, taian.scenario, 1, 6, 15, 14)  # type: ignore[attr-defined]
    assert [(s.first, s.last, s.draw.group) for s in segs] == [(6, 8, 1), (8, 12, 2), (12, 14, 3)]


# --------------------------------------------------------------------------- runs


def _summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def test_results_do_not_depend_on_jobs_or_block_size(tmp_path: Path) -> None:
    loaded = load_scenario(ROOT / "scenarios" / "liaocheng.yaml")
    opts = RunOptions(reps=24, seed=3, out=tmp_path / "a", engine="fast", block=24, progress=False, group_size=5)
    a = run(loaded, opts)
    b = run(loaded, replace(opts, out=tmp_path / "b", block=7, jobs=2))
    c = run(loaded, replace(opts, out=tmp_path / "c", block=5))
    assert a.summary == b.summary == c.summary
    ta, tb = a.table("targets"), b.table("targets")
    assert ta.equals(tb)
    pa = a.table("parameters").drop_duplicates(["group", "name"])[["group", "name", "value"]]
    pb = b.table("parameters").drop_duplicates(["group", "name"])[["group", "name", "value"]]
    assert pa.reset_index(drop=True).equals(pb.reset_index(drop=True))
    assert sorted(pa["group"].unique()) == [0, 1, 2, 3, 4]


def test_targets_with_drawn_metrics_do_not_depend_on_block_size(tmp_path: Path) -> None:
    """A target whose metric holds a drawn value (Tai'an's registered share of HTEs) is measured on the group's own draw.

    Blocks here span several parameter groups; each replication's targets must be those of a block of its own group.
    """
    loaded = load_scenario(ROOT / "scenarios" / "taian.yaml")
    plan = build_plan(loaded, group_size=3)
    segs = segments(plan, loaded.scenario, 3, 0, 9, 9)
    weights = {str(seg.scenario.targets["TA-T6"].metric.states) for seg in segs}
    assert len(weights) == 3  # the metric differs between the block's groups
    opts = RunOptions(reps=9, seed=3, out=tmp_path / "a", engine="fast", block=9, progress=False, group_size=3)
    a = run(loaded, opts)
    b = run(loaded, replace(opts, out=tmp_path / "b", block=3))
    c = run(loaded, replace(opts, out=tmp_path / "c", block=4, jobs=2))
    ta, tb, tc = (x.table("targets").sort_values(["rep", "target"]).reset_index(drop=True) for x in (a, b, c))
    assert ta.equals(tb)
    assert ta.equals(tc)
    assert a.summary == b.summary == c.summary


def test_drawing_does_not_touch_the_event_streams(tmp_path: Path) -> None:
    """With every prior collapsed on its central value (and no yearly shocks), a drawn run is the fixed run."""
    loaded = load_scenario(ROOT / "scenarios" / "liaocheng.yaml")
    plan = build_plan(loaded)
    assert plan.params
    flat = replace(plan, year_sd=None, params=tuple(  # no yearly shocks either
        DrawnParam(p.name, Prior("uniform", (("low", p.central), ("high", p.central)), p.prior.integer), p.central,
                   p.paths, p.scales) for p in plan.params))
    fixed = build_plan(loaded, fixed=True)
    from simulator.runner import simulate_block

    _, fa, _, _ = simulate_block(segments(flat, loaded.scenario, 5, 0, 12, 12), 5, "fast")
    _, fb, _, _ = simulate_block(segments(fixed, loaded.scenario, 5, 0, 12, 12), 5, "fast")
    assert fa["targets"].equals(fb["targets"]) and fa["fund_years"].equals(fb["fund_years"])
    assert len(fa["parameters"]) == len(plan.params) * 2 and fb["parameters"].empty  # two groups of 10


def test_default_runs_draw_and_the_bands_widen(tmp_path: Path) -> None:
    loaded = load_scenario(ROOT / "scenarios" / "liaocheng.yaml")
    drawn = run(loaded, RunOptions(reps=60, seed=1, out=tmp_path / "d", engine="fast", progress=False))
    fixed = run(loaded, RunOptions(reps=60, seed=1, out=tmp_path / "f", engine="fast", progress=False,
                                   fixed_params=True))
    u = drawn.manifest["uncertainty"]
    assert u["fixed_params"] is False and u["group_size"] == 10 and u["parameters"]
    assert fixed.manifest["uncertainty"]["fixed_params"] is True and not fixed.manifest["uncertainty"]["parameters"]
    years = len(u["year_effects"]["years"])  # liaocheng 2020-2024: the drawn spread and a factor a year
    assert years == 5 and u["year_effects"]["cities"] == ["liaocheng"]
    assert len(drawn.table("parameters")) == 60 // 10 * (len(u["parameters"]) + 1 + years)
    assert fixed.table("parameters").empty
    wider = 0
    for tid, t in drawn.summary["targets"].items():
        f = fixed.summary["targets"][tid]
        assert set(t["variance_share"]) == {"parameters", "chance"}
        assert math.isclose(sum(t["variance_share"].values()), 1.0)
        assert f["variance_share"] == {"parameters": 0.0, "chance": 1.0}
        wider += (t["p95"] - t["p5"]) > (f["p95"] - f["p5"])
    assert wider >= 0.6 * len(drawn.summary["targets"])
    for fid, fund in drawn.summary["funds"].items():
        assert set(fund["variance_share"]) == {"drawn", "refused", "prorata_cut", "arrears_end", "exhausted"}, fid


def test_resume_checks_the_parameter_mode(tmp_path: Path) -> None:
    loaded = load_scenario(ROOT / "scenarios" / "liaocheng.yaml")
    out = tmp_path / "r"
    run(loaded, RunOptions(reps=4, seed=1, out=out, engine="fast", progress=False, group_size=2))
    with pytest.raises(RunError, match="uncertainty"):
        run(loaded, RunOptions(reps=4, seed=1, out=out, engine="fast", progress=False, group_size=2,
                               fixed_params=True, resume=True))
    with pytest.raises(RunError, match="uncertainty"):
        run(loaded, RunOptions(reps=4, seed=1, out=out, engine="fast", progress=False, group_size=3, resume=True))
    run(loaded, RunOptions(reps=4, seed=1, out=out, engine="fast", progress=False, group_size=2, resume=True))


# --------------------------------------------------------------------------- posterior


def test_groups_draw_rows_of_the_posterior(tmp_path: Path) -> None:
    loaded = load_scenario(FIXTURES / "taian-with-posterior.yaml")
    plan = build_plan(loaded)
    assert plan.group_size == 5 and plan.posterior is not None
    assert all("populations.taian.firms.hte_rate" not in p.paths for p in plan.params)
    rows = {tuple(r) for r in plan.posterior.draws.tolist()}
    seen = set()
    for g in range(12):
        d = plan.draw(4, g, 60)
        s = plan.scenario_for(loaded.scenario, d)
        pair = (s.populations["taian"].firms.hte_rate, s.populations["taian"].firms.exit_rate)
        assert pair in rows
        seen.add(pair)
    assert len(seen) >= 3
    store = run(loaded, RunOptions(reps=10, seed=4, out=tmp_path / "p", engine="fast", progress=False))
    assert store.manifest["uncertainty"]["posterior"]["rows"] == 4
    par = store.table("parameters")
    assert set(par[par["name"] == "posterior:populations.taian.firms.hte_rate"]["value"]) <= {0.31, 0.35, 0.38, 0.42}


def test_the_manifest_names_a_posterior_file_found_from_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    described = build_plan(load_scenario("scenarios/taian.yaml")).describe()["posterior"]
    monkeypatch.chdir(tmp_path)  # a report made from another folder reads the same file
    assert Path(described["file"]).is_absolute() and ".." not in Path(described["file"]).parts
    assert Path(described["file"]) == ROOT / "params" / "taian-posterior.yaml"


def test_a_bad_posterior_is_refused(tmp_path: Path) -> None:
    (tmp_path / "post.yaml").write_text("kind: posterior\nparameters: [{path: populations.taian.firms.hte_rate}]\n"
                                        "draws:\n  - [0.3]\n  - [0.3, 0.1]\n", encoding="utf-8")
    (tmp_path / "s.yaml").write_text(f"extends: {ROOT / 'scenarios' / 'taian.yaml'}\n"
                                     "uncertainty: {posterior: post.yaml}\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        build_plan(load_scenario(tmp_path / "s.yaml"))
    assert "post.yaml:5" in str(exc.value) and "draws.1" in str(exc.value) and "1 finite numbers" in str(exc.value)
    (tmp_path / "s.yaml").write_text(f"extends: {ROOT / 'scenarios' / 'taian.yaml'}\n"
                                     "uncertainty: {posterior: missing.yaml}\n", encoding="utf-8")
    with pytest.raises(InputError, match="posterior file not found"):
        build_plan(load_scenario(tmp_path / "s.yaml"))


# --------------------------------------------------------------------------- variance split


def test_the_variance_split_recovers_a_known_share() -> None:
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(400), 10)
    y = np.repeat(rng.normal(0.0, 1.0, 400), 10) + rng.normal(0.0, 2.0, 4000)  # true share 1 / (1 + 4) = 0.2
    assert variance_share(y, groups)["parameters"] == pytest.approx(0.2, abs=0.04)
    # without the small-sample correction pure chance would show 1/10 of its variance as "parameters"
    assert variance_share(rng.normal(0.0, 2.0, 4000), groups)["parameters"] < 0.03
    unbalanced = np.concatenate([groups, np.full(3, 400)])
    assert 0.0 <= variance_share(np.concatenate([y, [0.0, 1.0, 2.0]]), unbalanced)["parameters"] <= 1.0
    assert variance_share(np.ones(20), np.repeat(np.arange(2), 10)) == {"parameters": 0.0, "chance": 1.0}


def test_rank_correlations_name_the_driving_parameter() -> None:
    rng = np.random.default_rng(1)
    x, z = rng.random(50), rng.random(50)
    rho = rank_correlations({"x": x, "z": z}, 3 * x + 0.1 * rng.random(50))
    assert rho["x"] > 0.9 and abs(rho["z"]) < 0.4


def test_store_reads_back(tmp_path: Path) -> None:
    loaded = load_scenario(ROOT / "scenarios" / "liaocheng.yaml")
    run(loaded, RunOptions(reps=3, seed=2, out=tmp_path / "s", engine="fast", progress=False, group_size=2))
    par = RunStore(tmp_path / "s").table("parameters")
    assert list(par.columns) == ["group", "first_rep", "last_rep", "name", "value"]
    assert sorted(set(zip(par["group"], par["first_rep"], par["last_rep"], strict=True))) == [(0, 0, 2), (1, 2, 3)]


def test_each_group_draws_common_yearly_shocks_per_city() -> None:
    loaded = load_scenario(ROOT / "scenarios" / "shandong.yaml")
    plan = build_plan(loaded)
    assert plan.year_sd is not None and plan.year_sd[0] is not None  # the spread is drawn too
    assert set(plan.cities) == set(loaded.scenario.populations)
    d = plan.draw(2, 0, 10)
    s = plan.scenario_for(loaded.scenario, d)
    years = list(range(loaded.scenario.scenario.start.year, loaded.scenario.scenario.end.year + 1))
    for city in plan.cities:
        assert list(s.populations[city].year_factor) == years
        assert s.populations[city].year_factor == d.year_factor[city]
        assert all(d.values[f"year_factor.{city}.{y}"] == d.year_factor[city][y] for y in years)
    first, second = (d.year_factor[c] for c in plan.cities[:2])
    assert first != second  # each city its own shocks
    assert not build_plan(loaded, fixed=True).draw(2, 0, 10).year_factor


def test_fixed_params_give_the_numbers_of_the_golden_summaries() -> None:
    """--fixed-params is the old behaviour: every number of the checked-in summary, only the new split added."""
    from tests.golden import diff, golden_file, run_summary

    path = ROOT / "scenarios" / "liaocheng.yaml"
    got = run_summary(path, "des")  # fixed_params=True, as the goldens

    def without_split(node: object) -> object:
        if isinstance(node, dict):
            return {k: without_split(v) for k, v in node.items() if k not in ("variance_share", "yearly_variance_share")}
        return node

    expected = json.loads(golden_file("des", path).read_text(encoding="utf-8"))
    assert diff(without_split(expected), without_split(got)) == []


@pytest.mark.parametrize("name", ["apply", "draws", "priors", "variance"])
def test_doctests(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import doctest
    import importlib

    monkeypatch.chdir(ROOT)  # the examples read scenarios/ from the repository root
    result = doctest.testmod(importlib.import_module(f"simulator.uncertainty.{name}"))
    assert result.attempted > 0 and result.failed == 0


def test_trace_replays_the_replication_on_its_group_draw(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from simulator.cli import main

    scen = str(ROOT / "scenarios" / "liaocheng.yaml")

    def trace(*extra: str) -> str:
        res = CliRunner().invoke(main, ["trace", scen, "--rep", "2", "--only", "payment", *extra], obj={})
        assert res.exit_code == 0, res.output
        return res.output

    drawn = trace()
    assert drawn == trace("--group-size", "10")  # the default group size of `run`
    assert drawn != trace("--fixed-params")
    assert drawn != trace("--group-size", "1")  # replication 2 is then group 2, another draw
