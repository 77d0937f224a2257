"""Read-only access to result stores (see ``docs/store-format.md``).

The report layer reads a run store's ``manifest.json``, ``summary.json`` and
Parquet tables, and a sweep store's ``manifest.json``, ``summary.json`` and
``points_summary.parquet``. It never writes to a store. Anything missing or
malformed raises :class:`StoreError` with one message naming the file, and a
store is verified (:func:`simulator.verify.require_whole`) before it is used:
a damaged, incomplete or unfinished store is refused, never reported.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pandas.api.types import union_categoricals

from simulator.errors import StoreError as StoreError  # the project's one store error, re-exported
from simulator.i18n import Lang, Msg
from simulator.schema import TABLE_NAMES, TEXT_COLUMNS, report_columns
from simulator.sweep.verify import require_whole_sweep
from simulator.verify import require_whole

SUPPORTED_FORMAT = 1

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {name: report_columns(name) for name in TABLE_NAMES}
"""Columns the report relies on, per table (extra columns are ignored; defined in :mod:`simulator.schema`)."""

_STRING_COLUMNS = TEXT_COLUMNS


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise StoreError(f"{path}: file not found")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreError(f"{path}: cannot be read ({exc})") from exc
    except json.JSONDecodeError as exc:
        raise StoreError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    if not isinstance(data, dict):
        raise StoreError(f"{path}: expected a JSON object at the top level")
    return data


def _need(mapping: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in mapping:
        raise StoreError(f"{where}: key '{key}' is missing")
    value = mapping[key]
    if not isinstance(value, kind):
        raise StoreError(f"{where}: key '{key}' has the wrong type ({type(value).__name__})")
    return value


def store_kind(path: str | Path) -> str:
    """Tell whether a directory holds a run or a sweep store.

    Args:
        path: store directory.

    Returns:
        ``"run"`` or ``"sweep"``, from the manifest's ``kind``.

    Raises:
        StoreError: if the directory or its manifest is missing or invalid.
    """
    d = Path(path)
    if not d.is_dir():
        raise StoreError(Msg(f"{d}：不是目录（应为结果目录）", f"{d}: not a directory (expected a result store)"))
    if not (d / "manifest.json").exists():
        raise StoreError(Msg(f"{d}：不是 fiscalsim 结果目录，没有 manifest.json",
                             f"{d}: not a fiscalsim result store: no manifest.json"))
    manifest = _read_json(d / "manifest.json")
    kind = manifest.get("kind")
    if kind not in ("run", "sweep"):
        raise StoreError(f"{d / 'manifest.json'}: 'kind' must be 'run' or 'sweep', found {kind!r}")
    return str(kind)


def _compact_frame(table: pa.Table) -> pd.DataFrame:
    """Arrow table -> pandas with string columns as categoricals (one code per row)."""
    for i, name in enumerate(table.column_names):
        col = table.column(i)
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            table = table.set_column(i, name, col.dictionary_encode())
    return table.to_pandas()


_FILTER_OPS = ("==", "!=", "in", "not in")


def _select(frame: pd.DataFrame, filters: list[tuple[str, str, Any]]) -> pd.DataFrame:
    """Keep the rows that pass every filter (``==``, ``!=``, ``in``, ``not in``).

    Filtering after the read is several times faster than pyarrow's dataset
    filters on a part of this size, and works on the categorical codes.
    """
    if not filters:
        return frame
    keep = np.ones(len(frame), dtype=bool)
    for column, op, value in filters:
        if op not in _FILTER_OPS:
            raise ValueError(f"filter on {column!r}: operator {op!r} is not one of {_FILTER_OPS}")
        values = list(value) if op in ("in", "not in") else [value]
        hit = frame[column].isin(values).to_numpy()
        keep &= hit if op in ("==", "in") else ~hit
    return frame[keep].reset_index(drop=True) if not keep.all() else frame


def _same_kind(columns: list[pd.Series]) -> list[pd.Series]:
    """Give all-missing categorical columns the category type of the others (for unions)."""
    ref = next((x for x in columns if len(x.cat.categories)), None)
    if ref is None:
        return columns
    empty = pd.CategoricalDtype(ref.cat.categories[:0])
    return [
        x
        if len(x.cat.categories)
        else pd.Series(pd.Categorical.from_codes(np.full(len(x), -1), dtype=empty))
        for x in columns
    ]


def concat_compact(frames: Sequence[pd.DataFrame], columns: Sequence[str]) -> pd.DataFrame:
    """Concatenate frames read part by part, keeping string columns categorical.

    ``pandas.concat`` turns categoricals with different categories into
    Python objects (8 bytes a cell plus the strings); here their categories
    are unified first, so a column of a million rows stays a million small
    codes.

    Args:
        frames: the parts, in order.
        columns: the columns of the result (used when there is no part).

    Returns:
        One frame with a fresh ``RangeIndex``.
    """
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    out: dict[str, Any] = {}
    for c in frames[0].columns:
        if any(isinstance(f[c].dtype, pd.CategoricalDtype) for f in frames):
            out[c] = union_categoricals(_same_kind([f[c].astype("category") for f in frames]))
        else:
            out[c] = np.concatenate([f[c].to_numpy() for f in frames])
    return pd.DataFrame(out)


@dataclass
class RunStore:
    """A run's result store, loaded lazily.

    Attributes:
        path: the store directory.
        manifest: parsed ``manifest.json``.
        summary: parsed ``summary.json``.
    """

    path: Path
    manifest: dict[str, Any]
    summary: dict[str, Any]
    memo: dict[str, Any] = field(default_factory=dict, repr=False)
    """Results derived from the tables, cached by the summaries that compute them."""

    @property
    def scenario(self) -> dict[str, Any]:
        """The manifest's ``scenario`` block."""
        return dict(self.manifest.get("scenario") or {})

    @property
    def reps(self) -> int:
        """Number of replications in the run."""
        return int(self.manifest.get("reps") or self.summary.get("reps") or 0)

    @property
    def funds(self) -> dict[str, dict[str, Any]]:
        """Funds by id, from the manifest."""
        return dict(self.manifest.get("funds") or {})

    @property
    def programs(self) -> dict[str, dict[str, Any]]:
        """Programs by id, from the manifest."""
        return dict(self.manifest.get("programs") or {})

    @property
    def targets(self) -> dict[str, dict[str, Any]]:
        """Targets by id, from the manifest."""
        return dict(self.manifest.get("targets") or {})

    @property
    def jurisdictions(self) -> dict[str, dict[str, Any]]:
        """Jurisdictions by id, from the manifest."""
        return dict(self.manifest.get("jurisdictions") or {})

    @property
    def inputs(self) -> list[dict[str, Any]]:
        """The manifest's list of inputs with their sources."""
        return [dict(x) for x in (self.manifest.get("inputs") or []) if isinstance(x, Mapping)]

    def part_files(self, name: str) -> list[Path]:
        """The Parquet parts of a table, in replication order.

        Args:
            name: one of :data:`TABLE_COLUMNS`.

        Returns:
            The part files (none for a table the run did not write, e.g.
            ``draws`` of a run with no payments).
        """
        if name not in TABLE_COLUMNS:
            raise KeyError(name)
        tdir = self.path / "tables" / name
        if not tdir.is_dir():
            return []
        return sorted(tdir.glob("*.parquet"))

    def parts(
        self,
        name: str,
        columns: Sequence[str] | None = None,
        filters: list[tuple[str, str, Any]] | None = None,
    ) -> Iterator[pd.DataFrame]:
        """Read a table one part at a time: only the given columns and rows.

        Memory is bounded by one part (a block of replications) whatever the
        number of replications; callers reduce each part before the next is
        read. String columns come as categoricals, integers as stored
        (``rep`` int32, money int64).

        Args:
            name: one of :data:`TABLE_COLUMNS`.
            columns: columns to read (default: all of :data:`TABLE_COLUMNS`'s).
            filters: row filters in pyarrow's form, e.g.
                ``[("state", "in", ["queued", "refused"])]`` (operators ``==``,
                ``!=``, ``in`` and ``not in``), all of which a row must pass.

        Yields:
            One frame per part, in replication order (parts with no rows left
            after filtering are skipped).

        Raises:
            StoreError: if a part cannot be read or lacks a column.
        """
        cols = list(columns if columns is not None else TABLE_COLUMNS[name])
        extra = [c for c, _op, _v in filters or [] if c not in cols]
        read = [*cols, *dict.fromkeys(extra)]
        for part in self.part_files(name):
            try:
                have = set(pq.read_schema(part).names)
            except Exception as exc:  # pyarrow raises many types
                raise StoreError(f"{part}: cannot be read ({exc})") from exc
            missing = [c for c in read if c not in have]
            if missing:
                raise StoreError(f"{part.parent}: missing column(s) {', '.join(missing)}")
            try:
                table = pq.read_table(
                    part, columns=read, read_dictionary=[c for c in read if c in _STRING_COLUMNS]
                )
            except Exception as exc:  # pyarrow raises many types
                raise StoreError(f"{part}: cannot be read ({exc})") from exc
            frame = _select(_compact_frame(table), filters or [])
            if extra:
                frame = frame.drop(columns=extra)
            if len(frame):
                yield frame

    def read(
        self,
        name: str,
        columns: Sequence[str] | None = None,
        filters: list[tuple[str, str, Any]] | None = None,
    ) -> pd.DataFrame:
        """Read some columns (and rows) of a table into one compact frame.

        Like :meth:`parts`, but the parts are joined, string columns staying
        categorical: use it for small selections; reduce big tables part by
        part instead.

        Args:
            name: one of :data:`TABLE_COLUMNS`.
            columns: columns to read (default: all of :data:`TABLE_COLUMNS`'s).
            filters: row filters in pyarrow's form.

        Returns:
            The rows, string columns categorical.

        Raises:
            StoreError: if a part cannot be read or lacks a column.
        """
        cols = list(columns if columns is not None else TABLE_COLUMNS[name])
        return concat_compact(list(self.parts(name, cols, filters)), cols)

    def table(
        self,
        name: str,
        columns: Sequence[str] | None = None,
        filters: list[tuple[str, str, Any]] | None = None,
    ) -> pd.DataFrame:
        """Read one table (all its parts), with the columns the report uses.

        A table directory that does not exist yields an empty frame (a run
        with no payments writes no ``draws`` part). The whole selection is
        held as Python strings: the report's summaries read through
        :meth:`parts` and :meth:`read` instead, which keep memory flat.

        Args:
            name: one of :data:`TABLE_COLUMNS`.
            columns: columns to read (default: all of :data:`TABLE_COLUMNS`'s).
            filters: row filters in pyarrow's form.

        Returns:
            The table; string columns hold ``str`` or missing values, ``rep``
            and ``year`` are int64.

        Raises:
            StoreError: if the table cannot be read or lacks a column.
        """
        cols = list(columns if columns is not None else TABLE_COLUMNS[name])
        df = self.read(name, cols, filters)
        for c in cols:
            if c in _STRING_COLUMNS:
                df[c] = df[c].astype("object").where(df[c].notna(), None)
        for c in ("rep", "year"):
            if c in df.columns and len(df):
                df[c] = df[c].astype("int64")
        return df


