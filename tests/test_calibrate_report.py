"""The report's page of prior against posterior (simulator/report/posterior.py), rendered and read back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader

from simulator.calibrate import CheckRow, Posterior, Prior, posterior_yaml
from simulator.report.layout import Layout, write_pdf
from simulator.report.posterior import posterior_ref, posterior_section
from simulator.report.store import RunStore


def _write_posterior(path: Path) -> None:
    priors = [Prior("lognormal", 0.2, 0.6, "params behaviour.firms.hte_rate"), Prior("normal", -0.07, 0.21, "params")]
    draws = np.array([[0.31, 0.0], [0.35, 0.0], [0.4, 0.0], [0.33, 0.0], [0.37, 0.0]])
    check = [CheckRow(2012, "TA-T5", 77, 77, 77, 77, None, "initial stock"),
             CheckRow(2022, "TA-T5", 522, 431, 517, 598, True, "fit")]
    model = {"form": "constant", "reason": "in the file's words", "year_effects": {"identified": False},
             "forms": {"constant": {"aic": 10.5}, "trend": {"aic": 11.25}}}
    post = Posterior({"data": "data/observed/taian_hte.csv", "date": "2026-12-03"}, model,
                     ["populations.taian.firms.hte_rate", "populations.taian.firms.growth"], priors, draws, check)
    path.write_text(posterior_yaml(post), encoding="utf-8")


def _render(tmp_path: Path, store: RunStore, lang: str) -> str:
    lay = Layout(lang)  # type: ignore[arg-type]
    story = posterior_section(lay, store)
    assert story
    pdf = write_pdf(story, tmp_path / f"p-{lang}.pdf", layout=lay, title="t", header_left="l", header_right="r")
    return "".join(page.extract_text() for page in PdfReader(pdf).pages)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_posterior_page_shows_prior_posterior_form_and_check(tmp_path: Path, lang: str) -> None:
    _write_posterior(tmp_path / "post.yaml")
    store = RunStore(tmp_path, {"uncertainty": {"posterior": "post.yaml"}}, {})
    text = _render(tmp_path, store, lang).replace("\n", " ")
    assert "0.2 / 0.346 / 0.6" in text  # the prior of the rate: its range read as 5-95%
    assert "0.314 / 0.35 / 0.394" in text  # the posterior's quantiles of the five draws
    assert "-0.07 / 0.07 / 0.21" in text and "0 / 0 / 0" in text  # growth: prior, and held at 0 (constant form)
    assert "431 / 517 / 598" in text and "522" in text
    if lang == "zh":
        assert "先验与后验" in text and "常数" in text and "在区间内" in text and "保留先验" in text
        assert "AIC 变化 +0.75" in text
    else:
        assert "prior and posterior" in text and "constant" in text and "inside" in text and "kept at its prior" in text
        assert "AIC on the synthetic likelihood by +0.75" in text


def test_no_posterior_no_page_and_unreadable_posterior_says_so(tmp_path: Path) -> None:
    assert posterior_section(Layout("en"), RunStore(tmp_path, {}, {})) == []
    assert posterior_ref({"uncertainty": {"posterior": {"path": "a.yaml"}}}) == "a.yaml"
    assert posterior_ref({"uncertainty": {"posterior": {"file": "b.yaml", "sha256": "0" * 64, "rows": 5}}}) == "b.yaml"
    assert posterior_ref({"uncertainty": {"fixed_params": True, "posterior": None}}) is None
    assert posterior_ref({"uncertainty": "x"}) is None and posterior_ref({"uncertainty": {"posterior": 3}}) is None
    store = RunStore(tmp_path, {"uncertainty": {"posterior": "missing.yaml"}}, {})
    text = _render(tmp_path, store, "en")
    assert "cannot be read" in text and "missing.yaml" in text
    _write_posterior(tmp_path / "post.yaml")
    stale = RunStore(tmp_path, {"uncertainty": {"posterior": {"file": "post.yaml", "sha256": "0" * 64}}}, {})
    assert "rewritten after this run" in _render(tmp_path, stale, "en").replace("\n", " ")
