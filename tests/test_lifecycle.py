"""Life cycle of a run: one lock per store, clean interruption, resume, workers that die with their parent.

Most tests start real ``fiscalsim`` processes and signal them, as a user's
Ctrl-C, ``kill`` or ``kill -9`` would.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.commands import resume_command
from simulator.lock import LOCK_FILE, LockHeld, holder_of, store_lock
from simulator.runner import RunError, RunOptions, run
from simulator.schema import TABLE_NAMES as TABLES
from simulator.storeio import JOURNAL
from simulator.sweep.store import SweepStore, SweepStoreError
from tests.engine_fixtures import tiny_city_yaml, write_and_load
from tests.sweep.toys import subprocess_env

ROOT = Path(__file__).resolve().parents[1]
REPS = 600
"""Replications of the interrupted runs: 12 blocks of 50 on the vectorised engine (about 4 s here)."""

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="signals and flock as on Linux")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("FISCALSIM_PROGRESS", None)
    return env


def _fiscalsim(*args: str | Path, cwd: Path, new_session: bool = False) -> subprocess.Popen[str]:
    """Start the real command line in its own process (leading its own process group if ``new_session``)."""
    return subprocess.Popen([sys.executable, "-m", "simulator.cli", *map(str, args)], cwd=cwd, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=new_session)


def _wait_for(check: Callable[[], bool], proc: subprocess.Popen[str] | None = None, timeout: float = 60.0) -> None:
    """Poll until ``check()`` holds; fail if ``proc`` ends first or the time runs out."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"process ended (status {proc.returncode}) before the condition held:\n{out}\n{err}")
        time.sleep(0.05)
    pytest.fail("timed out waiting")


def _journal_blocks(out: Path) -> int:
    """Blocks recorded in a run's journal so far."""
    try:
        return (out / JOURNAL).read_text(encoding="utf-8").count("\n") // len(TABLES)
    except FileNotFoundError:
        return 0


