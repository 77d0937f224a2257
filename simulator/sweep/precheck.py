"""Check a sweep's factors against its scenario before anything runs or is written.

A factor path that does not exist in the scenario, or a level the scenario
refuses (``"abc"`` for an amount), would otherwise be found only when the first
point runs, after the sweep folder was created.  Each factor is applied alone
at each of its named levels (or at the median of a continuous range) and the
scenario is loaded, so the message names the spec file and the factor.
"""

from __future__ import annotations

from pathlib import Path

from simulator.errors import InputError
from simulator.i18n import Msg, pick
from simulator.loader import load_scenario
from simulator.sweep.design import factor_distribution, factor_info
from simulator.sweep.errors import SweepSpecError
from simulator.sweep.factors import DistFactor, Factor, RangeFactor
from simulator.sweep.spec import SweepSpec


def check_factors(spec: SweepSpec) -> None:
    """Load the spec's scenario with the factors at their levels; refuse the first factor that fails.

    All factors are applied together, at their k-th level for k up to the most
    levels any factor has (one load for a purely continuous design); only when
    a load fails is each factor tried alone, to name the one at fault.

    Args:
        spec: A sweep spec whose scenario is a file (test models are not checked).

    Raises:
        SweepSpecError: Naming the spec file, the factor, the level and the scenario's own message.
    """
    path = spec.scenario_path()
    if path is None or not Path(path).is_file():
        return
    levels = {fpath: _levels(fpath, factor) for fpath, factor in spec.factors.items()}
    for k in range(max((len(v) for v in levels.values()), default=0)):
        together = {fpath: values[min(k, len(values) - 1)] for fpath, values in levels.items()}
        try:
            load_scenario(path, overrides=together)
        except InputError:
            for fpath, level in together.items():
                _check_one(spec, path, fpath, level)
            raise  # pragma: no cover - only a combination fails: the scenario's own message says why


def _levels(fpath: str, factor: Factor) -> list[object]:
    """The named levels of a factor, or the median of a continuous one."""
    info = factor_info(fpath, factor)
    if info.options is not None:
        return list(info.options)
    assert isinstance(factor, RangeFactor | DistFactor)
    return [float(f"{factor_distribution(factor).ppf(0.5):.12g}")]


def _check_one(spec: SweepSpec, path: Path, fpath: str, level: object) -> None:
    """Load the scenario with one factor at one level; a refusal names the factor."""
    try:
        load_scenario(path, overrides={fpath: level})
    except InputError as exc:
        first = exc.problems[0] if exc.problems else None
        if first is None:
            raise SweepSpecError(spec.source, f"factors.{fpath}", level, str(exc)) from None
        expected = first.expected or Msg("情景接受的取值", "a value the scenario accepts")
        zh = f"{pick(expected, 'zh')}（{pick(first.message, 'zh')}" + (f"；{pick(first.hint, 'zh')}" if first.hint else "")
        en = f"{pick(expected, 'en')} ({pick(first.message, 'en')}" + (f"; {pick(first.hint, 'en')}" if first.hint else "")
        raise SweepSpecError(spec.source, f"factors.{fpath}", level, Msg(zh + "）", en + ")")) from None
