"""The `fiscalsim` command line.

Every command reads its inputs through the loader, so bad input always ends in
one clear message per problem and exit status 2, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from simulator import __version__
from simulator.cli_support import (
    BAD_SET_VALUE,
    EXIT_INPUT,
    FiscalsimGroup,
    fail,
    input_errors,
    lang_of,
)
from simulator.errors import InputError, Problem, StoreError
from simulator.i18n import Lang, Msg, did_you_mean_hint, localized, t
from simulator.loader import LoadedScenario, load_scenario, split_path
from simulator.names import cell_text, printable


@click.group(cls=FiscalsimGroup,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="fiscalsim")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of messages and reports / 输出语言.")
@click.pass_context
def main(ctx: click.Context, lang: str) -> None:
    """fiscalsim: 财政科技资金情景模拟 (fiscal scenario simulator).

    \b
    Typical use / 常用流程:
      fiscalsim validate scenarios/*.yaml
      fiscalsim explain scenarios/zibo.yaml programs.ZB-4.rule.cap
      fiscalsim award scenarios/zibo.yaml ZB-4 --set quantity=15000
      fiscalsim run scenarios/liaocheng.yaml --reps 200 --out out/liaocheng
      fiscalsim report out/liaocheng          # -> reports/liaocheng.pdf
    """
    ctx.ensure_object(dict)
    ctx.obj["lang"] = lang


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_context
def validate(ctx: click.Context, paths: Sequence[Path]) -> None:
    """Check scenario (and params) files; exit 0 if all are valid, 2 otherwise.

    \b
    Example:
      fiscalsim validate scenarios/*.yaml scenarios/variants/*.yaml
    Files under a `params/` folder are checked as params files.
    """
    from simulator.params import load_params

    lang = lang_of(ctx)
    bad = 0
    for path in paths:
        try:
            if path.parent.name == "params":
                load_params(path)
            else:
                load_scenario(path)
            click.echo(f"{printable(path)}: {t('valid', lang)}")
        except InputError as exc:
            bad += 1
            for problem in exc.problems:
                click.echo(printable(problem.render(lang), multiline=True), err=True)
    if bad:
        click.echo(t("bad_files", lang, n=bad, total=len(paths)), err=True)
        raise click.exceptions.Exit(EXIT_INPUT)
    click.echo(t("all_valid", lang, n=len(paths)))


@main.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.argument("key", required=False)
@click.pass_context
@input_errors
def explain(ctx: click.Context, scenario: Path, key: str | None) -> None:
    """Show the resolved value of KEY with its source and how it was set.

    Without KEY, list every number in the scenario with its source.

    \b
    Examples:
      fiscalsim explain scenarios/zibo.yaml programs.ZB-4.rule.cap
      fiscalsim explain scenarios/variants/liaocheng-fund-cut.yaml funds
    """
    lang = lang_of(ctx)
    loaded = load_scenario(scenario)
    if key is None:
        for row in loaded.inputs():
            click.echo(_input_line(row))
        return
    try:
        split_path(key)
        value = loaded.value_at(key)
    except (KeyError, ValueError):
        from simulator.errors import did_you_mean

        guess = did_you_mean(key, [r["path"] for r in loaded.inputs()] + list(loaded.origins))
        raise InputError(Problem(Msg("解析后的情景中没有这个键", "no such key in the resolved scenario"),
                                 file=str(scenario), path=key,
                                 expected=Msg("以点分隔的键路径，如 programs.ZB-4.rule.cap",
                                              "a dotted key path such as programs.ZB-4.rule.cap"),
                                 hint=did_you_mean_hint(guess))) from None
    if isinstance(value, dict | list):
        click.echo(f"{printable(key)}:")
        rows = [r for r in loaded.inputs() if r["path"] == key or r["path"].startswith(key + ".")]
        for row in rows:
            click.echo("  " + _input_line(row))
    else:
        prov = loaded.provenance.get(key)
        click.echo(f"{printable(key)} = {printable(value)}")
        if prov is not None:
            click.echo(printable(f"  {t('source', lang)}: [{prov.kind}] {prov.source}"
                                 + (f" — {prov.rationale}" if prov.rationale and prov.kind != "assumption" else "")))
    chain = loaded.origins.get(key, ())
    if chain:
        click.echo(f"  {t('chain', lang)}:")
        for origin in chain:
            click.echo(f"    - {printable(origin)}")


def _input_line(row: dict[str, str]) -> str:
    """One input of ``explain``: path, value and source, control characters escaped."""
    return printable(f"{row['path']} = {row['value']}    [{row['source_kind']}] {row['source']}")


def _actuals_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options ``--actuals FILE --as-of DATE`` of ``run`` (a nowcast: start from actual figures)."""
    func = click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
                        help="The date up to which --actuals holds the actual history; the projection starts "
                             "after it.")(func)
    return click.option("--actuals", type=click.Path(path_type=Path), default=None, metavar="FILE",
                        help="Start from actual figures (nowcast): a CSV or xlsx file with columns date,id,value "
                             "(optional unit,note); id is a target, fund, program or population id. Needs --as-of. "
                             "Example: --actuals data/actuals/liaocheng-2021.csv --as-of 2021-12-31 "
                             "(README: Nowcast).")(func)


def _nowcast(loaded: LoadedScenario, actuals: Path | None, as_of: str | None, resumed: Path | None,
             lang: Lang) -> LoadedScenario:
    """The scenario with the actuals of ``--actuals``/``--as-of`` attached, their warnings printed.

    On ``--resume`` without them, the stopped run's actuals file and date are
    read again (the runner refuses them if the file changed).
    """
    from simulator.actuals import attach_actuals, check_pair
    from simulator.runner import read_run_manifest

    check_pair(actuals, as_of)
    was = read_run_manifest(resumed).get("actuals") if resumed is not None and actuals is None else None
    if isinstance(was, dict) and as_of is None:
        actuals, as_of = Path(str(was.get("file"))), str(was.get("as_of"))
    if actuals is None or as_of is None:
        return loaded
    loaded, warnings = attach_actuals(loaded, actuals, as_of)
    for warning in warnings:
        click.echo(printable(f"{t('act_warning', lang)}: {warning.render(lang)}", multiline=True), err=True)
    return loaded


@main.command("run")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--reps", type=click.IntRange(1, 1_000_000), default=None,
              help="Number of Monte Carlo replications (default: 200; with --resume: the stopped run's).")
@click.option("--seed", type=click.IntRange(0), default=None,
              help="Root seed (default: the scenario's `seed`; with --resume: the stopped run's).")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Result folder to create.")
@click.option("--jobs", type=click.IntRange(1, 256), default=None,
              help="Worker processes; results are identical whatever the number. Default: every CPU when the run "
                   "has enough blocks to repay starting them (4 or more blocks of the vectorised engine, i.e. more "
                   "than 150 replications; 2 or more of the SimPy engine), else 1.")
@click.option("--engine", type=click.Choice(["auto", "fast", "des"]), default=None,
              help="fast: vectorised engine (many replications at once); des: SimPy event-by-event reference "
                   "engine (the one `trace` replays); auto (default): fast above 10 replications, des up to 10. "
                   "The two agree in distribution, not draw for draw.")
@click.option("--force", is_flag=True, help="Overwrite an existing result folder.")
@click.option("--resume", is_flag=True,
              help="Finish a stopped run in OUT (Ctrl-C, kill, crash): keep its verified blocks, run the rest. "
                   "The scenario (and --set) must be the same.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="Override a scenario value by dotted path, e.g. programs.ZB-4.rule.cap=80万元.")
@click.option("--fixed-params", is_flag=True,
              help="Keep every behaviour parameter at its central value, without yearly shocks: the bands show "
                   "chance only (for debugging and engine comparisons). By default each group of replications "
                   "draws its parameters from their priors (docs/uncertainty.md).")
@click.option("--group-size", type=click.IntRange(1, 10_000), default=None,
              help="Replications per parameter draw (default: the scenario's uncertainty.group_size, else 10).")
@_actuals_options
@click.pass_context
@input_errors
def run_cmd(ctx: click.Context, scenario: Path, reps: int | None, seed: int | None, out: Path, jobs: int | None,
            engine: str | None, force: bool, resume: bool, sets: Sequence[str], fixed_params: bool,
            group_size: int | None, actuals: Path | None, as_of: str | None) -> None:
    """Run REPS replications of SCENARIO and write a result store to OUT.

    Above 10 replications the vectorised engine runs them (a block of 50 at a
    time); up to 10, or with --engine des, the SimPy reference engine, whose
    replications `fiscalsim trace` can replay event by event.

    Ctrl-C (or SIGTERM) stops a run cleanly and keeps its finished blocks;
    `--resume` finishes it with the same results as an uninterrupted run.
    Only one process writes a result folder at a time.

    \b
    Examples:
      fiscalsim run scenarios/liaocheng.yaml --reps 200 --out out/liaocheng
      fiscalsim run scenarios/shandong.yaml --reps 1000 --jobs 2 --out out/shandong --force
      fiscalsim run scenarios/shandong.yaml --out out/shandong --resume
      fiscalsim run scenarios/zibo.yaml --reps 200 --engine des --out out/zibo-des
      fiscalsim run scenarios/taian.yaml --reps 500 --fixed-params --out out/taian-chance
      fiscalsim run scenarios/liaocheng.yaml --actuals data/actuals/liaocheng-2021.csv --as-of 2021-12-31 --out out/lc-now
    Then: fiscalsim report out/liaocheng   (writes reports/liaocheng.pdf)
    """
    from simulator.commands import resume_command
    from simulator.lock import StoreLock
    from simulator.paths import check_output_dir
    from simulator.runner import RunError, RunInterrupted, RunOptions, read_run_manifest
    from simulator.runner import run as run_scenario

    lang = lang_of(ctx)
    zh = lang == "zh"
    if resume and force:
        fail("--resume 与 --force 不能同时使用" if zh else "--resume and --force cannot be used together")
    check_output_dir(out)
    loaded = _nowcast(load_scenario(scenario, overrides=_parse_overrides(sets) or None, overrides_from="--set {key}={value}"),
                      actuals, as_of, out if resume else None, lang)
    block: int | None = None
    fixed: bool | None = True if fixed_params else None
    if resume:
        try:
            old = read_run_manifest(out)
        except RunError as exc:
            fail(exc.message(lang))
            return
        reps = int(old.get("reps", 0)) if reps is None else reps
        seed = int(old.get("seed", 0)) if seed is None else seed
        engine = str(old.get("engine", "auto")) if engine is None else engine
        block = int(old["block"]) if isinstance(old.get("block"), int) else None
        was: dict[str, Any] = old["uncertainty"] if isinstance(old.get("uncertainty"), dict) else {}
        fixed = bool(was.get("fixed_params")) if fixed is None and "fixed_params" in was else fixed
        group_size = int(was["group_size"]) if group_size is None and isinstance(was.get("group_size"), int) else group_size
        if old.get("status") == "complete":
            click.echo(f"{out}: 该运行已完成，无需续算" if zh else f"{out}: this run is already complete; nothing to resume",
                       err=True)
    opts = RunOptions(reps=200 if reps is None else reps, seed=loaded.scenario.scenario.seed if seed is None else seed,
                      out=out, jobs=jobs, engine=engine or "auto", force=force, block=block, resume=resume,
                      sets=tuple(sets), lang=lang, fixed_params=fixed, group_size=group_size)

    def stale(lock: StoreLock) -> None:
        click.echo(lock.stale_message(lang), err=True)

    try:
        store = run_scenario(loaded, opts, on_stale_lock=stale)
    except RunInterrupted as exc:
        cmd = resume_command(scenario, out, sets)
        click.echo(f"已中断：{exc.done}/{exc.reps} 次重复已保存在 {out}；续算：{cmd}" if zh else
                   f"Interrupted: {exc.done} of {exc.reps} replications are kept in {out}; to resume: {cmd}", err=True)
        raise click.exceptions.Exit(128 + exc.signum) from None
    except KeyboardInterrupt:  # Ctrl-C before the run's blocks started (loading, locking, clearing --force)
        click.echo("已中断" if zh else "Interrupted", err=True)
        raise click.exceptions.Exit(130) from None
    except RunError as exc:
        fail(exc.message(lang))
        return
    except StoreError as exc:
        fail(localized(exc, lang))
        return
    print_summary(store.summary, store.manifest, lang)
    click.echo(("结果已写入 " if zh else "Results written to ") + str(out))
    click.echo(("生成报告: " if zh else "Make the report: ") + f"fiscalsim report {out}   (-> reports/{out.name}.pdf)")


def _parse_overrides(sets: Sequence[str]) -> dict[str, Any]:
    import yaml

    from simulator.yamlio import load_text

    out: dict[str, Any] = {}
    for item in sets:
        if "=" not in item:
            raise InputError(Problem(Msg("--set 格式错误", "bad --set"), path="--set", value=item, has_value=True,
                                     expected=Msg("KEY=VALUE，KEY 为以点分隔的键路径",
                                                  "KEY=VALUE with KEY a dotted path")))
        k, v = item.split("=", 1)
        try:
            out[k.strip()] = load_text(v)
        except yaml.YAMLError:
            out[k.strip()] = v
        except (ValueError, OverflowError) as exc:  # e.g. an impossible date such as 2020-02-30
            raise InputError(Problem(BAD_SET_VALUE, path=f"--set {k.strip()}", value=v, has_value=True,
                                     expected=Msg(f"有效的取值（{exc}）", f"a valid value ({exc})"))) from None
    return out


def _num(x: float) -> str:
    """A readable number: thousands separators, at most 3 decimals for small values."""
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def print_summary(summary: dict[str, Any], manifest: dict[str, Any], lang: Lang) -> None:
    """A short human summary of a run."""
    from simulator.report.fmt import money_yuan

    zh = lang == "zh"
    sc = manifest["scenario"]
    name = sc["name"] if zh else sc.get("name_en") or sc["name"]
    seconds = manifest["timings"].get("total_s", 0)
    click.echo(printable(f"{name}（{manifest['reps']} 次重复，随机种子 {manifest['seed']}，{seconds:.1f} 秒）" if zh else
                         f"{name}  ({manifest['reps']} replications, seed {manifest['seed']}, {seconds:.1f} s)"))
    click.echo("资金:" if zh else "Funds:")
    for fid, f in summary["funds"].items():
        ex = f"{f['p_exhausted']:.0%}" + (f" ({f['exhaustion_median']})" if f["exhaustion_median"] else "")
        click.echo(f"  {printable(fid):<22} {'预算安排' if zh else 'appropriated'} {money_yuan(f['appropriated_yuan'], lang)}"
                   f"  {'拨付中位数' if zh else 'median drawn'} {money_yuan(f['drawn_yuan']['p50'], lang)}"
                   f"  {'出现缺口概率' if zh else 'P(exhausted)'} {ex}")
    click.echo("目标:" if zh else "Targets:")
    for tid, tg in summary["targets"].items():
        unit = manifest.get("targets", {}).get(tid, {}).get("unit", "count")
        show = (lambda x: money_yuan(x, lang)) if unit == "yuan" else _num
        tname = tg["name"] if zh else manifest.get("targets", {}).get(tid, {}).get("name_en") or tg["name"]
        click.echo(f"  {tid:<8} {'达成概率' if zh else 'P(attained)'} {tg['p_attained']:>5.0%}   "
                   f"{'截止值中位数' if zh else 'median at deadline'} {show(tg['p50'])} / {show(tg['threshold'])}  {printable(tname)}")
    actuals = manifest.get("actuals")
    if isinstance(actuals, dict):
        click.echo(printable(t("act_based_on", lang, as_of=actuals.get("as_of"), file=actuals.get("file"),
                               rows=len(actuals.get("rows") or []))))


@main.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--rep", type=click.IntRange(0), default=0, show_default=True, help="Replication index to trace.")
@click.option("--seed", type=click.IntRange(0), default=None, help="Root seed (default: the scenario's `seed`).")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Write the events to a CSV file instead of printing them.")
@click.option("--only", multiple=True, type=click.Choice(["firm", "platform", "incubator", "claim", "review",
                                                         "payment", "fiscal-year"]),
              help="Show only these kinds of event (repeatable).")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@click.option("--fixed-params", is_flag=True, help="Replay with central parameter values, as `run --fixed-params`.")
@click.option("--group-size", type=click.IntRange(1, 10_000), default=None,
              help="Replications per parameter draw of the run to follow (default: as `run`).")
@click.pass_context
@input_errors
def trace(ctx: click.Context, scenario: Path, rep: int, seed: int | None, out: Path | None,
          only: Sequence[str], force: bool, fixed_params: bool, group_size: int | None) -> None:
    """Replay one replication with the SimPy engine and list its events.

    The SimPy engine is the reference engine.  The replication is the same as
    replication REP of `fiscalsim run --engine des` with the same seed, so a
    surprising number can be followed event by event.  Runs with the fast
    engine (the default above 10 replications) agree with it in distribution,
    not draw for draw: to follow one replication of a report exactly, make the
    run with `--engine des`.  The replication runs on its group's parameter
    draw, as in `run` (with the same --fixed-params and --group-size).

    \b
    Examples:
      fiscalsim trace scenarios/zibo.yaml --rep 3 --only review --only payment
      fiscalsim trace scenarios/liaocheng.yaml --rep 0 --out out/trace.csv
    """
    from simulator.engines.des.world import run_replication
    from simulator.model.calendar import Calendar
    from simulator.uncertainty.draws import build_plan, segments

    loaded = load_scenario(scenario)
    s = loaded.scenario
    root = s.scenario.seed if seed is None else seed
    plan = build_plan(loaded, fixed=True if fixed_params else None, group_size=group_size)
    events: list[tuple[float, str, str, str]] = []
    run_replication(segments(plan, s, root, rep, rep + 1, rep + 1)[0].scenario, root, rep, trace=events)
    cal = Calendar(s.scenario.start, s.scenario.end)
    rows = [(f"{cal.label(min(int(t), cal.n_months - 1))}", f"{t:.3f}", what, who, detail)
            for t, what, who, detail in events if not only or what in only]
    if out is not None:
        import csv

        if out.exists() and not force:
            fail(f"{out}：已存在；用 --force 覆盖" if lang_of(ctx) == "zh" else
                 f"{out}: already exists; use --force to overwrite it")
        with out.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["month", "t_months", "event", "who", "detail"])
            writer.writerows([cell_text(printable(v)) for v in row] for row in rows)
        click.echo(f"{len(rows)} 个事件 -> {out}" if lang_of(ctx) == "zh" else f"{len(rows)} events -> {out}")
        return
    for month, tm, what, who, detail in rows:
        click.echo(printable(f"{month}  t={tm:>8}  {what:<11} {who:<28} {detail}"))


def _param_keys(text: str) -> list[str]:
    """The dotted paths of ``calibrate --params``: at least one, each once."""
    keys = [k.strip() for k in text.split(",") if k.strip()]
    if not keys:
        raise InputError(Problem(Msg("没有要拟合的参数", "no parameter to fit"), path="--params", value=text,
                                 has_value=True,
                                 expected=Msg("一个或多个以点分隔的路径，如 populations.taian.firms.hte_rate",
                                              "one or more dotted paths, e.g. populations.taian.firms.hte_rate")))
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise InputError(Problem(Msg("同一参数出现两次", "the same parameter twice"), path="--params",
                                 value=", ".join(twice), has_value=True,
                                 expected=Msg("每个参数只出现一次", "each parameter once")))
    return keys


@main.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--observed", type=click.Path(path_type=Path), required=True,
              help="CSV with columns year,metric,value (metric: a target id, firms.<state> or platforms.<type>.<tier>).")
@click.option("--params", "param_keys", default=None, metavar="KEY,KEY...",
              help="Dotted scenario paths to fit (default: populations.<city>.firms.hte_rate); the growth is added "
                   "for the trend form.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Params file of the posterior medians (default: params/<scenario id>-fitted.yaml).")
@click.option("--posterior", "posterior_out", type=click.Path(path_type=Path), default=None,
              help="Posterior file (default: params/<scenario id>-posterior.yaml).")
@click.option("--forms", type=click.Choice(["both", "constant", "trend"]), default="both", show_default=True,
              help="Growth forms to fit; with both, Akaike's criterion chooses.")
@click.option("--walkers", type=click.IntRange(4, 1000), default=8, show_default=True, help="emcee walkers.")
@click.option("--steps", type=click.IntRange(2, 100_000), default=24, show_default=True, help="Steps of each walker.")
@click.option("--burn", type=click.IntRange(0), default=8, show_default=True, help="Steps dropped at the start.")
@click.option("--groups", type=click.IntRange(1, 1000), default=6, show_default=True,
              help="Replication groups per proposal (one draw of year factors each).")
@click.option("--reps", type=click.IntRange(1, 10_000), default=4, show_default=True,
              help="Replications per group (common random numbers across proposals).")
@click.option("--check-draws", type=click.IntRange(1, 10_000), default=30, show_default=True,
              help="Posterior draws simulated for the predictive check.")
@click.option("--seed", type=click.IntRange(0), default=0, show_default=True)
@click.option("--city", default=None, help="City whose population is replayed (default: the only city).")
@click.option("--force", is_flag=True, help="Overwrite the output files if they exist.")
@click.pass_context
@input_errors
def calibrate(ctx: click.Context, scenario: Path, observed: Path, param_keys: str | None, out: Path | None,
              posterior_out: Path | None, forms: str, walkers: int, steps: int, burn: int, groups: int, reps: int,
              check_draws: int, seed: int, city: str | None, force: bool) -> None:
    """Sample the posterior of behaviour parameters of SCENARIO given an observed history.

    A synthetic likelihood sampled with emcee: at each proposal the history is
    replayed with the fast engine (from the first observation, with the
    scenario's behaviour and no policy money). Only observations dated up to
    the scenario's start are fitted; later ones are checked. Writes the
    posterior file (draws, priors, provenance, the predictive check) and a
    params file of its medians. The defaults take about 1.5 minutes of CPU
    (one core; longer on a busy machine).

    \b
    Example (the shipped Tai'an posterior):
      fiscalsim calibrate scenarios/taian.yaml --observed data/observed/taian_hte.csv --force
    """
    import os
    from datetime import date as _date

    from tqdm import tqdm

    from simulator.calibrate import Settings, fitted_params_yaml, posterior_yaml, read_observed
    from simulator.calibrate import calibrate as fit
    from simulator.calibrate.sampler import evaluations
    from simulator.calibrate.text import summary_lines
    from simulator.paths import check_output_file
    from simulator.storeio import atomic_write_bytes

    lang = lang_of(ctx)
    if burn >= steps:
        raise InputError(Problem(Msg("预烧步数不少于总步数", "burn-in is not shorter than the run"), path="--burn",
                                 value=burn, has_value=True, expected=Msg(f"小于 --steps（{steps}）", f"less than --steps ({steps})")))
    loaded = load_scenario(scenario)
    obs = read_observed(observed)
    sid = loaded.scenario.scenario.id
    target = out or Path("params") / f"{sid}-fitted.yaml"
    post_path = posterior_out or Path("params") / f"{sid}-posterior.yaml"
    cities = loaded.scenario.cities()
    keys = _param_keys(param_keys) if param_keys is not None else [
        f"populations.{city or (cities[0] if cities else '?')}.firms.hte_rate"]
    check_output_file(target, force=force)
    check_output_file(post_path, force=force, option="--posterior")
    chosen = ("constant", "trend") if forms == "both" else (forms,)
    settings = Settings(walkers=walkers, steps=steps, burn=burn, groups=groups, reps=reps, seed=seed,
                        check_draws=check_draws)
    zh = lang == "zh"
    bar = tqdm(total=evaluations(settings, len(chosen)), desc="校准" if zh else "calibrating",
               unit="次模拟" if zh else "sim", file=sys.stderr, mininterval=0.5,
               disable=not sys.stderr.isatty() and not os.environ.get("FISCALSIM_PROGRESS"))
    try:
        post = fit(loaded, obs, keys, observed_file=observed, settings=settings, forms=chosen, city=city,
                   progress=bar.update)
    finally:
        bar.close()
    first = min(o.year for o in obs)
    atomic_write_bytes(post_path, posterior_yaml(post).encode("utf-8"))
    atomic_write_bytes(target, fitted_params_yaml(post, str(post_path), _date(first, 1, 1)).encode("utf-8"))
    for line in summary_lines(post, lang):
        click.echo(line)
    click.echo(f"后验 -> {post_path}；后验中位数 -> {target}" if lang == "zh" else
               f"posterior -> {post_path}; posterior medians -> {target}")


def _register() -> None:
    from simulator.award_cli import award
    from simulator.guidance_cli import fund_curve
    from simulator.report.cli import register as register_report
    from simulator.sweep.cli import sweep, sweep_summary
    from simulator.verify_cli import verify_command

    register_report(main)
    main.add_command(fund_curve)
    main.add_command(sweep)
    main.add_command(sweep_summary)
    main.add_command(verify_command)
    main.add_command(award)


_register()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
