"""What moves each answer of a sweep, computed from the design points and said in one sentence.

For an output and a factor, the *effect* is the mean output over the design
points at the factor's low end and at its high end: for a numeric factor its
lowest and highest :data:`TAIL` share of points, for a categorical one the
options with the lowest and the highest mean. The tornado charts draw every
factor's effect; a *finding* states the largest one of a headline output (the
probability of attaining each target, of each fund running dry) with its
direction, which is taken from the same numbers it quotes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.i18n import Msg
from simulator.report import fmt
from simulator.report.fmt import Lang
from simulator.report.store import SweepStore
from simulator.report.sweep_labels import (
    factor_ids,
    factor_label,
    is_categorical,
    output_ids,
    output_kind,
    output_label,
)

__all__ = [
    "FLAT",
    "TAIL",
    "Effect",
    "effects",
    "finding_sentence",
    "findings",
    "headline_outputs",
]

TAIL = 0.2
"""Share of design points counted as a numeric factor's 'low' or 'high' end."""

FLAT = 0.02
"""A change of a probability smaller than this (2 points) is stated as no change."""

_HIGHER = Msg(
    "{factor}越高，{output}越高（该因素取值最低 20% 的设计点上平均为 {low}，最高 20% 的设计点上为 {high}）。",
    "The higher {factor}, the higher {output} ({low} on average over the design points with "
    "its lowest 20% of values, {high} over those with its highest 20%).",
)
_LOWER = Msg(
    "{factor}越高，{output}越低（该因素取值最低 20% 的设计点上平均为 {low}，最高 20% 的设计点上为 {high}）。",
    "The higher {factor}, the lower {output} ({low} on average over the design points with "
    "its lowest 20% of values, {high} over those with its highest 20%).",
)
_OPTIONS = Msg(
    "{factor}取 {hi_opt} 时{output}最高（平均 {high}），取 {lo_opt} 时最低（平均 {low}）。",
    "{output} is highest with {factor} at {hi_opt} ({high} on average) and lowest at {lo_opt} ({low}).",
)
_FLAT = Msg(
    "{output}在扫描范围内几乎不变：任一因素两端的平均值相差不到 {tol} 个百分点（影响最大的是{factor}：{low} 与 {high}）。",
    "{output} hardly moves over the swept ranges: no factor changes its mean by {tol} points or "
    "more between its two ends (the largest effect is {factor}'s: {low} against {high}).",
)


@dataclass(frozen=True)
class Effect:
    """The mean output at a factor's two ends.

    Attributes:
        factor: the factor's key path.
        low: mean output at the low end (numeric) or at the option with the lowest mean.
        high: mean output at the high end, or at the option with the highest mean.
        low_option: the option with the lowest mean (categorical factors), else ``None``.
        high_option: the option with the highest mean, else ``None``.
    """

    factor: str
    low: float
    high: float
    low_option: str | None = None
    high_option: str | None = None

    @property
    def swing(self) -> float:
        """How far the output moves between the two ends."""
        return abs(self.high - self.low)

    @property
    def direction(self) -> int:
        """+1 if the output is higher at the factor's high end, -1 if lower, 0 if within :data:`FLAT`."""
        if self.swing < FLAT:
            return 0
        return 1 if self.high > self.low else -1


def effects(sweep: SweepStore, output: str) -> list[Effect]:
    """Every factor's effect on an output, largest swing first.

    Args:
        sweep: the sweep store.
        output: a column of the per-point table.

    Returns:
        The effects (a factor whose ends cannot be told apart is left out).
    """
    pts = sweep.points
    y = pts[output].astype(float)
    out: list[Effect] = []
    for f in factor_ids(sweep):
        if is_categorical(sweep, f):
            means = y.groupby(pts[f].astype(str)).mean().dropna()
            if len(means) < 2:
                continue
            out.append(
                Effect(
                    f,
                    float(means.min()),
                    float(means.max()),
                    str(means.idxmin()),
                    str(means.idxmax()),
                )
            )
            continue
        x = pts[f].astype(float)
        lo_cut, hi_cut = x.quantile(TAIL), x.quantile(1 - TAIL)
        low, high = float(y[x <= lo_cut].mean()), float(y[x >= hi_cut].mean())
        if np.isfinite(low) and np.isfinite(high):
            out.append(Effect(f, low, high))
    out.sort(key=lambda e: -e.swing)
    return out


def headline_outputs(sweep: SweepStore) -> tuple[list[str], list[str]]:
    """The outputs that get a finding and a tornado chart, and those that never move.

    Returns:
        ``(moving, constant)``: every target's probability of being attained
        (moving or not, targets are never left out of the first list), then
        each fund's probability of running dry that varies across the points;
        and the funds' probabilities that are the same at every point.
    """
    outputs = output_ids(sweep)
    targets = [o for o in outputs if output_kind(o) == "target"]
    dry = [o for o in outputs if output_kind(o) == "dry"]

    def varies(o: str) -> bool:
        values = pd.to_numeric(sweep.points[o], errors="coerce").dropna()
        return len(values) > 1 and float(values.max() - values.min()) > 0

    return targets + [o for o in dry if varies(o)], [o for o in dry if not varies(o)]


def finding_sentence(sweep: SweepStore, output: str, effect: Effect, lang: Lang) -> str:
    """The sentence that states an effect, its direction read from the figures it quotes.

    Args:
        sweep: the sweep store.
        output: the output (a probability).
        effect: the factor's effect on it.
        lang: ``"zh"`` or ``"en"``.

    Returns:
        The sentence.
    """
    kw = {
        "factor": factor_label(sweep, effect.factor, lang),
        "output": output_label(sweep, output, lang),
        "low": fmt.pct(effect.low),
        "high": fmt.pct(effect.high),
    }
    if effect.direction == 0:
        return _FLAT.format(tol=f"{FLAT * 100:.0f}", **kw)(lang)
    if effect.low_option is not None:
        return _OPTIONS.format(hi_opt=effect.high_option, lo_opt=effect.low_option, **kw)(lang)
    return (_HIGHER if effect.direction > 0 else _LOWER).format(**kw)(lang)


def findings(sweep: SweepStore, lang: Lang) -> list[tuple[str, Effect, str]]:
    """One finding per headline output: its largest effect, and the sentence that states it.

    Args:
        sweep: the sweep store.
        lang: ``"zh"`` or ``"en"``.

    Returns:
        ``[(output, effect, sentence)]``, targets first.
    """
    out: list[tuple[str, Effect, str]] = []
    for output in headline_outputs(sweep)[0]:
        found = effects(sweep, output)
        if found:
            out.append((output, found[0], finding_sentence(sweep, output, found[0], lang)))
    return out
