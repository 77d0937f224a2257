"""Prior against posterior: the report's page on a run whose scenario draws from a calibrated posterior.

The run's manifest names the posterior file (``manifest["uncertainty"]["posterior"]``:
a path, or a mapping with ``path``/``file``); it is found as given, then next
to the scenario file, then next to the store.  The section shows, for each
calibrated parameter, the prior's and the posterior's 5/50/95% quantiles, the
growth form the projection uses and why, how the year-effect spread was
treated, and the posterior predictive check against every observation.  A run
without a posterior gets no section; a posterior that cannot be read gets one
line saying so (the report is still written).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from reportlab.lib.units import cm
from reportlab.platypus import Flowable, PageBreak

from simulator.calibrate.posterior import Posterior, read_posterior
from simulator.errors import InputError
from simulator.i18n import Lang, Msg
from simulator.report.layout import CONTENT_WIDTH, Column, Layout
from simulator.report.store import RunStore

NAMES: dict[str, Msg] = {
    "hte_rate": Msg("科技型中小企业达到高企申报条件的年风险率", "tech SME becomes ready to apply for HTE (hazard a year)"),
    "growth": Msg("企业到达与高企申报就绪率的年趋势增长", "trend growth a year of firm arrivals and HTE readiness"),
    "sd": Msg("城市年度共同冲击的对数标准差", "log-scale sd of the city's common yearly shock"),
}
"""Display names by the last segment of a parameter's path."""

FORMS: dict[str, Msg] = {
    "constant": Msg("常数（无趋势，增长为 0）", "constant (no trend, growth 0)"),
    "trend": Msg("趋势增长（增长率按后验抽取）", "trend (growth drawn from the posterior)"),
}

T = {
    "title": Msg("参数校准：先验与后验", "Calibration: prior and posterior"),
    "intro": Msg("本次运行的行为参数按校准后验抽取：每个重复组抽取后验的一行，其余参数按先验抽取。"
                 "下表比较每个校准参数的先验与后验分位数；观测越少，后验越宽，这是诚实的结果。",
                 "The behaviour parameters of this run are drawn from a calibrated posterior: each replication "
                 "group draws one row of it, and priors for the rest. The table compares each calibrated "
                 "parameter's prior and posterior quantiles; the fewer the observations, the wider the posterior, "
                 "which is the honest answer."),
    "param": Msg("参数", "parameter"),
    "prior": Msg("先验 5% / 50% / 95%", "prior 5% / 50% / 95%"),
    "post": Msg("后验 5% / 50% / 95%", "posterior 5% / 50% / 95%"),
    "caption": Msg("先验：参数文件 range 读作 5%–95% 区间（比率取对数正态）；后验：合成似然（模拟观测的正态近似）经 emcee 抽样。",
                   "Prior: the params range read as a 5-95% interval (lognormal for rates); posterior: a synthetic "
                   "likelihood (a normal fitted to the simulated observations) sampled with emcee."),
    "form": Msg("增长形式（预测采用）", "growth form (used by the projection)"),
    "why": Msg("理由", "why"),
    "ye": Msg("年度共同冲击", "common yearly shocks"),
    "ye_prior": Msg("数据无法识别其离散度，保留先验", "its spread cannot be identified from the data; kept at its prior"),
    "source": Msg("后验文件", "posterior file"),
    "check": Msg("后验预测检验", "Posterior predictive check"),
    "year": Msg("年份", "year"), "metric": Msg("指标", "metric"), "obs": Msg("观测值", "observed"),
    "band": Msg("预测 P5 / P50 / P95", "predicted P5 / P50 / P95"), "result": Msg("结果", "result"),
    "inside": Msg("在区间内", "inside"), "outside": Msg("在区间外", "outside"), "fixed": Msg("初始存量", "initial stock"),
    "check_caption": Msg("用后验抽样重放历史（新的随机数），观测值是否落在模拟值的 P5–P95 之间。",
                         "The history replayed with posterior draws (fresh random numbers): is each observation "
                         "inside the P5-P95 of the simulated values?"),
    "unreadable": Msg("本次运行所用的后验文件无法读取：", "The posterior file of this run cannot be read: "),
    "changed": Msg("注意：后验文件在本次运行之后已被改写（sha256 不同），下表显示的是现有文件。",
                   "Note: the posterior file was rewritten after this run (its sha256 differs); the tables show the "
                   "current file."),
}


def posterior_ref(manifest: dict[str, Any]) -> str | None:
    """The posterior file the manifest names, if any (read defensively)."""
    unc = manifest.get("uncertainty")
    if not isinstance(unc, dict):
        return None
    ref = unc.get("posterior")
    if isinstance(ref, dict):
        ref = ref.get("path") or ref.get("file")
    return str(ref) if isinstance(ref, str | Path) and str(ref) else None


