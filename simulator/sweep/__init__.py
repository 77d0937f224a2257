"""Parameter sweeps: designs, parallel execution, a resumable store and analysis.

Typical use::

    from simulator.sweep import load_spec, run_sweep, summarise_sweep, ProcessPoolSweepExecutor

    spec = load_spec("sweeps/zb4_cap.yaml")
    run_sweep(spec, "out/zb4_cap", ProcessPoolSweepExecutor(workers=4))
    summary = summarise_sweep("out/zb4_cap")

A spec's scenario file runs on the real scenario model
(:class:`~simulator.sweep.scenario_model.ScenarioFactory`); any other model is
passed to :func:`run_sweep` as ``factory=``. Importing this package registers
nothing and needs no command-line module.
"""

from simulator.sweep.analysis import PrimBox, SweepSummary, prim_boxes, summarise_sweep
from simulator.sweep.design import Design, build_design, point_id
from simulator.sweep.errors import SweepRunError, SweepSetupError, SweepSpecError
from simulator.sweep.executors import (
    DaskExecutor,
    ProcessPoolSweepExecutor,
    SerialExecutor,
    SweepExecutor,
    make_executor,
)
from simulator.sweep.model import ModelFactory, SweepModel, rep_rng
from simulator.sweep.runner import SweepResult, resolve_model_factory, run_sweep
from simulator.sweep.scenario_model import ScenarioFactory, scenario_factory
from simulator.sweep.spec import SweepSpec, load_spec, spec_from_mapping, spec_hash
from simulator.sweep.store import SweepStore, SweepStoreError

__all__ = [
    "DaskExecutor",
    "Design",
    "ModelFactory",
    "PrimBox",
    "ProcessPoolSweepExecutor",
    "ScenarioFactory",
    "SerialExecutor",
    "SweepExecutor",
    "SweepModel",
    "SweepResult",
    "SweepRunError",
    "SweepSetupError",
    "SweepSpec",
    "SweepSpecError",
    "SweepStore",
    "SweepStoreError",
    "SweepSummary",
    "build_design",
    "load_spec",
    "make_executor",
    "point_id",
    "prim_boxes",
    "rep_rng",
    "resolve_model_factory",
    "run_sweep",
    "scenario_factory",
    "spec_from_mapping",
    "spec_hash",
    "summarise_sweep",
]
