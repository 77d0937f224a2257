"""A sweep store proves itself before it is read.

A sweep store written by ``fiscalsim sweep`` is whole when its last run
completed, every design point's file matches its record (size, sha256, rows)
and no point folder lies outside the design.  The checks and messages are
those of :mod:`simulator.verify` (run stores).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from simulator.i18n import Lang, Msg
from simulator.sweep.store import SweepStore, SweepStoreError
from simulator.verify import (
    Verification,
    check_run_store,
    is_int,
    message,
    raise_first,
    read_manifest_of,
)


def check_sweep_store(path: str | Path, lang: Lang = "zh") -> Verification:
    """Verify a sweep store written by ``fiscalsim sweep`` and count what it holds.

    Args:
        path: The sweep folder.
        lang: Language of the problems.

    Returns:
        The verification (``problems`` empty when the sweep is complete and
        every point file matches its record).
    """
    v = Verification(Path(path), "sweep", lang=lang)
    manifest = read_manifest_of(v, "sweep")
    if manifest is None:
        return v
    design = manifest.get("design")
    if not isinstance(design, Mapping) or not isinstance(design.get("rows"), list):
        v.add("manifest.json", "no_design")
        return v
    columns = list(design.get("columns") or [])
    col = columns.index("point") if "point" in columns else 0
    ids = [str(row[col]) for row in design["rows"] if isinstance(row, list) and row]
    reps = manifest.get("replications")
    store = SweepStore(v.store)
    problems: dict[str, Msg] = {}
    total = 0
    for pid in ids:
        point_path = store.point_path(pid)
        try:
            data = point_path.read_bytes()
        except FileNotFoundError:
            continue  # counted below as not done
        except OSError as exc:
            problems[pid] = Msg(f"点文件无法读取：{exc}", f"point file unreadable: {exc}")
            continue
        what = store.point_problem(pid, data)
        if what is None:
            record = store.read_record(pid) or {}
            if is_int(reps) and record.get("rows") != reps:
                rows = record.get("rows")
                what = Msg(message("point_rows", "zh", got=rows, want=reps), message("point_rows", "en", got=rows, want=reps))
        if what is None:
            total += len(data)
        else:
            problems[pid] = what
    present = {pid for pid in ids if store.point_path(pid).is_file()}
    done = len(present) - len(problems)
    for pid, what in problems.items():
        v.add(store.point_path(pid).relative_to(v.store).as_posix(), "point", what=what)
    for pid in sorted(set(store.stored_point_dirs()) - set(ids)):
        v.add(f"points/point={pid}", "point_outside", point=pid)
    runs = manifest.get("runs")
    last = runs[-1] if isinstance(runs, list) and runs and isinstance(runs[-1], Mapping) else {}
    spec = manifest.get("spec_file") or "SPEC"
    if last.get("status") != "complete":
        v.add("manifest.json", "sweep_status", status=last.get("status"), done=done, total=len(ids), spec=spec,
              store=v.store)
    elif done < len(ids):
        v.add("points", "sweep_points", done=done, total=len(ids), spec=spec, store=v.store)
    v.counts = {"points": len(ids), "reps": int(reps) if is_int(reps) else 0, "bytes": total}
    return v


def verify_sweep_store(path: str | Path, lang: Lang = "zh") -> list[str]:
    """Problems found in a sweep store (empty when it is whole; see :func:`check_sweep_store`)."""
    return check_sweep_store(path, lang).problems


def require_whole_sweep(path: str | Path, lang: Lang = "zh") -> None:
    """Refuse a sweep store that fails verification, with one message.

    Raises:
        SweepStoreError: naming the store, the file and what is wrong (a
            :class:`~simulator.errors.StoreError` too).
    """
    raise_first(check_sweep_store(path, lang), SweepStoreError)


def store_kind_of(path: str | Path) -> str | None:
    """The ``kind`` in a store's manifest, or None when it cannot be read."""
    try:
        data = json.loads((Path(path) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    kind = data.get("kind") if isinstance(data, dict) else None
    return str(kind) if kind is not None else None


def check_store(path: str | Path, lang: Lang = "zh") -> Verification:
    """Verify a run or sweep store, whichever its manifest says it is."""
    if store_kind_of(path) == "sweep":
        return check_sweep_store(path, lang)
    return check_run_store(path, lang)
