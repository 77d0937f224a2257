"""The actuals file of a nowcast: reading (CSV and xlsx), every check, the run options and the records.

The engines' use of the figures is tested with the nowcast model; here: the
file becomes the right :class:`~simulator.scenario.Nowcast`, every bad file is
refused with one clear message (file, line, id, value, expected) and exit
status 2 with nothing written, and a run records the actuals in its manifest
and ``as_of`` in its summary.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from simulator import actuals as actuals_module
from simulator.actuals import Actuals, as_of_date, check_pair, read_actuals, with_actuals
from simulator.cli import main
from simulator.errors import InputError
from simulator.loader import LoadedScenario, load_scenario
from simulator.scenario import Nowcast, Scenario
from tests.langcheck import assert_lang

ROOT = Path(__file__).resolve().parents[1]
LIAOCHENG = ROOT / "scenarios" / "liaocheng.yaml"
TAIAN = ROOT / "scenarios" / "taian.yaml"
JINAN = ROOT / "scenarios" / "jinan.yaml"
LC_ACTUALS = ROOT / "data" / "actuals" / "liaocheng-2021.csv"
LC_ACTUALS_XLSX = ROOT / "data" / "actuals" / "liaocheng-2021.xlsx"
TA_ACTUALS = ROOT / "data" / "actuals" / "taian-2023.csv"
LC_AS_OF = date(2021, 12, 31)
HEADER = "date,id,value,unit,note\n"
_LOADED: dict[Path, LoadedScenario] = {}


def loaded(path: Path = LIAOCHENG) -> LoadedScenario:
    """A shipped scenario, loaded once per test process."""
    if path not in _LOADED:
        _LOADED[path] = load_scenario(path)
    return _LOADED[path]


def write(tmp_path: Path, text: str, name: str = "actuals.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def read(path: Path, as_of: date = LC_AS_OF, scenario: Scenario | None = None) -> Actuals:
    return read_actuals(path, scenario or loaded().scenario, as_of)


def refused(path: Path, as_of: date = LC_AS_OF, scenario: Scenario | None = None) -> str:
    """The English message of the problems ``path`` is refused with (fails if it is accepted)."""
    with pytest.raises(InputError) as info:
        read(path, as_of, scenario)
    return str(info.value)


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    """A workbook whose first sheet holds ``rows`` (made here with openpyxl, as a bureau's Excel would)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


# --------------------------------------------------------------------------- reading


def test_liaocheng_example_becomes_the_nowcast() -> None:
    got = read(LC_ACTUALS)
    n = got.nowcast
    assert n.as_of == LC_AS_OF and n.file == str(LC_ACTUALS) and len(n.sha256) == 64
    assert [(p.date, p.fen, p.line) for p in n.funds["lc-city-sci"]] == [
        (date(2020, 12, 31), 240_000_000, 2), (date(2021, 12, 31), 640_000_000, 3)]
    assert [(p.date, p.value, p.line) for p in n.targets["LC-6"]] == [(date(2021, 12, 31), 4.0, 4)]
    assert n.programs == {} and n.populations == {}
    assert got.warnings == ()


def test_taian_example_holds_the_hte_count_and_a_fund() -> None:
    n = read(TA_ACTUALS, date(2023, 12, 31), loaded(TAIAN).scenario).nowcast
    assert [(p.date, p.value) for p in n.targets["TA-T5"]] == [(date(2023, 12, 31), 561.0)]
    assert [(p.date, p.fen) for p in n.funds["ta-city-sci"]] == [(date(2023, 12, 31), 980_000_000)]


def _same(a: Nowcast, b: Nowcast) -> None:
    """Two nowcasts hold the same figures (file name and hash aside)."""
    assert a.as_of == b.as_of
    for field in ("funds", "targets", "programs", "populations"):
        assert getattr(a, field) == getattr(b, field), field


def test_xlsx_gives_the_same_nowcast_as_csv(tmp_path: Path) -> None:
    book = write_xlsx(tmp_path / "lc.xlsx", [
        ["date", "id", "value", "unit", "note"],
        [datetime(2020, 12, 31), "lc-city-sci", 240, "万元",
         "example figure: cumulative paid since the fund opened (first tranches of 2 communities)"],
        ["2021-12-31", "lc-city-sci", "640万元", None, "example figure: cumulative paid since the fund opened"],
        [date(2021, 12, 31), "LC-6", 4.0, "个", "example figure: municipal innovation communities recognised since 2020"],
    ])
    _same(read(book).nowcast, read(LC_ACTUALS).nowcast)


def test_shipped_xlsx_example_matches_the_csv() -> None:
    _same(read(LC_ACTUALS_XLSX).nowcast, read(LC_ACTUALS).nowcast)


def test_bom_chinese_headers_and_blank_lines_read_alike(tmp_path: Path) -> None:
    text = ("日期,编号,数值,单位,备注\n2020-12-31,lc-city-sci,240,万元,\n\n"
            "2021/12/31,lc-city-sci,\"6,400,000\",元,\n2021-12-31,LC-6,4,,\n")
    got = read(write(tmp_path, "\ufeff" + text)).nowcast
    assert [p.fen for p in got.funds["lc-city-sci"]] == [240_000_000, 640_000_000]
    assert [p.line for p in got.funds["lc-city-sci"]] == [2, 4]  # the file's own line numbers
    assert got.targets["LC-6"][0].value == 4.0


def test_programs_populations_and_the_units_of_targets(tmp_path: Path) -> None:
    # Program claim counts and population counts are read as counts, but the engines do not hold
    # them (simulator.model.nowcast.unsupported): each row is refused, naming its line and id.
    msg = refused(write(tmp_path, HEADER + "2021-06-30,LC-3,3,,\n2021-12-31,LC-3,5,,\n2021-12-31,liaocheng,812,,\n"))
    assert "actuals.csv:2:" in msg and "LC-3" in msg and "actuals.csv:4:" in msg and "liaocheng" in msg
    ta = read(write(tmp_path, HEADER + "2023-12-31,TA-T8,62.5,亿元,\n2024-06-30,TA-T8,7000000000,,\n", "ta.csv"),
              date(2024, 6, 30), loaded(TAIAN).scenario)
    assert [p.value for p in ta.nowcast.targets["TA-T8"]] == [6_250_000_000.0, 7_000_000_000.0]  # yuan, as the metric
    jn = read(write(tmp_path, HEADER + "2019-12-31,JN-T6,35%,,\n2020-06-30,JN-T6,40,%,\n2020-12-31,JN-T6,0.45,,\n",
                    "jn.csv"), date(2020, 12, 31), loaded(JINAN).scenario)
    assert [p.value for p in jn.nowcast.targets["JN-T6"]] == [0.35, 0.40, 0.45]


def test_manifest_record_follows_the_contract() -> None:
    rec = read(LC_ACTUALS).record()
    assert set(rec) == {"file", "sha256", "as_of", "rows", "parameters_conditioned"}
    assert rec["as_of"] == "2021-12-31" and rec["parameters_conditioned"] is False
    assert rec["rows"][0] == {"line": 2, "date": "2020-12-31", "id": "lc-city-sci", "kind": "fund",
                              "value": 240_000_000, "unit": "万元",
                              "note": "example figure: cumulative paid since the fund opened (first tranches of 2 communities)"}
    assert rec["rows"][2]["kind"] == "target" and rec["rows"][2]["value"] == 4
    json.dumps(rec)  # plain JSON


def test_with_actuals_attaches_the_nowcast_and_keeps_the_scenario_hash() -> None:
    base = loaded()
    got = with_actuals(base, read(LC_ACTUALS))
    assert got.scenario.nowcast is not None and got.scenario.nowcast.as_of == LC_AS_OF
    assert got.actuals is not None and got.actuals["sha256"] == got.scenario.nowcast.sha256
    assert got.hash == base.hash and base.scenario.nowcast is None and base.actuals is None


# --------------------------------------------------------------------------- bad files

BAD: list[tuple[str, str, list[str]]] = [
    ("unknown_id", HEADER + "2021-12-31,lc-city-sc,640万元,,\n",
     ["actuals.csv:2:", "lc-city-sc", "unknown id", "did you mean 'lc-city-sci'?"]),
    ("missing_column", "date,id,amount\n2021-12-31,LC-6,4\n", ["actuals.csv:1:", "unknown column", "amount"]),
    ("no_value_column", "date,id,note\n2021-12-31,LC-6,4\n", ["actuals.csv:1:", "missing column value"]),
    ("column_typo", "date,id,vlaue\n2021-12-31,LC-6,4\n", ["unknown column", "did you mean 'value'?"]),
    ("column_twice", "date,id,value,数值\n2021-12-31,LC-6,4,4\n", ["actuals.csv:1:", "the same column twice"]),
    ("bad_date", HEADER + "2021-13-01,LC-6,4,,\n", ["actuals.csv:2:", "LC-6", "date cannot be read", "2021-13-01",
                                                   "YYYY-MM-DD"]),
    ("after_as_of", HEADER + "2022-03-31,LC-6,4,,\n", ["actuals.csv:2:", "LC-6", "date after --as-of", "2022-03-31",
                                                      "not after --as-of 2021-12-31"]),
    ("before_start", HEADER + "2019-12-31,lc-city-sci,0,,\n", ["actuals.csv:2:", "before the scenario's start",
                                                              "2020-01-01"]),
    ("not_a_number", HEADER + "2021-12-31,LC-6,four,,\n", ["actuals.csv:2:", "LC-6", "not a number", "'four'"]),
    ("negative_count", HEADER + "2021-12-31,LC-6,-4,,\n", ["actuals.csv:2:", "LC-6", "negative value", "'-4'"]),
    ("negative_amount", HEADER + "2021-12-31,lc-city-sci,-100万元,,\n", ["lc-city-sci", "negative value"]),
    ("fractional_count", HEADER + "2021-12-31,LC-6,2.5,,\n", ["LC-6", "not a whole number", "'2.5'"]),
    ("bad_amount", HEADER + "2021-12-31,lc-city-sci,5千万,,\n", ["amount cannot be read", "did you mean '5000万元'?"]),
    ("paid_goes_down", HEADER + "2020-12-31,lc-city-sci,640万元,,\n2021-12-31,lc-city-sci,240万元,,\n",
     ["actuals.csv:3:", "lc-city-sci", "cumulative amount paid goes down", "(line 2)"]),
    ("claims_go_down", HEADER + "2020-12-31,LC-3,4,,\n2021-12-31,LC-3,3,,\n",
     ["actuals.csv:3:", "LC-3", "cumulative claims paid go down"]),
    ("over_budget", HEADER + "2020-12-31,lc-city-sci,600万元,,\n",
     ["actuals.csv:2:", "lc-city-sci", "exceeds the appropriations so far", "up to 2020"]),
    ("duplicate", HEADER + "2021-12-31,LC-6,4,,\n2021-12-31,LC-6,5,,\n",
     ["actuals.csv:3:", "LC-6", "the same date and id twice", "first given on line 2"]),
    ("money_unit_on_count", HEADER + "2021-12-31,LC-6,4,万元,\n", ["LC-6", "unit does not fit"]),
    ("count_unit_on_fund", HEADER + "2021-12-31,lc-city-sci,640,个,\n", ["lc-city-sci", "unit does not fit", "万元"]),
    ("unit_twice", HEADER + "2021-12-31,lc-city-sci,640万元,亿元,\n", ["lc-city-sci", "disagree"]),
    ("extra_cells", "date,id,value\n2021-12-31,LC-6,4,oops\n", ["actuals.csv:2:", "more cells than the header"]),
    ("missing_value", HEADER + "2021-12-31,LC-6,,,\n", ["actuals.csv:2:", "LC-6", "missing value"]),
    ("control_character_in_note", HEADER + "2021-12-31,LC-6,4,,see \x1b]0;x\x07 here\n",
     ["actuals.csv:2:", "note:", "control character U+001B"]),
    ("header_only", HEADER, ["actuals.csv", "no actual figures"]),
    ("empty", "", ["actuals.csv", "no actual figures"]),
]


@pytest.mark.parametrize(("text", "words"), [(t, w) for _, t, w in BAD], ids=[n for n, _, _ in BAD])
def test_bad_file_is_refused_with_file_line_id_and_expected(tmp_path: Path, text: str, words: list[str]) -> None:
    message = refused(write(tmp_path, text))
    missing = [w for w in words if w not in message]
    assert not missing, f"missing {missing} in: {message}"
    assert "expected" in message


def test_every_bad_row_is_listed_at_once(tmp_path: Path) -> None:
    message = refused(write(tmp_path, HEADER + "2021-12-31,LC-7,4,,\n2021-12-31,LC-6,x,,\n2019-01-01,LC-6,1,,\n"))
    assert [line.split(":")[1] for line in message.splitlines()] == ["2", "3", "4"]


def test_not_utf8_binary_and_missing_file(tmp_path: Path) -> None:
    assert "not UTF-8" in refused(write(tmp_path, HEADER + "2021-12-31,LC-6,4,个,聊城\n", encoding="gbk"))
    assert "not a text file" in refused(write(tmp_path, "date,id,value\x00\n", "bin.csv"))
    assert "actuals file not found" in refused(tmp_path / "nope.csv")
    assert "cannot read the xlsx file" in refused(write(tmp_path, "not a workbook", "bad.xlsx"))


def test_as_of_outside_the_horizon_and_bad_as_of_text(tmp_path: Path) -> None:
    message = refused(LC_ACTUALS, as_of=date(2026, 1, 1))
    assert "--as-of: as-of date outside the scenario's horizon" in message and "2020-01-01 to 2024-12-31" in message
    with pytest.raises(InputError, match="date cannot be read"):
        as_of_date("31.12.2021x")
    assert as_of_date("2021/12/31") == LC_AS_OF


def test_actuals_and_as_of_go_together() -> None:
    check_pair(None, None)
    check_pair("a.csv", "2021-12-31")
    for a, d, named in (("a.csv", None, "--as-of"), (None, "2021-12-31", "--actuals")):
        with pytest.raises(InputError, match="go together") as info:
            check_pair(a, d)
        assert info.value.problems[0].path == named


def test_an_id_of_two_kinds_is_refused(tmp_path: Path) -> None:
    s = loaded().scenario
    twin = s.model_copy(update={"targets": {**s.targets, "lc-city-sci": s.targets["LC-6"]}})
    message = refused(write(tmp_path, HEADER + "2021-12-31,lc-city-sci,4,,\n"), scenario=twin)
    assert "names a target and a fund at once" in message and ":2:" in message


def test_over_budget_is_a_warning_for_a_fund_with_guidance_income(tmp_path: Path) -> None:
    s = loaded().scenario
    pool = next(g.fund for g in s.guidance_funds.values() if g.distributions == "credit_to_fund")
    got = read(write(tmp_path, HEADER + f"2020-12-31,{pool},5亿元,,\n"))
    assert len(got.warnings) == 1
    warning = str(got.warnings[0])
    assert pool in warning and "exceeds the appropriations" in warning and "guidance-fund distributions" in warning
    assert got.nowcast.funds[pool][0].fen == 50_000_000_000


def test_ids_the_model_cannot_hold_become_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Nowcast | None] = []

    def unsupported(scenario: Scenario) -> list[tuple[str, str]]:
        seen.append(scenario.nowcast)
        return [("LC-6", "a count of new platforms cannot be held yet")]

    monkeypatch.setattr(actuals_module, "unsupported", unsupported)
    message = refused(LC_ACTUALS)
    assert "liaocheng-2021.csv:4: LC-6:" in message and "a count of new platforms cannot be held yet" in message
    assert seen and seen[0] is not None and "LC-6" in seen[0].targets  # it was asked with the nowcast attached


