"""Low-level writing and bookkeeping of result stores: atomic files, part records, the run journal.

The one atomic write of the project (run stores, sweep stores, fitted params),
and the records that let a store verify itself (see docs/store-format.md).
Everything above the files themselves (tables, summaries) lives in
:mod:`simulator.store`; :mod:`simulator.verify` checks stores with these records.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

PartRecord = dict[str, Any]
"""The record of one part file (see docs/store-format.md, "Part records")."""

def atomic_write(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write a file atomically: temporary file in the same folder, fsync, rename.

    The project's one atomic write (run stores, sweep stores, fitted params).
    The file gets the permissions of a normally created file.

    Args:
        path: Final location (its folder is created if needed).
        write: Callback writing the content to a binary file object.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _file_mode())  # mkstemp makes 0600 files
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@functools.cache
def _file_mode() -> int:
    """Permissions of a normally created file under the current umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write bytes atomically (see :func:`atomic_write`)."""
    atomic_write(path, lambda fh: fh.write(data))


def atomic_write_json(path: Path, obj: Any) -> None:
    """Write JSON atomically (UTF-8, sorted keys, stable bytes)."""
    atomic_write_bytes(path, (json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8"))


def part_file(table: str, first_rep: int) -> str:
    """The path of a part file relative to the store, with forward slashes."""
    return f"tables/{table}/part-{first_rep:06d}.parquet"


def part_record(table: str, first_rep: int, last_rep: int, rows: int, data: bytes) -> PartRecord:
    """The record of a part file, from the bytes written."""
    return {"table": table, "file": part_file(table, first_rep), "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(), "first_rep": first_rep, "last_rep": last_rep,
            "rows": rows}


def sort_parts(parts: Sequence[PartRecord]) -> list[PartRecord]:
    """Part records in the manifest's order: by table, then first replication."""
    return sorted(parts, key=lambda p: (str(p["table"]), int(p["first_rep"])))


JOURNAL = "parts.jsonl"
"""The journal of a run in progress: one part record per line, appended after each block."""


def append_journal(out: Path, records: Sequence[PartRecord]) -> None:
    """Append a finished block's part records to the store's journal and fsync it."""
    text = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
    with open(out / JOURNAL, "a", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def read_journal(out: Path) -> list[PartRecord]:
    """The part records in a store's journal (a torn last line, from a kill mid-append, is skipped)."""
    path = out / JOURNAL
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(rec, dict):
            records.append(rec)
    return records


def clean_for_resume(out: Path, keep: set[str]) -> int:
    """Delete what a stopped run left half done: part files not kept, temporary files, the summary.

    Args:
        out: The store.
        keep: Files to keep, relative to the store (``tables/<table>/part-…``).

    Returns:
        How many files were deleted.
    """
    removed = 0
    tables = out / "tables"
    dirs = [d for d in tables.iterdir() if d.is_dir()] if tables.is_dir() else []
    for d in [out, *dirs]:
        for p in d.iterdir():
            rel = p.relative_to(out).as_posix()
            stray_part = d is not out and p.name.startswith("part-") and p.name.endswith(".parquet")
            temporary = p.name.startswith(".") and p.name.endswith(".tmp")
            if p.is_file() and (stray_part or temporary) and rel not in keep:
                p.unlink()
                removed += 1
    summary = out / "summary.json"
    if summary.exists():
        summary.unlink()
        removed += 1
    return removed
