"""The tables of a sweep store: a model block put in canonical form, and deterministic Parquet and JSON.

The same results give the same bytes whatever executor produced them: fixed
column order and types, rows sorted by ``rep``, fixed compression, no pandas or
schema metadata (:data:`PARQUET_OPTIONS`).
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simulator.i18n import Lang, Msg, Text, pick

__all__ = ["PARQUET_OPTIONS", "SweepModelError", "frame_to_table", "json_text", "normalise_block", "parquet_bytes",
           "select_outputs", "write_parquet"]

PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": False,
    "write_statistics": True,
    "version": "2.6",
    "data_page_version": "1.0",
    "store_schema": False,
}
"""Fixed options of every Parquet file the store writes."""


class SweepModelError(RuntimeError):
    """A model returned results that do not fit the sweep contract (``str()`` is English)."""

    def __init__(self, message: Text) -> None:
        self.text = message
        super().__init__(str(message))

    def localized(self, lang: Lang) -> str:
        """The message in ``lang``."""
        return pick(self.text, lang)


def select_outputs(columns: Sequence[str], patterns: Sequence[str]) -> list[str]:
    """Pick the output columns matching names or glob patterns.

    Args:
        columns: Output columns the model returned (without ``rep``).
        patterns: Names or :mod:`fnmatch` patterns; empty selects every column.

    Returns:
        The selected columns, sorted.

    Raises:
        SweepModelError: If a pattern matches no column.
    """
    available = sorted(c for c in columns if c != "rep")
    if not patterns:
        return available
    chosen: set[str] = set()
    for pattern in patterns:
        hits = [c for c in available if fnmatch.fnmatchcase(c, pattern)]
        if not hits:
            shown = ", ".join(available[:12]) + (" ..." if len(available) > 12 else "")
            raise SweepModelError(Msg(f"输出 {pattern!r} 未匹配模型的任何列；可用的列：{shown}",
                                      f"output pattern {pattern!r} matched no column; available: {shown}"))
        chosen.update(hits)
    return sorted(chosen)


def _normalise_column(name: str, series: pd.Series) -> np.ndarray:
    """Convert an output column to bool, int64 or float64."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        if series.isna().any():
            raise SweepModelError(Msg(f"布尔输出列 {name!r} 含缺失值", f"boolean output {name!r} has missing values"))
        return series.to_numpy(dtype=bool)
    if pd.api.types.is_integer_dtype(dtype):
        if series.isna().any():
            raise SweepModelError(Msg(f"整数输出列 {name!r} 含缺失值", f"integer output {name!r} has missing values"))
        return series.to_numpy(dtype=np.int64)
    if pd.api.types.is_float_dtype(dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    raise SweepModelError(Msg(f"输出列 {name!r} 类型为 {dtype}，应为布尔、整数或浮点数",
                              f"output {name!r} must be bool, integer or float, got {dtype}"))


def normalise_block(frame: Any, reps: Sequence[int], patterns: Sequence[str]) -> pd.DataFrame:
    """Validate one model block and put it in canonical form.

    Args:
        frame: What the model's ``run_block`` returned.
        reps: The replication indices that were asked for.
        patterns: Output selection (names or globs; empty keeps all).

    Returns:
        A frame with column ``rep`` (int64) then the selected outputs in
        sorted order, typed bool/int64/float64, rows sorted by ``rep``.

    Raises:
        SweepModelError: If the frame is malformed.
    """
    if not isinstance(frame, pd.DataFrame):
        got_type = type(frame).__name__
        raise SweepModelError(Msg(f"run_block 应返回 pandas DataFrame，实际为 {got_type}",
                                  f"run_block must return a pandas DataFrame, got {got_type}"))
    if "rep" not in frame.columns:
        raise SweepModelError(Msg("run_block 的结果缺少 'rep' 列", "run_block result has no 'rep' column"))
    if frame.columns.duplicated().any():
        raise SweepModelError(Msg("run_block 的结果列名重复", "run_block result has duplicate column names"))
    got = frame["rep"].to_numpy()
    if len(got) != len(reps) or sorted(int(r) for r in got) != sorted(int(r) for r in reps):
        first = reps[0] if len(reps) else "-"
        raise SweepModelError(Msg(
            f"run_block 应对每个请求的重复返回一行：请求 {len(reps)} 个（从 {first} 开始），实际 {len(got)} 行",
            f"run_block must return one row per requested rep; asked {len(reps)} reps starting at {first}, "
            f"got {len(got)} rows",
        ))
    columns = select_outputs([str(c) for c in frame.columns], patterns)
    rep = np.asarray(got, dtype=np.int64)
    order = None if bool(np.all(rep[1:] > rep[:-1])) else np.argsort(rep, kind="stable")
    data: dict[str, np.ndarray] = {"rep": rep if order is None else rep[order]}
    for name in columns:
        values = _normalise_column(name, frame[name])
        data[name] = values if order is None else values[order]
    return pd.DataFrame(data, copy=False)


def _arrow_array(values: pd.Series) -> pa.Array:
    """Convert a column to an Arrow array of a fixed type."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return pa.array(values.to_numpy(dtype=bool), type=pa.bool_())
    if pd.api.types.is_integer_dtype(dtype):
        return pa.array(values.to_numpy(dtype=np.int64), type=pa.int64())
    if pd.api.types.is_float_dtype(dtype):
        return pa.array(values.to_numpy(dtype=np.float64), type=pa.float64())
    return pa.array([None if v is None else str(v) for v in values.tolist()], type=pa.string())


def frame_to_table(frame: pd.DataFrame) -> pa.Table:
    """Convert a frame to an Arrow table with fixed types and no metadata.

    Booleans become ``bool``, integers ``int64``, floats ``float64`` and
    anything else ``string``; the column order is kept.

    Args:
        frame: The frame.

    Returns:
        The Arrow table.
    """
    arrays = [_arrow_array(frame[c]) for c in frame.columns]
    return pa.Table.from_arrays(arrays, names=[str(c) for c in frame.columns])


def write_parquet(table: pa.Table, fh: IO[bytes] | pa.NativeFile) -> None:
    """Write a table to an open binary file with the store's fixed options."""
    pq.write_table(table, fh, **PARQUET_OPTIONS)


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """Serialise a frame exactly as the store would write it.

    Args:
        frame: The frame.

    Returns:
        The Parquet file's bytes.
    """
    sink = pa.BufferOutputStream()
    pq.write_table(frame_to_table(frame), sink, **PARQUET_OPTIONS)
    return bytes(sink.getvalue().to_pybytes())


def _json_default(value: object) -> object:
    """Make numpy scalars and paths JSON-serialisable."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def json_text(data: Mapping[str, Any]) -> str:
    """Render a mapping as the store's JSON (indented, UTF-8, no NaN).

    Args:
        data: The mapping.

    Returns:
        The JSON text with a trailing newline.
    """
    return (
        json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False, default=_json_default)
        + "\n"
    )
