"""A store proves itself before it is read: damaged, incomplete or unfinished stores are refused.

Each damage is applied to a copy of a small real run (200 replications of the
tiny city on the vectorised engine, 4 blocks) or a small real sweep (the
threshold toy), and must be refused by ``verify``, ``report``, ``export`` (run
stores) and ``sweep-summary`` (sweep stores) with exit status 2 and one message
naming the store and the file, never a traceback.  The intact store still
reports.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.errors import StoreError
from simulator.i18n import localized
from simulator.runner import RunOptions, run
from simulator.store import RunStore
from simulator.sweep.executors import SerialExecutor
from simulator.sweep.spec import spec_from_mapping
from simulator.sweep.store import SweepStore, SweepStoreError
from simulator.sweep.verify import require_whole_sweep, verify_sweep_store
from simulator.verify import check_run_store, require_whole, verify_run_store
from tests.engine_fixtures import tiny_city_yaml, write_and_load
from tests.sweep.toys import ThresholdFactory, ThresholdModel, run_sweep

REPS = 200


@pytest.fixture(scope="module")
def intact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete run store (read only: tests damage copies)."""
    root = tmp_path_factory.mktemp("verify")
    loaded = write_and_load(root, tiny_city_yaml())
    run(loaded, RunOptions(reps=REPS, seed=4, out=root / "run", engine="fast", progress=False))
    return root / "run"


@pytest.fixture()
def copy(intact: Path, tmp_path: Path) -> Path:
    d = tmp_path / "store"
    shutil.copytree(intact, d)
    return d