def test_the_loader_refuses_a_nowcast_written_in_a_scenario(tmp_path: Path) -> None:
    path = write(tmp_path, f"extends: {LIAOCHENG}\nnowcast: {{as_of: 2021-12-31}}\n", "sc.yaml")
    with pytest.raises(InputError, match="`nowcast` cannot be written in a scenario") as info:
        load_scenario(path)
    assert info.value.problems[0].line == 2


# --------------------------------------------------------------------------- the command line


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), obj={})


def test_run_records_actuals_in_manifest_and_as_of_in_summary(tmp_path: Path) -> None:
    out = tmp_path / "run"
    res = invoke("--lang", "en", "run", str(LIAOCHENG), "--actuals", str(LC_ACTUALS), "--as-of", "2021-12-31",
                 "--reps", "2", "--engine", "fast", "--out", str(out))
    assert res.exit_code == 0, (res.output, res.exception)
    assert "based on actuals up to 2021-12-31" in res.stdout
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert manifest["actuals"] == read(LC_ACTUALS).record()
    assert summary["as_of"] == "2021-12-31"
    # resuming the finished run without --actuals takes the same file again and finds nothing to do
    res = invoke("--lang", "en", "run", str(LIAOCHENG), "--out", str(out), "--resume")
    assert res.exit_code == 0, res.output
    # ... but a changed actuals file is refused
    changed = write(tmp_path, LC_ACTUALS.read_text(encoding="utf-8").replace("640,万元", "650,万元"))
    res = invoke("--lang", "en", "run", str(LIAOCHENG), "--out", str(out), "--resume", "--actuals", str(changed),
                 "--as-of", "2021-12-31")
    assert res.exit_code == 2 and "cannot resume" in res.stderr and "actuals was" in res.stderr


