"""The streaming store: refusal rules, resume (also after SIGKILL), determinism."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from simulator.sweep.executors import (
    BlockResult,
    SerialExecutor,
    SweepExecutor,
    SweepRunError,
    Task,
    run_task,
)
from simulator.sweep.spec import SweepSpec, load_spec, spec_from_mapping
from simulator.sweep.store import SweepStore, SweepStoreError
from simulator.sweep.tables import parquet_bytes
from tests.sweep.toys import ThresholdFactory, ThresholdModel, run_sweep, subprocess_env

THRESHOLD_SPEC: dict[str, Any] = {
    "scenario": "toy:threshold",
    "design": "lhs",
    "samples": 12,
    "replications": 7,
    "seed": 21,
    "factors": {
        "x1": {"range": [0.0, 1.0]},
        "x2": {"range": [0.0, 1.0]},
        "policy": {"values": ["base", "strict"]},
    },
}


def _spec(**changes: Any) -> SweepSpec:
    return spec_from_mapping({**THRESHOLD_SPEC, **changes})


def test_points_are_complete_sorted_and_typed(tmp_path: Path) -> None:
    result = run_sweep(_spec(block_size=3), tmp_path / "out", SerialExecutor(), progress=False)
    assert (result.n_points, result.n_computed, result.n_skipped) == (12, 12, 0)
    store = SweepStore(tmp_path / "out")
    assert store.completed_points() == {f"p{i:06d}" for i in range(12)}
    frame = store.read_point("p000003")
    assert frame["rep"].tolist() == list(range(7))
    assert list(frame.columns) == [
        "rep",
        "fund.F1.drawn_yuan",
        "target.T1.attained",
        "target.T1.value",
    ]
    assert [str(t) for t in frame.dtypes] == ["int64", "int64", "bool", "float64"]
    # Equal to running the toy directly (no pandas/arrow metadata, nothing else stored).
    values = dict(
        store.read_frame("design.parquet").set_index("point").loc["p000003", ["x1", "x2", "policy"]]
    )
    direct = ThresholdModel().run_block(values, range(7), 21)
    pd.testing.assert_frame_equal(frame, direct[frame.columns.tolist()], check_dtype=True)
    schema = pq.read_schema(store.point_path("p000003"))
    assert schema.metadata is None
    manifest = store.read_manifest()
    assert (
        manifest["kind"] == "sweep"
        and manifest["seed"] == 21
        and manifest["runs"][0]["status"] == "complete"
    )
    assert set(manifest["timings"]["points"]) == store.completed_points()
    assert manifest["design"]["n_points"] == 12 and len(manifest["design"]["rows"]) == 12
    assert {"numpy", "scipy", "pandas", "pyarrow", "SALib", "python"} <= set(manifest["versions"])


def test_block_size_does_not_change_bytes(
    tmp_path: Path, stored_files: Callable[[Path], dict[str, bytes]]
) -> None:
    run_sweep(_spec(), tmp_path / "a", SerialExecutor(), progress=False)
    run_sweep(_spec(block_size=2), tmp_path / "b", SerialExecutor(), progress=False)
    assert stored_files(tmp_path / "a") == stored_files(tmp_path / "b")


def test_existing_directory_refused_without_resume_or_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(SweepStoreError, match="--resume"):
        run_sweep(_spec(), out, SerialExecutor(), progress=False)
    # --force never wipes a directory that is not a sweep store.
    with pytest.raises(SweepStoreError, match="not a sweep store"):
        run_sweep(_spec(), out, SerialExecutor(), progress=False, force=True)
    assert (out / "notes.txt").exists()
    sweep_dir = tmp_path / "sweep"
    run_sweep(_spec(), sweep_dir, SerialExecutor(), progress=False)
    with pytest.raises(SweepStoreError, match="exists and is not empty"):
        run_sweep(_spec(), sweep_dir, SerialExecutor(), progress=False)
    (sweep_dir / "stray.txt").write_text("x", encoding="utf-8")
    result = run_sweep(_spec(seed=5), sweep_dir, SerialExecutor(), progress=False, force=True)
    assert result.n_computed == 12 and not (sweep_dir / "stray.txt").exists()
    assert SweepStore(sweep_dir).read_manifest()["seed"] == 5


def test_resume_refuses_a_different_spec(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_sweep(_spec(), out, SerialExecutor(), progress=False)
    with pytest.raises(SweepStoreError) as info:
        run_sweep(_spec(replications=8), out, SerialExecutor(), progress=False, resume=True)
    assert "replications: 7 → 8" in str(info.value)
    factors = {**THRESHOLD_SPEC["factors"], "x2": {"range": [0.0, 2.0]}}
    with pytest.raises(SweepStoreError, match=r"factors\.x2\.range"):
        run_sweep(_spec(factors=factors), out, SerialExecutor(), progress=False, resume=True)
    # Execution-only keys may change on resume.
    again = run_sweep(_spec(block_size=2), out, SerialExecutor(), progress=False, resume=True)
    assert (again.n_computed, again.n_skipped) == (0, 12)


def test_resume_refuses_a_changed_scenario_file(tmp_path: Path) -> None:
    scenario = tmp_path / "city.yaml"
    scenario.write_text("v: 1\n", encoding="utf-8")
    spec = spec_from_mapping({**THRESHOLD_SPEC, "scenario": "city.yaml"}, base_dir=tmp_path)
    run_sweep(spec, tmp_path / "out", SerialExecutor(), progress=False, factory=ThresholdFactory())
    scenario.write_text("v: 2\n", encoding="utf-8")
    spec2 = spec_from_mapping({**THRESHOLD_SPEC, "scenario": "city.yaml"}, base_dir=tmp_path)
    with pytest.raises(SweepStoreError, match="scenario file content"):
        run_sweep(
            spec2,
            tmp_path / "out",
            SerialExecutor(),
            progress=False,
            resume=True,
            factory=ThresholdFactory(),
        )


@dataclass(frozen=True)
class _FailingFactory:
    """Threshold toy that fails on one point (x1 above a cut)."""

    cut: float

    def build(self) -> _FailingModel:
        return _FailingModel(self.cut)


@dataclass(frozen=True)
class _FailingModel:
    cut: float

    def run_block(
        self, values: Mapping[str, object], reps: Sequence[int], seed: int
    ) -> pd.DataFrame:
        if float(values["x1"]) > self.cut:  # type: ignore[arg-type]
            raise ValueError("boom")
        return ThresholdModel().run_block(values, reps, seed)


def test_model_failure_names_the_point_and_keeps_finished_points(tmp_path: Path) -> None:
    spec = _spec()
    from simulator.sweep.design import build_design

    table = build_design(spec).table
    cut = float(table["x1"].sort_values().iloc[-3])  # the two largest x1 fail
    out = tmp_path / "out"
    with pytest.raises(
        SweepRunError, match=r"point p\d{6}, reps 0\.\.6 failed: ValueError: boom"
    ):
        run_sweep(spec, out, SerialExecutor(), progress=False, factory=_FailingFactory(cut))
    store = SweepStore(out)
    manifest = store.read_manifest()
    assert manifest["runs"][-1]["status"] == "failed" and "boom" in manifest["runs"][-1]["error"]
    done = store.completed_points()
    assert 0 < len(done) < 12
    resumed = run_sweep(
        spec, out, SerialExecutor(), progress=False, resume=True, factory=ThresholdFactory()
    )
    assert resumed.n_skipped == len(done) and resumed.n_computed == 12 - len(done)


def test_malformed_model_results_are_rejected() -> None:
    @dataclass(frozen=True)
    class Factory:
        frame: pd.DataFrame

        def build(self) -> Any:
            frame = self.frame

            class Model:
                def run_block(
                    self, values: Mapping[str, object], reps: Sequence[int], seed: int
                ) -> pd.DataFrame:
                    return frame

            return Model()

        def __hash__(self) -> int:
            return id(self)

    def run(frame: pd.DataFrame, outputs: tuple[str, ...] = ()) -> BlockResult:
        return run_task(Task("p000000", {}, range(2), 0, outputs, Factory(frame)))

    good = pd.DataFrame({"rep": [1, 0], "y": [2.0, 1.0], "ok": [True, False]})
    out = run(good)
    assert out.frame["rep"].tolist() == [0, 1] and out.frame["y"].tolist() == [1.0, 2.0]
    with pytest.raises(SweepRunError, match="no 'rep' column"):
        run(pd.DataFrame({"y": [1.0, 2.0]}))
    with pytest.raises(SweepRunError, match="one row per requested rep"):
        run(pd.DataFrame({"rep": [0], "y": [1.0]}))
    with pytest.raises(SweepRunError, match="must be bool, integer or float"):
        run(pd.DataFrame({"rep": [0, 1], "y": ["a", "b"]}))
    with pytest.raises(SweepRunError, match="matched no column; available: ok, y"):
        run(good, ("target.*",))


class _ReversingExecutor(SweepExecutor):
    """Runs tasks in windows and hands results back in reverse order."""

    name = "reversing"

    @property
    def workers(self) -> int:
        return 3

    def run(
        self, tasks: Iterable[Task], *, max_in_flight: int | None = None
    ) -> Iterator[BlockResult]:
        window: list[BlockResult] = []
        for task in tasks:
            window.append(run_task(task))
            if len(window) == 5:
                yield from reversed(window)
                window = []
        yield from reversed(window)


def test_completion_order_does_not_change_bytes(
    tmp_path: Path, stored_files: Callable[[Path], dict[str, bytes]]
) -> None:
    run_sweep(_spec(block_size=2), tmp_path / "a", SerialExecutor(), progress=False)
    run_sweep(_spec(block_size=2), tmp_path / "b", _ReversingExecutor(), progress=False)
    assert stored_files(tmp_path / "a") == stored_files(tmp_path / "b")


def test_design_file_matches_in_memory_serialisation(tmp_path: Path) -> None:
    from simulator.sweep.design import build_design

    spec = _spec()
    run_sweep(spec, tmp_path / "out", SerialExecutor(), progress=False)
    assert (tmp_path / "out" / "design.parquet").read_bytes() == parquet_bytes(
        build_design(spec).table
    )


def _count_points(out: Path) -> int:
    return len(list((out / "points").glob("point=*/part-0.parquet")))


def test_resume_after_sigkill_is_byte_identical(
    tmp_path: Path,
    write_spec: Callable[..., Path],
    stored_files: Callable[[Path], dict[str, bytes]],
) -> None:
    spec_path = write_spec(
        {
            "scenario": "toy:threshold?sleep=0.01&noise=0.1",
            "design": "lhs",
            "samples": 40,
            "replications": 20,
            "block_size": 5,
            "seed": 11,
            "outputs": ["target.*", "fund.F1.drawn_yuan"],
            "factors": {"x1": {"range": [0.0, 1.0]}, "x2": {"dist": "normal", "mean": 0, "sd": 1}},
        }
    )
    out = tmp_path / "killed"
    cmd = [
        sys.executable,
        "-m",
        "tests.sweep.toys",
        "sweep",
        str(spec_path),
        "--out",
        str(out),
        "--jobs",
        "1",
        "--no-progress",
    ]
    proc = subprocess.Popen(
        cmd,
        cwd=tmp_path,
        env=subprocess_env(),
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not out.exists() or _count_points(out) < 5:
            assert proc.poll() is None, "sweep ended before it could be killed"
            assert time.monotonic() < deadline, "no points were written in time"
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its worker processes
    finally:
        if proc.poll() is None:
            proc.wait(timeout=30)
        proc.communicate()
    before = _count_points(out)
    assert 5 <= before < 40
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["runs"][-1]["status"] == "running"  # the run never finished

    # Resume in this process (the spec hash is what matters; the toy's sleep is not needed here).
    resumed = run_sweep(
        load_spec(spec_path),
        out,
        SerialExecutor(),
        resume=True,
        progress=False,
        factory=ThresholdFactory(noise=0.1),
    )
    assert (resumed.n_computed, resumed.n_skipped) == (40 - before, before)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [r["status"] for r in manifest["runs"]] == ["running", "complete"]
    assert not list(out.rglob("*.tmp"))

    # Uninterrupted reference run of the same spec (same model without the sleep).
    reference = tmp_path / "reference"
    run_sweep(
        load_spec(spec_path),
        reference,
        SerialExecutor(),
        progress=False,
        factory=ThresholdFactory(noise=0.1),
    )
    expected = stored_files(reference)
    assert len(expected) == 41
    assert stored_files(out) == expected


def test_second_writer_is_refused_while_the_store_is_locked(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_sweep(_spec(), out, SerialExecutor(), progress=False)
    with SweepStore(out).locked(), pytest.raises(SweepStoreError, match="another sweep is writing"):
        run_sweep(_spec(), out, SerialExecutor(), progress=False, resume=True)
    assert run_sweep(_spec(), out, SerialExecutor(), progress=False, resume=True).n_skipped == 12
    # The refused directory of another program gets no lock file.
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(SweepStoreError):
        run_sweep(_spec(), other, SerialExecutor(), progress=False, force=True)
    assert [p.name for p in other.iterdir()] == ["notes.txt"]
