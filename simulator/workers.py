"""Worker processes that die with their parent.

Every process pool of the project is made by :func:`process_pool`: ``spawn``
start method (chosen at call time, nothing configured at import), and an
initializer that ties each worker's life to the process that started it.  A
pool worker otherwise outlives a parent killed with SIGKILL (no clean-up runs
in the parent), and goes on computing blocks nobody will read.

The initializer

* asks the Linux kernel to send the worker SIGKILL when its parent dies
  (``prctl(PR_SET_PDEATHSIG)``), and
* starts a daemon thread that checks ``os.getppid()`` every second and ends the
  worker when the parent is gone (other systems, and the case where the parent
  died before ``prctl`` took effect);
* leaves Ctrl-C (SIGINT, sent to the whole terminal process group) to the
  parent, which stops the workers itself and records the interruption.

With all workers gone, multiprocessing's resource tracker sees its pipe close
and exits too.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

__all__ = ["PARENT_POLL_S", "process_pool", "terminate_pool", "watch_parent"]

PARENT_POLL_S = 1.0
"""Seconds between two checks of the parent by a worker's watch thread."""

_PR_SET_PDEATHSIG = 1
_T = TypeVar("_T")


def _set_pdeathsig(sig: int) -> bool:
    """Ask Linux to send ``sig`` to this process when its parent dies; False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)) == 0
    except (OSError, AttributeError):  # pragma: no cover - no usable libc
        return False


def _exit_now() -> None:
    """End this worker at once (no clean-up: its parent is gone and nobody reads its results)."""
    os._exit(1)


def watch_parent(parent_pid: int, interval: float = PARENT_POLL_S) -> None:
    """Pool initializer: end this worker when process ``parent_pid`` is no longer its parent.

    Args:
        parent_pid: The pid of the process that started the pool.
        interval: Seconds between two checks of the watch thread.
    """
    with contextlib.suppress(ValueError):  # not the main thread (never the case in a pool worker)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked while starting (see _Pool)
    _set_pdeathsig(signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        _exit_now()

    def poll() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent_pid:
                _exit_now()

    threading.Thread(target=poll, name="fiscalsim-parent-watch", daemon=True).start()


class _Pool(cf.ProcessPoolExecutor):
    """A process pool whose workers start with SIGINT blocked.

    Workers are started by :meth:`submit`; a Ctrl-C (sent to the whole
    terminal process group) reaching a worker during its start-up imports,
    before :func:`watch_parent` has made it ignore SIGINT, would print a
    KeyboardInterrupt traceback.  Blocking SIGINT in the submitting thread
    while a worker is started makes the worker inherit the block; this process
    still receives the signal (pending until unblocked).
    """

    def submit(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> cf.Future[_T]:
        """Submit a call (see :meth:`concurrent.futures.Executor.submit`)."""
        if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
            return super().submit(fn, *args, **kwargs)
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            return super().submit(fn, *args, **kwargs)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)


def process_pool(workers: int) -> cf.ProcessPoolExecutor:
    """A process pool of ``workers`` ``spawn``-started processes that die with this process.

    Args:
        workers: Number of worker processes (at least 1).

    Returns:
        The pool (use it as a context manager or shut it down).
    """
    return _Pool(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                 initializer=watch_parent, initargs=(os.getpid(),))


def terminate_pool(pool: cf.ProcessPoolExecutor) -> None:
    """Stop a pool now: cancel queued tasks and kill the workers, without waiting for running tasks.

    Used when a run is interrupted: a running block would otherwise be finished
    first, however long it takes.  Half-written files of a killed worker are
    temporary files or parts missing from the run's journal, which a resumed
    run deletes.

    Args:
        pool: The pool.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())  # no public API gives them
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            if proc.is_alive():
                proc.kill()
    for proc in processes:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            proc.join(timeout=5)


# --------------------------------------------------------------------------- stopping a run


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""Signals that stop a run cleanly (Ctrl-C, ``kill``): workers stopped, manifest ``interrupted``."""


class RunStop(BaseException):
    """Raised by the signal handler of a run (a BaseException, like KeyboardInterrupt)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into :class:`RunStop` while the block runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: object) -> None:
        raise RunStop(signum)

    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    for sig in STOP_SIGNALS:
        signal.signal(sig, stop)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def hold_signals() -> None:
    """Ignore SIGINT and SIGTERM until :func:`stop_on_signals` restores them (final writes, clean-up)."""
    if threading.current_thread() is threading.main_thread():
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
