"""Where sweep tasks run: in-process, in a local process pool, or on Dask.

A task is one block of replications of one design point. Executors only
schedule tasks and hand back their results in completion order; the runner
puts blocks back together, so the stored results never depend on the executor,
the number of workers or the order in which tasks finish.

Every executor keeps at most ``max_in_flight`` tasks submitted at a time, so
memory stays flat however large the sweep is. Nothing here configures
:mod:`multiprocessing` at import time: the process pool asks for a ``spawn``
context when it starts.
"""

from __future__ import annotations

import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import pandas as pd

from simulator.errors import TextError
from simulator.i18n import Msg
from simulator.sweep.errors import SweepRunError, SweepSetupError
from simulator.sweep.tables import normalise_block
from simulator.workers import process_pool

if TYPE_CHECKING:
    from simulator.sweep.model import ModelFactory, SweepModel

__all__ = [
    "BlockResult",
    "DaskExecutor",
    "ProcessPoolSweepExecutor",
    "SerialExecutor",
    "SweepExecutor",
    "SweepRunError",
    "SweepSetupError",
    "Task",
    "make_executor",
    "run_task",
]


@dataclass(frozen=True)
class Task:
    """One block of replications of one design point.

    Attributes:
        point: The point id.
        values: Factor path → value for this point.
        reps: The replication indices of the block.
        seed: The sweep's root seed.
        outputs: Output names or glob patterns to keep (empty keeps all).
        factory: Picklable model factory; workers build (and cache) the model.
    """

    point: str
    values: Mapping[str, object]
    reps: range
    seed: int
    outputs: tuple[str, ...]
    factory: ModelFactory


@dataclass(frozen=True)
class BlockResult:
    """The result of one task.

    Attributes:
        point: The point id.
        first_rep: First replication index of the block.
        frame: ``rep`` + selected outputs, canonical form.
        elapsed_s: Time the model took for the block, in seconds.
    """

    point: str
    first_rep: int
    frame: pd.DataFrame
    elapsed_s: float


_local = threading.local()


def _model_for(factory: ModelFactory) -> SweepModel:
    """Return the model built from ``factory``, reusing it within a worker thread."""
    cache: dict[Any, SweepModel] | None = getattr(_local, "models", None)
    if cache is None:
        cache = {}
        _local.models = cache
    try:
        model = cache.get(factory)
    except TypeError:  # unhashable factory: build each time
        return factory.build()
    if model is None:
        model = factory.build()
        if len(cache) >= 2:
            cache.clear()
        cache[factory] = model
    return model


def run_task(task: Task) -> BlockResult:
    """Run one task: build (or reuse) the model, run the block, tidy the result.

    This is the function workers execute; it must stay importable at module level.

    Args:
        task: The task.

    Returns:
        The block result.

    Raises:
        SweepRunError: If the model fails or returns malformed results; the
            message names the point and the replications.
    """
    try:
        model = _model_for(task.factory)
        start = time.perf_counter()
        frame = model.run_block(dict(task.values), task.reps, task.seed)
        elapsed = time.perf_counter() - start
        tidy = normalise_block(frame, task.reps, task.outputs)
    except Exception as exc:
        reps = f"{task.reps.start}..{task.reps.stop - 1}"
        raise SweepRunError(Msg(
            f"点 {task.point} 重复 {reps} 失败：{type(exc).__name__}: {exc}",
            f"point {task.point}, reps {reps} failed: {type(exc).__name__}: {exc}",
        )) from exc
    return BlockResult(task.point, task.reps.start, tidy, elapsed)


