"""Parameter sweeps: designs, parallel execution, a resumable store and analysis.

Typical use::

    from simulator.sweep import load_spec, run_sweep, summarise_sweep, ProcessPoolSweepExecutor

    spec = load_spec("sweeps/zb4_cap.yaml")
    run_sweep(spec, "out/zb4_cap", ProcessPoolSweepExecutor(workers=4))
    summary = summarise_sweep("out/zb4_cap")

Real scenarios are run through the model factory registered in
:data:`simulator.sweep.runner.MODEL_FACTORIES` under ``"scenario"``.
"""

from simulator.sweep.analysis import PrimBox, SweepSummary, prim_boxes, summarise_sweep
from simulator.sweep.design import Design, build_design, point_id
from simulator.sweep.executors import (
    DaskExecutor,
    ProcessPoolSweepExecutor,
    SerialExecutor,
    SweepExecutor,
    SweepRunError,
    make_executor,
)
from simulator.sweep.runner import (
    MODEL_FACTORIES,
    ModelFactory,
    SweepModel,
    SweepResult,
    SweepSetupError,
    default_model_factory,
    rep_rng,
    run_sweep,
)
from simulator.sweep.spec import SweepSpec, SweepSpecError, load_spec, spec_from_mapping, spec_hash
from simulator.sweep.store import SweepStore, SweepStoreError

__all__ = [
    "MODEL_FACTORIES",
    "DaskExecutor",
    "Design",
    "ModelFactory",
    "PrimBox",
    "ProcessPoolSweepExecutor",
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
    "default_model_factory",
    "load_spec",
    "make_executor",
    "point_id",
    "prim_boxes",
    "rep_rng",
    "run_sweep",
    "spec_from_mapping",
    "spec_hash",
    "summarise_sweep",
]