def open_run(path: str | Path, lang: Lang = "zh") -> RunStore:
    """Open a run store, check its manifest and summary, and verify its parts.

    Args:
        path: store directory.
        lang: language of a verification problem.

    Returns:
        The loaded store (tables are read on first use).

    Raises:
        StoreError: if the store is missing, of another kind or malformed.
    """
    d = Path(path)
    if not d.is_dir():
        raise StoreError(Msg(f"{d}：不是目录（应为结果目录）", f"{d}: not a directory (expected a result store)"))
    mpath = d / "manifest.json"
    manifest = _read_json(mpath)
    where = str(mpath)
    fmt = manifest.get("format")
    if fmt != SUPPORTED_FORMAT:
        raise StoreError(
            f"{where}: store format {fmt!r} is not supported (expected {SUPPORTED_FORMAT})"
        )
    if manifest.get("kind") != "run":
        raise StoreError(f"{where}: 'kind' is {manifest.get('kind')!r}, expected 'run'")
    scenario = _need(manifest, "scenario", dict, where)
    for key in ("start", "end"):
        _need(scenario, key, str, f"{where} scenario")
    _need(manifest, "reps", int, where)
    for key in ("funds", "programs", "targets"):
        block = manifest.get(key, {})
        if not isinstance(block, dict):
            raise StoreError(f"{where}: '{key}' must be an object keyed by id")
    if not isinstance(manifest.get("inputs", []), list):
        raise StoreError(f"{where}: 'inputs' must be a list")
    require_whole(d, lang)  # first: an unfinished run is said to be unfinished (and how to resume it)
    spath = d / "summary.json"
    summary = _read_json(spath)
    for key in ("targets", "funds"):
        block = summary.get(key, {})
        if not isinstance(block, dict):
            raise StoreError(f"{spath}: '{key}' must be an object keyed by id")
        for item, value in block.items():
            if not isinstance(value, dict):
                raise StoreError(f"{spath}: {key}.{item} must be an object")
    return RunStore(path=d, manifest=manifest, summary=summary)


