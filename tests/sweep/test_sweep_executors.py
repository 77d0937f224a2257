"""Executors: identical stored bytes for serial, process pool and Dask; bounded submission."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from simulator.sweep.executors import (
    DaskExecutor,
    ProcessPoolSweepExecutor,
    SerialExecutor,
    SweepRunError,
    SweepSetupError,
    Task,
    make_executor,
)
from simulator.sweep.spec import SweepSpec, spec_from_mapping
from tests.sweep.toys import ThresholdFactory, ThresholdModel, run_sweep, toy_factory


def _spec() -> SweepSpec:
    return spec_from_mapping(
        {
            "scenario": "toy:threshold?noise=0.2",
            "design": "lhs",
            "samples": 24,
            "replications": 10,
            "block_size": 3,  # blocks 0-2, 3-5, 6-8, 9
            "seed": 123,
            "factors": {
                "x1": {"range": [0.0, 1.0]},
                "x2": {"dist": "lognormal", "mu": 0.0, "sigma": 0.3},
                "policy": {"values": ["base", "strict", "lenient"]},
            },
        }
    )


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessPoolSweepExecutor]:
    """One started two-worker pool shared by the tests of this module."""
    with ProcessPoolSweepExecutor(workers=2) as executor:
        yield executor


def test_serial_pool_and_dask_store_identical_bytes(
    tmp_path: Path, stored_files: Callable[[Path], dict[str, bytes]], pool: ProcessPoolSweepExecutor
) -> None:
    spec = _spec()
    serial = SerialExecutor()
    run_sweep(spec, tmp_path / "serial", serial, progress=False)
    assert not serial.started  # run_sweep closes what it started
    run_sweep(spec, tmp_path / "pool", pool, progress=False)
    assert pool.started  # ... and leaves a started executor to its owner
    with DaskExecutor(local_workers=2) as dask:
        assert dask.workers == 2
        run_sweep(spec, tmp_path / "dask", dask, progress=False)
    expected = stored_files(tmp_path / "serial")
    assert len(expected) == 25
    assert stored_files(tmp_path / "pool") == expected
    assert stored_files(tmp_path / "dask") == expected


def test_pool_keeps_submission_bounded_and_reports_failures(pool: ProcessPoolSweepExecutor) -> None:
    pulled = 0

    def tasks() -> Iterator[Task]:
        nonlocal pulled
        for i in range(12):
            pulled += 1
            yield Task(f"p{i:06d}", {"x1": i / 12}, range(0, 4), 1, (), ThresholdFactory())

    seen = 0
    for result in pool.run(tasks(), max_in_flight=3):
        seen += 1
        assert pulled - seen <= 3  # never more than 3 tasks submitted and not yet handed back
        assert result.frame["rep"].tolist() == [0, 1, 2, 3]
    assert seen == 12
    bad = [
        Task("p000000", {"x1": 0.5, "policy": "unknown"}, range(0, 2), 1, (), ThresholdFactory())
    ]
    with pytest.raises(SweepRunError, match=r"point p000000, reps 0\.\.1 failed.*unknown policy"):
        list(pool.run(bad))


def test_make_executor_choices() -> None:
    assert isinstance(make_executor(serial=True), SerialExecutor)
    pool = make_executor(jobs=3)
    assert isinstance(pool, ProcessPoolSweepExecutor) and pool.workers == 3
    assert isinstance(make_executor(dask_local=2), DaskExecutor)
    assert isinstance(make_executor(scheduler="tcp://127.0.0.1:8786"), DaskExecutor)
    with pytest.raises(ValueError, match="mutually exclusive"):
        make_executor(serial=True, jobs=2)


def test_toy_factories_are_picklable_and_hashable() -> None:
    import pickle

    factory = toy_factory("toy:threshold?noise=0.05&sleep=0")
    assert factory == ThresholdFactory(noise=0.05)
    assert pickle.loads(pickle.dumps(factory)) == factory and hash(factory) == hash(
        ThresholdFactory(noise=0.05)
    )


def test_unpicklable_factory_is_refused_before_starting(tmp_path: Path) -> None:
    @dataclass(frozen=True)
    class LocalFactory:  # defined in a function: workers could not import it
        def build(self) -> ThresholdModel:
            return ThresholdModel()

    pool = ProcessPoolSweepExecutor(workers=2)
    with pytest.raises(SweepSetupError, match="cannot be pickled"):
        run_sweep(_spec(), tmp_path / "out", pool, progress=False, factory=LocalFactory())
    assert not pool.started and not (tmp_path / "out").exists()
