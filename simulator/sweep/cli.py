"""Command-line entry points: ``fiscalsim sweep`` and ``fiscalsim sweep-summary``.

Both are standalone :func:`click.command` objects, registered on the main
``fiscalsim`` group elsewhere. For direct use without the main group::

    python -m simulator.sweep.cli sweep SPEC --out DIR
    python -m simulator.sweep.cli sweep-summary DIR

Invalid input (spec, options, output directory) prints one message to stderr
and exits with status 2; a failing model exits with status 1; an interrupted
sweep exits with status 130 and can be continued with ``--resume``.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, NoReturn

import click

from simulator.errors import InputError
from simulator.i18n import Lang, Msg, Text, localized, pick
from simulator.names import printable
from simulator.sweep.analysis import SweepSummary, summarise_sweep
from simulator.sweep.errors import SweepRunError, SweepSetupError, SweepSpecError
from simulator.sweep.executors import make_executor
from simulator.sweep.limits import over_limit, sweep_size
from simulator.sweep.model import ModelFactory
from simulator.sweep.precheck import check_factors
from simulator.sweep.runner import resolve_model_factory, run_sweep, spec_actuals
from simulator.sweep.scenario_model import ScenarioFactory
from simulator.sweep.spec import SweepSpec, load_spec
from simulator.sweep.store import SweepStoreError

__all__ = ["main", "make_sweep_command", "sweep", "sweep_summary"]


def _lang() -> Lang:
    """The language chosen with ``fiscalsim --lang`` (zh when the command runs on its own)."""
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root().obj if ctx is not None else None
    lang = root.get("lang") if isinstance(root, dict) else None
    return "en" if lang == "en" else "zh"


def _say(message: Text) -> str:
    """A message in the chosen language."""
    return pick(message, _lang())


def _fail(message: Text | BaseException, code: int = 2) -> NoReturn:
    """Print one error line, in the chosen language, to stderr and exit with ``code``."""
    lang = _lang()
    text = localized(message, lang) if isinstance(message, BaseException) else pick(message, lang)
    label = "错误：" if lang == "zh" else "error: "
    click.echo(label + printable(text, multiline=True), err=True)
    raise click.exceptions.Exit(code)


_SWEEP_PARAMETERS: tuple[Callable[[Callable[..., None]], Callable[..., None]], ...] = (
    click.argument("spec_file", metavar="SPEC", type=click.Path(dir_okay=False, path_type=Path)),
    click.option(
        "--out",
        "out_dir",
        required=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="结果目录 (output directory).",
    ),
    click.option("--resume", is_flag=True, help="续算已有结果目录 (continue a sweep in DIR)."),
    click.option(
        "--force", is_flag=True, help="清空已有结果目录后重算 (wipe an existing sweep in DIR)."
    ),
    click.option(
        "--jobs",
        type=click.IntRange(min=1),
        metavar="N",
        help="本机进程数 (local worker processes; default: one per CPU).",
    ),
    click.option("--serial", is_flag=True, help="在本进程内顺序运行 (run in this process)."),
    click.option(
        "--scheduler", metavar="ADDRESS", help="Dask 调度器地址 (Dask scheduler address)."
    ),
    click.option(
        "--dask-local",
        type=click.IntRange(min=1),
        metavar="N",
        help="本机 Dask 集群工作进程数 (local Dask cluster workers).",
    ),
    click.option(
        "--engine",
        type=click.Choice(["fast", "des"]),
        help="覆盖规格中的引擎 (override the spec's engine).",
    ),
    click.option(
        "--factor",
        "factors",
        multiple=True,
        metavar="PATH=lo:hi[:n]|PATH=a,b,c",
        help="增加或替换因子 (add or replace a factor; repeatable).",
    ),
    click.option(
        "--replications",
        type=click.IntRange(min=1),
        help="覆盖每点重复次数 (override replications).",
    ),
    click.option("--samples", type=click.IntRange(min=1), help="覆盖样本量 (override samples)."),
    click.option("--seed", type=click.IntRange(min=0), help="覆盖随机种子 (override seed)."),
    click.option(
        "--allow-large",
        is_flag=True,
        help="允许超过默认规模上限 (run a sweep beyond the default size limits; the estimate is printed first).",
    ),
    click.option(
        "--progress/--no-progress",
        default=None,
        help="强制显示/隐藏进度条 (force the progress bar on/off; default: only on a terminal).",
    ),
)
"""The arguments and options of ``fiscalsim sweep``, outermost first."""


def make_sweep_command(
    resolve: Callable[[SweepSpec], ModelFactory] = resolve_model_factory,
) -> click.Command:
    """Build the ``sweep`` command.

    Args:
        resolve: Returns the model factory a spec asks for; the default runs
            scenario files on the real scenario model. Tests pass one that also
            knows their test models.

    Returns:
        The click command.
    """

    def sweep(**options: Any) -> None:
        """运行参数扫描 (run a parameter sweep described by SPEC)."""
        _sweep(resolve, **options)

    for parameter in reversed(_SWEEP_PARAMETERS):
        sweep = parameter(sweep)
    return click.command("sweep")(sweep)


def _sweep(
    resolve: Callable[[SweepSpec], ModelFactory],
    *,
    spec_file: Path,
    out_dir: Path,
    resume: bool,
    force: bool,
    jobs: int | None,
    serial: bool,
    scheduler: str | None,
    dask_local: int | None,
    engine: str | None,
    factors: tuple[str, ...],
    replications: int | None,
    samples: int | None,
    seed: int | None,
    allow_large: bool,
    progress: bool | None,
) -> None:
    """Run the ``sweep`` command (see :func:`make_sweep_command`)."""
    if resume and force:
        _fail(Msg("--resume 与 --force 不能同时使用", "--resume and --force are mutually exclusive"))
    try:
        spec = load_spec(
            spec_file,
            engine=engine,
            factors=factors,
            replications=replications,
            samples=samples,
            seed=seed,
        )
        executor = make_executor(
            serial=serial, jobs=jobs, scheduler=scheduler, dask_local=dask_local
        )
    except (SweepSpecError, ValueError) as exc:
        _fail(exc)
    _check_size(spec, jobs, allow_large)
    show: bool | Literal["always"] = "always" if progress else (progress is None)
    try:
        actuals = spec_actuals(spec)  # checked before anything is written; warnings printed once
        for warning in actuals.warnings if actuals is not None else ():
            click.echo(printable(_say(Msg("警告：", "warning: ")) + warning.render(_lang())), err=True)
        factory = resolve(spec)
        if isinstance(factory, ScenarioFactory):
            check_factors(spec)
        result = run_sweep(
            spec, out_dir, executor, resume=resume, force=force, progress=show, factory=factory, lang=_lang()
        )
    except (SweepSpecError, SweepSetupError, SweepStoreError, InputError) as exc:
        _fail(exc)
    except SweepRunError as exc:
        _fail(Msg(f"{localized(exc, 'zh')}；已完成的点已保存，可用 --resume 续算",
                  f"{exc}; finished points are kept; continue with --resume"), 1)
    except OSError as exc:
        _fail(Msg(f"无法运行：{exc}", f"cannot run: {exc}"), 1)
    except KeyboardInterrupt:
        _fail(Msg("已中断；已完成的点已保存，续算：原命令加 --resume",
                  "interrupted; finished points are kept; continue: run the same command with --resume"), 130)
    click.echo(_say(Msg(
        f"完成 {result.n_points} 点（本次计算 {result.n_computed}，已有 {result.n_skipped}，"
        f"用时 {result.elapsed_s:.1f} 秒）；结果在 {result.out_dir}；汇总：fiscalsim sweep-summary {result.out_dir}",
        f"done: {result.n_points} points, {result.n_computed} computed, {result.n_skipped} already stored "
        f"in {result.elapsed_s:.1f} s; results in {result.out_dir}; summarise with: "
        f"fiscalsim sweep-summary {result.out_dir}",
    )))


ANNOUNCE_REPLICATIONS = 20_000
"""Sweeps of at least this many replications print their size estimate before they start."""


def _check_size(spec: SweepSpec, jobs: int | None, allow_large: bool) -> None:
    """Print the sweep's size estimate; refuse it beyond the default limits unless allowed."""
    import os

    size = sweep_size(spec)
    cores = jobs or os.cpu_count() or 1
    reason = over_limit(size)
    if reason and not allow_large:
        estimate = size.describe(cores)
        _fail(Msg(f"{spec.source}：{reason.zh}；{estimate.zh}；如确需运行，加 --allow-large",
                  f"{spec.source}: {reason.en}; {estimate.en}; to run it anyway, add --allow-large"))
    if size.replications >= ANNOUNCE_REPLICATIONS:
        click.echo(_say(size.describe(cores)), err=True)


