"""A store proves itself before it is read: verify run and sweep stores.

A run store's manifest lists every part file with its size, sha256, the
replications it holds and its rows (see docs/store-format.md).  Verification
checks, without trusting anything on disk that the manifest does not vouch
for:

* the manifest parses, is a run store of a known format, and is ``complete``;
* every listed part exists with the recorded size, sha256 and row count, and
  no part file on disk is left unlisted (a copied or stray part);
* each table's parts cover replications ``0..reps-1`` exactly once;
* ``summary.json`` exists and agrees with the manifest (replications, targets,
  funds), its probabilities lie in [0, 1] and its amounts are finite and not
  negative.

Sweep stores are verified by :mod:`simulator.sweep.verify` with the same
:class:`Verification` and messages.

Every problem is one line naming the store, the file and what is wrong, in
Chinese by default or English.  :func:`require_whole` raises the project's
:class:`~simulator.errors.StoreError` (exit status 2 at the command line).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

import pyarrow as pa
import pyarrow.parquet as pq

from simulator.commands import resume_command_of
from simulator.errors import StoreError
from simulator.i18n import Lang, Msg, pick
from simulator.schema import TABLE_NAMES
from simulator.storeio import read_journal

SUPPORTED_FORMAT = 1
_HEX64 = re.compile(r"[0-9a-f]{64}")

MESSAGES: dict[str, dict[str, str]] = {
    "not_dir": {"zh": "不是目录（应为结果库）", "en": "not a directory (expected a result store)"},
    "no_manifest": {"zh": "文件缺失，不是结果库；先运行 fiscalsim run 或 fiscalsim sweep",
                    "en": "file not found: not a result store; run `fiscalsim run` or `fiscalsim sweep` first"},
    "no_file": {"zh": "文件缺失", "en": "file not found"},
    "unreadable": {"zh": "无法读取（{err}）", "en": "cannot be read ({err})"},
    "bad_json": {"zh": "不是有效的 JSON（第 {line} 行：{msg}）", "en": "not valid JSON (line {line}: {msg})"},
    "not_object": {"zh": "顶层应为 JSON 对象", "en": "expected a JSON object at the top level"},
    "kind": {"zh": "kind 为 {got}，应为 {want}", "en": "'kind' is {got}, expected {want}"},
    "format": {"zh": "存储格式 {got} 不受支持（应为 {want}）", "en": "store format {got} is not supported (expected {want})"},
    "reps": {"zh": "reps 为 {got}，应为正整数", "en": "'reps' is {got}, expected a positive integer"},
    "status": {"zh": "状态为 {status}，不是 complete：{why}", "en": "status is {status}, not complete: {why}"},
    "why_running": {"zh": "运行尚未结束（或写入进程已被终止）；等它结束，或续算：{cmd}",
                    "en": "the run has not finished (or its writer was killed); wait for it, or resume it: {cmd}"},
    "why_interrupted": {"zh": "运行被中断；续算：{cmd}",
                        "en": "the run was interrupted; resume it: {cmd}"},
    "why_other": {"zh": "未知状态", "en": "unknown status"},
    "no_parts": {"zh": "没有 parts（分片记录）：无法核验分片文件（由旧版本写入？请重新运行）",
                 "en": "no 'parts' (part records): the part files cannot be verified (written by an older "
                       "version? run it again)"},
    "bad_record": {"zh": "parts[{i}] 格式错误：{what}", "en": "parts[{i}] is malformed: {what}"},
    "dup_record": {"zh": "在 parts 中出现不止一次", "en": "listed more than once in 'parts'"},
    "missing": {"zh": "文件缺失（manifest 中列出）", "en": "file not found (listed in the manifest)"},
    "size": {"zh": "大小为 {got} 字节，记录为 {want} 字节（被截断或替换）",
             "en": "size is {got} bytes, recorded {want} (truncated or replaced)"},
    "hash": {"zh": "SHA-256 与记录不符（文件已损坏或被替换）",
             "en": "sha256 differs from the record (the file is damaged or replaced)"},
    "not_parquet": {"zh": "不是有效的 Parquet 文件（{err}）", "en": "not a readable Parquet file ({err})"},
    "rows": {"zh": "行数为 {got}，记录为 {want}", "en": "has {got} rows, recorded {want}"},
    "extra": {"zh": "manifest 中没有这个文件（复制或残留的分片）",
              "en": "not listed in the manifest (a copied or stray part)"},
    "no_table": {"zh": "表 {table} 没有分片", "en": "table {table} has no part"},
    "gap": {"zh": "表 {table} 缺少重复 {a}..{b}", "en": "table {table} lacks replications {a}..{b}"},
    "overlap": {"zh": "表 {table} 的重复 {a}..{b} 出现不止一次",
                "en": "table {table} holds replications {a}..{b} more than once"},
    "beyond": {"zh": "表 {table} 的分片超出 reps={reps}（到 {last}）",
               "en": "table {table} has parts beyond reps={reps} (up to {last})"},
    "summary_reps": {"zh": "reps 为 {got}，manifest 为 {want}", "en": "'reps' is {got}, the manifest says {want}"},
    "summary_ids": {"zh": "{key} 与 manifest 不一致（多出：{extra}；缺少：{missing}）",
                    "en": "{key} disagree with the manifest (extra: {extra}; missing: {missing})"},
    "summary_block": {"zh": "{key} 应为按 id 索引的对象", "en": "'{key}' must be an object keyed by id"},
    "probability": {"zh": "{path} = {value}，概率应在 [0, 1] 内", "en": "{path} = {value}, a probability must lie in [0, 1]"},
    "share": {"zh": "{path} = {value}，方差份额应在 [0, 1] 内", "en": "{path} = {value}, a variance share must lie in [0, 1]"},
    "amount": {"zh": "{path} = {value}，金额应为有限的非负数",
               "en": "{path} = {value}, an amount must be finite and not negative"},
    "not_finite": {"zh": "{path} = {value}，应为有限数", "en": "{path} = {value}, expected a finite number"},
    "more": {"zh": "（另有 {n} 个问题；查看全部：fiscalsim verify {store}）",
             "en": " (and {n} more problem(s); see them all: fiscalsim verify {store})"},
    "sweep_status": {"zh": "扫描未完成（状态 {status}，{done}/{total} 个点）；续算：fiscalsim sweep {spec} --out {store} "
                           "--resume",
                     "en": "the sweep is incomplete (status {status}, {done} of {total} points); resume it: "
                           "fiscalsim sweep {spec} --out {store} --resume"},
    "sweep_points": {"zh": "扫描未完成：{done}/{total} 个点完好；续算：fiscalsim sweep {spec} --out {store} --resume",
                     "en": "the sweep is incomplete: {done} of {total} points whole; resume it: fiscalsim sweep "
                           "{spec} --out {store} --resume"},
    "point": {"zh": "{what}", "en": "{what}"},
    "point_outside": {"zh": "点 {point} 不在设计中", "en": "point {point} is not in the design"},
    "point_rows": {"zh": "{got} 行，应为 {want} 个重复", "en": "{got} rows, expected {want} replications"},
    "no_design": {"zh": "没有 design（不是由 fiscalsim sweep 写入）：无法核验各点文件",
                  "en": "no 'design' (not written by `fiscalsim sweep`): the point files cannot be verified"},
    "ok_run": {"zh": "OK: {store}：运行结果完好（{parts} 个分片，{reps} 个重复，{bytes} 字节）",
               "en": "OK: {store}: run store whole ({parts} parts, {reps} replications, {bytes} bytes)"},
    "ok_sweep": {"zh": "OK: {store}：扫描结果完好（{points} 个点，每点 {reps} 个重复，{bytes} 字节）",
                 "en": "OK: {store}: sweep store whole ({points} points, {reps} replications each, {bytes} bytes)"},
}


def message(key: str, lang: Lang, /, **kw: object) -> str:
    return MESSAGES[key][lang].format(**kw)


@dataclass
class Verification:
    """What verifying a store found.

    Attributes:
        store: The store folder.
        kind: ``run``, ``sweep`` or ``""`` when the manifest could not be read.
        problems: One line per problem, in ``lang`` (empty when the store is whole).
        texts: The same problems in both languages.
        counts: ``parts``/``points``, ``reps`` and ``bytes`` of a whole store.
    """

    store: Path
    kind: str = ""
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    lang: Lang = "zh"
    texts: list[Msg] = field(default_factory=list)

    def add(self, file: str | Path, key: str, /, **kw: object) -> None:
        """Record a problem with a file of the store (``file`` relative to the store, or ``""``).

        A keyword value that is a :class:`~simulator.i18n.Msg` is filled in in each language.
        """
        where = f"{self.store}" + (f": {file}" if str(file) else "")

        def say(lang: Lang) -> str:
            return f"{where}: {message(key, lang, **{k: pick(v, lang) if isinstance(v, Msg) else v for k, v in kw.items()})}"

        text = Msg(say("zh"), say("en"))
        self.texts.append(text)
        self.problems.append(text(self.lang))

    def ok_line(self) -> str:
        """The line printed for a whole store."""
        if self.kind == "sweep":
            return message("ok_sweep", self.lang, store=self.store, **self.counts)
        return message("ok_run", self.lang, store=self.store, **self.counts)


def read_json_into(v: Verification, name: str) -> dict[str, Any] | None:
    path = v.store / name
    if not path.is_file():
        v.add(name, "no_manifest" if name == "manifest.json" else "no_file")
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        v.add(name, "bad_json", line=exc.lineno, msg=exc.msg)
        return None
    except (OSError, UnicodeDecodeError) as exc:
        v.add(name, "unreadable", err=exc)
        return None
    if not isinstance(data, dict):
        v.add(name, "not_object")
        return None
    return data


def is_int(x: object) -> TypeGuard[int]:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_num(x: object) -> TypeGuard[int | float]:
    return isinstance(x, int | float) and not isinstance(x, bool)


# --------------------------------------------------------------------------- run stores


def _record_problem(rec: object) -> str | None:
    """What is malformed in a part record, if anything (English: record fields are names)."""
    if not isinstance(rec, Mapping):
        return "not an object"
    for key in ("table", "file", "sha256"):
        if not isinstance(rec.get(key), str):
            return f"'{key}' must be a string"
    for key in ("bytes", "first_rep", "last_rep", "rows"):
        if not is_int(rec.get(key)) or rec[key] < 0:
            return f"'{key}' must be a non-negative integer"
    if rec["table"] not in TABLE_NAMES:
        return f"unknown table {rec['table']!r}"
    if rec["file"] != f"tables/{rec['table']}/part-{rec['first_rep']:06d}.parquet":
        return f"file {rec['file']!r} does not match table {rec['table']!r} and first_rep {rec['first_rep']}"
    if rec["last_rep"] <= rec["first_rep"]:
        return "last_rep must exceed first_rep"
    if not _HEX64.fullmatch(rec["sha256"]):
        return "'sha256' must be 64 lowercase hex digits"
    return None


def _check_part(v: Verification, rec: Mapping[str, Any]) -> int:
    """Check one listed part against its record; return its size when whole, else 0."""
    name = str(rec["file"])
    path = v.store / name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        v.add(name, "missing")
        return 0
    except OSError as exc:
        v.add(name, "unreadable", err=exc)
        return 0
    if len(data) != rec["bytes"]:
        v.add(name, "size", got=len(data), want=rec["bytes"])
        return 0
    if hashlib.sha256(data).hexdigest() != rec["sha256"]:
        v.add(name, "hash")
        return 0
    try:
        rows = pq.ParquetFile(pa.BufferReader(data)).metadata.num_rows
    except (pa.ArrowException, OSError) as exc:
        v.add(name, "not_parquet", err=exc)
        return 0
    if rows != rec["rows"]:
        v.add(name, "rows", got=rows, want=rec["rows"])
        return 0
    return len(data)


def part_is_whole(store: Path, rec: object) -> bool:
    """Whether a part record is well formed and its file is on disk as recorded (size, sha256, rows).

    What a resumed run asks of each journalled part before it keeps it.
    """
    if _record_problem(rec) is not None:
        return False
    assert isinstance(rec, Mapping)
    v = Verification(store, "run")
    return _check_part(v, rec) > 0 or (not v.problems and rec["bytes"] == 0)


def _stray_parts(store: Path, listed: set[str]) -> Iterator[str]:
    """Files under ``tables/`` that no record lists (hidden temporary files excepted)."""
    tables = store / "tables"
    if not tables.is_dir():
        return
    for p in sorted(tables.rglob("*")):
        if p.is_file() and not p.name.startswith("."):
            rel = p.relative_to(store).as_posix()
            if rel not in listed:
                yield rel


def _check_coverage(v: Verification, records: list[Mapping[str, Any]], reps: int) -> None:
    """Each table's parts cover replications 0..reps-1 exactly once."""
    by_table: dict[str, list[Mapping[str, Any]]] = {t: [] for t in TABLE_NAMES}
    for r in records:
        by_table[str(r["table"])].append(r)
    for table, recs in by_table.items():
        if not recs:
            v.add(f"tables/{table}", "no_table", table=table)
            continue
        covered = 0
        for r in sorted(recs, key=lambda r: (r["first_rep"], r["last_rep"])):
            a, b = int(r["first_rep"]), int(r["last_rep"])
            if a > covered:
                v.add(f"tables/{table}", "gap", table=table, a=covered, b=min(a, reps) - 1)
            elif a < covered:
                v.add(r["file"], "overlap", table=table, a=a, b=min(b, covered) - 1)
            covered = max(covered, b)
        if covered < reps:
            v.add(f"tables/{table}", "gap", table=table, a=covered, b=reps - 1)
        elif covered > reps:
            v.add(f"tables/{table}", "beyond", table=table, reps=reps, last=covered - 1)


