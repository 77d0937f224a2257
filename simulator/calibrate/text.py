"""What ``fiscalsim calibrate`` prints: prior against posterior, the growth form, the predictive check."""

from __future__ import annotations

from simulator.calibrate.posterior import Posterior
from simulator.i18n import Lang

USED_FOR_ZH = {"fit": "拟合", "validate": "检验", "initial stock": "初始存量"}
"""The ``used for`` column in Chinese."""

FORM_ZH = {"constant": "常数（无趋势）", "trend": "趋势增长"}
"""The growth forms in Chinese."""


def summary_lines(post: Posterior, lang: Lang) -> list[str]:
    """The calibration's result in a few lines of text, in ``lang``."""
    zh = lang == "zh"
    lines = ["参数                                     先验 [5%, 50%, 95%]              后验 [5%, 50%, 95%]" if zh else
             "parameter                                prior [5%, 50%, 95%]             posterior [5%, 50%, 95%]"]
    for path, prior in zip(post.paths, post.priors, strict=True):
        a = prior.quantiles()
        b = post.quantiles(path)
        lines.append(f"{path:<40} [{a[0]:.3g}, {a[1]:.3g}, {a[2]:.3g}]".ljust(73) + f"[{b[0]:.3g}, {b[1]:.3g}, {b[2]:.3g}]")
    form = str(post.model.get("form", "?"))
    forms = post.model.get("forms", {})
    aics = ", ".join(f"{f} AIC {v.get('aic')}" for f, v in forms.items())
    if zh:
        lines.append(f"增长形式：{FORM_ZH.get(form, form)}（{aics}）；预测采用此形式")
    else:
        lines.append(f"growth form: {form} ({aics}); the projection uses this form")
    lines.append(f"  {post.model.get('reason', '')}")
    ye = post.model.get("year_effects", {})
    if ye.get("identified") is False:
        lines.append("年度共同冲击的离散度：数据无法识别，保留先验" if zh else
                     "year-effect spread: not identifiable from the data, kept at its prior")
    lines.append("后验预测检验（每个观测是否落在 P5–P95 之间）：" if zh else
                 "posterior predictive check (is each observation inside P5-P95?):")
    lines.append("年份  指标              观测值    P5        P50       P95       结果      用途" if zh else
                 "year  metric            observed  P5        P50       P95       result    used for")
    for r in post.check:
        if r.inside is None:
            verdict = "—"
        else:
            verdict = ("在内" if r.inside else "在外") if zh else ("inside" if r.inside else "OUTSIDE")
        used = USED_FOR_ZH.get(r.used_for, r.used_for) if zh else r.used_for
        lines.append(f"{r.year}  {r.metric:<16} {r.observed:<9.4g} {r.p5:<9.4g} {r.p50:<9.4g} {r.p95:<9.4g} "
                     f"{verdict:<9} {used}")
    return lines
