"""Synthetic result stores for the report tests, written exactly as docs/store-format.md says.

The run store comes from a small but consistent fund model: two funds (one
queues claims it cannot pay, one refuses them), three programs (one with a
name full of markup, one with a very long name), two targets, 50
replications over 2020-04 .. 2022-12, tables split in two parts.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

MARKUP_NAME = '<b>&amp; "聊城" </b>'
LONG_NAME = (
    "聊城市产业技术研究院“政产学研金服用”创新创业共同体之新型研发机构引进培育、高层次人才团队项目"
    "一事一议综合支持资金（含设备购置、场地租赁、研发投入后补助及成果转化奖励）年度兑现计划第一批次"
)
LONG_NAME_EN = (
    "Case-by-case integrated support for new R&D institutions and high-level talent teams of the "
    "Liaocheng industrial technology research institute (equipment, premises, R&D post-subsidy, "
    "commercialisation awards), first annual batch"
)
YUAN = 100
WAN = 10_000 * YUAN

SCHEMAS: dict[str, pa.Schema] = {
    "draws": pa.schema(
        [
            ("rep", pa.int32()),
            ("month", pa.string()),
            ("fund", pa.string()),
            ("level", pa.string()),
            ("program", pa.string()),
            ("amount_fen", pa.int64()),
        ]
    ),
    "counts": pa.schema(
        [
            ("rep", pa.int32()),
            ("month", pa.string()),
            ("kind", pa.string()),
            ("type", pa.string()),
            ("state", pa.string()),
            ("count", pa.int32()),
        ]
    ),
    "metrics": pa.schema(
        [
            ("rep", pa.int32()),
            ("month", pa.string()),
            ("target", pa.string()),
            ("value", pa.float64()),
        ]
    ),
    "targets": pa.schema(
        [
            ("rep", pa.int32()),
            ("target", pa.string()),
            ("value", pa.float64()),
            ("attained", pa.bool_()),
            ("date_attained", pa.string()),
        ]
    ),
    "fund_years": pa.schema(
        [("rep", pa.int32()), ("fund", pa.string()), ("year", pa.int32())]
        + [
            (c, pa.int64())
            for c in (
                "appropriated_fen",
                "carried_in_fen",
                "drawn_fen",
                "lapsed_fen",
                "balance_end_fen",
                "arrears_fen",
                "refused_fen",
                "prorata_cut_fen",
                "income_fen",
            )
        ]
    ),
    "claims": pa.schema(
        [
            ("rep", pa.int32()),
            ("program", pa.string()),
            ("year", pa.int32()),
            ("state", pa.string()),
            ("n", pa.int32()),
            ("requested_fen", pa.int64()),
            ("paid_fen", pa.int64()),
        ]
    ),
    "exhaustion": pa.schema([("rep", pa.int32()), ("fund", pa.string()), ("month", pa.string())]),
    # no parameter draws in the synthetic store (as a --fixed-params run): the table has no rows
    "parameters": pa.schema([("group", pa.int32()), ("first_rep", pa.int32()), ("last_rep", pa.int32()),
                             ("name", pa.string()), ("value", pa.float64())]),
}


def _months(start: str, end: str) -> list[str]:
    y, m = int(start[:4]), int(start[5:7])
    out = []
    while (y, m) <= (int(end[:4]), int(end[5:7])):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _q(values: list[float] | np.ndarray, q: float) -> float:
    return float(np.quantile(np.asarray(values, dtype=float), q))


def part_record(root: Path, table: str, first: int, last: int) -> dict[str, Any]:
    """The manifest record of a part file already written (docs/store-format.md, "Part records")."""
    rel = f"tables/{table}/part-{first:06d}.parquet"
    data = (root / rel).read_bytes()
    return {
        "table": table,
        "file": rel,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "first_rep": first,
        "last_rep": last,
        "rows": pq.ParquetFile(root / rel).metadata.num_rows,
    }


def refresh_part_records(root: Path) -> None:
    """Re-record every part of a store after a test rewrote them on purpose."""
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    manifest["parts"] = [
        part_record(root, p["table"], p["first_rep"], p["last_rep"]) for p in manifest["parts"]
    ]
    _write_json(root / "manifest.json", manifest)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def build_run_store(
    root: Path,
    *,
    name: str = "聊城市产业技术研究院 基准情景",
    name_en: str = "Liaocheng research institute, baseline",
    seed: int = 1,
    reps: int = 50,
    rate: float = 1.0,
    start: str = "2020-04-10",
    end: str = "2022-12-31",
) -> Path:
    """Write a consistent synthetic run store into ``root`` and return it.

    Args:
        root: directory to create.
        name: scenario name (Chinese).
        name_en: scenario name (English).
        seed: random seed of the synthetic model.
        reps: replications.
        rate: multiplier of claim arrival rates (a policy variant).
        start: horizon start.
        end: horizon end.

    Returns:
        ``root``.
    """
    rng = np.random.default_rng(seed)
    months = _months(start, end)
    years = sorted({int(m[:4]) for m in months})
    funds: dict[str, dict[str, Any]] = {
        "LC-1": {
            "name": "聊城产业技术研究院专项发展资金",
            "name_en": "Research institute special development fund",
            "owner": "LC",
            "level": "city",
            "appropriations_fen": {"2020": 2000 * WAN, "2021": 2000 * WAN, "2022": 1000 * WAN},
            "year_end": "carry_over",
            "overclaim": "queue",
            "source": "LC-1 二(二)",
        },
        "LC-CNTY": {
            "name": "县（区）配套资金",
            "name_en": "County matching fund",
            "owner": "LC-DCF",
            "level": "district",
            "appropriations_fen": {"2020": 300 * WAN, "2021": 300 * WAN, "2022": 300 * WAN},
            "year_end": "carry_over",
            "overclaim": "fcfs",
            "source": "LC-3 三(二); 配套比例为假设",
        },
    }
    programs = {
        "LC-3": {
            "name": "市级创新创业共同体建设补助",
            "name_en": "Municipal innovation community subsidy",
            "source": "LC-3 三(二)",
            "city": "LC",
        },
        "ZB-4X": {
            "name": MARKUP_NAME,
            "name_en": MARKUP_NAME,
            "source": "<i>ZB-4</i> 四(三)2",
            "city": "LC",
        },
        "LONG": {
            "name": LONG_NAME,
            "name_en": LONG_NAME_EN,
            "source": "ZB-14 四(二)4",
            "city": "LC",
        },
    }
    # program -> (monthly claim rate, award range in fen, [(fund, level, share)])
    model = {
        "LC-3": (0.35 * rate, (200 * WAN, 200 * WAN), [("LC-1", "city", 1.0)]),
        "ZB-4X": (
            0.8 * rate,
            (10 * WAN, 100 * WAN),
            [("LC-1", "city", 0.5), ("LC-CNTY", "district", 0.5)],
        ),
        "LONG": (0.3 * rate, (20 * WAN, 60 * WAN), [("LC-CNTY", "zone", 1.0)]),
    }
    targets = {
        "LC-T1": {
            "name": "市级创新创业共同体数量",
            "name_en": "Municipal innovation communities",
            "metric": "count:community:municipal",
            "threshold": 10.0,
            "unit": "count",
            "deadline": end,
            "source": "LC-6 一(三)",
            "city": "LC",
        },
        "LC-T2": {
            "name": "有效高新技术企业数",
            "name_en": "Valid high-tech enterprises",
            "metric": "count:firm:hte",
            "threshold": 300.0,
            "unit": "count",
            "deadline": end,
            "source": "假设目标（参照 TA-T5）",
            "city": "LC",
        },
    }
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rep in range(reps):
        balance = {f: 0 for f in funds}
        queue: list[tuple[str, str, str, int]] = []  # (fund, level, program, amount)
        exhausted: dict[str, str | None] = {f: None for f in funds}
        year_acc: dict[str, dict[str, int]] = {}
        claim_acc: dict[tuple[str, int, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        communities = 0
        hte = float(rng.normal(230, 10))
        first_hit: dict[str, str | None] = {"LC-T1": None, "LC-T2": None}
        for mi, month in enumerate(months):
            year = int(month[:4])
            if mi == 0 or month.endswith("-01"):
                for f, spec in funds.items():
                    carried = balance[f]
                    new = int(spec["appropriations_fen"].get(str(year), 0))
                    balance[f] += new
                    year_acc[f] = {
                        "appropriated_fen": new,
                        "carried_in_fen": carried,
                        "drawn_fen": 0,
                        "refused_fen": 0,
                    }
            paid_rows: dict[tuple[str, str, str], int] = defaultdict(int)
            still: list[tuple[str, str, str, int]] = []
            for f, lvl, prog, amt in queue:
                if balance[f] >= amt:
                    balance[f] -= amt
                    year_acc[f]["drawn_fen"] += amt
                    paid_rows[(f, lvl, prog)] += amt
                else:
                    still.append((f, lvl, prog, amt))
            queue = still
            for prog, (lam, (lo, hi), split) in model.items():
                for _ in range(int(rng.poisson(lam))):
                    award = int(rng.integers(lo // WAN, hi // WAN + 1)) * WAN
                    state = "paid"
                    paid_total = 0
                    for f, lvl, share in split:
                        part = int(award * share)
                        if balance[f] >= part and not any(q[0] == f for q in queue):
                            balance[f] -= part
                            year_acc[f]["drawn_fen"] += part
                            paid_rows[(f, lvl, prog)] += part
                            paid_total += part
                            continue
                        exhausted[f] = exhausted[f] or month
                        if funds[f]["overclaim"] == "queue":
                            queue.append((f, lvl, prog, part))
                            state = "queued" if state == "paid" else state
                        else:
                            year_acc[f]["refused_fen"] += part
                            state = "refused" if paid_total == 0 else "partly_paid"
                    acc = claim_acc[(prog, year, state)]
                    acc[0] += 1
                    acc[1] += award
                    acc[2] += paid_total
                    if prog == "LC-3" and state == "paid":
                        communities += 1
            for (f, lvl, prog), amt in paid_rows.items():
                rows["draws"].append(
                    {
                        "rep": rep,
                        "month": month,
                        "fund": f,
                        "level": lvl,
                        "program": prog,
                        "amount_fen": amt,
                    }
                )
            hte += float(rng.normal(2.2 * rate, 4.0))
            values = {"LC-T1": float(communities), "LC-T2": round(hte)}
            for tid, v in values.items():
                rows["metrics"].append({"rep": rep, "month": month, "target": tid, "value": v})
                if first_hit[tid] is None and v >= targets[tid]["threshold"]:
                    first_hit[tid] = month
            rows["counts"].append(
                {
                    "rep": rep,
                    "month": month,
                    "kind": "firm",
                    "type": "hte",
                    "state": "valid",
                    "count": int(values["LC-T2"]),
                }
            )
            if month.endswith("-12") or mi == len(months) - 1:
                for f in funds:
                    a = year_acc[f]
                    rows["fund_years"].append(
                        {
                            "rep": rep,
                            "fund": f,
                            "year": year,
                            **a,
                            "lapsed_fen": 0,
                            "balance_end_fen": balance[f],
                            "arrears_fen": sum(q[3] for q in queue if q[0] == f),
                            "prorata_cut_fen": 0,
                            "income_fen": 0,
                        }
                    )
        for (prog, year, state), (n, req, paid) in claim_acc.items():
            rows["claims"].append(
                {
                    "rep": rep,
                    "program": prog,
                    "year": year,
                    "state": state,
                    "n": n,
                    "requested_fen": req,
                    "paid_fen": paid,
                }
            )
        for f in funds:
            rows["exhaustion"].append({"rep": rep, "fund": f, "month": exhausted[f]})
        for tid, spec in targets.items():
            final = values[tid]
            rows["targets"].append(
                {
                    "rep": rep,
                    "target": tid,
                    "value": final,
                    "attained": bool(final >= spec["threshold"]),
                    "date_attained": first_hit[tid],
                }
            )

    root.mkdir(parents=True, exist_ok=True)
    half = reps // 2
    parts: list[dict[str, Any]] = []
    for table, schema in SCHEMAS.items():
        tdir = root / "tables" / table
        tdir.mkdir(parents=True, exist_ok=True)
        data = rows[table]
        for first, last in ((0, half), (half, reps)):
            part = [r for r in data if first <= r["rep"] < last]
            t = pa.Table.from_pylist(part, schema=schema)
            pq.write_table(t, tdir / f"part-{first:06d}.parquet")
            parts.append(part_record(root, table, first, last))

    # summary.json, computed from the rows like the engine does
    fy = rows["fund_years"]
    s_funds: dict[str, Any] = {}
    for f, spec in funds.items():
        drawn = [
            sum(r["drawn_fen"] for r in fy if r["fund"] == f and r["rep"] == k) / YUAN
            for k in range(reps)
        ]
        refused = [
            sum(r["refused_fen"] for r in fy if r["fund"] == f and r["rep"] == k) / YUAN
            for k in range(reps)
        ]
        arrears = [r["arrears_fen"] / YUAN for r in fy if r["fund"] == f and r["year"] == years[-1]]
        ex = sorted(r["month"] for r in rows["exhaustion"] if r["fund"] == f and r["month"])
        s_funds[f] = {
            "appropriated_yuan": sum(spec["appropriations_fen"].values()) / YUAN,
            "drawn_yuan": {
                "p5": _q(drawn, 0.05),
                "p50": _q(drawn, 0.5),
                "p95": _q(drawn, 0.95),
                "mean": float(np.mean(drawn)),
            },
            "p_exhausted": len(ex) / reps,
            "exhaustion_median": ex[(len(ex) - 1) // 2] if ex else None,
            "arrears_end_yuan": {"p50": _q(arrears, 0.5), "p95": _q(arrears, 0.95)},
            "refused_yuan": {"p50": _q(refused, 0.5), "p95": _q(refused, 0.95)},
        }
    s_targets: dict[str, Any] = {}
    for tid, spec in targets.items():
        tr = [r for r in rows["targets"] if r["target"] == tid]
        vals = [r["value"] for r in tr]
        dates = sorted(r["date_attained"] for r in tr if r["date_attained"])
        yearly = {}
        for y in years:
            last_m = max(m for m in months if m.startswith(str(y)))
            v = [r["value"] for r in rows["metrics"] if r["target"] == tid and r["month"] == last_m]
            yearly[str(y)] = {"p5": _q(v, 0.05), "p50": _q(v, 0.5), "p95": _q(v, 0.95)}
        s_targets[tid] = {
            "p_attained": sum(r["attained"] for r in tr) / reps,
            "p5": _q(vals, 0.05),
            "p50": _q(vals, 0.5),
            "p95": _q(vals, 0.95),
            "threshold": spec["threshold"],
            "deadline": spec["deadline"],
            "median_date_attained": dates[(len(dates) - 1) // 2] if dates else None,
            "yearly": yearly,
        }
    manifest = {
        "format": 1,
        "kind": "run",
        "status": "complete",
        "parts": sorted(parts, key=lambda p: (p["table"], p["first_rep"])),
        "scenario": {
            "id": "liaocheng-base" if rate == 1.0 else f"liaocheng-rate-{rate:g}",
            "name": name,
            "name_en": name_en,
            "file": "scenarios/liaocheng.yaml",
            "hash": "sha256:" + "9f2c4e" * 10 + "ab12",
            "start": start,
            "end": end,
        },
        "seed": seed,
        "reps": reps,
        "engine": "des",
        "version": "0.1.0",
        "versions": {"python": "3.11.9", "numpy": np.__version__, "simpy": "4.1.1"},
        "created": "2026-11-22T12:00:00+00:00",
        "timings": {"total_s": 3.21, "per_rep_s": 0.0642},
        "jurisdictions": {
            "SD": {"name": "山东省", "name_en": "Shandong", "level": "province", "parent": None},
            "LC": {"name": "聊城市", "name_en": "Liaocheng", "level": "city", "parent": "SD"},
            "LC-DCF": {
                "name": "东昌府区",
                "name_en": "Dongchangfu",
                "level": "district",
                "parent": "LC",
            },
            "LC-HTZ": {
                "name": "聊城高新区",
                "name_en": "Liaocheng high-tech zone",
                "level": "zone",
                "parent": "LC",
            },
        },
        "funds": funds,
        "programs": programs,
        "targets": targets,
        "inputs": [
            {
                "path": "funds.LC-1.appropriations.2020",
                "value": "2000万元",
                "source_kind": "clause",
                "source": "LC-1 二(二)",
                "rationale": "5000万元分三年安排，分年比例为假设",
            },
            {
                "path": "programs.LC-3.rule.amount",
                "value": "200万元",
                "source_kind": "clause",
                "source": "LC-3 三(二)",
                "rationale": "",
            },
            {
                "path": "programs.ZB-4X.rule.cap",
                "value": "100万元",
                "source_kind": "clause",
                "source": MARKUP_NAME,
                "rationale": "<script>alert(1)</script> & co",
            },
            {
                "path": "behaviour.apply_rate.LC-3",
                "value": "0.35 / 月",
                "source_kind": "assumption",
                "source": "",
                "rationale": "无公开数据；按同类城市经验设定，" + "敏感性分析区间 0.2–0.6。" * 4,
            },
            {
                "path": "programs.LONG.rule.range",
                "value": "20万–60万元",
                "source_kind": "params",
                "source": "params/liaocheng.yaml:programs.LONG",
                "rationale": LONG_NAME,
            },
            {
                "path": "seed",
                "value": str(seed),
                "source_kind": "setting",
                "source": "--seed",
                "rationale": "",
            },
        ],
    }
    _write_json(root / "manifest.json", manifest)
    _write_json(root / "summary.json", {"reps": reps, "targets": s_targets, "funds": s_funds})
    return root


def build_sweep_store(root: Path, *, points: int = 60, seed: int = 7) -> Path:
    """Write a synthetic sweep store (layout documented in simulator.report.sweep).

    Args:
        root: directory to create.
        points: design points.
        seed: random seed.

    Returns:
        ``root``.
    """
    rng = np.random.default_rng(seed)
    apply_rate = rng.uniform(0.5, 1.5, points)
    award = rng.uniform(100, 300, points)
    review = rng.uniform(1, 6, points)
    logit = -4 + 3.5 * apply_rate + 0.012 * award - 0.1 * review
    p_att = 1 / (1 + np.exp(-logit))
    p_ex = np.clip(0.2 * apply_rate * award / 200 + rng.normal(0, 0.03, points), 0, 1)
    drawn = (3000 + 1500 * apply_rate + 5 * award) * WAN
    df = pa.table(
        {
            "point": pa.array(np.arange(points), pa.int32()),
            "behaviour.apply_rate": apply_rate,
            "programs.LC-3.rule.amount": award,
            "behaviour.review_months": review,
            "p_attained:LC-T2": p_att,
            "p_exhausted:LC-1": p_ex,
            "drawn_p50_fen:LC-1": drawn,
        }
    )
    root.mkdir(parents=True, exist_ok=True)
    pq.write_table(df, root / "points_summary.parquet")
    manifest = {
        "format": 1,
        "kind": "sweep",
        "name": "聊城 申请率与奖励金额扫描",
        "name_en": "Liaocheng: application rate and award sweep",
        "scenario": {
            "id": "liaocheng-base",
            "name": "聊城市产业技术研究院 基准情景",
            "hash": "sha256:abc",
        },
        "method": "sobol",
        "points": points,
        "reps": 100,
        "seed": seed,
        "version": "0.1.0",
        "created": "2026-11-22T12:00:00+00:00",
        "factors": {
            "behaviour.apply_rate": {
                "name": "申请率倍数",
                "name_en": "application rate multiplier",
                "lo": 0.5,
                "hi": 1.5,
            },
            "programs.LC-3.rule.amount": {
                "name": "共同体奖励（万元）",
                "name_en": "community award (10k yuan)",
                "lo": 100,
                "hi": 300,
            },
            "behaviour.review_months": {"name": "<审核>月数 & 周期", "lo": 1, "hi": 6},
        },
        "outputs": {
            "p_attained:LC-T2": {
                "name": "有效高新技术企业数达标概率",
                "name_en": "P(high-tech target attained)",
                "kind": "probability",
            },
        },
    }
    factors = list(manifest["factors"])
    sens = []
    for out in ("p_attained:LC-T2", "p_exhausted:LC-1"):
        for f, s1, st in zip(factors, (0.62, 0.21, 0.03), (0.70, 0.27, 0.05), strict=True):
            sens.append(
                {"output": out, "factor": f, "S1": s1, "S1_conf": 0.05, "ST": st, "ST_conf": 0.06}
            )
    summary = {
        "sensitivity": sens,
        "boxes": [
            {
                "output": "not_attained:LC-T2",
                "factor_ranges": {
                    "behaviour.apply_rate": [0.5, 0.82],
                    "programs.LC-3.rule.amount": [100, 180],
                },
                "coverage": 0.71,
                "density": 0.86,
            },
            {
                "output": "exhausted:LC-1",
                "factor_ranges": {
                    "behaviour.apply_rate": [1.1, 1.5],
                    "behaviour.review_months": [2.0, 4.5],
                },
                "coverage": 0.4,
                "density": 0.65,
            },
        ],
        "heatmap": {
            "x": "behaviour.apply_rate",
            "y": "programs.LC-3.rule.amount",
            "output": "p_attained:LC-T2",
        },
    }
    _write_json(root / "manifest.json", manifest)
    _write_json(root / "summary.json", summary)
    return root


@pytest.fixture(scope="session")
def run_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic run store (read only: tests must not modify it)."""
    return build_run_store(tmp_path_factory.mktemp("stores") / "liaocheng")