def _walk_amounts(v: Verification, block: object, path: str) -> None:
    """Every number under ``block`` must be a finite, non-negative amount."""
    if isinstance(block, Mapping):
        for k, x in block.items():
            _walk_amounts(v, x, f"{path}.{k}")
    elif _is_num(block):
        if not math.isfinite(block) or block < 0:
            v.add("summary.json", "amount", path=path, value=block)
    elif block is not None:
        v.add("summary.json", "amount", path=path, value=block)


def _check_shares(v: Verification, shares: object, path: str) -> None:
    """Every number of a ``variance_share`` entry is a share in [0, 1] (see docs/uncertainty.md)."""
    if isinstance(shares, Mapping):
        for k, x in shares.items():
            _check_shares(v, x, f"{path}.{k}")
    elif shares is not None and (not _is_num(shares) or not 0.0 <= shares <= 1.0):
        v.add("summary.json", "share", path=path, value=shares)


def _check_summary(v: Verification, manifest: Mapping[str, Any], summary: Mapping[str, Any]) -> None:
    """summary.json agrees with the manifest; probabilities and amounts are in range."""
    if summary.get("reps") != manifest.get("reps"):
        v.add("summary.json", "summary_reps", got=summary.get("reps"), want=manifest.get("reps"))
    for key in ("targets", "funds"):
        block = summary.get(key)
        if not isinstance(block, Mapping) or not all(isinstance(x, Mapping) for x in block.values()):
            v.add("summary.json", "summary_block", key=key)
            continue
        want = set(manifest.get(key) or {})
        got = set(block)
        if got != want:
            v.add("summary.json", "summary_ids", key=key, extra=", ".join(sorted(got - want)) or "-",
                  missing=", ".join(sorted(want - got)) or "-")
        prob = "p_attained" if key == "targets" else "p_exhausted"
        for item, entry in block.items():
            p = entry.get(prob)
            if p is not None and (not _is_num(p) or not 0.0 <= p <= 1.0):
                v.add("summary.json", "probability", path=f"{key}.{item}.{prob}", value=p)
            _check_shares(v, entry.get("variance_share"), f"{key}.{item}.variance_share")
            if key == "targets":
                for q in ("p5", "p25", "p50", "p75", "p95", "mean"):
                    x = entry.get(q)
                    if x is not None and (not _is_num(x) or not math.isfinite(x)):
                        v.add("summary.json", "not_finite", path=f"{key}.{item}.{q}", value=x)
            else:
                for name, x in entry.items():
                    if str(name).endswith("_yuan"):
                        _walk_amounts(v, x, f"{key}.{item}.{name}")
    programs = summary.get("programs")
    if isinstance(programs, Mapping):
        for pid, entry in programs.items():
            if isinstance(entry, Mapping):
                _walk_amounts(v, entry.get("drawn_yuan"), f"programs.{pid}.drawn_yuan")
    if isinstance(summary.get("levels"), Mapping):
        _walk_amounts(v, summary["levels"], "levels")