class SweepExecutor(ABC):
    """Base class of executors; use as a context manager or call start/close."""

    name: str = "executor"

    def __init__(self) -> None:
        self._started = False

    @property
    def started(self) -> bool:
        """Whether :meth:`start` has been called (and not closed since)."""
        return self._started

    @property
    @abstractmethod
    def workers(self) -> int:
        """How many tasks can run at once."""

    def start(self) -> None:
        """Acquire resources (processes, cluster connection)."""
        self._started = True

    def close(self) -> None:
        """Release resources."""
        self._started = False

    def describe(self) -> dict[str, object]:
        """Describe the executor for the manifest.

        Returns:
            ``{"kind": name, "workers": n}`` plus executor-specific details.
        """
        return {"kind": self.name, "workers": self.workers}

    def __enter__(self) -> Self:
        """Start the executor."""
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the executor."""
        self.close()

    def default_in_flight(self) -> int:
        """Return the default bound on submitted-but-unfinished tasks.

        Returns:
            Four tasks per worker, so workers stay busy while the parent
            writes results; memory stays bounded by this window.
        """
        return 4 * self.workers

    @abstractmethod
    def run(
        self, tasks: Iterable[Task], *, max_in_flight: int | None = None
    ) -> Iterator[BlockResult]:
        """Run tasks, yielding results as they complete.

        Args:
            tasks: The tasks (consumed lazily).
            max_in_flight: Most tasks submitted at once; defaults to
                :meth:`default_in_flight`.

        Yields:
            Block results in completion order.

        Raises:
            SweepRunError: If a task fails.
        """


class SerialExecutor(SweepExecutor):
    """Runs tasks one after another in this process."""

    name = "serial"

    @property
    def workers(self) -> int:
        """Always one."""
        return 1

    def run(
        self, tasks: Iterable[Task], *, max_in_flight: int | None = None
    ) -> Iterator[BlockResult]:
        """Run tasks in order (see :meth:`SweepExecutor.run`)."""
        for task in tasks:
            yield run_task(task)


class ProcessPoolSweepExecutor(SweepExecutor):
    """Runs tasks in a local pool of ``spawn``-started processes.

    Args:
        workers: Number of processes; defaults to :func:`os.cpu_count`.
    """

    name = "processes"

    def __init__(self, workers: int | None = None) -> None:
        super().__init__()
        if workers is not None and workers < 1:
            raise ValueError("workers must be at least 1")
        self._workers = workers if workers is not None else (os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None

    @property
    def workers(self) -> int:
        """Number of worker processes."""
        return self._workers

    def start(self) -> None:
        """Start the pool (``spawn`` context, workers tied to this process)."""
        if self._pool is None:
            # spawn-started workers that ignore Ctrl-C and die with this process
            self._pool = process_pool(self._workers)
        super().start()

    def close(self) -> None:
        """Shut the pool down, cancelling queued tasks."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        super().close()

    def run(
        self, tasks: Iterable[Task], *, max_in_flight: int | None = None
    ) -> Iterator[BlockResult]:
        """Run tasks on the pool (see :meth:`SweepExecutor.run`)."""
        if self._pool is None:
            raise RuntimeError("executor not started")
        pool = self._pool
        limit = max_in_flight or self.default_in_flight()
        source = iter(tasks)
        pending: set[Future[BlockResult]] = set()
        exhausted = False

        def fill() -> None:
            nonlocal exhausted
            while not exhausted and len(pending) < limit:
                task = next(source, None)
                if task is None:
                    exhausted = True
                    return
                pending.add(pool.submit(run_task, task))

        try:
            fill()
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    pending.discard(fut)
                    try:
                        result = fut.result()
                    except SweepRunError:
                        raise
                    except BrokenProcessPool as exc:
                        raise SweepRunError(
                            Msg(f"工作进程异常退出：{exc}", f"a worker process died: {exc}")
                        ) from exc
                    except Exception as exc:  # e.g. a factory that cannot be pickled
                        raise SweepRunError(Msg(f"任务无法执行：{type(exc).__name__}: {exc}",
                                                f"a task could not run: {type(exc).__name__}: {exc}")) from exc
                    yield result
                fill()
        finally:
            for fut in pending:
                fut.cancel()


