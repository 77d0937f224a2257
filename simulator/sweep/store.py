"""Streaming, resumable on-disk store of a sweep.

Layout of a sweep directory::

    DIR/
      manifest.json                         spec, hashes, seed, versions, timings, design
      design.parquet                        one row per point (id, factor values, unit coords)
      points/point=<id>/part-0.parquet      one row per replication: rep + outputs
      points/point=<id>/record.json         the point file's size, sha256 and rows
      summary.json, points_summary.parquet  written by ``sweep-summary``

Every file is written atomically: to a temporary file in the same directory,
flushed and fsynced, then moved into place with :func:`os.replace`. A point's
file appears only once all its replications are done, right after its record
(size, sha256, rows); a point counts as done only when its file matches its
record, so after a crash, a truncated copy or a flipped bit the store's
damaged or missing points are recomputed by a resumed sweep.

Parquet files are written deterministically (fixed column order and types,
rows sorted by ``rep``, fixed compression, no pandas or schema metadata), so
the same results give the same bytes whatever executor produced them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simulator.errors import StoreError
from simulator.i18n import Msg
from simulator.lock import LockHeld, store_lock
from simulator.storeio import atomic_write
from simulator.sweep.tables import frame_to_table, json_text, write_parquet

__all__ = [
    "FORMAT",
    "STORE_KIND",
    "SweepStore",
    "SweepStoreError",
    "atomic_write",
]

FORMAT = 1
"""Store format version written to ``manifest.json``."""

STORE_KIND = "sweep"
"""Value of ``manifest.json``'s ``kind`` for sweep stores."""

_NOT_A_DIR = Msg("{root} 不是目录", "{root} exists and is not a directory")


class SweepStoreError(StoreError, RuntimeError):
    """The output directory cannot be used as asked (exists, mismatch, not a store, damaged, incomplete).

    A :class:`~simulator.errors.StoreError` (the project's one store error); also a
    ``RuntimeError``, as it always was.
    """


# --------------------------------------------------------------------------- store