def invoke(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(main, list(args), obj={})
    return res.exit_code, res.stdout, res.stderr


def _edit(path: Path, change: Callable[[dict], None]) -> None:  # type: ignore[type-arg]
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _flip(path: Path, offset: int = 40) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


PART = "tables/draws/part-000050.parquet"


def _delete_part(d: Path) -> None:
    (d / PART).unlink()


def _copy_part(d: Path) -> None:
    shutil.copy(d / PART, d / "tables/draws/part-000250.parquet")


def _flip_part(d: Path) -> None:
    _flip(d / PART)


def _raise_reps(d: Path) -> None:
    def change(m: dict) -> None:  # type: ignore[type-arg]
        assert m["reps"] == 200
        m["reps"] = 500

    _edit(d / "manifest.json", change)


def _bad_probability(d: Path) -> None:
    def change(s: dict) -> None:  # type: ignore[type-arg]
        s["targets"][next(iter(s["targets"]))]["p_attained"] = 1.7

    _edit(d / "summary.json", change)


def _bad_share(d: Path) -> None:
    def change(s: dict) -> None:  # type: ignore[type-arg]
        s["funds"][next(iter(s["funds"]))]["variance_share"]["drawn"]["parameters"] = -0.2

    _edit(d / "summary.json", change)


def _status(status: str) -> Callable[[Path], None]:
    def damage(d: Path) -> None:
        _edit(d / "manifest.json", lambda m: m.update(status=status))

    return damage


DAMAGES: dict[str, tuple[Callable[[Path], None], str, str]] = {
    # name: (damage, file named in the message, words of the English message)
    "deleted part": (_delete_part, PART, "file not found"),
    "copied part": (_copy_part, "tables/draws/part-000250.parquet", "not listed in the manifest"),
    "bit-flipped part": (_flip_part, PART, "sha256 differs"),
    "reps raised 200 to 500": (_raise_reps, "tables/", "lacks replications 200..499"),
    "probability 1.7": (_bad_probability, "summary.json", "a probability must lie in [0, 1]"),
    "variance share -0.2": (_bad_share, "summary.json", "a variance share must lie in [0, 1]"),
    "status running": (_status("running"), "manifest.json", "status is running"),
    "status interrupted": (_status("interrupted"), "manifest.json", "status is interrupted"),
}


def test_intact_store_verifies_and_reports(intact: Path, tmp_path: Path) -> None:
    assert verify_run_store(intact) == []
    code, out, err = invoke("verify", str(intact))
    assert code == 0, err
    v = check_run_store(intact)
    assert v.counts["parts"] == 32 and v.counts["reps"] == REPS and v.counts["bytes"] > 0
    assert out.startswith("OK: ") and f"32 个分片，{REPS} 个重复，{v.counts['bytes']} 字节" in out
    code, out, _ = invoke("--lang", "en", "verify", str(intact))
    assert code == 0 and out.startswith("OK: ") and f"32 parts, {REPS} replications" in out
    code, out, err = invoke("report", str(intact), "--out", str(tmp_path / "r.pdf"))
    assert code == 0, err
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    code, out, err = invoke("export", str(intact), "--out", str(tmp_path / "r.xlsx"))
    assert code == 0, err
    assert RunStore(intact).table("targets")["rep"].nunique() == REPS


@pytest.mark.parametrize("name", list(DAMAGES))
def test_damaged_store_is_refused_by_every_reader(copy: Path, tmp_path: Path, name: str) -> None:
    damage, file, words = DAMAGES[name]
    damage(copy)
    problems = verify_run_store(copy, "en")
    assert problems, name
    assert any(p.startswith(f"{copy}: {file}") and words in p for p in problems), problems
    assert all(p.startswith(f"{copy}: ") and "\n" not in p for p in problems)
    assert verify_run_store(copy) != problems  # Chinese by default

    code, _out, err = invoke("--lang", "en", "verify", str(copy))
    assert code == 2 and words in err and "Traceback" not in err
    for args in (("report", str(copy), "--out", str(tmp_path / "r.pdf")),
                 ("report", str(copy), str(copy), "--out", str(tmp_path / "c.pdf")),
                 ("export", str(copy), "--out", str(tmp_path / "r.xlsx"))):
        code, out, err = invoke(*args)
        assert code == 2, (args, out, err)
        assert str(copy) in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "r.pdf").exists() and not (tmp_path / "r.xlsx").exists()
    with pytest.raises(StoreError, match=words.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        require_whole(copy, "en")
    with pytest.raises(StoreError):
        RunStore(copy)


def test_damage_reported_in_chinese_by_default(copy: Path) -> None:
    _flip_part(copy)
    code, _out, err = invoke("verify", str(copy))
    assert code == 2 and f"{copy}: {PART}: SHA-256 与记录不符" in err


def test_a_truncated_part_and_a_listed_part_with_wrong_rows(copy: Path) -> None:
    data = (copy / PART).read_bytes()
    (copy / PART).write_bytes(data[: len(data) // 2])
    assert any("truncated" in p for p in verify_run_store(copy, "en"))
    (copy / PART).write_bytes(data)

    def wrong_rows(m: dict) -> None:  # type: ignore[type-arg]
        rec = next(p for p in m["parts"] if p["file"] == PART)
        rec["rows"] += 1

    _edit(copy / "manifest.json", wrong_rows)
    assert any(PART in p and "rows, recorded" in p for p in verify_run_store(copy, "en"))


def test_summary_must_agree_with_the_manifest(copy: Path) -> None:
    def change(s: dict) -> None:  # type: ignore[type-arg]
        s["reps"] = 100
        fid = next(iter(s["funds"]))
        s["funds"][fid]["drawn_yuan"]["p95"] = -5
        s["funds"]["ghost"] = {}

    _edit(copy / "summary.json", change)
    problems = "\n".join(verify_run_store(copy, "en"))
    assert "'reps' is 100, the manifest says 200" in problems
    assert "extra: ghost" in problems
    assert "drawn_yuan.p95 = -5, an amount must be finite and not negative" in problems


def test_old_store_without_part_records_is_refused(copy: Path) -> None:
    _edit(copy / "manifest.json", lambda m: m.pop("parts"))
    assert any("no 'parts'" in p for p in verify_run_store(copy, "en"))


def test_run_reads_its_own_unfinished_store_through_the_journal(copy: Path) -> None:
    """The run's own summary read: status running, parts only in parts.jsonl."""
    m = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    parts = m["parts"]
    m.update(status="running", parts=[])
    (copy / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    (copy / "summary.json").unlink()
    (copy / "parts.jsonl").write_text("".join(json.dumps(p) + "\n" for p in parts), encoding="utf-8")
    with pytest.raises(StoreError) as info:
        RunStore(copy)
    assert "状态为 running" in localized(info.value, "zh") and "status is running" in localized(info.value, "en")
    assert str(info.value) == localized(info.value, "en")
    assert RunStore(copy, require_complete=False).table("targets")["rep"].nunique() == REPS
    _flip_part(copy)
    with pytest.raises(StoreError, match="sha256 differs") as info:
        RunStore(copy, require_complete=False)
    assert "SHA-256 与记录不符" in localized(info.value, "zh")


# --------------------------------------------------------------------------- sweeps

SWEEP = {
    "scenario": "toy:threshold",
    "design": "lhs",
    "samples": 12,
    "replications": 7,
    "seed": 21,
    "factors": {"x1": {"range": [0.0, 1.0]}, "x2": {"range": [0.0, 1.0]}},
}


@pytest.fixture(scope="module")
def sweep_intact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sweep") / "sweep"
    run_sweep(spec_from_mapping(SWEEP), out, SerialExecutor(), progress=False)
    return out


@pytest.fixture()
def sweep_copy(sweep_intact: Path, tmp_path: Path) -> Path:
    d = tmp_path / "sweep"
    shutil.copytree(sweep_intact, d)
    return d


def _point_files(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.glob("points/point=*/part-0.parquet"))}


def _sweep_summary(d: Path, lang: str = "zh") -> tuple[int, str, str]:
    return invoke("--lang", lang, "sweep-summary", str(d))


def test_intact_sweep_verifies(sweep_intact: Path) -> None:
    assert verify_sweep_store(sweep_intact) == []
    code, out, err = invoke("--lang", "en", "verify", str(sweep_intact))
    assert code == 0, err
    assert out.startswith("OK: ") and "12 points, 7 replications each" in out


@pytest.mark.parametrize("damage", ["truncated", "bit-flipped"])
def test_damaged_sweep_point_is_refused_then_recomputed_by_resume(sweep_copy: Path, damage: str) -> None:
    original = _point_files(sweep_copy)
    store = SweepStore(sweep_copy)
    path = store.point_path("p000003")
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:-30])
    else:
        _flip(path)
    assert "p000003" not in store.completed_points()
    assert len(store.completed_points()) == 11
    problems = verify_sweep_store(sweep_copy)
    assert any("points/point=p000003/part-0.parquet" in p for p in problems), problems
    code, out, err = _sweep_summary(sweep_copy)
    assert code == 2 and "p000003" in err and "Traceback" not in err, (out, err)
    assert not (sweep_copy / "summary.json").exists()
    code, _out, err = invoke("verify", str(sweep_copy))
    assert code == 2 and "p000003" in err
    with pytest.raises(SweepStoreError):
        require_whole_sweep(sweep_copy)
    # the in-memory analysis skips the damaged point instead of failing on it
    from simulator.sweep.analysis import summarise_sweep

    partial = summarise_sweep(sweep_copy, write=False)
    assert len(partial.points) == 11

    resumed = run_sweep(spec_from_mapping(SWEEP), sweep_copy, SerialExecutor(), progress=False, resume=True)
    assert (resumed.n_computed, resumed.n_skipped) == (1, 11)
    assert _point_files(sweep_copy) == original
    assert verify_sweep_store(sweep_copy) == []
    code, _out, err = _sweep_summary(sweep_copy)
    assert code == 0, err


def test_point_without_record_is_not_done(sweep_copy: Path) -> None:
    store = SweepStore(sweep_copy)
    store.record_path("p000004").unlink()
    assert "p000004" not in store.completed_points()
    assert any("p000004" in p and "record" in p for p in verify_sweep_store(sweep_copy))


def test_point_folder_outside_the_design_is_reported(sweep_copy: Path) -> None:
    shutil.copytree(sweep_copy / "points" / "point=p000001", sweep_copy / "points" / "point=p000099")
    assert any("p000099" in p and "not in the design" in p for p in verify_sweep_store(sweep_copy, "en"))


@dataclass(frozen=True)
class _StopFactory:
    """The threshold toy, stopped (as by Ctrl-C) at the points whose x1 is above a cut."""

    cut: float

    def build(self) -> _StopModel:
        return _StopModel(self.cut)


@dataclass(frozen=True)
class _StopModel:
    cut: float

    def run_block(self, values: Mapping[str, object], reps: Sequence[int], seed: int) -> pd.DataFrame:
        if float(values["x1"]) > self.cut:  # type: ignore[arg-type]
            raise KeyboardInterrupt
        return ThresholdModel().run_block(values, reps, seed)


def test_sweep_stopped_early_is_refused_as_incomplete(tmp_path: Path) -> None:
    from simulator.sweep.design import build_design

    spec = spec_from_mapping(SWEEP)
    x1 = build_design(spec).table["x1"]
    cut = float(x1.iloc[4])  # the design order reaches a point above it after a few points
    out = tmp_path / "stopped"
    with pytest.raises(KeyboardInterrupt):
        run_sweep(spec, out, SerialExecutor(), progress=False, factory=_StopFactory(cut))
    store = SweepStore(out)
    assert store.read_manifest()["runs"][-1]["status"] == "interrupted"
    done = len(store.completed_points())
    assert 0 < done < 12
    problems = verify_sweep_store(out, "en")
    assert any(f"status interrupted, {done} of 12 points" in p and "--resume" in p for p in problems), problems
    code, _out, err = _sweep_summary(out)
    assert code == 2 and "扫描未完成" in err and "--resume" in err and "Traceback" not in err
    assert not (out / "summary.json").exists()
    # a summary made earlier (or by hand) does not make the report accept the store
    from simulator.sweep.analysis import summarise_sweep

    summarise_sweep(out, write=False)
    (out / "summary.json").write_text(json.dumps({"kind": "sweep-summary"}), encoding="utf-8")
    code, _out, err = invoke("report", str(out), "--out", str(tmp_path / "s.pdf"))
    assert code == 2 and "--resume" in err and "Traceback" not in err
    assert not (tmp_path / "s.pdf").exists()
    run_sweep(spec, out, SerialExecutor(), progress=False, resume=True, factory=ThresholdFactory())
    assert verify_sweep_store(out) == []


def test_verify_of_a_folder_that_is_no_store(tmp_path: Path) -> None:
    code, _out, err = invoke("--lang", "en", "verify", str(tmp_path))
    assert code == 2 and f"{tmp_path}: manifest.json: file not found: not a result store" in err
    code, _out, err = invoke("verify", str(tmp_path / "missing"))
    assert code == 2 and "不是目录" in err and "Traceback" not in err
