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
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.errors import StoreError as StoreError  # the project's one store error, re-exported
from simulator.i18n import Lang, Msg
from simulator.schema import TABLE_NAMES, TEXT_COLUMNS, report_columns
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


def _read_table_dir(tdir: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(tdir)
    except Exception as first:  # fall back to reading the parts one by one
        parts = sorted(tdir.glob("*.parquet"))
        if not parts:
            raise StoreError(f"{tdir}: cannot be read ({first})") from first
        try:
            frames = [pd.read_parquet(p) for p in parts]
        except Exception as exc:  # pyarrow raises many types
            raise StoreError(f"{tdir}: cannot be read ({exc})") from exc
        return pd.concat(frames, ignore_index=True)


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
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
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

    def table(self, name: str) -> pd.DataFrame:
        """Read one table (all its parts), with the columns the report uses.

        A table directory that does not exist yields an empty frame (a run
        with no payments writes no ``draws`` part).

        Args:
            name: one of :data:`TABLE_COLUMNS`.

        Returns:
            The table; string columns hold ``str`` or missing values.

        Raises:
            StoreError: if the table cannot be read or lacks a column.
        """
        if name in self._tables:
            return self._tables[name]
        if name not in TABLE_COLUMNS:
            raise KeyError(name)
        cols = list(TABLE_COLUMNS[name])
        tdir = self.path / "tables" / name
        if not tdir.exists() or (tdir.is_dir() and not any(tdir.glob("*.parquet"))):
            df = pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
        else:
            df = _read_table_dir(tdir)
            missing = [c for c in cols if c not in df.columns]
            if missing:
                raise StoreError(f"{tdir}: missing column(s) {', '.join(missing)}")
            df = df[cols].copy()
        for c in cols:
            if c in _STRING_COLUMNS:
                df[c] = df[c].astype("object").where(df[c].notna(), None)
        for c in ("rep", "year"):
            if c in df.columns and len(df):
                df[c] = df[c].astype("int64")
        self._tables[name] = df
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
    spath = d / "summary.json"
    summary = _read_json(spath)
    for key in ("targets", "funds"):
        block = summary.get(key, {})
        if not isinstance(block, dict):
            raise StoreError(f"{spath}: '{key}' must be an object keyed by id")
        for item, value in block.items():
            if not isinstance(value, dict):
                raise StoreError(f"{spath}: {key}.{item} must be an object")
    require_whole(d, lang)
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
        require_whole(d, lang)
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