@dataclass
class SweepStore:
    """A sweep's result store, its summary in the report's shape.

    Two layouts of ``summary.json`` are read (see :mod:`simulator.report.sweep`):
    the one ``sweep-summary`` writes (``kind: "sweep-summary"`` with ``sobol``,
    ``morris``, ``prim``, ``heatmap`` keyed by statistic), which is converted,
    and the report's own documented layout, which is taken as it is.

    Attributes:
        path: the store directory.
        manifest: parsed ``manifest.json``.
        summary: ``sensitivity``, ``boxes``, ``heatmap`` (a list), ``outputs``
            (response columns, may be empty) and ``notes``.
        points: one row per design point: factor columns and output columns.
    """

    path: Path
    manifest: dict[str, Any]
    summary: dict[str, Any]
    points: pd.DataFrame

    @property
    def reps(self) -> int:
        """Replications per design point."""
        m = self.manifest
        return int(m.get("reps") or m.get("replications") or self.summary.get("reps") or 0)


def response_column(output: str, overview: Mapping[str, Any]) -> str:
    """The points-summary column that carries an output's response.

    Args:
        output: output name, e.g. ``target.T1.attained``.
        overview: ``summary.json``'s ``outputs`` block (name -> type and stat).

    Returns:
        ``<output>:p_attained`` for yes/no outputs, ``<output>:mean`` otherwise.

    >>> response_column("target.T1.attained", {"target.T1.attained": {"type": "bool"}})
    'target.T1.attained:p_attained'
    >>> response_column("fund.F1.drawn_yuan", {"fund.F1.drawn_yuan": {"stat": "mean"}})
    'fund.F1.drawn_yuan:mean'
    """
    info = overview.get(output)
    info = info if isinstance(info, Mapping) else {}
    stat = info.get("stat") or ("p_attained" if info.get("type") == "bool" else "mean")
    return f"{output}:{stat}"