def test_run_without_actuals_has_no_record_and_a_null_as_of(tmp_path: Path) -> None:
    out = tmp_path / "run"
    res = invoke("run", str(LIAOCHENG), "--reps", "1", "--engine", "fast", "--out", str(out))
    assert res.exit_code == 0, res.output
    assert "actuals" not in json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["as_of"] is None


@pytest.mark.parametrize(("extra", "words"), [
    (["--actuals", "BAD"], ["BAD", ":2:", "lc-city-sc", "unknown id"]),
    (["--actuals", str(LC_ACTUALS)], ["--as-of", "go together"]),
    (["--as-of", "2021-12-31"], ["--actuals", "go together"]),
    (["--actuals", str(LC_ACTUALS), "--as-of", "2025-06-30"], ["--as-of", "outside the scenario's horizon"]),
    (["--actuals", str(LC_ACTUALS), "--as-of", "end of 2021"], ["--as-of", "date cannot be read"]),
], ids=["unknown-id", "no-as-of", "no-actuals", "as-of-outside", "as-of-text"])
def test_run_refuses_bad_actuals_with_exit_2_and_writes_nothing(tmp_path: Path, extra: list[str],
                                                                words: list[str]) -> None:
    bad = write(tmp_path, HEADER + "2021-12-31,lc-city-sc,640万元,,\n")
    extra = [str(bad) if x == "BAD" else x for x in extra]
    if "--actuals" in extra and "--as-of" not in extra and extra[1] == str(bad):
        extra += ["--as-of", "2021-12-31"]
    words = [str(bad) if w == "BAD" else w for w in words]
    out = tmp_path / "run"
    for lang in ("en", "zh"):
        res = invoke("--lang", lang, "run", str(LIAOCHENG), "--reps", "1", "--out", str(out), *extra)
        assert res.exit_code == 2, (res.output, res.exception)
        assert res.exception is None or isinstance(res.exception, SystemExit)
        assert "Traceback" not in res.output
        assert_lang(res.stderr, lang)
        if lang == "en":
            missing = [w for w in words if w not in res.stderr]
            assert not missing, f"missing {missing} in: {res.stderr}"
        assert not out.exists()