class SweepStore:
    """A sweep directory.

    Args:
        root: The directory (need not exist yet).
    """

    POINT_FILE = "part-0.parquet"
    RECORD_FILE = "record.json"
    LOCK_FILE = ".lock"

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @property
    def manifest_path(self) -> Path:
        """``DIR/manifest.json``."""
        return self.root / "manifest.json"

    @property
    def design_path(self) -> Path:
        """``DIR/design.parquet``."""
        return self.root / "design.parquet"

    @property
    def points_dir(self) -> Path:
        """``DIR/points``."""
        return self.root / "points"

    def point_path(self, point: str) -> Path:
        """Return the file of one point.

        Args:
            point: The point id.

        Returns:
            ``DIR/points/point=<id>/part-0.parquet``.
        """
        return self.points_dir / f"point={point}" / self.POINT_FILE

    def record_path(self, point: str) -> Path:
        """Return the record of one point (its file's size, sha256 and rows).

        Args:
            point: The point id.

        Returns:
            ``DIR/points/point=<id>/record.json``.
        """
        return self.points_dir / f"point={point}" / self.RECORD_FILE

    def stored_point_dirs(self) -> list[str]:
        """List the ids of every ``point=<id>`` folder, whatever it holds.

        Returns:
            The ids, sorted.
        """
        if not self.points_dir.is_dir():
            return []
        with os.scandir(self.points_dir) as entries:
            return sorted(
                e.name.removeprefix("point=")
                for e in entries
                if e.is_dir() and e.name.startswith("point=")
            )

    def read_record(self, point: str) -> dict[str, Any] | None:
        """Read a point's record.

        Args:
            point: The point id.

        Returns:
            The record, or None if it is missing or unreadable.
        """
        try:
            data = json.loads(self.record_path(point).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def point_problem(self, point: str, data: bytes | None = None) -> Msg | None:
        """Check one point's file against its record.

        Args:
            point: The point id.
            data: The file's bytes if already read (else they are read here).

        Returns:
            None if the file matches its record (size, sha256 and rows), else
            what is wrong, in both languages.
        """
        path = self.point_path(point)
        if data is None:
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                return Msg("点文件缺失", "point file missing")
            except OSError as exc:
                return Msg(f"点文件无法读取：{exc}", f"point file unreadable: {exc}")
        record = self.read_record(point)
        if record is None:
            return Msg(f"缺少或无法读取 {self.RECORD_FILE}：大小和哈希未知",
                       f"no readable point record ({self.RECORD_FILE}): size and hash unknown")
        if record.get("bytes") != len(data):
            return Msg(f"文件大小 {len(data)} 字节，记录为 {record.get('bytes')} 字节（被截断或替换）",
                       f"size {len(data)} bytes, recorded {record.get('bytes')}: truncated or replaced")
        if record.get("sha256") != hashlib.sha256(data).hexdigest():
            return Msg("SHA-256 与记录不符（文件已损坏）", "sha256 differs from the record: the file is damaged")
        try:
            rows = pq.ParquetFile(pa.BufferReader(data)).metadata.num_rows
        except (pa.ArrowException, OSError) as exc:
            return Msg(f"不是有效的 Parquet 文件：{exc}", f"not a readable Parquet file: {exc}")
        if rows != record.get("rows"):
            return Msg(f"行数 {rows}，记录为 {record.get('rows')}", f"rows {rows}, recorded {record.get('rows')}")
        return None

    # ---------------------------------------------------------------- state

    def is_nonempty(self) -> bool:
        """Whether the directory exists and holds anything.

        Returns:
            True if it exists and is not empty.

        Raises:
            SweepStoreError: If the path exists but is not a directory.
        """
        if not self.root.exists():
            return False
        if not self.root.is_dir():
            raise SweepStoreError(_NOT_A_DIR.format(root=self.root))
        return any(p.name != self.LOCK_FILE for p in self.root.iterdir())

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold an exclusive lock on the store while writing to it.

        The lock (``flock`` on ``DIR/.lock``) is released when the block ends
        or the process dies, so a killed sweep can be resumed at once.

        Yields:
            Nothing; the lock is held inside the block.

        Raises:
            SweepStoreError: If another process holds the lock.
        """
        if self.root.exists() and not self.root.is_dir():
            raise SweepStoreError(_NOT_A_DIR.format(root=self.root))
        try:
            with store_lock(self.root, "sweep"):
                yield
        except LockHeld as exc:
            raise SweepStoreError(Msg(exc.message("zh"), exc.message("en"))) from None

    def is_sweep_store(self) -> bool:
        """Whether the directory holds a sweep manifest.

        Returns:
            True if ``manifest.json`` exists and says ``kind: sweep``.
        """
        try:
            return self.read_manifest().get("kind") == STORE_KIND
        except SweepStoreError:
            return False

    def wipe(self) -> None:
        """Delete the store's content (the directory itself is kept).

        Raises:
            SweepStoreError: If the directory is not empty and not a sweep store,
                so an unrelated directory is never deleted.
        """
        if not self.is_nonempty():
            return
        if not self.is_sweep_store():
            raise SweepStoreError(Msg(
                f"{self.root} 非空且不是扫描结果目录，拒绝删除；请换一个 --out",
                f"{self.root} is not empty and is not a sweep store: refusing to wipe it; choose another --out",
            ))
        for child in self.root.iterdir():
            if child.name == self.LOCK_FILE:
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()

    def completed_points(self) -> set[str]:
        """List the points whose file is stored and matches its record.

        A point whose file is missing, truncated, damaged or has no record is
        not complete: a resumed sweep recomputes it.

        Returns:
            The ids of complete points.
        """
        return {pid for pid in self.stored_point_dirs() if self.point_problem(pid) is None}

    def clean_temporary(self) -> int:
        """Remove temporary files left behind by an interrupted run.

        Returns:
            How many files were removed.
        """
        removed = 0
        dirs: list[Path] = [self.root]
        if self.points_dir.is_dir():
            dirs.extend(p for p in self.points_dir.iterdir() if p.is_dir())
        for d in dirs:
            for p in d.iterdir():
                if p.is_file() and p.name.startswith(".") and p.name.endswith(".tmp"):
                    p.unlink()
                    removed += 1
        return removed

    # ---------------------------------------------------------------- io

    def write_point(self, point: str, frame: pd.DataFrame) -> None:
        """Write one complete point atomically.

        Args:
            point: The point id.
            frame: Its replications (``rep`` + outputs), already canonical.
        """
        sink = pa.BufferOutputStream()
        write_parquet(frame_to_table(frame), sink)
        data = bytes(sink.getvalue().to_pybytes())
        record = {
            "point": point,
            "file": f"points/point={point}/{self.POINT_FILE}",
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "rows": len(frame),
        }
        # The record first: a point is done once its file appears and matches it, so a
        # stop between the two writes leaves a point that is simply not done yet.
        self.write_json(str(self.record_path(point).relative_to(self.root)), record)
        atomic_write(self.point_path(point), lambda fh: fh.write(data))

    def read_point(self, point: str) -> pd.DataFrame:
        """Read one point's replications.

        Args:
            point: The point id.

        Returns:
            The stored frame.
        """
        return pq.read_table(self.point_path(point)).to_pandas()

    def point_schema(self, point: str) -> list[tuple[str, str]]:
        """Return a stored point's column names and Arrow types.

        Args:
            point: The point id.

        Returns:
            ``[(name, type string), ...]`` in file order.
        """
        schema = pq.read_schema(self.point_path(point))
        return [(f.name, str(f.type)) for f in schema]

    def iter_point_arrays(
        self, points: Sequence[str], *, threads: int = 4, chunk: int = 64
    ) -> Iterator[tuple[str, dict[str, np.ndarray]]]:
        """Yield stored points as column arrays, reading a few files ahead.

        At most ``chunk`` points are held in memory at once, so memory stays
        flat however many points there are.

        Args:
            points: The point ids to read, in order; missing or damaged ones are skipped.
            threads: Reader threads.
            chunk: Points read per batch.

        Yields:
            ``(point id, {column: array})`` in the order of ``points``; a point
            whose file does not match its record is skipped like a missing one.
        """

        def read(pid: str) -> dict[str, np.ndarray] | None:
            path = self.point_path(pid)
            if not path.is_file():
                return None
            data = path.read_bytes()
            if self.point_problem(pid, data) is not None:
                return None
            table = pq.read_table(pa.BufferReader(data))
            return {name: table.column(name).to_numpy() for name in table.column_names}

        with ThreadPoolExecutor(max_workers=threads) as pool:
            for start in range(0, len(points), chunk):
                batch = list(points[start : start + chunk])
                for pid, columns in zip(batch, pool.map(read, batch), strict=True):
                    if columns is not None:
                        yield pid, columns

    def write_frame(self, name: str, frame: pd.DataFrame) -> None:
        """Write a frame as ``DIR/<name>`` deterministically.

        Args:
            name: File name (e.g. ``design.parquet``).
            frame: The frame.
        """
        table = frame_to_table(frame)
        atomic_write(self.root / name, lambda fh: write_parquet(table, fh))

    def read_frame(self, name: str) -> pd.DataFrame:
        """Read ``DIR/<name>`` as a frame.

        Args:
            name: File name.

        Returns:
            The frame.

        Raises:
            SweepStoreError: If the file is missing.
        """
        path = self.root / name
        if not path.is_file():
            raise SweepStoreError(Msg(f"{path} 不存在", f"{path} is missing"))
        return pq.read_table(path).to_pandas()

    def write_json(self, name: str, data: Mapping[str, Any]) -> None:
        """Write ``DIR/<name>`` as JSON atomically.

        Args:
            name: File name.
            data: JSON-serialisable mapping.
        """
        payload = json_text(data).encode("utf-8")

        def write(fh: IO[bytes]) -> None:
            fh.write(payload)

        atomic_write(self.root / name, write)

    def read_manifest(self) -> dict[str, Any]:
        """Read ``manifest.json``.

        Returns:
            The manifest.

        Raises:
            SweepStoreError: If it is missing or unreadable.
        """
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SweepStoreError(Msg(f"{self.root} 中没有 manifest.json：不是扫描结果目录",
                                      f"{self.root}: no manifest.json: not a sweep store")) from None
        except (OSError, ValueError) as exc:
            raise SweepStoreError(Msg(f"{self.manifest_path} 无法读取：{exc}", f"{self.manifest_path} is unreadable: {exc}")) from None
        if not isinstance(data, dict):
            raise SweepStoreError(Msg(f"{self.manifest_path} 格式错误：不是 JSON 对象", f"{self.manifest_path} is not a JSON object"))
        return data

    def write_manifest(self, data: Mapping[str, Any]) -> None:
        """Write ``manifest.json`` atomically.

        Args:
            data: The manifest.
        """
        self.write_json("manifest.json", data)