class DaskExecutor(SweepExecutor):
    """Runs tasks on a Dask distributed cluster.

    Give either the address of a running scheduler, or a number of local
    worker processes for a private :class:`distributed.LocalCluster` on
    127.0.0.1 (one thread per worker, no dashboard).

    Args:
        address: Scheduler address (``tcp://host:8786``).
        local_workers: Start a local cluster with this many worker processes.
    """

    name = "dask"

    def __init__(self, address: str | None = None, local_workers: int | None = None) -> None:
        super().__init__()
        if (address is None) == (local_workers is None):
            raise ValueError("give exactly one of address or local_workers")
        if local_workers is not None and local_workers < 1:
            raise ValueError("local_workers must be at least 1")
        self._address = address
        self._local_workers = local_workers
        self._cluster: Any = None
        self._client: Any = None

    @property
    def workers(self) -> int:
        """Total worker threads of the cluster (the local count before start)."""
        if self._client is not None:
            return max(1, sum(self._client.nthreads().values()))
        return self._local_workers or 1

    def describe(self) -> dict[str, object]:
        """Describe the cluster for the manifest."""
        out = super().describe()
        out["scheduler"] = self._address if self._address is not None else "local"
        return out

    def start(self) -> None:
        """Connect to the scheduler, or start the local cluster."""
        if self._client is None:
            from distributed import Client, LocalCluster

            if self._address is not None:
                try:
                    self._client = Client(self._address, set_as_default=False)
                except OSError as exc:
                    raise SweepSetupError(Msg(
                        f"无法连接 Dask 调度器 {self._address}：{exc}",
                        f"cannot connect to the Dask scheduler at {self._address}: {exc}",
                    )) from None
            else:
                self._cluster = LocalCluster(
                    n_workers=self._local_workers,
                    threads_per_worker=1,
                    host="127.0.0.1",
                    processes=True,
                    dashboard_address=None,
                )
                self._client = Client(self._cluster, set_as_default=False)
        super().start()

    def close(self) -> None:
        """Disconnect, and stop the local cluster if this executor started one."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
        super().close()

    def run(
        self, tasks: Iterable[Task], *, max_in_flight: int | None = None
    ) -> Iterator[BlockResult]:
        """Run tasks on the cluster (see :meth:`SweepExecutor.run`)."""
        if self._client is None:
            raise RuntimeError("executor not started")
        from distributed import as_completed

        client = self._client
        limit = max_in_flight or self.default_in_flight()
        source = iter(tasks)
        pending: set[Any] = set()
        queue = as_completed(loop=client.loop)
        exhausted = False

        def fill() -> None:
            nonlocal exhausted
            while not exhausted and len(pending) < limit:
                task = next(source, None)
                if task is None:
                    exhausted = True
                    return
                fut = client.submit(run_task, task, pure=False)
                pending.add(fut)
                queue.add(fut)

        try:
            fill()
            while pending:
                fut = next(queue)
                pending.discard(fut)
                try:
                    result = fut.result()
                except SweepRunError:
                    raise
                except Exception as exc:  # lost worker, serialisation failure, ...
                    raise SweepRunError(Msg(f"Dask 任务失败：{type(exc).__name__}: {exc}",
                                            f"a Dask task failed: {type(exc).__name__}: {exc}")) from exc
                fut.release()
                yield result
                fill()
        finally:
            if pending:
                client.cancel(list(pending))


def make_executor(
    *,
    serial: bool = False,
    jobs: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
) -> SweepExecutor:
    """Build the executor the command-line options ask for.

    Args:
        serial: Run in this process.
        jobs: Local process pool size (default: one per CPU).
        scheduler: Dask scheduler address.
        dask_local: Worker count of a private local Dask cluster.

    Returns:
        The executor (not started).

    Raises:
        ValueError: If more than one kind is requested or a count is below 1.
    """
    chosen: Sequence[bool] = [
        serial,
        jobs is not None,
        scheduler is not None,
        dask_local is not None,
    ]
    if sum(chosen) > 1:
        raise TextError(Msg("--serial、--jobs、--scheduler 与 --dask-local 只能选用一个",
                            "--serial, --jobs, --scheduler and --dask-local are mutually exclusive"))
    if serial:
        return SerialExecutor()
    if scheduler is not None:
        return DaskExecutor(address=scheduler)
    if dask_local is not None:
        return DaskExecutor(local_workers=dask_local)
    return ProcessPoolSweepExecutor(workers=jobs)
