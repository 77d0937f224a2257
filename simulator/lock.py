"""One lock per result store (run or sweep): ``flock`` on ``DIR/.lock``.

The kernel releases a ``flock`` when its holder exits, however it exits, so a
killed run never leaves a store locked.  While the lock is held, the lock file
names its holder (process id, host, start time), so a second writer is told
who holds the store; a holder that died leaves its name behind, which the next
writer reports as a stale lock before taking the store over.  The lock file
stays in place (an unlinked lock file could be locked twice) and is emptied on
release.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

__all__ = ["LOCK_FILE", "LockHeld", "LockHolder", "StoreLock", "holder_of", "store_lock"]

LOCK_FILE = ".lock"
"""Name of the lock file inside a store directory."""

Lang = Literal["zh", "en"]


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or last held) a store's lock, as written in the lock file."""

    pid: int
    host: str
    since: str
    command: str = ""

    @property
    def on_this_host(self) -> bool:
        """Whether the holder ran on this machine (only then can its process be checked)."""
        return self.host == socket.gethostname()

    def alive(self) -> bool | None:
        """Whether the holder's process still runs (``None`` when it ran on another host)."""
        if not self.on_this_host:
            return None
        return _pid_alive(self.pid)

    def describe(self, lang: Lang) -> str:
        """The holder in one phrase, e.g. ``进程 1234（主机 ws1，自 2026-12-03T14:00:00+00:00 起）``."""
        if lang == "zh":
            return f"进程 {self.pid}（主机 {self.host}，自 {self.since} 起）"
        return f"process {self.pid} on host {self.host} (since {self.since})"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


class LockHeld(Exception):
    """Another live process holds a store's lock.

    Attributes:
        root: The store directory.
        holder: The holder named in the lock file (``None`` if it wrote nothing yet).
        what: ``"run"`` or ``"sweep"`` (the kind of writer that is refused).
    """

    def __init__(self, root: Path, holder: LockHolder | None, what: str) -> None:
        self.root = root
        self.holder = holder
        self.what = what
        super().__init__(self.message("zh") + " / " + self.message("en"))

    def message(self, lang: Lang) -> str:
        """The refusal in one line, in Chinese or English."""
        h = self.holder
        if lang == "zh":
            kind = "扫描" if self.what == "sweep" else "模拟运行"
            who = h.describe("zh") if h is not None else "持有者未知"
            text = (f"{self.root}: 另一个{kind}正在写入该结果目录：{who}（锁文件 {self.root / LOCK_FILE}）；"
                    "请等待其结束或先停止它")
            if h is not None and h.alive() is False:
                text += "（锁文件记录的进程已不在运行，锁仍被它启动的进程持有，请先结束这些进程）"
            return text
        who = h.describe("en") if h is not None else "holder unknown"
        text = (f"{self.root}: another {self.what} is writing to this result store: {who} "
                f"(lock file {self.root / LOCK_FILE}); wait for it to finish or stop it first")
        if h is not None and h.alive() is False:
            text += " (the recorded process is gone but a process it started still holds the lock; stop it first)"
        return text


@dataclass
class StoreLock:
    """A held store lock.

    Attributes:
        root: The store directory.
        stale: The holder left in the lock file by a writer that died without
            releasing it cleanly (killed, power cut), or ``None``.
    """

    root: Path
    stale: LockHolder | None = None

    def stale_message(self, lang: Lang) -> str | None:
        """One line telling that a stale lock was found and taken over, or ``None``."""
        if self.stale is None:
            return None
        h = self.stale
        if lang == "zh":
            return (f"{self.root}: 发现过期的锁：{h.describe('zh')} 未正常结束"
                    f"{'（该进程已不在运行）' if h.alive() is False else ''}；已接管该结果目录")
        return (f"{self.root}: stale lock found: {h.describe('en')} did not finish cleanly"
                f"{' (that process is no longer running)' if h.alive() is False else ''}; taking the store over")


def _read_holder(fd: int) -> LockHolder | None:
    """The holder recorded in an open lock file, if any."""
    try:
        raw = os.pread(fd, 4096, 0)
        data = json.loads(raw.decode("utf-8")) if raw.strip() else None
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    try:
        return LockHolder(pid=int(data["pid"]), host=str(data["host"]), since=str(data.get("since", "?")),
                          command=str(data.get("command", "")))
    except (KeyError, TypeError, ValueError):
        return None


def _command_line() -> str:
    try:
        with open(f"/proc/{os.getpid()}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()[:300]
    except OSError:
        return ""


def holder_of(root: str | Path) -> LockHolder | None:
    """The live holder of a store's lock, or ``None`` when no process holds it.

    Probes the lock without waiting and without creating anything: a reader
    uses it to refuse a store that a live writer is still writing.

    Args:
        root: The store directory.

    Returns:
        The holder recorded in the lock file when the lock is held (a holder
        with pid 0 if it has not written its name yet), else ``None``.
    """
    path = Path(root) / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                return None
            return _read_holder(fd) or LockHolder(pid=0, host="?", since="?")
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


@contextlib.contextmanager
def store_lock(root: str | Path, what: str = "run") -> Iterator[StoreLock]:
    """Hold the exclusive lock of a store directory while writing to it.

    Creates the directory and ``DIR/.lock`` if needed, takes ``flock`` without
    waiting, writes this process's id, host and start time into the lock file,
    and empties it again on release.

    Args:
        root: The store directory.
        what: The kind of writer (``"run"`` or ``"sweep"``), for messages.

    Yields:
        The held lock; its ``stale`` names a previous holder that died holding it.

    Raises:
        LockHeld: If another process holds the lock.
        NotADirectoryError: If ``root`` exists and is not a directory.
    """
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "not a directory", str(root))
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
            raise LockHeld(root, _read_holder(fd), what) from None
        previous = _read_holder(fd)
        if previous is not None and previous.pid == os.getpid() and previous.on_this_host:
            previous = None  # our own record (a lock taken again by this process)
        me = {"pid": os.getpid(), "host": socket.gethostname(),
              "since": datetime.now(UTC).isoformat(timespec="seconds"), "kind": what, "command": _command_line()}
        data = (json.dumps(me, ensure_ascii=False) + "\n").encode("utf-8")
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)
        os.fsync(fd)
        try:
            yield StoreLock(root, previous)
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the flock
