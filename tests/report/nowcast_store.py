"""Turn a finished run store into the store of a nowcast run, as the runner records one.

The runner writes a nowcast run's actual figures into ``manifest.json``
(key ``actuals``: the file, its sha256, the as-of date, one record per row in
model units) and its date into ``summary.json`` (``as_of``). Neither file is
covered by a part hash (only the Parquet parts are), so the records are added
through the store's own JSON writer and the store is then verified as the
report verifies it. The tables are left as they are: the figures they hold
are not held to these actuals, which is enough for the report's layout.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simulator.storeio import atomic_write_json
from simulator.verify import check_run_store

Row = tuple[str, str, str, float, str, str]
"""``(date, id, kind, value in model units, unit as written, note)``: one row of an actuals file."""


def actuals_csv(rows: Sequence[Row]) -> str:
    """The actuals file the rows come from (``date,id,value,unit,note``; funds written in yuan)."""
    lines = ["date,id,value,unit,note"]
    for date, ident, kind, value, unit, note in rows:
        shown = value / 100 if kind == "fund" and not unit else value
        lines.append(f"{date},{ident},{shown:g},{unit},{note}")
    return "\n".join(lines) + "\n"


def add_actuals(store: Path, csv_path: Path, as_of: str, rows: Sequence[Row], *,
                conditioned: bool = False) -> dict[str, Any]:
    """Write the actuals file, record it in the store like the runner does, and verify the store.

    Args:
        store: a complete run store.
        csv_path: where to write the actuals file (its path is recorded as given).
        as_of: ``YYYY-MM-DD``.
        rows: the rows; their line numbers are those of the written file.
        conditioned: the manifest's ``parameters_conditioned``.

    Returns:
        The ``actuals`` record written into the manifest.
    """
    text = actuals_csv(rows)
    csv_path.write_text(text, encoding="utf-8")
    record = {
        "file": str(csv_path),
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "as_of": as_of,
        "rows": [{"line": i, "date": d, "id": ident, "kind": kind, "value": value, "unit": unit, "note": note}
                 for i, (d, ident, kind, value, unit, note) in enumerate(rows, start=2)],
        "parameters_conditioned": conditioned,
    }
    manifest = json.loads((store / "manifest.json").read_text(encoding="utf-8"))
    summary = json.loads((store / "summary.json").read_text(encoding="utf-8"))
    manifest["actuals"] = record
    summary["as_of"] = as_of
    atomic_write_json(store / "manifest.json", manifest)
    atomic_write_json(store / "summary.json", summary)
    problems = check_run_store(store).problems
    assert not problems, problems
    return record
