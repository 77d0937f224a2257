"""The cities page of a multi-city run (Shandong: four cities sharing the province pool)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader

from simulator.loader import load_scenario
from simulator.report.layout import Layout, write_pdf
from simulator.report.pdf import cities_section, city_figures
from simulator.report.store import open_run
from simulator.runner import RunOptions, run

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shandong_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sd") / "run"
    run(load_scenario(ROOT / "scenarios" / "shandong.yaml"),
        RunOptions(reps=6, seed=5, out=out, engine="fast", progress=False))
    return out


def test_city_figures_match_the_scenario_and_the_tables(shandong_store: Path) -> None:
    s = load_scenario(ROOT / "scenarios" / "shandong.yaml").scenario
    store = open_run(shandong_store)
    figs = {f.city: f for f in city_figures(store)}
    assert set(figs) == set(s.cities()) and len(figs) == 4
    fy = store.table("fund_years")
    dr = store.table("draws")
    for city, f in figs.items():
        assert f.targets == sum(1 for tid in s.targets if s.target_city(tid) == city)
        funds = [fid for fid, fund in s.funds.items() if s.city_of(fund.owner) == city]
        assert f.appropriated_fen == sum(sum(s.funds[fid].appropriations.values()) for fid in funds)
        drawn = fy[fy["fund"].isin(funds)].groupby("rep")["drawn_fen"].sum().reindex(range(6), fill_value=0)
        assert f.drawn_median_fen == pytest.approx(float(np.median(drawn.to_numpy())))
        progs = [pid for pid in s.programs if s.program_city(pid) == city]
        prov = dr[(dr["level"] == "province") & dr["program"].isin(progs)].groupby("rep")["amount_fen"].sum()
        assert f.province_median_fen == pytest.approx(float(np.median(prov.reindex(range(6), fill_value=0))))
        assert 0 <= f.likely <= f.assessed <= f.targets
    assert sum(f.province_median_fen for f in figs.values()) > 0, "the province pays in some city"


def test_cities_page_renders_every_city(shandong_store: Path, tmp_path: Path) -> None:
    store = open_run(shandong_store)
    lay = Layout("zh")
    pdf = write_pdf(cities_section(lay, store), tmp_path / "cities.pdf", layout=lay, title="t", header_left="l",
                    header_right="r")
    text = "".join((p.extract_text() or "") for p in PdfReader(pdf).pages).replace(" ", "").replace("\n", "")
    for name in ("济南", "淄博", "泰安", "聊城"):
        assert name in text


def test_single_city_run_has_no_cities_page(run_store: Path) -> None:
    assert city_figures(open_run(run_store)) == []