def test_run_help_explains_the_options() -> None:
    res = invoke("run", "--help")
    assert "--actuals FILE" in res.stdout and "--as-of YYYY-MM-DD" in res.stdout
    assert "data/actuals/liaocheng-2021.csv" in res.stdout


# --------------------------------------------------------------------------- sweeps


def _spec(tmp_path: Path, **extra: str) -> Path:
    lines = [f"scenario: {LIAOCHENG}", "design: grid", "replications: 2",
             'factors: {programs.LC-3.rule.base.amount: {values: ["100万元", "200万元"]}}',
             *(f"{k}: {v}" for k, v in extra.items())]
    return write(tmp_path, "\n".join(lines) + "\n", "spec.yaml")


def test_sweep_points_keep_the_nowcast(tmp_path: Path) -> None:
    from simulator.sweep.runner import resolve_model_factory
    from simulator.sweep.scenario_model import ScenarioSweepModel
    from simulator.sweep.spec import load_spec

    (tmp_path / "act").mkdir()
    (tmp_path / "act" / "lc.csv").write_bytes(LC_ACTUALS.read_bytes())
    spec = load_spec(_spec(tmp_path, actuals="act/lc.csv", as_of="2021-12-31"))
    assert spec.as_of == LC_AS_OF and spec.actuals_path() == tmp_path / "act" / "lc.csv"
    model = resolve_model_factory(spec).build()
    assert isinstance(model, ScenarioSweepModel)
    point = model.scenario_at({"programs.LC-3.rule.base.amount": "100万元"})
    assert point.nowcast is not None and point.nowcast.funds == read(LC_ACTUALS).nowcast.funds
    assert point.programs["LC-3"].rule.base.amount == 100_000_000  # type: ignore[union-attr]