def find_posterior(store: RunStore, ref: str) -> Path:
    """Where the named posterior file is: as given, next to the scenario file, or next to the store."""
    p = Path(ref)
    candidates = [p]
    if not p.is_absolute():
        scen = (store.manifest.get("scenario") or {}).get("file") if isinstance(store.manifest.get("scenario"), dict) else None
        if scen:
            candidates.append(Path(str(scen)).parent / p)
        candidates.append(Path(store.path) / p)
    return next((c for c in candidates if c.is_file()), p)


def _name(path: str, lang: Lang) -> str:
    last = path.rsplit(".", 1)[-1]
    return f"{NAMES[last](lang)} ({path})" if last in NAMES else path


def _q(values: tuple[float, float, float]) -> str:
    return " / ".join(f"{v:.3g}" for v in values)


def posterior_section(lay: Layout, store: RunStore) -> list[Flowable]:
    """The prior-and-posterior page of a run, ending with a page break (empty when its scenario names no posterior)."""
    ref = posterior_ref(store.manifest)
    if ref is None:
        return []
    lang = lay.lang
    path = find_posterior(store, ref)
    try:
        post = read_posterior(path)
    except InputError:
        return [lay.h1(T["title"](lang)), lay.para(T["unreadable"](lang) + ref), PageBreak()]
    recorded = (store.manifest.get("uncertainty") or {}).get("posterior")
    sha = recorded.get("sha256") if isinstance(recorded, dict) else None
    changed = [lay.para(T["changed"](lang))] if sha and sha != hashlib.sha256(path.read_bytes()).hexdigest() else []
    return [lay.h1(T["title"](lang)), lay.para(T["intro"](lang)), *changed, *parameter_table(lay, post),
            *model_lines(lay, post, ref), *check_table(lay, post), PageBreak()]


def parameter_table(lay: Layout, post: Posterior) -> list[Flowable]:
    """Prior and posterior quantiles of every calibrated parameter."""
    lang = lay.lang
    w = CONTENT_WIDTH
    cols = [Column(T["param"](lang), w * 0.48), Column(T["prior"](lang), w * 0.26, True),
            Column(T["post"](lang), w * 0.26, True)]
    rows = [[_name(p, lang), _q(prior.quantiles()), _q(post.quantiles(p))]
            for p, prior in zip(post.paths, post.priors, strict=True)]
    return [lay.table(cols, rows), lay.caption(T["caption"](lang))]


def reason_text(post: Posterior, lang: Lang) -> str:
    """Why the growth form was chosen, in ``lang`` (from the two forms' AIC; else the file's own words)."""
    forms = post.model.get("forms")
    try:
        gap = float(forms["constant"]["aic"]) - float(forms["trend"]["aic"])  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        return str(post.model.get("reason", ""))
    if post.model.get("form") == "trend":
        return Msg(f"趋势形式使合成似然的 AIC 降低 {gap:.2f}（超过 2）：数据支持趋势",
                   f"the trend lowers the AIC on the synthetic likelihood by {gap:.2f} (more than 2): the data ask for a trend")(lang)
    return Msg(f"趋势形式使合成似然的 AIC 变化 {-gap:+.2f}（须降低 2 以上才采用）：数据无法区分趋势与常数，保留较简单的形式",
               f"the trend changes the AIC on the synthetic likelihood by {-gap:+.2f} (it must lower it by more than 2): "
               "the data do not distinguish a trend from a constant, so the simpler form is kept")(lang)


def model_lines(lay: Layout, post: Posterior, ref: str) -> list[Flowable]:
    """The growth form and why, the year effects, the file."""
    lang = lay.lang
    form = str(post.model.get("form", ""))
    ye = post.model.get("year_effects") if isinstance(post.model.get("year_effects"), dict) else {}
    pairs: list[tuple[str, Any]] = [(T["form"](lang), FORMS[form](lang) if form in FORMS else form),
                                    (T["why"](lang), reason_text(post, lang))]
    if isinstance(ye, dict) and ye.get("identified") is False:
        pairs.append((T["ye"](lang), T["ye_prior"](lang)))
    prov = post.provenance
    pairs.append((T["source"](lang), f"{ref} ({prov.get('date', '')}; {prov.get('data', '')})"))
    return [lay.spacer(0.3 * cm), lay.key_values(pairs)]


def check_table(lay: Layout, post: Posterior) -> list[Flowable]:
    """The posterior predictive check, one row per observation."""
    if not post.check:
        return []
    lang = lay.lang
    w = CONTENT_WIDTH
    cols = [Column(T["year"](lang), w * 0.12), Column(T["metric"](lang), w * 0.2), Column(T["obs"](lang), w * 0.14, True),
            Column(T["band"](lang), w * 0.34, True), Column(T["result"](lang), w * 0.2)]
    rows = []
    for r in post.check:
        verdict = T["fixed"] if r.inside is None else (T["inside"] if r.inside else T["outside"])
        rows.append([str(r.year), r.metric, f"{r.observed:.4g}", _q((r.p5, r.p50, r.p95)), verdict(lang)])
    return [lay.spacer(0.3 * cm), lay.h2(T["check"](lang)), lay.table(cols, rows), lay.caption(T["check_caption"](lang))]
