"""The two engines agree on a run held to actual figures (the criteria of :mod:`simulator.engines.compare`).

Liaocheng with the issue's actuals: lc-city-sci paid to the ends of 2020 and
2021 and LC-6 at the end of 2021, plus the county matching fund at the end of
2020, so that both the rescaled ledgers and the moved entities (recognitions
added or taken back, then the projection from them) are compared.  A larger
version runs in ``benchmarks/nowcast_equivalence.py``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np

from simulator.engines.compare import compare, run_both, table
from simulator.loader import load_scenario
from simulator.scenario import Nowcast, ObservedLevel, ObservedPaid, Scenario

ROOT = Path(__file__).resolve().parent.parent
SEED = 20240601
N_DES, N_FAST = 30, 200


def liaocheng_with_actuals() -> Scenario:
    """Liaocheng with the issue's actuals (and the county match at the end of 2020)."""
    s = load_scenario(ROOT / "scenarios" / "liaocheng.yaml").scenario
    nc = Nowcast(as_of=date(2021, 12, 31), file="actuals.csv", sha256="0" * 64,
                 funds={"lc-city-sci": (ObservedPaid(date=date(2020, 12, 31), fen=300_000_000),
                                        ObservedPaid(date=date(2021, 12, 31), fen=700_000_000)),
                        "lc-county-match": (ObservedPaid(date=date(2020, 12, 31), fen=150_000_000),)},
                 targets={"LC-6": (ObservedLevel(date=date(2021, 12, 31), value=3),)})
    return s.model_copy(update={"nowcast": nc})


def test_engines_agree_on_a_run_with_actuals() -> None:
    s = liaocheng_with_actuals()
    des, fast = run_both(s, SEED, N_DES, N_FAST, jobs=1)
    verdicts = compare(s, des, fast, alpha=0.01)
    assert verdicts, "nothing compared"
    bad = [v for v in verdicts if not v.ok]
    assert not bad, f"{len(bad)} of {len(verdicts)} outputs differ\n" + table(verdicts)
    # the held outputs are the same number in every replication of both engines
    held = {v.name: v for v in verdicts}
    for name, yuan in (("drawn/lc-city-sci/2020", 3_000_000), ("drawn/lc-city-sci/2021", 4_000_000)):
        assert held[name].mean_des == held[name].mean_fast == yuan
    # and the projection after as-of is a real band in both
    late = [r.fund_years[("lc-city-sci", 2023)]["drawn_fen"] for r in des]
    assert np.ptp(late) > 0