def test_sweep_spec_keys_go_together_and_the_file_is_in_the_hash(tmp_path: Path) -> None:
    from simulator.sweep.spec import SweepSpecError, load_spec, spec_hash

    with pytest.raises(SweepSpecError, match="as_of"):
        load_spec(_spec(tmp_path, actuals="lc.csv"))
    with pytest.raises(SweepSpecError, match="actuals"):
        load_spec(_spec(tmp_path, as_of="2021-12-31"))
    (tmp_path / "lc.csv").write_bytes(LC_ACTUALS.read_bytes())
    spec = load_spec(_spec(tmp_path, actuals="lc.csv", as_of="2021-12-31"))
    before = spec_hash(spec)
    assert before != spec_hash(load_spec(_spec(tmp_path)))
    (tmp_path / "lc.csv").write_text(LC_ACTUALS.read_text(encoding="utf-8").replace("640,", "650,"), encoding="utf-8")
    assert spec_hash(spec) != before


def test_sweep_with_bad_actuals_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    write(tmp_path, HEADER + "2021-12-31,LC-66,4,,\n", "bad.csv")
    spec = _spec(tmp_path, actuals="bad.csv", as_of="2021-12-31")
    out = tmp_path / "sweep"
    res = invoke("--lang", "en", "sweep", str(spec), "--out", str(out), "--serial")
    assert res.exit_code == 2, (res.output, res.exception)
    assert "bad.csv:2: LC-66: unknown id" in res.stderr and "did you mean 'LC-6'?" in res.stderr
    assert not out.exists()


def test_doctests() -> None:
    import doctest

    result = doctest.testmod(actuals_module)
    assert result.attempted > 0 and result.failed == 0


def test_sweep_as_of_outside_the_horizon_names_the_spec(tmp_path: Path) -> None:
    from simulator.sweep.runner import spec_actuals
    from simulator.sweep.spec import load_spec

    (tmp_path / "lc.csv").write_bytes(LC_ACTUALS.read_bytes())
    spec = load_spec(_spec(tmp_path, actuals="lc.csv", as_of="2030-12-31"))
    with pytest.raises(InputError) as info:
        spec_actuals(spec)
    assert str(info.value).startswith(f"{tmp_path / 'spec.yaml'}: as_of: as-of date outside the scenario's horizon")
