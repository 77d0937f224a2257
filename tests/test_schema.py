"""One definition of the result tables (simulator/schema.py), used by the writers and the readers."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from simulator.report.store import TABLE_COLUMNS
from simulator.runner import RunOptions, run
from simulator.schema import TABLES, column_names, report_columns, whole_yuan
from tests.engine_fixtures import tiny_city_yaml, write_and_load

ARROW = {"int32": "int32", "int64": "int64", "float64": "double", "bool": "bool", "string": "string"}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("schema")
    loaded = write_and_load(root, tiny_city_yaml())
    run(loaded, RunOptions(reps=12, seed=9, out=root / "run", engine="fast", block=6, progress=False))
    return root / "run"


def test_written_tables_follow_the_schema(store: Path) -> None:
    for name, columns in TABLES.items():
        for part in sorted((store / "tables" / name).glob("*.parquet")):
            schema = pq.read_schema(part)
            assert schema.names == list(column_names(name)), part
            for col in columns:
                assert str(schema.field(col.name).type) == ARROW[col.dtype], (part, col)
                if col.unit == "fen":
                    assert col.name.endswith("_fen")


def test_the_report_reads_the_schema_columns() -> None:
    assert set(TABLE_COLUMNS) == set(TABLES)
    for name in TABLES:
        assert TABLE_COLUMNS[name] == report_columns(name)
        assert set(report_columns(name)) <= set(column_names(name))


@pytest.mark.parametrize(
    ("fen", "yuan"),
    [(0, 0), (49.999, 0), (50, 1), (149.5, 1), (150, 2), (12_345_650.0, 123_457), (-50, -1), (-149, -1)],
)
def test_whole_yuan_rounds_to_nearest_halves_away_from_zero(fen: float, yuan: int) -> None:
    got = whole_yuan(fen)
    assert got == yuan and isinstance(got, int)


def test_whole_yuan_refuses_a_non_finite_amount() -> None:
    with pytest.raises(ValueError, match="not finite"):
        whole_yuan(float("nan"))


def _money_leaves(block: object, path: str, in_money: bool) -> list[tuple[str, object]]:
    if isinstance(block, dict):
        out = []
        for k, v in block.items():
            out += _money_leaves(v, f"{path}.{k}", in_money or str(k).endswith("_yuan") or (path == "" and k == "levels"))
        return out
    return [(path, block)] if in_money and block is not None else []


def test_summary_money_is_whole_yuan(store: Path) -> None:
    summary = json.loads((store / "summary.json").read_text(encoding="utf-8"))
    leaves = _money_leaves(summary, "", False)
    assert len(leaves) > 50
    bad = [(p, v) for p, v in leaves if not isinstance(v, int) or isinstance(v, bool)]
    assert not bad, bad[:5]
    manifest = json.loads((store / "manifest.json").read_text(encoding="utf-8"))
    for fid, fund in summary["funds"].items():
        appropriated = sum(manifest["funds"][fid]["appropriations_fen"].values())
        assert fund["appropriated_yuan"] == whole_yuan(appropriated)