def _manifest(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return data


def _assert_whole(out: Path) -> None:
    """A complete run store: status complete, every listed part on disk with its size and hash, no other part."""
    m = _manifest(out)
    assert m["status"] == "complete"
    assert (out / "summary.json").is_file()
    for rec in m["parts"]:
        data = (out / rec["file"]).read_bytes()
        assert len(data) == rec["bytes"] and hashlib.sha256(data).hexdigest() == rec["sha256"], rec["file"]
    on_disk = sorted(p.relative_to(out).as_posix() for p in (out / "tables").rglob("*") if p.is_file())
    assert on_disk == sorted(r["file"] for r in m["parts"])
    blocks = {(r["first_rep"], r["last_rep"]) for r in m["parts"]}
    assert sorted(blocks)[0][0] == 0 and sorted(blocks)[-1][1] == m["reps"]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny test city as a scenario file."""
    d = tmp_path_factory.mktemp("scenario")
    path = d / "tiny.yaml"
    path.write_text(tiny_city_yaml(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference(scenario: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """summary.json of an uninterrupted run of :data:`REPS` replications with seed 7."""
    out = tmp_path_factory.mktemp("ref") / "run"
    res = CliRunner().invoke(main, ["run", str(scenario), "--reps", str(REPS), "--seed", "7", "--out", str(out)],
                             obj={})
    assert res.exit_code == 0, res.output
    return (out / "summary.json").read_bytes()


# --------------------------------------------------------------------------- the lock


def test_lock_names_its_holder_and_is_emptied_on_release(tmp_path: Path) -> None:
    store = tmp_path / "s"
    with store_lock(store) as lock:
        assert lock.stale is None
        holder = holder_of(store)
        assert holder is not None and holder.pid == os.getpid() and holder.on_this_host
        record = json.loads((store / LOCK_FILE).read_text(encoding="utf-8"))
        assert record["pid"] == os.getpid() and record["host"]
    assert holder_of(store) is None
    assert (store / LOCK_FILE).read_text(encoding="utf-8") == ""
    assert holder_of(tmp_path / "nowhere") is None and not (tmp_path / "nowhere").exists()


def test_stale_lock_of_a_dead_process_is_reported_and_taken_over(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    store = tmp_path / "s"
    store.mkdir()
    (store / LOCK_FILE).write_text(json.dumps({"pid": dead.pid, "host": os.uname().nodename,
                                               "since": "2026-01-01T00:00:00+00:00"}), encoding="utf-8")
    with store_lock(store) as lock:
        assert lock.stale is not None and lock.stale.pid == dead.pid
        assert lock.stale.alive() is False
        zh, en = lock.stale_message("zh"), lock.stale_message("en")
        assert zh is not None and "过期" in zh and str(dead.pid) in zh and "已不在运行" in zh
        assert en is not None and "stale lock" in en and str(dead.pid) in en and "no longer running" in en


def test_second_writer_is_told_who_holds_the_lock(tmp_path: Path) -> None:
    store = tmp_path / "s"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom simulator.lock import store_lock\n"
         f"with store_lock({str(store)!r}):\n    print('held', flush=True)\n    time.sleep(60)\n"],
        env=_env(), stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(LockHeld) as info, store_lock(store):
            pass
        assert info.value.holder is not None and info.value.holder.pid == holder.pid
        assert str(holder.pid) in info.value.message("zh") and "正在写入" in info.value.message("zh")
        assert str(holder.pid) in info.value.message("en") and "is writing" in info.value.message("en")
        with pytest.raises(SweepStoreError, match=f"another sweep is writing.*process {holder.pid}"), \
                SweepStore(store).locked():
            pass
    finally:
        holder.kill()
        holder.wait()
    with store_lock(store) as lock:  # the kernel released the dead holder's lock
        assert lock.stale is not None and lock.stale.pid == holder.pid


def test_force_while_another_run_writes_is_refused_without_touching_the_store(scenario: Path,
                                                                              tmp_path: Path) -> None:
    out = tmp_path / "run"
    first = _fiscalsim("run", scenario, "--reps", "1000", "--seed", "3", "--out", out, "--jobs", "1", cwd=tmp_path)
    try:
        _wait_for(lambda: _journal_blocks(out) >= 1, first)
        before = {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*")
                  if p.is_file() and p.name not in (JOURNAL, "manifest.json")}
        second = _fiscalsim("--lang", "en", "run", scenario, "--reps", "10", "--out", out, "--force", cwd=tmp_path)
        _, err = second.communicate(timeout=120)
        assert second.returncode == 2, err
        assert err.count("\n") == 1 and "Traceback" not in err
        assert f"process {first.pid}" in err and "is writing" in err
        assert first.poll() is None, "the first run ended before the check; make it longer"
        after = {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
        assert all(after.get(k) == v for k, v in before.items())  # nothing deleted nor rewritten
        assert holder_of(out) is not None and holder_of(out).pid == first.pid  # type: ignore[union-attr]
        # without --force, the message is the same (not "already exists")
        third = _fiscalsim("run", scenario, "--reps", "10", "--out", out, cwd=tmp_path)
        _, err3 = third.communicate(timeout=120)
        assert third.returncode == 2 and f"进程 {first.pid}" in err3 and "正在写入" in err3
        _, err1 = first.communicate(timeout=300)
        assert first.returncode == 0, err1
    finally:
        if first.poll() is None:
            first.kill()
    _assert_whole(out)
    assert _manifest(out)["reps"] == 1000


# --------------------------------------------------------------------------- interruption and resume


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_the_run_cleanly_and_resume_gives_the_same_summary(
        sig: signal.Signals, scenario: Path, reference: bytes, tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["run", scenario, "--reps", str(REPS), "--seed", "7", "--out", out]
    if sig == signal.SIGINT:  # Ctrl-C in a terminal: the whole process group (workers too) gets SIGINT
        proc = _fiscalsim(*args, "--jobs", "2", cwd=tmp_path, new_session=True)
        _wait_for(lambda: _journal_blocks(out) >= 1, proc)
        os.killpg(proc.pid, sig)
    else:  # kill PID: only the run itself
        proc = _fiscalsim("--lang", "en", *args, cwd=tmp_path)
        _wait_for(lambda: _journal_blocks(out) >= 1, proc)
        proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, err
    assert "Traceback" not in err and err.count("\n") == 1
    cmd = resume_command(scenario, out)
    if sig == signal.SIGINT:
        assert err.startswith("已中断") and cmd in err
    else:
        assert err.startswith("Interrupted") and "to resume" in err and cmd in err
    m = _manifest(out)
    assert m["status"] == "interrupted" and not (out / "summary.json").exists()
    kept = _journal_blocks(out)
    assert 1 <= kept < REPS // 50
    assert holder_of(out) is None
    res = CliRunner().invoke(main, ["run", str(scenario), "--out", str(out), "--resume"], obj={})
    assert res.exit_code == 0, res.output
    assert (out / "summary.json").read_bytes() == reference
    _assert_whole(out)
    m = _manifest(out)
    assert m["timings"]["blocks_reused"] >= kept and not (out / JOURNAL).exists()


def test_sigkilled_run_resumes_to_the_same_summary(scenario: Path, reference: bytes, tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = _fiscalsim("run", scenario, "--reps", str(REPS), "--seed", "7", "--out", out, "--jobs", "2", cwd=tmp_path)
    _wait_for(lambda: _journal_blocks(out) >= 2, proc)
    proc.kill()
    proc.wait()
    assert _manifest(out)["status"] == "running"
    res = CliRunner().invoke(main, ["run", str(scenario), "--out", str(out), "--resume"], obj={})
    assert res.exit_code == 0, res.output
    assert "过期的锁" in res.stderr and str(proc.pid) in res.stderr
    assert (out / "summary.json").read_bytes() == reference
    _assert_whole(out)


def test_resume_keeps_verified_blocks_and_redoes_damaged_or_unrecorded_ones(tmp_path: Path) -> None:
    loaded = write_and_load(tmp_path, tiny_city_yaml())
    ref = tmp_path / "ref"
    run(loaded, RunOptions(reps=9, seed=4, out=ref, block=2, progress=False))
    out = tmp_path / "run"
    run(loaded, RunOptions(reps=9, seed=4, out=out, block=2, progress=False))
    m = _manifest(out)
    # Make it look stopped: blocks 0-1 and 2-3 recorded, 2-3's draws part damaged, block 4-5 written but not
    # recorded (killed before the journal line), 6-7 half written, plus a temporary file and a summary.
    recorded = [r for r in m["parts"] if r["first_rep"] in (0, 2)]
    (out / JOURNAL).write_text("".join(json.dumps(r) + "\n" for r in recorded) + '{"table": "dra',
                               encoding="utf-8")
    damaged = out / "tables" / "draws" / "part-000002.parquet"
    damaged.write_bytes(damaged.read_bytes()[:-3] + b"xyz")
    for t in TABLES[3:]:
        (out / "tables" / t / "part-000006.parquet").unlink()
    for t in TABLES:
        (out / "tables" / t / "part-000008.parquet").unlink()
    (out / "tables" / "claims" / ".part-000008.parquet.123.tmp").write_bytes(b"half")
    m.update(status="interrupted", parts=[])
    (out / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    keep_mtime = (out / "tables" / "targets" / "part-000000.parquet").stat().st_mtime_ns
    time.sleep(0.01)
    run(loaded, RunOptions(reps=9, seed=4, out=out, block=2, progress=False, resume=True))
    assert (out / "summary.json").read_bytes() == (ref / "summary.json").read_bytes()
    _assert_whole(out)
    assert _manifest(out)["timings"]["blocks_reused"] == 1  # only block 0-1 verified
    assert (out / "tables" / "targets" / "part-000000.parquet").stat().st_mtime_ns == keep_mtime
    assert not (out / "tables" / "claims" / ".part-000008.parquet.123.tmp").exists()
    for t in TABLES:
        for f in (2, 4, 6, 8):
            assert (out / "tables" / t / f"part-{f:06d}.parquet").read_bytes() == \
                (ref / "tables" / t / f"part-{f:06d}.parquet").read_bytes()


def test_resume_refuses_a_different_run_and_says_what_differs(scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    loaded = write_and_load(tmp_path, tiny_city_yaml())
    run(loaded, RunOptions(reps=4, seed=1, out=out, block=2, progress=False))
    m = _manifest(out)
    m["status"] = "interrupted"
    (out / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))

    def resume(*extra: str, lang: str = "zh") -> tuple[int, str]:
        res = CliRunner().invoke(main, ["--lang", lang, "run", str(tmp_path / "tiny.yaml"), "--out", str(out),
                                        "--resume", *extra], obj={})
        return res.exit_code, res.stderr

    code, err = resume("--seed", "2", lang="en")
    assert code == 2 and "seed was 1, now 2" in err and err.count("\n") == 1
    code, err = resume("--reps", "6")
    assert code == 2 and "reps 原为 4，现为 6" in err
    code, err = resume("--set", "funds.city-fund.year_end=lapse", lang="en")
    assert code == 2 and "scenario differs" in err and "tiny.yaml" in err
    code, err = resume("--engine", "fast", lang="en")  # 4 replications ran on the SimPy engine (auto)
    assert code == 2 and "engine was des, now fast" in err
    code, err = resume("--force")
    assert code == 2 and "--resume" in err and "--force" in err
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == before
    with pytest.raises(RunError, match="block was 2, now 3"):
        run(loaded, RunOptions(reps=4, seed=1, out=out, block=3, progress=False, resume=True))
    # a folder that is not a result store
    notes = tmp_path / "notes"
    notes.mkdir()
    res = CliRunner().invoke(main, ["run", str(tmp_path / "tiny.yaml"), "--out", str(notes), "--resume"], obj={})
    assert res.exit_code == 2 and "不是 fiscalsim 结果目录" in res.stderr and res.stderr.count("\n") == 1
    assert list(notes.iterdir()) == []


def test_new_run_into_an_unfinished_store_points_to_resume(tmp_path: Path) -> None:
    loaded = write_and_load(tmp_path, tiny_city_yaml())
    out = tmp_path / "run"
    run(loaded, RunOptions(reps=2, seed=1, out=out, progress=False))
    m = _manifest(out)
    m["status"] = "interrupted"
    (out / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    with pytest.raises(RunError, match=r"unfinished run.*--resume"):
        run(loaded, RunOptions(reps=2, seed=1, out=out, progress=False))
    cmd = resume_command(tmp_path / "tiny.yaml", out)
    for status in ("interrupted", "running"):
        m["status"] = status
        (out / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
        for args in (["report", str(out), "--out", str(tmp_path / "r.pdf")],
                     ["export", str(out), "--out", str(tmp_path / "r.xlsx")]):
            res = CliRunner().invoke(main, args, obj={})
            assert res.exit_code == 2 and res.stderr.count("\n") == 1, res.output
            assert f"状态为 {status}" in res.stderr and cmd in res.stderr
    assert not (tmp_path / "r.pdf").exists() and not (tmp_path / "r.xlsx").exists()
    res = CliRunner().invoke(main, ["run", str(tmp_path / "tiny.yaml"), "--out", str(out), "--resume"], obj={})
    assert res.exit_code == 0, res.output
    assert _manifest(out)["status"] == "complete"
    res = CliRunner().invoke(main, ["run", str(tmp_path / "tiny.yaml"), "--out", str(out), "--resume"], obj={})
    assert res.exit_code == 0 and "已完成" in res.stderr


# --------------------------------------------------------------------------- workers die with their parent


def _workers_of(parent: psutil.Process) -> list[psutil.Process]:
    try:
        return parent.children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _spawned(procs: list[psutil.Process]) -> int:
    n = 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            n += "spawn_main" in " ".join(p.cmdline())
    return n


def _assert_children_die_with(proc: subprocess.Popen[str], working: Callable[[], bool]) -> None:
    """SIGKILL ``proc`` once ``working()`` says its workers compute; none of its children may outlive it by 8 s.

    The workers are watched once they have started (their start-up imports
    happen before any code of the project runs in them): a worker killed
    orphan during its start-up ends as soon as that start-up is over.
    """
    parent = psutil.Process(proc.pid)
    _wait_for(lambda: working() and _spawned(_workers_of(parent)) >= 2, proc, timeout=120)
    children = _workers_of(parent)  # the workers and multiprocessing's resource tracker
    assert len(children) >= 3, [c.cmdline() for c in children]
    proc.kill()
    proc.wait()
    end = time.monotonic() + 8
    alive = children
    while alive and time.monotonic() < end:
        time.sleep(0.2)
        alive = [p for p in alive if _running(p)]
    try:
        assert not alive, f"still alive 8 s after the parent was killed: {[p.pid for p in alive]}"
    finally:
        for p in alive:
            with contextlib.suppress(psutil.Error):
                p.kill()


def _running(p: psutil.Process) -> bool:
    """Whether a process still runs (a zombie has ended; only its exit status waits to be collected)."""
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def test_run_workers_die_when_the_run_is_killed(scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = _fiscalsim("run", scenario, "--reps", "100000", "--jobs", "2", "--out", out, cwd=tmp_path)
    _assert_children_die_with(proc, lambda: _journal_blocks(out) >= 2)


def test_sweep_workers_die_when_the_sweep_is_killed(tmp_path: Path) -> None:
    spec = tmp_path / "sweep.yaml"
    spec.write_text("scenario: toy:threshold?sleep=0.5\ndesign: grid\nreplications: 4\nseed: 2\n"
                    "factors:\n  x1: {range: [0.0, 1.0], count: 200}\n", encoding="utf-8")
    out = tmp_path / "sweep"
    # the toy model is a test model: the sweep command that knows it is the tests' own
    proc = subprocess.Popen([sys.executable, "-m", "tests.sweep.toys", "sweep", str(spec), "--out", str(out),
                             "--jobs", "2"], cwd=tmp_path, env=subprocess_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    _assert_children_die_with(proc, lambda: len(list(out.glob("points/point=*/part-0.parquet"))) >= 2)


def test_report_on_a_folder_that_is_not_a_store_says_so_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    for lang, words, other in (("zh", "不是 fiscalsim 结果目录", "not a fiscalsim result store"),
                               ("en", "not a fiscalsim result store", "不是 fiscalsim 结果目录")):
        res = CliRunner().invoke(main, ["--lang", lang, "report", str(tmp_path / "notes"), "--out",
                                        str(tmp_path / "r.pdf")], obj={})
        assert res.exit_code == 2 and res.stderr.count("\n") == 1 and "Traceback" not in res.output
        assert words in res.stderr and other not in res.stderr