def _from_sweep_summary(raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Convert the ``sweep-summary`` layout to the report's."""
    overview = raw.get("outputs") if isinstance(raw.get("outputs"), Mapping) else {}
    assert isinstance(overview, Mapping)
    sens: list[dict[str, Any]] = []
    for key in ("sobol", "morris"):
        records = raw.get(key) or []
        if not isinstance(records, list) or not all(isinstance(r, Mapping) for r in records):
            raise StoreError(f"{where}: '{key}' must be a list of objects")
        sens += [{**r, "output": response_column(str(r.get("output")), overview)} for r in records]
    prim = raw.get("prim") or {}
    if not isinstance(prim, Mapping):
        raise StoreError(f"{where}: 'prim' must be an object keyed by output")
    boxes: list[dict[str, Any]] = []
    for output, found in prim.items():
        if not isinstance(found, list):
            raise StoreError(f"{where}: prim.{output} must be a list of boxes")
        for i, box in enumerate(found):
            limits = box.get("limits") if isinstance(box, Mapping) else None
            if not isinstance(limits, Mapping):
                raise StoreError(f"{where}: prim.{output}[{i}].limits must be an object")
            ranges: dict[str, list[Any]] = {}
            options: dict[str, list[Any]] = {}
            for factor, lim in limits.items():
                if not isinstance(lim, Mapping):
                    raise StoreError(
                        f"{where}: prim.{output}[{i}].limits.{factor} must be an object"
                    )
                if "options" in lim:
                    options[str(factor)] = list(lim["options"] or [])
                else:
                    ranges[str(factor)] = [lim.get("lo"), lim.get("hi")]
            boxes.append(
                {
                    "output": f"miss:{output}",
                    "factor_ranges": ranges,
                    "factor_options": options,
                    "coverage": box.get("coverage"),
                    "density": box.get("density"),
                    "support": box.get("support"),
                }
            )
    heat = raw.get("heatmap") or {}
    if not isinstance(heat, Mapping):
        raise StoreError(f"{where}: 'heatmap' must be an object keyed by statistic")
    heatmaps: list[dict[str, Any]] = []
    for stat, h in heat.items():
        if not isinstance(h, Mapping) or not {"x", "y"} <= set(h):
            raise StoreError(f"{where}: heatmap.{stat} must have x and y")
        grid = None
        if {"x_levels", "y_levels", "values"} <= set(h):
            grid = {k: h[k] for k in ("x_levels", "y_levels", "values")}
        heatmaps.append(
            {"x": h["x"], "y": h["y"], "output": str(h.get("stat") or stat), "grid": grid}
        )
    notes = raw.get("notes") or []
    return {
        "sensitivity": sens,
        "boxes": boxes,
        "heatmap": heatmaps,
        "outputs": [response_column(str(o), overview) for o in overview],
        "notes": [str(n) for n in notes] if isinstance(notes, list) else [],
        "reps": raw.get("replications"),
    }


def open_sweep(path: str | Path, lang: Lang = "zh") -> SweepStore:
    """Open a sweep store; one written by ``fiscalsim sweep`` is verified first.

    A store in the report's own layout for other producers (no ``design`` in
    its manifest) carries no point records, so only its files are checked.

    Args:
        path: sweep directory.
        lang: language of a verification problem.

    Returns:
        The loaded sweep store, its summary in the report's shape.

    Raises:
        StoreError: if the store is missing, of another kind, malformed, or
            not summarised yet.
    """
    d = Path(path)
    if not d.is_dir():
        raise StoreError(f"{d}: not a directory (expected a sweep store)")
    mpath = d / "manifest.json"
    manifest = _read_json(mpath)
    if manifest.get("kind") != "sweep":
        raise StoreError(f"{mpath}: 'kind' is {manifest.get('kind')!r}, expected 'sweep'")
    if "design" in manifest:  # written by `fiscalsim sweep`: complete, every point file as recorded
        require_whole_sweep(d, lang)
    spath = d / "summary.json"
    if not spath.is_file():
        raise StoreError(
            f"{spath}: file not found (summarise the sweep first: fiscalsim sweep-summary {d})"
        )
    raw = _read_json(spath)
    if raw.get("kind") == "sweep-summary" or any(k in raw for k in ("sobol", "morris", "prim")):
        summary = _from_sweep_summary(raw, str(spath))
    else:
        summary = dict(raw)
    sens = summary.get("sensitivity", [])
    if not isinstance(sens, list) or not all(isinstance(r, dict) for r in sens):
        raise StoreError(f"{spath}: 'sensitivity' must be a list of objects")
    boxes = summary.get("boxes", [])
    if not isinstance(boxes, list) or not all(isinstance(b, dict) for b in boxes):
        raise StoreError(f"{spath}: 'boxes' must be a list of objects")
    for i, b in enumerate(boxes):
        fr = b.get("factor_ranges", {})
        if not isinstance(fr, dict) or not all(
            isinstance(v, list | tuple) and len(v) == 2 for v in fr.values()
        ):
            raise StoreError(f"{spath}: boxes[{i}].factor_ranges must map factor -> [lo, hi]")
        fo = b.get("factor_options", {})
        if not isinstance(fo, dict) or not all(isinstance(v, list) for v in fo.values()):
            raise StoreError(f"{spath}: boxes[{i}].factor_options must map factor -> [options]")
    heat = summary.get("heatmap")
    heats = [heat] if isinstance(heat, dict) else (heat or [])
    if not isinstance(heats, list) or not all(
        isinstance(h, dict) and {"x", "y", "output"} <= set(h) for h in heats
    ):
        raise StoreError(f"{spath}: 'heatmap' must be {{x, y, output}} or a list of them")
    summary["heatmap"] = heats
    per_point = summary.get("per_point")
    if isinstance(per_point, list):
        points = pd.DataFrame(per_point)
    else:
        ppath = d / (per_point if isinstance(per_point, str) else "points_summary.parquet")
        if not ppath.exists():
            raise StoreError(f"{ppath}: file not found")
        try:
            points = pd.read_parquet(ppath)
        except Exception as exc:  # pyarrow raises many types
            raise StoreError(f"{ppath}: cannot be read ({exc})") from exc
    return SweepStore(path=d, manifest=manifest, summary=summary, points=points)
