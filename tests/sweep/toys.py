"""Toy models for the sweep tests: Ishigami (known Sobol' indices) and a noisy threshold.

They are test models, not part of fiscalsim: a spec names one as
``scenario: toy:NAME[?option=value&...]`` and the test passes its factory to
:func:`simulator.sweep.runner.run_sweep` (``factory=``) or builds the command
line with :func:`resolve` (see :data:`sweep_command`).
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import click
import numpy as np
import pandas as pd

from simulator.i18n import Msg
from simulator.sweep import runner
from simulator.sweep.cli import make_sweep_command, sweep_summary
from simulator.sweep.errors import SweepSetupError
from simulator.sweep.executors import SweepExecutor
from simulator.sweep.model import ModelFactory, rep_rng
from simulator.sweep.runner import SweepResult, resolve_model_factory
from simulator.sweep.spec import TOY_PREFIX, SweepSpec


def _check_factors(
    values: Mapping[str, object], required: Sequence[str], allowed: Callable[[str], bool]
) -> None:
    """Raise a clear error if a toy gets missing or unknown factors."""
    missing = [n for n in required if n not in values]
    if missing:
        raise KeyError(f"toy model needs factor(s) {', '.join(missing)}")
    unknown = [n for n in values if n not in required and not allowed(n)]
    if unknown:
        raise KeyError(f"toy model does not know factor(s) {', '.join(unknown)}")


def _inert_factor(name: str) -> bool:
    """Whether a toy accepts ``name`` as an extra factor without effect (``x4``, ``x5``, ...)."""
    return name[:1] == "x" and name[1:].isdigit()


@dataclass(frozen=True)
class IshigamiModel:
    """Ishigami function ``sin x1 + a sin² x2 + b x3⁴ sin x1``, optionally noisy.

    Factors ``x1``, ``x2``, ``x3`` (usually uniform on [-π, π]), plus any
    number of inert factors ``x4``, ``x5``, ... that have no effect. With ``a=7``,
    ``b=0.1`` the first-order Sobol' indices are 0.3139, 0.4424, 0 and the
    total ones 0.5576, 0.4424, 0.2437.

    Attributes:
        a: Coefficient of ``sin² x2``.
        b: Coefficient of ``x3⁴ sin x1``.
        noise: Standard deviation of additive noise per replication.
        sleep: Seconds to sleep per block (for tests of interruption).
    """

    a: float = 7.0
    b: float = 0.1
    noise: float = 0.0
    sleep: float = 0.0

    def run_block(
        self, values: Mapping[str, object], reps: Sequence[int], seed: int
    ) -> pd.DataFrame:
        """Evaluate the function for each replication (see :class:`SweepModel`)."""
        _check_factors(values, ("x1", "x2", "x3"), _inert_factor)
        x1, x2, x3 = (float(values[k]) for k in ("x1", "x2", "x3"))  # type: ignore[arg-type]
        y = math.sin(x1) + self.a * math.sin(x2) ** 2 + self.b * x3**4 * math.sin(x1)
        if self.sleep:
            time.sleep(self.sleep)
        ys = [
            y + (self.noise * rep_rng(seed, r).standard_normal() if self.noise else 0.0)
            for r in reps
        ]
        return pd.DataFrame({"rep": list(reps), "y": np.asarray(ys, dtype=float)})


@dataclass(frozen=True)
class IshigamiFactory:
    """Factory of :class:`IshigamiModel` (see there for the attributes)."""

    a: float = 7.0
    b: float = 0.1
    noise: float = 0.0
    sleep: float = 0.0

    def build(self) -> IshigamiModel:
        """Build the model.

        Returns:
            The Ishigami model.
        """
        return IshigamiModel(self.a, self.b, self.noise, self.sleep)


_THRESHOLD_POLICY_SHIFT = {"base": 0.0, "strict": 0.1, "lenient": -0.1}


@dataclass(frozen=True)
class ThresholdModel:
    """A noisy target: attained iff ``x1 + noise·ε > threshold (+ policy shift)``.

    Factors: ``x1`` (required), optional ``policy`` (``base``, ``strict``
    raising the threshold by 0.1, ``lenient`` lowering it by 0.1) and any
    number of inert factors ``x2``, ``x3``, ... Outputs mimic the engine's:
    ``target.T1.value`` (float), ``target.T1.attained`` (bool) and
    ``fund.F1.drawn_yuan`` (int).

    Attributes:
        threshold: The target threshold.
        noise: Standard deviation of the replication noise ε.
        sleep: Seconds to sleep per block (for tests of interruption).
    """

    threshold: float = 0.7
    noise: float = 0.1
    sleep: float = 0.0

    def run_block(
        self, values: Mapping[str, object], reps: Sequence[int], seed: int
    ) -> pd.DataFrame:
        """Simulate each replication (see :class:`SweepModel`)."""
        _check_factors(values, ("x1",), lambda n: n == "policy" or _inert_factor(n))
        x1 = float(values["x1"])  # type: ignore[arg-type]
        policy = str(values.get("policy", "base"))
        if policy not in _THRESHOLD_POLICY_SHIFT:
            raise ValueError(
                f"unknown policy {policy!r}; expected one of {', '.join(_THRESHOLD_POLICY_SHIFT)}"
            )
        threshold = self.threshold + _THRESHOLD_POLICY_SHIFT[policy]
        if self.sleep:
            time.sleep(self.sleep)
        value = np.empty(len(reps))
        drawn = np.empty(len(reps), dtype=np.int64)
        for i, r in enumerate(reps):
            eps, u = rep_rng(seed, r).standard_normal(2)
            value[i] = x1 + self.noise * eps
            drawn[i] = round(1_000_000 * max(0.0, x1) * (1.0 + 0.1 * float(u)))
        return pd.DataFrame(
            {
                "rep": np.asarray(list(reps), dtype=np.int64),
                "target.T1.value": value,
                "target.T1.attained": value > threshold,
                "fund.F1.drawn_yuan": drawn,
            }
        )


@dataclass(frozen=True)
class ThresholdFactory:
    """Factory of :class:`ThresholdModel` (see there for the attributes)."""

    threshold: float = 0.7
    noise: float = 0.1
    sleep: float = 0.0

    def build(self) -> ThresholdModel:
        """Build the model.

        Returns:
            The threshold model.
        """
        return ThresholdModel(self.threshold, self.noise, self.sleep)


_TOYS: dict[str, type[IshigamiFactory] | type[ThresholdFactory]] = {
    "ishigami": IshigamiFactory,
    "threshold": ThresholdFactory,
}


def toy_factory(scenario: str) -> ModelFactory:
    """Build a toy factory from ``toy:NAME[?option=value&...]``.

    Args:
        scenario: The scenario string.

    Returns:
        The toy's factory.

    Raises:
        SweepSetupError: If the toy or an option is unknown or not a number.
    """
    body = scenario.removeprefix(TOY_PREFIX)
    name, _, query = body.partition("?")
    cls = _TOYS.get(name)
    if cls is None:
        choices = ", ".join(_TOYS)
        raise SweepSetupError(Msg(f"未知的示例模型 {name!r}；可选：{choices}",
                                  f"unknown toy model {name!r}; choose {choices}"))
    known = set(cls.__dataclass_fields__)
    options: dict[str, float] = {}
    for key, raw in parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)):
        if key not in known:
            choices = ", ".join(sorted(known))
            raise SweepSetupError(Msg(f"示例模型 {name} 没有选项 {key!r}；可选：{choices}",
                                      f"toy {name} has no option {key!r}; choose {choices}"))
        try:
            options[key] = float(raw)
        except ValueError:
            raise SweepSetupError(Msg(f"示例模型选项 {key}={raw!r} 应为数字",
                                      f"toy option {key}={raw!r} must be a number")) from None
    return cls(**options)


ROOT = Path(__file__).resolve().parents[2]
"""The repository (where ``tests`` and ``simulator`` can be imported from)."""


def subprocess_env() -> dict[str, str]:
    """The environment for a child Python that imports ``tests`` and ``simulator`` from here."""
    paths = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def resolve(spec: SweepSpec) -> ModelFactory:
    """Resolve a spec's model as fiscalsim does, with the toys added.

    Args:
        spec: The sweep spec.

    Returns:
        A toy factory for ``toy:...`` scenarios, otherwise the real scenario model.
    """
    if spec.is_toy:
        return toy_factory(spec.scenario)
    return resolve_model_factory(spec)


def run_sweep(
    spec: SweepSpec, out_dir: str | Path, executor: SweepExecutor | None = None, **options: Any
) -> SweepResult:
    """:func:`simulator.sweep.runner.run_sweep`, passing the toy's factory unless one is given."""
    if options.get("factory") is None:
        options["factory"] = resolve(spec)
    return runner.run_sweep(spec, out_dir, executor, **options)


sweep_command = make_sweep_command(resolve)
"""``fiscalsim sweep`` with the toys available."""


@click.group()
def main() -> None:
    """Sweep commands with the toy models (``python -m tests.sweep.toys sweep ...``)."""


main.add_command(sweep_command)
main.add_command(sweep_summary)


if __name__ == "__main__":
    sys.exit(main())
