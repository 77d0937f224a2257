"""The writer side of a self-verifying store: part records in the manifest and the run's journal."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from simulator.runner import RunOptions, run, run_block
from simulator.schema import TABLE_NAMES as TABLES
from simulator.storeio import JOURNAL, read_journal
from simulator.uncertainty.draws import build_plan
from tests.engine_fixtures import tiny_city_yaml, write_and_load


@pytest.mark.parametrize("jobs", [1, 2])
def test_manifest_lists_every_part_with_its_size_hash_and_replications(tmp_path: Path, jobs: int) -> None:
    loaded = write_and_load(tmp_path, tiny_city_yaml())
    out = tmp_path / "r"
    run(loaded, RunOptions(reps=5, seed=2, out=out, progress=False, block=2, engine="fast", jobs=jobs))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    parts = manifest["parts"]
    assert manifest["status"] == "complete"
    assert [(p["table"], p["first_rep"]) for p in parts] == sorted((t, f) for t in TABLES for f in (0, 2, 4))
    on_disk = sorted(str(p.relative_to(out)).replace("\\", "/") for p in out.rglob("*.parquet"))
    assert sorted(p["file"] for p in parts) == on_disk
    for p in parts:
        data = (out / p["file"]).read_bytes()
        assert p["bytes"] == len(data)
        assert p["sha256"] == hashlib.sha256(data).hexdigest()
        assert p["last_rep"] == min(p["first_rep"] + 2, 5)
        assert p["file"] == f"tables/{p['table']}/part-{p['first_rep']:06d}.parquet"
        assert isinstance(p["rows"], int) and p["rows"] >= 0
    targets = [p for p in parts if p["table"] == "targets"]
    assert sum(p["rows"] for p in targets) == 5 * len(manifest["targets"])
    assert not (out / JOURNAL).exists()  # consolidated into the manifest


def test_run_block_returns_records_computed_from_the_bytes_it_wrote(tmp_path: Path) -> None:
    loaded = write_and_load(tmp_path, tiny_city_yaml())
    out = tmp_path / "r"
    events, _dt, parts = run_block(build_plan(loaded, fixed=True), loaded.scenario, 3, 4, 7, 7, "des", out)
    assert events > 0
    assert {p["table"] for p in parts} == set(TABLES)
    for p in parts:
        assert (p["first_rep"], p["last_rep"]) == (4, 7)
        data = (out / p["file"]).read_bytes()
        assert (p["bytes"], p["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())


def test_journal_is_appended_per_block_and_a_torn_last_line_is_skipped(tmp_path: Path) -> None:
    from simulator.storeio import append_journal

    rec = {"table": "draws", "file": "tables/draws/part-000000.parquet", "bytes": 1, "sha256": "00",
           "first_rep": 0, "last_rep": 1, "rows": 0}
    append_journal(tmp_path, [rec])
    append_journal(tmp_path, [{**rec, "first_rep": 1, "last_rep": 2}])
    with open(tmp_path / JOURNAL, "a", encoding="utf-8") as fh:
        fh.write('{"table": "dra')
    assert [r["first_rep"] for r in read_journal(tmp_path)] == [0, 1]