def read_manifest_of(v: Verification, kind: str) -> dict[str, Any] | None:
    """The store's manifest if it is a folder holding a manifest of ``kind``; else the problem is added."""
    if not v.store.is_dir():
        v.add("", "not_dir")
        return None
    manifest = read_json_into(v, "manifest.json")
    if manifest is None:
        return None
    if manifest.get("kind") != kind:
        v.add("manifest.json", "kind", got=repr(manifest.get("kind")), want=repr(kind))
        return None
    return manifest


def check_run_store(path: str | Path, lang: Lang = "zh", *, require_complete: bool = True) -> Verification:
    """Verify a run store and count what it holds.

    Args:
        path: The store folder.
        lang: Language of the problems.
        require_complete: False for the run's own read of the store it is
            writing: the status may be ``running`` (the parts then come from the
            journal ``parts.jsonl``) and ``summary.json`` is not checked.

    Returns:
        The verification (``problems`` empty when the store is whole).
    """
    v = Verification(Path(path), "run", lang=lang)
    manifest = read_manifest_of(v, "run")
    if manifest is None:
        return v
    if manifest.get("format") != SUPPORTED_FORMAT:
        v.add("manifest.json", "format", got=repr(manifest.get("format")), want=SUPPORTED_FORMAT)
        return v
    raw_reps = manifest.get("reps")
    if not is_int(raw_reps) or raw_reps < 1:
        v.add("manifest.json", "reps", got=repr(raw_reps))
        return v
    reps = int(raw_reps)
    status = manifest.get("status")
    if require_complete and status != "complete":
        why = {"running": "why_running", "interrupted": "why_interrupted"}.get(str(status), "why_other")
        cmd = resume_command_of(v.store, manifest)
        v.add("manifest.json", "status", status=status, why=Msg(message(why, "zh", cmd=cmd), message(why, "en", cmd=cmd)))
    raw = manifest.get("parts")
    if not isinstance(raw, list):
        v.add("manifest.json", "no_parts")
        return v
    if not require_complete and status != "complete":
        listed = {r.get("file"): r for r in raw if isinstance(r, Mapping)}
        listed.update({r.get("file"): r for r in read_journal(v.store)})
        raw = list(listed.values())
    if require_complete and not raw:
        v.add("manifest.json", "no_parts")
        return v
    records: list[Mapping[str, Any]] = []
    seen: set[str] = set()
    for i, rec in enumerate(raw):
        what = _record_problem(rec)
        if what is not None:
            v.add("manifest.json", "bad_record", i=i, what=what)
            continue
        assert isinstance(rec, Mapping)
        if rec["file"] in seen:
            v.add(rec["file"], "dup_record")
            continue
        seen.add(rec["file"])
        records.append(rec)
    total = sum(_check_part(v, rec) for rec in records)
    for stray in _stray_parts(v.store, seen):
        v.add(stray, "extra")
    _check_coverage(v, records, reps)
    if require_complete:
        summary = read_json_into(v, "summary.json")
        if summary is not None:
            _check_summary(v, manifest, summary)
    v.counts = {"parts": len(records), "reps": reps, "bytes": total}
    return v


def verify_run_store(path: str | Path, lang: Lang = "zh") -> list[str]:
    """Problems found in a run store (empty when it is whole; see :func:`check_run_store`)."""
    return check_run_store(path, lang).problems


def raise_first(v: Verification, error: type[StoreError] = StoreError) -> None:
    """Raise ``error`` with a verification's first problem (and how many more there are), if any."""
    if v.texts:
        n = len(v.texts) - 1
        more = Msg(message("more", "zh", n=n, store=v.store), message("more", "en", n=n, store=v.store)) if n else Msg("", "")
        raise error(v.texts[0] + more)


def require_whole(path: str | Path, lang: Lang = "zh", *, require_complete: bool = True) -> None:
    """Refuse a run store that fails verification, with one message.

    Sweep stores are verified by :func:`simulator.sweep.verify.require_whole_sweep`.

    Args:
        path: A run store.
        lang: Language of the message.
        require_complete: False lets the run read the store it is still writing
            (see :func:`check_run_store`).

    Raises:
        StoreError: naming the store, the file and what is wrong (the first
            problem, and how many more there are).
    """
    raise_first(check_run_store(path, lang, require_complete=require_complete))