sweep = make_sweep_command()
"""``fiscalsim sweep``: run a parameter sweep described by SPEC."""


def _fmt(value: Any) -> str:
    """Format a number for the terminal summary."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _print_summary(summary: SweepSummary, lang: Lang) -> None:
    """Print a short human-readable summary in ``lang``."""
    zh = lang == "zh"
    done = f"{len(summary.points)}/{summary.n_points}"
    click.echo(f"设计：{summary.design}；点：{done}" if zh else f"design: {summary.design}; points: {done}")
    for name, info in summary.output_overview().items():
        low, mean, high = _fmt(info["min"]), _fmt(info["mean"]), _fmt(info["max"])
        click.echo(f"  {name} [{info['stat']}]: 最小 {low}  均值 {mean}  最大 {high}" if zh else
                   f"  {name} [{info['stat']}]: min {low}  mean {mean}  max {high}")
    if summary.sobol is not None and len(summary.sobol):
        click.echo("Sobol 指数（按 ST 排序）：" if zh else "Sobol indices, by ST:")
        for output, group in summary.sobol.groupby("output", sort=False):
            click.echo(f"  {output}")
            for row in group.sort_values("ST", ascending=False).itertuples(index=False):
                click.echo(
                    f"    {row.factor}: S1 {_fmt(row.S1)} ± {_fmt(row.S1_conf)}   ST {_fmt(row.ST)} ± {_fmt(row.ST_conf)}"
                )
    if summary.morris is not None and len(summary.morris):
        click.echo("Morris（按 μ* 排序）：" if zh else "Morris, by mu*:")
        for output, group in summary.morris.groupby("output", sort=False):
            click.echo(f"  {output}")
            for row in group.sort_values("mu_star", ascending=False).itertuples(index=False):
                click.echo(
                    f"    {row.factor}: mu* {_fmt(row.mu_star)} ± {_fmt(row.mu_star_conf)}   sigma {_fmt(row.sigma)}"
                )
    for output, boxes in summary.prim.items():
        if not boxes:
            continue
        click.echo(f"{output} 未达标的区域：" if zh else f"where {output} is missed:")
        for i, box in enumerate(boxes, 1):
            parts = []
            for factor, lim in box.limits.items():
                if "options" in lim:
                    parts.append(f"{factor} ∈ {{{', '.join(map(str, lim['options']))}}}")
                else:
                    lo = _fmt(lim["lo"]) if lim["lo"] is not None else "…"
                    hi = _fmt(lim["hi"]) if lim["hi"] is not None else "…"
                    parts.append(f"{factor} ∈ [{lo}, {hi}]")
            where = "; ".join(parts) or ("（全部）" if zh else "(all)")
            click.echo(
                f"  #{i} {where}  density {_fmt(box.density)}  coverage {_fmt(box.coverage)}  support {_fmt(box.support)}"
            )
    for note in summary.notes:
        click.echo(("注：" if zh else "note: ") + pick(note, lang))


@click.command("sweep-summary")
@click.argument("out_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--min-support",
    type=click.FloatRange(0.0, 1.0, min_open=True),
    default=0.1,
    show_default=True,
    help="PRIM 最小盒占比 (smallest PRIM box, share of points).",
)
@click.option(
    "--peel",
    type=click.FloatRange(0.0, 0.5, min_open=True),
    default=0.05,
    show_default=True,
    help="PRIM 每步剥离比例 (PRIM peeling share per step).",
)
def sweep_summary(out_dir: Path, min_support: float, peel: float) -> None:
    """汇总扫描结果 (summarise a sweep in DIR: summary.json, points_summary.parquet)."""
    if not out_dir.is_dir():
        _fail(Msg(f"结果目录不存在：{out_dir}", f"no such directory: {out_dir}"))
    try:
        summary = summarise_sweep(out_dir, prim_alpha=peel, prim_min_support=min_support)
    except SweepStoreError as exc:
        _fail(exc)
    _print_summary(summary, _lang())
    summary_json, points = out_dir / "summary.json", out_dir / "points_summary.parquet"
    click.echo(_say(Msg(f"已写入 {summary_json} 与 {points}", f"written: {summary_json}, {points}")))


@click.group()
def main() -> None:
    """参数扫描 (parameter sweeps)."""


main.add_command(sweep)
main.add_command(sweep_summary)


if __name__ == "__main__":
    sys.exit(main())