@pytest.fixture(scope="session")
def variant_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A second run store: the same city with 30% more applications."""
    return build_run_store(
        tmp_path_factory.mktemp("stores") / "liaocheng-plus30",
        name="聊城 申请增加30%",
        name_en="Liaocheng, 30% more applications",
        seed=2,
        rate=1.3,
    )


@pytest.fixture(scope="session")
def sweep_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic sweep store."""
    return build_sweep_store(tmp_path_factory.mktemp("stores") / "sweep")


@pytest.fixture()
def bad_store(tmp_path: Path) -> Iterator[Path]:
    """A directory that looks like a store but whose manifest is broken."""
    d = tmp_path / "broken"
    d.mkdir()
    (d / "manifest.json").write_text("{not json", encoding="utf-8")
    yield d


@pytest.fixture(scope="session")
def engine_sweep_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real sweep (toy threshold model, Sobol design) summarised by ``sweep-summary``."""
    analysis = pytest.importorskip("simulator.sweep.analysis")
    executors = pytest.importorskip("simulator.sweep.executors")
    runner = pytest.importorskip("simulator.sweep.runner")
    spec_mod = pytest.importorskip("simulator.sweep.spec")
    spec = spec_mod.spec_from_mapping(
        {
            "scenario": "toy:threshold",
            "design": "saltelli",
            "samples": 8,
            "seed": 3,
            "replications": 10,
            "factors": {
                "x1": {"range": [0.3, 1.1]},
                "x2": {"range": [0, 1]},
                "policy": {"values": ["base", "strict", "lenient"]},
            },
            "heatmap": ["x1", "x2"],
        }
    )
    out = tmp_path_factory.mktemp("stores") / "engine-sweep"
    from tests.sweep.toys import ThresholdFactory  # a test model: passed in explicitly

    runner.run_sweep(spec, out, executors.SerialExecutor(), progress=False, factory=ThresholdFactory())
    analysis.summarise_sweep(out)
    return out
